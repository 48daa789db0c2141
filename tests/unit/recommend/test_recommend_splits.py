"""Splits, matrices and the shop's oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import recommend as RC
from analysis.errors import DataError


def _log(n=300, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"customer_id": [f"c{x}" for x in rng.integers(0, 30, n)],
                       "product_id": [f"p{x}" for x in rng.integers(0, 20, n)],
                       "weight": 1.0, "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.random(n) * 50, "D")})
    return df.drop_duplicates(["customer_id", "product_id"]).reset_index(drop=True)


def test_stratified_split_is_the_recommenders_algorithm():
    df = _log()
    got = RC.stratified_split(df, 0.25, 42)
    # python_stratified_split(filter_by="item", ratio=0.75, seed=42), written out
    np.random.seed(42)
    d = df.assign(random=np.random.rand(len(df))).sort_values(["product_id", "random"])
    g = d.groupby("product_id")
    d["count"], d["rank"] = g["product_id"].transform("count"), g.cumcount() + 1
    want_train = d[d["rank"] <= np.round(0.75 * d["count"])]
    key = lambda x: set(zip(x["customer_id"], x["product_id"]))  # noqa: E731
    assert key(got.train) == key(want_train) and len(got.train) + len(got.test) == len(df)


def test_time_split_puts_each_customers_latest_in_the_test():
    df = _log()
    s = RC.time_split_per_user(df, 0.3)
    last_train = s.train.groupby("customer_id")["timestamp"].max()
    first_test = s.test.groupby("customer_id")["timestamp"].min()
    both = last_train.index.intersection(first_test.index)
    assert (last_train[both] <= first_test[both]).all()
    counts = df.groupby("customer_id").size()
    assert (s.test.groupby("customer_id").size() == (counts - np.round(0.7 * counts)).loc[lambda x: x > 0]).all()


def test_random_split_share_and_matrices_on_training_ids():
    df = _log()
    s = RC.split_interactions(df, "random", 0.2, 3)
    assert len(s.test) == round(0.2 * len(df))
    tr, te = s.matrices(binary=True)
    assert te.X.shape == tr.X.shape and set(np.unique(tr.X.data)) == {1.0}
    assert tr.X.nnz == len(s.train)


def test_filter_min_interactions_holds_for_both_sides():
    out = RC.filter_min_interactions(_log(), 6)
    assert len(out) > 100
    assert out.groupby("customer_id").size().min() >= 6 and out.groupby("product_id").size().min() >= 6


def test_interactions_of_ratings_keep_the_last_rating():
    t = pd.DataFrame({"customer_id": ["a", "a", "b"], "product_id": ["x", "x", "x"], "rating": [2, 5, 3],
                      "timestamp": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-01-05"])})
    out = RC.interactions_of(t)
    assert out.set_index("customer_id")["weight"].to_dict() == {"a": 5.0, "b": 3.0}


def test_split_refusals():
    with pytest.raises(DataError, match="split"):
        RC.split_interactions(_log(), "by-month", 0.2, 0)
    with pytest.raises(DataError, match="test_share"):
        RC.split_interactions(_log(), "random", 1.5, 0)


def test_oracle_is_the_planted_choice_probability():
    from analysis.shop import make_shop
    from analysis.shop.tastes import oracle_scores

    shop = make_shop(n_customers=50, seed=4)
    scores = oracle_scores(shop, shop.customers["customer_id"][:5], shop.products["product_id"])
    U, T = shop.truth.customer_factors[:5], shop.truth.temperature
    w = np.exp(U @ shop.truth.product_factors.T / T) * shop.products["popularity"].to_numpy()[None, :]
    prob = w / w.sum(axis=1, keepdims=True)
    log_odds = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    assert np.allclose(np.exp(log_odds), prob)
    with pytest.raises(DataError, match="not in this shop"):
        oracle_scores(shop, ["nobody"], shop.products["product_id"])


def test_time_split_holds_out_only_products_first_taken_after_the_cut_off():
    rng = np.random.default_rng(1)
    n = 600  # repeat purchases: many pairs bought both early and late
    t = pd.DataFrame({"order_id": [f"o{x}" for x in range(n)],
                      "customer_id": [f"c{x}" for x in rng.integers(0, 15, n)],
                      "product_id": [f"p{x}" for x in rng.integers(0, 12, n)], "quantity": 1.0, "unit_price": 2.0,
                      "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, n), "s")})
    inter = RC.interactions_of(t)
    first = t.groupby(["customer_id", "product_id"])["timestamp"].min()
    got = inter.set_index(["customer_id", "product_id"])[RC.FIRST]
    assert (got == first.loc[got.index].to_numpy()).all() and (inter[RC.FIRST] <= inter["timestamp"]).all()
    s = RC.time_split_per_user(inter, 0.3)
    cut = s.train.groupby("customer_id")[RC.FIRST].max()  # each customer's cut-off
    bought = t.groupby(["customer_id", "product_id"])["timestamp"].min()
    held = s.test.set_index(["customer_id", "product_id"])
    before = bought.loc[held.index].to_numpy() < cut.loc[held.index.get_level_values(0)].to_numpy()
    assert len(held) > 30 and not before.any()  # no held-out product was bought before the cut-off
    assert (inter["timestamp"] > inter[RC.FIRST]).mean() > 0.3  # the last time would have leaked
