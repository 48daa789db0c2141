"""Memory that grows with the data (issue 24): chunked top-k neighbours against the dense computation, EASE on
at most ``max_products`` products, the evaluation's customer sample, and nothing changed below the caps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis import recommend as RC
from analysis import schema as S
from analysis.chapters.recommend import steps as RS
from analysis.data import load_transactions
from analysis.errors import DataError
from analysis.recommend.linear import SINGLE_CONDITION, _upper_to_symmetric, ease_weights, gram, most_interacted
from analysis.recommend.neighbours import _knn_predict, top_k_neighbours


def _matrix(seed: int, rows: int = 30, cols: int = 45, *, ratings: bool = False) -> sp.csr_matrix:
    """A sparse matrix with an empty row and an empty column; 0/1 cells give many tied similarities."""
    rng = np.random.default_rng(seed)
    dense = (rng.random((rows, cols)) < 0.15).astype(float)
    if ratings:
        dense *= rng.integers(1, 6, dense.shape)
    dense[4], dense[:, 7] = 0.0, 0.0
    return sp.csr_matrix(dense)


OPTIONS = [{"common": False}, {"common": True}, {"centred": True}, {"common": False, "shrinkage": 10.0},
           {"shrinkage": 3.0}]


@pytest.mark.parametrize("ratings", [False, True])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_chunked_top_k_neighbours_equal_the_dense_computation(ratings, options):
    for seed in range(4):
        X = _matrix(seed, ratings=ratings)
        for k in (1, 3, 10, 44, 100):
            dense = RC.keep_top_k(RC.cosine_similarity(X, **options), k)
            for chunk in (1, 7, None):
                got = top_k_neighbours(X, k, chunk=chunk, **options)
                assert sp.issparse(got)
                np.testing.assert_array_equal(got.toarray(), dense)


def _keep_top_k_whole(sim: np.ndarray, k: int) -> np.ndarray:
    """The former keep_top_k: one argpartition of the whole negated matrix down its columns."""
    if k >= sim.shape[0]:
        return sim
    out = np.zeros_like(sim)
    top = np.argpartition(-sim, k - 1, axis=0)[:k]
    cols = np.arange(sim.shape[1])[None, :]
    out[top, cols] = sim[top, cols]
    return out


@pytest.mark.parametrize("cells", [1, 50, 2**17])
def test_keep_top_k_a_few_columns_at_a_time_keeps_the_ties_the_whole_partition_keeps(cells, monkeypatch):
    from analysis.recommend import neighbours

    monkeypatch.setattr(neighbours, "TOP_CELLS", cells)
    for seed in range(6):
        sim = np.round(RC.cosine_similarity(_matrix(seed, 60, 45), common=False), 1)  # rounded: many ties
        for k in (1, 2, 5, 44, 45):
            np.testing.assert_array_equal(RC.keep_top_k(sim, k), _keep_top_k_whole(sim, k))


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_cosine_written_in_place_equals_the_masked_division(options):
    """The cosine divided in place (no mask when every norm is positive) gives the numbers of
    ``np.divide(num, den, out=zeros, where=den > 0)`` exactly, with and without an empty column."""
    from analysis.recommend.neighbours import _centred

    for seed, empty in ((0, True), (1, False)):
        X = _matrix(seed, ratings=True)
        if not empty:
            X = sp.csr_matrix(X + sp.csr_matrix((np.ones(45), (np.zeros(45, int), np.arange(45))), shape=X.shape))
        R = _centred(X) if options.get("centred") else X
        B = R.copy()
        B.data = np.ones_like(B.data)
        num = (R.T @ R).toarray()
        if options.get("common", True):
            A = (R.multiply(R).tocsr().T @ B).toarray()
            den = np.sqrt(A * A.T)
        else:
            norms = np.sqrt(np.asarray(R.multiply(R).sum(axis=0)).ravel())
            den = np.outer(norms, norms)
        want = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        if options.get("shrinkage"):
            n_common = (B.T @ B).toarray()
            want *= n_common / (n_common + options["shrinkage"])
        np.fill_diagonal(want, 0.0)
        got = RC.cosine_similarity(X, **options)
        np.testing.assert_array_equal(got, want)
        assert got.flags["F_CONTIGUOUS"] == want.flags["F_CONTIGUOUS"]  # laid out as before (as the Gram matrix)


def test_item_knn_sparse_neighbours_made_from_the_kept_cells_are_those_of_the_dense_matrix():
    for seed in range(3):
        X = _matrix(seed, 60, 45, ratings=bool(seed % 2))
        for k in (1, 4, 44, 45):
            model = RC.ItemKNN(k, common=False, shrinkage=float(seed)).fit(X)
            dense = RC.keep_top_k(model.sim_, k)
            got, want = model._sparse_topk(), sp.csr_matrix(dense)
            for part in ("indptr", "indices", "data"):
                np.testing.assert_array_equal(getattr(got, part), getattr(want, part))
            np.testing.assert_array_equal(model.scores(), (X @ want).toarray())
            assert (model._topk_dense_ is None) == (k < 45)  # no dense kept cells until they are read
            np.testing.assert_array_equal(model.topk_, dense)  # made from the sparse cells when read
            assert model.explain(0, 3) == int(X[0].indices[np.argmax(dense[X[0].indices, 3])])
            hybrid = RC.ItemKNN(k, common=False)  # neighbours set by hand, as the chapter's hybrid does
            hybrid.X_, hybrid.topk_ = model.X_, dense / 2
            np.testing.assert_array_equal(hybrid.scores(), (X @ sp.csr_matrix(dense / 2)).toarray())
    unfitted = RC.ItemKNN(4)
    assert not hasattr(unfitted, "topk_")
    with pytest.raises(AttributeError, match="no attribute 'topk_': call fit first"):
        unfitted.topk_  # noqa: B018


def test_ties_at_the_kth_neighbour_are_kept_as_the_dense_computation_keeps_them():
    # columns 1, 2 and 3 are the same, so column 0 is equally close to each of them: a three-way tie for k = 2
    X = sp.csr_matrix(np.array([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0.0]]))
    dense = RC.keep_top_k(RC.cosine_similarity(X, common=False), 2)
    got = top_k_neighbours(X, 2, common=False, chunk=2).toarray()
    np.testing.assert_array_equal(got, dense)
    assert (got[1:4, 0] > 0).sum() == 2  # two of the three tied neighbours, as keep_top_k chose them


def test_an_empty_column_has_no_neighbours_and_is_nobodys_neighbour():
    X = _matrix(5)
    got = top_k_neighbours(X, 5, common=False, chunk=4).toarray()
    assert not got[:, 7].any() and not got[7].any()


def test_user_knn_scores_and_predictions_as_from_the_whole_similarity_matrix():
    X = _matrix(2, 40, 25, ratings=True)
    model = RC.UserKNN(6).fit(X)
    sim = RC.cosine_similarity(sp.csr_matrix(X.T))
    top = RC.keep_top_k(sim, 6)
    assert not hasattr(model, "sim_")  # no users x users array is kept
    np.testing.assert_array_equal(model.scores(), top.T @ X.toarray())
    users, items = np.r_[0, 3, 3, 39, 4, -1], np.r_[1, 2, 24, 0, 5, 3]
    want = _knn_predict(sp.csr_matrix(X.T), sim, items, users, 6, model.mu_)
    np.testing.assert_allclose(model.predict(users, items), want, rtol=0, atol=1e-12)


def test_upper_triangle_copied_as_triu_plus_its_transpose():
    a = np.random.default_rng(0).normal(size=(1030, 1030))
    want = np.triu(a) + np.triu(a, 1).T
    np.testing.assert_array_equal(_upper_to_symmetric(a.copy(), block=256), want)


def test_ease_on_a_shared_gram_matrix_and_below_the_product_cap_is_unchanged():
    X = _matrix(3, 60, 30)
    plain = RC.EASE(5.0).fit(X)
    np.testing.assert_array_equal(RC.EASE(5.0).fit(X, G=gram(X)).B_, plain.B_)
    for cap in (30, 31, 10_000):
        capped = RC.EASE(5.0, max_products=cap).fit(X)
        np.testing.assert_array_equal(capped.B_, plain.B_)
        np.testing.assert_array_equal(capped.recommend(n=5), plain.recommend(n=5))


def test_ease_above_the_cap_fits_the_most_interacted_products_and_lists_only_them():
    X = _matrix(4, 80, 30)
    counts = np.bincount(X.indices, minlength=30)
    kept = most_interacted(X, 12)
    assert len(kept) == 12 and counts[kept].min() >= np.delete(counts, kept).max()
    model = RC.EASE(5.0, max_products=12).fit(X)
    np.testing.assert_array_equal(model.items_, kept)
    np.testing.assert_array_equal(model.B_, ease_weights(X[:, kept], 5.0, dtype=model.B_.dtype))
    scores = model.scores()
    assert np.isneginf(np.delete(scores, kept, axis=1)).all()
    np.testing.assert_allclose(scores[:, kept], X[:, kept].toarray() @ model.B_, rtol=1e-5)  # float32 sums
    listed = model.recommend(n=5)
    assert np.isin(listed[listed >= 0], kept).all()
    user = int(np.argmax(np.diff(X.indptr)))
    assert model.explain(user, int(np.delete(np.arange(30), kept)[0])) == -1
    assert model.explain(user, int(kept[0])) in set(X[user].indices) & set(kept)



def test_ease_takes_single_precision_only_where_the_penalty_keeps_the_system_well_conditioned():
    from analysis.recommend.linear import SINGLE_CONDITION, ease_precision

    X = _matrix(5, 300, 40)
    G = gram(X)
    most = np.abs(G).sum(axis=1).max()
    strong, weak = 2 * most / SINGLE_CONDITION, 0.5 * most / SINGLE_CONDITION
    assert ease_precision(G, strong) is np.float32 and ease_precision(G, weak) is np.float64
    assert RC.EASE(strong).fit(X).B_.dtype == np.float32 and RC.EASE(weak).fit(X).B_.dtype == np.float64
    single, double = RC.EASE(strong).fit(X), RC.EASE(strong, dtype=np.float64).fit(X)
    np.testing.assert_allclose(single.B_, double.B_, rtol=1e-4, atol=1e-6 * np.abs(double.B_).max())
    assert (single.recommend(n=5) == double.recommend(n=5)).mean() > 0.99


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ease_weights_made_in_place_are_the_formula_to_the_last_bit_and_row_major(dtype):
    """B written over the inverse (row-major, as the sparse products of the scores read it) equals
    ``-P / diag(P)`` of the column-major inverse LAPACK gives."""
    from scipy.linalg.lapack import get_lapack_funcs

    from analysis.recommend.linear import _spd_inverse

    X = _matrix(3, 200, 60, ratings=True)
    G = gram(X)
    B = ease_weights(X, 7.0, 0.2, G=G, dtype=dtype)
    Gp = np.array(G, dtype=dtype)
    Gp[np.diag_indices_from(Gp)] += 7.0 + 0.2 / 0.8 * np.diag(G)
    potrf, potri = get_lapack_funcs(("potrf", "potri"), (Gp,))
    P = _upper_to_symmetric(potri(potrf(Gp, lower=0, clean=0)[0], lower=0)[0])
    want = -P / np.diag(P)[None, :]
    np.fill_diagonal(want, 0.0)
    assert B.flags["C_CONTIGUOUS"] and B.dtype == dtype
    np.testing.assert_array_equal(B, want)
    not_definite = np.array([[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(_spd_inverse(not_definite.copy()), np.linalg.inv(not_definite))
    halfway = np.array([[2.0, 1.0, 3.0], [1.0, -1.0, 0.5], [3.0, 0.5, 1.0]])  # potrf stops at the second pivot
    scratch = np.asfortranarray(halfway)
    np.testing.assert_array_equal(_spd_inverse(scratch, overwrite=True), np.linalg.inv(halfway))


def test_ease_holds_one_items_by_items_array_beside_the_gram_matrix():
    """The penalised copy is factorised, inverted and made into B where it is: two penalties fitted at once on
    the validation split need the Gram matrix and two such arrays (max_products' 24 bytes a pair)."""
    import tracemalloc

    X = _matrix(4, 400, 1500, ratings=False)  # large enough that the triangle copies' blocks are small beside it
    G = gram(X)
    tracemalloc.start()
    try:
        B = ease_weights(X, 3.0, G=G, dtype=np.float64)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert B.nbytes <= peak < 1.5 * B.nbytes


def test_ease_precision_by_blocks_of_rows_is_the_whole_row_sums():
    from analysis.recommend.linear import ease_precision

    G = np.random.default_rng(4).normal(size=(500, 400))  # 200,000 cells: two blocks, negative cells
    G[:, 0] = np.abs(G).sum(axis=1).max() * np.linspace(0.5, 1.5, 500)  # the widest row is the last one
    edge = float(np.abs(G).sum(axis=1).max()) / (SINGLE_CONDITION - 1)  # (widest + lam) / lam = the bound
    assert ease_precision(G, edge * 1.0001) is np.float32
    assert ease_precision(G, edge * 0.9999) is np.float64


@pytest.mark.parametrize("shrinkage", [0.0, 10.0])
def test_item_knn_on_a_shared_gram_matrix_is_unchanged(shrinkage):
    X = _matrix(6)
    plain = RC.ItemKNN(5, common=False, shrinkage=shrinkage).fit(X)
    shared = RC.ItemKNN(5, common=False, shrinkage=shrinkage).fit(X, G=gram(X))
    np.testing.assert_array_equal(shared.sim_, plain.sim_)
    np.testing.assert_array_equal(shared.recommend(n=4), plain.recommend(n=4))
    with pytest.raises(DataError, match="Gram matrix"):
        RC.ItemKNN(5, "centred").fit(X, G=gram(X))

def test_most_interacted_breaks_ties_by_the_lower_index():
    X = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 1, 0, 1.0]]))
    np.testing.assert_array_equal(most_interacted(X, 3), [0, 1, 2])
    np.testing.assert_array_equal(most_interacted(X, None), [0, 1, 2, 3])


