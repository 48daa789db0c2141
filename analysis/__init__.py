"""E-commerce data analysis: the package behind the book.

Data flows raw file -> ``data`` (read, validate, clean, report) -> ``features``
(DuckDB aggregation) -> topic modules (``kpi``, ``segment``, ``clv``, ...) ->
``findings`` (sentences chosen by the numbers) -> notebooks, executed and built
by ``book``. The built-in shop with its planted truth is ``shop`` (``shop.truth``
compares fits with it).
"""

from analysis.errors import DataError

__all__ = ["DataError"]
__version__ = "0.1.0"
