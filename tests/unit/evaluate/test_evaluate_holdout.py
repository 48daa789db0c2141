"""analysis.evaluate: bias, mean absolute error, comparison by group, on hand-computed examples."""

from __future__ import annotations

import math

import pytest

from analysis import evaluate
from analysis.errors import DataError


def test_bias_share_both_signs_and_nothing_happened() -> None:
    assert evaluate.bias_share([1, 2, 3.5], [2, 2, 4]) == pytest.approx((6.5 - 8) / 8)
    assert evaluate.bias_share([3, 3], [2, 2]) == pytest.approx(0.5)
    assert math.isnan(evaluate.bias_share([1, 1], [0, 0]))


def test_mae() -> None:
    assert evaluate.mae([1, 2, 3.5], [2, 2, 4]) == pytest.approx(0.5)


def test_by_group_pools_from_the_cap() -> None:
    table = evaluate.by_group([0, 1, 1, 5, 9], [0.5, 1, 2, 4, 6], [0, 1, 3, 5, 7], cap=3)
    assert table["group"].tolist() == [0, 1, 3]
    assert table["n"].tolist() == [1, 2, 2]
    assert table["actual"].tolist() == [0, 2, 6] and table["predicted"].tolist() == [0.5, 1.5, 5]


def test_bad_input_names_the_rows() -> None:
    with pytest.raises(DataError, match="same length"):
        evaluate.mae([1, 2], [1])
    with pytest.raises(DataError, match="missing or infinite") as err:
        evaluate.bias_share([1, float("nan")], [1, 2])
    assert err.value.rows == ["row 1"]
    with pytest.raises(DataError, match="group"):
        evaluate.by_group([1], [1, 2], [1, 2])
