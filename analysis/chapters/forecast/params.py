"""The Forecasting chapter's parameters and the least data it needs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from analysis.chapters import _base as N
from analysis.chapters._base import Facts, Need, Shortfall
from analysis.chapters._base import ChapterParams, products_only

#: Rolling origins before the scored ones (their errors calibrate the conformal intervals);
#: the same number as :data:`analysis.forecast.backtest.N_CALIBRATION` (a unit test holds them equal).
CALIBRATION_ORIGINS = 4


class ForecastParams(ChapterParams):
    drop_non_product: bool = products_only("stock is planned for products, and postage or fees are not sales")
    frequency: Literal["D", "W"] = Field("D", description="series frequency: D (trading days) or W (weeks)")
    horizon: int = Field(28, ge=1, le=366, description="steps ahead to forecast")
    n_origins: int = Field(6, ge=1, le=60, description="rolling origins of the evaluation")
    season_length: int = Field(0, ge=0, le=366, description="season length in steps (0: detected)")
    interval_levels: list[float] = Field(
        default_factory=lambda: [0.8, 0.95], min_length=1, max_length=4,
        description="prediction interval levels, increasing, each between 0 and 1",
    )
    top_products: int = Field(10, ge=1, le=200, description="products with their own forecast and stock policy")
    lead_time_days: int = Field(7, ge=0, le=90, description="trading days from order to delivery")
    service_level: float = Field(0.95, gt=0, lt=1, allow_inf_nan=False, description="target cycle service level")
    replan_days: int = Field(14, ge=1, le=90, description="trading days between revisions of the stock policy")
    order_cover_days: int = Field(14, ge=1, le=365, description="trading days of demand one replenishment order covers")
    holding_cost: float = Field(0.25, ge=0, allow_inf_nan=False,
                                description="yearly cost of holding stock, as a share of its value")
    stockout_cost: float = Field(1.0, ge=0, allow_inf_nan=False,
                                 description="cost of a unit short, as a share of its price")
    leftover_cost: float = Field(0.3, ge=0, allow_inf_nan=False,
                                 description="cost of a unit left over after a one-off promotion, "
                                             "as a share of its price")
    closures: list[str] = Field(
        default_factory=list, max_length=100,
        description="known closed days ahead: dates '2011-12-26', ranges '2011-12-23..2012-01-03', or 'open "
                    "2012-01-03' for a day the calendar would close (by default closures of 3 or more trading "
                    "days recur a year later, closures at Easter on the next Easter's days, and non-trading "
                    "weekdays every week)",
    )
    max_safety_factor: float = Field(
        3.0, ge=1, le=20, allow_inf_nan=False,
        description="stock limit: the safety stock is raised to reach the target service level in the "
                    "backtest, to at most this many times the error model's",
    )

    @field_validator("interval_levels")
    @classmethod
    def _levels(cls, value: list[float]) -> list[float]:
        if any(not 0 < v < 1 for v in value) or any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError("interval_levels must be increasing numbers between 0 and 1, e.g. [0.8, 0.95]")
        return value

    @field_validator("closures")
    @classmethod
    def _closures(cls, value: list[str]) -> list[str]:
        from analysis.errors import DataError
        from analysis.forecast.ahead import parse_closures

        try:
            parse_closures(value)
        except DataError as err:
            raise ValueError(f"{err.problem} Fix: {err.fix}") from None
        return value

    @model_validator(mode="after")
    def _replan(self) -> ForecastParams:
        if self.replan_days < self.lead_time_days + 1:
            raise ValueError(
                f"replan_days ({self.replan_days}) must be at least lead_time_days + 1 ({self.lead_time_days + 1}): "
                "the safety stock is read from forecast errors over the lead time and one review day"
            )
        return self


def steps_needed(params) -> int:
    """Steps the rolling-origin evaluation needs: every origin's test window plus two seasons to start from."""
    season = params.season_length or (7 if params.frequency == "D" else 1)
    return (params.n_origins + CALIBRATION_ORIGINS) * params.horizon + 2 * season + 2


def enough_history() -> Need:
    """Enough days (or weeks) of sales for the rolling origins the parameters ask for."""

    def check(params, facts: Facts) -> Shortfall | None:
        steps = steps_needed(params)
        unit = 1 if params.frequency == "D" else 7
        have = facts.days if unit == 1 else (facts.span_days + 1) // 7
        if have >= steps:
            return None
        word = "days with a sale" if unit == 1 else "full weeks"
        most = max((have - 2 * (params.season_length or 7 if unit == 1 else 1) - 2) // params.horizon
                   - CALIBRATION_ORIGINS, 0)
        return Shortfall(
            f"The data have {have:,} {word} ({facts.first_date} to {facts.last_date}); {params.n_origins} origins "
            f"of horizon {params.horizon} (plus {CALIBRATION_ORIGINS} calibration origins) need at least {steps:,}.",
            "n_origins", (f"{word} = {have:,}",),
            f"use n_origins = {most} or fewer, a shorter horizon, or a log covering a longer period",
        )

    return Need("enough history for the rolling origins (n_origins + 4 windows of horizon steps)", check)


