r"""The forecasters of the chapter, one function each with the same signature.

A forecaster takes a :class:`Task` (the whole series with its calendar), the end of
the training window ``train_end`` and the ``horizon``, and returns a
:class:`Forecast`: the point forecast of the ``horizon`` steps after
``train_end`` and, where the model gives one, the standard deviation of each
step's forecast error. It reads ``task.y[:train_end]`` only; the calendar
(dates, known closures, known promotion days) it may read for any step,
because a shop knows its own calendar in advance.

Baselines (no calendar): mean, naive, seasonal naive, drift, with the
standard deviations of Hyndman and Athanasopoulos (2021, 5.5).
Calendar-aware: a linear regression on day of week, trend and promotion days
fitted on a recent window (its length chosen by rolling-origin error inside the
training data); a gradient-boosting regressor (scikit-learn
``HistGradientBoostingRegressor``) on the same calendar and a lagged level;
ETS (statsmodels ``ETSModel``, the form chosen by AIC), seasonal ARIMA
(statsmodels ``SARIMAX``) and the Theta method (statsmodels ``ThetaModel``),
each fitted on the open steps (closures filled with the value one season
earlier) and forecasting zero on known closures.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.forecast.series import SalesSeries

__all__ = [
    "BASELINES",
    "CALENDAR_MODELS",
    "ETS_FORMS",
    "MODELS",
    "Forecast",
    "Task",
    "calendar_regression",
    "ets_fits",
    "ets_fits_one",
    "task_of",
]


@dataclass(frozen=True)
class Task:
    """A series to forecast: values, dates, known closures and promotion days, season length."""

    y: np.ndarray
    dates: pd.DatetimeIndex
    closed: np.ndarray
    promo: np.ndarray
    season: int

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class Forecast:
    """Point forecast of each step and, when the model gives one, the sd of its error (else ``None``)."""

    mean: np.ndarray
    sd: np.ndarray | None = None


def task_of(series: SalesSeries, measure: str = "revenue", promo: np.ndarray | None = None) -> Task:
    """The :class:`Task` of one measure of a :class:`SalesSeries`."""
    n = len(series)
    flags = np.zeros(n, bool) if promo is None else np.asarray(promo, dtype=bool)
    return Task(y=series.table[measure].to_numpy(dtype=np.float64), dates=pd.DatetimeIndex(series.table.index),
                closed=series.closed, promo=flags, season=series.season_length)


def _steps(train_end: int, horizon: int) -> np.ndarray:
    return np.arange(train_end, train_end + horizon)


def _zero_closed(task: Task, train_end: int, f: Forecast) -> Forecast:
    shut = task.closed[_steps(train_end, len(f.mean))]
    mean = np.where(shut, 0.0, f.mean)
    sd = None if f.sd is None else np.where(shut, 0.0, f.sd)
    return Forecast(mean, sd)


# ------------------------------------------------------------------ baselines
def _residual_sd(r: np.ndarray) -> float:
    r = r[np.isfinite(r)]
    return float(np.sqrt(np.mean(r**2))) if len(r) else 0.0


def mean_forecast(task: Task, train_end: int, horizon: int) -> Forecast:
    """The training mean, for every step; sd :math:`\\sigma\\sqrt{1 + 1/T}`."""
    y = task.y[:train_end]
    sd = float(np.std(y, ddof=1)) * np.sqrt(1 + 1 / len(y))
    return Forecast(np.full(horizon, y.mean()), np.full(horizon, sd))


def naive(task: Task, train_end: int, horizon: int) -> Forecast:
    """The last value, for every step; sd :math:`\\sigma\\sqrt{h}`."""
    y = task.y[:train_end]
    sigma = _residual_sd(np.diff(y))
    return Forecast(np.full(horizon, y[-1]), sigma * np.sqrt(np.arange(1, horizon + 1)))


def seasonal_naive(task: Task, train_end: int, horizon: int) -> Forecast:
    """The value one season earlier; sd :math:`\\sigma\\sqrt{k + 1}`, :math:`k = \\lfloor (h-1)/m \\rfloor`."""
    y, m = task.y[:train_end], task.season
    h = np.arange(horizon)
    sigma = _residual_sd(y[m:] - y[:-m])
    return Forecast(y[len(y) - m + (h % m)], sigma * np.sqrt(h // m + 1))


def drift(task: Task, train_end: int, horizon: int) -> Forecast:
    """The line from the first to the last value, extended; sd :math:`\\sigma\\sqrt{h(1 + h/T)}`."""
    y = task.y[:train_end]
    slope = (y[-1] - y[0]) / (len(y) - 1)
    h = np.arange(1, horizon + 1)
    sigma = _residual_sd(np.diff(y) - slope)
    return Forecast(y[-1] + slope * h, sigma * np.sqrt(h * (1 + h / len(y))))


# ------------------------------------------------------------ calendar regression
#: Training windows tried by the calendar regression, in seasons (the whole history is tried too).
WINDOW_SEASONS = (5, 10, 15, 25)
#: Inner origins used to choose the window.
INNER_ORIGINS = 3


def _design(task: Task, steps: np.ndarray) -> np.ndarray:
    """Intercept per position in the season (day of week), trend in seasons, promotion flag."""
    m = task.season
    cols = [(steps % m == j).astype(float) for j in range(m)] if m > 1 else [np.ones(len(steps))]
    cols.append(steps / max(m, 1) / 10.0)
    cols.append(task.promo[steps].astype(float))
    return np.column_stack(cols)


def _fit_window(task: Task, train_end: int, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares coefficients on the last ``window`` open steps, their design and residuals."""
    steps = np.arange(max(0, train_end - window), train_end)
    steps = steps[~task.closed[steps]]
    X, y = _design(task, steps), task.y[steps]
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return coef, X, y - X @ coef


