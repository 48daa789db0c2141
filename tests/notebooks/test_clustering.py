"""The Clustering chapter through papermill with tiny parameters: glued numbers against the package,
worded findings against the glued numbers, the same parameters giving the same glued values."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from analysis import clv, features, segment
from analysis.data import load_transactions
from analysis.shop import make_shop
from analysis.split import time_split
from tests.notebooks.clustering_findings import check_findings, check_page

pytestmark = pytest.mark.notebooks
NOTEBOOK = "02_clustering.ipynb"
TINY = {"shop_customers": 800, "seed": 2, "k_range": [2, 3, 4, 5], "max_points_density": 600, "stability_runs": 3}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clustering")


@pytest.fixture(scope="module")
def glued(run_dir):
    from tests.notebooks.conftest import execute

    return execute(NOTEBOOK, run_dir, **TINY)


@pytest.fixture(scope="module")
def tx():
    table, _ = load_transactions("shop", n_customers=TINY["shop_customers"], seed=TINY["seed"])
    return table


def test_segmentation_numbers_match_the_package(glued, tx):
    customers = features.customer_table(tx)
    X, _ = segment.rfm_matrix(customers)
    choice = segment.choose_k(X, TINY["k_range"], seed=TINY["seed"], runs=TINY["stability_runs"])
    assert int(glued["n_customers"]) == len(customers)
    assert int(glued["best_k"]) == choice.best_k and int(glued["elbow_k"]) == choice.elbow_k
    assert int(glued["k_used"]) == choice.k
    assert float(glued["best_silhouette"]) == pytest.approx(choice.table.set_index("k").loc[choice.best_k, "silhouette"])
    assert float(glued["stability_mean"]) == pytest.approx(choice.table.set_index("k").loc[choice.k, "stability"])
    scores = segment.rfm_scores(customers)
    counts = segment.rfm_segment(scores).value_counts()
    assert int(glued["rfm_n_champions"]) == counts.get("champions", 0)
    assert int(glued["rfm_n_lost"]) == counts.get("lost", 0)


def test_clv_numbers_match_the_package(glued, tx):
    split = time_split(tx["timestamp"].min(), tx["timestamp"].max())
    summary = features.customer_summary(tx, split.calibration_end, split.observation_end)
    bg = clv.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    assert float(glued["fit_r"]) == pytest.approx(bg.r, rel=1e-6)
    assert float(glued["fit_b"]) == pytest.approx(bg.b, rel=1e-6)
    assert float(glued["holdout_actual"]) == summary["x_holdout"].sum()
    assert int(glued["holdout_days"]) == split.holdout_days
    assert float(glued["total_clv"]) > 0


def test_worded_findings_follow_the_glued_numbers(glued, run_dir):
    check_findings(glued)
    check_page(run_dir / NOTEBOOK, glued)


def test_truth_section_on_the_shop(glued, tx):
    shop = make_shop(n_customers=TINY["shop_customers"], seed=TINY["seed"])
    customers = features.customer_table(tx).merge(shop.customers[["customer_id", "persona"]], on="customer_id")
    X, _ = segment.rfm_matrix(customers)
    labels, _ = segment.fit_kmeans(X, int(glued["k_used"]), seed=TINY["seed"])
    assert float(glued["persona_ari"]) == pytest.approx(adjusted_rand_score(customers["persona"], labels))
    assert "adjusted Rand index" in glued["truth_text"] and "table below" not in glued["truth_text"]
    assert float(glued["rate_error_max"]) < 0.25  # per-persona r/alpha at 200 customers a persona


def test_same_parameters_glue_the_same_values(glued, tmp_path):
    from tests.notebooks.conftest import execute

    again = execute(NOTEBOOK, tmp_path, **TINY)
    assert again.keys() == glued.keys()
    differ = {k: (glued[k], again[k]) for k in glued if glued[k] != again[k]}
    assert not differ


def test_a_forced_k_is_used_and_said(tmp_path):
    from tests.notebooks.conftest import execute

    glued = execute(NOTEBOOK, tmp_path, **{**TINY, "k": 4})
    assert int(glued["k_used"]) == 4
    assert "the parameters fix k = 4" in glued["k_finding"]
    check_findings(glued)
