"""Ranking and rating metrics against hand-computed cases and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import mean_absolute_error, mean_squared_error, ndcg_score

from analysis.errors import DataError
from analysis.evaluate import ranking as R
from analysis.evaluate.rating import mae, rating_metrics, rmse


def _truth(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    r = [u for u, items in enumerate(rows) for _ in items]
    c = [i for items in rows for i in items]
    return sp.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(rows), n_items))


def test_hand_computed_lists():
    # user 0: list [1, 2, 3], relevant {1, 3, 5}: hits at ranks 1 and 3
    # user 1: list [0, 4, 2], relevant {2}: hit at rank 3
    recs = np.array([[1, 2, 3], [0, 4, 2]])
    truth = _truth([[1, 3, 5], [2]], 6)
    m = R.ranking_metrics(recs, truth)
    assert m["precision"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert m["recall"] == pytest.approx((2 / 3 + 1) / 2)
    ap0 = (1 / 1 + 2 / 3) / 3  # divided by the 3 relevant items, not by hits
    ap1 = (1 / 3) / 1
    assert m["map"] == pytest.approx((ap0 + ap1) / 2)
    d = 1 / np.log2(np.arange(2, 5))
    ndcg0 = (d[0] + d[2]) / (d[0] + d[1] + d[2])
    ndcg1 = d[2] / d[0]
    assert m["ndcg"] == pytest.approx((ndcg0 + ndcg1) / 2)
    assert m["hit_rate"] == 1.0 and m["users"] == 2


def test_users_without_test_items_are_left_out_and_short_lists_never_hit():
    recs = np.array([[1, -1], [0, 1]])
    truth = _truth([[1], []], 3)
    m = R.ranking_metrics(recs, truth)
    assert m["users"] == 1 and m["precision"] == pytest.approx(0.5) and m["ndcg"] == pytest.approx(1.0)


def test_empty_lists_score_zero():
    m = R.ranking_metrics(np.full((2, 3), -1), _truth([[1], [2]], 4))
    assert m["precision"] == 0 and m["ndcg"] == 0 and m["hit_rate"] == 0


def test_ndcg_agrees_with_sklearn_on_binary_relevance():
    rng = np.random.default_rng(0)
    scores = rng.random((40, 30))
    truth = (rng.random((40, 30)) < 0.2).astype(float)
    truth[truth.sum(axis=1) == 0, 0] = 1.0
    for k in (1, 5, 10):
        recs = R.top_k_from_scores(scores, k)
        ours = R.ranking_metrics(recs, sp.csr_matrix(truth))["ndcg"]
        assert ours == pytest.approx(ndcg_score(truth, scores, k=k))


def test_top_k_excludes_seen_items_and_breaks_ties_by_index():
    scores = np.array([[0.5, 0.9, 0.5, 0.1]])
    seen = sp.csr_matrix(np.array([[0, 1, 0, 0]]))
    assert R.top_k_from_scores(scores, 3, seen).tolist() == [[0, 2, 3]]
    assert R.top_k_from_scores(scores, 4, seen).tolist() == [[0, 2, 3, -1]]
    # a tie across the k-th place goes to the lower index, whatever the partition picks
    ties = np.array([[1.0] * 50 + [2.0]])
    assert R.top_k_from_scores(ties, 3).tolist() == [[50, 0, 1]]



def _top_k_by_sorting(scores: np.ndarray, k: int, seen=None) -> np.ndarray:
    """The reference: a stable sort of every row (ties to the lower index), seen cells and NaN last, -1 past
    the finite scores."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    if seen is not None:
        s = s.copy()
        s[seen.toarray() > 0] = -np.inf
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    order[~np.isfinite(np.take_along_axis(s, order, axis=1))] = -1
    return order


