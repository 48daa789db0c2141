"""Logistic regression from the formula: gradient and Hessian against finite differences, Newton against
scikit-learn's coefficients, the scorecard's points on a hand-computed case, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from analysis.errors import DataError
from analysis.risk.logistic import (
    NewtonLogistic,
    gradient,
    hessian,
    loss,
    numeric_gradient,
    penalty_from_c,
    scorecard_points,
)


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 4))
    p = 1 / (1 + np.exp(-(-0.5 + X @ np.array([1.0, -2.0, 0.5, 0.0]))))
    return X, (rng.random(400) < p).astype(int)


@pytest.mark.parametrize("lam", [0.0, 0.01])
def test_gradient_matches_central_differences(data, lam):
    X, y = data
    w = np.array([0.3, -0.2, 0.1, 0.4, -0.5])
    assert np.allclose(gradient(w, X, y, lam), numeric_gradient(w, X, y, lam), atol=1e-8)


def test_gradient_has_the_mean_and_the_sign_p_minus_y(data):
    X, y = data
    w = np.zeros(5)  # p = 1/2 for every case
    expected_intercept = np.mean(0.5 - y)
    assert gradient(w, X, y)[0] == pytest.approx(expected_intercept)
    # doubling the data (every case twice) leaves the gradient unchanged: it is a mean, not a sum
    assert np.allclose(gradient(w, np.vstack([X, X]), np.r_[y, y]), gradient(w, X, y))


def test_hessian_matches_differences_of_the_gradient(data):
    X, y = data
    w, h, lam = np.array([0.1, 0.2, -0.1, 0.0, 0.3]), 1e-6, 0.02
    numeric = np.column_stack([(gradient(w + h * e, X, y, lam) - gradient(w - h * e, X, y, lam)) / (2 * h)
                               for e in np.eye(5)])  # fmt: skip
    assert np.allclose(hessian(w, X, y, lam), numeric, atol=1e-7)


@pytest.mark.parametrize("C", [1.0, 0.1, 10.0])
def test_newton_matches_scikit_learn(data, C):
    X, y = data
    ours = NewtonLogistic(penalty_from_c(C, len(y))).fit(X, y)
    sk = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    assert ours.intercept_[0] == pytest.approx(sk.intercept_[0], abs=1e-6)
    assert np.allclose(ours.coef_.ravel(), sk.coef_.ravel(), atol=1e-6)
    assert ours.gradient_norm_ < 1e-9
    assert all(b <= a + 1e-15 for a, b in zip(ours.losses_, ours.losses_[1:]))  # the loss never rises


def test_loss_at_zero_is_log_two(data):
    X, y = data
    assert loss(np.zeros(5), X, y) == pytest.approx(np.log(2))


def test_scorecard_points_double_the_odds():
    # one feature with weight -ln 2 on the log-odds of bad: x = 1 doubles the odds of good, so it adds PDO points
    base, points, factor = scorecard_points(np.array([-np.log(2)]), 0.0, pdo=20, base_score=600, base_odds=50)
    assert factor == pytest.approx(20 / np.log(2))
    assert points[0] == pytest.approx(20.0)
    # at log-odds of bad 0 (odds of good 1) the score is 600 - 20 * log2(50)
    assert base == pytest.approx(600 - 20 * np.log2(50))


def test_refusals_are_worded():
    with pytest.raises(DataError, match="0 or 1"):
        NewtonLogistic().fit(np.ones((3, 1)), np.array([0, 2, 1]))
    with pytest.raises(DataError, match="finite 2-D"):
        loss(np.zeros(2), np.array([[np.nan], [1.0]]), np.array([0, 1]))
    with pytest.raises(DataError, match="C"):
        penalty_from_c(0.0, 10)


def test_newton_is_a_scikit_learn_classifier(data):
    from sklearn.base import clone, is_classifier

    X, y = data
    model = NewtonLogistic(0.01, tol=1e-12, max_iter=30)
    assert is_classifier(model) and model.get_params() == {"lam": 0.01, "max_iter": 30, "tol": 1e-12}
    assert model.fit(X, y) is model and not hasattr(clone(model), "coef_")
    assert model.coef_.shape == (1, 4) and model.intercept_.shape == (1,) and 1 <= model.n_iter_ <= 30
    sk = LogisticRegression(C=1 / (0.01 * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(model.decision_function(X), sk.decision_function(X), atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(model.predict(X), sk.predict(X))
    np.testing.assert_array_equal(model.classes_, [0, 1])
    assert model.score(X, y) == pytest.approx(sk.score(X, y))


def test_newton_refuses_an_unfitted_use_and_the_wrong_columns(data):
    X, y = data
    with pytest.raises(DataError) as info:
        NewtonLogistic().predict_proba(X)
    assert info.value.column == "model" and "NewtonLogistic" in str(info.value) and "fit(X, y)" in info.value.fix
    with pytest.raises(DataError, match="fitted on 4"):
        NewtonLogistic().fit(X, y).predict(X[:, :3])
