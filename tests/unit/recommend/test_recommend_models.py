"""Recommenders against their formulas and against scikit-surprise on the same split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Ridge

from analysis import recommend as RC
from analysis.errors import DataError
from analysis.evaluate.ranking import ranking_metrics


def _ratings(n_users=60, n_items=40, density=0.3, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    U, V = rng.normal(size=(n_users, 3)), rng.normal(size=(n_items, 3))
    mask = rng.random((n_users, n_items)) < density
    u, i = np.nonzero(mask)
    r = np.clip(np.round(3 + (U[u] * V[i]).sum(axis=1) + rng.normal(0, 0.5, len(u))), 1, 5)
    return pd.DataFrame({"customer_id": [f"u{a:03d}" for a in u], "product_id": [f"i{b:03d}" for b in i],
                         "weight": r, "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.random(len(u)) * 100, "D")})


def _surprise(train: pd.DataFrame):
    from surprise import Dataset, Reader

    data = Dataset.load_from_df(train[["customer_id", "product_id", "weight"]], Reader(rating_scale=(1, 5)))
    return data.build_full_trainset()


def test_item_and_user_knn_match_surprise_knnbasic():
    from surprise import KNNBasic

    split = RC.random_split(_ratings(), 0.2, 1)
    tr, _ = split.matrices()
    ts = _surprise(split.train)
    u = pd.Index(tr.users).get_indexer(split.test["customer_id"])
    i = pd.Index(tr.items).get_indexer(split.test["product_id"])
    for user_based, model in ((False, RC.ItemKNN(10)), (True, RC.UserKNN(10))):
        algo = KNNBasic(k=10, sim_options={"name": "cosine", "user_based": user_based}, verbose=False).fit(ts)
        theirs = np.array([algo.predict(a, b).est for a, b in zip(split.test["customer_id"], split.test["product_id"])])
        ours = np.clip(model.fit(tr.X).predict(u, i), 1, 5)
        assert np.mean(np.abs(ours - theirs)) < 0.01  # equal up to ties among the k-th neighbours


def test_cosine_on_common_users_and_shrinkage():
    X = sp.csr_matrix(np.array([[5, 1, 0], [4, 0, 2], [0, 3, 3.0]]))
    sim = RC.cosine_similarity(X)
    # items 0 and 1 share user 0 only: cosine over that one user is 1
    assert sim[0, 1] == pytest.approx(1.0) and sim[0, 0] == 0
    plain = RC.cosine_similarity(X, common=False)
    assert plain[0, 1] == pytest.approx(5 / (np.sqrt(41) * np.sqrt(10)))
    shrunk = RC.cosine_similarity(X, shrinkage=1.0)
    assert shrunk[0, 1] == pytest.approx(1.0 * 1 / (1 + 1))


def test_biased_baseline_matches_surprise_baselineonly():
    from surprise import BaselineOnly

    df = _ratings()
    tr = RC.to_matrix(df)
    ours = RC.BiasedBaseline(reg_user=15, reg_item=10, iterations=10).fit(tr.X)
    algo = BaselineOnly(bsl_options={"method": "als", "reg_i": 10, "reg_u": 15, "n_epochs": 10}, verbose=False)
    algo.fit(_surprise(df))
    theirs = np.array([algo.predict(a, b, clip=False).est for a, b in zip(df["customer_id"], df["product_id"])])
    u, i = pd.Index(tr.users).get_indexer(df["customer_id"]), pd.Index(tr.items).get_indexer(df["product_id"])
    assert np.allclose(ours.predict(u, i), theirs, atol=1e-6)


def test_als_row_update_is_the_closed_form_ridge():
    rng = np.random.default_rng(3)
    X = sp.random(5, 12, density=0.5, random_state=4, format="csr", data_rvs=lambda n: rng.integers(1, 6, n))
    F, reg = rng.normal(size=(12, 3)), np.full(5, 0.7)
    got = RC.solve_rows(X, F, X.data.astype(float), reg)
    for u in range(5):
        cols = X[u].indices
        ridge = Ridge(alpha=0.7, fit_intercept=False).fit(F[cols], X[u].data)
        assert np.allclose(got[u], ridge.coef_)


def _solve_rows_row_by_row(X, F, targets, reg, weights=None, base=None, penalty=None):
    """The reference: one BLAS product per row, in a Python loop (the former implementation)."""
    n, d = X.shape[0], F.shape[1]
    A, b = np.empty((n, d, d)), np.empty((n, d))
    w = np.ones_like(targets) if weights is None else weights
    for u in range(n):
        a, z = X.indptr[u], X.indptr[u + 1]
        Fu = F[X.indices[a:z]]
        Fw = Fu * w[a:z, None]
        np.matmul(Fw.T, Fu, out=A[u])
        np.matmul(Fw.T, targets[a:z], out=b[u])
    A += np.asarray(reg, dtype=float)[:, None, None] * (np.eye(d) if penalty is None else np.diag(penalty))
    if base is not None:
        A += base
    return np.linalg.solve(A, b[..., None])[..., 0]


@pytest.mark.parametrize("cells", [1, 7, 2**15])
def test_solve_rows_in_groups_equals_the_row_loop_to_the_last_bit(cells, monkeypatch):
    """Rows stacked by their number of cells (a few cells at a time with a small ``SOLVE_CELLS``), empty rows
    included: the same BLAS products, so the same numbers exactly."""
    from analysis.recommend import factors

    monkeypatch.setattr(factors, "SOLVE_CELLS", cells)
    rng = np.random.default_rng(11)
    X = sp.random(40, 25, density=0.2, random_state=12, format="csr", data_rvs=lambda n: rng.integers(1, 6, n) * 1.0)
    X = sp.csr_matrix(sp.diags((np.arange(40) != 3).astype(float)) @ X)  # row 3 empty
    X.eliminate_zeros()
    assert X[3].nnz == 0
    F, t = rng.normal(size=(25, 6)), rng.normal(size=X.nnz)
    reg, w = rng.random(40), 1 + rng.random(X.nnz)
    for kw in ({}, {"weights": w, "base": F.T @ F}, {"penalty": np.r_[np.ones(5), 0.1]}):
        np.testing.assert_array_equal(factors.solve_rows(X, F, t, reg, **kw),
                                      _solve_rows_row_by_row(X, F, t, reg, **kw))


def test_scatter_add_by_bincount_sums_as_the_sparse_product():
    rng = np.random.default_rng(13)
    for _ in range(50):
        n, m = int(rng.integers(1, 30)), int(rng.integers(0, 80))
        index, values = rng.integers(0, n, m), rng.normal(size=m) * 10.0 ** rng.integers(-8, 8, m)
        target = rng.normal(size=n)
        want = target + sp.csr_matrix((np.ones(m), (index, np.arange(m))), shape=(n, m)) @ values
        RC.scatter_add(target, index, values)
        np.testing.assert_array_equal(target, want)


def test_bpr_tests_not_had_pairs_the_same_by_table_and_by_search(monkeypatch):
    from analysis.recommend import factors

    X = sp.csr_matrix((np.random.default_rng(14).random((50, 30)) < 0.2).astype(float))
    by_table = RC.BPR(4, iterations=3, batch=64).fit(X)
    monkeypatch.setattr(factors, "PAIR_TABLE_CELLS", 0)
    by_search = RC.BPR(4, iterations=3, batch=64).fit(X)
    for name in ("user_factors_", "item_factors_", "item_bias_"):
        np.testing.assert_array_equal(getattr(by_table, name), getattr(by_search, name))


def test_implicit_als_update_is_the_hkv_formula():
    rng = np.random.default_rng(5)
    X = sp.random(4, 9, density=0.4, random_state=6, format="csr", data_rvs=lambda n: rng.integers(1, 4, n) * 1.0)
    Y, lam, alpha = rng.normal(size=(9, 2)), 0.3, 5.0
    got = RC.ImplicitALS.update(X, Y, lam, alpha)
    for u in range(4):
        row = X[u].toarray().ravel()
        C, p = np.diag(1 + alpha * row), (row > 0).astype(float)
        want = np.linalg.solve(Y.T @ C @ Y + lam * np.eye(2), Y.T @ C @ p)
        assert np.allclose(got[u], want)


def test_ease_columns_are_ridge_regressions_on_the_other_items():
    rng = np.random.default_rng(7)
    X = sp.csr_matrix((rng.random((50, 8)) < 0.4).astype(float))
    B = RC.ease_weights(X, 3.0)
    assert np.allclose(np.diag(B), 0)
    D = X.toarray()
    for j in range(8):
        others = [i for i in range(8) if i != j]
        coef = Ridge(alpha=3.0, fit_intercept=False).fit(D[:, others], D[:, j]).coef_
        assert np.allclose(B[others, j], coef, atol=1e-8)
    # EDLAE: the penalty on item i grows with its own count by p / (1 - p)
    G = D.T @ D
    P = np.linalg.inv(G + np.diag(3.0 + 0.25 / 0.75 * np.diag(G)))
    want = -P / np.diag(P)
    np.fill_diagonal(want, 0)
    assert np.allclose(RC.ease_weights(X, 3.0, 0.25), want)


def _implicit_data():
    """Interactions drawn from latent tastes: P(u has i) = sigmoid(3 u.v - 2)."""
    rng = np.random.default_rng(8)
    U, V = rng.normal(size=(150, 2)), rng.normal(size=(50, 2))
    u, i = np.nonzero(rng.random((150, 50)) < 1 / (1 + np.exp(-(3 * U @ V.T - 2))))
    df = pd.DataFrame({"customer_id": [f"u{a:03d}" for a in u], "product_id": [f"i{b:03d}" for b in i],
                       "weight": 1.0, "timestamp": pd.Timestamp("2024-01-01")})
    split = RC.stratified_split(df, 0.25, 42)
    return split.matrices(binary=True)


@pytest.mark.parametrize("model", [RC.Popularity(), RC.EASE(10.0), RC.ItemKNN(20, common=False), RC.UserKNN(20),
                                   RC.ImplicitALS(4, 0.1, 5, alpha=5), RC.BPR(8, iterations=20, learning_rate=0.1),
                                   RC.Autoencoder(16, alpha=0.01, iterations=100)])
def test_every_model_recommends_unseen_items_and_beats_chance(model):
    tr, te = _implicit_data()
    recs = model.fit(tr.X).recommend(n=5)
    seen = tr.X[np.arange(tr.X.shape[0])[:, None], np.maximum(recs, 0)].toarray()
    assert recs.shape == (tr.X.shape[0], 5) and not seen[recs >= 0].any()
    rng = np.random.default_rng(0)
    chance = np.array([rng.permutation(np.flatnonzero(tr.X[u].toarray().ravel() == 0))[:5] for u in range(tr.X.shape[0])])
    assert ranking_metrics(recs, te.X)["ndcg"] > ranking_metrics(chance, te.X)["ndcg"]


def test_explicit_als_and_sgd_fit_the_ratings():
    df = _ratings(80, 50, 0.4, seed=9)
    split = RC.random_split(df, 0.2, 0)
    tr, _ = split.matrices()
    u, i = pd.Index(tr.users).get_indexer(split.test["customer_id"]), pd.Index(tr.items).get_indexer(split.test["product_id"])
    base = RC.BiasedBaseline().fit(tr.X).predict(u, i)
    errs = {}
    for name, m in (("als", RC.ExplicitALS(3, 0.1, 10)), ("sgd", RC.ExplicitSGD(3, 0.02, 60, learning_rate=0.02))):
        curve = []
        m.fit(tr.X, monitor=lambda it, model: curve.append(it))
        errs[name] = np.sqrt(np.mean((np.clip(m.predict(u, i), 1, 5) - split.test["weight"]) ** 2))
        assert curve == list(range(1, m.iterations + 1))
    base_err = np.sqrt(np.mean((base - split.test["weight"]) ** 2))
    assert errs["als"] < base_err and errs["sgd"] < base_err


def test_refusals_are_worded():
    with pytest.raises(DataError, match="users x items matrix"):
        RC.EASE().fit([[1, 0], [0, 1]])
    with pytest.raises(DataError, match="at least two users and two items"):
        RC.Popularity().fit(sp.csr_matrix((1, 5)))
    with pytest.raises(DataError, match="not fitted yet"):
        RC.EASE().recommend(n=3)
    with pytest.raises(DataError, match="similarity"):
        RC.ItemKNN(similarity="jaccard").fit(sp.csr_matrix(np.eye(3)))
    with pytest.raises(DataError, match="lam"):
        RC.ease_weights(sp.csr_matrix(np.eye(3)), 0.0)
