r"""Judging scores of a binary outcome: cross-validation, ranking, calibration, cost.

The positive class (1) is the bad outcome (fraud, default, churn); a case is
*flagged* (reviewed, declined, offered a retention deal) when its score is at
least the threshold :math:`t`. A false positive (a good case flagged) costs
``cost_fp``, a false negative (a bad case let through) ``cost_fn``. With
calibrated probabilities the expected cost of flagging a case of probability
:math:`p` is :math:`(1 - p)\,c_{FP}` and of letting it through :math:`p\,c_{FN}`,
so the cost-minimising threshold is :math:`t^* = c_{FP} / (c_{FP} + c_{FN})`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from analysis._checks import check_int, check_number
from analysis.errors import DataError

__all__ = [
    "bayes_threshold", "by_group", "calibration_table", "confusion_at", "cost_curve", "cross_validate",
    "expected_cost", "min_cost_threshold", "precision_at_share", "recalibrate", "score_metrics",
]  # fmt: skip


def _labels(y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not set(np.unique(y).tolist()) <= {0, 1, False, True}:
        raise DataError("Labels must be a 1-D array of 0 and 1.", column="y",
                        rows=[str(v) for v in np.unique(y)[:5]], fix="code the bad outcome as 1, the other as 0")  # fmt: skip
    return y.astype(np.int8)


def _both_classes(y: np.ndarray, what: str) -> None:
    if y.min() == y.max():
        raise DataError(f"{what} needs both outcomes, but every label is {int(y[0])}.", column="y",
                        fix="use more rows, or fewer folds, so that each part holds both outcomes")  # fmt: skip


def score_metrics(y, p) -> dict[str, float]:
    """ROC AUC, PR AUC (average precision), Brier score and log-loss of scores ``p``."""
    y = _labels(y)
    _both_classes(y, "ROC AUC")
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return {"auc": float(roc_auc_score(y, p)), "pr_auc": float(average_precision_score(y, p)),
            "brier": float(brier_score_loss(y, p)), "log_loss": float(log_loss(y, p, labels=[0, 1]))}  # fmt: skip


def cross_validate(model, X: pd.DataFrame, y, *, folds: int = 5, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """Stratified ``folds``-fold cross-validation: ``(out_of_fold_scores, per_fold_metrics)``.

    Each row is scored by the model fitted on the other folds (shuffled, ``seed``);
    the metrics table has one row per fold.
    """
    y = _labels(y)
    folds = check_int("cv_folds", folds, low=2, fix="use at least 2 folds, e.g. cv_folds: 5")
    smallest = int(min(y.sum(), len(y) - y.sum()))
    if smallest < folds:
        raise DataError(
            f"Stratified {folds}-fold cross-validation needs at least {folds} cases of each outcome; "
            f"the smaller class has {smallest}.",
            column="y", parameter="cv_folds", fix=f"set cv_folds to {max(2, smallest)} or less, or use more data",
        )  # fmt: skip
    oof = np.empty(len(y))
    rows = []
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y)
    with threadpool_limits(limits=1):  # one thread: the same numbers on any machine, no oversubscription
        for k, (train, test) in enumerate(splits):
            fitted = clone(model).fit(X.iloc[train], y[train])
            oof[test] = fitted.predict_proba(X.iloc[test])[:, 1]
            rows.append({"fold": k + 1, **score_metrics(y[test], oof[test])})
    return oof, pd.DataFrame(rows)


def calibration_table(y, p, bins: int = 10) -> pd.DataFrame:
    """Mean score and observed rate per bin of equal counts (quantiles of ``p``)."""
    y = _labels(y)
    bins = check_int("bins", bins, low=2)
    observed, predicted = calibration_curve(y, p, n_bins=min(bins, len(np.unique(p))), strategy="quantile")
    return pd.DataFrame({"predicted": predicted, "observed": observed})


def recalibrate(y, p, method: str = "platt", *, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Scores ``p`` recalibrated by Platt scaling (a logistic fit on the log-odds) or isotonic regression.

    Cross-fitted: each row's new score comes from a calibrator fitted on the
    other folds' rows, so that the recalibrated scores can be judged honestly.
    """
    y = _labels(y)
    if method not in ("platt", "isotonic"):
        raise DataError(f"method must be 'platt' or 'isotonic', got {method!r}.", column="method",
                        fix="use method='platt' or method='isotonic'")  # fmt: skip
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    out = np.empty(len(p))
    with threadpool_limits(limits=1):
        _cross_fit(method, logit, p, y, out, folds, seed)
    return out


def _cross_fit(method: str, logit: np.ndarray, p: np.ndarray, y: np.ndarray, out: np.ndarray, folds: int,
               seed: int) -> None:  # fmt: skip
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(logit, y):
        if method == "platt":
            cal = LogisticRegression(C=1e6, max_iter=1000, tol=1e-10).fit(logit[train], y[train])
            out[test] = cal.predict_proba(logit[test])[:, 1]
        else:
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p[train], y[train])
            out[test] = iso.predict(p[test])


