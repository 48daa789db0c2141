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
]

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
        return sentence(f"{best} ranks best with nDCG@{k} {fmt.number(best_ndcg)}; most-popular scores no hit")
    lift = best_ndcg / popularity_ndcg - 1
    if lift >= CLEAR_LIFT:
        verdict = f"clearly beats most-popular ({fmt.number(popularity_ndcg)}, {fmt.signed_share(lift)})"
    else:
        verdict = (f"is not clearly better than most-popular ({fmt.number(popularity_ndcg)}, "
                   f"{fmt.signed_share(lift)}): on this log, personalisation adds little")
    return sentence(f"{best} ranks best, with nDCG@{k} {fmt.number(best_ndcg)}, and {verdict}")


def oracle(best: str, best_ndcg: float, oracle_ndcg: float, k: int) -> str:
    """How close the best model comes to the ranking by the shop's planted tastes."""
    if not (oracle_ndcg > 0 and math.isfinite(best_ndcg)):
        return sentence("the planted tastes score no hit on this test split, so no gap can be measured")
    reached = best_ndcg / oracle_ndcg
    verdict = "close to" if reached >= CLOSE_TO_ORACLE else "well short of"
    return sentence(
        f"{best} reaches {fmt.share(reached)} of the nDCG@{k} of the planted tastes "
        f"({fmt.number(best_ndcg)} against {fmt.number(oracle_ndcg)}): {verdict} the best a log can give"
    )


def ratings(model_rmse: float, baseline_rmse: float, mean_rmse: float) -> str:
    """Matrix factorisation against the biased baseline and the global mean on ratings."""
    gain = 1 - model_rmse / baseline_rmse
    verdict = (
        f"improves on the biased baseline's {fmt.number(baseline_rmse)} by {fmt.share(gain)}"
        if gain >= RATING_GAIN
        else f"does not improve on the biased baseline's {fmt.number(baseline_rmse)} by much ({fmt.signed_share(-gain)})"
    )
    return sentence(
        f"matrix factorisation predicts the held-out ratings with RMSE {fmt.number(model_rmse)}; it {verdict}, "
        f"and the global mean alone gives {fmt.number(mean_rmse)}"
    )


def rules(n_baskets: int, n_rules: int, min_support: float, top: str | None) -> str:
    """How many "bought together" rules the baskets hold at this support."""
    if n_rules == 0:
        return sentence(
            f"no pair of products appears together in {fmt.share(min_support, 2)} of the "
            f"{plural(n_baskets, 'basket')}: at this support the log holds no 'bought together' rule; "
            "a lower min_support finds rarer pairs"
        )
    return sentence(f"{plural(n_rules, 'rule')} reach a support of {fmt.share(min_support, 2)} of the "
                    f"{plural(n_baskets, 'basket')}; the strongest by lift: {top}")


def cold_start(product: str, overlap: float, k: int) -> str:
    """How far the text neighbours of a product agree with its neighbours by purchases."""
    verdict = "agree with" if overlap >= 0.5 else "differ from"
    return sentence(
        f"for {product}, {fmt.share(overlap)} of its {k} nearest products by description are also among its "
        f"{k} nearest by purchases: text neighbours {verdict} what customers bought together, and need no history"
    )
