"""Worded findings of the Concepts chapter: each function takes the run's numbers and returns one sentence.

Thresholds are the named constants below; tests feed each function numbers on
both sides of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis import fmt
from analysis.chapters._claims import Claim
from analysis.chapters._findings import CONCENTRATED, EVEN, compare, join_words, plural, sentence, trading_days
from analysis.chapters._findings import concentration as verdict

__all__ = [
    "headline",
    "left_censored",
    "revenue_includes",
    "no_new_customers",
    "AOV_TOLERANCE",
    "CONCENTRATED",
    "EVEN",
    "MIN_CUSTOMERS",
    "MOSTLY_ONE_WEEKDAY",
    "REPEAT_MAJORITY",
    "REPEAT_GAP",
    "RETENTION_TREND",
    "WEIGHTING_MATTERS",
    "best_month",
    "cleaning",
    "concentration",
    "half_revenue",
    "no_prices",
    "month1_retention",
    "orders_per_customer",
    "repeat_by_acquisition",
    "repeat_rate",
    "weekday",
    "weighted_retention",
    "zero_sales_days",
]

#: CONCENTRATED and EVEN, the book's one concentration scale, live in analysis.chapters._findings.
#: Below this many customers, a top-20% share is a handful of people and no verdict is given.
MIN_CUSTOMERS = 10
#: A repeat rate at or above this means most customers came back.
REPEAT_MAJORITY = 0.5
#: Zero-sales days are said to fall "mostly" on one weekday when more than this share of them do.
MOSTLY_ONE_WEEKDAY = 0.5
#: Newer and older cohorts retain "about the same" within this relative difference.
RETENTION_TREND = 0.1
#: A weekday's average order value is "about the same" as the overall within this relative difference.
AOV_TOLERANCE = 0.02
#: Plain and weighted means closer than this (1 percentage point) "barely differ".
WEIGHTING_MATTERS = 0.01


def cleaning(rows_read: int, dropped: Mapping[str, int]) -> str:
    """What cleaning dropped: the total and the rule that dropped most."""
    counts = {rule: int(n) for rule, n in dropped.items() if n}
    total = sum(counts.values())
    if not total:
        return sentence(
            f"all {plural(rows_read, 'row')} read were kept: none of the cleaning rules found anything to drop"
        )
    top = max(counts, key=counts.get)
    which = "all of them" if len(counts) == 1 else "most of them"
    return sentence(
        f"cleaning dropped {fmt.count(total)} of the {plural(rows_read, 'row')} read ({fmt.share(total / rows_read)}), "
        f"{which} by the rule `{top}` ({plural(counts[top], 'row')})"
    )


def concentration(top: float, fraction: float = 0.2, customers: int | None = None) -> str:
    """How concentrated revenue is: the share ``top`` brought by the top ``fraction`` of ``customers``, worded on
    the book's one scale (:func:`analysis.chapters._findings.concentration`, read on the top 20%)."""
    head = f"the top {fmt.share(fraction, 0)} of customers bring {fmt.share(top)} of the revenue"
    if customers is not None and customers < MIN_CUSTOMERS:
        return sentence(f"{head}, but with only {plural(customers, 'customer')} that says little about concentration")
    if fraction != 0.2:
        return sentence(head)  # the scale is stated for the top 20%
    return sentence(f"{head}: {verdict(top, finding='concepts.concentration_sentence')}")


def repeat_rate(rate: float, customers: int) -> str:
    """The repeat-purchase rate, and whether most customers came back."""
    repeaters = round(rate * customers)
    head = (
        f"{fmt.share(rate)} of the {plural(customers, 'customer')} ({fmt.count(repeaters)}) "
        "placed two or more orders"
    )
    if rate >= REPEAT_MAJORITY:
        return sentence(f"{head}: most customers came back within the data")
    return sentence(f"{head}: most customers bought once and did not come back within the data")


