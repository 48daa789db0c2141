r"""k-means and the choice of k: silhouette, elbow, smallest segment, stability across seeds.

Every k-means fit runs on one thread (the same sums in the same order on any
machine) and keeps the best of ``N_INIT`` k-means++ starts. :func:`choose_k`
fits each candidate k from ``runs`` seeds (the first gives inertia and
silhouette, all of them the stability), so it costs ``runs`` final fits per k:
measured on 2 cores with k = 2..8 and 5 runs, 0.5 s for 800 customers and
9 s for the 23,570 CDNOW customers. The silhouette is computed on a sample of 10,000
customers because the exact value needs :math:`n^2` distances.
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
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from analysis._checks import check_int, check_number
from analysis.errors import DataError
from analysis.schema import SEGMENT
from analysis.segment._inputs import check_k, check_labels, check_X, relabel_by_size

__all__ = [
    "MIN_SEGMENT_SHARE",
    "SILHOUETTE_MAX_EXACT",
    "SILHOUETTE_SAMPLE",
    "STABLE_ARI",
    "KChoice",
    "Stability",
    "centres_in_units",
    "choose_k",
    "fit_kmeans",
    "silhouette",
    "silhouette_values",
    "stability",
]

#: Above this many points, :func:`silhouette` without ``sample_size`` refuses
#: (the exact coefficient needs n^2 distances: 2.5e9 at this size).
SILHOUETTE_MAX_EXACT = 50_000
#: Default silhouette sample in :func:`choose_k`, as in the scikit-learn guide.
SILHOUETTE_SAMPLE = 10_000
#: A k is usable only if its smallest segment holds at least this share of the customers.
MIN_SEGMENT_SHARE = 0.05
#: A k is usable only if k-means runs from different seeds agree at least this well (mean ARI).
STABLE_ARI = 0.8
#: k-means++ starts of the final fit (the best is kept); the k choice checks the same.
N_INIT = 4
_WORKING_MEMORY_BYTES = 64 * 2**20
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
    Xa = check_X(X, what="silhouette", min_rows=3)
    codes_in = check_labels(labels, Xa.shape[0], what="silhouette")
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
    sample_size = check_int("silhouette: sample_size", sample_size, low=3, fix=f"use e.g. sample_size={SILHOUETTE_SAMPLE}")
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
    Xa = check_X(X, what="silhouette", min_rows=3)
    lab = check_labels(labels, Xa.shape[0], what="silhouette")
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


def _kmeans(X: np.ndarray, k: int, *, seed: int, n_init: int) -> KMeans:
    """k-means on one thread: the same sums in the same order on every machine, and no OpenMP
    start-up cost, which on a busy 2-core machine made each small fit 50 times slower."""
    n_init = check_int("k-means: n_init", n_init, low=1, fix="use n_init=1..10")
    model = KMeans(n_clusters=k, init="k-means++", n_init=int(n_init), random_state=seed, algorithm="lloyd")
    with threadpool_limits(1), warnings.catch_warnings():
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

    ``table`` has one row per k: ``k``, ``inertia`` (within-cluster sum of
    squares), ``silhouette`` (mean, on ``sample_size`` rows), ``smallest_share``
    (share of customers in the smallest segment), ``stability`` (mean ARI
    between runs from different seeds) and ``usable`` (smallest share and
    stability both pass). ``k`` is the chosen number of segments and
    ``reason`` says which rule chose it: ``"elbow"`` (the elbow is usable),
    ``"nearest usable"`` (the usable k nearest the elbow) or ``"none usable"``
    (no k passes; the best silhouette is taken). ``best_k`` maximises the
    silhouette, ``elbow_k`` is the knee of the inertia curve.
    """

    table: pd.DataFrame
    k: int
    reason: str
    best_k: int
    elbow_k: int
    sample_size: int
    min_share: float
    stable_ari: float


def _runs(X: np.ndarray, k: int, seeds: Sequence[int], n_init: int) -> list[KMeans]:
    return [_kmeans(X, k, seed=s, n_init=n_init) for s in seeds]


def _mean_ari(runs: list[np.ndarray]) -> float:
    pairs = [adjusted_rand_score(a, b) for a, b in combinations(runs, 2)]
    return float(np.mean(pairs)) if pairs else float("nan")


def _score_k(X: np.ndarray, k: int, seeds: Sequence[int], rows: np.ndarray | None, n_init: int) -> dict:
    """Inertia, silhouette (first seed), smallest segment share and mean ARI across seeds for one k."""
    models = _runs(X, k, seeds, n_init)
    labels = models[0].labels_
    lab = labels if rows is None else labels[rows]
    Xs = X if rows is None else X[rows]
    m = np.unique(lab).size
    sil = float(np.mean(_silhouette_values(Xs, lab, working_memory=_WORKING_MEMORY_BYTES))) if 2 <= m < lab.size else np.nan
    return {
        "k": k,
        "inertia": float(models[0].inertia_),
        "silhouette": sil,
        "smallest_share": float(np.bincount(labels).min() / labels.size),
        "stability": _mean_ari([model.labels_ for model in models]),
    }


def _pick(table: pd.DataFrame, elbow_k: int) -> tuple[int, str]:
    """The chosen k and the rule that chose it (see :func:`choose_k`)."""
    usable = table[table["usable"]]
    if elbow_k in set(usable["k"]):
        return elbow_k, "elbow"
    if not usable.empty:
        ranked = usable.assign(gap=(usable["k"] - elbow_k).abs()).sort_values(["gap", "silhouette", "k"], ascending=[True, False, True])
        return int(ranked["k"].iloc[0]), "nearest usable"
    scored = table.dropna(subset=["silhouette"])
    return int(scored.loc[scored["silhouette"].idxmax(), "k"]), "none usable"


