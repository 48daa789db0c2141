r"""Rolling-origin evaluation with model and conformal prediction intervals.

:func:`backtest` fits a fresh copy of every model (:func:`sklearn.base.clone`)
at ``n_calibration + n_origins`` rolling
origins (expanding window, test windows back to back, the last ending on the
last step; :func:`analysis.split.rolling_origins`). The last ``n_origins`` are
scored; the ``n_calibration`` before them only provide forecast errors for the
first conformal intervals.

**Conformal intervals** (split conformal prediction with a normalised score, as
in the locally weighted conformal intervals of Lei et al. 2018 and the
conformalized scalar uncertainty of Angelopoulos and Bates 2023) at origin
:math:`k` come from the forecast errors of the same model at the
``n_calibration`` origins before :math:`k` (all known at origin :math:`k`), each
divided by its origin's **recent level** :math:`\bar y_{\mathrm{rec}}`, the mean
of the series over the open steps among the ``horizon`` steps before that origin
(:func:`recent_level`; known when the forecast is made):
:math:`\varsigma = |y - \hat y| / \bar y_{\mathrm{rec}}`. With :math:`n` such
scores the interval at level :math:`1 - \alpha` is
:math:`\hat y \pm \hat\varsigma\,\bar y_{\mathrm{rec}}` (the lower end at least
0) with :math:`\hat\varsigma` the :math:`\lceil (n + 1)(1 - \alpha) \rceil`-th
smallest score (:func:`conformal_quantile`). Scaled by the level, because the
size of a sales error grows with the level of sales; by the level *before the
origin*, not by each step's own forecast, because a score divided by a forecast
near zero (a quiet weekday forecast low after a dip) is huge: a few such ratios
set the top quantiles, and intervals proportional to the forecast came out far
wider than their level on Online Retail (``benchmarks/forecast.py``). One
absolute score, not two tails, because with about a hundred errors a 95 %
interval's own tails rest on the second largest error on each side. Steps the
model knows to be closed (forecast 0 on a closure of the task) are neither
scored nor given a width: their interval is [0, 0].
**Model intervals** are :math:`\hat y \pm z_{1-\alpha/2}\,\sigma_h` with
the model's own :math:`\sigma_h` (models that give none have none).

:func:`conformal_bounds` gives equal-tailed bounds from relative errors
:math:`(y - \hat y)/\hat y`, for the totals of :mod:`analysis.forecast.ahead`
(a total over several steps is rarely near zero).

References
----------
.. [1] Lei, J., G'Sell, M., Rinaldo, A., Tibshirani, R. J. and Wasserman, L. (2018).
   Distribution-free predictive inference for regression. *JASA* 113(523), 1094-1111.
.. [2] Angelopoulos, A. N. and Bates, S. (2023). Conformal prediction: a gentle introduction.
   *Foundations and Trends in Machine Learning* 16(4), 494-591.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import clone

from analysis.errors import DataError
from analysis.evaluate import forecast as M
from analysis.forecast.models import MODELS, Forecaster, Task
from analysis.split import rolling_origins

__all__ = ["Backtest", "backtest", "conformal_bounds", "conformal_quantile", "level_name", "recent_level"]

#: Rolling origins before the scored ones, whose errors calibrate the first conformal intervals.
N_CALIBRATION = 4


def level_name(level: float) -> str:
    """``0.8`` -> ``"80"``: the suffix of interval columns."""
    return f"{100 * level:g}"


@dataclass(frozen=True)
class Backtest:
    """Forecasts of every model at every origin (long form, ``scored`` False at the calibration
    origins) and the scores per model (scored origins only)."""

    forecasts: pd.DataFrame
    scores: pd.DataFrame
    levels: tuple[float, ...]
    season: int


def conformal_bounds(mean: np.ndarray, errors: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Equal-tailed lower and upper bounds of ``mean`` from past relative errors, each tail's rank finite-sample
    corrected (:math:`\lfloor (n + 1)\alpha/2 \rfloor`-th and :math:`\lceil (n + 1)(1 - \alpha/2) \rceil`-th
    smallest): the totals' intervals of :mod:`analysis.forecast.ahead`."""
    e = np.sort(errors[np.isfinite(errors)])
    n = len(e)
    if n == 0:
        return np.full(len(mean), np.nan), np.full(len(mean), np.nan)
    a = (1 - level) / 2
    eps = 1e-9  # (1 - 0.8) / 2 is 0.0999...: rank positions computed without rounding noise
    lo = e[max(int(np.floor((n + 1) * a + eps)) - 1, 0)]
    hi = e[min(int(np.ceil((n + 1) * (1 - a) - eps)) - 1, n - 1)]
    return np.maximum(mean * (1 + lo), 0.0), mean * (1 + hi)


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    r"""The conformal quantile of past scores at ``level``: the :math:`\lceil (n + 1) \cdot level \rceil`-th
    smallest of the :math:`n` finite scores (at most the largest; NaN without any)."""
    s = np.sort(np.asarray(scores, dtype=np.float64))
    s = s[np.isfinite(s)]
    if len(s) == 0:
        return float("nan")
    k = int(np.ceil((len(s) + 1) * level - 1e-9))  # 1e-9: no rounding noise in (n + 1) * level
    return float(s[min(max(k, 1), len(s)) - 1])


