"""Each worded finding of the Collaborative filtering chapter on both sides of its threshold."""

from __future__ import annotations

from analysis.chapters.recommend import findings as F


def test_sparsity_each_way():
    assert "very sparse" in F.sparsity(F.VERY_SPARSE, 0.6, 100, 50)
    assert "is sparse" in F.sparsity(F.VERY_SPARSE * 2, 0.6, 100, 50)
    assert "a heavy head" in F.sparsity(0.02, F.HEAVY_HEAD, 100, 50)
    lighter = F.sparsity(0.02, F.HEAVY_HEAD - 0.01, 100, 50)
    assert "less than half of the log, yet more than an even spread" in lighter and "4.9 times" in lighter
    assert "only" not in lighter and "no head" in F.sparsity(0.02, 0.1, 100, 50)


def test_best_model_each_way():
    assert "clearly beats" in F.best_model("EASE", 0.2 * (1 + F.CLEAR_LIFT), 0.2, 10)
    assert "not clearly better" in F.best_model("EASE", 0.2 * (1 + F.CLEAR_LIFT / 2), 0.2, 10)
    assert "no hit" in F.best_model("EASE", 0.1, 0.0, 10)


def test_oracle_each_way():
    assert "close to" in F.oracle("EASE", F.CLOSE_TO_ORACLE * 0.5, 0.5, 10)
    assert "well short of" in F.oracle("EASE", (F.CLOSE_TO_ORACLE - 0.01) * 0.5, 0.5, 10)
    assert "no gap" in F.oracle("EASE", 0.1, 0.0, 10)


def test_ratings_each_way():
    assert "improves on" in F.ratings(0.9, 0.9 / (1 - F.RATING_GAIN) + 0.001, 1.1)
    assert "does not improve" in F.ratings(0.9, 0.901, 1.1)
    assert "not ratings" in F.ratings(None, None, None)


def test_rules_and_cold_start_and_exercises():
    assert "no 'bought together' rule" in F.rules(100, 0, 0, 0.01, None)
    one = F.rules(100, 1, 1, 0.01, "a -> b")
    assert "1 pair of products appears together in at least 1.00% of the 100 baskets" in one and "1 rule " in one
    three = F.rules(100, 3, 6, 0.01, "a -> b")
    assert "3 pairs" in three and "6 rules" in three and "confidence of at least 30%" in three
    assert "no rule from them reaches" in F.rules(100, 2, 0, 0.01, None)
    assert "agree with" in F.cold_start("P1", 0.6, 5) and "differ from" in F.cold_start("P1", 0.2, 5)
    assert "1,000 cells" in F.dense_pivot(1000, 0.05)
    assert "precision@5" in F.precision_gap("EASE", 0.3, 0.1, 5)
    assert "most lists miss" in F.no_hit(0.6, 100, "EASE") and "at least one" in F.no_hit(0.4, 100, "EASE")
    assert "memory and time, not meaning" in F.dense_pivot(1000, 0.05) and "8,000 bytes" in F.dense_pivot(1000, 0.05)


def test_penalty_check_and_ease_grid_each_way():
    base = 0.3
    tie = base * F.SAME_NDCG
    assert "holds up on the test split on both sides" in F.penalty_check(-2 * tie, -1.5 * tie, 10, base)
    within = F.penalty_check(0.5 * tie, -2 * tie, 10, base)  # a rise within the tie rule is no disagreement
    assert "holds up" not in within and "stays within the tie rule" in within and "cannot tell" in within
    assert "cannot tell" in F.penalty_check(-0.5 * tie, -2 * tie, 10, base)  # a fall within the rule proves nothing
    assert "a weaker penalty scores better" in F.penalty_check(2 * tie, -2 * tie, 10, base)
    assert "a stronger penalty scores better" in F.penalty_check(-2 * tie, 2 * tie, 10, base)
    assert "smallest value tried" in F.ease_grid(3.0, [3.0, 10.0, 30.0], 2.0)
    assert "largest value tried" in F.ease_grid(30.0, [3.0, 10.0, 30.0], 2.0)
    middle = F.ease_grid(10.0, [3.0, 10.0, 30.0], 2.0)
    assert "tried" not in middle and "6, 20, 60" in middle


