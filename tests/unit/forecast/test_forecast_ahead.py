"""The weeks ahead (issue 20): the forward calendar with closures carried forward and given, the closures
parameter refused in words, forecasts ahead that are zero on closed days, the safety-stock search on errors
that are biased, skewed and correlated, and the run-rate flag each way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from analysis.chapters.forecast import findings as F
from analysis.chapters.forecast.params import ForecastParams
from analysis.errors import DataError
from analysis.forecast import ahead as AH
from analysis.forecast import models as FM
from analysis.forecast.inventory import policy_for, simulate_policy
from analysis.forecast.products import run_rate_flag, run_rates, safety_factor
from analysis.forecast.series import sales_series


def _log(start="2023-01-02", end="2024-12-20", shutdown=("12-22", "01-02")) -> pd.DataFrame:
    """A shop that never trades on Saturdays and shuts from 22 December to 2 January every year."""
    days = pd.date_range(start, end, freq="D")
    md = days.strftime("%m-%d")
    shut = (md >= shutdown[0]) | (md <= shutdown[1])
    keep = days[(days.day_of_week != 5) & ~shut]
    rows = len(keep) * 3
    ts = np.repeat(keep, 3) + pd.to_timedelta(np.tile([9, 12, 17], len(keep)), unit="h")
    return pd.DataFrame({"order_id": [f"o{i}" for i in range(rows)], "customer_id": [f"c{i % 40}" for i in range(rows)],
                         "product_id": ["p1", "p2", "p1"] * len(keep), "quantity": np.tile([2, 1, 3], len(keep)),
                         "unit_price": 4.0, "timestamp": ts})


@pytest.fixture(scope="module")
def series():
    return sales_series(_log(), "D")


def test_a_yearly_shutdown_and_saturdays_recur_ahead(series):
    cal = AH.forward_calendar(series, 20)
    assert cal["date"].iloc[0] == series.days[-1] + pd.Timedelta(days=1)  # the day after the last complete day
    assert cal["step"].max() == 20 and (cal["step"] > 0).sum() == 20
    saturdays = cal[cal["date"].dt.day_of_week == 5]
    assert len(saturdays) and saturdays["closed"].all() and (saturdays["reason"] == "non-trading weekday").all()
    md = cal["date"].dt.strftime("%m-%d")
    xmas = cal[((md >= "12-22") | (md <= "01-02")) & (cal["step"] > 0)]
    assert len(xmas) >= 8 and xmas["closed"].all()
    assert xmas["reason"].str.startswith("closed 2023-12-22 to 2024-01-02").all()
    open_days = cal[(cal["step"] > 0) & ~((md >= "12-22") | (md <= "01-02"))]
    assert not open_days["closed"].any()


def test_the_closures_parameter_adds_and_removes_dates(series):
    given = AH.parse_closures(["2025-01-06", "2025-01-08..2025-01-09", "open 2024-12-23"])
    cal = AH.forward_calendar(series, 20, given).set_index("date")
    assert cal.loc["2025-01-06", "closed"] and cal.loc["2025-01-06", "reason"] == "given in closures"
    assert cal.loc["2025-01-08", "closed"] and cal.loc["2025-01-09", "closed"]
    assert not cal.loc["2024-12-23", "closed"] and cal.loc["2024-12-23", "reason"] == "opened in closures"
    assert cal.loc["2024-12-24", "closed"]  # the rest of the shutdown stays


@pytest.mark.parametrize("bad, words", [
    (["Christmas"], "neither a date nor a range"), (["2024-13-01"], "not a date of the calendar"),
    (["2025-01-09..2025-01-02"], "ends before it starts"), (["2024-01-01..2025-06-01"], "spans more than"),
    ([3], "neither a date nor a range"), ("2024-12-25", "must be a list"),
])
def test_a_malformed_closure_is_refused_in_words(bad, words):
    with pytest.raises(DataError) as info:
        AH.parse_closures(bad)
    assert words in info.value.problem and info.value.parameter == "closures" and "2011-12-26" in info.value.fix
    if isinstance(bad, list) and all(isinstance(b, str) for b in bad):
        with pytest.raises(ValidationError, match=words):
            ForecastParams(closures=bad)


def test_closed_days_ahead_are_forecast_as_zero(series):
    cal = AH.forward_calendar(series, 20)
    steps = cal[cal["step"] > 0]
    task = FM.task_of(series, "units")
    for model in (FM.SeasonalNaive(), FM.CalendarRegression()):
        mean = AH.forecast_ahead(task, model, steps["date"], steps["closed"])
        assert (mean[steps["closed"].to_numpy()] == 0).all() and (mean[~steps["closed"].to_numpy()] > 0).all()


def test_total_intervals_come_from_past_totals_of_as_many_steps():
    fc = pd.DataFrame({"origin": np.repeat([1, 2], 4), "step": np.arange(8), "h": np.tile(np.arange(1, 5), 2),
                       "actual": [10, 12, 8, 10, 11, 9, 10, 10.0], "forecast": np.full(8, 10.0)})
    errors = AH.window_relative_errors(fc, 2)
    assert errors.tolist() == pytest.approx([0.1, 0.0, -0.1, 0.05, 0.0, -0.05, 0.0])  # runs cross origins
    low, high = AH.total_interval(100.0, errors, 0.5)
    assert low < 100.0 < high


def _biased_skewed_correlated(n=700, seed=3):
    """Daily demand of lognormal AR(1) noise around 20 and a forecast 10 % too low: biased, skewed and
    correlated errors."""
    rng = np.random.default_rng(seed)
    z = np.zeros(n)
    for t in range(1, n):
        z[t] = 0.7 * z[t - 1] + rng.normal(0, 0.5)
    demand = 20 * np.exp(z) / np.exp(0.5 * 0.5**2 / (1 - 0.49))
    return demand, np.full(n, 18.0)


def test_the_safety_stock_search_reaches_the_target_on_awkward_errors():
    demand, forecast = _biased_skewed_correlated()
    lead, cover, target = 5, 10, 0.95
    errors = demand[:300] - forecast[:300]
    sd = float(np.sqrt(np.mean(errors**2)))
    base = 1.645 * sd * np.sqrt(lead + 1)  # the textbook stock: independent normal errors assumed

    def simulate(k):
        policy = policy_for(18.0, base * k, lead, cover)
        return simulate_policy(demand[300:], policy.reorder_point, policy.order_up_to, lead)

    assert simulate(1.0).cycle_service_level < target  # the error model under-covers
    factor, run, reached = safety_factor(simulate, target, 6.0)
    assert reached and run.cycle_service_level >= target and factor > 1
    assert simulate(factor - 0.1).cycle_service_level < target  # the smallest factor on the grid
    factor, run, reached = safety_factor(simulate, target, 1.2)  # a stock limit too low: said so
    assert not reached and factor == pytest.approx(1.2) and run.cycle_service_level < target


def test_the_run_rate_flag_each_way():
    assert run_rate_flag(40, 100, 90) == "low" and run_rate_flag(250, 100, 90) == "high"
    assert run_rate_flag(60, 100, 90) == "" and run_rate_flag(30, 100, 70) == "low"
    assert run_rate_flag(40, 100, 30) == ""  # below half of one figure only: not flagged
    assert run_rate_flag(40, 100, float("nan")) == "low"  # no year back: the run rate alone
    assert run_rate_flag(40, float("nan"), float("nan")) == ""
    assert F.plan_flag("low", "100 units", "90 units").startswith("plan below half of the last four weeks")
    assert "above twice" in F.plan_flag("high", "100 units", "") and "a year earlier" not in F.plan_flag(
        "high", "100 units", "")


def test_run_rates_read_the_last_four_weeks_and_the_same_dates_a_year_earlier(series):
    task = FM.task_of(series, "units")
    cal = AH.forward_calendar(series, 20)
    steps = cal[cal["step"] > 0]
    rate, last_year = run_rates(task, steps["date"], steps["closed"])
    open_ahead = int((~steps["closed"]).sum())
    assert rate == pytest.approx(6.0 * open_ahead)  # 6 units every open trading day
    y = series.table["units"]
    first, last = steps["date"].iloc[0] - pd.DateOffset(years=1), steps["date"].iloc[-1] - pd.DateOffset(years=1)
    assert last_year == pytest.approx(float(y[(y.index >= first) & (y.index <= last)].sum()))
    short = FM.Task(y=task.y[-100:], dates=task.dates[-100:], closed=task.closed[-100:], promo=task.promo[-100:],
                    season=task.season)
    assert np.isnan(run_rates(short, steps["date"], steps["closed"])[1])


def test_the_recurring_closure_length_is_said_as_the_calendar_uses_it():
    assert F.RECURRING == AH.RECURRING_DAYS
    text = F.closures_ahead(("Saturday",), [("of 2010-12-24 to 2011-01-03", "2011-12-25", "2012-01-03")], 0, 0)
    assert "Saturdays stay closed" in text and "2011-12-25 to 2012-01-03" in text and "gives no dates" in text
    assert "no closure of 3 or more" in F.closures_ahead((), [], 2, 1) and "2 days closed" in F.closures_ahead(
        (), [], 2, 1)


def test_the_correction_sentence_each_way():
    none = F.stock_corrected(0.96, 0.96, 0.95, 0.99, 0, 10, 3.0, [], 9.0)
    assert "already reached 95.0%" in none and "same holdout" not in none
    raised = F.stock_corrected(0.889, 0.989, 0.95, 0.97, 7, 10, 3.0, ["84879"], 9.1)
    assert "went from 88.9% to 98.9%" in raised and "84879 did not reach the target" in raised
    assert "above the target because each product has only about 9.1 cycles" in raised and "same holdout" in raised
    close = F.stock_corrected(0.9, 0.955, 0.95, 0.97, 3, 10, 3.0, [], 30.0)
    assert "above the target because" not in close and "did not reach" not in close
    assert "No replenishment cycle" in F.stock_corrected(float("nan"), float("nan"), 0.95, 1.0, 0, 3, 3.0, [], 0)


def test_the_headline_says_the_week_once_when_the_horizon_is_a_week():
    bounds = [(0.8, "£1", "£3"), (0.95, "£0", "£4")]
    long = F.ahead("SARIMA", ("2011-12-09", "2011-12-15"), "£2", bounds, ("2011-12-09", "2012-01-10"), "£9",
                   bounds, 28, 19)
    assert "for the week 2011-12-09 to 2011-12-15 (80% interval £1 to £3; 95% interval £0 to £4)" in long
    assert "over the 28 trading days 2011-12-09 to 2012-01-10, 9 of them closed" in long
    short = F.ahead("ETS", ("2024-12-31", "2025-01-06"), "€2", bounds, ("2024-12-31", "2025-01-06"), "€2",
                    bounds, 7, 7)
    assert "for the week" not in short and "of them closed" not in short and short.count("€2") == 1


def test_plan_checks_and_models_below_the_simple_forecasts_are_named():
    assert F.plan_checks([], 10, False).startswith("No plan of the 10 products")
    one = F.plan_checks(["A: plan below half of x"], 10, True)
    assert one.startswith("1 plan of 10 disagrees") and "run rate alone" in one
    below = F.ranked_below(["gradient boosting"], ["mean", "seasonal naive"])
    assert below.startswith("Gradient boosting ranked below the mean or the seasonal naive")
    assert "at or below that of the mean and the seasonal naive" in F.ranked_below([], ["mean", "seasonal naive"])


def test_the_run_rate_exercise_each_way_with_the_checks_bounds():
    from analysis.forecast import products as PROD

    assert (F.RUN_RATE_LOW, F.RUN_RATE_HIGH) == (PROD.RUN_RATE_LOW, PROD.RUN_RATE_HIGH)
    assert "below half" in F.plan_vs_run_rate(0.3) and "above twice" in F.plan_vs_run_rate(2.5)
    assert "does not flag" in F.plan_vs_run_rate(1.1) and "no run rate" in F.plan_vs_run_rate(float("nan"))


def test_bias_and_off_level_intervals_each_way():
    assert "biased low" in F.bias("SARIMA", 0.7, 0.2) and "+20.0%" in F.bias("SARIMA", 0.7, 0.2)
    assert "biased high" in F.bias("m", 0.3, -0.1) and "no clear bias" in F.bias("m", 0.5, 0.0)
    assert "centred on the forecast" in F.bias("m", 0.3, -0.1)  # the conformal intervals are symmetric
    assert "centred" not in F.bias("m", 0.5, 0.0)
    assert F.bias("m", float("nan"), float("nan")) == ""
    text = F.coverage_off(0.8, {"ETS's model": 0.99, "mean's conformal": 0.6, "naive's model": 0.82})
    assert "too wide: ETS's model (99.0%)" in text and "too narrow: mean's conformal (60.0%)" in text
    assert "naive" not in text and F.coverage_off(0.95, {"a": 0.95, "b": float("nan")}) == ""


def test_a_coverage_exactly_at_the_tolerance_is_about_right_in_both_sentences():
    assert "about right" in F.coverage("m", 0.8, 0.75, 0.85) and "too" not in F.coverage("m", 0.8, 0.75, 0.85)
    assert F.coverage_off(0.8, {"a's conformal": 0.75, "b's model": 0.85}) == ""


def test_on_a_weekly_series_the_plans_cover_the_same_weeks_as_the_forecast(series):
    from analysis.chapters.forecast import steps as ST
    from analysis.chapters.forecast.steps import plan_steps

    weekly = ForecastParams(frequency="W", horizon=3, closures=["open 2024-12-23"])
    assert plan_steps(weekly, series) == 18 and plan_steps(ForecastParams(horizon=3), series) == 3  # 6 a week
    days = ST.forward_days(series, weekly)
    assert (days["step"] > 0).sum() == 18 and len(days) == 21  # three weeks of calendar days
    assert days.set_index("date").loc["2024-12-23", "reason"] == "opened in closures"


def _easter_log(end: str, easter_shut: tuple[str, ...]) -> pd.DataFrame:
    """The shutdown shop of :func:`_log`, also closed on ``easter_shut`` (dates of 2023)."""
    log = _log(end=end)
    day = log["timestamp"].dt.normalize()
    return log[~day.isin(pd.DatetimeIndex(easter_shut))].reset_index(drop=True)


def test_an_easter_closure_moves_with_easter_and_christmas_keeps_its_dates():
    # 2023: Good Friday 7 April, Easter Monday 10 April (the shop closes Friday to Monday, Saturday off anyway);
    # 2024: Good Friday 29 March, Easter Monday 1 April
    assert AH.easter_sunday(2023) == pd.Timestamp("2023-04-09")
    assert AH.easter_sunday(2024) == pd.Timestamp("2024-03-31")
    series = sales_series(_easter_log("2024-03-20", ("2023-04-07", "2023-04-09", "2023-04-10")), "D")
    cal = AH.forward_calendar(series, 25).set_index("date")
    for day in ("2024-03-29", "2024-03-31", "2024-04-01"):  # this year's Easter days: closed
        assert cal.loc[day, "closed"] and cal.loc[day, "reason"].endswith("around Easter"), day
    assert cal.loc["2024-03-29", "reason"].startswith("closed 2023-04-07 to 2023-04-10")
    for day in ("2024-04-07", "2024-04-09", "2024-04-10"):  # last year's dates are ordinary days now
        assert not cal.loc[day, "closed"], day
    # the Christmas shutdown, a year on, keeps its calendar dates: it does not move with Easter
    xmas = AH.forward_calendar(sales_series(_easter_log("2024-12-20", ("2023-04-07", "2023-04-10")), "D"), 10)
    xmas = xmas.set_index("date")
    assert xmas.loc["2024-12-23", "closed"] and xmas.loc["2024-12-23", "reason"].endswith("on the same dates")
    assert not xmas.loc["2024-12-20":"2025-01-10", "reason"].str.contains("Easter").any()


def test_a_short_closure_recurs_only_when_it_is_at_easter():
    # only Easter Monday closed in 2023 (one day): still a holiday that moves with Easter
    series = sales_series(_easter_log("2024-03-20", ("2023-04-10",)), "D")
    cal = AH.forward_calendar(series, 25).set_index("date")
    assert cal.loc["2024-04-01", "closed"] and not cal.loc["2024-04-10", "closed"]
    assert not cal.loc["2024-03-29", "closed"]  # Good Friday was open last year: it stays open
    # a one-day closure away from Easter (a Wednesday in May) recurs neither way
    series = sales_series(_easter_log("2024-05-01", ("2023-05-10",)), "D")
    cal = AH.forward_calendar(series, 20).set_index("date")
    assert not cal.loc["2024-05-10", "closed"] and not cal["reason"].str.contains("2023-05-10").any()


def test_the_closures_sentence_names_the_easter_rule_only_when_it_applies():
    xmas = ("of 2010-12-24 to 2011-01-03", "2011-12-25", "2012-01-03", False)
    easter = ("of 2011-04-22 to 2011-04-25", "2012-04-06", "2012-04-09", True)
    both = F.closures_ahead(("Saturday",), [xmas, easter], 0, 0)
    assert "2011-12-25 to 2012-01-03 (the closure of 2010-12-24 to 2011-01-03)" in both
    assert "recurs on the same dates a year later" in both
    assert "2012-04-06 to 2012-04-09 (the closure of 2011-04-22 to 2011-04-25) on the same days around Easter" in both
    assert "Easter" not in F.closures_ahead(("Saturday",), [xmas], 0, 0)
    assert "same dates a year later" not in F.closures_ahead((), [easter], 0, 0)
