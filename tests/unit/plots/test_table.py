"""analysis.plots.table: one style for every table, checked on frames with each kind of column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from pandas.io.formats.style import Styler

from analysis import DataError, plots


def cells(styler) -> list[list[str]]:
    """The shown text of every body cell, row by row."""
    html = styler.to_html()
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S) for r in rows if "<td" in r]


def header(styler) -> list[str]:
    return re.findall(r'<th[^>]*class="col_heading[^"]*"[^>]*>(.*?)</th>', styler.to_html(), flags=re.S)


FRAME = pd.DataFrame(
    {
        "customers": [3000.0, 12.0, np.nan],  # whole-number floats are counts
        "orders": np.array([5, 1234567, 0], dtype=np.int64),
        "revenue": [1234.5, 99.0, 0.5],
        "repeat_rate": [0.467, 0.00001, 1.0],
        "gamma": [1.44e-05, 15.448, 0.0],
        "segment": ["loyal", "lost", "new"],
        "first": pd.to_datetime(["2024-01-01", "2024-02-01", None]),
        "active": [True, False, True],
    }
)


def test_each_kind_is_written_for_people():
    t = plots.table(FRAME, currency="GBP")
    assert isinstance(t, Styler)
    assert header(t) == list(FRAME.columns)
    assert cells(t) == [
        ["3,000", "5", "£1,234", "46.7%", "1.44 × 10⁻⁵", "loyal", "2024-01-01", "yes"],
        ["12", "1,234,567", "£99", "0.001%", "15.4", "lost", "2024-02-01", "no"],
        ["–", "0", "£0", "100.0%", "0", "new", "–", "yes"],
    ]
    html = t.to_html()
    assert "3,000.00" not in html and "e-05" not in html and "0.0000<" not in html


def test_money_below_a_thousand_keeps_cents_and_kinds_can_be_overridden():
    df = pd.DataFrame({"price": [1.5, 2.25], "x": [0.25, 0.5], "n": [2.0, 3.0]})
    t = plots.table(df, currency="USD", shares=["x"], numbers=["n"], caption="Prices")
    assert cells(t) == [["$1.50", "25.0%", "2"], ["$2.25", "50.0%", "3"]]
    assert "<caption>Prices</caption>" in t.to_html()
    t = plots.table(df, money=["x"], counts=["price"], formats={"n": "{:.1f}"})
    assert cells(t) == [["2", "0.25", "2.0"], ["2", "0.50", "3.0"]]


def test_a_plain_index_is_not_shown_and_a_named_index_is_shown_once():
    plain = plots.table(pd.DataFrame({"a": [1, 2]}))
    assert header(plain) == ["a"] and "row_heading" not in plain.to_html()
    named = plots.table(pd.DataFrame({"a": [1, 2]}, index=pd.Index(["x", "y"], name="segment")))
    assert header(named) == ["segment", "a"]
    assert cells(named) == [["x", "1"], ["y", "2"]]
    assert named.to_html().count(">segment<") == 1
    unnamed = plots.table(pd.DataFrame({"a": [1, 2]}, index=["x", "y"]))
    assert header(unnamed) == ["", "a"] and cells(unnamed)[0] == ["x", "1"]


def test_described_frames_and_id_like_numbers():
    described = pd.DataFrame({"recency": [1.0, 5.0, 200.0]}).describe().T
    rows = cells(plots.table(described))
    assert rows[0][:2] == ["recency", "3"]  # count is a count
    assert not any("." in c and c.endswith("00") for c in rows[0])
    years = plots.table(pd.DataFrame({"year": [2010, 2011], "k": [2, 3], "customer_id": [12346, 12347]}))
    assert cells(years) == [["2010", "2", "12346"], ["2011", "3", "12347"]]


def test_numbers_are_right_aligned_and_text_is_not():
    t = plots.table(pd.DataFrame({"name": ["a"], "n": [1], "value": ["£1,234"]}))
    html = t.to_html()
    assert re.search(r"#T_\w+ td\.col1 \{[^}]*text-align: right", html)
    assert re.search(r"#T_\w+ td\.col2 \{[^}]*text-align: right", html)  # pre-formatted numbers
    assert not re.search(r"#T_\w+ td\.col0 \{[^}]*text-align: right", html)
    assert "row0_col1 {" not in html  # one rule per column, not one per cell


def test_wide_tables_scroll_instead_of_clipping():
    wide = pd.DataFrame(np.arange(40.0).reshape(1, 40), columns=[f"column {i}" for i in range(40)])
    html = plots.table(wide)._repr_html_()
    assert html.startswith('<div class="book-table" style="overflow-x: auto;')
    assert html.rstrip().endswith("</div>") and html.count("book-table") == 1


def test_unknown_column_names_are_refused():
    with pytest.raises(DataError, match="no column") as err:
        plots.table(pd.DataFrame({"a": [1]}), money=["b"])
    assert "a" in err.value.fix


def test_column_kind_guesses():
    assert plots.column_kind("revenue", pd.Series([1.0, 2.0])) == "money"
    assert plots.column_kind("share of orders", pd.Series([0.1])) == "share"
    assert plots.column_kind("orders", pd.Series([1.0, 2.0])) == "count"
    assert plots.column_kind("gamma", pd.Series([0.1, 2.0])) == "number"
    assert plots.column_kind("name", pd.Series(["a"])) == "label"
    assert plots.column_kind("year", pd.Series([2011])) == "label"


def test_the_same_table_gives_the_same_html():
    assert plots.table(FRAME, currency="GBP").to_html() == plots.table(FRAME.copy(), currency="GBP").to_html()
    assert plots.table(FRAME).to_html() != plots.table(FRAME.iloc[:2]).to_html()


def test_a_note_table_is_one_row_of_text_through_the_one_formatter():
    from analysis.plots import TableStyler, note_table

    styled = note_table("no planted personas in these data")
    assert isinstance(styled, TableStyler)
    html = styled.to_html()
    assert "no planted personas in these data" in html and ">note<" in html and 'class="book-table"' in html


def test_cells_column_names_index_and_caption_are_escaped():
    evil = "<img src=x onerror=alert(1)>"
    df = pd.DataFrame({evil: [evil, "a & b"], "n": [1, 2]}, index=pd.Index([evil, "<b>"], name="<i>id</i>"))
    html = plots.table(df, caption="<script>x</script>", formats={"n": lambda v: f"<u>{v}</u>"}).to_html()
    assert "<img" not in html and "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "<u>" not in html  # even a custom formatter's text is escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "a &amp; b" in html and "&lt;i&gt;id&lt;/i&gt;" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
