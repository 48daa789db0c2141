"""Benchmark: the customer table and daily series in DuckDB vs a plain pandas groupby.

Run from the project root::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/features.py [--rows N] [--seed S] [--cache-dir DIR]

Protocol
--------
1. The log: ``analysis.shop.write_shop_parquet(path, n_rows=N, seed=S)``
   (default 10,000,000 rows, seed 0, exactly N rows) into
   ``benchmarks/.cache/shop_rows<N>_seed<S>_<sha>.parquet``, where ``<sha>``
   starts the SHA-256 of ``analysis/shop/``; a sidecar JSON records the
   arguments and the file size.  A file is reused only when it was written by
   this script for the same N, S and generator; otherwise it is written now
   (in its own child process) and ``generate_seconds`` says how long that took.
   The file is in the page cache for both paths (just written, or read by the
   previous run): the timings are warm-cache timings.
2. Each path runs once, in its own fresh process (``spawn``), ours first:

   * ``ours``: ``analysis.features.customer_table(path)`` then
     ``daily_series(path)`` on the Parquet path; DuckDB reads the file itself
     (out of core, 2 threads on this machine).
   * ``pandas``: ``pd.read_parquet(path, columns=[the five needed])``, then
     line revenue ``quantity * unit_price``, a groupby (customer, order) for
     each order's time and value, a groupby customer for first/last purchase,
     recency, frequency (distinct orders), monetary, average order value and
     tenure (``as_of`` = the day after the last transaction, as in
     ``analysis.features``), and a groupby day for revenue, orders, units and
     customers, reindexed over every calendar day with zeros.

   ``seconds`` is the wall time (``time.perf_counter``) of the whole path,
   reading included; imports happen before the clock starts, in both.
   ``peak_rss_mb`` is that child's peak resident set size, the kernel's
   ``VmHWM`` (exact, the whole process: interpreter, imports, native memory);
   ``peak_rss_sampled_mb`` is a psutil thread's 20 ms sampling of the same, as
   a cross-check (see ``benchmarks/_common.py``).
3. Both children save their tables (after their clock and memory readings) and
   the parent compares them: same customers; frequency, recency, tenure,
   first and last purchase equal; monetary and average order value per
   customer and revenue per day within 1e-9 relative; total monetary and
   total daily revenue within 1e-6 relative; daily orders, units and
   customers equal.  ``agree`` is true when every check passes.

Progress goes to stderr; the last line of stdout is one JSON object:
``{"rows", "customers", "ours": {"seconds", "peak_rss_mb", ...},
"pandas": {...}, "speedup", "generate_seconds", "agree", "checks", "goals",
"machine"}``.  Goals (issue): ours <= 30 s and <= 4 GB peak on 2 cores, and
faster than pandas.
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
from _common import DEFAULT_CACHE, PeakMemory, ensure_log, log, machine, run_in_child  # noqa: E402

GOAL_SECONDS = 30.0
GOAL_PEAK_MB = 4096.0
CUSTOMER_COLUMNS = [
    "customer_id", "first_purchase", "last_purchase", "recency",
    "frequency", "monetary", "avg_order_value", "tenure",
]
DAILY_COLUMNS = ["revenue", "orders", "units", "customers"]


# ------------------------------------------------------------------ the paths


def run_ours(path: str, out_dir: str) -> dict[str, Any]:
    """Child: our DuckDB path on the Parquet file."""
    from analysis.features import customer_table, daily_series

    with PeakMemory() as mem:
        start = time.perf_counter()
        customers = customer_table(path)
        mid = time.perf_counter()
        daily = daily_series(path)
        end = time.perf_counter()
    customers.to_parquet(Path(out_dir) / "ours_customers.parquet")
    daily.to_parquet(Path(out_dir) / "ours_daily.parquet")
    return {
        "seconds": round(end - start, 3),
        **mem.as_dict(),
        "customer_table_seconds": round(mid - start, 3),
        "daily_series_seconds": round(end - mid, 3),
    }


def pandas_tables(path: str) -> tuple[Any, Any, dict[str, float]]:
    """The straightforward in-memory pandas version of the same two tables."""
    import pandas as pd

    t0 = time.perf_counter()
    tx = pd.read_parquet(
        path, columns=["order_id", "customer_id", "quantity", "unit_price", "timestamp"]
    )
    t1 = time.perf_counter()
    tx["revenue"] = tx["quantity"] * tx["unit_price"]
    as_of = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)

    orders = (
        tx.groupby(["customer_id", "order_id"], sort=False)
        .agg(ts=("timestamp", "min"), value=("revenue", "sum"))
        .reset_index()
    )
    customers = orders.groupby("customer_id").agg(
        first_purchase=("ts", "min"),
        last_purchase=("ts", "max"),
        frequency=("value", "size"),
        monetary=("value", "sum"),
    )
    customers["recency"] = (as_of - customers["last_purchase"].dt.normalize()).dt.days
    customers["avg_order_value"] = customers["monetary"] / customers["frequency"]
    customers["tenure"] = (as_of - customers["first_purchase"].dt.normalize()).dt.days
    customers = customers.reset_index()[CUSTOMER_COLUMNS]
    t2 = time.perf_counter()

    day = tx["timestamp"].dt.normalize()
    daily = tx.assign(date=day).groupby("date").agg(
        revenue=("revenue", "sum"),
        orders=("order_id", "nunique"),
        units=("quantity", "sum"),
        customers=("customer_id", "nunique"),
    )
    days = pd.date_range(day.min(), day.max(), freq="D", name="date")
    daily = daily.reindex(days, fill_value=0)
    t3 = time.perf_counter()
    steps = {
        "read_seconds": round(t1 - t0, 3),
        "customer_table_seconds": round(t2 - t1, 3),
        "daily_series_seconds": round(t3 - t2, 3),
    }
    return customers, daily, steps


def run_pandas(path: str, out_dir: str) -> dict[str, Any]:
    """Child: the pandas baseline."""
    import pandas  # noqa: F401  (imported before the clock, as DuckDB is for ours)
    import pyarrow.parquet  # noqa: F401

    with PeakMemory() as mem:
        start = time.perf_counter()
        customers, daily, steps = pandas_tables(path)
        end = time.perf_counter()
    customers.to_parquet(Path(out_dir) / "pandas_customers.parquet")
    daily.to_parquet(Path(out_dir) / "pandas_daily.parquet")
    return {"seconds": round(end - start, 3), **mem.as_dict(), **steps}


# ---------------------------------------------------------------- agreement


def _max_rel(a, b) -> float:
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(rel.max()) if rel.size else 0.0


def compare(out_dir: str) -> tuple[bool, dict[str, Any]]:
    """Compare the two paths' tables; (all checks pass, the checks)."""
    import numpy as np
    import pandas as pd

    out = Path(out_dir)
    ours_c = pd.read_parquet(out / "ours_customers.parquet").set_index("customer_id").sort_index()
    theirs_c = pd.read_parquet(out / "pandas_customers.parquet").set_index("customer_id").sort_index()
    ours_d = pd.read_parquet(out / "ours_daily.parquet")
    theirs_d = pd.read_parquet(out / "pandas_daily.parquet")

    same_ids = ours_c.index.equals(theirs_c.index)
    checks: dict[str, Any] = {
        "n_customers": [len(ours_c), len(theirs_c)],
        "same_customer_ids": bool(same_ids),
        "n_days": [len(ours_d), len(theirs_d)],
        "same_days": bool(pd.DatetimeIndex(ours_d.index).equals(pd.DatetimeIndex(theirs_d.index))),
    }
    ok = same_ids and checks["same_days"]
    if same_ids:
        for col in ("frequency", "recency", "tenure"):
            equal = bool(np.array_equal(ours_c[col].to_numpy(), theirs_c[col].to_numpy()))
            checks[f"{col}_equal"] = equal
            ok &= equal
        for col in ("first_purchase", "last_purchase"):
            equal = bool(
                (pd.to_datetime(ours_c[col]).to_numpy() == pd.to_datetime(theirs_c[col]).to_numpy()).all()
            )
            checks[f"{col}_equal"] = equal
            ok &= equal
        for col in ("monetary", "avg_order_value"):
            rel = _max_rel(ours_c[col], theirs_c[col])
            checks[f"{col}_max_rel_diff"] = rel
            ok &= rel <= 1e-9
    total = [float(ours_c["monetary"].sum()), float(theirs_c["monetary"].sum())]
    checks["total_monetary"] = total
    checks["total_monetary_rel_diff"] = _max_rel([total[0]], [total[1]])
    ok &= checks["total_monetary_rel_diff"] <= 1e-6
    revenue = [float(ours_d["revenue"].sum()), float(theirs_d["revenue"].sum())]
    checks["daily_revenue_sum"] = revenue
    checks["daily_revenue_sum_rel_diff"] = _max_rel([revenue[0]], [revenue[1]])
    checks["daily_revenue_vs_monetary_rel_diff"] = _max_rel([revenue[0]], [total[0]])
    ok &= checks["daily_revenue_sum_rel_diff"] <= 1e-6
    ok &= checks["daily_revenue_vs_monetary_rel_diff"] <= 1e-6
    if checks["same_days"]:
        rel = _max_rel(ours_d["revenue"], theirs_d["revenue"])
        checks["daily_revenue_max_rel_diff"] = rel
        ok &= rel <= 1e-9
        for col in ("orders", "units", "customers"):
            equal = bool(np.array_equal(ours_d[col].to_numpy(), theirs_d[col].to_numpy()))
            checks[f"daily_{col}_equal"] = equal
            ok &= equal
    return bool(ok), checks


