"""The trading calendar on a series with closures, the partial last day, and the forecasters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.forecast import models as FM
from analysis.forecast.backtest import backtest, conformal_bounds, conformal_quantile, recent_level
from analysis.forecast.products import future_task
from analysis.forecast.series import sales_series


def log_of(days: pd.DatetimeIndex, per_day, hour: int = 15) -> pd.DataFrame:
    """One order of one line a sale: ``per_day[i]`` orders on ``days[i]``, at ``hour`` o'clock."""
    rows = []
    for day, n in zip(days, per_day, strict=True):
        for k in range(int(n)):
            rows.append({"order_id": f"{day.date()}-{k}", "customer_id": f"c{k % 7}", "product_id": "p1",
                         "quantity": 1, "unit_price": 10.0, "timestamp": day + pd.Timedelta(hours=hour, minutes=k)})
    return pd.DataFrame(rows)


@pytest.fixture
def closed_on_saturdays():
    days = pd.date_range("2024-01-01", periods=70, freq="D")  # a Monday
    counts = np.where(days.day_of_week == 5, 0, 3)
    counts[[9, 10]] = 0  # a Wednesday and a Thursday closed
    return days, log_of(days, counts)


def test_non_trading_weekday_is_removed_and_closures_flagged(closed_on_saturdays):
    days, tx = closed_on_saturdays
    s = sales_series(tx, "D")
    assert s.non_trading == ("Saturday",)
    assert s.season_length == 6
    assert len(s) == 70 - 10
    assert (s.table.index.day_of_week != 5).all()
    assert list(s.table.index[s.closed]) == [days[9], days[10]]
    assert s.table.loc[s.closed, "revenue"].eq(0).all()
    assert s.dropped_last is None


def test_partial_last_day_is_dropped(closed_on_saturdays):
    days, tx = closed_on_saturdays
    cut = log_of(days[-1:] + pd.Timedelta(days=1), [2], hour=8)  # an early Sunday... then nothing
    s = sales_series(pd.concat([tx, cut], ignore_index=True), "D")
    assert s.dropped_last == days[-1] + pd.Timedelta(days=1)
    assert s.table.index[-1] == days[-1]


def test_many_zero_days_are_demand_not_closures():
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    counts = np.tile([1, 0, 0, 1, 0, 2, 1], 9)[:60]
    s = sales_series(log_of(days, counts), "D")
    assert s.closures == 0


def test_weekly_series_drops_the_partial_first_week(closed_on_saturdays):
    days, tx = closed_on_saturdays
    s = sales_series(tx, "W", season_length=2)
    assert len(s) == 10 and s.table.index[-1] == days[-1]
    assert s.table["orders"].sum() == 3 * (70 - 10 - 2)


def test_too_short_a_series_is_refused_with_a_fix():
    days = pd.date_range("2024-01-01", periods=10, freq="D")
    with pytest.raises(DataError, match="too short") as info:
        sales_series(log_of(days, [1] * 10), "D")
    assert "at least 16 days" in info.value.fix


def _task(y, season=7, closed=None) -> FM.Task:
    y = np.asarray(y, dtype=float)
    dates = pd.date_range("2024-01-01", periods=len(y), freq="D")
    closed = np.zeros(len(y), bool) if closed is None else closed
    return FM.Task(y=y, dates=dates, closed=closed, promo=np.zeros(len(y), bool), season=season)


def test_baselines_by_hand():
    t = _task([1, 2, 3, 4, 5, 6, 7, 8], season=3)
    np.testing.assert_allclose(FM.SeasonalNaive().fit(t, 8).predict(4).mean, [6, 7, 8, 6])
    np.testing.assert_allclose(FM.Naive().fit(t, 8).predict(2).mean, [8, 8])
    np.testing.assert_allclose(FM.Drift().fit(t, 8).predict(2).mean, [9, 10])
    np.testing.assert_allclose(FM.MeanForecast().fit(t, 8).predict(2).mean, [4.5, 4.5])
    # seasonal naive sd: residual rms 3 (every y_t - y_{t-3} = 3), sqrt(k + 1) with k = floor((h-1)/m)
    np.testing.assert_allclose(FM.SeasonalNaive().fit(t, 8).predict(4).sd, [3, 3, 3, 3 * np.sqrt(2)])
    np.testing.assert_allclose(FM.Drift().fit(t, 8).predict(2).sd, [0, 0], atol=1e-12)


