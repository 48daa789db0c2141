r"""Baselines: most popular items (over all time or a recent window), each customer's own products again,
and the global mean with regularised user and item biases.

The biased baseline predicts :math:`\hat r_{ui} = \mu + b_u + b_i` and fits the
biases by alternating closed-form ridge updates on the observed cells only:
:math:`b_i = \sum_{u \in U_i} (r_{ui} - \mu - b_u) / (\lambda_i + |U_i|)` and
:math:`b_u = \sum_{i \in I_u} (r_{ui} - \mu - b_i) / (\lambda_u + |I_u|)`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from analysis._checks import check_int, check_number
from analysis.recommend.base import Recommender, as_csr

__all__ = ["BiasedBaseline", "BuyAgain", "Popularity", "RecentPopularity", "predict_pairs"]


class Popularity(Recommender):
    """Everyone gets the items most users interacted with."""

    def fit(self, X) -> Popularity:
        self.X_ = as_csr(X)
        self.item_users_ = np.asarray((self.X_ > 0).sum(axis=0)).ravel().astype(float)
        return self

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        return np.tile(self.item_users_, (len(users), 1))


def _residual_sums(X: sp.csr_matrix, values: np.ndarray, axis: int) -> np.ndarray:
    R = sp.csr_matrix((values, X.indices, X.indptr), shape=X.shape)
    return np.asarray(R.sum(axis=axis)).ravel()


class BiasedBaseline(Recommender):
    """Global mean plus regularised user and item biases (rating prediction)."""

    def __init__(self, reg_user: float = 15.0, reg_item: float = 10.0, iterations: int = 10):
        self.reg_user, self.reg_item, self.iterations = reg_user, reg_item, iterations

    def fit(self, X) -> BiasedBaseline:
        X = self.X_ = as_csr(X)
        reg_u = check_number("reg_user", self.reg_user, low=0)
        reg_i = check_number("reg_item", self.reg_item, low=0)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        n_u, n_i = np.diff(X.indptr), np.bincount(X.indices, minlength=X.shape[1])
        self.mu_ = float(X.data.mean())
        self.bu_, self.bi_ = np.zeros(X.shape[0]), np.zeros(X.shape[1])
        for _ in range(check_int("iterations", self.iterations, low=1)):
            self.bi_ = _residual_sums(X, X.data - self.mu_ - self.bu_[rows], 0) / (reg_i + n_i)
            self.bu_ = _residual_sums(X, X.data - self.mu_ - self.bi_[X.indices], 1) / (reg_u + n_u)
        return self

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings of the pairs; ``-1`` marks a user or item unknown in training (bias 0)."""
        users, items = np.asarray(users), np.asarray(items)
        bu = np.where(users >= 0, self.bu_[np.maximum(users, 0)], 0.0)
        bi = np.where(items >= 0, self.bi_[np.maximum(items, 0)], 0.0)
        return self.mu_ + bu + bi

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        return self.mu_ + self.bu_[users][:, None] + self.bi_[None, :]


def predict_pairs(model, users, items, low: float, high: float) -> np.ndarray:
    """A model's predictions clipped to the rating scale ``[low, high]``."""
    return np.clip(model.predict(users, items), low, high)


class BuyAgain(Recommender):
    """Each customer's own products: the product in most of the customer's orders first, the more recent
    one first at a tie; products the customer never had are not listed.

    ``fit(X, last)``: ``X`` holds orders per customer and product (any positive count), ``last`` the same
    cells' last time as a number (days, say). The score of an owned product is
    :math:`n_{ij} + \\tfrac12 (t_{ij} - t_{\\min}) / (t_{\\max} - t_{\\min})`, so a whole order more always
    outranks recency; unowned products score :math:`-\\infty`. Lists keep the owned products
    (``recommend`` never leaves out what ``X`` holds), shorter than ``n`` when a customer has fewer.
    """

    def fit(self, X, last=None) -> BuyAgain:
        self.X_ = as_csr(X)
        recency = np.zeros(self.X_.nnz)
        if last is not None:
            last = sp.csr_matrix(last, dtype=float)
            if last.shape != self.X_.shape:
                raise ValueError(f"last has shape {last.shape}, X {self.X_.shape}")
            t = np.asarray(last[self.X_.nonzero()]).ravel()
            span = t.max() - t.min() if len(t) else 0.0
            recency = 0.5 * (t - t.min()) / span if span > 0 else np.zeros_like(t)
        rows, cols = self.X_.nonzero()
        self.score_ = sp.csr_matrix((np.asarray(self.X_[rows, cols]).ravel() + recency, (rows, cols)),
                                    shape=self.X_.shape)
        return self

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        block = self.score_[users]
        out = np.full(block.shape, -np.inf)
        r, c = block.nonzero()
        out[r, c] = np.asarray(block[r, c]).ravel()
        return out

    def recommend(self, users=None, n: int = 10, *, exclude_seen: bool = False, batch: int = 2048) -> np.ndarray:
        """Top-``n`` owned products per customer (``-1`` past the customer's own products)."""
        return super().recommend(users, n, exclude_seen=False, batch=batch)


class RecentPopularity(Recommender):
    """Everyone gets the products most customers took in a recent window (``fit(X, recent)``: ``recent``
    holds the window's interactions on ``X``'s rows and columns); ties go to the more popular over all
    of ``X``, then to the lower index. ``recommend`` leaves out each customer's products as usual."""

    def fit(self, X, recent=None) -> RecentPopularity:
        self.X_ = as_csr(X)
        recent = self.X_ if recent is None else sp.csr_matrix(recent)
        if recent.shape != self.X_.shape:
            raise ValueError(f"recent has shape {recent.shape}, X {self.X_.shape}")
        overall = np.asarray((self.X_ > 0).sum(axis=0)).ravel().astype(float)
        window = np.asarray((recent > 0).sum(axis=0)).ravel().astype(float)
        self.item_users_ = window + overall / (overall.max() + 1.0)  # the window first, all time at a tie
        return self

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        return np.tile(self.item_users_, (len(users), 1))
