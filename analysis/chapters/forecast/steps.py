"""The Forecasting chapter's steps, one function per step of the notebook.

Each returns a :class:`~analysis.page.Step`: the values and worded findings the
page cites (``glue``), the table it shows (``table``) and what later steps need
(``data``). Worded findings come from :mod:`analysis.chapters.forecast.findings`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.ticker
import numpy as np
import pandas as pd

from analysis import fmt, plots
from analysis import schema as S
from analysis.chapters._claims import Claim
from analysis.chapters.forecast import findings as F
from analysis.forecast import models as FM
from analysis.forecast import ahead as AH
from analysis.forecast import price as PR
from analysis.forecast.backtest import Backtest, backtest, level_name
from analysis.forecast.inventory import newsvendor_empirical
from analysis.forecast.products import (
    COMBINATION, PRODUCT_MEDIANS, SAFETY_STEP, candidate, product_models, product_tasks, run_rate_flag, run_rates,
    stock_plan, top_products, window_error_sums,
)
from analysis.forecast.series import SalesSeries, sales_series
from analysis.page import Step

__all__ = [
    "COLUMN_WORDS", "Measure", "aic_step", "money_formats", "backtest_step", "decomposition_step", "intervals_step",
    "measure", "price_step", "holdout_days", "last_origin", "random_split_step", "series_step", "split_features",
    "show", "stock_step", "stock_table", "truth_step", "ahead_step", "forward_days", "plan_step", "plan_steps",
    "deliverable_columns", "PRODUCT_COLUMNS", "DAILY_COLUMNS",
]

#: Column and index names as the reader sees them.
COLUMN_WORDS: dict[str, str] = {
    "mae": "MAE", "rmse": "RMSE", "mase": "MASE", "smape": "sMAPE (%)", "seconds": "seconds",
    "aic": "AIC", "fill_rate": "fill rate", "cycle_service_level": "cycle service level", "cycles": "cycles",
    "stockout_days": "stock-out days", "mean_stock": "mean stock (units)", "orders_placed": "orders placed",
    "stockout_cycles": "cycles with a stock-out", "forecast": "forecast (units)", "lower": "lower",
    "upper": "upper", "daily_forecast": "daily forecast", "error_rms": "daily error RMS",
    "error_lag1": "lag-1 error autocorrelation",
    "safety_stock": "safety stock", "reorder_point": "reorder point", "order_up_to": "order-up-to level",
    "product_id": "product ID", "description": "product", "holding": "holding cost", "shortage": "stock-out cost",
    "factor": "safety factor", "cycle_service_level_raised": "raised: cycle service level",
    "fill_rate_raised": "raised: fill rate", "open_days": "open days",
    "planted": "planted", "recovered": "recovered", "model": "model", "units_short": "units short",
}  # fmt: skip


@dataclass(frozen=True)
class Measure:
    """What the chapter forecasts, chosen once by :func:`measure`: the column of the sales series
    (``revenue``, or ``units`` on a log without prices), its name in words, the currency its amounts are
    written in, and the sentence the page says about it ("" for revenue). Every label, table and amount of the
    chapter reads its words and formats from here."""

    column: str
    name: str
    currency: str = ""
    note: str = ""

    @property
    def money(self) -> bool:
        """Whether the measure is an amount of money (revenue) rather than a count of units."""
        return self.column == "revenue"

    def per(self, step: str) -> str:
        """``revenue per trading day``, ``units sold per week``."""
        return f"{self.name} per {step}"

    def label(self, what: str) -> str:
        """An axis label: ``what`` with the currency of an amount of money (``revenue per week (GBP)``)."""
        return f"{what} ({self.currency.upper()})" if self.money and self.currency else what

    def axis(self, ax, axis: str = "y") -> None:
        """Tick labels of ``axis`` as money (:func:`analysis.plots.money_axis`) or as counts."""
        if self.money:
            plots.money_axis(ax, self.currency, axis)
            return
        formatter = matplotlib.ticker.FuncFormatter(lambda v, _: fmt.count(v))
        (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)

    def amount(self, value: float) -> str:
        """One amount in words: ``£1,234.50`` (:func:`analysis.fmt.money`), or ``12.3 units``."""
        return fmt.money(value, self.currency) if self.money else _units(value)

    def amounts(self, values) -> list[str]:
        """Amounts cited in one sentence: :func:`money_pair` for money, else each in units."""
        return money_pair(values, self.currency) if self.money else [_units(v) for v in values]

    def kinds(self, amounts, **kinds) -> dict:
        """The keyword arguments of :func:`show` with ``amounts`` (code names of columns in this measure) as
        money in the currency, or as numbers; ``kinds`` are the other columns' kinds."""
        if self.money:
            return {"currency": self.currency, "money": list(amounts), **kinds}
        return {**kinds, "numbers": [*kinds.get("numbers", []), *amounts]}


def _units(value: float) -> str:
    """``12.3 units``, ``1 unit`` (three significant digits, :func:`analysis.fmt.number`)."""
    text = fmt.number(value)
    return f"{text} unit" if text == "1" else f"{text} units"


def measure(report) -> Measure:
    """The measure this run forecasts, from its data report: revenue when the data have unit prices
    (``report.has_money``), else units sold, with the sentence that says so (and, when the mapping left out
    the quantity, how the report says it was filled)."""
    quantity = report.filled.get(S.QUANTITY, "")
    if report.has_money:
        return Measure("revenue", "revenue", report.currency, F.measure_note(quantity, prices=True))
    return Measure("units", "units sold", "", F.measure_note(quantity))


def show(df: pd.DataFrame, **kw) -> object:
    """:func:`analysis.plots.table_in_words` with this chapter's :data:`COLUMN_WORDS`."""
    return plots.table_in_words(df, COLUMN_WORDS, **kw)