def _first_rows(table, limit: int = 3) -> tuple[str, ...]:
    """The first ``limit`` rows as text, each with the values it has (a missing price left out; of a ratings
    file only customer, product, rating and time, as the loader fills in its order and quantity)."""
    from analysis import schema as S

    if "rating" in table.columns:
        table = table[[c for c in (S.CUSTOMER, S.PRODUCT, "rating", S.TIMESTAMP) if c in table.columns]]
    rows = []
    for _, row in table.head(limit).iterrows():
        rows.append(", ".join(f"{c} {v}" for c, v in row.items() if not (isinstance(v, float) and v != v)))
    return tuple(rows)


def sales_not_ratings() -> Need:
    """A log of sales (customers buying products), not ratings or clicks. A purchase log whose mapping leaves
    out ``unit_price`` is accepted: the chapter then forecasts units sold and skips what needs prices
    (:func:`analysis.chapters.forecast.steps.measure`)."""

    def check(params, facts: Facts) -> Shortfall | None:
        from analysis import schema as S

        table = facts.table
        if table is None or ({S.QUANTITY, S.PRICE} <= set(table.columns) and table[S.PRICE].notna().any()):
            return None
        if "rating" not in table.columns and S.PRICE in table.columns:  # a purchase log whose mapping has no price
            return None
        what = "ratings" if "rating" in table.columns else "interactions (ratings or clicks)"
        return Shortfall(
            f"The file holds {what} of products by customers, not sales: it gives no unit prices, so there "
            "is no revenue or quantity sold to forecast.",
            "data", _first_rows(table),
            "use a transaction log (order, customer, product, quantity, unit price, timestamp), "
            "not a file of ratings",
        )

    return Need("a log of sales (with or without unit prices), not ratings or clicks", check)


def _stock_steps(holdout: int, window: int, season: int) -> int:
    """Trading days a rolling-origin backtest of the stock section needs: its test windows of ``window`` days
    over the holdout, the calibration origins before them and two seasons to start from."""
    return (max(holdout // window, 1) + CALIBRATION_ORIGINS) * window + 2 * season + 2


def _stock_need(params, daily) -> int:
    """Trading days the stock section needs: the replanning backtest and the plan interval's horizon sums."""
    from analysis.chapters.forecast.steps import holdout_days, plan_steps

    holdout, m = holdout_days(params, daily), daily.season_length
    return max(_stock_steps(holdout, params.replan_days, m), _stock_steps(holdout, plan_steps(params, daily), m))


def enough_history_for_stock() -> Need:
    """Enough trading days for the stock section's own backtests (replanning every replan_days, the plan's
    interval from sums over the horizon), which its holdout and replan_days set, not n_origins alone."""

    def check(params, facts: Facts) -> Shortfall | None:
        if facts.table is None:
            return None
        from analysis.forecast.series import sales_series

        daily = sales_series(facts.table, "D")
        need = _stock_need(params, daily)
        if len(daily) >= need:
            return None
        fits = [r for r in range(params.replan_days - 1, params.lead_time_days, -1)
                if len(daily) >= _stock_need(params.model_copy(update={"replan_days": r}), daily)]  # fmt: skip
        fix = (f"set replan_days to {fits[0]} or fewer (at least lead_time_days + 1 = {params.lead_time_days + 1})"
               if fits else f"use a log with at least {need:,} trading days, or a shorter horizon")
        return Shortfall(
            f"The data have {len(daily):,} trading days ({facts.first_date} to {facts.last_date}); the stock "
            f"section replans every {params.replan_days} days over its holdout, after {CALIBRATION_ORIGINS} "
            f"calibration windows, and needs at least {need:,}.",
            "replan_days" if fits else "data", (f"trading days = {len(daily):,}", f"replan_days = {params.replan_days}"),
            fix,
        )  # fmt: skip

    return Need("enough trading days for the stock section's replanning backtest (replan_days, horizon)", check)


NEEDS: tuple[Need, ...] = (
    sales_not_ratings(), N.at_least_customers(2), N.at_least_days(30), enough_history(), enough_history_for_stock(),
)

#: the chapter's parameter model (the registry reads MODEL and NEEDS)
MODEL = ForecastParams
