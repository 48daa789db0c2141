r"""Customer segmentation: the functions behind the Clustering chapter.

The chapter walks one path, and the subpackage follows it:

1. :mod:`~analysis.segment.rfm` -- the RFM transform (``log1p`` then
   standardise) that k-means clusters on, and the industry's RFM quintile
   scores with their named segments (champions ... lost).
2. :mod:`~analysis.segment.kmeans` -- k chosen by the elbow, the smallest
   segment, stability across seeds and the silhouette; the final fit.
3. :mod:`~analysis.segment.density` -- DBSCAN, Ward and the PCA map.
4. :mod:`~analysis.segment.profiles` -- profiles, rule-based names, value tiers.
5. :mod:`~analysis.chapters.clustering.steps` -- one function per step of the chapter.

Conventions: every random choice is driven by ``seed``; cluster labels are
``0 .. k-1`` numbered by size, largest first (DBSCAN's noise stays ``-1``);
foreseeable bad input raises :class:`analysis.errors.DataError` naming the
column, a few rows and the fix.
"""

from analysis.schema import SEGMENT
from analysis.segment.density import fit_agglomerative, fit_dbscan, k_distance, pca_map, suggest_eps, ward_linkage
from analysis.segment.kmeans import (
    MIN_SEGMENT_SHARE,
    SILHOUETTE_MAX_EXACT,
    SILHOUETTE_SAMPLE,
    STABLE_ARI,
    KChoice,
    Stability,
    centres_in_units,
    choose_k,
    fit_kmeans,
    silhouette,
    silhouette_values,
    stability,
)
from analysis.segment.profiles import (
    NAME_RULES,
    TIERS,
    candidate_profiles,
    name_segments,
    profile_segments,
    tier_table,
    value_tiers,
)
from analysis.segment.rfm import (
    DEFAULT_FEATURES,
    LOG_FEATURES,
    RFM_RULES,
    RFM_SEGMENTS,
    overdue,
    rfm_matrix,
    rfm_rules_table,
    rfm_scores,
    rfm_segment,
    rfm_segment_table,
)

__all__ = [
    "DEFAULT_FEATURES", "LOG_FEATURES", "MIN_SEGMENT_SHARE", "NAME_RULES", "RFM_RULES", "RFM_SEGMENTS", "SEGMENT",
    "SILHOUETTE_MAX_EXACT", "SILHOUETTE_SAMPLE", "STABLE_ARI", "TIERS", "KChoice", "Stability", "candidate_profiles",
    "centres_in_units", "choose_k", "fit_agglomerative", "fit_dbscan", "fit_kmeans", "k_distance", "name_segments",
    "overdue", "pca_map", "profile_segments", "rfm_matrix", "rfm_rules_table", "rfm_scores", "rfm_segment", "rfm_segment_table",
    "silhouette", "silhouette_values", "stability", "suggest_eps", "tier_table", "value_tiers", "ward_linkage",
]  # fmt: skip
