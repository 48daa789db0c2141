"""analysis.evaluate.classification: the cost-optimal threshold on a hand-solvable case, the cost curve, review
capacity, confusion counts, groups, recalibration, cross-validation against scikit-learn, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from analysis.errors import DataError
from analysis.evaluate import classification as C

Y = np.array([1, 0, 1, 0, 0])
P = np.array([0.9, 0.8, 0.6, 0.3, 0.1])


def test_min_cost_threshold_by_hand():
    # flag >= 0.9: one miss (5) -> 1.0 per case; >= 0.8: a miss and a false alarm -> 1.2;
    # >= 0.6: one false alarm -> 0.2; >= 0.3: two -> 0.4; >= 0.1: three -> 0.6; nothing: two misses -> 2.0
    curve = C.cost_curve(Y, P, cost_fp=1, cost_fn=5)
    assert curve["cost"].tolist() == pytest.approx([2.0, 1.0, 1.2, 0.2, 0.4, 0.6])
    assert curve["share_flagged"].tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert C.min_cost_threshold(Y, P, 1, 5) == pytest.approx((0.6, 0.2))
    assert C.expected_cost(Y, P, 0.6, 1, 5) == pytest.approx(0.2)


def test_cheap_misses_flag_nothing():
    # nothing: one miss (1) -> 0.5 per case; >= 0.9: a false alarm (10) and the miss -> 5.5; >= 0.1: 5.0
    t, cost = C.min_cost_threshold(np.array([0, 1]), np.array([0.9, 0.1]), cost_fp=10, cost_fn=1)
    assert t == np.inf and cost == pytest.approx(0.5)


def test_tied_scores_are_flagged_together():
    curve = C.cost_curve(np.array([1, 0, 0]), np.array([0.5, 0.5, 0.1]), 1, 1)
    assert curve["share_flagged"].tolist() == pytest.approx([0, 2 / 3, 1])


def test_bayes_threshold_is_the_cost_ratio():
    assert C.bayes_threshold(1, 5) == pytest.approx(1 / 6)
    # with calibrated probabilities the threshold 1/6 is the cheapest in expectation
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    y = (rng.random(200_000) < p).astype(int)
    t, _ = C.min_cost_threshold(y, p, 1, 5)
    assert t == pytest.approx(1 / 6, abs=0.02)


def test_confusion_and_review_capacity():
    assert C.confusion_at(Y, P, 0.6) == {"tp": 2, "fp": 1, "fn": 0, "tn": 2}
    r = C.precision_at_share(Y, P, 0.4)
    assert r["reviewed"] == 2 and r["precision"] == 0.5 and r["recall"] == 0.5 and r["base_rate"] == 0.4


def test_score_metrics_against_scikit_learn():
    m = C.score_metrics(Y, P)
    assert m["auc"] == pytest.approx(roc_auc_score(Y, P))
    assert m["brier"] == pytest.approx(np.mean((P - Y) ** 2))


def test_by_group():
    g = C.by_group(np.r_[Y, Y], np.r_[P, P], ["a"] * 5 + ["b"] * 5, min_each=2)
    assert g["cases"].tolist() == [5, 5]
    assert g["observed"].tolist() == pytest.approx([0.4, 0.4])
    assert g["auc"].tolist() == pytest.approx([roc_auc_score(Y, P)] * 2)
    assert C.by_group(Y, P, ["a"] * 5, min_each=3)["auc"].isna().all()  # 2 positives: too few for an AUC


def test_cross_validate_matches_a_hand_loop():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=list("abc"))
    y = (X["a"] + rng.normal(size=300) > 0.5).astype(int).to_numpy()
    model = LogisticRegression()
    oof, folds = C.cross_validate(model, X, y, folds=4, seed=7)
    expected = np.empty(300)
    for train, test in StratifiedKFold(4, shuffle=True, random_state=7).split(X, y):
        expected[test] = clone(model).fit(X.iloc[train], y[train]).predict_proba(X.iloc[test])[:, 1]
    assert np.allclose(oof, expected)
    assert len(folds) == 4 and set(folds.columns) >= {"auc", "pr_auc", "brier"}


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_recalibration_repairs_shifted_scores(method):
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 0.95, 5000)
    y = (rng.random(5000) < p).astype(int)
    shifted = p**3  # ranks the same, far from calibrated
    fixed = C.recalibrate(y, shifted, method, folds=5, seed=0)
    assert C.score_metrics(y, fixed)["brier"] < C.score_metrics(y, shifted)["brier"]
    assert abs(fixed.mean() - y.mean()) < 0.02


def test_calibration_table_bins():
    t = C.calibration_table(Y, P, bins=2)
    assert list(t.columns) == ["predicted", "observed"] and len(t) == 2


def test_refusals_are_worded():
    with pytest.raises(DataError, match="both outcomes"):
        C.score_metrics([1, 1], [0.2, 0.3])
    with pytest.raises(DataError, match="cv_folds"):
        C.cross_validate(LogisticRegression(), pd.DataFrame({"a": range(10)}), [1, 1] + [0] * 8, folds=5)
    with pytest.raises(DataError, match="both 0"):
        C.bayes_threshold(0, 0)
    with pytest.raises(DataError, match="review_share"):
        C.precision_at_share(Y, P, 0)
    with pytest.raises(DataError, match="0 and 1"):
        C.confusion_at([0, 2], [0.1, 0.2], 0.5)
    with pytest.raises(DataError, match="platt"):
        C.recalibrate(Y, P, "beta")
