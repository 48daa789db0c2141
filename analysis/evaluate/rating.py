r"""Rating metrics: how far predicted ratings fall from the held-out ones.

``RMSE = sqrt(mean((r_ui - \hat r_ui)^2))`` and ``MAE = mean(|r_ui - \hat r_ui|)``
over the test pairs ``(u, i)``.
"""

from __future__ import annotations

import numpy as np

from analysis.errors import DataError

__all__ = ["mae", "rating_metrics", "rmse"]


def _pair(actual, predicted) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float).ravel()
    p = np.asarray(predicted, dtype=float).ravel()
    if a.shape != p.shape or not len(a):
        raise DataError(
            f"{len(a)} actual ratings and {len(p)} predictions.",
            column="predicted", fix="predict one rating for every test pair, in the same order",
        )
    bad = ~np.isfinite(p)
    if bad.any():
        raise DataError(
            f"{int(bad.sum())} predictions are not finite numbers.",
            column="predicted", rows=[int(i) for i in np.flatnonzero(bad)[:5]],
            fix="give a prediction for every test pair (the global mean for unknown users or items)",
        )
    return a, p


def rmse(actual, predicted) -> float:
    """Root mean squared error."""
    a, p = _pair(actual, predicted)
    return float(np.sqrt(np.mean((a - p) ** 2)))


def mae(actual, predicted) -> float:
    """Mean absolute error."""
    a, p = _pair(actual, predicted)
    return float(np.mean(np.abs(a - p)))


def rating_metrics(actual, predicted) -> dict[str, float]:
    """RMSE and MAE together."""
    return {"rmse": rmse(actual, predicted), "mae": mae(actual, predicted)}
