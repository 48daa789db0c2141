"""Metrics that judge a model against what happened, each with its formula.

One submodule per kind of prediction, imported by the chapters as modules:

- :mod:`~analysis.evaluate.holdout`: predicted against actual per customer on a
  holdout (CLV): ``mae``, ``bias_share``, ``by_group``;
- :mod:`~analysis.evaluate.rating` and :mod:`~analysis.evaluate.ranking`: predicted
  ratings (RMSE, MAE) and ranked lists (precision@k, recall@k, MAP, nDCG@k, hit
  rate, coverage, popularity bias);
- :mod:`~analysis.evaluate.forecast`: MAE, RMSE, MASE, sMAPE, interval coverage and width;
- :mod:`~analysis.evaluate.classification`: ROC and PR AUC, Brier score,
  calibration, cross-validation, costs and thresholds.

Each submodule checks its own inputs in the words of its domain (ratings, days,
labels), which is why MAE is written in three of them.
"""

import importlib

from analysis.evaluate.holdout import bias_share, by_group, mae

__all__ = ["bias_share", "by_group", "classification", "forecast", "holdout", "mae", "ranking", "rating"]

#: The submodules, each imported when first used (``evaluate.classification`` or ``from analysis.evaluate import
#: classification``): ranking lists need neither scikit-learn nor statsmodels, which classification and forecast
#: import (about 1 s), and the book's runner checks a recommender's data with ranking's package alone.
SUBMODULES = ("classification", "forecast", "holdout", "ranking", "rating")


def __getattr__(name: str):
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
