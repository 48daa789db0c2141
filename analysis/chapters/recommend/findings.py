"""Worded findings of the Collaborative filtering chapter: each function takes the run's numbers and
returns one sentence; thresholds are the named constants below (tests feed numbers on both sides)."""

from __future__ import annotations

import math

from analysis import fmt
from analysis.chapters._claims import Claim, Relative, Scale, at_scale
from analysis.chapters._findings import plural, sentence

__all__ = [
    "CLEAR_LIFT",
    "CLOSE_TO_ORACLE",
    "HEAVY_HEAD",
    "RATING_GAIN",
    "VERY_SPARSE",
    "best_model",
    "cold_start",
    "oracle",
    "ratings",
    "rules",
    "sparsity",
    "HYBRID_TOLERANCE", "MIN_CONFIDENCE", "POP_CLOSE", "POP_WEAK", "RECALL_CAP_NOTE", "SUMMARY", "ease_grid",
    "SAME_NDCG", "beyond_tie", "no_global_split", "short_log", "family_cap", "policy", "variant_rules",
    "spark_als", "tie_verdict",
    "implicit_als_score", "no_planted_tastes", "penalty", "penalty_check", "recall_cap", "basket_kind", "metric", "popularity_place", "relevance", "grid_edge", "rules_against_cf", "dense_pivot", "dense_pivot_cost", "hybrid", "no_hit", "precision_gap",
]

def metric(value: float) -> str:
    """A score with three significant digits, trailing zeros kept (``1.0`` -> ``1.00``, ``0.12`` -> ``0.120``),
    so that scores in one sentence read alike; outside 10**-4 .. 10**3, ``fmt.number``."""
    v = float(value)
    if not math.isfinite(v) or v == 0 or not 1e-4 <= abs(v) < 1e3:
        return fmt.number(v)
    return f"{v:#.3g}".rstrip(".")


#: A matrix with at most this share of its cells observed is "very sparse".
VERY_SPARSE = 0.01
#: The top tenth of products holding at least this share of the interactions is a "heavy head".
HEAVY_HEAD = 0.5
#: A model beats most-popular "clearly" when its nDCG is at least this share above popularity's.
CLEAR_LIFT = 0.10
#: A model reaching at least this share of the oracle's nDCG comes "close" to the planted tastes.
CLOSE_TO_ORACLE = 0.8
#: The words for the best model's share of the planted tastes' nDCG.
ORACLE_SCALE = Scale("share of the planted tastes' nDCG", ((CLOSE_TO_ORACLE, "close to"), (-math.inf, "well short of")))
#: A rating model improves on the biased baseline when its RMSE is at least this share lower.
RATING_GAIN = 0.01


def sparsity(density: float, head_share: float, n_users: int, n_items: int) -> str:
    """How empty the matrix is and how much the most popular tenth of its products takes (against the
    share an even spread would give that tenth)."""
    kind = "very sparse" if density <= VERY_SPARSE else "sparse"
    top = max(1, math.ceil(0.1 * n_items))
    ratio = head_share / (top / n_items) if n_items else float("nan")
    verdict = ("a heavy head, holding at least half of the log" if head_share >= HEAVY_HEAD
               else "a head that holds less than half of the log, yet more than an even spread would")
    if head_share < HEAVY_HEAD and not ratio > 1.05:
        verdict = "no head: popularity is spread about evenly"
    return sentence(
        f"the matrix of {plural(n_users, 'customer')} by {plural(n_items, 'product')} is {kind} "
        f"({fmt.share(density, 2)} of its cells hold an interaction); among these products, the most popular "
        f"tenth takes {fmt.share(head_share)} of the interactions, {fmt.number(ratio, 2)} times an even "
        f"spread's share: {verdict}"
    )


def best_model(best: str, best_ndcg: float, popularity_ndcg: float, k: int) -> str:
    """The best top-k model against most-popular."""
    if not popularity_ndcg > 0:
        return sentence(f"{best} ranks best with nDCG@{k} {metric(best_ndcg)}; most-popular scores no hit")
    lift = best_ndcg / popularity_ndcg - 1
    if best != "most popular":
        Claim("recommend.best_finding", f"nDCG@{k}", "beats" if lift >= CLEAR_LIFT else "ties", best,
              {best: best_ndcg, "most popular": popularity_ndcg}, "most popular", Relative(CLEAR_LIFT, "CLEAR_LIFT"),
              source="the models' comparison table").check()  # fmt: skip
    if lift >= CLEAR_LIFT:
        verdict = f"clearly beats most-popular ({metric(popularity_ndcg)}, {fmt.signed_share(lift)})"
    else:
        verdict = (f"is not clearly better than most-popular ({metric(popularity_ndcg)}, "
                   f"{fmt.signed_share(lift)}): on this log, personalisation adds little")
    return sentence(f"{best} ranks best, with nDCG@{k} {metric(best_ndcg)}, and {verdict}")


