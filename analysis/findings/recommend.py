"""Worded findings of the Collaborative filtering chapter: each function takes the run's numbers and
returns one sentence; thresholds are the named constants below (tests feed numbers on both sides)."""

from __future__ import annotations

import math

from analysis import fmt
from analysis.findings import plural, sentence

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
    "HYBRID_TOLERANCE", "SUMMARY", "basket_kind", "metric", "popularity_place", "relevance", "grid_edge", "rules_against_cf", "dense_pivot", "dense_pivot_cost", "hybrid", "no_hit", "penalty_change", "precision_gap",
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
#: A rating model improves on the biased baseline when its RMSE is at least this share lower.
RATING_GAIN = 0.01


def sparsity(density: float, head_share: float, n_users: int, n_items: int) -> str:
    """How empty the matrix is and how much the most popular tenth of the products takes."""
    kind = "very sparse" if density <= VERY_SPARSE else "sparse"
    head = (
        "a heavy head: the most popular tenth of the products takes"
        if head_share >= HEAVY_HEAD
        else "no heavy head: the most popular tenth of the products takes only"
    )
    return sentence(
        f"the matrix of {plural(n_users, 'customer')} by {plural(n_items, 'product')} is {kind} "
        f"({fmt.share(density, 2)} of its cells hold an interaction) and has {head} "
        f"{fmt.share(head_share)} of the interactions"
    )


def best_model(best: str, best_ndcg: float, popularity_ndcg: float, k: int) -> str:
    """The best top-k model against most-popular."""
    if not popularity_ndcg > 0:
        return sentence(f"{best} ranks best with nDCG@{k} {metric(best_ndcg)}; most-popular scores no hit")
    lift = best_ndcg / popularity_ndcg - 1
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
    verdict = "close to" if reached >= CLOSE_TO_ORACLE else "well short of"
    return sentence(
        f"{best} reaches {fmt.share(reached)} of the nDCG@{k} of the planted tastes "
        f"({metric(best_ndcg)} against {metric(oracle_ndcg)}): {verdict} the best a log can give"
    )


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


def rules(n_baskets: int, n_rules: int, min_support: float, top: str | None) -> str:
    """How many "bought together" rules the baskets hold at this support."""
    if n_rules == 0:
        return sentence(
            f"no pair of products appears together in {fmt.share(min_support, 2)} of the "
            f"{plural(n_baskets, 'basket')}: at this support the log holds no 'bought together' rule; "
            "a lower `min_support` finds rarer pairs"
        )
    verb = "reaches" if n_rules == 1 else "reach"
    return sentence(f"{plural(n_rules, 'rule')} {verb} a support of {fmt.share(min_support, 2)} of the "
                    f"{plural(n_baskets, 'basket')}; the strongest by lift: {top}")


def cold_start(product: str, overlap: float, k: int) -> str:
    """How far the text neighbours of a product agree with its neighbours by interactions."""
    verdict = "agree with" if overlap >= 0.5 else "differ from"
    return sentence(
        f"for {product}, {fmt.share(overlap)} of its {k} nearest products by description are also among its "
        f"{k} nearest by interactions: text neighbours {verdict} what customers bought (or rated) together, "
        "and need no history"
    )


def dense_pivot(cells: int, density: float) -> str:
    """Exercise 3.1: the size of a dense pivot and how much of it would be filled."""
    return sentence(
        f"a dense pivot would hold {fmt.count(cells)} cells, of which only {fmt.share(density, 2)} carry an "
        f"interaction; the other {fmt.share(1 - density, 2)} would be zeros that a similarity or a loss over "
        "all cells wrongly reads as 'disliked'"
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


def penalty_change(change: float, factor: float) -> str:
    """Exercise 3.4: EASE's nDCG when the penalty is multiplied by ``factor``."""
    if abs(change) < 0.005:
        verdict = "barely changes"
    else:
        verdict = "rises" if change > 0 else "falls"
    if abs(change) < 0.005:
        meaning = "was already near the best"
    elif change < 0:
        meaning = "holds up on the test split"
    else:
        meaning = "was too weak for the test split: validation and test disagree here"
    return sentence(
        f"with {fmt.number(factor)} times the penalty, EASE's nDCG@K {verdict} (by {metric(abs(change))}): "
        f"the penalty chosen on the validation split {meaning}"
    )


#: A hybrid differs from interactions alone when its nDCG is at least this share away.
HYBRID_TOLERANCE = 0.02


def hybrid(hybrid_ndcg: float, purchases_ndcg: float, weight: float) -> str:
    """The hybrid item kNN (interaction and text cosine) against interactions alone."""
    change = hybrid_ndcg / purchases_ndcg - 1 if purchases_ndcg > 0 else float("nan")
    if not math.isfinite(change) or abs(change) < HYBRID_TOLERANCE:
        verdict = "about as well as interactions alone"
    elif change > 0:
        verdict = "better than interactions alone: the descriptions carry taste the log is too thin to show"
    else:
        verdict = ("worse than interactions alone: for products with a history, the log says more than words; "
                   "the text earns its place for products without one")
    return sentence(
        f"a simple hybrid, item kNN on {fmt.share(1 - weight, 0)} interaction and {fmt.share(weight, 0)} text "
        f"similarity, reaches nDCG@K {metric(hybrid_ndcg)} against {metric(purchases_ndcg)}: {verdict}"
    )


#: The glued findings, in the order of the "What this run found" box.
SUMMARY = ("sparsity_finding", "best_finding", "rating_finding", "content_finding", "rules_finding", "truth_finding")


def dense_pivot_cost(common_rmse: float, dense_rmse: float) -> str:
    """Item kNN on the observed cells against the same on a dense pivot with zeros in the missing cells."""
    diff = dense_rmse - common_rmse
    if diff > RATING_GAIN * common_rmse:
        verdict = f"worse by {metric(diff)}: that is what reading 'not rated' as a rating of 0 costs here"
    elif diff < -RATING_GAIN * common_rmse:
        verdict = (f"better by {metric(-diff)}: the zeros shrink the similarities of products seen by few "
                   "common customers, a crude form of shrinkage; the similarities themselves are still wrong "
                   "(two products rated 5 and 1 by the same customers look alike)")
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
    verdict = "beat" if rules_ndcg > best_ndcg else "fall short of"
    return sentence(
        f"mined on the training interactions alone and used as lists, the rules reach "
        f"{fmt.share(users_reached)} of the customers and score nDCG@K {metric(rules_ndcg)}: they {verdict} "
        f"{best} ({metric(best_ndcg)}), which uses each customer's whole history"
    )


def popularity_place(pop_ndcg: float, ndcgs: list[float], k: int) -> str:
    """Where most-popular ranks among the run's lists: how far the head of the catalogue goes on this log."""
    place = 1 + sum(v > pop_ndcg for v in ndcgs)
    n = len(ndcgs) + 1
    if place == n:
        verdict = ("the weakest list of the run: on this log the head of the catalogue says little about what "
                   "each customer takes next")
    elif place <= n / 2:
        verdict = ("in the top half of the run's lists: on this log the head of the catalogue goes a long way, "
                   "which is why coverage and popularity bias belong beside accuracy")
    else:
        verdict = "in the bottom half of the run's lists: personal histories add more than the head of the catalogue"
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
