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
import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from analysis.data.facts import Facts, facts_from
from analysis.data.params import DATA_PARAM_MEANINGS, DataParams
from analysis.errors import DataError

__all__ = ["ChapterParams", "DATE_RULE", "Facts", "MIN_REPEATERS", "Need", "Shortfall", "check_params",
           "facts_from", "iso_date", "meanings", "parameters_cell_text", "shortfalls"]  # fmt: skip

#: the chapters that take a parameter name (the registry answers it for a name a chapter refuses)
Takers = Callable[[str], list[str]]

WHERE = "in the parameters file (make chapter ... PARAMS=params.yaml) or the notebook's parameters cell"

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


# --------------------------------------------------------------------------- words


def meanings(model: type[BaseModel]) -> dict[str, str]:
    """Parameter name -> what it means, for tables and messages."""
    return {
        name: info.description or DATA_PARAM_MEANINGS.get(name, "")
        for name, info in model.model_fields.items()
    }

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

def _kind(annotation: Any) -> str:
    text = str(annotation)
    for key, words in (
        ("list[int]", "a list of whole numbers"),
        ("list[float]", "a list of numbers"),
        ("dict", "a mapping of name: value"),
        ("bool", "true or false"),
        ("int", "a whole number"),
        ("float", "a number"),
        ("str", "a text"),
    ):
        if key in text:
            return words
    return text

def allowed(model: type[BaseModel], name: str) -> str:
    """What ``name`` accepts, in words: its type and its range."""
    info = model.model_fields[name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "allowed" in extra:
        return str(extra["allowed"])
    kind = _kind(info.annotation)
    bounds = []
    for m in info.metadata:
        for cls, sign in ((at.Ge, ">="), (at.Gt, ">"), (at.Le, "<="), (at.Lt, "<")):
            if isinstance(m, cls):
                bounds.append(f"{sign} {getattr(m, cls.__name__.lower())}")
    if name in DATA_PARAM_MEANINGS and not bounds:
        return f"{kind}: {DATA_PARAM_MEANINGS[name]}"
    return " ".join([kind] + [" and ".join(bounds)] if bounds else [kind])

def _reason(err: dict, model: type[BaseModel], name: str) -> str:
    kind = err["type"]
    if kind == "book_rule" or kind == "value_error":
        return err["msg"].removeprefix("Value error, ").rstrip(".")
    if kind == "missing":
        return "it is missing"
    if kind.endswith(("_type", "_parsing")) or kind in ("finite_number",):
        return f"it must be {_kind(model.model_fields[name].annotation)}"
    if kind in ("too_short", "too_long"):
        return "the list is empty" if kind == "too_short" else "the list is too long"
    return "it is out of range"

def _one_line(
    err: dict, model: type[BaseModel], chapter: str, given: Mapping[str, Any], takers: Takers | None = None
) -> tuple[str, str, str]:
    """(parameter, line, fix) for one pydantic error; ``given`` holds the values as the user wrote them.

    ``takers(name)`` names the chapters that do take an unknown ``name`` (the registry passes it).
    """
    loc = [str(p) for p in err["loc"]]
    name = loc[0] if loc else "parameters"
    where = f" (element {', '.join(loc[1:])}: {err.get('input')!r})" if len(loc) > 1 else ""
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(name, list(model.model_fields), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        whose = f"chapter {chapter}" if chapter else "the data"
        owners = takers(name) if takers else []
        if owners:
            hint += f"{name} is a parameter of {', '.join(owners)}: put it in that section or at the top level; "
        return (
            name,
            f"Unknown parameter: {whose} has no parameter {name}",
            f"{hint}the parameters of {whose}: {', '.join(model.model_fields)}",
        )
    if name not in model.model_fields:  # a rule across several parameters (a model-level check)
        text = err["msg"].removeprefix("Value error, ").rstrip(".")
        return name, f"The parameters are refused: {text}", f"correct them {WHERE}"
    value = given.get(name, err.get("input"))
    rule = allowed(model, name)
    default = model.model_fields[name].get_default(call_default_factory=True)
    example = "" if "e.g." in rule else f", e.g. {name}: {default!r} (the default)"
    fix = (err.get("ctx") or {}).get("fix") or f"set {name} to {rule}{example}"
    line = f"Parameter {name} = {value!r} is refused{where}: {_reason(err, model, name)}; allowed: {rule}"
    return name, line, f"{fix}, {WHERE}"

def params_error(
    exc: ValidationError, model: type[BaseModel], chapter: str, given: Mapping[str, Any], source: str | None = None,
    takers: Takers | None = None,
) -> DataError:
    """A pydantic error as one DataError: each parameter, its value, what is allowed, the fix."""
    parts = [_one_line(err, model, chapter, given, takers) for err in exc.errors(include_url=False)]
    names = list(dict.fromkeys(p[0] for p in parts))
    first = parts[0][1]
    if chapter and f"chapter {chapter}" not in first:
        first += f" (chapter {chapter})"
    more = [p[1] for p in parts[1:]]
    return DataError(
        first + "." + (f" And {len(more)} more: " + "; ".join(more) + "." if more else ""),
        source=source,
        parameter=", ".join(names),
        fix="; ".join(dict.fromkeys(p[2] for p in parts)),
    )


# --------------------------------------------------------------------------- checking


def plain(value: Any) -> Any:
    """YAML and notebook values as the models take them: dates as ISO text, paths as text, tuples as lists."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value

def check_params(
    model: type[ChapterParams], chapter: str, values: Mapping[str, Any], *, source: str | None = None,
    takers: Takers | None = None,
):
    """``values`` checked by ``model``; unknown names refused. Raises DataError."""
    given = {str(k): plain(v) for k, v in values.items()}
    try:
        return model(**given)
    except ValidationError as exc:
        raise params_error(exc, model, chapter, given, source, takers) from None

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