@pytest.fixture(scope="module")
def shop():
    table, _ = load_transactions("shop", n_customers=400, seed=2)
    return table, RS.matrix_step(table, 5)["interactions"]


def test_the_sample_is_seeded_keeps_whole_customers_and_is_off_below_the_cap(shop):
    _, inter = shop
    n = inter[S.CUSTOMER].nunique()
    below = RS.sample_step(inter, n, 0)
    assert below["interactions"] is inter and below.glue["eval_sampled"] is False and below["progress_note"] == ""
    assert f"all {n:,} customers" in below.glue["eval_sample_text"]
    a, b, c = (RS.sample_step(inter, 50, seed) for seed in (0, 0, 1))
    assert a["interactions"][S.CUSTOMER].nunique() == 50 and a.glue["eval_sampled"] is True
    pd.testing.assert_frame_equal(a["interactions"], b["interactions"])
    assert set(a["interactions"][S.CUSTOMER]) != set(c["interactions"][S.CUSTOMER])
    chosen = inter[inter[S.CUSTOMER].isin(a["interactions"][S.CUSTOMER])].reset_index(drop=True)
    pd.testing.assert_frame_equal(a["interactions"], chosen)  # every interaction of a sampled customer
    assert "50" in a["progress_note"] and "max_eval_customers" in a["progress_note"]
    assert f"{n:,} customers" in a.glue["eval_sample_text"] and "50 of them" in a.glue["eval_sample_text"]