def test_recall_cap_each_way():
    assert "of 0.380 at most" in F.recall_cap(0.38, 26.3, 10)
    assert F.recall_cap(F.RECALL_CAP_NOTE, 5.0, 10) == ""
    assert F.recall_cap(F.RECALL_CAP_NOTE - 0.01, 12.0, 10) != ""


def test_hybrid_each_way():
    better = F.hybrid(0.3 * (1 + 2 * F.HYBRID_TOLERANCE), 0.3, 0.5)
    assert "better than interactions alone on this split" in better and "taste" not in better
    assert "worse than interactions alone" in F.hybrid(0.3 * (1 - 2 * F.HYBRID_TOLERANCE), 0.3, 0.5)
    assert "about as well" in F.hybrid(0.3 * (1 + F.HYBRID_TOLERANCE / 2), 0.3, 0.5)
    assert "50% interaction and 50% text" in F.hybrid(0.3, 0.3, 0.5)


def test_dense_pivot_cost_each_way():
    assert "what reading 'not rated' as a rating of 0 costs" in F.dense_pivot_cost(1.0, 1.0 + 2 * F.RATING_GAIN)
    assert "crude form of shrinkage" in F.dense_pivot_cost(1.0, 1.0 - 2 * F.RATING_GAIN)
    assert "on both" in F.dense_pivot_cost(1.0, 1.0 - 2 * F.RATING_GAIN)
    assert "about the same" in F.dense_pivot_cost(1.0, 1.0 + F.RATING_GAIN / 2)


def test_rules_against_cf_each_way():
    assert "beat EASE" in F.rules_against_cf(0.3, 0.5, "EASE", 0.2)
    assert "fall short of EASE" in F.rules_against_cf(0.1, 0.5, "EASE", 0.2)
    assert "reach no customer" in F.rules_against_cf(0.0, 0.0, "EASE", 0.2)


def test_metric_keeps_three_significant_digits():
    assert F.metric(1.0) == "1.00" and F.metric(0.12) == "0.120" and F.metric(0.0365) == "0.0365"
    assert F.metric(123.0) == "123" and F.metric(3.8) == "3.80" and F.metric(0) == "0"


def test_popularity_place_each_way():
    assert "ranks 3 of 3" in F.popularity_place(0.03, [0.1, 0.2], 10)
    best = 0.2
    assert "says little" in F.popularity_place(best * (F.POP_WEAK - 0.01), [0.1, best], 10)
    last = F.popularity_place(best * F.POP_WEAK, [0.11, best], 10)  # last by rank, yet half the best
    assert "ranks 3 of 3" in last and "part of the way" in last and "50.0% of the best" in last
    assert "part of the way" in F.popularity_place(best * (F.POP_CLOSE - 0.01), [best], 10)
    assert "a long way" in F.popularity_place(best * F.POP_CLOSE, [best], 10)
    assert "no list" in F.popularity_place(0.0, [0.0], 10)


def test_relevance_and_basket_kind_only_on_ratings():
    assert "rating of 1" in F.relevance(True) and F.relevance(False) == ""
    assert "rated together" in F.basket_kind(True) and F.basket_kind(False) == ""


def test_grid_edge_each_way():
    assert "above the grid" in F.grid_edge(32, [8, 16, 32]) and "factors = 64" in F.grid_edge(32, [8, 16, 32])
    assert "below the grid" in F.grid_edge(8, [8, 16, 32]) and "factors = 16" in F.grid_edge(8, [8, 16, 32])
    assert F.grid_edge(16, [8, 16, 32]) == ""


def test_rules_against_cf_explains_an_empty_reach():
    assert "section 7's whole log" in F.rules_against_cf(0.0, 0.0, "EASE", 0.2, 1)
    assert "even on the whole log" in F.rules_against_cf(0.0, 0.0, "EASE", 0.2, 0)


def test_implicit_als_score_each_way():
    sample = F.implicit_als_score(0.351, 2900, 1000)
    assert "on all 2,900 test customers" in sample and "random sample of 1,000 of them" in sample
    assert "0.351" in sample
    whole = F.implicit_als_score(0.351, 800, 800)
    assert "on all 800 test customers" in whole and "the same customers" in whole and "sample" not in whole
    assert "the one test customer" in F.implicit_als_score(0.5, 1, 1)