def money_pair(values, currency: str = "") -> list[str]:
    """Amounts cited in one sentence, in one format: whole units when the largest is 100 or more, cents
    otherwise (as :func:`money_formats` does for a column), so that a sentence never mixes ``€976.67`` with
    ``€1,125``."""
    decimals = _money_decimals(values)
    return [fmt.money(v, currency, decimals=decimals) for v in values]


def _money_decimals(values) -> int:
    """0 (whole units) when the largest finite amount is 100 or more, else 2 (cents)."""
    finite = [abs(float(v)) for v in values if math.isfinite(float(v))]
    return 0 if finite and max(finite) >= 100 else 2


def money_formats(df: pd.DataFrame, columns, currency: str = "") -> dict:
    """One money format per column (for :func:`show`'s ``formats``): whole amounts when the column's largest
    amount is 100 or more, cents otherwise, so that a column never mixes ``1,581`` with ``228.92``."""
    def one(column):
        decimals = _money_decimals(df[column].to_numpy(dtype=np.float64))
        return lambda v: fmt.money(v, currency, decimals=decimals)
    return {c: one(c) for c in columns}


def _profile(series: SalesSeries, measure: Measure) -> pd.Series:
    """The mean of the measure at each position of the season (weekday names for daily series) over the overall
    mean."""
    table = series.table[~series.table["closed"]]
    if series.frequency == "D":
        key = table.index.day_name().str[:3]
        order = [d for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") if d in set(key)]
    else:
        key = pd.Index(np.arange(len(table)) % max(series.season_length, 1))
        order = sorted(set(key))
    values = table[measure.column]
    profile = values.groupby(key).mean() / values.mean()
    return profile.reindex(order).rename(f"{measure.name} / mean")


def series_step(transactions: pd.DataFrame, measure: Measure, frequency: str = "D", season_length: int = 0) -> Step:
    """The sales series on its trading calendar, its seasonal profile and what the calendar detection did;
    ``total_revenue`` is the total of the measure (units sold on a log without prices), and the calendar
    finding starts with the measure's note, if any."""
    series = sales_series(transactions, frequency, season_length)
    t = series.table
    profile = _profile(series, measure)
    calendar = F.calendar(series.off_sales or {}, series.closures, series.dropped_last, series.frequency,
                          series.season_length)
    glue = {
        "n_steps": len(series), "first_day": t.index[0].date().isoformat(), "last_day": t.index[-1].date().isoformat(),
        "season": series.season_length, "closures": series.closures,
        "step_unit": "trading day" if series.frequency == "D" else "week", "calendar_days": series.calendar_days,
        "total_revenue": float(t[measure.column].sum()), "peak_position": str(profile.idxmax()),
        "trough_position": str(profile.idxmin()), "profile_range": float(profile.max() / profile.min() - 1),
        "calendar_finding": f"{measure.note} {calendar}" if measure.note else calendar,
    }
    return Step(glue, profile.to_frame(), {"series": series, "profile": profile})


def decomposition_step(series: SalesSeries, measure: Measure) -> Step:
    """STL decomposition of the measure (closures filled by the value a season earlier) and the
    autocorrelation."""
    from statsmodels.tsa.seasonal import STL
    from statsmodels.tsa.stattools import acf

    task = FM.task_of(series, measure.column)
    y = pd.Series(FM.open_values(task, len(task)), index=series.table.index)
    m = max(series.season_length, 2)
    fit = STL(y, period=m, robust=True).fit()
    stl = pd.DataFrame({"observed": y, "trend": fit.trend, "seasonal": fit.seasonal, "resid": fit.resid})
    strength_s = max(0.0, 1 - np.var(fit.resid) / np.var(fit.seasonal + fit.resid))
    strength_t = max(0.0, 1 - np.var(fit.resid) / np.var(fit.trend + fit.resid))
    lags = min(3 * m + 1, len(y) // 2)
    r = acf(y.to_numpy(), nlags=lags, fft=True)
    d = acf(np.diff(y.to_numpy()), nlags=min(lags, len(y) // 2 - 1), fft=True)  # the changes: no trend
    glue = {"seasonal_strength": float(strength_s), "trend_strength": float(strength_t),
            "acf_season": float(r[m]) if m < len(r) else float("nan"), "acf_lag1": float(r[1]),
            "acf_diff_season": float(d[m]) if m < len(d) else float("nan"),
            "acf_season_at": f"one season (lag {m})" if series.season_length > 1 else f"lag {m} (no season here)",
            "acf_bound": float(1.96 / np.sqrt(len(y))),
            "strength_finding": F.strengths(float(strength_s), float(strength_t), series.season_length > 1)}
    return Step(glue, None, {"stl": stl, "acf": r})


def split_features(task: FM.Task) -> np.ndarray:
    """What is known in advance about each step: position in the season, day of the year, step number,
    closure and promotion flags (the features of both splits in :func:`random_split_step`)."""
    steps = np.arange(len(task))
    return np.column_stack([steps % max(task.season, 1), task.dates.day_of_year, steps, task.closed, task.promo])


def random_split_step(task: FM.Task, horizon: int, n_origins: int, measure: Measure, seed: int = 0) -> Step:
    """One gradient-boosting regressor on the same features, scored on the same steps (the test windows of
    the last ``n_origins`` rolling origins) once from a shuffled 5-fold split of the whole series and once
    from the rolling origins (fitted on the steps before each origin)."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.model_selection import KFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    X, y, n = split_features(task), task.y, len(task)
    start = n - n_origins * horizon
    test = np.arange(start, n)

    def model():
        return HistGradientBoostingRegressor(max_iter=100, random_state=seed)

    with threadpool_limits(1):
        shuffled = cross_val_predict(model(), X, y, cv=KFold(5, shuffle=True, random_state=seed))[test]
        rolling = np.concatenate([model().fit(X[:origin], y[:origin]).predict(X[origin:origin + horizon])
                                  for origin in range(start, n, horizon)])
    random_mae = float(np.mean(np.abs(y[test] - shuffled)))
    honest_mae = float(np.mean(np.abs(y[test] - rolling)))
    random_money, honest_money = measure.amounts([random_mae, honest_mae])
    glue = {"random_mae": random_mae, "honest_mae": float(honest_mae), "split_steps": len(test),
            "random_mae_money": random_money, "honest_mae_money": honest_money,
            "split_finding": F.random_split(random_mae, honest_mae)}
    return Step(glue)


def backtest_step(task: FM.Task, horizon: int, n_origins: int, levels: Sequence[float]) -> Step:
    """Every model at the rolling origins: the score table and the best model by MASE."""
    bt = backtest(task, horizon, n_origins, levels)
    scores = bt.scores
    ranked = scores["mase"].dropna().sort_values(kind="stable")
    best = str(ranked.index[0]) if len(ranked) else str(scores["mase"].idxmin())
    baselines = scores.loc[[m for m in BASELINES if m in scores.index], "mase"].dropna().sort_values(kind="stable")
    baseline = str(baselines.index[0]) if len(baselines) else "seasonal naive"
    if len(ranked):  # the model named best is the table's lowest MASE
        Claim("forecast.best_finding", "MASE", "best", best, ranked.to_dict(), higher_is_better=False,
              source="the rolling-origin scores table").check()  # fmt: skip
    runner_up = str(ranked.index[1]) if len(ranked) > 1 else ""
    runner_up_mase = float(ranked.iloc[1]) if len(ranked) > 1 else float("nan")
    glue = {
        "best_model": best, "best_mase": float(scores.loc[best, "mase"]),
        "best_smape": float(scores.loc[best, "smape"]), "best_mae": float(scores.loc[best, "mae"]),
        "naive_mase": float(scores.loc["seasonal naive", "mase"]),
        "baseline": baseline, "baseline_mase": float(scores.loc[baseline, "mase"]),
        "runner_up": runner_up, "runner_up_mase": runner_up_mase,
        "best_finding": F.best_model(best, float(scores.loc[best, "mase"]), baseline,
                                     float(scores.loc[baseline, "mase"]), runner_up, runner_up_mase),
        "n_models": len(scores), "rules_sentence": F.rules(),
    }
    glue["ranked_below_finding"] = F.ranked_below(*_ranked_below(scores))
    known = _known_in_advance(scores, bool(np.any(task.promo)))
    glue["known_finding"] = F.known_in_advance(*known)
    glue["known_takeaway"] = F.known_in_advance_takeaway(*known)
    glue["known_summary"] = F.known_in_advance_summary(*known, best=best, runner_up=runner_up,
                                                       runner_up_mase=runner_up_mase, best_mase=glue["best_mase"])
    table = scores[["mae", "rmse", "mase", "smape"]].sort_values("mase")  # seconds vary run to run: not glued
    return Step(glue, table, {"backtest": bt, "best": best})


def _ranked_below(scores: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The models other than the baselines whose MASE is above the mean's or the seasonal naive's by more
    than the tie rule (:data:`~analysis.chapters.forecast.findings.TIE`), and those two baselines."""
    simple = [b for b in ("mean", "seasonal naive") if b in scores.index and math.isfinite(scores.loc[b, "mase"])]
    below = []
    for name, value in scores["mase"].items():
        if name in BASELINES or not math.isfinite(value):
            continue
        if any(value > scores.loc[b, "mase"] and not F.tie(value, float(scores.loc[b, "mase"])) for b in simple):
            below.append(str(name))
    return below, simple


#: The simple forecasts every model must beat (section 3).
BASELINES = ("mean", "naive", "seasonal naive", "drift")
#: Models fed what is known in advance about each step (weekday, closures, promotions) ...
SEEING = ("calendar regression", "gradient boosting")
#: ... and the time-series models, which see the season and closures but not the promotions.
BLIND = ("ETS", "SARIMA", "Theta")


def _known_in_advance(scores: pd.DataFrame, promotions: bool) -> tuple:
    """The arguments of :func:`F.known_in_advance`: the best model fed the calendar and the best time-series
    model, with their MASEs."""
    seeing = scores.loc[[m for m in SEEING if m in scores.index], "mase"]
    blind = scores.loc[[m for m in BLIND if m in scores.index], "mase"]
    if seeing.dropna().empty or blind.dropna().empty:
        return "", float("nan"), "", float("nan"), promotions
    a, b = str(seeing.idxmin()), str(blind.idxmin())
    return a, float(seeing[a]), b, float(blind[b]), promotions


def last_origin(bt: Backtest, best: str) -> pd.DataFrame:
    """The best model's and the seasonal naive's forecasts at the last origin, with a ``role`` column."""
    df = bt.forecasts[bt.forecasts["scored"] & (bt.forecasts["origin"] == bt.forecasts["origin"].max())]
    out = df[df["model"].isin([best, "seasonal naive"])].copy()
    out["role"] = np.where(out["model"] == best, "best", "naive")
    return out


def aic_step(task: FM.Task, horizon: int, n_origins: int, scores: pd.DataFrame | None = None) -> Step:
    """The ETS forms by AIC (at the last origin) and by rolling-origin MASE, each form fixed at every origin;
    with ``scores`` (the backtest's score table), the best fixed form against the ETS whose form AIC picked at
    each origin and against the best model of the ranking."""
    fits = FM.ETS().fit(task, len(task) - horizon).fits_
    forms = {name: FM.ETS(forms=(name,), intervals=False) for name in fits}  # one form at every origin
    bt = backtest(task, horizon, n_origins, (0.8,), models=forms, n_calibration=0)
    table = pd.DataFrame({"aic": {k: float(f.aic) for k, f in fits.items()}}).join(bt.scores[["mase"]])
    table.index.name = "model"
    by_aic, by_error = str(table["aic"].idxmin()), str(table["mase"].idxmin())
    tied = F.tied({str(k): float(v) for k, v in table["mase"].items()})
    glue = {"aic_choice": by_aic, "error_choice": by_error, "aic_tied": ", ".join(tied), "aic_forms": len(table),
            "aic_finding": F.aic_vs_error(by_aic, by_error, tied, len(table),
                                          {str(k): float(v) for k, v in table["mase"].items()},
                                          {str(k): float(v) for k, v in table["aic"].items()})}
    if scores is not None:
        ranked = scores["mase"].dropna().sort_values(kind="stable")
        best = str(ranked.index[0]) if len(ranked) else ""
        picked = float(scores["mase"].get("ETS", float("nan")))
        best_mase = float(ranked.iloc[0]) if len(ranked) else float("nan")
        glue |= {"fixed_form_mase": float(table.loc[by_error, "mase"]), "picked_ets_mase": picked,
                 "fixed_finding": F.fixed_forms(by_error, float(table.loc[by_error, "mase"]), picked, best,
                                                best_mase, {str(k): float(v) for k, v in ranked.items()})}
    return Step(glue, table)


def intervals_step(bt: Backtest, best: str, measure: Measure) -> Step:
    """Holdout coverage of every model's own and conformal intervals at each level."""
    cols = {}
    for level in bt.levels:
        name = level_name(level)
        cols[f"model {name} %"] = bt.scores[f"model_coverage_{name}"]
        cols[f"conformal {name} %"] = bt.scores[f"coverage_{name}"]
    table = pd.DataFrame(cols)
    glue = {}
    for level in bt.levels:
        name = level_name(level)
        glue[f"cov_{name}"] = float(table.loc[best, f"conformal {name} %"])
        glue[f"cov_model_{name}"] = float(table.loc[best, f"model {name} %"])
        glue[f"width_{name}"] = float(bt.scores.loc[best, f"width_{name}"])
    first = bt.levels[0]
    glue["first_width"] = glue[f"width_{level_name(first)}"]
    glue["first_width_money"] = measure.amount(glue["first_width"])
    sentences = []
    for level in bt.levels:  # every level, and the other models whose intervals miss it
        name = level_name(level)
        sentences.append(F.coverage(best, level, glue[f"cov_{name}"], glue[f"cov_model_{name}"]))
        others = {f"{m}'s {kind}": float(table.loc[m, f"{kind} {name} %"]) for m in table.index if m != best
                  for kind in ("model", "conformal")}
        sentences.append(F.coverage_off(level, others))
    glue["coverage_finding"] = " ".join(t for t in sentences if t)
    return Step(glue, table)


def price_step(transactions: pd.DataFrame, daily: SalesSeries, measure: Measure) -> Step:
    """Discount days found in the prices, the promotion lift on daily orders and the price elasticity; on a log
    without prices (a measure in units) the section is skipped: no discount days, no lift, no elasticity,
    and the findings say that both need unit prices."""
    if not measure.money:
        return _price_skipped()
    days = PR.discount_days(transactions)
    flags = days["discount_day"]
    orders = daily.table["orders"]
    lift = PR.promotion_lift(orders, flags)
    el = PR.price_elasticity(transactions)
    pricing = PR.quantity_pricing(transactions)
    mean_cut = float(days.loc[flags, "discount"].mean()) if flags.any() else float("nan")
    glue = {
        "discount_days": lift.days, "mean_discount": mean_cut, "lift": lift.lift, "lift_low": lift.low,
        "lift_high": lift.high, "elasticity": el.elasticity, "elasticity_se": el.se,
        "elasticity_rows": el.rows, "elasticity_products": el.products, "quantity_pricing": pricing,
        "lift_finding": F.lift(lift.lift, lift.low, lift.high, lift.days),
        "elasticity_finding": F.elasticity(el.elasticity, el.se, pricing),
    }
    return Step(glue, None, {"lift": lift, "elasticity": el, "discount_days": days})


def _price_skipped() -> Step:
    """:func:`price_step` on a log without unit prices: the same glued names, nothing estimated."""
    nan = float("nan")
    lift, el = PR.Lift(nan, nan, nan, 0), PR.Elasticity(nan, nan, 0, 0)
    lift_finding, elasticity_finding = F.price_section_skipped()
    glue = {
        "discount_days": 0, "mean_discount": nan, "lift": nan, "lift_low": nan, "lift_high": nan, "elasticity": nan,
        "elasticity_se": nan, "elasticity_rows": 0, "elasticity_products": 0, "quantity_pricing": nan,
        "lift_finding": lift_finding, "elasticity_finding": elasticity_finding,
    }
    days = pd.DataFrame({"share": [], "discount": [], "discount_day": pd.Series([], dtype=bool)})
    return Step(glue, None, {"lift": lift, "elasticity": el, "discount_days": days})


def plan_steps(params, daily: SalesSeries) -> int:
    """Trading days the products' plans cover: ``horizon`` on a daily series; on a weekly one the trading days
    of ``horizon`` weeks, so that the plans and the weekly forecast ahead end together."""
    return params.horizon if params.frequency == "D" else params.horizon * (7 - len(daily.non_trading))


def forward_days(daily: SalesSeries, params) -> pd.DataFrame:
    """The calendar days ahead of the daily series, with the closures carried forward and those the
    ``closures`` parameter gives (:func:`analysis.forecast.ahead.forward_calendar`), over the trading days of
    ``horizon`` steps (days, or the trading days of ``horizon`` weeks on a weekly series)."""
    return AH.forward_calendar(daily, plan_steps(params, daily), AH.parse_closures(params.closures))


def _costs(sim: pd.DataFrame, demand: pd.Series, price: pd.Series, params, calendar_days: int,
           suffix: str = "") -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per product the units short, the holding cost and the stock-out cost of the simulated policy
    (``suffix`` ``"_raised"``: the raised safety stock's)."""
    short = demand * (1 - sim[f"fill_rate{suffix}"])
    holding = params.holding_cost * sim[f"mean_stock{suffix}"] * price.reindex(sim.index) * calendar_days / 365
    return short, holding, params.stockout_cost * short * price.reindex(sim.index)


def _pooled(sim: pd.DataFrame, short: pd.Series, demand: pd.Series, suffix: str = "") -> tuple[float, float]:
    """The cycle service level over every product's cycles, and the fill rate over every unit demanded."""
    cycles = int(sim[f"cycles{suffix}"].sum())
    csl = float(1 - sim[f"stockout_cycles{suffix}"].sum() / cycles) if cycles else float("nan")
    return csl, float(1 - short.sum() / max(float(demand.sum()), 1e-12))


def stock_step(transactions: pd.DataFrame, daily: SalesSeries, params, holdout: int, lift: float,
               measure: Measure, ahead: pd.DataFrame | None = None) -> Step:
    """Per-product forecasts, the (s, S) policy simulated over the holdout, its safety stock raised until the
    simulation reaches the target, costs, the plan on the calendar days ``ahead`` (:func:`forward_days`) and
    the newsvendor.

    The forecasts, the policy and the newsvendor are in units; the holding and stock-out costs are shares of
    each product's median price, so a log without prices (a measure in units) has none: the table counts the
    units short instead, and the costs' words say they need prices. The newsvendor's critical ratio is the same
    with or without prices (both of its costs are shares of the one price, which cancels)."""
    ahead = forward_days(daily, params) if ahead is None else ahead
    steps = ahead[ahead["step"] > 0]
    top = top_products(transactions, params.top_products)
    tasks = product_tasks(transactions, daily, top)
    models = product_models()
    planned = stock_plan(
        tasks, holdout, params.replan_days, len(steps), lead_time=params.lead_time_days,
        service_level=params.service_level, cover_days=params.order_cover_days, level=params.interval_levels[0],
        dates=steps["date"], closed=steps["closed"].to_numpy(), max_factor=params.max_safety_factor,
        levels=params.interval_levels, models=models, medians=PRODUCT_MEDIANS,
    )
    sim, plan, per_day = planned.simulation, planned.plan, planned.daily
    dates = daily.table.index[-holdout:]
    calendar_days = int((dates[-1] - dates[0]).days) + 1  # holding cost is yearly: count calendar days
    demand = pd.Series({p: float(t.y[-holdout:].sum()) for p, t in tasks.items()})
    if measure.money:
        price = transactions.groupby(transactions[S.PRODUCT].astype(str))[S.PRICE].median()
    else:
        price = pd.Series(1.0, index=sim.index)  # no prices: costs are not shown; the newsvendor's price cancels
    short, holding, shortage = _costs(sim, demand, price, params, calendar_days)
    short_r, holding_r, shortage_r = _costs(sim, demand, price, params, calendar_days, "_raised")
    csl, fill = _pooled(sim, short, demand)
    csl_r, fill_r = _pooled(sim, short_r, demand, "_raised")
    if measure.money:
        sim["holding"], sim["shortage"] = holding_r, shortage_r
        amounts = money_pair([float(holding.sum()), float(shortage.sum()), float(holding_r.sum()),
                              float(shortage_r.sum())], measure.currency)
        holding_money, shortage_money, holding_money_r, shortage_money_r = amounts
    else:
        sim["units_short"] = short_r
        holding_money, shortage_money = F.costs_without_prices()
        holding_money_r, shortage_money_r = holding_money, shortage_money
    cycles = int(sim["cycles"].sum())
    first = plan.index[0]
    factor = lift if math.isfinite(lift) else 1.0
    mean = float(plan.loc[first, "daily_forecast"]) * PROMO_DAYS * factor
    errors = factor * window_error_sums(tasks[first], holdout, params.replan_days, PROMO_DAYS,
                                        candidate(planned.method, models, PRODUCT_MEDIANS))
    p = float(price.get(first, 1.0))
    ratio, quantity = newsvendor_empirical(mean, errors, params.stockout_cost * p, params.leftover_cost * p)
    names = _descriptions(transactions)
    nv_finding = F.newsvendor(ratio, quantity, mean)
    window_days, window_weeks = _window_days(params, daily)
    if names:  # a log without descriptions gets no empty column
        plan.insert(0, "description", [names.get(i, "") for i in plan.index])
    unreached = [str(i) for i in sim.index[~sim["reached"]]]
    raised = int((sim["factor"] > 1).sum())
    per_product = float(sim["cycles_raised"].mean()) if len(sim) else float("nan")
    glue = {
        "n_top": len(top), "holdout_steps": holdout, "holdout_calendar_days": calendar_days,
        "csl": csl, "fill_rate": fill, "cycles": cycles, "csl_raised": csl_r, "fill_rate_raised": fill_r,
        "stockout_days": int(sim["stockout_days"].sum()),
        "holding_total": float(holding.sum()) if measure.money else float("nan"),
        "shortage_total": float(shortage.sum()) if measure.money else float("nan"),
        "holding_total_raised": float(holding_r.sum()) if measure.money else float("nan"),
        "shortage_total_raised": float(shortage_r.sum()) if measure.money else float("nan"),
        "holding_money": holding_money, "shortage_money": shortage_money,
        "holding_money_raised": holding_money_r, "shortage_money_raised": shortage_money_r,
        "products_raised": raised, "products_unreached": len(unreached),
        "max_safety_factor": params.max_safety_factor,
        "holdout_finding": F.holdout(holdout, window_days, len(daily), params.replan_days, calendar_days,
                                     window_weeks),
        "nv_product": fmt.escape(first),  # glued as Markdown: ids and descriptions from the data as text
        "nv_product_name": _named(first, names),
        "nv_ratio": ratio, "nv_quantity": quantity, "nv_mean": mean, "promo_days": PROMO_DAYS,
        "nv_windows": len(errors),
        "stock_finding": F.stock(csl, params.service_level, fill, cycles),
        "correction_finding": F.stock_corrected(
            csl, csl_r, params.service_level, fill_r, raised, len(sim), params.max_safety_factor,
            [_named(u, names) for u in unreached], per_product, SAFETY_STEP),
        "nv_finding": nv_finding if measure.money else f"{nv_finding} {F.newsvendor_without_prices()}",
        **_method_glue(planned.method, planned.scores, [*models, *PRODUCT_MEDIANS]),
    }
    return Step(glue, sim, {"plan": plan, "simulation": sim, "tasks": tasks, "daily": per_day,
                            "ahead": ahead, "method_scores": planned.scores})


def _method_glue(method: str, scores: pd.DataFrame, order: list[str]) -> dict:
    """The products' method and the finding that names it against the other candidates (mean MASE over the
    products at the stock section's origins; the candidates in ``order``)."""
    means = {k: float(scores.loc[k, "mean"]) for k in order if k in scores.index}
    return {"product_method": method, "product_method_mase": means.get(method, float("nan")),
            "product_candidates": len(order), "croston_alpha": float(product_models()["Croston"].alpha),
            "product_regression_mase": means.get("calendar regression", float("nan")),
            "product_method_finding": F.product_method(method, means, COMBINATION)}


def _named(product: str, names: dict[str, str]) -> str:
    """A product as a sentence names it, escaped: ``DESCRIPTION (product ID)``, or ``product ID``."""
    shown = names.get(product, "")
    return f"{fmt.escape(shown)} (product {fmt.escape(product)})" if shown else f"product {fmt.escape(product)}"


def stock_table(sim: pd.DataFrame, measure: Measure) -> object:
    """The stock simulation per product as the page shows it: the error model's cycle service level and fill
    rate, the factor that raised its safety stock and the raised policy's level, fill rate and holding and
    stock-out costs in the currency (one format per column, :func:`money_formats`), or on a log without prices
    its units short."""
    cost = ["holding", "shortage"] if measure.money else ["units_short"]
    cols = ["cycles", "cycle_service_level", "fill_rate", "factor", "cycle_service_level_raised",
            "fill_rate_raised", *cost]
    table = sim[cols]
    kinds = {"shares": ["fill_rate", "cycle_service_level", "fill_rate_raised", "cycle_service_level_raised"],
             "counts": ["cycles"]}
    if measure.money:
        costs = money_formats(table, cost, measure.currency)
        return show(table, currency=measure.currency, formats=costs, numbers=["factor"], **kinds)
    return show(table, numbers=["factor", "units_short"], **kinds)


#: Length of the one-off promotion of the newsvendor, in trading days (steps of the daily series).
PROMO_DAYS = 7


def _descriptions(transactions: pd.DataFrame) -> dict[str, str]:
    if S.DESCRIPTION not in transactions.columns:
        return {}
    d = transactions[[S.PRODUCT, S.DESCRIPTION]].dropna()
    return d.groupby(d[S.PRODUCT].astype(str))[S.DESCRIPTION].first().astype(str).to_dict()


def weekly_recovery(daily: SalesSeries, planted: pd.Series) -> pd.DataFrame:
    """Orders per weekday over a centred 7-day moving mean (the trend), mean per weekday, against the planted
    weekly multipliers (both scaled to mean 1)."""
    orders = daily.table["orders"]
    ratio = (orders / orders.rolling(7, center=True).mean()).dropna()
    found = ratio.groupby(ratio.index.day_name().str[:3]).mean()
    found = found.reindex(planted.index)
    return pd.DataFrame({"planted": planted / planted.mean(), "recovered": found / found.mean()})


def yearly_recovery(daily: SalesSeries) -> tuple[float, float]:
    """Amplitude and peak day of the yearly cycle of log daily orders (first Fourier pair, with day of week and a
    quadratic trend as controls); NaN with less than a year."""
    import statsmodels.api as sm

    orders = daily.table["orders"]
    keep = orders > 0
    if len(orders) < 365:
        return float("nan"), float("nan")
    X = PR._calendar_design(pd.DatetimeIndex(orders.index))[keep.to_numpy()]
    fit = sm.OLS(np.log(orders[keep].to_numpy()), X).fit()
    a, b = float(fit.params["sin1"]), float(fit.params["cos1"])
    peak = (np.degrees(np.arctan2(a, b)) % 360) / 360 * 365.25
    return float(np.expm1(np.hypot(a, b))), float(peak)


def truth_step(shop, daily: SalesSeries, lift: float, elasticity: float) -> Step:
    """On the built-in shop: weekly and yearly profile, promotion lift and elasticity against the planted values."""
    from analysis.chapters.forecast.truth import planted_demand_response

    if shop is None:
        return Step({"truth_finding": F.truth({}), "truth_tables": F.truth_tables(False)})
    planted = planted_demand_response(shop)
    weekly = weekly_recovery(daily, shop.truth.weekly_profile)
    amplitude, peak = yearly_recovery(daily)
    cal = shop.truth.calendar
    rows = {
        "promotion lift": (lift, planted["promotion_lift"]),
        "price elasticity": (elasticity, planted["effective_elasticity"]),
        "yearly amplitude": (amplitude, cal.yearly_amplitude),
    }
    days = {"yearly peak (day of year)": (peak, float(cal.yearly_peak_day))}
    table = pd.DataFrame({**rows, **days}, index=["recovered", "planted"]).T
    weekly_error = float((weekly["recovered"] / weekly["planted"] - 1).abs().max())
    glue = {"weekly_error": weekly_error, "planted_lift": planted["promotion_lift"],
            "planted_elasticity": planted["effective_elasticity"], "budget_elasticity": planted["budget_elasticity"],
            "recovered_amplitude": amplitude, "recovered_peak": peak,
            "truth_finding": F.truth({**rows, "weekly profile": (1 + weekly_error, 1.0)}, days),
            "truth_tables": F.truth_tables(True)}
    return Step(glue, table, {"weekly": weekly})


def _window_days(params, daily: SalesSeries) -> tuple[int, int]:
    """Trading days of the rolling origins' test windows, and their weeks (0 for a daily series)."""
    per_step = 1 if params.frequency == "D" else 7 - len(daily.non_trading)
    weeks = params.n_origins * params.horizon if params.frequency != "D" else 0
    return params.n_origins * params.horizon * per_step, weeks


def holdout_days(params, daily: SalesSeries) -> int:
    """Trading days of the holdout the stock policy is simulated over: the rolling origins' test windows,
    cut to a whole number of ``replan_days`` revisions (the simulation runs over whole revisions)."""
    days = min(_window_days(params, daily)[0], len(daily) // 2)
    return max(days // params.replan_days, 1) * params.replan_days  # whole revisions: all of it is simulated


def _carried_ranges(ahead: pd.DataFrame) -> list[tuple[str, str, str, bool]]:
    """The past closures the forward calendar carries: (where from, first and last day ahead, whether it moved
    with Easter)."""
    carried = ahead[ahead["reason"].str.startswith("closed ")]
    out = []
    for reason, part in carried.groupby("reason", sort=False):
        source = str(reason).split(", carried")[0].removeprefix("closed ")
        out.append((f"of {source}", fmt.day(part["date"].min()), fmt.day(part["date"].max()),
                    str(reason).endswith("around Easter")))
    return out


def ahead_step(series: SalesSeries, task: FM.Task, bt: Backtest, best: str, params, measure: Measure,
               ahead: pd.DataFrame) -> Step:
    """The weeks ahead: the best model refitted on all the history forecasts the ``horizon`` steps after the
    last complete day on the forward calendar ``ahead`` (:func:`forward_days`; closed steps 0), with
    intervals at every level from its past scaled errors (:mod:`analysis.forecast.ahead`); next week's and
    the horizon's totals with intervals from past totals of as many steps; the closures assumed."""
    levels = params.interval_levels
    last = series.days[-1]
    if series.frequency == "D":
        steps = ahead[ahead["step"] > 0]
        dates, closed = pd.DatetimeIndex(steps["date"]), steps["closed"].to_numpy(dtype=bool)
        week = int((dates <= last + pd.Timedelta(days=7)).sum())
    else:
        dates = pd.DatetimeIndex([series.table.index[-1] + pd.Timedelta(weeks=k)
                                  for k in range(1, params.horizon + 1)])
        closed, week = np.zeros(len(dates), bool), 1
    mean = AH.forecast_ahead(task, FM.MODELS[best](), dates, closed)
    past = bt.forecasts[bt.forecasts["model"] == best]
    table = pd.DataFrame({"date": dates, "closed": closed, "forecast": mean,
                          **AH.step_intervals(mean, past, levels, task, closed)})
    totals = {}
    for name, n in (("week", week), ("horizon", len(dates))):
        total = float(mean[:n].sum())
        errors = AH.window_relative_errors(past, n)
        totals[name] = (total, [AH.total_interval(total, errors, lv) for lv in levels], len(errors))
    words = measure.amounts([totals["week"][0], *np.ravel(totals["week"][1]),
                             totals["horizon"][0], *np.ravel(totals["horizon"][1])])
    k = 1 + 2 * len(levels)
    week_words, horizon_words = words[:k], words[k:]
    week_span = (last + pd.Timedelta(days=1), last + pd.Timedelta(days=7) if series.frequency == "D" else dates[0])
    span = (last + pd.Timedelta(days=1), dates[-1])
    unit = "trading day" if series.frequency == "D" else "week"
    glue = {
        "ahead_first": fmt.day(span[0]), "ahead_last": fmt.day(span[1]), "ahead_steps": len(dates),
        "ahead_open": int((~closed).sum()), "week_first": fmt.day(week_span[0]), "week_last": fmt.day(week_span[1]),
        "week_total": totals["week"][0], "horizon_total": totals["horizon"][0],
        "week_windows": totals["week"][2], "horizon_windows": totals["horizon"][2],
        "ahead_finding": F.ahead(
            best, week_span, week_words[0],
            [(lv, week_words[1 + 2 * i], week_words[2 + 2 * i]) for i, lv in enumerate(levels)],
            span, horizon_words[0],
            [(lv, horizon_words[1 + 2 * i], horizon_words[2 + 2 * i]) for i, lv in enumerate(levels)],
            len(dates), int((~closed).sum()), unit),
        "closures_finding": F.closures_ahead(
            series.non_trading, _carried_ranges(ahead), int((ahead["reason"] == "given in closures").sum()),
            int((ahead["reason"] == "opened in closures").sum()), series.frequency != "D"),
    }
    scored = past[past["scored"] & (past["forecast"] > 0)]
    above = float((scored["actual"] > scored["forecast"]).mean()) if len(scored) else float("nan")
    median = float(((scored["actual"] - scored["forecast"]) / scored["forecast"]).median()) if len(scored) else (
        float("nan"))
    glue |= {"bias_above": above, "bias_median": median, "bias_finding": F.bias(best, above, median)}
    for i, lv in enumerate(levels):
        name = level_name(lv)
        glue[f"week_lower_{name}"], glue[f"week_upper_{name}"] = totals["week"][1][i]
        glue[f"horizon_lower_{name}"], glue[f"horizon_upper_{name}"] = totals["horizon"][1][i]
    return Step(glue, table, {"forward": table})


#: Columns both files of the analyst begin with.
_ID_COLUMNS: dict[str, tuple[str, str]] = {
    "product_id": ("id", "the product's id in the data"),
    "description": ("text", "the product's description in the data (when the data have one)"),
    "unit": ("text", "what the amounts count: units sold"),
}
#: Columns of the analyst's two files: name -> (unit, meaning). ``{level}`` columns repeat for every level.
PRODUCT_COLUMNS: dict[str, tuple[str, str]] = {
    **_ID_COLUMNS,
    "first_date": ("date", "the first day of the plan: the day after the last complete day"),
    "last_date": ("date", "the last day of the plan"),
    "open_days": ("trading days", "open trading days the plan covers (closures and non-trading weekdays left out)"),
    "forecast": ("units", "forecast units over the plan's open days"),
    "lower": ("units", "lower bound of the forecast total at the first interval level (past error sums)"),
    "upper": ("units", "upper bound of the forecast total at the first interval level"),
    "run_rate": ("units", "units a trading day over the last four weeks, times the open days ahead"),
    "last_year": ("units", "units sold on the same dates a year earlier (empty when the history is shorter)"),
    "safety_stock": ("units", "safety stock: the error model's, raised by safety_factor"),
    "reorder_point": ("units", "order when stock plus open orders fall to this: forecast over the lead time "
                               "and review day, plus the safety stock"),
    "order_up_to": ("units", "order up to this: the reorder point plus the forecast over order_cover_days"),
    "safety_factor": ("factor", "how far the error model's safety stock was raised to reach the target"),
    "target_csl": ("share", "the target cycle service level (service_level)"),
    "achieved_csl": ("share", "cycle service level the raised policy reached in the backtest simulation"),
    "error_model_csl": ("share", "cycle service level the error model's safety stock reached"),
    "fill_rate": ("share", "share of units demanded that the raised policy served in the simulation"),
    "safety_stock_errors": ("units", "the error model's safety stock: the target quantile of past error sums"),
    "error_rms": ("units", "root mean square of the daily forecast errors"),
    "error_lag1": ("correlation", "lag-1 autocorrelation of the daily forecast errors"),
    "flags": ("text", "why the plan needs a second look (empty when none)"),
}
DAILY_COLUMNS: dict[str, tuple[str, str]] = {
    **_ID_COLUMNS,
    "date": ("date", "a calendar day ahead"),
    "closed": ("true/false", "the shop is closed that day (forecast 0)"),
    "reason": ("text", "why the day is closed, or opened by the closures parameter"),
    "forecast": ("units", "forecast units sold that day"),
    "lower_{level}": ("units", "lower bound of the {level} % interval (past daily errors; 0 when closed)"),
    "upper_{level}": ("units", "upper bound of the {level} % interval"),
}


def plan_step(stock: Step, transactions: pd.DataFrame, params, measure: Measure) -> Step:
    """The analyst's deliverables for the weeks ahead: per product the plan with its stock policy, its
    achieved backtest service level and its flags (a plan below half or above twice both the last four weeks'
    run rate and the same weeks a year earlier; a target not reached within the stock limit); per product and
    calendar day ahead the forecast with its intervals and the closed flag; and the columns of both."""
    plan, sim, ahead, tasks = stock["plan"], stock["simulation"], stock["ahead"], stock["tasks"]
    steps = ahead[ahead["step"] > 0]
    names = _descriptions(transactions)
    rows, daily, flagged, unknown_year = [], [], [], False
    for product in plan.index:
        rate, last_year = run_rate_check = run_rates(tasks[product], steps["date"], steps["closed"].to_numpy())
        unknown_year |= not math.isfinite(last_year)
        total = float(plan.loc[product, "forecast"])
        kind = run_rate_flag(total, rate, last_year)
        rate_w, year_w = (_units(v) if math.isfinite(v) else "" for v in run_rate_check)
        flags = [F.plan_flag(kind, rate_w, year_w)] if kind else []
        if not bool(sim.loc[product, "reached"]):
            flags.append(f"target not reached within {fmt.number(params.max_safety_factor)} times the error "
                         "model's safety stock")
        if flags:
            flagged.append(f"{_named(product, names)}: {', '.join(flags)}")
        row = plan.loc[product]
        rows.append({S.PRODUCT: product, **({"description": names.get(product, "")} if names else {}),
                     "unit": "units", "first_date": fmt.day(ahead["date"].iloc[0]),
                     "last_date": fmt.day(ahead["date"].iloc[-1]), "open_days": int(row["open_days"]),
                     "forecast": total, "lower": float(row["lower"]), "upper": float(row["upper"]),
                     "run_rate": rate, "last_year": last_year, "safety_stock": float(row["safety_stock"]),
                     "reorder_point": float(row["reorder_point"]), "order_up_to": float(row["order_up_to"]),
                     "safety_factor": float(sim.loc[product, "factor"]), "target_csl": params.service_level,
                     "achieved_csl": float(sim.loc[product, "cycle_service_level_raised"]),
                     "error_model_csl": float(sim.loc[product, "cycle_service_level"]),
                     "fill_rate": float(sim.loc[product, "fill_rate_raised"]),
                     "safety_stock_errors": float(row["safety_stock_errors"]), "error_rms": float(row["error_rms"]),
                     "error_lag1": float(row["error_lag1"]), "flags": "; ".join(flags)})
        fc = stock["daily"][product]
        day = ahead[["date", "step", "closed", "reason"]].copy()
        values = fc.set_index(steps.index)
        day = day.join(values).fillna({c: 0.0 for c in values.columns})
        day.insert(0, S.PRODUCT, product)
        if names:
            day.insert(1, "description", names.get(product, ""))
        day.insert(3, "unit", "units")
        day["date"] = day["date"].dt.strftime("%Y-%m-%d")
        daily.append(day.drop(columns="step"))
    products = pd.DataFrame(rows).set_index(S.PRODUCT)
    per_day = pd.concat(daily, ignore_index=True)
    glue = {"plan_finding": F.plan_checks(flagged, len(products), unknown_year), "n_flagged": len(flagged),
            "daily_rows": len(per_day)}
    return Step(glue, products, {"products": products, "daily": per_day,
                                 "columns": deliverable_columns(products, per_day)})


def deliverable_columns(products: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """Every column of the two files with its unit and meaning, as the page shows them."""
    rows = []
    for file, frame, words in (("forecast_products.csv", products.reset_index(), PRODUCT_COLUMNS),
                               ("forecast_daily.csv", daily, DAILY_COLUMNS)):
        for column in frame.columns:
            key = column
            for bound in ("lower_", "upper_"):
                if column.startswith(bound) and column != bound.rstrip("_"):
                    key = bound + "{level}"
            unit, meaning = words[key]
            meaning = meaning.replace("{level}", column.split("_", 1)[1]) if key.endswith("{level}") else meaning
            rows.append({"file": file, "column": column, "unit": unit, "meaning": meaning})
    return pd.DataFrame(rows).set_index(["file", "column"])
