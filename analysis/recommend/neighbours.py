r"""Neighbourhood collaborative filtering: user- and item-based cosine on sparse matrices.

The cosine of items ``i`` and ``j`` runs over the users who have **both**
(the observed cells), never over a dense pivot filled with zeros:

.. math:: s_{ij} = \frac{\sum_{u \in U_i \cap U_j} r_{ui} r_{uj}}
   {\sqrt{\sum_{u \in U_i \cap U_j} r_{ui}^2}\sqrt{\sum_{u \in U_i \cap U_j} r_{uj}^2}}

(scikit-surprise's ``cosine``). Mean-centring subtracts each user's mean rating
first (the adjusted cosine); shrinkage multiplies by ``n_ij / (n_ij + beta)``
so that a similarity seen on few common users counts less. A rating is then
predicted from the ``k`` most similar items the user rated (surprise's
``KNNBasic``): :math:`\hat r_{ui} = \sum_j s_{ij} r_{uj} / \sum_j s_{ij}` over
those with :math:`s_{ij} > 0`. For implicit feedback an item's score for a user
is the sum of its similarities to the user's items, over its ``k`` nearest.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from analysis._checks import check_choice, check_int, check_number
from analysis.errors import DataError
from analysis.recommend.base import Recommender, as_csr, user_means

__all__ = ["ItemKNN", "UserKNN", "cosine_columns", "cosine_similarity", "keep_top_k", "top_k_neighbours"]


def _centred(X: sp.csr_matrix) -> sp.csr_matrix:
    out = X.copy()
    out.data = out.data - np.repeat(user_means(X), np.diff(X.indptr))
    out.data[out.data == 0] = 1e-12  # a rating equal to the mean stays an observed cell
    return out


def cosine_similarity(X, *, centred: bool = False, common: bool = True, shrinkage: float = 0.0,
                      G: np.ndarray | None = None) -> np.ndarray:
    """Column x column cosine of ``X`` (users x items gives item-item), diagonal set to 0.

    ``common=True``: sums over the rows where both columns are stored (surprise's
    cosine); ``False``: the plain cosine of the whole columns (missing = 0, fine for
    0/1 implicit data). ``centred`` subtracts row means first; ``shrinkage`` is beta.
    ``G``, when given, is ``X``'s Gram matrix ``X'X`` (:func:`analysis.recommend.linear.gram`), computed once
    for several models of the same matrix (not with ``centred``); it is not changed.
    """
    X = as_csr(X)
    beta = check_number("shrinkage", shrinkage, low=0)
    if G is not None and (centred or np.shape(G) != (X.shape[1], X.shape[1])):
        raise DataError(
            f"G of shape {np.shape(G)} is not the Gram matrix of a matrix with {X.shape[1]} columns"
            + (" (a centred cosine has its own)" if centred else "") + ".",
            column="G", fix="pass gram(X) of the same matrix, or leave G out",
        )
    R = _centred(X) if centred else X
    B = R.copy()
    B.data = np.ones_like(B.data)
    num = (R.T @ R).toarray() if G is None else np.asarray(G, dtype=float)  # read, never written
    if common:
        sq = R.multiply(R).tocsr()
        A = (sq.T @ B).toarray()  # A[i, j] = sum over users with j of r_ui^2
        den, norms = np.multiply(A, A.T, out=np.empty_like(num)), None
    else:
        norms = np.sqrt(np.asarray(R.multiply(R).sum(axis=0)).ravel())
        den = np.multiply(norms[:, None], norms[None, :], out=np.empty_like(num))  # np.outer's products
    sim = _divide_positive(num, den, norms)
    if beta:
        binary = not centred and np.all(R.data == 1)
        n_common = num if binary else (B.T @ B).toarray()  # on 0/1 data the products count the common users
        shrink = n_common + beta
        sim *= np.divide(n_common, shrink, out=shrink)  # n_common / (n_common + beta), one array less
    np.fill_diagonal(sim, 0.0)
    return sim


def _divide_positive(num: np.ndarray, den: np.ndarray, norms: np.ndarray | None) -> np.ndarray:
    """``num / den`` where ``den > 0``, else 0, written over ``den``: the plain cosine's ``den`` holds the products
    of ``norms``; with ``norms=None`` it holds the squares of the denominators and its roots are taken first.
    The same numbers as ``np.divide(num, den, out=np.zeros_like(num), where=den > 0)``, without the mask and the
    array of zeros when every product of norms is positive. ``den`` is laid out as ``num`` (``np.empty_like``;
    a Gram matrix from scipy is column-major): the result has the former layout, and no pass mixes the two."""
    if norms is None:
        np.sqrt(den, out=den)
    elif norms.min(initial=np.inf) ** 2 > 0:  # every product of two norms is at least the smallest squared
        return np.divide(num, den, out=den)
    positive = den > 0
    np.divide(num, den, out=den, where=positive)
    den[~positive] = 0.0
    return den


def keep_top_k(sim: np.ndarray, k: int) -> np.ndarray:
    """Per column, the ``k`` largest similarities kept and the rest set to 0."""
    k = check_int("neighbours", k, low=1)
    if k >= sim.shape[0]:
        return sim
    out = np.zeros_like(sim)
    top, cols, values = _top_cells(sim, k)
    out[top, cols] = values
    return out


def _top_cells(sim: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows, columns and values of each column's ``k`` largest similarities (``k`` < the rows)."""
    top = _top_rows(sim, k)
    cols = np.broadcast_to(np.arange(sim.shape[1])[None, :], top.shape)
    return top, cols, sim[top, cols]


