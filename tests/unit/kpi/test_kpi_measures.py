"""KPIs beyond retention: concentration, half the revenue, weekdays, monthly coverage, cohort sizes, the KPI table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import DataError, features, kpi
from analysis import schema as S


def _customers(spend: list[float]) -> pd.DataFrame:
    return pd.DataFrame({S.CUSTOMER: [f"c{i}" for i in range(len(spend))], S.MONETARY: spend, S.FREQUENCY: 1})


def test_top_share_by_hand():
    c = _customers([50, 20, 10, 10, 5, 5, 0, 0, 0, 0])  # total 100; top 20% = 2 customers = 70
    assert kpi.top_share(c, 0.2) == pytest.approx(0.7)
    assert kpi.top_share(_customers([1.0] * 10), 0.2) == pytest.approx(0.2)  # equal spending
    assert kpi.top_share(_customers([1.0] * 3), 0.2) == pytest.approx(1 / 3)  # ceil(0.6) = 1 customer
    assert np.isnan(kpi.top_share(_customers([0.0, 0.0]), 0.2))


def test_customers_for_share_by_hand():
    c = _customers([50, 20, 10, 10, 5, 5, 0, 0, 0, 0])
    assert kpi.customers_for_share(c, 0.5) == pytest.approx(0.1)  # the first customer alone has 50%
    assert kpi.customers_for_share(c, 0.6) == pytest.approx(0.2)
    assert kpi.customers_for_share(_customers([1.0] * 4), 0.5) == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [0, 1, 1.5, True, "half"])
def test_shares_are_checked(bad):
    with pytest.raises(DataError, match="fraction"):
        kpi.top_share(_customers([1.0]), bad)
    with pytest.raises(DataError, match="revenue_share"):
        kpi.customers_for_share(_customers([1.0]), bad)


def _daily() -> pd.DataFrame:
    days = pd.date_range("2024-01-01", "2024-02-10", freq="D")  # 2024-01-01 is a Monday
    orders = np.where(days.day_of_week == 5, 0, 2)  # never on Saturdays
    revenue = orders * np.where(days.day_of_week == 0, 30.0, 10.0)  # Mondays' orders are worth more
    return pd.DataFrame({"revenue": revenue, "orders": orders}, index=pd.DatetimeIndex(days, name="date"))


def test_by_weekday_keeps_every_day_in_order():
    w = kpi.by_weekday(_daily())
    assert list(w.index) == list(kpi.WEEKDAYS) and w.index.name == "weekday"
    assert w.loc["Saturday", "orders"] == 0 and np.isnan(w.loc["Saturday", "aov"])
    assert w.loc["Monday", "aov"] == pytest.approx(30.0) and w.loc["Tuesday", "aov"] == pytest.approx(10.0)
    assert w["days"].sum() == 41 and w.loc["Monday", "days"] == 6
    assert w["share_of_orders"].sum() == pytest.approx(1.0)


def test_monthly_counts_days_covered():
    m = kpi.monthly(_daily())
    assert m["days"].tolist() == [31, 10]
    assert m["partial"].tolist() == [False, True]


def test_cohort_sizes_and_headline_table():
    tx = pd.DataFrame(
        {
            S.ORDER: ["o1", "o2", "o3", "o4"],
            S.CUSTOMER: ["a", "b", "a", "c"],
            S.PRODUCT: "p",
            S.QUANTITY: 1.0,
            S.PRICE: [10.0, 20.0, 1500.0, 5.0],
            S.TIMESTAMP: pd.to_datetime(["2024-01-05", "2024-01-06", "2024-02-01", "2024-02-03"]),
        }
    )
    counts = features.cohort_counts(tx)
    sizes = kpi.cohort_sizes(counts)
    assert sizes.to_dict() == {pd.Timestamp("2024-01-01"): 2, pd.Timestamp("2024-02-01"): 1}
    # one index type with the counts' cohort column: a natural join matches (no silent all-NaN)
    joined = counts[counts["months_since"] == 0].set_index("cohort")["customers"] / sizes
    assert joined.notna().all() and (joined == 1).all()
    table = kpi.headline_table(kpi.headline(features.customer_table(tx)), currency="GBP")
    assert table.loc["revenue", "value"] == "£1,535"
    assert table.loc["orders", "value"] == "4"
    assert table.loc["average order value", "value"] == "£383.75"
    assert table.loc["repeat-purchase rate", "value"] == "33.3%"
    assert table.loc["orders per customer", "value"] == "1.33"
