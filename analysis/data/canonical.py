"""Known column layouts and the canonical transactions table.

A raw table (every column as the file holds it) becomes the canonical table
``order_id, customer_id, product_id, quantity, unit_price, timestamp`` (plus the
optional columns) here: :func:`detect_layout` recognises a known layout by its
column names, or a user mapping names the columns; numbers are parsed with the
given decimal mark and thousands separator, timestamps with ONE format per
column (detected, the layout's, or ``date_format``).

Logs with less: a mapping may leave out ``order_id``, ``quantity`` and
``unit_price`` (:data:`LEFT_OUT`). The canonical table keeps all six columns:
a left-out ``order_id`` is derived (an order is a customer's purchases on one
day, ``<customer>-<YYYY-MM-DD>``), a left-out ``quantity`` is 1 on every line,
and a left-out ``unit_price`` is present but missing on every line: such a
table has no money (layout kind ``"purchases"``; the data report says
``has_money`` False, revenue n/a, and which columns were derived or absent, in
``filled``). Rules that look at prices or at order ids stand down with a note
(``Layout.rules_off``); chapters say in their needs which sections need money.
"""

from __future__ import annotations

import difflib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import DataError

__all__ = ["DATE_FAMILIES", "DATE_FORMATS", "LAYOUTS", "LEFT_OUT", "Layout", "canonical_table", "date_families",
           "detect_layout", "mapped_layout", "to_canonical", "to_number"]


@dataclass(frozen=True)
class Layout:
    """A known column layout and how it maps onto the canonical table.

    ``columns`` maps canonical name -> the layout's column name. ``kind`` is
    ``"transactions"``, ``"purchases"`` (a purchase log without prices: a mapping
    that leaves out ``unit_price``) or ``"interactions"`` (ratings without prices).
    ``timestamp_format`` is passed to :func:`pandas.to_datetime`; ``"epoch"``
    means Unix seconds. ``date_order`` says how the layout's text dates are
    written when the values alone cannot tell. ``amount_column`` names a line total to divide by the
    quantity when the layout has no unit price (CDNOW).
    """

    name: str
    columns: Mapping[str, str]
    kind: str = "transactions"
    timestamp_format: str | None = None
    amount_column: str | None = None
    header: bool = True
    description: str = ""
    extra: tuple[str, ...] = field(default_factory=tuple)
    rule_defaults: Mapping[str, object] = field(default_factory=dict)
    #: why a rule that ``rule_defaults`` turns off is off for this layout (rule -> reason)
    rules_off: Mapping[str, str] = field(default_factory=dict)
    date_order: str | None = None  # "month_first" or "day_first": settles dates like 1/2/2011
    currency: str = ""  # ISO 4217 code of the layout's money columns, when the data set is known
    #: canonical columns the layout leaves out, and how they are filled (column -> what the report says)
    filled: Mapping[str, str] = field(default_factory=dict)

    @property
    def source_columns(self) -> set[str]:
        cols = set(self.columns.values()) | set(self.extra)
        if self.amount_column:
            cols.add(self.amount_column)
        return cols


