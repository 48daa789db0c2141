"""Benchmark: the customer table and daily series in DuckDB, pandas and (optionally) Spark.

Run from the project root::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/features.py [--engine duckdb|spark]
        [--rows N] [--seed S] [--cache-dir DIR] [--master URL]

Protocol
--------
1. The log: ``analysis.shop.write_shop_parquet(path, n_rows=N, seed=S)``
   (default 10,000,000 rows, seed 0, exactly N rows) into
   ``benchmarks/.cache/shop_rows<N>_seed<S>_<sha>.parquet``, where ``<sha>``
   starts the SHA-256 of ``analysis/shop/``; a sidecar JSON records the
   arguments and the file size.  A file is reused only when it was written by
   this script for the same N, S and generator; otherwise it is written now
   (in its own child process) and ``generate_seconds`` says how long that took.
   The file is in the page cache for every path (just written, or read by the
   previous run): the timings are warm-cache timings.
2. Each path runs once, in its own fresh process (``spawn``), DuckDB first:

   * ``duckdb``: ``analysis.features.customer_table(path)`` then
     ``daily_series(path)`` on the Parquet path; DuckDB reads the file itself
     (out of core, one thread: the package's rule for identical sums).
   * ``pandas``: ``pd.read_parquet(path, columns=[the five needed])``, then
     line revenue ``quantity * unit_price``, a groupby (customer, order) for
     each order's time and value, a groupby customer for first/last purchase,
     recency, frequency (distinct orders), monetary, average order value and
     tenure (``as_of`` = the day after the last transaction, as in
     ``analysis.features``), and a groupby day for revenue, orders, units and
     customers, reindexed over every calendar day with zeros.
   * ``spark`` (with ``--engine spark``): the same two calls with
     ``engine="spark"``: the same SQL text, run by Spark SQL over the same
     Parquet file, in local mode (``local[*]``, 2 cores here, Spark's default
     1 GB driver heap) or on the cluster ``--master`` names.  The session (the
     JVM) is started before the clock, as imports are for the other two;
     ``session_start_seconds`` says how long that took.

   ``seconds`` is the wall time (``time.perf_counter``) of the whole path,
   reading included.  ``peak_mb`` is the path's peak resident set size: for
   DuckDB and pandas the child's ``VmHWM`` (exact, the whole process:
   interpreter, imports, native memory; also given as ``peak_rss_mb``); for
   Spark the sum of the ``VmHWM`` of the Python child and of every process it
   started (the JVM), read before the session stops: an upper bound of the
   tree's peak that cannot miss a spike; ``peak_tree_sampled_mb`` is a psutil
   thread's 20 ms sampling of the tree's summed RSS, a lower bound.  ``rows``
   is the number of log rows each path aggregated; ``customer_rows`` and
   ``day_rows`` the sizes of the two tables it produced.
3. Every path saves its tables (after its clock and memory readings) and the
   parent compares pandas, then Spark, with DuckDB: same customers;
   frequency, recency, tenure, first and last purchase equal; monetary and
   average order value per customer and revenue per day within 1e-9
   relative; total monetary and total daily revenue within 1e-6 relative;
   daily orders, units and customers equal.  ``agree`` is true when every
   check of every pair passes.

Progress goes to stderr; the last line of stdout is one JSON object:
``{"rows", "customers", "duckdb": {"seconds", "peak_mb", "rows", ...},
"pandas": {...}, "spark": {...} (with --engine spark), "speedup",
"generate_seconds", "agree", "checks", "goals", "machine"}``.  Goals (issue):
DuckDB <= 30 s and <= 4 GB peak on 2 cores, and faster than pandas.  The run
of record is ``benchmarks/results/features.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
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


def _sizes(customers, daily) -> dict[str, int]:
    return {"customer_rows": len(customers), "day_rows": len(daily)}


def run_duckdb(path: str, out_dir: str) -> dict[str, Any]:
    """Child: the DuckDB engine on the Parquet file."""
    from analysis.features import customer_table, daily_series

    with PeakMemory() as mem:
        start = time.perf_counter()
        customers = customer_table(path)
        mid = time.perf_counter()
        daily = daily_series(path)
        end = time.perf_counter()
    customers.to_parquet(Path(out_dir) / "duckdb_customers.parquet")
    daily.to_parquet(Path(out_dir) / "duckdb_daily.parquet")
    return {
        "seconds": round(end - start, 3),
        "peak_mb": round(mem.peak_mb, 1),
        **mem.as_dict(),
        "customer_table_seconds": round(mid - start, 3),
        "daily_series_seconds": round(end - mid, 3),
        **_sizes(customers, daily),
    }


def _hwm_mb(pid: int) -> float:
    """``VmHWM`` of a process, in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


