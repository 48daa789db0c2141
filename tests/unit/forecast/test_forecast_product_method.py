"""The products' forecast (issue 20, point 1): Croston's method against statsmodels' simple exponential
smoothing, the median combination against numpy, the candidate chosen by the backtest (not hard-wired), and
the sentence that names the choice each way under the chapter's tie rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from analysis.chapters.forecast import findings as F
from analysis.errors import DataError
from analysis.forecast import models as FM
from analysis.forecast.backtest import Backtest, backtest
from analysis.forecast.products import COMBINATION, PRODUCT_MEDIANS, candidate, choose_product_model, product_models


def _intermittent(n=200, seed=1, closed_at=(30, 31, 120)) -> FM.Task:
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.3, rng.poisson(8, n) + 1, 0).astype(float)
    closed = np.zeros(n, bool)
    closed[list(closed_at)] = True
    y[closed] = 0.0
    return FM.Task(y=y, dates=pd.date_range("2024-01-01", periods=n, freq="D"), closed=closed,
                   promo=np.zeros(n, bool), season=6)


def _statsmodels_ses(x: np.ndarray, alpha: float) -> float:
    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    fit = SimpleExpSmoothing(x, initialization_method="known", initial_level=x[0]).fit(
        smoothing_level=alpha, optimized=False)
    return float(fit.forecast(1)[0])


@pytest.mark.parametrize("alpha", [0.1, 0.35, 1.0])
def test_the_smoothed_level_matches_statsmodels(alpha):
    x = np.random.default_rng(4).gamma(2.0, 3.0, 40)
    assert FM.ses_level(x, alpha) == pytest.approx(_statsmodels_ses(x, alpha))


def test_croston_is_smoothed_sizes_over_smoothed_intervals_on_the_open_days():
    task = _intermittent()
    model = FM.Croston(alpha=0.1).fit(task, 150, 10)
    y = task.y[:150][~task.closed[:150]]  # closures are not days without demand
    demand = np.flatnonzero(y > 0)
    sizes, gaps = y[demand], np.diff(np.concatenate([[-1], demand])).astype(float)
    assert model.size_ == pytest.approx(_statsmodels_ses(sizes, 0.1))
    assert model.interval_ == pytest.approx(_statsmodels_ses(gaps, 0.1))
    f = model.predict(10)
    assert f.sd is None and f.mean == pytest.approx(np.full(10, model.size_ / model.interval_))
    assert FM.Croston().fit(task, 121, 5).predict(5).mean[0] > 0  # step 121 is open
    shut = FM.Croston().fit(task, 120, 5).predict(5).mean
    assert shut[0] == 0.0 and shut[1] > 0  # step 120 is a known closure


def test_croston_without_demand_forecasts_zero_and_refuses_a_bad_weight():
    task = _intermittent()
    empty = FM.Task(y=np.zeros(50), dates=task.dates[:50], closed=np.zeros(50, bool), promo=np.zeros(50, bool),
                    season=6)
    model = FM.Croston().fit(empty, 47, 3)
    assert model.level_ == 0.0 and (model.predict(3).mean == 0).all()
    with pytest.raises(DataError, match="between 0 and 1"):
        FM.Croston(alpha=0).fit(task, 100, 5)


def test_the_combination_is_the_median_of_its_members_step_by_step():
    task = _intermittent()
    members = (FM.CalendarRegression(), FM.SeasonalNaive(), FM.Croston())
    combo = FM.Combination(members).fit(task, 150, 12)
    each = np.array([clone(m).fit(task, 150, 12).predict(12).mean for m in members])
    assert combo.predict(12).mean == pytest.approx(np.maximum(np.median(each, axis=0), 0.0))
    mean = FM.Combination(members, how="mean").fit(task, 150, 12).predict(12).mean
    assert mean == pytest.approx(np.maximum(each.mean(axis=0), 0.0))
    assert (combo.predict(12).mean >= 0).all() and len(combo.members_) == 3
    with pytest.raises(DataError, match="'median' or 'mean'"):
        FM.Combination(members, how="mode").fit(task, 150, 12)
    with pytest.raises(DataError, match="no members"):
        FM.Combination(()).fit(task, 150, 12)


def _bt(mase: dict[str, float]) -> Backtest:
    scores = pd.DataFrame({"mase": mase})
    return Backtest(forecasts=pd.DataFrame(), scores=scores, levels=(0.8,), season=6)


def test_the_products_method_is_chosen_by_the_backtest_not_by_name():
    a = {"p1": _bt({"calendar regression": 1.0, "Croston": 1.2, COMBINATION: 1.1}),
         "p2": _bt({"calendar regression": 2.0, "Croston": 1.5, COMBINATION: 1.6})}
    choice, table = choose_product_model(a)
    assert choice == "Croston" and table["mean"].iloc[0] == pytest.approx(1.35)  # (1.2 + 1.5) / 2
    b = {"p1": _bt({"calendar regression": 0.9, "Croston": 1.2, COMBINATION: 1.1}),
         "p2": _bt({"calendar regression": 1.0, "Croston": 1.5, COMBINATION: float("nan")})}
    choice, table = choose_product_model(b)
    assert choice == "calendar regression" and table.loc[COMBINATION, "mean"] == pytest.approx(1.1)  # NaN skipped
    assert list(product_models()) == ["calendar regression", "seasonal naive", "Croston"]
    assert PRODUCT_MEDIANS == {COMBINATION: tuple(product_models())}


def test_the_backtest_median_is_the_combination_fitted_at_every_origin():
    task = _intermittent()
    members = product_models()
    bt = backtest(task, 14, 3, (0.8,), models=members, medians=PRODUCT_MEDIANS)
    direct = backtest(task, 14, 3, (0.8,), models={"c": candidate(COMBINATION, members, PRODUCT_MEDIANS)})
    mine = bt.forecasts[bt.forecasts["model"] == COMBINATION]["forecast"].to_numpy()
    assert mine == pytest.approx(direct.forecasts["forecast"].to_numpy())
    assert bt.scores.loc[COMBINATION, "mase"] == pytest.approx(direct.scores.loc["c", "mase"])
    assert isinstance(candidate("Croston", members, PRODUCT_MEDIANS), FM.Croston)
    with pytest.raises(DataError, match="not among the backtest's"):
        backtest(task, 14, 3, (0.8,), models={"Croston": FM.Croston()}, medians=PRODUCT_MEDIANS)


def test_the_method_sentence_each_way_under_the_tie_rule():
    means = {"calendar regression": 1.575, "seasonal naive": 1.70, "Croston": 1.51, COMBINATION: 1.454}
    text = F.product_method(COMBINATION, means, COMBINATION)
    assert text.startswith("The median combination (the median, step by step, of calendar regression, seasonal "
                           "naive and Croston) has")
    assert "the lowest MASE averaged over the products, 1.45, of the 4 candidates" in text
    assert "the next, Croston, has 1.51" in text and "tie" not in text
    assert "ranked below the seasonal naive" not in text
    tied = F.product_method("calendar regression", {"calendar regression": 1.00, "Croston": 1.02,
                                                    "seasonal naive": 1.5}, COMBINATION)
    assert "Croston (1.02) within 3% of it, a tie on this measure" in tied
    below = F.product_method("Croston", {"Croston": 1.0, "seasonal naive": 1.1, "calendar regression": 1.3},
                             COMBINATION)
    assert "calendar regression ranked below the seasonal naive (1.1)" in below
    near = F.product_method("Croston", {"Croston": 1.0, "seasonal naive": 1.1, "calendar regression": 1.12},
                            COMBINATION)
    assert "ranked below" not in near  # within the tie rule of the seasonal naive: not said to rank below
    assert "could not be scored" in F.product_method("Croston", {"Croston": float("nan")}, COMBINATION)
