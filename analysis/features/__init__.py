"""Transactions -> the derived tables: customers, BG/NBD summary, interactions, series.

This is the one place that aggregates raw order lines. Every function takes a
canonical transactions table as a DataFrame *or* the path of a Parquet/CSV file
in the canonical layout, and runs the aggregation in DuckDB, which streams over
Parquet, so a log larger than memory works the same way as a small frame.
With ``engine="spark"`` the same SQL runs on Apache Spark instead (local mode
by default, a cluster with ``master=``; see :mod:`analysis.features._spark`
and the book's appendix "When the log outgrows one machine"). A call that
names no engine uses the one :func:`use_engine` set, DuckDB by default.

Definitions (``as_of`` defaults to the day after the last transaction):

- recency: days from the customer's last purchase to ``as_of``;
- frequency: number of distinct orders;
- monetary: total revenue, :math:`\\sum_\\text{lines} q \\cdot p`;
- avg_order_value: monetary / frequency;
- tenure: days from the first purchase to ``as_of``.

The BG/NBD summary (Fader, Hardie & Lee 2005) counts purchase *days*, as the
CDNOW data do: ``x`` is the number of repeat purchase days in the calibration
period, ``t_x`` the time from the first to the last purchase day, ``T`` the
time from the first purchase day to the calibration end, in units of
``unit_days`` (7: weeks).
"""

from __future__ import annotations


from analysis.features._duckdb import _connect
from analysis.features._spark import spark_available, spark_session
from analysis.features.tables import (
    ENGINES,
    baskets,
    cohort_counts,
    customer_summary,
    customer_table,
    daily_series,
    engine_in_use,
    interactions,
    product_daily_series,
    repeat_purchases_by_day,
    use_engine,
)

__all__ = [
    "ENGINES",
    "cohort_counts",
    "repeat_purchases_by_day",
    "customer_summary",
    "customer_table",
    "baskets",
    "daily_series",
    "engine_in_use",
    "interactions",
    "product_daily_series",
    "spark_available",
    "spark_session",
    "use_engine",
]

_ = _connect  # re-exported for callers that open the transactions view themselves

