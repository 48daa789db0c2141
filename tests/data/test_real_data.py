"""The real data sets in ../shared/data: the data report agrees with the published facts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analysis import features
from analysis.datasets import load_transactions

pytestmark = pytest.mark.data


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


def test_online_retail_customer_table_agrees_with_the_report(online_retail):
    tx, report = load_transactions(online_retail)
    customers = features.customer_table(tx)
    assert len(customers) == report.customers
    assert customers["monetary"].sum() == pytest.approx(report.revenue, abs=0.01)
    assert customers["frequency"].sum() == report.orders


def test_movielens_report(movielens):
    _, report = load_transactions(movielens)
    assert (report.rows_read, report.customers, report.products) == (100_000, 943, 1_682)
