"""Collaborative filtering on the real data: the chapter on MovieLens 100k (explicit ratings, titles and
genres from u.item), and the package's steps on UCI Online Retail (implicit feedback, descriptions, rules)."""

from __future__ import annotations

import html
from pathlib import Path

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
