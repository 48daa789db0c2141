"""benchmarks/book.py's arithmetic: growth exponents between sizes, and the sections read from the progress lines."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "book.py"


@pytest.fixture(scope="module")
def book():
    spec = importlib.util.spec_from_file_location("benchmark_book", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _size(lines: int, seconds: float, mb: float, status: str = "ok") -> dict:
    row = {"status": status, "seconds": seconds, "peak_rss_mb": mb}
    return {"lines": lines, "chapters": {"a": row}, "all_ok": status == "ok", "book_seconds": seconds,
            "book_peak_rss_mb": mb}  # fmt: skip


def test_exponents_are_log_ratios(book):
    pairs = book.exponents([_size(1000, 10.0, 100.0), _size(4000, 20.0, 1600.0)])
    assert pairs[0]["chapters"]["a"] == {"time": 0.5, "memory": 2.0}
    assert pairs[0]["book"] == {"time": 0.5, "memory": 2.0}
    assert math.isclose(book._exponent(1.0, 8.0, 10, 20), 3.0)


def test_a_failed_chapter_has_no_exponent(book):
    pairs = book.exponents([_size(1000, 10.0, 100.0), _size(4000, 20.0, 1600.0, status="failed")])
    assert pairs[0]["chapters"]["a"] == {"time": None, "memory": None}
    assert pairs[0]["book"] == {"time": None, "memory": None}


def test_sections_come_from_the_progress_lines(book):
    out = "==> chapter 1\n    [   3.1 s] data read and checked: 5 rows kept\n    [  12.0 s] 2. Segments\n{}"
    assert book.sections(out) == {"data read and checked: 5 rows kept": 3.1, "2. Segments": 12.0}
    assert book.executed(out + "\n    chapter clustering executed in 14.2 s\n") == 14.2 and book.executed(out) is None


def _run(seconds: float, mb: float, status: str = "ok") -> dict:
    return {"status": status, "seconds": seconds, "peak_rss_mb": mb, "kernel_rss_mb": mb, "runner_rss_mb": mb / 2,
            "sections": {"References": seconds - 1}}  # fmt: skip


def test_repeated_runs_give_the_median_every_run_and_the_largest_peak(book):
    row = book.repeated([_run(31.0, 900.0), _run(27.0, 1000.0), _run(29.0, 950.0)])
    assert row["seconds"] == 29.0 and row["seconds_runs"] == [31.0, 27.0, 29.0]
    assert row["executed_seconds_runs"] == [None, None, None]  # runs of a runner that printed no time
    assert row["peak_rss_mb"] == 1000.0 and row["sections"] == {"References": 28.0}  # the median run's sections
    assert book.repeated([_run(30.0, 1.0), _run(26.0, 1.0)])["seconds"] == 28.0  # an even count: the mean of two
    failed = book.repeated([_run(30.0, 1.0), _run(5.0, 1.0, status="failed")])
    assert failed["status"] == "failed" and failed["seconds"] == 5.0  # a failure is never hidden by a median
    assert book.repeated([_run(30.0, 1.0)]) == _run(30.0, 1.0)


def test_the_machine_block_names_the_commit_measured(book, tmp_path, monkeypatch):
    import subprocess

    common = __import__("_common")  # book.py put benchmarks/ on the path
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=common.ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout: the machine block has no commit to name")
    host = common.machine()
    assert host["commit"] == head.stdout.strip() and isinstance(host["changed"], bool)
    monkeypatch.setattr(common, "ROOT", tmp_path)  # outside a checkout: no commit, no error
    assert "commit" not in common.machine() and "changed" not in common.machine()
