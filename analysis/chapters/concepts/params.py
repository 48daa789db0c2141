"""The Concepts chapter's parameters and the least data it needs."""

from __future__ import annotations

from pydantic import Field

from analysis.chapters._base import ChapterParams, Need, at_least_customers, at_least_days


class ConceptsParams(ChapterParams):
    max_cohorts: int = Field(
        12, ge=1, le=120, description="acquisition cohorts shown in the retention heatmap (the earliest)"
    )
    max_months: int = Field(12, ge=1, le=120, description="months since first purchase shown in the heatmap")


NEEDS: tuple[Need, ...] = (at_least_customers(1), at_least_days(2))

#: the chapter's parameter model (the registry reads MODEL and NEEDS)
MODEL = ConceptsParams
