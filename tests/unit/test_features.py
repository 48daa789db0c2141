"""Features against hand counts, against lifetimes' summary, and from a Parquet path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import DataError, features, kpi
from analysis import schema as S

TX = pd.DataFrame(
    {
        "order_id": ["o1", "o1", "o2", "o3", "o4", "o5"],
        "customer_id": ["a", "a", "a", "b", "a", "c"],
        "product_id": ["p1", "p2", "p1", "p3", "p1", "p1"],
        "quantity": [1.0, 2.0, 1.0, 4.0, 1.0, 1.0],
        "unit_price": [10.0, 5.0, 10.0, 2.5, 10.0, 7.0],
        "timestamp": pd.to_datetime(
            ["2024-01-01 09:00", "2024-01-01 09:00", "2024-01-08 12:00", "2024-01-03 08:00", "2024-02-10 20:00",
             "2024-02-12 10:00"]
        ),
    }
)  # fmt: skip


def test_customer_table_by_hand():
    c = features.customer_table(TX).set_index("customer_id")
    # as_of = the day after the last transaction: 2024-02-13
    assert c.loc["a", "frequency"] == 3
    assert c.loc["a", "monetary"] == pytest.approx(20 + 10 + 10)
    assert c.loc["a", "avg_order_value"] == pytest.approx(40 / 3)
    assert c.loc["a", "recency"] == 3  # 2024-02-10 -> 2024-02-13
    assert c.loc["a", "tenure"] == 43  # 2024-01-01 -> 2024-02-13
    assert c.loc["b", "frequency"] == 1 and c.loc["b", "monetary"] == 10.0
    assert list(c.index) == ["a", "b", "c"]
    assert c["recency"].dtype == np.int64


def test_customer_table_as_of():
    c = features.customer_table(TX, as_of="2024-03-01").set_index("customer_id")
    assert c.loc["a", "recency"] == 20


def test_summary_by_hand_and_holdout():
    s = features.customer_summary(TX, "2024-01-31", "2024-02-29", unit_days=1).set_index("customer_id")
    assert s.loc["a", "x"] == 1  # purchase days 01-01, 01-08 in calibration
    assert s.loc["a", "t_x"] == 7 and s.loc["a", "T"] == 30
    assert s.loc["a", "monetary_value"] == 10.0  # the repeat day's revenue
    assert s.loc["a", "x_holdout"] == 1
    assert s.loc["b", "x"] == 0 and s.loc["b", "monetary_value"] == 0
    assert "c" not in s.index  # first purchase after the calibration end
    assert (s["duration_holdout"] == 29).all()


def test_summary_matches_lifetimes_on_cdnow():
    pytest.importorskip("lifetimes")
    from lifetimes.utils import summary_data_from_transaction_data

    from analysis.data import load_transactions

    tx, _ = load_transactions("cdnow")
    ours = features.customer_summary(tx, "1997-09-30").set_index("customer_id").sort_index()
    lines = tx.assign(rev=tx["quantity"] * tx["unit_price"], date=tx["timestamp"].dt.normalize())
    ref = summary_data_from_transaction_data(
        lines, "customer_id", "date", monetary_value_col="rev", observation_period_end="1997-09-30",
        freq="D", freq_multiplier=7,
    ).sort_index()  # fmt: skip
    assert len(ours) == len(ref) == 23_570
    np.testing.assert_array_equal(ours["x"].to_numpy(), ref["frequency"].to_numpy())
    np.testing.assert_allclose(ours["t_x"].to_numpy(), ref["recency"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ours["T"].to_numpy(), ref["T"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ours["monetary_value"].to_numpy(), ref["monetary_value"].to_numpy(), rtol=1e-9)


def test_daily_series_keeps_days_without_sales():
    d = features.daily_series(TX)
    assert d.index.freq == "D"
    assert d.index[0] == pd.Timestamp("2024-01-01") and d.index[-1] == pd.Timestamp("2024-02-12")
    assert len(d) == 43
    assert d.loc["2024-01-02", "revenue"] == 0 and d.loc["2024-01-02", "orders"] == 0
    assert d["revenue"].sum() == pytest.approx((TX.quantity * TX.unit_price).sum())
    assert d.loc["2024-01-01", "orders"] == 1 and d.loc["2024-01-01", "units"] == 3


def test_interactions_weights():
    i = features.interactions(TX, weight="orders").set_index(["customer_id", "product_id"])
    assert i.loc[("a", "p1"), "weight"] == 3
    q = features.interactions(TX, weight="quantity").set_index(["customer_id", "product_id"])
    assert q.loc[("a", "p2"), "weight"] == 2
    r = features.interactions(TX, weight="revenue").set_index(["customer_id", "product_id"])
    assert r.loc[("b", "p3"), "weight"] == 10.0
    with pytest.raises(DataError, match="weight"):
        features.interactions(TX, weight="clicks")


def test_parquet_path_equals_frame(tmp_path):
    path = tmp_path / "tx.parquet"
    TX.to_parquet(path)
    pd.testing.assert_frame_equal(features.customer_table(path), features.customer_table(TX))
    pd.testing.assert_frame_equal(features.daily_series(path), features.daily_series(TX))
    csv = tmp_path / "tx.csv"
    TX.to_csv(csv, index=False)
    assert features.customer_table(csv)["monetary"].sum() == pytest.approx(TX.eval("quantity * unit_price").sum())


def test_feature_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        features.customer_table(tmp_path / "none.parquet")
    with pytest.raises(DataError, match="Required column") as err:
        features.customer_table(TX.drop(columns=["unit_price"]))
    assert "analysis.data.load_data" in str(err.value)
    with pytest.raises(DataError, match="before calibration_end"):
        features.customer_summary(TX, "2024-02-01", "2024-01-01")
    with pytest.raises(DataError, match="No customer"):
        features.customer_summary(TX, "2023-01-01")


def test_kpis_and_cohorts_by_hand():
    k = kpi.headline(features.customer_table(TX))
    assert k["orders"] == 5 and k["customers"] == 3
    assert k["revenue"] == pytest.approx(57.0)
    assert k["aov"] == pytest.approx(57.0 / 5)
    assert k["repeat_rate"] == pytest.approx(1 / 3)
    ret = kpi.cohort_retention(features.cohort_counts(TX))
    assert ret.loc["2024-01", 0] == 1.0
    assert ret.loc["2024-01", 1] == pytest.approx(0.5)  # a came back in February, b did not
    m = kpi.monthly(features.daily_series(TX))
    assert m["partial"].tolist() == [False, True]
    assert m["revenue"].sum() == pytest.approx(57.0)


def test_headline_table_formats_for_people():
    table = kpi.headline_table(kpi.headline(features.customer_table(TX)))
    assert table.loc["average order value", "value"] == "11.40"
    assert table.loc["repeat-purchase rate", "value"] == "33.3%"
    assert table.loc["orders", "value"] == "5"


def test_repeat_purchases_by_day():
    r = features.repeat_purchases_by_day(TX, "2024-01-31")
    # cohort: a (first 01-01) and b (first 01-03); repeats: a on 01-08 and 02-10; c is not in the cohort
    assert r.index[0] == pd.Timestamp("2024-01-01") and r.index[-1] == pd.Timestamp("2024-02-12")
    assert r.sum() == 2 and r.loc["2024-01-08"] == 1 and r.loc["2024-02-10"] == 1
    s = features.customer_summary(TX, "2024-01-31").set_index("customer_id")
    assert s.loc["a", "first_purchase"] == pd.Timestamp("2024-01-01")


def test_a_file_with_text_where_numbers_belong(tmp_path):
    path = tmp_path / "canon_bad.csv"
    TX.assign(unit_price=["10", "5", "ten", "2.5", "10", "7"]).to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        features.customer_table(path)
    assert "Column unit_price is VARCHAR" in str(err.value) and "analysis.data.load_data" in str(err.value)


def test_product_daily_series_by_hand():
    d = features.product_daily_series(TX, ["p1", "p3"])
    assert sorted(d["product_id"].unique()) == ["p1", "p3"]
    p1 = d[d["product_id"] == "p1"].set_index("date")
    assert len(p1) == 43  # the whole log's calendar, 2024-01-01 .. 2024-02-12
    assert p1.loc["2024-01-01", "units"] == 1 and p1.loc["2024-01-01", "unit_price"] == 10
    assert p1.loc["2024-01-02", "units"] == 0 and np.isnan(p1.loc["2024-01-02", "unit_price"])
    assert p1["units"].sum() == 4 and p1["revenue"].sum() == 37
    assert features.product_daily_series(TX, []).empty


def test_baskets_are_distinct_order_product_pairs():
    b = features.baskets(pd.concat([TX, TX.iloc[[0]]]))
    assert list(b.itertuples(index=False, name=None)) == [
        ("o1", "p1"), ("o1", "p2"), ("o2", "p1"), ("o3", "p3"), ("o4", "p1"), ("o5", "p1")
    ]  # fmt: skip


def test_engine_choice_is_checked_before_any_work():
    with pytest.raises(DataError, match="engine must be one of 'duckdb', 'spark', got 'polars'"):
        features.customer_table(TX, engine="polars")
    with pytest.raises(DataError, match="master='local\\[2\\]' is a Spark setting") as err:
        features.daily_series(TX, master="local[2]")
    assert "engine='spark'" in str(err.value)


def test_spark_engine_without_spark_says_what_to_install(monkeypatch):
    from analysis.features import _spark

    monkeypatch.setattr(_spark, "spark_available", lambda: "PySpark is not installed")
    with pytest.raises(DataError, match="engine='spark' cannot start: PySpark is not installed") as err:
        features.interactions(TX, engine="spark")
    assert "pip install '.[spark]'" in str(err.value) and "engine='duckdb'" in str(err.value)


def test_one_sql_text_two_dialects():
    """The DuckDB hooks run here; the Spark ones are checked against them in tests/spark."""
    import duckdb

    from analysis.features._dialect import DIALECTS

    duck, spark = DIALECTS["duckdb"], DIALECTS["spark"]
    a, b = "DATE '2024-01-30'", "DATE '2024-03-01'"
    assert duckdb.sql(f"select {duck.days(a, b)}").fetchall()[0][0] == 31  # across a leap day
    days = [r[0] for r in duckdb.sql(duck.calendar(a, "DATE '2024-02-02'")).fetchall()]
    assert [d.isoformat() for d in days] == ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"]
    assert spark.days("a", "b") == "datediff(b, a)" and "sequence(x, y, interval 1 day)" in spark.calendar("x", "y")


def test_duckdb_keeps_to_a_share_of_an_address_space_limit_and_spills(monkeypatch, tmp_path):
    # the 8 M-line benchmark runs each chapter under prlimit --as 8 GB: DuckDB's default (80 % of the machine)
    # failed with "Out of Memory Error: Allocation failure" in the baskets query instead of spilling
    import resource

    from analysis.features import _duckdb as D

    monkeypatch.setattr(resource, "getrlimit", lambda which: (8 * 2**30, resource.RLIM_INFINITY))
    tx = pd.DataFrame({S.ORDER: ["o1"], S.CUSTOMER: ["c"], S.PRODUCT: ["p"], S.QUANTITY: [1.0],
                       S.PRICE: [1.0], S.TIMESTAMP: pd.to_datetime(["2024-01-01"])})
    with D._connect(tx) as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
        spill = con.execute("select current_setting('temp_directory')").fetchone()[0]
    assert limit.replace(" ", "") == "2.0GiB", limit  # a quarter of the 8 GiB limit
    assert spill.endswith("analysis-duckdb-spill")
    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert D._memory_config() == {}


def test_queries_share_one_database_and_see_only_their_own_table(monkeypatch):
    # one in-memory database a process and setting: its memory is reused by the next query instead of handed
    # back when a database a query closed; each query's view is its own connection's
    import os
    import resource
    from concurrent.futures import ThreadPoolExecutor

    from analysis.features import _duckdb as D

    def frame(customer: str, n: int) -> pd.DataFrame:
        return pd.DataFrame({S.ORDER: [f"o{i}" for i in range(n)], S.CUSTOMER: customer, S.PRODUCT: "p",
                             S.QUANTITY: 1.0, S.PRICE: 1.0, S.TIMESTAMP: pd.to_datetime(["2024-01-01"] * n)})

    a, b = frame("a", 3), frame("b", 5)
    with D._connect(a) as first, D._connect(b) as second:  # open together: neither sees the other's table
        assert first.execute("select customer_id, count(*) from tx group by 1").fetchall() == [("a", 3)]
        assert second.execute("select customer_id, count(*) from tx group by 1").fetchall() == [("b", 5)]
    assert D._database() is D._database()
    with ThreadPoolExecutor(2) as pool:  # two threads at once, each its own connection
        got = list(pool.map(lambda f: D.run("select count(*) as n from tx", f)["n"].iloc[0], [a, b] * 4))
    assert got == [3, 5] * 4
    monkeypatch.setattr(resource, "getrlimit", lambda which: (8 * 2**30, resource.RLIM_INFINITY))
    capped = D._database()  # another setting (a memory limit): another database
    assert capped is not D._DATABASES[(os.getpid(), (("threads", 1),))]
    assert capped.execute("select current_setting('threads')").fetchone()[0] == 1
