"""Issue 21: lists a shop could send tomorrow. Buy again, recent popularity, the global time split and the
variant families against hand-computed cases; the deliverable refitted on all the data never lists a product
the customer bought unless it is flagged as a re-order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis import schema as S
from analysis.chapters.recommend import findings as F
from analysis.chapters.recommend import steps as RS
from analysis.data import load_transactions
from analysis.recommend import (
    EASE, BuyAgain, ItemKNN, RecentPopularity, fresh, global_time_split, interactions_of, limit_per_family,
    reorders_first, to_matrix, variant_family,
)  # fmt: skip


def test_buy_again_by_hand():
    counts = sp.csr_matrix(np.array([[3.0, 1.0, 0.0, 0.0], [0.0, 2.0, 2.0, 0.0], [1.0, 0.0, 0.0, 1.0]]))
    last = sp.csr_matrix(np.array([[10.0, 20.0, 0.0, 0.0], [0.0, 5.0, 30.0, 0.0], [8.0, 0.0, 0.0, 9.0]]))
    recs = BuyAgain().fit(counts, last).recommend(n=3)
    # most orders first; at a tie (customer 1: two orders each, customer 2: one each) the more recent first
    assert recs.tolist() == [[0, 1, -1], [2, 1, -1], [3, 0, -1]]
    scores = BuyAgain().fit(counts, last).scores()
    assert np.isneginf(scores[0, 2]) and scores[0, 0] > scores[0, 1] and 3 <= scores[0, 0] <= 3.5
    assert BuyAgain().fit(counts).recommend(n=1).tolist() == [[0], [1], [0]]  # no times: ties to the lower index


def test_recent_popularity_by_hand():
    X = sp.csr_matrix(np.array([[1, 1, 0, 1], [1, 0, 0, 1], [1, 0, 1, 0]], dtype=float))
    recent = sp.csr_matrix(np.array([[0, 1, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=float))
    pop = RecentPopularity().fit(X, recent)
    # window: item 3 (2 customers), then items 1 and 2 (1 each; tie -> more popular over all: equal -> lower index)
    assert pop.recommend(n=4, exclude_seen=False)[0].tolist() == [3, 1, 2, 0]
    assert pop.recommend(n=2).tolist() == [[2, -1], [1, 2], [3, 1]]


def _lines(rows):
    return pd.DataFrame({
        S.ORDER: [f"O{i}" for i in range(len(rows))], S.CUSTOMER: [r[0] for r in rows], S.PRODUCT: [r[1] for r in rows],
        S.QUANTITY: 1.0, S.PRICE: 1.0, S.TIMESTAMP: pd.to_datetime([r[2] for r in rows]).astype("datetime64[us]"),
    })  # fmt: skip


def test_global_time_split_by_hand():
    table = _lines([("a", "x", "2011-01-01"), ("a", "y", "2011-01-05"), ("b", "x", "2011-01-02"),
                    ("a", "x", "2011-02-01"),  # a re-orders x after the cut-off
                    ("a", "z", "2011-02-02"),  # z is new to a (and to training: z is nowhere before)
                    ("b", "y", "2011-02-03"),  # y is new to b
                    ("c", "x", "2011-02-04")])  # c bought nothing before the cut-off
    split = global_time_split(table, "2011-02-01")
    assert sorted(zip(split.train[S.CUSTOMER], split.train[S.PRODUCT])) == [("a", "x"), ("a", "y"), ("b", "x")]
    assert sorted(zip(split.test[S.CUSTOMER], split.test[S.PRODUCT])) == [("a", "x"), ("b", "y")]
    tr, te = split.matrices(binary=True)
    new = (te.X - te.X.multiply(tr.X)).tocsr()
    new.eliminate_zeros()
    assert new.nnz == 1 and (tr.users[new.nonzero()[0][0]], tr.items[new.nonzero()[1][0]]) == ("b", "y")
    keep = interactions_of(table[table[S.CUSTOMER] != "b"])
    assert set(global_time_split(table, "2011-02-01", keep=keep).train[S.CUSTOMER]) == {"a"}
    with pytest.raises(Exception, match="global_test_days"):
        global_time_split(table, "2012-01-01")


def test_variant_families_by_colour_size_and_a_last_word():
    texts = pd.Series({
        "1": "REGENCY TEA PLATE GREEN", "2": "REGENCY TEA PLATE PINK", "3": "REGENCY TEA PLATE ROSES",
        "4": "REGENCY TEA STRAINER", "5": "Vintage Cushion, Green", "6": "Vintage Cushion, Blue [Home]",
        "7": "Organic Cushion, Green", "8": "JUMBO BAG RED RETROSPOT", "9": "LARGE BAG RED RETROSPOT", "10": "",
        "11": "CAKE TIN SMALL", "12": "CAKE TIN LARGE",
    })  # fmt: skip
    family = variant_family(texts)
    assert family["1"] == family["2"] == family["3"] != family["4"]  # colours; a last word with four words
    assert family["5"] == family["6"] != family["7"]  # colour after a comma, a category in brackets
    assert family["8"] == family["9"] and family["11"] == family["12"]  # sizes
    assert family["10"] == "id 10"  # no words: its own family


def test_limit_per_family_and_reorders_first_by_hand():
    family = np.array([0, 0, 0, 1, 1, 2])
    ranked = np.array([[0, 1, 2, 3, 4, 5], [5, 2, -1, -1, -1, -1]])
    assert limit_per_family(ranked, family, 2, 4).tolist() == [[0, 1, 3, 4], [5, 2, -1, -1]]
    assert limit_per_family(ranked, family, 1, 3).tolist() == [[0, 3, 5], [5, 2, -1]]
    again = np.array([[4, 1, -1], [2, -1, -1]])
    new = np.array([[0, 3, 5, 2], [0, 2, 1, 3]])
    lists, flag = reorders_first(again, new, 2, 4)
    assert lists.tolist() == [[4, 1, 0, 3], [2, 0, 1, 3]]
    assert flag.tolist() == [[True, True, False, False], [True, False, False, False]]
    lists, flag = reorders_first(again, new, 1, 3)
    assert lists.tolist() == [[4, 0, 3], [2, 0, 1]] and flag.sum() == 2


def test_fresh_copies_parameters_not_fits():
    X = sp.csr_matrix(np.eye(4)[[0, 1, 2, 3, 0, 1]] + np.eye(4)[[1, 2, 3, 0, 2, 3]])
    for model in (EASE(7.0), ItemKNN(3, common=False, shrinkage=2.0)):
        copy = fresh(model.fit(X))
        assert type(copy) is type(model) and not hasattr(copy, "X_")
        assert {k: v for k, v in vars(copy).items()} == {k: v for k, v in vars(model).items() if not k.endswith("_")}


@pytest.fixture(scope="module")
def shop():
    table, _ = load_transactions("shop", n_customers=400, seed=2)
    inter = RS.matrix_step(table, 5)["interactions"]
    data = RS.split_step(inter, "time", 0.25, 2).data
    best = RS._evaluate("EASE", EASE(50.0), data["train"], data["test"], 10)
    texts = RS.texts_of(table, np.sort(inter["product_id"].unique()), "shop")
    return table, inter, best, texts


@pytest.mark.parametrize("share, everything", [(0.0, False), (0.5, False), (1.0, False), (0.0, True)])
def test_the_deliverable_never_lists_a_bought_product_unflagged(shop, share, everything):
    table, inter, best, texts = shop
    out = RS.tomorrow_step(inter, best, 10, 2, share, texts, False, everything)["recommendations"]
    assert list(out.columns) == [c[0] for c in RS.DELIVERABLE_COLUMNS]
    bought = set(zip(table[S.CUSTOMER].astype("str"), table[S.PRODUCT].astype("str")))
    pairs = pd.Series([(c, p) in bought for c, p in zip(out["customer_id"], out["product_id"])])
    assert (pairs == out["reorder"]).all()  # a bought product is always flagged, a flagged one always bought
    assert not out.duplicated(["customer_id", "product_id"]).any()
    assert out.groupby("customer_id")["rank"].apply(lambda r: list(r) == list(range(1, len(r) + 1))).all()
    if everything:  # the model ranks the customer's own products too: some lists hold them
        assert 0 < out["reorder"].mean() < 1
    else:
        assert out["reorder"].sum() == 0 if share == 0 else out.groupby("customer_id")["reorder"].sum().max() == 10 * share
    assert out.loc[out["reorder"], "reason"].str.match(r"re-order: in \d+ of your orders, the last on \d{4}-").all()
    assert out.loc[~out["reorder"], "reason"].str.match("because you bought |no close product").all()
    # at most two variants of one item among the products the model placed
    family = variant_family(texts)
    placed = out if everything else out[~out["reorder"]]
    assert placed.assign(f=lambda d: d["product_id"].map(family)).groupby(["customer_id", "f"]).size().max() <= 2


def test_the_deliverable_is_refitted_on_every_interaction(shop):
    _, inter, best, texts = shop
    step = RS.tomorrow_step(inter, best, 5, 1000, 0.0, texts, False)
    full = to_matrix(inter, binary=True)
    assert step["model"].X_.nnz == full.X.nnz == len(inter)  # not the training split's matrix
    expected = EASE(50.0).fit(full.X).recommend(n=5)
    out = step["recommendations"]
    assert out["product_id"].tolist() == full.items[expected[expected >= 0]].tolist()
    assert step.glue["as_of"] == f"{inter['timestamp'].max():%Y-%m-%d}"


def test_global_step_scores_buy_again_and_chooses_by_the_tie_rule(shop):
    table, inter, best, _ = shop
    step = RS.global_step(table, inter, best, 10, 30, False)
    t = step.table.set_index("model")
    assert t.loc["buy again", "ndcg_new"] == 0  # own products are never new
    policies = {0: t.loc["EASE, new products only", "ndcg_any"], 5: t.loc["re-orders in the first 5, then EASE", "ndcg_any"],
                10: t.loc["re-orders first, then EASE", "ndcg_any"], RS.ALL_PRODUCTS: t.loc["EASE, all products", "ndcg_any"]}
    chosen = step.glue["reorder_slots"]
    assert chosen == 0 or F.beyond_tie(policies[chosen], policies[0])
    assert policies[chosen] == max(policies.values()) or chosen == 0
    assert step["all_products"] == (chosen == RS.ALL_PRODUCTS) and step["reorder_share"] == max(chosen, 0) / 10
    assert step.glue["policy_finding"] == F.policy("EASE", t.loc["buy again", "ndcg_any"], policies, chosen, 10, False)
    assert step.glue["global_cutoff"] == f"{table['timestamp'].max().normalize() - pd.Timedelta(days=30):%Y-%m-%d}"
    assert RS.global_step(table, inter, best, 10, 30, True).glue["reorder_slots"] == 0  # ratings: never re-orders


def test_rules_between_variants_are_counted_apart():
    rules = pd.DataFrame({"antecedent": ["1", "1", "5"], "consequent": ["2", "4", "6"],
                          "confidence": [0.5, 0.4, 0.3], "lift": [3.0, 2.0, 1.5]})
    texts = pd.Series({"1": "REGENCY TEA PLATE GREEN", "2": "REGENCY TEA PLATE PINK", "4": "REGENCY TEA STRAINER",
                       "5": "Vintage Cushion, Green", "6": "Vintage Cushion, Blue"})
    assert RS._variant_pairs(rules, texts).tolist() == [True, False, True]
    assert RS._variant_pairs(rules, None).tolist() == [False, False, False]


def test_a_short_log_holds_out_its_second_half(shop):
    table, inter, best, _ = shop
    first = table["timestamp"].min().normalize()
    short = table[table["timestamp"] < first + pd.Timedelta(days=20)]
    keep = inter[inter["customer_id"].isin(short["customer_id"]) & inter["product_id"].isin(short["product_id"])]
    step = RS.global_step(short, keep, best, 10, 30, False)
    span = (short["timestamp"].max().normalize() - first).days
    assert step.glue["global_test_days"] == span // 2 < 30
    assert step.glue["global_days_note"] == F.short_log(30, span // 2, span) != ""
    assert RS.global_step(table, inter, best, 10, 30, False).glue["global_days_note"] == ""


def test_a_log_of_two_days_gives_a_cut_off_on_its_last_day_or_no_global_split(shop):
    table, inter, best, _ = shop
    days = table["timestamp"].dt.normalize()
    two = table[days.isin(days.drop_duplicates().sort_values().iloc[:2])]
    keep = inter[inter["customer_id"].isin(two["customer_id"]) & inter["product_id"].isin(two["product_id"])]
    step = RS.global_step(two, keep, best, 10, 30, False)
    assert step.glue["global_test_days"] == 0 and step.glue["reorder_slots"] == 0
    nothing = RS.global_step(two, keep.iloc[:0], best, 10, 30, False)  # nobody on both sides of the cut-off
    assert nothing.glue["policy_finding"] == F.no_global_split(nothing.glue["global_cutoff"])
    assert nothing.table["ndcg_any"].isna().all() and len(nothing.table) == 6
