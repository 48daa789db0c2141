r"""Holdout error metrics: total bias, mean absolute error, comparison by group."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis.errors import DataError

__all__ = ["bias_share", "by_group", "mae"]


def _pair(predicted: ArrayLike, actual: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(predicted, dtype=float).reshape(-1)
    a = np.asarray(actual, dtype=float).reshape(-1)
    if p.shape != a.shape or p.size == 0:
        raise DataError(
            f"predicted and actual must be non-empty and of the same length, got {p.size} and {a.size}",
            column="predicted, actual",
            fix="pass one prediction per actual value, for the same rows",
        )
    bad = ~(np.isfinite(p) & np.isfinite(a))
    if bad.any():
        raise DataError(
            f"{int(bad.sum())} row(s) of predicted or actual are missing or infinite",
            column="predicted, actual",
            rows=[f"row {i}" for i in np.flatnonzero(bad)[:5]],
            fix="drop the rows without a prediction or an outcome first",
        )
    return p, a


def bias_share(predicted: ArrayLike, actual: ArrayLike) -> float:
    r"""Relative error of the total: :math:`\big(\sum_i \hat y_i - \sum_i y_i\big) / \sum_i y_i`.

    Negative: the model under-predicts (``-0.175``: 17.5 % fewer than
    happened); positive: it over-predicts. NaN when nothing happened
    (:math:`\sum_i y_i = 0`).
    """
    p, a = _pair(predicted, actual)
    total = float(np.sum(a))
    return (float(np.sum(p)) - total) / total if total else float("nan")


def mae(predicted: ArrayLike, actual: ArrayLike) -> float:
    r"""Mean absolute error :math:`\frac1n \sum_i |\hat y_i - y_i|`, in the unit of :math:`y`."""
    p, a = _pair(predicted, actual)
    return float(np.mean(np.abs(p - a)))


def by_group(group: ArrayLike, predicted: ArrayLike, actual: ArrayLike, *, cap: int | None = None) -> pd.DataFrame:
    """Mean actual and mean predicted per integer group (``cap``: groups >= cap pooled and labelled ``cap``).

    Columns ``group``, ``n``, ``actual``, ``predicted``, sorted by group; only
    groups with rows appear.
    """
    p, a = _pair(predicted, actual)
    g = np.asarray(group).reshape(-1)
    if g.shape != a.shape:
        raise DataError("group must have one value per row", column="group", fix="pass one group per actual value")
    g = g.astype(np.int64) if cap is None else np.minimum(g, cap).astype(np.int64)
    frame = pd.DataFrame({"group": g, "actual": a, "predicted": p})
    table = frame.groupby("group", sort=True).agg(n=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
    return table.reset_index().astype({"n": np.int64})
