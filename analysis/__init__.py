"""E-commerce data analysis: the package behind the book.

Data flows raw file -> ``datasets`` -> ``validate`` -> ``features`` -> topic
modules (``segment``, ``clv``, ...) -> notebooks.
"""

from analysis.errors import DataError

__all__ = ["DataError"]
__version__ = "0.1.0"
