"""analysis.page.to_csv: the one CSV writer; text a spreadsheet would run as a formula gets an apostrophe."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from analysis import page

HOSTILE = ['=HYPERLINK("http://evil.invalid","click")', "=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+1+1", "-x",
           "\tTAB", "\rCR", "=1+1"]  # fmt: skip


def read(path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_gets_a_leading_apostrophe(text):
    assert page.formula_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["-2", "+3", "-1.5", "-3,5", "1e-3", "-2E+05", "plain", "a=b", "", "'=x", " =x"])
def test_numbers_and_other_text_are_unchanged(text):
    assert page.formula_safe(text) == text


@pytest.mark.parametrize("value", [-2, -1.5, 0, 3, float("nan"), None, pd.Timestamp("2024-01-01"), True])
def test_values_that_are_not_text_are_unchanged(value):
    assert page.formula_safe(value) is value


def test_the_writer_quotes_cells_column_names_and_index_labels(tmp_path):
    cells = [t for t in HOSTILE if t != "\rCR"] + ["-0.5"]  # pandas writes a lone \r unquoted (no round trip)
    df = pd.DataFrame(
        {"product": cells, "=total": range(-4, 4), "note": ["-2"] * 4 + [None, "ok", "@x", "-0.5"]},
        index=pd.Index(["-a", "b", "+c", "d", "e", "f", "g", "h"], name="@id"),
    )
    page.to_csv(df, tmp_path / "out.csv")
    rows = read(tmp_path / "out.csv")
    assert rows[0] == ["'@id", "product", "'=total", "note"]
    assert [r[1] for r in rows[1:]] == ["'" + t for t in cells[:-1]] + ["-0.5"]
    assert [r[2] for r in rows[1:]] == [str(v) for v in range(-4, 4)]  # numbers untouched, -4 stays a number
    assert [r[3] for r in rows[1:]] == ["-2"] * 4 + ["", "ok", "'@x", "-0.5"]
    assert [r[0] for r in rows[1:]] == ["'-a", "b", "'+c", "d", "e", "f", "g", "h"]
    assert df.loc["-a", "product"] == HOSTILE[0]  # the caller's frame is not changed


def test_a_safe_table_is_written_as_pandas_writes_it(tmp_path):
    df = pd.DataFrame(
        {"x": [1.5, -2.0], "d": pd.to_datetime(["2024-01-01", "2024-02-01"]), "s": ["a", "b"]},
        index=pd.MultiIndex.from_tuples([("p", 1), ("q", 2)], names=["k", "n"]),
    )
    page.to_csv(df, tmp_path / "ours.csv", sep=";", decimal=",")
    df.to_csv(tmp_path / "pandas.csv", sep=";", decimal=",")
    assert (tmp_path / "ours.csv").read_text() == (tmp_path / "pandas.csv").read_text()


def test_multiindex_labels_and_a_period_index(tmp_path):
    df = pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("=a", 1), ("b", -2)], names=["k", "n"]))
    page.to_csv(df, tmp_path / "m.csv")
    assert read(tmp_path / "m.csv")[1:] == [["'=a", "1", "1"], ["b", "-2", "2"]]
    months = pd.DataFrame({"revenue": [1.0]}, index=pd.period_range("2024-01", periods=1, freq="M").rename("month"))
    page.to_csv(months, tmp_path / "p.csv")
    assert read(tmp_path / "p.csv") == [["month", "revenue"], ["2024-01", "1.0"]]


def test_write_csv_goes_through_the_safe_writer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"description": ["=HYPERLINK(\"x\")", "-5"]})
    page.write_csv(df, "deliverable", page.csv_columns(df, {"description": ("text", "a description")}))
    assert read(tmp_path / "deliverable.csv") == [["description"], ["'=HYPERLINK(\"x\")"], ["-5"]]


def test_no_other_code_writes_a_csv_file():
    """Chapters and book pages write CSV files only through page.to_csv (page.write_csv for deliverables)."""
    from analysis.book.runner import ROOT

    sources = [p for p in (ROOT / "analysis").rglob("*.py") if p != ROOT / "analysis" / "page.py"]
    sources += sorted((ROOT / "notebooks").glob("*.ipynb"))
    writers = [str(p.relative_to(ROOT)) for p in sources if ".to_csv(" in p.read_text().replace(".to_csv()", "")]
    assert writers == []
