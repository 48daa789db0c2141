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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import fmt
from analysis import schema as S
from analysis._checks import check_day, check_int, check_share, require_columns
from analysis.errors import DataError

__all__ = [
    "CLOSURE_MAX_SHARE",
    "NON_TRADING_SHARE",
    "TradingCalendar",
    "WEEKDAYS",
    "by_weekday",
    "censored_cohorts",
    "cohort_retention",
    "cohort_sizes",
    "customers_for_share",
    "headline",
    "headline_table",
    "left_censored",
    "monthly",
    "top_share",
    "trading_calendar",
]


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

    ``days`` counts the days of the month the series covers, ``partial`` marks a
    first or last month the data do not cover completely (``days`` below the
    month's length).
    """
    require_columns(daily, ["revenue", "orders"], source="daily series")
    out = daily[["revenue", "orders"]].resample("MS").sum()
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["days"] = daily["revenue"].resample("MS").size().astype(np.int64)
    out["partial"] = out["days"] < out.index.days_in_month
    return out


def cohort_retention(
    counts: pd.DataFrame,
    *,
    max_months: int | None = None,
    observed_until: pd.Timestamp | str | None = None,
    allow_empty: bool = False,
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
      ``counts``, taken as complete.

    ``max_months`` keeps the columns :math:`m \le` ``max_months``. Columns run
    from 0 to the oldest cohort's last observed month, without gaps.

    When no month is observed completely (the data end before the first
    cohort's month does), a :class:`DataError` says so; with ``allow_empty`` the
    result is an empty matrix instead (a chapter then says there is no
    retention to show).
    """
    require_columns(counts, ["cohort", "months_since", "customers"], source="cohort counts")
    if max_months is not None:
        max_months = check_int(
            "max_months", max_months, low=0, fix="pass the number of months since the first purchase to show, e.g. 12"
        )
    c, m = _cohort_months(counts)
    last = _last_observed_month(c, m, observed_until)
    cohorts = np.unique(c[c <= last])
    if cohorts.size == 0 and allow_empty:
        empty = pd.DataFrame(index=pd.Index([], dtype=str, name="cohort"), columns=pd.Index([0], dtype=np.int64))
        empty.columns.name = "months since first purchase"
        return empty.astype(np.float64)
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
        width = min(width, max_months + 1)
    n = _returners(counts, c, m, cohorts, last, width)
    retention = n.div(n[0], axis=0)
    reachable = cohorts[:, None] + np.arange(width)[None, :] <= last
    retention = retention.where(reachable)
    retention.index = pd.Index([_month_label(int(v)) for v in cohorts], name="cohort")
    retention.columns = pd.Index(range(width), dtype=np.int64, name="months since first purchase")
    return retention


def _cohort_months(counts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Cohort months as integers (year * 12 + month - 1) and months since, checked."""
    if counts.empty:
        raise DataError(
            "The cohort counts are empty: there are no customers.",
            source="cohort counts",
            fix="compute them with analysis.features.cohort_counts on transactions with customers",
        )
    cohort = pd.to_datetime(counts["cohort"])
    c = (cohort.dt.year * 12 + cohort.dt.month - 1).to_numpy(dtype=np.int64)
    m = counts["months_since"].to_numpy(dtype=np.int64)
    if (m < 0).any():
        raise DataError(
            "months_since must be >= 0 (months from the first purchase)",
            source="cohort counts",
            column="months_since",
            rows=[f"row {i}: {v}" for i, v in zip(np.flatnonzero(m < 0), m[m < 0], strict=True)][:5],
            fix="compute the counts with analysis.features.cohort_counts",
        )
    return c, m


def _last_observed_month(c: np.ndarray, m: np.ndarray, observed_until) -> int:
    """The last complete month L (as year * 12 + month - 1)."""
    if observed_until is None:
        return int((c + m).max())
    until = check_day("observed_until", observed_until, fix="pass the last day the data cover, e.g. 2011-12-09")
    return until.year * 12 + until.month - 1 - (0 if until.is_month_end else 1)


def _returners(counts: pd.DataFrame, c: np.ndarray, m: np.ndarray, cohorts: np.ndarray, last: int, width: int):
    """n[c, m]: customers of each cohort buying m months later (observed cells only, 0 when none)."""
    observed = (c + m <= last) & (m < width)
    cell = pd.Series(counts["customers"].to_numpy(dtype=np.float64)[observed])
    n = cell.groupby([c[observed], m[observed]]).sum().unstack(fill_value=0.0)
    n = n.reindex(index=cohorts, columns=range(width), fill_value=0.0)
    if (n[0] <= 0).any():
        bad = cohorts[(n[0] <= 0).to_numpy()]
        raise DataError(
            "Some cohorts have no customers in their first month (months_since = 0).",
            source="cohort counts",
            column="months_since",
            rows=[_month_label(int(b)) for b in bad[:5]],
            fix="compute the counts with analysis.features.cohort_counts",
        )
    return n


def _month_label(month: int) -> str:
    """``YYYY-MM`` of a month counted as year * 12 + month - 1."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


LABELS = {
    "revenue": ("revenue", "total"),
    "orders": ("orders", "count"),
    "customers": ("customers", "count"),
    "aov": ("average order value", "money"),
    "revenue_per_customer": ("revenue per customer", "money"),
    "orders_per_customer": ("orders per customer", "number"),
    "repeat_rate": ("repeat-purchase rate", "share"),
}


def headline_table(values: dict[str, float], *, currency: str = "") -> pd.DataFrame:
    """The headline KPIs as a table for people: one row per KPI, values written by :mod:`analysis.fmt`.

    Money carries ``currency`` (an ISO 4217 code such as ``"GBP"``; none when empty);
    the revenue total is written like the prose writes it (no cents from 1,000 on),
    per-order and per-customer amounts with cents.
    """
    writers = {
        "total": lambda v: fmt.money(v, currency),
        "money": lambda v: fmt.money(v, currency, 2),
        "count": fmt.count,
        "number": fmt.number,
        "share": fmt.share,
    }
    rows = [(label, writers[kind](values[key])) for key, (label, kind) in LABELS.items() if key in values]
    return pd.DataFrame(rows, columns=["KPI", "value"]).set_index("KPI")


def _revenue_high_to_low(customers: pd.DataFrame, value: str = S.MONETARY) -> tuple[np.ndarray, float]:
    """Customers' revenue (or another ``value`` column), the biggest first, and its total."""
    require_columns(customers, [value], source="customer table")
    m = np.sort(customers[value].to_numpy(dtype=np.float64))[::-1]
    return m, float(m.sum())


def top_share(customers: pd.DataFrame, fraction: float = 0.2, *, value: str = S.MONETARY) -> float:
    r"""The share of revenue brought by the top ``fraction`` of customers by revenue (of orders with
    ``value="frequency"``, for data without prices).

    With customers sorted by their revenue :math:`m_{(1)} \ge m_{(2)} \ge \dots`,
    :math:`\sum_{i \le \lceil fN \rceil} m_{(i)} / \sum_i m_i`. Equal spread gives
    ``fraction`` itself; the "80/20 rule" is ``top_share(c, 0.2) == 0.8``.
    """
    fraction = check_share("fraction", fraction, fix="pass the top share of customers, e.g. 0.2 for the top 20%")
    m, total = _revenue_high_to_low(customers, value)
    if not len(m) or total <= 0:
        return float("nan")
    top = int(np.ceil(fraction * len(m)))
    return float(m[:top].sum() / total)


def customers_for_share(customers: pd.DataFrame, revenue_share: float = 0.5) -> float:
    """The smallest share of customers (the biggest spenders first) that brings ``revenue_share`` of revenue."""
    revenue_share = check_share("revenue_share", revenue_share, fix="pass a share of revenue, e.g. 0.5 for half")
    m, total = _revenue_high_to_low(customers)
    if not len(m) or total <= 0:
        return float("nan")
    needed = int(np.searchsorted(np.cumsum(m) / total, revenue_share - 1e-12)) + 1
    return float(min(needed, len(m)) / len(m))


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def by_weekday(daily: pd.DataFrame) -> pd.DataFrame:
    """Orders, revenue and average order value by day of the week (Monday first), with each day's share of orders.

    ``days`` counts the calendar days of that weekday in the series (so a weekday
    the shop never sells on shows 0 orders, not a missing row).
    """
    require_columns(daily, ["revenue", "orders"], source="daily series")
    names = pd.Categorical(daily.index.day_name(), categories=WEEKDAYS, ordered=True)
    out = daily[["revenue", "orders"]].groupby(names, observed=False).sum()
    out["days"] = daily["orders"].groupby(names, observed=False).size()
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    total = out["orders"].sum()
    out["share_of_orders"] = out["orders"] / total if total else np.nan
    out.index = pd.Index(list(WEEKDAYS), name="weekday")
    return out[["days", "orders", "share_of_orders", "revenue", "aov"]]


def cohort_sizes(counts: pd.DataFrame) -> pd.Series:
    """New customers per cohort (``n_{c,0}``), indexed by the cohort's first day (a date, as the ``cohort``
    column of the counts), so that it joins the counts and ``cohort_month1`` without a conversion."""
    require_columns(counts, ["cohort", "months_since", "customers"], source="cohort counts")
    first = counts[counts["months_since"] == 0]
    sizes = first.groupby(pd.to_datetime(first["cohort"]))["customers"].sum()
    sizes.index.name = "cohort"
    return sizes.astype(np.int64)


#: A weekday with at least this share of days without a sale is a non-trading weekday.
NON_TRADING_SHARE = 0.9
#: Zero days on trading weekdays are closures only while they are at most this share of trading days.
CLOSURE_MAX_SHARE = 0.1


@dataclass(frozen=True)
class TradingCalendar:
    """The days a shop trades on, read from its daily series (:func:`trading_calendar`).

    ``off``: the non-trading weekdays (0 = Monday); ``closed``: for each day of the series, whether it is a
    closure (no sale on a trading weekday); ``off_sales``: for each non-trading weekday's name, the days of
    that weekday with a sale and all such days in the series (``(1, 53)``: one Saturday of 53 had a sale).
    """

    off: tuple[int, ...]
    closed: np.ndarray
    off_sales: dict[str, tuple[int, int]]

    @property
    def off_names(self) -> tuple[str, ...]:
        return tuple(WEEKDAYS[d] for d in self.off)

    def closure_runs(self, index: pd.DatetimeIndex) -> list[tuple[pd.Timestamp, pd.Timestamp, int, int]]:
        """Every run of consecutive days without trade that holds a closure, in date order (non-trading
        weekdays inside a run count as part of it): first day, last day, calendar days, closed trading days."""
        shut = self.closed | np.isin(index.day_of_week, self.off)
        runs, start = [], None
        for i, flag in enumerate(np.append(shut, False)):
            if flag and start is None:
                start = i
            elif not flag and start is not None:
                closed = int(self.closed[start:i].sum())
                if closed:
                    runs.append((index[start], index[i - 1], i - start, closed))
                start = None
        return runs

    def longest_closure(self, index: pd.DatetimeIndex) -> tuple[pd.Timestamp, pd.Timestamp, int] | None:
        """The longest run of days without trade that holds a closure (non-trading weekdays inside it count
        as part of the run): first day, last day, calendar days; ``None`` without closures."""
        runs = self.closure_runs(index)
        if not runs:
            return None
        first, last, days, _ = max(runs, key=lambda r: r[2])  # the first of equally long runs
        return first, last, days


def trading_calendar(daily: pd.DataFrame) -> TradingCalendar:
    r"""Which weekdays the shop trades on, and which trading days it was closed, from a daily series.

    A weekday is **non-trading** when it occurs at least 4 times and :data:`NON_TRADING_SHARE` or more of
    its days have no order (a shop closed on Saturdays that opened on one Saturday of the year still does
    not trade on Saturdays). A day without an order on a trading weekday is a **closure** (Christmas, a
    bank holiday), unless such days are common (more than :data:`CLOSURE_MAX_SHARE` of the trading days:
    a small shop's quiet days are low demand, not closures, and none is flagged).

    Every chapter reads the calendar from this one function, so no two chapters disagree about it.
    """
    require_columns(daily, ["orders"], source="daily series")
    zero = (daily["orders"] == 0).to_numpy()
    dow = daily.index.day_of_week.to_numpy()
    off = tuple(d for d in range(7) if (dow == d).sum() >= 4 and zero[dow == d].mean() >= NON_TRADING_SHARE)
    trading = ~np.isin(dow, off)
    closed = zero & trading
    if closed[trading].mean() > CLOSURE_MAX_SHARE:
        closed = np.zeros_like(closed)
    sales = {WEEKDAYS[d]: (int((~zero[dow == d]).sum()), int((dow == d).sum())) for d in off}
    return TradingCalendar(off=off, closed=closed, off_sales=sales)


def _censor_end(first_day, censor_days: int) -> pd.Timestamp:
    censor_days = check_int("censor_days", censor_days, low=0, fix="use a number of days >= 0, e.g. 30 (0: off)")
    return check_day("first_day", first_day).normalize() + pd.Timedelta(days=censor_days)


def left_censored(first_purchase: pd.Series, first_day, censor_days: int = 30) -> pd.Series:
    r"""Customers first seen within the first ``censor_days`` days of the log: *left-censored*.

    A log starts on some day, not with the shop; a customer whose first purchase in the log falls in its first
    weeks was often buying before (their true first purchase, tenure and cohort are unknown). Such customers are
    "already customers", not new ones: cohort averages, "new customer" counts and tenure read them apart.
    Returns a boolean Series with the index of ``first_purchase``; ``censor_days`` 0 marks nobody.
    """
    end = _censor_end(first_day, censor_days)
    return pd.to_datetime(first_purchase).dt.normalize() < end


def censored_cohorts(cohorts, first_day, censor_days: int = 30) -> list[str]:
    """The monthly cohorts (``YYYY-MM`` labels, as :func:`cohort_retention` names them) that begin before the
    censoring window ends: their customers include :func:`left_censored` ones, so they are "already customers"."""
    end = _censor_end(first_day, censor_days)
    if censor_days == 0:
        return []
    return [str(c) for c in cohorts if pd.Timestamp(f"{c}-01") < end]
