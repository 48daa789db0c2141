r"""Other views of the same customers: DBSCAN, Ward's hierarchical clustering, the PCA map.

Labels are numbered by cluster size (largest first); DBSCAN's noise is ``-1``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.cluster.hierarchy import linkage
from sklearn.cluster import DBSCAN, AgglomerativeClustering
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from analysis._checks import check_int, check_number
from analysis.errors import DataError
from analysis.segment._inputs import check_k, check_X, relabel_by_size
from analysis.segment.kmeans import _knee_index

__all__ = ["fit_agglomerative", "fit_dbscan", "k_distance", "pca_map", "suggest_eps", "ward_linkage"]


def _check_min_samples(min_samples: int, n: int, *, what: str) -> int:
    return check_int(
        f"{what}: min_samples", min_samples, low=1, high=n,
        fix="use a small whole number such as 2 * n_features (Sander et al. 1998), at most the number of rows",
    )


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
    Xa = check_X(X, what="k_distance")
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
    Xa = check_X(X, what="fit_dbscan")
    m = _check_min_samples(min_samples, Xa.shape[0], what="fit_dbscan")
    eps = check_number("fit_dbscan: eps", eps, low=0.0, open_low=True, fix="use suggest_eps(k_distance(X, min_samples))")
    labels = DBSCAN(eps=float(eps), min_samples=m).fit_predict(Xa)
    return relabel_by_size(labels.astype(np.int64))


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
    Xa = check_X(X, what="ward_linkage", min_rows=2)
    max_points = check_int("ward_linkage: max_points", max_points, low=2, fix="use e.g. 2000")
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
    Xa = check_X(X, what="fit_agglomerative", min_rows=2)
    n = Xa.shape[0]
    if n > max_points:
        gb = n * (n - 1) / 2 * 8 / 1e9
        raise DataError(
            f"fit_agglomerative: {n:,} rows would need {gb:.1f} GB of pairwise distances "
            f"(limit max_points={max_points:,})",
            fix=f"cluster a random sample, e.g. X[np.random.default_rng(0).choice(len(X), "
            f"{max_points}, replace=False)], or use fit_kmeans",
        )
    k = check_k(k, n, what="fit_agglomerative")
    labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(Xa)
    return relabel_by_size(labels.astype(np.int64))


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
    Xa = check_X(X, what="pca_map", min_rows=2)
    limit = min(Xa.shape)
    n_components = check_int("pca_map: n_components", n_components, low=1, high=limit, fix="use n_components=2 for a map")
    pca = PCA(n_components=int(n_components), svd_solver="full")
    coords = pca.fit_transform(Xa)
    return coords, pca.explained_variance_ratio_.copy()


