"""The canonical schema, the cleaning rules, and the data report.

Validation (:func:`validate_transactions`) refuses a table the book cannot use,
with a :class:`~analysis.errors.DataError` that names the file, the column, a few
rows and the fix. The checks are a pandera schema built from the rules, so each
check is declared once, next to its message.

Cleaning (:func:`clean`) then drops rows by named rules, in a fixed order, and
counts what each rule dropped. The defaults are the convention of the published
analyses of the UCI Online Retail data (drop missing customers, cancellations,
non-positive quantities and prices); exact duplicates and non-product lines
(postage, bank charges, manual adjustments) are opt-in because a repeated line
can be a legitimate second scan of the same item.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis._checks import require_columns  # noqa: F401  (re-exported)
from analysis.errors import DataError

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    import pandera.pandas as pa

__all__ = ["NON_PRODUCT_CODES", "CleaningRules", "DataReport", "clean", "validate_transactions"]

#: Stock codes that are not products in the UCI Online Retail data (postage,
#: Dotcom postage, manual, carriage, bank charges, pads, charity, Amazon fee,
#: discount, samples, bad-debt adjustment). Opt in with ``CleaningRules(non_product_codes=NON_PRODUCT_CODES)``.
NON_PRODUCT_CODES: tuple[str, ...] = (
    "POST", "DOT", "M", "m", "C2", "BANK CHARGES", "PADS", "CRUK", "AMAZONFEE", "D", "S", "B",
)  # fmt: skip

RULE_ORDER = (
    "unparseable_timestamp",
    "unparseable_number",
    "missing_customer",
    "cancellation",
    "non_positive_quantity",
    "non_positive_price",
    "duplicate",
    "non_product",
)


@dataclass(frozen=True)
class CleaningRules:
    """What cleaning drops, and what validation refuses. Every rule is a parameter.

    - ``missing_customer``: drop lines with no customer id.
    - ``cancellation_prefix``: drop orders whose id starts with this text
      (``"C"`` in the UCI data); ``None`` keeps them.
    - ``non_positive_quantity`` / ``non_positive_price``: drop lines with
      quantity <= 0 / unit price <= 0 (returns, free gifts, write-offs).
    - ``duplicates``: drop exact duplicate lines (every column equal).
    - ``non_product_codes``: drop lines whose product id is one of these.
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
    max_unparseable_share: float = 0.01
    negative_price: Literal["drop", "error"] = "drop"

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
        object.__setattr__(self, "non_product_codes", tuple(self.non_product_codes))

    @classmethod
    def from_mapping(cls, values: dict | None) -> CleaningRules:
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


@dataclass
class DataReport:
    """What was read, what was kept, and what each rule dropped."""

    source: str
    layout: str
    kind: str
    rows_read: int
    rows_kept: int
    customers: int
    products: int
    orders: int
    first_date: str | None
    last_date: str | None
    revenue: float | None
    dropped: dict[str, int] = field(default_factory=dict)
    rules: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=False)

    def steps(self) -> pd.DataFrame:
        """One row per rule: rows dropped and rows left after it, in order."""
        left = self.rows_read
        rows = []
        for rule, n in self.dropped.items():
            left -= n
            rows.append({"rule": rule, "rows_dropped": n, "rows_left": left})
        return pd.DataFrame(rows, columns=["rule", "rows_dropped", "rows_left"])

    def __str__(self) -> str:
        rev = "n/a" if self.revenue is None else f"{self.revenue:,.2f}"
        lines = [
            f"data report for {self.source}",
            f"  layout      {self.layout} ({self.kind})",
            f"  rows        {self.rows_read:,} read, {self.rows_kept:,} kept",
            f"  customers   {self.customers:,}",
            f"  products    {self.products:,}",
            f"  orders      {self.orders:,}",
            f"  dates       {self.first_date} .. {self.last_date}",
            f"  revenue     {rev}",
            "  dropped by rule:",
        ]
        lines += [f"    {rule:<24}{n:>10,}" for rule, n in self.dropped.items()]
        return "\n".join(lines)


# --------------------------------------------------------------------------- validation


def _examples(table: pd.DataFrame, mask: pd.Series, column: str, raw: pd.Series | None = None) -> list[str]:
    values = raw if raw is not None else table[column]
    idx = np.flatnonzero(mask.to_numpy())[:5]
    shown = values.iloc[idx].tolist()  # plain Python values, so the message reads '2.5', not np.float64(2.5)
    # row numbers count data rows from 1 (the header is not counted; a spreadsheet shows them one lower)
    return [f"row {i + 1}: {'empty' if pd.isna(v) else repr(v)}" for i, v in zip(idx, shown, strict=True)]


