"""Arrow columns of the shop: fixed-width ids, timestamps and the transactions table.

Ids are ``O0000123`` (orders, 7 digits), ``C000123`` (customers, 6) and
``P0123`` (products, 4); the width grows only if a number does not fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import schema as S
from analysis.shop.catalogue import CATEGORIES, CHANNELS, COUNTRIES
from analysis.shop.simulate import Chunk, Context

_ID_WIDTH = {"O": 7, "C": 6, "P": 4}
COUNTRY_NAMES: tuple[str, ...] = tuple(c for c, _ in COUNTRIES)


def transactions_schema() -> pa.Schema:
    """The Arrow schema of ``Shop.transactions`` (and of the Parquet file)."""
    return pa.schema(
        [
            (S.ORDER, pa.large_string()),
            (S.CUSTOMER, pa.large_string()),
            (S.PRODUCT, pa.large_string()),
            (S.QUANTITY, pa.int64()),
            (S.PRICE, pa.float64()),
            (S.TIMESTAMP, pa.timestamp("us")),
            (S.DESCRIPTION, pa.large_string()),
            (S.CATEGORY, pa.large_string()),
            (S.COUNTRY, pa.large_string()),
            (S.CHANNEL, pa.large_string()),
        ]
    )


def _id_bytes(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """Fixed-width ids such as ``O0000123`` as a ``(n, width + 1)`` byte matrix."""
    numbers = np.asarray(numbers, dtype=np.int64)
    width = _ID_WIDTH[prefix]
    if len(numbers) and numbers.max() >= 10**width:
        width = len(str(int(numbers.max())))
    buf = np.empty((len(numbers), width + 1), dtype=np.uint8)
    buf[:, 0] = ord(prefix)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    buf[:, 1:] = (numbers[:, None] // powers[None, :]) % 10 + ord("0")
    return buf


def _strings_from_bytes(buf: np.ndarray) -> pa.LargeStringArray:
    """An Arrow string array over the rows of a fixed-width byte matrix (no copy loop)."""
    n, width = buf.shape
    offsets = np.arange(n + 1, dtype=np.int64) * width
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf).reshape(-1))
    )


def id_array(prefix: str, numbers: np.ndarray, take: np.ndarray | None = None) -> pa.Array:
    """Ids for ``numbers`` (optionally gathered by ``take``, e.g. one per line)."""
    buf = _id_bytes(prefix, numbers)
    return _strings_from_bytes(buf if take is None else buf[take])


def take_strings(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """``values[index]`` as an Arrow string array."""
    return pa.array(list(values), type=pa.large_string()).take(pa.array(index))


def timestamps(start: pd.Timestamp, seconds: np.ndarray) -> pa.TimestampArray:
    """``start`` plus whole ``seconds``, as microsecond timestamps."""
    us = start.value // 1000 + seconds.astype(np.int64) * 1_000_000
    return pa.array(us, type=pa.timestamp("us"))


def _line_rows(ch: Chunk, rows: np.ndarray | None) -> tuple[np.ndarray, ...]:
    lines = ch.lines
    if rows is None:
        return lines.order, lines.product, lines.quantity, lines.price
    return lines.order[rows], lines.product[rows], lines.quantity[rows], lines.price[rows]


def _order_id_column(ch: Chunk, order_offset: int, rows: np.ndarray | None = None) -> pa.Array:
    """The ``order_id`` of each line (of ``rows``), orders numbered from ``order_offset``."""
    l_order = _line_rows(ch, rows)[0]
    return id_array("O", order_offset + np.arange(len(ch.orders.customer)), l_order)


def transactions_without_order_id(
    ctx: Context, ch: Chunk, customer_offset: int, rows: np.ndarray | None = None
) -> pa.Table:
    """All transaction columns but ``order_id`` (which needs the earlier chunks' counts)."""
    l_order, l_product, l_quantity, l_price = _line_rows(ch, rows)
    cust = ch.orders.customer[l_order]
    catalogue = ctx.catalogue
    columns = [
        id_array("C", customer_offset + np.arange(len(ch.customers.lam)), cust),
        id_array("P", np.arange(catalogue.n_products), l_product),
        pa.array(l_quantity, type=pa.int64()),
        pa.array(l_price, type=pa.float64()),
        timestamps(ctx.config.start, ch.orders.sec[l_order]),
        pa.array(catalogue.description, type=pa.large_string()).take(pa.array(l_product)),
        take_strings(CATEGORIES, catalogue.category[l_product]),
        take_strings(COUNTRY_NAMES, ch.customers.country[cust]),
        take_strings(CHANNELS, ch.orders.channel[l_order]),
    ]
    return pa.Table.from_arrays(columns, schema=pa.schema(list(transactions_schema())[1:]))


def with_order_id(table: pa.Table, ch: Chunk, order_offset: int,
                  rows: np.ndarray | None = None) -> pa.Table:
    """``table`` (from :func:`transactions_without_order_id`) with its ``order_id`` column first."""
    return table.add_column(0, transactions_schema().field(0), _order_id_column(ch, order_offset, rows))


def transactions_table(ctx: Context, ch: Chunk, customer_offset: int, order_offset: int,
                       rows: np.ndarray | None = None) -> pa.Table:
    """The transactions of a chunk (of its line ``rows``), in the order of its lines."""
    rest = transactions_without_order_id(ctx, ch, customer_offset, rows)
    return with_order_id(rest, ch, order_offset, rows)
