r"""From a demand forecast to stock: safety stock, reorder point, an (s, S) policy, the newsvendor.

The stock is reviewed once a day (review period :math:`R = 1`) and an order
arrives :math:`L` days after it is placed, so an order placed today protects the
shop for :math:`L + R` days. With a daily forecast :math:`\hat d` and the
standard deviation :math:`\sigma` of its daily error,

.. math:: SS = z_{\alpha}\,\sigma \sqrt{L + R}, \qquad s = \hat d\,(L + R) + SS, \qquad S = s + \hat d\,T

with :math:`z_\alpha` the standard normal quantile of the target cycle service
level :math:`\alpha` and :math:`T` the days of demand one order covers. Each day
(:func:`simulate_policy`): the orders due arrive, demand is served from stock
(what is short is lost), and when the inventory position (stock plus on order)
is at or below :math:`s` an order of :math:`S` minus the position is placed at
the end of the day; it can be sold from the morning of day :math:`t + L + 1`.
**Fill rate** = units served / units demanded; **cycle service level** = share
of replenishment cycles (from one delivery to the next) without a stock-out.

**Newsvendor** (one order for a one-off period): with a unit short costing
:math:`c_u` and a unit left over :math:`c_o`, the best order is the demand
quantile :math:`F^{-1}\big(c_u / (c_u + c_o)\big)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from analysis._checks import check_int, check_number

__all__ = [
    "Policy", "PolicyRun", "empirical_safety_stock", "newsvendor", "newsvendor_empirical", "normal_safety_stock", "policy_for",
    "simulate_policy", "window_errors",
]

#: Review period of the simulated policy, in days.
REVIEW_DAYS = 1


@dataclass(frozen=True)
class Policy:
    """An (s, S) policy with its safety stock."""

    reorder_point: float
    order_up_to: float
    safety_stock: float


@dataclass(frozen=True)
class PolicyRun:
    """What a day-by-day simulation of a policy gave."""

    fill_rate: float
    cycle_service_level: float
    cycles: int
    stockout_days: int
    mean_stock: float
    orders_placed: int
    stockout_cycles: int


def normal_safety_stock(error_sd: float, lead_time: int, service_level: float) -> float:
    """The textbook safety stock :math:`z_\\alpha \\sigma \\sqrt{L + R}` (independent daily errors)."""
    lead_time = check_int("lead_time_days", lead_time, low=0, fix="use whole days from order to delivery, e.g. 7")
    service_level = _check_level(service_level)
    return float(norm.ppf(service_level) * max(error_sd, 0.0) * np.sqrt(lead_time + REVIEW_DAYS))


def empirical_safety_stock(window_errors, service_level: float) -> float:
    """The :math:`\\alpha` quantile (finite-sample corrected) of past forecast errors summed over
    :math:`L + R` consecutive days, at least 0: it keeps the errors' correlation from day to day."""
    service_level = _check_level(service_level)
    e = np.sort(np.asarray(window_errors, dtype=np.float64))
    e = e[np.isfinite(e)]
    if not len(e):
        return float("nan")
    k = min(int(np.ceil((len(e) + 1) * service_level - 1e-9)) - 1, len(e) - 1)
    return max(float(e[k]), 0.0)


def window_errors(actual, forecast, days: int) -> np.ndarray:
    """Sums of ``actual - forecast`` over every ``days`` consecutive steps of one test window."""
    err = np.asarray(actual, dtype=np.float64) - np.asarray(forecast, dtype=np.float64)
    days = min(days, len(err))
    csum = np.concatenate([[0.0], np.cumsum(err)])
    return csum[days:] - csum[:-days]


def _check_level(service_level: float) -> float:
    return check_number("service_level", service_level, low=0.0, high=1.0, open_low=True, open_high=True,
                        fix="use a target cycle service level between 0 and 1, e.g. 0.95")


def policy_for(daily_forecast: float, safety_stock: float, lead_time: int, cover_days: float) -> Policy:
    """Reorder point ``s`` and order-up-to level ``S`` around a safety stock (see the module)."""
    lead_time = check_int("lead_time_days", lead_time, low=0, fix="use whole days from order to delivery, e.g. 7")
    rate = max(daily_forecast, 0.0)
    s = rate * (lead_time + REVIEW_DAYS) + safety_stock
    return Policy(reorder_point=s, order_up_to=s + rate * cover_days, safety_stock=safety_stock)


def simulate_policy(demand, reorder_point, order_up_to, lead_time: int, start_stock: float | None = None) -> PolicyRun:
    """Run the (s, S) policy over the daily ``demand`` (lost sales; see the module).

    ``reorder_point`` and ``order_up_to`` are numbers or one value per day (a policy
    revised as new forecasts come in); the stock starts at ``S`` of the first day.
    """
    d = np.asarray(demand, dtype=np.float64)
    s_day = np.broadcast_to(np.asarray(reorder_point, dtype=np.float64), d.shape)
    big_s = np.broadcast_to(np.asarray(order_up_to, dtype=np.float64), d.shape)
    stock = float(big_s[0]) if start_stock is None else float(start_stock)
    due = np.zeros(len(d) + lead_time + 2)
    served = 0.0
    short_days = placed = cycles = bad_cycles = 0
    cycle_short, stock_sum = False, 0.0
    for t, need in enumerate(d):
        if due[t] > 0:  # a delivery closes the cycle that was running
            stock += due[t]
            cycles += 1
            bad_cycles += cycle_short
            cycle_short = False
        sold = min(stock, need)
        served += sold
        stock -= sold
        if sold < need:
            short_days += 1
            cycle_short = True
        position = stock + due[t + 1:].sum()
        if position <= s_day[t] and big_s[t] > position:
            due[t + lead_time + 1] += big_s[t] - position
            placed += 1
        stock_sum += stock
    total = d.sum()
    return PolicyRun(
        fill_rate=float(served / total) if total > 0 else 1.0,
        cycle_service_level=float(1 - bad_cycles / cycles) if cycles else float("nan"),
        cycles=cycles, stockout_days=short_days, mean_stock=stock_sum / max(len(d), 1), orders_placed=placed,
        stockout_cycles=bad_cycles,
    )


def newsvendor(mean: float, sd: float, shortage_cost: float, leftover_cost: float) -> tuple[float, float]:
    """The critical ratio :math:`c_u / (c_u + c_o)` and the best order for normal demand."""
    if shortage_cost + leftover_cost <= 0:
        return 0.5, max(mean, 0.0)
    ratio = shortage_cost / (shortage_cost + leftover_cost)
    ratio = min(max(ratio, 1e-6), 1 - 1e-6)
    return ratio, max(float(mean + norm.ppf(ratio) * max(sd, 0.0)), 0.0)


def newsvendor_empirical(mean: float, errors, shortage_cost: float, leftover_cost: float) -> tuple[float, float]:
    """The critical ratio :math:`\\omega_u / (\\omega_u + \\omega_o)` and the best order ``mean`` plus the
    ratio's empirical quantile (inverted CDF) of past forecast ``errors`` (actual - forecast) over the same
    period, at least 0: errors correlated from day to day count in full. Without errors, the mean."""
    if shortage_cost + leftover_cost <= 0:
        return 0.5, max(mean, 0.0)
    ratio = shortage_cost / (shortage_cost + leftover_cost)
    e = np.asarray(errors, dtype=np.float64)
    e = e[np.isfinite(e)]
    if not len(e):
        return ratio, max(float(mean), 0.0)
    return ratio, max(float(mean + np.quantile(e, ratio, method="inverted_cdf")), 0.0)
