"""The plan's empirical horizon interval, the lag-1 autocorrelation of forecast errors, one money format per
column, a holdout of whole revisions and the autocorrelation of the differenced series."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.forecast import products as PROD
from analysis.chapters.forecast import steps as ST
from analysis.forecast.models import Task


def _task(n: int = 400, seed: int = 0) -> Task:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=n, freq="D")
    y = 20 + 5 * (np.arange(n) % 7 == 5) + rng.poisson(4, n)
    return Task(y=y.astype(float), dates=dates, closed=np.zeros(n, bool), promo=np.zeros(n, bool), season=7)


def test_horizon_interval_comes_from_past_horizon_error_sums():
    task = _task()
    sums = PROD.window_error_sums(task, 56, 28, 28)
    assert len(sums) >= 2
    low, high = PROD.horizon_interval(task, 56, 28, 1000.0, 0.8)
    q = np.quantile(sums, [0.1, 0.9])
    assert low == pytest.approx(1000.0 + q[0]) and high == pytest.approx(1000.0 + q[1])
    zero_low, _ = PROD.horizon_interval(task, 56, 28, 0.0, 0.8)
    assert zero_low >= 0.0  # demand is not negative


def test_error_lag1_measures_correlated_and_independent_errors():
    rng = np.random.default_rng(1)
    rows = []
    for origin in range(6):
        e = np.cumsum(rng.normal(size=30))  # a random walk: strongly correlated from step to step
        rows += [{"origin": origin, "h": h + 1, "actual": e[h], "forecast": 0.0} for h in range(30)]
    assert PROD.error_lag1(pd.DataFrame(rows)) > 0.5
    noise = pd.DataFrame({"origin": np.repeat(np.arange(40), 30), "h": np.tile(np.arange(1, 31), 40),
                          "actual": np.random.default_rng(3).normal(size=1200), "forecast": 0.0})
    assert abs(PROD.error_lag1(noise)) < 0.2
    assert np.isnan(PROD.error_lag1(pd.DataFrame(rows[:2])))


def test_money_formats_use_one_format_per_column():
    df = pd.DataFrame({"big": [1581.3, 228.92, 0.0], "small": [1.2, 0.5, 0.0]})
    f = ST.money_formats(df, ["big", "small"], "EUR")
    big, small = [f["big"](v) for v in df["big"]], [f["small"](v) for v in df["small"]]
    assert all("." not in v for v in big) and all(v.count(".") == 1 for v in small)


def test_holdout_is_whole_revisions():
    params = SimpleNamespace(frequency="D", n_origins=6, horizon=28, replan_days=14)
    assert ST.holdout_days(params, [0] * 1000) == 168
    params = SimpleNamespace(frequency="D", n_origins=4, horizon=40, replan_days=14)
    assert ST.holdout_days(params, [0] * 1000) == 154  # 160 trading days cut to 11 revisions of 14


class _Series(SimpleNamespace):
    def __len__(self) -> int:
        return len(self.table)


def test_autocorrelation_of_the_changes_drops_the_trend():
    n = 300
    dates = pd.date_range("2023-01-02", periods=n, freq="D")
    rng = np.random.default_rng(2)
    revenue = 10 * np.arange(n) + rng.normal(0, 20, n)  # a trend, no season
    series = _Series(table=pd.DataFrame({"revenue": revenue, "closed": False}, index=dates), season_length=7,
                     closed=np.zeros(n, bool), frequency="D")
    glue = ST.decomposition_step(series, ST.Measure("revenue", "revenue")).glue
    assert glue["acf_season"] > 0.5 and abs(glue["acf_diff_season"]) < 0.3