def oracle(best: str, best_ndcg: float, oracle_ndcg: float, k: int) -> str:
    """How close the best model comes to the ranking by the shop's planted tastes."""
    if not (oracle_ndcg > 0 and math.isfinite(best_ndcg)):
        return sentence("the planted tastes score no hit on this test split, so no gap can be measured")
    reached = best_ndcg / oracle_ndcg
    verdict = at_scale("recommend.truth_finding", f"nDCG@{k} over the planted tastes'", best, reached, ORACLE_SCALE,
                       source="the comparison with the planted tastes").say()  # fmt: skip
    return sentence(
        f"{best} reaches {fmt.share(reached)} of the nDCG@{k} of the planted tastes "
        f"({metric(best_ndcg)} against {metric(oracle_ndcg)}): {verdict} the best a log can give"
    )


def no_planted_tastes() -> str:
    """Section 8 on data other than the built-in shop: no planted tastes, so no ceiling."""
    return sentence("these data are not the built-in shop: without planted tastes there is no ceiling, and no "
                    "method's gap to it can be measured")


def implicit_als_score(ndcg: float, n_users: int, curve_users: int) -> str:
    """Implicit ALS's test nDCG@K on all test customers, and how many of them the learning curve scores."""
    if curve_users >= n_users:
        curve = "the learning curve scores the same customers after each sweep"
    else:
        curve = f"the learning curve scores a random sample of {fmt.count(curve_users)} of them after each sweep"
    who = "the one test customer" if n_users == 1 else f"all {plural(n_users, 'test customer')}"
    return sentence(f"after the last sweep, implicit ALS reaches a test nDCG@K of {metric(ndcg)} on {who} "
                    f"({curve})")


def spark_als(spark_ndcg: float | None, ours_ndcg: float) -> str:
    """Spark MLlib's implicit ALS beside this chapter's, on the same split (``None``: not fitted, engine duckdb).

    The two tie when their nDCG@K differ by less than the page's tie rule (:data:`SAME_NDCG`)."""
    if spark_ndcg is None:
        return sentence("this run fitted every model on this machine (engine duckdb); with engine spark, Spark "
                        "MLlib fits the same weighted ALS as well, scored here on the same split")
    verdict = tie_verdict(spark_ndcg, ours_ndcg, "higher than", "lower than", "level with")
    return sentence(f"Spark MLlib's weighted ALS (implicitPrefs, with the same latent dimension, penalty, sweeps "
                    f"and confidence), fitted on the same training split, reaches a test nDCG@K of "
                    f"{metric(spark_ndcg)}, {verdict} this chapter's {metric(ours_ndcg)}; Spark scales the penalty "
                    "by each customer's and product's number of interactions, this chapter does not")


def ratings(model_rmse: float | None, baseline_rmse: float | None, mean_rmse: float | None) -> str:
    """Matrix factorisation against the biased baseline and the global mean on ratings (``None``: no ratings)."""
    if model_rmse is None or baseline_rmse is None or mean_rmse is None:
        return sentence("the log holds purchases, not ratings, so every model is scored on its ranked lists only")
    gain = 1 - model_rmse / baseline_rmse
    verdict = (
        f"improves on the biased baseline's {metric(baseline_rmse)} by {fmt.share(gain)}"
        if gain >= RATING_GAIN
        else f"does not improve on the biased baseline's {metric(baseline_rmse)} by much ({fmt.signed_share(-gain)})"
    )
    return sentence(
        f"matrix factorisation predicts the held-out ratings with RMSE {metric(model_rmse)}; it {verdict}, "
        f"and the global mean alone gives {metric(mean_rmse)}"
    )


#: A rule is kept when its confidence is at least this (and its lift above 1).
MIN_CONFIDENCE = 0.3


