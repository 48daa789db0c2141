"""The shared input checks: every module checks its arguments through these.

Each check returns the cleaned value or raises :class:`analysis.errors.DataError`
whose message names the argument (or column), the value and the fix, in the
user's words. Nothing here imports pandas-heavy modules of the package, so any
module may use it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import DataError

_INTS = (int, np.integer)
_NUMBERS = (int, float, np.integer, np.floating)
_BOOLS = (bool, np.bool_)


def is_int(value: Any) -> bool:
    """True for a Python or numpy integer that is not a bool."""
    return isinstance(value, _INTS) and not isinstance(value, _BOOLS)


def is_number(value: Any) -> bool:
    """True for a real number (int or float, Python or numpy) that is not a bool."""
    return isinstance(value, _NUMBERS) and not isinstance(value, _BOOLS)


def _range_text(low, high, open_low: bool, open_high: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    if low is not None:
        return f"{'>' if open_low else '>='} {low:g}"
    if high is not None:
        return f"{'<' if open_high else '<='} {high:g}"
    return "finite"


def _out_of_range(name: str, value: Any, kind: str, allowed: str, fix: str | None, source: str | None) -> DataError:
    return DataError(
        f"{name} must be {kind} {allowed}, got {value!r}.",
        source=source,
        column=name,
        fix=fix or f"set {name} to {kind} {allowed}",
    )


def check_int(
    name: str,
    value: Any,
    *,
    low: int | None = None,
    high: int | None = None,
    fix: str | None = None,
    source: str | None = None,
) -> int:
    """``value`` as an ``int`` with ``low <= value <= high`` (either bound optional)."""
    ok = is_int(value) and (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        raise _out_of_range(name, value, "a whole number", _range_text(low, high, False, False), fix, source)
    return int(value)


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
    fix: str | None = None,
    source: str | None = None,
) -> float:
    """``value`` as a finite ``float`` inside the given bounds (open or closed)."""
    ok = is_number(value) and np.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (low is None or (v > low if open_low else v >= low)) and (
            high is None or (v < high if open_high else v <= high)
        )
    if not ok:
        raise _out_of_range(name, value, "a number", _range_text(low, high, open_low, open_high), fix, source)
    return float(value)


def check_share(name: str, value: Any, *, fix: str | None = None) -> float:
    """A share strictly between 0 and 1."""
    return check_number(name, value, low=0.0, high=1.0, open_low=True, open_high=True, fix=fix)


def check_increasing_shares(name: str, values: Sequence[Any], *, length: int | None = None) -> tuple[float, ...]:
    """Shares in (0, 1), strictly increasing, optionally of a fixed length."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray):
        raise DataError(
            f"{name} must be a list of shares such as [0.8, 0.95], got {values!r}.",
            column=name,
            fix=f"set {name} to increasing shares between 0 and 1, e.g. [0.8, 0.95]",
        )
    if length is not None and len(values) != length:
        raise DataError(
            f"{name} must hold {length} shares, got {len(values)}: {list(values)!r}.",
            column=name,
            fix=f"set {name} to {length} increasing shares between 0 and 1, e.g. [0.8, 0.95]",
        )
    shares = tuple(check_share(f"{name}[{i}]", v) for i, v in enumerate(values))
    if any(b <= a for a, b in zip(shares, shares[1:])):
        raise DataError(
            f"{name} must be strictly increasing, got {list(values)!r}.",
            column=name,
            fix=f"list the shares of {name} from small to large, e.g. [0.8, 0.95]",
        )
    return shares


def check_choice(name: str, value: Any, choices: Sequence[Any], *, fix: str | None = None) -> Any:
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise DataError(
            f"{name} must be one of {listed}, got {value!r}.",
            column=name,
            fix=fix or f"set {name} to one of {listed}",
        )
    return value


#: ISO 8601 text: a day YYYY-MM-DD, optionally a time of day and a UTC offset after it
ISO_DAY_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?")


def check_day(name: str, value: Any, *, fix: str | None = None) -> pd.Timestamp:
    """``value`` (a date, a datetime or ISO text, YYYY-MM-DD) as a timezone-naive midnight Timestamp.

    Text must be ISO: "11/06/2011" is refused rather than guessed (June or November).
    """
    fix = fix or f"set {name} to a date such as 2011-06-30"
    if value is None or isinstance(value, _BOOLS) or is_number(value):
        raise DataError(f"{name} must be a date, got {value!r}.", column=name, fix=fix)
    if isinstance(value, str) and not ISO_DAY_TEXT.fullmatch(value.strip()):
        raise DataError(f"{name} is not a date YYYY-MM-DD: {value!r}.", column=name, fix=fix)
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} is not a date YYYY-MM-DD: {value!r} ({exc}).", column=name, fix=fix) from None
    if pd.isna(stamp):
        raise DataError(f"{name} is missing (NaT).", column=name, fix=fix)
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def require_columns(table: pd.DataFrame, columns: Sequence[str], *, source: str = "<table>", fix: str = "") -> None:
    """Raise :class:`DataError` when ``table`` lacks any of ``columns``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(
            f"Required column(s) absent: {', '.join(missing)}.",
            source=source,
            column=", ".join(missing),
            fix=fix or f"columns found: {', '.join(map(str, table.columns))}",
        )


def row_labels(index: pd.Index | Sequence[Any], mask: np.ndarray | pd.Series, *, limit: int = 5) -> list[str]:
    """The first ``limit`` labels of ``index`` where ``mask`` is true, as text for a DataError."""
    labels = pd.Index(index)[np.asarray(mask, dtype=bool)]
    return [str(v) for v in labels[:limit]]