def recent_level(y: np.ndarray, closed: np.ndarray, end: int, steps: int) -> float:
    """The mean of ``y`` over the open steps among the ``steps`` before ``end``; over all open steps before
    ``end`` when those sold nothing (intermittent demand); NaN when none did."""
    y, open_ = np.asarray(y[:end], dtype=np.float64), ~np.asarray(closed[:end], dtype=bool)
    for start in (max(end - steps, 0), 0):
        part = y[start:][open_[start:]]
        if len(part) and np.nanmean(part) > 0:
            return float(np.nanmean(part))
    return float("nan")


def _run_model(task: Task, model: Forecaster, origins) -> tuple[list[dict], float]:
    rows, start = [], time.perf_counter()
    for o in origins:
        horizon = o.test_end - o.train_end
        f = clone(model).fit(task, o.train_end, horizon).predict(horizon)
        sd = np.full(len(f.mean), np.nan) if f.sd is None else f.sd
        for i, step in enumerate(range(o.train_end, o.test_end)):
            rows.append({"origin": o.number, "step": step, "h": i + 1, "date": task.dates[step],
                         "actual": task.y[step], "forecast": float(f.mean[i]), "sd": float(sd[i])})
    return rows, time.perf_counter() - start


def _add_intervals(df: pd.DataFrame, task: Task, levels: Sequence[float], n_cal: int) -> pd.DataFrame:
    df = df.copy()
    steps = df.groupby("origin")["step"].agg(["min", "size"])
    scale = {o: recent_level(task.y, task.closed, int(r["min"]), int(r["size"])) for o, r in steps.iterrows()}
    df["scale"] = df["origin"].map(scale).astype(np.float64)
    known_shut = task.closed[df["step"].to_numpy()] & (df["forecast"].to_numpy() == 0)
    df["scaled_error"] = np.where(known_shut, np.nan, (df["actual"] - df["forecast"]).abs() / df["scale"])
    for level in levels:
        z = norm.ppf(0.5 + level / 2)
        name = level_name(level)
        df[f"model_lower_{name}"] = np.maximum(df["forecast"] - z * df["sd"], 0.0)
        df[f"model_upper_{name}"] = df["forecast"] + z * df["sd"]
        df[f"lower_{name}"] = np.nan
        df[f"upper_{name}"] = np.nan
    for number, part in df.groupby("origin"):
        if number <= n_cal:
            continue
        past = df.loc[(df["origin"] < number) & (df["origin"] >= number - n_cal), "scaled_error"].to_numpy()
        shut = known_shut[part.index]
        for level in levels:
            half = conformal_quantile(past, level) * part["scale"].to_numpy()
            f = part["forecast"].to_numpy()
            df.loc[part.index, f"lower_{level_name(level)}"] = np.where(shut, 0.0, np.maximum(f - half, 0.0))
            df.loc[part.index, f"upper_{level_name(level)}"] = np.where(shut, 0.0, f + half)
    return df


def _mase(a: np.ndarray, f: np.ndarray, train: np.ndarray, season: int) -> float:
    """MASE, or NaN where it is undefined (a training window on which the seasonal naive makes no error)."""
    try:
        return M.mase(a, f, train, season)
    except DataError:
        return float("nan")