def _schema(rules: CleaningRules, kind: str) -> pa.DataFrameSchema:
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
    "unparseable": "the values do not parse; for dates use ISO 8601 (2011-12-09 12:50) or a single "
    "consistent format, for numbers a dot as the decimal mark and no currency signs or thousands separators",
    "nonfinite": "replace infinite values (inf) with real numbers or remove those rows",
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
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        first = cases.iloc[0]
        column, check = str(first["column"]), str(first["check"])
        if check == "blank_everywhere":
            mask = pd.Series(True, index=table.index)
            problem = "The customer id is blank on every row."
        elif check == "unparseable":
            missing = table[column].isna()
            empty = raw[column].isna() if column in raw else pd.Series(False, index=table.index)
            bad = missing & ~empty
            kind = "dates" if column == S.TIMESTAMP else "numbers"
            problem = (
                f"{missing.mean():.1%} of the values in {column} are missing: {int(empty.sum()):,} empty and "
                f"{int(bad.sum()):,} that cannot be parsed as {kind} (at most "
                f"{rules.max_unparseable_share:.1%} are dropped quietly)."
            )
            mask = bad if bad.any() else missing
            if not bad.any():
                check = "empty"
        elif check == "nonfinite":
            mask = pd.Series(np.isinf(table[column].to_numpy()), index=table.index)
            problem = f"{column} has infinite values."
        elif check == "negative":
            mask = table[column] < 0
            problem = f"{column} has negative values."
        else:  # a dtype failure means to_canonical was bypassed
            mask = pd.Series(False, index=table.index)
            problem = f"{column} fails the check {check}: {first['failure_case']!r}."
        raise DataError(
            problem,
            source=source,
            column=column,
            rows=_examples(table, mask, column, raw.get(column)),
            fix=FIXES.get(check, "convert the column with analysis.datasets.to_canonical"),
        ) from None


# --------------------------------------------------------------------------- cleaning


def _rule_masks(table: pd.DataFrame, rules: CleaningRules, kind: str) -> dict[str, pd.Series | None]:
    """Each rule's condition on the whole table (None: rule off or not applicable)."""
    no = None
    numbers = [S.QUANTITY] if kind == "interactions" else [S.QUANTITY, S.PRICE]
    if kind == "interactions" and "rating" in table:
        numbers.append("rating")
    masks: dict[str, pd.Series | None] = {
        "unparseable_timestamp": table[S.TIMESTAMP].isna(),
        "unparseable_number": table[numbers].isna().any(axis=1),
        "missing_customer": table[S.CUSTOMER].isna() if rules.missing_customer else no,
        "cancellation": (
            table[S.ORDER].str.startswith(rules.cancellation_prefix).fillna(False)
            if rules.cancellation_prefix and kind == "transactions"
            else no
        ),
        "non_positive_quantity": table[S.QUANTITY] <= 0 if rules.non_positive_quantity else no,
        "non_positive_price": (
            table[S.PRICE] <= 0 if rules.non_positive_price and kind == "transactions" else no
        ),
        "duplicate": no,  # computed on the rows still kept, below
        "non_product": (
            table[S.PRODUCT].isin(rules.non_product_codes).fillna(False) if rules.non_product_codes else no
        ),
    }
    return masks


def clean(
    table: pd.DataFrame,
    *,
    rules: CleaningRules | None = None,
    source: str = "<table>",
    layout: str = "canonical",
    kind: str = "transactions",
) -> tuple[pd.DataFrame, DataReport]:
    """Drop rows by the rules, in :data:`RULE_ORDER`; return (clean table, report).

    A row dropped by an earlier rule is not counted again by a later one, so the
    counts add up: ``rows_read - sum(dropped) == rows_kept``.
    """
    rules = rules or CleaningRules()
    masks = _rule_masks(table, rules, kind)
    keep = np.ones(len(table), dtype=bool)
    dropped: dict[str, int] = {}
    for rule in RULE_ORDER:
        if rule == "duplicate":
            if not rules.duplicates:
                continue
            hit = np.zeros(len(table), dtype=bool)
            hit[keep] = table[keep].duplicated().to_numpy()
        else:
            mask = masks[rule]
            if mask is None:
                continue
            hit = mask.to_numpy(dtype=bool, na_value=False) & keep
        dropped[rule] = int(hit.sum())
        keep &= ~hit
    out = table[keep].reset_index(drop=True)
    report = _report(out, source=source, layout=layout, kind=kind, rows_read=len(table), dropped=dropped, rules=rules)
    return out, report


def _report(
    table: pd.DataFrame,
    *,
    source: str,
    layout: str,
    kind: str,
    rows_read: int,
    dropped: dict[str, int],
    rules: CleaningRules,
) -> DataReport:
    ts = table[S.TIMESTAMP]
    revenue = None
    if kind == "transactions":
        revenue = round(float((table[S.QUANTITY] * table[S.PRICE]).sum()), 2)
    return DataReport(
        source=source,
        layout=layout,
        kind=kind,
        rows_read=rows_read,
        rows_kept=len(table),
        customers=int(table[S.CUSTOMER].nunique()),
        products=int(table[S.PRODUCT].nunique()),
        orders=int(table[S.ORDER].nunique()),
        first_date=None if table.empty else ts.min().date().isoformat(),
        last_date=None if table.empty else ts.max().date().isoformat(),
        revenue=revenue,
        dropped=dropped,
        rules={k: list(v) if isinstance(v, tuple) else v for k, v in asdict(rules).items()},
    )
