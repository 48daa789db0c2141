r"""Logistic regression from its formula: loss, gradient, Hessian, Newton's method (:class:`NewtonLogistic`).

In the book's notation (chapter 5): for rows :math:`\phi_i` (a leading 1 for the
intercept), labels :math:`y_i \in \{0, 1\}` and :math:`\pi_i = \sigma(\phi_i^\top \beta)`,
the penalised mean log-loss is

.. math:: J(\beta) = -\frac1n \sum_i \big[y_i \ln \pi_i + (1 - y_i) \ln(1 - \pi_i)\big]
          + \frac{\tau}{2} \lVert \tilde \beta \rVert^2

(:math:`\tilde \beta`: the coefficients without the intercept), with gradient
:math:`\nabla J = \frac1n \Phi^\top (\pi - y) + \tau \tilde \beta` and Hessian
:math:`\nabla^2 J = \frac1n \Phi^\top V \Phi + \tau \tilde I`, :math:`V = \mathrm{diag}(\pi_i(1 - \pi_i))`.
scikit-learn's ``LogisticRegression(C=C)`` minimises
:math:`\frac12 \lVert \tilde \beta \rVert^2 + C \sum_i \ell_i`, the same minimum at
:math:`\tau = 1 / (C n)`. Newton's step :math:`\beta \leftarrow \beta - (\nabla^2 J)^{-1} \nabla J`
is iteratively reweighted least squares (IRLS). In the code, ``w`` is :math:`\beta`
(intercept first), ``X`` is :math:`\Phi` without its column of ones and ``lam`` is :math:`\tau`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin

from analysis._checks import check_int, check_number
from analysis.errors import DataError

__all__ = ["NewtonLogistic", "gradient", "hessian", "loss", "numeric_gradient", "penalty_from_c",
           "scorecard_points"]  # fmt: skip

#: The scorecard's anchor: BASE_SCORE points at odds BASE_ODDS (good : bad), PDO points double the odds.
BASE_SCORE, BASE_ODDS, PDO = 600.0, 50.0, 20.0


def _design(X: np.ndarray) -> np.ndarray:
    """``X`` with a leading column of ones (the intercept)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise DataError("The feature matrix must be a finite 2-D array.", column="X",
                        fix="encode and impute the features first (analysis.risk.models.onehot)")  # fmt: skip
    return np.column_stack([np.ones(len(X)), X])


def _mask(d: int) -> np.ndarray:
    m = np.ones(d)
    m[0] = 0.0  # the intercept is not penalised
    return m


def loss(w: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float = 0.0) -> float:
    """The penalised mean log-loss L(w) (``X`` without the column of ones)."""
    Z = _design(X) @ w
    y = np.asarray(y, dtype=np.float64)
    data = -np.mean(y * log_expit(Z) + (1 - y) * log_expit(-Z))
    return float(data + 0.5 * lam * np.sum(_mask(len(w)) * w**2))


def gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float = 0.0) -> np.ndarray:
    """``(1/N) X^T (p - y) + lam * w~``."""
    A = _design(X)
    p = expit(A @ w)
    return A.T @ (p - np.asarray(y, dtype=np.float64)) / len(A) + lam * _mask(len(w)) * w


def hessian(w: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float = 0.0) -> np.ndarray:
    """``(1/N) X^T diag(p(1-p)) X + lam * I~``."""
    A = _design(X)
    p = expit(A @ w)
    return (A * (p * (1 - p))[:, None]).T @ A / len(A) + lam * np.diag(_mask(len(w)))


def numeric_gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float = 0.0, h: float = 1e-6) -> np.ndarray:
    """Central differences of :func:`loss`, to check :func:`gradient` against."""
    out = np.empty_like(w, dtype=np.float64)
    for j in range(len(w)):
        e = np.zeros_like(w, dtype=np.float64)
        e[j] = h
        out[j] = (loss(w + e, X, y, lam) - loss(w - e, X, y, lam)) / (2 * h)
    return out


def penalty_from_c(C: float, n: int) -> float:
    """The ``lam`` of :func:`loss` that gives scikit-learn's ``LogisticRegression(C=C)`` on ``n`` rows."""
    C = check_number("C", C, low=0.0, open_low=True, fix="use a positive C, e.g. 1.0")
    return 1.0 / (C * n)


