"""The data layer: read a transaction log, map its layout, validate and clean it.

``load`` reads files (encodings, containers, layouts) into the canonical table,
``clean`` holds validation and the cleaning rules, ``report`` the data report
and its flags, ``params`` the data parameters every chapter takes.
"""

from analysis.data.params import DATA_PARAM_MEANINGS, DataParams, data_params, params_error

__all__ = ["DATA_PARAM_MEANINGS", "DataParams", "data_params", "params_error"]
