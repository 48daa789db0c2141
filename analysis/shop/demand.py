r"""The demand calendar as arrays: the time warp of step 3 in :mod:`analysis.shop`.

The daily multiplier ``D_d ∝ (1 + g)^(d / 365.25) * W[dow(d)] * (1 + A cos(2 pi
(doy(d) - phi) / 365.25)) * holiday(d) * promo(d)`` is normalised to mean 1
over the window, the hour-of-day profile ``H`` to mean 1, and the operational
clock ``Lambda(t)`` is the cumulative intensity of ``m_h = D_d * H_o`` over
hour bins (``Lambda(days) = days``).  Purchases drawn in operational time
``tau`` land at calendar time ``t = Lambda^{-1}(tau)`` (:func:`warp_inverse`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.shop.config import Calendar

_BLACK_FRIDAY_DAYS = ("Black Friday", "Black Friday weekend", "Black Friday weekend", "Cyber Monday")


@dataclass(frozen=True, eq=False)
class Demand:
    """The calendar of one window, shared by every chunk of customers."""

    dates: pd.DatetimeIndex  # the window's days
    daily: np.ndarray  # normalised daily multipliers (mean 1)
    hourly: np.ndarray  # normalised hourly profile (mean 1)
    warp_cum: np.ndarray  # Lambda at hour-bin edges, length 24 * days + 1
    warp_rate: np.ndarray  # m_h per hour bin
    discount: np.ndarray  # price discount per day (0 outside promotions)
    holidays: pd.DataFrame  # date, name, uplift
    promotions: pd.DataFrame  # name, start, end (inclusive), uplift, discount


def _black_friday(year: int) -> pd.Timestamp:
    nov1 = pd.Timestamp(year=year, month=11, day=1)
    first_thursday = nov1 + pd.Timedelta(days=(3 - nov1.day_of_week) % 7)
    return first_thursday + pd.Timedelta(days=22)


def _holidays(dates: pd.DatetimeIndex, cal: Calendar) -> pd.DataFrame:
    """Black Friday weekend, the Christmas run-up and the Christmas dip inside the window."""
    rows: list[tuple[pd.Timestamp, str, float]] = []
    for year in range(dates[0].year - 1, dates[-1].year + 1):
        bf = _black_friday(year)
        for k, label in enumerate(_BLACK_FRIDAY_DAYS):
            rows.append((bf + pd.Timedelta(days=k), label, cal.black_friday_uplift))
        for d in range(1, 22):
            rows.append((pd.Timestamp(year=year, month=12, day=d), "Christmas run-up",
                         cal.christmas_uplift))
        for d in (24, 25, 26):
            rows.append((pd.Timestamp(year=year, month=12, day=d), "Christmas", cal.christmas_dip))
    holidays = pd.DataFrame(rows, columns=["date", "name", "uplift"])
    holidays["date"] = holidays["date"].astype("datetime64[us]")
    holidays = holidays[(holidays["date"] >= dates[0]) & (holidays["date"] <= dates[-1])]
    return holidays[holidays["uplift"] != 1.0].reset_index(drop=True)


def _promotions(dates: pd.DatetimeIndex, cal: Calendar) -> pd.DataFrame:
    """The yearly promotion windows that overlap the window, sorted by start."""
    rows: list[tuple[str, pd.Timestamp, pd.Timestamp, float, float]] = []
    for year in range(dates[0].year - 1, dates[-1].year + 1):
        for promo in cal.promotions:
            p0 = pd.Timestamp(year=year, month=promo.month, day=promo.day)
            rows.append((promo.name, p0, p0 + pd.Timedelta(days=promo.length - 1),
                         promo.uplift, promo.discount))
    promotions = pd.DataFrame(rows, columns=["name", "start", "end", "uplift", "discount"])
    for col in ("start", "end"):
        promotions[col] = promotions[col].astype("datetime64[us]")
    promotions = promotions[(promotions["end"] >= dates[0]) & (promotions["start"] <= dates[-1])]
    return promotions.sort_values("start", kind="stable").reset_index(drop=True)


def _seasonal(dates: pd.DatetimeIndex, cal: Calendar) -> np.ndarray:
    """Trend times weekly times yearly multiplier of each day (not normalised)."""
    t_years = np.arange(len(dates)) / 365.25
    dow = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy().astype(np.float64)
    return (
        (1.0 + cal.trend_per_year) ** t_years
        * np.asarray(cal.weekly, dtype=np.float64)[dow]
        * (1.0 + cal.yearly_amplitude * np.cos(2 * np.pi * (doy - cal.yearly_peak_day) / 365.25))
    )


def _event_multipliers(
    dates: pd.DatetimeIndex, holidays: pd.DataFrame, promotions: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each day's holiday multiplier, promotion multiplier and price discount."""
    days = len(dates)
    day_index = pd.Series(np.arange(days), index=dates)
    holiday_mult = np.ones(days)
    if len(holidays):
        idx = day_index.reindex(holidays["date"]).to_numpy()
        holiday_mult[idx] = holidays["uplift"].to_numpy()
    promo_mult = np.ones(days)
    discount = np.zeros(days)
    for row in promotions.itertuples(index=False):
        in_window = np.asarray((dates >= row.start) & (dates <= row.end))
        promo_mult[in_window] = row.uplift
        discount[in_window] = row.discount
    return holiday_mult, promo_mult, discount


def make_demand(start: pd.Timestamp, days: int, cal: Calendar) -> Demand:
    """The demand arrays of the window ``[start, start + days)`` (arguments already checked)."""
    dates = pd.date_range(start, periods=days, freq="D", unit="us")
    holidays = _holidays(dates, cal)
    promotions = _promotions(dates, cal)
    holiday_mult, promo_mult, discount = _event_multipliers(dates, holidays, promotions)
    daily = _seasonal(dates, cal) * holiday_mult * promo_mult
    daily = daily / daily.mean()
    hourly = np.asarray(cal.hourly, dtype=np.float64)
    hourly = hourly / hourly.mean()
    rate = (daily[:, None] * hourly[None, :]).ravel()
    cum = np.concatenate([[0.0], np.cumsum(rate / 24.0)])
    cum[-1] = float(days)  # exact by construction up to rounding
    return Demand(dates=dates, daily=daily, hourly=hourly, warp_cum=cum, warp_rate=rate,
                  discount=discount, holidays=holidays, promotions=promotions)


def warp_inverse(demand: Demand, tau: np.ndarray) -> np.ndarray:
    """Calendar time in days ``t = Lambda^{-1}(tau)`` (piecewise linear per hour)."""
    cum = demand.warp_cum
    k = np.searchsorted(cum, tau, side="right") - 1
    k = np.clip(k, 0, len(demand.warp_rate) - 1)
    t = k / 24.0 + (tau - cum[k]) / demand.warp_rate[k]
    return np.clip(t, 0.0, np.nextafter(float(len(demand.dates)), 0.0))

