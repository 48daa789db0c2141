"""Concepts on UCI Online Retail: every worded finding read against the run's numbers and the published facts."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import schema as S
from analysis import features, fmt, kpi
from analysis.data import load_transactions
from analysis.chapters.concepts import findings as F
from tests.notebooks.conftest import execute

pytestmark = [pytest.mark.data, pytest.mark.notebooks]


@pytest.fixture(scope="module")
def online_retail_run(tmp_path_factory):
    from tests.conftest import _shared

    path = _shared("online_retail/online_retail.parquet")  # skips, naming the path, when the data are absent
    glued = execute("01_concepts.ipynb", tmp_path_factory.mktemp("concepts_or"), data=str(path))
    tx, report = load_transactions(path, overrides={"drop_non_product": True})  # the chapter's default
    return glued, tx, report


def test_cleaning_and_headline(online_retail_run):
    glued, tx, report = online_retail_run
    # the published 397,884 lines of 4,338 customers, less the 1,558 lines that are not products (POST, M, ...),
    # which take 4 customers who bought nothing else
    assert int(glued["rows_read"]) == report.rows_read == 541_909 and int(glued["rows_kept"]) == 397_884 - 1_558
    assert report.dropped["non_product"] == 1_558
    assert int(glued["customers"]) == report.customers == 4_334
    assert float(glued["revenue"]) == pytest.approx(report.revenue, abs=0.01)
    assert int(glued["orders"]) == report.orders
    assert glued["cleaning_sentence"] == F.cleaning(report.rows_read, report.dropped)
    assert "most of them by the rule `missing_customer`" in glued["cleaning_sentence"]
    # the cancelled originals are kept by default, and the page says how many and how much
    assert int(glued["cancelled_lines"]) == report.cancelled_originals > 0
    assert glued["cancelled_sentence"] == F.cancelled(report.cancelled_originals, report.cancelled_revenue, False, "GBP")
    assert "`net_cancellations: true` removes them" in glued["cancelled_sentence"]
    assert "free samples at price zero" in glued["rules_sentence"]
    assert glued["months_sentence"] == "The data span 13 calendar months (1 of them only in part)."
    if getattr(report, "currency", ""):
        assert "orders worth £" in glued["headline_sentence"] and "average order value of £" in glued["headline_sentence"]


def test_every_finding_follows_the_numbers(online_retail_run):
    glued, tx, report = online_retail_run
    money = getattr(report, "currency", "")
    customers, daily = features.customer_table(tx), features.daily_series(tx)
    monthly = kpi.monthly(daily)
    k = kpi.headline(customers)
    assert glued["concentration_sentence"] == F.concentration(kpi.top_share(customers, 0.2), 0.2, len(customers))
    # the log starts 2010-12-01 with customers who were buying before: the first cohort is marked and left out
    assert int(glued["censored_customers"]) == int(kpi.left_censored(customers[S.FIRST], report.first_date, 30).sum())
    assert "a sign that many were already customers" in glued["censor_sentence"]
    assert "The cohort 2010-12 is marked as already customers" in glued["censor_sentence"]
    assert "newer and older cohorts return about equally often" in glued["month1_sentence"]  # not "less often"
    extra = report.non_products  # POST, M, C2, DOT, BANK CHARGES ...: out of the chapter's revenue by default
    assert {"POST", "M", "DOT"} <= {e["product_id"] for e in extra} and report.rules["drop_non_product"]
    assert not set(tx["product_id"]) & {e["product_id"] for e in extra}
    lines, amount = sum(e["rows"] for e in extra), sum(e["revenue"] for e in extra)
    assert glued["revenue_includes"] == F.revenue_includes(
        report.duplicates_kept, report.cancelled_originals, True, lines, amount, True, "GBP"
    )
    assert glued["repeat_sentence"] == F.repeat_rate(k["repeat_rate"], k["customers"])
    # December 2011 (9 days) is partial: the best full month is November, and the partial month is named
    november = fmt.money(monthly.loc["2011-11-01", "revenue"], money)
    assert glued["best_month_sentence"].startswith(f"The best full month was November 2011 with {november}")
    assert "December 2011 is in the data for only 9 of its 31 days and is left out" in glued["best_month_sentence"]
    zero = daily[daily["revenue"] == 0]
    assert int(glued["zero_days"]) == len(zero) > 0
    assert glued["zero_days_sentence"].startswith("The shop does not trade on Saturdays (sales on none of the")
    assert "the longest closure runs from 2010-12-2" in glued["zero_days_sentence"]  # the Christmas shutdown
    assert glued["weekday_sentence"] == F.weekday(kpi.by_weekday(daily), k["aov"], money)
    assert "no order was ever placed on a Saturday" in glued["weekday_sentence"]
    assert fmt.share(float(glued["month1_retention"])) in glued["month1_sentence"]


def test_exercises_have_real_answers(online_retail_run):
    glued, tx, report = online_retail_run
    assert float(glued["ex1_1"]) < float(glued["ex1_1_mean"])
    assert "pulls the mean above the median" in glued["ex1_1_sentence"]
    assert 0 < float(glued["ex1_2"]) < float(glued["top20_share"])
    assert float(glued["ex1_3"]) != pytest.approx(float(glued["month1_retention"]), abs=1e-9)
    assert float(glued["ex1_4_early"]) > float(glued["ex1_4_late"])
    assert "less time to come back" in glued["ex1_4_sentence"]
    for key in ("ex1_1_sentence", "ex1_2_sentence", "ex1_3_sentence", "ex1_4_sentence"):
        assert " 0 " not in glued[key] and "nan" not in glued[key].lower()


def test_concepts_on_cdnow(tmp_path):
    pytest.importorskip("lifetimes", reason="the CDNOW master file ships inside lifetimes")
    glued = execute("01_concepts.ipynb", tmp_path, data="cdnow")
    # CDNOW is one cohort acquired in 1997's first quarter: its first month is marked all the same, and the
    # sentence weighs the evidence instead of asserting that they bought before
    assert "first seen in its first 30 days may have been buying before it" in glued["censor_sentence"]
    assert "The cohort 1997-01 is marked as already customers" in glued["censor_sentence"]
    assert int(glued["customers"]) == 23_570
    assert glued["cleaning_sentence"].startswith("All 69,659 rows read were kept")
    assert "most customers bought once" in glued["repeat_sentence"]
    assert pd.notna(float(glued["month1_retention"]))
    assert glued["zero_days_sentence"].startswith("Every one of the")
    # non_positive_price is off for CDNOW: the page does not say free samples are dropped, and says why they are kept
    drops, off = glued["rules_sentence"].split(". ", 1)
    assert "free samples" not in drops and "`non_positive_price` (free samples at price zero) is off for this layout" in off
    assert glued["cancelled_sentence"].strip() == "" and int(glued["cancelled_lines"]) == 0  # no cancellations
    assert glued["products_text"] == "1 product"
    assert glued["months_sentence"] == "The data span 18 calendar months."
    early = fmt.share(float(glued["ex1_4_early"]))  # CDNOW's customers first seen after its first 30 days
    assert early in glued["ex1_4_sentence"] and "about the same" in glued["ex1_4_sentence"]


def test_concepts_on_a_second_edition_csv(online_retail, tmp_path):
    """Online Retail II's layout (Invoice, Price, Customer ID) as a CSV: the chapter and its findings follow the file."""
    raw = pd.read_parquet(online_retail)
    raw = raw[raw["InvoiceDate"] < "2011-03-15"]  # three and a half months: a partial last month
    second = raw.rename(columns={"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"})
    path = tmp_path / "online_retail_II.csv"
    second.to_csv(path, index=False)
    glued = execute("01_concepts.ipynb", tmp_path, data=str(path))
    tx, report = load_transactions(path, overrides={"drop_non_product": True})  # the chapter's default
    money = getattr(report, "currency", "")
    assert int(glued["rows_read"]) == len(second) == report.rows_read
    customers, daily = features.customer_table(tx), features.daily_series(tx)
    monthly = kpi.monthly(daily)
    assert monthly["partial"].iloc[-1]  # March 2011 ends on the 14th
    assert glued["best_month_sentence"] == F.best_month(monthly, money)
    assert "March 2011 is in the data for only" in glued["best_month_sentence"]
    assert glued["cleaning_sentence"] == F.cleaning(report.rows_read, report.dropped)
    assert glued["concentration_sentence"] == F.concentration(kpi.top_share(customers, 0.2), 0.2, len(customers))
    assert glued["weekday_sentence"] == F.weekday(kpi.by_weekday(daily), kpi.headline(customers)["aov"], money)


def test_concepts_on_ten_days(online_retail, tmp_path):
    """Less than a month of data: no month to compare, no retention to measure, and the page says so."""
    raw = pd.read_parquet(online_retail)
    path = tmp_path / "ten_days.csv"
    raw[raw["InvoiceDate"] < "2010-12-11"].to_csv(path, index=False)
    glued = execute("01_concepts.ipynb", tmp_path, data=str(path))
    assert glued["best_month_sentence"].startswith("No calendar month is covered completely")
    assert glued["month1_sentence"].startswith("The data end before any cohort has a complete month")
    assert glued["ex1_3_sentence"].endswith("so there is nothing to average.")
    assert glued["zero_days_sentence"] == "1 of the 10 days in the data (10.0%) has no sale at all."
