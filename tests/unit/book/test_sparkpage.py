"""The Spark page's numbers come from the benchmarks' results files, and its sentences follow them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from analysis.book import sparkpage

ROOT = Path(__file__).resolve().parents[3]


def _chapter(seconds: float, mb: float, status: str = "ok") -> dict:
    return {"status": status, "seconds": seconds, "peak_rss_mb": mb if status == "ok" else None}


@pytest.fixture
def book() -> dict:
    sizes = []
    for lines, customers, scale in ((500_000, 23_676, 1.0), (2_000_000, 94_700, 4.0)):
        chapters = {"concepts": _chapter(20 * scale, 500 * scale), "recommend": _chapter(60 * scale, 900 * scale)}
        sizes.append({"lines": lines, "customers": customers, "chapters": chapters, "all_ok": True,
                      "book_seconds": 80 * scale, "book_peak_rss_mb": 900 * scale})  # fmt: skip
    return {"source": "shop", "memory_cap_gb": 8.0, "chapters": ["concepts", "recommend"], "sizes": sizes,
            "exponents": [{"from_lines": 500_000, "to_lines": 2_000_000,
                           "chapters": {"concepts": {"time": 1.0, "memory": 1.0},
                                        "recommend": {"time": 1.0, "memory": 1.0}},
                           "book": {"time": 1.0, "memory": 1.0}}],
            "machine": {"cores": 2, "memory_gb": 23.5}}  # fmt: skip


def _write(root: Path, book: dict | None, features: dict | None = None) -> None:
    results = root / "benchmarks" / "results"
    results.mkdir(parents=True)
    if book is not None:
        (results / "book.json").write_text(json.dumps(book))
    if features is not None:
        (results / "features.json").write_text(json.dumps(features))


def test_every_number_comes_from_the_results(tmp_path, book):
    features = {"rows": 10_000_000, "customers": 473_945, "duckdb": {"seconds": 6.979}, "spark": {"seconds": 148.5}}
    _write(tmp_path, book, features)
    text = sparkpage.spark_scale_md(tmp_path)
    assert "| concepts | 20 s, 500 MB | 80 s, 2,000 MB |" in text
    assert "| whole book | 80 s, largest process 900 MB | 320 s, largest process 3,600 MB |" in text
    assert "up to 2,000,000 lines (94,700 customers) in 320 s" in text
    assert "| whole book | 1.00, 1.00 |" in text
    assert "6.98 s on DuckDB and 148 s on Spark" in text


def test_a_chapter_that_did_not_complete_is_named_with_the_largest_complete_size(tmp_path, book):
    failed = copy.deepcopy(book)
    failed["sizes"][1]["chapters"]["recommend"] = _chapter(137, 0, "failed")
    failed["sizes"][1]["all_ok"] = False
    failed["exponents"][0]["chapters"]["recommend"] = {"time": None, "memory": None}
    _write(tmp_path, failed)
    text = sparkpage.spark_scale_md(tmp_path)
    assert "up to 500,000 lines (23,676 customers)" in text
    assert "At 2,000,000 lines (94,700 customers), 1 chapter did not complete" in text
    assert "recommend (failed)" in text and "failed after 137 s" in text
    assert "| recommend | -, - |" in text
    assert "each chapter completed: concepts on 2,000,000 lines (94,700 customers); recommend on 500,000" in text
    assert "has no result of record here" in text  # no features.json


def test_no_size_complete(tmp_path, book):
    failed = copy.deepcopy(book)
    for size in failed["sizes"]:
        size["chapters"]["recommend"] = _chapter(60, 0, "failed")
        size["all_ok"] = False
    _write(tmp_path, failed)
    text = sparkpage.spark_scale_md(tmp_path)
    assert "On none of the sizes measured did every chapter complete." in text
    assert "recommend on none of them" in text and "At 500,000 lines (23,676 customers), 1 chapter" in text


def test_a_run_stopped_early_says_so(tmp_path, book):
    stopped = copy.deepcopy(book)
    stopped["sizes"][1]["chapters"]["recommend"] = {"status": "not finished", "seconds": 0.0, "peak_rss_mb": None}
    stopped["sizes"][1]["all_ok"] = False
    _write(tmp_path, stopped)
    text = sparkpage.spark_scale_md(tmp_path)
    assert "| recommend | 60 s, 900 MB | not finished (run stopped) |" in text
    assert "1 chapter did not complete" in text and "recommend (not finished)" in text
    assert "3,600 MB (incomplete: the chapters that ran) |" in text


def test_without_results_the_page_says_which_command_makes_them(tmp_path):
    text = sparkpage.spark_scale_md(tmp_path)
    assert "benchmarks/book.py --record" in text and "benchmarks/features.py --engine spark" in text


def test_the_pages_of_record_render(tmp_path):
    """The repository's own results files give a page (a results file in an old shape would fail here)."""
    written = {}
    sparkpage.write_spark_pages(tmp_path, ROOT, lambda path, text: written.setdefault(path.name, text))
    assert "spark_scale.md" in written and "| chapter |" in written["spark_scale.md"]