def _regression_at(task: Task, train_end: int, horizon: int, window: int) -> Forecast:
    coef, X, resid = _fit_window(task, train_end, window)
    Xf = _design(task, _steps(train_end, horizon))
    dof = max(len(resid) - np.linalg.matrix_rank(X), 1)
    sigma2 = float(resid @ resid) / dof
    xtx_inv = np.linalg.pinv(X.T @ X)
    sd = np.sqrt(sigma2 * (1 + np.einsum("ij,jk,ik->i", Xf, xtx_inv, Xf)))
    return _zero_closed(task, train_end, Forecast(Xf @ coef, sd))


def choose_window(task: Task, train_end: int, horizon: int) -> int:
    """The training window (in steps) with the smallest MAE over :data:`INNER_ORIGINS` inner origins."""
    m = max(task.season, 6)
    windows = sorted({min(s * m, train_end) for s in WINDOW_SEASONS} | {train_end})
    inner = [train_end - k * horizon for k in range(INNER_ORIGINS, 0, -1)]
    inner = [o for o in inner if o >= 2 * m + 2]
    if not inner:
        return windows[-1]
    errors = []
    for w in windows:
        err = [np.abs(task.y[o:o + horizon] - _regression_at(task, o, horizon, w).mean).mean() for o in inner]
        errors.append(np.mean(err))
    return windows[int(np.argmin(errors))]


def calendar_regression(task: Task, train_end: int, horizon: int) -> Forecast:
    """Linear regression on the calendar, on the window :func:`choose_window` picks."""
    return _regression_at(task, train_end, horizon, choose_window(task, train_end, horizon))


# ------------------------------------------------------------ gradient boosting
def _level(y: np.ndarray, steps: np.ndarray, lag: int, m: int) -> np.ndarray:
    """Mean of the season that ended ``lag`` steps before each step (known at the origin)."""
    csum = np.concatenate([[0.0], np.cumsum(y)])
    end = steps - lag + 1
    return (csum[end] - csum[end - m]) / m


def gradient_boosting(task: Task, train_end: int, horizon: int, seed: int = 0) -> Forecast:
    """``HistGradientBoostingRegressor`` on position in the season, day of year, promotion, closure,
    predicting the ratio of each step to the level of the season ``horizon`` steps earlier."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    m = max(task.season, 1)
    y = task.y[:train_end]

    def features(steps: np.ndarray) -> np.ndarray:
        return np.column_stack([steps % m, task.dates[steps].day_of_year, task.promo[steps], task.closed[steps]])

    rows = np.arange(horizon + m - 1, train_end)
    level = _level(y, rows, horizon, m)
    keep = level > 0
    rows, level = rows[keep], level[keep]
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingRegressor(max_iter=60, learning_rate=0.15, random_state=seed)
    with threadpool_limits(1):  # a few hundred rows: threads cost more than they give
        model.fit(features(rows), y[rows] / level)
        ratio = model.predict(features(_steps(train_end, horizon)))
    future = _steps(train_end, horizon)
    full = np.concatenate([y, np.zeros(horizon)])
    return _zero_closed(task, train_end, Forecast(ratio * _level(full, future, horizon, m)))


# ------------------------------------------------------------ statsmodels models
def _open_values(task: Task, train_end: int) -> np.ndarray:
    """The training values with each closure filled by the value one season earlier (else the mean)."""
    y = task.y[:train_end].copy()
    shut = task.closed[:train_end]
    m = max(task.season, 1)
    for i in np.flatnonzero(shut):
        j = i - m
        while j >= 0 and shut[j]:
            j -= m
        y[i] = y[j] if j >= 0 else y[~shut].mean()
    return y


#: ETS forms tried (error, trend, damped, seasonal), named as in Hyndman's taxonomy.
ETS_FORMS: dict[str, tuple[str, str | None, bool, str | None]] = {
    "ETS(A,N,A)": ("add", None, False, "add"),
    "ETS(A,Ad,A)": ("add", "add", True, "add"),
    "ETS(M,N,M)": ("mul", None, False, "mul"),
    "ETS(M,Ad,M)": ("mul", "add", True, "mul"),
}


def _quiet():
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.filterwarnings("ignore", message=".*(overflow|invalid value|divide by zero).*", category=RuntimeWarning)
    warnings.filterwarnings("ignore", message="Non-invertible|Non-stationary", category=UserWarning)
    return ctx


def ets_fits_one(task: Task, train_end: int, name: str):
    """The ETS form ``name`` of :data:`ETS_FORMS` fitted to the open training values (seasonal only with
    two full seasons); ``None`` for a multiplicative form on values that are not all positive."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(_open_values(task, train_end))
    error, trend, damped, seasonal = ETS_FORMS[name]
    if error == "mul" and not (y > 0).all():
        return None
    m = task.season
    seasonal = seasonal if m > 1 and len(y) >= 2 * m + 2 else None
    ctx = _quiet()
    try:
        model = ETSModel(y, error=error, trend=trend, damped_trend=damped, seasonal=seasonal,
                         seasonal_periods=m if seasonal else None)
        return model.fit(disp=False, maxiter=1000)
    finally:
        ctx.__exit__(None, None, None)


