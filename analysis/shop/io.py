""":func:`write_shop_parquet`: the shop's transactions streamed to Parquet, chunk by chunk."""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from analysis._checks import check_choice, check_int
from analysis.errors import DataError
from analysis.shop.arrow import transactions_schema, transactions_without_order_id, with_order_id
from analysis.shop.config import ShopConfig, resolve_config
from analysis.shop.simulate import Chunk, Context, build_context, simulate_chunk

COMPRESSIONS: tuple[str, ...] = ("snappy", "zstd", "gzip", "lz4", "brotli", "none")


class WrittenLog(TypedDict):
    """What :func:`write_shop_parquet` wrote."""

    path: str
    rows: int
    customers: int
    orders: int
    chunks: int
    seconds: float


def _simulate_job(ctx: Context, n: int, chunk: int) -> tuple[Chunk, pa.Table]:
    """Worker job: one chunk and its table without order ids (customer ids offset)."""
    ch = simulate_chunk(ctx, n, chunk)
    return ch, transactions_without_order_id(ctx, ch, chunk * n)


def _simulated_chunks(pool: ThreadPoolExecutor, ctx: Context, chunk_customers: int,
                      workers: int) -> Iterator[tuple[Chunk, pa.Table]]:
    """Chunks 0, 1, ... in order, ``workers`` of them simulating ahead in ``pool``.

    Closing the iterator cancels the chunks not yet started.
    """
    pending: deque[Future[tuple[Chunk, pa.Table]]] = deque()
    try:
        for chunk in itertools.count():
            while len(pending) < workers:
                pending.append(pool.submit(_simulate_job, ctx, chunk_customers, chunk + len(pending)))
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def _trimmed(ctx: Context, ch: Chunk, customer_offset: int, order_offset: int,
             remaining: int) -> tuple[pa.Table, int, int]:
    """The first ``remaining`` lines of the chunk's customers in id order (at most one
    customer cut short): the table, customers kept, orders kept."""
    line_cust = ch.orders.customer[ch.lines.order]
    by_customer = np.argsort(line_cust, kind="stable")
    mask = np.zeros(len(line_cust), bool)
    mask[by_customer[:remaining]] = True
    rows = np.flatnonzero(mask)
    table = transactions_without_order_id(ctx, ch, customer_offset, rows)
    n_customers = int(line_cust[by_customer[remaining - 1]]) + 1
    return with_order_id(table, ch, order_offset, rows), n_customers, len(np.unique(ch.lines.order[rows]))


def _write_chunks(writer: pq.ParquetWriter, chunks: Iterator[tuple[Chunk, pa.Table]], ctx: Context,
                  n_rows: int, chunk_customers: int, exact: bool) -> dict[str, int]:
    """Write chunks until ``n_rows`` rows (exactly, or up to a chunk boundary); the counts."""
    counts = {"rows": 0, "customers": 0, "orders": 0, "chunks": 0}
    order_offset = 0
    while counts["rows"] < n_rows:
        ch, table = next(chunks)
        remaining = n_rows - counts["rows"]
        if exact and len(ch.lines.order) > remaining:
            table, n_customers, n_orders = _trimmed(
                ctx, ch, counts["chunks"] * chunk_customers, order_offset, remaining
            )
        else:
            table = with_order_id(table, ch, order_offset)
            n_customers, n_orders = chunk_customers, len(ch.orders.customer)
        writer.write_table(table)
        counts["rows"] += table.num_rows
        counts["customers"] += n_customers
        counts["orders"] += n_orders
        counts["chunks"] += 1
        order_offset += len(ch.orders.customer)
        del ch, table
    return counts


def _check_folder(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.parent.exists():
        raise DataError(
            f"the folder of path does not exist: {path.parent}",
            source=str(path), column="path",
            fix="create the folder first or choose a path in an existing folder",
        )
    return path


def write_shop_parquet(
    path: str | os.PathLike[str],
    n_rows: int = 10_000_000,
    seed: int | None = None,
    *,
    config: ShopConfig | None = None,
    chunk_customers: int = 25_000,
    exact: bool = True,
    compression: str = "snappy",
    workers: int = 2,
    **options: Any,
) -> WrittenLog:
    """Stream the shop's transactions, chunk by chunk of customers, to Parquet.

    ``seed``, ``config`` and ``options`` are the shop's settings, as in
    :func:`~analysis.shop.make_shop`.  Chunk ``c`` simulates
    ``chunk_customers`` customers with the generator seeded by
    ``SeedSequence(seed, spawn_key=(1, c))`` (the catalogue and the calendar
    are shared); customer ids are offset by ``c * chunk_customers`` and order
    ids by the orders of earlier chunks, so ids are unique across the file.
    Each chunk is sorted by timestamp then order id and written as its own
    row group(s): the file is sorted *within* chunks, not globally.

    With ``exact=True`` (default) the last chunk is trimmed to exactly
    ``n_rows`` rows by keeping its customers in id order: every kept customer
    is complete except at most one, whose latest order lines are cut (so at
    most one order loses some lines).  With ``exact=False`` writing stops at
    the first chunk boundary at or beyond ``n_rows``.  Memory is bounded by
    ``workers + 1`` chunks (about ``chunk_customers * n_products * 8`` bytes for
    each choice matrix plus the chunks' rows): ``workers`` threads simulate
    the next chunks while the current one is written, in chunk order, so the
    result does not depend on ``workers``.  The file has no timestamps in its
    metadata, so the same arguments give a byte-identical file.

    Returns ``{"path", "rows", "customers", "orders", "chunks", "seconds"}``.
    """
    t0 = time.perf_counter()
    n_rows = check_int("n_rows", n_rows, low=1, fix="ask for at least one row, e.g. n_rows=10_000_000")
    chunk_customers = check_int("chunk_customers", chunk_customers, low=1,
                                fix="use a positive chunk size, e.g. chunk_customers=25_000")
    workers = check_int("workers", workers, low=1, fix="use at least one worker thread, e.g. workers=2")
    check_choice("compression", compression, COMPRESSIONS, fix="use 'snappy' (default), 'zstd' or 'none'")
    ctx = build_context(resolve_config(config, seed, options, caller="write_shop_parquet"))
    path = _check_folder(path)
    with ThreadPoolExecutor(max_workers=workers) as pool, pq.ParquetWriter(
        str(path), transactions_schema(), compression=compression,
        write_statistics=True, use_dictionary=True,
    ) as writer, contextlib.closing(_simulated_chunks(pool, ctx, chunk_customers, workers)) as chunks:
        counts = _write_chunks(writer, chunks, ctx, n_rows, chunk_customers, exact)
    return WrittenLog(path=str(path), rows=counts["rows"], customers=counts["customers"],
                      orders=counts["orders"], chunks=counts["chunks"],
                      seconds=time.perf_counter() - t0)