def best_month(monthly: pd.DataFrame, currency: str = "", measure: str = "revenue") -> str:
    """The best full calendar month by revenue; partial months are named, left out, and compared per day.

    ``monthly`` is :func:`analysis.kpi.monthly`: ``revenue``, ``days`` (days covered)
    and ``partial`` by month. With ``measure="orders"`` (data without prices) its
    ``revenue`` column holds the orders and the sentence counts orders.
    """

    def amount(value: float) -> str:
        return f"{fmt.money(value, currency)} in revenue" if measure == "revenue" else plural(round(value), "order")

    full = monthly[~monthly["partial"]]
    partial = monthly[monthly["partial"]]
    if full.empty:
        return sentence("no calendar month is covered completely by the data, so months cannot be compared")
    best = full["revenue"].idxmax()
    Claim("concepts.best_month_sentence", measure, "best", f"{best:%B %Y}",
          {f"{m:%B %Y}": v for m, v in full["revenue"].items()}, source="the monthly table (full months)").check()
    if len(full) == 1:
        text = (
            f"only one month, {best:%B %Y}, is covered completely ({amount(full.loc[best, 'revenue'])}"
            "), so there is no other full month to compare it with"
        )
    else:
        text = f"the best full month was {best:%B %Y} with {amount(full.loc[best, 'revenue'])}"
    pace = full.loc[best, "revenue"] / best.days_in_month
    for month, row in partial.iterrows():
        ahead = row["revenue"] / row["days"] > pace if row["days"] else False
        text += (
            f"; {month:%B %Y} is in the data for only {row['days']:.0f} of its {month.days_in_month} days and is left "
            f"out (at its pace per day it would {'have beaten' if ahead else 'not have reached'} {best:%B %Y})"
        )
    return sentence(text)


def zero_sales_days(n_days: int, n_zero: int, off_sales: Mapping[str, tuple[int, int]] | None = None,
                    longest: tuple[str, str, int] | None = None) -> str:
    """Days without a sale, read with the shop's calendar (:func:`analysis.kpi.trading_calendar`): the weekdays it
    does not trade on (``off_sales``) are said first and counted apart; ``n_zero`` counts the days without a sale
    on the other days; ``longest`` is the longest closure (first day, last day, calendar days)."""
    off_sales = dict(off_sales or {})
    other = n_days - sum(total for _, total in off_sales.values())
    if off_sales:
        head = trading_days(off_sales) + f"; of the other {plural(other, 'day')}, "
        text = head + (f"{fmt.count(n_zero)} ({fmt.share(n_zero / other)}) {'has' if n_zero == 1 else 'have'} no sale"
                       if n_zero else "every one has a sale")  # fmt: skip
    elif n_zero == 0:
        return sentence(f"every one of the {plural(n_days, 'day')} in the data has at least one sale")
    else:
        text = (f"{fmt.count(n_zero)} of the {plural(n_days, 'day')} in the data ({fmt.share(n_zero / n_days)}) "
                f"{'has' if n_zero == 1 else 'have'} no sale at all")  # fmt: skip
    if longest is not None and longest[2] > 1:
        text += f"; the longest closure runs from {longest[0]} to {longest[1]} ({plural(longest[2], 'day')})"
    return sentence(text)


def left_censored(n_censored: int, n_customers: int, cohorts: list[str], censor_days: int, first_day: str,
                  first_rate: float = float("nan"), later_rate: float = float("nan")) -> str:  # fmt: skip
    """Who the log's start may hide: customers first seen in its first ``censor_days`` days, and their cohorts;
    ``first_rate`` and ``later_rate`` (month-1 return of the censored cohorts and of the later ones) say whether
    the data show it: a first cohort that comes back clearly more often was largely buying before."""
    if censor_days == 0:
        return sentence("with censor_days 0, every cohort counts as new customers, the first one included")
    if n_censored == 0 or not cohorts:
        return sentence(f"no customer was first seen in the log's first {plural(censor_days, 'day')}")
    months, many = join_words(cohorts), len(cohorts) > 1
    head = (
        f"the log starts on {first_day}, and a log starts on some day, not with the shop: the "
        f"{fmt.count(n_censored)} of the {plural(n_customers, 'customer')} ({fmt.share(n_censored / n_customers)}) "
        f"first seen in its first {plural(censor_days, 'day')} may have been buying before it"
    )
    if math.isnan(first_rate) or math.isnan(later_rate):
        evidence = ""
    elif compare(first_rate, later_rate, tolerance=RETENTION_TREND) == "higher":
        evidence = (f"; their cohort comes back in its next month more often than the later ones ({fmt.share(first_rate)} "
                    f"against {fmt.share(later_rate)}), a sign that many were already customers")  # fmt: skip
    else:
        evidence = (f"; their cohort comes back in its next month about as often as the later ones or less "
                    f"({fmt.share(first_rate)} against {fmt.share(later_rate)}), so on these data the log may well "
                    "start with the shop")  # fmt: skip
    return sentence(f"{head}{evidence}. The cohort{'s' if many else ''} {months} {'are' if many else 'is'} marked "
                    "as already customers in the heatmap and left out of every average and comparison below, "
                    "to be safe either way")  # fmt: skip