def test_calendar_regression_recovers_a_weekly_pattern_with_trend_and_closures():
    n = 200
    week = np.array([10, 12, 11, 9, 14, 20, 5.0])
    y = week[np.arange(n) % 7] + 0.05 * np.arange(n)
    closed = np.zeros(n, bool)
    closed[[150, 190]] = True
    y[closed] = 0
    t = _task(y, closed=closed)
    f = FM.CalendarRegression().fit(t, 180, 20).predict(20)
    expected = np.where(closed[180:], 0, y[180:])
    np.testing.assert_allclose(f.mean, expected, atol=1e-6)


MODELS_TO_CHECK = ["seasonal naive", "calendar regression", "gradient boosting", "ETS", "Theta"]


@pytest.mark.parametrize("name", MODELS_TO_CHECK)
def test_no_model_reads_the_future(name):
    rng = np.random.default_rng(0)
    y = 50 + 10 * np.sin(np.arange(120) * 2 * np.pi / 7) + rng.normal(0, 2, 120)
    a, b = _task(y), _task(np.concatenate([y[:100], y[100:] * 5 + 99]))
    np.testing.assert_allclose(FM.MODELS[name]().fit(a, 100, 14).predict(14).mean,
                               FM.MODELS[name]().fit(b, 100, 14).predict(14).mean)


def test_ets_matches_statsmodels_directly():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(1)
    y = 100 + 20 * np.sin(np.arange(140) * 2 * np.pi / 7) + rng.normal(0, 3, 140)
    t = _task(y)
    fits = FM.ETS().fit(t, 140).fits_
    direct = ETSModel(pd.Series(y), error="add", trend=None, seasonal="add", seasonal_periods=7).fit(disp=False)
    assert fits["ETS(A,N,A)"].aic == pytest.approx(direct.aic, rel=1e-6)
    best = min(fits.values(), key=lambda f: f.aic)
    ahead = future_task(t, 7)  # the calendar of the 7 steps after the data
    np.testing.assert_allclose(FM.ETS().fit(ahead, 140).predict(7).mean, np.asarray(best.forecast(7)), rtol=1e-8)


def test_conformal_bounds_by_hand():
    errors = np.arange(-9, 10) / 10.0  # 19 relative errors
    lo, hi = conformal_bounds(np.array([100.0]), errors, 0.8)
    # (n+1) * 0.1 = 2 -> 2nd smallest -0.8; ceil(20 * 0.9) = 18 -> 18th smallest 0.8
    assert lo[0] == pytest.approx(20.0) and hi[0] == pytest.approx(180.0)


def test_conformal_quantile_by_hand():
    scores = np.arange(1.0, 20.0)  # 19 scores
    assert conformal_quantile(scores, 0.8) == 16.0  # ceil(20 * 0.8) = 16th smallest
    assert conformal_quantile(scores, 0.95) == 19.0  # ceil(20 * 0.95) = 19th
    assert conformal_quantile(scores, 0.99) == 19.0  # the 20th does not exist: at most the largest
    assert conformal_quantile(np.array([np.nan, 2.0, 1.0]), 0.5) == 2.0  # NaN left out: ceil(3 * 0.5) = 2nd of 2
    assert np.isnan(conformal_quantile(np.array([np.nan]), 0.8))