LAYOUTS: dict[str, Layout] = {
    "online_retail": Layout(
        name="online_retail",
        description="UCI Online Retail (Chen, Sain & Guo 2012)",
        columns={
            S.ORDER: "InvoiceNo",
            S.PRODUCT: "StockCode",
            S.DESCRIPTION: "Description",
            S.QUANTITY: "Quantity",
            S.TIMESTAMP: "InvoiceDate",
            S.PRICE: "UnitPrice",
            S.CUSTOMER: "CustomerID",
            S.COUNTRY: "Country",
        },
        date_order="month_first",  # the UCI CSV export writes 12/1/2010 8:26 for 1 December
        currency="GBP",
    ),
    "online_retail_ii": Layout(
        name="online_retail_ii",
        description="UCI Online Retail II (second edition)",
        columns={
            S.ORDER: "Invoice",
            S.PRODUCT: "StockCode",
            S.DESCRIPTION: "Description",
            S.QUANTITY: "Quantity",
            S.TIMESTAMP: "InvoiceDate",
            S.PRICE: "Price",
            S.CUSTOMER: "Customer ID",
            S.COUNTRY: "Country",
        },
        date_order="month_first",
        currency="GBP",
    ),
    "cdnow": Layout(
        name="cdnow",
        description="CDNOW master file (Fader, Hardie & Lee 2005)",
        columns={S.CUSTOMER: "customer_id", S.TIMESTAMP: "date", S.QUANTITY: "number_of_cds"},
        amount_column="dollar_value",
        timestamp_format="%Y%m%d",
        # zero-dollar purchases are purchase occasions in Fader, Hardie & Lee's counts
        rule_defaults={"non_positive_price": False},
        rules_off={
            "non_positive_price": "zero-dollar purchases are purchase occasions in Fader, Hardie & Lee's counts, so they are kept"
        },
        currency="USD",
    ),
    "movielens": Layout(
        name="movielens",
        description="MovieLens u.data (user item rating timestamp, no header)",
        kind="interactions",
        columns={S.CUSTOMER: "user", S.PRODUCT: "item", S.TIMESTAMP: "timestamp"},
        extra=("rating",),
        timestamp_format="epoch",
        header=False,
    ),
    "canonical": Layout(
        name="canonical",
        description="the book's canonical transactions table",
        columns={c: c for c in S.TRANSACTION_REQUIRED},
    ),
}

MOVIELENS_NAMES = ["user", "item", "rating", "timestamp"]


# --------------------------------------------------------------------------- layouts


def _looks_like_movielens(df: pd.DataFrame) -> bool:
    if list(df.columns) != [f"column_{i}" for i in range(1, 5)]:
        return False
    head = df.head(200).apply(pd.to_numeric, errors="coerce")
    if head.isna().any().any():
        return False
    ratings_ok = head["column_3"].between(0, 10).all()
    epoch_ok = head["column_4"].gt(1e8).all()
    return bool(ratings_ok and epoch_ok)


def detect_layout(df: pd.DataFrame, *, source: str | None = None) -> Layout:
    """Recognise a known layout from the column names (or, headerless, the shape).

    Raises :class:`DataError` listing the columns found and, for each canonical
    column, the closest name in the file, so that the user can write a mapping.
    """
    if _looks_like_movielens(df):
        return LAYOUTS["movielens"]
    found = set(df.columns)
    for layout in LAYOUTS.values():
        if layout.header and layout.source_columns <= found:
            return layout
    problem = "The columns do not match a known layout, and no column mapping was given."
    near = max(
        (lay for lay in LAYOUTS.values() if lay.header and lay.name != "canonical"),
        key=lambda lay: len(lay.source_columns & found),
    )
    missing = sorted(near.source_columns - found)
    if len(near.source_columns & found) >= len(near.source_columns) / 2:
        problem = (
            f"The columns look like the layout {near.name} ({near.description}), but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing."
        )
    unnamed = sum(str(c).startswith("Unnamed") or str(c).strip() == "" for c in df.columns)
    if unnamed >= max(1, len(df.columns) / 2):
        problem += " Most columns have no name: the header is probably not on the first row."
    raise DataError(
        problem,
        source=source,
        column=", ".join(map(str, df.columns)),
        fix=("delete the title rows above the header, or " if unnamed >= max(1, len(df.columns) / 2) else "")
        + _mapping_hint(df.columns),
    )


def _norm(name: str) -> str:
    return str(name).lower().replace(" ", "").replace("_", "").replace("-", "")


