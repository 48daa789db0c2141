"""What every chapter shares: its parameters' base model, its needs, and their errors in the user's words.

A chapter's parameter model subclasses :class:`ChapterParams` (itself the data
parameters every chapter reads, :class:`analysis.data.params.DataParams`) and
adds its own knobs, each with its default (the one truth: a test checks the
notebook's ``parameters`` cell against it), its range and its meaning
(``description``). Every refusal is a :class:`DataError` naming the parameter,
its value, what is allowed and the fix (:func:`check_params`); pydantic's own
wording and the package's internal names never reach the user.

Each chapter also declares the least data it needs as :class:`Need` objects: a
sentence for the reader and a check on the :class:`~analysis.data.facts.Facts`
of the cleaned data and the chapter's parameters. A check returns ``None`` or a
:class:`Shortfall` whose fix works when followed: data minimums are checked
first (their fix is more data), relations between the parameters and the data
second (their fix is a value that the data allow).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from analysis.data.facts import Facts, facts_from
from analysis.data.params import DataParams
from analysis.data.refusals import check_params, meanings, plain
from analysis.errors import DataError

__all__ = ["ChapterParams", "DATE_RULE", "Facts", "MIN_REPEATERS", "Need", "Shortfall", "check_params",
           "WITHOUT_PRICES", "facts_from", "products_only", "iso_date", "meanings", "needs_money", "non_default", "parameters_cell_text",
           "plain", "shortfalls"]  # fmt: skip


def _rule(fn, *args, **kwargs):
    """Run a shared check from ``analysis._checks``; its DataError becomes a pydantic error with its words."""
    try:
        return fn(*args, **kwargs)
    except DataError as err:
        raise PydanticCustomError("book_rule", "{problem}", {"problem": err.problem, "fix": err.fix or ""}) from None

#: the form every date parameter takes as text: a day in ISO form (a YAML date becomes this form too)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

DATE_RULE = "a date YYYY-MM-DD such as 2011-06-30"

def iso_date(name: str, value: Any) -> Any:
    """``value`` as YYYY-MM-DD text when it is non-empty text; "11/06/2011" and "2011-13-45" are refused.

    Other types are left to the field's own type check.
    """
    if not isinstance(value, str) or not value.strip():
        return value.strip() if isinstance(value, str) else value
    text = value.strip()
    fix = f'set {name} to {DATE_RULE} (year-month-day), or to ""'
    if not ISO_DATE.fullmatch(text):
        raise PydanticCustomError("book_rule", "it must be a date YYYY-MM-DD (year-month-day)", {"fix": fix})
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise PydanticCustomError(
            "book_rule", "it is not a day of the calendar ({why})", {"why": str(exc), "fix": fix}
        ) from None

class ChapterParams(DataParams):
    """Base of every chapter's parameters: strict types (no "3" for 3, no true for 1), dates YYYY-MM-DD."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True)

    @field_validator("min_date", "max_date", mode="before")
    @classmethod
    def _data_dates(cls, value: Any, info: ValidationInfo) -> Any:
        return iso_date(info.field_name, value)


def parameters_cell_text(model: type[BaseModel]) -> str:
    """The text of a chapter's ``parameters`` cell: ``name = default  # meaning``, one line per field.

    The notebook's cell is exactly this text (a test checks every chapter), so the
    model stays the one truth for defaults and meanings; after changing a model,
    paste this into the cell.
    """
    lines = []
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=True)
        value = json.dumps(default, ensure_ascii=False) if isinstance(default, str) else repr(default)
        lines.append(f"{name} = {value}  # {meanings(model)[name]}")
    return "\n".join(lines)



def non_default(params: BaseModel) -> dict[str, Any]:
    """The parameters whose value differs from the model's default."""
    out = {}
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        if value != info.get_default(call_default_factory=True):
            out[name] = value
    return out


# --------------------------------------------------------------------------- needs

MIN_REPEATERS = 10  # the CLV models' minimum (analysis.clv.fit_models)

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

def products_only(why: str):
    """The ``drop_non_product`` field of a chapter that counts products or revenue from products: true by default
    (postage, fees and manual lines out), ``why`` saying what the chapter would get wrong with them."""
    from pydantic import Field

    return Field(True, description="drop the lines that are not products (postage, carriage, fees, discounts, manual "
                 "adjustments, samples, gift vouchers, test codes; found by code and description, always counted per "
                 f"code); true here: {why}")  # fmt: skip


def needs_money(what: str, instead: str = "") -> Need:
    """Unit prices, which ``what`` needs: a log whose mapping leaves out ``unit_price`` has none
    (:mod:`analysis.data.canonical`). ``instead`` names what runs without them."""

    def check(params, facts: Facts) -> Shortfall | None:
        if facts.has_money:
            return None
        return Shortfall(
            f"The data have no unit prices (the column mapping leaves out unit_price), and {what}.",
            "data", ("unit_price = missing on every line",),
            "map a unit price column in the parameters file (mapping: {unit_price: <your price column>, ...})"
            + (f"; {instead}" if instead else ""),
        )  # fmt: skip

    return Need("unit prices (a unit_price column in the log or the mapping)", check)

#: What runs on a log without prices, for the fixes of the chapters that need them.
WITHOUT_PRICES = (
    "without prices, the concepts (orders, customers, cohorts), clustering (recency and frequency, purchases "
    "expected), recommend, forecast (units sold) and risk (churn) chapters run on this log"
)

def shortfalls(needs: Sequence[Need], params, facts: Facts) -> list[Shortfall]:
    """Every unmet need, in the chapter's order, stopping at the first data minimum that fails."""
    out = []
    for need in needs:
        miss = need.check(params, facts)
        if miss is not None:
            out.append(miss)
            if miss.parameter == "data":
                break  # more data is the fix; relations on these data would only confuse
    return out
