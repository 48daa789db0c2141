"""Metrics that judge a forecast against what happened, each with its formula.

Shared by every chapter that checks a model on a holdout: CLV now, forecasting
and churn later.
"""

from analysis.evaluate.holdout import bias_share, by_group, mae

__all__ = ["bias_share", "by_group", "mae"]
