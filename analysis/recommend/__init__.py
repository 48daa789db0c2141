"""Recommendations from user-item data: the Collaborative filtering chapter's package."""

from analysis.recommend.base import Recommender, as_csr, user_means
from analysis.recommend.baseline import BiasedBaseline, Popularity, predict_pairs
from analysis.recommend.extras import basket_rules, movielens_texts, product_texts, text_similarity
from analysis.recommend.factors import BPR, ExplicitALS, ExplicitSGD, ImplicitALS, scatter_add, solve_rows
from analysis.recommend.linear import EASE, Autoencoder, ease_weights
from analysis.recommend.matrix import (
    FIRST, RATING, Split, UserItems, filter_min_interactions, interactions_of, random_split, split_interactions,
    stratified_split, time_split_per_user, to_matrix,
)  # fmt: skip
from analysis.recommend.neighbours import ItemKNN, UserKNN, cosine_similarity, keep_top_k

__all__ = [
    "BPR", "EASE", "FIRST", "RATING", "Autoencoder", "BiasedBaseline", "ExplicitALS", "ExplicitSGD", "ImplicitALS",
    "ItemKNN", "Popularity", "Recommender", "Split", "UserItems", "UserKNN", "as_csr", "cosine_similarity",
    "basket_rules", "ease_weights", "filter_min_interactions", "movielens_texts", "product_texts", "scatter_add",
    "text_similarity", "interactions_of", "keep_top_k", "predict_pairs", "random_split",
    "solve_rows", "split_interactions", "stratified_split", "time_split_per_user", "to_matrix", "user_means",
]  # fmt: skip
