r"""Implicit-feedback ALS fitted by Apache Spark MLlib, scored like every other recommender here.

:class:`SparkALS` hands the training matrix to ``pyspark.ml.recommendation.ALS``
with ``implicitPrefs=True`` (Hu, Koren & Volinsky 2008, the model of
:class:`~analysis.recommend.factors.ImplicitALS`): preference ``p_ui = 1`` where
there is an interaction, confidence ``c_ui = 1 + alpha r_ui``, and alternating
closed-form solves of

.. math:: \min_{X, Y} \sum_{u,i} c_{ui} (p_{ui} - x_u^\top y_i)^2
   + \lambda \Big(\sum_u n_u \lVert x_u\rVert^2 + \sum_i n_i \lVert y_i\rVert^2\Big).

Spark scales the penalty by each row's count of interactions ``n_u`` (``n_i``
for a product: the weighted-lambda rule of Zhou et al. 2008), where
:class:`~analysis.recommend.factors.ImplicitALS` uses one ``lambda`` for every
row; ``regularization`` is Spark's ``regParam``. The fitted user and product
factors are copied back to the driver as ``user_factors_`` and
``item_factors_`` (rows in the matrix's order), so :meth:`recommend`, the
split and the metrics are exactly those of the other models: only the fit runs
on Spark. The factor tables are one row per customer and per product, the same
size as the model itself.

The session is :func:`analysis.features.spark_session` (local mode unless
``master`` names a cluster, or the session already running under
``spark-submit``). Spark's ALS is deterministic for a given ``seed``, number
of partitions (``blocks``) and master.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd

from analysis._checks import check_int, check_number
from analysis.recommend.base import Recommender, as_csr

__all__ = ["SparkALS"]


@contextmanager
def _quiet():
    """PySpark's own pandas calls warn under pandas 3 (its version check, the ``copy`` keyword): not ours to fix."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        warnings.filterwarnings("ignore", "The copy keyword is deprecated")
        yield


class SparkALS(Recommender):
    """Spark MLlib's implicit ALS (``implicitPrefs=True``) on a user x item matrix of weights."""

    def __init__(self, factors: int = 32, regularization: float = 0.1, iterations: int = 15, alpha: float = 10.0,
                 seed: int = 0, blocks: int = 2, master: str | None = None):  # fmt: skip
        self.factors, self.regularization, self.iterations, self.alpha = factors, regularization, iterations, alpha
        self.seed, self.blocks, self.master = seed, blocks, master

    def fit(self, X) -> SparkALS:
        from analysis.features import spark_session

        self.X_ = as_csr(X)
        rank = check_int("factors", self.factors, low=1)
        iterations = check_int("iterations", self.iterations, low=1)
        blocks = check_int("blocks", self.blocks, low=1)
        reg = check_number("regularization", self.regularization, low=0)
        alpha = check_number("alpha", self.alpha, low=0)
        seed = check_int("seed", self.seed, low=0)
        from pyspark.ml.recommendation import ALS

        spark = spark_session(self.master)
        coo = self.X_.tocoo()
        cells = pd.DataFrame({"user": coo.row.astype("int32"), "item": coo.col.astype("int32"),
                              "rating": coo.data.astype("float32")})  # fmt: skip
        with _quiet():
            frame = spark.createDataFrame(cells)
        als = ALS(rank=rank, maxIter=iterations, regParam=reg, alpha=alpha, implicitPrefs=True, seed=seed,
                  userCol="user", itemCol="item", ratingCol="rating", numUserBlocks=blocks, numItemBlocks=blocks,
                  coldStartStrategy="drop", intermediateStorageLevel="MEMORY_ONLY",
                  finalStorageLevel="MEMORY_ONLY")  # fmt: skip
        model = als.fit(frame)
        self.user_factors_ = self._factors(model.userFactors, self.X_.shape[0], rank)
        self.item_factors_ = self._factors(model.itemFactors, self.X_.shape[1], rank)
        return self

    @staticmethod
    def _factors(table, n: int, rank: int) -> np.ndarray:
        """Spark's ``(id, features)`` rows as an ``n x rank`` array; a row Spark never saw stays 0."""
        with _quiet():
            rows = table.toPandas()
        out = np.zeros((n, rank))
        if len(rows):
            out[rows["id"].to_numpy()] = np.vstack(rows["features"].to_numpy())
        return out

    def scores(self, users=None) -> np.ndarray:
        users = self._users(users)
        return self.user_factors_[users] @ self.item_factors_.T