def rules(n_baskets: int, n_pairs: int, n_rules: int, min_support: float, top: str | None,
          min_confidence: float = MIN_CONFIDENCE) -> str:
    """How many pairs reach ``min_support`` and how many rules they give at the confidence and lift cuts."""
    where = f"at least {fmt.share(min_support, 2)} of the {plural(n_baskets, 'basket')}"
    if n_pairs == 0:
        return sentence(
            f"no pair of products appears together in {where}: at this support the log holds no "
            "'bought together' rule; a lower `min_support` finds rarer pairs"
        )
    pairs = f"{plural(n_pairs, 'pair')} of products {'appears' if n_pairs == 1 else 'appear'} together in {where}"
    cut = f"a confidence of at least {fmt.share(min_confidence, 0)} and a lift above 1"
    if n_rules == 0:
        return sentence(f"{pairs}, but no rule from {'it' if n_pairs == 1 else 'them'} reaches {cut}")
    strongest = (f"the strongest by lift between two different items: {top}" if top
                 else "every one of them pairs two variants of one item")
    return sentence(f"{pairs}; with {cut}, {'it gives' if n_pairs == 1 else 'they give'} "
                    f"{plural(n_rules, 'rule')} (a pair gives at most two, one each way); {strongest}")


def cold_start(product: str, overlap: float, k: int) -> str:
    """How far the text neighbours of a product agree with its neighbours by interactions."""
    verdict = "agree with" if overlap >= 0.5 else "differ from"
    return sentence(
        f"for {product}, {fmt.share(overlap)} of its {k} nearest products by description are also among its "
        f"{k} nearest by interactions: text neighbours {verdict} what customers bought (or rated) together, "
        "and need no history"
    )


def dense_pivot(cells: int, density: float) -> str:
    """Exercise 3.1: the size of a dense pivot, how much of it would be filled, and what that costs."""
    return sentence(
        f"a dense pivot would hold {fmt.count(cells)} cells, of which only {fmt.share(density, 2)} carry an "
        f"interaction: {fmt.count(cells * 8)} bytes as 64-bit floats, against about {fmt.count(cells * density * 12)} "
        "for the sparse matrix's stored values and indices; the zeros cost memory and time, not meaning, since "
        "what an empty cell means is set by the similarity or the loss that reads it, not by how it is stored"
    )


def precision_gap(best: str, best_p: float, pop_p: float, k: int) -> str:
    """Exercise 3.2: precision@K of the best model against most-popular."""
    return sentence(
        f"at K = {k}, {best} puts {metric(best_p * k)} relevant products in an average list, "
        f"most-popular {metric(pop_p * k)} (precision@{k} {metric(best_p)} against {metric(pop_p)})"
    )


def no_hit(share: float, n_users: int, best: str) -> str:
    """Exercise 3.3: the customers whose list holds nothing they bought next."""
    return sentence(
        f"{fmt.share(share)} of the {plural(n_users, 'test customer')} find none of their held-out products "
        f"in {best}'s list"
        + ("; most lists miss entirely" if share > 0.5 else "; most customers see at least one")
    )


def penalty_check(weaker: float, stronger: float, factor: float, base: float) -> str:
    """Exercise 3.4: EASE's test nDCG change with the penalty divided and multiplied by ``factor`` (``base``:
    the chosen penalty's nDCG); a change counts only beyond the page's tie rule (:data:`SAME_NDCG`)."""
    def moved(change: float) -> str:
        if not beyond_tie(base + change, base) and not beyond_tie(base, base + change):
            return f"stays within the tie rule (by {metric(abs(change))})"
        return f"{'rises' if change > 0 else 'falls'} by {metric(abs(change))}"

    better = [name for name, c in (("weaker", weaker), ("stronger", stronger)) if beyond_tie(base + c, base)]
    worse = [c for c in (weaker, stronger) if beyond_tie(base, base + c)]
    chosen, ndcg = "the chosen penalty", {"the chosen penalty": base, "weaker": base + weaker,
                                          "stronger": base + stronger}  # fmt: skip
    for side in ("weaker", "stronger"):  # each side's verdict is a claim on the nDCG tie rule
        pair = {chosen: ndcg[chosen], side: ndcg[side]}
        claim = (Claim("recommend.ex3_4_sentence", "test nDCG@K", "beats", side, pair, chosen, SAME_NDCG_RULE)
                 if side in better else
                 Claim("recommend.ex3_4_sentence", "test nDCG@K", "beats", chosen, pair, side, SAME_NDCG_RULE)
                 if beyond_tie(base, ndcg[side]) else
                 Claim("recommend.ex3_4_sentence", "test nDCG@K", "ties", chosen, pair, side, SAME_NDCG_RULE))
        claim.check()
    if better:
        meaning = (f"a {' and a '.join(better)} penalty scores better on the test split beyond the tie rule: "
                   "validation and test disagree here")
    elif len(worse) == 2:
        meaning = "the penalty chosen on the validation split holds up on the test split on both sides"
    else:
        meaning = ("on at least one side the test split cannot tell the penalties apart (a tie), so it neither "
                   "confirms nor refutes the validation split's choice there")
    f = fmt.number(factor)
    return sentence(f"with the penalty divided by {f}, EASE's test nDCG@K {moved(weaker)}; multiplied by {f}, "
                    f"it {moved(stronger)}: {meaning}")


