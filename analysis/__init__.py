"""E-commerce data analysis: the package behind the book.

Data flows raw file -> ``data`` (read, validate, clean, report) -> ``features``
(DuckDB aggregation) -> topic modules (``kpi``, ``segment``, ``clv``, ...) ->
``findings`` (sentences chosen by the numbers) -> notebooks, executed and built
by ``book``. The built-in shop with its planted truth is ``shop`` (``shop.truth``
compares fits with it).
"""

import warnings

# With PySpark installed (the Spark engine, an optional extra), pandera imports pyspark.pandas,
# which warns on import that it "does not yet fully support pandas >= 3". The package never uses
# pyspark.pandas (Spark's results come back through Arrow), so that one warning stays off the page.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

from analysis.errors import DataError  # noqa: E402

__all__ = ["DataError"]
__version__ = "0.1.0"
