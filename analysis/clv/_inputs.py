"""Checks of the CLV functions' per-customer inputs: one value per customer, finite, in range.

Each raises :class:`analysis.errors.DataError` naming the argument, a few
offending rows (by the caller's index when there is one) and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from analysis import schema
from analysis.errors import DataError

FloatArray = NDArray[np.float64]

SUMMARY_FIX = (
    "compute the summary with analysis.features.customer_summary: x = repeat purchases, "
    "t_x = time of the last purchase since the first (0 when x == 0), T = time from the "
    "first purchase to the end of calibration, all in one time unit"
)


SPEND_FIX = (
    "pass mbar = the mean value of each customer's repeat purchases "
    f"(column '{schema.REPEAT_VALUE}' of analysis.features.customer_summary), "
    "for customers with x > 0 only, e.g. summary[summary['x'] > 0]"
)


Labels = pd.Index | None  # row labels for messages: a pandas index, or None for positions


def _labels(values: Any, n: int) -> Labels:
    index = getattr(values, "index", None)
    return index if isinstance(index, pd.Index) and len(index) == n else None


def _offenders(name: str, values: FloatArray, labels: Labels, bad: NDArray[np.bool_]) -> list[str]:
    """Up to five offending rows as ``name[label] = value``."""
    shown = []
    for i in np.flatnonzero(bad)[:5]:
        label = int(i) if labels is None else labels[i]
        label = label.item() if isinstance(label, np.generic) else label
        shown.append(f"{name}[{label!r}] = {values[i]:g}")
    return shown


def _as_array(name: str, values: ArrayLike, fix: str) -> tuple[FloatArray, Labels]:
    """A finite 1-D float array (scalars become length 1) and its row labels."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric ({exc})", column=name, fix=fix) from None
    if array.ndim > 1:
        raise DataError(
            f"{name} must be one-dimensional (one value per customer), got shape {array.shape}",
            column=name,
            fix=fix,
        )
    array = np.atleast_1d(array)
    if array.size == 0:
        raise DataError(f"{name} is empty: there are no customers", column=name, fix=fix)
    labels = _labels(values, array.size)
    bad = ~np.isfinite(array)
    if bad.any():
        raise DataError(
            f"{name} must be finite (found {int(bad.sum())} NaN or infinite values)",
            column=name,
            rows=_offenders(name, array, labels, bad),
            fix=fix,
        )
    return array, labels


def _require(
    ok: NDArray[np.bool_], name: str, values: FloatArray, labels: Labels, problem: str, fix: str
) -> None:
    if not ok.all():
        bad = ~ok
        raise DataError(
            f"{name} {problem} ({int(bad.sum())} rows break this)",
            column=name,
            rows=_offenders(name, values, labels, bad),
            fix=fix,
        )


def _same_length(arrays: dict[str, FloatArray], fix: str) -> int:
    """Common length of per-customer arrays; length-1 arrays broadcast."""
    lengths = {name: a.size for name, a in arrays.items()}
    n = max(lengths.values())
    if any(size not in (1, n) for size in lengths.values()):
        raise DataError(
            "per-customer arguments must have the same length (one value per customer)",
            column=", ".join(lengths),
            rows=[f"len({name}) = {size}" for name, size in lengths.items()],
            fix=fix,
        )
    return n


def _counts(name: str, values: ArrayLike, fix: str, *, minimum: int = 0) -> tuple[FloatArray, Labels]:
    array, labels = _as_array(name, values, fix)
    _require(array >= minimum, name, array, labels, f"must be >= {minimum} (a count of purchases)", fix)
    whole = np.abs(array - np.round(array)) <= 1e-9 * np.maximum(1.0, np.abs(array))
    _require(whole, name, array, labels, "must be whole numbers (a count of purchases)", fix)
    return np.round(array), labels


