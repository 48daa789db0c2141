"""How the book writes a number in prose and in tables: one place, one style.

Counts are whole numbers with thousands separators, money carries its currency,
shares are percentages, and small or large numbers keep 3 significant digits
instead of printing ``0.0000`` or ``1.44e-05``. Tables (``analysis.plots.table``)
and worded findings (``analysis.chapters._findings``) both format through these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

MISSING = "–"

# ISO 4217 codes the book writes with a symbol; any other code is written before the amount.
SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥", "CNY": "CN¥", "INR": "₹"}


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def count(value: Any) -> str:
    """A count: ``3000`` -> ``3,000`` (rounded to the nearest whole number)."""
    if _missing(value):
        return MISSING
    return f"{round(float(value)):,.0f}"


def number(value: Any, digits: int = 3) -> str:
    """A measurement with ``digits`` significant digits and thousands separators.

    ``15.448`` -> ``15.4``, ``0.00123`` -> ``0.00123``, ``1234567.8`` ->
    ``1,234,568`` (digits before the point are always kept). Below 10**-4 and
    from 10**15 on, the number is written as a power of ten, ``0.0000144`` ->
    ``1.44 × 10⁻⁵``, never as a row of zeros or as ``1.44e-05``.
    """
    if _missing(value):
        return MISSING
    v = float(value)
    if not math.isfinite(v):
        return "∞" if v > 0 else "−∞" if v < 0 else MISSING
    if v == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(v)))
    if abs(v) >= 1e15 or abs(v) < 1e-4:
        return power_of_ten(v, digits)
    decimals = max(digits - 1 - magnitude, 0)
    text = f"{v:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(value: float, digits: int = 3) -> str:
    """``5.83e-17`` -> ``5.83 × 10⁻¹⁷`` (``digits`` significant digits)."""
    mantissa, exponent = f"{float(value):.{digits - 1}e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def share(value: Any, decimals: int = 1) -> str:
    """A share as a percentage: ``0.467`` -> ``46.7%``; tiny non-zero shares keep a significant digit."""
    if _missing(value):
        return MISSING
    pct = 100 * float(value)
    if pct != 0 and abs(pct) < 10 ** (-decimals):
        return f"{number(pct, 1)}%"
    return f"{pct:.{decimals}f}%"


def money(value: Any, currency: str = "", decimals: int | None = None) -> str:
    """An amount of money: ``money(1234.5, "GBP")`` -> ``£1,234.50``.

    ``decimals`` defaults to 2 below 1,000 and 0 from there on; a currency
    without a symbol is written as its code (``1,234 CHF``); no currency gives
    the bare amount.
    """
    if _missing(value):
        return MISSING
    v = float(value)
    if decimals is None:
        decimals = 2 if abs(v) < 1000 else 0
    amount = f"{abs(v):,.{decimals}f}"
    sign = "−" if v < 0 and float(amount.replace(",", "")) != 0 else ""
    code = (currency or "").upper()
    if code in SYMBOLS:
        return f"{sign}{SYMBOLS[code]}{amount}"
    if code:
        return f"{sign}{amount} {code}"
    return f"{sign}{amount}"


def day(value: Any) -> str:
    """A date as ``2011-12-09``."""
    if _missing(value):
        return MISSING
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def signed_share(value: Any, decimals: int = 1) -> str:
    """A relative change with its sign: ``-0.175`` -> ``−17.5%``, ``0.03`` -> ``+3.0%``."""
    if _missing(value):
        return MISSING
    text = share(abs(float(value)), decimals)
    if float(value) > 0:
        return "+" + text
    if float(value) < 0 and text.strip("0.%") != "":
        return "−" + text
    return text


def is_count_like(values: pd.Series) -> bool:
    """True when every non-missing value of a numeric column is a whole number."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    return bool(len(v)) and bool(np.all(np.isfinite(v))) and bool(np.all(v == np.round(v)))


def points(value: Any, decimals: int = 1) -> str:
    """A difference of two shares in percentage points: ``0.023`` -> ``2.3 percentage points`` (sign kept)."""
    if _missing(value):
        return MISSING
    pp = 100 * float(value)
    text = f"{pp:.{decimals}f}" if abs(pp) >= 10 ** (-decimals) or pp == 0 else number(pp, 1)
    unit = "percentage point" if text.lstrip("-") in ("1", "1." + "0" * decimals) else "percentage points"
    return f"{text.replace('-', '−')} {unit}"


# Characters that start markup somewhere a data string can land: Markdown and MyST (code, emphasis, links,
# roles, substitutions, math, tables, headings), HTML (tags, entities) and matplotlib (mathtext).
_MARKUP = {c: f"&#{ord(c)};" for c in "\\`*_[]{}$~|#^"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKUP.update({"\n": " ", "\r": " ", "\t": " "})
_MARKUP_TABLE = str.maketrans(_MARKUP)


def escape(value: Any, *, code: bool = False) -> str:
    r"""A data string (a description, an id, a column or file name) as text in a sentence, never markup.

    The one escape for text from the data that is glued into Markdown (``{glue:md}``),
    shown in HTML (the findings box, a banner) or both: ``<``, ``>`` and ``&`` become
    HTML entities, and the characters that start Markdown or MyST markup (backtick,
    ``*``, ``_``, brackets, braces, ``$``, ``|``, ``#``, ``~``, ``^``, backslash) become
    numeric character references; line breaks become spaces. Markdown and HTML both
    show a reference as its character, so ``<img src=x onerror=alert(1)>`` reads as
    that text on the page. ``code=True`` gives a Markdown code span instead (for
    Markdown only), fenced with more backticks than any run in the text:
    ``escape("a`b", code=True)`` -> ``\`\`a`b\`\```. Figure labels take :func:`label`.
    """
    if not code:
        return str(value).translate(_MARKUP_TABLE)
    text = re.sub(r"[\r\n\t]", " ", str(value))
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""  # one space each side is stripped
    return f"{fence}{pad}{text}{pad}{fence}"


def label(value: Any) -> str:
    """A data string as a matplotlib label: ``$`` escaped, so ``$5 off`` is not read as mathtext."""
    return str(value).replace("$", r"\$")


# --------------------------------------------------------------------------- words


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised and a closing full stop (unless it ends in . ! ? or :)."""
    text = " ".join(str(text).split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?:" else text + "."


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun: ``plural(1, "day")`` -> ``"1 day"``, ``plural(2500, "order")`` -> ``"2,500 orders"``."""
    word = singular if round(float(n)) == 1 else (plural_form or singular + "s")
    return f"{count(n)} {word}"


def join_words(items: Sequence[str] | Iterable[str], conjunction: str = "and") -> str:
    """``["a"]`` -> ``"a"``; ``["a", "b"]`` -> ``"a and b"``; ``["a", "b", "c"]`` -> ``"a, b and c"``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
