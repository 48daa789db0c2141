"""The Collaborative filtering chapter's steps, one function per step of the notebook.

Each returns an :class:`analysis.page.Step`: the values and worded findings the
page cites (``glue``), the table it shows and what later steps need (``data``).
Fit times are kept in each model's row but left out of the tables, which the page glues
(a rerun must glue the same values; seconds vary from run to run).

Memory, with n customers, m products and z interactions (issue 24: nothing grows with n squared or n x m):

* matrix, split, baselines: sparse matrices, about 12 bytes an interaction (z);
* the evaluation (sections 2 to 9, the exercises): at most ``max_eval_customers`` customers (:func:`sample_step`),
  so its factor models ((n + m) x d), the autoencoder's dense targets and its lists grow with that sample;
* item kNN, the text cosine, EASE: product x product arrays (m^2 8-byte numbers; an item kNN its similarities,
  its kept neighbours sparse (``neighbours`` cells a product); EASE the Gram matrix and one
  a fit, its inverse made into its weights where it is, on at most ``max_products`` products, in 4-byte numbers
  when its penalty allows single precision; the training
  matrix's Gram matrix is kept from section 3 to section 5, where EASE uses it); user kNN: ``neighbours`` cells
  a customer, from blocks of
  :data:`analysis.recommend.neighbours.BLOCK_CELLS` similarities;
* independent fits of one section run two at a time (:func:`_pool`): a section's peak is that of its two
  largest fits together (two EASE penalties on section 5's validation split, say);
* every ranking of all products for all customers: :data:`BATCH` customers at a time (BATCH x m);
* rules: the baskets' lines and the pair counts of at most 2,000 products;
* the lists for tomorrow: every customer, n x ``n_recommendations`` rows (the autoencoder, when chosen, holds
  its dense n x m targets there); before them, :func:`unfit` frees the arrays of the models fitted for the
  evaluation (each item kNN holds its products x products similarities), so that section 10 reuses that memory.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from analysis import features, fmt, plots
from analysis import schema as S
from analysis.errors import DataError
from analysis.evaluate.ranking import ranking_metrics, top_k_from_scores
from analysis.evaluate.rating import rating_metrics
from analysis.chapters._claims import Claim
from analysis.chapters.recommend import findings as F
from analysis.page import Step
from analysis.recommend.base import fresh
from analysis.recommend.baseline import BiasedBaseline, BuyAgain, Popularity, RecentPopularity
from analysis.recommend.extras import (
    basket_rules, limit_per_family, movielens_texts, product_texts, reorders_first, text_similarity, variant_family,
)  # fmt: skip
from analysis.recommend.factors import BPR, ExplicitALS, ExplicitSGD, ImplicitALS
from analysis.recommend.linear import EASE, Autoencoder, gram, most_interacted
from analysis.recommend.matrix import (
    filter_min_interactions, global_time_split, interactions_of, split_interactions, stratified_split, to_matrix,
)  # fmt: skip
from analysis.recommend.neighbours import BLOCK_CELLS, ItemKNN, UserKNN, cosine_similarity, keep_top_k
from analysis.recommend.spark import SparkALS

__all__ = [
    "COLUMN_WORDS", "DELIVERABLE_COLUMNS", "EASE_GRID", "baselines_step", "content_step", "factors_step",
    "family_step", "families_of", "global_step", "implicit_step", "matrix_step", "neighbours_step", "rules_as_lists",
    "rules_step", "sample_step", "show", "spark_step", "split_step", "tomorrow_step", "truth_step", "unfit",
]  # fmt: skip

COLUMN_WORDS = {
    "model": "model", "precision": "P@K", "recall": "R@K", "map": "MAP", "ndcg": "nDCG@K",
    "hit_rate": "hit rate", "coverage": "coverage", "popularity_bias": "pop. bias",
    "fit_seconds": "fit (s)", "rmse": "RMSE", "mae": "MAE", "gap": "gap to the planted tastes",
    "antecedent": "if bought", "consequent": "then also", "support": "support", "confidence": "confidence",
    "lift": "lift", "rows": "interactions", "customers": "customers", "products": "products",
    "customer_id": "customer", "product_id": "product", "rank": "rank", "score": "score", "reason": "reason",
    "description": "description", "similarity": "similarity",
    "by_text": "nearest by description", "text_similarity": "text cosine",
    "by_interactions": "nearest by interactions", "interaction_similarity": "interaction cosine",
    "ndcg_any": "nDCG@K, anything next", "recall_any": "R@K, anything next",
    "ndcg_new": "nDCG@K, new products", "recall_new": "R@K, new products", "reorder": "re-order",
    "column": "column", "type": "type", "unit": "unit", "meaning": "meaning",
}  # fmt: skip
#: Shrinkage n_shrink of the shrunk item kNN (a similarity times n_common / (n_common + n_shrink)).
KNN_SHRINKAGE = 10.0
#: Share of the training interactions (per product, seeded) held out as the validation split.
VALIDATION_SHARE = 0.2
#: EASE's ridge penalties tried on the validation split (scaled by the mean interactions per item).
EASE_GRID = (3.0, 10.0, 30.0)


def _step(glue: dict, table, data: dict) -> Step:
    """A Step whose glued numbers are plain Python values (no numpy scalars on the page)."""
    return Step({k: v.item() if isinstance(v, np.generic) else v for k, v in glue.items()}, table, data)


def show(df: pd.DataFrame, caption: str | None = None, **kinds) -> Any:
    """:func:`analysis.plots.table_in_words` with this chapter's :data:`COLUMN_WORDS` (coverage as a share)."""
    if "coverage" in df.columns:
        kinds["shares"] = [*kinds.get("shares", []), "coverage"]
    return plots.table_in_words(df, COLUMN_WORDS, caption=caption, **kinds)


