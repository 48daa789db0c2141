"""The random-split comparison on equal terms, the empirical newsvendor, the price-break caveat of the
elasticity, the known-in-advance finding and the peak-day tolerance, each way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold, cross_val_predict

from analysis.chapters.forecast import findings as F
from analysis.forecast import models as FM
from analysis.forecast import price as PR
from analysis.chapters.forecast import steps as ST
from analysis.forecast.inventory import newsvendor_empirical


def _task(n: int = 140, season: int = 7) -> FM.Task:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    y = 100 + 0.5 * t + 20 * (t % season == 5) + rng.normal(0, 5, n)
    dates = pd.date_range("2024-01-01", periods=n, freq="D")
    return FM.Task(y=y, dates=dates, closed=np.zeros(n, bool), promo=np.zeros(n, bool), season=season)


def test_both_splits_fit_the_same_model_on_the_same_features_and_score_the_same_steps():
    task, h, k = _task(), 7, 3
    glue = ST.random_split_step(task, h, k, ST.Measure("revenue", "revenue", "GBP"), seed=0).glue
    X, y = ST.split_features(task), task.y
    test = np.arange(len(y) - h * k, len(y))
    assert glue["split_steps"] == len(test) == h * k
    shuffled = cross_val_predict(HistGradientBoostingRegressor(max_iter=100, random_state=0), X, y,
                                 cv=KFold(5, shuffle=True, random_state=0))[test]
    assert glue["random_mae"] == pytest.approx(np.mean(np.abs(y[test] - shuffled)))
    rolling = []
    for origin in range(len(y) - h * k, len(y), h):  # fitted on the steps before each origin only
        fit = HistGradientBoostingRegressor(max_iter=100, random_state=0).fit(X[:origin], y[:origin])
        rolling.append(fit.predict(X[origin:origin + h]))
    assert glue["honest_mae"] == pytest.approx(np.mean(np.abs(y[test] - np.concatenate(rolling))))
    assert glue["random_mae"] < glue["honest_mae"]  # a trend the shuffled split interpolates, origins cannot
    assert glue["random_mae_money"].startswith("£")


def test_newsvendor_adds_the_empirical_quantile_of_past_error_sums():
    errors = np.array([-30.0, -10.0, 0.0, 10.0, 20.0, 40.0, 50.0, 60.0, 70.0, 90.0])
    ratio, q = newsvendor_empirical(100.0, errors, 3.0, 1.0)  # ratio 0.75: the 8th of 10 sorted errors
    assert ratio == pytest.approx(0.75) and q == pytest.approx(160.0)
    ratio, q = newsvendor_empirical(100.0, errors, 1.0, 3.0)  # ratio 0.25: the 3rd
    assert q == pytest.approx(100.0)
    assert newsvendor_empirical(5.0, [-50.0], 1.0, 1.0)[1] == 0.0  # never below zero
    assert newsvendor_empirical(5.0, [], 1.0, 1.0)[1] == 5.0  # without past errors, the mean


def _lines(prices_follow_quantity: bool) -> pd.DataFrame:
    rows = []
    rng = np.random.default_rng(1)
    for d, day in enumerate(pd.date_range("2024-01-01", periods=30, freq="D")):
        day_price = 10.0 * (0.8 if d % 5 == 0 else 1.0)
        for k in range(6):
            q = int(rng.integers(1, 50))
            price = day_price * (0.7 if q >= 24 else 1.0) if prices_follow_quantity else day_price
            rows.append({"product_id": "p1", "quantity": q, "unit_price": price,
                         "timestamp": day + pd.Timedelta(hours=9 + k)})
    return pd.DataFrame(rows)


def test_quantity_pricing_is_the_correlation_within_product_days_as_pandas_groups_it():
    one = _lines(True)
    other = one.assign(product_id="p2", quantity=one["quantity"].to_numpy()[::-1], unit_price=one["unit_price"] * 2)
    tx = pd.concat([one, other.iloc[::2], one.iloc[:5].assign(quantity=0)], ignore_index=True)  # zeros left out
    day = pd.to_datetime(tx["timestamp"]).dt.normalize()
    g = pd.DataFrame({"prod": tx["product_id"].astype(str), "day": day, "q": tx["quantity"].astype(float),
                      "p": tx["unit_price"].astype(float)})
    g = g[(g["q"] > 0) & (g["p"] > 0)]
    lq, lp = np.log(g["q"]), np.log(g["p"])
    lq = lq - lq.groupby([g["prod"], g["day"]]).transform("mean")
    lp = lp - lp.groupby([g["prod"], g["day"]]).transform("mean")
    assert PR.quantity_pricing(tx) == pytest.approx(float(np.corrcoef(lp, lq)[0, 1]), rel=1e-12)


def test_quantity_pricing_sees_price_breaks_and_not_day_level_prices():
    assert PR.quantity_pricing(_lines(True)) <= F.QUANTITY_PRICING
    assert np.isnan(PR.quantity_pricing(_lines(False)))  # one price per product and day


def test_elasticity_finding_carries_the_price_break_caveat_only_when_prices_follow_quantity():
    causal = F.elasticity(-1.5, 0.1, float("nan"))
    assert "elastic: units fall more than prices rise" in causal and "price breaks" not in causal
    assert "price breaks" not in F.elasticity(-1.5, 0.1, F.QUANTITY_PRICING + 0.05)
    caveat = F.elasticity(-1.5, 0.1, F.QUANTITY_PRICING - 0.05)
    assert "price breaks" in caveat and "not how buyers respond" in caveat and "elastic:" not in caveat
    assert "price breaks" in F.elasticity(-0.1, 0.2, -0.5) and "not clearly below zero" in F.elasticity(-0.1, 0.2, -0.5)


def test_known_in_advance_finding_each_way():
    assert "lower mase" in F.known_in_advance("calendar regression", 0.8, "SARIMA", 1.0, True).lower()
    blind = F.known_in_advance("calendar regression", 1.02, "SARIMA", 0.958, True)
    assert "time-series model had the lower" in blind and "promotion flags" not in blind
    assert "tie on mase" in F.known_in_advance("calendar regression", 1.0, "SARIMA", 1 + F.TIE / 2, True).lower()
    assert "tie on mase" in F.known_in_advance("calendar regression", 1 + F.TIE / 2, "SARIMA", 1.0, True).lower()
    assert "tie" not in F.known_in_advance("calendar regression", 1.0, "SARIMA", 1 + 2 * F.TIE, True)
    assert "could not" in F.known_in_advance("", float("nan"), "", float("nan"), False)
    # promotions are named only when discount days were found
    assert "promotions" in F.known_in_advance("calendar regression", 1.0, "SARIMA", 0.9, True)
    assert "promotions" not in F.known_in_advance("calendar regression", 1.0, "SARIMA", 0.9, False)
    scores = pd.DataFrame({"mase": {"calendar regression": 1.02, "gradient boosting": 1.1, "SARIMA": 0.958,
                                    "ETS": 1.0, "Theta": 1.05, "seasonal naive": 1.3}})
    assert F.known_in_advance(*ST._known_in_advance(scores, False)) == F.known_in_advance(
        "calendar regression", 1.02, "SARIMA", 0.958, False)


def test_known_in_advance_caveat_and_summary_are_not_said_twice():
    # the takeaway's general caveat is left out when the finding says it (the time-series model lower) ...
    blind = F.known_in_advance_takeaway("calendar regression", 1.0, "SARIMA", 1 - 2 * F.TIE, False)
    assert "calendar alone" not in blind and blind.count("calendar itself is worth") == 1
    # ... and kept, once, before the finding otherwise (a tie, or the calendar model lower)
    for seeing in (1.0, 1 - 2 * F.TIE):
        both = F.known_in_advance_takeaway("calendar regression", seeing, "SARIMA", 1.0, False)
        assert both.startswith(F.KNOWN_CAVEAT) and "calendar itself" not in both
    # the summary drops the finding when the best-model finding already states the same tie ...
    args = ("calendar regression", 1 + F.TIE / 2, "SARIMA", 1.0, False)
    assert F.known_in_advance_summary(*args, best="SARIMA", runner_up="calendar regression",
                                      runner_up_mase=1 + F.TIE / 2, best_mase=1.0) == ""
    # ... and keeps it when the tie is with another model, or there is no tie
    assert F.known_in_advance_summary(*args, best="SARIMA", runner_up="ETS", runner_up_mase=1 + F.TIE / 2,
                                      best_mase=1.0) == F.known_in_advance(*args)
    far = ("calendar regression", 1 + 2 * F.TIE, "SARIMA", 1.0, False)
    assert F.known_in_advance_summary(*far, best="SARIMA", runner_up="calendar regression",
                                      runner_up_mase=1 + 2 * F.TIE, best_mase=1.0) == F.known_in_advance(*far)


def test_fixed_forms_each_way():
    low = F.fixed_forms("ETS(A,Ad,A)", 0.9, 1.0, "SARIMA", 0.95)
    assert "lower than the AIC-picked ETS (1)" in low and "lower than SARIMA" in low and "0.900" in low
    mid = F.fixed_forms("ETS(A,Ad,A)", 0.9, 1.0, "SARIMA", 0.8)
    assert "lower than the AIC-picked ETS" in mid and "higher than SARIMA" in mid
    high = F.fixed_forms("ETS(A,Ad,A)", 1.1, 1.0, "ETS", 1.0)
    assert "higher than the AIC-picked ETS" in high and "best model" not in high  # ETS is the best: said once
    tie = F.fixed_forms("ETS(A,Ad,A)", 1.0, 1 + F.TIE / 2, "SARIMA", 1 + 2 * F.TIE)
    assert "within 3% of the AIC-picked ETS" in tie and "lower than SARIMA" in tie
    assert "could not" in F.fixed_forms("ETS(A,N,A)", float("nan"), 1.0, "SARIMA", 1.0)


def test_holdout_finding_each_way():
    same = F.holdout(168, 168, 700, 14, 190)
    assert "the same days as the test windows" in same and "shorter" not in same
    capped = F.holdout(154, 168, 309, 14, 179)
    assert "154 trading days (179 calendar days), shorter than the 168 trading days" in capped
    assert "capped at half the series (154 of its 309" in capped and "11 whole revisions" in capped
    cut = F.holdout(154, 160, 700, 14, 190)
    assert "capped" not in cut and "cut to whole revisions of replan_days (14 trading days each)" in cut
    both = F.holdout(140, 168, 300, 14, 170)
    assert "capped at half the series (150 of its 300" in both and "cut to whole revisions" in both
    raised = F.holdout(14, 40, 20, 14, 20)
    assert "raised to one whole revision" in raised
    assert "(112 weeks)" in F.holdout(504, 672, 4000, 14, 600, 112)


def test_one_money_format_in_a_sentence():
    assert ST.money_pair([976.67, 1125.2], "EUR") == ["€977", "€1,125"]
    assert ST.money_pair([422.11, 3028.0], "EUR") == ["€422", "€3,028"]
    assert ST.money_pair([42.5, 99.0], "EUR") == ["€42.50", "€99.00"]
    assert ST.money_pair([float("nan"), 5.0])[1] == "5.00"


def test_peak_day_is_judged_in_days_around_the_year():
    assert "Within 30 days of the planted day: yearly peak" in F.truth({}, {"yearly peak": (319.0, 340.0)})
    assert "not recovered: yearly peak" in F.truth({}, {"yearly peak": (280.0, 340.0)})
    assert "not recovered" not in F.truth({}, {"yearly peak": (5.0, 360.0)})  # across the new year
    assert "not on the built-in shop" in F.truth({}, {})
    # the sentence about the truth tables follows whether the data have planted values
    assert "planted values" in F.truth_tables(True) and "only a note" in F.truth_tables(False)
    assert "planted values" not in F.truth_tables(False)
