"""The Forecasting chapter's parameters and the least data it needs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from analysis.book import needs as N
from analysis.book.needs import Need
from analysis.book.params import ChapterParams


class ForecastParams(ChapterParams):
    frequency: Literal["D", "W"] = Field("D", description="series frequency: D (days) or W (weeks)")
    horizon: int = Field(28, ge=1, description="steps ahead to forecast")
    n_origins: int = Field(6, ge=1, description="rolling origins of the evaluation")
    season_length: int = Field(0, ge=0, description="season length in steps (0: detected)")
    interval_levels: list[float] = Field(default_factory=lambda: [0.8, 0.95], description="prediction interval levels")
    top_products: int = Field(10, ge=1, description="products with their own forecast and stock policy")
    lead_time_days: int = Field(7, ge=0, description="days from order to delivery")
    service_level: float = Field(0.95, gt=0, lt=1, allow_inf_nan=False, description="target cycle service level")
    holding_cost: float = Field(0.25, ge=0, allow_inf_nan=False, description="yearly cost of holding stock, as a share of its value")
    stockout_cost: float = Field(1.0, ge=0, allow_inf_nan=False, description="cost of a unit short, as a share of its price")


NEEDS: tuple[Need, ...] = (N.at_least_customers(2), N.at_least_days(2))  # the chapter refines these
