r"""Ranking metrics of top-k recommendation lists, as the recommenders benchmark defines them.

A model gives each test user a ranked list of ``k`` items (seen items removed);
the user's **relevant** items are all the items of the user in the test split.
With ``hit_u(r) = 1`` when the item at rank ``r`` is relevant and ``R_u`` the
user's relevant items:

* precision@k ``= (1/k) sum_{r<=k} hit_u(r)``
* recall@k ``= (1/|R_u|) sum_{r<=k} hit_u(r)``
* average precision ``AP_u = (1/|R_u|) sum_{r<=k} hit_u(r) P_u@r`` (MAP divides by
  the number of relevant items, as the recommenders benchmark does, not by
  ``min(k, |R_u|)``)
* nDCG@k ``= DCG/IDCG`` with ``DCG = sum_{r<=k} hit_u(r) / log2(r + 1)`` and the
  ideal ``IDCG = sum_{r <= min(k, |R_u|)} 1 / log2(r + 1)`` (binary relevance)
* hit rate: share of users with at least one relevant item in the list.

Each is averaged over the users who have both a list and a relevant item.
Catalogue coverage and popularity bias describe the lists themselves.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from analysis._checks import check_int
from analysis.errors import DataError

__all__ = [
    "average_precision",
    "catalogue_coverage",
    "hits",
    "ndcg_at_k",
    "popularity_bias",
    "precision_at_k",
    "ranking_metrics",
    "recall_at_k",
    "top_k_from_scores",
]


def _check_lists(recs: np.ndarray, truth: sp.spmatrix) -> tuple[np.ndarray, sp.csr_matrix]:
    recs = np.asarray(recs)
    if recs.ndim != 2:
        raise DataError(
            f"Recommendation lists must be a table of users x ranks, got an array of shape {recs.shape}.",
            column="recs", fix="pass one row of item indices per user (top_k_from_scores gives it)",
        )
    truth = sp.csr_matrix(truth)
    if truth.shape[0] != recs.shape[0]:
        raise DataError(
            f"{recs.shape[0]} recommendation lists but {truth.shape[0]} users in the test matrix.",
            column="truth", fix="give one list per row of the test matrix, in the same user order",
        )
    return recs, truth


def hits(recs: np.ndarray, truth: sp.spmatrix) -> np.ndarray:
    """``hit[u, r]``: is the item at rank ``r`` of user ``u``'s list relevant (a non-zero test cell)?

    Ranks holding ``-1`` (a list shorter than ``k``) are never hits.
    """
    recs, truth = _check_lists(recs, truth)
    truth = truth.copy()
    truth.data = np.ones_like(truth.data)
    rows = np.repeat(np.arange(recs.shape[0]), recs.shape[1])
    cols = recs.ravel()
    ok = cols >= 0
    out = np.zeros(rows.shape, dtype=bool)
    if ok.any():
        out[ok] = np.asarray(truth[rows[ok], cols[ok]]).ravel() > 0
    return out.reshape(recs.shape)


def _relevant(truth: sp.csr_matrix) -> np.ndarray:
    return np.diff(sp.csr_matrix(truth).indptr)


def precision_at_k(hit: np.ndarray) -> np.ndarray:
    """Per user: relevant items among the top k, divided by k."""
    return hit.sum(axis=1) / hit.shape[1]


def recall_at_k(hit: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    """Per user: relevant items among the top k, divided by the user's relevant items."""
    return hit.sum(axis=1) / np.maximum(n_relevant, 1)


def average_precision(hit: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    """Per user: precision@r summed over the ranks r <= k that hold a hit, divided by the number of
    relevant items (not by min(k, relevant); the recommenders benchmark's MAP is the mean over users)."""
    ranks = np.arange(1, hit.shape[1] + 1)
    precision_at_r = np.cumsum(hit, axis=1) / ranks
    return (precision_at_r * hit).sum(axis=1) / np.maximum(n_relevant, 1)


def ndcg_at_k(hit: np.ndarray, n_relevant: np.ndarray) -> np.ndarray:
    """Per user: DCG of the list over the DCG of an ideal list (binary relevance)."""
    k = hit.shape[1]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hit * discount).sum(axis=1)
    ideal = np.concatenate([[0.0], np.cumsum(discount)])[np.minimum(n_relevant, k)]
    return np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)


def catalogue_coverage(recs: np.ndarray, n_items: int) -> float:
    """Share of the catalogue's items that appear in at least one list."""
    shown = np.unique(np.asarray(recs)[np.asarray(recs) >= 0])
    return len(shown) / n_items if n_items else float("nan")


def popularity_bias(recs: np.ndarray, train: sp.spmatrix) -> float:
    """Mean training popularity (users who interacted) of the recommended items, over the
    mean popularity of an interaction in training: 1 means lists as popular as the
    average purchase, above 1 lists leaning to the head of the long tail."""
    train = sp.csr_matrix(train)
    users_per_item = np.asarray((train > 0).sum(axis=0)).ravel().astype(float)
    recs = np.asarray(recs)
    shown = users_per_item[recs[recs >= 0]]
    typical = (users_per_item**2).sum() / users_per_item.sum() if users_per_item.sum() else float("nan")
    return float(shown.mean() / typical) if len(shown) else float("nan")


