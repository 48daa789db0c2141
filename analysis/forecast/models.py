r"""The forecasters of the chapter, as scikit-learn estimators.

Every forecaster is a :class:`Forecaster` (a :class:`sklearn.base.BaseEstimator`):
hyper-parameters in ``__init__``; ``fit(task, train_end, horizon)`` learns from
``task.y[:train_end]`` only and keeps what it learned in attributes ending in
``_``; ``predict(horizon)`` returns a :class:`Forecast` of the ``horizon`` steps
after ``train_end``: the point forecast and, where the model gives one, the
standard deviation of each step's forecast error. The calendar (dates, known
closures, known promotion days) a model may read for any step, because a shop
knows its own calendar in advance; ``fit`` keeps it (``calendar_``) for the
future steps ``predict`` forecasts.

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

References
----------
.. [1] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
   Practice*, 3rd ed. OTexts, Melbourne. https://otexts.com/fpp3/
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from analysis.errors import DataError
from analysis.forecast.series import SalesSeries

__all__ = [
    "BASELINES",
    "CALENDAR_MODELS",
    "ETS",
    "ETS_FORMS",
    "MODELS",
    "SARIMA",
    "CalendarRegression",
    "Combination",
    "Croston",
    "Drift",
    "Forecast",
    "Forecaster",
    "GradientBoosting",
    "MeanForecast",
    "Naive",
    "SeasonalNaive",
    "Task",
    "Theta",
    "open_values",
    "ses_level",
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


def open_values(task: Task, train_end: int) -> np.ndarray:
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


@contextmanager
def _quiet() -> Iterator[None]:
    """statsmodels' convergence and numerical warnings silenced (the fits are checked by their error)."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message=".*(overflow|invalid value|divide by zero).*",
                                category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="Non-invertible|Non-stationary", category=UserWarning)
        yield


# ------------------------------------------------------------------ the base class
class Forecaster(BaseEstimator):
    """What every forecaster shares: the fit's bookkeeping, the "fitted?" check and the closures.

    Subclasses set their hyper-parameters in ``__init__`` (and nothing else), start
    ``fit`` with :meth:`_start` and ``predict`` with :meth:`_future`, and return the
    forecast through :meth:`_zero_closed` when they know the calendar.

    Attributes
    ----------
    train_end_ : int
        The number of values the model was fitted on (``task.y[:train_end_]``).
    horizon_ : int
        The steps ahead the model was fitted for (the default of :meth:`predict`).
    calendar_ : Task
        The task as the fit saw it: the values up to ``train_end_``, the calendar
        (dates, closures, promotion days) as far as the task's runs.
    """

    #: Whether the model reads the calendar: it forecasts zero on a known closure and needs the calendar of
    #: every step it forecasts.
    knows_calendar: bool = False

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> Forecaster:
        """Learn from ``task.y[:train_end]`` (and the calendar); return the fitted model.

        Parameters
        ----------
        task : Task
            The series and its calendar.
        train_end : int, optional
            Fit on the first ``train_end`` values (default: every value).
        horizon : int, optional
            The steps ahead the forecasts are for (default: one season). Only the
            models whose fit depends on it read it (:class:`CalendarRegression`
            chooses its window by the error at this horizon, :class:`GradientBoosting`
            scales the level this many steps earlier); it is the default of
            :meth:`predict`.

        Returns
        -------
        self
        """
        raise NotImplementedError  # pragma: no cover - every subclass overrides

    def predict(self, horizon: int | None = None) -> Forecast:
        """The forecast of the ``horizon`` steps after the training values.

        Parameters
        ----------
        horizon : int, optional
            The number of steps (default: the ``horizon`` of :meth:`fit`).

        Returns
        -------
        Forecast
            The point forecast of each step and, where the model gives one, the
            standard deviation of its error.

        Raises
        ------
        DataError
            When the model is not fitted, or it reads the calendar and the task's
            calendar ends before the last step.
        """
        raise NotImplementedError  # pragma: no cover - every subclass overrides

    def _start(self, task: Task, train_end: int | None, horizon: int | None) -> Task:
        """Check the arguments of ``fit``, set ``train_end_``, ``horizon_`` and ``calendar_``; the task cut to
        its training values."""
        name = type(self).__name__
        n = len(task)
        train_end = n if train_end is None else train_end
        if isinstance(train_end, bool) or not isinstance(train_end, int | np.integer) or not 1 <= train_end <= n:
            raise DataError(f"{name} cannot fit on the first {train_end!r} values of a series of {n}.",
                            parameter="train_end", fix=f"give a whole number from 1 to {n} (or None: every value)")
        horizon = max(task.season, 1) if horizon is None else horizon
        if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
            raise DataError(f"{name} cannot be fitted for {horizon!r} steps ahead.", parameter="horizon",
                            fix="give a whole number of steps, 1 or more (or None: one season)")
        self.train_end_ = int(train_end)
        self.horizon_ = int(horizon)
        self.calendar_ = replace(task, y=task.y[: self.train_end_])
        return self.calendar_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "train_end_")

    def _future(self, horizon: int | None) -> np.ndarray:
        """The steps ``predict(horizon)`` forecasts, once the model is fitted and their calendar is known."""
        name = type(self).__name__
        if not self.__sklearn_is_fitted__():
            raise DataError(f"{name} is not fitted yet: predict forecasts from what fit learned.",
                            fix=f"call {name}(...).fit(task, train_end) first, then predict(horizon)")
        horizon = self.horizon_ if horizon is None else horizon
        if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
            raise DataError(f"{name} cannot forecast {horizon!r} steps.", parameter="horizon",
                            fix="give a whole number of steps, 1 or more")
        steps = _steps(self.train_end_, int(horizon))
        known = len(self.calendar_.dates)
        if self.knows_calendar and steps[-1] >= known:
            raise DataError(
                f"{name} reads the calendar of every step it forecasts, but the task's calendar ends "
                f"{known - self.train_end_} steps after the fit's last value and {horizon} were asked for.",
                parameter="horizon",
                fix="fit on a task whose calendar runs on: analysis.forecast.products.future_task(task, horizon)",
            )
        return steps

    def _zero_closed(self, f: Forecast) -> Forecast:
        """``f`` with zero forecast (and zero sd) on the steps the calendar marks as closed."""
        shut = self.calendar_.closed[_steps(self.train_end_, len(f.mean))]
        mean = np.where(shut, 0.0, f.mean)
        sd = None if f.sd is None else np.where(shut, 0.0, f.sd)
        return Forecast(mean, sd)


