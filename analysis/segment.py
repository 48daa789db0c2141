r"""Customer segmentation: the functions behind the Clustering chapter.

The chapter walks one path, and this module follows it:

1. :func:`rfm_matrix` turns the customer table (one row per customer) into a
   numeric matrix: ``log1p`` for the right-skewed features, then
   standardisation, as an invertible scikit-learn ``Pipeline``.
2. :func:`choose_k` fits k-means for a range of k and reports inertia and the
   silhouette coefficient (our own :func:`silhouette`, checked against
   scikit-learn in the tests), with the elbow found by a stated rule.
3. :func:`fit_kmeans`, :func:`stability`, :func:`centres_in_units` fit the
   chosen k, check that it does not depend on the seed, and express the
   centres in days, orders and currency.
4. :func:`k_distance`, :func:`suggest_eps`, :func:`fit_dbscan`,
   :func:`ward_linkage`, :func:`fit_agglomerative` are the two alternatives
   the chapter compares with k-means; :func:`pca_map` draws the map.
5. :func:`profile_segments`, :func:`name_segments`, :func:`value_tiers` turn
   labels into a table a marketing team can read.

Conventions that hold everywhere here:

* Every random choice is driven by ``seed``: the same input and seed give the
  same output.
* Cluster labels are ``0 .. k-1`` numbered by cluster size, largest first
  (ties: the cluster whose first member comes first in ``X``); DBSCAN's noise
  keeps the label ``-1``. Segment 0 is therefore always the biggest one.
* Foreseeable bad input (missing columns, NaN, negative amounts, k larger than
  the number of customers, ...) raises :class:`analysis.errors.DataError`
  naming the column, a few rows and the fix, never a traceback from inside
  scikit-learn.

Sizes measured on 2 cores (1,000,000 customers x 4 features): k-means with one
k-means++ initialisation takes 1-3 s per k (more for larger k: Lloyd needs more
iterations), so the scan in ``choose_k`` uses one start per k (``n_init=1``,
scikit-learn's own default for k-means++) and the final ``fit_kmeans`` keeps
the best of ``n_init=4``; the silhouette is computed on a sample of 10,000
customers (about 0.5 s per k) because the exact value needs :math:`n^2`
distances.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import cdist
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from analysis.errors import DataError
from analysis.schema import AOV, CUSTOMER, FREQUENCY, MONETARY, RECENCY, TENURE

__all__ = [
    "DEFAULT_FEATURES",
    "LOG_FEATURES",
    "SEGMENT",
    "TIERS",
    "KChoice",
    "Stability",
    "centres_in_units",
    "choose_k",
    "fit_agglomerative",
    "fit_dbscan",
    "fit_kmeans",
    "k_distance",
    "name_segments",
    "pca_map",
    "profile_segments",
    "rfm_matrix",
    "silhouette",
    "silhouette_values",
    "stability",
    "suggest_eps",
    "value_tiers",
    "ward_linkage",
]

DEFAULT_FEATURES: tuple[str, ...] = (RECENCY, FREQUENCY, MONETARY, TENURE)
#: Features that ``rfm_matrix(..., log=True)`` passes through ``log1p``: counts,
#: amounts and gaps with a long right tail. Tenure is bounded by the length of
#: the observation window and is roughly uniform, so it is only standardised.
LOG_FEATURES: tuple[str, ...] = (RECENCY, FREQUENCY, MONETARY, AOV)
SEGMENT = "segment"
#: Value tiers, best first.
TIERS: tuple[str, str, str] = ("high", "medium", "low")

#: Above this many points, :func:`silhouette` without ``sample_size`` refuses
#: (the exact coefficient needs n^2 distances: 2.5e9 at this size).
SILHOUETTE_MAX_EXACT = 50_000
#: Default silhouette sample in :func:`choose_k`, as in the scikit-learn guide.
SILHOUETTE_SAMPLE = 10_000
_WORKING_MEMORY_BYTES = 64 * 2**20
_PROFILE_FEATURES: tuple[str, ...] = (RECENCY, FREQUENCY, MONETARY, TENURE)


# ----------------------------------------------------------------- validation
def _row_ids(customers: pd.DataFrame, mask: np.ndarray, column: str) -> list[str]:
    """A few offending rows as ``customer_id=...: column=value`` strings."""
    where = np.flatnonzero(mask)[:5]
    ids = customers[CUSTOMER].to_numpy() if CUSTOMER in customers.columns else customers.index
    values = customers[column].to_numpy()
    return [f"{CUSTOMER}={ids[i]}: {column}={values[i]}" for i in where]


def _check_customers(
    customers: pd.DataFrame, columns: Sequence[str], *, what: str
) -> dict[str, np.ndarray]:
    """Columns present, numeric, finite and non-negative; returns them as floats."""
    if not isinstance(customers, pd.DataFrame):
        raise DataError(
            f"{what} needs the customer table as a pandas DataFrame, got {type(customers).__name__}",
            fix="pass the one-row-per-customer table built by analysis.features",
        )
    missing = [c for c in columns if c not in customers.columns]
    if missing:
        raise DataError(
            f"{what}: the customer table lacks column(s) {missing}; "
            f"columns found: {list(customers.columns)}",
            column=", ".join(missing),
            fix="build the customer table with analysis.features (one row per customer "
            f"with {', '.join(columns)}) or rename the columns",
        )
    if len(customers) == 0:
        raise DataError(f"{what}: the customer table has no rows", fix="check the filters upstream")
    if CUSTOMER in customers.columns and customers[CUSTOMER].duplicated().any():
        dup = customers[CUSTOMER].duplicated(keep=False).to_numpy()
        raise DataError(
            f"{what}: {CUSTOMER} is not unique ({int(dup.sum())} rows share an id); "
            "the table must have one row per customer",
            column=CUSTOMER,
            rows=_row_ids(customers, dup, CUSTOMER),
            fix="aggregate transactions to customers first (analysis.features)",
        )
    out: dict[str, np.ndarray] = {}
    for col in columns:
        series = customers[col]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            raise DataError(
                f"{what}: column {col!r} is not numeric (dtype {series.dtype})",
                column=col,
                rows=[f"{v!r}" for v in series.head(3)],
                fix=f"convert {col!r} to numbers (pd.to_numeric) before segmenting",
            )
        values = series.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataError(
                f"{what}: {int(bad.sum())} customer(s) have a missing or infinite {col!r}",
                column=col,
                rows=_row_ids(customers, bad, col),
                fix=f"drop these customers or fill {col!r} before segmenting",
            )
        negative = values < 0
        if negative.any():
            hint = {
                MONETARY: "net revenue below zero means returns exceed purchases; drop or "
                "clip these customers (customers[col].clip(lower=0)) and say so",
                RECENCY: "recency below zero means a purchase after the as-of date; "
                "choose an as-of date after the last transaction",
                TENURE: "tenure below zero means a first purchase after the as-of date; "
                "choose an as-of date after the last transaction",
            }.get(col, f"drop or correct the customers with negative {col!r}")
            raise DataError(
                f"{what}: {int(negative.sum())} customer(s) have a negative {col!r}",
                column=col,
                rows=_row_ids(customers, negative, col),
                fix=hint,
            )
        out[col] = values
    return out


def _check_X(X: ArrayLike, *, what: str, min_rows: int = 1) -> np.ndarray:
    """A finite 2-D float array with at least ``min_rows`` rows."""
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{what}: X is not a numeric matrix ({exc})",
            fix="pass the matrix returned by rfm_matrix",
        ) from None
    if arr.ndim != 2:
        raise DataError(
            f"{what}: X must be 2-D (customers x features), got shape {arr.shape}",
            fix="pass the matrix returned by rfm_matrix (use X.reshape(-1, 1) for one feature)",
        )
    if arr.shape[0] < min_rows or arr.shape[1] == 0:
        raise DataError(
            f"{what}: X has {arr.shape[0]} row(s) and {arr.shape[1]} column(s); "
            f"at least {min_rows} row(s) and one column are needed",
            fix="check the filters upstream: too few customers are left",
        )
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise DataError(
            f"{what}: {rows.size} row(s) of X contain NaN or infinity",
            rows=[f"row {i}" for i in rows[:5]],
            fix="build X with rfm_matrix, which rejects missing values with the customer ids; "
            "or drop/impute these rows",
        )
    return np.ascontiguousarray(arr)


def _check_k(k: int, n: int, *, what: str, low: int = 1) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise DataError(f"{what}: k must be an integer, got {k!r}", fix="pass e.g. k=4")
    k = int(k)
    if k < low:
        raise DataError(f"{what}: k={k} is below {low}", fix=f"use k >= {low}")
    if k > n:
        raise DataError(
            f"{what}: k={k} clusters asked for but there are only {n} customers",
            fix=f"use k <= {n}, or segment a larger customer table",
        )
    return k


def _check_labels(labels: ArrayLike, n: int, *, what: str) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DataError(
            f"{what}: labels must be 1-D with one entry per row ({n}), got shape {arr.shape}",
            fix="pass the labels returned by fit_kmeans / fit_dbscan for the same rows",
        )
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise DataError(
            f"{what}: labels must be integers, got dtype {arr.dtype}",
            fix="pass the integer labels returned by the fit_* functions",
        )
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            raise DataError(
                f"{what}: labels must be whole numbers",
                rows=[f"row {i}: {arr[i]}" for i in np.flatnonzero(bad)[:5]],
                fix="pass the integer labels returned by the fit_* functions",
            )
        arr = arr.astype(np.int64)
    return arr.astype(np.int64, copy=False)


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..m-1 by size (largest first), ties by first row; -1 stays."""
    out = np.full(labels.shape, -1, dtype=np.int64)
    kept = labels >= 0
    if not kept.any():
        return out
    uniq, first, counts = np.unique(labels[kept], return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))  # primary: size desc; secondary: first appearance
    new = np.empty(uniq.size, dtype=np.int64)
    new[order] = np.arange(uniq.size)
    out[kept] = new[np.searchsorted(uniq, labels[kept])]
    return out


