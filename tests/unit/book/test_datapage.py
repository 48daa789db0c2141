"""The data page's numbers come from a run: the data sets' facts (cached) and the bring-your-own-file example."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import fmt
from analysis.book import datapage
from analysis.book.runner import ROOT


def test_the_example_file_is_read_back_through_its_mapping(tmp_path):
    text = datapage.byo_example_md(tmp_path)
    written = pd.read_csv(tmp_path / datapage.EXAMPLE_CSV, sep=";")
    assert list(written.columns) == list(datapage.EXAMPLE_MAPPING.values())
    assert "layout      mapped (transactions)" in text and f"{len(written):,} read" in text
    assert "currency    EUR" in text and str(tmp_path) not in text  # the file's name, not this machine's path
    assert "Order Number" in text and "decimal: ','" in text
    assert f"_generated/{datapage.EXAMPLE_CSV}" in text


def test_facts_are_cached_by_file_and_code(tmp_path, monkeypatch):
    calls = []

    def facts(data):
        calls.append(data)
        return {"layout": "canonical", "kind": "transactions", "rows_read": 10, "rows_kept": 9, "customers": 3,
                "products": 2, "orders": 4, "first_date": "2024-01-01", "last_date": "2024-02-01",
                "dropped": {"missing_customer": 1}, "currency": ""}  # fmt: skip

    monkeypatch.setattr(datapage, "_facts", facts)
    cache = tmp_path / "facts.json"
    first = datapage.data_facts(ROOT, cache)
    n = len(calls)
    assert n >= 2 and first["built-in shop"]["rows_kept"] == 9
    assert datapage.data_facts(ROOT, cache) == first and len(calls) == n  # the second build reads nothing


def test_absent_data_sets_are_named_not_invented():
    facts = {"built-in shop": {"layout": "canonical", "rows_read": 1000, "rows_kept": 990, "customers": 30,
                               "products": 7, "first_date": "2023-01-01", "last_date": "2023-12-31",
                               "dropped": {"cancellation": 10}},
             "UCI Online Retail": None}  # fmt: skip
    text = datapage.data_sets_md(facts)
    assert "| built-in shop | `canonical` | 1,000 | 990 | 30 | 7 |" in text and "`cancellation` 10" in text
    assert "Not on the machine that built this page" in text and "UCI Online Retail" in text.split("\n")[-2]


def test_the_data_page_includes_the_generated_files():
    page = (ROOT / "book" / "data.md").read_text()
    assert "{include} _generated/data_sets.md" in page and "{include} _generated/byo_example.md" in page
    assert "{include} _generated/build_data.md" in page
    assert Path(ROOT / "book" / "workshop.md").read_text().count("python -m analysis doctor") >= 1


def test_the_data_page_lists_the_files_this_builds_chapters_ran_on(tmp_path):
    """From the build record: name (never the path, never markup), layout, rows read and kept, dates, chapters."""
    hostile = "/home/ana/<i>orders|2024 `x`.csv"
    state = {
        "concepts": {"data": hostile, "data_id": "f:1", "layout": "online_retail", "rows_read": 541909,
                     "rows_kept": 397884, "first_date": "2010-12-01", "last_date": "2011-12-09"},
        "clustering": {"data": hostile, "data_id": "f:1", "layout": "online_retail", "rows_read": 541909,
                       "rows_kept": 397884, "first_date": "2010-12-01", "last_date": "2011-12-09"},
        "risk": {"data": "shop(n_customers=3000, seed=0) orders", "data_id": "shop", "layout": "orders",
                 "rows_read": 50, "rows_kept": 50, "first_date": "", "last_date": ""},
        "forecast": {"data": "old.csv", "data_id": "f:2", "rows_read": 5, "rows_kept": 4},  # an older record
        "_html": "key",
    }  # fmt: skip
    text = datapage.build_data_md(state, [("concepts", "1. Concepts"), ("clustering", "2. Clustering"),
                                          ("forecast", "4. Forecasting"), ("risk", "5. Risk"),
                                          ("recommend", "3. Not built")])  # fmt: skip
    rows = text.splitlines()[2:]
    assert len(rows) == 3 and "/home/ana" not in text and "<i>" not in text
    assert "`online_retail`" in rows[0] and "| 541,909 | 397,884 | 2010-12-01 to 2011-12-09 |" in rows[0]
    assert rows[0].endswith("| 1. Concepts, 2. Clustering |") and f"| {fmt.escape('<i>orders|2024 `x`.csv')} |" in rows[0]
    assert "(not recorded: rebuild the chapter)" in rows[1] and "(not dated)" in rows[1]
    assert "built-in shop, 3,000 customers, seed 0, its orders" in rows[2] and "Not built" not in text
    assert "No chapter has been built" in datapage.build_data_md({}, [])
