"""E-commerce data analysis: the package behind the book.

Data flows raw file -> ``data`` (read, validate, clean, report) -> ``features``
(DuckDB aggregation) -> models (``segment``, ``clv``, ``recommend``, ``forecast``,
``risk``: their maths only) -> ``chapters.<name>`` (parameters and needs, steps,
findings chosen by the numbers, figures, the comparison with the shop's planted
truth) -> notebooks, executed and built by ``book``. The built-in shop is ``shop``.
Each layer imports only the layers below it (``tests/unit/test_layers.py``).
"""

import warnings

# With PySpark installed (the Spark engine, an optional extra), pandera imports pyspark.pandas,
# which warns on import that it "does not yet fully support pandas >= 3". The package never uses
# pyspark.pandas (Spark's results come back through Arrow), so that one warning stays off the page.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

import sys  # noqa: E402

# jsonschema imports rfc3987_syntax, when it is installed (jupyter-events asks for it), for its optional "iri"
# format check, and that import compiles 38 Lark grammars: 2.0 s of every process that imports nbformat, which
# is each chapter's kernel at its first glue and the runner through papermill. Nothing here checks that format
# (notebooks and the data package are validated without it), so the module is marked absent before anything
# imports jsonschema: jsonschema then skips the check, as it does where rfc3987_syntax is not installed.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

from analysis.errors import DataError  # noqa: E402

__all__ = ["DataError"]
__version__ = "0.1.0"
