"""The chapter's steps, one function per step of the notebook, each returning a :class:`~analysis.page.Step`.

A step computes with the package's models and tables and returns what the page
cites (``glue``: numbers and worded findings), the table it shows (``table``) and
what later steps need (``data``); the notebook calls it, publishes it and draws.
"""

from __future__ import annotations

import pandas as pd

from analysis import features, fmt, kpi
from analysis.chapters._template import findings as F
from analysis.chapters.concepts.steps import MONTHLY_MEANINGS  # kpi.monthly's columns, as Concepts' file has them
from analysis.page import Step

__all__ = ["MONTHLY_MEANINGS", "kpi_step"]


def kpi_step(transactions: pd.DataFrame, currency: str, top_fraction: float) -> Step:
    """Headline KPIs (eq. topic-formula), the monthly revenue and the revenue share of the best customers."""
    customers = features.customer_table(transactions)
    k = kpi.headline(customers)
    top = kpi.top_share(customers, top_fraction)
    glue = {
        "aov": float(k["aov"]),
        "aov_text": fmt.money(k["aov"], currency),
        "repeat_sentence": F.repeat_rate(k["repeat_rate"], k["customers"]),
        "concentration_sentence": F.concentration(top, top_fraction, k["customers"]),
    }
    monthly = kpi.monthly(features.daily_series(transactions))
    table = kpi.headline_table(k, currency=currency)
    return Step(glue, table, {"customers": customers, "kpis": k, "monthly": monthly})
