"""The two small places where DuckDB's and Spark's SQL differ.

Every aggregation in :mod:`analysis.features.tables` is one SQL text written
in the part of SQL both engines read the same way (``cast(x as double)``,
``count(*) filter (where ...)``, window functions, ``join ... using``, scalar
subqueries, ``date_trunc``, ``make_date``); the two things they spell
differently are hooks of a :class:`Dialect`:

- :meth:`Dialect.days`: whole days from one date to another (DuckDB
  ``date_diff('day', a, b)``, Spark ``datediff(b, a)``);
- :meth:`Dialect.calendar`: one row per calendar day, the column ``date``
  (DuckDB ``unnest(generate_series(...))``, Spark ``explode(sequence(...))``).
"""

from __future__ import annotations


class Dialect:
    """The hooks; a subclass per engine."""

    name = ""

    def days(self, start: str, end: str) -> str:
        """SQL for the whole days from the date ``start`` to the date ``end``."""
        raise NotImplementedError

    def calendar(self, first: str, last: str) -> str:
        """A ``select`` giving every day from ``first`` to ``last`` (dates, inclusive) as ``date``."""
        raise NotImplementedError


class DuckDB(Dialect):
    name = "duckdb"

    def days(self, start: str, end: str) -> str:
        return f"date_diff('day', {start}, {end})"

    def calendar(self, first: str, last: str) -> str:
        return f"select cast(unnest(generate_series({first}, {last}, interval 1 day)) as date) as date"


class Spark(Dialect):
    name = "spark"

    def days(self, start: str, end: str) -> str:
        return f"datediff({end}, {start})"

    def calendar(self, first: str, last: str) -> str:
        return f"select explode(sequence({first}, {last}, interval 1 day)) as date"


DIALECTS: dict[str, Dialect] = {"duckdb": DuckDB(), "spark": Spark()}
