"""Validation and the cleaning rules of the canonical transactions table.

Validation (:func:`validate_transactions`) refuses a table the book cannot use,
with a :class:`~analysis.errors.DataError` that names the file, the column, a few
rows and the fix. The checks are a pandera schema built from the rules, so each
check is declared once, next to its message.

Cleaning (:func:`clean`) then applies named rules in a fixed order
(:data:`RULE_ORDER`). Each rule that finds rows leaves a :class:`Flag` in the
report (count, first rows, dropped or kept); dropping rules count what they
dropped. The defaults are the convention of the published analyses of the UCI
Online Retail data (drop missing customers, cancellations, non-positive
quantities and prices), plus rows dated after the day of the run (or
``max_date``) or before ``min_date``. Exact duplicate lines are always counted
and dropped on request, because a repeated line can be a legitimate second scan
of the same item; extreme quantities and prices (robust z above
``outlier_threshold``) are flagged and dropped on request; lines that are not
products (postage, carriage, fees, discounts, manual adjustments, samples, gift
vouchers, test codes: :mod:`analysis.data.products`) are always flagged, counted
per code in the report, and dropped on request.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis._checks import check_day, check_number, require_columns  # noqa: F401  (require_columns re-exported)
from analysis.data.params import DEFAULT_MIN_DATE
from analysis.data.products import NON_PRODUCT_CODES, non_product_lines, non_product_summary
from analysis.data.report import READING_RULES, RULE_ORDER, DataReport, Flag, describe_table
from analysis.errors import DataError

if TYPE_CHECKING:
    import pandera.pandas as pa


def _pandera():
    """pandera, imported when a table is first validated: a chapter's kernel that reads the runner's cleaned
    table (:mod:`analysis.data.handoff`) never validates one and spares the import (0.4 s)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import pandera.pandas as pa
    return pa

__all__ = [
    "NON_PRODUCT_CODES",
    "RULE_ORDER",
    "CleaningRules",
    "cancelled_originals",
    "clean",
    "exact_duplicates",
    "robust_center_scale",
    "robust_z",
    "validate_transactions",
]

#: Scale factor that makes the median absolute deviation estimate the standard
#: deviation of a normal distribution (1 / Phi^-1(3/4)).
MAD_SCALE = 1.4826
#: An order id that this many customers or more share is flagged (``shared_order``).
SHARED_ORDER_CUSTOMERS = 5
SHOWN_ROWS = 5