def test_penalty_prints_alike_in_section_5_and_exercise_3_4():
    per_item, chosen = 16.95, 10.0
    assert F.penalty(chosen * per_item) == "170"
    assert f"that is {F.penalty(3 * per_item)}, {F.penalty(chosen * per_item)}," in F.ease_grid(chosen, [3.0, 10.0, 30.0], per_item)


def test_no_planted_tastes_claims_no_gap():
    text = F.no_planted_tastes()
    assert text.startswith("These data are not the built-in shop") and "without planted tastes" in text


def test_beyond_tie_is_the_claims_rule_whichever_value_is_named_first():
    # 1.0205 against 1.0: beyond 2 % of the lower value; the rule used to measure against the value named second
    low, high = 1.0, 1.0205
    assert F.beyond_tie(high, low) and not F.beyond_tie(low, high)
    assert not F.SAME_NDCG_RULE.tie(high, low, float("nan")) and not F.SAME_NDCG_RULE.tie(low, high, float("nan"))
    edge = low * (1 + F.SAME_NDCG) - 1e-12  # just inside the rule (1.02 - 1.0 is 0.02 plus rounding)
    assert F.SAME_NDCG_RULE.tie(edge, low, float("nan")) and F.SAME_NDCG_RULE.tie(low, edge, float("nan"))
    assert not F.beyond_tie(edge, low)
    assert "of the lower value" in F.SAME_NDCG_RULE.describe(float("nan"))


def test_beyond_tie_and_the_family_cap_each_way():
    assert F.beyond_tie(0.3 * (1 + 2 * F.SAME_NDCG), 0.3) and not F.beyond_tie(0.3 * (1 + F.SAME_NDCG / 2), 0.3)
    assert not F.beyond_tie(float("nan"), 0.3) and not F.beyond_tie(0.2, 0.3)
    assert "no product descriptions" in F.family_cap("EASE", 0.3, 0.3, 2, 0.4, False)
    assert "changes nothing" in F.family_cap("EASE", 0.3, 0.3, 2, 0.0, True)
    assert "costs accuracy beyond the tie rule" in F.family_cap("EASE", 0.3, 0.25, 2, 0.4, True)
    assert "gains accuracy" in F.family_cap("EASE", 0.25, 0.3, 2, 0.4, True)
    same = F.family_cap("EASE", 0.3, 0.299, 2, 0.4, True)
    assert "within the tie rule" in same and "40.0%" in same and "2 variants" in same


def test_variant_rules_and_the_policy_each_way():
    assert F.variant_rules(0, 0, None) == "" and "every rule links different items" in F.variant_rules(0, 5, None)
    two = F.variant_rules(2, 8, "A -> B (confidence 50%, lift 3.0)")
    assert "2 rules of the 8 rules (25.0%) pair two variants" in two and "the strongest: A -> B" in two
    assert "every one of them pairs two variants" in F.rules(100, 1, 2, 0.01, None)
    new = {0: 0.20, 5: 0.15, 10: 0.18}
    assert "not what these customers mostly do next" in F.policy("EASE", 0.1, new, 0, 10, False)
    assert "no list that puts re-orders first does better" in F.policy("EASE", 0.3, new, 0, 10, False)
    again = F.policy("EASE", 0.33, {0: 0.1, 5: 0.3, 10: 0.35}, 10, 10, False)
    assert "Re-orders are what these customers do next" in again and "every place" in again and "0.350" in again
    assert "the first 5 places" in F.policy("EASE", 0.33, {0: 0.1, 5: 0.36, 10: 0.35}, 5, 10, False)
    assert "rates a product once" in F.policy("EASE", 0.0, {0: 0.2, 5: 0.1, 10: 0.1}, 0, 10, True)
    every = F.policy("EASE", 0.33, {0: 0.1, 5: 0.3, 10: 0.35, -1: 0.4}, -1, 10, False)
    assert "own ranking over every product" in every and "0.400" in every and "flagged as a re-order" in every


def test_short_log_each_way():
    assert F.short_log(30, 30, 365) == ""
    note = F.short_log(30, 9, 19)
    assert "spans 19 days" in note and "cut-off is 9 days before it" in note and "global_test_days" in note
    assert "2011-01-02" in F.no_global_split("2011-01-02") and "new to each customer" in F.no_global_split("x")