def month1_retention(month1: pd.Series) -> str:
    """Month-1 retention across cohorts (``month1``: one share per cohort, oldest first, measured cells only)."""
    values = pd.Series(month1, dtype=float).dropna()
    if values.empty:
        return sentence("the data end before any cohort has a complete month after its first purchase")
    if len(values) == 1:
        label = values.index[0]
        label = label.strftime("%Y-%m") if isinstance(label, pd.Timestamp) else label  # a cohort's first day
        return sentence(
            f"only one cohort ({label}) has a complete month after its first purchase: "
            f"{fmt.share(values.iloc[0])} of its new customers bought again in that month"
        )
    text = (
        f"across the {plural(len(values), 'cohort')} with a complete following month, on average "
        f"{fmt.share(values.mean())} of new customers buy again in the month after their first purchase "
        f"(between {fmt.share(values.min())} and {fmt.share(values.max())} by cohort)"
    )
    if len(values) >= 4:
        half = len(values) // 2
        older, newer = values.iloc[:half].mean(), values.iloc[-half:].mean()
        trend = compare(newer, older, tolerance=RETENTION_TREND)
        if trend in ("higher", "lower"):
            more = "more" if trend == "higher" else "less"
            text += (
                f"; the newer half of the cohorts return {more} often ({fmt.share(newer)}) "
                f"than the older half ({fmt.share(older)})"
            )
        else:
            text += f"; newer and older cohorts return about equally often ({fmt.share(newer)} and {fmt.share(older)})"
    return sentence(text)


def weekday(by_day: pd.DataFrame, overall_aov: float, currency: str = "") -> str:
    """The busiest weekday by orders, its AOV against the overall one, and weekdays without any order.

    ``by_day`` is :func:`analysis.kpi.by_weekday` (``orders``, ``share_of_orders``, ``aov`` by weekday).
    """
    busiest = by_day["orders"].idxmax()
    row = by_day.loc[busiest]
    share = row["share_of_orders"]
    head = f"most orders are placed on {busiest}s" if share > MOST else (
        f"more orders are placed on {busiest}s than on any other day"
    )
    text = f"{head} ({plural(row['orders'], 'order')}, {fmt.share(share)} of all)"
    if math.isfinite(overall_aov):  # without prices (NaN) there is no order value to compare
        way = compare(row["aov"], overall_aov, tolerance=AOV_TOLERANCE)
        than = "as" if way == "about the same" else "than"
        text += (
            f"; the average order value that day, {fmt.money(row['aov'], currency, 2)}, is {way} {than} "
            f"the overall {fmt.money(overall_aov, currency, 2)}"
        )
    empty = [str(d) for d, n in by_day["orders"].items() if n == 0]
    if empty:
        text += f"; no order was ever placed on a {' or a '.join(empty)}"
    return sentence(text)


