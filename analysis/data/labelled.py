"""Read a labelled table: one row per case (applicant, order, customer), a binary target.

``read_labelled(path, target, positive_label)`` reads

- German Credit's ``german.data`` (whitespace-separated, no header: 20
  attributes and the class, 1 = good, 2 = bad); its columns get the names of
  :data:`GERMAN_COLUMNS` (from ``german.doc``), the coded attributes (A11,
  A12, ...) stay text codes, and the target defaults to ``class`` with 2 (bad)
  as the positive label;
- any CSV / TSV (delimiter sniffed), Parquet or Excel file with a header, the
  target column named by ``target``.

The target must be present, take two values (a third and more only when
``positive_label`` names the one that counts as positive), and not be
constant; every refusal names the file, the column, the values found and the
fix. Rows with a missing target are dropped and counted. The
:class:`LabelledReport` says what was read and kept; it is a
:class:`analysis.chapters._base.Facts`, so the book's needs check reads it as it is
(``customers`` counts the rows kept: applicants, orders or customers).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.canonical import to_number
from analysis.data.facts import Facts
from analysis.data.load import ReadOptions, read_table
from analysis.errors import DataError

__all__ = ["GERMAN_COLUMNS", "GERMAN_LABELS", "LabelledReport", "binary_candidates", "binary_target", "code_columns",
           "is_german", "read_labelled"]

#: German Credit's attributes in file order (german.doc, section 7), then the class.
GERMAN_COLUMNS: tuple[str, ...] = (
    "checking_status", "duration_months", "credit_history", "purpose", "credit_amount",
    "savings", "employment_since", "installment_rate", "personal_status_sex", "other_debtors",
    "residence_since", "property", "age", "other_installment_plans", "housing",
    "existing_credits", "job", "people_liable", "telephone", "foreign_worker", "class",
)  # fmt: skip
#: The codes of German Credit's category attributes (german.doc, section 7), in words.
GERMAN_LABELS: dict[str, dict[str, str]] = {
    "checking_status": {"A11": "below 0 DM", "A12": "0 to 200 DM", "A13": "200 DM or more, or salary",
                        "A14": "no checking account"},
    "credit_history": {"A30": "no credits, or all paid back duly", "A31": "all credits at this bank paid back",
                       "A32": "existing credits paid back so far", "A33": "delays in the past",
                       "A34": "critical account, or credits elsewhere"},
    "purpose": {"A40": "car (new)", "A41": "car (used)", "A42": "furniture, equipment", "A43": "radio, television",
                "A44": "domestic appliances", "A45": "repairs", "A46": "education", "A47": "vacation",
                "A48": "retraining", "A49": "business", "A410": "others"},
    "savings": {"A61": "below 100 DM", "A62": "100 to 500 DM", "A63": "500 to 1000 DM", "A64": "1000 DM or more",
                "A65": "unknown, or no savings account"},
    "employment_since": {"A71": "unemployed", "A72": "below 1 year", "A73": "1 to 4 years", "A74": "4 to 7 years",
                         "A75": "7 years or more"},
    "other_debtors": {"A101": "none", "A102": "co-applicant", "A103": "guarantor"},
    "property": {"A121": "real estate", "A122": "savings agreement, life insurance", "A123": "car or other",
                 "A124": "unknown, or no property"},
    "other_installment_plans": {"A141": "bank", "A142": "stores", "A143": "none"},
    "housing": {"A151": "rent", "A152": "own", "A153": "for free"},
    "job": {"A171": "unemployed, unskilled non-resident", "A172": "unskilled resident",
            "A173": "skilled employee, official", "A174": "management, self-employed, highly qualified"},
    "telephone": {"A191": "none", "A192": "yes, registered"},
    "foreign_worker": {"A201": "yes", "A202": "no"},
    "personal_status_sex": {
        "A91": "male: divorced/separated", "A92": "female: divorced/separated/married",
        "A93": "male: single", "A94": "male: married/widowed", "A95": "female: single",
    },
}  # fmt: skip
GERMAN_SENSITIVE = "personal_status_sex"
#: A text column with more distinct values than this share of the rows is an identifier, not a feature.
ID_SHARE = 0.5
#: A text column whose non-empty cells are numbers in at least this share is a numeric column with junk cells.
NUMERIC_SHARE = 0.9
#: Words of a column name that mark an identifier (customer_id, AccountNo, loan_number, ...).
ID_WORDS = {"id", "ids", "key", "no", "nr", "num", "number", "uuid", "guid", "ref", "reference", "account", "code"}
#: Whole numbers unique per row, all written with this many digits or more, are identifiers (customer numbers).
ID_DIGITS = 6
SHOWN_ROWS = 5
#: Words of a column name that mark category codes (EDUCATION, MARRIAGE, PAY_0 repayment status, loan_type).
CODE_WORDS = {"status", "education", "marriage", "marital", "type", "pay", "grade", "category", "code", "level",
              "sex", "gender"}  # fmt: skip
#: A whole-number column named like codes, with 3 to this many distinct values, is read as categories.
CODE_LEVELS = 12


@dataclass
class LabelledReport(Facts):
    """What was read from a labelled table and kept; the needs' facts (no dates: a table, not a log)."""

    layout: str = "labelled"
    rows_read: int = 0
    rows_kept: int = 0
    target: str = ""
    positive_label: str = ""
    label_chosen: str = ""  # why this positive label (given, the file's convention, the rarer value)
    positives: int = 0
    negatives: int = 0
    features: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    codes_found: list[str] = field(default_factory=list)  # whole numbers read as category codes by their names
    id_columns: list[str] = field(default_factory=list)
    missing_target: int = 0
    sensitive: str = ""  # a column the chapter checks the scores by group on ("" none)
    currency: str = ""
    junk_cells: dict[str, int] = field(default_factory=dict)  # numeric column -> text cells set missing
    junk_rows: list[str] = field(default_factory=list)  # the first of them: row, column, what it said

    @property
    def positive_share(self) -> float:
        return self.positives / self.rows_kept if self.rows_kept else float("nan")

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("table", None)
        return out

    def to_json(self) -> str:
        from analysis.data.report import json_text

        return json_text(self.to_dict())

    def __str__(self) -> str:
        lines = [
            f"data report: {self.source} (layout {self.layout})",
            f"  rows read {self.rows_read:,}, kept {self.rows_kept:,}"
            + (f" ({self.missing_target:,} without a target value dropped)" if self.missing_target else ""),
            f"  target {self.target!r}: positive = {self.positive_label!r} ({self.label_chosen}); "
            f"{self.positives:,} positive, {self.negatives:,} negative",
            f"  features: {len(self.features)} ({len(self.categorical)} categorical)",
        ]
        if self.id_columns:
            lines.append(f"  identifier columns left out of the features: {', '.join(self.id_columns)}")
        if self.junk_cells:
            counts = ", ".join(f"{c} {n:,}" for c, n in self.junk_cells.items())
            total = sum(self.junk_cells.values())
            lines.append(f"  text in numeric columns, set missing (the models fill it with the median): {counts}")
            more = f" (first {len(self.junk_rows)} of {total:,})" if total > len(self.junk_rows) else ""
            lines.append(f"      rows{more}: {'; '.join(self.junk_rows)}")
        return "\n".join(lines)