def test_caps_at_or_above_the_data_change_no_glued_value(shop):
    table, inter = shop
    n_users, n_items = inter[S.CUSTOMER].nunique(), inter[S.PRODUCT].nunique()

    def run(max_customers, max_products):
        evaluated = RS.sample_step(inter, max_customers, 3)["interactions"]
        data = RS.split_step(evaluated, "time", 0.25, 3).data
        glue = dict(RS.neighbours_step(data["train"], data["test"], 10, 20).glue)
        step = RS.implicit_step(data, 10, 8, 3, 3, None, max_products)
        glue |= {k: v for k, v in step.glue.items() if k != "ease_products_text"}
        best = max(step["rows"], key=lambda r: r["ndcg"])
        glue |= RS.global_step(table, evaluated, best, 10, 30, False).glue
        return glue, step.glue["ease_products_text"]

    exact, text = run(n_users, n_items)
    default, default_text = run(10_000, 5000)
    assert exact == default
    assert f"all {n_items:,} products" in text and "5,000" in default_text
    capped, capped_text = run(n_users, n_items - 1)
    assert capped["ease_products"] == n_items - 1 and "never lists the others" in capped_text


def _mlxtend_rules(baskets: pd.DataFrame, min_support: float, min_confidence: float, max_products: int = 2000):
    """The rules as mlxtend's FP-growth (pairs) and association_rules give them, the reference of basket_rules."""
    import warnings

    from mlxtend.frequent_patterns import association_rules, fpgrowth

    support = baskets[S.PRODUCT].value_counts() / baskets[S.ORDER].nunique()
    top = support[support >= min_support].index[:max_products]
    kept = baskets[baskets[S.PRODUCT].isin(top)]
    orders = pd.Index(baskets[S.ORDER].unique())
    products = pd.Index(np.sort(kept[S.PRODUCT].unique()))
    cells = sp.csr_matrix((np.ones(len(kept), bool), (orders.get_indexer(kept[S.ORDER]),
                           products.get_indexer(kept[S.PRODUCT]))), shape=(len(orders), len(products)))
    onehot = pd.DataFrame.sparse.from_spmatrix(cells, columns=products)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        itemsets = fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=2)
        pairs = int((itemsets["itemsets"].map(len) == 2).sum())
        if pairs == 0:
            return None, len(itemsets), 0
        rules = association_rules(itemsets, metric="confidence", min_threshold=min_confidence)
    rules = rules[rules["lift"] > 1]
    out = pd.DataFrame({"antecedent": rules["antecedents"].map(lambda s: next(iter(s))),
                        "consequent": rules["consequents"].map(lambda s: next(iter(s))),
                        "support": rules["support"], "confidence": rules["confidence"], "lift": rules["lift"]})
    out = out.sort_values(["lift", "antecedent", "consequent"], ascending=[False, True, True]).reset_index(drop=True)
    return out, len(itemsets), pairs