def penalty(value: float) -> str:
    """EASE's penalty as the page prints it, in section 5 and in Exercise 3.4 alike."""
    return fmt.number(value, 3)


def ease_grid(chosen: float, grid: list[float], per_item: float) -> str:
    """Exercise 3.4: the grid EASE's penalty was chosen on, and a note when the choice is at its edge."""
    values = ", ".join(penalty(g * per_item) for g in grid)
    text = (f"EASE's penalty was chosen on the validation split among {len(grid)} values, "
            f"{', '.join(fmt.number(g) for g in grid)} times the mean interactions per product "
            f"({fmt.number(per_item, 3)}), that is {values}")
    if len(grid) >= 2 and chosen in (min(grid), max(grid)):
        side, where = ("smallest", "below") if chosen == min(grid) else ("largest", "above")
        text += f"; the choice is the {side} value tried, so the best penalty may lie {where} the grid"
    return sentence(text)


#: Only note the cap on recall@K and AP when the best possible recall is below this.
RECALL_CAP_NOTE = 0.9


def recall_cap(cap: float, mean_held: float, k: int) -> str:
    """The best recall@K (and AP) a perfect list could reach when customers hold more than K test products."""
    if not cap < RECALL_CAP_NOTE:
        return ""
    return sentence(
        f"many test customers hold more held-out products than a list of {k} can show "
        f"({fmt.number(mean_held, 3)} on average): even a perfect list reaches a mean recall@{k} (and AP) of {metric(cap)} at most, "
        "while precision can reach 1, so recall and MAP read lower than precision here"
    )


#: The page's tie rule for nDCG@K: two lists whose nDCG@K differ by less than this share of the lower one tie.
SAME_NDCG = 0.02
#: A hybrid differs from interactions alone when its nDCG is at least this share away (the tie rule).
HYBRID_TOLERANCE = SAME_NDCG


#: The nDCG tie rule as a claim's rule: a difference beyond SAME_NDCG of the lower value (whichever is named first).
SAME_NDCG_RULE = Relative(SAME_NDCG, "SAME_NDCG", of_lower=True)


def beyond_tie(value: float, reference: float) -> bool:
    """Whether nDCG ``value`` is higher than ``reference`` by more than the tie rule (:data:`SAME_NDCG_RULE`, the
    rule the page's claims are checked by)."""
    return SAME_NDCG_RULE.beyond(value, reference)


def tie_verdict(value: float, reference: float, above: str, below: str, level: str) -> str:
    """``above``, ``below`` or ``level``: nDCG ``value`` against ``reference`` under the tie rule (:func:`beyond_tie`)."""
    if beyond_tie(value, reference):
        return above
    if beyond_tie(reference, value):
        return below
    return level


