"""The chapter's steps on a small shop: each returns the values the page cites, its table and data for the next."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import schema as S
from analysis.chapters.clustering import steps as CLV
from analysis.data import load_transactions
from analysis.chapters.clustering import findings as F
from analysis.segment import RFM_SEGMENTS
from analysis.chapters.clustering import steps as SEG


@pytest.fixture(scope="module")
def run():
    tx, _ = load_transactions("shop", n_customers=300, seed=1)
    out = {"tx": tx, "customers": SEG.customers_step(tx)}
    customers = out["customers"]["customers"]
    out["transform"] = SEG.transform_step(customers)
    out["rfm"] = SEG.rfm_step(customers)
    X = out["transform"]["X"]
    out["k"] = SEG.k_step(X, customers, [2, 3, 4, 5], seed=0, runs=3)
    out["kmeans"] = SEG.kmeans_step(X, out["transform"]["transformer"], out["k"]["k"], seed=0, runs=3)
    return out


def test_customer_transform_and_rfm_steps(run):
    customers = run["customers"]["customers"]
    assert run["customers"].glue == {"n_customers": len(customers), "prices_finding": ""}
    assert run["transform"]["X"].shape == (len(customers), 4)
    assert run["transform"].glue["skew_monetary_after"] < run["transform"].glue["skew_monetary_raw"]
    rfm = run["rfm"]
    assert list(rfm.table.index) == list(RFM_SEGMENTS) and rfm.table["customers"].sum() == len(customers)
    assert sum(v for k, v in rfm.glue.items() if k.startswith("rfm_n_")) == len(customers)
    assert rfm["scores"][S.RFM_SEGMENT].notna().all() and len(rfm["rules"]) == len(RFM_SEGMENTS)


def test_k_and_kmeans_steps_agree(run):
    k, km = run["k"], run["kmeans"]
    assert k.glue["k_used"] == k["k"] and f"k = {k['k']}" in k.glue["k_finding"]
    assert set(k["profiles"]["k"]) == {k["choice"].best_k, k["choice"].elbow_k, k["k"]}
    assert km.glue["stability_mean"] == pytest.approx(k.table.set_index("k").loc[k["k"], "stability"])
    assert np.unique(km["labels"]).size == k["k"] and len(km.table) == k["k"]
    forced = SEG.k_step(run["transform"]["X"], run["customers"]["customers"], [2, 3], 5, seed=0, runs=2)
    assert forced["k"] == 5 and "fix k = 5" in forced.glue["k_finding"]


def test_density_profile_and_tier_steps(run):
    X, labels, customers = run["transform"]["X"], run["kmeans"]["labels"], run["customers"]["customers"]
    db = SEG.dbscan_step(X, labels, min_samples=8, max_points=100, seed=0)
    assert db.glue["dbscan_sample"] == 100 and "random sample of 100 of the 300" in db.glue["dbscan_finding"]
    assert len(db["labels"]) == 100
    ward = SEG.ward_step(X, labels, run["k"]["k"], max_points=5000, seed=0)
    assert ward.glue["ward_sample"] == len(customers) and "On all 300 customers" in ward.glue["ward_finding"]
    profile = SEG.profile_step(customers, labels, X)
    assert profile["names"].notna().all() and profile["coords"].shape == (len(customers), 2)
    tiers = SEG.tier_step(customers, [0.8, 0.95])
    assert tiers.table["customers"].sum() == len(customers)
    assert tiers.glue["tier_finding"] == F.tiers(tiers.glue["high_tier_share"], tiers.glue["high_tier_revenue"], 0.8, "revenue", tiers.glue["top20_share"])


def test_clv_steps_and_the_analyst_table(run):
    tx, customers = run["tx"], run["customers"]["customers"].copy()
    customers = customers.join(run["rfm"]["scores"].drop(columns=S.CUSTOMER))
    cal = CLV.calibration_step(tx, "", "EUR")
    assert cal.glue["n_cohort"] == len(cal["summary"]) and cal.glue["fit_p"] <= 1000
    hold = CLV.holdout_step(tx, cal["summary"], cal["bg"], cal["split"])
    assert hold.glue["holdout_actual"] == cal["summary"][S.X_HOLDOUT].sum()
    assert hold.table["n_customers"].sum() == len(cal["summary"])
    kept = customers[[S.CUSTOMER, S.RFM_SEGMENT, S.OVERDUE, S.MONETARY]]
    value = CLV.value_step(tx, kept, horizon_days=365, discount_rate=0.1, currency="EUR")
    assert value.glue["win_back_rule"] == "p_alive" and value["valued"][S.WIN_BACK].sum() == value.glue["n_win_back"]
    rhythm = CLV.value_step(tx, kept, horizon_days=365, discount_rate=0.1, currency="EUR", model_holds=False,
                            holdout_error=-0.2)  # fmt: skip
    late = rhythm["valued"][S.OVERDUE] > F.LATE
    assert rhythm.glue["win_back_rule"] == "overdue" and rhythm["valued"][S.WIN_BACK].equals(late)
    assert {"past_revenue", "late_share"} <= set(value.table.columns)
    assert value.table["past_revenue"].sum() == pytest.approx(customers[S.MONETARY].sum(), rel=1e-9)
    assert value.glue["n_valued"] + value.glue["n_not_valued"] == len(customers)
    assert "worth €" in value.glue["clv_finding"] and value.glue["total_clv"] > 0
    customers[S.SEGMENT_NAME] = "x"
    customers[S.VALUE_TIER] = "low"
    table = CLV.analyst_table(customers, value["valued"])
    assert list(table.columns) == list(CLV.CSV_COLUMNS) and len(table) == len(customers)
    described = CLV.csv_columns(table, currency="EUR", weeks=52, rate=0.1, rule="p_alive")
    assert described["column"].tolist() == list(table.columns) and described["meaning"].str.len().gt(10).all()
    assert "discounted at 10% a year" in described.set_index("column").loc[S.CLV, "meaning"]


def test_spend_correlation_is_pearson_among_positive_repeat_spenders() -> None:
    import pandas as pd

    summary = pd.DataFrame({S.X: [0, 1, 2, 3, 4], S.REPEAT_VALUE: [0.0, 10.0, 20.0, 30.0, -1.0]})
    r, n = CLV.spend_correlation(summary)
    assert n == 3 and r == pytest.approx(1.0)
    r, n = CLV.spend_correlation(summary.assign(**{S.REPEAT_VALUE: [0.0, 5.0, 5.0, 5.0, 5.0]}))
    assert np.isnan(r) and n == 4


def test_without_prices_every_step_runs_on_recency_frequency_and_orders(run):
    """A log without unit prices: RFM on R and F, segments and tiers valued by orders, the BG/NBD alone."""
    tx = run["tx"].assign(**{S.PRICE: np.nan})
    first = SEG.customers_step(tx, money=False)
    customers = first["customers"]
    assert S.MONETARY not in customers.columns and "no unit prices" in first.glue["prices_finding"]
    transform = SEG.transform_step(customers, money=False)
    assert transform["features"] == [S.RECENCY, S.FREQUENCY, S.TENURE] and transform["X"].shape == (len(customers), 3)
    assert "skewness of frequency" in transform.glue["skew_finding"]
    rfm = SEG.rfm_step(customers, money=False)
    assert S.M_SCORE not in rfm["scores"] and rfm["scores"][S.RFM_SCORE].str.len().eq(2).all()
    assert "cannot lose" not in set(rfm["scores"][S.RFM_SEGMENT]) and "M score" not in rfm["rules"]
    assert rfm.table["orders"].sum() == customers[S.FREQUENCY].sum()
    assert rfm.table["share_orders"].sum() == pytest.approx(1.0) and "of the orders" in rfm.glue["rfm_finding"]
    X = transform["X"]
    k = SEG.k_step(X, customers, [2, 3], seed=0, runs=2, money=False)
    assert "share_orders" in k["profiles"] and "median_monetary" not in k["profiles"]
    km = SEG.kmeans_step(X, transform["transformer"], k["k"], seed=0, runs=2, features=transform["features"])
    assert list(km.table.columns) == transform["features"]
    profile = SEG.profile_step(customers, km["labels"], X, money=False)
    assert profile["names"].notna().all() and "of the orders" in profile.glue["top_segment_finding"]
    tiers = SEG.tier_step(customers, [0.8, 0.95], money=False)
    assert tiers.glue["tier_finding"] == F.tiers(
        tiers.glue["high_tier_share"], tiers.glue["high_tier_orders"], 0.8, "orders", tiers.glue["top20_share"]
    )
    cal = CLV.calibration_step(tx, "", "", money=False)
    assert cal["gg"] is None and list(cal.table.index.get_level_values("model").unique()) == ["BG/NBD"]
    assert "Gamma-Gamma model is not fitted" in cal.glue["spend_fit_finding"]
    scored = customers.join(rfm["scores"].drop(columns=S.CUSTOMER))
    value = CLV.value_step(tx, scored[[S.CUSTOMER, S.RFM_SEGMENT, S.OVERDUE]], horizon_days=365, discount_rate=0.1,
                           money=False)  # fmt: skip
    assert S.CLV not in value["valued"] and value.table["share_expected_purchases"].sum() == pytest.approx(1.0)
    assert "purchase days in all" in value.glue["clv_finding"] and "€" not in value.glue["clv_finding"]
    scored[S.SEGMENT_NAME], scored[S.VALUE_TIER] = "x", "low"
    table = CLV.analyst_table(scored, value["valued"])
    assert {S.MONETARY, S.M_SCORE, S.CLV}.isdisjoint(table.columns) and len(table) == len(customers)