class TreeMemory:
    """This process and all its children (the JVM): summed RSS sampled every 20 ms, and summed ``VmHWM``."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self._root = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.sampled_peak_mb = 0.0

    def processes(self) -> list:
        return [self._root, *self._root.children(recursive=True)]

    def _rss(self) -> float:
        total = 0
        for proc in self.processes():
            try:
                total += proc.memory_info().rss
            except Exception:  # a child that ended between listing and reading
                pass
        return total / 2**20

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.sampled_peak_mb = max(self.sampled_peak_mb, self._rss())

    def __enter__(self) -> TreeMemory:
        self.baseline_mb = self._rss()
        self.sampled_peak_mb = self.baseline_mb
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.hwm_by_process = {p.pid: round(_hwm_mb(p.pid), 1) for p in self.processes()}
        self.hwm_sum_mb = sum(self.hwm_by_process.values())


def run_spark(path: str, out_dir: str, master: str | None) -> dict[str, Any]:
    """Child: the Spark engine (same SQL) on the same Parquet file; the JVM's memory counts."""
    from analysis.features import customer_table, daily_series, spark_session

    t0 = time.perf_counter()
    spark = spark_session(master)
    started = time.perf_counter()
    with TreeMemory() as mem:
        start = time.perf_counter()
        customers = customer_table(path, engine="spark")
        mid = time.perf_counter()
        daily = daily_series(path, engine="spark")
        end = time.perf_counter()
    info = {
        "seconds": round(end - start, 3),
        "peak_mb": round(mem.hwm_sum_mb, 1),
        "peak_tree_sampled_mb": round(mem.sampled_peak_mb, 1),
        "baseline_tree_mb": round(mem.baseline_mb, 1),
        "processes": len(mem.hwm_by_process),
        "customer_table_seconds": round(mid - start, 3),
        "daily_series_seconds": round(end - mid, 3),
        "session_start_seconds": round(started - t0, 3),
        "master": spark.sparkContext.master,
        "spark_version": spark.version,
        **_sizes(customers, daily),
    }
    spark.stop()
    customers.to_parquet(Path(out_dir) / "spark_customers.parquet")
    daily.to_parquet(Path(out_dir) / "spark_daily.parquet")
    return info


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
    import pandas  # noqa: F401  (imported before the clock, as DuckDB is for the DuckDB path)
    import pyarrow.parquet  # noqa: F401

    with PeakMemory() as mem:
        start = time.perf_counter()
        customers, daily, steps = pandas_tables(path)
        end = time.perf_counter()
    customers.to_parquet(Path(out_dir) / "pandas_customers.parquet")
    daily.to_parquet(Path(out_dir) / "pandas_daily.parquet")
    return {
        "seconds": round(end - start, 3),
        "peak_mb": round(mem.peak_mb, 1),
        **mem.as_dict(),
        **steps,
        **_sizes(customers, daily),
    }


# ---------------------------------------------------------------- agreement


def _max_rel(a, b) -> float:
    import numpy as np

    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(rel.max()) if rel.size else 0.0


def compare(out_dir: str, ours: str = "duckdb", theirs: str = "pandas") -> tuple[bool, dict[str, Any]]:
    """Compare two paths' tables; (all checks pass, the checks)."""
    import numpy as np
    import pandas as pd

    out = Path(out_dir)
    ours_c = pd.read_parquet(out / f"{ours}_customers.parquet").set_index("customer_id").sort_index()
    theirs_c = pd.read_parquet(out / f"{theirs}_customers.parquet").set_index("customer_id").sort_index()
    ours_d = pd.read_parquet(out / f"{ours}_daily.parquet")
    theirs_d = pd.read_parquet(out / f"{theirs}_daily.parquet")

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
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                        help="spark: also run the Spark engine beside DuckDB and pandas (needs Java and PySpark)")
    parser.add_argument("--master", default=None, help="Spark master (default: local mode, local[*])")
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the log (default 10,000,000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated shop (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where the log is kept")
    args = parser.parse_args(argv)
    host = machine()  # before any work: its load average is everyone else's

    path, data = ensure_log(
        args.cache_dir, f"shop_rows{args.rows}_seed{args.seed}", n_rows=args.rows, seed=args.seed
    )
    paths: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench_features_") as out_dir:
        log("duckdb: customer_table + daily_series on the Parquet path (child process)")
        paths["duckdb"] = run_in_child(run_duckdb, str(path), out_dir)
        log("pandas: read_parquet + groupby (child process)")
        paths["pandas"] = run_in_child(run_pandas, str(path), out_dir)
        if args.engine == "spark":
            log("spark: the same two calls with engine='spark' (child process, session started before the clock)")
            paths["spark"] = run_in_child(run_spark, str(path), out_dir, args.master)
        for name, result in paths.items():
            result["rows"] = data["rows"]
            log(f"{name}: {result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB")
        agree, checks = compare(out_dir, "duckdb", "pandas")
        if "spark" in paths:
            spark_agree, spark_checks = compare(out_dir, "duckdb", "spark")
            checks["spark_vs_duckdb"] = spark_checks
            agree = agree and spark_agree
    log(f"agree: {agree}")
    duck, theirs = paths["duckdb"], paths["pandas"]
    result = {
        "rows": data["rows"],
        "customers": checks["n_customers"][0],
        "seed": args.seed,
        **paths,
        "speedup": round(theirs["seconds"] / duck["seconds"], 2),
        "generate_seconds": data["generate_seconds"],
        "data_reused": data["reused"],
        "data_file": path.name,
        "agree": agree,
        "checks": checks,
        "goals": {
            "seconds_le_30": duck["seconds"] <= GOAL_SECONDS,
            "peak_le_4gb": duck["peak_mb"] <= GOAL_PEAK_MB,
            "faster_than_pandas": duck["seconds"] < theirs["seconds"],
        },
        "machine": host,
    }
    print(json.dumps(result))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