def family_cap(model: str, before: float, after: float, max_per: int, changed: float, has_texts: bool) -> str:
    """Section 9: the best model's nDCG@K with at most ``max_per`` variants of one item per list."""
    if not has_texts:
        return sentence("the data carry no product descriptions, so no product can be told to be a variant of "
                        "another and the lists are left as the model ranks them")
    if changed == 0:
        return sentence(f"no list of {model} holds more than {plural(max_per, 'variant')} of one item, so "
                        f"`max_per_family` changes nothing here (nDCG@K {metric(before)})")
    ndcg, capped, free = {"capped": after, "as ranked": before}, "capped", "as ranked"
    relation, subject, other = (("beats", free, capped) if beyond_tie(before, after) else
                                ("beats", capped, free) if beyond_tie(after, before) else ("ties", capped, free))
    Claim("recommend.family_finding", "nDCG@K", relation, subject, ndcg, other, SAME_NDCG_RULE,
          source="the lists before and after max_per_family").check()  # fmt: skip
    if beyond_tie(before, after):
        verdict = "it costs accuracy beyond the tie rule: the variants left out were what some customers bought next"
    elif beyond_tie(after, before):
        verdict = "it gains accuracy beyond the tie rule: the places freed went to products customers took next"
    else:
        verdict = "within the tie rule, the lists lose no accuracy for being easier to accept"
    return sentence(
        f"keeping at most {plural(max_per, 'variant')} of one item changes {fmt.share(changed)} of {model}'s "
        f"lists and moves its nDCG@K from {metric(before)} to {metric(after)}: {verdict}"
    )


def short_log(asked: int, used: int, span: int) -> str:
    """Section 10: a note when the log is too short to hold out ``global_test_days`` (its second half is used)."""
    if used == asked:
        return ""
    return sentence(f"the log spans {plural(span, 'day')}, too few for a cut-off {plural(asked, 'day')} before "
                    f"its last day (`global_test_days`), so the global split's cut-off is {plural(used, 'day')} "
                    "before it, halfway")


def no_global_split(cutoff: str) -> str:
    """Section 10 when too few customers or products lie on one side of the global split's cut-off."""
    return sentence(f"too few of the customers and products kept lie on both sides of the cut-off {cutoff} to "
                    "score any list on the global split, so nothing tells re-orders from new products here: the "
                    "lists hold products new to each customer")


def variant_rules(n_variant: int, n_rules: int, example: str | None) -> str:
    """Section 7: how many of the rules pair two variants of one item (shown apart from cross-item rules)."""
    if n_rules == 0:
        return ""
    if n_variant == 0:
        return sentence("no rule pairs two variants of one item: every rule links different items")
    share = n_variant / n_rules
    text = (f"{plural(n_variant, 'rule')} of the {plural(n_rules, 'rule')} ({fmt.share(share)}) "
            f"{'pairs' if n_variant == 1 else 'pair'} two variants of one item (colours or sizes of the same "
            "product), which says that customers buy an item in several colours, not what goes with it; "
            "they are counted apart and left out of the table of rules and of 'bought together'")
    return sentence(text + (f"; the strongest: {example}" if example else ""))


def policy(model: str, again: float, policies: dict[int, float], chosen: int, k: int, explicit: bool) -> str:
    """Section 10: which list the deliverable sends, from nDCG@K on anything bought next (global split)."""
    new = policies[0]
    finding, source = "recommend.policy_finding", "the policies scored on the global split"
    if explicit:
        return sentence(f"on ratings a customer rates a product once, so buying again has no meaning: the lists "
                        f"hold products new to each customer, from {model} (nDCG@K {metric(new)} on the global split)")
    names = {r: ("new products only" if r == 0 else "the model's ranking over every product" if r < 0
                 else f"re-orders in the first {r} places") for r in policies}  # fmt: skip
    scores = {names[r]: v for r, v in policies.items()}
    if chosen == 0:
        pair = {"buy again": again, names[0]: new}
        Claim(finding, "nDCG@K, anything bought next", "above" if beyond_tie(again, new) else
              "ties" if not beyond_tie(new, again) else "below", "buy again", pair, names[0], SAME_NDCG_RULE,
              min(again, new), source=source).check()  # fmt: skip
        for r, value in policies.items():  # no list with re-orders beats new products alone beyond the tie rule
            if r != 0:
                Claim(finding, "nDCG@K, anything bought next", "below" if beyond_tie(new, value) else "ties",
                      names[r], {names[r]: value, names[0]: new}, names[0], SAME_NDCG_RULE,
                      min(value, new), source=source).check()  # fmt: skip
    else:
        Claim(finding, "nDCG@K, anything bought next", "best", names[chosen], scores, source=source).check()
        Claim(finding, "nDCG@K, anything bought next", "beats", names[chosen], scores, names[0], SAME_NDCG_RULE,
              min(scores[names[chosen]], new), source=source).check()  # fmt: skip
    if chosen == 0:
        if beyond_tie(again, new):
            return sentence(
                f"buy again scores nDCG@K {metric(again)} on anything bought next, above {model}'s new products "
                f"({metric(new)}), yet no list that puts re-orders first does better than new products alone "
                f"beyond the tie rule; the lists hold new products only"
            )
        return sentence(
            f"{model}'s new products score nDCG@K {metric(new)} on anything bought next, buy again {metric(again)}: "
            "re-orders are not what these customers mostly do next, so the lists hold products new to each customer"
        )
    if chosen < 0:  # the model's ranking over every product, the customer's own included
        return sentence(
            f"re-orders are part of what these customers do next: buy again scores nDCG@K {metric(again)} on "
            f"anything bought next against {metric(new)} for {model}'s new products, and {model}'s own ranking "
            f"over every product, the customer's own included, scores {metric(policies[chosen])}, the best beyond "
            "the tie rule; the deliverable lists the model's top products, a product the customer bought before "
            "flagged as a re-order with its reason"
        )
    where = "every place" if chosen == k else f"the first {chosen} places"
    return sentence(
        f"re-orders are what these customers do next: buy again scores nDCG@K {metric(again)} on anything bought "
        f"next against {metric(new)} for {model}'s new products, and the customer's own products in {where} of a "
        f"list of {k}, filled with new products, score {metric(policies[chosen])}, the best beyond the tie rule; "
        "the deliverable puts re-orders first, each flagged as one with its reason"
    )



