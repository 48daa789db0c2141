"""Benchmark: the shop's Parquet writer, its speed, memory and reproducibility.

Run from the project root::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/shop.py [--rows N] [--seed S] [--repeats R]

Protocol
--------
``analysis.shop.write_shop_parquet(path, n_rows=N, seed=S)`` (default
10,000,000 rows, seed 0, the default 25,000 customers a chunk and 2 worker
threads) writes into a temporary folder, ``R`` times (default 2), each in its
own fresh child process (``spawn``); ``seconds`` is the writer's own clock,
``cpu_seconds`` the child's processor time over the call (all threads: less
sensitive than the wall clock to other work on the machine) and
``peak_rss_mb`` the child's ``VmHWM`` (see ``benchmarks/_common.py``).  Every
run's file is hashed: ``sha256`` is the same for every repeat, as the writer
promises, and is the value to compare before and after a change of the
simulator (``identical`` says whether the repeats agreed).

Progress goes to stderr; the last line of stdout is one JSON object with
``rows, customers, orders, chunks, seed, runs, seconds_min, cpu_seconds_min,
rows_per_second, peak_rss_mb, bytes, sha256, identical, machine``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PeakMemory, log, machine, run_in_child  # noqa: E402


def write_once(path: str, n_rows: int, seed: int) -> dict[str, Any]:
    """Child: write the log once; the writer's summary, processor time, peak memory, hash."""
    from analysis.shop import write_shop_parquet

    with PeakMemory() as mem:
        cpu = time.process_time()
        info = write_shop_parquet(path, n_rows=n_rows, seed=seed)
        cpu = time.process_time() - cpu
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {**info, "cpu_seconds": round(cpu, 3), "peak_rss_mb": round(mem.peak_mb, 1),
            "bytes": Path(path).stat().st_size, "sha256": digest.hexdigest()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the log (default 10,000,000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated shop (default 0)")
    parser.add_argument("--repeats", type=int, default=2, help="runs, each in a fresh process (default 2)")
    args = parser.parse_args(argv)
    host = machine()  # before any work: its load average is everyone else's
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench_shop_") as tmp:
        for k in range(args.repeats):
            path = Path(tmp) / f"run{k}.parquet"
            runs.append(run_in_child(write_once, str(path), args.rows, args.seed))
            path.unlink()
            log(f"run {k + 1}: {runs[-1]['seconds']:.2f} s, cpu {runs[-1]['cpu_seconds']:.2f} s, "
                f"peak {runs[-1]['peak_rss_mb']:.0f} MB, sha256 {runs[-1]['sha256'][:12]}")
    first = runs[0]
    fastest = min(r["seconds"] for r in runs)
    result = {
        **{k: first[k] for k in ("rows", "customers", "orders", "chunks", "bytes", "sha256")},
        "seed": args.seed,
        "runs": [{k: round(r[k], 3) if k == "seconds" else r[k]
                  for k in ("seconds", "cpu_seconds", "peak_rss_mb")} for r in runs],
        "seconds_min": round(fastest, 3),
        "cpu_seconds_min": min(r["cpu_seconds"] for r in runs),
        "rows_per_second": round(first["rows"] / fastest),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "identical": len({r["sha256"] for r in runs}) == 1,
        "machine": host,
    }
    print(json.dumps(result))
    return 0 if result["identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
