"""The stock policy on cases solvable by hand, the newsvendor, and lift and elasticity on planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from analysis.errors import DataError
from analysis.forecast import inventory as INV
from analysis.forecast import price as PR


def test_policy_by_hand():
    p = INV.policy_for(10.0, 5.0, lead_time=2, cover_days=4)
    assert (p.reorder_point, p.order_up_to, p.safety_stock) == (35.0, 75.0, 5.0)
    assert INV.normal_safety_stock(4.0, 3, 0.95) == pytest.approx(norm.ppf(0.95) * 4.0 * 2.0)


def test_constant_demand_never_runs_out_when_the_reorder_point_covers_the_lead_time():
    # demand 2 a day, lead time 2: ordered at the end of day t, sold from day t + 3
    run = INV.simulate_policy(np.full(20, 2.0), reorder_point=6.0, order_up_to=10.0, lead_time=2)
    # day 0: 10 -> 8; day 1: 6 -> order 4 (position 6 <= 6), arrives day 4; ...
    assert run.fill_rate == 1.0 and run.stockout_days == 0
    assert run.cycle_service_level == 1.0
    # each order brings the position back to 10, so one order every 2 days after the first
    assert run.orders_placed == 10


def test_a_reorder_point_below_lead_time_demand_runs_out_by_hand():
    # s = 2 < demand over the 3 protected days (6): every cycle runs short
    run = INV.simulate_policy(np.full(12, 2.0), reorder_point=2.0, order_up_to=8.0, lead_time=2)
    # day0 8->6, day1 ->4, day2 ->2 order 6 (arrives day5), day3 ->0, day4 short 2, day5 +6 -> 4 ...
    assert run.stockout_days >= 1 and run.cycle_service_level < 1
    served = 24 - 2 * run.stockout_days
    assert run.fill_rate == pytest.approx(served / 24)


def test_empirical_safety_stock_and_window_errors():
    np.testing.assert_allclose(INV.window_errors([3, 1, 4, 1], [1, 1, 1, 1], 2), [2, 3, 3])
    errors = np.arange(1, 20)  # 19 values: ceil(20 * 0.95) = 19 -> the largest
    assert INV.empirical_safety_stock(errors, 0.95) == 19
    assert INV.empirical_safety_stock(-errors, 0.5) == 0.0  # never below zero


def test_newsvendor_matches_the_normal_quantile():
    ratio, q = INV.newsvendor(100.0, 20.0, shortage_cost=3.0, leftover_cost=1.0)
    assert ratio == pytest.approx(0.75)
    assert q == pytest.approx(norm.ppf(0.75, loc=100, scale=20))


def test_service_level_out_of_range_is_refused():
    with pytest.raises(DataError, match="service_level"):
        INV.normal_safety_stock(1.0, 1, 1.0)


def _planted_log(elasticity: float, lift: float, seed: int = 0) -> pd.DataFrame:
    """Daily sales of 20 products for a year; a 20 % discount on 30 days lifts orders by ``lift`` and each
    line's units follow price**elasticity."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", periods=365, freq="D")
    promo = np.zeros(365, bool)
    promo[[*range(60, 70), *range(180, 190), *range(300, 310)]] = True
    rows = []
    for d, day in enumerate(days):
        n_orders = rng.poisson(40 * (lift if promo[d] else 1.0))
        for o in range(n_orders):
            product = int(rng.integers(20))
            base = 5.0 + product
            price = base * (0.8 if promo[d] else 1.0)
            units = max(1, int(round(rng.lognormal(np.log(20 * (price / base) ** elasticity), 0.1))))
            rows.append((f"{d}-{o}", f"c{o}", f"p{product}", units, price, day + pd.Timedelta(hours=12)))
    return pd.DataFrame(rows, columns=["order_id", "customer_id", "product_id", "quantity", "unit_price",
                                       "timestamp"])


