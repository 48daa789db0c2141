"""The error the package raises, as the book's commands print it: parameters labelled as parameters."""

from __future__ import annotations

import datetime
import pickle

import pandas as pd
import pytest

from analysis._checks import check_day
from analysis.errors import DataError


def test_a_parameter_is_labelled_parameter_and_a_column_column():
    err = DataError("k must be 2 or more.", source="p.yaml", parameter="k", rows=["k = 1"], fix="set k: 2")
    assert str(err).splitlines() == [
        "k must be 2 or more.", "  file:   p.yaml", "  parameter: k", "  rows:   k = 1", "  fix:    set k: 2",
    ]  # fmt: skip
    assert (err.parameter, err.column) == ("k", None)
    col = DataError("Quantity is not a number.", source="orders.csv", column="Quantity", fix="clean it")
    assert "  column: Quantity" in str(col) and "parameter:" not in str(col) and col.parameter is None
    again = pickle.loads(pickle.dumps(err))  # a DataError crosses process boundaries (papermill, pytest-xdist)
    assert isinstance(again, DataError) and str(again).startswith("k must be 2 or more.")


@pytest.mark.parametrize(
    "value", ["2011-06-30", " 2011-06-30 ", "2011-06-30 10:15", "2011-06-30T10:15:00+01:00",
              datetime.date(2011, 6, 30), datetime.datetime(2011, 6, 30, 10), pd.Timestamp("2011-06-30 23:59")],
)  # fmt: skip
def test_check_day_takes_dates_and_iso_text(value):
    assert check_day("end", value) == pd.Timestamp("2011-06-30")


@pytest.mark.parametrize(
    ("value", "words"),
    [("11/06/2011", "not a date YYYY-MM-DD"), ("30.06.2011", "not a date YYYY-MM-DD"), ("June 30", "not a date"),
     ("20110630", "not a date YYYY-MM-DD"), ("2011-13-45", "month must be in 1..12"), ("", "not a date"),
     (20110630, "must be a date"), (None, "must be a date"), (True, "must be a date")],
)  # fmt: skip
def test_check_day_refuses_text_that_is_not_iso_rather_than_guess(value, words):
    with pytest.raises(DataError) as info:
        check_day("calibration_end", value)
    assert words in str(info.value) and info.value.column == "calibration_end" and info.value.fix
