"""The Collaborative filtering chapter through papermill with tiny parameters: glued numbers against the
package (and independent computations), worded findings against the glued numbers, exercises checked,
the analyst's CSV, and the same parameters giving the same glued values."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

from analysis.data import load_transactions
from analysis.chapters.recommend import findings as F
from analysis.recommend import EASE, filter_min_interactions, interactions_of, split_interactions
from analysis.shop import make_shop
from analysis.shop.tastes import oracle_scores

pytestmark = pytest.mark.notebooks
NOTEBOOK = "03_recommend.ipynb"
TINY = {"shop_customers": 500, "seed": 3, "factors": 8, "iterations": 4}
DEFAULTS = {"min_interactions": 5, "split": "time", "test_share": 0.25, "top_k": 10}


@pytest.fixture(scope="module")
def split():
    table, _ = load_transactions("shop", n_customers=TINY["shop_customers"], seed=TINY["seed"])
    inter = filter_min_interactions(interactions_of(table), DEFAULTS["min_interactions"])
    s = split_interactions(inter, DEFAULTS["split"], DEFAULTS["test_share"], TINY["seed"])
    return inter, s, *s.matrices(binary=True)


def _ndcg_by_hand(recs: np.ndarray, test) -> float:
    """nDCG@k written out per customer, independent of analysis.evaluate."""
    out = []
    for u in range(recs.shape[0]):
        rel = set(test[u].indices)
        if not rel:
            continue
        dcg = sum(1 / np.log2(r + 2) for r, j in enumerate(recs[u]) if j in rel)
        ideal = sum(1 / np.log2(r + 2) for r in range(min(len(rel), recs.shape[1])))
        out.append(dcg / ideal)
    return float(np.mean(out))


def test_matrix_and_split_numbers_match(glued, split):
    inter, s, tr, te = split
    assert int(glued["n_users"]) == inter["customer_id"].nunique()
    assert int(glued["n_items"]) == inter["product_id"].nunique()
    assert float(glued["density"]) == pytest.approx(len(inter) / (int(glued["n_users"]) * int(glued["n_items"])))
    assert int(glued["n_train"]) == tr.X.nnz and int(glued["n_test"]) == te.X.nnz


def test_model_scores_match_an_independent_computation(glued, split):
    _, s, tr, te = split
    counts = np.asarray(tr.X.sum(axis=0)).ravel()
    pop = np.array([[j for j in np.argsort(-counts, kind="stable") if tr.X[u, j] == 0][:10] for u in range(tr.X.shape[0])])
    assert float(glued["pop_ndcg"]) == pytest.approx(_ndcg_by_hand(pop, te.X))
    ease = EASE(float(glued["ease_lambda"])).fit(tr.X)
    assert float(glued["ease_ndcg"]) == pytest.approx(_ndcg_by_hand(ease.recommend(n=10), te.X))


def test_oracle_on_the_planted_tastes(glued, split):
    _, s, tr, te = split
    shop = make_shop(n_customers=TINY["shop_customers"], seed=TINY["seed"])
    scores = oracle_scores(shop, tr.users, tr.items)
    scores[tr.X.nonzero()] = -np.inf
    recs = np.argsort(-scores, axis=1, kind="stable")[:, :10]
    assert float(glued["oracle_ndcg"]) == pytest.approx(_ndcg_by_hand(recs, te.X))
    assert float(glued["oracle_ndcg"]) > float(glued["pop_ndcg"])


def test_findings_follow_the_glued_numbers(glued):
    n = lambda k: float(glued[k])  # noqa: E731
    assert glued["sparsity_finding"] == F.sparsity(n("density"), n("head_share"), int(n("n_users")), int(n("n_items")))
    assert glued["best_finding"] == F.best_model(glued["best_model"], n("best_ndcg"), n("pop_ndcg"), 10)
    assert glued["truth_finding"] == F.oracle(glued["best_model"], n("best_ndcg"), n("oracle_ndcg"), 10)
    assert glued["rating_finding"] == F.ratings(None, None, None)
    assert glued["mf_text"] == F.implicit_als_score(n("mf_final"), int(n("mf_users")), int(n("curve_users")))
    assert int(n("mf_users")) == int(n("n_test_users"))
    assert glued["ease_lambda_text"] == F.penalty(n("ease_lambda")) and glued["ease_lambda_text"] in glued["ease_grid_text"]
    cold = html.unescape(glued["cold_product"])  # glued as Markdown, its data strings escaped
    assert "[" in cold and "]" in cold  # the category set apart
    assert glued["hybrid_text"] == F.hybrid(n("hybrid_ndcg"), n("item_knn_ndcg"), n("hybrid_weight"))
    assert glued["content_finding"] == F.cold_start(glued["cold_product"], n("cold_overlap"), 5)
    assert glued["rules_cf_text"] == F.rules_against_cf(n("rules_ndcg"), n("rules_users"), glued["best_model"],
                                                        n("best_ndcg"), int(n("n_rules")))
    assert glued["pop_place"].startswith("Most-popular ranks ")
    assert glued["basket_note"] == ""
    assert glued["grid_note"] == F.grid_edge(int(n("factors_chosen")), [2, 4, 8])
    assert glued["family_finding"] == F.family_cap(glued["best_model"], n("family_ndcg_before"), n("family_ndcg"),
                                                   int(n("max_per_family")), n("family_changed"), True)
    assert n("family_ndcg_before") == n("best_ndcg")
    assert glued["variant_rules_text"] == F.variant_rules(int(n("n_variant_rules")), int(n("n_rules")), None) or \
        int(n("n_variant_rules")) > 0
    assert glued["ex3_4_sentence"] == F.penalty_check(n("ex3_4_weaker"), n("ex3_4"), 10, n("ease_ndcg"))
    assert "What this run found" not in glued["run_summary"] and glued["best_finding"] in glued["run_summary"]


def test_exercises(glued, split):
    inter, s, tr, te = split
    assert float(glued["ex3_1"]) == pytest.approx(len(s.train) / (s.train["customer_id"].nunique() * s.train["product_id"].nunique()))
    hit = 1 - float(glued["ex3_3"])
    assert 0 < hit <= 1 and str(round(100 * (1 - hit), 1)) in glued["ex3_3_sentence"]
    strong = EASE(10 * float(glued["ease_lambda"])).fit(tr.X)
    change = _ndcg_by_hand(strong.recommend(n=10), te.X) - float(glued["ease_ndcg"])
    assert float(glued["ex3_4"]) == pytest.approx(change)
    counts = np.asarray(tr.X.sum(axis=0)).ravel()
    pop5 = np.array([[j for j in np.argsort(-counts, kind="stable") if tr.X[u, j] == 0][:5] for u in range(tr.X.shape[0])])
    pop_p5 = np.mean([len(set(pop5[u]) & set(te.X[u].indices)) / 5 for u in range(tr.X.shape[0]) if te.X[u].nnz])
    best_p5 = float(glued["ex3_2"]) + pop_p5
    assert 0 <= best_p5 <= 1 and glued["ex3_2_sentence"] == F.precision_gap(glued["best_model"], best_p5, pop_p5, 5)


def test_the_analysts_csv(glued, run_dir, split):
    from analysis.chapters.recommend.steps import DELIVERABLE_COLUMNS

    inter, _, _, _ = split
    csv = pd.read_csv(run_dir / "recommend_top_n.csv", dtype={"customer_id": "str", "product_id": "str"})
    assert list(csv.columns) == [c[0] for c in DELIVERABLE_COLUMNS]
    n_customers = inter["customer_id"].nunique()  # refitted on every interaction, not the training split
    assert len(csv) == int(glued["csv_rows"]) == n_customers * 10 and int(glued["csv_customers"]) == n_customers
    assert csv.groupby("customer_id")["rank"].apply(lambda r: list(r) == list(range(1, 11))).all()
    table, _ = load_transactions("shop", n_customers=TINY["shop_customers"], seed=TINY["seed"])
    bought = set(zip(table["customer_id"], table["product_id"]))
    flagged = pd.Series([(c, p) in bought for c, p in zip(csv["customer_id"], csv["product_id"])])
    assert (flagged == csv["reorder"]).all()  # a bought product only as a flagged re-order row
    assert int(csv["reorder"].sum()) == int(glued["csv_reorder_rows"])
    assert (int(glued["reorder_slots"]) != 0) == (int(glued["csv_reorder_rows"]) > 0)
    assert (glued["all_products"] == "True") == (int(glued["reorder_slots"]) == -1)
    new = csv.loc[~csv["reorder"], "reason"]
    assert (new.str.startswith("because you bought ") | (new == "no close product among yours")).all()
    assert csv.loc[csv["reorder"], "reason"].str.startswith("re-order: in ").all()
    assert glued["policy_finding"].startswith("Re-orders are") == (int(glued["reorder_slots"]) != 0)
    assert glued["as_of"] == f"{table['timestamp'].max():%Y-%m-%d}"


def test_same_parameters_glue_the_same_values(glued, tmp_path):
    from tests.notebooks.conftest import same_again

    same_again(NOTEBOOK, TINY, glued, tmp_path)


def test_glued_values_match_the_recorded_fingerprint(glued):
    from tests.notebooks.fingerprint import check

    check("recommend", glued)


def test_buy_again_on_the_global_split_by_hand(glued, split):
    """The global split and buy again written out with pandas alone: train before the cut-off, score what the
    customers seen before it bought from it on; a customer's own products by orders, then by the last time."""
    inter, _, _, _ = split
    table, _ = load_transactions("shop", n_customers=TINY["shop_customers"], seed=TINY["seed"])
    cut = pd.Timestamp(glued["global_cutoff"])
    keep = table[table["customer_id"].isin(inter["customer_id"]) & table["product_id"].isin(inter["product_id"])]
    before, after = keep[keep["timestamp"] < cut], table[table["timestamp"] >= cut]
    own = before.groupby(["customer_id", "product_id"]).agg(n=("order_id", "nunique"), last=("timestamp", "max"))
    items = set(before["product_id"])
    out = []
    for c, g in after[after["customer_id"].isin(set(before["customer_id"]))].groupby("customer_id"):
        rel = set(g["product_id"]) & items
        if not rel:
            continue
        mine = own.loc[c].sort_values(["n", "last"], ascending=False).index[:10]
        dcg = sum(1 / np.log2(r + 2) for r, p in enumerate(mine) if p in rel)
        out.append(dcg / sum(1 / np.log2(r + 2) for r in range(min(len(rel), 10))))
    assert int(glued["global_users"]) == len(out)
    assert float(glued["again_ndcg"]) == pytest.approx(float(np.mean(out)))


def test_every_comparative_finding_rests_on_a_checked_claim(glued, run_dir):
    from tests.claims_audit import audit

    audit(run_dir, "recommend", glued)
