"""The one exception type the package raises for bad input."""

from __future__ import annotations

from collections.abc import Iterable


class DataError(ValueError):
    """Input data the package cannot use.

    The message always says which file (or table), which column of the data or
    which parameter, a few of the offending rows (or the value), and how to fix
    it, so that a reader never has to decode a traceback from inside pandas.
    ``column`` names a column of the data, ``parameter`` a parameter the user
    sets (a chapter's parameter, ``CH``, a command-line option).
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        column: str | None = None,
        parameter: str | None = None,
        rows: Iterable | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.column = column
        self.parameter = parameter
        self.rows = list(rows)[:5] if rows is not None else []
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        lines = [self.problem]
        if self.source:
            lines.append(f"  file:   {self.source}")
        if self.column:
            lines.append(f"  column: {self.column}")
        if self.parameter:
            lines.append(f"  parameter: {self.parameter}")
        if self.rows:
            shown = "; ".join(str(r) for r in self.rows)
            lines.append(f"  rows:   {shown}")
        if self.fix:
            lines.append(f"  fix:    {self.fix}")
        return "\n".join(lines)


class BuildBusy(RuntimeError):
    """Another build of the same book folder is running: two at once would delete each other's work files."""
