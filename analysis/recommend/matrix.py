"""From a log to a sparse user x item matrix, and the three splits the chapter compares.

The interactions table has one row per customer and product: ``customer_id,
product_id, weight, timestamp`` (and ``rating`` for explicit feedback). The
matrix is a :class:`scipy.sparse.csr_matrix` with a row per customer and a
column per product; a cell not stored means "no interaction", never a rating of 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import features
from analysis import schema as S
from analysis._checks import check_choice, check_int, check_number, require_columns
from analysis.errors import DataError

__all__ = [
    "FIRST",
    "RATING",
    "Split",
    "UserItems",
    "filter_min_interactions",
    "global_time_split",
    "interactions_of",
    "random_split",
    "split_interactions",
    "stratified_split",
    "time_split_per_user",
    "to_matrix",
]

RATING = "rating"
#: The time of a customer's first interaction with a product (the time split orders pairs by it).
FIRST = "first_timestamp"


def interactions_of(table: pd.DataFrame) -> pd.DataFrame:
    """Customer x product interactions from a clean transactions table.

    Implicit feedback (a shop log): ``weight`` = orders holding the product.
    Explicit feedback (a ``rating`` column, as MovieLens): ``weight`` = the rating,
    the customer's last one for the product. ``timestamp`` is the pair's last time,
    ``first_timestamp`` (:data:`FIRST`) its first: the time split holds out pairs by
    their first time, so a held-out product is one the customer did not have before.
    """
    require_columns(table, [S.CUSTOMER, S.PRODUCT, S.TIMESTAMP], source="transactions")
    if RATING in table.columns and table[RATING].notna().any():
        rated = table.dropna(subset=[RATING]).sort_values(S.TIMESTAMP, kind="stable")
        last = rated.groupby([S.CUSTOMER, S.PRODUCT], as_index=False).last()
        out = last[[S.CUSTOMER, S.PRODUCT, RATING, S.TIMESTAMP]].rename(columns={RATING: S.WEIGHT})
        out[S.WEIGHT] = out[S.WEIGHT].astype(float)
        first = rated.groupby([S.CUSTOMER, S.PRODUCT])[S.TIMESTAMP].min()
    else:
        out = features.interactions(table, weight="orders")
        keys = table[[S.CUSTOMER, S.PRODUCT]].astype(str)  # as features.interactions casts them
        first = table[S.TIMESTAMP].groupby([keys[S.CUSTOMER], keys[S.PRODUCT]]).min()
    first = first.rename(FIRST).reset_index()
    out = out.merge(first, on=[S.CUSTOMER, S.PRODUCT], how="left")
    out[FIRST] = out[FIRST].fillna(out[S.TIMESTAMP])
    return out.sort_values([S.CUSTOMER, S.PRODUCT]).reset_index(drop=True)


def filter_min_interactions(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """Keep customers and products with at least ``n`` interactions each (repeated until both hold)."""
    n = check_int("min_interactions", n, low=1)
    users, items = pd.factorize(df[S.CUSTOMER])[0], pd.factorize(df[S.PRODUCT])[0]  # -1: a missing id
    keep = (users >= 0) & (items >= 0)
    users, items = np.maximum(users, 0), np.maximum(items, 0)  # a missing id is never kept
    while True:  # counts on integer codes: the same rows as value_counts on the ids, without hashing them again
        per_user = np.bincount(users[keep], minlength=users.max(initial=0) + 1)
        per_item = np.bincount(items[keep], minlength=items.max(initial=0) + 1)
        now = keep & (per_user[users] >= n) & (per_item[items] >= n)
        if (now == keep).all():
            return df[keep].reset_index(drop=True)
        keep = now


@dataclass
class UserItems:
    """A user x item matrix with the ids of its rows and columns."""

    X: sp.csr_matrix
    users: np.ndarray
    items: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape

    @property
    def density(self) -> float:
        n = self.X.shape[0] * self.X.shape[1]
        return self.X.nnz / n if n else float("nan")


def to_matrix(df: pd.DataFrame, users=None, items=None, *, binary: bool = False) -> UserItems:
    """The sparse matrix of ``df`` (rows ``users``, columns ``items``; by default those in ``df``,
    sorted). Rows of ``df`` with a user or item outside the given ones are left out."""
    require_columns(df, [S.CUSTOMER, S.PRODUCT, S.WEIGHT], source="interactions")
    users = np.sort(df[S.CUSTOMER].unique()) if users is None else np.asarray(users)
    items = np.sort(df[S.PRODUCT].unique()) if items is None else np.asarray(items)
    r = pd.Index(users).get_indexer(df[S.CUSTOMER])
    c = pd.Index(items).get_indexer(df[S.PRODUCT])
    ok = (r >= 0) & (c >= 0)
    values = np.ones(int(ok.sum())) if binary else df[S.WEIGHT].to_numpy(float)[ok]
    X = sp.csr_matrix((values, (r[ok], c[ok])), shape=(len(users), len(items)))
    X.sum_duplicates()
    return UserItems(X, users, items)


@dataclass
class Split:
    """Training and test interactions, and the matrices on the training users and items."""

    train: pd.DataFrame
    test: pd.DataFrame
    method: str

    def matrices(self, *, binary: bool = False) -> tuple[UserItems, UserItems]:
        """Training and test matrices on the same rows and columns (the training users and items)."""
        tr = to_matrix(self.train, binary=binary)
        te = to_matrix(self.test, tr.users, tr.items, binary=binary)
        return tr, te


def random_split(df: pd.DataFrame, test_share: float, seed: int) -> Split:
    """Each interaction goes to the test with probability ``test_share`` (exactly that share, seeded)."""
    rng = np.random.default_rng(seed)
    n_test = int(round(len(df) * test_share))
    test = np.zeros(len(df), bool)
    test[rng.permutation(len(df))[:n_test]] = True
    return Split(df[~test].reset_index(drop=True), df[test].reset_index(drop=True), "random")


def _ranked_split(df: pd.DataFrame, by: str, order: np.ndarray, test_share: float) -> np.ndarray:
    """True for the rows past the first ``round((1 - test_share) n)`` of their group in ``order``."""
    frame = pd.DataFrame({"g": df[by].to_numpy(), "o": order, "i": np.arange(len(df))})
    frame = frame.sort_values(["g", "o"], kind="stable")
    counts = frame.groupby("g")["g"].transform("size").to_numpy()
    rank = frame.groupby("g").cumcount().to_numpy() + 1
    test = np.zeros(len(df), bool)
    test[frame["i"].to_numpy()] = rank > np.round((1 - test_share) * counts)
    return test


def time_split_per_user(df: pd.DataFrame, test_share: float) -> Split:
    """Each customer's latest ``test_share`` of interactions go to the test: the model is scored on
    what customers did next, never trained on their future.

    Pairs are ordered by their first time (``first_timestamp`` when ``df`` has it, else
    ``timestamp``): a held-out pair is a product the customer first took after every
    training pair, never one they already had before the cut-off."""
    when = df[FIRST] if FIRST in df.columns else df[S.TIMESTAMP]
    order = when.rank(method="first").to_numpy()
    test = _ranked_split(df, S.CUSTOMER, order, test_share)
    return Split(df[~test].reset_index(drop=True), df[test].reset_index(drop=True), "time")


def stratified_split(df: pd.DataFrame, test_share: float, seed: int, *, by: str = S.PRODUCT) -> Split:
    """The recommenders benchmark's ``python_stratified_split``: within each item (``by``), rows in a
    seeded random order, the first ``round((1 - test_share) n)`` to training."""
    np.random.seed(seed)  # the benchmark's own draw (numpy's legacy global generator), for identical splits
    order = np.random.rand(len(df))
    test = _ranked_split(df, by, order, test_share)
    return Split(df[~test].reset_index(drop=True), df[test].reset_index(drop=True), "stratified")


def global_time_split(table: pd.DataFrame, cutoff, *, keep: pd.DataFrame | None = None) -> Split:
    """Train on the lines before ``cutoff``, test on what customers bought from it on: the split that
    looks like deployment (one date for everyone, the model fitted on the past and scored on the next weeks).

    ``table`` is a clean transactions table; both sides are its interactions (:func:`interactions_of`),
    so a test pair may be a product the customer had before the cut-off (a re-order) or a new one.
    ``keep`` (interactions) restricts both sides to its customers and products (the chapter's
    ``min_interactions`` filter); the test keeps the customers and products seen in training only.
    """
    require_columns(table, [S.CUSTOMER, S.PRODUCT, S.TIMESTAMP], source="transactions")
    cut = pd.Timestamp(cutoff)
    before = table[table[S.TIMESTAMP] < cut]
    after = table[table[S.TIMESTAMP] >= cut]
    if before.empty or after.empty:
        raise DataError(
            f"The cut-off {cut:%Y-%m-%d} leaves {len(before):,} lines before it and {len(after):,} after.",
            parameter="global_test_days", rows=[f"first line {table[S.TIMESTAMP].min()}",
                                                f"last line {table[S.TIMESTAMP].max()}"],
            fix="hold out fewer days (global_test_days), so that lines fall on both sides",
        )
    train, test = interactions_of(before), interactions_of(after)
    if keep is not None:
        users, items = keep[S.CUSTOMER].unique(), keep[S.PRODUCT].unique()
        train = train[train[S.CUSTOMER].isin(users) & train[S.PRODUCT].isin(items)]
    test = test[test[S.CUSTOMER].isin(train[S.CUSTOMER].unique()) & test[S.PRODUCT].isin(train[S.PRODUCT].unique())]
    return Split(train.reset_index(drop=True), test.reset_index(drop=True), "global")


def split_interactions(df: pd.DataFrame, method: str, test_share: float, seed: int) -> Split:
    """One of the three splits by name: ``"time"``, ``"random"`` or ``"stratified"``."""
    method = check_choice("split", method, ["time", "random", "stratified"])
    test_share = check_number("test_share", test_share, low=0, high=1, open_low=True, open_high=True)
    if method == "random":
        return random_split(df, test_share, seed)
    if method == "time":
        return time_split_per_user(df, test_share)
    return stratified_split(df, test_share, seed)