def ets_fits(task: Task, train_end: int) -> dict[str, object]:
    """Every usable form of :data:`ETS_FORMS` (see :func:`ets_fits_one`)."""
    fits = {name: ets_fits_one(task, train_end, name) for name in ETS_FORMS}
    return {name: fit for name, fit in fits.items() if fit is not None}


def ets(task: Task, train_end: int, horizon: int) -> Forecast:
    """ETS, the form with the smallest AIC among :func:`ets_fits`; sd from its prediction intervals."""
    fits = ets_fits(task, train_end)
    best = min(fits.values(), key=lambda f: f.aic)
    # multiplicative forms simulate their intervals: seeded, so that a run repeats itself exactly
    pred = best.get_prediction(start=train_end, end=train_end + horizon - 1, rng=np.random.default_rng(0))
    mean, sd = np.asarray(pred.predicted_mean), np.sqrt(np.asarray(pred.var_pred_mean))
    return _zero_closed(task, train_end, Forecast(mean, sd))


#: SARIMA is fitted on at most this many last steps (a year of days): its cost grows with the length.
SARIMA_WINDOW = 365


def sarima(task: Task, train_end: int, horizon: int) -> Forecast:
    """Seasonal ARIMA(1,0,1)(0,1,1)_m with drift, on the last :data:`SARIMA_WINDOW` open values
    (ARIMA(1,1,1) without a season)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    y, m = _open_values(task, train_end)[-SARIMA_WINDOW:], task.season
    seasonal = (0, 1, 1, m) if 1 < m <= 13 and len(y) >= 3 * m else (0, 0, 0, 0)
    order, trend = ((1, 0, 1), "c") if seasonal[3] else ((1, 1, 1), None)
    ctx = _quiet()
    try:
        fit = SARIMAX(y, order=order, seasonal_order=seasonal, trend=trend).fit(disp=False, maxiter=200)
        fc = fit.get_forecast(horizon)
    finally:
        ctx.__exit__(None, None, None)
    return _zero_closed(task, train_end, Forecast(np.asarray(fc.predicted_mean), np.asarray(fc.se_mean)))


def theta(task: Task, train_end: int, horizon: int) -> Forecast:
    """The Theta method (statsmodels ``ThetaModel``), deseasonalised when there is a season."""
    from scipy.stats import norm
    from statsmodels.tsa.forecasting.theta import ThetaModel

    y, m = _open_values(task, train_end), task.season
    seasonal = m > 1 and len(y) >= 2 * m
    method = "multiplicative" if np.all(y > 0) else "additive"
    ctx = _quiet()
    try:
        fit = ThetaModel(y, period=m if seasonal else None, deseasonalize=seasonal, method=method).fit()
        mean = np.asarray(fit.forecast(horizon))
        pi = np.asarray(fit.prediction_intervals(horizon, alpha=0.05))
    finally:
        ctx.__exit__(None, None, None)
    sd = (pi[:, 1] - pi[:, 0]) / (2 * norm.ppf(0.975))
    return _zero_closed(task, train_end, Forecast(mean, sd))


Forecaster = Callable[[Task, int, int], Forecast]

#: The baselines: they ignore the calendar.
BASELINES: dict[str, Forecaster] = {
    "mean": mean_forecast, "naive": naive, "seasonal naive": seasonal_naive, "drift": drift,
}
#: The models that know the calendar (closures forecast as zero).
CALENDAR_MODELS: dict[str, Forecaster] = {
    "calendar regression": calendar_regression, "gradient boosting": gradient_boosting,
    "ETS": ets, "SARIMA": sarima, "Theta": theta,
}
#: Every model of the chapter, by the name the page shows.
MODELS: dict[str, Forecaster] = {**BASELINES, **CALENDAR_MODELS}
