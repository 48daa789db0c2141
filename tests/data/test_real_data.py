"""The real data sets in ../shared/data: the data report agrees with the published facts,
and counts what the data hold (exact duplicate lines, extreme values) independently checked."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import features
from analysis.data import load_data
from analysis.data import load_transactions

pytestmark = pytest.mark.data

PUBLISHED = {"rows_read": 541_909, "rows_kept": 397_884, "customers": 4_338}


def _default_rules_keep(raw: pd.DataFrame) -> pd.Series:
    """The published cleaning of Online Retail, written out with pandas: customer known, no
    cancellation, quantity and unit price above 0."""
    return (
        raw["CustomerID"].notna()
        & ~raw["InvoiceNo"].astype("str").str.startswith("C")
        & (raw["Quantity"] > 0)
        & (raw["UnitPrice"] > 0)
    )


def test_online_retail_report_matches_the_shared_facts(online_retail):
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "report", str(online_retail), "--json"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["layout"] == "online_retail"
    assert report["rows_read"] == 541_909
    assert report["rows_kept"] == 397_884
    assert report["customers"] == 4_338
    assert report["dropped"]["missing_customer"] == 135_080
    assert (report["first_date"], report["last_date"]) == ("2010-12-01", "2011-12-09")


def test_online_retail_default_parameters_keep_the_published_facts(online_retail):
    _, report = load_data({"data": str(online_retail)})
    assert {k: getattr(report, k) for k in PUBLISHED} == PUBLISHED
    assert report.dropped["after_max_date"] == 0 and report.flag("after_max_date") is None
    assert report.flag("truncated_line") is None
    assert report.currency == "GBP"
    assert all(f.action == "kept" for f in report.flags if f.rule in ("extreme_quantity", "extreme_price", "duplicate"))


def test_online_retail_report_counts_its_exact_duplicate_lines(online_retail):
    raw = pd.read_parquet(online_retail)
    duplicates = int(raw.duplicated().sum())  # every column of the file equal to an earlier line
    _, report = load_data({"data": str(online_retail)})
    assert report.duplicates == duplicates > 0
    # the flag counts those among the rows the other rules keep: what drop_duplicates drops
    kept = raw[_default_rules_keep(raw)]
    flag = report.flag("duplicate")
    assert flag.count == int(kept.duplicated().sum()) and flag.action == "kept" and "drop_duplicates" in flag.message
    assert f"{duplicates:,} exact duplicate lines" in flag.message
    _, dropping = load_data({"data": str(online_retail), "drop_duplicates": True})
    assert dropping.dropped["duplicate"] == int(kept.duplicated().sum()) == dropping.flag("duplicate").count
    assert dropping.rows_kept == len(kept) - int(kept.duplicated().sum())
    assert dropping.duplicates == duplicates and dropping.flag("duplicate").action == "dropped"


def test_online_retail_extreme_values_are_flagged_not_dropped(online_retail):
    raw = pd.read_parquet(online_retail)
    kept = raw[_default_rules_keep(raw)]
    _, report = load_data({"data": str(online_retail)})
    for column, rule in (("Quantity", "extreme_quantity"), ("UnitPrice", "extreme_price")):
        x = kept[column].to_numpy(dtype=float)
        mad = np.median(np.abs(x - np.median(x)))
        expected = int((np.abs(x - np.median(x)) / (1.4826 * mad) > 50).sum())
        assert report.flag(rule).count == expected > 0
        assert rule not in report.dropped


def test_online_retail_as_a_gzipped_windows_1252_csv(online_retail, tmp_path):
    raw = pd.read_parquet(online_retail)
    raw["InvoiceDate"] = raw["InvoiceDate"].map(lambda t: f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}")
    raw.loc[0, "Description"] = "PRICE IN €"
    path = tmp_path / "Online Retail.csv.gz"
    path.write_bytes(gzip.compress(raw.to_csv(index=False).encode("cp1252"), compresslevel=1))
    table, report = load_data({"data": str(path)})
    assert {k: getattr(report, k) for k in PUBLISHED} == PUBLISHED
    assert report.encoding == "cp1252" and table["description"].iloc[0] == "PRICE IN €"
    assert report.duplicates == int(raw.duplicated().sum())


def test_online_retail_customer_table_agrees_with_the_report(online_retail):
    tx, report = load_transactions(online_retail)
    customers = features.customer_table(tx)
    assert len(customers) == report.customers
    assert customers["monetary"].sum() == pytest.approx(report.revenue, abs=0.01)
    assert customers["frequency"].sum() == report.orders


def test_movielens_report(movielens):
    _, report = load_transactions(movielens)
    assert (report.rows_read, report.customers, report.products) == (100_000, 943, 1_682)


def test_online_retail_cancelled_originals(online_retail):
    """Each cancellation matched to the most recent earlier kept line of the same customer, product and quantity."""
    from analysis import schema as S

    raw = pd.read_parquet(online_retail)
    tx, report = load_data({"data": str(online_retail)})
    flag = report.flag("cancelled_original")
    assert flag.action == "kept" and flag.count == report.cancelled_originals == 2_895
    assert report.cancelled_revenue == pytest.approx(447_317.06, abs=0.01)
    assert "net_cancellations" in flag.message and "447,317.06" in flag.message
    # customer 12346 bought 74,215 jars and cancelled them 16 minutes later
    jar = raw[(raw["CustomerID"] == 12346) & (raw["Quantity"] == 74215)]
    assert len(jar) == 1 and (tx[S.CUSTOMER] == "12346").sum() == 1
    netted, dropping = load_data({"data": str(online_retail), "net_cancellations": True})
    assert dropping.dropped["cancelled_original"] == 2_895 and dropping.rows_kept == 397_884 - 2_895
    assert (netted[S.CUSTOMER] == "12346").sum() == 0
    assert dropping.revenue == pytest.approx(report.revenue - report.cancelled_revenue, abs=0.05)
    assert report.duplicates_kept == 5_192 and report.duplicates == 5_268


def test_cdnow_report_lists_the_rule_off_for_its_layout():
    pytest.importorskip("lifetimes", reason="the CDNOW master file ships inside lifetimes")
    _, report = load_data({"data": "cdnow"})
    steps = report.steps()
    off = steps[steps["rule"] == "non_positive_price"]
    assert len(off) == 1 and off["note"].iloc[0].startswith("off for this layout: zero-dollar purchases")
    assert "non_positive_price" not in report.dropped and report.cancelled_originals == 0


def test_online_retail_float_customer_ids_are_integers_and_the_report_counts_them(online_retail):
    """CustomerID is a float column (17850.0): every id is rewritten as the integer, the counts stay the
    published ones, and no id is written both ways; no invoice is shared by many customers (issue 26)."""
    table, report = load_data({"data": str(online_retail)})
    raw = pd.read_parquet(online_retail, columns=["CustomerID"])
    assert report.ids_rewritten == {"customer_id": int(raw["CustomerID"].notna().sum())} == {"customer_id": 406_829}
    assert table["customer_id"].str.fullmatch(r"\d+").all() and report.customers == 4_338
    assert report.flag("id_written_two_ways") is None and report.flag("shared_order") is None
    assert report.dropped["before_min_date"] == 0 and report.timezone == ""