def _random_baskets(seed: int, orders: int = 400, products: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.0, products) + 0.1
    lines = [(f"o{o}", f"p{p:02d}") for o in range(orders)
             for p in rng.choice(products, rng.integers(1, 8), replace=False, p=weights / weights.sum())]
    return pd.DataFrame(lines, columns=[S.ORDER, S.PRODUCT])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("min_support,min_confidence", [(0.01, 0.3), (0.02, 0.0), (0.05, 0.5), (0.0125, 0.0)])
def test_basket_rules_are_mlxtends_fp_growth_rules(seed, min_support, min_confidence):
    baskets = _random_baskets(seed)
    ours, n_itemsets = RC.basket_rules(baskets, min_support, min_confidence=min_confidence)
    theirs, their_itemsets, pairs = _mlxtend_rules(baskets, min_support, min_confidence)
    assert n_itemsets == their_itemsets and ours.attrs["frequent_pairs"] == pairs
    if theirs is None:
        assert ours.empty
    else:
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=True)


def test_basket_rules_on_the_shop_are_mlxtends(shop):
    from analysis import features

    table, _ = shop
    baskets = features.baskets(table)
    for min_support in (0.005, 0.01):
        ours, n_itemsets = RC.basket_rules(baskets, min_support, min_confidence=0.0, max_products=50)
        theirs, their_itemsets, pairs = _mlxtend_rules(baskets, min_support, 0.0, max_products=50)
        assert n_itemsets == their_itemsets and ours.attrs["frequent_pairs"] == pairs and len(ours) > 0
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=True)