def hybrid(hybrid_ndcg: float, purchases_ndcg: float, weight: float) -> str:
    """The hybrid item kNN (interaction and text cosine) against interactions alone."""
    change = hybrid_ndcg / purchases_ndcg - 1 if purchases_ndcg > 0 else float("nan")
    if not math.isfinite(change) or abs(change) < HYBRID_TOLERANCE:
        verdict = "about as well as interactions alone"
    elif change > 0:
        verdict = "better than interactions alone on this split"
    else:
        verdict = "worse than interactions alone on this split"
    return sentence(
        f"a simple hybrid, item kNN on {fmt.share(1 - weight, 0)} interaction and {fmt.share(weight, 0)} text "
        f"similarity, reaches nDCG@K {metric(hybrid_ndcg)} against {metric(purchases_ndcg)} for item kNN on "
        f"interactions alone: {verdict} (one split; both lists are scored on products with a history)"
    )


#: The glued findings, in the order of the "What this run found" box.
SUMMARY = ("sparsity_finding", "best_finding", "rating_finding", "content_finding", "rules_finding", "truth_finding",
           "family_finding", "policy_finding")


def dense_pivot_cost(common_rmse: float, dense_rmse: float) -> str:
    """Item kNN on the observed cells against the same on a dense pivot with zeros in the missing cells."""
    diff = dense_rmse - common_rmse
    if math.isfinite(diff):
        relation = "above" if diff > RATING_GAIN * common_rmse else "below" if diff < -RATING_GAIN * common_rmse else "ties"
        Claim("recommend.mf_text", "test RMSE", relation, "dense pivot", {"dense pivot": dense_rmse,
              "observed cells": common_rmse}, "observed cells", Relative(RATING_GAIN, "RATING_GAIN"), common_rmse,
              source="item kNN on the observed cells and on the dense pivot").check()  # fmt: skip
    if diff > RATING_GAIN * common_rmse:
        verdict = f"worse by {metric(diff)}: that is what reading 'not rated' as a rating of 0 costs here"
    elif diff < -RATING_GAIN * common_rmse:
        verdict = (f"better by {metric(-diff)}: the zeros shrink the similarities of products seen by few "
                   "common customers, a crude form of shrinkage; neither form tells a high rating from a low one "
                   "(on both, two products that the same customers rated 5 and 1 look alike), which is what "
                   "mean-centring addresses")
    else:
        verdict = "about the same"
    return sentence(f"the same item kNN on a dense pivot with zeros in the missing cells gives RMSE "
                    f"{metric(dense_rmse)}, {verdict}")


