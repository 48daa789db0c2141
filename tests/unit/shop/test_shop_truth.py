"""Planted truth of the built-in shop, recovered by the book's own methods.

Tolerances (stated here, shown in the Clustering chapter): with 6,000 customers
(about 1,500 per persona) a BG/NBD fitted per persona recovers the mean purchase
rate r/alpha within 10% and the mean dropout probability a/(a+b) within 30%
(measured: within 6% and 21% over seeds 1-3). r and alpha separately are not
pinned down at this size (the planted r = 10 means little heterogeneity within
a persona, which the likelihood barely distinguishes from r = 5). The fitted
Gamma-Gamma mean spend is within 25% of the planted one: the summary pools a
day's orders into one purchase, and order values are whole quantities of real
prices, not the planted targets. k-means with k = 4 on log-RFM (with tenure)
matches the four personas at ARI >= 0.25 (measured 0.29): RFM separates personas
by how often and how much they buy, and tenure, which the personas share, blurs
them.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from analysis import DataError, features, segment
from analysis.shop import make_shop
from analysis.chapters.clustering.truth import persona_recovery, personas_of


@pytest.fixture(scope="module")
def shop():
    return make_shop(6000, seed=1)


def test_kmeans_segments_recover_the_personas(shop):
    customers = features.customer_table(shop.transactions)
    persona = personas_of(shop, customers["customer_id"])
    X, _ = segment.rfm_matrix(customers)
    labels, _ = segment.fit_kmeans(X, 4, seed=0)
    ari = adjusted_rand_score(persona, labels)
    chance = adjusted_rand_score(persona, np.random.default_rng(0).permutation(labels))
    assert ari >= 0.25
    assert abs(chance) < 0.02


def test_bgnbd_and_gammagamma_recover_each_persona(shop):
    summary = features.customer_summary(shop.transactions, shop.as_of.normalize())
    table = persona_recovery(shop, summary)
    assert list(table.index) == [p.name for p in shop.truth.personas]
    assert table["customers"].sum() == len(summary)
    rate = table["r/alpha fitted"] / table["r/alpha planted"] - 1
    dropout = table["a/(a+b) fitted"] / table["a/(a+b) planted"] - 1
    spend = table["mean spend fitted"] / table["mean spend planted"] - 1
    assert rate.abs().max() < 0.10, rate
    assert dropout.abs().max() < 0.30, dropout
    assert spend.abs().max() < 0.25, spend


def test_personas_of_refuses_customers_from_another_shop(shop):
    with pytest.raises(DataError, match="not in this shop"):
        personas_of(shop, ["C000001", "X999"])


def test_truth_text_is_built_from_the_comparison(shop):
    from analysis.chapters.clustering.findings import truth
    from analysis.chapters.clustering.truth import recovery_errors, segments_against_personas

    customers = features.customer_table(shop.transactions)
    X, _ = segment.rfm_matrix(customers)
    labels, _ = segment.fit_kmeans(X, 3, seed=0)
    match = segments_against_personas(shop, customers, labels, X, 3, seed=0)
    assert match["n_personas"] == 4 and match["persona_ari_true_k"] >= 0.25
    summary = features.customer_summary(shop.transactions, shop.as_of.normalize())
    errors = recovery_errors(persona_recovery(shop, summary))
    assert set(errors) == {"rate_error_max", "drop_error_max", "spend_error_max"}
    text = truth(match, errors)
    assert "The 3 segments against the 4 planted personas" in text
    assert f"within {round(100 * errors['rate_error_max'])}%" in text and "table below" not in text
    assert "the chapter's k is the true number" in truth({**match, "k": 4}, errors)
    assert "no planted truth" in truth(None, None)