def _reasons_one_by_one(X, sim, users, items, ids, values):
    """The reasons pair by pair (the chapter's former loop), the reference of the per-customer blocks."""
    out = []
    for u, j in zip(users, items):
        have = X.indices[X.indptr[u] : X.indptr[u + 1]]
        if values is not None and len(have):
            r = values.data[values.indptr[u] : values.indptr[u + 1]]
            have = have[(r >= RS.LIKED_RATING) & (r >= r.mean())]
        because = have[np.argmax(sim[have, j])] if len(have) else -1
        if because < 0 or not sim[because, j] > 0:
            out.append("no close product among yours" if values is None
                       else "no close product among your well-rated ones")
        else:
            out.append(f"because you {'bought' if values is None else 'rated'} {ids[because]}")
    return out


@pytest.mark.parametrize("ratings", [False, True])
def test_reasons_by_customer_blocks_are_the_pair_by_pair_reasons(ratings):
    X = _matrix(6, 40, 30, ratings=ratings)
    B = X.copy()
    B.data[:] = 1.0
    sim = np.round(RC.cosine_similarity(B, common=False), 1)  # rounded: many ties
    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 40, 200), rng.integers(0, 30, 200)
    ids = np.array([f"p{j}" for j in range(30)])
    values = X if ratings else None
    got = RS._reasons(B, sim, users, items, ids, None, values)
    assert got == _reasons_one_by_one(B, sim, users, items, ids, values)
    assert RS._reasons(B, sim, users[:0], items[:0], ids, None, values) == []