class NewtonLogistic(ClassifierMixin, BaseEstimator):
    r"""Logistic regression fitted by Newton's method (IRLS), as a scikit-learn classifier.

    Minimises the penalised mean log-loss :math:`J(\beta)` of :func:`loss`
    (module text) from :math:`\beta = 0` by Newton's step
    :math:`\beta \leftarrow \beta - t\,(\nabla^2 J)^{-1} \nabla J`
    (:func:`gradient`, :func:`hessian`), halving :math:`t` from 1 while a
    step does not lower the loss, until the largest change of a weight is
    below ``tol``. With ``lam`` :math:`= 1/(C n)` (:func:`penalty_from_c`) its
    minimum is scikit-learn's ``LogisticRegression(C=C)``.

    Parameters
    ----------
    lam : float
        The ridge penalty :math:`\tau` on the weights (not the intercept); 0 for none.
    tol : float
        Stop when no weight moves by more than this in a step.
    max_iter : int
        Most Newton steps.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features)
        The weights :math:`\tilde\beta`, on the log-odds of class 1.
    intercept_ : ndarray of shape (1,)
        The intercept :math:`\beta_0`.
    n_iter_ : int
        Newton steps taken.
    losses_ : tuple of float
        :math:`J` at the start and after each step (never rising).
    gradient_norm_ : float
        :math:`\lVert \nabla J \rVert` at the end.
    classes_ : ndarray
        ``[0, 1]``: labels are coded 0 and 1.
    n_features_in_ : int
        Columns of ``X`` seen in ``fit``.

    References
    ----------
    Hosmer, D. W., Lemeshow, S. & Sturdivant, R. X. (2013). *Applied Logistic
    Regression*, 3rd ed. Wiley (Newton-Raphson, iteratively reweighted least squares).
    """

    def __init__(self, lam: float = 0.0, *, tol: float = 1e-10, max_iter: int = 50) -> None:
        self.lam = lam
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray) -> NewtonLogistic:
        """Minimise :func:`loss` by Newton's method from w = 0; ``X`` without the column of ones, ``y`` in {0, 1}."""
        y = np.asarray(y, dtype=np.float64)
        if not set(np.unique(y)) <= {0.0, 1.0}:
            raise DataError("Labels must be 0 or 1.", column="y", rows=[str(v) for v in np.unique(y)[:5]],
                            fix="code the positive outcome as 1 and the other as 0")  # fmt: skip
        lam, tol = self.lam, self.tol
        max_iter = check_int("max_iter", self.max_iter, low=1)
        w = np.zeros(np.asarray(X).shape[1] + 1)
        losses = [loss(w, X, y, lam)]
        for step in range(1, max_iter + 1):
            g = gradient(w, X, y, lam)
            direction = np.linalg.solve(hessian(w, X, y, lam) + 1e-12 * np.eye(len(w)), g)
            t = 1.0
            while loss(w - t * direction, X, y, lam) > losses[-1] + 1e-15 and t > 1e-8:
                t /= 2
            w = w - t * direction
            losses.append(loss(w, X, y, lam))
            if np.max(np.abs(t * direction)) < tol:
                break
        self.intercept_ = w[:1].copy()
        self.coef_ = w[None, 1:].copy()
        self.n_iter_ = step
        self.losses_ = tuple(losses)
        self.gradient_norm_ = float(np.linalg.norm(gradient(w, X, y, lam)))
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(w) - 1
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        r"""The log-odds :math:`\phi^\top \beta` of class 1, one per row of ``X``."""
        if not hasattr(self, "coef_"):
            raise DataError("This NewtonLogistic model is not fitted yet: it has no weights.", column="model",
                            fix="call NewtonLogistic(lam).fit(X, y) first")  # fmt: skip
        A = _design(X)
        if A.shape[1] != self.n_features_in_ + 1:
            raise DataError(f"X has {A.shape[1] - 1} columns; the model was fitted on {self.n_features_in_}.",
                            column="X", fix="encode the features as for fit (the same encoder)")  # fmt: skip
        return A @ np.r_[self.intercept_, self.coef_[0]]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        r"""Columns :math:`1 - \pi` and :math:`\pi = \sigma(\phi^\top \beta)`, the probabilities of classes 0 and 1."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        r"""Class 1 where the log-odds are positive (:math:`\pi > 1/2`), else 0."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def scorecard_points(coef: np.ndarray, intercept: float, *, pdo: float = PDO, base_score: float = BASE_SCORE,
                     base_odds: float = BASE_ODDS) -> tuple[float, np.ndarray, float]:  # fmt: skip
    r"""``(base_points, points, factor)`` of a points scorecard from a logistic model of the *bad* outcome.

    The score is :math:`s = \text{offset} + \text{factor} \cdot \ln(\text{odds good})` with
    :math:`\text{factor} = \text{PDO} / \ln 2` (``pdo`` points double the odds) and
    :math:`\text{offset} = \text{base\_score} - \text{factor} \ln(\text{base\_odds})`. Since
    :math:`\ln(\text{odds good}) = -(b_0 + \sum_j b_j x_j)`, each feature adds
    :math:`-\text{factor} \cdot b_j x_j` points and the base is :math:`\text{offset} - \text{factor}\, b_0`.
    """
    factor = check_number("pdo", pdo, low=0.0, open_low=True) / np.log(2.0)
    offset = base_score - factor * np.log(base_odds)
    return float(offset - factor * intercept), -factor * np.asarray(coef, dtype=np.float64), float(factor)
