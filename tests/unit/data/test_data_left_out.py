"""Logs with less: a mapping without order_id, quantity or unit_price, and what the report says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import DataError
from analysis import schema as S
from analysis.data import load_transactions, to_canonical

ROOT = Path(__file__).resolve().parents[3]

#: A loyalty-card basket log: member, day-first date, item; member 1 buys twice on one day.
BASKETS = pd.DataFrame(
    {
        "Member_number": [1808, 1808, 2552, 1808, 2552, 4000],
        "Date": ["21-07-2015", "21-07-2015", "05-01-2015", "19-09-2015", "19-09-2015", "01-02-2015"],
        "itemDescription": ["tropical fruit", "whole milk", "whole milk", "pip fruit", "rolls/buns", "whole milk"],
        "Qty": [2, 1, 3, 1, 1, 4],
        "Price": [1.5, 0.9, 0.9, 1.2, 0.3, 0.9],
        "Ticket": ["T1", "T1", "T2", "T3", "T4", "T5"],
    }
)
LESS = {S.CUSTOMER: "Member_number", S.PRODUCT: "itemDescription", S.TIMESTAMP: "Date"}


def test_a_left_out_order_id_is_a_customers_day():
    table, _ = to_canonical(BASKETS, mapping={**LESS, S.QUANTITY: "Qty", S.PRICE: "Price"})
    assert table[S.ORDER].tolist()[:3] == ["1808-2015-07-21", "1808-2015-07-21", "2552-2015-01-05"]
    assert table[S.ORDER].nunique() == 5
    assert table[S.QUANTITY].tolist() == [2, 1, 3, 1, 1, 4]
    assert table[S.PRICE].notna().all()


def test_a_left_out_quantity_is_one():
    table, _ = to_canonical(BASKETS, mapping={**LESS, S.ORDER: "Ticket", S.PRICE: "Price"})
    assert (table[S.QUANTITY] == 1.0).all() and table[S.QUANTITY].dtype == "float64"
    assert table[S.ORDER].tolist() == BASKETS["Ticket"].tolist()


def test_a_left_out_price_is_present_but_missing_on_every_line():
    table, layout = to_canonical(BASKETS, mapping={**LESS, S.ORDER: "Ticket", S.QUANTITY: "Qty"})
    assert list(table.columns[:6]) == list(S.TRANSACTION_REQUIRED)
    assert table[S.PRICE].isna().all() and table[S.PRICE].dtype == "float64"
    assert layout.kind == "purchases" and list(layout.filled) == [S.PRICE]


def test_a_log_of_customer_product_and_date_only_loads_with_its_report():
    table, report = load_transactions(BASKETS[["Member_number", "Date", "itemDescription"]], mapping=LESS)
    assert len(table) == report.rows_kept == 6
    assert report.orders == 5 and report.customers == 3 and report.repeat_customers == 2
    assert report.has_money is False and report.revenue is None
    assert list(report.filled) == [S.ORDER, S.QUANTITY, S.PRICE]
    assert report.filled[S.PRICE].startswith("absent") and report.filled[S.ORDER].startswith("derived")
    # the rules that look at prices or order ids stand down, each with why
    assert {"non_positive_price", "cancellation", "extreme_price"} <= set(report.rules_off)
    assert "unit_price not mapped" in report.rules_off["non_positive_price"]
    steps = report.steps().set_index("rule")
    assert steps.loc["non_positive_price", "note"].startswith("off for this layout: no unit prices")
    text = str(report)
    assert "revenue     n/a (no prices in these data)" in text
    assert "left out    order_id: derived: an order is a customer's purchases on one day" in text
    assert "quantity: derived: 1 on every line" in text and "unit_price: absent" in text
    data = json.loads(report.to_json())
    assert data["has_money"] is False and data["revenue"] is None and set(data["filled"]) == set(report.filled)


def test_a_customer_id_that_starts_with_the_cancellation_prefix_is_not_a_cancellation():
    log = BASKETS.assign(Member_number=["C1", "C1", "C2", "C1", "C2", "C3"])
    table, report = load_transactions(log, mapping={**LESS, S.QUANTITY: "Qty", S.PRICE: "Price"})
    assert len(table) == 6 and report.has_money and report.revenue == pytest.approx(11.7)
    assert "cancellation" in report.rules_off and "non_positive_price" not in report.rules_off
    assert table[S.ORDER].iloc[0] == "C1-2015-07-21"


def test_a_full_mapping_reports_nothing_left_out():
    _, report = load_transactions(BASKETS, mapping={**LESS, S.ORDER: "Ticket", S.QUANTITY: "Qty", S.PRICE: "Price"})
    assert report.has_money and report.filled == {} and report.rules_off == {}
    assert "left out" not in str(report)


def test_without_prices_unreadable_quantities_are_still_counted():
    log = BASKETS.assign(Qty=["2", "x", "3", "1", "1", "4"])
    table, report = load_transactions(log, mapping={**LESS, S.QUANTITY: "Qty"}, overrides={"max_unparseable_share": 0.5})
    assert report.dropped["unparseable_number"] == 1 and len(table) == 5
    assert report.has_money is False


@pytest.mark.parametrize("left", [S.CUSTOMER, S.PRODUCT, S.TIMESTAMP])
def test_a_mapping_must_name_customer_product_and_timestamp(left):
    mapping = {k: v for k, v in LESS.items() if k != left}
    with pytest.raises(DataError, match=f"does not name {left}") as err:
        load_transactions(BASKETS, mapping=mapping)
    assert "may be left out" in err.value.fix


def test_the_shell_report_says_what_was_left_out(tmp_path):
    path = tmp_path / "groceries.csv"
    BASKETS[["Member_number", "Date", "itemDescription"]].to_csv(path, index=False)
    params = tmp_path / "params.yaml"
    params.write_text("mapping:\n  customer_id: Member_number\n  product_id: itemDescription\n  timestamp: Date\n")
    run = [sys.executable, "-m", "analysis", "report", str(path), "--params", str(params)]
    text = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "mapped (purchases)" in text and "left out    order_id" in text and "no prices in these data" in text
    out = subprocess.run([*run, "--json"], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    data = json.loads(out)
    assert data["has_money"] is False and data["rows_kept"] == 6
