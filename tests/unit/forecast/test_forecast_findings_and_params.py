"""Each worded finding of the Forecasting chapter each way, and the chapter's parameters and needs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.chapters._base import Facts
from analysis.chapters.forecast import findings as _F


class _Lower:
    """The findings module with every sentence in lower case, so that tests match words, not capitals."""

    def __getattr__(self, name):
        value = getattr(_F, name)
        return (lambda *a, **k: value(*a, **k).lower()) if callable(value) else value


F = _Lower()
from analysis.forecast.backtest import N_CALIBRATION
from analysis.chapters.forecast.params import CALIBRATION_ORIGINS, ForecastParams, enough_history, steps_needed


def test_calendar_finding_each_way():
    text = F.calendar({"Saturday": (1, 53)}, 16, pd.Timestamp("2011-12-09"), "D", 6)
    assert "does not trade on saturdays (sales on 1 of the 53 saturdays in the data), so those days are left out" in text.lower()
    assert "cut off early" in text
    text = F.calendar({}, 0, None, "D", 7)
    assert "every day of the week" in text and "no closures" in text and "complete" in text
    assert "weekly series with a season of 52 weeks" in F.calendar({}, 0, None, "W", 52)
    assert "without a season" in F.calendar({}, 0, None, "W", 1)


def test_best_model_finding_each_way():
    text = F.best_model("ETS", 0.80, "drift", 1.0)
    assert "lowest mase" in text and "lower than the best baseline's (drift" in text and "tie" not in text
    assert "no model beat" in F.best_model("ETS", 1.0 - F.BEATS / 2, "drift", 1.0)  # within the tie rule
    assert F.BEATS == F.TIE  # "beats" is said only beyond the one tie rule for errors
    assert "lowest mase" in F.best_model("ETS", 1.0 - 2 * F.TIE, "drift", 1.0).lower()
    assert "by more than 3%" in F.best_model("ETS", 0.99, "drift", 1.0)
    assert "no model beat" in F.best_model("seasonal naive", 1.0, "seasonal naive", 1.0)
    # a runner-up within TIE of the lowest MASE is a tie; beyond it, not
    assert "a tie" in F.best_model("SARIMA", 1.0, "drift", 1.2, "calendar regression", 1 + F.TIE / 2)
    assert "tie" not in F.best_model("SARIMA", 1.0, "drift", 1.2, "calendar regression", 1 + 2 * F.TIE)
    assert "a tie" in F.best_model("SARIMA", 1.0, "drift", 1.02, "ETS", 1 + F.TIE / 2)


def test_random_split_finding_each_way():
    assert "flatters" in F.random_split(80.0, 100.0)
    assert "not lower" in F.random_split(110.0, 100.0)
    assert "a tie on this measure" in F.random_split(100.0 * (1 - F.TIE / 2), 100.0)
    assert "flatters" not in F.random_split(100.0 * (1 - F.TIE / 2), 100.0)
    assert "zero" in F.random_split(1.0, 0.0)


def test_aic_and_coverage_findings_each_way():
    assert "agree" in F.aic_vs_error("ETS(A,N,A)", "ETS(A,N,A)")
    tied = F.aic_vs_error("ETS(M,N,M)", "ETS(M,N,M)", ("ETS(M,Ad,M)",))
    assert "agree" in tied and "ets(m,ad,m) within" in tied and "a tie" in tied
    assert "tie" not in F.aic_vs_error("ETS(M,N,M)", "ETS(M,N,M)", ())
    # ties: within TIE of the lowest MASE, each way
    mases = {"a": 1.0, "b": 1 + F.TIE / 2, "c": 1 + 2 * F.TIE, "d": float("nan")}
    assert _F.tied(mases) == ("b",) and _F.tied({"a": 1.0}) == () and _F.tied({"a": 0.0, "b": 0.0}) == ()
    assert "but the rolling-origin error picks" in F.aic_vs_error("ETS(A,N,A)", "ETS(M,N,M)")
    # every form within TIE: the error picks none; one short of all: still the usual wording
    every = F.aic_vs_error("ETS(M,N,M)", "ETS(M,N,M)", ("b", "c", "d"), 4)
    assert "picks none" in every and "all 4 forms" in every and "agree" not in every
    assert "agree" in F.aic_vs_error("ETS(M,N,M)", "ETS(M,N,M)", ("b", "c"), 4)
    # AIC's form ties with the error's: no disagreement to explain
    tie = F.aic_vs_error("ETS(M,N,M)", "ETS(A,Ad,A)", ("ETS(M,N,M)",), 4)
    assert "the two choices tie" in tie and "likelihood rewards" not in tie
    assert "about right" in F.coverage("m", 0.8, 0.8 + F.COVERAGE_TOLERANCE / 2, float("nan"))
    assert "too wide" in F.coverage("m", 0.8, 0.8 + 2 * F.COVERAGE_TOLERANCE, 0.8)
    assert "too narrow" in F.coverage("m", 0.8, 0.8 - 2 * F.COVERAGE_TOLERANCE, 0.8)
    assert "not available" in F.coverage("m", 0.8, 0.8, float("nan"))


def test_price_findings_each_way():
    assert "more orders" in F.lift(1.3, 1.2, 1.4, 40)
    assert "fewer" in F.lift(0.9, 0.8, 1.0, 40)
    assert "no discount days found" in F.lift(float("nan"), float("nan"), float("nan"), 0)
    assert "too few" in F.lift(float("nan"), float("nan"), float("nan"), 2)
    assert "elastic" in F.elasticity(-1.5, 0.1)
    assert "units fall as prices rise" in F.elasticity(-0.5, 0.1)
    assert "not clearly below zero" in F.elasticity(-0.1, 0.2)
    assert "no price elasticity" in F.elasticity(float("nan"), float("nan"))


def test_stock_findings_each_way():
    assert "meets the target, within 2.0 percentage points" in F.stock(0.95 + F.CSL_TOLERANCE / 2, 0.95, 0.99, 50)
    assert "meets the target" in F.stock(0.95 - F.CSL_TOLERANCE, 0.95, 0.99, 50)  # the edge is inside
    assert "above the target by more than 2.0" in F.stock(0.95 + 2 * F.CSL_TOLERANCE, 0.95, 0.99, 50)
    assert "above the target" in F.stock(0.99, 0.95, 0.99, 50)
    assert "falls short" in F.stock(0.85, 0.95, 0.9, 50)
    assert "no replenishment cycle" in F.stock(float("nan"), 0.95, 1.0, 0)
    assert "more than the mean" in F.newsvendor(0.77, 120, 100)
    assert "no more than the mean" in F.newsvendor(0.4, 90, 100)
    # the reason follows the critical ratio against one half, not the order against the mean
    assert "a unit short costs more" in F.newsvendor(0.77, 95, 100)  # skewed errors: above the median, below the mean
    assert "a unit left over costs more" in F.newsvendor(0.4, 105, 100)
    assert "as much as" in F.newsvendor(0.5, 100, 100)


def test_truth_and_exercise_findings_each_way():
    assert "not on the built-in shop" in F.truth({})
    text = F.truth({"lift": (1.25, 1.3), "elasticity": (-0.5, -1.0)})
    assert "lift" in text.split("not recovered")[0] and "not recovered: elasticity" in text
    sunday = F.busiest_position("Sun", 1.3, "D", 6, 0.27)
    assert "sundays" in sunday and "30.0% above" in sunday and "a weak weekly pattern" in sunday  # a big peak
    assert "strong weekly" in F.busiest_position("Sun", 1.05, "D", 6, 0.8)  # the word follows the strength
    weekly = F.busiest_position("3", 1.3, "W", 52, 0.5)
    assert "position 3 of the 52-week season sells" in weekly and "moderate yearly" in weekly and "weekly" not in weekly
    assert "pattern" not in F.busiest_position("3", 1.05, "W", 52)  # no strength given: no word
    assert [F.strength_word(v) for v in (0.0, 0.39, 0.4, 0.69, 0.7, 1.0)] == [
        "weak", "weak", "moderate", "moderate", "strong", "strong"]
    text = F.strengths(0.27, 0.75)
    assert "the season is weak (0.27) and the trend strong (0.75)" in text and "weak below 0.4" in text
    assert "no season" in F.busiest_position("0", 1.0, "W", 1) and "most" not in F.busiest_position("0", 1.0, "W", 1)
    assert "worse" in F.naive_at_last_origin(1.2) and "better" in F.naive_at_last_origin(0.9)
    assert "a tie" in F.naive_at_last_origin(1.0 + F.TIE / 2) and "worse" not in F.naive_at_last_origin(1.01)
    assert F.GROWTH == F.TIE and "hardly grow" in F.horizon_growth(1 + F.TIE / 2)
    assert "a tie" in F.normal_vs_empirical(1.0 + F.TIE / 2) and "more stock" not in F.normal_vs_empirical(1.01)
    assert "larger at the end" in F.horizon_growth(1 + 2 * F.GROWTH)
    assert "hardly grow" in F.horizon_growth(1.0)
    assert "less stock" in F.normal_vs_empirical(0.7) and "more stock" in F.normal_vs_empirical(1.3)
    # day-to-day correlation is named as the cause only when the errors' lag-1 autocorrelation shows it
    assert "correlated from day to day" in F.normal_vs_empirical(0.7, F.CORRELATED + 0.1)
    assert "not clearly correlated" in F.normal_vs_empirical(0.7, F.CORRELATED - 0.1)
    assert "bias or skew" in F.normal_vs_empirical(0.7)
    assert "undefined" in F.normal_vs_empirical(math.nan)


@pytest.mark.parametrize(
    "change, words",
    [({"interval_levels": [0.95, 0.8]}, "increasing"), ({"interval_levels": [0.8, 1.0]}, "between 0 and 1"),
     ({"lead_time_days": 20}, "replan_days"), ({"horizon": 0}, "horizon")],
)
def test_bad_parameters_are_refused(change, words):
    with pytest.raises(ValueError, match=words):
        ForecastParams(**change)


def test_history_need_names_the_shortfall_and_the_fix():
    assert CALIBRATION_ORIGINS == N_CALIBRATION
    p = ForecastParams()
    need = enough_history()
    facts = Facts(source="x", customers=10, repeat_customers=5, days=100, first_date="2024-01-01",
                  last_date="2024-04-09")
    short = need.check(p, facts)
    assert short is not None and short.parameter == "n_origins"
    assert f"{steps_needed(p):,}" in short.problem and "shorter horizon" in short.fix
    long = Facts(source="x", customers=10, repeat_customers=5, days=steps_needed(p), first_date="2023-01-01",
                 last_date="2024-12-31")
    assert need.check(p, long) is None


def test_a_file_of_ratings_is_refused_with_a_fix_and_a_purchase_log_without_prices_is_accepted():
    from analysis.chapters.forecast.params import sales_not_ratings

    ratings = pd.DataFrame({"order_id": ["a"], "customer_id": ["c"], "product_id": ["p"], "quantity": [1.0],
                            "unit_price": [float("nan")], "timestamp": [pd.Timestamp("2024-01-01")],
                            "rating": [3]})
    facts = Facts(source="u.data", customers=1, repeat_customers=0, days=1, first_date="2024-01-01",
                  last_date="2024-01-01", table=ratings)
    short = sales_not_ratings().check(ForecastParams(), facts)
    assert short is not None and "ratings" in short.problem and "no unit prices" in short.problem
    assert "not a file of ratings" in short.fix and "unit_price" not in short.problem
    assert short.rows == ("customer_id c, product_id p, rating 3, timestamp 2024-01-01 00:00:00",)  # rows, not columns
    sales = facts.table.assign(unit_price=2.5)
    assert sales_not_ratings().check(ForecastParams(), Facts(**{**facts.__dict__, "table": sales})) is None
    purchases = facts.table.drop(columns="rating")  # a purchase log whose mapping leaves out unit_price
    accepted = Facts(**{**facts.__dict__, "table": purchases})
    assert not accepted.has_money and sales_not_ratings().check(ForecastParams(), accepted) is None
    clicks = purchases.drop(columns="unit_price")  # no price column at all: interactions, not sales
    short = sales_not_ratings().check(ForecastParams(), Facts(**{**facts.__dict__, "table": clicks}))
    assert short is not None and "interactions (ratings or clicks)" in short.problem


def test_the_stock_sections_history_is_checked_before_anything_runs():
    """n_origins = 2 and horizon = 7 pass the evaluation's need on 81 trading days, but the stock section
    replans every 14 days after 4 calibration windows: refused by the needs, with a replan_days that fits."""
    from analysis.chapters import chapter_params, check_needs
    from analysis.chapters.forecast.params import _stock_need
    from analysis.data import load_data
    from analysis.errors import DataError
    from analysis.forecast.series import sales_series

    P = chapter_params("forecast", {"shop_customers": 300, "seed": 1, "n_origins": 2, "horizon": 7})
    table, report = load_data(P)
    short = table[table["timestamp"] >= table["timestamp"].max() - pd.Timedelta(days=80)]
    with pytest.raises(DataError, match="the stock section replans every 14 days") as err:
        check_needs("forecast", P, report, short)
    assert err.value.parameter == "replan_days" and "set replan_days to 13 or fewer" in err.value.fix
    fixed = P.model_copy(update={"replan_days": 13})
    check_needs("forecast", fixed, report, short)  # the suggested fix is accepted
    daily = sales_series(short, "D")
    assert _stock_need(fixed, daily) <= len(daily) < _stock_need(P, daily)


def test_movielens_ratings_are_refused_by_the_needs_and_a_purchase_log_without_prices_is_not(movielens, tmp_path):
    """Through the loader and the needs, as the runner checks them: the MovieLens ratings file is refused with
    the ratings message; the same customers and films as a purchase log (no rating, no price) are accepted."""
    from analysis.book.runner import load_chapter_data
    from analysis.chapters import check_needs, get_chapter
    from analysis.errors import DataError

    chapter = get_chapter("forecast")
    checked = chapter.params(data=str(movielens))
    table, report = load_chapter_data(checked, chapter)
    with pytest.raises(DataError, match="The file holds ratings of products by customers, not sales") as err:
        check_needs(chapter, checked, report, table)
    assert "not a file of ratings" in err.value.fix
    log = pd.read_csv(movielens, sep="\t", names=["user", "item", "rating", "ts"]).head(20_000)
    log["day"] = pd.to_datetime(log["ts"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")
    log[["user", "item", "day"]].to_csv(tmp_path / "purchases.csv", index=False)
    purchases = chapter.params(data=str(tmp_path / "purchases.csv"), horizon=7, n_origins=2,
                               mapping={"customer_id": "user", "product_id": "item", "timestamp": "day"})
    table, report = load_chapter_data(purchases, chapter)
    assert report.has_money is False
    check_needs(chapter, purchases, report, table)  # accepted: no DataError


def test_the_rules_sentence_states_every_rule_the_words_follow():
    text = F.rules()
    assert f"within {F.TIE:.0%} of each other are a tie" in text and "beats another only by more than that" in text
    assert "within 5.0 percentage points of its level" in text and "within 2.0 percentage points of its target" in text
    assert "weak below 0.4, moderate from 0.4, strong from 0.7" in text
    cov = F.coverage("m", 0.8, 0.9, 0.8)
    assert "about right within 5.0 percentage points of the level" in cov and "conformal 90.0%, too wide" in cov
    assert "more than 5.0 percentage points off" in F.coverage_off(0.8, {"a's model": 0.99})
