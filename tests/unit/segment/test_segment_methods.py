"""Tests for analysis.segment: our formulas against scikit-learn, the rules on
constructed tables with known answers, and DataError for foreseeable bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import linkage
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, silhouette_samples, silhouette_score

from analysis import segment as sg
from analysis.errors import DataError
from analysis.schema import CUSTOMER, FREQUENCY, MONETARY, RECENCY, TENURE

SQUARE = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)]


def customer_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A small skewed customer table of the shape features.py produces."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 730, n).astype(float)
    frequency = 1 + rng.negative_binomial(0.8, 0.3, n)
    monetary = np.round(frequency * rng.lognormal(np.log(30), 0.7, n), 2)
    recency = np.floor(tenure * rng.beta(0.8, 2.0, n))
    return pd.DataFrame(
        {
            CUSTOMER: [f"C{i:04d}" for i in range(n)],
            RECENCY: recency,
            FREQUENCY: frequency,
            MONETARY: monetary,
            TENURE: tenure,
        }
    )


def square_blobs(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return make_blobs(n_samples=n, centers=SQUARE, cluster_std=1.0, random_state=seed)


# ------------------------------------------------------------------ silhouette
@pytest.mark.parametrize(
    ("seed", "centers", "n"), [(0, 2, 120), (1, 3, 301), (2, 5, 450), (3, 8, 200)]
)
def test_silhouette_matches_sklearn(seed: int, centers: int, n: int) -> None:
    X, y = make_blobs(n_samples=n, centers=centers, n_features=3, random_state=seed)
    np.testing.assert_allclose(sg.silhouette_values(X, y), silhouette_samples(X, y), rtol=0, atol=1e-10)
    assert sg.silhouette(X, y) == pytest.approx(silhouette_score(X, y), abs=1e-12)


def test_silhouette_of_kmeans_labels_and_tiny_blocks_match_sklearn() -> None:
    X, _ = make_blobs(n_samples=257, centers=4, random_state=7)
    labels = KMeans(4, n_init=1, random_state=0).fit_predict(X)
    # working_memory small enough that every block is a single row: the chunking is exercised
    ours = sg.silhouette_values(X, labels, working_memory=8)
    np.testing.assert_allclose(ours, silhouette_samples(X, labels), rtol=0, atol=1e-10)


@pytest.mark.parametrize(("seed", "sample_size"), [(0, 50), (1, 123), (5, 299)])
def test_silhouette_sample_uses_the_same_rows_as_sklearn(seed: int, sample_size: int) -> None:
    # Our sample is np.random.RandomState(seed).permutation(n)[:sample_size], the rows
    # sklearn's silhouette_score draws with random_state=seed, so the values agree.
    X, y = make_blobs(n_samples=300, centers=3, cluster_std=3.0, random_state=seed)
    ours = sg.silhouette(X, y, sample_size=sample_size, seed=seed)
    theirs = silhouette_score(X, y, sample_size=sample_size, random_state=seed)
    assert ours == pytest.approx(theirs, abs=1e-12)
    assert ours != pytest.approx(sg.silhouette(X, y), abs=1e-6)  # the sample really differs


def test_silhouette_singleton_cluster_counts_zero_like_sklearn() -> None:
    X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [20.0]])
    y = np.array([0, 0, 0, 1, 1, 2])
    ours = sg.silhouette_values(X, y)
    assert ours[-1] == 0.0
    np.testing.assert_allclose(ours, silhouette_samples(X, y), atol=1e-12)


def test_silhouette_rejects_one_cluster_bad_labels_and_huge_exact() -> None:
    X = np.arange(10.0).reshape(-1, 1)
    with pytest.raises(DataError, match="2 to n-1 clusters"):
        sg.silhouette(X, np.zeros(10, dtype=int))
    with pytest.raises(DataError, match="one entry per row"):
        sg.silhouette(X, np.zeros(9, dtype=int))
    big = np.zeros((sg.SILHOUETTE_MAX_EXACT + 1, 1))
    with pytest.raises(DataError, match="sample_size"):
        sg.silhouette(big, np.arange(big.shape[0]) % 2)


# ------------------------------------------------------------------- choose_k
def test_choose_k_inertia_is_sklearns_and_finds_four_blobs() -> None:
    X, _ = square_blobs()
    choice = sg.choose_k(X, range(2, 11), seed=3, n_init=2)
    assert list(choice.table["k"]) == list(range(2, 11))
    for k, inertia, sil in choice.table[["k", "inertia", "silhouette"]].itertuples(index=False):
        model = KMeans(n_clusters=k, init="k-means++", n_init=2, random_state=3).fit(X)
        assert inertia == pytest.approx(model.inertia_, rel=1e-12)
        assert sil == pytest.approx(silhouette_score(X, model.labels_), abs=1e-10)
    assert choice.best_k == 4
    assert choice.elbow_k == 4
    assert choice.k == 4 and choice.reason == "elbow"
    assert choice.sample_size == len(X)


def test_choose_k_silhouette_on_a_sample_is_sklearns_on_the_same_rows() -> None:
    X, _ = square_blobs(n=400, seed=1)
    choice = sg.choose_k(X, [2, 4, 6], seed=9, n_init=1, sample_size=150)
    assert choice.sample_size == 150
    for k, sil in choice.table[["k", "silhouette"]].itertuples(index=False):
        labels = KMeans(n_clusters=k, n_init=1, random_state=9).fit(X).labels_
        assert sil == pytest.approx(silhouette_score(X, labels, sample_size=150, random_state=9), abs=1e-12)


def test_choose_k_refuses_k1_and_with_two_ks_the_elbow_is_the_silhouette() -> None:
    X, _ = square_blobs(n=200)
    with pytest.raises(DataError, match="k"):
        sg.choose_k(X, [1, 4], seed=0)
    choice = sg.choose_k(X, [2, 4], seed=0)
    assert choice.best_k == 4
    assert choice.elbow_k == 4  # the elbow needs three points: the silhouette stands in


def test_choose_k_is_deterministic() -> None:
    X, _ = make_blobs(n_samples=300, centers=5, cluster_std=2.5, random_state=4)
    a = sg.choose_k(X, range(2, 7), seed=11)
    b = sg.choose_k(X, range(2, 7), seed=11)
    pd.testing.assert_frame_equal(a.table, b.table)


# ----------------------------------------------------------------- fit_kmeans
def test_fit_kmeans_labels_by_size_and_centres_are_cluster_means() -> None:
    sizes = [50, 200, 120]
    X, _ = make_blobs(n_samples=sizes, centers=[(0, 0), (8, 0), (0, 8)], random_state=2)
    labels, centres = sg.fit_kmeans(X, 3, seed=5)
    counts = np.bincount(labels)
    assert list(counts) == sorted(sizes, reverse=True)
    for c in range(3):
        np.testing.assert_allclose(centres[c], X[labels == c].mean(axis=0), atol=1e-12)
    reference = KMeans(3, n_init=4, random_state=5).fit(X).labels_
    assert adjusted_rand_score(labels, reference) == 1.0
    again, centres_again = sg.fit_kmeans(X, 3, seed=5)
    np.testing.assert_array_equal(labels, again)
    np.testing.assert_array_equal(centres, centres_again)


def test_stability_near_one_on_separated_blobs_lower_on_uniform_noise() -> None:
    X, _ = square_blobs(n=400)
    result = sg.stability(X, 4, seeds=range(5))
    assert len(result.pairs) == 10
    assert result.mean_ari > 0.99 and result.min_ari > 0.95
    assert np.allclose(result.matrix.to_numpy(), result.matrix.to_numpy().T)
    assert np.allclose(np.diag(result.matrix.to_numpy()), 1.0)
    noise = np.random.default_rng(0).uniform(size=(400, 2))
    shaky = sg.stability(noise, 7, seeds=range(5))
    assert shaky.min_ari < result.min_ari
    assert shaky.min_ari < 0.99


# ------------------------------------------------------- transform and units
def test_rfm_matrix_standardises_logs_and_round_trips() -> None:
    customers = customer_table()
    X, transformer = sg.rfm_matrix(customers)
    features = list(sg.DEFAULT_FEATURES)
    raw = customers[features].to_numpy(float)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, atol=1e-12)
    logged = np.log1p(raw[:, 2])  # monetary is logged, tenure is not
    np.testing.assert_allclose(X[:, 2], (logged - logged.mean()) / logged.std(), atol=1e-12)
    np.testing.assert_allclose(X[:, 3], (raw[:, 3] - raw[:, 3].mean()) / raw[:, 3].std(), atol=1e-12)
    np.testing.assert_allclose(transformer.inverse_transform(X), raw, rtol=1e-10, atol=1e-9)
    X_plain, _ = sg.rfm_matrix(customers, log=False)
    np.testing.assert_allclose(X_plain[:, 2], (raw[:, 2] - raw[:, 2].mean()) / raw[:, 2].std(), atol=1e-12)
    X_some, _ = sg.rfm_matrix(customers, features=[FREQUENCY, MONETARY], log=[MONETARY])
    np.testing.assert_allclose(X_some[:, 1], X[:, 2], atol=1e-12)
    np.testing.assert_allclose(X_some[:, 0], X_plain[:, 1], atol=1e-12)


def test_centres_in_units_are_geometric_means_for_logged_features() -> None:
    # A centre is a mean in log space: back in units it is expm1(mean(log1p(x))), the
    # geometric mean of 1 + x less one, at most the arithmetic mean; for tenure, which is
    # only standardised, it is the arithmetic mean of the cluster.
    customers = customer_table(n=400, seed=1)
    X, transformer = sg.rfm_matrix(customers)
    labels, centres = sg.fit_kmeans(X, 3, seed=0)
    units = sg.centres_in_units(centres, transformer, sg.DEFAULT_FEATURES)
    assert units.index.name == sg.SEGMENT and list(units.columns) == list(sg.DEFAULT_FEATURES)
    for c in range(3):
        members = customers.loc[labels == c]
        for col in (RECENCY, FREQUENCY, MONETARY):
            geometric = np.expm1(np.log1p(members[col]).mean())
            assert units.loc[c, col] == pytest.approx(geometric, rel=1e-9)
            assert units.loc[c, col] <= members[col].mean() + 1e-9
        assert units.loc[c, TENURE] == pytest.approx(members[TENURE].mean(), rel=1e-9)


def test_centres_in_units_rejects_wrong_names() -> None:
    X, transformer = sg.rfm_matrix(customer_table(n=50))
    _, centres = sg.fit_kmeans(X, 2)
    with pytest.raises(DataError, match="feature name"):
        sg.centres_in_units(centres, transformer, [RECENCY, FREQUENCY])


# --------------------------------------------------------------------- DBSCAN
def test_dbscan_finds_planted_clusters_and_outliers() -> None:
    X, y = make_blobs(n_samples=600, centers=[(0, 0), (12, 0), (6, 10)], cluster_std=0.8, random_state=0)
    outliers = np.array([[30.0, 30.0], [-20.0, 15.0], [25.0, -18.0], [-15.0, -20.0], [6.0, 35.0]])
    data = np.vstack([X, outliers])
    kdist = sg.k_distance(data, 5)
    assert kdist.shape == (len(data),) and np.all(np.diff(kdist) >= 0)
    eps = sg.suggest_eps(kdist)
    assert np.median(kdist) < eps < 6.0  # above the typical in-cluster spacing, below the gaps
    labels = sg.fit_dbscan(data, eps, 5)
    assert np.all(labels[-5:] == -1)
    inliers = labels[:-5]
    assert np.mean(inliers == -1) < 0.02
    kept = inliers != -1
    assert adjusted_rand_score(y[kept], inliers[kept]) == 1.0
    assert set(np.unique(inliers[kept])) == {0, 1, 2}
    # the convention: a row is a core point iff its k-distance (itself counted) <= eps
    reference = DBSCAN(eps=eps, min_samples=5).fit(data)
    assert np.sum(kdist <= eps) == len(reference.core_sample_indices_)


def test_suggest_eps_is_the_end_of_the_flat_part() -> None:
    # 90 slowly rising distances, then 10 steep ones: the point farthest from the chord
    # (axes scaled to [0, 1]) is the last flat one.
    curve = np.concatenate([np.linspace(1.0, 1.1, 90), np.linspace(5.0, 10.0, 10)])
    assert sg.suggest_eps(curve) == pytest.approx(1.1)
    with pytest.raises(DataError, match="sorted ascending"):
        sg.suggest_eps(curve[::-1])


# --------------------------------------------------------------- hierarchical
def test_ward_linkage_samples_large_inputs_and_matches_scipy() -> None:
    X, _ = square_blobs(n=300)
    Z, rows = sg.ward_linkage(X, max_points=500)
    np.testing.assert_array_equal(rows, np.arange(300))
    np.testing.assert_allclose(Z, linkage(X, method="ward"))
    Z_s, rows_s = sg.ward_linkage(X, max_points=100, seed=4)
    assert Z_s.shape == (99, 4) and rows_s.size == 100 and np.all(np.diff(rows_s) > 0)
    np.testing.assert_allclose(Z_s, linkage(X[rows_s], method="ward"))
    _, rows_again = sg.ward_linkage(X, max_points=100, seed=4)
    np.testing.assert_array_equal(rows_s, rows_again)


def test_fit_agglomerative_matches_sklearn_and_refuses_large_n() -> None:
    X, y = square_blobs(n=200)
    labels = sg.fit_agglomerative(X, 4)
    reference = AgglomerativeClustering(n_clusters=4, linkage="ward").fit_predict(X)
    assert adjusted_rand_score(labels, reference) == 1.0
    assert adjusted_rand_score(labels, y) == 1.0
    assert list(np.bincount(labels)) == sorted(np.bincount(labels), reverse=True)
    with pytest.raises(DataError, match="sample"):
        sg.fit_agglomerative(X, 4, max_points=150)


def test_pca_map_matches_sklearn() -> None:
    X, _ = make_blobs(n_samples=200, n_features=4, centers=3, random_state=0)
    coords, ratio = sg.pca_map(X)
    reference = PCA(n_components=2).fit(X)
    np.testing.assert_allclose(ratio, reference.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(np.abs(coords), np.abs(reference.transform(X)), atol=1e-8)
    assert coords.shape == (200, 2)
    _, all_ratio = sg.pca_map(X, n_components=4)
    assert all_ratio.sum() == pytest.approx(1.0)
    with pytest.raises(DataError, match="n_components"):
        sg.pca_map(X, n_components=5)


# ------------------------------------------------------------------ profiling
def test_profile_segments_on_a_constructed_table() -> None:
    customers = pd.DataFrame(
        {
            CUSTOMER: ["a", "b", "c", "d", "e"],
            RECENCY: [10.0, 20.0, 300.0, 200.0, 100.0],
            FREQUENCY: [5, 3, 1, 1, 2],
            MONETARY: [500.0, 300.0, 50.0, 100.0, 50.0],
            TENURE: [400.0, 380.0, 350.0, 250.0, 20.0],
        }
    )
    profile = sg.profile_segments(customers, np.array([1, 1, 0, 0, -1]))
    assert list(profile.columns) == [
        "segment", "n_customers", "share_customers", "revenue", "share_revenue",
        "median_recency", "median_frequency", "median_monetary", "median_tenure",
    ]  # fmt: skip
    assert list(profile["segment"]) == [-1, 0, 1]
    assert list(profile["n_customers"]) == [1, 2, 2]
    np.testing.assert_allclose(profile["share_customers"], [0.2, 0.4, 0.4])
    np.testing.assert_allclose(profile["revenue"], [50.0, 150.0, 800.0])
    np.testing.assert_allclose(profile["share_revenue"], [0.05, 0.15, 0.80])
    np.testing.assert_allclose(profile["median_recency"], [100.0, 250.0, 15.0])
    np.testing.assert_allclose(profile["median_frequency"], [2.0, 1.0, 4.0])
    np.testing.assert_allclose(profile["median_tenure"], [20.0, 300.0, 390.0])


def test_profile_segments_sums_on_kmeans_segments() -> None:
    customers = customer_table(n=500, seed=3)
    X, _ = sg.rfm_matrix(customers)
    labels, _ = sg.fit_kmeans(X, 4, seed=1)
    profile = sg.profile_segments(customers, labels)
    assert profile["n_customers"].sum() == len(customers)
    assert profile["share_customers"].sum() == pytest.approx(1.0)
    assert profile["share_revenue"].sum() == pytest.approx(1.0)
    assert profile["revenue"].sum() == pytest.approx(customers[MONETARY].sum())
    names = sg.name_segments(profile, customers)
    assert sorted(names) == [0, 1, 2, 3] and len(set(names.values())) == 4


def _overall() -> pd.DataFrame:
    # medians: recency 45, frequency 1.5, monetary 45; first quartile of tenure 275
    return pd.DataFrame(
        {
            CUSTOMER: list("abcdefgh"),
            RECENCY: [10.0, 20, 30, 40, 50, 60, 70, 80],
            FREQUENCY: [1, 1, 1, 1, 2, 3, 4, 5],
            MONETARY: [10.0, 20, 30, 40, 50, 60, 70, 80],
            TENURE: [100.0, 200, 300, 400, 500, 600, 700, 800],
        }
    )


def _profile() -> pd.DataFrame:
    rows = [  # segment, revenue, r, f, m, t  -> expected name (rule)
        (0, 900.0, 20, 4, 70, 500),  # high-value loyal
        (1, 800.0, 70, 3, 60, 600),  # at risk
        (2, 500.0, 80, 1, 20, 700),  # lost
        (3, 100.0, 10, 1, 20, 100),  # new: tenure <= Q1 wins over everything
        (4, 150.0, 30, 1, 15, 400),  # low-value active
        (5, 200.0, 60, 2, 30, 500),  # occasional
        (6, 300.0, 75, 1, 10, 650),  # lost, less revenue than 2 -> "lapsed, lower spend"
        (7, 300.0, 45, 1.5, 70, 275.5),  # r == median (not below), f == median (not above): lost
        (-1, 10.0, 5, 9, 900, 900),  # DBSCAN noise
        (8, 400.0, 30, 2, 45, 500),  # recent, frequent, m == median (not above): low-value active
        (9, 50.0, 20, 4, 70, 275),  # tenure == Q1 but above a quarter of the window: high-value loyal
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "segment", "revenue",
            "median_recency", "median_frequency", "median_monetary", "median_tenure",
        ],  # fmt: skip
    )


def test_name_segments_follows_the_documented_rules() -> None:
    names = sg.name_segments(_profile(), _overall())
    assert names == {
        0: "high-value loyal, longer tenure",  # shares its rule with 9 only, same behaviour: named by tenure
        1: "slipping",
        2: "lapsed",  # the lead of three lapsed segments keeps the plain name
        3: "new",
        4: "low-value active, lower spend",
        5: "occasional",
        6: "lapsed, lower spend",  # against the lead (2): spend differs most
        7: "lapsed, higher spend",
        -1: "noise",
        8: "low-value active, higher spend",
        9: "high-value loyal, shorter tenure",  # tenure 275 <= Q1 but above a quarter of the window (200): not new
    }
    assert len(set(names.values())) == len(names)
    shuffled = _profile().sample(frac=1.0, random_state=1)
    assert sg.name_segments(shuffled, _overall()) == names


def test_new_needs_a_short_tenure_against_the_window_too() -> None:
    # CDNOW-like: everyone arrived in the first months; a lapsed one-order segment in the lowest tenure quarter
    overall = pd.DataFrame({CUSTOMER: list("abcd"), RECENCY: [479.0, 300, 100, 20], FREQUENCY: [1, 1, 3, 6],
                            MONETARY: [20.0, 30, 90, 300], TENURE: [483.0, 500, 530, 545]})  # fmt: skip
    profile = pd.DataFrame({"segment": [0, 1], "revenue": [20.0, 420.0], "median_recency": [479.0, 60.0],
                            "median_frequency": [1.0, 4.5], "median_monetary": [20.0, 200.0],
                            "median_tenure": [483.0, 540.0]})  # fmt: skip
    assert sg.name_segments(profile, overall)[0] == "lapsed"
    short = profile.assign(median_tenure=[100.0, 540.0])  # a quarter of the window (545) or less: new
    assert sg.name_segments(short, overall.assign(**{TENURE: [100.0, 500, 530, 545]}))[0] == "new"


def test_segments_with_one_rule_are_named_by_their_own_profiles() -> None:
    overall = _overall()
    profile = pd.DataFrame({"segment": [0, 1], "revenue": [900.0, 800.0], "median_recency": [20.0, 40.0],
                            "median_frequency": [4.0, 4.0], "median_monetary": [70.0, 70.0],
                            "median_tenure": [500.0, 500.0]})  # fmt: skip
    names = sg.name_segments(profile, overall)
    assert names == {0: "high-value loyal, more recent", 1: "high-value loyal, less recent"}
    twins = profile.assign(median_recency=[20.0, 20.0])  # identical profiles: a number is all that is left
    assert sg.name_segments(twins, overall) == {0: "high-value loyal", 1: "high-value loyal (2)"}


def test_name_segments_rejects_a_table_that_is_not_a_profile() -> None:
    with pytest.raises(DataError, match="profile_segments"):
        sg.name_segments(_overall(), _overall())


def test_value_tiers_exact_cuts() -> None:
    customers = pd.DataFrame(
        {CUSTOMER: list("uvwxyz"), MONETARY: [50.0, 500.0, 20.0, 300.0, 100.0, 30.0]},
        index=[10, 11, 12, 13, 14, 15],
    )
    tiers = sg.value_tiers(customers)
    assert tiers.name == "value_tier"
    assert list(tiers.index) == [10, 11, 12, 13, 14, 15]
    # sorted: 500, 300 | 100, 50 | 30, 20 ; revenue before each: 0, 500 | 800, 900 | 950, 980
    assert list(tiers) == ["medium", "high", "low", "high", "medium", "low"]
    shares = customers[MONETARY].groupby(tiers, observed=True).sum() / customers[MONETARY].sum()
    assert shares["high"] == pytest.approx(0.80)
    assert shares["medium"] == pytest.approx(0.15)
    assert shares["low"] == pytest.approx(0.05)
    assert tiers.cat.ordered and tiers.max() == "high"


def test_value_tiers_never_split_ties_and_zero_is_low() -> None:
    customers = pd.DataFrame({MONETARY: [600.0, 100.0, 100.0, 100.0, 100.0, 0.0]})
    # 600 alone is 60% < 80%, so the block of four 100s (revenue before it: 600) is high too
    assert list(sg.value_tiers(customers)) == ["high"] * 5 + ["low"]
    assert list(sg.value_tiers(customers, cuts=(0.5, 1.0))) == ["high"] + ["medium"] * 4 + ["low"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    amounts=st.lists(
        st.one_of(st.integers(0, 20).map(float), st.floats(0.0, 1e6, allow_nan=False)),
        min_size=1,
        max_size=60,
    ).filter(lambda xs: sum(xs) > 0),
    c1=st.floats(0.05, 0.9),
    gap=st.floats(0.01, 0.5),
    seed=st.integers(0, 2**16),
)
def test_value_tiers_invariants(amounts: list[float], c1: float, gap: float, seed: int) -> None:
    """For any valid table and cuts 0 < c1 < c2 <= 1 (tol = 1e-9 of total revenue):

    1. each customer gets exactly one of high/medium/low, index preserved;
    2. tiers are monotone in monetary, and equal monetary gives equal tier;
    3. high is the smallest top group of whole tie blocks with share >= c1:
       share(high) >= c1 and share(high) - share(its lowest block) < c1;
    4. the same for high + medium with c2; zero-revenue customers are low.
    """
    c2 = min(1.0, c1 + gap)
    rng = np.random.default_rng(seed)
    n = len(amounts)
    customers = pd.DataFrame(
        {
            CUSTOMER: [f"id{i}" for i in range(n)],
            RECENCY: rng.integers(0, 400, n).astype(float),
            FREQUENCY: rng.integers(1, 30, n),
            MONETARY: amounts,
            TENURE: rng.integers(0, 800, n).astype(float),
        },
        index=rng.permutation(n) + 100,
    )
    tiers = sg.value_tiers(customers, cuts=(c1, c2))
    assert tiers.index.equals(customers.index)
    assert tiers.notna().all() and set(tiers.astype(str)) <= {"high", "medium", "low"}
    m = customers[MONETARY].to_numpy()
    rank = {"high": 2, "medium": 1, "low": 0}
    code = np.array([rank[t] for t in tiers.astype(str)])
    for i, j in itertools.combinations(range(n), 2):
        if m[i] == m[j]:
            assert code[i] == code[j]
        elif m[i] > m[j]:
            assert code[i] >= code[j]
    total = m.sum()
    tol = 1e-9 * total
    assert np.all(code[m == 0] == 0)
    for cut, top in ((c1, code == 2), (c2, code >= 1)):
        revenue = m[top].sum()
        if top.all():
            lowest = m[top].min()
            assert revenue - m[m == lowest].sum() < cut * total + tol
            continue
        assert revenue >= cut * total - tol
        if top.any():
            lowest = m[top].min()
            assert revenue - m[m == lowest].sum() < cut * total + tol


# ----------------------------------------------------------------- DataError
def test_missing_column_lists_the_columns_found() -> None:
    customers = customer_table(n=20).drop(columns=[TENURE])
    with pytest.raises(DataError) as info:
        sg.rfm_matrix(customers)
    message = str(info.value)
    assert "tenure" in message and "columns found" in message and "'monetary'" in message
    assert info.value.column == TENURE and info.value.fix


def test_nan_and_negative_values_name_the_customers() -> None:
    customers = customer_table(n=20)
    customers.loc[3, FREQUENCY] = np.nan
    with pytest.raises(DataError, match="missing or infinite 'frequency'") as info:
        sg.rfm_matrix(customers)
    assert "customer_id=C0003" in str(info.value)
    customers = customer_table(n=20)
    customers.loc[[4, 7], MONETARY] = [-5.0, -1.0]
    with pytest.raises(DataError, match="2 customer\\(s\\) have a negative 'monetary'") as info:
        sg.rfm_matrix(customers)
    assert "customer_id=C0004" in str(info.value) and "returns" in str(info.value)
    with pytest.raises(DataError, match="negative 'monetary'"):
        sg.value_tiers(customers)
    with pytest.raises(DataError, match="negative 'monetary'"):
        sg.profile_segments(customers, np.zeros(20, dtype=int))


def test_text_and_duplicate_customers_are_rejected() -> None:
    customers = customer_table(n=10)
    customers[RECENCY] = customers[RECENCY].astype(str)
    with pytest.raises(DataError, match="not numeric"):
        sg.rfm_matrix(customers)
    customers = customer_table(n=10)
    customers.loc[5, CUSTOMER] = customers.loc[0, CUSTOMER]
    with pytest.raises(DataError, match="one row per customer"):
        sg.rfm_matrix(customers)


def test_nan_in_X_and_k_too_large_are_data_errors() -> None:
    X, _ = square_blobs(n=30)
    with pytest.raises(DataError, match="only 30 customers"):
        sg.fit_kmeans(X, 31)
    with pytest.raises(DataError, match="only 30 customers"):
        sg.choose_k(X, range(2, 40))
    with pytest.raises(DataError, match="only 30 customers"):
        sg.stability(X, 50)
    bad = X.copy()
    bad[[2, 9], 1] = np.nan
    with pytest.raises(DataError, match="NaN") as info:
        sg.fit_kmeans(bad, 3)
    assert "row 2" in str(info.value) and "row 9" in str(info.value)
    with pytest.raises(DataError, match="NaN"):
        sg.k_distance(bad, 4)
    with pytest.raises(DataError, match="distinct"):
        sg.fit_kmeans(np.repeat([[0.0, 0.0], [1.0, 1.0]], 10, axis=0), 3)
    with pytest.raises(DataError, match="eps"):
        sg.fit_dbscan(X, 0.0, 5)
    with pytest.raises(DataError, match="min_samples"):
        sg.fit_dbscan(X, 1.0, 100)
    with pytest.raises(DataError, match="cuts"):
        sg.value_tiers(customer_table(n=5), cuts=(0.9, 0.8))
