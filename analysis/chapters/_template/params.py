"""The chapter's parameters (``MODEL``) and the least data it needs (``NEEDS``); the registry reads both.

Each parameter has its default, its range and its meaning (``description``); the
notebook's ``parameters`` cell is exactly :func:`analysis.chapters._base.parameters_cell_text`
of ``MODEL`` (a test checks every chapter). Data minimums come first in ``NEEDS``.
"""

from __future__ import annotations

from pydantic import Field

from analysis.chapters._base import ChapterParams, Need, at_least_customers, at_least_days


class TopicParams(ChapterParams):
    top_fraction: float = Field(
        0.2, gt=0, lt=1, allow_inf_nan=False, description="share of the best customers whose revenue share is shown"
    )


MODEL = TopicParams
NEEDS: tuple[Need, ...] = (at_least_customers(1), at_least_days(2))