def weighted_retention(plain: float, weighted: float, n_cohorts: int) -> str:
    """Plain against size-weighted mean month-1 retention."""
    if n_cohorts == 0:
        return sentence("no cohort has a measured month after its first purchase, so there is nothing to average")
    if n_cohorts < 2 or any(map(lambda v: not math.isfinite(v), (plain, weighted))):
        return sentence(
            f"with {plural(n_cohorts, 'cohort')} to average, the plain and the weighted mean are the same "
            f"({fmt.share(plain)}): weighting only matters across cohorts of different sizes"
        )
    gap = weighted - plain
    if abs(gap) < WEIGHTING_MATTERS:
        return sentence(
            f"the plain mean ({fmt.share(plain)}) and the mean weighted by cohort size ({fmt.share(weighted)}) "
            "barely differ: large and small cohorts come back about equally often"
        )
    big, small = ("large", "small") if gap > 0 else ("small", "large")
    who = f"{big} cohorts come back more often than {small} ones"
    return sentence(
        f"weighted by cohort size the mean is {fmt.share(weighted)}, {fmt.points(abs(gap))} "
        f"{'above' if gap > 0 else 'below'} the plain mean ({fmt.share(plain)}): {who}"
    )


def orders_per_customer(median: float, mean: float) -> str:
    """Median against mean orders per customer (a skewed count has its mean above its median)."""
    way = compare(mean, median, tolerance=0.05)
    noun = "order" if median == 1 else "orders"
    head = f"the median customer placed {fmt.number(median)} {noun} and the mean is {fmt.number(mean)}"
    if way == "higher":
        return sentence(f"{head}: a minority of frequent buyers pulls the mean above the median")
    if way == "lower":
        return sentence(
            f"{head}: the mean sits below the median, so a group of customers with few orders pulls it down"
        )
    return sentence(f"{head}: mean and median are close, so orders are spread evenly across customers")


def headline(customers: int, orders: int, revenue: str, aov: str, per_customer: str, has_money: bool = True) -> str:
    """The headline KPIs in one sentence (amounts already in words); without prices, the counts and why the
    amounts are missing."""
    head = f"{plural(customers, 'customer')} placed {plural(orders, 'order')}"
    if has_money:
        return sentence(f"{head} worth {revenue} in revenue: an average order value of {aov} and {per_customer} per customer")
    return sentence(f"{head}, {fmt.number(orders / customers) if customers else 0} per customer; these data have no unit "
                    "prices, so revenue, the average order value and revenue per customer are not known")  # fmt: skip


def revenue_includes(duplicates: int, cancelled: int, has_money: bool = True, non_products: int = 0,
                     non_product_revenue: float = 0.0, non_products_dropped: bool = True, currency: str = "") -> str:  # fmt: skip
    """What the revenue figure counts that a net revenue would not: exact duplicate lines kept (``duplicates``),
    earlier lines cancelled later but kept (``cancelled``) and lines that are not products (postage, fees, manual
    lines: ``non_products`` worth ``non_product_revenue``, dropped or kept), each with the parameter that changes it."""
    if not has_money:
        return ""
    left_out = ""
    if non_products and non_products_dropped:
        left_out = sentence(f"{plural(non_products, 'line')} that are not products (postage, fees, manual lines; "
                            f"{fmt.money(non_product_revenue, currency)}) are left out of it (drop_non_product: "
                            "false keeps them)") + " "  # fmt: skip
    parts = []
    if non_products and not non_products_dropped:
        parts.append(f"{plural(non_products, 'line')} that are not products (postage, fees, manual lines; "
                     f"{fmt.money(non_product_revenue, currency)}; drop_non_product: true drops them)")
    if duplicates:
        parts.append(f"{plural(duplicates, 'exact duplicate line')} (drop_duplicates: true drops them)")
    if cancelled:
        parts.append(f"{plural(cancelled, 'line')} cancelled later (net_cancellations: true removes them)")
    if not parts:
        return left_out + sentence("this revenue counts no exact duplicate line, no line cancelled later and no line "
                                   "that is not a product")  # fmt: skip
    return left_out + sentence(f"this revenue is gross: it counts {join_words(parts)}")


def no_prices(what: str) -> str:
    """Why a money finding is missing: the data have no unit prices."""
    return sentence(f"these data have no unit prices, so {what} is not known")


def half_revenue(customer_share: float) -> str:
    """The smallest share of customers (biggest spenders first) bringing half the revenue."""
    if not np.isfinite(customer_share):
        return sentence("there is no revenue to split")
    return sentence(
        f"half of the revenue comes from the top {fmt.share(customer_share)} of customers "
        "(if every customer spent the same it would take 50%)"
    )


