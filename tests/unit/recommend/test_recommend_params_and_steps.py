"""The chapter's needs and the steps' refusals, each worded with the parameter and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.chapters import chapter_params, check_needs
from analysis.data import load_transactions
from analysis.errors import DataError
from analysis.chapters.recommend import steps as RS
from analysis.chapters.recommend.params import MIN_CUSTOMERS
from analysis.recommend import cosine_similarity, to_matrix


@pytest.fixture(scope="module")
def small():
    table, report = load_transactions("shop", n_customers=300, seed=1)
    return table, report


def test_needs_pass_and_refuse_with_the_fix(small):
    table, report = small
    P = chapter_params("recommend", {"data": "shop", "shop_customers": 300, "seed": 1})
    check_needs("recommend", P, report, table)
    P = chapter_params("recommend", {"data": "shop", "shop_customers": 300, "seed": 1, "min_interactions": 40})
    with pytest.raises(DataError, match="min_interactions") as err:
        check_needs("recommend", P, report, table)
    assert f"at least {MIN_CUSTOMERS}" in str(err.value) and "set min_interactions:" in str(err.value)
    P = chapter_params("recommend", {"data": "shop", "shop_customers": 300, "seed": 1, "top_k": 900})
    with pytest.raises(DataError, match="set top_k to at most"):
        check_needs("recommend", P, report, table)


def test_steps_refuse_in_words(small):
    table, _ = small
    with pytest.raises(DataError, match="set a smaller min_interactions"):
        RS.matrix_step(table, 500)
    inter = RS.matrix_step(table, 5)["interactions"]
    with pytest.raises(DataError, match="split must be one of"):
        RS.split_step(inter, "monthly", 0.25, 0)


def test_content_and_rules_say_when_there_is_nothing(small):
    table, _ = small
    inter = RS.matrix_step(table, 5)["interactions"]
    data = RS.split_step(inter, "random", 0.25, 0).data
    knn = RS.neighbours_step(data["train"], data["test"], 5, 20)["item_knn"]
    none = RS.content_step(None, data["train"], knn)
    assert none.table is None and "no product descriptions" in none.glue["content_finding"]
    rules = RS.rules_step(table, 0.9, None)
    assert rules.glue["n_rules"] == 0 and len(rules.table) == 0


def test_rules_count_the_pairs_that_reach_the_support(small):
    from itertools import combinations

    from analysis import features

    table, _ = small
    baskets = features.baskets(table)
    n = baskets["order_id"].nunique()
    pairs = pd.Series([p for _, g in baskets.groupby("order_id")["product_id"]
                       for p in combinations(sorted(set(g)), 2)]).value_counts()
    support = 2 / n  # a pair in two baskets reaches it
    step = RS.rules_step(table, support, None)
    assert step.glue["n_pairs"] == int((pairs >= support * n - 1e-9).sum()) > 0
    assert f"{step.glue['n_pairs']:,} pairs" in step.glue["rules_finding"]
    assert (step["rules"]["confidence"] >= 0.3).all() and (step["rules"]["lift"] > 1).all()
    assert step.glue["n_rules"] <= 2 * step.glue["n_pairs"]


def test_reasons_come_from_the_customers_own_products(small):
    table, _ = small
    inter = RS.matrix_step(table, 5)["interactions"]
    full = to_matrix(inter, binary=True)
    sim = cosine_similarity(full.X, common=False)
    users, items = np.array([0, 1]), np.array([int(np.flatnonzero(full.X[0].toarray().ravel() == 0)[0]),
                                               int(np.flatnonzero(full.X[1].toarray().ravel() == 0)[0])])
    reasons = RS._reasons(full.X, sim, users, items, full.items, None, None)
    for u, j, reason in zip(users, items, reasons):
        have = full.X[u].indices
        if reason.startswith("because you bought "):
            because = reason.removeprefix("because you bought ")
            b = int(np.flatnonzero(full.items == because)[0])
            assert b in have and sim[b, j] == sim[have, j].max() > 0
        else:
            assert reason == "no close product among yours" and not (sim[have, j] > 0).any()


def test_on_ratings_the_reason_is_a_well_rated_product():
    import scipy.sparse as sp

    ratings = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c", "c"],
                            "product_id": ["x", "y", "z", "x", "w", "y", "w"],
                            "weight": [1.0, 5.0, 4.0, 5.0, 4.0, 2.0, 5.0]})
    values = to_matrix(ratings)
    train = to_matrix(ratings, binary=True)  # products w, x, y, z; customers a, b, c
    sim = np.ones((4, 4))  # every product close to every other: only the rating decides the reason
    reasons = RS._reasons(train.X, sim, np.array([0, 2]), np.array([0, 2]), train.items, None, values.X)
    assert reasons[0] in {"because you rated y", "because you rated z"}  # x, rated 1, is no reason
    assert reasons[1] == "because you rated w"  # y (2, below c's mean and 3) is no reason
    assert not any("bought" in r for r in reasons) and sp.issparse(values.X)


def test_a_file_with_one_product_is_refused_by_name(small):
    table, report = small
    one = table.assign(product_id="CD")
    P = chapter_params("recommend", {"data": "shop", "shop_customers": 300, "seed": 1})
    with pytest.raises(DataError, match="1 distinct product;") as err:
        check_needs("recommend", P, report, one)
    assert "CDNOW" in str(err.value)


def test_product_labels_set_the_category_and_genres_apart(tmp_path):
    from analysis.recommend import movielens_texts, product_texts, text_similarity

    table = pd.DataFrame({"product_id": ["a", "b", "c"], "description": ["Wooden Yo-Yo, White", "Glass Jar", "Mug"],
                          "category": ["Toys", "Kitchen", None]})
    texts = product_texts(table, ["a", "b", "c"])
    assert texts.tolist() == ["Wooden Yo-Yo, White [Toys]", "Glass Jar [Kitchen]", "Mug"]
    plain = pd.Series(["Wooden Yo-Yo, White Toys", "Glass Jar Kitchen", "Mug"])
    assert np.allclose(text_similarity(texts), text_similarity(plain))  # brackets change no TF-IDF word
    flags = ["0"] * 19
    flags[1] = flags[2] = "1"  # Action, Adventure
    (tmp_path / "u.item").write_text("50|Star Wars (1977)|01-Jan-1977||http://x|" + "|".join(flags) + "\n"
                                     + "7|No Genre (1990)|01-Jan-1990||http://y|" + "|".join(["0"] * 19) + "\n",
                                     encoding="latin-1")
    films = movielens_texts(str(tmp_path / "u.data"), ["50", "7"])
    assert films.tolist() == ["Star Wars (1977) [Action, Adventure]", "No Genre (1990)"]


def test_unfit_frees_the_arrays_and_keeps_the_lists_and_parameters(small):
    from analysis.recommend import EASE, ItemKNN

    table, _ = small
    data = RS.split_step(RS.matrix_step(table, 5)["interactions"], "time", 0.25, 0).data
    train, test = data["train"], data["test"]
    rows = [RS._evaluate("item kNN", ItemKNN(7, common=False, shrinkage=10.0), train, test, 5),
            RS._evaluate("EASE", EASE(50.0), train, test, 5), {"model": "rules", "recs": np.zeros((2, 5), int)}]
    lists = [r["recs"].copy() for r in rows]
    before = {k: v for k, v in rows[0].items() if k not in ("fitted", "recs")}
    RS.unfit(rows)
    knn, ease = rows[0]["fitted"], rows[1]["fitted"]
    assert (knn.neighbours, knn.shrinkage, knn.common, ease.lam) == (7, 10.0, False, 50.0)  # the same parameters
    assert not any(hasattr(m, a) for m in (knn, ease) for a in ("X_", "sim_", "topk_", "B_"))  # no array kept
    assert all(np.array_equal(r["recs"], lst) for r, lst in zip(rows, lists)) and "fitted" not in rows[2]
    assert {k: v for k, v in rows[0].items() if k not in ("fitted", "recs")} == before
    refit = knn.fit(train.X).recommend(n=5)  # refitted as section 10 does: the same lists as before
    assert np.array_equal(refit, lists[0])