# --------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the log (default 10,000,000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated shop (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where the log is kept")
    args = parser.parse_args(argv)
    host = machine()  # before any work: its load average is everyone else's

    path, data = ensure_log(
        args.cache_dir, f"shop_rows{args.rows}_seed{args.seed}", n_rows=args.rows, seed=args.seed
    )
    with tempfile.TemporaryDirectory(prefix="bench_features_") as out_dir:
        log("ours: customer_table + daily_series on the Parquet path (child process)")
        ours = run_in_child(run_ours, str(path), out_dir)
        log(f"ours: {ours['seconds']:.2f} s, peak {ours['peak_rss_mb']:.0f} MB")
        log("pandas: read_parquet + groupby (child process)")
        theirs = run_in_child(run_pandas, str(path), out_dir)
        log(f"pandas: {theirs['seconds']:.2f} s, peak {theirs['peak_rss_mb']:.0f} MB")
        agree, checks = compare(out_dir)
    log(f"agree: {agree}")

    result = {
        "rows": data["rows"],
        "customers": checks["n_customers"][0],
        "seed": args.seed,
        "ours": ours,
        "pandas": theirs,
        "speedup": round(theirs["seconds"] / ours["seconds"], 2),
        "generate_seconds": data["generate_seconds"],
        "data_reused": data["reused"],
        "data_file": path.name,
        "agree": agree,
        "checks": checks,
        "goals": {
            "seconds_le_30": ours["seconds"] <= GOAL_SECONDS,
            "peak_le_4gb": ours["peak_rss_mb"] <= GOAL_PEAK_MB,
            "faster_than_pandas": ours["seconds"] < theirs["seconds"],
        },
        "machine": host,
    }
    print(json.dumps(result))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
