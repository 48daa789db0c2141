"""What every chapter page shows besides its sections: parameters, data banner, findings, the analyst's CSV.

Each element returns an :class:`IPython.display.HTML` object. A notebook shows it
as the last expression of a cell: Jupyter, a plain papermill run and Jupyter
Book 1 all render the ``text/html`` output, and the book's stylesheet may style
it by its CSS class (``run-parameters``, ``data-banner``, ``run-findings``).
Inline styles keep them readable without that stylesheet.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML

from analysis import fmt
from analysis.data.params import DataParams
from analysis.errors import DataError
from analysis.fmt import plural

__all__ = [
    "DESCRIPTOR",
    "csv_columns",
    "table_schema",
    "write_package",
    "WARN_SHARE",
    "Step",
    "DRAWN_KEY",
    "FigurePNG",
    "empty_figure",
    "glue_figure",
    "glue_table",
    "data_banner",
    "dropped_shares",
    "findings_box",
    "kept_counts",
    "parameters_table",
    "formula_safe",
    "formula_safe_frame",
    "to_csv",
    "write_csv",
]

#: A rule that drops more than this share of the rows read is named in a warning on the banner.
WARN_SHARE = 0.05

_BANNER_STYLE = "border-left: 4px solid #3b6ea5; background: #eef3fb; padding: 0.5em 0.9em; margin: 0.6em 0;"
_WARN_STYLE = "color: #8a4b00; margin: 0.3em 0 0 0;"
_PARAMS_STYLE = "margin: 0.6em 0; overflow-x: auto; max-width: 100%;"
_FINDINGS_STYLE = "border-left: 4px solid #2e7d32; background: #eef7ee; padding: 0.5em 0.9em; margin: 0.6em 0;"


#: A Markdown code span: a run of backticks, then text up to the same run (``a `b` c`` from fmt.escape(code=True)).
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def _strip_one_space(code: str) -> str:
    return code[1:-1] if len(code) > 2 and code.startswith(" ") and code.endswith(" ") else code


_CHAR_REF = re.compile(r"&amp;(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _inline(text: str) -> str:
    """Plain text to HTML, with Markdown ``code`` and **bold** spans kept as such.

    Character references stay references, as Markdown reads them: a data string
    escaped by :func:`analysis.fmt.escape` shows as its text here and on the page.
    """
    out = _CHAR_REF.sub(r"&\1;", html.escape(str(text), quote=False))
    parts, pos = [], 0
    for m in _CODE_SPAN.finditer(out):  # bold outside code spans only
        parts += [_bold(out[pos : m.start()]), f"<code>{_strip_one_space(m.group(2))}</code>"]
        pos = m.end()
    return "".join(parts) + _bold(out[pos:])


def _bold(text: str) -> str:
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def _value_text(value: Any) -> str:
    """A parameter value as the reader would type it: strings quoted, the rest as Python writes them."""
    if isinstance(value, str):
        return '""' if value == "" else f'"{value}"'
    if isinstance(value, Mapping):
        return "{}" if not value else "{" + ", ".join(f'"{k}": {_value_text(v)}' for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return repr(value) if not hasattr(value, "item") else repr(value.item())


def _default_meanings() -> dict[str, str]:
    try:  # the data parameters' meanings, when the data layer is there
        from analysis.data import DATA_PARAM_MEANINGS
    except ImportError:  # pragma: no cover - older trees
        return {}
    return dict(DATA_PARAM_MEANINGS)


def _params_rows(params: Any, meanings: Mapping[str, str] | None) -> list[tuple[str, Any, str]]:
    known = _default_meanings()
    known.update(meanings or {})
    fields = getattr(type(params), "model_fields", None)
    if fields is not None:  # a pydantic model: values from it, meanings from its field descriptions
        values = params.model_dump()
        data_fields = set(DataParams.model_fields)
        own = [name for name in fields if name not in data_fields]  # the chapter's own knobs first, then the data's
        rows = []
        for name in own + [name for name in fields if name in data_fields]:
            f = fields[name]
            meaning = f.description or known.get(name, "")
            default = f.get_default(call_default_factory=True)
            if values[name] != default:
                meaning = f"{meaning} (default: {_value_text(default)})"
            rows.append((name, values[name], meaning))
        return rows
    if not isinstance(params, Mapping):
        raise DataError(
            f"parameters_table takes a pydantic model or a mapping of parameters, got {type(params).__name__}.",
            column="params",
            fix="pass the chapter's checked parameters (P) or a dict such as {'data': data, 'seed': seed}",
        )
    return [(str(name), value, known.get(str(name), "")) for name, value in params.items()]


def parameters_table(params: Any, meanings: Mapping[str, str] | None = None) -> HTML:
    """"Parameters of this run": one row per parameter with its name, value and meaning.

    ``params`` is a pydantic model (meanings from its fields' ``description``) or a
    mapping of name -> value (meanings from ``meanings``, then the data
    parameters' own). The HTML sits in ``<div class="run-parameters">``.
    """
    rows = _params_rows(params, meanings)
    body = "".join(
        f"<tr><td><code>{html.escape(name)}</code></td>"
        f"<td><code>{html.escape(_value_text(value))}</code></td>"
        f"<td>{_inline(meaning)}</td></tr>"
        for name, value, meaning in rows
    )
    return HTML(
        f'<div class="run-parameters" style="{_PARAMS_STYLE}">'
        "<style>.run-parameters td { padding: 0.1em 0.9em 0.1em 0; vertical-align: top; }"
        # a long value (a path, a list) wraps in its cell instead of squeezing the meanings into one word a line
        ".run-parameters td:nth-child(2) code { white-space: pre-wrap; overflow-wrap: anywhere; }"
        ".run-parameters td:nth-child(2) { min-width: 10em; max-width: 16em; }"
        ".run-parameters td:nth-child(3) { min-width: 18em; }"
        "</style>"
        '<table><caption style="caption-side: top; text-align: left; font-weight: bold;">'
        "Parameters of this run</caption>"
        "<thead><tr><th>parameter</th><th>value</th><th>meaning</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def dropped_shares(report: Any) -> dict[str, float]:
    """Share of the rows read that each cleaning rule dropped (rules that dropped nothing left out).

    Reads ``report.flags`` (rules with ``action == "dropped"``) when the report has
    them, else ``report.dropped`` (rule -> rows).
    """
    read = int(getattr(report, "rows_read", 0) or 0)
    counts: dict[str, int] = {}
    flags = getattr(report, "flags", None)
    if flags:
        for flag in flags:
            if getattr(flag, "action", "") == "dropped" and getattr(flag, "count", 0):
                counts[flag.rule] = counts.get(flag.rule, 0) + int(flag.count)
    else:
        counts = {rule: int(n) for rule, n in (getattr(report, "dropped", None) or {}).items() if n}
    return {rule: n / read for rule, n in counts.items()} if read else {}


def kept_counts(report: Any) -> dict[str, int]:
    """Rows each rule flagged but kept (``report.flags`` with ``action == "kept"``); empty for older reports."""
    counts: dict[str, int] = {}
    for flag in getattr(report, "flags", None) or []:
        if getattr(flag, "action", "") == "kept" and getattr(flag, "count", 0):
            counts[flag.rule] = counts.get(flag.rule, 0) + int(flag.count)
    return counts


def _source_name(report: Any, params: Any) -> str:
    source = str(getattr(report, "source", "") or "")
    if source.startswith(("shop(", "<")):
        return source
    data = _param(params, "data", "")
    if data == "cdnow" or Path(source).name.lower().startswith("cdnow"):
        return f"CDNOW master file ({Path(source).name})" if source else "CDNOW master file"
    return Path(source).name or str(data)


def _param(params: Any, name: str, default: Any = None) -> Any:
    if params is None:
        return default
    if isinstance(params, Mapping):
        return params.get(name, default)
    return getattr(params, name, default)


def _banner_facts(report: Any, params: Any) -> list[str]:
    read, kept = int(report.rows_read), int(report.rows_kept)
    currency = getattr(report, "currency", "") or _param(params, "currency", "") or ""
    facts = [
        f"<strong>Data:</strong> <code>{html.escape(_source_name(report, params))}</code>"
        f" (layout <code>{html.escape(str(getattr(report, 'layout', '?')))}</code>)",
        f"{fmt.count(kept)} of {fmt.count(read)} rows kept ({fmt.share(kept / read if read else float('nan'))})",
        f"{fmt.count(getattr(report, 'customers', float('nan')))} customers",
        f"{html.escape(str(report.first_date))} to {html.escape(str(report.last_date))}",
        f"currency {html.escape(currency)}" if currency else "no currency given",
    ]
    if getattr(report, "has_money", True) is False:  # a log whose mapping leaves out unit_price (or ratings)
        facts[-1] = "no prices in these data"
    return facts


def data_banner(report: Any, params: Any = None, *, warn_share: float = WARN_SHARE) -> HTML:
    """A banner naming the data this page ran on, in ``<div class="data-banner">``.

    It names the file (or the built-in data), the layout, rows kept of read,
    customers, the date range and the currency (the report's, else
    ``params.currency``). A warning line names every rule that dropped more than
    ``warn_share`` of the rows read, and exact duplicate lines that were kept;
    a note lists the rows other rules flagged but kept (extreme values, ...).
    """
    facts = " · ".join(_banner_facts(report, params))
    warnings = [
        f"Cleaning rule <code>{html.escape(rule)}</code> dropped {fmt.share(share)} of the rows read."
        for rule, share in sorted(dropped_shares(report).items(), key=lambda kv: -kv[1])
        if share > warn_share
    ]
    duplicates = int(getattr(report, "duplicates", 0) or 0)
    if duplicates and not _param(params, "drop_duplicates", False):
        kept_dups = int(getattr(report, "duplicates_kept", duplicates) or 0)
        lines_text = plural(duplicates, "exact duplicate line")
        if kept_dups == 0:
            where = "not among the kept rows" if duplicates == 1 else "none of them among the kept rows"
        else:
            where = "among the kept rows" if duplicates == 1 else f"{fmt.count(kept_dups)} of them among the kept rows"
        warnings.append(f"{lines_text}, {where} (set <code>drop_duplicates</code> to drop them).")
    lines = "".join(f'<p class="data-warning" style="{_WARN_STYLE}">⚠ {w}</p>' for w in warnings)
    kept = {rule: n for rule, n in kept_counts(report).items() if rule != "duplicate"}
    if kept:
        listed = ", ".join(f"{plural(n, 'row')} by <code>{html.escape(rule)}</code>" for rule, n in kept.items())
        lines += f'<p class="data-note" style="margin: 0.3em 0 0 0;">Flagged but kept: {listed}.</p>'
    return HTML(f'<div class="data-banner" style="{_BANNER_STYLE}"><p style="margin: 0;">{facts}</p>{lines}</div>')


def findings_box(sentences: Iterable[str], title: str = "What this run found") -> HTML:
    """The "What this run found" block: the run's worded findings as a list, in ``<div class="run-findings">``.

    ``title`` heads the block; give ``""`` when the page's own heading already says it.
    """
    items = "".join(f"<li>{_inline(s)}</li>" for s in sentences if s and str(s).strip())
    if not items:
        raise DataError(
            "findings_box got no findings to show.",
            column="sentences",
            fix="pass the chapter's worded findings (from the chapter's findings module) as a list of sentences",
        )
    head = (
        f'<p class="run-findings-title" style="font-weight: bold; margin: 0 0 0.3em 0;">{html.escape(title)}</p>'
        if title
        else ""
    )
    return HTML(f'<div class="run-findings" style="{_FINDINGS_STYLE}">{head}<ul style="margin: 0;">{items}</ul></div>')


_CSV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def formula_safe(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula, with a leading apostrophe; anything else unchanged.

    The OWASP rule: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a ``'`` in front (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``), unless it
    is a plain number (``-2``, ``+1.5``, ``-3,5``, ``1e-3`` stay). Numbers, dates and
    missing values are not text and pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _safe_labels(index: pd.Index) -> pd.Index:
    """``index`` with its labels and names made safe; unchanged (same type) when none needed it."""
    index = index.set_names([formula_safe(n) for n in index.names])
    if isinstance(index, pd.MultiIndex):
        tuples = [tuple(formula_safe(v) for v in t) for t in index]
        changed = tuples != list(index)
        return pd.MultiIndex.from_tuples(tuples, names=index.names) if changed else index
    safe = [formula_safe(v) for v in index]
    return pd.Index(safe, name=index.name) if any(a is not b for a, b in zip(safe, index, strict=True)) else index


def formula_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells, column names and index labels pass :func:`formula_safe`."""
    out = df.copy()
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        safe = col.astype(object).map(formula_safe, na_action="ignore")
        if not safe.equals(col.astype(object)):
            out.isetitem(j, safe)
    out.columns = _safe_labels(out.columns)
    out.index = _safe_labels(out.index)
    return out


def to_csv(df: pd.DataFrame, path: str | Path, **kwargs: Any) -> None:
    """The book's one CSV writer: ``df.to_csv(path, **kwargs)`` with every text cell, column name and
    index label made safe to open in a spreadsheet (:func:`formula_safe`)."""
    formula_safe_frame(df).to_csv(path, **kwargs)


def csv_columns(df: pd.DataFrame, meanings: Mapping[str, tuple[str, str]], **fill: Any) -> pd.DataFrame:
    """A deliverable described column by column for its page: ``column``, ``unit``, ``meaning``.

    ``meanings`` maps each column (and the index, when it is named) to ``(unit, meaning)``, whose ``{name}``
    fields are filled from ``fill`` (the run's currency, horizon, ...). A column without a meaning is a bug
    in the chapter, said by name, so a deliverable never gains an undescribed column."""
    names = ([df.index.name] if df.index.name else []) + list(df.columns)
    missing = [c for c in names if c not in meanings]
    if missing:
        raise DataError(f"no description for the deliverable's column(s) {missing}", column=", ".join(map(str, missing)),
                        fix="add (unit, meaning) for them to the chapter's column meanings")  # fmt: skip
    rows = [(c, *(part.format(**fill) for part in meanings[c])) for c in names]
    return pd.DataFrame(rows, columns=["column", "unit", "meaning"])


#: The Frictionless Data Package descriptor written beside the deliverables (one resource per CSV).
DESCRIPTOR = "datapackage.json"
_PACKAGE = {"name": "ecommerce-book-deliverables", "title": "The analysts' files of the e-commerce book",
            "description": "Every CSV a chapter of this book wrote, described column by column: name, type, "
                           "unit and meaning, and the data's own id columns as primary keys."}  # fmt: skip
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _field_type(values: pd.Series, unit: str) -> dict:
    """The Table Schema type of a column as :func:`to_csv` writes it (``{"type": ..., "format": ...}``)."""
    if pd.api.types.is_bool_dtype(values):
        return {"type": "boolean"}
    if pd.api.types.is_integer_dtype(values):
        return {"type": "integer"}
    if pd.api.types.is_numeric_dtype(values):
        return {"type": "number"}
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.dropna()
        if getattr(values.dt, "tz", None) is None and bool((stamps == stamps.dt.normalize()).all()):
            return {"type": "date"}  # pandas writes midnight stamps as 2011-12-09
        return {"type": "datetime", "format": "any"}
    if isinstance(values.dtype, pd.PeriodDtype) and str(values.dtype) == "period[M]":
        return {"type": "yearmonth"}
    text = values.dropna().astype(str)
    if unit == "date" and len(text) and bool(text.str.match(_ISO_DAY).all()):
        return {"type": "date"}
    return {"type": "string"}


def _descriptions(columns: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """``column -> (unit, meaning)`` from a columns table (:func:`csv_columns`: ``column, unit, meaning``)."""
    table = columns.reset_index() if "column" not in columns.columns else columns
    missing = [c for c in ("column", "unit", "meaning") if c not in table.columns]
    if missing:
        raise DataError(f"The columns table of a deliverable has no {', '.join(missing)} column.",
                        column=", ".join(missing),
                        fix="describe the file with page.csv_columns (column, unit, meaning)")  # fmt: skip
    return {str(r["column"]): (str(r["unit"]), str(r["meaning"])) for r in table.to_dict("records")}


def table_schema(written: pd.DataFrame, columns: pd.DataFrame, keys: Iterable[str] = ()) -> dict:
    """The Table Schema of ``written`` (the frame as the CSV holds it, index as columns): every column's
    name, type, unit and description from ``columns`` (:func:`csv_columns`), and ``keys`` as primary key.

    A column without a description, a description of a column the file does not have, a key that is no
    column, or keys that repeat a row are bugs of the chapter, said by name."""
    described = _descriptions(columns)
    names = [str(c) for c in written.columns]
    undescribed = [c for c in names if c not in described]
    stale = [c for c in described if c not in names]
    if undescribed or stale:
        raise DataError(
            "The deliverable's columns and their description differ: "
            + "; ".join(p for p in (f"no description for {undescribed}" if undescribed else "",
                                    f"described but not in the file: {stale}" if stale else "") if p),
            column=", ".join(undescribed + stale),
            fix="describe exactly the file's columns (the chapter's column meanings, page.csv_columns)",
        )  # fmt: skip
    keys = [str(k) for k in keys]
    if [k for k in keys if k not in names]:
        raise DataError(f"The deliverable's key(s) {[k for k in keys if k not in names]} are not among its "
                        f"columns {names}.", column=", ".join(keys), fix="name the file's own id columns")  # fmt: skip
    if keys:
        repeated = written.duplicated(subset=[written.columns[names.index(k)] for k in keys], keep=False)
        if repeated.any():
            raise DataError(f"The deliverable's key {keys} repeats on {int(repeated.sum())} rows, so it is "
                            "no key.", column=", ".join(keys), rows=[int(i) for i in written.index[repeated][:5]],
                            fix="key the file by the columns that name one row (the data's own ids)")  # fmt: skip
    fields = []
    for j, name in enumerate(names):
        unit, meaning = described[name]
        fields.append({"name": name, **_field_type(written.iloc[:, j], unit), "unit": unit, "description": meaning})
    schema: dict[str, Any] = {"fields": fields}
    if keys:
        schema["primaryKey"] = keys
    return schema


def write_package(folder: str | Path, resources: Iterable[dict] = ()) -> Path:
    """Add (or replace, by path) ``resources`` in ``folder``'s :data:`DESCRIPTOR`; resources whose CSV is no
    longer in ``folder`` are dropped (with none left, the descriptor is removed). Resources are kept in order
    of their paths. Returns the descriptor's path."""
    folder = Path(folder)
    target = folder / DESCRIPTOR
    try:
        package = json.loads(target.read_text())
        old = package.get("resources", []) if isinstance(package, dict) else []
    except (FileNotFoundError, json.JSONDecodeError):
        old = []
    by_path = {r.get("path"): r for r in old if isinstance(r, dict)}
    by_path.update({r["path"]: r for r in resources})
    kept = [by_path[p] for p in sorted(by_path, key=str) if isinstance(p, str) and (folder / p).is_file()]
    if not kept:  # a Data Package holds at least one resource: no deliverables, no descriptor
        target.unlink(missing_ok=True)
        return target
    text = json.dumps({**_PACKAGE, "resources": kept}, indent=1, ensure_ascii=False) + "\n"
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target


def write_csv(df: pd.DataFrame, name: str, columns: pd.DataFrame, *, keys: Iterable[str] = (),
              title: str = "") -> str:  # fmt: skip
    """Write the analyst's deliverable ``df`` as ``name`` (``.csv`` added if missing) in the working directory,
    with its resource in the Frictionless Data Package descriptor ``datapackage.json`` beside it.

    ``columns`` describes every column (:func:`csv_columns`: ``column, unit, meaning``); ``keys`` names the
    data's own id columns, the file's primary key (checked: no two rows share them). The resource's Table
    Schema gives each column its name, type (from the written values), unit and description
    (:func:`table_schema`). Returns the file name, for the page's ``{download}`` link. The index is written
    when it carries information (a named index or anything but a plain 0..n-1). Text that a spreadsheet
    would run as a formula is written with a leading apostrophe (:func:`to_csv`).
    """
    name = str(name)
    if not name.endswith(".csv"):
        name += ".csv"
    if not _CSV_NAME.match(name):
        raise DataError(
            f"The CSV name {name!r} is not a plain file name.",
            column="name",
            fix="use letters, digits, '_', '-' and '.', no folders, e.g. 'concepts_monthly.csv'",
        )
    plain = isinstance(df.index, pd.RangeIndex) and df.index.name is None and df.index.start == 0
    if not plain and any(n is None for n in df.index.names):
        raise DataError(f"The deliverable {name} has an index without a name, which its file would write "
                        "as a column without a header.", column="index",
                        fix="name the index (df.rename_axis('month')) or reset it")  # fmt: skip
    written = df.reset_index(drop=True) if plain else df.reset_index()
    schema = table_schema(written, columns, keys)
    to_csv(df, Path.cwd() / name, index=not plain)
    stem = re.sub(r"[^a-z0-9._-]", "-", name[: -len(".csv")].lower())
    resource = {"name": stem, "path": name, "type": "table", "format": "csv", "mediatype": "text/csv",
                "encoding": "utf-8", **({"title": title} if title else {}), "schema": schema}  # fmt: skip
    write_package(Path.cwd(), [resource])
    return name


@dataclass
class Step:
    """What one step of a chapter gives the page: glued values, the table shown, data for later steps.

    A chapter's package has one function per step of its notebook, each returning a
    ``Step``; the notebook calls it, publishes the values the prose cites
    (:meth:`publish`), shows ``table`` and passes ``data`` on (``step["name"]``).
    """

    glue: dict[str, Any] = field(default_factory=dict)
    table: pd.DataFrame | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def publish(self) -> dict[str, Any]:
        """Glue every value (sentences as Markdown, so the page cites them with ``{glue:md}``); returns them."""
        from IPython.display import Markdown
        from myst_nb import glue

        for name, value in self.glue.items():
            glue(name, Markdown(value) if isinstance(value, str) else value, display=False)
        return dict(self.glue)


#: The glue name of a progress note: the book's runner prints its text as a progress line when the cell that
#: glued it ends (a chapter says, before a section starts, that it will sample).
PROGRESS_NOTE = "progress_note"


def progress_note(text: str) -> None:
    """Glue ``text`` (Markdown) as the chapter's progress note, shown by ``python -m analysis book`` as one
    line while the chapter runs; nothing when ``text`` is empty."""
    from IPython.display import Markdown
    from myst_nb import glue

    if text:
        glue(PROGRESS_NOTE, Markdown(text), display=False)


#: The PNG text chunk in which :func:`glue_figure` records how many artists showed data (the page lint reads it).
DRAWN_KEY = "analysis-drawn"
#: What the page shows instead of a figure with nothing drawn, when the chapter gives no reason of its own.
EMPTY_FIGURE = "Nothing to show here on these data: every series this figure would draw is empty or not a number."


class FigurePNG:
    """A figure rendered once as PNG, with how many artists showed data in the PNG's text (``DRAWN_KEY``).

    It displays as the figure does (``image/png``, and the figure's own text form, so glued values and their
    fingerprints read as before)."""

    def __init__(self, fig) -> None:
        import io

        from analysis.plots import drawn

        self.drawn = drawn(fig)
        self.text = repr(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight", facecolor=fig.get_facecolor(),
                    edgecolor=fig.get_edgecolor(), metadata={DRAWN_KEY: str(self.drawn)})  # fmt: skip
        self.png = buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return self.text


def empty_figure(reason: str) -> HTML:
    """The sentence a page shows in place of a figure with nothing drawn (class ``empty-figure``)."""
    return HTML(f'<p class="empty-figure" style="font-style: italic;">{_inline(reason)}</p>')


def glue_figure(name: str, fig, *, empty: str = EMPTY_FIGURE) -> int:
    """Glue a matplotlib figure for ``{glue:figure}`` and close it (no second copy on the page).

    The figure is rendered to PNG with a record of how many artists showed data
    (:func:`analysis.plots.drawn`); a figure with none is replaced by ``empty``, a sentence saying why there
    is nothing to show, so the figure keeps its number and caption and no empty axes reach the page.
    Returns the count."""
    import matplotlib.pyplot as plt
    from myst_nb import glue

    picture = FigurePNG(fig)
    plt.close(fig)
    glue(name, picture if picture.drawn else empty_figure(empty), display=False)
    return picture.drawn


def glue_table(name: str, table) -> None:
    """Glue a table (an :func:`analysis.plots.table` Styler) for ``{glue:figure}`` with a ``tab-`` name.

    The page pastes it as a numbered table ("Table 2.3", :mod:`analysis.book.sphinx_tables`),
    its caption in the directive; give the Styler no caption of its own.
    """
    from myst_nb import glue

    glue(name, table, display=False)