def _kept_sparse(sim: np.ndarray, k: int) -> sp.csr_matrix:
    """:func:`keep_top_k` as a sparse matrix (``k`` < the rows): the matrix ``sp.csr_matrix`` makes of the dense
    one, without the dense one (a products x products array less) and without reading its zeros."""
    top, cols, values = _top_cells(sim, k)
    stored = values != 0
    csr = sp.csr_matrix((values[stored], (top[stored], cols[stored])), shape=sim.shape)
    csr.sort_indices()
    return csr


#: Cells of similarities ranked at a time by :func:`keep_top_k` and :func:`top_k_neighbours` (2^17: 1 MB).
TOP_CELLS = 2**17


def _top_rows(sim: np.ndarray, k: int) -> np.ndarray:
    """``np.argpartition(-sim, k - 1, axis=0)[:k]``: the rows of each column's ``k`` largest values, ties chosen
    as that partition chooses them (it sees each column's values in the same order either way). Made a few
    columns at a time on a row-major copy of them, whose partition reads memory in order, and without an
    index array the size of ``sim``."""
    n, m = sim.shape
    top = np.empty((k, m), dtype=np.intp)
    chunk = max(1, TOP_CELLS // max(1, n))
    for start in range(0, m, chunk):
        lanes = np.negative(sim[:, start : start + chunk].T, order="C")
        top[:, start : start + chunk] = np.argpartition(lanes, k - 1, axis=1)[:, :k].T
    return top


#: Cells (rows x columns) of one block of similarities computed at a time: 2^22 8-byte numbers are 32 MB,
#: and a block holds a handful of such arrays at once (numerator, denominator, the similarities, the ranks).
BLOCK_CELLS = 2**22


class _Cosine:
    """What :func:`cosine_similarity` needs of ``X`` once (the rows' values, their 0/1 pattern, the squares and
    the column norms), so that its columns can be computed a block at a time (:meth:`columns`)."""

    def __init__(self, X, *, centred: bool = False, common: bool = True, shrinkage: float = 0.0):
        X = as_csr(X)
        self.beta = check_number("shrinkage", shrinkage, low=0)
        self.centred, self.common = centred, common
        self.R = _centred(X) if centred else X
        self.B = self.R.copy()
        self.B.data = np.ones_like(self.B.data)
        self.sq = self.R.multiply(self.R).tocsr()
        self.norms = np.sqrt(np.asarray(self.sq.sum(axis=0)).ravel())
        self.binary = not centred and np.all(self.R.data == 1)
        self.n = X.shape[1]

    def columns(self, cols: np.ndarray) -> np.ndarray:
        """``cosine_similarity(X, ...)[:, cols]``: an ``n x len(cols)`` block, the same numbers."""
        R, B, cols = self.R, self.B, np.asarray(cols)
        num = (R.T @ R[:, cols]).toarray()
        if self.common:
            A = (self.sq.T @ B[:, cols]).toarray()  # A[i, j] = sum over users with j of r_ui^2
            At = (B.T @ self.sq[:, cols]).toarray()  # A[j, i]
            sim = _divide_positive(num, np.multiply(A, At, out=np.empty_like(num)), None)
        else:
            den = np.multiply(self.norms[:, None], self.norms[None, cols], out=np.empty_like(num))
            sim = _divide_positive(num, den, self.norms)
        if self.beta:
            n_common = num if self.binary else (B.T @ B[:, cols]).toarray()
            shrink = n_common + self.beta
            sim *= np.divide(n_common, shrink, out=shrink)
        sim[cols, np.arange(len(cols))] = 0.0
        return sim

    def blocks(self, chunk: int | None = None):
        """``(cols, block)`` pairs covering every column, ``chunk`` columns a block (default: about
        :data:`BLOCK_CELLS` cells a block)."""
        chunk = max(1, BLOCK_CELLS // max(1, self.n)) if chunk is None else check_int("chunk", chunk, low=1)
        for start in range(0, self.n, chunk):
            cols = np.arange(start, min(start + chunk, self.n))
            yield cols, self.columns(cols)


def cosine_columns(X, cols, *, centred: bool = False, common: bool = True, shrinkage: float = 0.0) -> np.ndarray:
    """The columns ``cols`` of :func:`cosine_similarity` (an ``n x len(cols)`` block) without the whole matrix."""
    return _Cosine(X, centred=centred, common=common, shrinkage=shrinkage).columns(np.asarray(cols))


def top_k_neighbours(X, k: int, *, centred: bool = False, common: bool = True, shrinkage: float = 0.0,
                     chunk: int | None = None) -> sp.csc_matrix:
    """``keep_top_k(cosine_similarity(X, ...), k)`` as a sparse matrix, computed ``chunk`` columns at a time.

    Memory grows with the columns times ``chunk`` (one block of similarities, by default about
    :data:`BLOCK_CELLS` cells) plus ``k`` kept cells per column, never with the columns squared: the
    customer x customer similarity of 43,830 customers would take 15 GB held whole. Each block is ranked
    exactly as :func:`keep_top_k` ranks a column (the same values in the same order, ties included), and
    cells equal to 0 are not stored.
    """
    k = check_int("neighbours", k, low=1)
    cos = _Cosine(X, centred=centred, common=common, shrinkage=shrinkage)
    rows, cols_out, vals = [], [], []
    for cols, block in cos.blocks(chunk):
        if k < cos.n:
            top = _top_rows(block, k)
            v = np.take_along_axis(block, top, axis=0)
            c = np.broadcast_to(cols[None, :], top.shape)
        else:
            top, c = np.nonzero(np.ones_like(block, dtype=bool))
            v, c = block[top, c], cols[c]
        keep = v != 0
        rows.append(top[keep]), cols_out.append(c[keep]), vals.append(v[keep])
    shape = (cos.n, cos.n)
    out = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols_out))), shape=shape)
    out.sort_indices()
    return out