@pytest.mark.parametrize("seed", range(40))
def test_top_k_equals_a_stable_sort_of_every_row(seed):
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(0, 8)), int(rng.integers(1, 15))
    scores = rng.integers(0, 4, (rows, cols)).astype(float)  # many ties
    scores[rng.random((rows, cols)) < 0.2] = -np.inf
    scores[rng.random((rows, cols)) < 0.1] = np.nan
    seen = sp.csr_matrix((rng.random((rows, cols)) < 0.3).astype(float)) if seed % 2 and rows else None
    for k in (1, 3, cols, cols + 2):
        got = R.top_k_from_scores(scores, k, seen)
        assert got.tolist() == _top_k_by_sorting(scores, min(k, cols), seen).tolist()


@pytest.mark.parametrize("seed", range(12))
def test_top_k_in_blocks_equals_a_stable_sort_with_ties_across_the_cut(seed, monkeypatch):
    """Rows ranked a few at a time (a small block), float32 and float64, +inf and -inf and NaN scores, many ties
    at the k-th value (a partition then picks among them arbitrarily): the same lists as a stable sort."""
    monkeypatch.setattr(R, "TOP_K_CELLS", int(np.random.default_rng(seed).integers(1, 200)))
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(1, 60)), int(rng.integers(2, 40))
    scores = np.round(rng.normal(size=(rows, cols)), int(rng.integers(0, 2)))  # few distinct values: ties
    scores[rng.random((rows, cols)) < 0.05] = np.inf
    scores[rng.random((rows, cols)) < 0.05] = -np.inf
    scores[rng.random((rows, cols)) < 0.05] = np.nan
    scores = scores.astype(np.float32 if seed % 3 == 0 else np.float64)
    seen = sp.csr_matrix((rng.random((rows, cols)) < 0.3).astype(float)) if seed % 2 else None
    for k in (1, 2, 5, cols - 1, cols, cols + 3):
        got = R.top_k_from_scores(scores, k, seen)
        assert got.tolist() == _top_k_by_sorting(scores, min(k, cols), seen).tolist(), k


def test_top_k_refuses_excluded_cells_of_another_shape():
    with pytest.raises(DataError, match="exclude"):
        R.top_k_from_scores(np.zeros((2, 4)), 2, sp.csr_matrix((3, 4)))


def test_top_k_refuses_scores_that_are_not_a_table():
    with pytest.raises(DataError, match="users x items"):
        R.top_k_from_scores(np.zeros(4), 2)

def test_coverage_and_popularity_bias():
    train = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1]]))
    assert R.catalogue_coverage(np.array([[0, 1], [0, 2]]), 4) == pytest.approx(0.75)
    # item users (3, 1, 1, 1); an average interaction's item has (9 + 1 + 1 + 1) / 6 = 2 users
    assert R.popularity_bias(np.array([[0], [0]]), train) == pytest.approx(3 / 2)
    assert R.popularity_bias(np.array([[1], [2]]), train) == pytest.approx(1 / 2)


def test_rating_metrics_match_sklearn():
    a, p = np.array([4, 3, 5, 1.0]), np.array([3.5, 3, 4, 2.0])
    assert rmse(a, p) == pytest.approx(np.sqrt(mean_squared_error(a, p)))
    assert mae(a, p) == pytest.approx(mean_absolute_error(a, p))
    assert rating_metrics(a, p)["rmse"] == pytest.approx(np.sqrt((0.25 + 0 + 1 + 1) / 4))


def test_refusals_are_worded():
    with pytest.raises(DataError, match="predict one rating for every test pair"):
        rmse([1, 2], [1])
    with pytest.raises(DataError, match="not finite"):
        mae([1, 2], [1, np.nan])
    with pytest.raises(DataError, match="one list per row"):
        R.ranking_metrics(np.zeros((2, 3), int), _truth([[1]], 4))
    with pytest.raises(DataError, match="No user has a test interaction"):
        R.ranking_metrics(np.zeros((1, 3), int), _truth([[]], 4))
    with pytest.raises(DataError, match="users x ranks"):
        R.ranking_metrics(np.zeros(3, int), _truth([[1]], 4))
