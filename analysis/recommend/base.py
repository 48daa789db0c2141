"""What every recommender of the chapter shares: ``fit(X)``, ``scores``, ``recommend``.

Models follow scikit-learn's shape: parameters set in ``__init__``, ``fit(X)``
on a :class:`scipy.sparse.csr_matrix` of users x items returns the model, and
what the fit learned ends in ``_``. ``scores(users)`` gives a dense block of
scores (users x items); ``recommend`` turns it into top-n lists without the
items the user already has in ``X``.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import scipy.sparse as sp

from analysis.errors import DataError
from analysis.evaluate.ranking import top_k_from_scores

__all__ = ["Recommender", "as_csr", "fresh", "one_blas_thread", "user_means"]


def as_csr(X) -> sp.csr_matrix:
    """``X`` as a float CSR matrix, refusing anything that is not a 2-d user x item matrix."""
    if not sp.issparse(X) and not isinstance(X, np.ndarray):
        raise DataError(
            f"A recommender fits a users x items matrix, got {type(X).__name__}.",
            column="X", fix="build the matrix with analysis.recommend.to_matrix(interactions).X",
        )
    X = sp.csr_matrix(X, dtype=float)
    if X.shape[0] < 2 or X.shape[1] < 2 or X.nnz == 0:
        raise DataError(
            f"The matrix has {X.shape[0]} users, {X.shape[1]} items and {X.nnz} interactions.",
            column="X", fix="fit on at least two users and two items with interactions",
        )
    return X


def one_blas_thread(method):
    """``method`` with BLAS and LAPACK on one thread (threadpoolctl), whatever the process's default.

    The models' products are many and mid-sized: a second BLAS thread gains little on an idle machine and
    loses much on a busy one, where its threads wait for each other. On Online Retail, two EASE fits with their
    lists took 2.5 s on two threads and 2.8 s on one on the 2-core machine at load 1.3, but 26 s on two and
    7.6 s on one with a busy loop beside them. The numbers are the same either way (the chapter's glued values
    on Online Retail were identical on one and two threads)."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"):
            return method(*args, **kwargs)

    return wrapper


def user_means(X: sp.csr_matrix) -> np.ndarray:
    """Each row's mean over its stored cells (0 for an empty row)."""
    n = np.diff(X.indptr)
    return np.divide(np.asarray(X.sum(axis=1)).ravel(), n, out=np.zeros(X.shape[0]), where=n > 0)


class Recommender:
    """Base class: subclasses set ``X_`` in ``fit`` and implement ``scores``."""

    def scores(self, users=None) -> np.ndarray:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _users(self, users) -> np.ndarray:
        if not hasattr(self, "X_"):
            raise DataError(
                f"{type(self).__name__} is not fitted yet.", column="model", fix="call fit(X) first",
            )
        return np.arange(self.X_.shape[0]) if users is None else np.asarray(users, dtype=int)

    def recommend(self, users=None, n: int = 10, *, exclude_seen: bool = True, batch: int = 2048) -> np.ndarray:
        """Top-``n`` item indices per user (best first), items already in ``X`` left out."""
        users = self._users(users)
        out = []
        for start in range(0, len(users), batch):
            block = users[start : start + batch]
            exclude = self.X_[block] if exclude_seen else None
            out.append(top_k_from_scores(self.scores(block), n, exclude))
        return np.vstack(out) if out else np.zeros((0, n), dtype=int)


def fresh(model: Recommender) -> Recommender:
    """An unfitted model of the same class with the same parameters (scikit-learn's ``clone`` for these
    models: every ``__init__`` argument is kept as the attribute of the same name)."""
    names = [n for n in inspect.signature(type(model).__init__).parameters if n != "self"]
    return type(model)(**{n: getattr(model, n) for n in names if hasattr(model, n)})