def matrix_step(table: pd.DataFrame, min_interactions: int) -> Step:
    """Interactions, the customers and products with at least ``min_interactions``, sparsity and long tail."""
    raw = interactions_of(table)
    inter = filter_min_interactions(raw, min_interactions)
    if inter[S.CUSTOMER].nunique() < 2 or inter[S.PRODUCT].nunique() < 2:
        raise DataError(
            f"After keeping customers and products with at least {min_interactions} interactions, "
            f"{inter[S.CUSTOMER].nunique()} customers and {inter[S.PRODUCT].nunique()} products are left.",
            parameter="min_interactions", rows=[f"min_interactions = {min_interactions}"],
            fix="set a smaller min_interactions (e.g. 1 or 2), or use a larger log",
        )
    explicit = "rating" in table.columns and table["rating"].notna().any()
    n_u, n_i = inter[S.CUSTOMER].nunique(), inter[S.PRODUCT].nunique()
    counts = inter[S.PRODUCT].value_counts().to_numpy()
    head = np.sort(counts)[::-1][: max(1, int(np.ceil(0.1 * len(counts))))].sum() / counts.sum()
    density = len(inter) / (n_u * n_i)
    glue = {
        "n_interactions_raw": len(raw), "n_interactions": len(inter), "n_users": n_u, "n_items": n_i,
        "density": density, "head_share": head, "explicit": explicit,
        "feedback": "explicit ratings" if explicit else "implicit feedback (purchases)",
        "dense_cells": n_u * n_i, "sparsity_finding": F.sparsity(density, head, n_u, n_i),
    }  # fmt: skip
    shown = pd.DataFrame({"rows": [len(raw), len(inter)], "customers": [raw[S.CUSTOMER].nunique(), n_u],
                          "products": [raw[S.PRODUCT].nunique(), n_i]},
                         index=pd.Index(["all interactions", f"at least {min_interactions} each"], name="kept"))
    return _step(glue, shown, {"interactions": inter, "item_counts": counts, "explicit": explicit})


def sample_step(inter: pd.DataFrame, max_customers: int, seed: int) -> Step:
    """The customers the evaluation scores: every one, or a seeded random sample of ``max_customers`` of
    them when there are more (their interactions kept whole); the lists for tomorrow cover every customer.

    Memory and time of the evaluation then grow with the sample, not with the log: the largest arrays of
    sections 2 to 9 hold at most ``max_customers`` rows (a block of scores, the autoencoder's targets).
    """
    customers = np.sort(inter[S.CUSTOMER].unique())
    n = len(customers)
    sampled = n > max_customers
    if sampled:
        chosen = np.sort(np.random.default_rng(seed).choice(customers, max_customers, replace=False))
        inter = inter[inter[S.CUSTOMER].isin(chosen)].reset_index(drop=True)
        text = (f"The log has {n:,} customers, more than `max_eval_customers` ({max_customers:,}): the "
                f"evaluation (sections 2 to 9 and the exercises) scores a seeded random sample of "
                f"{max_customers:,} of them, with all their {len(inter):,} interactions; the lists for "
                "tomorrow (section 10) cover every customer.")
        note = (f"{n:,} customers: sections 2 to 9 evaluate a random sample of {max_customers:,} "
                "(max_eval_customers)")
    else:
        text = (f"The evaluation scores all {n:,} customers (a log with more than `max_eval_customers`, "
                f"{max_customers:,}, would be evaluated on a seeded random sample of that many).")
        note = ""
    glue = {"eval_customers": min(n, max_customers), "all_customers": n, "eval_sampled": sampled,
            "eval_sample_text": text, "score_batch": BATCH, "block_cells": BLOCK_CELLS}
    return _step(glue, None, {"interactions": inter, "progress_note": note})


def split_step(inter: pd.DataFrame, method: str, test_share: float, seed: int) -> Step:
    """The chosen split, and the training and test matrices (binary for top-k, values for ratings)."""
    split = split_interactions(inter, method, test_share, seed)
    tr, te = split.matrices(binary=True)
    trv, tev = split.matrices()
    if te.X.nnz == 0 or tr.X.shape[0] < 2 or tr.X.shape[1] < 2:
        raise DataError(
            f"The {method} split leaves {te.X.nnz} test interactions with customers and products seen in training.",
            parameter="test_share", rows=[f"test_share = {test_share}", f"split = {method!r}"],
            fix="use a larger test_share or a smaller min_interactions, or the 'random' split",
        )
    glue = {"n_train": tr.X.nnz, "n_test": te.X.nnz, "n_test_users": int((np.diff(te.X.indptr) > 0).sum()),
            "n_test_dropped": len(split.test) - te.X.nnz, "train_density": tr.density}
    return _step(glue, None, {"split": split, "train": tr, "test": te, "train_values": trv, "test_values": tev})


def _threads() -> int:
    """Threads for independent fits: two where the process may use two cores or more, else one."""
    return min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


@contextlib.contextmanager
def _pool():
    """An executor for independent fits on :func:`_threads` threads.

    NumPy, SciPy's sparse products and LAPACK release the GIL in their loops, so two fits share two cores: on
    Online Retail, section 5's three EASE penalties, BPR, the autoencoder and EASE took 10.2 s one after the other
    and 6.8 s on two threads, with the same numbers (each model has its own seeded generator and writes only its
    own arrays). BLAS stays on one thread per fit, as in every model here (:func:`one_blas_thread`), so that two
    fits never ask for more threads than cores. Peak memory is that of the two largest fits at once.
    """
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(_threads()) as pool:
        yield pool


def _in_parallel(*tasks: Callable[[], Any]) -> list[Any]:
    """Run independent fits (argument-free callables) in :func:`_pool`; results in the tasks' order."""
    with _pool() as pool:
        return [f.result() for f in [pool.submit(task) for task in tasks]]


def _evaluate(name: str, model, train, test, k: int, G: np.ndarray | None = None) -> dict[str, Any]:
    """Fit (``G``: the training matrix's Gram matrix for a model that takes it), list, score."""
    t = time.perf_counter()
    model.fit(train.X) if G is None else model.fit(train.X, G=G)
    fit = time.perf_counter() - t
    recs = model.recommend(n=k)
    return {"model": name, **ranking_metrics(recs, test.X, train=train.X), "fit_seconds": fit, "recs": recs,
            "fitted": model}


def _table(rows: list[dict]) -> pd.DataFrame:
    cols = ["model", "precision", "recall", "map", "ndcg", "hit_rate", "coverage", "popularity_bias"]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows])


def baselines_step(train, test, k: int, train_values=None, test_values=None) -> Step:
    """Most popular for top-k; global mean and biased baseline for ratings (explicit data only)."""
    pop = _evaluate("most popular", Popularity(), train, test, k)
    held = np.diff(test.X.indptr)
    held = held[held > 0]
    cap = float(np.mean(np.minimum(k, held) / held)) if len(held) else float("nan")
    glue = {"pop_ndcg": pop["ndcg"], "pop_precision": pop["precision"], "pop_coverage": pop["coverage"],
            "recall_cap": cap, "mean_held": float(held.mean()) if len(held) else float("nan"),
            "recall_cap_text": F.recall_cap(cap, float(held.mean()), k) if len(held) else ""}
    data = {"rows": [pop], "models": {"most popular": None}}
    if train_values is not None:
        u, i, r = _test_pairs(test_values)
        base = BiasedBaseline().fit(train_values.X)
        mean_pred = np.full(len(r), train_values.X.data.mean())
        glue |= {"mean_rmse": rating_metrics(r, mean_pred)["rmse"],
                 "baseline_rmse": rating_metrics(r, np.clip(base.predict(u, i), *_scale(train_values)))["rmse"]}
    return _step(glue, _table([pop]), data)


