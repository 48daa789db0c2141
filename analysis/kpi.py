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

import pandas as pd

from analysis import schema as S
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


def cohort_retention(counts: pd.DataFrame, *, max_months: int | None = None) -> pd.DataFrame:
    """Retention matrix from :func:`analysis.features.cohort_counts`.

    Rows are cohorts (month of first purchase), columns months since the first
    purchase, values the share of the cohort active in that month (1 at 0).
    """
    require_columns(counts, ["cohort", "months_since", "customers"], source="cohort counts")
    table = counts.pivot_table(index="cohort", columns="months_since", values="customers", aggfunc="sum")
    size = table[0]
    retention = table.div(size, axis=0)
    if max_months is not None:
        retention = retention.loc[:, retention.columns <= max_months]
    retention.index = retention.index.strftime("%Y-%m")
    retention.index.name = "cohort"
    retention.columns.name = "months since first purchase"
    return retention


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