# ------------------------------------------------------------------ transform
def _log1p_columns(X: np.ndarray, columns: tuple[int, ...] = ()) -> np.ndarray:
    out = np.array(X, dtype=float, copy=True)
    if columns:
        idx = list(columns)
        out[:, idx] = np.log1p(out[:, idx])
    return out


def _expm1_columns(X: np.ndarray, columns: tuple[int, ...] = ()) -> np.ndarray:
    out = np.array(X, dtype=float, copy=True)
    if columns:
        idx = list(columns)
        out[:, idx] = np.expm1(out[:, idx])
    return out


def rfm_matrix(
    customers: pd.DataFrame,
    features: Sequence[str] = DEFAULT_FEATURES,
    log: bool | Iterable[str] = True,
) -> tuple[np.ndarray, Pipeline]:
    r"""The feature matrix for clustering: ``log1p`` then standardise.

    For customer :math:`i` and feature :math:`j`

    .. math::

        z_{ij} = \frac{g_j(x_{ij}) - \bar g_j}{s_j}, \qquad
        g_j(x) = \begin{cases} \log(1 + x) & j \text{ logged} \\ x & \text{otherwise}
        \end{cases}

    with :math:`\bar g_j` and :math:`s_j` the mean and (population) standard
    deviation of :math:`g_j(x_{\cdot j})`. The log tames the long right tail
    of frequency and spend (one customer with 500 orders would otherwise own
    a cluster); standardising gives every feature the same weight in the
    Euclidean distance k-means minimises. ``log1p`` keeps zeros finite
    (recency 0 = bought on the as-of date).

    Parameters
    ----------
    customers
        One row per customer with the ``features`` columns (non-negative).
    features
        Column names, in the order of X's columns.
    log
        ``True``: log the features in :data:`LOG_FEATURES` (recency, frequency,
        monetary, average order value); ``False``: none; or an explicit
        collection of feature names to log.

    Returns
    -------
    X, transformer
        ``X`` is an ``(n_customers, len(features))`` float array.
        ``transformer`` is the fitted ``Pipeline([("log1p", FunctionTransformer),
        ("standardise", StandardScaler)])``; ``transformer.inverse_transform``
        maps rows of X (or cluster centres) back to original units.

    References
    ----------
    Hughes, A. M. (1994). *Strategic Database Marketing*. Probus (RFM).
    Hastie, Tibshirani & Friedman (2009). *The Elements of Statistical
    Learning*, 2nd ed., sec. 14.3 (standardising before clustering).
    """
    features = tuple(features)
    if not features:
        raise DataError("rfm_matrix: no features given", fix=f"use e.g. {DEFAULT_FEATURES}")
    if len(set(features)) != len(features):
        raise DataError(f"rfm_matrix: features repeat a column: {features}", fix="list each once")
    if log is True:
        logged = [f for f in features if f in LOG_FEATURES]
    elif log is False:
        logged = []
    else:
        logged = list(log)
        unknown = [f for f in logged if f not in features]
        if unknown:
            raise DataError(
                f"rfm_matrix: log names {unknown}, which are not among features {list(features)}",
                column=", ".join(unknown),
                fix="log only features that are clustered on",
            )
    values = _check_customers(customers, features, what="rfm_matrix")
    raw = np.column_stack([values[f] for f in features])
    idx = tuple(i for i, f in enumerate(features) if f in logged)
    transformer = Pipeline(
        [
            (
                "log1p",
                FunctionTransformer(
                    func=_log1p_columns,
                    inverse_func=_expm1_columns,
                    kw_args={"columns": idx},
                    inv_kw_args={"columns": idx},
                    check_inverse=False,
                ),
            ),
            ("standardise", StandardScaler()),
        ]
    )
    X = transformer.fit_transform(raw)
    return np.ascontiguousarray(X, dtype=float), transformer


