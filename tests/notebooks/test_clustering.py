"""The Clustering chapter through papermill with tiny parameters; glued numbers checked."""

from __future__ import annotations

import pytest
from sklearn.metrics import adjusted_rand_score

from analysis import clv, features, segment
from analysis.datasets import load_transactions, make_shop

pytestmark = pytest.mark.notebooks
TINY = {"shop_customers": 800, "seed": 2, "k_range": [2, 3, 4, 5], "max_points_density": 600}


@pytest.fixture(scope="module")
def glued(tmp_path_factory):
    from tests.notebooks.conftest import execute

    return execute("02_clustering.ipynb", tmp_path_factory.mktemp("clustering"), **TINY)


@pytest.fixture(scope="module")
def tx():
    table, _ = load_transactions("shop", n_customers=TINY["shop_customers"], seed=TINY["seed"])
    return table


def test_segmentation_numbers_match_the_package(glued, tx):
    customers = features.customer_table(tx)
    X, _ = segment.rfm_matrix(customers)
    choice = segment.choose_k(X, TINY["k_range"], seed=TINY["seed"])
    assert int(glued["n_customers"]) == len(customers)
    assert int(glued["best_k"]) == choice.best_k == int(glued["k_used"])
    assert float(glued["best_silhouette"]) == pytest.approx(choice.table.set_index("k").loc[choice.best_k, "silhouette"])
    assert 0.8 <= float(glued["stability_mean"]) <= 1.0
    assert 0 < float(glued["top_segment_share_revenue"]) <= 1


def test_clv_numbers_match_the_package(glued, tx):
    first, last = tx["timestamp"].min().normalize(), tx["timestamp"].max().normalize()
    cal_end = (first + (last - first) * 2 / 3).normalize()
    summary = features.customer_summary(tx, cal_end, last)
    bg = clv.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    assert float(glued["fit_r"]) == pytest.approx(bg.r, rel=1e-6)
    assert float(glued["fit_b"]) == pytest.approx(bg.b, rel=1e-6)
    assert float(glued["holdout_actual"]) == summary["x_holdout"].sum()
    assert float(glued["holdout_predicted"]) > 0
    assert float(glued["total_clv"]) > 0


def test_truth_section_on_the_shop(glued, tx):
    shop = make_shop(n_customers=TINY["shop_customers"], seed=TINY["seed"])
    customers = features.customer_table(tx).merge(shop.customers[["customer_id", "persona"]], on="customer_id")
    X, _ = segment.rfm_matrix(customers)
    labels, _ = segment.fit_kmeans(X, int(glued["k_used"]), seed=TINY["seed"])
    assert float(glued["persona_ari"]) == pytest.approx(adjusted_rand_score(customers["persona"], labels))
    assert "adjusted Rand index" in glued["truth_text"]
    assert float(glued["rate_error_max"]) < 0.25  # per-persona r/alpha at 200 customers a persona


def test_a_forced_k_is_used(tmp_path):
    from tests.notebooks.conftest import execute

    glued = execute("02_clustering.ipynb", tmp_path, **{**TINY, "k": 4})
    assert int(glued["k_used"]) == 4