def choose_k(
    X: ArrayLike,
    k_range: Iterable[int] = range(2, 11),
    *,
    seed: int = 0,
    runs: int = 3,
    min_share: float = MIN_SEGMENT_SHARE,
    stable_ari: float = STABLE_ARI,
    n_init: int = N_INIT,
    sample_size: int | None = SILHOUETTE_SAMPLE,
) -> KChoice:
    r"""Choose k with four criteria: elbow, smallest segment, stability across seeds, silhouette.

    For each k, k-means (k-means++, the best of ``n_init`` starts, as in
    :func:`fit_kmeans`, so that the check is on the segmentation the chapter
    uses) is run from the seeds ``seed, ..., seed + runs - 1``. The first run gives the inertia

    .. math:: W(k) = \sum_{c=1}^{k} \sum_{i \in C_c} \lVert x_i - \mu_c \rVert^2

    and the mean silhouette (:func:`silhouette`, on one sample of
    ``sample_size`` rows, the same for every k), and the share of customers in
    its smallest segment; all runs give the stability, the mean adjusted Rand
    index between pairs of runs (:func:`stability`).

    A k is **usable** when its smallest segment holds at least ``min_share`` of
    the customers (a segment too small to act on) and its stability is at least
    ``stable_ari``. The **elbow** ``elbow_k`` is the k whose point on the
    inertia curve is farthest from the chord joining its ends, both axes
    scaled to [0, 1] (Kneedle, Satopää et al. 2011). The chosen k is the elbow
    if usable; otherwise the usable k nearest the elbow (ties: higher
    silhouette, then smaller k); if no k is usable, the k of the highest
    silhouette. The silhouette alone is not the rule because on skewed,
    continuous customer data it favours k = 2 (one split of a single cloud
    leaves each point far closer to its own half than to the other).

    References
    ----------
    Thorndike (1953), *Psychometrika* 18; Satopää et al. (2011), *ICDCS
    Workshops*, 166-171; Rousseeuw (1987), *J. Comput. Appl. Math.* 20, 53-65;
    von Luxburg (2010), *Found. Trends Mach. Learn.* 2, 235-274.
    """
    Xa = check_X(X, what="choose_k", min_rows=2)
    n = Xa.shape[0]
    ks = sorted({check_k(k, n, what="choose_k", low=2) for k in k_range})
    if not ks:
        raise DataError("choose_k: k_range is empty", column="k_range", fix="use e.g. k_range=range(2, 11)")
    runs = check_int("stability_runs", runs, low=2, fix="use e.g. 3 k-means runs per k")
    min_share = check_number("min_share", min_share, low=0.0, high=0.5, fix="use e.g. 0.05")
    stable_ari = check_number("stable_ari", stable_ari, low=0.0, high=1.0, fix="use e.g. 0.8")
    rows = _sample_rows(n, sample_size, seed)
    if rows is None and n > SILHOUETTE_MAX_EXACT:
        raise DataError(
            f"choose_k: the exact silhouette on {n:,} rows needs {n ** 2:.1e} distances",
            fix=f"pass sample_size={SILHOUETTE_SAMPLE}",
        )
    seeds = range(seed, seed + runs)
    table = pd.DataFrame([_score_k(Xa, k, seeds, rows, n_init) for k in ks])
    table["usable"] = (table["smallest_share"] >= min_share) & (table["stability"] >= stable_ari)
    scored = table.dropna(subset=["silhouette"])
    if scored.empty:
        raise DataError("choose_k: the silhouette is undefined for every k given", fix="include some k >= 2 in k_range")
    best_k = int(scored.loc[scored["silhouette"].idxmax(), "k"])
    elbow_k = int(ks[_knee_index(np.asarray(ks, float), table["inertia"].to_numpy())]) if len(ks) >= 3 else best_k
    k, reason = _pick(table, elbow_k)
    used = n if rows is None else rows.size
    return KChoice(table, k, reason, best_k, elbow_k, used, min_share, stable_ari)

def fit_kmeans(
    X: ArrayLike, k: int, *, seed: int = 0, n_init: int = N_INIT
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
    Xa = check_X(X, what="fit_kmeans")
    k = check_k(k, Xa.shape[0], what="fit_kmeans")
    model = _kmeans(Xa, k, seed=seed, n_init=n_init)
    labels = relabel_by_size(model.labels_.astype(np.int64))
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


def stability(X: ArrayLike, k: int, seeds: Iterable[int] = range(5), *, n_init: int = 1) -> Stability:
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
    """
    Xa = check_X(X, what="stability")
    k = check_k(k, Xa.shape[0], what="stability")
    seed_list = list(dict.fromkeys(check_int("seed", s, low=0) for s in seeds))
    if len(seed_list) < 2:
        raise DataError(
            f"stability: needs at least two distinct seeds, got {seed_list}", column="seeds", fix="use e.g. seeds=range(5)"
        )
    runs = dict(zip(seed_list, (m.labels_ for m in _runs(Xa, k, seed_list, n_init))))
    pairs = pd.DataFrame(
        [{"seed_a": a, "seed_b": b, "ari": float(adjusted_rand_score(runs[a], runs[b]))} for a, b in combinations(seed_list, 2)]
    )
    matrix = pd.DataFrame(np.eye(len(seed_list)), index=seed_list, columns=seed_list)
    for row in pairs.itertuples(index=False):
        matrix.loc[row.seed_a, row.seed_b] = matrix.loc[row.seed_b, row.seed_a] = row.ari
    matrix.index.name = matrix.columns.name = "seed"
    return Stability(pairs=pairs, matrix=matrix, mean_ari=float(pairs["ari"].mean()), min_ari=float(pairs["ari"].min()))

