"""Per-product forecasts and stock policies for the top products (section 8 of the chapter).

Each product's daily units are put on the sales series' trading calendar and
forecast at rolling origins by every candidate of :func:`product_models` (the
calendar regression, the seasonal naive, Croston's method and the median of the
three, step by step); the candidate with the lowest MASE, averaged over the products, is the
products' method (:func:`choose_product_model`). Each product is then stocked by
the (s, S) policy of :mod:`analysis.forecast.inventory`, revised at every origin
from that method's forecast and the errors of the origins before it, and
simulated day by day over the holdout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from analysis import features
from analysis import schema as S
from analysis.forecast.backtest import Backtest, backtest, level_name
from analysis.forecast.inventory import REVIEW_DAYS, empirical_safety_stock, policy_for, simulate_policy, window_errors
from analysis.forecast.models import CalendarRegression, Combination, Croston, Forecaster, SeasonalNaive, Task
from analysis.forecast.series import SalesSeries

__all__ = ["COMBINATION", "PRODUCT_MEDIANS", "candidate", "RUN_RATE_DAYS", "RUN_RATE_HIGH", "RUN_RATE_LOW",
           "SAFETY_STEP", "StockPlan",
           "choose_product_model", "error_lag1", "future_task", "product_models",
           "horizon_interval", "product_tasks", "run_rate_flag", "run_rates", "safety_factor", "stock_plan",
           "top_products", "window_error_sums"]

#: The safety-stock search raises its factor in steps of this size (:func:`safety_factor`).
SAFETY_STEP = 0.1
#: The name of the combined forecast among the products' candidates.
COMBINATION = "median combination"


def product_models() -> dict[str, Forecaster]:
    """The fitted candidates of the products' forecast, by the name the page shows: the calendar regression
    (the weekday, the trend, closures), the seasonal naive (last week again) and Croston's method
    (intermittent demand); :data:`PRODUCT_MEDIANS` adds their median."""
    return {"calendar regression": CalendarRegression(), "seasonal naive": SeasonalNaive(), "Croston": Croston()}


#: The combined candidate: :data:`COMBINATION`, the median of the three of :func:`product_models` step by step
#: (scored from their backtest forecasts, :func:`~analysis.forecast.backtest.backtest`'s ``medians``).
PRODUCT_MEDIANS: dict[str, tuple[str, ...]] = {COMBINATION: ("calendar regression", "seasonal naive", "Croston")}


def candidate(name: str, models: dict[str, Forecaster], medians: dict[str, tuple[str, ...]]) -> Forecaster:
    """The unfitted forecaster of the candidate ``name``: one of ``models``, or the
    :class:`~analysis.forecast.models.Combination` (median) of the models a name of ``medians`` lists."""
    if name in medians:
        return Combination(tuple(clone(models[m]) for m in medians[name]), how="median")
    return clone(models[name])


def choose_product_model(backtests: dict[str, Backtest]) -> tuple[str, pd.DataFrame]:
    """The products' method: the candidate with the lowest MASE averaged over the products (each product's
    MASE the mean over its scored origins; a product without one, for every candidate alike, left out), first
    in the candidates' order on a tie; and the table of per-product MASEs (rows: candidates, columns:
    products) with the ``mean`` column, lowest mean first."""
    table = pd.DataFrame({p: bt.scores["mase"] for p, bt in backtests.items()})
    table["mean"] = table.mean(axis=1, skipna=True)
    order = table["mean"].dropna()
    if order.empty:
        return str(table.index[0]), table
    choice = str(order.index[int(np.argmin(order.to_numpy()))])
    return choice, table.sort_values("mean", kind="stable")


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


def future_task(task: Task, horizon: int, trading_weekdays=None, dates=None, closed=None) -> Task:
    """``task`` with ``horizon`` more steps (values unknown: NaN): on ``dates`` when given (the steps of
    :func:`analysis.forecast.ahead.forward_calendar`), else on the next trading weekdays; ``closed`` marks the
    known closures among them (default none)."""
    if dates is None:
        days = set(range(7)) if trading_weekdays is None else set(trading_weekdays)
        future, day = [], task.dates[-1]
        while len(future) < horizon:
            day = day + pd.Timedelta(days=1)
            if day.day_of_week in days:
                future.append(day)
        dates = future
    shut = np.zeros(horizon, bool) if closed is None else np.asarray(closed, dtype=bool)
    return Task(y=np.concatenate([task.y, np.full(horizon, np.nan)]), dates=task.dates.append(pd.DatetimeIndex(dates)),
                closed=np.concatenate([task.closed, shut]),
                promo=np.concatenate([task.promo, np.zeros(horizon, bool)]), season=task.season)


def _past(df: pd.DataFrame, number: int) -> pd.DataFrame:
    return df[df["origin"] < number]


def _safety(df: pd.DataFrame, number: int, lead_time: int, service_level: float,
            days: int | None = None) -> tuple[float, float]:
    """Error sd and the empirical safety stock from the origins before ``number``, over ``days`` consecutive
    steps (default: the lead time plus the review day)."""
    past = _past(df, number)
    err = (past["actual"] - past["forecast"]).to_numpy()
    days = lead_time + REVIEW_DAYS if days is None else max(days, 1)
    sums = [window_errors(p["actual"], p["forecast"], days) for _, p in past.groupby("origin")]
    sd = float(np.sqrt(np.mean(err**2))) if len(err) else float("nan")
    return sd, empirical_safety_stock(np.concatenate(sums) if sums else [], service_level)


def _raised(safety: float, sd: float, lead_time: int, factor: float) -> float:
    """The safety stock raised by ``factor``: ``safety`` plus ``factor - 1`` times itself, or times the error
    RMS over the lead time and review day when the error model's stock is zero (a factor of 1: unchanged)."""
    unit = safety if safety > 0 else (sd * np.sqrt(lead_time + REVIEW_DAYS) if np.isfinite(sd) else 0.0)
    return safety + (factor - 1) * unit