#: Cells of scores ranked at a time by :func:`top_k_from_scores` (2^17 8-byte numbers, 1 MB): a block that
#: stays in the processor's cache through the passes over it, and no array as large as the scores is made.
TOP_K_CELLS = 2**17


def top_k_from_scores(scores: np.ndarray, k: int, exclude: sp.spmatrix | None = None) -> np.ndarray:
    """The indices of the ``k`` highest scores per row, best first; cells of ``exclude``
    (the training interactions) are never recommended. Ties go to the lower index; a place
    without a finite score (an excluded cell, ``-inf`` or NaN) holds ``-1``.

    The rows are ranked a block of about :data:`TOP_K_CELLS` cells at a time. In each row a partition picks
    ``k`` cells with the best values (no full sort), and only those are sorted (by score, then index); when
    cells equal to the ``k``-th value lie on both sides of the cut, the places from the first such value on
    go to those cells in index order. The lists are those of a stable sort of every row (``tests/unit``
    compares them), at a fraction of its cost. Float32 scores are ranked as they are (their order is the
    same in double precision); other types as float64.
    """
    k = check_int("k", k, low=1)
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise DataError(
            f"Scores must be a table of users x items, got an array of shape {scores.shape}.",
            column="scores", fix="pass one row of scores per user",
        )
    n_rows, n = scores.shape
    ex = None if exclude is None else sp.csr_matrix(exclude)
    if ex is not None and ex.shape != scores.shape:
        raise DataError(
            f"The cells to exclude form a {ex.shape[0]} x {ex.shape[1]} matrix, the scores {n_rows} x {n}.",
            column="exclude", fix="pass the training rows of the same users and items as the scores",
        )
    k = min(k, n)
    top = np.full((n_rows, k), -1, dtype=np.intp)
    if not (n_rows and k):
        return top
    dtype = scores.dtype if scores.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    chunk = max(1, TOP_K_CELLS // n)
    buf = np.empty((min(chunk, n_rows), n), dtype=dtype)
    for start in range(0, n_rows, chunk):
        stop = min(start + chunk, n_rows)
        neg = buf[: stop - start]  # lower is better
        np.negative(scores[start:stop], out=neg, dtype=dtype)
        if ex is not None:
            rows = np.repeat(np.arange(stop - start), np.diff(ex.indptr[start : stop + 1]))
            neg[rows, ex.indices[ex.indptr[start] : ex.indptr[stop]]] = np.inf
        nan = np.isnan(neg)
        if nan.any():
            neg[nan] = np.inf  # NaN ranks with the excluded cells, after every finite score
        top[start:stop] = _top_k_block(neg, k)
    return top


def _top_k_block(neg: np.ndarray, k: int) -> np.ndarray:
    """:func:`top_k_from_scores` of a block of negated scores (``+inf``: never listed)."""
    n = neg.shape[1]
    idx = np.argpartition(neg, k - 1, axis=1)[:, :k] if k < n else np.broadcast_to(np.arange(n), neg.shape)
    vals = np.take_along_axis(neg, idx, axis=1)
    order = np.lexsort((idx, vals), axis=1)  # by score (best first), then index
    idx, vals = np.take_along_axis(idx, order, axis=1), np.take_along_axis(vals, order, axis=1)
    top = np.where(np.isfinite(vals), idx, -1)  # +inf: excluded or NaN; -inf: a score of +inf, not a number
    if k < n:
        kth = vals[:, -1:]
        split = (np.count_nonzero(neg == kth, axis=1) > np.count_nonzero(vals == kth, axis=1)) & np.isfinite(kth[:, 0])
        if split.any():  # cells equal to the k-th value on both sides of the cut: the lower indices take the places
            rows = np.flatnonzero(split)
            better = np.count_nonzero(vals[rows] < kth[rows], axis=1)
            r, c = np.nonzero(neg[rows] == kth[rows])  # by row, then index
            place = better[r] + np.arange(len(r)) - np.searchsorted(r, r)
            ok = place < k
            top[rows[r[ok]], place[ok]] = c[ok]
    return top


def ranking_metrics(recs: np.ndarray, truth: sp.spmatrix, *, train: sp.spmatrix | None = None) -> dict[str, float]:
    """Precision@k, recall@k, MAP, nDCG@k and hit rate averaged over the users with a relevant
    test item; with ``train``, also catalogue coverage and popularity bias of the lists."""
    recs, truth = _check_lists(recs, truth)
    n_rel = _relevant(truth)
    users = n_rel > 0
    if not users.any():
        raise DataError(
            "No user has a test interaction to score the lists on.",
            column="truth", fix="use a larger test_share or data with more interactions per customer",
        )
    hit = hits(recs, truth)[users]
    n_rel = n_rel[users]
    out = {
        "precision": float(precision_at_k(hit).mean()),
        "recall": float(recall_at_k(hit, n_rel).mean()),
        "map": float(average_precision(hit, n_rel).mean()),
        "ndcg": float(ndcg_at_k(hit, n_rel).mean()),
        "hit_rate": float((hit.sum(axis=1) > 0).mean()),
        "users": int(users.sum()),
    }
    if train is not None:
        out["coverage"] = catalogue_coverage(recs[users], truth.shape[1])
        out["popularity_bias"] = popularity_bias(recs[users], train)
    return out
