"""The data layer: read a transaction log, map its layout, validate and clean it.

- ``load``: files, containers (.gz, .bz2, .zip), encodings, the front door
  :func:`load_data` (and :func:`load_transactions`);
- ``canonical``: known layouts, column mappings, the canonical table, numbers and dates;
- ``clean``: validation and the cleaning rules (dates out of range, duplicates,
  extreme values, cancellations, ...);
- ``report``: :class:`DataReport` and its :class:`Flag` list;
- ``products``: lines that are not products (postage, fees, adjustments, ...), by code and description;
- ``params``: :class:`DataParams`, the data parameters every chapter takes.
"""

from analysis.data.canonical import DATE_FORMATS, LAYOUTS, Layout, detect_layout, to_canonical, to_number
from analysis.data.clean import (
    NON_PRODUCT_CODES,
    RULE_ORDER,
    CleaningRules,
    clean,
    exact_duplicates,
    robust_z,
    validate_transactions,
)
from analysis.data.load import ReadOptions, cdnow_master_path, decode, load_data, load_transactions, read_table
from analysis.data.params import DATA_PARAM_MEANINGS, DataParams, data_params
from analysis.data.products import non_product_lines, non_product_summary
from analysis.data.refusals import params_error
from analysis.data.report import DataReport, Flag

__all__ = [
    "DATA_PARAM_MEANINGS",
    "DATE_FORMATS",
    "LAYOUTS",
    "NON_PRODUCT_CODES",
    "RULE_ORDER",
    "CleaningRules",
    "DataParams",
    "DataReport",
    "Flag",
    "Layout",
    "ReadOptions",
    "cdnow_master_path",
    "clean",
    "data_params",
    "decode",
    "detect_layout",
    "exact_duplicates",
    "load_data",
    "load_transactions",
    "non_product_lines",
    "non_product_summary",
    "params_error",
    "read_table",
    "robust_z",
    "to_canonical",
    "to_number",
    "validate_transactions",
]