# ----------------------------------------------------------------- silhouette
def silhouette_values(
    X: ArrayLike, labels: ArrayLike, *, working_memory: int = _WORKING_MEMORY_BYTES
) -> np.ndarray:
    r"""Silhouette value :math:`s(i)` of every row (Rousseeuw 1987).

    With :math:`C(i)` the cluster of :math:`i`, :math:`d` the Euclidean distance
    and :math:`|C|` cluster sizes:

    .. math::

        a(i) = \frac{1}{|C(i)| - 1} \sum_{j \in C(i),\, j \ne i} d(i, j), \qquad
        b(i) = \min_{C \ne C(i)} \frac{1}{|C|} \sum_{j \in C} d(i, j),

        s(i) = \frac{b(i) - a(i)}{\max\{a(i), b(i)\}}

    and :math:`s(i) = 0` when :math:`i` is alone in its cluster (and when
    :math:`a(i) = b(i) = 0`), the conventions of Rousseeuw and scikit-learn.

    The distances are computed a block of rows at a time (``cdist``) against
    the rows sorted by cluster, so that each block's sums per cluster are one
    ``np.add.reduceat`` over contiguous runs of columns: memory is bounded by
    ``working_memory`` bytes per block (plus O(n)), time is :math:`O(n^2 p)`.

    References
    ----------
    Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation
    and validation of cluster analysis. *J. Comput. Appl. Math.* 20, 53-65.
    """
    Xa = _check_X(X, what="silhouette", min_rows=3)
    codes_in = _check_labels(labels, Xa.shape[0], what="silhouette")
    return _silhouette_values(Xa, codes_in, working_memory=working_memory)