def is_german(path: str | Path) -> bool:
    """True for German Credit's original file (``german.data``, optionally compressed)."""
    return Path(path).name.lower().split(".gz")[0] in ("german.data",)


def _read_german(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, engine="python")
    if frame.shape[1] != len(GERMAN_COLUMNS):
        raise DataError(
            f"German Credit's german.data has {len(GERMAN_COLUMNS)} fields a line (20 attributes and the class); "
            f"this file has {frame.shape[1]}.",
            source=str(path),
            rows=[" ".join(frame.iloc[0].astype(str))],
            fix="use the original german.data (not german.data-numeric), or rename the file and set target",
        )
    frame.columns = list(GERMAN_COLUMNS)
    for name in ("duration_months", "credit_amount", "installment_rate", "residence_since", "age",
                 "existing_credits", "people_liable"):  # fmt: skip
        frame[name] = pd.to_numeric(frame[name])
    return frame


def _read_any(path: Path, options: ReadOptions | None = None) -> pd.DataFrame:
    """The table as the transaction logs' reader reads it (:func:`analysis.data.load.read_table`: encodings,
    delimiters, decimal marks, containers, Excel sheets); text columns of numbers become numbers in
    :func:`_junk_to_missing`, with the same decimal mark and thousands separator."""
    return read_table(path, options or ReadOptions())