def _simulator(df: pd.DataFrame, lead_time: int, service_level: float, cover_days: float):
    """``simulate(factor)``: the policy over the scored origins of a backtest's forecasts ``df``, revised at
    each origin from its forecast and the errors before it, its safety stock raised by ``factor``
    (:func:`_raised`); each origin's error model is computed once, whatever the factors tried."""
    scored = df[df["scored"]]
    origins = [(float(part["forecast"].mean()), *_safety(df, number, lead_time, service_level), len(part))
               for number, part in scored.groupby("origin")]
    actual = scored["actual"].to_numpy()

    def simulate(factor: float = 1.0):
        s_day, big_s = [], []
        for mean, sd, safety, days in origins:
            policy = policy_for(mean, _raised(safety, sd, lead_time, factor), lead_time, cover_days)
            s_day += [policy.reorder_point] * days
            big_s += [policy.order_up_to] * days
        return simulate_policy(actual, np.array(s_day), np.array(big_s), lead_time)

    return simulate


def safety_factor(simulate, target: float, max_factor: float, step: float = SAFETY_STEP):
    """The smallest factor ``1, 1 + step, ...`` up to ``max_factor`` at which ``simulate(factor)`` (a
    :class:`~analysis.forecast.inventory.PolicyRun`) reaches the ``target`` cycle service level, with its run
    and whether it reached it; at ``max_factor`` without reaching it, the run there and ``False``. A run
    without a completed cycle counts as reaching it (nothing to improve)."""
    factors = np.round(np.arange(1.0, max_factor + step / 2, step), 10)
    run = None
    for factor in factors:
        run = simulate(float(factor))
        if not run.cycle_service_level < target - 1e-12:  # NaN (no cycle) counts as reached
            return float(factor), run, True
    return float(factors[-1]), run, False