@pytest.fixture(scope="module")
def planted():
    return _planted_log(elasticity=-1.5, lift=1.4)


def test_discount_days_are_found_in_the_prices(planted):
    days = PR.discount_days(planted)
    assert int(days["discount_day"].sum()) == 30
    assert days.loc[days["discount_day"], "discount"].mean() == pytest.approx(0.2, abs=1e-9)


def test_lift_and_elasticity_recover_the_planted_values(planted):
    days = PR.discount_days(planted)
    orders = planted.groupby(planted["timestamp"].dt.normalize())["order_id"].nunique()
    lift = PR.promotion_lift(orders.asfreq("D", fill_value=0), days["discount_day"])
    assert lift.low < 1.4 < lift.high and lift.lift == pytest.approx(1.4, rel=0.08)
    el = PR.price_elasticity(planted)
    assert el.elasticity == pytest.approx(-1.5, abs=0.1)


def _statsmodels_elasticity(tx):
    """The regression as statsmodels states it (the formulation the chapter used before ols_hc1)."""
    import statsmodels.api as sm

    g = pd.DataFrame({"product": tx["product_id"].astype(str), "q": tx["quantity"].astype(float),
                      "p": tx["unit_price"].astype(float), "dow": pd.to_datetime(tx["timestamp"]).dt.day_of_week})
    g = g[(g["q"] > 0) & (g["p"] > 0)]
    g["lq"], g["lp"] = np.log(g["q"]), np.log(g["p"])
    for c in ("lq", "lp"):
        g[c] = g[c] - g.groupby("product")[c].transform("mean")
    X = pd.get_dummies(g["dow"], prefix="dow", drop_first=True, dtype=float)
    X = X - X.groupby(g["product"]).transform("mean")
    X["log_price"] = g["lp"]
    fit = sm.OLS(g["lq"], X).fit(cov_type="HC1")
    return float(fit.params["log_price"]), float(fit.bse["log_price"]), len(g)


def test_elasticity_equals_statsmodels_hc1_whatever_the_block_size(planted, monkeypatch):
    # a few negative and zero lines (left out) and a log without Sundays: the dummies follow the weekdays seen
    tx = planted[planted["timestamp"].dt.day_of_week != 6].copy()
    tx.loc[tx.index[:7], "quantity"] = [-1, 0, -3, 0, -2, -1, 0]
    beta, se, rows = _statsmodels_elasticity(tx)
    el = PR.price_elasticity(tx)
    assert (el.elasticity, el.se, el.rows) == (pytest.approx(beta, rel=1e-9), pytest.approx(se, rel=1e-9), rows)
    monkeypatch.setattr(PR, "BLOCK", 997)  # the sandwich summed over many blocks, the last one short
    small = PR.price_elasticity(tx)
    assert small.elasticity == pytest.approx(beta, rel=1e-9) and small.se == pytest.approx(se, rel=1e-9)
    assert el.products == tx["product_id"].nunique()


def test_no_price_change_means_no_elasticity(planted):
    flat = planted.assign(unit_price=10.0)
    assert np.isnan(PR.price_elasticity(flat).elasticity)
    assert PR.promotion_lift(pd.Series([5.0] * 30, index=pd.date_range("2023-01-01", periods=30)),
                             pd.Series(False, index=pd.date_range("2023-01-01", periods=30))).days == 0


def test_promotion_flags_on_days_and_weeks(planted):
    days = pd.date_range("2023-01-01", periods=365, freq="D")
    flags = PR.promotion_flags(planted, days)
    assert flags.sum() == 30 and flags[60] and not flags[59]
    weeks = pd.date_range("2023-01-07", periods=52, freq="7D")  # weeks ending on these days
    weekly = PR.promotion_flags(planted, weeks, "W")
    assert weekly.sum() >= 30 / 7 and weekly.sum() <= 9
    assert weekly[int((60 - 6) // 7)] or weekly[int((60 - 6) // 7) + 1]