def _knn_predict(X: sp.csr_matrix, sim: np.ndarray, rows, cols, k: int, default: float) -> np.ndarray:
    """KNNBasic: row ``r``'s value in column ``c`` from the ``k`` most similar columns ``r`` has."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    out = np.full(len(rows), default, dtype=float)
    known = (rows >= 0) & (cols >= 0)
    order = np.argsort(rows, kind="stable")
    order = order[known[order]]
    bounds = np.flatnonzero(np.diff(np.r_[-1, rows[order], -2]))  # starts of each row's block
    for a, b in zip(bounds[:-1], bounds[1:]):
        idx = order[a:b]
        r = rows[idx[0]]
        have, vals = X.indices[X.indptr[r] : X.indptr[r + 1]], X.data[X.indptr[r] : X.indptr[r + 1]]
        s = sim[np.ix_(cols[idx], have)]
        if s.shape[1] > k:
            cut = np.argpartition(-s, k - 1, axis=1)[:, :k]
            s, v = np.take_along_axis(s, cut, axis=1), vals[cut]
        else:
            v = np.broadcast_to(vals, s.shape)
        s = np.where(s > 0, s, 0.0)
        total = s.sum(axis=1)
        out[idx] = np.where(total > 0, (s * v).sum(axis=1) / np.where(total > 0, total, 1), default)
    return out


class _KNN(Recommender):
    def __init__(self, neighbours: int = 40, similarity: str = "cosine", shrinkage: float = 0.0, common: bool = True):
        self.neighbours, self.similarity, self.shrinkage, self.common = neighbours, similarity, shrinkage, common

    def _fit_sim(self, M: sp.csr_matrix, G: np.ndarray | None = None) -> None:
        kind = check_choice("similarity", self.similarity, ["cosine", "centred"])
        self.k_ = check_int("neighbours", self.neighbours, low=1)
        self.sim_ = cosine_similarity(M, centred=kind == "centred", common=self.common, shrinkage=self.shrinkage,
                                      G=G)
        self.mu_ = float(M.data.mean())


class ItemKNN(_KNN):
    """Item-based cosine kNN; ``sim_`` is item x item."""

    def fit(self, X, *, G: np.ndarray | None = None) -> ItemKNN:
        """``G``: the Gram matrix ``X'X`` (:func:`analysis.recommend.linear.gram`), when already computed."""
        self.X_ = as_csr(X)
        self._fit_sim(self.X_, G)
        if self.k_ >= self.sim_.shape[0]:  # every neighbour kept: the similarities themselves
            self._topk_dense_, self._topk_sparse_ = self.sim_, None
        else:  # the scores need only the kept cells: the dense array is made if and when it is read
            self._topk_dense_, self._topk_sparse_ = None, _kept_sparse(self.sim_, self.k_)
        return self

    @property
    def topk_(self) -> np.ndarray:
        """``keep_top_k(sim_, neighbours)``: per column the ``neighbours`` largest similarities, the rest 0 (items x
        items). Made from the sparse kept cells the first time it is read (the scores never read it); a
        model whose ``topk_`` is set (the hybrid of the chapter) scores with that array."""
        if "_topk_dense_" not in self.__dict__:  # neither fitted nor set (``hasattr`` answers False)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'topk_': call fit first, or set it")
        if self._topk_dense_ is None:
            self._topk_dense_ = self._topk_sparse_.toarray()
        return self._topk_dense_

    @topk_.setter
    def topk_(self, value: np.ndarray) -> None:
        self._topk_dense_, self._topk_sparse_ = value, None

    def predict(self, users, items) -> np.ndarray:
        return _knn_predict(self.X_, self.sim_, users, items, self.k_, self.mu_)

    def _sparse_topk(self) -> sp.csr_matrix:
        """``topk_`` as a sparse matrix: the kept cells of the fit, or ``topk_`` converted once for every block of
        scores when it was set."""
        if self._topk_sparse_ is None:
            self._topk_sparse_ = sp.csr_matrix(self._topk_dense_)
        return self._topk_sparse_

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        # topk_ keeps `neighbours` cells a column: as a sparse matrix the product costs nnz x neighbours
        return (self.X_[users] @ self._sparse_topk()).toarray()

    def explain(self, user: int, item: int) -> int:
        """The item of ``user`` that contributes most to ``item``'s score (for "because you bought ...")."""
        have = self.X_.indices[self.X_.indptr[user] : self.X_.indptr[user + 1]]
        return int(have[np.argmax(self.topk_[have, item])]) if len(have) else -1


