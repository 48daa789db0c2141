"""Benchmark: customer features plus k-means segmentation on about 1 M simulated customers.

Run from the project root::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/segment.py [--customers N] [--seed S] [--cache-dir DIR]

Protocol
--------
1. The log: ``analysis.shop.write_shop_parquet`` sizes a file by rows, not
   customers, and simulates customers in chunks of ``chunk_customers``
   (25,000) with every customer complete.  So the script writes one chunk
   first (``n_rows=1, exact=False``: the first chunk is the first chunk of the
   big file, same seed), takes its rows per customer ``rho`` (about 21 with the
   default shop) and asks for ``n_rows = rho * (N - chunk / 2)`` with
   ``exact=False``: writing stops at the first chunk boundary at or past that
   many rows, which is the boundary at ``N`` customers unless the chunks'
   sizes drift by half a chunk.  The rows and customers actually written are
   reported (``rows``, ``customers_written``) with the ``n_customers`` found by
   ``customer_table``.  The file is cached as
   ``benchmarks/.cache/shop_customers<N>_seed<S>_<sha>.parquet`` (``<sha>``
   starts the SHA-256 of ``analysis/shop/``) with a sidecar JSON, reused only
   for the same N, S and generator; ``generate_seconds`` is the time to write
   it (0 when reused).
2. In one fresh child process (``spawn``), timed with ``time.perf_counter``:
   ``customer_table(path)`` (DuckDB over the Parquet file) ->
   ``rfm_matrix(customers)`` (default features recency, frequency, monetary,
   tenure) -> ``choose_k(X, k_range=range(2, 9), runs=2, n_init=1)`` (one k-means++ start
   per k from each of 2 seeds, for the stability criterion;
   silhouette on a 10,000-row sample, seed 0) -> ``fit_kmeans(X, k)`` (the chosen k)
   (best of 4 starts).  Each step's seconds and the total are reported;
   imports happen before the clock starts.
3. ``peak_rss_mb`` is the child's peak resident set size, the kernel's
   ``VmHWM`` (exact, the whole process); ``peak_rss_sampled_mb`` is a psutil
   thread's 20 ms sampling, as a cross-check (see ``benchmarks/_common.py``).

Progress goes to stderr; the last line of stdout is one JSON object with
``rows, customers_written, n_customers, seconds, peak_rss_mb, steps, k, k_reason, best_k,
elbow_k, k_table, segment_sizes, generate_seconds, goals, machine``.
Goal (issue): the 1 M-customer segmentation in under 60 s and 4 GB here.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    DEFAULT_CACHE,
    PeakMemory,
    ensure_log,
    log,
    machine,
    run_in_child,
)

CHUNK_CUSTOMERS = 25_000  # write_shop_parquet's default, passed explicitly
K_RANGE = range(2, 9)
GOAL_SECONDS = 60.0
GOAL_PEAK_MB = 4096.0


def _one_chunk(seed: int) -> dict[str, Any]:
    """Child: write the first chunk alone; its rows and customers."""
    from analysis.shop import write_shop_parquet

    with tempfile.TemporaryDirectory(prefix="bench_segment_probe_") as tmp:
        info = write_shop_parquet(
            Path(tmp) / "probe.parquet", n_rows=1, seed=seed, exact=False,
            chunk_customers=CHUNK_CUSTOMERS,
        )
    return info


def rows_for(customers: int, seed: int) -> int:
    """``n_rows`` that makes ``write_shop_parquet(exact=False)`` stop at ``customers``."""
    probe = run_in_child(_one_chunk, seed)
    rho = probe["rows"] / probe["customers"]
    rows = max(1, round(rho * (customers - CHUNK_CUSTOMERS / 2)))
    log(
        f"first chunk: {probe['rows']:,} rows for {probe['customers']:,} customers "
        f"({rho:.2f} rows per customer) -> n_rows={rows:,}"
    )
    return rows


def run_segmentation(path: str) -> dict[str, Any]:
    """Child: customer table -> RFM matrix -> choose k -> final k-means, timed."""
    import numpy as np
    from threadpoolctl import threadpool_info

    from analysis.features import customer_table
    from analysis.segment import choose_k, fit_kmeans, rfm_matrix

    with PeakMemory() as mem:
        t0 = time.perf_counter()
        customers = customer_table(path)
        t1 = time.perf_counter()
        X, _ = rfm_matrix(customers)
        t2 = time.perf_counter()
        choice = choose_k(X, k_range=K_RANGE, runs=2, n_init=1)
        t3 = time.perf_counter()
        labels, _ = fit_kmeans(X, choice.k)
        t4 = time.perf_counter()
    return {
        "n_customers": int(len(customers)),
        "seconds": round(t4 - t0, 3),
        **mem.as_dict(),
        "steps": {
            "customer_table": round(t1 - t0, 3),
            "rfm_matrix": round(t2 - t1, 3),
            "choose_k": round(t3 - t2, 3),
            "fit_kmeans": round(t4 - t3, 3),
        },
        "k": choice.k,
        "k_reason": choice.reason,
        "best_k": choice.best_k,
        "elbow_k": choice.elbow_k,
        "silhouette_sample": choice.sample_size,
        "k_table": [
            {"k": int(r.k), "inertia": round(float(r.inertia), 1), "silhouette": round(float(r.silhouette), 4)}
            for r in choice.table.itertuples()
        ],
        "segment_sizes": np.bincount(labels).tolist(),
        "threadpools": sorted({f"{p['internal_api']}:{p['num_threads']}" for p in threadpool_info()}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000,
                        help="customers in the log (default 1,000,000; a multiple of 25,000 is exact)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated shop (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where the log is kept")
    args = parser.parse_args(argv)
    host = machine()  # before any work: its load average is everyone else's

    path, data = ensure_log(
        args.cache_dir,
        f"shop_customers{args.customers}_seed{args.seed}",
        n_rows=lambda: rows_for(args.customers, args.seed),
        seed=args.seed,
        exact=False,
        options={"chunk_customers": CHUNK_CUSTOMERS},
    )
    if data["customers"] != args.customers:
        log(f"note: the log has {data['customers']:,} customers, not {args.customers:,}")

    log(f"segmentation on {path.name} (child process)")
    seg = run_in_child(run_segmentation, str(path))
    log(
        f"{seg['n_customers']:,} customers: {seg['seconds']:.2f} s, peak {seg['peak_rss_mb']:.0f} MB, "
        f"k={seg['k']} ({seg['k_reason']}), best silhouette k={seg['best_k']} ({seg['steps']})"
    )
    result = {
        "rows": data["rows"],
        "customers_written": data["customers"],
        **seg,
        "seed": args.seed,
        "generate_seconds": data["generate_seconds"],
        "data_reused": data["reused"],
        "data_file": path.name,
        "goals": {
            "seconds_lt_60": seg["seconds"] < GOAL_SECONDS,
            "peak_le_4gb": seg["peak_rss_mb"] <= GOAL_PEAK_MB,
        },
        "machine": host,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
