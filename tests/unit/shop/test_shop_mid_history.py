"""The built-in shop whose log starts mid-history (shop_history_days): the log's window, the cut, the truth."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import DataError
from analysis.shop import make_shop
from analysis.shop.make import mid_history


def test_the_log_keeps_the_usual_window_and_the_truth_knows_who_bought_before():
    shop = mid_history(300, 2, 200)
    usual = make_shop(300, seed=2)
    assert shop.start == usual.start and shop.as_of == usual.as_of
    assert shop.transactions["timestamp"].min() >= shop.start
    before = shop.customers.set_index("customer_id")["bought_before_log"]
    assert 0 < before.mean() < 1
    # a customer who bought before the log and comes back in it is "first seen" in the log, not new
    first = shop.transactions.groupby("customer_id")["timestamp"].min()
    early = first[first < shop.start + pd.Timedelta(days=30)].index
    assert before.loc[early].mean() > before.loc[first.index.difference(early)].mean()


def test_history_days_is_bounded():
    with pytest.raises(DataError, match="history_days"):
        mid_history(300, 2, 0)
