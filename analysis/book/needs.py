"""The least data each chapter needs, checked before any cell runs.

Each chapter declares its needs in the registry (:mod:`analysis.book.chapters`)
as :class:`Need` objects: a sentence for the reader and a check on the
:class:`Facts` of the cleaned data and the chapter's parameters. A check
returns ``None`` or a :class:`Shortfall` whose fix works when followed: data
minimums are checked first (their fix is more data), relations between the
parameters and the data second (their fix is a value that the data allow).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis import schema as S
from analysis.errors import DataError

MIN_REPEATERS = 10  # the CLV models' minimum (analysis.clv.fit_models)


@dataclass
class Facts:
    """What the needs look at, from the data report (or the clean table when the report lacks it)."""

    source: str
    customers: int
    repeat_customers: int  # customers who bought on two different days or more
    days: int  # distinct days with a sale
    first_date: str
    last_date: str
    table: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def span_days(self) -> int:
        """Calendar days from the first to the last sale (0 when they fall on the same day)."""
        return (pd.Timestamp(self.last_date) - pd.Timestamp(self.first_date)).days

    def repeaters_before(self, day: str) -> int:
        """Customers who bought again, for a positive amount, on or before ``day`` (the CLV calibration)."""
        if self.table is None:
            return self.repeat_customers
        from analysis.features import customer_summary

        try:
            summary = customer_summary(self.table, day)
        except DataError:
            return 0
        return int(((summary[S.X] > 0) & (summary[S.REPEAT_VALUE] > 0)).sum())


    def earliest_calibration_end(self, n: int) -> str | None:
        """The first day by which ``n`` customers have bought again, if it falls before the last day."""
        if self.table is None:
            return None
        days = pd.DataFrame({"c": self.table[S.CUSTOMER], "d": self.table[S.TIMESTAMP].dt.normalize()})
        second = days.drop_duplicates().sort_values("d").groupby("c")["d"].nth(1).sort_values()
        last = pd.Timestamp(self.last_date)
        for day in second.iloc[n - 1 :].unique()[:10] if len(second) >= n else []:
            text = pd.Timestamp(day).date().isoformat()
            if pd.Timestamp(day) < last and self.repeaters_before(text) >= n:
                return text
        return None


def facts_from(report: Any, table: pd.DataFrame | None = None) -> Facts:
    """Facts from the clean ``table`` when given (repeat customers as the CLV models count them: two
    different purchase days), else from the DataReport's own counts."""
    source = str(getattr(report, "source", ""))
    if table is not None:
        days = table[S.TIMESTAMP].dt.normalize()
        per_customer = pd.DataFrame({"c": table[S.CUSTOMER], "d": days}).drop_duplicates()
        return Facts(
            source=source, customers=int(table[S.CUSTOMER].nunique()),
            repeat_customers=int((per_customer.groupby("c").size() >= 2).sum()), days=int(days.nunique()),
            first_date=str(days.min().date()), last_date=str(days.max().date()), table=table,
        )  # fmt: skip
    got = {name: getattr(report, name, None) for name in ("customers", "repeat_customers", "days")}
    first, last = getattr(report, "first_date", None), getattr(report, "last_date", None)
    if None in got.values() or not first or not last:
        raise DataError(
            "The data report lacks the counts the chapters' needs are checked on.",
            source=source or "data report",
            fix="pass the clean table as well: facts_from(report, table)",
        )
    return Facts(source=source, first_date=str(first)[:10], last_date=str(last)[:10],
                 **{k: int(v) for k, v in got.items()})  # fmt: skip


@dataclass(frozen=True)
class Shortfall:
    problem: str
    parameter: str
    rows: tuple[str, ...]
    fix: str


@dataclass(frozen=True)
class Need:
    """One minimum: ``text`` for the reader, ``check(params, facts)`` -> None or a Shortfall."""

    text: str
    check: Callable[[Any, Facts], Shortfall | None]