class UserKNN(_KNN):
    """User-based cosine kNN. ``topk_`` (users x users, sparse) keeps each user's ``neighbours`` most similar
    users, computed a block of users at a time (:func:`top_k_neighbours`): no users x users matrix is held."""

    def fit(self, X) -> UserKNN:
        self.X_ = as_csr(X)
        kind = check_choice("similarity", self.similarity, ["cosine", "centred"])
        self.k_ = check_int("neighbours", self.neighbours, low=1)
        self.mu_ = float(self.X_.data.mean())
        self._cosine = dict(centred=kind == "centred", common=self.common, shrinkage=self.shrinkage)
        self.topk_ = top_k_neighbours(sp.csr_matrix(self.X_.T), self.k_, **self._cosine)
        return self

    def predict(self, users, items) -> np.ndarray:
        """KNNBasic on users: the similarities of the users asked for, a block of them at a time."""
        users, items = np.asarray(users), np.asarray(items)
        out = np.full(len(users), self.mu_, dtype=float)
        XT = sp.csr_matrix(self.X_.T)
        asked = np.unique(users[users >= 0])
        chunk = max(1, BLOCK_CELLS // max(1, self.X_.shape[0]))
        cos = _Cosine(XT, **self._cosine)
        for start in range(0, len(asked), chunk):
            block = asked[start : start + chunk]
            at = np.flatnonzero(np.isin(users, block))
            pos = np.searchsorted(block, users[at])
            # sim[block, :] (rows: the users asked for) from the symmetric columns
            out[at] = _knn_predict(XT, cos.columns(block).T, items[at], pos, self.k_, self.mu_)
        return out

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        return (self.topk_[:, users].T.tocsr() @ self.X_).toarray()