def _closest(name: str, candidates, *, cutoff: float = 0.75) -> str | None:
    """The candidate column most like ``name`` (None when nothing is close)."""
    lowered = {_norm(c): str(c) for c in candidates}
    match = difflib.get_close_matches(_norm(name), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


SYNONYMS = {
    S.ORDER: ["orderid", "invoiceno", "invoice", "ordernumber", "order", "transactionid"],
    S.CUSTOMER: ["customerid", "customer", "clientid", "client", "userid", "user", "buyer"],
    S.PRODUCT: ["productid", "stockcode", "sku", "product", "itemid", "item", "article"],
    S.QUANTITY: ["quantity", "qty", "units", "numberofcds", "count"],
    S.PRICE: ["unitprice", "price", "priceeach", "amount"],
    S.TIMESTAMP: ["timestamp", "invoicedate", "orderdate", "datetime", "date", "time"],
}


def _guess(canonical: str, columns) -> str | None:
    """A column that probably holds ``canonical``: a synonym by name, else a close spelling."""
    normed = {_norm(c): str(c) for c in columns}
    for word in SYNONYMS.get(canonical, []):
        if word in normed:
            return normed[word]
    for word in SYNONYMS.get(canonical, []):
        for key, original in normed.items():
            if key.startswith(word) and len(word) >= 4:
                return original
    return _closest(canonical, columns)


def _mapping_hint(columns) -> str:
    parts = []
    for canonical in S.TRANSACTION_REQUIRED:
        guess = _guess(canonical, columns)
        parts.append(f"{canonical}={guess!r}" if guess else f"{canonical}=?")
    return (
        "pass a column mapping canonical=your_column, e.g. "
        + ", ".join(parts)
        + " (python: load_transactions(path, mapping={...}); shell: python -m analysis report PATH --map order_id=...; make: a 'mapping:' entry in PARAMS=params.yaml)"
        + "; order_id, quantity and unit_price may be left out (an order is then a customer's day, a quantity 1, "
        "and there is no money)"
    )


# --------------------------------------------------------------------------- canonical


@dataclass
class ParseNotes:
    """What parsing changed that the report must say: ids rewritten (column -> cells, e.g. 17850.0 ->
    17850), ids the column wrote both ways (column -> a few of them), and the time zone note."""

    ids_rewritten: dict[str, int] = field(default_factory=dict)
    ids_merged: dict[str, list[str]] = field(default_factory=dict)
    timezone: str = ""



#: An id written as an integral float: 17850.0, -3.00 (a spreadsheet or a float column saved as text).
INTEGRAL_FLOAT = r"(-?\d+)\.0+"


def _as_id(values: pd.Series) -> tuple[pd.Series, int, list[str]]:
    """Ids as text, normalised value by value: ``(ids, rewritten, merged)``.

    An integral float (17850.0, or the text ``"17850.0"``) is the integer 17850,
    so ``13085`` and ``13085.0`` in one column are one id; blanks and NaN are
    missing. ``rewritten`` counts the cells whose text changed that way;
    ``merged`` lists (a few) ids that the column writes both ways.
    """
    if pd.api.types.is_float_dtype(values):  # vectorised: whole numbers as integers, the rest as written
        x = values.astype("float64")  # a nullable Float64 column too
        whole = pd.Series(np.isfinite(x) & (x == np.floor(x)) & (x.abs() < 2**53), index=values.index)
        out = pd.Series(pd.NA, index=values.index, dtype="str")
        out[whole] = x[whole].astype("int64").astype("str")
        rest = x.notna() & ~whole
        if rest.any():
            out[rest] = x[rest].astype("str")
        return out, int(whole.sum()), []
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("str").where(values.notna(), pd.NA).astype("str"), 0, []
    text = values.astype("str").str.strip()  # an object column's Python floats read 17850.0
    text = text.where(values.notna() & text.notna() & (text != "") & (text.str.lower() != "nan"), pd.NA)
    text = text.astype("str")
    out = text.copy()
    candidates = text.str.endswith("0").fillna(False).astype(bool)  # only 17850.0-like cells can change
    out[candidates] = text[candidates].str.replace(f"^{INTEGRAL_FLOAT}$", r"\1", regex=True)
    changed = (text.notna() & (out != text)).fillna(False).astype(bool)
    merged: list[str] = []
    if changed.any():
        plain = set(out[text.notna() & ~changed].unique())
        merged = [v for v in pd.unique(out[changed]) if v in plain][:5]
    return out, int(changed.sum()), merged


def to_number(values: pd.Series, *, decimal: str = ".", thousands: str = "") -> pd.Series:
    """Numbers from text, with ``decimal`` ("." or ",") as the decimal mark and
    ``thousands`` ("" for none) removed: ``"1.234,5"`` -> 1234.5 with
    ``decimal=","``, ``thousands="."``. Numeric columns pass unchanged; what
    does not parse becomes missing (counted and, above a share, refused later).
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    if decimal != "." or thousands:
        is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        text = values[is_text].astype("str").str.strip()
        for mark in (thousands, "\u00a0", "\u202f") if thousands == " " else (thousands,):
            if mark:
                text = text.str.replace(mark, "", regex=False)
        if decimal == ",":
            text = text.str.replace(",", ".", regex=False)
        values = values.astype(object).copy()
        values[is_text] = text.to_numpy(dtype=object)
    return pd.to_numeric(values, errors="coerce").astype("float64")


def to_canonical(
    df: pd.DataFrame,
    layout: Layout | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str | None = None,
    date_format: str | None = None,
    decimal: str = ".",
    thousands: str = "",
) -> tuple[pd.DataFrame, Layout]:
    """Rename and parse a raw table into the canonical transactions table.

    Numbers and timestamps that cannot be parsed become missing here and are
    counted (and, above a threshold, refused) by :func:`analysis.data.clean.clean`.
    ``date_format`` (strftime codes, e.g. ``"%d/%m/%Y %H:%M"``) overrides the
    detection of the timestamp format; ``decimal`` and ``thousands`` say how
    numbers are written (see :func:`to_number`).
    """
    table, layout, _, _ = canonical_table(
        df, layout, mapping=mapping, source=source, date_format=date_format, decimal=decimal, thousands=thousands
    )
    return table, layout


def _choose_layout(df: pd.DataFrame, layout: Layout | None, mapping: Mapping[str, str] | None,
                   source: str | None) -> tuple[pd.DataFrame, Layout]:  # fmt: skip
    """The layout to use (a mapping's, the given one, or the detected one) and the frame it names."""
    if mapping:
        unknown = sorted(set(mapping) - set(S.TRANSACTION_REQUIRED) - set(S.TRANSACTION_OPTIONAL))
        if unknown:
            raise DataError(
                f"The column mapping names unknown canonical columns: {unknown}.",
                source=source,
                fix=f"map only these: {', '.join(S.TRANSACTION_REQUIRED + S.TRANSACTION_OPTIONAL)}",
            )
        layout = mapped_layout(mapping, source=source)
    elif layout is None:
        layout = detect_layout(df, source=source)
    if layout.name == "movielens" and list(df.columns) != MOVIELENS_NAMES:
        df = df.set_axis(MOVIELENS_NAMES, axis=1)
    missing = [src for src in layout.source_columns if src not in df.columns]
    if missing:
        closest = {m: _closest(m, df.columns, cutoff=0.5) for m in missing}
        raise DataError(
            f"Required column(s) absent: {', '.join(missing)}.",
            source=source,
            column=", ".join(missing),
            fix=f"columns found: {', '.join(map(str, df.columns))}; closest names: "
            + ", ".join(f"{m} -> {c}" for m, c in closest.items())
            + "; rename the column or pass a mapping",
        )
    return df, layout


def _prices_and_orders(out: pd.DataFrame, df: pd.DataFrame, layout: Layout, number) -> None:
    """Fill unit price and order id by the layout's kind (in place)."""
    if layout.kind == "interactions":
        out[S.QUANTITY] = 1.0
        out[S.PRICE] = np.nan
        out["rating"] = pd.to_numeric(df["rating"], errors="coerce")
        out[S.ORDER] = df["user"].astype("str") + "-" + df["timestamp"].astype("str")
    elif layout.amount_column:
        amount = number(df[layout.amount_column])
        with np.errstate(divide="ignore", invalid="ignore"):
            out[S.PRICE] = (amount / out[S.QUANTITY]).round(4)
        out[S.PRODUCT] = "CD"
        # one purchase occasion (customer, day) is one order
        cust, day = df[layout.columns[S.CUSTOMER]], df[layout.columns[S.TIMESTAMP]]
        out[S.ORDER] = cust.astype("str") + "-" + day.astype("str")
    else:
        out[S.PRICE] = number(out[S.PRICE])


# --------------------------------------------------------------------------- logs with less

#: The canonical columns a mapping may leave out, and what the data report says of each then.
LEFT_OUT: dict[str, str] = {
    S.ORDER: "derived: an order is a customer's purchases on one day",
    S.QUANTITY: "derived: 1 on every line",
    S.PRICE: "absent: no unit prices, so no money (revenue and spend are not known)",
}
#: What every mapping must name.
MAPPING_NEEDS = (S.CUSTOMER, S.PRODUCT, S.TIMESTAMP)
#: Why a rule stands down when the mapping leaves out what it looks at (rule -> reason).
LEFT_OUT_RULES = {
    S.PRICE: {
        "cancellation": "no unit prices in these data (unit_price not mapped): no cancellations to net",
        "non_positive_price": "no unit prices in these data (unit_price not mapped)",
        "cancelled_original": "no unit prices in these data (unit_price not mapped)",
        "extreme_price": "no unit prices in these data (unit_price not mapped)",
    },
    S.ORDER: {"cancellation": "order ids are derived (order_id not mapped), so none marks a cancellation"},
}


def mapped_layout(mapping: Mapping[str, str], *, source: str | None = None) -> Layout:
    """The layout of a user's column mapping, which may leave out ``order_id``, ``quantity`` and
    ``unit_price`` (:data:`LEFT_OUT`) but must name a customer, a product and a timestamp."""
    mapping = {k: v for k, v in mapping.items() if v not in (None, "")}
    absent = [c for c in MAPPING_NEEDS if c not in mapping]
    if absent:
        raise DataError(
            f"The column mapping does not name {', '.join(absent)}: every log needs a customer, a product "
            "and a timestamp column.",
            source=source,
            column=", ".join(absent),
            fix="add " + ", ".join(f"{c}: <your column>" for c in absent) + " to the mapping "
            "(order_id, quantity and unit_price may be left out)",
        )
    filled = {c: why for c, why in LEFT_OUT.items() if c not in mapping}
    off: dict[str, str] = {}
    for column in (S.ORDER, S.PRICE):
        if column in filled:
            off.update({r: why for r, why in LEFT_OUT_RULES[column].items() if r not in off})
    defaults: dict[str, object] = {"cancellation_prefix": None} if "cancellation" in off else {}
    if S.PRICE in filled:
        defaults["non_positive_price"] = False
    return Layout(
        name="mapped",
        columns=dict(mapping),
        description="a user-given column mapping",
        kind="purchases" if S.PRICE in filled else "transactions",
        filled=filled,
        rule_defaults=defaults,
        rules_off=off,
    )


def _fill_left_out(out: pd.DataFrame, layout: Layout) -> None:
    """Quantity 1 and a missing unit price where the mapping leaves them out; the order id is a
    placeholder here, derived by :func:`_day_orders` once the customer ids are normalised (in place)."""
    if S.QUANTITY in layout.filled:
        out[S.QUANTITY] = 1.0
    if S.PRICE in layout.filled:
        out[S.PRICE] = np.nan
    if S.ORDER in layout.filled:
        out[S.ORDER] = out[S.CUSTOMER]


def _day_orders(out: pd.DataFrame) -> pd.Series:
    """One order per customer and day: ``<customer id>-<YYYY-MM-DD>`` (missing when either is)."""
    day = out[S.TIMESTAMP].dt.strftime("%Y-%m-%d")
    order = out[S.CUSTOMER].astype("str") + "-" + day.astype("str")
    return order.where(out[S.CUSTOMER].notna() & day.notna(), pd.NA).astype("str")


def canonical_table(
    df: pd.DataFrame,
    layout: Layout | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    source: str | None = None,
    date_format: str | None = None,
    decimal: str = ".",
    thousands: str = "",
    timezone: str = "",
) -> tuple[pd.DataFrame, Layout, dict[str, pd.Series], ParseNotes]:
    """:func:`to_canonical`, also returning the unparsed values of the parsed columns
    (so that a message or a flag can show what the file really said) and what parsing
    changed (:class:`ParseNotes`). ``timezone``: see :func:`_zoned`."""
    df, layout = _choose_layout(df, layout, mapping, source)
    out = pd.DataFrame(index=df.index)
    for canonical, src in layout.columns.items():
        out[canonical] = df[src]
    for canonical in S.TRANSACTION_OPTIONAL:  # optional columns already named canonically
        if canonical not in out and canonical in df.columns:
            out[canonical] = df[canonical]
    raw = {c: out[c] for c in (S.TIMESTAMP, S.QUANTITY, S.PRICE) if c in out}
    if layout.amount_column:
        raw[S.PRICE] = df[layout.amount_column]
    if layout.kind == "interactions":
        raw["rating"] = df["rating"]
    notes = ParseNotes()
    out[S.TIMESTAMP], notes.timezone = _parse_timestamps(
        out[S.TIMESTAMP],
        date_format or layout.timestamp_format,
        source=source,
        column=layout.columns[S.TIMESTAMP],
        date_order=layout.date_order,
        timezone=timezone,
    )

    def number(values: pd.Series) -> pd.Series:
        return to_number(values, decimal=decimal, thousands=thousands)

    if S.QUANTITY in out:
        out[S.QUANTITY] = number(out[S.QUANTITY])
    _fill_left_out(out, layout)
    _prices_and_orders(out, df, layout, number)
    for col in (S.ORDER, S.CUSTOMER, S.PRODUCT):
        if col in layout.filled:  # derived below, never written by the file
            continue
        out[col], rewritten, merged = _as_id(out[col])
        if rewritten:
            notes.ids_rewritten[col] = rewritten
        if merged:
            notes.ids_merged[col] = merged
    if S.ORDER in layout.filled:  # from the customer ids as normalised above
        out[S.ORDER] = _day_orders(out)
    for col in S.TRANSACTION_OPTIONAL:
        if col in out:
            out[col] = out[col].astype("str")
    order = [*S.TRANSACTION_REQUIRED, *[c for c in out.columns if c not in S.TRANSACTION_REQUIRED]]
    out = out[order].reset_index(drop=True)
    return out, layout, {c: v.reset_index(drop=True) for c, v in raw.items()}, notes


#: Candidate formats for text timestamps, tried on every value of the column.
DATE_FORMATS: dict[str, tuple[str, ...]] = {
    "iso": (
        "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%z", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d",
    ),
    "month_first": (
        "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%y %H:%M", "%m/%d/%y", "%m-%d-%Y",
    ),
    "day_first": (
        "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y %H:%M", "%d/%m/%y",
        "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    ),
}  # fmt: skip


#: How each family of :data:`DATE_FORMATS` is written, for messages.
DATE_FAMILIES = {
    "iso": "ISO year-month-day (2011-12-31)",
    "day_first": "day-first (31/12/2011)",
    "month_first": "month-first (12/31/2011)",
}


def date_families(values: pd.Series, *, limit: int = 2000) -> list[str]:
    """The families of :data:`DATE_FORMATS` (``iso``, ``day_first``, ``month_first``) whose best format parses
    the most of ``values`` (text; at most ``limit`` distinct ones are tried), at least half of them; several
    when they tie (01/02/2011 is day-first and month-first), none when no family reads half."""
    text = pd.Series(values.dropna().astype("str").str.strip().unique()[:limit], dtype="str")
    if text.empty:
        return []
    shares = {}
    for family, formats in DATE_FORMATS.items():
        shares[family] = max(float(_to_datetime(text, f).notna().mean()) for f in formats)
    best = max(shares.values())
    return [f for f, share in shares.items() if share == best and best >= 0.5]


#: Timestamps outside these years are not dates of a sale (a parser's reading of "/1" as year 0):
#: they count as unreadable.
YEARS = (1, 9999)


def _naive(parsed: pd.Series) -> pd.Series:
    """Wall-clock timestamps (no zone) within :data:`YEARS`; a zone still attached is dropped (see :func:`_zoned`)."""
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    parsed = parsed.astype("datetime64[us]")
    years = parsed.dt.year
    return parsed.where(years.isna() | years.between(*YEARS))


#: The offset at the end of a written timestamp: Z, +01:00, -0500, +01.
OFFSET = r"(Z|[+-]\d{2}(?::?\d{2})?)\s*$"


def _offset_text(offset: str) -> str:
    """``Z`` -> ``+00:00``, ``-0500`` -> ``-05:00``, ``+01`` -> ``+01:00``."""
    if offset == "Z":
        return "+00:00"
    digits = offset[1:].replace(":", "")
    return f"{offset[0]}{digits[:2]}:{(digits[2:] or '00')[:2]}"


def _offset_minutes(offset: str) -> int:
    text = _offset_text(offset)
    sign = -1 if text[0] == "-" else 1
    return sign * (int(text[1:3]) * 60 + int(text[4:6]))


def _shares(labels: pd.Series) -> str:
    counts = labels.value_counts()
    total = int(counts.sum())
    return ", ".join(f"{k} {n / total:.0%}" for k, n in counts.head(4).items()) + (" ..." if len(counts) > 4 else "")


def _zone(parsed: pd.Series, text: pd.Series | None) -> tuple[str, bool]:
    """(the zone or offsets the data are written in, in words; whether the offsets differ between rows)."""
    if text is not None:
        found = text.str.extract(OFFSET, expand=False).dropna()
        if len(found):
            offsets = "UTC" + found.map(_offset_text)
            return (_shares(offsets), True) if offsets.nunique() > 1 else (offsets.iloc[0], False)
    return str(parsed.dtype.tz), False


def _zone_note(zone: str, mixed: bool, timezone: str) -> str:
    if timezone:
        return f"converted to {timezone} from {zone}"
    if mixed:
        return (
            f"offsets differ between rows ({zone}): each timestamp is read as the local time it is written in; "
            "set timezone (e.g. timezone: Europe/London) to convert them to one zone"
        )
    return f"{zone}, read as local time (set timezone to convert to another zone)"


def _zoned(parsed: pd.Series, text: pd.Series | None, timezone: str) -> pd.Series:
    """Aware timestamps as the shop's wall-clock time (naive ones unchanged).

    With ``timezone`` (an IANA name such as Europe/London) every timestamp is
    converted to that zone. Without it the data's own zone is kept: one zone or
    offset is read as its local time; offsets that differ between rows (a zone
    with summer time, or rows from several zones) are each read as the local
    time they are written in (``text``, the values as written, gives each row's offset).
    """
    if not isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed
    if timezone:
        return parsed.dt.tz_convert(timezone).dt.tz_localize(None)
    _, mixed = _zone(parsed, text)
    if mixed:
        offset = text.str.extract(OFFSET, expand=False).map(lambda o: _offset_minutes(o) if isinstance(o, str) else 0)
        utc = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        return utc + pd.to_timedelta(offset.astype("float64"), unit="min")
    return parsed.dt.tz_localize(None)


def _parse_timestamps(
    values: pd.Series,
    fmt: str | None,
    *,
    source: str | None = None,
    column: str = S.TIMESTAMP,
    date_order: str | None = None,
    timezone: str = "",
) -> tuple[pd.Series, str]:
    """Parse a timestamp column with ONE format for all its values: ``(timestamps, time zone note)``.

    With ``fmt`` given (a layout's or the user's ``date_format``), that format.
    Otherwise every candidate in :data:`DATE_FORMATS` is tried on all distinct
    values and the one that parses the most wins; never row by row, so
    ``01/02/2011`` cannot mean January in one row and February in the next.
    When a day-first and a month-first format parse equally well but disagree
    (every day is 12 or less), the layout's ``date_order`` decides; without
    one the column is ambiguous: :class:`DataError`. Timestamps with a zone or
    an offset become the shop's local time (:func:`_zoned`); the note says how.
    """
    naive_note = f"the timestamps carry no zone: read as local time in {timezone}" if timezone else ""
    if pd.api.types.is_datetime64_any_dtype(values):
        aware = isinstance(values.dtype, pd.DatetimeTZDtype)
        note = _zone_note(*_zone(values, None), timezone) if aware else naive_note
        return _naive(_zoned(values, None, timezone)), note
    if fmt == "epoch":
        secs = pd.to_numeric(values, errors="coerce")
        out = pd.to_datetime(secs, unit="s", errors="coerce")
        if timezone:
            out = out.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)
            return out.astype("datetime64[us]"), f"converted to {timezone} from UTC (Unix seconds)"
        return out.astype("datetime64[us]"), ""
    text = values.astype("str").str.strip()
    distinct = pd.Series(text.dropna().unique(), dtype="str")
    if distinct.empty:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]"), naive_note
    if fmt:
        lookup = _to_datetime(distinct, fmt)
    else:
        lookup = _best_format(distinct, source=source, column=column, date_order=date_order)
    note = naive_note
    if isinstance(lookup.dtype, pd.DatetimeTZDtype):
        note = _zone_note(*_zone(lookup, text.dropna()), timezone)
        lookup = _zoned(lookup, distinct, timezone)
    mapping = pd.Series(_naive(lookup).to_numpy(), index=distinct.to_numpy())
    return pd.Series(text.map(mapping).to_numpy(), index=values.index).astype("datetime64[us]"), note


def _to_datetime(text: pd.Series, fmt: str | None) -> pd.Series:
    """Parsed timestamps: naive, or aware (in UTC when the offsets differ between values); years outside
    :data:`YEARS` missing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format": we fall back on purpose
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        except ValueError:  # offsets that differ between rows: align them in UTC first
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    if not pd.api.types.is_datetime64_any_dtype(parsed):  # mixed aware and naive values
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    years = parsed.dt.year
    return parsed.where(years.isna() | years.between(*YEARS))


def _best_format(distinct: pd.Series, *, source: str | None, column: str, date_order: str | None) -> pd.Series:
    if distinct.empty:
        return pd.Series(pd.NaT, index=distinct.index, dtype="datetime64[us]")
    results = {}
    for family, formats in DATE_FORMATS.items():
        for f in formats:
            parsed = _to_datetime(distinct, f)
            results[f] = (family, parsed, float(parsed.notna().mean()))
    best = max(share for _, _, share in results.values())
    if best < 0.5:  # no single known format: let pandas infer one from the first value
        return _to_datetime(distinct, None)
    winners = [(f, fam, parsed) for f, (fam, parsed, share) in results.items() if share == best]
    families = {fam for _, fam, _ in winners}
    if {"day_first", "month_first"} <= families:
        day_format, day = next((f, p) for f, fam, p in winners if fam == "day_first")
        month_format, month = next((f, p) for f, fam, p in winners if fam == "month_first")
        differ = day.notna() & month.notna() & (day != month)
        if differ.any() and date_order in ("day_first", "month_first"):
            return day if date_order == "day_first" else month
        if differ.any():
            examples = distinct[differ].head(3).tolist()
            raise DataError(
                "The dates could be day-first (31/12/2011) or month-first (12/31/2011): no day in the "
                "data is above 12, so the file cannot tell.",
                source=source,
                column=column,
                rows=[f"{v!r} is {d:%d %b %Y} day-first, {m:%d %b %Y} month-first" for v, d, m in
                      zip(examples, day[differ].head(3), month[differ].head(3), strict=True)],
                fix=f"say which in the parameters file: date_format: {json.dumps(day_format)} (day-first) or "
                f"date_format: {json.dumps(month_format)} (month-first); for python -m analysis report, "
                f"--date-format {json.dumps(day_format)}",
            )  # fmt: skip
    return winners[0][2]


