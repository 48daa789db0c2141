"""The Forecasting chapter through papermill with tiny parameters: glued numbers against the package,
worded findings against the glued numbers, the exercises against independent computations, the
analyst's CSV, and the same parameters giving the same glued values."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from analysis.data import load_data
from analysis.evaluate import forecast as M
from analysis.chapters.forecast import findings as F
from analysis.forecast import models as FM
from analysis.forecast import price as PR
from analysis.forecast.backtest import backtest
from analysis.forecast.inventory import normal_safety_stock
from analysis.chapters.forecast.params import ForecastParams
from analysis.forecast.series import sales_series

pytestmark = pytest.mark.notebooks
NOTEBOOK = "04_forecast.ipynb"
TINY = {"shop_customers": 600, "seed": 2, "horizon": 7, "n_origins": 2, "top_products": 3}
P = ForecastParams(**TINY)


@pytest.fixture(scope="module")
def tx():
    table, _ = load_data(P)
    return table


@pytest.fixture(scope="module")
def series(tx):
    return sales_series(tx, P.frequency, P.season_length)


def test_series_and_scores_match_the_package(glued, series, tx):
    assert int(glued["n_steps"]) == len(series) and int(glued["season"]) == series.season_length
    assert float(glued["total_revenue"]) == pytest.approx(series.table["revenue"].sum())
    task = FM.task_of(series, promo=PR.promotion_flags(tx, series.table.index))
    bt = backtest(task, P.horizon, P.n_origins, P.interval_levels,
                  models={"seasonal naive": FM.SeasonalNaive(), glued["best_model"]: FM.MODELS[glued["best_model"]]()})
    assert float(glued["naive_mase"]) == pytest.approx(bt.scores.loc["seasonal naive", "mase"])
    assert float(glued["best_mase"]) == pytest.approx(bt.scores.loc[glued["best_model"], "mase"])
    assert float(glued["cov_80"]) == pytest.approx(bt.scores.loc[glued["best_model"], "coverage_80"])
    assert float(glued["cov_95"]) == pytest.approx(bt.scores.loc[glued["best_model"], "coverage_95"])
    assert int(glued["n_models"]) == len(FM.MODELS)


def test_price_numbers_match_the_package(glued, tx, series):
    days = PR.discount_days(tx)
    lift = PR.promotion_lift(series.table["orders"], days["discount_day"])
    assert int(glued["discount_days"]) == lift.days
    assert float(glued["lift"]) == pytest.approx(lift.lift)
    assert float(glued["elasticity"]) == pytest.approx(PR.price_elasticity(tx).elasticity)
    pricing = PR.quantity_pricing(tx)
    assert np.isnan(float(glued["quantity_pricing"])) == np.isnan(pricing)
    assert glued["elasticity_finding"] == F.elasticity(float(glued["elasticity"]), float(glued["elasticity_se"]),
                                                       pricing)


def test_worded_findings_follow_the_glued_numbers(glued):
    assert glued["best_finding"] == F.best_model(glued["best_model"], float(glued["best_mase"]), glued["baseline"],
                                                 float(glued["baseline_mase"]), glued["runner_up"],
                                                 float(glued["runner_up_mase"]))
    assert glued["baseline"] in ("mean", "naive", "seasonal naive", "drift")
    assert glued["split_finding"] == F.random_split(float(glued["random_mae"]), float(glued["honest_mae"]))
    tied = tuple(glued["aic_tied"].split(", ")) if glued["aic_tied"] else ()
    assert glued["aic_finding"] == F.aic_vs_error(glued["aic_choice"], glued["error_choice"], tied,
                                                  int(glued["aic_forms"]))
    assert glued["fixed_finding"] == F.fixed_forms(glued["error_choice"], float(glued["fixed_form_mase"]),
                                                   float(glued["picked_ets_mase"]), glued["best_model"],
                                                   float(glued["best_mase"]))
    assert glued["lift_finding"] == F.lift(float(glued["lift"]), float(glued["lift_low"]),
                                           float(glued["lift_high"]), int(glued["discount_days"]))
    assert glued["stock_finding"] == F.stock(float(glued["csl"]), P.service_level, float(glued["fill_rate"]),
                                             int(glued["cycles"]))
    assert glued["product_method"].lower() in glued["product_method_finding"].lower()  # chosen by MASE, named
    assert float(glued["product_method_mase"]) <= float(glued["product_regression_mase"])
    assert glued["rules_sentence"] == F.rules()
    assert "Within" in glued["truth_finding"]  # the shop has a truth to compare with
    assert glued["truth_tables"] == F.truth_tables(True)
    assert glued["known_takeaway"].endswith(glued["known_finding"])  # the caveat, if any, is said once
    assert glued["known_summary"] in ("", glued["known_finding"])
    assert int(glued["split_steps"]) == P.n_origins * P.horizon  # both splits scored on the same steps
    assert glued["nv_product"] in glued["nv_product_name"]  # the newsvendor's product is named
    assert glued["known_finding"].startswith("Here")
    for name in F.SUMMARY:
        assert glued[name] in glued["run_summary"]


def test_the_analysts_csv(glued, run_dir):
    csv = pd.read_csv(run_dir / "forecast_products.csv")
    assert len(csv) == int(glued["n_top"]) == TINY["top_products"]
    for column in ("product_id", "forecast", "lower", "upper", "safety_stock", "reorder_point", "order_up_to"):
        assert column in csv.columns
    # an empirical interval: it need not contain a biased forecast, but it is ordered and not below zero
    assert (0 <= csv["lower"]).all() and (csv["lower"] <= csv["upper"]).all()
    assert int(glued["holdout_steps"]) % P.replan_days == 0  # whole revisions, all simulated
    assert int(glued["holdout_calendar_days"]) >= int(glued["holdout_steps"])
    assert glued["holdout_finding"] == F.holdout(int(glued["holdout_steps"]), P.n_origins * P.horizon,
                                                 int(glued["n_steps"]), P.replan_days,
                                                 int(glued["holdout_calendar_days"]))


def test_the_weeks_ahead_start_the_day_after_the_last_complete_day(glued, run_dir, series):
    first = series.days[-1] + pd.Timedelta(days=1)
    assert glued["ahead_first"] == first.date().isoformat() == glued["week_first"]
    assert int(glued["ahead_steps"]) == P.horizon and glued["ahead_first"] in glued["ahead_finding"]
    daily = pd.read_csv(run_dir / "forecast_daily.csv")
    assert daily["date"].min() == glued["ahead_first"] and daily["product_id"].nunique() == TINY["top_products"]
    assert len(daily) == int(glued["daily_rows"]) and (daily["unit"] == "units").all()
    assert (daily.loc[daily["closed"], ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]] == 0).all().all()
    assert (daily["lower_80"] <= daily["upper_80"]).all() and (daily["lower_95"] <= daily["lower_80"] + 1e-9).all()
    products = pd.read_csv(run_dir / "forecast_products.csv")
    for column in ("unit", "first_date", "open_days", "run_rate", "last_year", "achieved_csl", "target_csl", "flags"):
        assert column in products.columns
    assert (products["first_date"] == glued["ahead_first"]).all()
    for name in ("ahead_finding", "closures_finding", "correction_finding", "plan_finding"):
        assert glued[name] in glued["run_summary"]


def test_every_exercise_answer_against_an_independent_computation(glued, series, run_dir, tx):
    open_days = series.table[~series.table["closed"]]
    by_day = open_days["revenue"].groupby(open_days.index.day_of_week).mean() / open_days["revenue"].mean()
    assert float(glued["ex4_1"]) == pytest.approx(by_day.max())
    y, m, h = series.table["revenue"].to_numpy(), series.season_length, P.horizon
    train, test = y[:-h], y[-h:]
    naive = np.array([train[-m + (i % m)] for i in range(h)])
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    assert float(glued["ex4_2"]) == pytest.approx(np.mean(np.abs(test - naive)) / scale)
    assert float(glued["ex4_2"]) == pytest.approx(M.mase(test, naive, train, m))
    assert glued["ex4_3_sentence"] == F.horizon_growth(float(glued["ex4_3"]))
    first = pd.read_csv(run_dir / "forecast_products.csv").iloc[0]
    textbook = normal_safety_stock(float(first["error_rms"]), P.lead_time_days, P.service_level)
    assert float(glued["ex4_4"]) == pytest.approx(textbook / float(first["safety_stock_errors"]))
    assert glued["ex4_4_sentence"] == F.normal_vs_empirical(float(glued["ex4_4"]), float(first["error_lag1"]))
    # 4.5: the first product's plan over its run rate, from the raw lines on the series' calendar
    units = tx[tx["product_id"].astype(str) == str(first["product_id"])].groupby(
        pd.to_datetime(tx["timestamp"]).dt.normalize())["quantity"].sum()
    table = series.table
    recent = table[(table.index > table.index[-1] - pd.Timedelta(days=28)) & ~table["closed"]]
    rate = units.reindex(recent.index, fill_value=0).mean() * int(first["open_days"])
    assert float(glued["ex4_5"]) == pytest.approx(float(first["forecast"]) / rate)
    assert glued["ex4_5_sentence"] == F.plan_vs_run_rate(float(glued["ex4_5"]))
    strength = float(glued["seasonal_strength"])
    assert F.strength_word(strength) in glued["ex4_1_sentence"] and F.strength_word(strength) in glued[
        "strength_finding"]


def test_same_parameters_glue_the_same_values(glued, tmp_path):
    from tests.notebooks.conftest import same_again

    same_again(NOTEBOOK, TINY, glued, tmp_path)


def test_glued_values_match_the_recorded_fingerprint(glued):
    from tests.notebooks.fingerprint import check

    check("forecast", glued)


def test_every_comparative_finding_rests_on_a_checked_claim(glued, run_dir):
    from tests.claims_audit import audit

    audit(run_dir, "forecast", glued)