def test_fits_on_two_threads_give_what_one_thread_gives(shop, monkeypatch):
    """Sections 3 to 5 run independent fits two at a time (RS._pool); the rows, lists and choices are the same."""
    _, inter = shop
    data = RS.split_step(inter, "time", 0.25, 3).data

    def run(threads):
        monkeypatch.setattr(RS, "_threads", lambda: threads)
        RS._validation(data["split"], 3)  # the cached validation split is shared, as in the chapter
        steps = [RS.neighbours_step(data["train"], data["test"], 10, 20),
                 RS.factors_step(data, 10, 8, 0.1, 4, 3, False),
                 RS.implicit_step(data, 10, 8, 3, 3, None, 5000)]
        rows = [*steps[0]["rows"], steps[1]["row"], *steps[2]["rows"]]
        return [s.glue for s in steps], [(r["model"], r["ndcg"], r["recs"].tobytes()) for r in rows]

    one, two = run(1), run(2)
    assert one == two and len(one[1]) >= 7


def test_a_dropped_refit_stops_after_its_sweep(shop):
    import threading

    _, inter = shop
    data = RS.split_step(inter, "time", 0.25, 3).data
    users = RS._curve_users(data["test"].X, 3)
    dropped = threading.Event()
    dropped.set()
    with pytest.raises(RS._Dropped):
        RS._als_with_curve(8, 0.1, 50, 3, data, users, 10, dropped)
    row, curve = RS._als_with_curve(8, 0.1, 3, 3, data, users, 10, threading.Event())
    assert len(curve) == 3 and row["model"] == "implicit ALS" and row["recs"].shape[1] == 10
