"""The numbers of the Spark page (``book/spark.md``), taken from the benchmarks' results of record, never typed.

:func:`write_spark_pages` writes ``_generated/spark_scale.md``, which the page
includes: the whole book on logs of growing size (``benchmarks/results/book.json``,
written by ``benchmarks/book.py``) as a table of each chapter's seconds and
peak memory per size, the growth exponents between the sizes, and the sentences
the page's advice rests on, chosen by those numbers: the largest log on which
every chapter completed (the size up to which the per-customer models are known
to fit on one machine), the chapters that did not complete at a larger one, and
the feature step's time on DuckDB against Spark (``benchmarks/results/features.json``).
A missing results file is said in words (the page names the command that makes it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis import fmt

BOOK_RESULTS = Path("benchmarks") / "results" / "book.json"
FEATURES_RESULTS = Path("benchmarks") / "results" / "features.json"
PAGE = "spark_scale.md"
STATUS_WORDS = {"failed": "failed", "timeout": "stopped (time limit)", "not finished": "not finished (run stopped)"}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "not run"
    if row.get("status") == "not finished":
        return STATUS_WORDS["not finished"]
    if row.get("status") != "ok":
        return STATUS_WORDS.get(row.get("status"), "failed") + f" after {fmt.number(row['seconds'])} s"
    return f"{fmt.number(row['seconds'])} s, {fmt.count(round(row['peak_rss_mb']))} MB"


def _exponent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def scale_table(book: dict[str, Any]) -> str:
    """Chapters by size: seconds and peak memory of the largest process; then the book's totals."""
    sizes = book["sizes"]
    head = "| chapter | " + " | ".join(f"{fmt.count(s['lines'])} lines, {fmt.count(s['customers'])} customers"
                                      for s in sizes) + " |"  # fmt: skip
    rows = [head, "|---|" + "---|" * len(sizes)]
    for name in book["chapters"]:
        rows.append(f"| {fmt.escape(name)} | " + " | ".join(_cell(s["chapters"].get(name)) for s in sizes) + " |")
    totals = [f"{fmt.number(s['book_seconds'])} s, largest process {fmt.count(round(s['book_peak_rss_mb'] or 0))} MB"
              + ("" if s["all_ok"] else " (incomplete: the chapters that ran)") for s in sizes]  # fmt: skip
    rows.append("| whole book | " + " | ".join(totals) + " |")
    return "\n".join(rows) + "\n"


def exponent_table(book: dict[str, Any]) -> str:
    pairs = book.get("exponents", [])
    if not pairs:
        return ""
    head = "| chapter | " + " | ".join(f"{fmt.count(p['from_lines'])} to {fmt.count(p['to_lines'])} lines: time, memory"
                                      for p in pairs) + " |"  # fmt: skip
    rows = [head, "|---|" + "---|" * len(pairs)]
    for name in [*book["chapters"], "book"]:
        cells = []
        for p in pairs:
            e = p["book"] if name == "book" else p["chapters"].get(name, {})
            cells.append(f"{_exponent(e.get('time'))}, {_exponent(e.get('memory'))}")
        label = "whole book" if name == "book" else fmt.escape(name)
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def verdict(book: dict[str, Any]) -> str:
    """The largest size on which every chapter completed, and what did not complete on larger ones."""
    sizes = book["sizes"]
    complete = [s for s in sizes if s["all_ok"]]
    parts = []
    if complete:
        s = complete[-1]
        parts.append(
            f"Every chapter completed on logs of up to {fmt.count(s['lines'])} lines ({fmt.count(s['customers'])} "
            f"customers) in {fmt.number(s['book_seconds'])} s, its largest process at "
            f"{fmt.count(round(s['book_peak_rss_mb']))} MB: up to that size, every model of the book is fitted on "
            "its per-customer tables on one machine like this one.")  # fmt: skip
    else:
        parts.append("On none of the sizes measured did every chapter complete.")
    largest = []
    for name in book["chapters"]:
        done = [s for s in sizes if s["chapters"].get(name, {}).get("status") == "ok"]
        largest.append(f"{fmt.escape(name)} on {fmt.count(done[-1]['lines'])} lines ({fmt.count(done[-1]['customers'])} "
                       "customers)" if done else f"{fmt.escape(name)} on none of them")  # fmt: skip
    if not all(s["all_ok"] for s in sizes):
        parts.append("The largest log each chapter completed: " + "; ".join(largest) + ".")
    for s in sizes:
        if s["all_ok"] or (complete and s["lines"] < complete[-1]["lines"]):
            continue
        bad = [f"{fmt.escape(n)} ({fmt.escape(r['status'])})" for n, r in s["chapters"].items()
               if r["status"] != "ok"]  # fmt: skip
        parts.append(f"At {fmt.count(s['lines'])} lines ({fmt.count(s['customers'])} customers), "
                     f"{fmt.plural(len(bad), 'chapter')} did not complete, each process capped at "
                     f"{fmt.number(book['memory_cap_gb'])} GB of address space (the error of each is in the "
                     f"file): {', '.join(bad)}.")  # fmt: skip
    return " ".join(parts)


def features_sentence(features: dict[str, Any] | None) -> str:
    if not features or "spark" not in features or "duckdb" not in features:
        return ("The feature step's benchmark beside Spark has no result of record here "
                "(`benchmarks/features.py --engine spark` makes one).")  # fmt: skip
    duck, spark = features["duckdb"], features["spark"]
    return (f"On {fmt.count(features['rows'])} lines ({fmt.count(features['customers'])} customers), the feature step "
            f"took {fmt.number(duck['seconds'])} s on DuckDB and {fmt.number(spark['seconds'])} s on Spark in local "
            f"mode on this machine (`benchmarks/results/features.json`).")  # fmt: skip


def spark_scale_md(root: Path) -> str:
    book = _read(root / BOOK_RESULTS)
    text = features_sentence(_read(root / FEATURES_RESULTS)) + "\n\n"
    if book is None or not book.get("sizes"):
        return text + ("The whole book has no scale run of record here (`benchmarks/book.py --record "
                       "benchmarks/results/book.json` makes one).\n")  # fmt: skip
    machine = book.get("machine", {})
    text += (f"The whole book on logs of the built-in shop of growing size, each chapter in a fresh process "
             f"(`benchmarks/results/book.json`; {machine.get('cores', '?')} cores, "
             f"{fmt.number(machine.get('memory_gb', 0))} GB of memory, shared with other work: the load averages "
             "are in the file). Each cell is the chapter's seconds, reading the log included, and the peak memory "
             "of its largest process:\n\n") if book.get("source") == "shop" else (
        f"The whole book on copies of `{fmt.escape(Path(book['source']).name)}` stacked to growing size, each "
        "chapter in a fresh process (`benchmarks/results/book.json`). Each cell is the chapter's seconds and the "
        "peak memory of its largest process:\n\n")  # fmt: skip
    text += scale_table(book) + "\n" + verdict(book) + "\n"
    exponents = exponent_table(book)
    if exponents:
        text += ("\nHow time and memory grow with the lines, as exponents between two sizes "
                 "(log of the ratio of seconds or megabytes over log of the ratio of lines: 1 is linear, 2 "
                 "quadratic; - where a chapter did not complete):\n\n" + exponents)  # fmt: skip
    return text


def write_spark_pages(folder: Path, root: Path, write: Callable[[Path, str], None]) -> None:
    """Write ``spark_scale.md`` into ``folder`` (the book's generated pages) from the results under ``root``."""
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / PAGE, spark_scale_md(root))
