"""Each chapter's parameters as a pydantic model, and their errors in the user's words.

A chapter's model subclasses :class:`analysis.data.params.DataParams` (the data
every chapter reads and how to clean it) and adds its own knobs, each with its
default (the one truth: a test checks the notebook's ``parameters`` cell against
it), its range and its meaning (``description``). Relations that need the data
(``k`` below the number of customers, ``calibration_end`` inside the data's
dates) are checked by :func:`analysis.book.needs.check_needs`.

A notebook checks what papermill injected with
``P = chapter_params("clustering", globals())``; the runner checks the same
values before anything runs. Every refusal is a :class:`DataError` naming the
parameter, its value, what is allowed and the fix; pydantic's own wording and
the package's internal names never reach the user.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from analysis._checks import check_increasing_shares
from analysis.data.params import DATA_PARAM_MEANINGS, DataParams
from analysis.errors import DataError

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


class ConceptsParams(ChapterParams):
    max_cohorts: int = Field(
        12, ge=1, le=120, description="acquisition cohorts shown in the retention heatmap (the earliest)"
    )
    max_months: int = Field(12, ge=1, le=120, description="months since first purchase shown in the heatmap")


class ClusteringParams(ChapterParams):
    k_range: list[int] = Field(
        default_factory=lambda: [2, 3, 4, 5, 6, 7, 8],
        min_length=1,
        max_length=50,
        description="candidate numbers of clusters for k-means",
        json_schema_extra={"allowed": "at most 50 whole numbers from 2 to 1000 in increasing order, e.g. [2, 3, 4, 5, 6]"},
    )
    k: int = Field(
        0,
        ge=0,
        le=1000,
        description="number of k-means segments (0: chosen from k_range by the elbow, smallest-segment and stability rules)",
        json_schema_extra={"allowed": "0 (choose from k_range) or a whole number from 2 to 1000"},
    )
    min_segment_share: float = Field(
        0.05, ge=0, le=0.5, allow_inf_nan=False,
        description="a k is usable only if its smallest segment holds at least this share of customers",
    )  # fmt: skip
    min_stability: float = Field(
        0.8, ge=0, le=1, allow_inf_nan=False,
        description="a k is usable only if k-means runs from different seeds agree at least this well (mean ARI)",
    )  # fmt: skip
    dbscan_min_samples: int = Field(10, ge=2, le=1000, description="DBSCAN's min_samples (the k of the k-distance plot)")
    max_points_density: int = Field(
        5000, ge=100, le=20_000, description="at most this many customers for DBSCAN and Ward (both are quadratic): a random sample, the same for both, when there are more"
    )
    tier_cuts: list[float] = Field(
        default_factory=lambda: [0.8, 0.95],
        description="cumulative revenue shares that end the high and the medium value tiers",
        json_schema_extra={"allowed": "two increasing shares between 0 and 1, e.g. [0.8, 0.95]"},
    )
    stability_runs: int = Field(
        5, ge=2, le=100, description="k-means runs with different seeds, per candidate k and for the stability check"
    )
    calibration_end: str = Field(
        "",
        description="end of the CLV calibration period, YYYY-MM-DD (empty: two thirds into the data)",
        json_schema_extra={"allowed": f'"" (two thirds into the data) or {DATE_RULE}'},
    )
    horizon_days: int = Field(365, ge=1, le=3650, description="CLV horizon in days")
    discount_rate: float = Field(0.10, ge=0, lt=1, allow_inf_nan=False, description="annual discount rate for CLV")

    @field_validator("k_range")
    @classmethod
    def _k_range(cls, value: list[int]) -> list[int]:
        small = [v for v in value if v < 2 or v > 1000]
        if small:
            raise PydanticCustomError(
                "book_rule", "k-means needs at least 2 clusters (and takes at most 1000), and k_range holds {small}",
                {"small": small},
            )
        if any(b <= a for a, b in zip(value, value[1:])):
            raise PydanticCustomError("book_rule", "k_range must be strictly increasing", {})
        return value

    @field_validator("k")
    @classmethod
    def _k(cls, value: int) -> int:
        if value == 1:
            raise PydanticCustomError("book_rule", "one segment is no segmentation", {})
        return value

    @field_validator("tier_cuts")
    @classmethod
    def _tier_cuts(cls, value: list[float]) -> list[float]:
        return list(_rule(check_increasing_shares, "tier_cuts", value, length=2))

    @field_validator("calibration_end", mode="before")
    @classmethod
    def _calibration_end(cls, value: Any) -> Any:
        return iso_date("calibration_end", value)


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
        if isinstance(m, at.MaxLen):
            bounds.append(f"at most {m.max_length} of them")
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


def _one_line(err: dict, model: type[BaseModel], chapter: str, given: Mapping[str, Any]) -> tuple[str, str, str]:
    """(parameter, line, fix) for one pydantic error; ``given`` holds the values as the user wrote them."""
    loc = [str(p) for p in err["loc"]]
    name = loc[0] if loc else "parameters"
    where = f" (element {', '.join(loc[1:])}: {err.get('input')!r})" if len(loc) > 1 else ""
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(name, list(model.model_fields), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        whose = f"chapter {chapter}" if chapter else "the data"
        from analysis.book.chapters import CHAPTERS  # the registry imports this module

        takers = [c.name for c in CHAPTERS if name in c.params.model_fields]
        if takers:
            hint += f"{name} is a parameter of {', '.join(takers)}: put it in that section or at the top level; "
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
    shown = repr(value)
    if len(shown) > 120:  # a long list: its start and its length
        shown = shown[:100] + "..." + (f" ({len(value)} values)" if isinstance(value, list | dict | tuple) else "")
    line = f"Parameter {name} = {shown} is refused{where}: {_reason(err, model, name)}; allowed: {rule}"
    return name, line, f"{fix}, {WHERE}"


def params_error(
    exc: ValidationError, model: type[BaseModel], chapter: str, given: Mapping[str, Any], source: str | None = None
) -> DataError:
    """A pydantic error as one DataError: each parameter, its value, what is allowed, the fix."""
    parts = [_one_line(err, model, chapter, given) for err in exc.errors(include_url=False)]
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


def check_params(model: type[ChapterParams], chapter: str, values: Mapping[str, Any], *, source: str | None = None):
    """``values`` checked by ``model``; unknown names refused. Raises DataError."""
    given = {str(k): plain(v) for k, v in values.items()}
    try:
        return model(**given)
    except ValidationError as exc:
        raise params_error(exc, model, chapter, given, source) from None


def chapter_params(name: str, values: Mapping[str, Any]) -> ChapterParams:
    """The checked parameters of chapter ``name`` from ``values`` (a notebook's ``globals()``).

    Names that are not parameters of the chapter are ignored, so a notebook passes
    all its globals: ``P = chapter_params("clustering", globals())``.
    """
    from analysis.book.chapters import get_chapter

    chapter = get_chapter(name)
    model = chapter.params
    if isinstance(values, model):
        return values
    known = {k: v for k, v in values.items() if k in model.model_fields}
    return check_params(model, chapter.name, known, source=f"chapter {chapter.name}")


def non_default(params: BaseModel) -> dict[str, Any]:
    """The parameters whose value differs from the model's default."""
    out = {}
    for name, info in type(params).model_fields.items():
        value = getattr(params, name)
        if value != info.get_default(call_default_factory=True):
            out[name] = value
    return out
