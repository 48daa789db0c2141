"""Fraud, credit default and churn: the Risk chapter's package."""
