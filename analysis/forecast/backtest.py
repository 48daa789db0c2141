r"""Rolling-origin evaluation with model and conformal prediction intervals.

:func:`backtest` fits a fresh copy of every model (:func:`sklearn.base.clone`)
at ``n_calibration + n_origins`` rolling
origins (expanding window, test windows back to back, the last ending on the
last step; :func:`analysis.split.rolling_origins`). The last ``n_origins`` are
scored; the ``n_calibration`` before them only provide forecast errors for the
first conformal intervals.

**Conformal intervals** at origin :math:`k` come from the relative errors
:math:`e = (y - \hat y) / \hat y` of the same model at the
``n_calibration`` origins before :math:`k` (all known at origin :math:`k`):
the interval at level :math:`1 - \alpha` is
:math:`[\hat y (1 + q_{\alpha/2}), \hat y (1 + q_{1 - \alpha/2})]` with
:math:`q` the empirical quantiles of :math:`e`, finite-sample corrected
(:math:`\lceil (n + 1) p \rceil / n`). Relative errors, because the size of a
sales error grows with the level of sales. **Model intervals** are
:math:`\hat y \pm z_{1-\alpha/2}\,\sigma_h` with the model's own
:math:`\sigma_h` (models that give none have none).
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

__all__ = ["Backtest", "backtest", "conformal_bounds", "level_name"]

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
    """Lower and upper bounds from past relative errors (see the module)."""
    e = np.sort(errors[np.isfinite(errors)])
    n = len(e)
    if n == 0:
        return np.full(len(mean), np.nan), np.full(len(mean), np.nan)
    a = (1 - level) / 2
    eps = 1e-9  # (1 - 0.8) / 2 is 0.0999...: rank positions computed without rounding noise
    lo = e[max(int(np.floor((n + 1) * a + eps)) - 1, 0)]
    hi = e[min(int(np.ceil((n + 1) * (1 - a) - eps)) - 1, n - 1)]
    return np.maximum(mean * (1 + lo), 0.0), mean * (1 + hi)


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


def _add_intervals(df: pd.DataFrame, levels: Sequence[float], n_cal: int) -> pd.DataFrame:
    df = df.copy()
    positive = df["forecast"].where(df["forecast"] > 0)
    rel = np.where(df["forecast"] > 0, (df["actual"] - df["forecast"]) / positive, np.nan)
    df["rel_error"] = rel
    for level in levels:
        z = norm.ppf(0.5 + level / 2)
        name = level_name(level)
        df[f"model_lower_{name}"] = np.maximum(df["forecast"] - z * df["sd"], 0.0)
        df[f"model_upper_{name}"] = df["forecast"] + z * df["sd"]
        df[f"lower_{name}"] = np.nan
        df[f"upper_{name}"] = np.nan
    for number, part in df.groupby("origin"):
        past = df.loc[(df["origin"] < number) & (df["origin"] >= number - n_cal), "rel_error"].to_numpy()
        if number <= n_cal:
            continue
        for level in levels:
            lo, hi = conformal_bounds(part["forecast"].to_numpy(), past, level)
            df.loc[part.index, f"lower_{level_name(level)}"] = lo
            df.loc[part.index, f"upper_{level_name(level)}"] = hi
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
        df = _add_intervals(pd.DataFrame(raw), levels, n_calibration)
        df.insert(0, "model", name)
        df["scored"] = df["origin"] > n_calibration
        frames.append(df)
        scored = df[df["scored"]]
        rows.append({"model": name, **_scores(scored, task, levels, train_ends), "seconds": seconds})
    scores = pd.DataFrame(rows).set_index("model")
    return Backtest(forecasts=pd.concat(frames, ignore_index=True), scores=scores, levels=tuple(levels),
                    season=task.season)
