"""DuckDB and Spark give the same derived tables, from one SQL text per table.

What "the same" means, column by column (see ``assert_same``):

* exact: ids, row order, dtypes, every count, every date and timestamp, sums of
  integer quantities, and ratios of those (``t_x``, ``T``): the SQL defines them
  without floating-point addition, so both engines must agree to the bit;
* within 1e-9 of the column's largest magnitude: sums of float revenue
  (``monetary``, ``avg_order_value``, ``revenue``, ``monetary_value``,
  ``unit_price``, the revenue weight). The engines add the lines in a different
  order (DuckDB one thread in file order, Spark per partition, then the
  partials), so the last bits differ; nothing in SQL fixes the order of a sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import DataError, features
from analysis.shop import make_shop

pytestmark = pytest.mark.spark

FLOAT_SUMS = {"monetary", "avg_order_value", "revenue", "monetary_value", "unit_price"}
REL = 1e-9


def assert_same(duck, spark, float_sums=FLOAT_SUMS):
    """Equal frames (or series): the float sums to 1e-9 of their scale, everything else exactly."""
    if isinstance(duck, pd.Series):
        duck, spark = duck.to_frame(), spark.to_frame()
    assert list(spark.columns) == list(duck.columns)
    assert spark.dtypes.equals(duck.dtypes), (duck.dtypes, spark.dtypes)
    pd.testing.assert_index_equal(spark.index, duck.index, exact=True)
    assert len(duck) > 0
    for column in duck.columns:
        a, b = duck[column], spark[column]
        if column in float_sums:
            assert (a.isna() == b.isna()).all(), column
            scale = float(np.nanmax(np.abs(a.to_numpy()))) if a.notna().any() else 0.0
            np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=0, atol=REL * scale, err_msg=column)
        else:
            pd.testing.assert_series_equal(b, a, check_exact=True, obj=column)


@pytest.fixture(scope="module")
def shop_tx():
    return make_shop(1500, seed=3).transactions


CALLS = {
    "customer_table": lambda tx, **k: features.customer_table(tx, **k),
    "customer_table_as_of": lambda tx, **k: features.customer_table(tx, as_of="2025-01-31", **k),
    "customer_summary": lambda tx, **k: features.customer_summary(tx, "2024-06-30", "2024-12-31", **k),
    "interactions_quantity": lambda tx, **k: features.interactions(tx, **k),
    "interactions_orders": lambda tx, **k: features.interactions(tx, weight="orders", **k),
    "daily_series": lambda tx, **k: features.daily_series(tx, **k),
    "product_daily_series": lambda tx, **k: features.product_daily_series(tx, ["P0001", "P0007"], **k),
    "baskets": lambda tx, **k: features.baskets(tx, **k),
    "cohort_counts": lambda tx, **k: features.cohort_counts(tx, **k),
    "repeat_purchases_by_day": lambda tx, **k: features.repeat_purchases_by_day(tx, "2024-06-30", **k),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_shop_tables_agree(spark, shop_tx, name):
    """The shop as a DataFrame (Spark reads it from a temporary Parquet file)."""
    call = CALLS[name]
    assert_same(call(shop_tx), call(shop_tx, engine="spark"))


def test_shop_revenue_weights_and_a_parquet_path(spark, shop_tx, tmp_path):
    path = tmp_path / "shop.parquet"
    shop_tx.to_parquet(path)
    duck = features.interactions(path, weight="revenue")
    assert_same(duck, features.interactions(path, weight="revenue", engine="spark"), float_sums={"weight"})
    assert_same(duck, features.interactions(shop_tx, weight="revenue", engine="spark"), float_sums={"weight"})


def test_a_csv_path_is_read_as_duckdb_reads_it(spark, shop_tx, tmp_path):
    path = tmp_path / "shop.csv"
    shop_tx.head(3000).to_csv(path, index=False)
    assert_same(features.customer_table(path), features.customer_table(path, engine="spark"))


def test_spark_refusals_are_worded(spark, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        features.customer_table(tmp_path / "none.parquet", engine="spark")
    with pytest.raises(DataError, match="Required column") as err:
        features.customer_table(pd.DataFrame({"order_id": ["o1"]}), engine="spark")
    assert "analysis.data.load_data" in str(err.value)
    with pytest.raises(DataError, match="already running") as err:
        features.daily_series(tmp_path / "none.parquet", engine="spark", master="spark://elsewhere:7077")
    assert "master" in str(err.value) and "spark.stop()" in str(err.value)


@pytest.fixture(scope="module")
def online_retail_file(tmp_path_factory):
    """Online Retail after analysis.data's cleaning, written once to Parquet: both engines read that file."""
    from analysis.data import load_transactions
    from tests.conftest import _shared

    tx, _ = load_transactions(_shared("online_retail/online_retail.parquet"))  # skips, naming the path, if absent
    path = tmp_path_factory.mktemp("online_retail") / "clean.parquet"
    tx.to_parquet(path)
    return path


OR_CALLS = {
    "customer_table": lambda p, **k: features.customer_table(p, **k),
    "customer_summary": lambda p, **k: features.customer_summary(p, "2011-06-30", "2011-12-09", **k),
    "interactions_revenue": lambda p, **k: features.interactions(p, weight="revenue", **k),
    "daily_series": lambda p, **k: features.daily_series(p, **k),
    "cohort_counts": lambda p, **k: features.cohort_counts(p, **k),
    "repeat_purchases_by_day": lambda p, **k: features.repeat_purchases_by_day(p, "2011-06-30", **k),
}


@pytest.mark.data
@pytest.mark.parametrize("name", list(OR_CALLS))
def test_online_retail_tables_agree(spark, online_retail_file, name):
    call = OR_CALLS[name]
    float_sums = FLOAT_SUMS | ({"weight"} if name == "interactions_revenue" else set())
    assert_same(call(online_retail_file), call(online_retail_file, engine="spark"), float_sums=float_sums)


def test_a_table_spark_cannot_read_is_refused_in_words(spark):
    mixed = pd.DataFrame({"order_id": ["o1", 2], "customer_id": ["a", "b"], "quantity": [1, 1],
                          "unit_price": [1.0, 2.0], "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"])})  # fmt: skip
    with pytest.raises(DataError, match="cannot be handed to Spark as Parquet") as err:
        features.customer_table(mixed, engine="spark")
    assert "analysis.data.load_data" in str(err.value)