def _summary(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated (x, t_x, T), broadcast to a common length."""
    fix = SUMMARY_FIX
    xa, x_labels = _counts(schema.X, x, fix)
    ta, t_labels = _as_array(schema.T_X, t_x, fix)
    Ta, T_labels = _as_array(schema.T_CAL, T, fix)
    n = _same_length({schema.X: xa, schema.T_X: ta, schema.T_CAL: Ta}, fix)
    _require(Ta > 0, schema.T_CAL, Ta, T_labels, "must be > 0 (time since the first purchase)", fix)
    _require(ta >= 0, schema.T_X, ta, t_labels, "must be >= 0 (time of the last purchase since the first)", fix)
    xa, ta, Ta = np.broadcast_to(xa, n), np.broadcast_to(ta, n), np.broadcast_to(Ta, n)
    labels = next((lab for lab in (x_labels, t_labels, T_labels) if lab is not None and len(lab) == n), None)
    _require(ta <= Ta, schema.T_X, ta, labels, "must be <= T (the last purchase cannot be after the end)", fix)
    _require((xa > 0) | (ta == 0), schema.T_X, ta, labels, "must be 0 when x == 0 (no repeat purchase)", fix)
    return xa, ta, Ta


def _times(name: str, values: ArrayLike, fix: str, *, positive: bool = False) -> FloatArray:
    array, labels = _as_array(name, values, fix)
    if positive:
        _require(array > 0, name, array, labels, "must be > 0", fix)
    else:
        _require(array >= 0, name, array, labels, "must be >= 0", fix)
    return array


def _spend(x: ArrayLike, mbar: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validated (x, mbar) for the Gamma-Gamma model: x >= 1 and mbar > 0."""
    xa, x_labels = _counts(schema.X, x, SPEND_FIX, minimum=1)
    ma, m_labels = _as_array("mbar", mbar, SPEND_FIX)
    n = _same_length({schema.X: xa, "mbar": ma}, SPEND_FIX)
    _require(ma > 0, "mbar", ma, m_labels, "must be > 0 (mean value of repeat purchases)", SPEND_FIX)
    return np.broadcast_to(xa, n), np.broadcast_to(ma, n)


def _output(value: FloatArray, *inputs: ArrayLike) -> FloatArray | float:
    """A float when every customer-level input was a scalar, else the array."""
    if all(np.ndim(v) == 0 for v in inputs):
        return float(np.asarray(value).reshape(-1)[0])
    return np.asarray(value, dtype=np.float64)


def _weights(weights: ArrayLike | None, n: int) -> FloatArray:
    if weights is None:
        return np.ones(n)
    fix = "weights are counts of customers per row: finite, >= 0, one per row, not all zero"
    w, labels = _as_array("weights", weights, fix)
    _same_length({"customers": np.empty(n), "weights": w}, fix)
    _require(w >= 0, "weights", w, labels, "must be >= 0", fix)
    w = np.broadcast_to(w, n)
    if w.sum() <= 0:
        raise DataError("weights sum to 0: there is nothing to fit", column="weights", fix=fix)
    return w


def _aggregate(columns: Sequence[FloatArray], weights: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """Collapse identical rows into one row with the summed weight (a likelihood speed-up only)."""
    order = np.lexsort(columns[::-1])
    ordered = np.column_stack(columns)[order]
    starts = np.concatenate(([True], np.any(ordered[1:] != ordered[:-1], axis=1)))
    group = np.cumsum(starts) - 1
    summed = np.bincount(group, weights=weights[order])
    unique = ordered[starts]
    keep = summed > 0
    return [unique[keep, j] for j in range(unique.shape[1])], summed[keep]


def _initial(initial: Any, names: tuple[str, ...], default: Sequence[float]) -> FloatArray:
    if initial is None:
        return np.asarray(default, dtype=np.float64)
    try:
        if isinstance(initial, dict):
            values = [initial[name] for name in names]
        else:
            values = list(initial)
        array = np.asarray(values, dtype=np.float64)
    except (AttributeError, KeyError, TypeError, ValueError):
        array = np.empty(0)
    if array.shape != (len(names),) or not (np.isfinite(array).all() and (array > 0).all()):
        raise DataError(
            f"initial must give {len(names)} finite positive values for {', '.join(names)}",
            column="initial",
            rows=[repr(initial)],
            fix="pass a dict (e.g. a fitted model's as_dict()) or a sequence in that order, or None for the default",
        )
    return array


def _wsum(weights: FloatArray, values: FloatArray) -> float:
    """Weighted sum; elementwise rather than BLAS ``@`` (BLAS threads can stall on a busy machine)."""
    return float(np.sum(weights * values))


def _levels(x: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distinct x values and their summed weights: terms in x alone are evaluated once per value."""
    levels, inverse = np.unique(x, return_inverse=True)
    return levels, np.bincount(inverse.reshape(-1), weights=weights, minlength=levels.size)


def _converged(result: Any) -> bool:
    """BFGS's verdict, also accepting a stop for precision loss at a zero gradient."""
    return bool(result.success or np.max(np.abs(result.jac)) < 1e-6)
