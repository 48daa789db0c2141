"""The Clustering chapter's parameters and the least data it needs."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from analysis._checks import check_increasing_shares
from analysis.chapters._base import (
    DATE_RULE,
    MIN_REPEATERS,
    ChapterParams,
    Facts,
    Need,
    Shortfall,
    _more_data,
    _rule,
    at_least_repeaters,
    at_least_span,
    products_only,
    iso_date,
    many,
)


class ClusteringParams(ChapterParams):
    drop_non_product: bool = products_only("a customer's value is what they bought, not postage or fees")
    k_range: list[int] = Field(
        default_factory=lambda: [2, 3, 4, 5, 6, 7, 8],
        min_length=1,
        max_length=50,
        description="candidate numbers of clusters for k-means",
        json_schema_extra={"allowed": "at most 50 whole numbers from 2 to 1000 in increasing order, e.g. [2, 3, 4, 5, 6]"},
    )
    k: int = Field(
        0,
        ge=0,
        le=1000,
        description="number of k-means segments (0: chosen from k_range by the elbow, smallest-segment and stability rules)",
        json_schema_extra={"allowed": "0 (choose from k_range) or a whole number from 2 to 1000"},
    )
    min_segment_share: float = Field(
        0.05, ge=0, le=0.5, allow_inf_nan=False,
        description="a k is usable only if its smallest segment holds at least this share of customers",
    )  # fmt: skip
    min_stability: float = Field(
        0.8, ge=0, le=1, allow_inf_nan=False,
        description="a k is usable only if k-means runs from different seeds agree at least this well (mean ARI)",
    )  # fmt: skip
    dbscan_min_samples: int = Field(10, ge=2, le=1000, description="DBSCAN's min_samples (the k of the k-distance plot)")
    max_points_density: int = Field(
        5000, ge=100, le=20_000, description="at most this many customers for DBSCAN and Ward (both are quadratic): a random sample, the same for both, when there are more"
    )
    tier_cuts: list[float] = Field(
        default_factory=lambda: [0.8, 0.95],
        description="cumulative revenue shares that end the high and the medium value tiers",
        json_schema_extra={"allowed": "two increasing shares between 0 and 1, e.g. [0.8, 0.95]"},
    )
    stability_runs: int = Field(
        5, ge=2, le=100, description="k-means runs with different seeds, per candidate k and for the stability check"
    )
    calibration_end: str = Field(
        "",
        description="end of the CLV calibration period, YYYY-MM-DD (empty: two thirds into the data)",
        json_schema_extra={"allowed": f'"" (two thirds into the data) or {DATE_RULE}'},
    )
    horizon_days: int = Field(365, ge=1, le=3650, description="CLV horizon in days")
    censor_days: int = Field(
        30, ge=0, le=366,
        description="customers first seen in this many days at the start of the log may have been buying before "
        "it, and the CLV section says how many of the cohort they are; 0 switches it off",
    )  # fmt: skip
    discount_rate: float = Field(0.10, ge=0, lt=1, allow_inf_nan=False, description="annual discount rate for CLV")

    @field_validator("k_range")
    @classmethod
    def _k_range(cls, value: list[int]) -> list[int]:
        small = [v for v in value if v < 2 or v > 1000]
        if small:
            raise PydanticCustomError(
                "book_rule", "k-means needs at least 2 clusters (and takes at most 1000), and k_range holds {small}",
                {"small": small},
            )
        if any(b <= a for a, b in zip(value, value[1:])):
            raise PydanticCustomError("book_rule", "k_range must be strictly increasing", {})
        return value

    @field_validator("k")
    @classmethod
    def _k(cls, value: int) -> int:
        if value == 1:
            raise PydanticCustomError("book_rule", "one segment is no segmentation", {})
        return value

    @field_validator("tier_cuts")
    @classmethod
    def _tier_cuts(cls, value: list[float]) -> list[float]:
        return list(_rule(check_increasing_shares, "tier_cuts", value, length=2))

    @field_validator("calibration_end", mode="before")
    @classmethod
    def _calibration_end(cls, value: Any) -> Any:
        return iso_date("calibration_end", value)


def more_customers_than_clusters() -> Need:
    def check(params, facts: Facts) -> Shortfall | None:
        asked = {"k_range": max(params.k_range), "k": params.k, "dbscan_min_samples": params.dbscan_min_samples}
        too_big = {name: v for name, v in asked.items() if v >= facts.customers}
        if not too_big:
            return None
        top = facts.customers - 1
        fixes = {
            "k_range": f"k_range: {[k for k in params.k_range if k <= top] or list(range(2, min(top, 8) + 1))}",
            "k": f"k: 0 (choose) or a k from 2 to {top}",
            "dbscan_min_samples": f"dbscan_min_samples: {min(10, top)}",
        }
        return Shortfall(
            f"The data hold {many(facts.customers, 'customer')}, too few for "
            + ", ".join(f"{name} = {v}" for name, v in too_big.items())
            + f": every number of clusters (and DBSCAN's min_samples) must be below the number of customers.",
            ", ".join(too_big), tuple(f"{name} = {v}" for name, v in too_big.items()),
            "set " + "; ".join(fixes[name] for name in too_big) + " in the parameters file",
        )  # fmt: skip

    return Need("more customers than the largest number of clusters asked (k_range, k, dbscan_min_samples)", check)

def calibration_inside() -> Need:
    def check(params, facts: Facts) -> Shortfall | None:
        first, last = pd.Timestamp(facts.first_date), pd.Timestamp(facts.last_date)
        inside = f"a date after {facts.first_date} and before {facts.last_date}"
        if params.calibration_end:
            end = pd.Timestamp(params.calibration_end)
            if not first < end < last:
                return Shortfall(
                    f"calibration_end = {params.calibration_end} is outside the data, which run from "
                    f"{facts.first_date} to {facts.last_date}: it must fall strictly inside them.",
                    "calibration_end", (f"calibration_end = {params.calibration_end}",),
                    f'set calibration_end to {inside}, or to "" (two thirds into the data)',
                )  # fmt: skip
        else:
            from analysis.split import default_calibration_end  # the chapter's own default: one truth

            end = default_calibration_end(first, last)
        got = facts.repeaters_before(end.date().isoformat())
        if got >= MIN_REPEATERS:
            return None
        later = facts.earliest_calibration_end(MIN_REPEATERS)
        fix = (
            f"set calibration_end to {later} or later (before {facts.last_date})"
            if later is not None
            else _more_data(f"at least {MIN_REPEATERS} customers who came back before the last day")
        )
        return Shortfall(
            f"By the calibration end {end.date()} only {many(got, 'customer')} had bought again "
            "(for a positive amount); "
            f"the CLV models need at least {MIN_REPEATERS}.",
            "calibration_end", (f"calibration_end = {end.date()}", f"repeat customers by then = {got:,}"), fix,
        )  # fmt: skip

    return Need(
        f"calibration_end strictly inside the data's dates, with at least {MIN_REPEATERS} repeat customers before it",
        check,
    )


#: Without unit prices the chapter runs on recency, frequency and tenure, values segments by orders and fits the
#: BG/NBD alone (the page says so), so prices are not among its needs.
NEEDS: tuple[Need, ...] = (
    at_least_span(3),
    at_least_repeaters(MIN_REPEATERS),
    more_customers_than_clusters(),
    calibration_inside(),
)

#: the chapter's parameter model (the registry reads MODEL and NEEDS)
MODEL = ClusteringParams
