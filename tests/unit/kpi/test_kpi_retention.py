"""Cohort retention: partial last months, months without returners, max_months, on hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import DataError, features, kpi


def _tx(purchases: list[tuple[str, str]]) -> pd.DataFrame:
    """A canonical transactions table with one order line per (customer, timestamp)."""
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(purchases))],
            "customer_id": [c for c, _ in purchases],
            "product_id": "p1",
            "quantity": 1.0,
            "unit_price": 10.0,
            "timestamp": pd.to_datetime([t for _, t in purchases]),
        }
    )


# Cohort 2024-01: a, b, c. a buys in Feb, Apr and May; b in Apr; c never again; nobody in March.
# Cohort 2024-02: d, e. d buys in March; nobody in April.
# Cohort 2024-04: g. Cohort 2024-05: f. The data end on 2024-05-10, so May is covered only partly.
TX = _tx(
    [
        ("a", "2024-01-05 10:00"), ("b", "2024-01-12 11:00"), ("c", "2024-01-20 12:00"),
        ("a", "2024-02-03 09:00"), ("d", "2024-02-10 09:00"), ("e", "2024-02-20 09:00"),
        ("d", "2024-03-15 09:00"),
        ("a", "2024-04-02 09:00"), ("b", "2024-04-28 09:00"), ("g", "2024-04-15 09:00"),
        ("a", "2024-05-02 09:00"), ("f", "2024-05-03 09:00"), ("a", "2024-05-10 18:00"),
    ]
)  # fmt: skip
LAST_DAY = pd.Timestamp("2024-05-10")


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return features.cohort_counts(TX)


def test_partial_last_month_is_missing_and_empty_months_are_zero(counts: pd.DataFrame) -> None:
    r = kpi.cohort_retention(counts, observed_until=LAST_DAY)
    # The last complete month is April: May (partial) is never measured, and cohort 2024-05 is left out.
    assert list(r.index) == ["2024-01", "2024-02", "2024-04"]
    assert list(r.columns) == [0, 1, 2, 3]
    assert r.index.name == "cohort" and r.columns.name == "months since first purchase"
    jan, feb, apr = r.loc["2024-01"], r.loc["2024-02"], r.loc["2024-04"]
    assert jan.tolist() == pytest.approx([1.0, 1 / 3, 0.0, 2 / 3])  # March: no returner -> 0, not NaN
    assert feb[[0, 1, 2]].tolist() == pytest.approx([1.0, 0.5, 0.0])  # April: no returner -> 0
    assert np.isnan(feb[3])  # 2024-02 + 3 = May: partly covered -> NaN
    assert apr[0] == 1.0 and apr[[1, 2, 3]].isna().all()  # May onwards: not observed
    # Means over cohorts now count the zero, and skip the unobserved cells.
    assert r[2].mean() == 0.0
    assert r[1].mean() == pytest.approx((1 / 3 + 0.5) / 2)


def test_last_day_of_a_month_makes_that_month_complete(counts: pd.DataFrame) -> None:
    r = kpi.cohort_retention(counts, observed_until="2024-05-31")
    assert list(r.index) == ["2024-01", "2024-02", "2024-04", "2024-05"]
    assert list(r.columns) == [0, 1, 2, 3, 4]
    assert r.loc["2024-01", 4] == pytest.approx(1 / 3)  # a bought in May
    assert r.loc["2024-02", 3] == 0.0  # nobody of 2024-02 in May
    assert r.loc["2024-04", 1] == 0.0
    assert r.loc["2024-05", 0] == 1.0 and r.loc["2024-05", [1, 2, 3, 4]].isna().all()
    # A time of day on the last day still counts as that day.
    later = kpi.cohort_retention(counts, observed_until=pd.Timestamp("2024-05-31 23:59"))
    pd.testing.assert_frame_equal(later, r)
    # 2024-05-30 is not the month's last day: May is partial again.
    assert list(kpi.cohort_retention(counts, observed_until="2024-05-30").columns) == [0, 1, 2, 3]


def test_without_observed_until_the_last_period_counts_as_complete(counts: pd.DataFrame) -> None:
    r = kpi.cohort_retention(counts)
    expected = kpi.cohort_retention(counts, observed_until="2024-05-31")
    pd.testing.assert_frame_equal(r, expected)
    assert r.loc["2024-01", 2] == 0.0  # a hole in the pivot, now 0
    assert np.isnan(r.loc["2024-02", 4])  # 2024-02 + 4 = June: beyond the data


def test_max_months_keeps_the_first_columns(counts: pd.DataFrame) -> None:
    full = kpi.cohort_retention(counts, observed_until=LAST_DAY)
    r = kpi.cohort_retention(counts, max_months=2, observed_until=LAST_DAY)
    assert list(r.columns) == [0, 1, 2]
    pd.testing.assert_frame_equal(r, full[[0, 1, 2]])
    assert list(kpi.cohort_retention(counts, max_months=0).columns) == [0]
    # More months than the data reach: only the reachable columns.
    assert list(kpi.cohort_retention(counts, max_months=12).columns) == [0, 1, 2, 3, 4]


def test_cohort_retention_refuses_bad_input(counts: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="max_months"):
        kpi.cohort_retention(counts, max_months=-1)
    with pytest.raises(DataError, match="no month is observed completely") as err:
        kpi.cohort_retention(counts, observed_until="2024-01-20")  # January itself is partial
    assert err.value.column == "observed_until"
    with pytest.raises(DataError, match="empty"):
        kpi.cohort_retention(counts.iloc[0:0])
    with pytest.raises(DataError, match="first month"):
        kpi.cohort_retention(counts[counts["months_since"] > 0])
    with pytest.raises(DataError, match="months_since"):
        kpi.cohort_retention(counts.drop(columns="months_since"))


def test_no_complete_month_raises_or_gives_an_empty_matrix(counts: pd.DataFrame) -> None:
    with pytest.raises(DataError, match="no month is observed completely"):
        kpi.cohort_retention(counts, observed_until="2024-01-25")
    empty = kpi.cohort_retention(counts, observed_until="2024-01-25", allow_empty=True)
    assert empty.empty and list(empty.columns) == [0] and empty.index.name == "cohort"
    from analysis.chapters.concepts import figures as concepts_figures

    fig = concepts_figures.cohort_heatmap(empty)
    assert "no retention to show" in fig.axes[0].texts[0].get_text()
