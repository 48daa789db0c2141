"""Per-product forecasts and stock policies for the top products (section 8 of the chapter).

Each product's daily units are put on the sales series' trading calendar,
forecast by the calendar regression at the same rolling origins as the whole
shop, and stocked by the (s, S) policy of :mod:`analysis.forecast.inventory`,
revised at every origin from that origin's forecast and the errors of the
origins before it, and simulated day by day over the holdout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import features
from analysis import schema as S
from analysis.forecast.backtest import N_CALIBRATION, backtest
from analysis.forecast.inventory import REVIEW_DAYS, empirical_safety_stock, policy_for, simulate_policy, window_errors
from analysis.forecast.models import CalendarRegression, Task
from analysis.forecast.series import SalesSeries

__all__ = ["error_lag1", "future_task", "horizon_interval", "product_tasks", "stock_plan", "top_products",
           "window_error_sums"]


def top_products(transactions: pd.DataFrame, n: int) -> list[str]:
    """The ``n`` products sold on the most days, then with the most units (ties by product id): the
    regular sellers a shop keeps in stock, not a product that one huge order put on top."""
    day = pd.to_datetime(transactions[S.TIMESTAMP]).dt.normalize()
    g = pd.DataFrame({"p": transactions[S.PRODUCT].astype(str), "d": day, "q": transactions[S.QUANTITY]})
    rank = g.groupby("p").agg(days=("d", "nunique"), units=("q", "sum")).sort_index()
    rank = rank.sort_values(["days", "units"], ascending=False, kind="stable")
    return list(rank.index[:n])


def product_tasks(transactions: pd.DataFrame, series: SalesSeries, products) -> dict[str, Task]:
    """One :class:`Task` (daily units on the series' trading calendar) per product."""
    long = features.product_daily_series(transactions, products)
    wide = long.pivot(index="date", columns=S.PRODUCT, values="units").reindex(series.table.index).fillna(0.0)
    dates = pd.DatetimeIndex(series.table.index)
    return {str(p): Task(y=wide[p].to_numpy(dtype=np.float64) if p in wide else np.zeros(len(dates)),
                         dates=dates, closed=series.closed, promo=np.zeros(len(dates), bool),
                         season=series.season_length) for p in products}


def future_task(task: Task, horizon: int, trading_weekdays=None) -> Task:
    """``task`` with ``horizon`` more steps on its trading weekdays (values unknown: NaN, no closures)."""
    days = set(range(7)) if trading_weekdays is None else set(trading_weekdays)
    future, day = [], task.dates[-1]
    while len(future) < horizon:
        day = day + pd.Timedelta(days=1)
        if day.day_of_week in days:
            future.append(day)
    dates = task.dates.append(pd.DatetimeIndex(future))
    return Task(y=np.concatenate([task.y, np.full(horizon, np.nan)]), dates=dates,
                closed=np.concatenate([task.closed, np.zeros(horizon, bool)]),
                promo=np.concatenate([task.promo, np.zeros(horizon, bool)]), season=task.season)


def _past(df: pd.DataFrame, number: int) -> pd.DataFrame:
    return df[df["origin"] < number]


def _safety(df: pd.DataFrame, number: int, lead_time: int, service_level: float) -> tuple[float, float]:
    """Error sd and the empirical safety stock from the origins before ``number``."""
    past = _past(df, number)
    err = (past["actual"] - past["forecast"]).to_numpy()
    sums = [window_errors(p["actual"], p["forecast"], lead_time + REVIEW_DAYS) for _, p in past.groupby("origin")]
    sd = float(np.sqrt(np.mean(err**2))) if len(err) else float("nan")
    return sd, empirical_safety_stock(np.concatenate(sums) if sums else [], service_level)


def _simulate(df: pd.DataFrame, lead_time: int, service_level: float, cover_days: float):
    scored = df[df["scored"]]
    s_day, big_s = [], []
    for number, part in scored.groupby("origin"):
        _, safety = _safety(df, number, lead_time, service_level)
        policy = policy_for(float(part["forecast"].mean()), safety, lead_time, cover_days)
        s_day += [policy.reorder_point] * len(part)
        big_s += [policy.order_up_to] * len(part)
    return simulate_policy(scored["actual"].to_numpy(), np.array(s_day), np.array(big_s), lead_time)


def window_error_sums(task: Task, holdout: int, replan_days: int, days: int) -> np.ndarray:
    """The product's calendar-regression forecast errors (actual - forecast) summed over every ``days``
    consecutive steps of each test window, at the origins :func:`stock_plan` uses (its past errors)."""
    n_origins = max(holdout // replan_days, 1)
    df = backtest(task, replan_days, n_origins, (0.8,), models={"calendar regression": CalendarRegression()}).forecasts
    sums = [window_errors(p["actual"], p["forecast"], days) for _, p in df.groupby("origin") if len(p) >= days]
    return np.concatenate(sums) if sums else np.array([])


def error_lag1(df: pd.DataFrame) -> float:
    """Lag-1 autocorrelation of the daily forecast errors (actual - forecast) within each test window of a
    backtest's forecasts, pooled over the windows (NaN when there are too few errors)."""
    pairs = []
    for _, p in df.sort_values(["origin", "h"]).groupby("origin"):
        e = (p["actual"] - p["forecast"]).to_numpy(dtype=np.float64)
        pairs += list(zip(e[:-1], e[1:]))
    if len(pairs) < 3:
        return float("nan")
    a = np.asarray(pairs)
    if a[:, 0].std() == 0 or a[:, 1].std() == 0:
        return float("nan")
    return float(np.corrcoef(a[:, 0], a[:, 1])[0, 1])


def horizon_interval(task: Task, holdout: int, horizon: int, total: float, level: float) -> tuple[float, float]:
    """The interval at ``level`` of the total over the next ``horizon`` steps: ``total`` plus the empirical
    ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the product's past forecast errors summed over
    ``horizon`` consecutive steps (one sum per rolling origin of that horizon, as the newsvendor's sums), so
    that the errors' correlation from day to day is kept; a bound below zero is 0 (demand is not negative).
    NaN when there is no such sum."""
    sums = window_error_sums(task, holdout, horizon, horizon)
    if not len(sums):
        return float("nan"), float("nan")
    low, high = np.quantile(sums, [(1 - level) / 2, (1 + level) / 2])
    return max(total + float(low), 0.0), max(total + float(high), 0.0)


def stock_plan(tasks: dict[str, Task], holdout: int, replan_days: int, horizon: int, *, lead_time: int,
               service_level: float, cover_days: float, level: float = 0.8,
               trading_weekdays=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The holdout simulation per product and the plan for the next ``horizon`` steps.

    The policy is revised every ``replan_days`` steps over the last ``holdout``
    steps (rolling origins of that horizon), from the forecast made then and the
    errors of every origin before. Returns ``(simulation, plan)``: per product
    the fill rate, cycle service level, cycles, stock-out days and mean stock over
    the holdout; and the forecast of the next ``horizon`` steps (total, and its
    interval at ``level`` from past ``horizon``-step error sums, :func:`horizon_interval`),
    the root mean square of the daily errors, the lag-1 autocorrelation of the daily
    errors, the safety stock, reorder point and order-up-to level.
    """
    sims, plans = [], []
    n_origins = max(holdout // replan_days, 1)
    for product, task in tasks.items():
        bt = backtest(task, replan_days, n_origins, (level,), models={"calendar regression": CalendarRegression()})
        df = bt.forecasts
        run = _simulate(df, lead_time, service_level, cover_days)
        sims.append({S.PRODUCT: product, **vars(run)})
        model = CalendarRegression().fit(future_task(task, horizon, trading_weekdays), len(task), horizon)
        fc = model.predict(horizon).mean
        sd, safety = _safety(df, int(df["origin"].max()) + 1, lead_time, service_level)
        policy = policy_for(float(fc.mean()), safety, lead_time, cover_days)
        total = float(fc.sum())
        lower, upper = horizon_interval(task, holdout, horizon, total, level)
        plans.append({S.PRODUCT: product, "forecast": total, "lower": lower, "upper": upper,
                      "daily_forecast": float(fc.mean()), "error_rms": sd, "error_lag1": error_lag1(df),
                      "safety_stock": policy.safety_stock, "reorder_point": policy.reorder_point,
                      "order_up_to": policy.order_up_to})
    return pd.DataFrame(sims).set_index(S.PRODUCT), pd.DataFrame(plans).set_index(S.PRODUCT)