def confusion_at(y, p, threshold: float) -> dict[str, int]:
    """True/false positives and negatives when cases with a score >= ``threshold`` are flagged."""
    y = _labels(y)
    flag = np.asarray(p) >= threshold
    return {"tp": int((flag & (y == 1)).sum()), "fp": int((flag & (y == 0)).sum()),
            "fn": int((~flag & (y == 1)).sum()), "tn": int((~flag & (y == 0)).sum())}  # fmt: skip


def _costs(cost_fp: float, cost_fn: float) -> tuple[float, float]:
    cost_fp = check_number("cost_fp", cost_fp, low=0.0, fix="use a cost >= 0, e.g. cost_fp: 1")
    cost_fn = check_number("cost_fn", cost_fn, low=0.0, fix="use a cost >= 0, e.g. cost_fn: 5")
    if cost_fp + cost_fn == 0:
        raise DataError("cost_fp and cost_fn are both 0: every threshold costs nothing.", parameter="cost_fp, cost_fn",
                        fix="give the cost of a wrong decision, e.g. cost_fp: 1 and cost_fn: 5")  # fmt: skip
    return cost_fp, cost_fn


def bayes_threshold(cost_fp: float, cost_fn: float) -> float:
    """The threshold that minimises expected cost for calibrated probabilities: c_FP / (c_FP + c_FN)."""
    cost_fp, cost_fn = _costs(cost_fp, cost_fn)
    return cost_fp / (cost_fp + cost_fn)


def expected_cost(y, p, threshold: float, cost_fp: float, cost_fn: float) -> float:
    """Mean cost per case when cases scoring >= ``threshold`` are flagged."""
    cost_fp, cost_fn = _costs(cost_fp, cost_fn)
    c = confusion_at(y, p, threshold)
    return (c["fp"] * cost_fp + c["fn"] * cost_fn) / len(np.asarray(y))


def cost_curve(y, p, cost_fp: float, cost_fn: float) -> pd.DataFrame:
    """Mean cost per case and share flagged at every distinct score used as the threshold (and above all)."""
    y = _labels(y)
    cost_fp, cost_fn = _costs(cost_fp, cost_fn)
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    last = np.r_[ps[1:] != ps[:-1], True]  # flag down to the last case of each distinct score
    fp = np.cumsum(1 - ys)[last]
    tp = np.cumsum(ys)[last]
    fn = ys.sum() - tp
    n = len(y)
    thresholds = np.r_[np.inf, ps[last]]
    cost = np.r_[ys.sum() * cost_fn, fp * cost_fp + fn * cost_fn] / n
    flagged = np.r_[0, np.flatnonzero(last) + 1] / n
    return pd.DataFrame({"threshold": thresholds, "share_flagged": flagged, "cost": cost})


def min_cost_threshold(y, p, cost_fp: float, cost_fn: float) -> tuple[float, float]:
    """``(threshold, mean_cost)`` of the cheapest threshold on these cases (the first when tied)."""
    curve = cost_curve(y, p, cost_fp, cost_fn)
    best = curve.iloc[int(np.argmin(curve["cost"].to_numpy()))]
    return float(best["threshold"]), float(best["cost"])


def precision_at_share(y, p, share: float) -> dict[str, float]:
    """Flag the top ``share`` of cases by score: how many, the precision there and the share of positives caught."""
    y = _labels(y)
    share = check_number("review_share", share, low=0.0, high=1.0, open_low=True,
                         fix="use a share in (0, 1], e.g. review_share: 0.02")  # fmt: skip
    n = max(1, int(round(share * len(y))))
    top = np.argsort(-np.asarray(p, dtype=np.float64), kind="stable")[:n]
    hits = int(y[top].sum())
    return {"reviewed": n, "hits": hits, "precision": hits / n, "recall": hits / max(1, int(y.sum())),
            "base_rate": float(y.mean())}  # fmt: skip


def by_group(y, p, group, *, min_each: int = 5) -> pd.DataFrame:
    """Per group: cases, observed rate, mean score (calibration in the large) and the AUC within the group.

    The AUC is missing where a group has fewer than ``min_each`` cases of either outcome.
    """
    y = _labels(y)
    frame = pd.DataFrame({"y": y, "p": np.asarray(p, dtype=np.float64), "g": np.asarray(group).astype(str)})
    rows = []
    for name, part in frame.groupby("g", sort=True):
        pos = int(part["y"].sum())
        ok = min(pos, len(part) - pos) >= min_each
        rows.append({"group": name, "cases": len(part), "observed": part["y"].mean(), "predicted": part["p"].mean(),
                     "auc": float(roc_auc_score(part["y"], part["p"])) if ok else np.nan})  # fmt: skip
    return pd.DataFrame(rows)

