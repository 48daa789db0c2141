"""What the chapters' needs look at: counts and dates of the cleaned data (:class:`Facts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis import schema as S
from analysis.errors import DataError


@dataclass
class Facts:
    """What the needs look at, from the data report (or the clean table when the report lacks it)."""

    source: str
    customers: int
    repeat_customers: int  # customers who bought on two different days or more
    days: int  # distinct days with a sale
    first_date: str
    last_date: str
    table: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def span_days(self) -> int:
        """Calendar days from the first to the last sale (0 when they fall on the same day)."""
        return (pd.Timestamp(self.last_date) - pd.Timestamp(self.first_date)).days

    @property
    def has_money(self) -> bool:
        """Whether the data have unit prices (a log whose mapping leaves out ``unit_price`` has none); True
        when only the report's counts are known."""
        if self.table is None:
            return True
        return S.PRICE in self.table.columns and bool(self.table[S.PRICE].notna().any())

    def repeaters_before(self, day: str) -> int:
        """Customers who bought again (for a positive amount, when the data have prices) on or before ``day``
        (the CLV calibration)."""
        if self.table is None:
            return self.repeat_customers
        from analysis.features import customer_summary

        try:
            summary = customer_summary(self.table, day)
        except DataError:
            return 0
        spent = (summary[S.REPEAT_VALUE] > 0) if self.has_money else True
        return int(((summary[S.X] > 0) & spent).sum())


    def earliest_calibration_end(self, n: int) -> str | None:
        """The first day by which ``n`` customers have bought again, if it falls before the last day."""
        if self.table is None:
            return None
        days = pd.DataFrame({"c": self.table[S.CUSTOMER], "d": self.table[S.TIMESTAMP].dt.normalize()})
        second = days.drop_duplicates().sort_values("d").groupby("c")["d"].nth(1).sort_values()
        last = pd.Timestamp(self.last_date)
        for day in second.iloc[n - 1 :].unique()[:10] if len(second) >= n else []:
            text = pd.Timestamp(day).date().isoformat()
            if pd.Timestamp(day) < last and self.repeaters_before(text) >= n:
                return text
        return None

def facts_from(report: Any, table: pd.DataFrame | None = None) -> Facts:
    """Facts from the clean ``table`` when given (repeat customers as the CLV models count them: two
    different purchase days), else from the DataReport's own counts."""
    source = str(getattr(report, "source", ""))
    if table is not None:
        days = table[S.TIMESTAMP].dt.normalize()
        per_customer = pd.DataFrame({"c": table[S.CUSTOMER], "d": days}).drop_duplicates()
        return Facts(
            source=source, customers=int(table[S.CUSTOMER].nunique()),
            repeat_customers=int((per_customer.groupby("c").size() >= 2).sum()), days=int(days.nunique()),
            first_date=str(days.min().date()), last_date=str(days.max().date()), table=table,
        )  # fmt: skip
    got = {name: getattr(report, name, None) for name in ("customers", "repeat_customers", "days")}
    first, last = getattr(report, "first_date", None), getattr(report, "last_date", None)
    if None in got.values() or not first or not last:
        raise DataError(
            "The data report lacks the counts the chapters' needs are checked on.",
            source=source or "data report",
            fix="pass the clean table as well: facts_from(report, table)",
        )
    return Facts(source=source, first_date=str(first)[:10], last_date=str(last)[:10],
                 **{k: int(v) for k, v in got.items()})  # fmt: skip