def _silhouette_values(X: np.ndarray, labels: np.ndarray, *, working_memory: int) -> np.ndarray:
    n = X.shape[0]
    uniq, codes = np.unique(labels, return_inverse=True)
    k = uniq.size
    if not 2 <= k <= n - 1:
        raise DataError(
            f"silhouette: {k} distinct label(s) among {n} rows; the silhouette is defined "
            "for 2 to n-1 clusters",
            fix="cluster into at least 2 clusters (and fewer clusters than rows)",
        )
    counts = np.bincount(codes, minlength=k).astype(float)
    # columns sorted by cluster, so each cluster is one contiguous run of columns
    by_cluster = np.argsort(codes, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts[:-1]).astype(np.int64)))
    X_sorted = X[by_cluster]
    block = max(1, int(working_memory // (8 * n)))
    a = np.empty(n)
    b = np.empty(n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        dist = cdist(X[start:stop], X_sorted)  # (rows, n) Euclidean distances
        sums = np.add.reduceat(dist, starts, axis=1)  # (rows, k): sum to each cluster
        rows = np.arange(stop - start)
        own = codes[start:stop]
        a[start:stop] = sums[rows, own]
        sums[rows, own] = np.inf
        b[start:stop] = (sums / counts).min(axis=1)
    own_size = counts[codes]
    singleton = own_size <= 1
    a = np.where(singleton, 0.0, a / np.where(singleton, 1.0, own_size - 1.0))
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros(n), where=denom > 0)
    s[singleton] = 0.0
    return s


def _sample_rows(n: int, sample_size: int | None, seed: int) -> np.ndarray | None:
    """Rows scikit-learn's ``silhouette_score`` would use for the same arguments."""
    if sample_size is None:
        return None
    if isinstance(sample_size, bool) or not isinstance(sample_size, (int, np.integer)) or sample_size < 3:
        raise DataError(
            f"silhouette: sample_size must be an integer >= 3 or None, got {sample_size!r}",
            fix=f"use e.g. sample_size={SILHOUETTE_SAMPLE}",
        )
    if sample_size >= n:
        return None
    return np.random.RandomState(seed).permutation(n)[:sample_size]


def silhouette(
    X: ArrayLike,
    labels: ArrayLike,
    *,
    sample_size: int | None = None,
    seed: int = 0,
) -> float:
    r"""Mean silhouette coefficient :math:`\bar s = \frac1n \sum_i s(i)`.

    See :func:`silhouette_values` for :math:`s(i)`. Values near 1: compact,
    well separated clusters; near 0: overlapping; negative: rows closer to
    another cluster than to their own.

    With ``sample_size`` the coefficient is computed on ``sample_size`` rows
    drawn without replacement, and a(i), b(i) use only the sampled rows:
    exactly what ``sklearn.metrics.silhouette_score(..., sample_size=m,
    random_state=seed)`` does, with the same rows
    (``np.random.RandomState(seed).permutation(n)[:m]``), so the two agree.
    ``sample_size >= n`` means all rows.

    The exact value needs :math:`n^2` distances; above
    ``SILHOUETTE_MAX_EXACT`` rows a ``sample_size`` is required.

    References
    ----------
    Rousseeuw, P. J. (1987). *J. Comput. Appl. Math.* 20, 53-65.
    """
    Xa = _check_X(X, what="silhouette", min_rows=3)
    lab = _check_labels(labels, Xa.shape[0], what="silhouette")
    rows = _sample_rows(Xa.shape[0], sample_size, seed)
    if rows is not None:
        Xa, lab = Xa[rows], lab[rows]
    elif Xa.shape[0] > SILHOUETTE_MAX_EXACT:
        raise DataError(
            f"silhouette: the exact coefficient on {Xa.shape[0]:,} rows needs "
            f"{Xa.shape[0] ** 2:.1e} distances",
            fix=f"pass sample_size={SILHOUETTE_SAMPLE} (the estimate is then computed on a "
            "random sample of rows, reproducible through seed)",
        )
    return float(np.mean(_silhouette_values(Xa, lab, working_memory=_WORKING_MEMORY_BYTES)))


# ----------------------------------------------------------------------- knee
def _knee_index(x: np.ndarray, y: np.ndarray) -> int:
    """Index of the point farthest from the chord joining the first and last points.

    Both axes are first scaled to [0, 1]; the perpendicular distance to the
    chord is then proportional to Kneedle's difference curve (Satopää et al.
    2011), so this is the Kneedle knee without smoothing. Ties: first index.
    """
    xs = (x - x[0]) / (x[-1] - x[0]) if x[-1] != x[0] else np.zeros_like(x)
    span = y.max() - y.min()
    ys = (y - y.min()) / span if span > 0 else np.zeros_like(y)
    dx, dy = xs[-1] - xs[0], ys[-1] - ys[0]
    norm = math.hypot(dx, dy)
    if norm == 0:
        return 0
    dist = np.abs(dx * (ys - ys[0]) - dy * (xs - xs[0])) / norm
    return int(np.argmax(dist))


# -------------------------------------------------------------------- k-means
def _kmeans(X: np.ndarray, k: int, *, seed: int, n_init: int) -> KMeans:
    if isinstance(n_init, bool) or not isinstance(n_init, (int, np.integer)) or n_init < 1:
        raise DataError(f"k-means: n_init must be a positive integer, got {n_init!r}", fix="use n_init=1..10")
    model = KMeans(
        n_clusters=k, init="k-means++", n_init=int(n_init), random_state=seed, algorithm="lloyd"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    found = np.unique(model.labels_).size
    if found < k:
        raise DataError(
            f"k-means: asked for k={k} clusters but the data have only {found} distinct "
            "group(s) of identical customers",
            fix=f"use k <= {found}, or check that the features vary across customers",
        )
    return model


@dataclass(frozen=True)
class KChoice:
    """Result of :func:`choose_k`.

    ``table`` has one row per k with columns ``k``, ``inertia`` (within-cluster
    sum of squares) and ``silhouette`` (NaN for k = 1). ``best_k`` maximises
    the silhouette (ties: smaller k); ``elbow_k`` is the knee of the inertia
    curve (None with fewer than three values of k). ``sample_size`` is the
    number of rows the silhouette was computed on.
    """

    table: pd.DataFrame
    best_k: int
    elbow_k: int | None
    sample_size: int


def choose_k(
    X: ArrayLike,
    k_range: Iterable[int] = range(2, 11),
    *,
    seed: int = 0,
    n_init: int = 1,
    sample_size: int | None = SILHOUETTE_SAMPLE,
) -> KChoice:
    r"""Inertia and silhouette for each k, with two suggestions for k.

    For each k, k-means (k-means++ seeding, ``n_init`` starts, ``seed``) gives
    the inertia

    .. math::

        W(k) = \sum_{c=1}^{k} \sum_{i \in C_c} \lVert x_i - \mu_c \rVert^2

    (scikit-learn's ``inertia_``) and the mean silhouette (:func:`silhouette`)
    on one sample of ``sample_size`` rows, the same rows for every k so that
    the values compare; ``sample_size=None`` uses all rows (only sensible for
    up to ``SILHOUETTE_MAX_EXACT`` rows).

    * ``best_k``: the k with the largest silhouette.
    * ``elbow_k``: the *elbow* of :math:`W(k)`: scale k and W to [0, 1] and
      take the k whose point is farthest from the straight line (chord)
      joining the first and last points; this is the maximum of the
      difference curve of Kneedle (Satopää et al. 2011).

    References
    ----------
    Thorndike, R. L. (1953). Who belongs in the family? *Psychometrika* 18.
    Satopää, V., Albrecht, J., Irwin, D., Raghavan, B. (2011). Finding a
    "kneedle" in a haystack. *ICDCS Workshops*, 166-171.
    Rousseeuw, P. J. (1987). *J. Comput. Appl. Math.* 20, 53-65.
    """
    Xa = _check_X(X, what="choose_k", min_rows=2)
    n = Xa.shape[0]
    ks = sorted({_check_k(k, n, what="choose_k") for k in k_range})
    if not ks:
        raise DataError("choose_k: k_range is empty", fix="use e.g. k_range=range(2, 11)")
    rows = _sample_rows(n, sample_size, seed)
    if rows is None and n > SILHOUETTE_MAX_EXACT:
        raise DataError(
            f"choose_k: the exact silhouette on {n:,} rows needs {n ** 2:.1e} distances",
            fix=f"pass sample_size={SILHOUETTE_SAMPLE}",
        )
    used = n if rows is None else rows.size
    records = []
    for k in ks:
        model = _kmeans(Xa, k, seed=seed, n_init=n_init)
        labels = model.labels_ if rows is None else model.labels_[rows]
        Xs = Xa if rows is None else Xa[rows]
        m = np.unique(labels).size
        sil = (
            float(np.mean(_silhouette_values(Xs, labels, working_memory=_WORKING_MEMORY_BYTES)))
            if 2 <= m <= used - 1
            else float("nan")
        )
        records.append({"k": k, "inertia": float(model.inertia_), "silhouette": sil})
    table = pd.DataFrame.from_records(records, columns=["k", "inertia", "silhouette"])
    scored = table.dropna(subset=["silhouette"])
    if scored.empty:
        raise DataError(
            "choose_k: the silhouette is undefined for every k given (it needs 2 <= k <= n-1)",
            fix="include some k >= 2 in k_range",
        )
    best_k = int(scored.loc[scored["silhouette"].idxmax(), "k"])
    elbow_k = (
        int(ks[_knee_index(np.asarray(ks, float), table["inertia"].to_numpy())])
        if len(ks) >= 3
        else None
    )
    return KChoice(table=table, best_k=best_k, elbow_k=elbow_k, sample_size=used)


def fit_kmeans(
    X: ArrayLike, k: int, *, seed: int = 0, n_init: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    r"""k-means with k-means++ seeding (Lloyd's algorithm, scikit-learn).

    Minimises the inertia :math:`\sum_i \lVert x_i - \mu_{c(i)} \rVert^2`;
    k-means++ (Arthur & Vassilvitskii 2007) draws each initial centre with
    probability proportional to :math:`D(x)^2`, the squared distance to the
    nearest centre already chosen, which makes the start
    :math:`O(\log k)`-competitive; the best of ``n_init`` starts is kept.

    Returns
    -------
    labels, centres
        ``labels``: ``(n,)`` ints 0..k-1, numbered by cluster size (largest
        first). ``centres``: ``(k, p)``, row c is the *mean of the rows
        labelled c* (recomputed from the final labels, so labels and centres
        agree exactly even if Lloyd's iterations stopped at the tolerance).

    References
    ----------
    Lloyd, S. P. (1982). Least squares quantization in PCM. *IEEE Trans. Inf.
    Theory* 28, 129-137.
    Arthur, D., Vassilvitskii, S. (2007). k-means++: the advantages of careful
    seeding. *SODA*, 1027-1035.
    """
    Xa = _check_X(X, what="fit_kmeans")
    k = _check_k(k, Xa.shape[0], what="fit_kmeans")
    model = _kmeans(Xa, k, seed=seed, n_init=n_init)
    labels = _relabel_by_size(model.labels_.astype(np.int64))
    counts = np.bincount(labels, minlength=k).astype(float)
    centres = np.zeros((k, Xa.shape[1]))
    np.add.at(centres, labels, Xa)
    centres /= counts[:, None]
    return labels, centres


def centres_in_units(
    centres: ArrayLike, transformer: Pipeline, feature_names: Sequence[str]
) -> pd.DataFrame:
    r"""Cluster centres in the original units (days, orders, currency).

    Applies ``transformer.inverse_transform`` (undo standardisation, then
    ``expm1`` for logged features). Because k-means centres are means in the
    transformed space, the result for a cluster :math:`C` is

    .. math::

        \hat x_j = \exp\Big(\frac{1}{|C|}\sum_{i\in C}\log(1 + x_{ij})\Big) - 1

    for a logged feature, the geometric mean of :math:`1 + x` less one. It is
    *not* the arithmetic mean of the cluster (it is at most that, by the
    AM-GM inequality): read it as a "typical" member. For a feature that is
    only standardised (tenure by default) it *is* the arithmetic mean.

    Returns a DataFrame indexed by ``segment`` with one column per feature.
    """
    arr = np.asarray(centres, dtype=float)
    names = list(feature_names)
    if arr.ndim != 2 or arr.shape[1] != len(names):
        raise DataError(
            f"centres_in_units: centres have shape {arr.shape} but {len(names)} feature "
            f"name(s) were given: {names}",
            fix="pass the centres from fit_kmeans and the features used in rfm_matrix",
        )
    if not np.isfinite(arr).all():
        raise DataError("centres_in_units: centres contain NaN or infinity", fix="refit k-means")
    n_in = getattr(transformer, "n_features_in_", None)
    if n_in is not None and n_in != len(names):
        raise DataError(
            f"centres_in_units: the transformer was fitted on {n_in} features, "
            f"but {len(names)} names were given",
            fix="pass the transformer returned by rfm_matrix with the same features",
        )
    values = np.asarray(transformer.inverse_transform(arr), dtype=float)
    out = pd.DataFrame(values, columns=names)
    out.index = pd.RangeIndex(len(out), name=SEGMENT)
    return out


@dataclass(frozen=True)
class Stability:
    """Result of :func:`stability`.

    ``pairs``: one row per pair of seeds (``seed_a``, ``seed_b``, ``ari``);
    ``matrix``: the same as a symmetric seed x seed table (1 on the diagonal);
    ``mean_ari`` and ``min_ari`` summarise the pairs.
    """

    pairs: pd.DataFrame
    matrix: pd.DataFrame
    mean_ari: float
    min_ari: float


def stability(
    X: ArrayLike, k: int, seeds: Iterable[int] = range(5), *, n_init: int = 1
) -> Stability:
    r"""Does the k-means partition depend on the seed? Pairwise adjusted Rand index.

    k-means is run once per seed (``n_init=1`` by default, so that each run is
    one k-means++ start: taking the best of several starts would hide the
    instability this measures) and every pair of runs is compared with the
    adjusted Rand index

    .. math::

        \mathrm{ARI} = \frac{\sum_{ij}\binom{n_{ij}}{2} - \big[\sum_i\binom{a_i}{2}
        \sum_j\binom{b_j}{2}\big]/\binom{n}{2}}
        {\tfrac12\big[\sum_i\binom{a_i}{2} + \sum_j\binom{b_j}{2}\big] -
        \big[\sum_i\binom{a_i}{2}\sum_j\binom{b_j}{2}\big]/\binom{n}{2}}

    (:math:`n_{ij}` the contingency table, :math:`a_i, b_j` its margins):
    1 for identical partitions up to renaming, about 0 for chance agreement.

    References
    ----------
    Hubert, L., Arabie, P. (1985). Comparing partitions. *J. Classif.* 2, 193-218.
    von Luxburg, U. (2010). Clustering stability: an overview. *Found. Trends
    Mach. Learn.* 2, 235-274.
    """
    Xa = _check_X(X, what="stability")
    k = _check_k(k, Xa.shape[0], what="stability")
    seed_list = list(dict.fromkeys(int(s) for s in seeds))
    if len(seed_list) < 2:
        raise DataError(
            f"stability: needs at least two distinct seeds, got {seed_list}",
            fix="use e.g. seeds=range(5)",
        )
    runs = {s: _kmeans(Xa, k, seed=s, n_init=n_init).labels_ for s in seed_list}
    pairs = pd.DataFrame.from_records(
        [
            {"seed_a": a, "seed_b": b, "ari": float(adjusted_rand_score(runs[a], runs[b]))}
            for a, b in combinations(seed_list, 2)
        ],
        columns=["seed_a", "seed_b", "ari"],
    )
    matrix = pd.DataFrame(np.eye(len(seed_list)), index=seed_list, columns=seed_list)
    for row in pairs.itertuples(index=False):
        matrix.loc[row.seed_a, row.seed_b] = row.ari
        matrix.loc[row.seed_b, row.seed_a] = row.ari
    matrix.index.name = "seed"
    matrix.columns.name = "seed"
    return Stability(
        pairs=pairs,
        matrix=matrix,
        mean_ari=float(pairs["ari"].mean()),
        min_ari=float(pairs["ari"].min()),
    )


# --------------------------------------------------------------------- DBSCAN
def _check_min_samples(min_samples: int, n: int, *, what: str) -> int:
    if isinstance(min_samples, bool) or not isinstance(min_samples, (int, np.integer)):
        raise DataError(
            f"{what}: min_samples must be an integer, got {min_samples!r}",
            fix="use e.g. 2 * n_features",
        )
    if not 1 <= min_samples <= n:
        raise DataError(
            f"{what}: min_samples={min_samples} must be between 1 and the number of rows ({n})",
            fix="use a small value such as 2 * n_features (Sander et al. 1998)",
        )
    return int(min_samples)


def k_distance(X: ArrayLike, min_samples: int) -> np.ndarray:
    r"""Sorted distances to each row's ``min_samples``-th nearest neighbour.

    The row itself counts as its first neighbour, the convention of DBSCAN's
    ``min_samples``; hence row :math:`i` is a DBSCAN core point for radius
    :math:`\varepsilon` exactly when its k-distance is :math:`\le \varepsilon`,
    and the sorted curve (the "k-distance plot" of Ester et al. 1996) shows
    which share of rows would be core for each candidate eps. Ascending order.

    References
    ----------
    Ester, M., Kriegel, H.-P., Sander, J., Xu, X. (1996). A density-based
    algorithm for discovering clusters in large spatial databases with noise.
    *KDD*, 226-231.
    """
    Xa = _check_X(X, what="k_distance")
    m = _check_min_samples(min_samples, Xa.shape[0], what="k_distance")
    nn = NearestNeighbors(n_neighbors=m).fit(Xa)
    dist, _ = nn.kneighbors(Xa)
    return np.sort(dist[:, -1])


def suggest_eps(kdist: ArrayLike) -> float:
    r"""An eps for DBSCAN: the knee of the sorted k-distance curve.

    The knee is the point farthest from the chord joining the first and last
    points of the curve after scaling both axes to [0, 1] (Kneedle's
    difference curve, Satopää et al. 2011): below it distances grow slowly
    (points inside clusters), above it they shoot up (sparse points, noise).

    References
    ----------
    Ester et al. (1996), *KDD*; Satopää et al. (2011), *ICDCS Workshops*.
    """
    arr = np.asarray(kdist, dtype=float)
    if arr.ndim != 1 or arr.size < 3:
        raise DataError(
            f"suggest_eps: needs a 1-D k-distance curve of at least 3 values, got shape {arr.shape}",
            fix="pass the output of k_distance(X, min_samples)",
        )
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise DataError("suggest_eps: k-distances must be finite and non-negative", fix="use k_distance")
    if (np.diff(arr) < 0).any():
        raise DataError("suggest_eps: the k-distances must be sorted ascending", fix="use np.sort(kdist)")
    eps = float(arr[_knee_index(np.arange(arr.size, dtype=float), arr)])
    if eps <= 0:  # a knee at duplicates: take the smallest positive distance
        positive = arr[arr > 0]
        if positive.size == 0:
            raise DataError("suggest_eps: all k-distances are zero (identical rows)", fix="deduplicate X")
        eps = float(positive[0])
    return eps


def fit_dbscan(X: ArrayLike, eps: float, min_samples: int) -> np.ndarray:
    r"""DBSCAN labels; noise is ``-1``.

    A row is a *core point* when at least ``min_samples`` rows (itself
    included) lie within distance :math:`\varepsilon`; clusters are the
    connected components of core points plus the border points they reach;
    the rest is noise. Clusters are numbered by size (largest first).

    Memory grows with the number of neighbours within eps: on large tables
    use a sample or a small eps.

    References
    ----------
    Ester et al. (1996), *KDD*, 226-231. Schubert, E., Sander, J., Ester, M.,
    Kriegel, H.-P., Xu, X. (2017). DBSCAN revisited, revisited. *ACM TODS* 42(3).
    """
    Xa = _check_X(X, what="fit_dbscan")
    m = _check_min_samples(min_samples, Xa.shape[0], what="fit_dbscan")
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) or not (
        math.isfinite(eps) and eps > 0
    ):
        raise DataError(
            f"fit_dbscan: eps must be a positive number, got {eps!r}",
            fix="use suggest_eps(k_distance(X, min_samples))",
        )
    labels = DBSCAN(eps=float(eps), min_samples=m).fit_predict(Xa)
    return _relabel_by_size(labels.astype(np.int64))


# --------------------------------------------------------------- hierarchical
def ward_linkage(
    X: ArrayLike, *, max_points: int = 2000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Ward linkage matrix for a dendrogram, on at most ``max_points`` rows.

    Ward's method merges, at each step, the two clusters :math:`A, B` whose
    merger least increases the within-cluster sum of squares:

    .. math::

        \Delta(A, B) = \frac{|A|\,|B|}{|A| + |B|} \lVert \mu_A - \mu_B \rVert^2

    It needs all pairwise distances (:math:`O(n^2)` memory), and a dendrogram
    of more than a few thousand leaves cannot be read anyway, so **when X has
    more than** ``max_points`` **rows a uniform random sample of** ``max_points``
    **rows (without replacement, from** ``seed`` **) is used**. The rows used
    are returned so that the caller can say so.

    Returns
    -------
    Z, rows
        ``Z``: the ``(m-1, 4)`` scipy linkage matrix (input to
        ``scipy.cluster.hierarchy.dendrogram``); ``rows``: the sorted row
        indices of X it was computed on (all rows when not sampled).

    References
    ----------
    Ward, J. H. (1963). Hierarchical grouping to optimize an objective
    function. *JASA* 58, 236-244.
    """
    Xa = _check_X(X, what="ward_linkage", min_rows=2)
    if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)) or max_points < 2:
        raise DataError(
            f"ward_linkage: max_points must be an integer >= 2, got {max_points!r}",
            fix="use e.g. 2000",
        )
    n = Xa.shape[0]
    if n > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=int(max_points), replace=False))
    else:
        rows = np.arange(n)
    Z = linkage(Xa[rows], method="ward", metric="euclidean")
    return Z, rows


def fit_agglomerative(X: ArrayLike, k: int, *, max_points: int = 10_000) -> np.ndarray:
    r"""Ward agglomerative clustering into k clusters (scikit-learn).

    Same criterion as :func:`ward_linkage`, cut at k clusters; labels are
    numbered by size. Because it needs :math:`n(n-1)/2` distances (400 MB at
    10,000 rows), more than ``max_points`` rows raise :class:`DataError`
    asking the caller to sample (or to use :func:`fit_kmeans`, which minimises
    the same sum of squares and scales linearly).

    References
    ----------
    Ward, J. H. (1963). *JASA* 58, 236-244.
    """
    Xa = _check_X(X, what="fit_agglomerative", min_rows=2)
    n = Xa.shape[0]
    if n > max_points:
        gb = n * (n - 1) / 2 * 8 / 1e9
        raise DataError(
            f"fit_agglomerative: {n:,} rows would need {gb:.1f} GB of pairwise distances "
            f"(limit max_points={max_points:,})",
            fix=f"cluster a random sample, e.g. X[np.random.default_rng(0).choice(len(X), "
            f"{max_points}, replace=False)], or use fit_kmeans",
        )
    k = _check_k(k, n, what="fit_agglomerative")
    labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(Xa)
    return _relabel_by_size(labels.astype(np.int64))


# -------------------------------------------------------------------- the map
def pca_map(
    X: ArrayLike, n_components: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    r"""Coordinates on the first principal components, for the cluster map.

    With :math:`X` centred and :math:`X = U \Sigma V^\top` its SVD, the
    coordinates are :math:`X V_{[:, :c]}` and the explained-variance ratio of
    component :math:`j` is :math:`\sigma_j^2 / \sum_l \sigma_l^2`.
    Deterministic: scikit-learn fixes the signs of the components.

    Returns ``(coords (n, n_components), explained_variance_ratio (n_components,))``.

    References
    ----------
    Jolliffe, I. T. (2002). *Principal Component Analysis*, 2nd ed. Springer.
    """
    Xa = _check_X(X, what="pca_map", min_rows=2)
    limit = min(Xa.shape)
    if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)) or not (
        1 <= n_components <= limit
    ):
        raise DataError(
            f"pca_map: n_components={n_components!r} must be an integer from 1 to {limit}",
            fix="use n_components=2 for a map",
        )
    pca = PCA(n_components=int(n_components), svd_solver="full")
    coords = pca.fit_transform(Xa)
    return coords, pca.explained_variance_ratio_.copy()


# ------------------------------------------------------------------ profiling
def profile_segments(customers: pd.DataFrame, labels: ArrayLike) -> pd.DataFrame:
    r"""One row per segment: size, revenue and the median customer.

    Columns: ``segment``, ``n_customers``, ``share_customers``
    (:math:`n_c / n`), ``revenue`` (:math:`\sum_{i\in c} \text{monetary}_i`),
    ``share_revenue`` (:math:`\text{revenue}_c / \sum_i \text{monetary}_i`),
    ``median_recency``, ``median_frequency``, ``median_monetary``,
    ``median_tenure``. Rows sorted by segment; DBSCAN's noise (-1) is a
    segment of its own. ``labels[i]`` belongs to ``customers.iloc[i]``.
    """
    values = _check_customers(customers, _PROFILE_FEATURES, what="profile_segments")
    lab = _check_labels(labels, len(customers), what="profile_segments")
    total = float(values[MONETARY].sum())
    if total <= 0:
        raise DataError(
            "profile_segments: total revenue is zero, so revenue shares are undefined",
            column=MONETARY,
            fix="check the monetary column (is it filled?)",
        )
    frame = pd.DataFrame({SEGMENT: lab, **{c: values[c] for c in _PROFILE_FEATURES}})
    grouped = frame.groupby(SEGMENT, sort=True)
    out = pd.DataFrame(
        {
            "n_customers": grouped.size().astype(np.int64),
            "revenue": grouped[MONETARY].sum(),
            **{f"median_{c}": grouped[c].median() for c in _PROFILE_FEATURES},
        }
    )
    out.insert(1, "share_customers", out["n_customers"] / len(frame))
    out.insert(3, "share_revenue", out["revenue"] / total)
    return out.reset_index()


def name_segments(profile: pd.DataFrame, overall: pd.DataFrame) -> dict[int, str]:
    r"""Names for segments, by rules relative to the whole customer base.

    ``profile`` is the output of :func:`profile_segments`; ``overall`` the
    customer table it came from, which supplies the reference values: the
    overall medians :math:`\tilde R, \tilde F, \tilde M` of recency,
    frequency, monetary and the first quartile :math:`Q_1(T)` of tenure. A
    segment is described by its medians :math:`r, f, m, t` and gets the name
    of the **first** rule it meets:

    ====  ========================  ==============================================
    rule  name                      condition
    ====  ========================  ==============================================
    0     ``noise``                 segment label is -1 (DBSCAN noise)
    1     ``new``                   :math:`t \le Q_1(T)` (tenure low)
    2     ``high-value loyal``      :math:`r < \tilde R,\ f > \tilde F,\ m > \tilde M`
    3     ``at risk``               :math:`r \ge \tilde R,\ f > \tilde F,\ m > \tilde M`
    4     ``lost``                  :math:`r \ge \tilde R,\ f \le \tilde F`
    5     ``low-value active``      :math:`r < \tilde R` (recent, not high-value)
    6     ``occasional``            otherwise (:math:`r \ge \tilde R,\ f > \tilde F,\ m \le \tilde M`)
    ====  ========================  ==============================================

    "Above" is strict (:math:`>`): with the usual median frequency of 1, a
    segment of one-order customers is not frequent. Low recency = recent.

    Names are unique: when several segments meet the same rule, the one with
    the most revenue keeps the plain name and the others get " (2)", " (3)",
    ... in order of decreasing revenue (ties: smaller segment label first).

    Returns ``{segment: name}`` for every row of ``profile``.

    References
    ----------
    Hughes (1994), *Strategic Database Marketing* (RFM cells); Fader, P. S.,
    Hardie, B. G. S., Lee, K. L. (2005). RFM and CLV: using iso-value curves
    for customer base analysis. *J. Marketing Research* 42, 415-430.
    """
    need = [SEGMENT, "revenue", *(f"median_{c}" for c in _PROFILE_FEATURES)]
    have = list(profile.columns) if isinstance(profile, pd.DataFrame) else []
    if not isinstance(profile, pd.DataFrame) or any(c not in have for c in need):
        found = have if isinstance(profile, pd.DataFrame) else type(profile).__name__
        raise DataError(
            f"name_segments: profile needs columns {need}; found {found}",
            column=", ".join(c for c in need if c not in have),
            fix="pass the output of profile_segments(customers, labels)",
        )
    if profile[SEGMENT].duplicated().any():
        raise DataError(
            "name_segments: profile has repeated segment labels",
            column=SEGMENT,
            rows=profile.loc[profile[SEGMENT].duplicated(keep=False), SEGMENT].tolist(),
            fix="pass the output of profile_segments (one row per segment)",
        )
    ref = _check_customers(overall, _PROFILE_FEATURES, what="name_segments (overall)")
    R, F, M = (float(np.median(ref[c])) for c in (RECENCY, FREQUENCY, MONETARY))
    T1 = float(np.quantile(ref[TENURE], 0.25))
    bad = profile[need[2:]].isna().any(axis=1)
    if bad.any():
        raise DataError(
            "name_segments: profile has missing medians",
            rows=profile.loc[bad, SEGMENT].tolist(),
            fix="recompute the profile with profile_segments",
        )

    def rule(row: pd.Series) -> str:
        r, f, m, t = (float(row[f"median_{c}"]) for c in _PROFILE_FEATURES)
        if int(row[SEGMENT]) == -1:
            return "noise"
        if t <= T1:
            return "new"
        if r < R and f > F and m > M:
            return "high-value loyal"
        if r >= R and f > F and m > M:
            return "at risk"
        if r >= R and f <= F:
            return "lost"
        if r < R:
            return "low-value active"
        return "occasional"

    base = {int(row[SEGMENT]): rule(row) for _, row in profile.iterrows()}
    revenue = {int(s): float(v) for s, v in zip(profile[SEGMENT], profile["revenue"])}
    names: dict[int, str] = {}
    for name in dict.fromkeys(base.values()):
        members = sorted((s for s, b in base.items() if b == name), key=lambda s: (-revenue[s], s))
        for rank, seg in enumerate(members, start=1):
            names[seg] = name if rank == 1 else f"{name} ({rank})"
    return {int(s): names[int(s)] for s in profile[SEGMENT]}


def value_tiers(customers: pd.DataFrame, cuts: tuple[float, float] = (0.8, 0.95)) -> pd.Series:
    r"""Value tiers "high", "medium", "low" by cumulative share of revenue.

    Sort customers by monetary value, descending, and let :math:`S(m)` be the
    revenue of the customers spending **strictly more** than :math:`m`, and
    :math:`T` the total. With ``cuts`` :math:`= (c_1, c_2)`, a customer
    spending :math:`m` is

    .. math::

        \text{high if } S(m) < c_1 T, \quad
        \text{medium if } c_1 T \le S(m) < c_2 T, \quad
        \text{low otherwise.}

    That is: walking down the sorted list, a customer is "high" while the
    revenue *before* them has not yet reached 80%, so the customer who crosses
    the 80% line is high, and the high tier is the smallest top group whose
    revenue is at least :math:`c_1 T`; likewise high + medium is the smallest
    top group reaching :math:`c_2 T` (ABC / Pareto analysis).

    **Ties**: customers with equal monetary value are treated as one block and
    always get the same tier (a tier never splits a tie), which is why the
    shares can exceed the cuts by more than one customer. Customers with zero
    revenue are always "low", even with :math:`c_2 = 1`, since :math:`S(0) = T`.

    Proven invariants (tested): every customer gets one tier; tiers are
    monotone in monetary; share(high) :math:`\ge c_1` and share(high) minus
    its lowest tie block :math:`< c_1`; same for high + medium with
    :math:`c_2`.

    Returns an ordered categorical Series (``low < medium < high``) named
    ``value_tier`` with the index of ``customers``.

    References
    ----------
    Juran, J. M. (1951). *Quality Control Handbook* (the Pareto principle);
    Kotler, P., Keller, K. L. (2016). *Marketing Management*, 15th ed.
    """
    c1, c2 = _check_cuts(cuts)
    m = _check_customers(customers, (MONETARY,), what="value_tiers")[MONETARY]
    order = np.argsort(-m, kind="stable")
    sorted_m = m[order]
    cum = np.cumsum(sorted_m)
    total = float(cum[-1])
    if total <= 0:
        raise DataError(
            "value_tiers: total revenue is zero, so revenue shares are undefined",
            column=MONETARY,
            fix="check the monetary column (is it filled?)",
        )
    before = np.concatenate(([0.0], cum[:-1]))  # revenue of the customers ahead in the list
    block_start = np.concatenate(([True], sorted_m[1:] != sorted_m[:-1]))
    block = np.cumsum(block_start) - 1
    strictly_more = before[block_start][block]  # S(m): revenue of customers spending more
    code_sorted = np.where(strictly_more < c1 * total, 0, np.where(strictly_more < c2 * total, 1, 2))
    code = np.empty_like(code_sorted)
    code[order] = code_sorted
    tiers = pd.Categorical.from_codes(
        2 - code, categories=list(reversed(TIERS)), ordered=True
    )  # categories low < medium < high
    return pd.Series(tiers, index=customers.index, name="value_tier")


def _check_cuts(cuts: tuple[float, float]) -> tuple[float, float]:
    try:
        c1, c2 = (float(c) for c in cuts)
    except (TypeError, ValueError):
        raise DataError(
            f"value_tiers: cuts must be two numbers, got {cuts!r}", fix="use cuts=(0.8, 0.95)"
        ) from None
    if not (0 < c1 < c2 <= 1):
        raise DataError(
            f"value_tiers: cuts must satisfy 0 < c1 < c2 <= 1, got {cuts!r}",
            fix="use cuts=(0.8, 0.95): 80% of revenue is high, the next 15% medium",
        )
    return c1, c2