# ------------------------------------------------------------------ baselines
def _residual_sd(r: np.ndarray) -> float:
    r = r[np.isfinite(r)]
    return float(np.sqrt(np.mean(r**2))) if len(r) else 0.0


class MeanForecast(Forecaster):
    r"""The mean of the training values, for every step.

    .. math:: \hat y_{T+h} = \bar y, \qquad \sigma_h = s\sqrt{1 + 1/T},

    with :math:`s` the sample standard deviation of the :math:`T` training values
    (Hyndman and Athanasopoulos 2021, 5.2 and 5.5).

    Attributes
    ----------
    level_ : float
        The training mean :math:`\bar y`.
    sigma_ : float
        The sample standard deviation :math:`s` (``ddof=1``).
    n_ : int
        The number of training values :math:`T`.

    References
    ----------
    .. [1] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., sections 5.2 and 5.5. https://otexts.com/fpp3/
    """

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> MeanForecast:
        y = self._start(task, train_end, horizon).y
        self.level_ = y.mean()
        self.sigma_ = float(np.std(y, ddof=1))
        self.n_ = len(y)
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        h = len(self._future(horizon))
        sd = self.sigma_ * np.sqrt(1 + 1 / self.n_)
        return Forecast(np.full(h, self.level_), np.full(h, sd))


class Naive(Forecaster):
    r"""The last training value, for every step.

    .. math:: \hat y_{T+h} = y_T, \qquad \sigma_h = \sigma\sqrt{h},

    with :math:`\sigma` the root mean square of the one-step changes
    :math:`y_t - y_{t-1}` (Hyndman and Athanasopoulos 2021, 5.2 and 5.5).

    Attributes
    ----------
    level_ : float
        The last training value :math:`y_T`.
    sigma_ : float
        The root mean square of the one-step changes.

    References
    ----------
    .. [1] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., sections 5.2 and 5.5. https://otexts.com/fpp3/
    """

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> Naive:
        y = self._start(task, train_end, horizon).y
        self.level_ = y[-1]
        self.sigma_ = _residual_sd(np.diff(y))
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        h = len(self._future(horizon))
        return Forecast(np.full(h, self.level_), self.sigma_ * np.sqrt(np.arange(1, h + 1)))


