"""Every model of the chapter under the same stratified folds: out-of-fold scores and a comparison table."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from analysis.evaluate.classification import cross_validate, score_metrics
from analysis.risk.models import MODEL_LABELS, make_models
from analysis.risk.problems import RiskData

__all__ = ["COMPONENTS", "Comparison", "compare_models", "fold_metrics", "tree_depth_curve"]

#: The blend (ours) is the mean of these models' probabilities: its out-of-fold scores are the mean of theirs.
COMPONENTS = ("logistic_cv", "boosting")
FITTED = ("logistic", "logistic_cv", "tree", "forest", "boosting")


class Comparison:
    """Out-of-fold scores per model (``scores``), per-fold metrics (``folds``) and the summary ``table``."""

    def __init__(self, scores: dict[str, np.ndarray], folds: dict[str, pd.DataFrame], seconds: dict[str, float]):
        self.scores, self.folds, self.seconds = scores, folds, seconds

    @property
    def table(self) -> pd.DataFrame:
        rows = []
        for name, per_fold in self.folds.items():
            rows.append({"model": MODEL_LABELS.get(name, name), "key": name, "auc": per_fold["auc"].mean(),
                         "auc_sd": per_fold["auc"].std(ddof=1), "pr_auc": per_fold["pr_auc"].mean(),
                         "brier": per_fold["brier"].mean(), "seconds": self.seconds.get(name, 0.0)})  # fmt: skip
        return pd.DataFrame(rows)

    def best(self, candidates: tuple[str, ...] = (*FITTED, "blend")) -> str:
        """The fitted model with the highest mean AUC (the first when tied)."""
        table = self.table.set_index("key")
        return str(table.loc[[c for c in candidates if c in table.index], "auc"].idxmax())


def fold_metrics(y: np.ndarray, scores: np.ndarray, folds: int, seed: int) -> pd.DataFrame:
    """The metrics of given scores on the test part of each of the same stratified folds."""
    split = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    return pd.DataFrame([{"fold": k + 1, **score_metrics(y[test], scores[test])} for k, (_, test) in enumerate(split)])


def compare_models(data: RiskData, folds: int, seed: int, names: tuple[str, ...] = FITTED) -> Comparison:
    """Cross-validate each model on the same folds; add the blend, and the Bayes / P(alive) scores when known."""
    models = make_models(data.numeric, data.categorical, seed, len(data.y), names=names)
    scores, per_fold, seconds = {}, {}, {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        for name, model in models.items():
            start = time.perf_counter()
            scores[name], per_fold[name] = cross_validate(model, data.X, data.y, folds=folds, seed=seed)
            seconds[name] = time.perf_counter() - start
    if all(c in scores for c in COMPONENTS):
        scores["blend"] = np.mean([scores[c] for c in COMPONENTS], axis=0)
        per_fold["blend"] = fold_metrics(data.y, scores["blend"], folds, seed)
        seconds["blend"] = sum(seconds[c] for c in COMPONENTS)
    for name, known in (("bayes", data.bayes), ("p_alive", data.baseline)):
        if known is not None and np.isfinite(known).all():
            scores[name], per_fold[name] = known, fold_metrics(data.y, known, folds, seed)
    return Comparison(scores, per_fold, seconds)


def tree_depth_curve(data: RiskData, seed: int):
    """``(curve, tree_pipeline)``: mean inner-CV AUC by depth, and the tree refitted on all rows at the best depth."""
    tree = make_models(data.numeric, data.categorical, seed, len(data.y), names=("tree",))["tree"]
    with threadpool_limits(limits=1):
        tree.fit(data.X, data.y)
    res = tree.cv_results_
    curve = pd.DataFrame({"depth": np.asarray(res["param_model__max_depth"], dtype=int), "auc": res["mean_test_score"],
                          "auc_sd": res["std_test_score"]})  # fmt: skip
    return curve, tree.best_estimator_
