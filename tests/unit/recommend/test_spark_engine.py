"""The book's ``engine`` parameter without Spark: its default, its refusal, and the chapter's sentence each way.

Spark itself (the same derived tables, Spark MLlib's ALS within 0.02 nDCG@10
of ours on Online Retail) is tested in ``tests/spark/test_recommend_spark.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from analysis import features
from analysis.chapters import chapter_params
from analysis.chapters.recommend import findings as F
from analysis.chapters.recommend import steps as RS
from analysis.data import DataParams
from analysis.errors import DataError
from analysis.recommend.spark import SparkALS


@pytest.fixture(autouse=True)
def default_engine():
    yield
    features.use_engine("duckdb")


def test_the_default_engine_is_duckdb_and_chapter_params_sets_it():
    assert DataParams().engine == "duckdb"
    assert features.engine_in_use() == "duckdb"
    assert chapter_params("recommend", {"engine": "spark"}).engine == "spark"
    assert features.engine_in_use() == "spark"
    assert features.engine_in_use("duckdb") == "duckdb"  # a call that names its engine keeps it
    chapter_params("concepts", {})
    assert features.engine_in_use() == "duckdb"


def test_an_unknown_engine_is_refused_in_words():
    with pytest.raises(DataError) as err:
        chapter_params("clustering", {"engine": "hadoop"})
    assert err.value.parameter == "engine" and "duckdb" in str(err.value) and "spark" in str(err.value)
    with pytest.raises(DataError) as err:
        features.use_engine("hadoop")
    assert err.value.column == "engine"
    assert features.engine_in_use() == "duckdb"


def test_the_tables_follow_the_engine_in_use(monkeypatch):
    """With spark in use, a call naming no engine goes to Spark's runner (replaced here: no JVM needed)."""
    import pandas as pd

    from analysis.features import _spark

    seen = []

    def fake(sql, source, master):
        seen.append(sql)
        return features.customer_table(source, engine="duckdb")

    monkeypatch.setattr(_spark, "run", fake)
    tx = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["a", "b"], "product_id": ["p", "q"],
                       "quantity": [1, 2], "unit_price": [1.0, 2.0],
                       "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"])})  # fmt: skip
    duck = features.customer_table(tx)
    assert not seen
    features.use_engine("spark")
    pd.testing.assert_frame_equal(features.customer_table(tx), duck)
    assert len(seen) == 1


def test_spark_sentence_each_way():
    assert "engine duckdb" in F.spark_als(None, 0.1)
    assert "level with this chapter's 0.100" in F.spark_als(0.1 * (1 + F.SAME_NDCG / 2), 0.1)
    assert "higher than" in F.spark_als(0.1 * (1 + 2 * F.SAME_NDCG), 0.1)
    assert "lower than" in F.spark_als(0.1, 0.1 * (1 + 2 * F.SAME_NDCG))


def test_with_duckdb_nothing_is_fitted_and_the_page_says_so():
    step = RS.spark_step({}, {"ndcg": 0.2, "fitted": None}, 10, "duckdb")
    assert step["row"] is None and step.table is None
    assert step.glue == {"spark_text": F.spark_als(None, 0.2)}


def test_spark_als_refuses_bad_settings_before_starting_spark():
    X = sp.csr_matrix(np.eye(3))
    with pytest.raises(DataError) as err:
        SparkALS(factors=0).fit(X)
    assert err.value.column == "factors"
    with pytest.raises(DataError):
        SparkALS(alpha=-1.0).fit(X)
