"""Fraud, credit default and churn: the Risk chapter's package."""

from analysis.risk.params import PROBLEMS, RiskParams, chosen_problem, load_risk_data
from analysis.risk.problems import RiskData, churn_labels, churn_problem, credit_problem, fraud_problem

__all__ = ["PROBLEMS", "RiskData", "RiskParams", "chosen_problem", "churn_labels", "churn_problem", "credit_problem",
           "fraud_problem", "load_risk_data"]
