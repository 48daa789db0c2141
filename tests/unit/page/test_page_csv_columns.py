"""Deliverables described column by column (analysis.page.csv_columns)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import DataError
from analysis.page import csv_columns


def test_every_column_and_the_named_index_is_described_with_the_runs_values():
    df = pd.DataFrame({"revenue": [1.0], "days": [31]}, index=pd.Index(["2024-01-01"], name="month"))
    meanings = {"month": ("date", "first day"), "revenue": ("{currency}", "revenue in {currency}"), "days": ("days", "covered")}
    table = csv_columns(df, meanings, currency="GBP")
    assert table.to_dict("records") == [
        {"column": "month", "unit": "date", "meaning": "first day"},
        {"column": "revenue", "unit": "GBP", "meaning": "revenue in GBP"},
        {"column": "days", "unit": "days", "meaning": "covered"},
    ]


def test_an_undescribed_column_is_a_bug_said_by_name():
    with pytest.raises(DataError, match="no description for the deliverable's column"):
        csv_columns(pd.DataFrame({"new_thing": [1]}), {})