def test_recent_level_reads_the_open_steps_before_the_origin():
    y = np.array([5.0, 0, 10, 20, 0, 30])
    closed = np.array([False, False, False, False, True, False])
    assert recent_level(y, closed, 5, 3) == pytest.approx(15.0)  # steps 2..4, the closed step 4 left out
    assert recent_level(y, closed, 6, 3) == pytest.approx(25.0)
    quiet = np.array([4.0, 0, 0, 0])  # nothing sold lately: the mean over all the open steps before
    assert recent_level(quiet, np.zeros(4, bool), 4, 2) == pytest.approx(1.0)
    assert np.isnan(recent_level(np.zeros(4), np.zeros(4, bool), 4, 2))


class _LowOnThirdStep(FM.Forecaster):
    """Forecasts 100 on every step but the third of each window, where it forecasts 1 (a forecast near zero)."""

    def fit(self, task, train_end=None, horizon=None):
        self._start(task, train_end, horizon)
        return self

    def predict(self, horizon=None):
        mean = np.full(len(self._future(horizon)), 100.0)
        mean[2::7] = 1.0
        return FM.Forecast(mean, None)


def test_a_forecast_near_zero_does_not_widen_every_interval():
    # relative errors (y - f) / f of about 99 on one step in seven would set the 80 % upper bound of every step
    # at about 100 times the forecast; scaled by the level before the origin, that step's error is about 1
    y = 100 + 10 * np.tile([1.0, -1.0], 70)
    bt = backtest(_task(y), 7, 3, (0.8, 0.95), models={"low": _LowOnThirdStep()})
    scored = bt.forecasts[bt.forecasts["scored"]]
    usual = scored[scored["h"] != 3]
    assert (usual["upper_80"] <= usual["forecast"] + 0.2 * 100).all()
    assert (usual["lower_80"] >= usual["forecast"] - 0.2 * 100).all()
    assert bt.scores.loc["low", "coverage_80"] == pytest.approx(6 / 7)  # all but the third steps
    assert bt.scores.loc["low", "coverage_95"] == 1.0  # 4 of 28 calibration scores are third steps': in the 95 % rank


def test_known_closures_are_not_scored_and_get_a_zero_interval():
    y = np.tile([50.0, 60, 55, 52, 58, 70, 40], 22)[:150] + np.tile([3.0, -2, 1, -4, 2], 30)
    closed = np.zeros(150, bool)
    closed[::10] = True
    y[closed] = 0.0
    bt = backtest(_task(y, closed=closed), 7, 3, (0.8,), models={"calendar": FM.CalendarRegression()})
    df = bt.forecasts
    shut = df[closed[df["step"].to_numpy()]]
    assert (shut["forecast"] == 0).all() and shut["scaled_error"].isna().all()
    scored = shut[shut["scored"]]
    assert len(scored) and (scored[["lower_80", "upper_80"]] == 0).all().all()
    assert df.loc[~closed[df["step"].to_numpy()], "scaled_error"].notna().all()


def test_backtest_scores_only_the_last_origins():
    y = np.tile([50.0, 60, 55, 52, 58, 70, 40], 22)[:150]
    bt = backtest(_task(y), 7, 3, (0.8,), models={"seasonal naive": FM.SeasonalNaive()})
    scored = bt.forecasts[bt.forecasts["scored"]]
    assert sorted(scored["step"]) == list(range(129, 150))
    assert bt.scores.loc["seasonal naive", "mae"] == 0.0
    assert np.isnan(bt.scores.loc["seasonal naive", "mase"])  # undefined: the in-sample naive makes no error


def test_calendar_regression_fit_agrees_with_scikit_learn():
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(4)
    y = 20 + np.tile([3.0, 1, 0, -1, 2, 5, -4], 30) + 0.1 * np.arange(210) + rng.normal(0, 1, 210)
    t = _task(y)
    f = FM.CalendarRegression(window=70).fit(t, 180, 14).predict(14)
    steps = np.arange(110, 180)
    X = FM._design(t, steps)
    sk = LinearRegression(fit_intercept=False).fit(X, y[steps])
    np.testing.assert_allclose(f.mean, sk.predict(FM._design(t, np.arange(180, 194))), rtol=1e-8)
