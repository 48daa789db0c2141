"""The chapter's models as scikit-learn pipelines, one encoding each.

- ``logistic``: one-hot categories, standardised numbers (0/1 flags unscaled), L2 logistic regression (C = 1);
- ``logistic_cv``: the same with C chosen by an inner stratified cross-validation
  on the training folds only;
- ``tree``: a decision tree whose depth is chosen by inner cross-validation;
- ``forest``: a random forest on the same one-hot matrix;
- ``boosting``: ``HistGradientBoostingClassifier`` with native categorical splits;
- ``blend`` (ours): the mean of ``logistic_cv``'s and ``boosting``'s probabilities,
  a model average that keeps the logistic model's calibration and adds the
  interactions the trees find.

Every random step takes ``seed``; nothing is tuned on the evaluation folds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder
from sklearn.tree import DecisionTreeClassifier

__all__ = ["MODEL_NAMES", "MODEL_LABELS", "Blend", "ScaleNumbers", "binary_columns", "category_name", "TreeByCV", "make_models", "onehot", "ordinal", "tree_depths"]

MODEL_NAMES = ("logistic", "logistic_cv", "tree", "forest", "boosting", "blend")
MODEL_LABELS = {
    "logistic": "logistic regression (C = 1)",
    "logistic_cv": "logistic regression (C by inner CV)",
    "tree": "decision tree (depth by CV)",
    "forest": "random forest",
    "boosting": "gradient boosting (native categories)",
    "blend": "ours (logistic + boosting, averaged)",
    "bayes": "Bayes score (the planted model)",
    "p_alive": "BG/NBD P(no purchase in the window)",
}
#: Candidate inverse regularisation strengths for the inner cross-validation.
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
INNER_FOLDS = 3
MAX_DEPTH = 6


def tree_depths() -> list[int]:
    """Depths the inner cross-validation chooses among."""
    return list(range(1, MAX_DEPTH + 1))


class ScaleNumbers(TransformerMixin, BaseEstimator):
    """Standardise number columns, leaving 0/1 columns (flags) as they are.

    A flag's coefficient is then the change in log-odds for having it rather than not, and a number's
    the change per standard deviation. ``binary_`` marks the columns left unscaled.
    """

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        self.binary_ = np.array([set(np.unique(c[~np.isnan(c)])) <= {0.0, 1.0} for c in X.T], dtype=bool)
        sd = np.nanstd(X, axis=0)
        self.mean_ = np.where(self.binary_, 0.0, np.nanmean(X, axis=0))
        self.scale_ = np.where(self.binary_ | (sd == 0), 1.0, sd)
        return self

    def transform(self, X):
        return (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


def binary_columns(encoder: ColumnTransformer) -> set[str]:
    """The number columns a fitted :func:`onehot` left unscaled because they hold only 0 and 1."""
    if "num" not in encoder.named_transformers_:
        return set()
    pipe = encoder.named_transformers_["num"]
    scaler = pipe.steps[-1][1]
    cols = [c for name, _, c in encoder.transformers_ if name == "num"][0]
    return {str(c) for c, b in zip(cols, getattr(scaler, "binary_", [False] * len(cols))) if b}


def onehot(numeric: list[str], categorical: list[str], *, scale: bool = True,
           reference: Mapping[str, str] | None = None) -> ColumnTransformer:  # fmt: skip
    """Numbers imputed (median) and standardised (``scale``), 0/1 flags left as they are; categories one-hot
    (unknown ones all zero).

    Trees split the same way on scaled and raw numbers; they take ``scale=False`` so that a drawn
    tree's thresholds are in the data's own units. ``reference`` (column -> value) drops that value's
    column, so that each other value's coefficient is measured against it (the odds ratios of section 2);
    without it every value keeps a column (the models, which are penalised and do not read coefficients).
    """
    parts = []
    if numeric:
        steps = [SimpleImputer(strategy="median"), ScaleNumbers()] if scale else [SimpleImputer(strategy="median")]
        parts.append(("num", make_pipeline(*steps), numeric))
    if categorical:
        drop = None if reference is None else [reference[c] for c in categorical]
        enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False, feature_name_combiner=category_name,
                            drop=drop)  # fmt: skip
        parts.append(("cat", enc, categorical))
    return ColumnTransformer(parts, verbose_feature_names_out=False)


def category_name(feature: str, category) -> str:
    """A one-hot column's name in words: ``purpose = car (new)``."""
    return f"{feature} = {category}"


def ordinal(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    """Categories as integer codes (unknown ones missing) first, numbers as they are: for native splits."""
    parts = []
    if categorical:
        enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan)
        parts.append(("cat", enc, categorical))
    if numeric:
        parts.append(("num", "passthrough", numeric))
    return ColumnTransformer(parts, verbose_feature_names_out=False)