#: Early and late customers' repeat rates "about the same" within this relative difference.
REPEAT_GAP = 0.1


def no_new_customers(censor_days: int) -> str:
    """Exercise 1.4 when every customer was first seen in the log's first ``censor_days`` days."""
    return sentence(f"every customer was first seen in the log's first {plural(censor_days, 'day')}, so all count as "
                    "already customers and there are no new ones to split into early and late")  # fmt: skip


def repeat_by_acquisition(early: float, late: float, split: pd.Timestamp, n_early: int, n_late: int) -> str:
    """Repeat rate of customers first seen up to ``split`` (early) against those first seen after it (late)."""
    if not (n_early and n_late) or not (math.isfinite(early) and math.isfinite(late)):
        return sentence(
            f"all customers fall on one side of {fmt.day(split)}, so there is no early and late group to compare"
        )
    way = compare(late, early, tolerance=REPEAT_GAP)
    head = (
        f"customers first seen up to {fmt.day(split)} ({fmt.count(n_early)}) repeat at {fmt.share(early)}, "
        f"those first seen later ({fmt.count(n_late)}) at {fmt.share(late)}"
    )
    if way == "lower":
        return sentence(f"{head}: the late group had less time to come back, which explains at least part of the gap")
    if way == "higher":
        return sentence(
            f"{head}: the late group repeats more despite having had less time, "
            "so newer customers really do come back more"
        )
    return sentence(f"{head}: about the same, although the late group had less time to come back")


#: "Most" orders fall on one weekday only when more than this share of them do.
MOST = 0.5

#: What each cleaning rule drops, in the reader's words.
RULE_WORDS = {
    "unparseable_timestamp": "lines whose date cannot be read",
    "unparseable_number": "lines whose quantity or price cannot be read",
    "before_min_date": "lines dated before min_date",
    "after_max_date": "lines dated after max_date (or in the future)",
    "missing_customer": "lines without a customer",
    "cancellation": "cancelled orders",
    "non_positive_quantity": "returns with negative quantities",
    "non_positive_price": "free samples at price zero",
    "cancelled_original": "the earlier lines that the cancellations cancel",
    "extreme_quantity": "lines with an extreme quantity",
    "extreme_price": "lines with an extreme unit price",
    "duplicate": "exact duplicate lines",
    "non_product": "postage, fees and manual adjustments",
}


def cleaning_rules(rules_on: list[str] | tuple[str, ...], rules_off: Mapping[str, str] | None = None) -> str:
    """Which kinds of messy lines the rules of this run drop, and the rules the layout turns off (with why)."""
    words = [RULE_WORDS[r] for r in rules_on if r in RULE_WORDS]
    text = (
        f"in this run cleaning drops {join_words(words)}" if words else "in this run no cleaning rule drops rows"
    )
    off = [f"`{rule}` ({RULE_WORDS.get(rule, rule)}) is off for this layout: {why}" for rule, why in (rules_off or {}).items()]
    return sentence(text) + ("" if not off else " " + sentence("; ".join(off)))


def cancelled(n_lines: int, revenue: float, dropped: bool, currency: str = "") -> str:
    """The earlier lines the dropped cancellations cancel: kept (counted in revenue) or dropped; "" when none."""
    if n_lines <= 0:
        return ""
    what = (
        f"the dropped cancellations cancel {plural(n_lines, 'earlier line')} worth "
        f"{fmt.money(revenue, currency, 2)} (same customer, product and quantity, bought before)"
    )
    if dropped:
        return sentence(f"{what}; net_cancellations is on, so they are dropped too")
    return sentence(
        f"{what}; they are kept and counted as sales, and `net_cancellations: true` removes them"
    )


def months(n_months: int, n_partial: int) -> str:
    """How many calendar months the data span, and how many only in part (said only when some are)."""
    text = f"the data span {plural(n_months, 'calendar month')}"
    if n_partial:
        part = "it" if n_months == 1 and n_partial == 1 else (
            "all of them" if n_partial == n_months else f"{fmt.count(n_partial)} of them"
        )
        text += f" ({part} only in part)"
    return sentence(text)
