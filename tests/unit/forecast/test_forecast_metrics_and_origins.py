"""Forecast metrics on hand-computed cases (MASE scaling included) and the rolling-origin splitter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.errors import DataError
from analysis.evaluate import forecast as M
from analysis.split import rolling_origins


def test_mae_rmse_smape_by_hand():
    actual, forecast = [10.0, 0.0, 4.0, 6.0], [8.0, 0.0, 5.0, 9.0]
    assert M.mae(actual, forecast) == pytest.approx((2 + 0 + 1 + 3) / 4)
    assert M.rmse(actual, forecast) == pytest.approx(np.sqrt((4 + 0 + 1 + 9) / 4))
    # the 0/0 term counts 0: 2*2/18, 0, 2*1/9, 2*3/15
    assert M.smape(actual, forecast) == pytest.approx(100 / 4 * (4 / 18 + 0 + 2 / 9 + 6 / 15))


def test_mase_is_scaled_by_the_in_sample_seasonal_naive():
    train = [1.0, 2.0, 3.0, 2.0, 4.0, 3.0]  # season 2: |3-1|, |2-2|, |4-3|, |3-2| -> mean 1
    assert M.mase_scale(train, 2) == pytest.approx((2 + 0 + 1 + 1) / 4)
    assert M.mase([5.0, 5.0], [4.0, 7.0], train, 2) == pytest.approx(1.5 / 1.0)
    # season 1 is the naive: |1|,|1|,|1|,|2|,|1| -> 6/5
    assert M.mase([5.0], [4.0], train, 1) == pytest.approx(1 / 1.2)


def test_coverage_and_width():
    assert M.coverage([1, 2, 3, 4], [0, 2, 4, 0], [1, 3, 5, 3]) == pytest.approx(0.5)  # bounds included
    assert M.interval_width([0, 2], [1, 5]) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: M.mae([1, 2], [1]), "same, non-zero length"),
        (lambda: M.mae([1, np.nan], [1, 2]), "missing or infinite"),
        (lambda: M.mase([1], [1], [1, 2], 2), "more than one season"),
        (lambda: M.mase([1], [1], [1, 2, 1, 2], 2), "repeats itself exactly"),
        (lambda: M.mase_scale([1, 2, 3], 0), "season_length"),
    ],
)
def test_metric_refusals_are_worded(call, words):
    with pytest.raises(DataError, match=words) as info:
        call()
    assert info.value.fix


def test_rolling_origins_tile_the_end_back_to_back():
    origins = rolling_origins(100, 10, 3, min_train=20)
    assert [(o.train_end, o.test_end) for o in origins] == [(70, 80), (80, 90), (90, 100)]
    assert [o.number for o in origins] == [1, 2, 3]


@given(n=st.integers(5, 400), horizon=st.integers(1, 30), k=st.integers(1, 12))
def test_no_test_point_is_ever_in_a_training_window(n, horizon, k):
    if n - k * horizon < 1:
        with pytest.raises(DataError, match="n_origins"):
            rolling_origins(n, horizon, k)
        return
    origins = rolling_origins(n, horizon, k)
    assert origins[-1].test_end == n
    positions = np.arange(n)
    for o in origins:
        train, test = set(positions[o.train]), set(positions[o.test])
        assert not train & test and len(test) == horizon
        assert max(train) < min(test)


def test_too_many_origins_are_refused_with_a_fix():
    with pytest.raises(DataError, match="at most 4 origins") as info:
        rolling_origins(50, 10, 6, min_train=10)
    assert info.value.column == "n_origins"


def test_mae_and_rmse_agree_with_scikit_learn():
    from sklearn.metrics import mean_absolute_error, mean_squared_error

    rng = np.random.default_rng(3)
    a, f = rng.gamma(2.0, 10.0, 50), rng.gamma(2.0, 10.0, 50)
    assert M.mae(a, f) == pytest.approx(mean_absolute_error(a, f))
    assert M.rmse(a, f) == pytest.approx(np.sqrt(mean_squared_error(a, f)))
