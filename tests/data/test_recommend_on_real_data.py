"""Collaborative filtering on the real data: the chapter on MovieLens 100k (explicit ratings, titles and
genres from u.item), and the package's steps on UCI Online Retail (implicit feedback, descriptions, rules)."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.chapters.recommend import findings as F
from tests.notebooks.conftest import execute

pytestmark = [pytest.mark.data]
NOTEBOOK = "03_recommend.ipynb"


def _shared(path: str) -> Path:
    from tests.conftest import _shared

    return _shared(path)  # skips, naming the path, when the data are absent


@pytest.fixture(scope="module")
def movielens(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recommend_ml")
    return execute(NOTEBOOK, folder, data=str(_shared("ml-100k/u.data"))), folder


@pytest.mark.notebooks
def test_chapter_on_movielens_scores_ratings_and_lists(movielens):
    glued, folder = movielens
    n = lambda k: float(glued[k])  # noqa: E731
    assert glued["feedback"] == "explicit ratings"
    assert int(n("n_users")) == 943  # every MovieLens user rated at least 20 films
    assert n("mf_final") < n("baseline_rmse") < n("mean_rmse")  # factorisation < biases < global mean
    assert glued["rating_finding"] == F.ratings(min(n("mf_final"), n("sgd_final")), n("baseline_rmse"), n("mean_rmse"))
    assert F.dense_pivot_cost(n("knn_rmse"), n("knn_dense_rmse")) in glued["mf_text"]
    assert "Star Wars (1977) [Action, Adventure" in html.unescape(glued["cold_product"])  # the most rated film
    assert glued["ease_lambda_text"] in glued["ease_grid_text"]
    assert int(n("n_rules")) == 0 and "no 'bought together' rule" in glued["rules_finding"]
    assert glued["together_text"] == ""
    assert n("best_ndcg") > n("pop_ndcg")
    assert glued["truth_finding"] == F.no_planted_tastes()
    assert (folder / "recommend_top_n.csv").stat().st_size > 0
    # issue 21: buy again and the global split on ratings; nobody rates a film twice, so no re-order rows
    assert n("again_ndcg") == 0 and int(n("reorder_slots")) == 0 and "rates a product once" in glued["policy_finding"]
    assert int(n("global_users")) > 0 and n("global_model_ndcg") > 0
    csv = pd.read_csv(folder / "recommend_top_n.csv", dtype={"customer_id": "str", "product_id": "str"})
    assert not csv["reorder"].any() and len(csv) == int(n("csv_rows")) == 943 * 10


def test_online_retail_steps():
    from analysis.data import load_data
    from analysis.recommend import EASE
    from analysis.chapters.recommend import steps as RS
    from analysis.chapters.recommend.params import RecommendParams

    table, _ = load_data(RecommendParams(data=str(_shared("online_retail/online_retail.parquet"))))
    m = RS.matrix_step(table, 5)
    assert not m["explicit"] and m.glue["n_users"] > 4000 and m.glue["n_items"] > 3000
    s = RS.split_step(m["interactions"], "time", 0.25, 0)
    pop = RS.baselines_step(s["train"], s["test"], 10)
    ease = RS._evaluate("EASE", EASE(200.0), s["train"], s["test"], 10)
    assert ease["ndcg"] > 2 * pop.glue["pop_ndcg"]  # personal lists beat the best sellers by far on this log
    texts = RS.texts_of(table, s["train"].items, "online_retail.parquet")
    assert texts is not None and texts.str.contains("REGENCY CAKESTAND").any()
    rules = RS.rules_step(table, 0.02, texts)
    # benchmarks.md: FP-growth at 0.02 gives 414 itemsets on UK invoices; all countries here, pairs only
    assert rules.glue["n_rules"] > 0 and "REGENCY" in rules.glue["rules_finding"]
    assert rules.glue["together_text"].startswith("Frequently bought together with ")


def test_online_retail_lists_for_tomorrow_hold_only_products_and_flag_every_re_order():
    """Issue 21 on the real log: non-product lines (POST, M, C2, DOT, ...) are dropped by the chapter's default,
    buy again and the global split are scored, and the deliverable refitted on all the data lists no
    non-product code and no product the customer bought unless the row is flagged as a re-order."""
    from analysis.chapters.recommend import steps as RS
    from analysis.chapters.recommend.params import RecommendParams
    from analysis.data import load_data, non_product_lines
    from analysis.recommend import ItemKNN

    path = str(_shared("online_retail/online_retail.parquet"))
    kept, kept_report = load_data(RecommendParams(data=path, drop_non_product=False))
    table, report = load_data(RecommendParams(data=path))
    codes = {e["product_id"] for e in report.non_products}
    assert {"POST", "M", "C2", "DOT", "BANK CHARGES"} <= codes and report.dropped["non_product"] == len(kept) - len(table)
    assert not non_product_lines(table).ne("").any() and not table["product_id"].isin(codes).any()
    assert kept_report.flag("non_product").action == "kept" and kept["product_id"].isin(codes).any()
    inter = RS.matrix_step(table, 5)["interactions"]
    data = RS.split_step(inter, "time", 0.25, 0).data
    best = RS._evaluate("item kNN cosine, shrunk", ItemKNN(40, common=False, shrinkage=10.0), data["train"],
                        data["test"], 10)
    step = RS.global_step(table, inter, best, 10, 30, False)
    t = step.table.set_index("model")
    assert step.glue["global_cutoff"] == "2011-11-09"  # benchmarks.md: train before 2011-11-09
    # re-orders dominate what these customers buy next: buy again beats the model's new products by far
    assert t.loc["buy again", "ndcg_any"] > 2 * t.loc["item kNN cosine, shrunk, new products only", "ndcg_any"]
    assert step.glue["reorder_slots"] > 0 and step.glue["policy_finding"].startswith("Re-orders are what")
    texts = RS.texts_of(table, np.sort(inter["product_id"].unique()), path)
    out = RS.tomorrow_step(inter, best, 10, 2, step["reorder_share"], texts, False)["recommendations"]
    assert not out["product_id"].isin(codes).any()
    bought = set(zip(table["customer_id"], table["product_id"]))
    assert (pd.Series([(c, p) in bought for c, p in zip(out["customer_id"], out["product_id"])]) == out["reorder"]).all()


def test_online_retail_is_below_the_scale_caps_so_they_change_nothing():
    """Issue 24: the evaluation sample and EASE's product cap are off on Online Retail with the defaults, and
    a cap at exactly its size gives the same EASE and the same lists as no cap."""
    from analysis.chapters.recommend import steps as RS
    from analysis.chapters.recommend.params import RecommendParams
    from analysis.data import load_data
    from analysis.recommend import EASE

    P = RecommendParams(data=str(_shared("online_retail/online_retail.parquet")))
    table, _ = load_data(P)
    inter = RS.matrix_step(table, P.min_interactions)["interactions"]
    sample = RS.sample_step(inter, P.max_eval_customers, P.seed)
    assert sample["interactions"] is inter and not sample.glue["eval_sampled"] and sample["progress_note"] == ""
    train = RS.split_step(inter, P.split, P.test_share, P.seed)["train"]
    assert train.X.shape[1] < P.max_products
    plain = EASE(300.0).fit(train.X)
    for cap in (P.max_products, train.X.shape[1]):
        capped = EASE(300.0, max_products=cap).fit(train.X)
        np.testing.assert_array_equal(capped.B_, plain.B_)
    np.testing.assert_array_equal(capped.recommend(n=10), plain.recommend(n=10))
