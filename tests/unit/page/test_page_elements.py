"""analysis.page: parameters table, data banner, findings box and the analyst's CSV."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest
from pydantic import BaseModel, Field

from analysis import DataError, page


class ChapterParams(BaseModel):
    data: str = Field("shop", description="which data the chapter reads")
    seed: int = Field(0, description="random seed")
    shares: list[float] = Field(default_factory=lambda: [0.8, 0.95], description="tier cut-offs")
    name: str = ""  # no description: the meanings given (or the data parameters') fill in


def test_parameters_table_from_a_pydantic_model_uses_field_descriptions():
    html = page.parameters_table(ChapterParams(seed=7), {"name": "a label"}).data
    assert 'class="run-parameters"' in html and "Parameters of this run" in html
    assert "<code>seed</code></td><td><code>7</code></td><td>random seed (default: 0)</td>" in html
    assert "<code>&quot;shop&quot;</code></td><td>which data the chapter reads" in html
    assert "[0.8, 0.95]" in html and "tier cut-offs" in html
    assert "<code>&quot;&quot;</code></td><td>a label</td>" in html


def test_parameters_table_from_a_dict_with_meanings_and_data_defaults():
    params = {"data": "x.csv", "max_months": 12, "mapping": {"order_id": "Invoice"}}
    html = page.parameters_table(params, {"max_months": "months shown"}).data
    assert "<code>max_months</code></td><td><code>12</code></td><td>months shown</td>" in html
    assert "a path (CSV" in html  # the data parameter's own meaning
    assert "{&quot;order_id&quot;: &quot;Invoice&quot;}" in html


def test_parameters_table_refuses_other_things():
    with pytest.raises(DataError, match="pydantic model or a mapping"):
        page.parameters_table(["data"])


@dataclass
class Flag:
    rule: str
    column: str
    count: int
    rows: list[str]
    action: str
    message: str = ""


@dataclass
class Report:
    source: str = "/some/where/orders.csv"
    layout: str = "online_retail"
    rows_read: int = 1000
    rows_kept: int = 900
    customers: int = 4338
    first_date: str = "2010-12-01"
    last_date: str = "2011-12-09"
    dropped: dict = field(default_factory=lambda: {"missing_customer": 80, "cancellation": 20, "non_positive_price": 0})


def test_data_banner_names_the_data_and_warns_on_big_drops():
    html = page.data_banner(Report(), {"data": "/some/where/orders.csv"}).data
    assert 'class="data-banner"' in html
    for text in ("<code>orders.csv</code>", "online_retail", "900 of 1,000 rows kept (90.0%)", "4,338 customers",
                 "2010-12-01 to 2011-12-09", "no currency given"):  # fmt: skip
        assert text in html
    assert html.count("data-warning") == 1  # 8% > 5%; 2% is not warned about
    assert "<code>missing_customer</code> dropped 8.0%" in html


def test_data_banner_says_when_the_data_have_no_prices():
    report = Report()
    report.has_money = False
    html = page.data_banner(report).data
    assert "no prices in these data" in html and "no currency given" not in html


def test_data_banner_reads_flags_currency_and_duplicates_when_the_report_has_them():
    report = Report()
    report.currency = "GBP"
    report.duplicates = 42
    report.flags = [
        Flag("extreme_quantity", "quantity", 3, [], "kept"),
        Flag("duplicate", "", 42, [], "kept"),
        Flag("cancellation", "order_id", 100, [], "dropped"),
    ]
    html = page.data_banner(report, {"drop_duplicates": False}).data
    assert "currency GBP" in html
    assert "<code>cancellation</code> dropped 10.0%" in html and "missing_customer" not in html
    assert "42 exact duplicate lines, 42 of them among the kept rows" in html
    report.duplicates_kept = 40
    assert "42 exact duplicate lines, 40 of them among the kept rows" in page.data_banner(report, {}).data
    report.duplicates_kept = 0
    assert "42 exact duplicate lines, none of them among the kept rows" in page.data_banner(report, {}).data
    report.duplicates_kept = 42
    assert page.dropped_shares(report) == {"cancellation": 0.1}
    assert page.kept_counts(report) == {"extreme_quantity": 3, "duplicate": 42}
    assert "Flagged but kept: 3 rows by <code>extreme_quantity</code>." in html
    quiet = page.data_banner(report, {"drop_duplicates": True}, warn_share=0.5).data
    assert "data-warning" not in quiet


def test_data_banner_without_drops_has_no_warning():
    html = page.data_banner(Report(rows_kept=1000, dropped={"missing_customer": 0})).data
    assert "data-warning" not in html and "1,000 of 1,000 rows kept (100.0%)" in html


def test_findings_box_lists_sentences_with_code_spans():
    html = page.findings_box(["Rule `x` dropped 3 rows.", "", "Second <finding>."]).data
    assert 'class="run-findings' in html and "What this run found" in html
    assert html.count("<li>") == 2 and "<code>x</code>" in html and "&lt;finding&gt;" in html
    with pytest.raises(DataError, match="no findings"):
        page.findings_box([])


def test_write_csv_writes_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"a": [1, 2]})
    words = {"a": ("count", "a count"), "month": ("date", "the month")}
    assert page.write_csv(df, "concepts_monthly", page.csv_columns(df, words)) == "concepts_monthly.csv"
    assert (tmp_path / "concepts_monthly.csv").read_text().splitlines() == ["a", "1", "2"]
    named = pd.DataFrame({"a": [1]}, index=pd.Index(["x"], name="month"))
    page.write_csv(named, "named.csv", page.csv_columns(named, words))
    assert (tmp_path / "named.csv").read_text().splitlines() == ["month,a", "x,1"]
    with pytest.raises(DataError, match="plain file name"):
        page.write_csv(df, "../elsewhere.csv", page.csv_columns(df, words))


def test_findings_box_without_a_title():
    html = page.findings_box(["One."], title="").data
    assert "run-findings-title" not in html and "<li>One.</li>" in html


def test_parameters_table_puts_the_chapter_knobs_first_and_names_changed_defaults():
    from analysis.chapters.clustering.params import ClusteringParams

    text = page.parameters_table(ClusteringParams(k=4, seed=0)).data
    assert text.index("<code>k_range</code>") < text.index("<code>data</code>")
    assert "(default: 0)" in text  # k changed from its default
    assert text.count("(default:") == 1


def test_findings_box_shows_escaped_data_strings_as_text():
    from analysis import fmt

    evil = "<img src=x onerror=alert(1)> **b** `c`"
    html = page.findings_box([f"Product {fmt.escape(evil)} and column {fmt.escape('a `b` **', code=True)}."]).data
    assert "<img" not in html and "<strong>" not in html
    assert "Product &lt;img src=x onerror=alert(1)&gt; &#42;&#42;b&#42;&#42; &#96;c&#96; and" in html
    assert "column <code>a `b` **</code>." in html