class Blend(ClassifierMixin, BaseEstimator):
    """The mean of the probabilities of the given models (each fitted on the same rows)."""

    def __init__(self, models=()):
        self.models = models

    def fit(self, X, y):
        self.fitted_ = [clone(m).fit(X, y) for m in self.models]
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.mean([m.predict_proba(X) for m in self.fitted_], axis=0)

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _logistic(numeric, categorical, C: float = 1.0, class_weight=None) -> Pipeline:
    model = LogisticRegression(C=C, max_iter=2000, tol=1e-8, class_weight=class_weight)
    return Pipeline([("encode", onehot(numeric, categorical)), ("model", model)])


def _logistic_cv(numeric, categorical, seed: int) -> Pipeline:
    inner = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=seed)
    model = LogisticRegressionCV(Cs=list(C_GRID), cv=inner, scoring="neg_log_loss", max_iter=2000, tol=1e-6,
                                 l1_ratios=(0.0,), use_legacy_attributes=False)
    return Pipeline([("encode", onehot(numeric, categorical)), ("model", model)])


def _boosting(numeric, categorical, seed: int, class_weight=None) -> Pipeline:
    n_cat = len(categorical)
    model = HistGradientBoostingClassifier(
        learning_rate=0.05, max_iter=300, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0,
        categorical_features=list(range(n_cat)) if n_cat else None, early_stopping=True,
        validation_fraction=0.15, n_iter_no_change=20, random_state=seed, class_weight=class_weight,
    )  # fmt: skip
    return Pipeline([("encode", ordinal(numeric, categorical)), ("model", model)])


class TreeByCV(ClassifierMixin, BaseEstimator):
    """A decision tree whose depth is chosen by inner stratified CV (ROC AUC) on at most ``search_rows``
    rows of the training data (seeded sample), then refitted on all of them at that depth."""

    def __init__(self, numeric=(), categorical=(), seed: int = 0, search_rows: int = 5_000):
        self.numeric, self.categorical, self.seed, self.search_rows = numeric, categorical, seed, search_rows

    def _pipe(self) -> Pipeline:
        return Pipeline([("encode", onehot(list(self.numeric), list(self.categorical), scale=False)),
                         ("model", DecisionTreeClassifier(min_samples_leaf=10, random_state=self.seed))])  # fmt: skip

    def fit(self, X, y):
        y = np.asarray(y)
        rows = np.arange(len(y))
        if len(y) > self.search_rows:
            rows, _ = train_test_split(rows, train_size=self.search_rows, stratify=y, random_state=self.seed)
        inner = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=self.seed)
        search = GridSearchCV(self._pipe(), {"model__max_depth": tree_depths()}, cv=inner, scoring="roc_auc")
        search.fit(X.iloc[np.sort(rows)], y[np.sort(rows)])
        self.cv_results_ = search.cv_results_
        self.best_depth_ = int(search.best_params_["model__max_depth"])
        self.best_estimator_ = self._pipe().set_params(model__max_depth=self.best_depth_).fit(X, y)
        self.classes_ = self.best_estimator_.classes_
        return self

    def predict_proba(self, X):
        return self.best_estimator_.predict_proba(X)

    def predict(self, X):
        return self.best_estimator_.predict(X)


def _tree(numeric, categorical, seed: int) -> TreeByCV:
    return TreeByCV(tuple(numeric), tuple(categorical), seed)


def _forest(numeric, categorical, seed: int, n: int) -> Pipeline:
    leaf = max(5, n // 2000)
    model = RandomForestClassifier(n_estimators=60, min_samples_leaf=leaf, max_features="sqrt",
                                   max_samples=min(1.0, 10_000 / max(n, 1)), random_state=seed, n_jobs=1)  # fmt: skip
    return Pipeline([("encode", onehot(numeric, categorical)), ("model", model)])


def make_models(numeric: list[str], categorical: list[str], seed: int, n_rows: int,
                names: tuple[str, ...] = MODEL_NAMES) -> dict[str, BaseEstimator]:  # fmt: skip
    """The models of :data:`MODEL_NAMES` (or ``names``), unfitted, for these columns."""
    build = {
        "logistic": lambda: _logistic(numeric, categorical),
        "logistic_cv": lambda: _logistic_cv(numeric, categorical, seed),
        "tree": lambda: _tree(numeric, categorical, seed),
        "forest": lambda: _forest(numeric, categorical, seed, n_rows),
        "boosting": lambda: _boosting(numeric, categorical, seed),
        "blend": lambda: Blend((_logistic_cv(numeric, categorical, seed), _boosting(numeric, categorical, seed))),
    }
    return {name: build[name]() for name in names}


def weighted_variants(numeric: list[str], categorical: list[str], seed: int) -> dict[str, BaseEstimator]:
    """Logistic regression plain (the base of the undersampled model) and with balanced class weights."""
    return {"plain": _logistic(numeric, categorical), "weighted": _logistic(numeric, categorical, class_weight="balanced")}

