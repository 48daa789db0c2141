"""The Concepts chapter's parameters and the least data it needs."""

from __future__ import annotations

from pydantic import Field

from analysis.chapters._base import ChapterParams, Need, at_least_customers, at_least_days, products_only


class ConceptsParams(ChapterParams):
    drop_non_product: bool = products_only("revenue is what products sell for, not postage or fees passed through")
    max_cohorts: int = Field(
        12, ge=1, le=120, description="acquisition cohorts shown in the retention heatmap (the earliest)"
    )
    max_months: int = Field(12, ge=1, le=120, description="months since first purchase shown in the heatmap")
    censor_days: int = Field(
        30, ge=0, le=366,
        description="customers first seen in this many days at the start of the log count as already customers "
        "(buying before the log starts), their cohort marked and left out of averages; 0 switches it off",
    )  # fmt: skip


NEEDS: tuple[Need, ...] = (at_least_customers(1), at_least_days(2))

#: the chapter's parameter model (the registry reads MODEL and NEEDS)
MODEL = ConceptsParams
