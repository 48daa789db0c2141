"""Lines that are not products: postage, carriage, manual lines, adjustments, bank charges, discounts,
samples, fees, gift vouchers and test codes.

A shop's log mixes the goods it sells with lines that only move money: the
postage of an order, a manual correction, a marketplace's fee. A chapter that
asks which products sell, or which to show a customer next, must not count them
as products. :func:`non_product_lines` recognises them by the product code
(:data:`CODE_PATTERNS`, a full match, case ignored) and, when the log has one, by
the description (:data:`DESCRIPTION_PATTERNS`, the whole description, case and
repeated spaces ignored); each line found carries the kind that matched it.
:func:`non_product_summary` counts them per code, with their rows and revenue,
for the data report. The patterns were written from the codes of both editions
of the UCI Online Retail data (POST, DOT, C2, M, D, S, B, BANK CHARGES,
AMAZONFEE, CRUK, ADJUST, TEST001, gift_0001_20, and descriptions such as
"PACKING CHARGE", "Adjustment by john" or "This is a test product.") and name
what each kind is, so that another shop's lines of the same kind match too.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis import schema as S

__all__ = ["CODE_PATTERNS", "DESCRIPTION_PATTERNS", "NON_PRODUCT_CODES", "non_product_lines", "non_product_summary"]

#: What a product code that is not a product looks like (full match, case ignored), by kind.
CODE_PATTERNS: dict[str, str] = {
    "postage": r"post(age)?|dot(com)?|dotcom ?postage",
    "carriage": r"c\d{1,2}|carriage|shipping|delivery",
    "manual line": r"m|manual",
    "discount": r"d|discount",
    "samples": r"s|samples?",
    "adjustment": r"b|adjust(ment)?\d*",
    "bank charges": r"bank ?charges?",
    "fee": r"fees?|(amazon|ebay|marketplace|paypal|card|service|admin|booking)[ _-]?fees?|cruk",
    "gift voucher": r"gift(_[0-9a-z_]+)?|vouchers?\d*",
    "test code": r"test\d*",
}
#: What the description of such a line looks like (the whole description, case and repeated spaces ignored).
DESCRIPTION_PATTERNS: dict[str, str] = {
    "postage": r"(dotcom )?postage( charges?)?",
    "carriage": r"carriage|shipping( charges?)?|delivery( charges?)?",
    "manual line": r"manual",
    "discount": r"discount",
    "samples": r"samples?",
    "adjustment": r"adjust\b.*|adjustment\b.*",
    "bank charges": r"bank charges?",
    "fee": r".*\bfees?|.*\bcommission|(packing|handling|service) charges?",
    "gift voucher": r".*\bgift ?vouchers?\b.*",
    "test code": r"test|.*\btest product\b.*",
}

#: Codes of the UCI Online Retail data (both editions) that are not products; every one matches
#: :data:`CODE_PATTERNS` (a test checks it).
NON_PRODUCT_CODES: tuple[str, ...] = (
    "POST", "DOT", "M", "m", "C2", "C3", "BANK CHARGES", "CRUK", "AMAZONFEE", "D", "S", "B", "ADJUST", "ADJUST2",
    "TEST001", "TEST002", "gift_0001_10", "gift_0001_20", "gift_0001_30", "gift_0001_40", "gift_0001_50",
)  # fmt: skip


def _compiled(patterns: dict[str, str]) -> list[tuple[str, re.Pattern]]:
    return [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in patterns.items()]


_CODES = _compiled(CODE_PATTERNS)
_DESCRIPTIONS = _compiled(DESCRIPTION_PATTERNS)


def _kinds(values: pd.Series, patterns: list[tuple[str, re.Pattern]]) -> pd.Series:
    """The first kind whose pattern matches each distinct value in full ("" for none), for every row."""
    distinct = pd.Series(values.dropna().unique(), dtype="str")
    kind = pd.Series("", index=distinct, dtype="str")
    for name, pattern in reversed(patterns):  # the first pattern in the table wins
        hit = distinct.map(lambda v, p=pattern: p.fullmatch(v) is not None).to_numpy(dtype=bool)
        kind[hit] = name
    return values.map(kind).astype("object").fillna("").astype("str")


def non_product_lines(table: pd.DataFrame, extra_codes: tuple[str, ...] = ()) -> pd.Series:
    """For each line of a canonical transactions table, the kind of non-product line it is, or "".

    A line is not a product when its product code matches :data:`CODE_PATTERNS` or is one of
    ``extra_codes`` (kind "listed code"), or when its description matches :data:`DESCRIPTION_PATTERNS`;
    the code is tried first. Codes and descriptions are compared without their surrounding spaces and,
    for descriptions, with runs of spaces read as one.
    """
    code = table[S.PRODUCT].astype("str").str.strip()
    kind = _kinds(code, _CODES)
    if extra_codes:
        listed = code.isin([str(c).strip() for c in extra_codes]) & kind.eq("")
        kind = kind.mask(listed, "listed code")
    if S.DESCRIPTION in table.columns:
        text = table[S.DESCRIPTION].astype("str").str.strip().str.replace(r"\s+", " ", regex=True)
        by_text = _kinds(text.where(table[S.DESCRIPTION].notna()), _DESCRIPTIONS)
        kind = kind.mask(kind.eq(""), by_text)
    return kind


def non_product_summary(table: pd.DataFrame, kinds: pd.Series) -> pd.DataFrame:
    """The non-product lines per code: ``product_id, kind, description`` (the most frequent), ``rows`` and
    ``revenue`` (quantity x unit price; 0 without prices), most rows first, then by code."""
    hit = kinds.ne("").to_numpy(dtype=bool)
    cols = ["product_id", "kind", "description", "rows", "revenue"]
    if not hit.any():
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "rows" else "float64" if c == "revenue" else "str")
                             for c in cols})
    lines = table.loc[hit]
    revenue = (lines[S.QUANTITY] * lines[S.PRICE]).astype("float64") if S.PRICE in lines else 0.0
    text = lines[S.DESCRIPTION].fillna("").astype("str").str.strip() if S.DESCRIPTION in lines else ""
    frame = pd.DataFrame({"product_id": lines[S.PRODUCT].astype("str").to_numpy(), "kind": kinds[hit].to_numpy(),
                          "description": np.asarray(text, dtype=object) if S.DESCRIPTION in lines else "",
                          "revenue": np.asarray(revenue, dtype="float64")})
    first = (frame.groupby(["product_id", "description"], sort=True).size().rename("n").reset_index()
             .sort_values(["product_id", "n", "description"], ascending=[True, False, True], kind="stable")
             .drop_duplicates("product_id").set_index("product_id")["description"])
    out = frame.groupby("product_id", sort=True).agg(kind=("kind", "first"), rows=("kind", "size"),
                                                     revenue=("revenue", "sum")).reset_index()
    out["description"] = out["product_id"].map(first).astype("str")
    out["revenue"] = out["revenue"].round(2)
    out = out.sort_values(["rows", "product_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[cols].astype({"product_id": "str", "kind": "str", "description": "str"})
