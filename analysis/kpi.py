"""Shop KPIs from the derived tables (never from raw lines: see ``analysis.features``).

With :math:`R` revenue, :math:`O` orders and :math:`N` customers in a period:

- average order value :math:`\\mathrm{AOV} = R / O`;
- revenue per customer :math:`R / N`, orders per customer :math:`O / N`;
- repeat-purchase rate: the share of customers with two or more orders,
  :math:`\\frac{1}{N}\\sum_i \\mathbf{1}[f_i \\ge 2]`;
- cohort retention :math:`r_{c,m} = n_{c,m} / n_{c,0}`: of the customers
  acquired in month :math:`c`, the share who buy again :math:`m` months later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import DataError
from analysis.validate import require_columns

__all__ = ["cohort_retention", "headline", "headline_table", "monthly"]


def headline(customers: pd.DataFrame) -> dict[str, float]:
    """The headline KPIs from the customer table of :func:`analysis.features.customer_table`."""
    require_columns(customers, [S.FREQUENCY, S.MONETARY], source="customer table")
    revenue = float(customers[S.MONETARY].sum())
    orders = int(customers[S.FREQUENCY].sum())
    n = len(customers)
    return {
        "revenue": revenue,
        "orders": orders,
        "customers": n,
        "aov": revenue / orders if orders else float("nan"),
        "revenue_per_customer": revenue / n if n else float("nan"),
        "orders_per_customer": orders / n if n else float("nan"),
        "repeat_rate": float((customers[S.FREQUENCY] >= 2).mean()) if n else float("nan"),
    }


def monthly(daily: pd.DataFrame) -> pd.DataFrame:
    """Monthly totals of a daily series, with AOV; months labelled by their first day.

    ``partial`` marks a first or last month the data do not cover completely.
    """
    require_columns(daily, ["revenue", "orders"], source="daily series")
    out = daily[["revenue", "orders"]].resample("MS").sum()
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    days = daily["revenue"].resample("MS").size()
    out["partial"] = days < out.index.days_in_month
    return out


def cohort_retention(
    counts: pd.DataFrame,
    *,
    max_months: int | None = None,
    observed_until: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    r"""Retention matrix from :func:`analysis.features.cohort_counts`.

    Rows are cohorts :math:`c` (month of first purchase, labelled ``YYYY-MM``),
    columns months since the first purchase :math:`m = 0, 1, \dots`, values

    .. math:: r_{c,m} = n_{c,m} / n_{c,0},

    with :math:`n_{c,m}` the customers of cohort :math:`c` who bought in month
    :math:`c + m` (so :math:`r_{c,0} = 1`).

    A cell is **observed** when its activity month :math:`c + m` is at most the
    last observed month :math:`L`; an observed cell with no returners is ``0``
    (nobody of the cohort bought in that month), never missing. Cells with
    :math:`c + m > L` (not yet reachable, or in a month the data cover only
    partly) are ``NaN``, so that means over cohorts only use what was measured.

    * ``observed_until`` -- the last day the data cover (e.g. the last
      transaction day). :math:`L` is the last *complete* month: the month of
      ``observed_until`` when it is that month's last day, else the month
      before. A last month covered only partly (Online Retail ends on
      2011-12-09) would otherwise count as a full month and bias its retention
      low. Cohorts acquired after :math:`L` have no observed cell and are left
      out.
    * ``observed_until=None`` -- :math:`L` is the last activity month present in
      ``counts``, taken as complete (the behaviour of earlier versions, except
      that months without returners up to :math:`L` are now 0 instead of ``NaN``).

    ``max_months`` keeps the columns :math:`m \le` ``max_months``. Columns run
    from 0 to the oldest cohort's last observed month, without gaps.
    """
    require_columns(counts, ["cohort", "months_since", "customers"], source="cohort counts")
    if max_months is not None and (
        isinstance(max_months, bool) or not isinstance(max_months, (int, np.integer)) or max_months < 0
    ):
        raise DataError(
            f"max_months must be an int >= 0 or None, got {max_months!r}",
            column="max_months",
            fix="pass the number of months since the first purchase to show, e.g. max_months=12",
        )
    if counts.empty:
        raise DataError(
            "The cohort counts are empty: there are no customers.",
            source="cohort counts",
            fix="compute them with analysis.features.cohort_counts on transactions with customers",
        )
    cohort = pd.to_datetime(counts["cohort"])
    # months as integers: year * 12 + month - 1
    c = (cohort.dt.year * 12 + cohort.dt.month - 1).to_numpy(dtype=np.int64)
    m = counts["months_since"].to_numpy(dtype=np.int64)
    if (m < 0).any():
        raise DataError(
            "months_since must be >= 0 (months from the first purchase)",
            source="cohort counts",
            column="months_since",
            rows=[f"row {i}: {v}" for i, v in zip(np.flatnonzero(m < 0), m[m < 0])],
            fix="compute the counts with analysis.features.cohort_counts",
        )
    if observed_until is None:
        last = int((c + m).max())
    else:
        until = pd.Timestamp(observed_until)
        if pd.isna(until):
            raise DataError(
                "observed_until is missing (NaT)", column="observed_until", fix="pass the last day the data cover"
            )
        until = until.normalize()
        last = until.year * 12 + until.month - 1 - (0 if until.is_month_end else 1)

    cohorts = np.unique(c[c <= last])
    if cohorts.size == 0:
        raise DataError(
            f"The data end on {pd.Timestamp(observed_until).date()}, before the end of the first cohort's month "
            f"({_month_label(int(c.min()))}): no month is observed completely, so no retention can be measured.",
            column="observed_until",
            fix="cohort retention needs transactions that cover at least one calendar month to its last day; "
            "observed_until is the last day the transactions cover",
        )
    width = last - int(cohorts[0]) + 1
    if max_months is not None:
        width = min(width, int(max_months) + 1)

    observed = (c + m <= last) & (m < width)
    cell = pd.Series(counts["customers"].to_numpy(dtype=np.float64)[observed])
    n = cell.groupby([c[observed], m[observed]]).sum().unstack(fill_value=0.0)
    n = n.reindex(index=cohorts, columns=range(width), fill_value=0.0)
    size = n[0]
    if (size <= 0).any():
        bad = cohorts[(size <= 0).to_numpy()]
        raise DataError(
            "Some cohorts have no customers in their first month (months_since = 0).",
            source="cohort counts",
            column="months_since",
            rows=[_month_label(int(b)) for b in bad],
            fix="compute the counts with analysis.features.cohort_counts",
        )
    retention = n.div(size, axis=0)
    reachable = cohorts[:, None] + np.arange(width)[None, :] <= last
    retention = retention.where(reachable)
    retention.index = pd.Index([_month_label(int(v)) for v in cohorts], name="cohort")
    retention.columns = pd.Index(range(width), dtype=np.int64, name="months since first purchase")
    return retention


def _month_label(month: int) -> str:
    """``YYYY-MM`` of a month counted as year * 12 + month - 1."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


LABELS = {
    "revenue": ("revenue", "{:,.2f}"),
    "orders": ("orders", "{:,.0f}"),
    "customers": ("customers", "{:,.0f}"),
    "aov": ("average order value", "{:,.2f}"),
    "revenue_per_customer": ("revenue per customer", "{:,.2f}"),
    "orders_per_customer": ("orders per customer", "{:,.2f}"),
    "repeat_rate": ("repeat-purchase rate", "{:.1%}"),
}


def headline_table(values: dict[str, float]) -> pd.DataFrame:
    """The headline KPIs as a table for people: one row per KPI, formatted values."""
    rows = [(label, fmt.format(values[key])) for key, (label, fmt) in LABELS.items() if key in values]
    return pd.DataFrame(rows, columns=["KPI", "value"]).set_index("KPI")
