"""The data report: what was read, what each rule did, and the facts a chapter checks.

:class:`DataReport` is returned with every loaded table. Its :class:`Flag` list
says, rule by rule, how many rows a problem touched, which rows (the first few),
and whether they were dropped or kept, so that a reader never has to trust data
silently. ``str(report)`` is the text the command line prints, ``to_json()`` one
JSON object with the same content.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis import schema as S

__all__ = ["DataReport", "Flag", "describe_table", "json_safe", "json_text"]


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float (inf, -inf, NaN) as None, so that it is valid JSON."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    return value


def json_text(value: Any) -> str:
    """One JSON object: non-finite numbers as null, anything else JSON has no type for as its text."""
    return json.dumps(json_safe(value), allow_nan=False, default=str)

ACTIONS = ("dropped", "kept")


#: The cleaning rules (:mod:`analysis.data.clean`) in the order they run, as the report lists them; the first two look at the file's last line while reading it.
READING_RULES = ("truncated_line", "unterminated_line")
RULE_ORDER = (
    *READING_RULES,
    "unparseable_timestamp",
    "unparseable_number",
    "before_min_date",
    "after_max_date",
    "missing_customer",
    "cancellation",
    "non_positive_quantity",
    "non_positive_price",
    "cancelled_original",
    "extreme_quantity",
    "extreme_price",
    "duplicate",
    "non_product",
    "shared_order",
)


@dataclass(frozen=True)
class Flag:
    """One rule's finding on the data.

    ``rule``: the rule's name (as in :data:`RULE_ORDER`);
    ``column``: the column it looked at (canonical name, the file's name in
    brackets when it differs); ``count``: rows it found among those the earlier
    rules keep, so that a dropping flag's count equals ``report.dropped[rule]``
    (exact duplicates in the whole input are ``report.duplicates``); ``rows``: the first
    few of them as text (``"row 12: timestamp 2031-01-04 10:00"``, data rows
    counted from 1 without the header, or ``"line 78"`` of the file);
    ``action``: ``"dropped"`` or ``"kept"``; ``message``: one sentence for the
    reader, with the parameter that changes the action.
    """

    rule: str
    column: str
    count: int
    rows: list[str]
    action: str
    message: str

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"Flag.action must be one of {ACTIONS}, got {self.action!r}")

    def __str__(self) -> str:
        shown = "; ".join(self.rows)
        more = f" (first {len(self.rows)} of {self.count:,})" if self.count > len(self.rows) else ""
        head = f"{self.rule} ({self.column}), {self.action}: {self.message}"
        return head + (f"\n      rows{more}: {shown}" if shown else "")


@dataclass
class DataReport:
    """What was read, what was kept, what each rule dropped or flagged, and the table's facts.

    ``rows_read - sum(dropped.values()) == rows_kept`` always holds: ``dropped``
    lists every active rule in the order it ran, including those that dropped
    nothing. ``duplicates`` counts exact duplicate lines of the input (every
    column equal to an earlier line), whether they were dropped or not;
    ``duplicates_kept`` those of them among the rows kept.
    ``cancelled_originals`` / ``cancelled_revenue``: the earlier lines (and
    their revenue) that the dropped cancellations cancel, dropped or not
    (``rules["net_cancellations"]`` says which). ``rules_off``: rules the
    layout turns off (rule -> why); :meth:`steps` lists them too.
    ``customers``, ``repeat_customers`` (two or more orders), ``orders``,
    ``days`` (distinct days with a sale) and the date range describe the kept rows.
    ``has_money``: whether the data have unit prices (False for a log whose
    mapping leaves out ``unit_price``, and for ratings): without them
    ``revenue`` is None and the chapters' sections that need money say so.
    ``filled``: the canonical columns the mapping left out, and how each was
    filled (derived order ids, a quantity of 1, absent prices).
    ``non_products``: the lines that are not products (postage, fees, ...;
    :mod:`analysis.data.products`) among those the earlier rules keep, one
    entry per code (``product_id, kind, description, rows, revenue``), dropped
    when ``rules["drop_non_product"]``, else kept and flagged.
    """

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
    currency: str = ""
    encoding: str = ""
    duplicates: int = 0
    repeat_customers: int = 0
    days: int = 0
    flags: list[Flag] = field(default_factory=list)
    duplicates_kept: int = 0
    cancelled_originals: int = 0
    cancelled_revenue: float = 0.0
    rules_off: dict[str, str] = field(default_factory=dict)
    sheet: str = ""
    other_sheets: list[str] = field(default_factory=list)
    ids_rewritten: dict[str, int] = field(default_factory=dict)
    timezone: str = ""
    has_money: bool = True
    filled: dict[str, str] = field(default_factory=dict)
    non_products: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json_text(self.to_dict())

    def share_dropped_by(self, rule: str) -> float:
        """The share of the rows read that ``rule`` dropped (0.0 when it dropped none or did not run)."""
        return self.dropped.get(rule, 0) / self.rows_read if self.rows_read else 0.0

    def flag(self, rule: str) -> Flag | None:
        """The flag of ``rule``, or None when the rule found nothing."""
        return next((f for f in self.flags if f.rule == rule), None)

    def steps(self) -> pd.DataFrame:
        """One row per rule: rows dropped and rows left after it, in order.

        A rule the layout turns off (``rules_off``) has a row too, at its place
        in the order, with 0 rows dropped and ``note`` "off for this layout: why".
        """
        left = self.rows_read
        rows = []
        for rule in [r for r in RULE_ORDER if r in self.dropped or r in self.rules_off]:
            n = self.dropped.get(rule, 0)
            left -= n
            note = f"off for this layout: {self.rules_off[rule]}" if rule in self.rules_off else ""
            rows.append({"rule": rule, "rows_dropped": n, "rows_left": left, "note": note})
        for rule in [r for r in self.dropped if r not in RULE_ORDER]:  # reading rules named elsewhere
            left -= self.dropped[rule]
            rows.append({"rule": rule, "rows_dropped": self.dropped[rule], "rows_left": left, "note": ""})
        return pd.DataFrame(rows, columns=["rule", "rows_dropped", "rows_left", "note"])

    def _currency_text(self) -> str:
        if self.currency:
            return self.currency
        if self.kind != "transactions":
            return "n/a (no prices in these data)"
        return "not known (set the currency parameter)"

    def _sheet_lines(self) -> list[str]:
        if not self.sheet:
            return []
        others = ", ".join(repr(s) for s in self.other_sheets)
        return [f"  sheet       {self.sheet!r}" + (f" (not read: {others}; set sheet to read another)" if others else "")]

    def _id_lines(self) -> list[str]:
        return [
            f"  ids         {column}: {n:,} written as integral floats (17850.0), read as integers (17850)"
            for column, n in self.ids_rewritten.items()
        ]
    def _left_out_lines(self) -> list[str]:
        """``  left out    quantity: derived: 1 on every line``, one line per column the mapping left out."""
        return [f"  {'left out' if i == 0 else '':<12}{col}: {how}" for i, (col, how) in enumerate(self.filled.items())]

    def _non_product_lines(self) -> list[str]:
        """The lines that are not products, one line per code (rows and revenue)."""
        if not self.non_products:
            return []
        action = "dropped" if self.rules.get("drop_non_product") else "kept (drop_non_product: true drops them)"
        out = [f"  not products, {action}:"]
        for e in self.non_products:
            money = f", revenue {e['revenue']:,.2f}" if self.has_money else ""
            out.append(f"    {e['product_id']:<14}{e['kind']:<14}{e['rows']:>8,} rows{money}  {e['description']}")
        return out

    def __str__(self) -> str:
        rev = "n/a" if self.revenue is None else f"{self.revenue:,.2f}" + (f" {self.currency}" if self.currency else "")
        rev += " (no prices in these data)" if not self.has_money else ""
        dup_action = "dropped" if self.rules.get("duplicates") else "kept"
        lines = [
            f"data report for {self.source}",
            f"  layout      {self.layout} ({self.kind})",
            f"  encoding    {self.encoding or 'n/a (not a text file)'}",
            *self._sheet_lines(),
            f"  rows        {self.rows_read:,} read, {self.rows_kept:,} kept",
            f"  customers   {self.customers:,} ({self.repeat_customers:,} with two or more orders)",
            f"  products    {self.products:,}",
            f"  orders      {self.orders:,}",
            *self._id_lines(),
            f"  dates       {self.first_date} .. {self.last_date} ({self.days:,} days with a sale)",
            *([f"  time zone   {self.timezone}"] if self.timezone else []),
            f"  revenue     {rev}",
            f"  currency    {self._currency_text()}",
            *self._left_out_lines(),
            f"  duplicates  {self.duplicates:,} exact duplicate line{'' if self.duplicates == 1 else 's'}"
            f" ({dup_action if self.duplicates else 'none'})",
            "  dropped by rule:",
        ]
        lines += [f"    {rule:<24}{n:>10,}" for rule, n in self.dropped.items()]
        lines += [f"    {rule:<24}{'off':>10}  (off for this layout: {why})" for rule, why in self.rules_off.items()]
        lines += self._non_product_lines()
        lines.append("  flags:" if self.flags else "  flags:      none")
        lines += [f"    {flag}" for flag in self.flags]
        return "\n".join(lines)


def describe_table(table: pd.DataFrame, kind: str) -> dict:
    """The facts of a cleaned table that the report carries (counts, dates, revenue)."""
    ts = table[S.TIMESTAMP]
    orders_per_customer = table.groupby(S.CUSTOMER, sort=False)[S.ORDER].nunique()
    revenue = None
    if kind == "transactions":
        revenue = round(float((table[S.QUANTITY] * table[S.PRICE]).sum()), 2)
    return {
        "rows_kept": len(table),
        "customers": int(table[S.CUSTOMER].nunique()),
        "repeat_customers": int((orders_per_customer >= 2).sum()),
        "products": int(table[S.PRODUCT].nunique()),
        "orders": int(table[S.ORDER].nunique()),
        "days": int(ts.dt.normalize().nunique()),
        "first_date": None if table.empty else ts.min().date().isoformat(),
        "last_date": None if table.empty else ts.max().date().isoformat(),
        "revenue": revenue,
    }
