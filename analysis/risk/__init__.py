"""Fraud, credit default and churn: the Risk chapter's package.

- ``problems``: the three problems as one shape (:class:`RiskData`);
- ``logistic``: logistic regression from its formula (loss, gradient, Hessian; Newton's method as the
  estimator ``NewtonLogistic``);
- ``models``: the scikit-learn pipelines compared, with our blend;
- ``compare``: every model under the same stratified folds;
- ``decisions``: policies valued on the realised labels (cost matrix, the offer in money), the strategy curve;
- ``sensitive``: the columns that mark a protected attribute or age, and age bands;
- ``steps`` / ``figures``: the chapter's steps and figures;
- ``params``: the chapter's parameters, loader and needs (imported by the book's registry, not here).
"""

from analysis.risk.logistic import NewtonLogistic, gradient, hessian, loss, numeric_gradient, scorecard_points
from analysis.risk.problems import RiskData, churn_labels, churn_problem, credit_problem, fraud_problem

__all__ = ["NewtonLogistic", "RiskData", "churn_labels", "churn_problem", "credit_problem", "fraud_problem",
           "gradient", "hessian", "loss", "numeric_gradient", "scorecard_points"]