@dataclass(frozen=True)
class CleaningRules:
    """What cleaning drops or flags, and what validation refuses. Every rule is a parameter.

    - ``missing_customer``: drop lines with no customer id.
    - ``cancellation_prefix``: drop orders whose id starts with this text
      (``"C"`` in the UCI data); ``None`` keeps them.
    - ``non_positive_quantity`` / ``non_positive_price``: drop lines with
      quantity <= 0 / unit price <= 0 (returns, free gifts, write-offs).
    - ``net_cancellations``: also drop the earlier lines that the dropped
      cancellations cancel (:func:`cancelled_originals`); they are counted
      and flagged either way.
    - ``duplicates``: drop exact duplicate lines (every column equal to an earlier
      line); they are counted in the report either way.
    - ``drop_non_product``: drop the lines that are not products
      (:func:`analysis.data.products.non_product_lines`: code patterns and
      descriptions); they are flagged and counted per code either way.
    - ``non_product_codes``: more product ids to read as non-products, beside
      what the patterns find (``"default"``: the UCI list, which the patterns
      already find).
    - ``min_date`` / ``max_date``: ISO dates; rows before ``min_date`` or after
      the end of the day ``max_date`` are dropped and flagged. ``max_date=None``
      means the day of the run (a sale cannot lie in the future); ``min_date``
      is 1990-01-01 by default (a 1900 date is a spreadsheet's empty date cell), None for none.
    - ``shared_order``: always on, never drops: rows of orders that more than
      :data:`SHARED_ORDER_CUSTOMERS` (5) or more customers share are flagged (an order belongs to one customer; many
      customers on one order id usually mean the wrong column is mapped).
    - ``outlier_threshold``: a quantity or unit price whose robust z
      (:func:`robust_z`) exceeds it is flagged; ``drop_outliers`` drops it.
    - ``max_unparseable_share``: timestamps or numbers that cannot be parsed are
      dropped and counted while they are at most this share of the rows; above
      it the column is refused (the format is probably wrong).
    - ``negative_price``: ``"drop"`` (with ``non_positive_price``) or ``"error"``.
    - ``nonfinite``: infinite quantities or prices are always refused.
    """

    missing_customer: bool = True
    cancellation_prefix: str | None = "C"
    non_positive_quantity: bool = True
    non_positive_price: bool = True
    duplicates: bool = False
    non_product_codes: tuple[str, ...] = ()
    drop_non_product: bool = False
    max_unparseable_share: float = 0.01
    negative_price: Literal["drop", "error"] = "drop"
    min_date: str | None = DEFAULT_MIN_DATE
    max_date: str | None = None
    outlier_threshold: float = 50.0
    drop_outliers: bool = False
    net_cancellations: bool = False

    def __post_init__(self) -> None:
        if self.negative_price not in ("drop", "error"):
            raise DataError(
                f"Unknown value for the rule negative_price: {self.negative_price!r}.",
                column="negative_price",
                fix="use 'drop' or 'error'",
            )
        if not 0 <= self.max_unparseable_share <= 1:
            raise DataError(
                f"max_unparseable_share must be a share between 0 and 1, got {self.max_unparseable_share!r}.",
                column="max_unparseable_share",
                fix="e.g. 0.01 for one per cent",
            )
        check_number("outlier_threshold", self.outlier_threshold, low=0, open_low=True)
        for name in ("min_date", "max_date"):
            value = getattr(self, name)
            if value:
                check_day(name, value)
        if self.min_date and self.min_date_stamp() >= self.end_stamp():
            raise DataError(
                f"min_date ({self.min_date}) must be before max_date ({self.max_date or 'today'}).",
                column="min_date, max_date",
                fix="choose a min_date earlier than max_date",
            )
        object.__setattr__(self, "non_product_codes", tuple(self.non_product_codes))

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> CleaningRules:
        """Rules from a parameters mapping (unknown names are an error)."""
        values = dict(values or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise DataError(
                f"Unknown cleaning rule(s): {unknown}.",
                column="rules",
                fix=f"known rules: {', '.join(sorted(known))}",
            )
        if values.get("non_product_codes") == "default":
            values["non_product_codes"] = NON_PRODUCT_CODES
        return cls(**values)

    def max_day(self) -> pd.Timestamp:
        """The last day allowed: ``max_date``, or the day of the run."""
        return check_day("max_date", self.max_date) if self.max_date else pd.Timestamp.today().normalize()

    def end_stamp(self) -> pd.Timestamp:
        """The first instant after the allowed range (midnight after ``max_day``)."""
        return self.max_day() + pd.Timedelta(days=1)

    def min_date_stamp(self) -> pd.Timestamp | None:
        return pd.Timestamp(self.min_date).tz_localize(None) if self.min_date else None

    def as_dict(self) -> dict:
        """The rules as plain values, ``max_date`` resolved to the date used."""
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        out["max_date"] = self.max_day().date().isoformat()
        return out


def robust_center_scale(values: pd.Series) -> tuple[float, float]:
    """The median of ``values`` and the robust scale :func:`robust_z` divides by (0.0 when all are equal)."""
    x = values.astype("float64").dropna()
    if x.empty:
        return 0.0, 0.0
    median = float(x.median())
    deviation = (x - median).abs()
    mad = float(deviation.median())
    if mad == 0:  # more than half the values equal the median: the spread of those that differ
        differ = deviation[deviation > 0]
        mad = float(differ.median()) if len(differ) else 0.0
    return median, MAD_SCALE * mad


def robust_z(values: pd.Series) -> pd.Series:
    r"""The robust z-score of each value: :math:`|x - \operatorname{median}(x)| / (1.4826\,\mathrm{MAD})`.

    MAD is the median absolute deviation from the median; 1.4826 makes it
    estimate the standard deviation of normal data, so the score reads like a
    z-score that a few extreme values cannot inflate (Iglewicz & Hoaglin 1993,
    *How to Detect and Handle Outliers*). When more than half the values equal
    the median (quantities that are mostly 1) the MAD is 0; the median absolute
    deviation of the values that differ from the median is used instead, which
    one absurd value cannot inflate either. When every value is equal, z = 0.
    """
    median, scale = robust_center_scale(values)
    if scale == 0:
        return pd.Series(0.0, index=values.index)
    return (values.astype("float64") - median).abs() / scale


def exact_duplicates(raw: pd.DataFrame) -> np.ndarray:
    """For each line, the position of the earlier identical line it repeats, or -1.

    Lines are compared on every column of the input as read (before parsing), so
    "exact duplicate" means what ``raw.duplicated()`` means: the count of
    entries >= 0 equals ``raw.duplicated().sum()``.
    """
    flat = raw.reset_index(drop=True)
    flat.columns = range(flat.shape[1])
    out = np.full(len(flat), -1, dtype=np.int64)
    shared = flat.duplicated(keep=False).to_numpy() if len(flat) else np.zeros(0, dtype=bool)
    if not shared.any():
        return out
    repeated = flat[shared]
    groups = repeated.groupby(list(repeated.columns), dropna=False, sort=False).ngroup()
    first = pd.Series(groups.index, index=groups.index).groupby(groups.to_numpy()).transform("min")
    later = first.index != first.to_numpy()
    out[first.index[later]] = first.to_numpy()[later]
    return out


# --------------------------------------------------------------------------- validation


def _examples(table: pd.DataFrame, mask: pd.Series, column: str, raw: pd.Series | None = None) -> list[str]:
    values = raw if raw is not None else table[column]
    idx = np.flatnonzero(mask.to_numpy())[:5]
    shown = values.iloc[idx].tolist()  # plain Python values, so the message reads '2.5', not np.float64(2.5)
    # row numbers count data rows from 1 (the header is not counted; a spreadsheet shows them one lower)
    return [f"row {i + 1}: {'empty' if pd.isna(v) else repr(v)}" for i, v in zip(idx, shown, strict=True)]


def _schema(rules: CleaningRules, kind: str) -> pa.DataFrameSchema:
    pa = _pandera()
    limit = rules.max_unparseable_share

    def parsed_enough(s: pd.Series) -> bool:
        return bool(s.isna().mean() <= limit) if len(s) else True

    columns = {
        S.CUSTOMER: pa.Column(
            "str",
            pa.Check(lambda s: bool(s.notna().any()), element_wise=False, ignore_na=False, error="blank_everywhere"),
            nullable=True,
        ),
        S.TIMESTAMP: pa.Column(
            "datetime64[us]",
            pa.Check(parsed_enough, element_wise=False, ignore_na=False, error="unparseable"),
            nullable=True,
        ),
        S.QUANTITY: pa.Column(
            "float64",
            [
                pa.Check(parsed_enough, element_wise=False, ignore_na=False, error="unparseable"),
                pa.Check(lambda s: ~np.isinf(s), error="nonfinite"),
            ],
            nullable=True,
        ),
    }
    if kind == "transactions":
        price_checks = [
            pa.Check(parsed_enough, element_wise=False, ignore_na=False, error="unparseable"),
            pa.Check(lambda s: ~np.isinf(s), error="nonfinite"),
        ]
        if rules.negative_price == "error":
            price_checks.append(pa.Check(lambda s: ~(s < 0), error="negative"))
        columns[S.PRICE] = pa.Column("float64", price_checks, nullable=True)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


FIXES = {
    "blank_everywhere": "the customer id column is empty on every row: map the right column "
    "(mapping customer_id=...) or export the customer ids",
    "unparseable_dates": "the dates do not parse: use ISO 8601 (2011-12-09 12:50) or one consistent format, "
    "and give it as date_format (e.g. '%d/%m/%Y %H:%M')",
    "unparseable_numbers": "the numbers do not parse: remove currency signs and units, and say how they are "
    "written with decimal (',' for 2,50) and thousands (',' for 1,234.50; '.' for 1.234,50)",
    "nonfinite": "replace infinite values (inf) with real numbers or remove those rows",
    "mixed_dates": "write the whole column in one format, best ISO 8601 (2011-12-09 12:50; in a spreadsheet, "
    "format the cells as yyyy-mm-dd hh:mm) and export again; date_format reads one format, not two",
    "empty": "fill the empty cells or remove those rows (or map the right column)",
    "negative": "negative prices are refused by the rules (negative_price='error'); fix the rows or set "
    "negative_price='drop' to drop them",
}


def validate_transactions(
    table: pd.DataFrame,
    *,
    source: str | None = None,
    rules: CleaningRules | None = None,
    kind: str = "transactions",
    raw: dict[str, pd.Series] | None = None,
) -> None:
    """Refuse a canonical table the book cannot use (raises :class:`DataError`).

    ``raw`` maps a column to its unparsed values, so that an error can show what
    the file really said on the offending rows.
    """
    rules = rules or CleaningRules()
    missing = [c for c in S.TRANSACTION_REQUIRED if c not in table.columns]
    if missing:
        raise DataError(
            f"Required canonical column(s) absent: {', '.join(missing)}.",
            source=source,
            column=", ".join(missing),
            fix=f"columns found: {', '.join(map(str, table.columns))}; map them with mapping={{...}}",
        )
    raw = raw or {}
    try:
        _schema(rules, kind).validate(table, lazy=True)
    except _pandera().errors.SchemaErrors as err:
        first = err.failure_cases.iloc[0]
        column, check = str(first["column"]), str(first["check"])
        problem, mask, key = _explain(table, column, check, first["failure_case"], rules, raw)
        fix = FIXES.get(key, "convert the column with analysis.data.to_canonical")
        if key == "unparseable_numbers" and column in raw:
            fix = _number_hint(raw[column][mask.to_numpy(dtype=bool)]) + fix
        raise DataError(
            problem,
            source=source,
            column=column,
            rows=_examples(table, mask, column, raw.get(column)),
            fix=fix,
        ) from None


#: How numbers that do not parse are written, and the parameters that read them.
NUMBER_STYLES = (
    (r"-?\d{1,3}(\.\d{3})+(,\d+)?", "they look like 1.234,50: set decimal: ',' and thousands: '.'; "),
    (r"-?\d{1,3}( \d{3})+(,\d+)?", "they look like 1 234,50: set decimal: ',' and thousands: ' '; "),
    (r"-?\d{1,3}(,\d{3})+(\.\d+)?", "they look like 1,234.50: set thousands: ','; "),
    (r"-?\d*,\d+", "they look like 2,50: set decimal: ','; "),
)


def _number_hint(bad: pd.Series) -> str:
    """Which decimal/thousands parameters would read most of the unreadable numbers ("" if none)."""
    text = bad.dropna().astype("str").str.strip()
    for pattern, hint in NUMBER_STYLES:
        if len(text) and text.str.fullmatch(pattern).mean() >= 0.5:
            return hint
    return ""


def _mixed_dates(raw: pd.Series, bad: pd.Series, good: pd.Series) -> str:
    """The problem in words when the unreadable dates are in another known format than the read ones
    (ISO in a day-first column, ...), naming both formats and their shares; "" otherwise."""
    from analysis.data.canonical import DATE_FAMILIES, date_families  # canonical imports nothing from here

    read, unread = date_families(raw[good]), date_families(raw[bad])
    if not read or not unread or set(unread) & set(read):
        return ""
    present = int((bad | good).sum())

    def example(mask: pd.Series) -> str:
        i = int(np.flatnonzero(mask.to_numpy(dtype=bool))[0])
        return f"row {i + 1}: {raw.iloc[i]!r}"

    read_text = " or ".join(DATE_FAMILIES[f] for f in read)
    unread_text = " or ".join(DATE_FAMILIES[f] for f in unread)
    return (
        f"The dates are written in two formats: {good.sum() / present:.0%} {read_text} (e.g. {example(good)}) "
        f"and {bad.sum() / present:.0%} {unread_text} (e.g. {example(bad)}); a column is read with one format, "
        f"so the {int(bad.sum()):,} in the second cannot be read."
    )


def _explain(
    table: pd.DataFrame, column: str, check: str, case: object, rules: CleaningRules, raw: Mapping[str, pd.Series]
) -> tuple[str, pd.Series, str]:
    """The problem in words, the rows it concerns, and the key of its fix, for a failed check."""
    if check == "blank_everywhere":
        return "The customer id is blank on every row.", pd.Series(True, index=table.index), check
    if check == "unparseable":
        missing = table[column].isna()
        empty = raw[column].isna() if column in raw else pd.Series(False, index=table.index)
        bad = missing & ~empty
        what = "dates" if column == S.TIMESTAMP else "numbers"
        if what == "dates" and bad.any() and column in raw:
            mixed = _mixed_dates(raw[column], missing & ~empty, ~missing)
            if mixed:
                return mixed, bad, "mixed_dates"
        problem = (
            f"{missing.mean():.1%} of the values in {column} are missing: {int(empty.sum()):,} empty and "
            f"{int(bad.sum()):,} that cannot be parsed as {what} (at most "
            f"{rules.max_unparseable_share:.1%} are dropped quietly)."
        )
        return problem, bad if bad.any() else missing, f"unparseable_{what}" if bad.any() else "empty"
    if check == "nonfinite":
        return f"{column} has infinite values.", pd.Series(np.isinf(table[column].to_numpy()), index=table.index), check
    if check == "negative":
        return f"{column} has negative values.", table[column] < 0, check
    # a dtype failure means to_canonical was bypassed
    return f"{column} fails the check {check}: {case!r}.", pd.Series(False, index=table.index), check


# --------------------------------------------------------------------------- cleaning


@dataclass
class _Context:
    """What the rules look at: the canonical table and how to name its rows and columns."""

    table: pd.DataFrame
    rules: CleaningRules
    kind: str
    duplicate_of: np.ndarray
    columns: Mapping[str, str]
    raw: Mapping[str, pd.Series]
    dropped_by: dict[str, np.ndarray] = field(default_factory=dict)
    _non_product: pd.Series | None = None

    def non_product_kinds(self) -> pd.Series:
        """Each row's kind of non-product line, or "" (:func:`analysis.data.products.non_product_lines`)."""
        if self._non_product is None:
            self._non_product = non_product_lines(self.table, self.rules.non_product_codes)
        return self._non_product

    def column_name(self, column: str | tuple[str, ...]) -> str:
        """``quantity (Qty)``: the canonical name, and the file's when it differs."""
        if not isinstance(column, str):
            return ", ".join(self.column_name(c) for c in column)
        own = self.columns.get(column)
        return f"{column} ({own})" if own and own != column else column

    def value(self, column: str, i: int) -> str:
        """The value as the file wrote it for timestamps and unreadable cells, else the parsed value."""
        v = self.table[column].iloc[i]
        if (column == S.TIMESTAMP or pd.isna(v)) and column in self.raw:
            v = self.raw[column].iloc[i]
        if pd.isna(v):
            return "empty"
        if isinstance(v, float | np.floating):
            return np.format_float_positional(v, trim="-")
        return repr(v) if isinstance(v, str) else str(v)

    def rows(self, hits: np.ndarray, column: str | tuple[str, ...] | None) -> list[str]:
        """The first few rows hit, as ``row 12 (order 536400): quantity 1e+12``; with several
        columns, the first of them that is missing on that row."""
        out = []
        for i in np.flatnonzero(hits)[:SHOWN_ROWS]:
            order = self.table[S.ORDER].iloc[i]
            label = f"row {i + 1}" + ("" if pd.isna(order) else f" (order {order})")
            if column is None:
                out.append(f"{label} repeats row {self.duplicate_of[i] + 1}")
                continue
            if not isinstance(column, str) and not any(pd.isna(self.table[c].iloc[i]) for c in column):
                out.append(f"{label}: " + ", ".join(f"{c} {self.value(c, i)}" for c in column))
                continue
            name = column if isinstance(column, str) else next(
                (c for c in column if pd.isna(self.table[c].iloc[i])), column[0]
            )
            out.append(f"{label}: {name} {self.value(name, i)}")
        return out


@dataclass
class _Finding:
    """A rule's condition on the whole table, the column it names, and what it does."""

    mask: np.ndarray
    column: str | tuple[str, ...] | None
    what: str
    drops: bool
    fix: str = ""


def _number_columns(ctx: _Context) -> list[str]:
    cols = [S.QUANTITY] if ctx.kind != "transactions" else [S.QUANTITY, S.PRICE]  # purchases: no prices
    if ctx.kind == "interactions" and "rating" in ctx.table:
        cols.append("rating")
    return cols


def _bool(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=bool, na_value=False)


def _find_simple(rule: str, ctx: _Context) -> _Finding | None:
    """The rules that look at one row at a time."""
    t, r = ctx.table, ctx.rules
    ts = t[S.TIMESTAMP]
    if rule == "unparseable_timestamp":
        return _Finding(_bool(ts.isna()), S.TIMESTAMP, "rows with an empty or unreadable timestamp", True)
    if rule == "unparseable_number":
        missing = t[_number_columns(ctx)].isna()
        cols = tuple(c for c in missing.columns if missing[c].any()) or tuple(missing.columns)
        return _Finding(_bool(missing.any(axis=1)), cols, "rows with an empty or unreadable number", True)
    if rule == "before_min_date":
        if not r.min_date:
            return None
        why = "min_date" if r.min_date != DEFAULT_MIN_DATE else 'min_date, by default: earlier dates are not plausible sales; set min_date: "" to keep them'
        return _Finding(_bool(ts < r.min_date_stamp()), S.TIMESTAMP, f"rows dated before {r.min_date} ({why})", True)
    if rule == "after_max_date":
        why = "max_date" if r.max_date else "the day of the run; set max_date to change it"
        what = f"rows dated after {r.max_day():%Y-%m-%d} ({why})"
        return _Finding(_bool(ts >= r.end_stamp()), S.TIMESTAMP, what, True)
    if rule == "missing_customer" and r.missing_customer:
        return _Finding(_bool(t[S.CUSTOMER].isna()), S.CUSTOMER, "rows without a customer id", True)
    if rule == "cancellation" and r.cancellation_prefix and ctx.kind == "transactions":
        hit = _bool(t[S.ORDER].str.startswith(r.cancellation_prefix))
        return _Finding(hit, S.ORDER, f"rows of cancelled orders (order id starting with {r.cancellation_prefix!r})", True)
    if rule == "non_positive_quantity" and r.non_positive_quantity:
        return _Finding(_bool(t[S.QUANTITY] <= 0), S.QUANTITY, "rows with a quantity of 0 or less (returns)", True)
    if rule == "non_positive_price" and r.non_positive_price and ctx.kind == "transactions":
        return _Finding(_bool(t[S.PRICE] <= 0), S.PRICE, "rows with a unit price of 0 or less", True)
    if rule == "non_product" and ctx.kind != "interactions":
        kinds = ctx.non_product_kinds()
        what = "rows that are not products (postage, carriage, fees, discounts, adjustments, samples, vouchers, tests)"
        fix = "" if r.drop_non_product else "set drop_non_product: true to drop them"
        column = (S.PRODUCT, S.DESCRIPTION) if S.DESCRIPTION in t.columns else S.PRODUCT
        return _Finding(_bool(kinds.ne("")), column, what, r.drop_non_product, fix)
    return None


def _find_extreme(column: str, ctx: _Context, keep: np.ndarray) -> _Finding | None:
    """Quantities or prices far from the typical one among the rows still kept."""
    if column == S.PRICE and ctx.kind != "transactions":
        return None
    threshold = ctx.rules.outlier_threshold
    x = ctx.table.loc[keep, column]
    median, scale = robust_center_scale(x)
    mask = np.zeros(len(ctx.table), dtype=bool)
    if scale > 0:
        mask[keep] = ((x - median).abs() > threshold * scale).to_numpy()
    low, high = median - threshold * scale, median + threshold * scale
    limits = f"above {high:,.6g}" + (f" or below {low:,.6g}" if low > x.min() else "") if len(x) else ""
    what = (
        f"rows with an extreme {column}: robust z above outlier_threshold {threshold:g}, "
        f"that is {column} {limits} (median {median:,.6g})"
    )
    fix = "set drop_outliers: true to drop them, or raise outlier_threshold"
    return _Finding(mask, column, what, ctx.rules.drop_outliers, "" if ctx.rules.drop_outliers else fix)


def cancelled_originals(table: pd.DataFrame, cancellations: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """For each row, whether it is an earlier line that a cancellation line cancels.

    Each cancellation line (``cancellations``) is matched to the most recent
    earlier line among ``candidates`` of the same customer and product whose
    quantity is the cancelled quantity (its absolute value) and that no other
    cancellation matched yet; a cancellation with no such line matches nothing.
    Lines at the very same time as the cancellation are not earlier.
    """
    out = np.zeros(len(table), dtype=bool)
    cand = candidates & _bool(table[S.QUANTITY] > 0)
    if not cancellations.any() or not cand.any():
        return out
    keys = [S.CUSTOMER, S.PRODUCT, "_q"]
    frame = table[[S.CUSTOMER, S.PRODUCT, S.TIMESTAMP]].assign(_q=table[S.QUANTITY].abs(), _row=np.arange(len(table)))
    cancels, originals = frame[cancellations], frame[cand]
    originals = originals.merge(cancels[keys].drop_duplicates(), on=keys)
    events = pd.concat([cancels.assign(_kind=0), originals.assign(_kind=1)], ignore_index=True)
    events = events.dropna(subset=[S.CUSTOMER, S.PRODUCT, S.TIMESTAMP, "_q"])
    events = events.sort_values([*keys, S.TIMESTAMP, "_kind"], kind="mergesort")  # at a tie the cancellation comes first
    group = events.groupby(keys, sort=False).ngroup().to_numpy()
    stack: list[int] = []
    last = -1
    for g, kind, row in zip(group, events["_kind"].to_numpy(), events["_row"].to_numpy(), strict=True):
        if g != last:
            stack, last = [], g
        if kind == 1:
            stack.append(int(row))
        elif stack:
            out[stack.pop()] = True
    return out


def _find_cancelled_original(ctx: _Context, keep: np.ndarray) -> _Finding | None:
    """Kept lines that a dropped cancellation (order id prefix, or a negative quantity) cancels."""
    if ctx.kind != "transactions":
        return None
    rules = [r for r in ("cancellation", "non_positive_quantity") if r in ctx.dropped_by]
    if not rules:  # cancellations are kept: nothing cancels anything
        return None
    dropped = np.logical_or.reduce([ctx.dropped_by[r] for r in rules])
    cancellations = dropped & _bool(ctx.table[S.QUANTITY] < 0)
    mask = cancelled_originals(ctx.table, cancellations, keep)
    what = "earlier rows that a dropped cancellation cancels (same customer, product and quantity)"
    fix = "set net_cancellations: true to drop them"
    drops = ctx.rules.net_cancellations
    return _Finding(mask, (S.CUSTOMER, S.PRODUCT, S.QUANTITY), what, drops, "" if drops else fix)


def _find_shared_order(ctx: _Context, keep: np.ndarray) -> _Finding | None:
    """Kept rows of orders that :data:`SHARED_ORDER_CUSTOMERS` or more customers share: an order belongs to one
    customer (two on one order can be a gift or a typing slip; many mean the column is not the order's)."""
    kept = ctx.table.loc[keep, [S.ORDER, S.CUSTOMER]].dropna()
    if kept.empty:
        return None
    per_order = kept.groupby(S.ORDER, sort=False)[S.CUSTOMER].nunique()
    shared = per_order[per_order >= SHARED_ORDER_CUSTOMERS]
    mask = np.zeros(len(ctx.table), dtype=bool)
    if shared.empty:
        return _Finding(mask, S.ORDER, "", False)
    mask[keep] = _bool(ctx.table.loc[keep, S.ORDER].isin(shared.index))
    top = shared.idxmax()
    what = (
        f"rows of {len(shared):,} order{'s' if len(shared) > 1 else ''} that {SHARED_ORDER_CUSTOMERS} or more customers share "
        f"(order {top} has {int(shared.max()):,} customers; an order normally belongs to one customer)"
    )
    fix = "check that order_id is mapped to the order or invoice number (not a store, a day or a batch)"
    return _Finding(mask, (S.ORDER, S.CUSTOMER), what, False, fix)


def _find(rule: str, ctx: _Context, keep: np.ndarray) -> _Finding | None:
    if rule == "shared_order":
        return _find_shared_order(ctx, keep)
    if rule == "cancelled_original":
        return _find_cancelled_original(ctx, keep)
    if rule == "extreme_quantity":
        return _find_extreme(S.QUANTITY, ctx, keep)
    if rule == "extreme_price":
        return _find_extreme(S.PRICE, ctx, keep)
    if rule == "duplicate":
        fix = "" if ctx.rules.duplicates else "set drop_duplicates: true to drop them"
        what = "exact duplicate lines (every column equal to an earlier line)"
        return _Finding(ctx.duplicate_of >= 0, None, what, ctx.rules.duplicates, fix)
    return _find_simple(rule, ctx)


def _flag(rule: str, finding: _Finding, hits: np.ndarray, ctx: _Context) -> Flag:
    """The flag of a rule that found rows: ``count`` is the rows it dropped (or, kept, would drop)."""
    n = int(hits.sum())
    action = "dropped" if finding.drops else "kept"
    if rule == "duplicate":
        total = int(finding.mask.sum())
        what = finding.what.replace("lines ", "line ", 1) if total == 1 else finding.what
        message = (
            f"{total:,} {what} in the input, {n:,} of them among the rows the earlier rules keep: "
            + ("dropped" if finding.drops else f"kept; {finding.fix}")
        )
        return Flag(rule, "all columns", n, ctx.rows(hits, None), action, message)
    what = finding.what.replace("rows ", "row ", 1) if n == 1 else finding.what
    if rule == "cancelled_original":
        what += f", revenue {_revenue(ctx.table, hits):,.2f}"
    if rule == "non_product":
        per_code = non_product_summary(ctx.table[hits], ctx.non_product_kinds()[hits])
        shown = ", ".join(f"{c} ({k}, {r:,} row{'s' if r != 1 else ''})" for c, k, r in
                          per_code[["product_id", "kind", "rows"]].head(SHOWN_ROWS).itertuples(index=False))
        more = f" and {len(per_code) - SHOWN_ROWS:,} more" if len(per_code) > SHOWN_ROWS else ""
        what += f" under {len(per_code):,} code{'s' if len(per_code) != 1 else ''}: {shown}{more}"
    message = f"{n:,} {what}: " + ("dropped" if finding.drops else f"kept; {finding.fix}")
    return Flag(rule, ctx.column_name(finding.column), n, ctx.rows(hits, finding.column), action, message)


def _revenue(table: pd.DataFrame, rows: np.ndarray) -> float:
    return round(float((table[S.QUANTITY][rows] * table[S.PRICE][rows]).sum()), 2) if S.PRICE in table else 0.0


def _check_revenue(ctx: _Context, keep: np.ndarray, source: str) -> None:
    """Refuse revenue that is not a finite number: quantity x unit price, or their sum, beyond the largest float."""
    q = ctx.table[S.QUANTITY].to_numpy(dtype="float64")
    p = ctx.table[S.PRICE].to_numpy(dtype="float64")
    with np.errstate(over="ignore", invalid="ignore"):
        line = q * p
        total = float(np.nansum(line[keep]))
    bad = keep & ~np.isfinite(line) & np.isfinite(q) & np.isfinite(p)
    if not bad.any() and math.isfinite(total):
        return
    if not bad.any():  # every line is finite, their sum is not: show the largest lines
        order = np.argsort(-np.abs(np.where(keep, line, 0.0)))[:SHOWN_ROWS]
        bad = np.zeros(len(q), dtype=bool)
        bad[order] = True
    raise DataError(
        "The revenue is not a finite number: quantity x unit price "
        + ("overflows on some rows" if (keep & ~np.isfinite(line)).any() else "adds up beyond the largest number")
        + f" (above {np.finfo('float64').max:.3g}); such prices or quantities are not real sales.",
        source=source,
        column=ctx.column_name((S.QUANTITY, S.PRICE)),
        rows=ctx.rows(bad, (S.QUANTITY, S.PRICE)),
        fix="correct or remove those rows (a unit price of 1e300 is a typing or export error); "
        "if the column holds another unit, map the right column",
    )


def clean(
    table: pd.DataFrame,
    *,
    rules: CleaningRules | None = None,
    source: str = "<table>",
    layout: str = "canonical",
    kind: str = "transactions",
    duplicate_of: np.ndarray | None = None,
    columns: Mapping[str, str] | None = None,
    raw: Mapping[str, pd.Series] | None = None,
) -> tuple[pd.DataFrame, DataReport]:
    """Apply the rules in :data:`RULE_ORDER`; return (clean table, report).

    A row dropped by an earlier rule is not counted again by a later one, so the
    counts add up: ``rows_read - sum(dropped) == rows_kept``. Each rule that
    finds rows leaves a :class:`Flag`. ``duplicate_of`` (see
    :func:`exact_duplicates`) marks the exact duplicate lines of the file as
    read; by default they are found on ``table`` itself. ``columns`` maps
    canonical names to the file's and ``raw`` holds the unparsed values, both
    only for naming columns and showing rows in the flags.
    """
    rules = rules or CleaningRules()
    table = table.reset_index(drop=True)
    dup = exact_duplicates(table) if duplicate_of is None else np.asarray(duplicate_of)
    ctx = _Context(table, rules, kind, dup, columns or {}, {k: v.reset_index(drop=True) for k, v in (raw or {}).items()})
    keep = np.ones(len(table), dtype=bool)
    dropped: dict[str, int] = {}
    flags: list[Flag] = []
    originals = np.zeros(len(table), dtype=bool)
    non_products = np.zeros(len(table), dtype=bool)
    for rule in RULE_ORDER:
        finding = None if rule in READING_RULES else _find(rule, ctx, keep)
        if finding is None:
            continue
        hits = finding.mask & keep
        if rule == "cancelled_original":
            originals = hits
        if rule == "non_product":
            non_products = hits
        if finding.drops:
            dropped[rule] = int(hits.sum())
            ctx.dropped_by[rule] = hits
            keep &= ~hits
        if hits.any():
            flags.append(_flag(rule, finding, hits, ctx))
    if kind == "transactions":
        _check_revenue(ctx, keep, source)
    out = table[keep].reset_index(drop=True)
    report = DataReport(
        source=source,
        layout=layout,
        kind=kind,
        rows_read=len(table),
        **describe_table(out, kind),
        dropped=dropped,
        rules=rules.as_dict(),
        duplicates=int((dup >= 0).sum()),
        duplicates_kept=int(((dup >= 0) & keep).sum()),
        cancelled_originals=int(originals.sum()),
        cancelled_revenue=_revenue(table, originals) if kind == "transactions" else 0.0,
        flags=flags,
        non_products=(non_product_summary(table[non_products], ctx.non_product_kinds()[non_products])
                      .to_dict("records") if non_products.any() else []),
    )
    return out, report
