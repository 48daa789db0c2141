"""On the built-in shop, the chapter's methods recover the planted season, promotion lift and elasticity,
and the stock policy reaches its target cycle service level (tolerances stated in each test)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.data import load_data
from analysis.chapters.forecast import steps as ST
from analysis.chapters.forecast.params import ForecastParams
from analysis.shop import make_shop
from analysis.chapters.forecast.truth import planted_demand_response

P = ForecastParams()


@pytest.fixture(scope="module")
def shop_run():
    tx, report = load_data(P)
    shop = make_shop(n_customers=P.shop_customers, seed=P.seed)
    measure = ST.measure(report)  # revenue: the shop has prices
    daily = ST.series_step(tx, measure, "D")["series"]
    price = ST.price_step(tx, daily, measure)
    return tx, shop, daily, price


def test_weekly_and_yearly_profile_are_recovered(shop_run):
    _, shop, daily, _ = shop_run
    weekly = ST.weekly_recovery(daily, shop.truth.weekly_profile)
    assert (weekly["recovered"] / weekly["planted"] - 1).abs().max() < 0.05  # every weekday within 5 %
    amplitude, peak = ST.yearly_recovery(daily)
    assert amplitude == pytest.approx(shop.truth.calendar.yearly_amplitude, abs=0.05)
    assert abs(peak - shop.truth.calendar.yearly_peak_day) < 30  # days


def test_promotion_lift_and_elasticity_are_recovered(shop_run):
    _, shop, _, price = shop_run
    planted = planted_demand_response(shop)
    assert price.glue["discount_days"] == sum(p.length for p in shop.truth.calendar.promotions) * 2
    assert price.glue["lift"] == pytest.approx(planted["promotion_lift"], rel=0.1)
    assert price.glue["lift_low"] < planted["promotion_lift"] * 1.05
    assert price.glue["elasticity"] == pytest.approx(planted["effective_elasticity"], abs=0.1)
    assert -1.0 < planted["effective_elasticity"] < -0.5  # the budget rule's -1, weakened by whole units


def test_stock_policy_reaches_its_target_cycle_service_level_within_two_points(shop_run):
    tx, _, daily, price = shop_run
    revenue = ST.Measure("revenue", "revenue")
    step = ST.stock_step(tx, daily, P, ST.holdout_days(P, daily), price.glue["lift"], revenue)
    assert step.glue["cycles"] >= 50
    assert abs(step.glue["csl"] - P.service_level) <= 0.02
    plan = step["plan"]
    assert (plan["reorder_point"] >= plan["safety_stock"]).all()
    assert (plan["order_up_to"] >= plan["reorder_point"]).all()
    assert np.isfinite(plan[["forecast", "lower", "upper"]].to_numpy()).all()
