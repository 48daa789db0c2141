"""Benchmark: the whole book on logs of growing size, per chapter seconds and peak memory.

Run from the project root::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/book.py [--lines 500000 2000000 8000000]
        [--replicate FILE] [--seed S] [--memory-cap-gb G] [--chapters NAME ...] [--repeat N] [--record PATH]

Protocol
--------
For every size ``n`` in ``--lines`` (default about 0.5 M, 2 M and 8 M lines)
a log is built once and cached in ``benchmarks/.cache/``:

* by default from the built-in shop, ``analysis.shop.write_shop_parquet(path,
  n_rows=n, seed=S)`` (customers grow with the lines: about 21 lines a
  customer);
* with ``--replicate FILE``, by stacking copies of a real log (read by the
  book's own reader, cleaned by its rules with their defaults) until it has
  about ``n`` lines, copy ``c`` with ``c`` written before every customer id
  and order id (``"3~17850"``), so each copy is a new set of customers
  buying the same products on the same days.

Then every chapter of the registry runs on that log as ``python -m analysis
book --chapter NAME --data LOG --no-html`` would, each chapter in its own
fresh process (a new interpreter; its Jupyter kernel is that process's
child), in a throw-away copy of the project's ``notebooks/`` and ``book/``
folders, so the book of the working copy is untouched. Per chapter the JSON
gives:

* ``status``: ``"ok"``, or ``"failed"`` with ``error`` (the runner's own last
  lines: the section and the exception, "the kernel died" when it ran out of
  memory); a failed chapter is never left out;
* ``seconds``: wall time of the child, reading and checking the data included
  (every chapter reads the log itself, as ``make chapter`` does);
* ``peak_rss_mb``: the largest resident set of any one process of the
  chapter: ``max(VmHWM of the child, getrusage(RUSAGE_CHILDREN).ru_maxrss)``,
  the second covering the kernel (the child waits for it);
* ``rows_kept``: the lines the data report kept;
* ``sections``: the seconds (since the chapter started) at which the
  runner's progress lines say each section was reached;
* ``executed_seconds``: what the runner printed as the chapter's time
  ("chapter NAME executed in S s": from its data read to its files kept,
  without the interpreter's start and the runner's imports that ``seconds``
  holds).

Each child runs under ``nice -n 10`` and with its address space capped at
``--memory-cap-gb`` (default 16: ``prlimit --as``, inherited by the kernel), so
that a chapter that grows past it fails on its own, with a ``MemoryError``
or a dead kernel, instead of starving the other processes of the machine.
Address space is more than resident memory (thread stacks, arenas and
mappings count in full), so the cap is looser than it reads, and it must be: DuckDB's allocator reserves
address space well beyond what it touches, and under an 8 GB cap the recommendations chapter on the
8 M-line shop failed in its baskets query ("Allocation failure") at 3.5 GB resident, while under 16 GB it
finished at a peak of 4.6 GB resident (2026-12-07). The issue's limit is on resident memory
(``peak_rss_mb``), which the JSON reports.

``--repeat N`` runs each chapter N times, one run after another: ``seconds``
is then the median of the runs, ``seconds_runs`` lists them all (the spread a
machine whose speed varies from minute to minute gives) and ``peak_rss_mb``
is the largest; the first failed run is reported as the chapter's row.
Before each run the benchmark times a fixed piece of work of the chapters' kind
in its own process (``_common.reference_seconds``, listed in
``reference_seconds_runs``): a run that was slow on a slow minute shows it.

``--parallel N`` runs N chapters at the same time (each still in its own
process, its peak memory its own; each size records ``parallel``): their
seconds then include the contention for the cores.

A chapter still running after ``--chapter-timeout`` seconds (default 1500)
is stopped with its kernel (the child runs in its own session, which is
killed) and reported with ``status: "timeout"``.

With ``--record`` the file is rewritten after every chapter (the chapters
not finished yet marked ``"not finished"``), so a run stopped early leaves
what it measured.

``--merge FILE`` keeps the sizes of an earlier result that are not measured
now (each size records ``measured_at`` and the load average after it), so
the largest size can be measured in a later run and the exponents are
computed over all of them.

``exponents`` holds, between consecutive sizes and per chapter (and for the
book, the sum of the chapters), ``time = log(t2 / t1) / log(n2 / n1)`` and
``memory = log(m2 / m1) / log(n2 / n1)`` with ``n`` the log's lines: 1 is
linear growth, 2 quadratic. A pair with a failed chapter has ``null``.

Progress goes to stderr; the last line of stdout is one JSON object with
``source, seed, memory_cap_gb, chapters, sizes`` (each: ``lines, customers, rows_kept,
generate_seconds, book_seconds, book_peak_rss_mb, all_ok, chapters``),
``exponents`` and ``machine``. ``--record PATH`` also writes it, indented,
to ``PATH``; the run of record is ``benchmarks/results/book.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_CACHE, ROOT, ensure_log, log, machine, reference_seconds  # noqa: E402

DEFAULT_LINES = (500_000, 2_000_000, 8_000_000)
DEFAULT_CAP_GB = 16.0
ERROR_LINES = 6
SECTION = re.compile(r"^\s+\[\s*([0-9.]+) s\] (.+)$")
EXECUTED = re.compile(r"^\s+chapter \S+ executed in ([0-9.]+) s$")


# ------------------------------------------------------------------ the logs


def replicate(source: str, n_lines: int, out: Path) -> dict[str, Any]:
    """``source`` read and cleaned by the book, stacked ``ceil(n_lines / kept)`` times with offset ids."""
    import pandas as pd

    from analysis import schema as S
    from analysis.data import load_data

    table, report = load_data({"data": str(source)})
    copies = max(1, math.ceil(n_lines / len(table)))
    parts = []
    for c in range(copies):
        part = table.copy()
        for column in (S.CUSTOMER, S.ORDER):
            part[column] = f"{c}~" + part[column].astype("str")
        parts.append(part)
    stacked = pd.concat(parts, ignore_index=True)
    stacked.to_parquet(out)
    return {"rows": len(stacked), "customers": int(stacked[S.CUSTOMER].nunique()), "copies": copies,
            "source_rows_kept": int(report.rows_kept)}  # fmt: skip


def make_log(n_lines: int, seed: int, source: str | None, cache: Path) -> tuple[Path, dict[str, Any]]:
    if source is None:
        path, info = ensure_log(cache, f"book_rows{n_lines}_seed{seed}", n_rows=n_lines, seed=seed)
        return path, {"lines": int(info["rows"]), "customers": int(info["customers"]),
                      "generate_seconds": info["generate_seconds"]}  # fmt: skip
    cache.mkdir(parents=True, exist_ok=True)
    stat = Path(source).stat()
    path = cache / f"book_{Path(source).stem}_{stat.st_size}_{n_lines}.parquet"
    sidecar = path.with_suffix(".json")
    if path.exists() and sidecar.exists():
        log(f"reusing {path.name}")
        return path, {**json.loads(sidecar.read_text()), "generate_seconds": 0.0}
    start = time.perf_counter()
    info = replicate(source, n_lines, path)
    meta = {"lines": info["rows"], "customers": info["customers"], "copies": info["copies"], "source": str(source)}
    sidecar.write_text(json.dumps(meta) + "\n")
    return path, {**meta, "generate_seconds": round(time.perf_counter() - start, 2)}


# --------------------------------------------------------------- one chapter


def _vm_hwm_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0  # pragma: no cover - not Linux


def child(chapter: str, data: str, timeout: int) -> int:
    """In the fresh process: execute one chapter in a throw-away book; one JSON line on stdout."""
    from analysis.book.runner import Paths, build_book
    from analysis.book.state import read_state

    with tempfile.TemporaryDirectory(prefix="book-bench-") as tmp:
        paths = Paths(Path(tmp))
        shutil.copytree(ROOT / "notebooks", paths.notebooks)
        paths.book.mkdir()
        start = time.perf_counter()
        status = build_book(chapter=chapter, data=data, build_html=False, paths=paths, cell_timeout=timeout)
        seconds = time.perf_counter() - start
        entry = read_state(paths.state).get(chapter, {})
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB on Linux
    print(json.dumps({"status": status, "seconds": round(seconds, 1),
                      "peak_rss_mb": round(max(_vm_hwm_kb(), kids) / 1024, 1),
                      "runner_rss_mb": round(_vm_hwm_kb() / 1024, 1), "kernel_rss_mb": round(kids / 1024, 1),
                      "rows_kept": entry.get("rows_kept")}))  # fmt: skip
    return 0


def run_chapter(chapter: str, data: Path, cap_gb: float, timeout: int, chapter_timeout: int) -> dict[str, Any]:
    # nice and prlimit exec the interpreter in place (one pid); no preexec_fn, which is unsafe beside threads
    cmd = ["nice", "-n", "10", "prlimit", f"--as={int(cap_gb * 2**30)}", sys.executable,
           str(Path(__file__).resolve()), "--child", chapter, "--data", str(data), "--cell-timeout", str(timeout)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=chapter_timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # the child's own session: it, its kernel and nothing else
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        return {"status": "timeout", "seconds": round(time.perf_counter() - start, 1), "peak_rss_mb": None,
                "error": f"stopped after {chapter_timeout} s (--chapter-timeout); last lines: "
                + " | ".join([line for line in (out + err).splitlines() if line.strip()][-ERROR_LINES:]),
                "sections": sections(out)}  # fmt: skip
    wall = round(time.perf_counter() - start, 1)
    result = None
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            break
    reached = sections(out)
    if result is not None and result["status"] == 0:
        return {"status": "ok", "seconds": wall, "peak_rss_mb": result["peak_rss_mb"],
                "kernel_rss_mb": result["kernel_rss_mb"], "runner_rss_mb": result["runner_rss_mb"],
                "rows_kept": result["rows_kept"], "executed_seconds": executed(out), "sections": reached}  # fmt: skip
    errors = [line for line in err.strip().splitlines() if line.strip()]
    return {"status": "failed", "seconds": wall, "peak_rss_mb": None if result is None else result["peak_rss_mb"],
            "exit": proc.returncode, "error": " | ".join(errors[-ERROR_LINES:]), "sections": reached}  # fmt: skip


def executed(out: str) -> float | None:
    """The runner's own time for the chapter (``chapter recommend executed in 27.2 s``), or None."""
    for line in out.splitlines():
        match = EXECUTED.match(line)
        if match:
            return float(match.group(1))
    return None


