"""The Concepts chapter on data with or without money.

A log whose mapping leaves out ``unit_price`` (``report.has_money`` False, see
:mod:`analysis.data.canonical`) still has orders, customers, days and cohorts:
these helpers keep the counts and replace every money KPI, table column,
figure and sentence by counts or by the words "no prices in these data". With
money they return exactly what the chapter showed before (the shop's book is
unchanged).
"""

from __future__ import annotations

import matplotlib.ticker
import numpy as np
import pandas as pd

from analysis import fmt, kpi, plots
from analysis import schema as S
from analysis.chapters.concepts import figures as FIG
from analysis.chapters.concepts import findings as F

__all__ = ["MONEY_KPIS", "NO_PRICES", "concentration", "customers_for_share", "head", "headline", "headline_table",
           "monthly_figure", "money_text", "calendar_sentence", "MONTHLY_MEANINGS", "monthly_csv", "censoring", "top_share", "weekday_sentence", "weekday_table", "zero_days"]  # fmt: skip

#: What a money value reads when the data have no prices.
NO_PRICES = "n/a (no prices in these data)"
#: The headline KPIs that need prices.
MONEY_KPIS = ("revenue", "aov", "revenue_per_customer")


def headline(customers: pd.DataFrame, has_money: bool = True) -> dict[str, float]:
    """:func:`analysis.kpi.headline`; without prices the money KPIs are missing (NaN), the counts stay."""
    k = kpi.headline(customers)
    if not has_money:
        k.update(dict.fromkeys(MONEY_KPIS, float("nan")))
    return k


def money_text(value: float, currency: str, digits: int | None, has_money: bool = True) -> str:
    """An amount in words (:func:`analysis.fmt.money`), or :data:`NO_PRICES`."""
    return fmt.money(value, currency, digits) if has_money else NO_PRICES


def headline_table(k: dict[str, float], currency: str, has_money: bool = True) -> pd.DataFrame:
    """:func:`analysis.kpi.headline_table`, without the money rows when there are no prices."""
    return kpi.headline_table({n: v for n, v in k.items() if has_money or n not in MONEY_KPIS}, currency=currency)


def head(transactions: pd.DataFrame, has_money: bool = True, n: int = 5) -> pd.DataFrame:
    """The first lines of the clean table; without prices the empty ``unit_price`` column is left out."""
    first = transactions.head(n)
    return first if has_money else first.drop(columns=S.PRICE)


def top_share(customers: pd.DataFrame, fraction: float, has_money: bool = True) -> float:
    """:func:`analysis.kpi.top_share`; NaN without prices."""
    return kpi.top_share(customers, fraction) if has_money else float("nan")


def customers_for_share(customers: pd.DataFrame, share: float, has_money: bool = True) -> float:
    """:func:`analysis.kpi.customers_for_share`; NaN without prices."""
    return kpi.customers_for_share(customers, share) if has_money else float("nan")


def concentration(top: float, fraction: float, customers: int, has_money: bool = True) -> str:
    """:func:`findings.concentration`, or why it is not known."""
    if has_money:
        return F.concentration(top, fraction, customers)
    return F.no_prices("the concentration of revenue")


def zero_days(daily: pd.DataFrame, has_money: bool = True) -> pd.DataFrame:
    """Days without a sale: no revenue, or without prices no order."""
    return daily[daily["revenue" if has_money else "orders"] == 0]


def calendar_sentence(daily: pd.DataFrame) -> str:
    """The days without a sale, read with the shop's calendar (the one :func:`analysis.kpi.trading_calendar`
    every chapter uses): non-trading weekdays said and counted apart, then the other empty days and the
    longest closure."""
    calendar = kpi.trading_calendar(daily)
    trading = ~np.isin(daily.index.day_of_week, calendar.off)
    n_zero = int(((daily["orders"] == 0).to_numpy() & trading).sum())
    run = calendar.longest_closure(daily.index)
    longest = (fmt.day(run[0]), fmt.day(run[1]), run[2]) if run else None
    return F.zero_sales_days(len(daily), n_zero, calendar.off_sales, longest)


