"""Old home of validation and cleaning, kept until the integration step: everything now
lives in :mod:`analysis.data.clean` and :mod:`analysis.data.report`."""

from analysis._checks import require_columns
from analysis.data.clean import NON_PRODUCT_CODES, RULE_ORDER, CleaningRules, clean, validate_transactions
from analysis.data.report import DataReport, Flag

__all__ = [
    "NON_PRODUCT_CODES",
    "RULE_ORDER",
    "CleaningRules",
    "DataReport",
    "Flag",
    "clean",
    "require_columns",
    "validate_transactions",
]