def _scores(df: pd.DataFrame, task: Task, levels: Sequence[float], train_ends: Mapping[int, int]) -> dict:
    per = []
    for number, part in df.groupby("origin"):
        train = task.y[: train_ends[number]]
        a, f = part["actual"].to_numpy(), part["forecast"].to_numpy()
        per.append((M.mae(a, f), M.rmse(a, f), _mase(a, f, train, task.season), M.smape(a, f)))
    per_origin = np.array(per)
    means = [float(np.mean(c[np.isfinite(c)])) if np.isfinite(c).any() else float("nan") for c in per_origin.T]
    out = dict(zip(("mae", "rmse", "mase", "smape"), means, strict=True))
    for level in levels:
        name = level_name(level)
        for kind, prefix in (("", ""), ("model_", "model_")):
            lo, hi = df[f"{prefix}lower_{name}"], df[f"{prefix}upper_{name}"]
            ok = lo.notna() & hi.notna()
            out[f"{kind}coverage_{name}"] = M.coverage(df["actual"][ok], lo[ok], hi[ok]) if ok.any() else np.nan
            out[f"{kind}width_{name}"] = M.interval_width(lo[ok], hi[ok]) if ok.any() else np.nan
    return out


def _combined(task: Task, raws: Mapping[str, list[dict]], members: Sequence[str]) -> list[dict]:
    """The rows of the median of ``members``' forecasts, step by step (no sd), at least 0 and zero on known
    closures: what :class:`~analysis.forecast.models.Combination` of those members forecasts, from the
    members' own backtest rows instead of fitting them again."""
    each = np.array([[r["forecast"] for r in raws[m]] for m in members], dtype=np.float64)
    mean = np.maximum(np.median(each, axis=0), 0.0)
    rows = []
    for r, f in zip(raws[members[0]], mean, strict=True):
        rows.append({**r, "forecast": 0.0 if task.closed[r["step"]] else float(f), "sd": float("nan")})
    return rows


def backtest(
    task: Task,
    horizon: int,
    n_origins: int,
    levels: Sequence[float] = (0.8, 0.95),
    models: Mapping[str, Forecaster] | None = None,
    n_calibration: int = N_CALIBRATION,
    medians: Mapping[str, Sequence[str]] | None = None,
) -> Backtest:
    """Every model at every rolling origin: forecasts, intervals and scores (see the module).

    ``models`` maps the names shown to unfitted :class:`~analysis.forecast.models.Forecaster` objects
    (default: one of each class in :data:`~analysis.forecast.models.MODELS`, with its default parameters).
    ``medians`` maps more names to lists of names in ``models``: the median of those models' forecasts step
    by step (as :class:`~analysis.forecast.models.Combination` forecasts it), scored like the others from
    the members' forecasts, without fitting them again; its ``seconds`` are 0.
    """
    models = {name: cls() for name, cls in MODELS.items()} if models is None else dict(models)
    medians = {} if medians is None else dict(medians)
    unknown = sorted({m for members in medians.values() for m in members} - set(models))
    if unknown or any(not members for members in medians.values()):
        raise DataError(f"The medians combine models that are not among the backtest's: {unknown or 'none given'}.",
                        parameter="medians", fix=f"name models of {sorted(models)}")
    origins = rolling_origins(len(task), horizon, n_origins + n_calibration, min_train=2 * task.season + 2)
    train_ends = {o.number: o.train_end for o in origins}
    frames, rows, raws = [], [], {}
    runs = [(name, model) for name, model in models.items()] + [(name, None) for name in medians]
    for name, model in runs:
        if model is None:
            raw, seconds = _combined(task, raws, list(medians[name])), 0.0
        else:
            raw, seconds = _run_model(task, model, origins)
            raws[name] = raw
        df = _add_intervals(pd.DataFrame(raw), task, levels, n_calibration)
        df.insert(0, "model", name)
        df["scored"] = df["origin"] > n_calibration
        frames.append(df)
        scored = df[df["scored"]]
        rows.append({"model": name, **_scores(scored, task, levels, train_ends), "seconds": seconds})
    scores = pd.DataFrame(rows).set_index("model")
    return Backtest(forecasts=pd.concat(frames, ignore_index=True), scores=scores, levels=tuple(levels),
                    season=task.season)
