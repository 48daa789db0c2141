r"""Forecast accuracy and interval metrics, with the formulas the Forecasting chapter shows.

For actual values :math:`y_t` and forecasts :math:`\hat y_t` over a test window of
:math:`h` points:

* MAE :math:`= \frac1h \sum |y_t - \hat y_t|`, RMSE :math:`= \sqrt{\frac1h \sum (y_t - \hat y_t)^2}`;
* MASE :math:`= \mathrm{MAE} / \frac{1}{n-m} \sum_{t=m+1}^{n} |y_t - y_{t-m}|`, the MAE scaled
  by the in-sample MAE of the seasonal naive forecast (season :math:`m`) on the
  training window (Hyndman and Koehler 2006): below 1 beats the seasonal naive;
* sMAPE :math:`= \frac{100}{h} \sum \frac{2 |y_t - \hat y_t|}{|y_t| + |\hat y_t|}` in %
  (a term whose denominator is 0 counts 0: both are 0, a perfect forecast);
* coverage: the share of :math:`y_t` inside their interval :math:`[l_t, u_t]`; width the mean
  :math:`u_t - l_t`.
"""

from __future__ import annotations

import numpy as np

from analysis._checks import check_int
from analysis.errors import DataError

__all__ = ["coverage", "interval_width", "mae", "mase", "mase_scale", "rmse", "smape"]


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=np.float64).ravel()
    f = np.asarray(forecast, dtype=np.float64).ravel()
    if a.shape != f.shape or not len(a):
        raise DataError(
            f"actual has {len(a)} values and forecast {len(f)}: they must be the same, non-zero length.",
            column="forecast",
            fix="pass one forecast for each actual value of the test window",
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(f))):
        raise DataError(
            "actual or forecast holds missing or infinite values.",
            column="forecast",
            rows=[int(i) for i in np.flatnonzero(~(np.isfinite(a) & np.isfinite(f)))[:5]],
            fix="fill the series' missing days with 0 before forecasting (no sale is 0, not missing)",
        )
    return a, f


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    a, f = _pair(actual, forecast)
    return float(np.mean(np.abs(a - f)))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    a, f = _pair(actual, forecast)
    return float(np.sqrt(np.mean((a - f) ** 2)))


def mase_scale(train, season: int) -> float:
    """The in-sample MAE of the seasonal naive forecast on ``train``: the denominator of MASE."""
    season = check_int("season_length", season, low=1, fix="use the season length in steps, e.g. 7 for days")
    y = np.asarray(train, dtype=np.float64).ravel()
    if len(y) <= season:
        raise DataError(
            f"MASE needs more than one season of training data: {len(y)} points, season {season}.",
            column="season_length",
            fix="use a shorter season_length or a longer training window",
        )
    scale = float(np.mean(np.abs(y[season:] - y[:-season])))
    if not scale > 0:
        raise DataError(
            "The training window repeats itself exactly every season: the seasonal naive makes no error, "
            "so MASE is undefined.",
            column="season_length",
            fix="judge this series by MAE instead, or use a longer training window",
        )
    return scale


def mase(actual, forecast, train, season: int) -> float:
    """MAE of the forecast over the in-sample MAE of the seasonal naive on ``train``."""
    return mae(actual, forecast) / mase_scale(train, season)


def smape(actual, forecast) -> float:
    """Symmetric mean absolute percentage error, in % (0/0 terms count 0)."""
    a, f = _pair(actual, forecast)
    den = np.abs(a) + np.abs(f)
    terms = np.divide(2 * np.abs(a - f), den, out=np.zeros_like(den), where=den > 0)
    return float(100 * terms.mean())


def coverage(actual, lower, upper) -> float:
    """Share of the actual values inside ``[lower, upper]`` (bounds included)."""
    a, lo = _pair(actual, lower)
    _, hi = _pair(actual, upper)
    return float(np.mean((a >= lo) & (a <= hi)))


def interval_width(lower, upper) -> float:
    """Mean width ``upper - lower`` of the intervals."""
    lo, hi = _pair(lower, upper)
    return float(np.mean(hi - lo))
