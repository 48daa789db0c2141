"""The Collaborative filtering chapter's parameters and the least data it needs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from analysis.book import needs as N
from analysis.book.needs import Need
from analysis.book.params import ChapterParams


class RecommendParams(ChapterParams):
    split: Literal["time", "random", "stratified"] = Field(
        "time", description="how interactions are split into training and test: per-customer time split, random, or item-stratified"
    )
    test_share: float = Field(0.25, gt=0, lt=1, allow_inf_nan=False, description="share of interactions held out for the test")
    top_k: int = Field(10, ge=1, le=1000, description="length of the ranked list the metrics score (the k of precision@k)")
    factors: int = Field(50, ge=1, le=1000, description="latent dimension of matrix factorisation")
    regularization: float = Field(0.1, ge=0, allow_inf_nan=False, description="L2 penalty of matrix factorisation")
    iterations: int = Field(15, ge=1, le=1000, description="ALS sweeps")
    min_interactions: int = Field(5, ge=1, description="customers and products with fewer interactions are left out")
    min_support: float = Field(0.01, gt=0, le=1, allow_inf_nan=False, description="least share of baskets an itemset must appear in")
    n_recommendations: int = Field(10, ge=1, le=1000, description="recommendations per customer in the analyst's CSV")


NEEDS: tuple[Need, ...] = (N.at_least_customers(2), N.at_least_days(2))  # the chapter refines these
