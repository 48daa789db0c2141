r"""Linear and neural autoencoders of users' interaction rows.

EASE (Steck 2019) learns an item x item matrix ``B`` with a zero diagonal that
rebuilds each user's row from the others: :math:`\min_B \lVert X - XB\rVert_F^2
+ \lambda \lVert B\rVert_F^2` s.t. :math:`\mathrm{diag}(B) = 0` has the closed form

.. math:: P = (X^\top X + \Lambda)^{-1}, \qquad B_{ij} = -P_{ij} / P_{jj}\ (i \ne j).

Plain EASE takes :math:`\Lambda = \lambda I`; the dropout-emphasised variant
(EDLAE, Steck 2020) adds :math:`\frac{p}{1-p}\mathrm{diag}(X^\top X)`, a penalty
that grows with an item's popularity. The one-hidden-layer autoencoder is the
source articles' network done right: input the user's 0/1 row, one ReLU layer,
output the row again, trained on the training rows only.
"""

from __future__ import annotations

import warnings

import numpy as np

from analysis._checks import check_int, check_number
from analysis.recommend.base import Recommender, as_csr

__all__ = ["EASE", "Autoencoder", "ease_weights"]


def _spd_inverse(G: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix by its Cholesky factor (LAPACK ``potrf``/``potri``,
    about a quarter faster than a general inverse); a matrix that is not positive definite falls back to
    :func:`numpy.linalg.inv`."""
    from scipy.linalg.lapack import dpotrf, dpotri

    c, info = dpotrf(G, lower=0, clean=0)
    if info == 0:
        inv, info = dpotri(c, lower=0)
        if info == 0:
            return np.triu(inv) + np.triu(inv, 1).T
    return np.linalg.inv(G)


def ease_weights(X, lam: float, dropout: float = 0.0) -> np.ndarray:
    """EASE's ``B`` for the 0/1 (or weighted) matrix ``X``: ridge ``lam`` and the EDLAE ``dropout`` share."""
    X = as_csr(X)
    lam = check_number("lam", lam, low=0, open_low=True)
    p = check_number("dropout", dropout, low=0, high=1, open_high=True)
    G = (X.T @ X).toarray()
    diag = np.diag(G).copy()
    G[np.diag_indices_from(G)] += lam + p / (1 - p) * diag
    P = _spd_inverse(G)
    B = -P / np.diag(P)[None, :]
    np.fill_diagonal(B, 0.0)
    return B


class EASE(Recommender):
    """Embarrassingly shallow autoencoder: scores ``X B`` with EASE's closed-form ``B``."""

    def __init__(self, lam: float = 500.0, dropout: float = 0.0):
        self.lam, self.dropout = lam, dropout

    def fit(self, X) -> EASE:
        self.X_ = as_csr(X)
        self.B_ = ease_weights(self.X_, self.lam, self.dropout)
        return self

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        return np.asarray(self.X_[users] @ self.B_)

    def explain(self, user: int, item: int) -> int:
        """The user's item with the largest weight towards ``item``."""
        have = self.X_.indices[self.X_.indptr[user] : self.X_.indptr[user + 1]]
        return int(have[np.argmax(self.B_[have, item])]) if len(have) else -1


class Autoencoder(Recommender):
    """One hidden ReLU layer, ``X -> X``, by scikit-learn's ``MLPRegressor`` (Adam, early stopping off)."""

    def __init__(self, hidden: int = 64, alpha: float = 1e-3, iterations: int = 30, seed: int = 0):
        self.hidden, self.alpha, self.iterations, self.seed = hidden, alpha, iterations, seed

    def fit(self, X) -> Autoencoder:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor

        self.X_ = as_csr(X)
        Y = self.X_.copy()
        Y.data = np.ones_like(Y.data)
        self.net_ = MLPRegressor(
            hidden_layer_sizes=(check_int("hidden", self.hidden, low=1),), activation="relu",
            alpha=check_number("alpha", self.alpha, low=0), max_iter=check_int("iterations", self.iterations, low=1),
            batch_size=min(256, Y.shape[0]), random_state=self.seed, tol=0.0, n_iter_no_change=10**6,
        )
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ConvergenceWarning)  # a fixed number of epochs, on purpose
            self.net_.fit(Y, Y.toarray())
        return self

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        Y = self.X_[users].copy()
        Y.data = np.ones_like(Y.data)
        return self.net_.predict(Y)
