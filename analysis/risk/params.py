"""The Risk chapter's parameters, its data loader and the least data it needs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from analysis.book import needs as N
from analysis.book.needs import Need
from analysis.book.params import ChapterParams


class RiskParams(ChapterParams):
    problem: Literal["fraud", "credit", "churn"] = Field("fraud", description="fraud (the shop's orders), credit (a labelled table) or churn (a transaction log)")
    target: str = Field("", description="the label column of a labelled table")
    positive_label: str = Field("", description="the target value that counts as positive (the bad outcome)")
    churn_days: int = Field(90, ge=1, description="churned: no purchase in this many days after the cut-off")
    cutoff: str = Field("", description="churn cut-off, YYYY-MM-DD")
    cv_folds: int = Field(5, ge=2, le=50, description="folds of stratified cross-validation")
    cost_fp: float = Field(1.0, ge=0, allow_inf_nan=False, description="cost of a false positive")
    cost_fn: float = Field(5.0, ge=0, allow_inf_nan=False, description="cost of a false negative")
    review_share: float = Field(0.02, gt=0, le=1, allow_inf_nan=False, description="share of orders the fraud team can review")


NEEDS: tuple[Need, ...] = (N.at_least_customers(2), N.at_least_days(2))  # the chapter refines these


def load_risk_data(params: RiskParams):
    """The chapter's data: a transaction log for fraud and churn (labelled tables: to come)."""
    from analysis.data import load_data

    return load_data(params)