def rules_against_cf(rules_ndcg: float, users_reached: float, best: str, best_ndcg: float,
                     n_rules_whole_log: int | None = None) -> str:
    """Rules used as a recommender against the best collaborative model (``n_rules_whole_log``: section 7's)."""
    if users_reached == 0 and n_rules_whole_log == 0:
        return sentence("with no rule at this support even on the whole log (section 7), the rules cannot "
                        "recommend anything here")
    if users_reached == 0:
        return sentence("mined on the training interactions alone, the rules reach no customer's history at this "
                        "support, so they cannot recommend anything here: the held-out interactions are missing "
                        "from the training baskets, so fewer pairs reach `min_support` than in section 7's whole log, "
                        "and a rule counts only when a customer's training history holds its 'if' product")
    relation = ("beats", "rules", best) if beyond_tie(rules_ndcg, best_ndcg) else (
        ("beats", best, "rules") if beyond_tie(best_ndcg, rules_ndcg) else ("ties", "rules", best))
    Claim("recommend.rules_cf_text", "nDCG@K", relation[0], relation[1], {"rules": rules_ndcg, best: best_ndcg},
          relation[2], SAME_NDCG_RULE, source="the rules scored as lists").check()  # fmt: skip
    verdict = {"rules": "beat", best: "fall short of"}.get(relation[1]) if relation[0] == "beats" else (
        "score about as well as (within the tie rule)")
    return sentence(
        f"mined on the training interactions alone and used as lists, the rules reach "
        f"{fmt.share(users_reached)} of the customers and score nDCG@K {metric(rules_ndcg)}: they {verdict} "
        f"{best} ({metric(best_ndcg)}), which uses each customer's whole history"
    )


#: Most-popular reaching less than this share of the best list's nDCG says little on this log.
POP_WEAK = 0.5
#: Most-popular reaching at least this share of the best list's nDCG goes "a long way".
POP_CLOSE = 0.8
#: The words for most-popular's share of the best list's nDCG (POP_WEAK, POP_CLOSE).
POPULARITY_SCALE = Scale("most-popular's share of the best list's nDCG",
                         ((POP_CLOSE, "a long way"), (POP_WEAK, "part of the way"), (-math.inf, "little")))


def popularity_place(pop_ndcg: float, ndcgs: list[float], k: int) -> str:
    """Where most-popular ranks among the run's lists, and its nDCG as a share of the best list's."""
    place = 1 + sum(v > pop_ndcg for v in ndcgs)
    n = len(ndcgs) + 1
    best = max([pop_ndcg, *ndcgs])
    ratio = pop_ndcg / best if best > 0 else float("nan")
    if math.isfinite(ratio):
        at_scale("recommend.pop_place", f"nDCG@{k} over the best list's", "most popular", ratio, POPULARITY_SCALE,
                 source="the models' comparison table").check()  # fmt: skip
    if not math.isfinite(ratio):
        verdict = "no list of the run scores a hit"
    elif ratio < POP_WEAK:
        verdict = (f"{fmt.share(ratio)} of the best list's: on this log the head of the catalogue says little "
                   "about what each customer takes next")
    elif ratio < POP_CLOSE:
        verdict = (f"{fmt.share(ratio)} of the best list's: the head of the catalogue goes part of the way, "
                   "personal histories add the rest")
    else:
        verdict = (f"{fmt.share(ratio)} of the best list's: on this log the head of the catalogue goes a long way, "
                   "which is why coverage and popularity bias belong beside accuracy")
    return sentence(f"most-popular ranks {place} of {n} by nDCG@{k} ({metric(pop_ndcg)}), {verdict}")


def relevance(explicit: bool) -> str:
    """What counts as relevant in the list metrics: on ratings, every held-out rating (stated, not hidden)."""
    if not explicit:
        return ""
    return sentence("on ratings, every held-out rating counts as relevant in the list metrics, a rating of 1 "
                    "included, as in the recommenders benchmark protocol: a hit means the customer rated the "
                    "product next, not that they liked it")


def grid_edge(chosen: int, grid: list[int]) -> str:
    """A note when the validation choice is the largest (or smallest) latent dimension tried."""
    if len(grid) < 2 or min(grid) < chosen < max(grid):
        return ""
    side, where, factors = (("largest", "above", 2 * max(grid)) if chosen == max(grid)
                            else ("smallest", "below", max(grid) // 2))
    return sentence(f"{chosen} is the {side} dimension tried, so the best one may lie {where} the grid; "
                    f"a run with `factors = {factors}` would try the next ones")


def basket_kind(explicit: bool) -> str:
    """What a "basket" is on these data: an order, or on ratings the products rated at the same moment."""
    if not explicit:
        return ""
    return sentence("these data are ratings, so a basket here is the products one customer rated at the same "
                    "moment, and 'bought together' reads 'rated together': a rule says which products people "
                    "rate in one sitting, not which they buy together")