def sections(out: str) -> dict[str, float]:
    """The runner's progress lines (``[  12.3 s] 2. Segments``): the seconds at which each section was reached."""
    reached = {}
    for line in out.splitlines():
        match = SECTION.match(line)
        if match:
            reached[match.group(2).strip()] = float(match.group(1))
    return reached


# ------------------------------------------------------------------ the sizes


def _exponent(a: float | None, b: float | None, n1: int, n2: int) -> float | None:
    if not a or not b or n1 == n2:
        return None
    return round(math.log(b / a) / math.log(n2 / n1), 2)


def exponents(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for small, large in zip(sizes, sizes[1:]):
        n1, n2 = small["lines"], large["lines"]
        pair: dict[str, Any] = {"from_lines": n1, "to_lines": n2, "chapters": {}}
        for name, a in small["chapters"].items():
            b = large["chapters"].get(name, {})
            ok = a.get("status") == "ok" and b.get("status") == "ok"
            pair["chapters"][name] = {
                "time": _exponent(a["seconds"], b["seconds"], n1, n2) if ok else None,
                "memory": _exponent(a["peak_rss_mb"], b["peak_rss_mb"], n1, n2) if ok else None,
            }
        both = small["all_ok"] and large["all_ok"]
        pair["book"] = {
            "time": _exponent(small["book_seconds"], large["book_seconds"], n1, n2) if both else None,
            "memory": _exponent(small["book_peak_rss_mb"], large["book_peak_rss_mb"], n1, n2) if both else None,
        }
        out.append(pair)
    return out


def summarise(size: dict[str, Any], rows: dict[str, dict[str, Any]], shown: list[str], parallel: int) -> None:
    """Fill ``size`` with its chapters (book order; a chapter not finished yet is ``"not finished"``) and totals."""
    size["chapters"] = {name: rows.get(name, {"status": "not finished", "seconds": 0.0, "peak_rss_mb": None})
                        for name in shown}  # fmt: skip
    size["parallel"] = parallel
    done = list(size["chapters"].values())
    size["rows_kept"] = max((r.get("rows_kept") or 0 for r in done), default=0)
    size["all_ok"] = all(r["status"] == "ok" for r in done)
    size["book_seconds"] = round(sum(r["seconds"] for r in done), 1)
    peaks = [r["peak_rss_mb"] for r in done if r["peak_rss_mb"] is not None]
    size["book_peak_rss_mb"] = max(peaks) if peaks else None
    size["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    size["load_average"] = [round(x, 2) for x in os.getloadavg()]


def repeated(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row for runs of the same chapter: the first failed run, or the median run's sections and rows kept
    with the median seconds, every run's seconds and the largest peak."""
    failed = [r for r in runs if r["status"] != "ok"]
    if failed or len(runs) == 1:
        return failed[0] if failed else runs[0]
    middle = statistics.median(r["seconds"] for r in runs)
    nearest = min(runs, key=lambda r: abs(r["seconds"] - middle))
    peaks = {name: max(r[name] for r in runs) for name in ("peak_rss_mb", "kernel_rss_mb", "runner_rss_mb")}
    return {**nearest, **peaks, "seconds": round(middle, 1), "seconds_runs": [r["seconds"] for r in runs],
            "executed_seconds_runs": [r.get("executed_seconds") for r in runs],
            "reference_seconds_runs": [r.get("reference_seconds") for r in runs]}  # fmt: skip


def run(lines: list[int], seed: int, source: str | None, cap_gb: float, chapters: list[str] | None,
        timeout: int, chapter_timeout: int, cache: Path, earlier: list[dict[str, Any]],
        parallel: int = 1, on_progress: Callable[[dict[str, Any]], None] | None = None,
        repeat: int = 1) -> dict[str, Any]:  # fmt: skip
    """Every size in turn; ``on_progress(result)`` after each chapter (the result so far, unfinished marked)."""
    from analysis.chapters import CHAPTERS

    registry = [c.name for c in CHAPTERS]
    names = chapters or registry  # the order they start in (longest first keeps --parallel runs short)
    shown = sorted(names, key=lambda n: registry.index(n) if n in registry else len(registry))
    first = machine()
    sizes: list[dict[str, Any]] = []
    lock = threading.Lock()

    def result(current: list[dict[str, Any]]) -> dict[str, Any]:
        measured = {s["lines"] for s in current}
        every = sorted([s for s in earlier if s["lines"] not in measured] + current, key=lambda s: s["lines"])
        return {"source": source or "shop", "seed": seed, "memory_cap_gb": cap_gb, "chapters": shown, "repeat": repeat,
                "sizes": every, "exponents": exponents(every), "machine": first,
                "load_average_end": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip

    for n in lines:
        path, info = make_log(n, seed, source, cache)
        size: dict[str, Any] = {"lines": info["lines"], "customers": info["customers"],
                                "generate_seconds": info["generate_seconds"]}  # fmt: skip
        rows: dict[str, dict[str, Any]] = {}

        def one(name: str) -> None:
            runs = []
            for i in range(repeat):
                log(f"{info['lines']:,} lines: chapter {name} (cap {cap_gb:g} GB, nice 10)"
                    + (f", run {i + 1} of {repeat}" if repeat > 1 else ""))  # fmt: skip
                speed = reference_seconds() if repeat > 1 else None
                runs.append({**run_chapter(name, path, cap_gb, timeout, chapter_timeout), "reference_seconds": speed})
                if runs[-1]["status"] != "ok":
                    break
            row = repeated(runs)
            log(f"  {name}: {row['status']} in {row['seconds']} s, peak {row['peak_rss_mb']} MB"
                + (f": {row['error']}" if row["status"] != "ok" else ""))  # fmt: skip
            with lock:
                rows[name] = row
                if on_progress is not None:
                    partial = dict(size)
                    summarise(partial, rows, shown, parallel)
                    on_progress(result([*sizes, partial]))

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            list(pool.map(one, names))
        summarise(size, rows, shown, parallel)
        sizes.append(size)
    return result(sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=list(DEFAULT_LINES),
                        help="sizes of the logs in lines (default 500000 2000000 8000000)")  # fmt: skip
    parser.add_argument("--replicate", metavar="FILE", help="stack copies of this log instead of the built-in shop")
    parser.add_argument("--seed", type=int, default=0, help="seed of the built-in shop (default 0)")
    parser.add_argument("--memory-cap-gb", type=float, default=DEFAULT_CAP_GB,
                        help="address-space cap of each chapter's processes (default %(default)g)")  # fmt: skip
    parser.add_argument("--chapters", nargs="+",
                        help="only these chapters, started in this order (default: every chapter, in book order)")
    parser.add_argument("--cell-timeout", type=int, default=1800, help="seconds a cell may run (default 1800)")
    parser.add_argument("--chapter-timeout", type=int, default=1500,
                        help="seconds a chapter may run before it is stopped and reported as timeout (default 1500)")
    parser.add_argument("--parallel", type=int, default=1,
                        help="chapters run at the same time, each in its own process (default 1: one after another)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each chapter, one after another; seconds is their median (default 1)")
    parser.add_argument("--merge", type=Path,
                        help="an earlier result (JSON) whose other sizes are kept beside the ones measured now")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="folder of the generated logs")
    parser.add_argument("--record", type=Path, help="also write the JSON, indented, to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.data, args.cell_timeout)
    if any(n < 1 for n in args.lines):
        parser.error("--lines must be positive numbers of lines")
    if args.parallel < 1:
        parser.error("--parallel must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    earlier = json.loads(args.merge.read_text())["sizes"] if args.merge and args.merge.exists() else []
    def record(result: dict[str, Any]) -> None:
        if args.record:
            tmp = args.record.with_name(args.record.name + ".tmp")
            tmp.write_text(json.dumps(result, indent=1) + "\n")
            os.replace(tmp, args.record)

    result = run(sorted(args.lines), args.seed, args.replicate, args.memory_cap_gb, args.chapters,
                 args.cell_timeout, args.chapter_timeout, args.cache, earlier, args.parallel, record,
                 args.repeat)  # fmt: skip
    text = json.dumps(result)
    record(result)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
