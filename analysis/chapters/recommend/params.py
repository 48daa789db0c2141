"""The Collaborative filtering chapter's parameters and the least data it needs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from analysis.chapters import _base as N
from analysis.chapters._base import Facts, Need, Shortfall
from analysis.chapters._base import ChapterParams, products_only

#: The chapter needs at least this many customers and products left after ``min_interactions``.
MIN_CUSTOMERS = 20
MIN_PRODUCTS = 20


class RecommendParams(ChapterParams):
    drop_non_product: bool = products_only("a recommender lists products")
    split: Literal["time", "random", "stratified"] = Field(
        "time", description="how interactions are split into training and test: per-customer time split, random, or item-stratified"
    )
    test_share: float = Field(0.25, gt=0, lt=1, allow_inf_nan=False, description="share of interactions held out for the test")
    top_k: int = Field(10, ge=1, le=1000, description="length of the ranked list the metrics score (the K of precision@K)")
    factors: int = Field(32, ge=1, le=1000, description="latent dimension of matrix factorisation (a quarter, half and all of it are tried on a validation split)")
    regularization: float = Field(0.1, ge=0, allow_inf_nan=False, description="L2 penalty of matrix factorisation")
    iterations: int = Field(10, ge=1, le=1000, description="ALS sweeps (and BPR / autoencoder epochs)")
    neighbours: int = Field(40, ge=1, le=10000, description="neighbours of the kNN models")
    min_interactions: int = Field(5, ge=1, le=10_000, description="customers and products with fewer interactions are left out")
    min_support: float = Field(0.01, gt=0, le=1, allow_inf_nan=False, description="least share of baskets an itemset must appear in")
    n_recommendations: int = Field(10, ge=1, le=1000, description="recommendations per customer in the analyst's CSV")
    max_per_family: int = Field(2, ge=1, le=1000, description="most variants of one item (descriptions that differ only by colour, size or a last word) in one list")
    global_test_days: int = Field(30, ge=1, le=3650, description="days at the end of the log held out by the global time split (train before, score what customers bought after)")
    max_products: int = Field(
        5000, ge=2, le=50_000,
        description="most products EASE fits, those with the most interactions (its Gram matrix, and a fit's inverse, "
                    "which becomes its weights, for each of the two penalties fitted at once: 24 bytes per pair of "
                    "products, 600 MB at 5,000, within a 1 GB budget)",
    )
    max_eval_customers: int = Field(
        10_000, ge=MIN_CUSTOMERS, le=10_000_000,
        description="most customers the evaluation scores: a log with more is evaluated on a seeded random sample "
                    "of this many (the lists for tomorrow still cover every customer)",
    )


def _kept(facts: Facts, n: int) -> tuple[int, int]:
    """Customers and products left after keeping those with at least ``n`` interactions each."""
    if facts.table is None:
        return facts.customers, facts.customers
    from analysis import schema as S
    from analysis.recommend.matrix import filter_min_interactions

    pairs = facts.table[[S.CUSTOMER, S.PRODUCT]].drop_duplicates()
    kept = filter_min_interactions(pairs, n)
    return int(kept[S.CUSTOMER].nunique()), int(kept[S.PRODUCT].nunique())


def _products(facts: Facts) -> int | None:
    if facts.table is None:
        return None
    from analysis import schema as S

    return int(facts.table[S.PRODUCT].nunique())


def enough_interactions() -> Need:
    def check(params, facts: Facts) -> Shortfall | None:
        products = _products(facts)
        if products is not None and products < MIN_PRODUCTS:
            return Shortfall(
                f"The data hold {N.many(products, 'distinct product')}; a recommender needs at least "
                f"{MIN_PRODUCTS} to choose from.", "data", (f"products = {products:,}",),
                f"use a file with at least {MIN_PRODUCTS} different products in its product column "
                "(a file without product ids, such as the CDNOW master file, cannot feed this chapter)",
            )
        users, items = _kept(facts, params.min_interactions)
        if users >= MIN_CUSTOMERS and items >= MIN_PRODUCTS and params.top_k < items:
            return None
        if params.min_interactions > 1:
            lower = next((n for n in range(params.min_interactions - 1, 0, -1)
                          if min(_kept(facts, n)) >= max(MIN_CUSTOMERS, MIN_PRODUCTS)), None)
        else:
            lower = None
        if users >= MIN_CUSTOMERS and items >= MIN_PRODUCTS:
            return Shortfall(
                f"top_k = {params.top_k} asks for lists as long as the {N.many(items, 'product')} left.",
                "top_k", (f"top_k = {params.top_k}", f"products = {items:,}"),
                f"set top_k to at most {items - 1} in the parameters file",
            )
        fix = (f"set min_interactions: {lower} in the parameters file, or use a larger log" if lower
               else N._more_data(f"at least {MIN_CUSTOMERS} customers and {MIN_PRODUCTS} products with repeat interactions"))
        return Shortfall(
            f"Keeping customers and products with at least {params.min_interactions} interactions each leaves "
            f"{N.many(users, 'customer')} and {N.many(items, 'product')}; this chapter needs at least "
            f"{MIN_CUSTOMERS} of each.",
            "min_interactions", (f"min_interactions = {params.min_interactions}", f"customers = {users:,}",
                                 f"products = {items:,}"), fix,
        )  # fmt: skip

    return Need(f"at least {MIN_CUSTOMERS} customers and {MIN_PRODUCTS} products with min_interactions interactions "
                "each (and more products than top_k)", check)


NEEDS: tuple[Need, ...] = (N.at_least_customers(MIN_CUSTOMERS), N.at_least_days(2), enough_interactions())

#: the chapter's parameter model (the registry reads MODEL and NEEDS)
MODEL = RecommendParams
