"""Recommendations from user-item data: the Collaborative filtering chapter's package."""

from analysis.recommend.base import Recommender, as_csr, fresh, user_means
from analysis.recommend.baseline import BiasedBaseline, BuyAgain, Popularity, RecentPopularity, predict_pairs
from analysis.recommend.extras import (
    basket_rules, limit_per_family, movielens_texts, product_texts, reorders_first, text_similarity, variant_family,
)  # fmt: skip
from analysis.recommend.factors import BPR, ExplicitALS, ExplicitSGD, ImplicitALS, scatter_add, solve_rows
from analysis.recommend.linear import EASE, Autoencoder, ease_weights
from analysis.recommend.matrix import (
    FIRST, RATING, Split, UserItems, filter_min_interactions, global_time_split, interactions_of, random_split, split_interactions,
    stratified_split, time_split_per_user, to_matrix,
)  # fmt: skip
from analysis.recommend.neighbours import ItemKNN, UserKNN, cosine_similarity, keep_top_k

__all__ = [
    "BPR", "EASE", "FIRST", "RATING", "Autoencoder", "BiasedBaseline", "BuyAgain", "RecentPopularity", "ExplicitALS", "ExplicitSGD", "ImplicitALS",
    "ItemKNN", "Popularity", "Recommender", "Split", "fresh", "UserItems", "UserKNN", "as_csr", "cosine_similarity",
    "basket_rules", "ease_weights", "filter_min_interactions", "global_time_split", "limit_per_family", "reorders_first", "variant_family", "movielens_texts", "product_texts", "scatter_add",
    "text_similarity", "interactions_of", "keep_top_k", "predict_pairs", "random_split",
    "solve_rows", "split_interactions", "stratified_split", "time_split_per_user", "to_matrix", "user_means",
]  # fmt: skip
