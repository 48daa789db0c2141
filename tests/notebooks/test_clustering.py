"""The Clustering chapter through papermill with tiny parameters: glued numbers against the package,
worded findings against the glued numbers, the same parameters giving the same glued values."""

from __future__ import annotations


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
    bg = clv.BGNBD().fit(summary["x"], summary["t_x"], summary["T"])
    assert float(glued["fit_r"]) == pytest.approx(bg.r_, rel=1e-6)
    assert float(glued["fit_b"]) == pytest.approx(bg.b_, rel=1e-6)
    assert float(glued["holdout_actual"]) == summary["x_holdout"].sum()
    assert int(glued["holdout_days"]) == split.holdout_days
    assert float(glued["total_clv"]) > 0


def test_worded_findings_follow_the_glued_numbers(glued, run_dir):
    check_findings(glued)
    check_page(run_dir / NOTEBOOK, glued)


def test_every_exercise_answer_against_an_independent_computation(glued, tx, run_dir):
    import pandas as pd

    from analysis.chapters.clustering import findings as F

    customers = features.customer_table(tx)
    segments = segment.rfm_segment(segment.rfm_scores(customers))
    biggest = segments.value_counts().idxmax()
    members = customers[(segments == biggest).to_numpy()]
    share_c, share_r = len(members) / len(customers), members["monetary"].sum() / customers["monetary"].sum()
    assert float(glued["ex2_1"]) == pytest.approx(share_c) and float(glued["ex2_1_revenue"]) == pytest.approx(share_r)
    assert glued["ex2_1_sentence"] == F.largest_rfm_segment(biggest, share_c, share_r)
    X_raw, _ = segment.rfm_matrix(customers, log=False)
    raw, _ = segment.fit_kmeans(X_raw, int(glued["k_used"]), seed=TINY["seed"])
    assert float(glued["ex2_2"]) == pytest.approx(pd.Series(raw).value_counts(normalize=True).max())
    assert fmt_share(float(glued["ex2_2"])) in glued["ex2_2_sentence"]
    days = tx.groupby("customer_id")["timestamp"].agg(lambda t: t.dt.normalize().nunique()) - 1
    csv = pd.read_csv(run_dir / "clustering_customers.csv").set_index("customer_id")
    gone = csv[(csv["p_alive"] < 0.5) & (days.reindex(csv.index) > 0)]
    assert int(glued["ex2_3"]) == len(gone) and glued["ex2_3_sentence"] == F.call_first(len(gone))
    split = time_split(tx["timestamp"].min(), tx["timestamp"].max())
    summary = features.customer_summary(tx, split.calibration_end, split.observation_end)
    group = min(int(glued["max_x"]), int(summary["x"].max()))  # the holdout table's last row pools x >= group
    actual = float(summary.loc[summary["x"] >= group, "x_holdout"].mean())
    predicted = actual + float(glued["ex2_4"])
    assert glued["ex2_4_sentence"] == F.top_frequency_group(group, actual, predicted)


def fmt_share(value: float) -> str:
    from analysis import fmt

    return fmt.share(value)


def test_truth_section_on_the_shop(glued, tx):
    shop = make_shop(n_customers=TINY["shop_customers"], seed=TINY["seed"])
    customers = features.customer_table(tx).merge(shop.customers[["customer_id", "persona"]], on="customer_id")
    X, _ = segment.rfm_matrix(customers)
    labels, _ = segment.fit_kmeans(X, int(glued["k_used"]), seed=TINY["seed"])
    assert float(glued["persona_ari"]) == pytest.approx(adjusted_rand_score(customers["persona"], labels))
    assert "adjusted Rand index" in glued["truth_text"] and "table below" not in glued["truth_text"]
    assert float(glued["rate_error_max"]) < 0.25  # per-persona r/alpha at 200 customers a persona


def test_same_parameters_glue_the_same_values(glued, tmp_path):
    from tests.notebooks.conftest import same_again

    same_again(NOTEBOOK, TINY, glued, tmp_path)


def test_a_forced_k_is_used_and_said(tmp_path):
    from tests.notebooks.conftest import execute

    glued = execute(NOTEBOOK, tmp_path, **{**TINY, "k": 4})
    assert int(glued["k_used"]) == 4
    assert "the parameters fix k = 4" in glued["k_finding"]
    check_findings(glued)


def test_glued_values_match_the_recorded_fingerprint(glued):
    from tests.notebooks.fingerprint import check

    check("clustering", glued)


def test_every_comparative_finding_rests_on_a_checked_claim(glued, run_dir):
    from tests.claims_audit import audit

    audit(run_dir, "clustering", glued)
