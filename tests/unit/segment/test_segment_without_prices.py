"""The segment and CLV functions on data without prices: R and F scores, values in orders, the BG/NBD alone."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis import DataError
from analysis import schema as S
from analysis.clv.pipeline import fit_diagnostics, fit_models, value_customers
from analysis.features import customer_summary
from analysis.data import load_transactions
from analysis.segment.profiles import name_segments, profile_segments, tier_table, value_tiers
from analysis.segment.rfm import RFM_RULES, rfm_rules_table, rfm_scores, rfm_segment, rfm_segment_table


def _customers() -> pd.DataFrame:
    return pd.DataFrame({
        S.CUSTOMER: list("abcdefghij"),
        S.RECENCY: [1, 5, 10, 30, 60, 90, 120, 200, 300, 400],
        S.FREQUENCY: [12, 9, 7, 5, 4, 3, 2, 1, 1, 1],
        S.TENURE: [400, 380, 300, 250, 200, 190, 180, 200, 300, 400],
    })  # fmt: skip


def test_scores_without_money_have_no_m_and_two_digits():
    scores = rfm_scores(_customers(), money=False)
    assert list(scores.columns) == [S.CUSTOMER, S.R_SCORE, S.F_SCORE, S.RFM_SCORE]
    assert (scores[S.RFM_SCORE] == scores[S.R_SCORE].astype(str) + scores[S.F_SCORE].astype(str)).all()


def test_rules_without_m_still_name_every_cell_and_drop_the_rule_that_needs_m():
    cells = pd.DataFrame(list(itertools.product(range(1, 6), range(1, 6))), columns=[S.R_SCORE, S.F_SCORE])
    named = rfm_segment(cells)
    assert named.notna().all() and "cannot lose" not in named.cat.categories
    needs_m = {rule[0] for rule in RFM_RULES if rule[3] != (1, 5)}
    assert needs_m == {"cannot lose"} and set(rfm_rules_table(money=False)["segment"]) == {r[0] for r in RFM_RULES} - needs_m
    # with an M score of 1 everywhere, the rules that ignore M give the same names as without M
    with_m = rfm_segment(cells.assign(**{S.M_SCORE: 1}))
    assert (with_m.astype(str) == named.astype(str)).all()


def test_tables_valued_by_orders_add_up_to_the_orders():
    customers = _customers()
    scores = rfm_scores(customers, money=False)
    table = rfm_segment_table(customers, rfm_segment(scores), value=S.FREQUENCY)
    assert {"orders", "share_orders"} <= set(table.columns) and "median_monetary" not in table
    assert table["orders"].sum() == customers[S.FREQUENCY].sum()
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    profile = profile_segments(customers, labels, value=S.FREQUENCY)
    assert profile["orders"].tolist() == [28, 14, 3] and profile["share_orders"].sum() == pytest.approx(1.0)
    names = name_segments(profile, customers)
    assert len(set(names.values())) == 3
    tiers = value_tiers(customers, (0.5, 0.9), value=S.FREQUENCY)
    # 45 orders: the customers with 12 and 9 orders (21) are before the one who crosses half (with 7: 28)
    assert tiers.tolist()[:3] == ["high"] * 3 and tiers.iloc[3] == "medium"
    assert tier_table(customers, tiers, value=S.FREQUENCY)["orders"].sum() == 45


def test_an_unknown_value_column_is_refused_by_name():
    with pytest.raises(DataError, match="valued by monetary or frequency"):
        profile_segments(_customers(), np.zeros(10, int), value=S.TENURE)


def test_the_bgnbd_alone_without_prices_gives_the_same_purchases_as_with_them():
    tx, _ = load_transactions("shop", n_customers=300, seed=2)
    last = tx[S.TIMESTAMP].max().normalize()
    priced = customer_summary(tx, last)
    bare = customer_summary(tx.assign(**{S.PRICE: np.nan}), last)
    bg_money, gg = fit_models(priced)
    bg, none = fit_models(bare, money=False)
    assert none is None and gg is not None
    assert bg.as_dict() == bg_money.as_dict()  # the same fit: the BG/NBD never looks at spend
    assert fit_diagnostics(bg, None) == {**fit_diagnostics(bg_money, gg), "spend_degenerate": False, "spend_mean_undefined": False}
    values = value_customers(bare, bg, None, horizon_days=365, annual_discount_rate=0.1)
    full = value_customers(priced, bg_money, gg, horizon_days=365, annual_discount_rate=0.1)
    assert list(values.columns) == [S.CUSTOMER, S.P_ALIVE, S.EXPECTED_PURCHASES]
    pd.testing.assert_frame_equal(values, full[values.columns], rtol=1e-6)
