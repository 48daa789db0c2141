"""Parameter errors in the user's words: one translation of pydantic's refusals for every parameter model.

A parameter model (:class:`analysis.data.params.DataParams`, each chapter's
``ChapterParams`` subclass) is checked by :func:`check_params`; every refusal
becomes one :class:`DataError` naming each parameter, its value as the user
wrote it, what is allowed (the field's type and bounds, or its ``allowed``
text) and the fix. pydantic's own wording and the package's internal names
never reach the user. A model may carry ``MEANINGS`` (name -> meaning) for
fields without a description of their own.
"""

from __future__ import annotations

import datetime
import difflib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel, ValidationError

from analysis.errors import DataError

__all__ = ["Takers", "WHERE", "allowed", "check_params", "meanings", "params_error", "plain"]


#: the chapters that take a parameter name (the registry answers it for a name a chapter refuses)
Takers = Callable[[str], list[str]]

WHERE = "in the parameters file (make chapter ... PARAMS=params.yaml) or the notebook's parameters cell"

def _model_meanings(model: type[BaseModel]) -> Mapping[str, str]:
    return getattr(model, "MEANINGS", {})


def meanings(model: type[BaseModel]) -> dict[str, str]:
    """Parameter name -> what it means, for tables and messages."""
    return {
        name: info.description or _model_meanings(model).get(name, "")
        for name, info in model.model_fields.items()
    }

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
    if name in _model_meanings(model) and not bounds:
        return f"{kind}: {_model_meanings(model)[name]}"
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
        owners = takers(name) if takers else []
        if owners:
            hint += f"{name} is a parameter of {', '.join(owners)}: put it in that section or at the top level; "
        if chapter:
            line, listing = f"Unknown parameter: chapter {chapter} has no parameter {name}", f"the parameters of chapter {chapter}"
        else:
            line, listing = f"Unknown parameter: {name} is not a data parameter", "the data parameters"
        return name, line, f"{hint}{listing}: {', '.join(model.model_fields)}"
    if name not in model.model_fields:  # a rule across several parameters (a model-level check)
        text = err["msg"].removeprefix("Value error, ").rstrip(".")
        return name, f"The parameters are refused: {text}", f"correct them {WHERE}"
    value = given.get(name, err.get("input"))
    rule = allowed(model, name)
    default = model.model_fields[name].get_default(call_default_factory=True)
    written = json.dumps(default, ensure_ascii=False) if isinstance(default, str) else repr(default)  # as YAML takes it
    example = "" if "e.g." in rule else f", e.g. {name}: {written} (the default)"
    fix = (err.get("ctx") or {}).get("fix") or f"set {name} to {rule}{example}"
    shown = repr(value)
    if len(shown) > 120:  # a long list: its start and its length
        shown = shown[:100] + "..." + (f" ({len(value)} values)" if isinstance(value, list | dict | tuple) else "")
    line = f"Parameter {name} = {shown} is refused{where}: {_reason(err, model, name)}; allowed: {rule}"
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
    model: type[BaseModel], chapter: str, values: Mapping[str, Any], *, source: str | None = None,
    takers: Takers | None = None,
):
    """``values`` checked by ``model``; unknown names refused. Raises DataError."""
    given = {str(k): plain(v) for k, v in values.items()}
    try:
        return model(**given)
    except ValidationError as exc:
        raise params_error(exc, model, chapter, given, source, takers) from None