def _test_pairs(test_values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    C = test_values.X.tocoo()
    return C.row, C.col, C.data


def _scale(train_values) -> tuple[float, float]:
    return float(train_values.X.data.min()), float(train_values.X.data.max())


def neighbours_step(train, test, k: int, neighbours: int) -> Step:
    """Item- and user-based cosine kNN, plain and mean-centred, on the 0/1 training matrix.

    The two item kNN share the training matrix's Gram matrix (``data["gram"]``, kept for EASE of section 5)."""
    G = gram(train.X)
    specs = [("item kNN cosine", ItemKNN(neighbours, common=False)),
             ("item kNN cosine, shrunk", ItemKNN(neighbours, common=False, shrinkage=KNN_SHRINKAGE)),
             ("user kNN cosine", UserKNN(neighbours, common=False))]
    rows = _in_parallel(*[functools.partial(_evaluate, name, m, train, test, k, G=G if isinstance(m, ItemKNN) else None)
                        for name, m in specs])
    best = max(rows, key=lambda r: r["ndcg"])
    glue = {"item_knn_ndcg": rows[0]["ndcg"], "user_knn_ndcg": rows[2]["ndcg"], "knn_best": best["model"],
            "knn_shrinkage": KNN_SHRINKAGE}
    return _step(glue, _table(rows), {"rows": rows, "item_knn": specs[0][1], "gram": G})


def _validation(split, seed: int):
    """An item-stratified random split of the training interactions, ``VALIDATION_SHARE`` of each product's
    held out (the test split is never used to choose); made once per split and seed (sections 4 and 5)."""
    cached = getattr(split, "_validation", None)
    if cached is not None and cached[0] == seed:
        return cached[1]
    inner = stratified_split(split.train, VALIDATION_SHARE, seed)
    out = inner.matrices(binary=True), inner.matrices()
    split._validation = (seed, out)
    return out


#: The learning curve of implicit ALS scores at most this many test customers (a seeded sample) per sweep.
CURVE_USERS = 1000


def _curve_users(test: sp.csr_matrix, seed: int) -> np.ndarray:
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    if len(users) <= CURVE_USERS:
        return users
    return np.sort(np.random.default_rng(seed).choice(users, CURVE_USERS, replace=False))


def _dims(factors: int) -> list[int]:
    return sorted({max(1, factors // 4), max(1, factors // 2), factors})


def factors_step(data: dict, k: int, factors: int, regularization: float, iterations: int, seed: int,
                 explicit: bool) -> Step:
    """Matrix factorisation with the latent dimension chosen on a validation split, and learning curves.

    The candidates (a quarter, half and all of ``factors``) are fitted on the validation
    split with half the sweeps; the chosen one is refitted on the whole training split (for implicit
    feedback, the refits start beside the validation fits and those not chosen are dropped).

    Ratings: biased ALS against SGD (test RMSE per sweep). Implicit feedback:
    Hu-Koren-Volinsky ALS (test nDCG@K per sweep).
    """
    (vtr, vte), (vtrv, vtev) = _validation(data["split"], seed)
    half = max(1, iterations // 2)
    if explicit:
        u, i, r = _test_pairs(vtev)
        val = {d: rating_metrics(r, np.clip(ExplicitALS(d, regularization, half, seed, 0.1)
                                            .fit(vtrv.X).predict(u, i), *_scale(vtrv)))["rmse"] for d in _dims(factors)}
        chosen = min(val, key=val.get)
        return _rating_curves(data, chosen, val, regularization, iterations, seed)
    dims = _dims(factors)
    users = _curve_users(data["test"].X, seed)
    with _pool() as pool:
        fits = [pool.submit(_evaluate, "", ImplicitALS(d, regularization, half, seed=seed), vtr, vte, k) for d in dims]
        # each candidate's fit on the whole training split starts beside the validation fits, the largest (the
        # slowest) first; once the choice is known, those not chosen are dropped (or never start)
        dropped = {d: threading.Event() for d in dims}
        refits = {d: pool.submit(_als_with_curve, d, regularization, iterations, seed, data, users, k, dropped[d])
                  for d in sorted(dims, reverse=True)}
        val = {d: fit.result()["ndcg"] for d, fit in zip(dims, fits)}
        chosen = max(val, key=val.get)
        for d, refit in refits.items():
            if d != chosen:
                dropped[d].set()  # a refit already running stops after its sweep
                refit.cancel()
        row, curve = refits[chosen].result()
    curves = pd.DataFrame({"implicit ALS": curve}, index=pd.RangeIndex(1, len(curve) + 1, name="sweep"))
    glue = {"factors_chosen": chosen, "mf_metric": f"nDCG@{k}", "mf_final": row["ndcg"], "curve_users": len(users),
            "mf_users": row["users"],
            "grid_note": F.grid_edge(chosen, list(val)), "val_share": VALIDATION_SHARE, "val_sweeps": half,
            "factor_grid": ", ".join(str(d) for d in val)}
    table = pd.DataFrame({"latent dimension": list(val), f"validation nDCG@{k} (higher is better)": list(val.values())})
    return _step(glue, table, {"curves": curves, "ylabel": f"test nDCG@{k}", "factors": chosen, "row": row})


class _Dropped(Exception):
    """A refit that is not needed any more (:func:`_als_with_curve`)."""


def _als_with_curve(d: int, reg: float, iterations: int, seed: int, data: dict, users: np.ndarray, k: int,
                    dropped: threading.Event | None = None) -> tuple[dict[str, Any], list[float]]:
    """Weighted ALS of latent dimension ``d`` on the whole training split, its test nDCG@K on ``users`` after
    every sweep (the learning curve), and its row of the comparison; it stops after the sweep during which
    ``dropped`` is set."""
    curve: list[float] = []
    model = ImplicitALS(d, reg, iterations, seed=seed)

    def monitor(it: int, m: ImplicitALS) -> None:
        if dropped is not None and dropped.is_set():
            raise _Dropped(d)
        curve.append(ranking_metrics(m.recommend(users, n=k), data["test"].X[users])["ndcg"])

    t = time.perf_counter()
    model.fit(data["train"].X, monitor=monitor)
    fit_seconds = time.perf_counter() - t  # includes scoring the test after every sweep
    recs = model.recommend(n=k)
    row = {"model": "implicit ALS", **ranking_metrics(recs, data["test"].X, train=data["train"].X),
           "fit_seconds": fit_seconds, "recs": recs, "fitted": model}
    return row, curve


def _rating_curves(data: dict, chosen: int, val: dict, reg: float, iterations: int, seed: int) -> Step:
    u, i, r = _test_pairs(data["test_values"])
    lo, hi = _scale(data["train_values"])
    curves: dict[str, list[float]] = {"ALS": [], "SGD": []}
    X = data["train_values"].X
    for name, model in (("ALS", ExplicitALS(chosen, reg, iterations, seed, 0.1)),
                        ("SGD", ExplicitSGD(chosen, reg / 2, iterations, seed, learning_rate=0.01))):
        model.fit(X, monitor=lambda it, m, name=name: curves[name].append(
            rating_metrics(r, np.clip(m.predict(u, i), lo, hi))["rmse"]))
    knn = {name: rating_metrics(r, np.clip(m.fit(X).predict(u, i), lo, hi))["rmse"]
           for name, m in (("item kNN cosine", ItemKNN(40)), ("item kNN centred cosine", ItemKNN(40, "centred")),
                           ("dense pivot", ItemKNN(40, common=False)))}  # zeros in the missing cells
    curves_df = pd.DataFrame(curves, index=pd.RangeIndex(1, iterations + 1, name="sweep"))
    glue = {"factors_chosen": chosen, "mf_metric": "RMSE", "mf_final": curves["ALS"][-1],
            "sgd_final": curves["SGD"][-1], "knn_rmse": knn["item kNN cosine"],
            "knn_centred_rmse": knn["item kNN centred cosine"], "knn_dense_rmse": knn["dense pivot"],
            "grid_note": F.grid_edge(chosen, list(val)), "val_share": VALIDATION_SHARE,
            "val_sweeps": max(1, iterations // 2), "factor_grid": ", ".join(str(d) for d in val)}
    table = pd.DataFrame({"latent dimension": list(val), "validation RMSE (lower is better)": list(val.values())})
    return _step(glue, table, {"curves": curves_df, "ylabel": "test RMSE", "factors": chosen})


def implicit_step(data: dict, k: int, factors: int, iterations: int, seed: int, als_row: dict | None,
                  max_products: int | None = None, G: np.ndarray | None = None) -> Step:
    """BPR, EASE (penalty chosen on validation, on at most ``max_products`` products, those with the most
    interactions) and a one-hidden-layer autoencoder, beside the implicit ALS of section 4 (``als_row``; on
    ratings, refitted with ``factors`` on the 0/1 matrix). The validation grid shares one Gram matrix; ``G``,
    the training matrix's (section 3's ``data["gram"]``), spares EASE's fit its own when it covers every product."""
    (vtr, vte), _ = _validation(data["split"], seed)
    train = data["train"]
    per_item = train.X.nnz / train.X.shape[1]
    G_val = gram(vtr.X[:, most_interacted(vtr.X, max_products)])

    def validation_ndcg(g: float) -> float:
        model = EASE(g * per_item, max_products=max_products).fit(vtr.X, G=G_val)
        return ranking_metrics(model.recommend(n=k), vte.X, train=vtr.X)["ndcg"]

    kept = most_interacted(train.X, max_products)
    held = float(np.asarray(train.X[:, kept].sum()) / train.X.sum())
    specs = [
        ("BPR", BPR(factors, iterations=max(5, iterations), seed=seed, batch=4096, learning_rate=0.1)),
        ("EASE", None),  # its penalty is chosen on the validation split first
        ("autoencoder (1 hidden layer)", Autoencoder(64, iterations=max(10, iterations), seed=seed)),
    ]
    if als_row is None:
        specs.insert(0, ("implicit ALS", ImplicitALS(factors, 0.1, iterations, seed=seed)))
    shared = G if G is not None and len(kept) == train.X.shape[1] else None
    with _pool() as pool:  # the models that do not need EASE's penalty run beside its validation
        grid = [pool.submit(validation_ndcg, g) for g in EASE_GRID]
        fits = {name: pool.submit(_evaluate, name, m, train, data["test"], k) for name, m in specs if m is not None}
        val = {g: f.result() for g, f in zip(EASE_GRID, grid)}
        del G_val
        chosen = max(val, key=val.get)
        lam = chosen * per_item
        ease = EASE(lam, max_products=max_products)
        fits["EASE"] = pool.submit(_evaluate, "EASE", ease, train, data["test"], k, G=shared)
        rows = [fits[name].result() for name, _ in specs]
    rows = [als_row] + rows if als_row is not None else rows
    glue = {"ease_lambda": lam, "ease_lambda_text": F.penalty(lam), "ease_ndcg": rows[2]["ndcg"], "ae_ndcg": rows[3]["ndcg"],
            "bpr_ndcg": rows[1]["ndcg"], "ials_ndcg": rows[0]["ndcg"], "ials_alpha": ImplicitALS().alpha,
            "ease_grid_text": F.ease_grid(chosen, list(EASE_GRID), per_item),
            "ease_products": len(kept), "ease_products_share": held,
            "ease_products_text": _ease_products(len(kept), train.X.shape[1], held, max_products)}
    return _step(glue, _table(rows), {"rows": rows, "ease": ease})


def _ease_products(kept: int, products: int, held: float, max_products: int | None) -> str:
    """What EASE was fitted on: every product, or the ``max_products`` with the most interactions."""
    if kept == products:
        return (f"EASE is fitted on all {products:,} products (a catalogue larger than `max_products`, "
                f"{max_products:,}, would be cut to that many, those with the most interactions)."
                if max_products else f"EASE is fitted on all {products:,} products.")
    return (f"EASE is fitted on the {kept:,} products with the most interactions (`max_products`), "
            f"{held:.1%} of the training interactions, out of {products:,}; it never lists the others.")


def spark_step(data: dict, als_row: dict, k: int, engine: str) -> Step:
    """With ``engine="spark"``: Spark MLlib's implicit ALS (:class:`analysis.recommend.spark.SparkALS`) with the
    settings of the chapter's weighted ALS (``als_row["fitted"]``: latent dimension, penalty, sweeps, confidence
    and seed), fitted on the same training split and scored by the same metrics; its row (``data["row"]``)
    joins the chapter's comparison (section 9). With ``"duckdb"``: nothing is fitted and the sentence says so."""
    if engine != "spark":
        return _step({"spark_text": F.spark_als(None, als_row["ndcg"])}, None, {"row": None})
    ours = als_row["fitted"]
    spark = SparkALS(ours.factors, ours.regularization, ours.iterations, ours.alpha, seed=ours.seed)
    row = _evaluate("implicit ALS, Spark MLlib", spark, data["train"], data["test"], k)
    return _step({"spark_text": F.spark_als(row["ndcg"], als_row["ndcg"])}, None, {"row": row})


def texts_of(table: pd.DataFrame, items, data_path: str) -> pd.Series | None:
    """Product texts: the log's descriptions, else MovieLens titles and genres from ``u.item``, else ``None``."""
    texts = product_texts(table, items)
    if texts is None and str(data_path).endswith("u.data"):
        texts = movielens_texts(data_path, items)
    return texts if texts is not None and texts.str.strip().ne("").any() else None


def content_step(texts: pd.Series | None, train, item_knn: ItemKNN, shown: int = 5, *, test=None,
                 k: int = 10, weight: float = 0.5) -> Step:
    """TF-IDF neighbours of the most bought product as if it had no history, against its purchase neighbours;
    with ``test``, a hybrid item kNN on ``(1 - weight) * purchase cosine + weight * text cosine``."""
    if texts is None:
        glue = {"content_finding": "The data carry no product descriptions, so no content-based neighbours "
                                   "can be computed; a log with a description column (or MovieLens with its "
                                   "u.item file beside u.data) shows them."}
        return _step(glue, None, {"text_sim": None})
    sim = text_similarity(texts)
    counts = np.asarray(train.X.sum(axis=0)).ravel()
    j = int(np.argmax(counts))
    by_text = np.argsort(-sim[j], kind="stable")[:shown]
    by_cf = np.argsort(-item_knn.sim_[:, j], kind="stable")[:shown]
    # each product's `shown` nearest, ties to the lower index (a stable sort's order, without sorting whole rows)
    top_text = top_k_from_scores(sim, shown)
    top_cf = top_k_from_scores(item_knn.sim_.T, shown)
    mean_overlap = float(np.mean([len(set(a) & set(b)) / shown for a, b in zip(top_text, top_cf)]))
    overlap = len(set(by_text) & set(by_cf)) / shown
    name = f"product {fmt.escape(train.items[j])} ({fmt.escape(texts.iloc[j].strip())})"
    glue = {"cold_product": name, "cold_overlap": overlap, "mean_text_overlap": mean_overlap,
            "content_finding": F.cold_start(name, overlap, shown)}
    if test is not None:
        hybrid = ItemKNN(item_knn.k_, common=False)  # not fitted: its neighbours are set here
        hybrid.X_, hybrid.topk_ = item_knn.X_, keep_top_k((1 - weight) * item_knn.sim_ + weight * sim, item_knn.k_)
        glue["hybrid_ndcg"] = ranking_metrics(hybrid.recommend(n=k), test.X)["ndcg"]
        glue["hybrid_weight"] = weight
    table = pd.DataFrame({
        "rank": np.arange(1, shown + 1),
        "by_text": [_label(p, texts) for p in train.items[by_text]], "text_similarity": sim[j, by_text],
        "by_interactions": [_label(p, texts) for p in train.items[by_cf]],
        "interaction_similarity": item_knn.sim_[by_cf, j],
    })  # fmt: skip
    return _step(glue, table, {"text_sim": sim})


def _variant_pairs(rules: pd.DataFrame, texts: pd.Series | None) -> np.ndarray:
    """True for the rules whose two products are variants of one item (:func:`variant_family`)."""
    if texts is None or rules.empty:
        return np.zeros(len(rules), dtype=bool)
    products = pd.Index(pd.unique(pd.concat([rules["antecedent"], rules["consequent"]]).astype("str")))
    family = variant_family(texts.reindex(products).fillna(""))
    family = family.where(texts.reindex(products).fillna("").str.strip().ne(""), "id " + products.to_series())
    return (rules["antecedent"].astype("str").map(family).to_numpy()
            == rules["consequent"].astype("str").map(family).to_numpy())


def _rule_text(r, texts: pd.Series | None) -> str:
    return (f"{fmt.escape(_label(r['antecedent'], texts))} -> {fmt.escape(_label(r['consequent'], texts))} (confidence "
            f"{r['confidence']:.0%}, lift {r['lift']:.1f})")


def rules_step(table: pd.DataFrame, min_support: float, texts: pd.Series | None, shown: int = 10) -> Step:
    """FP-growth rules (one product -> one product) on the orders as baskets; rules between two variants of
    one item are counted apart and left out of the table and of "bought together"."""
    baskets = features.baskets(table)
    rules, n_itemsets = basket_rules(baskets, min_support, min_confidence=F.MIN_CONFIDENCE)
    n_baskets = baskets[S.ORDER].nunique()
    n_pairs = rules.attrs["frequent_pairs"]
    variant = _variant_pairs(rules, texts)
    cross, variants = rules[~variant], rules[variant]
    top = _rule_text(cross.iloc[0], texts) if len(cross) else None
    example = _rule_text(variants.iloc[0], texts) if len(variants) else None
    glue = {"n_baskets": n_baskets, "n_itemsets": n_itemsets, "n_rules": len(rules), "n_pairs": n_pairs,
            "min_confidence": F.MIN_CONFIDENCE, "n_rules_shown": min(shown, len(cross)),
            "n_variant_rules": len(variants), "mean_basket": len(baskets) / n_baskets,
            "rules_finding": F.rules(n_baskets, n_pairs, len(rules), min_support, top),
            "variant_rules_text": F.variant_rules(len(variants), len(rules), example),
            "together_text": _together(cross, texts)}
    shown_rules = cross.head(shown).copy()
    for col in ("antecedent", "consequent"):
        shown_rules[col] = shown_rules[col].map(lambda p: _label(p, texts))
    return _step(glue, shown_rules, {"rules": rules, "variant": variant})


def rules_as_lists(table: pd.DataFrame, data: dict, min_support: float, k: int) -> dict[str, float]:
    """Rules mined from the training interactions' order lines only, used as a recommender: a product's
    score is the sum of the confidences of the rules from the customer's products to it."""
    train, test, split = data["train"], data["test"], data["split"]
    pairs = pd.MultiIndex.from_frame(split.train[[S.CUSTOMER, S.PRODUCT]])
    lines = table[pd.MultiIndex.from_frame(table[[S.CUSTOMER, S.PRODUCT]]).isin(pairs)]
    rules, _ = basket_rules(features.baskets(lines), min_support, min_confidence=0.0)
    a = pd.Index(train.items).get_indexer(rules["antecedent"])
    c = pd.Index(train.items).get_indexer(rules["consequent"])
    ok = (a >= 0) & (c >= 0)
    R = sp.csr_matrix((rules["confidence"].to_numpy(float)[ok], (a[ok], c[ok])), shape=(train.X.shape[1],) * 2)
    recs = []
    for start in range(0, train.X.shape[0], BATCH):  # a block of customers at a time
        scores = (train.X[start : start + BATCH] @ R).toarray()
        scores[scores <= 0] = -np.inf  # no rule reaches the product: not recommended
        recs.append(top_k_from_scores(scores, k, train.X[start : start + BATCH]))
    recs = np.vstack(recs)
    out = ranking_metrics(recs, test.X)
    return {"rules_ndcg": out["ndcg"], "rules_users": float((recs[:, 0] >= 0).mean())}


def _together(rules: pd.DataFrame, texts: pd.Series | None, shown: int = 5) -> str:
    """"Frequently bought together" for the product that starts the most rules (ties: the first by id)."""
    if rules.empty:
        return ""
    counts = rules["antecedent"].value_counts()
    product = sorted(counts.index[counts == counts.max()])[0]
    mine = rules[rules["antecedent"] == product].sort_values(["confidence", "consequent"], ascending=[False, True])
    listed = "; ".join(f"{fmt.escape(_label(c, texts))} ({conf:.0%} of its baskets)"
                       for c, conf in zip(mine["consequent"].head(shown), mine["confidence"].head(shown)))
    return f"Frequently bought together with {fmt.escape(_label(product, texts))}: {listed}."


def _label(product: str, texts: pd.Series | None) -> str:
    if texts is None or product not in texts.index or not texts[product].strip():
        return str(product)
    return f"{product} {texts[product].strip()}"


def truth_step(shop, train, test, rows: list[dict], k: int) -> Step:
    """The ranking by the planted tastes on the same split, and each model's gap to it."""
    from analysis.shop.tastes import oracle_scores

    scores = oracle_scores(shop, train.users, train.items)
    from analysis.evaluate.ranking import top_k_from_scores

    oracle = ranking_metrics(top_k_from_scores(scores, k, train.X), test.X, train=train.X)
    table = pd.DataFrame({"model": [r["model"] for r in rows] + ["planted tastes (oracle)"],
                          "ndcg": [r["ndcg"] for r in rows] + [oracle["ndcg"]]})
    table["gap"] = oracle["ndcg"] - table["ndcg"]
    best = max(rows, key=lambda r: r["ndcg"])
    glue = {"oracle_ndcg": oracle["ndcg"], "oracle_precision": oracle["precision"],
            "truth_finding": F.oracle(best["model"], best["ndcg"], oracle["ndcg"], k)}
    return _step(glue, table.sort_values("ndcg", ascending=False).reset_index(drop=True), {"oracle": oracle})


def comparison_step(rows: list[dict], k: int) -> Step:
    """Every top-k model of the run in one table, the best named."""
    table = _table(rows).sort_values("ndcg", ascending=False, kind="stable").reset_index(drop=True)
    best = table.iloc[0]
    Claim("recommend.best_finding", f"nDCG@{k}", "best", str(best["model"]), dict(zip(table["model"].astype(str),
          table["ndcg"])), source="the models' comparison table").check()  # fmt: skip
    pop = next(r for r in rows if r["model"] == "most popular")
    glue = {"best_model": best["model"], "best_ndcg": best["ndcg"], "best_precision": best["precision"],
            "best_finding": F.best_model(best["model"], best["ndcg"], pop["ndcg"], k)}
    return _step(glue, table, {"best": best["model"]})


#: On ratings, a rated product is a reason only when rated at least this and at least the customer's mean.
LIKED_RATING = 3.0


#: The policy "the model's own ranking over every product, the customer's own included" (global_step's key).
ALL_PRODUCTS = -1
#: Candidates scored per list place before the family cap (``max_per_family``) thins a list.
CANDIDATES = 5
#: The deliverable's columns: name, unit and meaning (the page shows this table; page.write_csv writes them,
#: with each column's type read from the file, into the Data Package descriptor).
DELIVERABLE_COLUMNS = (
    ("customer_id", "id", "the customer, as the data name them"),
    ("rank", "place", "the place in the customer's list, 1 first"),
    ("product_id", "id", "the product, as the data name it"),
    ("description", "text", "the product's most frequent description in the data (its category in brackets "
                            "when the data have one)"),
    ("score", "score", "the model's score (higher first, comparable within one customer's list); for a re-order "
                       "row that buy again placed first, the number of the customer's orders that held the product"),
    ("reorder", "true/false", "true when the customer bought the product before (a re-order row), false for a "
                              "product new to the customer"),
    ("reason", "text", "why the product is listed: the customer's own product most like it, or the re-order's "
                       "count and last date"),
)  # fmt: skip


def families_of(texts: pd.Series | None, items) -> np.ndarray:
    """An integer family per item (:func:`analysis.recommend.variant_family`); each item its own without texts."""
    if texts is None:
        return np.arange(len(items))
    return pd.factorize(variant_family(texts.reindex(pd.Index(items, dtype="str")).fillna("")))[0]


def _capped(model, n: int, family: np.ndarray, max_per: int, *, exclude_seen: bool = True) -> np.ndarray:
    ranked = model.recommend(n=min(model.X_.shape[1], CANDIDATES * n), exclude_seen=exclude_seen)  # fmt: skip
    return limit_per_family(ranked, family, max_per, n)


def _capped_with_scores(model, X: sp.csr_matrix, n: int, family: np.ndarray, max_per: int, batch: int = 2048,
                        exclude_seen: bool = True) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`_capped` lists (of products not in ``X`` unless ``exclude_seen`` is false) and the model's score
    of every listed pair (``(users, items, scores)``), from one pass over the customers in blocks of ``batch``."""
    out, us, its, vals = [], [], [], []
    for start in range(0, X.shape[0], batch):
        block = np.arange(start, min(start + batch, X.shape[0]))
        scores = model.scores(block)
        ranked = top_k_from_scores(scores, min(X.shape[1], CANDIDATES * n), X[block] if exclude_seen else None)
        lists = limit_per_family(ranked, family, max_per, n)
        r, c = np.nonzero(lists >= 0)
        us.append(block[r]), its.append(lists[r, c]), vals.append(scores[r, lists[r, c]])
        out.append(lists)
    return np.vstack(out), (np.concatenate(us), np.concatenate(its), np.concatenate(vals))


def family_step(best: dict, train, test, texts: pd.Series | None, k: int, max_per_family: int) -> Step:
    """The best model's lists with at most ``max_per_family`` variants of one item, scored on the same split."""
    family = families_of(texts, train.items)
    capped = _capped(best["fitted"], k, family, max_per_family)
    after = ranking_metrics(capped, test.X, train=train.X)
    changed = float(np.mean(np.any(capped != best["recs"][:, :k], axis=1)))
    glue = {"family_ndcg": after["ndcg"], "family_ndcg_before": best["ndcg"], "family_changed": changed,
            "n_families": int(len(np.unique(family))), "max_per_family": max_per_family,
            "family_coverage": after["coverage"],
            "family_finding": F.family_cap(best["model"], best["ndcg"], after["ndcg"], max_per_family, changed,
                                           texts is not None)}
    return _step(glue, None, {"family": family})


def unfit(rows: list[dict]) -> None:
    """Each row's fitted model (``row["fitted"]``) replaced by an unfitted copy with the same parameters
    (:func:`analysis.recommend.base.fresh`), so that its arrays (an item kNN's products x products similarities,
    EASE's weights, ...) are freed once no step reads them: section 10 refits the model it lists with, and
    reads only its parameters. The lists, scores and fit times of each row stay."""
    for row in rows:
        if row.get("fitted") is not None:
            row["fitted"] = fresh(row["fitted"])


def _days(stamps: pd.Series) -> np.ndarray:
    """Timestamps as days (a float) since 1970-01-01."""
    return (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy() / 86400.0


def _scored(recs: np.ndarray, truth: sp.csr_matrix, train) -> dict[str, float]:
    """``ranking_metrics`` of ``recs``, or zeros and NaN coverage when no customer has a test product."""
    if truth.nnz == 0:
        return {"ndcg": float("nan"), "recall": float("nan"), "users": 0}
    return ranking_metrics(recs, truth, train=train)


#: Customers scored at a time when a step ranks every product for every customer (a block of scores is
#: BATCH x products numbers, never customers x products).
BATCH = 2048


def _top_k_blocks(model, k: int, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """The model's top ``k`` over every product and over the products not in ``X``, a block of customers
    at a time (the same lists as from the whole score matrix)."""
    any_, new = [], []
    for start in range(0, X.shape[0], BATCH):
        block = np.arange(start, min(start + BATCH, X.shape[0]))
        scores = model.scores(block)
        any_.append(top_k_from_scores(scores, k)), new.append(top_k_from_scores(scores, k, X[block]))
    return np.vstack(any_), np.vstack(new)


def global_step(table: pd.DataFrame, inter: pd.DataFrame, best: dict, k: int, days: int, explicit: bool) -> Step:
    """The global time split: train on everything before ``days`` before the last day, score what customers
    bought from then on, both anything they bought ("anything next") and the products new to them.

    Lists: buy again (:class:`BuyAgain`), most popular in the ``days`` before the cut-off, the best model of
    the per-customer split refitted on the training side (all its products, and new products only), and two
    policies that put the customer's own products first (half the list, or all of it) and fill with the
    model's new products. The deliverable's policy is the model's new products unless a policy that lists
    products the customer had (those two, or the model's ranking over all products, :data:`ALL_PRODUCTS`)
    scores a higher nDCG@K on anything next beyond the tie rule (:data:`findings.SAME_NDCG`).
    """
    last_day = table[S.TIMESTAMP].max().normalize()
    span = (last_day - table[S.TIMESTAMP].min().normalize()).days
    asked, days = days, min(days, span // 2)  # a short log: its second half is the test
    cutoff = last_day - pd.Timedelta(days=days)
    names = ["buy again", f"most popular, last {days} days", f"{best['model']}, all products",
             f"{best['model']}, new products only", f"re-orders in the first {max(1, k // 2)}, then {best['model']}",
             f"re-orders first, then {best['model']}"]
    base = {"same_ndcg": F.SAME_NDCG, "global_cutoff": f"{cutoff:%Y-%m-%d}", "global_last_day": f"{last_day:%Y-%m-%d}",
            "global_test_days": days, "global_days_note": F.short_log(asked, days, span)}
    try:
        split = global_time_split(table, cutoff, keep=inter)
        tr, te = split.matrices(binary=True)
    except DataError:
        tr = te = None
    if tr is None or min(tr.X.shape) < 2 or te.X.nnz == 0:  # too little on one side of the cut-off
        nan = float("nan")
        glue = {**base, "global_users": 0 if te is None else int((np.diff(te.X.indptr) > 0).sum()),
                "global_new_users": 0, "global_train_users": 0 if tr is None else tr.X.shape[0],
                "global_items": 0 if tr is None else tr.X.shape[1], "again_ndcg": nan, "global_model_ndcg": nan,
                "global_pop_ndcg": nan, "reorder_slots": 0, "reorder_share": 0.0, "all_products": False,
                "policy_finding": F.no_global_split(cutoff.strftime("%Y-%m-%d"))}
        table_out = pd.DataFrame({"model": names, "ndcg_any": nan, "recall_any": nan, "ndcg_new": nan,
                                  "recall_new": nan})
        return _step(glue, table_out, {"reorder_share": 0.0, "all_products": False})
    counts, _ = split.matrices()
    last = to_matrix(split.train.assign(**{S.WEIGHT: _days(split.train[S.TIMESTAMP])}), tr.users, tr.items)
    recent = split.train[split.train[S.TIMESTAMP] >= cutoff - pd.Timedelta(days=days)]
    recent = to_matrix(recent, tr.users, tr.items, binary=True)
    new_truth = (te.X - te.X.multiply(tr.X)).tocsr()
    new_truth.eliminate_zeros()
    model = fresh(best["fitted"]).fit(tr.X)
    again = BuyAgain().fit(counts.X, last.X).recommend(n=k)
    pop = RecentPopularity().fit(tr.X, recent.X)
    model_any, model_new = _top_k_blocks(model, k, tr.X)
    half = max(1, k // 2)
    lists = {
        "buy again": again,
        f"most popular, last {days} days": (pop.recommend(n=k, exclude_seen=False), pop.recommend(n=k)),
        f"{best['model']}, all products": model_any,
        f"{best['model']}, new products only": model_new,
        f"re-orders in the first {half}, then {best['model']}": reorders_first(again, model_new, half, k)[0],
        f"re-orders first, then {best['model']}": reorders_first(again, model_new, k, k)[0],
    }
    rows = []
    for name, recs in lists.items():
        any_recs, new_recs = recs if isinstance(recs, tuple) else (recs, recs)
        a, n = _scored(any_recs, te.X, tr.X), _scored(new_recs, new_truth, tr.X)
        rows.append({"model": name, "ndcg_any": a["ndcg"], "recall_any": a["recall"], "ndcg_new": n["ndcg"],
                     "recall_new": n["recall"]})
    table_out = pd.DataFrame(rows)
    ndcg = dict(zip(table_out["model"], table_out["ndcg_any"]))
    policies = {0: ndcg[f"{best['model']}, new products only"],
                half: ndcg[f"re-orders in the first {half}, then {best['model']}"],
                k: ndcg[f"re-orders first, then {best['model']}"],
                ALL_PRODUCTS: ndcg[f"{best['model']}, all products"]}
    chosen = 0
    if not explicit:
        order = list(policies)  # at a tie, the earlier policy: new products first
        top = max(policies, key=lambda r: (policies[r], -order.index(r)))
        if F.beyond_tie(policies[top], policies[0]):
            chosen = top
    glue = {
        **base, "global_users": int((np.diff(te.X.indptr) > 0).sum()), "global_new_users": int((np.diff(new_truth.indptr) > 0).sum()),
        "global_train_users": tr.X.shape[0], "global_items": tr.X.shape[1],
        "again_ndcg": ndcg["buy again"], "global_model_ndcg": policies[0],
        "global_pop_ndcg": ndcg[f"most popular, last {days} days"],
        "reorder_slots": chosen, "reorder_share": max(chosen, 0) / k, "all_products": chosen == ALL_PRODUCTS,
        "policy_finding": F.policy(best["model"], ndcg["buy again"], policies, chosen, k, explicit),
    }  # fmt: skip
    return _step(glue, table_out, {"reorder_share": max(chosen, 0) / k, "all_products": chosen == ALL_PRODUCTS})


def _cells(M: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The values of ``M`` at the pairs ``(rows[i], cols[i])`` as a flat array (0 where nothing is stored)."""
    if len(rows) == 0:
        return np.zeros(0)
    return np.asarray(M[rows, cols]).ravel().astype(float)


def _reasons(X: sp.csr_matrix, sim: np.ndarray, users: np.ndarray, items: np.ndarray, items_ids: np.ndarray,
             texts: pd.Series | None, values: sp.csr_matrix | None) -> list[str]:
    """"because you bought <the customer's product most similar to the one listed>" for each pair (the first
    such product at a tie), one block of similarities per customer."""
    verb = "bought" if values is None else "rated"
    none = "no close product among yours" if values is None else "no close product among your well-rated ones"
    labels = [_label(p, texts) for p in items_ids]
    out = np.full(len(users), none, dtype=object)
    order = np.argsort(users, kind="stable")
    starts = np.flatnonzero(np.diff(np.r_[-1, users[order]])) if len(users) else np.zeros(0, int)
    for idx in np.split(order, starts[1:]) if len(users) else []:
        u = users[idx[0]]
        have = X.indices[X.indptr[u] : X.indptr[u + 1]]
        if values is not None and len(have):
            r = values.data[values.indptr[u] : values.indptr[u + 1]]
            have = have[(r >= LIKED_RATING) & (r >= r.mean())]
        if not len(have):
            continue
        block = sim[np.ix_(have, items[idx])]
        best = np.argmax(block, axis=0)
        close = block[best, np.arange(len(idx))] > 0
        out[idx[close]] = [f"because you {verb} {labels[b]}" for b in have[best[close]]]
    return list(out)


def _refit(model, X: sp.csr_matrix, G: np.ndarray) -> Any:
    """A fresh copy of ``model`` fitted on ``X``, given ``X``'s Gram matrix ``G`` when it takes it (item kNN
    without centring; EASE when it covers every product)."""
    new = fresh(model)
    takes = (isinstance(new, ItemKNN) and new.similarity != "centred") or (
        isinstance(new, EASE) and (new.max_products is None or new.max_products >= X.shape[1]))
    return new.fit(X, G=G) if takes else new.fit(X)


def tomorrow_step(inter: pd.DataFrame, best: dict, n: int, max_per_family: int, reorder_share: float,
                  texts: pd.Series | None, explicit: bool, all_products: bool = False) -> Step:
    """The deliverable: the best model refitted on every interaction up to the last day, each customer's
    top ``n`` products they do not have (at most ``max_per_family`` variants of one item), the customer's
    own products in the first ``round(reorder_share * n)`` places when the global split chose re-orders
    (flagged ``reorder``, with the count and last date as the reason); with ``all_products`` the model ranks
    every product, the customer's own included, and those are flagged as re-orders."""
    full = to_matrix(inter, binary=True)
    values = to_matrix(inter, full.users, full.items).X if explicit else None
    G = gram(full.X)  # the reasons' cosine, and the refit's when it takes one
    model = _refit(best["fitted"], full.X, G)
    family = families_of(texts, full.items)
    lists, model_scores = _capped_with_scores(model, full.X, n, family, max_per_family, exclude_seen=not all_products)
    counts = to_matrix(inter, full.users, full.items).X
    reorder = (_cells(counts, np.repeat(np.arange(lists.shape[0]), n), np.maximum(lists.ravel(), 0)) > 0)
    reorder = reorder.reshape(lists.shape) & (lists >= 0)
    slots = 0 if all_products else int(round(reorder_share * n))
    last = to_matrix(inter.assign(**{S.WEIGHT: _days(inter[S.TIMESTAMP])}), full.users, full.items).X
    if slots:
        again = BuyAgain().fit(counts, last).recommend(n=slots)
        lists, reorder = reorders_first(again, lists, slots, n)
    users = np.repeat(np.arange(lists.shape[0]), lists.shape[1])
    items, flags = lists.ravel(), reorder.ravel()
    ranks = np.tile(np.arange(1, n + 1), lists.shape[0])
    ok = items >= 0
    users, items, flags, ranks = users[ok], items[ok], flags[ok], ranks[ok]
    at = pd.MultiIndex.from_arrays(model_scores[:2]).get_indexer(pd.MultiIndex.from_arrays([users, items]))
    scores = np.full(len(users), np.nan)
    scores[at >= 0] = model_scores[2][at[at >= 0]]
    own = _cells(counts, users, items)
    if not all_products:  # buy again placed these: its count is their score
        scores[flags] = own[flags]
    reasons = np.array(_reasons(full.X, cosine_similarity(full.X, common=False, G=G), users, items, full.items,
                                texts, values), dtype=object)
    when = pd.to_datetime(_cells(last, users[flags], items[flags]) * 86400.0, unit="s").strftime("%Y-%m-%d")
    reasons[flags] = [f"re-order: in {c} of your orders, the last on {d}" for c, d in zip(own[flags].astype(int), when)]
    description = (texts.reindex(pd.Index(full.items[items], dtype="str")).fillna("").str.strip().to_numpy()
                   if texts is not None else np.full(len(items), "", dtype=object))
    out = pd.DataFrame({"customer_id": full.users[users], "rank": ranks, "product_id": full.items[items],
                        "description": description, "score": scores, "reorder": flags, "reason": reasons})
    out = out.astype({"customer_id": "str", "product_id": "str", "description": "str", "reason": "str"})
    as_of = inter[S.TIMESTAMP].max()
    glue = {"csv_rows": len(out), "csv_customers": out["customer_id"].nunique(), "csv_reorder_rows": int(flags.sum()),
            "as_of": f"{as_of:%Y-%m-%d}", "n_recs": n, "csv_reorder_slots": slots}
    columns = pd.DataFrame(DELIVERABLE_COLUMNS, columns=["column", "unit", "meaning"])
    return _step(glue, columns, {"recommendations": out, "model": model, "matrix": full})
