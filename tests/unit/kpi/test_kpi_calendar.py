"""The book's one trading calendar (analysis.kpi.trading_calendar): non-trading weekdays, closures, the longest closure."""

from __future__ import annotations

import numpy as np
import pandas as pd

def _weekday_shop(days: int = 364, start: str = "2024-01-01") -> pd.DataFrame:
    """A daily series of a shop closed on Saturdays, open on one Saturday, shut for Christmas."""
    index = pd.date_range(start, periods=days, freq="D")
    orders = np.where(index.day_of_week == 5, 0, 10)
    orders[index == pd.Timestamp("2024-06-15")] = 3  # the one Saturday with a sale
    orders[(index >= "2024-12-23") & (index <= "2024-12-29")] = 0  # a week's Christmas shutdown
    return pd.DataFrame({"orders": orders, "revenue": orders * 5.0}, index=index)


def test_the_trading_calendar_names_a_weekday_shop_with_one_exceptional_saturday():
    from analysis.kpi import trading_calendar

    daily = _weekday_shop()
    cal = trading_calendar(daily)
    assert cal.off == (5,) and cal.off_names == ("Saturday",) and cal.off_sales == {"Saturday": (1, 52)}
    closed = daily.index[cal.closed]
    assert list(closed.strftime("%m-%d")) == ["12-23", "12-24", "12-25", "12-26", "12-27", "12-29"]
    first, last, days = cal.longest_closure(daily.index)
    assert (first, last, days) == (pd.Timestamp("2024-12-23"), pd.Timestamp("2024-12-29"), 7)  # the Saturday inside counts
    assert trading_calendar(daily.assign(orders=10)).off_sales == {}


def test_a_small_shop_with_many_quiet_days_has_no_closures():
    from analysis.kpi import trading_calendar

    daily = _weekday_shop()
    daily["orders"] = np.where(np.arange(len(daily)) % 3 == 0, 0, 1)  # a third of the days empty: low demand
    cal = trading_calendar(daily)
    assert not cal.closed.any() and cal.longest_closure(daily.index) is None


def _mid_history_log(cut_days: int = 120, seed: int = 4):
    """The built-in shop's log with its first ``cut_days`` days cut off: a log that starts mid-history, and the
    truth of who was buying before it starts."""
    from analysis import schema as S
    from analysis.data import load_transactions

    tx, _ = load_transactions("shop", n_customers=400, seed=seed)
    start = tx[S.TIMESTAMP].min().normalize() + pd.Timedelta(days=cut_days)
    before = set(tx.loc[tx[S.TIMESTAMP] < start, S.CUSTOMER])
    return tx[tx[S.TIMESTAMP] >= start], start, before


def test_left_censoring_finds_the_customers_buying_before_the_log_starts():
    from analysis import features, kpi
    from analysis import schema as S

    log, start, before = _mid_history_log()
    customers = features.customer_table(log)
    already = kpi.left_censored(customers[S.FIRST], start, 30)
    flagged = set(customers.loc[already, S.CUSTOMER])
    truly_before = set(customers[S.CUSTOMER]) & before
    # most of the first month's "new" customers were buying before, far more than among those first seen later
    later = set(customers[S.CUSTOMER]) - flagged
    assert len(flagged & truly_before) / len(flagged) > 0.6 > 2 * len(later & truly_before) / len(later)
    assert kpi.left_censored(customers[S.FIRST], start, 0).sum() == 0  # off
    first_month = f"{start:%Y-%m}"
    assert kpi.censored_cohorts([first_month, "2099-01"], start, 30) == [first_month]
    assert kpi.censored_cohorts([first_month], start, 0) == []


def test_the_first_cohorts_month1_retention_is_inflated_by_already_customers():
    """Each way: on the cut log the first cohort (mostly old customers) returns more often than the others; on
    the uncut log the first cohort is new customers like the rest, and the rule then marks only its month."""
    from analysis import features, kpi

    log, start, _ = _mid_history_log()
    retention = kpi.cohort_retention(features.cohort_counts(log))
    first = retention.index[0]
    assert kpi.censored_cohorts(retention.index, start, 30) == [first]
    month1 = retention[1].dropna()
    assert month1.loc[first] > month1.drop(first).mean()