class SeasonalNaive(Forecaster):
    r"""The value one season earlier.

    .. math:: \hat y_{T+h} = y_{T+h-m(k+1)}, \qquad \sigma_h = \sigma\sqrt{k + 1},
              \qquad k = \lfloor (h-1)/m \rfloor,

    with :math:`m` the season length and :math:`\sigma` the root mean square of the
    seasonal changes :math:`y_t - y_{t-m}` (Hyndman and Athanasopoulos 2021, 5.2 and 5.5).

    Attributes
    ----------
    season_ : int
        The season length :math:`m`.
    last_season_ : ndarray of shape (m,)
        The last :math:`m` training values, repeated by the forecast.
    sigma_ : float
        The root mean square of the seasonal changes.

    References
    ----------
    .. [1] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., sections 5.2 and 5.5. https://otexts.com/fpp3/
    """

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> SeasonalNaive:
        y = self._start(task, train_end, horizon).y
        m = task.season
        if len(y) < m:
            raise DataError(f"SeasonalNaive repeats the last season ({m} steps) but was given {len(y)} values.",
                            parameter="train_end", fix=f"fit on at least {m} values")
        self.season_ = m
        self.last_season_ = y[len(y) - m:].copy()
        self.sigma_ = _residual_sd(y[m:] - y[:-m])
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        h = np.arange(len(self._future(horizon)))
        m = self.season_
        return Forecast(self.last_season_[h % m], self.sigma_ * np.sqrt(h // m + 1))


class Drift(Forecaster):
    r"""The line from the first to the last training value, extended.

    .. math:: \hat y_{T+h} = y_T + h\,b, \qquad b = \frac{y_T - y_1}{T - 1}, \qquad
              \sigma_h = \sigma\sqrt{h(1 + h/T)},

    with :math:`\sigma` the root mean square of the one-step changes less the slope
    :math:`b` (Hyndman and Athanasopoulos 2021, 5.2 and 5.5).

    Attributes
    ----------
    level_ : float
        The last training value :math:`y_T`.
    slope_ : float
        The slope :math:`b`.
    sigma_ : float
        The root mean square of :math:`y_t - y_{t-1} - b`.
    n_ : int
        The number of training values :math:`T`.

    References
    ----------
    .. [1] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., sections 5.2 and 5.5. https://otexts.com/fpp3/
    """

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> Drift:
        y = self._start(task, train_end, horizon).y
        if len(y) < 2:
            raise DataError("Drift draws a line through the first and last values but was given one value.",
                            parameter="train_end", fix="fit on at least 2 values")
        self.level_ = y[-1]
        self.slope_ = (y[-1] - y[0]) / (len(y) - 1)
        self.sigma_ = _residual_sd(np.diff(y) - self.slope_)
        self.n_ = len(y)
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        h = np.arange(1, len(self._future(horizon)) + 1)
        return Forecast(self.level_ + self.slope_ * h, self.sigma_ * np.sqrt(h * (1 + h / self.n_)))


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


class CalendarRegression(Forecaster):
    r"""Linear regression on the calendar, fitted on a recent window of open steps.

    .. math:: y_t = \sum_{j=0}^{m-1} \alpha_j [t \bmod m = j] + \beta\,\frac{t}{10m}
              + \gamma\,\mathrm{promo}_t + \varepsilon_t,

    fitted by least squares on the open steps among the last ``window_`` training
    steps. The forecast is :math:`\hat y = x_f^\top \hat\theta` with standard
    deviation

    .. math:: \sigma_h = \sqrt{s^2\,(1 + x_f^\top (X^\top X)^{-1} x_f)},
              \qquad s^2 = \frac{e^\top e}{n - \operatorname{rank} X},

    the prediction standard error of a linear regression (Hyndman and
    Athanasopoulos 2021, 7.9), and zero on known closures. Without a fixed
    ``window`` the window is chosen among ``window_seasons`` seasons (of at least
    6 steps) and the whole history by the smallest mean absolute error of
    ``horizon``-step forecasts from ``inner_origins`` origins inside the training
    data, back to back before its end (Tashman 2000).

    Parameters
    ----------
    window : int, optional
        A fixed training window in steps; ``None`` (default) chooses it as above.
    window_seasons : tuple of int, default (5, 10, 15, 25)
        The windows tried, in seasons.
    inner_origins : int, default 3
        The origins inside the training data the window is chosen on.

    Attributes
    ----------
    window_ : int
        The training window in steps.
    coef_ : ndarray
        :math:`\hat\theta`: one intercept per position in the season, the trend, the promotion effect.
    sigma2_ : float
        The residual variance :math:`s^2`.
    xtx_inv_ : ndarray
        :math:`(X^\top X)^{-1}` (a pseudo-inverse).

    References
    ----------
    .. [1] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., chapter 7. https://otexts.com/fpp3/
    .. [2] Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis
       and review. *International Journal of Forecasting* 16(4), 437-450.
    """

    knows_calendar = True

    def __init__(self, window: int | None = None, window_seasons: tuple[int, ...] = WINDOW_SEASONS,
                 inner_origins: int = INNER_ORIGINS) -> None:
        self.window = window
        self.window_seasons = window_seasons
        self.inner_origins = inner_origins

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> CalendarRegression:
        task = self._start(task, train_end, horizon)
        train_end = self.train_end_
        self.window_ = self._choose_window(task) if self.window is None else int(self.window)
        steps = np.arange(max(0, train_end - self.window_), train_end)
        steps = steps[~task.closed[steps]]
        X, y = _design(task, steps), task.y[steps]
        self.coef_, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ self.coef_
        dof = max(len(resid) - np.linalg.matrix_rank(X), 1)
        self.sigma2_ = float(resid @ resid) / dof
        self.xtx_inv_ = np.linalg.pinv(X.T @ X)
        return self

    def _choose_window(self, task: Task) -> int:
        """The training window (in steps) with the smallest MAE over the inner origins."""
        train_end, horizon = self.train_end_, self.horizon_
        m = max(task.season, 6)
        windows = sorted({min(s * m, train_end) for s in self.window_seasons} | {train_end})
        inner = [train_end - k * horizon for k in range(self.inner_origins, 0, -1)]
        inner = [o for o in inner if o >= 2 * m + 2]
        if not inner:
            return windows[-1]
        errors = []
        for w in windows:
            model = CalendarRegression(window=w)
            err = [np.abs(task.y[o:o + horizon] - model.fit(task, o, horizon).predict(horizon).mean).mean()
                   for o in inner]
            errors.append(np.mean(err))
        return windows[int(np.argmin(errors))]

    def predict(self, horizon: int | None = None) -> Forecast:
        steps = self._future(horizon)
        Xf = _design(self.calendar_, steps)
        sd = np.sqrt(self.sigma2_ * (1 + np.einsum("ij,jk,ik->i", Xf, self.xtx_inv_, Xf)))
        return self._zero_closed(Forecast(Xf @ self.coef_, sd))


# ------------------------------------------------------------ gradient boosting
def _level(y: np.ndarray, steps: np.ndarray, lag: int, m: int) -> np.ndarray:
    """Mean of the season that ended ``lag`` steps before each step (known at the origin)."""
    csum = np.concatenate([[0.0], np.cumsum(y)])
    end = steps - lag + 1
    return (csum[end] - csum[end - m]) / m


class GradientBoosting(Forecaster):
    r"""Gradient-boosted trees on the calendar, predicting each step's ratio to a known level.

    The target of step :math:`t` is :math:`y_t / \ell_{t-H}`, with
    :math:`\ell_{t-H} = \frac{1}{m}\sum_{i=0}^{m-1} y_{t-H-i}` the mean of the season
    that ended ``horizon`` (:math:`H`) steps earlier, so that every level a forecast
    needs is known at the origin; the features are the position in the season, the
    day of the year, the promotion and the closure flags. The forecast is
    :math:`\hat y_t = \hat r(x_t)\,\ell_{t-H}`, zero on known closures; no standard
    deviation. The regressor is scikit-learn's ``HistGradientBoostingRegressor``
    (gradient boosting, Friedman 2001).

    Parameters
    ----------
    max_iter : int, default 60
        Boosting iterations.
    learning_rate : float, default 0.15
        Shrinkage of each tree.
    seed : int, default 0
        ``random_state`` of the regressor.

    Attributes
    ----------
    model_ : sklearn.ensemble.HistGradientBoostingRegressor
        The fitted regressor of the ratios.
    level_ : ndarray of shape (horizon_,)
        :math:`\ell_{t-H}` for each of the ``horizon_`` steps after the training values.

    References
    ----------
    .. [1] Friedman, J. H. (2001). Greedy function approximation: a gradient boosting
       machine. *The Annals of Statistics* 29(5), 1189-1232.
    """

    knows_calendar = True

    def __init__(self, max_iter: int = 60, learning_rate: float = 0.15, seed: int = 0) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.seed = seed

    @staticmethod
    def _features(task: Task, steps: np.ndarray) -> np.ndarray:
        m = max(task.season, 1)
        return np.column_stack([steps % m, task.dates[steps].day_of_year, task.promo[steps], task.closed[steps]])

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> GradientBoosting:
        from sklearn.ensemble import HistGradientBoostingRegressor
        from threadpoolctl import threadpool_limits

        task = self._start(task, train_end, horizon)
        y, train_end, horizon = task.y, self.train_end_, self.horizon_
        m = max(task.season, 1)
        rows = np.arange(horizon + m - 1, train_end)
        level = _level(y, rows, horizon, m)
        keep = level > 0
        rows, level = rows[keep], level[keep]
        self.model_ = HistGradientBoostingRegressor(max_iter=self.max_iter, learning_rate=self.learning_rate,
                                                    random_state=self.seed)
        with threadpool_limits(1):  # a few hundred rows: threads cost more than they give
            self.model_.fit(self._features(task, rows), y[rows] / level)
        full = np.concatenate([y, np.zeros(horizon)])
        self.level_ = _level(full, _steps(train_end, horizon), horizon, m)
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        from threadpoolctl import threadpool_limits

        steps = self._future(horizon)
        if len(steps) > self.horizon_:
            raise DataError(
                f"GradientBoosting was fitted for {self.horizon_} steps ahead (each forecast scales the level "
                f"{self.horizon_} steps earlier) and cannot forecast {len(steps)}.",
                parameter="horizon", fix=f"fit with horizon={len(steps)}",
            )
        with threadpool_limits(1):
            ratio = self.model_.predict(self._features(self.calendar_, steps))
        return self._zero_closed(Forecast(ratio * self.level_[: len(steps)]))


# ------------------------------------------------------------ statsmodels models
#: ETS forms tried (error, trend, damped, seasonal), named as in Hyndman's taxonomy.
ETS_FORMS: dict[str, tuple[str, str | None, bool, str | None]] = {
    "ETS(A,N,A)": ("add", None, False, "add"),
    "ETS(A,Ad,A)": ("add", "add", True, "add"),
    "ETS(M,N,M)": ("mul", None, False, "mul"),
    "ETS(M,Ad,M)": ("mul", "add", True, "mul"),
}


class ETS(Forecaster):
    r"""Exponential smoothing in state-space form, the form with the smallest AIC.

    Each form of ``forms`` (:data:`ETS_FORMS`: additive or multiplicative errors and
    season, no trend or a damped one) is fitted by maximum likelihood (statsmodels
    ``ETSModel``) to the open training values (closures filled with the value one
    season earlier; seasonal only with two full seasons and two steps more;
    multiplicative forms only on positive values), and the one with the smallest

    .. math:: \mathrm{AIC} = -2 \log L + 2k

    forecasts (Hyndman et al. 2008; Hyndman and Athanasopoulos 2021, chapter 8):
    the mean of its forecast distribution and, with ``intervals``, its standard
    deviation (simulated, seeded, for multiplicative forms); zero on known closures.

    Parameters
    ----------
    forms : tuple of str, optional
        The names in :data:`ETS_FORMS` to try (default: all of them).
    intervals : bool, default True
        Give the standard deviation of each step; ``False`` gives point forecasts
        only (``results_.forecast``), without the simulation a multiplicative form
        needs for its intervals.
    seed : int, default 0
        Seed of that simulation, so that a run repeats itself exactly.

    Attributes
    ----------
    fits_ : dict of str to ETSResults
        Every form that could be fitted, by name (their ``aic`` is the AIC table).
    form_ : str
        The form with the smallest AIC.
    results_ : ETSResults
        Its statsmodels fit.

    References
    ----------
    .. [1] Hyndman, R. J., Koehler, A. B., Ord, J. K. and Snyder, R. D. (2008).
       *Forecasting with Exponential Smoothing: The State Space Approach*. Springer.
    .. [2] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., chapter 8. https://otexts.com/fpp3/
    """

    knows_calendar = True

    def __init__(self, forms: tuple[str, ...] | None = None, intervals: bool = True, seed: int = 0) -> None:
        self.forms = forms
        self.intervals = intervals
        self.seed = seed

    @staticmethod
    def _fit_form(task: Task, train_end: int, name: str):
        """The form ``name`` fitted to the open training values; ``None`` for a multiplicative form on values
        that are not all positive."""
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        y = pd.Series(open_values(task, train_end))
        error, trend, damped, seasonal = ETS_FORMS[name]
        if error == "mul" and not (y > 0).all():
            return None
        m = task.season
        seasonal = seasonal if m > 1 and len(y) >= 2 * m + 2 else None
        with _quiet():
            model = ETSModel(y, error=error, trend=trend, damped_trend=damped, seasonal=seasonal,
                             seasonal_periods=m if seasonal else None)
            return model.fit(disp=False, maxiter=1000)

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> ETS:
        names = tuple(ETS_FORMS) if self.forms is None else tuple(self.forms)
        unknown = [n for n in names if n not in ETS_FORMS]
        if unknown or not names:
            raise DataError(f"ETS knows the forms {', '.join(ETS_FORMS)}; it was given {list(names)}.",
                            parameter="forms", fix="name forms of analysis.forecast.models.ETS_FORMS (or None)")
        task = self._start(task, train_end, horizon)
        fits = {name: self._fit_form(task, self.train_end_, name) for name in names}
        self.fits_ = {name: fit for name, fit in fits.items() if fit is not None}
        if not self.fits_:
            raise DataError(f"No ETS form of {list(names)} fits: multiplicative forms need positive values.",
                            parameter="forms", fix="include an additive form, such as ETS(A,N,A)")
        self.form_ = min(self.fits_, key=lambda name: self.fits_[name].aic)
        self.results_ = self.fits_[self.form_]
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        steps = self._future(horizon)
        if not self.intervals:
            return self._zero_closed(Forecast(np.asarray(self.results_.forecast(len(steps)))))
        # multiplicative forms simulate their intervals: seeded, so that a run repeats itself exactly
        start = self.train_end_
        pred = self.results_.get_prediction(start=start, end=start + len(steps) - 1,
                                            rng=np.random.default_rng(self.seed))
        mean, sd = np.asarray(pred.predicted_mean), np.sqrt(np.asarray(pred.var_pred_mean))
        return self._zero_closed(Forecast(mean, sd))


#: SARIMA is fitted on at most this many last steps (a year of days): its cost grows with the length.
SARIMA_WINDOW = 365


class SARIMA(Forecaster):
    r"""Seasonal ARIMA :math:`(1,0,1)(0,1,1)_m` with drift, on the last open values.

    .. math:: (1 - \phi B)(1 - B^m)\,y_t = c + (1 + \theta B)(1 + \Theta B^m)\,\varepsilon_t,

    with :math:`B` the backshift operator, fitted by maximum likelihood (statsmodels
    ``SARIMAX``) to the last ``window`` open values (closures filled with the value
    one season earlier); ARIMA(1,1,1) without a constant when there is no season
    (or it is longer than 13 steps, or there are fewer than three seasons). The
    standard deviation is the state-space forecast's standard error; zero on known
    closures (Box et al. 2015; Hyndman and Athanasopoulos 2021, chapter 9).

    Parameters
    ----------
    window : int, default 365
        The last steps fitted on (the fit's cost grows with the length).

    Attributes
    ----------
    order_ : tuple of int
        :math:`(p, d, q)`.
    seasonal_order_ : tuple of int
        :math:`(P, D, Q, m)`, all zero without a season.
    results_ : SARIMAXResults
        The statsmodels fit.

    References
    ----------
    .. [1] Box, G. E. P., Jenkins, G. M., Reinsel, G. C. and Ljung, G. M. (2015).
       *Time Series Analysis: Forecasting and Control*, 5th ed. Wiley.
    .. [2] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., chapter 9. https://otexts.com/fpp3/
    """

    knows_calendar = True

    def __init__(self, window: int = SARIMA_WINDOW) -> None:
        self.window = window

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> SARIMA:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        task = self._start(task, train_end, horizon)
        y, m = open_values(task, self.train_end_)[-self.window:], task.season
        self.seasonal_order_ = (0, 1, 1, m) if 1 < m <= 13 and len(y) >= 3 * m else (0, 0, 0, 0)
        self.order_, trend = ((1, 0, 1), "c") if self.seasonal_order_[3] else ((1, 1, 1), None)
        with _quiet():
            model = SARIMAX(y, order=self.order_, seasonal_order=self.seasonal_order_, trend=trend)
            self.results_ = model.fit(disp=False, maxiter=200)
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        steps = self._future(horizon)
        with _quiet():
            fc = self.results_.get_forecast(len(steps))
        return self._zero_closed(Forecast(np.asarray(fc.predicted_mean), np.asarray(fc.se_mean)))


class Theta(Forecaster):
    r"""The Theta method, deseasonalised when there is a season.

    The forecast combines the linear trend of the (seasonally adjusted) series with
    simple exponential smoothing, which is equivalent to simple exponential
    smoothing with a drift of half the trend's slope (Assimakopoulos and
    Nikolopoulos 2000; Hyndman and Billah 2003), fitted by statsmodels
    ``ThetaModel`` to the open training values (closures filled with the value one
    season earlier); the season is removed (multiplicatively on positive values,
    else additively) when there are two full seasons. The standard deviation is
    read off the model's 95% prediction interval,
    :math:`\sigma_h = (u_h - l_h) / (2 z_{0.975})`; zero on known closures.

    Attributes
    ----------
    method_ : str
        ``"multiplicative"`` or ``"additive"`` deseasonalisation.
    deseasonalize_ : bool
        Whether the season was removed.
    results_ : ThetaModelResults
        The statsmodels fit.

    References
    ----------
    .. [1] Assimakopoulos, V. and Nikolopoulos, K. (2000). The theta model: a decomposition
       approach to forecasting. *International Journal of Forecasting* 16(4), 521-530.
    .. [2] Hyndman, R. J. and Billah, B. (2003). Unmasking the Theta method.
       *International Journal of Forecasting* 19(2), 287-290.
    """

    knows_calendar = True

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> Theta:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        task = self._start(task, train_end, horizon)
        y, m = open_values(task, self.train_end_), task.season
        self.deseasonalize_ = bool(m > 1 and len(y) >= 2 * m)
        self.method_ = "multiplicative" if np.all(y > 0) else "additive"
        with _quiet():
            model = ThetaModel(y, period=m if self.deseasonalize_ else None, deseasonalize=self.deseasonalize_,
                               method=self.method_)
            self.results_ = model.fit()
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        from scipy.stats import norm

        h = len(self._future(horizon))
        with _quiet():
            mean = np.asarray(self.results_.forecast(h))
            pi = np.asarray(self.results_.prediction_intervals(h, alpha=0.05))
        sd = (pi[:, 1] - pi[:, 0]) / (2 * norm.ppf(0.975))
        return self._zero_closed(Forecast(mean, sd))


# ------------------------------------------------------------ intermittent demand and combinations
def ses_level(x: np.ndarray, alpha: float) -> float:
    r"""The last level of simple exponential smoothing, :math:`\ell_t = \ell_{t-1} + \alpha (x_t - \ell_{t-1})`,
    started at :math:`\ell_1 = x_1` (Hyndman and Athanasopoulos 2021, 8.1); NaN for an empty ``x``."""
    x = np.asarray(x, dtype=np.float64)
    if not len(x):
        return float("nan")
    level = x[0]
    for value in x[1:]:
        level += alpha * (value - level)
    return float(level)


class Croston(Forecaster):
    r"""Croston's method for intermittent demand, on the open steps.

    The demand sizes :math:`z` (the values above zero) and the intervals :math:`p`
    between them (in open steps, the first counted from the start) are each smoothed
    by simple exponential smoothing with the same :math:`\alpha` (:func:`ses_level`);
    the forecast of every step is their ratio,

    .. math:: \hat y_{T+h} = \hat z_T / \hat p_T ,

    zero on known closures and 0 when the training values hold no demand; no
    standard deviation (Croston 1972; Hyndman and Athanasopoulos 2021, 13.3).
    Closed steps are left out before the intervals are counted: a closure is not
    a day without demand.

    Parameters
    ----------
    alpha : float, default 0.1
        The smoothing weight of both sizes and intervals (Croston's classic value).

    Attributes
    ----------
    size_ : float
        :math:`\hat z_T`, the smoothed demand size.
    interval_ : float
        :math:`\hat p_T`, the smoothed interval between demands.
    level_ : float
        The forecast of each open step, :math:`\hat z_T / \hat p_T`.

    References
    ----------
    .. [1] Croston, J. D. (1972). Forecasting and stock control for intermittent demands.
       *Operational Research Quarterly* 23(3), 289-303.
    .. [2] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., section 13.3. https://otexts.com/fpp3/
    """

    knows_calendar = True

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> Croston:
        if not 0 < self.alpha <= 1:
            raise DataError(f"Croston smooths with a weight between 0 and 1, not {self.alpha!r}.",
                            parameter="alpha", fix="give alpha in (0, 1], e.g. 0.1")
        task = self._start(task, train_end, horizon)
        y = task.y[~task.closed[: self.train_end_]]
        demand = np.flatnonzero(y > 0)
        if not len(demand):
            self.size_, self.interval_, self.level_ = 0.0, float("nan"), 0.0
            return self
        self.size_ = ses_level(y[demand], self.alpha)
        self.interval_ = ses_level(np.diff(np.concatenate([[-1], demand])).astype(np.float64), self.alpha)
        self.level_ = self.size_ / self.interval_
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        h = len(self._future(horizon))
        return self._zero_closed(Forecast(np.full(h, self.level_)))


class Combination(Forecaster):
    r"""The median (or mean) of several forecasters' point forecasts, step by step.

    Each member is fitted afresh on the same values; the forecast of step :math:`t` is

    .. math:: \hat y_t = \operatorname{median}_k \hat y^{(k)}_t

    (with ``how="mean"``, their mean), at least 0 and zero on known closures; no
    standard deviation. Combining forecasts is one of the most reliable ways to
    reduce forecast error (Hyndman and Athanasopoulos 2021, 13.4; the M4
    competition, Makridakis et al. 2020); the median is not pulled by one member's
    wild forecast.

    Parameters
    ----------
    members : tuple of Forecaster, optional
        The forecasters combined (default: :class:`CalendarRegression`,
        :class:`SeasonalNaive` and :class:`Croston`).
    how : {"median", "mean"}, default "median"
        How the members' forecasts are combined.

    Attributes
    ----------
    members_ : list of Forecaster
        The fitted members.

    References
    ----------
    .. [1] Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
       Practice*, 3rd ed., section 13.4. https://otexts.com/fpp3/
    .. [2] Makridakis, S., Spiliotis, E. and Assimakopoulos, V. (2020). The M4 competition:
       100,000 time series and 61 forecasting methods. *International Journal of
       Forecasting* 36(1), 54-74.
    """

    knows_calendar = True

    def __init__(self, members: tuple[Forecaster, ...] | None = None, how: str = "median") -> None:
        self.members = members
        self.how = how

    def fit(self, task: Task, train_end: int | None = None, horizon: int | None = None) -> Combination:
        from sklearn.base import clone

        if self.how not in ("median", "mean"):
            raise DataError(f"Combination combines by 'median' or 'mean', not {self.how!r}.", parameter="how",
                            fix="give how='median' or how='mean'")
        members = (CalendarRegression(), SeasonalNaive(), Croston()) if self.members is None else self.members
        if not members:
            raise DataError("Combination was given no members to combine.", parameter="members",
                            fix="give at least one forecaster, e.g. (CalendarRegression(), Croston())")
        self._start(task, train_end, horizon)
        self.members_ = [clone(m).fit(task, self.train_end_, self.horizon_) for m in members]
        return self

    def predict(self, horizon: int | None = None) -> Forecast:
        h = len(self._future(horizon))
        each = np.array([m.predict(h).mean for m in self.members_], dtype=np.float64)
        mean = np.median(each, axis=0) if self.how == "median" else each.mean(axis=0)
        return self._zero_closed(Forecast(np.maximum(mean, 0.0)))


#: The baselines: they ignore the calendar.
BASELINES: dict[str, type[Forecaster]] = {
    "mean": MeanForecast, "naive": Naive, "seasonal naive": SeasonalNaive, "drift": Drift,
}
#: The models that know the calendar (closures forecast as zero).
CALENDAR_MODELS: dict[str, type[Forecaster]] = {
    "calendar regression": CalendarRegression, "gradient boosting": GradientBoosting,
    "ETS": ETS, "SARIMA": SARIMA, "Theta": Theta,
}
#: Every model of the chapter, by the name the page shows.
MODELS: dict[str, type[Forecaster]] = {**BASELINES, **CALENDAR_MODELS}
