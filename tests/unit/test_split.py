"""analysis.split: the calibration / holdout split of the data's days."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.split import default_calibration_end, time_split


def test_default_is_two_thirds_into_the_days() -> None:
    split = time_split("2024-01-01 08:30", "2024-01-31 17:00")
    assert split.first_day == pd.Timestamp("2024-01-01") and split.observation_end == pd.Timestamp("2024-01-31")
    assert split.calibration_end == pd.Timestamp("2024-01-21") == default_calibration_end("2024-01-01", "2024-01-31")
    assert split.holdout_days == 10 and split.holdout_units(7) == pytest.approx(10 / 7)
    assert time_split("2024-01-01", "2024-01-31", "").calibration_end == split.calibration_end


def test_a_given_end_is_used_and_checked() -> None:
    assert time_split("2024-01-01", "2024-01-31", "2024-01-10").holdout_days == 21
    for end in ("2023-12-31", "2024-01-31", "2024-02-15"):
        with pytest.raises(DataError, match="outside the data") as err:
            time_split("2024-01-01", "2024-01-31", end)
        assert err.value.column == "calibration_end"
    with pytest.raises(DataError, match="calibration_end"):
        time_split("2024-01-01", "2024-01-31", "not a date")


def test_too_short_or_reversed_data_are_refused() -> None:
    with pytest.raises(DataError, match="2 calendar days"):
        default_calibration_end("2024-01-01", "2024-01-02")
    with pytest.raises(DataError, match="before first_day"):
        default_calibration_end("2024-01-31", "2024-01-01")
    with pytest.raises(DataError, match="share"):
        default_calibration_end("2024-01-01", "2024-01-31", share=1.5)
