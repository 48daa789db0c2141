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
