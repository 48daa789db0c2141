r"""Sales series from a transaction log, on a regular trading calendar.

A day without a sale is a zero, not a gap. Two kinds of zero are told apart:

* a **non-trading weekday** is a weekday on which the shop (almost) never sells
  (:data:`NON_TRADING_SHARE` or more of those weekdays have no sale, e.g.
  Saturdays in UCI Online Retail); it is removed from the daily series, which then
  runs over *trading days* with a season of as many steps as trading weekdays;
* a **closure** is a day without a sale on a trading weekday (Christmas, a bank
  holiday). Closures stay in the series as zeros and are flagged, so that models
  that know the calendar can forecast them as zero. When zero days are common
  (more than :data:`CLOSURE_MAX_SHARE` of trading days, a small shop), they are
  ordinary low demand and nothing is flagged.

A **partial last day** (its last sale earlier in the day than on
:data:`PARTIAL_QUANTILE` of the other days: the log was cut mid-day) is dropped, as
is a partial first or last week in weekly series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import features
from analysis.kpi import CLOSURE_MAX_SHARE, NON_TRADING_SHARE, TradingCalendar, trading_calendar
from analysis import schema as S
from analysis._checks import check_choice, check_int, require_columns
from analysis.errors import DataError

__all__ = [
    "CLOSURE_MAX_SHARE",
    "MEASURES",
    "NON_TRADING_SHARE",
    "PARTIAL_QUANTILE",
    "SalesSeries",
    "partial_last_day",
    "sales_series",
    "trading_calendar",
]

#: The last day is partial when its last sale is earlier than this quantile of the other days' last sales.
PARTIAL_QUANTILE = 0.05
#: The measures of each period.
MEASURES = ("revenue", "orders", "units")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Steps a year at weekly frequency.
WEEKS_A_YEAR = 52


@dataclass(frozen=True)
class SalesSeries:
    """Revenue, orders and units per step, with the calendar the models may use.

    ``table`` has one row per step (trading day or week), indexed by date, the
    columns of :data:`MEASURES` and ``closed`` (a known closure, sales 0);
    ``calendar`` and ``days`` are the trading calendar
    (:func:`analysis.kpi.trading_calendar`) and the calendar days it was read from.
    """

    table: pd.DataFrame
    frequency: str
    season_length: int
    non_trading: tuple[str, ...]
    dropped_last: pd.Timestamp | None
    calendar_days: int
    off_sales: dict[str, tuple[int, int]] | None = None  # non-trading weekday -> (days with a sale, days)
    calendar: TradingCalendar | None = None  # the book's one calendar, read from the calendar days below
    days: pd.DatetimeIndex | None = None  # every calendar day from the first to the last complete day

    def __len__(self) -> int:
        return len(self.table)

    @property
    def closed(self) -> np.ndarray:
        return self.table["closed"].to_numpy(dtype=bool)

    @property
    def closures(self) -> int:
        return int(self.table["closed"].sum())


def partial_last_day(transactions: pd.DataFrame) -> pd.Timestamp | None:
    """The last day of the log if it was cut off early in the day (see the module), else ``None``."""
    ts = pd.to_datetime(transactions[S.TIMESTAMP])
    day = ts.dt.normalize()
    last_sale = (ts - day).groupby(day).max().dt.total_seconds()
    if len(last_sale) < 8:
        return None
    usual = float(np.quantile(last_sale.iloc[:-1], PARTIAL_QUANTILE))
    return last_sale.index[-1] if last_sale.iloc[-1] < usual else None


def _weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """Weeks ending on the weekday of the last day; a partial first week dropped."""
    anchor = _DAY_NAMES[daily.index[-1].day_of_week][:3].upper()
    weeks = daily[list(MEASURES)].resample(f"W-{anchor}").agg(["sum", "count"])
    full = weeks[("revenue", "count")] == 7
    table = weeks.loc[full, [(m, "sum") for m in MEASURES]]
    table.columns = list(MEASURES)
    table["closed"] = False
    return table


def _refuse_short(n: int, frequency: str, season: int) -> None:
    if n < 2 * season + 2:
        unit = "days" if frequency == "D" else "weeks"
        raise DataError(
            f"The sales series has {n} {unit}: too short to estimate a season of {season} steps "
            "and forecast from it.",
            column="frequency",
            fix=f"use a log of at least {2 * season + 2} {unit} (in practice several months), "
            + ("or frequency 'D'" if frequency == "W" else "or a shorter season_length"),
        )


def sales_series(transactions: pd.DataFrame, frequency: str = "D", season_length: int = 0) -> SalesSeries:
    """The chapter's series: daily (trading days) or weekly revenue, orders and units.

    ``season_length`` 0 detects it: the number of trading weekdays for daily
    series, 52 for weekly series of at least two years, else 1 (no season).
    """
    frequency = check_choice("frequency", frequency, ("D", "W"), fix="use 'D' for days or 'W' for weeks")
    season_length = check_int("season_length", season_length, low=0, fix="use 0 to detect it, or e.g. 7")
    require_columns(transactions, [S.TIMESTAMP, S.ORDER, S.QUANTITY, S.PRICE], source="transactions")
    if not len(transactions):
        raise DataError("The transaction table is empty.", column=S.TIMESTAMP, fix="load a log with sales in it")
    cut = partial_last_day(transactions)
    tx = transactions
    if cut is not None:
        tx = transactions[pd.to_datetime(transactions[S.TIMESTAMP]).dt.normalize() < cut]
    daily = features.daily_series(tx)[list(MEASURES)].astype("float64")
    calendar = trading_calendar(daily)  # the book's one calendar (analysis.kpi), shared with chapter 1
    off, closed = calendar.off, calendar.closed
    if frequency == "D":
        table = daily.assign(closed=closed)[~np.isin(daily.index.day_of_week, off)]
        season = season_length or 7 - len(off)
    else:
        table = _weekly(daily)
        season = season_length or (WEEKS_A_YEAR if len(table) >= 2 * WEEKS_A_YEAR + 8 else 1)
    _refuse_short(len(table), frequency, season)
    table.index.name = "date"
    return SalesSeries(table=table, frequency=frequency, season_length=season,
                       non_trading=tuple(_DAY_NAMES[d] for d in off), dropped_last=cut,
                       calendar_days=len(daily), off_sales=calendar.off_sales, calendar=calendar,
                       days=pd.DatetimeIndex(daily.index))
