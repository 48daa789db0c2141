r"""The weeks ahead: the calendar after the last complete day, and forecasts on it with intervals.

**The forward calendar** (:func:`forward_calendar`) lists every calendar day
after the last complete day of a :class:`~analysis.forecast.series.SalesSeries`
until ``horizon`` steps of the daily series (trading weekdays) have passed. It is
built on the book's one trading calendar (:func:`analysis.kpi.trading_calendar`):

* a non-trading weekday (a shop that never trades on Saturdays) is closed every week;
* a closure run that touches the Easter days (Good Friday to Easter Monday, :data:`EASTER_DAYS`
  around Easter Sunday, from :func:`dateutil.easter.easter`), whatever its length, recurs on
  the same days relative to Easter every later year: Easter moves, so its bank holidays do;
* any other closure run of :data:`RECURRING_DAYS` or more closed trading days
  (:meth:`analysis.kpi.TradingCalendar.closure_runs`: a Christmas shutdown, with the
  non-trading weekdays inside it) recurs on the same calendar dates every later year;
* the ``closures`` the user gives (:func:`parse_closures`) add closed dates and
  ranges, or open dates the two rules above would close.

A closed step is forecast as zero, so totals and plans count only the open trading days.

**Intervals** come from past errors, as the conformal intervals of
:mod:`analysis.forecast.backtest`: a forward step's interval at level :math:`1 - \alpha`
is :math:`\hat y \pm \hat\varsigma\,\bar y_{\mathrm{rec}}` (the lower end at least 0) with
:math:`\hat\varsigma` the conformal quantile of the model's scaled absolute errors at the
last calibration origins and :math:`\bar y_{\mathrm{rec}}` the recent level at the end of the
data (the mean over the open steps of the last test window's length); the interval of a
total over :math:`w` consecutive steps takes the equal-tailed quantiles of the relative
errors of past :math:`w`-step totals (every run of :math:`w` consecutive steps of the
rolling origins' test windows, which sit back to back), so that the errors' correlation
from step to step is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from analysis.errors import DataError
from analysis.forecast.backtest import N_CALIBRATION, conformal_bounds, conformal_quantile, level_name, recent_level
from analysis.forecast.models import Forecaster, Task
from analysis.forecast.series import SalesSeries

__all__ = [
    "EASTER_DAYS", "MAX_CLOSURES", "MAX_RANGE_DAYS", "RECURRING_DAYS", "Closures", "easter_sunday",
    "forecast_ahead", "forward_calendar",
    "parse_closures", "step_intervals", "total_interval", "window_relative_errors",
]

#: A closure run with at least this many closed trading days recurs on the same dates a year later.
RECURRING_DAYS = 3
#: The Easter days, in days from Easter Sunday: Good Friday (-2) to Easter Monday (+1). A closure run that
#: touches them recurs on the same days relative to a later year's Easter.
EASTER_DAYS = (-2, 1)
#: At most this many entries in ``closures``, and this many days in one range.
MAX_CLOSURES = 100
MAX_RANGE_DAYS = 366

_DATE = r"\d{4}-\d{2}-\d{2}"
_ENTRY = re.compile(rf"^(open\s+)?({_DATE})(?:\s*\.\.\s*({_DATE}))?$")
_FORMS = ("a date '2011-12-26', a range '2011-12-23..2012-01-03', or either after 'open ' to open days the "
          "calendar would close ('open 2012-01-03')")


@dataclass(frozen=True)
class Closures:
    """The ``closures`` parameter read: the days given as closed, and the days given as open."""

    closed: frozenset[pd.Timestamp]
    opened: frozenset[pd.Timestamp]


def _day(text: str, entry: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise DataError(f"The closure {entry!r} names {text!r}, which is not a date of the calendar.",
                        parameter="closures", fix=f"give {_FORMS}") from None


def parse_closures(entries: Sequence[str]) -> Closures:
    """Read the ``closures`` parameter: each entry is a date (``2011-12-26``), a range of dates
    (``2011-12-23..2012-01-03``, both ends included), or either after ``open`` (``open 2012-01-03``) for days
    the calendar would close but the shop opens. Refused with a :class:`DataError` naming the entry when it
    is not one of these, a range runs backwards or spans more than :data:`MAX_RANGE_DAYS` days, or there are
    more than :data:`MAX_CLOSURES` entries."""
    if isinstance(entries, str) or not isinstance(entries, Sequence):
        raise DataError(f"closures must be a list of dates and ranges, not {type(entries).__name__}.",
                        parameter="closures", fix=f"give a list, each entry {_FORMS}")
    if len(entries) > MAX_CLOSURES:
        raise DataError(f"closures has {len(entries)} entries; at most {MAX_CLOSURES} are read.",
                        parameter="closures", fix="give ranges ('2011-12-23..2012-01-03') instead of single days")
    closed, opened = set(), set()
    for entry in entries:
        m = _ENTRY.match(entry.strip()) if isinstance(entry, str) and len(entry) <= 40 else None
        if m is None:
            raise DataError(f"The closure {str(entry)[:40]!r} is neither a date nor a range of dates.",
                            parameter="closures", fix=f"give {_FORMS}")
        first = _day(m.group(2), entry)
        last = _day(m.group(3), entry) if m.group(3) else first
        if last < first or (last - first).days + 1 > MAX_RANGE_DAYS:
            raise DataError(f"The closure range {entry!r} "
                            + ("ends before it starts." if last < first else f"spans more than {MAX_RANGE_DAYS} days."),
                            parameter="closures",
                            fix="give the first day, '..', then the last day, within a year, as in "
                                "'2011-12-23..2012-01-03' (or a single date, '2011-12-26')")
        (opened if m.group(1) else closed).update(pd.date_range(first, last, freq="D"))
    return Closures(frozenset(closed), frozenset(opened))


def easter_sunday(year: int) -> pd.Timestamp:
    """Easter Sunday of ``year`` in the Western (Gregorian) calendar (:func:`dateutil.easter.easter`)."""
    from dateutil.easter import easter

    return pd.Timestamp(easter(int(year)))


def _easter_offsets(first: pd.Timestamp, end: pd.Timestamp) -> tuple[int, int] | None:
    """The run's first and last day in days from its year's Easter Sunday, when the run touches the Easter
    days (:data:`EASTER_DAYS`); else ``None``."""
    sunday = easter_sunday(first.year)
    a, b = (first - sunday).days, (end - sunday).days
    return (a, b) if a <= EASTER_DAYS[1] and b >= EASTER_DAYS[0] else None


def _carried(series: SalesSeries, until: pd.Timestamp) -> dict[pd.Timestamp, str]:
    """Future days closed because a closure run fell on the same days a whole number of years earlier, each
    with the run it comes from: relative to Easter for a run that touches the Easter days (any length), on
    the same calendar dates for any other run of :data:`RECURRING_DAYS` or more closed trading days."""
    if series.calendar is None or series.days is None:
        return {}
    out: dict[pd.Timestamp, str] = {}
    last = series.days[-1]
    for first, end, _, closed in series.calendar.closure_runs(series.days):
        easter = _easter_offsets(first, end)
        if easter is None and closed < RECURRING_DAYS:
            continue
        why = f"closed {first.date().isoformat()} to {end.date().isoformat()}"
        for years in range(1, until.year - first.year + 1):
            if easter is not None:
                sunday = easter_sunday(first.year + years)
                days = pd.date_range(sunday + pd.Timedelta(days=easter[0]), sunday + pd.Timedelta(days=easter[1]))
                how = "on the same days around Easter"
            else:
                days = [day + pd.DateOffset(years=years) for day in pd.date_range(first, end, freq="D")]
                how = "on the same dates"
            for ahead in days:
                if last < ahead <= until:
                    out.setdefault(pd.Timestamp(ahead),
                                   f"{why}, carried forward {years} year{'s' * (years > 1)} {how}")
    return out


def forward_calendar(series: SalesSeries, horizon: int, closures: Closures | None = None) -> pd.DataFrame:
    """The calendar days after the last complete day of ``series`` until ``horizon`` steps of its daily
    series (trading weekdays) have passed: ``date``, ``step`` (1 to ``horizon`` on trading weekdays, 0 on a
    non-trading weekday), ``closed`` and ``reason`` (why a day is closed: "non-trading weekday", the past
    closure carried forward, "given in closures"; "opened in closures" for a day the user opened; else "")."""
    if series.days is None or series.calendar is None:
        raise DataError("The series carries no trading calendar to go forward from.", parameter="series",
                        fix="build it with analysis.forecast.series.sales_series")
    closures = closures or Closures(frozenset(), frozenset())
    off = set(series.calendar.off)
    last = series.days[-1]
    days, step = [], 0
    day = last
    while step < horizon:
        day = day + pd.Timedelta(days=1)
        trading = day.day_of_week not in off
        step += trading
        days.append((day, step if trading else 0))
    carried = _carried(series, days[-1][0])
    rows = []
    for day, step in days:
        if step == 0:  # not a step of the series: a given opening cannot make it one
            rows.append((day, 0, True, "non-trading weekday"))
            continue
        reason = "given in closures" if day in closures.closed else carried.get(day, "")
        if day in closures.opened:
            rows.append((day, step, False, "opened in closures" if reason else ""))
            continue
        rows.append((day, step, bool(reason), reason))
    return pd.DataFrame(rows, columns=["date", "step", "closed", "reason"])


def forecast_ahead(task: Task, model: Forecaster, dates, closed) -> np.ndarray:
    """A fresh copy of ``model`` fitted on all of ``task`` and its forecast of the steps on ``dates``
    (their known ``closed`` flags given to the models that read the calendar; no promotions assumed);
    zero on closed steps, whatever the model."""
    dates, closed = pd.DatetimeIndex(dates), np.asarray(closed, dtype=bool)
    h = len(dates)
    ahead = Task(y=np.concatenate([task.y, np.full(h, np.nan)]), dates=task.dates.append(dates),
                 closed=np.concatenate([task.closed, closed]), promo=np.concatenate([task.promo, np.zeros(h, bool)]),
                 season=task.season)
    mean = clone(model).fit(ahead, len(task), h).predict(h).mean
    return np.where(closed, 0.0, np.maximum(np.asarray(mean, dtype=np.float64), 0.0))


def window_relative_errors(forecasts: pd.DataFrame, steps: int, last_origins: int | None = None) -> np.ndarray:
    r"""Relative errors :math:`(\sum y - \sum \hat y) / \sum \hat y` of every run of ``steps`` consecutive
    test steps of a backtest's ``forecasts`` (one model; the rolling origins' test windows sit back to back, so
    a run may cross from one origin's window into the next), from the last ``last_origins`` origins (default:
    all); runs with no positive forecast are left out."""
    origins = sorted(forecasts["origin"].unique())
    if last_origins is not None:
        origins = origins[-last_origins:]
    part = forecasts[forecasts["origin"].isin(origins)].sort_values("step")
    a, f = part["actual"].to_numpy(dtype=np.float64), part["forecast"].to_numpy(dtype=np.float64)
    if len(a) < steps:
        return np.array([])
    ca, cf = np.concatenate([[0.0], np.cumsum(a)]), np.concatenate([[0.0], np.cumsum(f)])
    sa, sf = ca[steps:] - ca[:-steps], cf[steps:] - cf[:-steps]
    keep = sf > 0
    return (sa[keep] - sf[keep]) / sf[keep]


def total_interval(total: float, errors: np.ndarray, level: float) -> tuple[float, float]:
    """The interval at ``level`` of a forecast ``total`` from past relative errors of totals
    (:func:`window_relative_errors`; the finite-sample corrected quantiles of :func:`conformal_bounds`)."""
    lo, hi = conformal_bounds(np.array([total]), np.asarray(errors, dtype=np.float64), level)
    return float(lo[0]), float(hi[0])


def step_intervals(mean: np.ndarray, forecasts: pd.DataFrame, levels: Sequence[float], task: Task,
                   closed=None) -> dict[str, np.ndarray]:
    """``lower_<level>`` and ``upper_<level>`` of each forward step after the end of ``task``: the forecast
    ``mean`` plus and minus the conformal quantile of the model's scaled absolute errors (``scaled_error``) at
    the last :data:`N_CALIBRATION` origins of a backtest's ``forecasts`` (one model) times the recent level at
    the end of ``task`` (:func:`~analysis.forecast.backtest.recent_level` over as many steps as a test window
    had); 0 on closed steps."""
    origins = sorted(forecasts["origin"].unique())[-N_CALIBRATION:]
    part = forecasts[forecasts["origin"].isin(origins)]
    scores = part["scaled_error"].to_numpy(dtype=np.float64)
    steps = int(part.groupby("origin").size().max()) if len(part) else 0
    scale = recent_level(task.y, task.closed, len(task), steps) if steps else float("nan")
    shut = np.zeros(len(mean), bool) if closed is None else np.asarray(closed, dtype=bool)
    f = np.asarray(mean, dtype=np.float64)
    out = {}
    for level in levels:
        half = conformal_quantile(scores, level) * scale
        out[f"lower_{level_name(level)}"] = np.where(shut, 0.0, np.maximum(f - half, 0.0))
        out[f"upper_{level_name(level)}"] = np.where(shut, 0.0, f + half)
    return out
