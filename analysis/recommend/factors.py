r"""Matrix factorisation: explicit ratings by ALS and SGD, implicit feedback by weighted ALS and BPR.

Explicit: :math:`\hat r_{ui} = \mu + b_u + b_i + p_u^\top q_i`, fitted on the
**observed** cells only with an L2 penalty,

.. math:: \min \sum_{(u,i) \in \Omega} (r_{ui} - \hat r_{ui})^2
   + \lambda \Big(\sum_u \lVert p_u\rVert^2 + b_u^2 + \sum_i \lVert q_i\rVert^2 + b_i^2\Big).

With the items fixed, each user's ``x_u = (p_u, b_u)`` has the closed form
:math:`x_u = (\tilde Q_u^\top \tilde Q_u + \lambda n_u I)^{-1} \tilde Q_u^\top (r_u - \mu - b_{I_u})`
where :math:`\tilde Q_u` stacks ``(q_i, 1)`` of the user's items (the penalty is
scaled by the user's count ``n_u``, Zhou et al. 2008); alternating users and
items is ALS. Implicit (Hu, Koren & Volinsky 2008): preference ``p_ui = 1`` where
there is an interaction, confidence ``c_ui = 1 + alpha r_ui``, and
:math:`x_u = (Y^\top Y + Y^\top (C_u - I) Y + \lambda I)^{-1} Y^\top C_u p_u`.
BPR (Rendle et al. 2009) maximises :math:`\sum \ln \sigma(\hat x_{ui} - \hat x_{uj})`
over sampled triples of a user, an item they have and one they do not.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from analysis._checks import check_int, check_number
from analysis.recommend.base import Recommender, as_csr, one_blas_thread

__all__ = ["BPR", "ExplicitALS", "ExplicitSGD", "ImplicitALS", "scatter_add", "solve_rows"]


#: Stored cells gathered at a time by :func:`solve_rows` (with ``d`` factors, ``8 d`` bytes each: 8 MB at 32).
SOLVE_CELLS = 2**15


def solve_rows(X: sp.csr_matrix, F: np.ndarray, targets: np.ndarray, reg: np.ndarray,
               weights: np.ndarray | None = None, base: np.ndarray | None = None,
               penalty: np.ndarray | None = None) -> np.ndarray:
    """Per row ``u`` of ``X``: ``(F_u' W_u F_u + base + reg_u I)^-1 F_u' W_u t_u`` over the row's stored
    columns ``F_u = F[cols]``, targets ``t_u`` (aligned with ``X.data``), weights ``W_u`` (default 1);
    ``penalty`` replaces ``I`` by a diagonal (a lighter penalty on a bias column).

    Rows with the same number of stored cells are stacked (at most :data:`SOLVE_CELLS` cells at a time) and
    their products made by one :func:`numpy.matmul` each, which calls the same BLAS product per row as a loop
    over the rows would: the same numbers, to the last bit, with a Python step per group instead of per row.
    """
    n, d = X.shape[0], F.shape[1]
    counts = np.diff(X.indptr)
    order = np.argsort(counts, kind="stable")  # rows with the same number of cells side by side
    counts = counts[order]
    A = np.empty((n, d, d))  # in the order of `order`
    b = np.empty((n, d, 1))
    w = np.ones_like(targets) if weights is None else weights
    edges = np.r_[0, np.flatnonzero(np.diff(counts)) + 1, n]
    for start, end in zip(edges[:-1], edges[1:]):
        m = int(counts[start])
        step = max(1, SOLVE_CELLS // max(m, 1))
        for a in range(start, end, step):
            z = min(a + step, end)
            cells = X.indptr[order[a:z], None] + np.arange(m)  # (rows, m) positions in X.data
            Fu = F[X.indices[cells]]
            FwT = (Fu * w[cells][..., None]).transpose(0, 2, 1)
            np.matmul(FwT, Fu, out=A[a:z])
            np.matmul(FwT, targets[cells][..., None], out=b[a:z])
    eye = np.eye(d) if penalty is None else np.diag(penalty)
    A += np.asarray(reg, dtype=float)[order][:, None, None] * eye  # the same sums, in the same order, as row by row
    if base is not None:
        A += base
    out = np.empty((n, d))
    out[order] = np.linalg.solve(A, b)[..., 0]
    return out


def scatter_add(target: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
    """``target[index] += values`` with repeated indices summed (as ``np.add.at``, by one sparse product).

    Each index's values are summed from 0 in their order, then added to ``target``: for a 1-d ``target``
    :func:`numpy.bincount` makes those sums, in that order, without building the sparse matrix."""
    if target.ndim == 1 and np.ndim(values) == 1:
        target += np.bincount(index, weights=values, minlength=target.shape[0])
        return
    M = sp.csr_matrix((np.ones(len(index)), (index, np.arange(len(index)))), shape=(target.shape[0], len(index)))
    target += M @ values


#: Users x items up to which BPR tests "not had" on a table of every pair (one byte each) instead of by a
#: binary search among the sorted pairs it had (the same answers).
PAIR_TABLE_CELLS = 2**25


class _Factors(Recommender):
    def _init(self, X, seed: int):
        self.X_ = as_csr(X)
        d = check_int("factors", self.factors, low=1)
        rng = np.random.default_rng(check_int("seed", seed, low=0))
        return d, rng

    @one_blas_thread
    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        out = self.user_factors_[users] @ self.item_factors_.T
        out += getattr(self, "item_bias_", 0)  # in place: the same sums, no second users x items array
        return out


class ExplicitALS(_Factors):
    """Biased matrix factorisation of ratings by alternating least squares (closed form per row)."""

    def __init__(self, factors: int = 20, regularization: float = 0.1, iterations: int = 15, seed: int = 0,
                 bias_penalty: float = 1.0):
        self.factors, self.regularization, self.iterations, self.seed = factors, regularization, iterations, seed
        self.bias_penalty = bias_penalty

    @one_blas_thread
    def fit(self, X, *, monitor=None) -> ExplicitALS:
        """``monitor(iteration, model)``, when given, is called after every sweep (learning curves)."""
        d, rng = self._init(X, self.seed)
        X, XT = self.X_, sp.csr_matrix(self.X_.T)
        lam = check_number("regularization", self.regularization, low=0)
        self.mu_ = float(X.data.mean())
        P = np.c_[rng.normal(0, 0.1, (X.shape[0], d)), np.zeros(X.shape[0])]
        Q = np.c_[rng.normal(0, 0.1, (X.shape[1], d)), np.zeros(X.shape[1])]
        reg_u, reg_i = lam * np.maximum(np.diff(X.indptr), 1), lam * np.maximum(np.diff(XT.indptr), 1)
        pen = np.r_[np.ones(d), check_number("bias_penalty", self.bias_penalty, low=0)]
        for it in range(check_int("iterations", self.iterations, low=1)):
            # users: item factors with a 1 for the user's bias, targets net of the item biases
            P = solve_rows(X, np.c_[Q[:, :d], np.ones(len(Q))], X.data - self.mu_ - Q[X.indices, d], reg_u,
                           penalty=pen)
            Q = solve_rows(XT, np.c_[P[:, :d], np.ones(len(P))], XT.data - self.mu_ - P[XT.indices, d], reg_i,
                           penalty=pen)
            self._set(P, Q, d)
            if monitor is not None:
                monitor(it + 1, self)
        return self

    def _set(self, P, Q, d) -> None:
        self.user_factors_, self.user_bias_ = P[:, :d], P[:, d]
        self.item_factors_, self.item_bias_ = Q[:, :d], Q[:, d]

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings; an unknown user or item (index -1) gets only the known parts."""
        users, items = np.asarray(users), np.asarray(items)
        ku, ki = users >= 0, items >= 0
        u, i = np.maximum(users, 0), np.maximum(items, 0)
        dot = np.einsum("ij,ij->i", self.user_factors_[u], self.item_factors_[i]) * (ku & ki)
        return self.mu_ + self.user_bias_[u] * ku + self.item_bias_[i] * ki + dot

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        return self.mu_ + self.user_bias_[users][:, None] + super().scores(users)


class ExplicitSGD(ExplicitALS):
    """The same model and loss fitted by (mini-batch) stochastic gradient descent."""

    def __init__(self, factors: int = 20, regularization: float = 0.05, iterations: int = 30, seed: int = 0,
                 learning_rate: float = 0.01, batch: int = 256):
        super().__init__(factors, regularization, iterations, seed)
        self.learning_rate, self.batch = learning_rate, batch

    def fit(self, X, *, monitor=None) -> ExplicitSGD:
        d, rng = self._init(X, self.seed)
        X = self.X_
        lam = check_number("regularization", self.regularization, low=0)
        lr = check_number("learning_rate", self.learning_rate, low=0, open_low=True)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        self.mu_ = float(X.data.mean())
        P = np.c_[rng.normal(0, 0.1, (X.shape[0], d)), np.zeros(X.shape[0])]
        Q = np.c_[rng.normal(0, 0.1, (X.shape[1], d)), np.zeros(X.shape[1])]
        for it in range(check_int("iterations", self.iterations, low=1)):
            for block in np.array_split(rng.permutation(X.nnz), max(1, X.nnz // self.batch)):
                u, i = rows[block], X.indices[block]
                err = X.data[block] - self.mu_ - P[u, d] - Q[i, d] - np.einsum("ij,ij->i", P[u, :d], Q[i, :d])
                gu = err[:, None] * np.c_[Q[i, :d], np.ones(len(i))] - lam * P[u]
                gi = err[:, None] * np.c_[P[u, :d], np.ones(len(u))] - lam * Q[i]
                scatter_add(P, u, lr * gu)
                scatter_add(Q, i, lr * gi)
            self._set(P, Q, d)
            if monitor is not None:
                monitor(it + 1, self)
        return self


class ImplicitALS(_Factors):
    """Hu-Koren-Volinsky weighted ALS on implicit feedback (confidence ``1 + alpha * weight``)."""

    def __init__(self, factors: int = 32, regularization: float = 0.1, iterations: int = 15, alpha: float = 10.0,
                 seed: int = 0):
        self.factors, self.regularization, self.iterations, self.alpha, self.seed = (
            factors, regularization, iterations, alpha, seed)

    @one_blas_thread
    def fit(self, X, *, monitor=None) -> ImplicitALS:
        """``monitor(iteration, model)``, when given, is called after every sweep (learning curves)."""
        d, rng = self._init(X, self.seed)
        X, XT = self.X_, sp.csr_matrix(self.X_.T)
        lam = check_number("regularization", self.regularization, low=0)
        alpha = check_number("alpha", self.alpha, low=0)
        U = rng.normal(0, 0.01, (X.shape[0], d))
        V = rng.normal(0, 0.01, (X.shape[1], d))
        for it in range(check_int("iterations", self.iterations, low=1)):
            U = self.update(X, V, lam, alpha)
            V = self.update(XT, U, lam, alpha)
            self.user_factors_, self.item_factors_ = U, V
            if monitor is not None:
                monitor(it + 1, self)
        return self

    @staticmethod
    def update(X: sp.csr_matrix, Y: np.ndarray, lam: float, alpha: float) -> np.ndarray:
        """The closed-form row update: ``(Y'Y + Y'(C_u - I)Y + lam I)^-1 Y' C_u p_u`` for every row."""
        c = 1.0 + alpha * X.data
        # F' W F with W = c - 1 on the stored cells, + Y'Y; right side Y' C_u p_u = sum of c * y_i
        return solve_rows(X, Y, c / (c - 1), np.full(X.shape[0], lam), weights=c - 1, base=Y.T @ Y)


class BPR(_Factors):
    """Bayesian personalised ranking by mini-batch SGD on (user, item had, item not had) triples."""

    def __init__(self, factors: int = 64, regularization: float = 0.01, iterations: int = 30,
                 learning_rate: float = 0.05, seed: int = 0, batch: int = 1024):
        self.factors, self.regularization, self.iterations = factors, regularization, iterations
        self.learning_rate, self.seed, self.batch = learning_rate, seed, batch

    def fit(self, X) -> BPR:
        d, rng = self._init(X, self.seed)
        X = self.X_
        lam, lr = check_number("regularization", self.regularization, low=0), float(self.learning_rate)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        U = rng.normal(0, 0.1, (X.shape[0], d))
        V = rng.normal(0, 0.1, (X.shape[1], d))
        b = np.zeros(X.shape[1])
        had = np.sort(rows.astype(np.int64) * X.shape[1] + X.indices)  # (user, item) keys, for the "not had" test
        table = None
        if X.shape[0] * X.shape[1] <= PAIR_TABLE_CELLS:
            table = np.zeros(X.shape[0] * X.shape[1], dtype=bool)
            table[had] = True
        for _ in range(check_int("iterations", self.iterations, low=1)):
            for block in np.array_split(rng.permutation(X.nnz), max(1, X.nnz // self.batch)):
                u, i = rows[block], X.indices[block]
                j = rng.integers(0, X.shape[1], len(block))
                key = u.astype(np.int64) * X.shape[1] + j
                if table is not None:
                    ok = ~table[key]
                else:
                    pos = np.minimum(np.searchsorted(had, key), len(had) - 1)
                    ok = had[pos] != key
                u, i, j = u[ok], i[ok], j[ok]
                Uu, Vi, Vj = U[u], V[i], V[j]
                diff = Vi - Vj
                x = b[i] - b[j] + np.einsum("ij,ij->i", Uu, diff)
                g = 1.0 / (1.0 + np.exp(np.clip(x, -30, 30)))  # sigma(-x), the gradient of ln sigma(x)
                scatter_add(U, u, lr * (g[:, None] * diff - lam * Uu))
                gU = g[:, None] * Uu
                ij = np.concatenate((i, j))
                scatter_add(V, ij, lr * np.concatenate((gU - lam * Vi, -gU - lam * Vj)))
                scatter_add(b, ij, lr * np.concatenate((g - lam * b[i], -g - lam * b[j])))
        self.user_factors_, self.item_factors_, self.item_bias_ = U, V, b
        return self