def _more_data(what: str) -> str:
    return (
        f"use a file with {what} (a longer period or more customers); for the built-in shop, "
        "a larger shop_customers"
    )


def many(n: int, one: str, more: str | None = None) -> str:
    """``n`` with its noun, singular or plural: "1 customer", "2,000 customers"."""
    return f"{n:,} {one if n == 1 else (more or one + 's')}"


def data_minimum(text: str, n: int, count: Callable[[Facts], int], problem: Callable[[int, Facts], str],
                 row: str, more: str) -> Need:  # fmt: skip
    """A need of at least ``n`` of something the facts count; ``problem(got, facts)`` says what fell short."""

    def check(params, facts: Facts) -> Shortfall | None:
        got = count(facts)
        if got >= n:
            return None
        return Shortfall(problem(got, facts), "data", (f"{row} = {got:,}",), _more_data(more))

    return Need(text, check)


def at_least_customers(n: int) -> Need:
    return data_minimum(
        f"at least {many(n, 'customer')}", n, lambda f: f.customers,
        lambda got, f: f"The data hold {many(got, 'customer')}; this chapter needs at least {n:,}.",
        "customers", f"at least {many(n, 'customer')}",
    )  # fmt: skip


def at_least_days(n: int) -> Need:
    days = many(n, "day", "different days")
    return data_minimum(
        f"sales on at least {days}", n, lambda f: f.days,
        lambda got, f: f"The data have sales on {many(got, 'distinct day')} ({f.first_date} to {f.last_date}); "
        f"this chapter needs at least {n:,}.",
        "days with a sale", f"sales on at least {days}",
    )  # fmt: skip


def at_least_span(n_days: int) -> Need:
    span = many(n_days, "calendar day")
    return data_minimum(
        f"at least {span} from the first sale to the last", n_days, lambda f: f.span_days + 1,
        lambda got, f: f"The data cover {many(got, 'calendar day')} ({f.first_date} to {f.last_date}); this "
        f"chapter needs at least {n_days:,} to split them into a calibration period and a holdout.",
        "calendar days", f"at least {span}",
    )  # fmt: skip


def at_least_repeaters(n: int) -> Need:
    return data_minimum(
        f"at least {many(n, 'customer')} who bought on two different days", n, lambda f: f.repeat_customers,
        lambda got, f: f"{got:,} of {many(f.customers, 'customer')} bought on two different days or more; the CLV "
        f"models need at least {many(n, 'such repeat customer')}.",
        "repeat customers", f"at least {many(n, 'customer')} who came back",
    )  # fmt: skip


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


def shortfalls(chapter, params, facts: Facts) -> list[Shortfall]:
    """Every unmet need, in the registry's order, stopping at the first data minimum that fails."""
    out = []
    for need in chapter.needs:
        miss = need.check(params, facts)
        if miss is not None:
            out.append(miss)
            if miss.parameter == "data":
                break  # more data is the fix; relations on these data would only confuse
    return out


def check_needs(chapter, params, report, table: pd.DataFrame | None = None) -> Facts:
    """Raise DataError when the data (described by ``report``) fall short of ``chapter``'s needs.

    ``chapter`` is a registry entry or a chapter name; ``params`` its checked
    parameters. Returns the facts the verdict was based on.
    """
    from analysis.book.chapters import get_chapter

    chapter = get_chapter(chapter) if isinstance(chapter, str) else chapter
    facts = report if isinstance(report, Facts) else facts_from(report, table)
    missing = shortfalls(chapter, params, facts)
    if missing:
        first = missing[0]
        raise DataError(
            f"Chapter {chapter.name} cannot run on these data. " + " ".join(m.problem for m in missing),
            source=facts.source,
            parameter=", ".join(dict.fromkeys(m.parameter for m in missing)),
            rows=[r for m in missing for r in m.rows],
            fix="; ".join(dict.fromkeys(m.fix for m in missing)) if len(missing) > 1 else first.fix,
        )
    return facts