def _missing_target(frame: pd.DataFrame, target: str, source: str) -> DataError:
    columns = [str(c) for c in frame.columns]
    close = difflib.get_close_matches(target, columns, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if not target:
        return DataError(
            "A labelled table needs the name of its label column: target is empty.",
            source=source, parameter="target", rows=[f"columns: {', '.join(columns[:12])}"],
            fix="set target to the column that holds the outcome, e.g. target: " + json.dumps(columns[-1]),
        )  # fmt: skip
    return DataError(
        f"The target column {target!r} is not in the table{hint}.",
        source=source, column=target, rows=[f"columns: {', '.join(columns[:12])}"],
        fix=f"set target to one of the table's columns{', e.g. target: ' + json.dumps(close[0]) if close else ''}",
    )  # fmt: skip


def _text(value) -> str:
    """A target value as the user would type it: 1.0 -> "1", True -> "True"."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def binary_target(values: pd.Series, positive_label: str, *, source: str, column: str) -> tuple[np.ndarray, str, str]:
    """``(y, positive, why)``: 1 where the target equals the positive label, else 0.

    Refuses a constant target, a target with three or more values when no
    ``positive_label`` is given, and a ``positive_label`` the column never takes.
    Without ``positive_label`` a 0/1 or False/True target takes 1 / True, any
    other two values the rarer one.
    """
    text = values.map(_text)
    counts = text.value_counts()
    found = ", ".join(f"{v!r} ({n:,} rows)" for v, n in counts.head(6).items())
    if len(counts) < 2:
        raise DataError(
            f"The target column {column!r} takes one value only ({found}): there is nothing to predict.",
            source=source, column=column, rows=[found],
            fix="check that target names the outcome column, and that the file holds both outcomes",
        )  # fmt: skip
    if positive_label:
        if positive_label not in counts.index:
            raise DataError(
                f"positive_label {positive_label!r} is not a value of the target column {column!r}.",
                source=source, column=column, parameter="positive_label", rows=[f"values: {found}"],
                fix=f"set positive_label to one of: {', '.join(json.dumps(v) for v in counts.index[:6])}; "
                f"e.g. positive_label: {json.dumps(str(counts.index[-1]))}",
            )  # fmt: skip
        return (text == positive_label).to_numpy(np.int8), positive_label, "given"
    if len(counts) > 2:
        raise DataError(
            f"The target column {column!r} is not binary: it takes {len(counts):,} values ({found}).",
            source=source, column=column, rows=[found],
            fix=f"set positive_label to the value that counts as the bad outcome, e.g. positive_label: "
            f"{json.dumps(str(counts.index[-1]))} (every other value then "
            "counts as good), or choose a two-valued target column",
        )  # fmt: skip
    values_set = set(counts.index)
    for positive in ("1", "True", "true", "yes", "Yes", "bad"):
        if positive in values_set:
            return (text == positive).to_numpy(np.int8), positive, f"{positive!r} of {sorted(values_set)}"
    positive = str(counts.index[-1])
    return (text == positive).to_numpy(np.int8), positive, "the rarer of the two values"


def _is_row_number(col: pd.Series) -> bool:
    """A whole-number column that counts the rows (1, 2, 3, ... in some order, or from any start): an id."""
    if len(col) < 20 or not pd.api.types.is_integer_dtype(col) or col.isna().any():
        return False
    return col.is_unique and int(col.max()) - int(col.min()) == len(col) - 1


def _name_words(name: str) -> set[str]:
    """``customerID`` -> {customer, id}; ``loan_no`` -> {loan, no}."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return {w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w}


def _is_numeric_id(name: str, col: pd.Series) -> bool:
    """Whole numbers, one per row, that name a case rather than measure it: a column named like an id
    (customer_id, AccountNo), or numbers all written with :data:`ID_DIGITS` digits or more and the same
    number of digits (customer numbers 100234, 100871, ...); row counters are :func:`_is_row_number`."""
    if len(col) < 20 or col.isna().any() or not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return False
    values = col.to_numpy(dtype="float64")
    if not (np.isfinite(values).all() and (values == np.round(values)).all()) or not col.is_unique:
        return False
    if _name_words(name) & ID_WORDS:
        return True
    digits = {len(str(abs(int(v)))) for v in values}
    return len(digits) == 1 and digits.pop() >= ID_DIGITS


def _columns(frame: pd.DataFrame, codes: Sequence[str] = ()) -> tuple[list[str], list[str], list[str]]:
    """``(features, categorical, ids)``: text columns that nearly every row has its own value of, whole-number
    columns that number the rows, and whole numbers unique per row named or written like ids
    (:func:`_is_numeric_id`) are ids; ``codes`` are numeric columns to read as categories."""
    features, categorical, ids = [], [], []
    for name in frame.columns:
        col = frame[name]
        numeric = pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        if name not in codes and (
            (not numeric and len(col) >= 20 and col.nunique() > ID_SHARE * len(col))
            or _is_row_number(col)
            or _is_numeric_id(name, col)
        ):
            ids.append(str(name))
            continue
        features.append(str(name))
        if not numeric or name in codes:
            categorical.append(str(name))
    return features, categorical, ids


def _junk_to_missing(table: pd.DataFrame, codes: Sequence[str], rows_in_file: np.ndarray,
                     options: ReadOptions | None = None) -> tuple[dict[str, int], list[str]]:
    """Text cells in a column whose other cells are numbers (at least :data:`NUMERIC_SHARE` of the non-empty
    ones) are set missing and the column becomes numeric (in place): ``({column: cells}, first rows)``;
    ``rows_in_file`` gives each row's position in the file (rows without a target are gone).
    One "n/a?" must not turn a numeric column into a category with a level per value."""
    counts: dict[str, int] = {}
    rows: list[tuple[int, str]] = []
    for name in table.columns:
        col = table[name]
        if name in codes or pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        text = col.astype("string").str.strip()
        present = text.notna() & (text != "")
        opts = options or ReadOptions()
        numbers = to_number(text.where(present), decimal=opts.decimal, thousands=opts.thousands)
        parsed = numbers.notna()
        if not present.any() or parsed[present].mean() < NUMERIC_SHARE:
            continue
        junk = present & ~parsed
        table[name] = numbers.astype("float64")
        if junk.any():
            counts[str(name)] = int(junk.sum())
            rows += [
                (int(rows_in_file[i]), f"row {int(rows_in_file[i]) + 1}: {name} {col.iloc[i]!r}")
                for i in np.flatnonzero(junk.to_numpy(dtype=bool))[:SHOWN_ROWS]
            ]
    return counts, [text for _, text in sorted(rows)[:SHOWN_ROWS]]


def code_columns(table: pd.DataFrame, keep_numbers: Sequence[str] = ()) -> list[str]:
    """Numeric columns that hold category codes by their names (a word of :data:`CODE_WORDS`: ``EDUCATION``,
    ``MARRIAGE``, ``PAY_0``) and their values (whole numbers, 3 to :data:`CODE_LEVELS` distinct), except those
    in ``keep_numbers`` (ordered codes the user keeps as numbers)."""
    out = []
    for name in table.columns:
        col = table[name]
        if name in keep_numbers or not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        values = col.dropna()
        if not _name_words(str(name)) & CODE_WORDS or not 2 < values.nunique() <= CODE_LEVELS:
            continue
        if bool((values % 1 == 0).all()):
            out.append(str(name))
    return out


def category_text(col: pd.Series) -> pd.Series:
    """Category labels as text: whole numbers without a trailing ``.0`` (codes read as floats when a value is
    missing), missing values as ``missing``."""
    if not pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        numbers = pd.to_numeric(col, errors="coerce")  # codes read as text ("1.0" from a file written by pandas)
        if col.notna().any() and numbers.notna().sum() == col.notna().sum():
            col = numbers
    if pd.api.types.is_float_dtype(col) and bool((col.dropna() % 1 == 0).all()):
        col = col.astype("Int64")
    return col.astype("string").fillna("missing").astype(str)


def read_labelled(
    path: str | Path, target: str = "", positive_label: str = "", categorical: Sequence[str] = (),
    options: ReadOptions | None = None, numeric_codes: Sequence[str] = (),
) -> tuple[pd.DataFrame, LabelledReport]:
    """Read a labelled table: ``(table, report)``; ``table`` has the features, the first id column the reader
    found (``report.id_columns[0]``, never a feature: it keys the cases in a deliverable) and a 0/1 column ``y``.

    Text columns are categories; whole-number columns named like codes are categories too
    (:func:`code_columns`, listed in ``report.codes_found``) unless ``numeric_codes`` keeps them as numbers
    (ordered codes); ``categorical`` names further numeric columns that hold category codes (1 = graduate
    school, 2 = university, ...) and are read as categories too, not as numbers.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise DataError("The labelled table does not exist.", source=source, parameter="data",
                        fix="set data to the path of a labelled CSV/Parquet file (or German Credit's german.data)")  # fmt: skip
    german = is_german(path)
    frame = _read_german(path) if german else _read_any(path, options)
    if german:
        target = target or "class"
        positive_label = positive_label or ("2" if target == "class" else "")
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[1] < 2:  # said without its content: the file may be anything (a system file, notes)
        raise DataError(
            "The file is not a labelled table: its lines have one field (a table needs its features and a target, "
            "separated by a comma, a semicolon, a tab or |).",
            source=source,
            fix="give a CSV with a header line naming the columns, a Parquet or an Excel file",
        )
    if target not in frame.columns:
        if frame.attrs.get("plain_text"):  # its "columns" are the file's first words: said without them
            raise DataError(
                f"The file is not a labelled table: its lines are words separated by spaces, with no column {target!r}.",
                source=source, parameter="data",
                fix="give a CSV with a header line naming the columns, a Parquet or an Excel file",
            )
        raise _missing_target(frame, target, source)
    rows_read = len(frame)
    has_target = frame[target].notna() & (frame[target].astype(str).str.strip() != "")
    frame = frame.loc[has_target].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"The target column {target!r} is empty in every row.", source=source, column=target,
                        fix="choose the column that holds the outcome")  # fmt: skip
    y, positive, why = binary_target(frame[target], positive_label, source=source, column=target)
    if german and positive_label == "2" and target == "class":
        why = "German Credit: 2 = bad"
    table = frame.drop(columns=[target])
    for parameter, listed in (("categorical", categorical), ("numeric_codes", numeric_codes)):
        unknown = [c for c in listed if c not in table.columns]
        if unknown:
            names = ", ".join(map(repr, unknown))
            raise DataError(f"{parameter} names {len(unknown)} column(s) the table does not have: {names}.",
                            source=source, parameter=parameter,
                            rows=[f"columns: {', '.join(map(str, table.columns[:20]))}"],
                            fix="list feature columns of the table (not the target), spelled as in its header")  # fmt: skip
    codes = list(categorical)
    junk, junk_rows = _junk_to_missing(table, codes, np.flatnonzero(has_target.to_numpy(dtype=bool)), options)
    found = [] if german else [c for c in code_columns(table, numeric_codes) if c not in codes]
    codes += found
    features, categorical, ids = _columns(table, codes)
    table = table[features + ids[:1]].copy()  # the first id column stays, to key the chapter's deliverable
    for name in categorical:
        table[name] = category_text(table[name])
    table["y"] = y
    report = LabelledReport(
        source=source, customers=len(table), repeat_customers=0, days=0, first_date="", last_date="",
        layout="german_credit" if german else "labelled", rows_read=rows_read, rows_kept=len(table),
        target=target, positive_label=positive, label_chosen=why, positives=int(y.sum()),
        negatives=int(len(y) - y.sum()), features=features, categorical=categorical, id_columns=ids,
        codes_found=[c for c in found if c in categorical],
        missing_target=int((~has_target).sum()), sensitive=GERMAN_SENSITIVE if german else "",
        junk_cells=junk, junk_rows=junk_rows,
    )  # fmt: skip
    return table, report


#: Column names that mark a transaction log rather than a labelled table.
_LOG_WORDS = ("date", "time", "invoice", "order", "timestamp", "quantity", "price")


def binary_candidates(path: str | Path) -> list[str] | None:
    """The columns with exactly two values of a table that looks labelled (no date, order or price column),
    or None when the file cannot be read or looks like a transaction log: for a refusal's fix."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        frame = _read_any(path)
    except DataError:
        return None
    names = [str(c).lower() for c in frame.columns]
    if any(w in n for n in names for w in _LOG_WORDS):
        return None
    return [str(c) for c in frame.columns if frame[c].nunique(dropna=True) == 2]

