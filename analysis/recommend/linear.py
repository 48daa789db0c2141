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
from analysis.recommend.base import Recommender, as_csr, one_blas_thread

__all__ = ["EASE", "Autoencoder", "ease_precision", "ease_weights", "gram", "most_interacted"]


def _spd_inverse(G: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix by its Cholesky factor (LAPACK ``potrf``/``potri``,
    about a quarter faster than a general inverse), in ``G``'s precision (float32 or float64), row-major (C
    order, as the sparse products of the scores want it); a matrix that is not positive definite falls back to
    :func:`numpy.linalg.inv`. ``overwrite``: ``G`` is the caller's scratch copy, factorised where it is (one
    items x items array less; a matrix that is not positive definite is then inverted from its lower triangle,
    which ``potrf`` leaves untouched, and the diagonal kept aside)."""
    from scipy.linalg.lapack import get_lapack_funcs

    potrf, potri = get_lapack_funcs(("potrf", "potri"), (G,))
    diag = np.diag(G).copy() if overwrite else None
    c, info = potrf(G, lower=0, clean=0, overwrite_a=int(overwrite and G.flags["F_CONTIGUOUS"]))
    if info != 0 and diag is not None and c is G:  # G's upper triangle and diagonal hold a partial factor
        upper = np.triu_indices_from(G, 1)
        G[upper] = G.T[upper]
        G[np.diag_indices_from(G)] = diag
    if info == 0:
        inv, info = potri(c, lower=0, overwrite_c=1)  # the factor is ours: inverted where it is
        if info == 0:
            # LAPACK's array is column-major; symmetric to the last bit, its transpose is the same matrix, row-major
            return _upper_to_symmetric(inv).T
    return np.linalg.inv(G)


def _upper_to_symmetric(a: np.ndarray, block: int = 512) -> np.ndarray:
    """``a`` with its lower triangle copied from its upper one, in place, a block of rows at a time (the same
    numbers as ``np.triu(a) + np.triu(a, 1).T`` without its two full-size temporaries)."""
    n = a.shape[0]
    for i in range(0, n, block):
        j = min(i + block, n)
        d = a[i:j, i:j]
        low = np.tril_indices(j - i, -1)
        d[low] = d.T[low]
        if i:
            a[i:j, :i] = a[:i, i:j].T
    return a


def gram(X) -> np.ndarray:
    """``X^T X`` of the users x items matrix as a dense items x items array (EASE's Gram matrix)."""
    return (as_csr(X).T @ as_csr(X)).toarray()


def most_interacted(X, max_items: int | None) -> np.ndarray:
    """The indices of the ``max_items`` columns of ``X`` with the most stored cells (at a tie the lower index),
    in increasing order; every column when ``max_items`` is ``None`` or at least the columns."""
    X = as_csr(X)
    if max_items is None or max_items >= X.shape[1]:
        return np.arange(X.shape[1])
    counts = np.bincount(X.indices, minlength=X.shape[1])
    return np.sort(np.argsort(-counts, kind="stable")[: check_int("max_products", max_items, low=1)])


def ease_weights(X, lam: float, dropout: float = 0.0, *, G: np.ndarray | None = None,
                 dtype=np.float64) -> np.ndarray:
    """EASE's ``B`` for the 0/1 (or weighted) matrix ``X``: ridge ``lam`` and the EDLAE ``dropout`` share.

    ``G``, when given, is ``X``'s Gram matrix (:func:`gram`), computed once for several penalties; it is
    not changed. ``dtype``: the precision of the inverse and of ``B`` (``np.float32`` halves their memory and
    about halves the time). Memory: the Gram matrix (8-byte numbers) and one items x items array of ``dtype``: its
    penalised copy, factorised, inverted and made into ``B`` where it is.
    """
    X = as_csr(X)
    lam = check_number("lam", lam, low=0, open_low=True)
    p = check_number("dropout", dropout, low=0, high=1, open_high=True)
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {np.dtype(dtype)}")
    G = (X.T @ X).toarray() if G is None else G
    diag = np.diag(G).astype(float)
    G = np.array(G, dtype=dtype, order="F")  # a copy (the caller's G is not changed), factorised where it is
    G[np.diag_indices_from(G)] += lam + p / (1 - p) * diag
    B = _spd_inverse(G, overwrite=True)  # P, made into B where it is: the same numbers as -P / diag(P)
    d = np.diag(B).copy()
    np.negative(B, out=B)
    B /= d[None, :]
    np.fill_diagonal(B, 0.0)
    return B


#: Single precision is used (``dtype="auto"``) when the bound on the penalised Gram matrix's condition number
#: is at most this: float32's rounding (6e-8 relative) then moves ``B`` by about 1e-4 relative at most.
SINGLE_CONDITION = 1000.0


def ease_precision(G: np.ndarray, lam: float, dropout: float = 0.0) -> type:
    """``np.float32`` when ``(largest absolute row sum of G + largest penalty) / lam``, a bound on the condition
    number of ``G + penalty`` (Gershgorin's circles bound its largest eigenvalue, the penalty its smallest),
    is at most :data:`SINGLE_CONDITION`; else ``np.float64``. A small penalty on a large log is solved in
    double precision (Online Retail's Exercise 3.4, at a tenth of the chosen penalty, is)."""
    lam = check_number("lam", lam, low=0, open_low=True)
    p = check_number("dropout", dropout, low=0, high=1, open_high=True)
    G = np.asarray(G)
    if G.size == 0:
        return np.float64
    rows = max(1, 2**17 // max(1, G.shape[1]))  # the absolute row sums a block of rows at a time (no |G| whole)
    widest = max(float(np.abs(G[a : a + rows]).sum(axis=1).max()) for a in range(0, G.shape[0], rows))
    most = widest + lam + p / (1 - p) * float(np.diag(G).max())
    return np.float32 if most / lam <= SINGLE_CONDITION else np.float64


class EASE(Recommender):
    """Embarrassingly shallow autoencoder: scores ``X B`` with EASE's closed-form ``B``.

    ``max_products`` caps the items ``B`` covers: with more items in ``X``, EASE is fitted on the
    ``max_products`` items with the most interactions (:func:`most_interacted`, kept in ``items_``), rebuilds
    each row from those alone and never lists another item (its score is ``-inf``). ``B`` then takes
    ``4 max_products^2`` bytes whatever the catalogue; ``None`` fits every item.

    ``dtype``: the precision of the inverse, ``B`` and the scores. ``"auto"`` (the default) takes single
    precision (float32: half the memory, about half the time) when the penalty keeps the system well
    conditioned (:func:`ease_precision`), else double; ``np.float32`` or ``np.float64`` force one.
    """

    def __init__(self, lam: float = 500.0, dropout: float = 0.0, max_products: int | None = None,
                 dtype="auto"):
        self.lam, self.dropout, self.max_products, self.dtype = lam, dropout, max_products, dtype

    @one_blas_thread
    def fit(self, X, *, G: np.ndarray | None = None) -> EASE:
        """``G``: the Gram matrix of ``X``'s kept columns (:func:`gram`), when already computed."""
        self.X_ = as_csr(X)
        self.items_ = most_interacted(self.X_, self.max_products)
        self.all_items_ = len(self.items_) == self.X_.shape[1]
        kept = self._kept(self.X_)
        G = gram(kept) if G is None else G
        dtype = ease_precision(G, self.lam, self.dropout) if isinstance(self.dtype, str) and self.dtype == "auto" \
            else self.dtype
        self.B_ = ease_weights(kept, self.lam, self.dropout, G=G, dtype=dtype)
        return self

    def _kept(self, X):
        return X if self.all_items_ else X[:, self.items_]

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        kept = np.asarray(self._kept(self.X_[users]).astype(self.B_.dtype) @ self.B_)
        if self.all_items_:
            return kept
        out = np.full((len(users), self.X_.shape[1]), -np.inf)
        out[:, self.items_] = kept
        return out

    def explain(self, user: int, item: int) -> int:
        """The user's item with the largest weight towards ``item`` (-1 when EASE does not cover either)."""
        at = np.searchsorted(self.items_, item)
        if at >= len(self.items_) or self.items_[at] != item:
            return -1
        have = self.X_.indices[self.X_.indptr[user] : self.X_.indptr[user + 1]]
        pos = np.searchsorted(self.items_, have)
        mine = pos < len(self.items_)
        mine[mine] = self.items_[pos[mine]] == have[mine]
        have, pos = have[mine], pos[mine]
        return int(have[np.argmax(self.B_[pos, at])]) if len(have) else -1


class Autoencoder(Recommender):
    """One hidden ReLU layer, ``X -> X``, by scikit-learn's ``MLPRegressor`` (Adam, early stopping off), in
    single precision (float32 inputs, weights and dense targets: half the memory and about 40 % less time)."""

    def __init__(self, hidden: int = 64, alpha: float = 1e-3, iterations: int = 30, seed: int = 0):
        self.hidden, self.alpha, self.iterations, self.seed = hidden, alpha, iterations, seed

    @one_blas_thread
    def fit(self, X) -> Autoencoder:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPRegressor

        self.X_ = as_csr(X)
        Y = self.X_.astype(np.float32)  # single precision: scikit-learn keeps it, half the memory and time
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

    @one_blas_thread
    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        Y = self.X_[users].astype(np.float32)
        Y.data = np.ones_like(Y.data)
        return self.net_.predict(Y)