def monthly_figure(monthly: pd.DataFrame, currency: str, has_money: bool = True):
    """:func:`analysis.FIG.monthly_revenue`; without prices the same bars count orders."""
    if has_money:
        return FIG.monthly_revenue(monthly, currency=currency)
    fig = FIG.monthly_revenue(monthly.assign(revenue=monthly["orders"].astype(float)))
    ax = fig.axes[0]
    ax.set_ylabel("orders")
    ax.set_title("Monthly orders (no prices in these data)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt.count(v)))
    return fig


def best_month(monthly: pd.DataFrame, currency: str, has_money: bool = True) -> str:
    """:func:`findings.best_month` by revenue, or without prices by orders."""
    if has_money:
        return F.best_month(monthly, currency)
    return F.best_month(monthly.assign(revenue=monthly["orders"].astype(float)), measure="orders")


def weekday_table(weekdays: pd.DataFrame, words: dict[str, str], currency: str, has_money: bool = True):
    """:func:`analysis.kpi.by_weekday` as a table with its columns in ``words``; without prices the revenue
    and AOV columns are left out."""
    shown = (weekdays if has_money else weekdays.drop(columns=["revenue", "aov"])).rename(columns=words)
    return plots.table(shown, currency=currency, money=[words["aov"]] if has_money else [])


def weekday_sentence(weekdays: pd.DataFrame, aov: float, currency: str, has_money: bool = True) -> str:
    """:func:`findings.weekday`; without prices the busiest weekday by orders alone."""
    if has_money:
        return F.weekday(weekdays, aov, currency)
    return F.weekday(weekdays.assign(aov=np.nan), float("nan"))


#: What each column of concepts_monthly.csv holds: (unit, meaning); {currency} is the run's.
MONTHLY_MEANINGS: dict[str, tuple[str, str]] = {
    "month": ("date", "the first day of the calendar month"),
    "revenue": ("{currency}", "revenue of the month's kept lines (quantity x unit price)"),
    "orders": ("orders", "orders placed in the month"),
    "aov": ("{currency}", "average order value: revenue over orders"),
    "days": ("days", "days of the month the data cover"),
    "partial": ("true/false", "the data cover the month only in part: not comparable with a full month"),
}  # fmt: skip


def monthly_csv(monthly: pd.DataFrame, has_money: bool = True) -> pd.DataFrame:
    """The analyst's monthly file: one row per calendar month; without prices no revenue or AOV columns
    (they would read 0, not unknown)."""
    out = monthly.rename_axis("month")
    return out if has_money else out.drop(columns=[c for c in ("revenue", "aov") if c in out])


def censoring(retention: pd.DataFrame, customers: pd.DataFrame, first_date: str, censor_days: int):
    """The cohorts and customers the log's start may hide (:func:`analysis.kpi.censored_cohorts`,
    :func:`analysis.kpi.left_censored`), the month-1 retention of the other cohorts, and the sentence that
    weighs the evidence: ``(censored, already, month1, sentence)``. ``month1`` is indexed by the cohort's first
    day (a date, like the ``cohort`` column of the cohort counts and :func:`analysis.kpi.cohort_sizes`), so an
    exercise's join of the two matches; the retention table keeps its ``YYYY-MM`` labels for display."""
    censored = kpi.censored_cohorts(retention.index, first_date, censor_days)
    already = kpi.left_censored(customers[S.FIRST], first_date, censor_days)
    first_month1 = retention[1] if 1 in retention.columns else pd.Series(dtype=float)
    month1 = first_month1.drop(censored, errors="ignore").dropna()  # measured, already-customers out
    rates = (first_month1.reindex(censored).mean(), month1.mean())  # the censored cohorts', the others'
    month1.index = pd.DatetimeIndex(pd.to_datetime(month1.index, format="%Y-%m"), name="cohort")
    text = F.left_censored(int(already.sum()), len(customers), censored, censor_days, fmt.day(first_date), *rates)
    return censored, already, month1, text
