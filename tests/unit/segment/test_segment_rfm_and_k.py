"""RFM quintile scores and named segments on hand-computed examples; k chosen on data with a planted k."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from analysis import segment as sg
from analysis.errors import DataError
from analysis.schema import CUSTOMER, F_SCORE, FREQUENCY, M_SCORE, MONETARY, R_SCORE, RECENCY, RFM_SCORE, RFM_SEGMENT, TENURE


def five_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            CUSTOMER: ["c0", "c1", "c2", "c3", "c4"],
            RECENCY: [10, 50, 5, 200, 50],
            FREQUENCY: [1, 1, 3, 1, 7],
            MONETARY: [20.0, 35.0, 300.0, 10.0, 900.0],
        }
    )


def test_rfm_scores_by_hand() -> None:
    scores = sg.rfm_scores(five_customers())
    # recency, best first: c2 (5 days), c0 (10), c1 = c4 (50, a tie: both take position 2), c3 (200)
    assert scores[R_SCORE].tolist() == [4, 2, 5, 1, 2]
    # frequency: three one-time buyers share the lowest score; score 2 and 3 are skipped
    assert scores[F_SCORE].tolist() == [1, 1, 4, 1, 5]
    assert scores[M_SCORE].tolist() == [2, 3, 4, 1, 5]
    assert scores[RFM_SCORE].tolist() == ["412", "213", "544", "111", "255"]
    assert scores[CUSTOMER].tolist() == five_customers()[CUSTOMER].tolist()


def test_rfm_scores_are_fifths_without_ties() -> None:
    customers = pd.DataFrame({RECENCY: np.arange(10, 0, -1), FREQUENCY: np.arange(1, 11), MONETARY: np.arange(1.0, 11.0)})
    scores = sg.rfm_scores(customers)
    assert scores[F_SCORE].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores[R_SCORE].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]  # recency 10 days is the worst


def test_rfm_segment_by_hand_and_every_cell_named() -> None:
    scores = sg.rfm_scores(five_customers())
    assert sg.rfm_segment(scores).tolist() == ["new", "hibernating", "champions", "lost", "cannot lose"]
    cells = pd.DataFrame(list(itertools.product(range(1, 6), repeat=3)), columns=[R_SCORE, F_SCORE, M_SCORE])
    named = sg.rfm_segment(cells)
    assert named.notna().all() and set(named) == set(sg.RFM_SEGMENTS)
    assert named[(cells[R_SCORE] == 1) & (cells[F_SCORE] == 1)].eq("lost").all()
    with pytest.raises(DataError, match="f_score"):
        sg.rfm_segment(cells.drop(columns=F_SCORE))


def test_overdue_is_recency_in_own_gaps() -> None:
    customers = pd.DataFrame({RECENCY: [10, 100, 5, 0], FREQUENCY: [3, 1, 2, 5], TENURE: [210, 300, 5, 40]})
    late = sg.overdue(customers)
    assert late.iloc[0] == pytest.approx(10 / 100) and late.iloc[3] == 0.0  # gaps of 100 and 10 days
    assert np.isnan(late.iloc[1]) and np.isnan(late.iloc[2])  # one order; all orders on one day
    assert late.name == "overdue"


def test_rfm_tables() -> None:
    rules = sg.rfm_rules_table()
    assert rules["segment"].tolist() == list(sg.RFM_SEGMENTS)
    assert rules.loc[1, "R score"] == "4–5" and rules.loc[8, "R score"] == "1" and rules.loc[1, "M score"] == "any"
    customers = five_customers()
    table = sg.rfm_segment_table(customers, sg.rfm_segment(sg.rfm_scores(customers)))
    assert table["customers"].sum() == 5 and table.loc["loyal", "customers"] == 0
    assert table.loc["cannot lose", "share_revenue"] == pytest.approx(900 / 1265)
    assert table.index.name == RFM_SEGMENT


def test_choose_k_finds_a_planted_k_the_silhouette_misses() -> None:
    # two far-apart pairs of blobs: the silhouette prefers the 2 pairs, the elbow and checks the 4 blobs
    X, _ = make_blobs(n_samples=800, centers=[(0, 0), (2.5, 0), (30, 0), (32.5, 0)], cluster_std=0.6, random_state=0)
    choice = sg.choose_k(X, range(2, 9), seed=0, runs=5)
    assert choice.best_k == 2
    assert (choice.k, choice.reason) == (4, "elbow")
    assert choice.table.set_index("k").loc[4, "usable"]


def test_choose_k_skips_an_elbow_with_a_tiny_segment() -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (600, 2)), rng.normal(12, 0.3, (6, 2))])  # a 1% outlier group
    choice = sg.choose_k(X, range(2, 7), seed=0, runs=3, min_share=0.05)
    table = choice.table.set_index("k")
    assert choice.table["smallest_share"].min() < 0.05
    assert table.loc[choice.k, "usable"] or choice.reason == "none usable"
    if choice.reason != "none usable":
        assert table.loc[choice.k, "smallest_share"] >= 0.05


def test_choose_k_refuses_bad_settings() -> None:
    X, _ = make_blobs(n_samples=100, centers=3, random_state=0)
    with pytest.raises(DataError, match="stability_runs"):
        sg.choose_k(X, [2, 3], runs=1)
    with pytest.raises(DataError, match="min_share"):
        sg.choose_k(X, [2, 3], min_share=0.9)