def window_error_sums(task: Task, holdout: int, replan_days: int, days: int,
                      model: Forecaster | None = None) -> np.ndarray:
    """The product's forecast errors (actual - forecast) by ``model`` (default the calendar regression: the
    products' method :func:`stock_plan` chose) summed over every ``days`` consecutive steps of each test
    window, at the origins :func:`stock_plan` uses (its past errors)."""
    n_origins = max(holdout // replan_days, 1)
    model = CalendarRegression() if model is None else model
    df = backtest(task, replan_days, n_origins, (), models={"model": model}).forecasts  # no intervals needed
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


def horizon_interval(task: Task, holdout: int, horizon: int, total: float, level: float,
                     model: Forecaster | None = None) -> tuple[float, float]:
    """The interval at ``level`` of the total over the next ``horizon`` steps: ``total`` plus the empirical
    ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the product's past forecast errors summed over
    ``horizon`` consecutive steps (one sum per rolling origin of that horizon, as the newsvendor's sums), so
    that the errors' correlation from day to day is kept; a bound below zero is 0 (demand is not negative).
    NaN when there is no such sum. ``model`` is the forecaster (default the calendar regression)."""
    sums = window_error_sums(task, holdout, horizon, horizon, model)
    if not len(sums):
        return float("nan"), float("nan")
    low, high = np.quantile(sums, [(1 - level) / 2, (1 + level) / 2])
    return max(total + float(low), 0.0), max(total + float(high), 0.0)


def _demand(fc: np.ndarray, start: int, days: int, rate: float) -> float:
    """Forecast units over ``days`` steps from ``start`` (closed steps are 0 in ``fc``); steps past the
    forecast's end at the open-day ``rate``."""
    inside = fc[start:start + days]
    return float(inside.sum() + rate * max(days - len(inside), 0))


@dataclass(frozen=True)
class StockPlan:
    """What :func:`stock_plan` returns (see there): the holdout simulation, the plan ahead, the daily
    forecasts ahead, the products' method and the candidates' MASEs."""

    simulation: pd.DataFrame
    plan: pd.DataFrame
    daily: dict[str, pd.DataFrame]
    method: str
    scores: pd.DataFrame


def stock_plan(tasks: dict[str, Task], holdout: int, replan_days: int, horizon: int, *, lead_time: int,
               service_level: float, cover_days: float, level: float = 0.8,
               trading_weekdays=None, dates=None, closed=None, max_factor: float = 1.0,
               levels=None, models: dict[str, Forecaster] | None = None,
               medians: dict[str, tuple[str, ...]] | None = None) -> StockPlan:
    """The products' method, the holdout simulation per product, the plan for the next ``horizon`` steps and
    the daily forecasts.

    Every candidate of ``models`` (default :func:`product_models`) and ``medians``
    (default :data:`PRODUCT_MEDIANS` with the default models, else none) forecasts each
    product at the rolling origins of horizon ``replan_days`` over the last
    ``holdout`` steps; the one with the lowest mean MASE over the products is the
    method (:func:`choose_product_model`) and everything below uses it. The policy
    is revised at each of those origins, from the forecast made then and the errors
    of every origin before. Its safety stock is the empirical quantile of past
    error sums, raised by the smallest factor up to ``max_factor`` at which the
    simulated cycle service level reaches ``service_level`` (:func:`safety_factor`).

    Returns a :class:`StockPlan`. ``simulation``: per product the fill rate,
    cycle service level, cycles, stock-out days and mean stock over the holdout with
    the error model's safety stock, the same with the raised one (``_raised`` columns),
    the factor and whether the target was reached. ``plan``: the forecast of the next
    ``horizon`` steps on ``dates`` with their ``closed`` flags (closed steps forecast 0:
    totals count the open trading days only) and its interval at ``level``
    (:func:`horizon_interval`), the open days, the RMS and lag-1 autocorrelation of the
    daily errors, and the raised safety stock, reorder point (forecast demand over the
    lead time and review day, plus the safety stock) and order-up-to level (plus the
    forecast demand over the ``cover_days`` after). ``daily``: per product, the forecast
    of every step ahead with ``lower_<level>`` and ``upper_<level>`` at each of ``levels``
    (default ``(level,)``): the forecast plus the quantiles of the product's past daily
    errors at every origin, at least 0, and 0 on closed steps. ``method`` and ``scores``:
    the chosen candidate and the table of :func:`choose_product_model`.
    """
    levels = (level,) if levels is None else tuple(levels)
    medians = (PRODUCT_MEDIANS if models is None else {}) if medians is None else dict(medians)
    models = product_models() if models is None else dict(models)
    sims, plans, daily = [], [], {}
    n_origins = max(holdout // replan_days, 1)
    shut = np.zeros(horizon, bool) if closed is None else np.asarray(closed, dtype=bool)
    lead = lead_time + REVIEW_DAYS
    backtests = {p: backtest(task, replan_days, n_origins, (), models=models, medians=medians)
                 for p, task in tasks.items()}
    method, scores = choose_product_model(backtests)
    model = candidate(method, models, medians)
    for product, task in tasks.items():
        df = backtests[product].forecasts
        df = df[df["model"] == method]
        simulate = _simulator(df, lead_time, service_level, cover_days)
        before = simulate(1.0)
        factor, after, reached = safety_factor(simulate, service_level, max_factor)
        sims.append({S.PRODUCT: product, **vars(before), **{f"{k}_raised": v for k, v in vars(after).items()},
                     "factor": factor, "reached": reached})
        ahead = future_task(task, horizon, trading_weekdays, dates, shut)
        fc = np.maximum(clone(model).fit(ahead, len(task), horizon).predict(horizon).mean, 0.0)
        fc = np.where(shut, 0.0, fc)
        open_days = int((~shut).sum())
        rate = float(fc[~shut].mean()) if open_days else 0.0
        lead_open = int((~shut[:lead]).sum()) + max(lead - horizon, 0)
        sd, errors_only = _safety(df, int(df["origin"].max()) + 1, lead_time, service_level, lead_open)
        safety = _raised(errors_only, sd, lead_time, factor)
        reorder = _demand(fc, 0, lead, rate) + safety
        total = float(fc.sum())
        lower, upper = horizon_interval(task, holdout, horizon, total, level, clone(model))
        plans.append({S.PRODUCT: product, "forecast": total, "lower": lower, "upper": upper,
                      "open_days": open_days, "daily_forecast": rate, "error_rms": sd,
                      "error_lag1": error_lag1(df), "safety_stock_errors": errors_only,
                      "safety_factor": factor, "safety_stock": safety, "reorder_point": reorder,
                      "order_up_to": reorder + _demand(fc, lead, int(cover_days), rate)})
        err = (df["actual"] - df["forecast"]).to_numpy(dtype=np.float64)
        bounds = {}
        for lv in levels:
            lo, hi = np.quantile(err, [(1 - lv) / 2, (1 + lv) / 2]) if len(err) else (np.nan, np.nan)
            bounds[f"lower_{level_name(lv)}"] = np.where(shut, 0.0, np.maximum(fc + lo, 0.0))
            bounds[f"upper_{level_name(lv)}"] = np.where(shut, 0.0, np.maximum(fc + hi, 0.0))
        daily[product] = pd.DataFrame({"forecast": fc, **bounds})
    return StockPlan(pd.DataFrame(sims).set_index(S.PRODUCT), pd.DataFrame(plans).set_index(S.PRODUCT), daily,
                     method, scores)


#: A plan below this share of every obvious figure (run rate, last year) is flagged ...
RUN_RATE_LOW = 0.5
#: ... and so is a plan above this multiple of every one of them.
RUN_RATE_HIGH = 2.0
#: The run rate is read from the last this many calendar days.
RUN_RATE_DAYS = 28


def run_rates(task: Task, dates, closed) -> tuple[float, float]:
    """The obvious plans for the steps on ``dates`` (``closed`` flags): the mean units per open trading day
    of the last :data:`RUN_RATE_DAYS` calendar days times the open steps ahead; and the units sold over the
    same calendar dates a year earlier, NaN when the history does not reach back that far."""
    dates, shut = pd.DatetimeIndex(dates), np.asarray(closed, dtype=bool)
    last = task.dates[-1]
    recent = (task.dates > last - pd.Timedelta(days=RUN_RATE_DAYS)) & ~task.closed
    rate = float(task.y[recent].mean()) * int((~shut).sum()) if recent.any() else float("nan")
    first, end = dates[0] - pd.DateOffset(years=1), dates[-1] - pd.DateOffset(years=1)
    if task.dates[0] > first:
        return rate, float("nan")
    inside = (task.dates >= first) & (task.dates <= end)
    return rate, float(task.y[inside].sum())


def run_rate_flag(plan: float, rate: float, last_year: float) -> str:
    """``"low"`` when ``plan`` is below :data:`RUN_RATE_LOW` times every available obvious figure (the run
    rate, and last year's same weeks when known), ``"high"`` when above :data:`RUN_RATE_HIGH` times every
    one, else ``""``."""
    known = [v for v in (rate, last_year) if np.isfinite(v)]
    if not known:
        return ""
    if all(plan < RUN_RATE_LOW * v for v in known):
        return "low"
    if all(plan > RUN_RATE_HIGH * v for v in known):
        return "high"
    return ""
