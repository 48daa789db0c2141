r"""One time split for every chapter that checks a forecast: calibration and holdout.

A model is fitted on what happened up to a *calibration end* :math:`e` and
judged on what happened after it, up to the *observation end* (the last day
of the data). CLV uses it now (BG/NBD fitted on the calibration period, its
forecast compared with the holdout); forecasting and churn use the same
cut-offs later.

Days are calendar days at midnight: a purchase on day :math:`e` belongs to
the calibration period, a purchase on :math:`e + 1` to the holdout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._checks import check_day, check_int, check_number
from analysis.errors import DataError

__all__ = [
    "DEFAULT_CALIBRATION_SHARE", "DateLike", "Origin", "TimeSplit", "default_calibration_end", "rolling_origins", "time_split",
]

DateLike = pd.Timestamp | dt.date | np.datetime64 | str

#: Share of the data's span used for calibration when the user gives no calibration end.
DEFAULT_CALIBRATION_SHARE = 2 / 3


@dataclass(frozen=True)
class TimeSplit:
    """First day of the data, calibration end, observation end (last day) and the holdout length in days."""

    first_day: pd.Timestamp
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp

    @property
    def holdout_days(self) -> int:
        """Days after the calibration end up to and including the observation end."""
        return int((self.observation_end - self.calibration_end).days)

    def holdout_units(self, unit_days: float = 7.0) -> float:
        """The holdout length in units of ``unit_days`` days (weeks by default)."""
        return self.holdout_days / unit_days


def default_calibration_end(
    first_day: DateLike, last_day: DateLike, share: float = DEFAULT_CALIBRATION_SHARE
) -> pd.Timestamp:
    r"""The calibration end used when the user gives none: ``share`` of the way into the data.

    .. math:: e = \lfloor d_\text{first} + s\,(d_\text{last} - d_\text{first}) \rfloor_\text{day}

    with :math:`d_\text{first}`, :math:`d_\text{last}` the first and last
    transaction *days* (times of day are dropped first), :math:`s` = ``share``
    (default 2/3: two thirds calibration, one third holdout) and the result
    floored to midnight.

    The data must span at least 2 days: with less, :math:`e` falls on the
    first day and nothing is left to calibrate on (``DataError``, column
    ``calibration_end``).
    """
    first, last = check_day("first_day", first_day), check_day("last_day", last_day)
    share = check_number(
        "share", share, low=0.0, high=1.0, open_low=True, fix="pass the share of the data's span to calibrate on, e.g. 2/3"
    )
    if last < first:
        raise DataError(
            f"last_day {last.date()} is before first_day {first.date()}",
            column="last_day",
            fix="pass the first and the last transaction day, in that order",
        )
    span = (last - first).days
    if span < 2:
        raise DataError(
            f"The transactions cover {span + 1} calendar day{'s' if span else ''} ({first.date()} to {last.date()}): "
            "too short to split into a calibration period and a holdout.",
            column="calibration_end",
            fix="use transactions that cover a longer period (in practice several months of data)",
        )
    return (first + (last - first) * share).normalize()


def time_split(first_day: DateLike, last_day: DateLike, calibration_end: DateLike | None = None) -> TimeSplit:
    """The calibration / holdout split of the data's days.

    ``calibration_end`` ``None`` or ``""`` takes :func:`default_calibration_end`;
    a given end must fall on or after the first day and before the last day
    (otherwise there is nothing to calibrate on or no holdout to check against).
    """
    first, last = check_day("first_day", first_day), check_day("last_day", last_day)
    if calibration_end is None or (isinstance(calibration_end, str) and not calibration_end.strip()):
        end = default_calibration_end(first, last)
    else:
        end = check_day("calibration_end", calibration_end, fix="set calibration_end to a date such as 2011-06-30")
        if not first <= end < last:
            raise DataError(
                f"calibration_end {end.date()} is outside the data, which run from {first.date()} to {last.date()}.",
                column="calibration_end",
                fix=f"set calibration_end to a day from {first.date()} to the day before {last.date()}, "
                "or leave it empty for two thirds into the data",
            )
    return TimeSplit(first_day=first, calibration_end=end, observation_end=last)


@dataclass(frozen=True)
class Origin:
    """One forecast origin of a rolling-origin evaluation (positions in the series, 0-based).

    The model is fitted on ``[0, train_end)`` and judged on ``[train_end, test_end)``.
    """

    number: int
    train_end: int
    test_end: int

    @property
    def train(self) -> slice:
        return slice(0, self.train_end)

    @property
    def test(self) -> slice:
        return slice(self.train_end, self.test_end)


def rolling_origins(n: int, horizon: int, n_origins: int, *, min_train: int = 1) -> list[Origin]:
    r"""Rolling origins with an expanding window, test windows back to back ending on the last point.

    Origin :math:`k = 1..K` trains on the first :math:`n - (K - k + 1) h` points and tests
    on the :math:`h` after them, so the :math:`K` test windows tile the last :math:`K h`
    points and no test point is ever inside its own training window. Fewer than
    ``min_train`` training points at the first origin is refused (``DataError``).
    """
    n = check_int("n", n, low=1, fix="pass the length of the series")
    horizon = check_int("horizon", horizon, low=1, fix="set horizon to the steps ahead to forecast, e.g. 28")
    n_origins = check_int("n_origins", n_origins, low=1, fix="set n_origins to 1 or more, e.g. 6")
    first_train = n - n_origins * horizon
    if first_train < min_train:
        most = max((n - min_train) // horizon, 0)
        raise DataError(
            f"The series has {n} points: {n_origins} origins x horizon {horizon} leave {first_train} "
            f"to train on at the first origin, fewer than the {min_train} needed.",
            column="n_origins",
            fix=f"use at most {most} origins at this horizon, a shorter horizon, or a longer log",
        )
    return [Origin(number=k + 1, train_end=first_train + k * horizon, test_end=first_train + (k + 1) * horizon)
            for k in range(n_origins)]
