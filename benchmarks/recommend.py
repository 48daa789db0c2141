"""Recommenders on MovieLens 100k beside scikit-surprise and implicit, in one process.

Explicit part: surprise's ``train_test_split(test_size=0.2, random_state=42)``;
our biased ALS (factors and penalty chosen on a validation split carved from the
training ratings) and our item-kNN cosine against surprise SVD and KNNBasic.
Top-k part: the recommenders benchmark protocol (item-stratified 75/25, seed 42,
seen items removed, every test rating relevant, k = 10); our EASE variant with
lambda and dropout chosen on a validation split of the training part, against
implicit's BPR and ALS and popularity.

Online Retail part (issue 21; ``../shared/benchmarks.md``): invoices starting with a digit,
quantity > 0, a customer id and a five-digit product code; the global time split
(train before 2011-11-09, test the purchases from then on of the customers who
also bought before, on the training products); nDCG@10 and recall@10 for
"anything bought next" (own products allowed) and for "products new to the
customer" (own products left out of lists and truth). Ours: buy again, most
popular in the last 30 days, EASE (lambda 300) and the chapter's policy chosen as
the chapter chooses it (re-orders first in none, half or all of the list, filled
with EASE's new products, or EASE's ranking over all products; a policy that lists
own products only beyond the tie rule); peers in
the same run: implicit's BPR (defaults) and ALS (64 factors, confidence 40 x
count), cornac's BPR (k 64, 100 epochs). Goal: the policy above buy again on
anything next, and our new products (the policy's fill, EASE) above every peer
on new products. The last line printed is one JSON object.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/recommend.py [path/to/u.data] [path/to/online_retail.parquet]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis.evaluate.ranking import ranking_metrics
from analysis.evaluate.rating import rating_metrics
from analysis.recommend import EASE, ExplicitALS, ItemKNN, Popularity, stratified_split

DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "../shared/data/ml-100k/u.data"
RETAIL = (Path(sys.argv[2]) if len(sys.argv) > 2
          else Path(__file__).resolve().parents[1] / "../shared/data/online_retail/online_retail.parquet")
CUTOFF = "2011-11-09"
K = 10


def say(text: str) -> None:
    print(text, flush=True)


def timed(fit):
    t = time.perf_counter()
    out = fit()
    return out, time.perf_counter() - t


def _surprise_data():
    from surprise import Dataset, Reader
    from surprise.model_selection import train_test_split

    data = Dataset.load_from_file(str(DATA), reader=Reader(line_format="user item rating timestamp", sep="\t"))
    return train_test_split(data, test_size=0.2, random_state=42)


def _matrix(trainset, testset):
    rows, cols, vals = zip(*trainset.all_ratings())
    X = sp.csr_matrix((vals, (rows, cols)), shape=(trainset.n_users, trainset.n_items))

    def inner(f, x):
        try:
            return f(x)
        except ValueError:
            return -1

    u = np.array([inner(trainset.to_inner_uid, a) for a, _, _ in testset])
    i = np.array([inner(trainset.to_inner_iid, b) for _, b, _ in testset])
    return X, u, i, np.array([r for _, _, r in testset], float)


def _validation(X: sp.csr_matrix, share: float = 0.1, seed: int = 1):
    """A random ``share`` of the training cells held out (the test split is never looked at)."""
    C = X.tocoo()
    hold = np.random.default_rng(seed).random(C.nnz) < share
    fit = sp.csr_matrix((C.data[~hold], (C.row[~hold], C.col[~hold])), shape=X.shape)
    return fit, C.row[hold], C.col[hold], C.data[hold]


def explicit() -> dict:
    from surprise import SVD, KNNBasic

    trainset, testset = _surprise_data()
    X, tu, ti, tr = _matrix(trainset, testset)
    out = {}
    svd, fit_s = timed(lambda: SVD(random_state=0).fit(trainset))
    out["surprise_svd"] = {"model": "surprise SVD (defaults)", **_surprise_scores(svd, testset), "fit_seconds": fit_s}
    say(f"surprise SVD {out['surprise_svd']}")
    vfit, vu, vi, vr = _validation(X)
    grid = [(f, lam) for f in (10, 15) for lam in (0.1, 0.12, 0.15)]  # small models: the fit budget is surprise SVD's
    val = {g: rating_metrics(vr, np.clip(ExplicitALS(g[0], g[1], 10, bias_penalty=0.1).fit(vfit).predict(vu, vi), 1, 5))["rmse"]
           for g in grid}
    f, lam = min(val, key=val.get)
    say(f"ALS chosen on validation: factors {f}, regularization {lam} (validation RMSE {val[(f, lam)]:.4f})")
    als, fit_a = timed(lambda: ExplicitALS(f, lam, 10, bias_penalty=0.1).fit(X))
    out["ours"] = {"model": f"biased ALS ({f} factors, lambda {lam}, 10 sweeps)",
                   **rating_metrics(tr, np.clip(als.predict(tu, ti), 1, 5)), "fit_seconds": fit_a}
    say(f"ours {out['ours']}")
    knn, fit_k = timed(lambda: KNNBasic(k=40, sim_options={"name": "cosine", "user_based": False}, verbose=False).fit(trainset))
    out["surprise_item_knn"] = {"model": "surprise KNNBasic item cosine k 40", **_surprise_scores(knn, testset),
                                "fit_seconds": fit_k}
    ours_knn, fit_o = timed(lambda: ItemKNN(40).fit(X))
    out["ours_item_knn"] = {"model": "item kNN cosine k 40 (common users)",
                            **rating_metrics(tr, np.clip(ours_knn.predict(tu, ti), 1, 5)), "fit_seconds": fit_o}
    say(f"item kNN: ours {out['ours_item_knn']}, surprise {out['surprise_item_knn']}")
    return out


def _surprise_scores(algo, testset) -> dict:
    pred = algo.test(testset)
    return rating_metrics([p.r_ui for p in pred], [p.est for p in pred])


def _topk_scores(recs, truth, train) -> dict:
    m = ranking_metrics(recs, truth, train=train)
    return {"ndcg_at_10": m["ndcg"], "precision_at_10": m["precision"], "recall_at_10": m["recall"], "map": m["map"]}


def _choose_ease(train_df: pd.DataFrame) -> tuple[float, float]:
    """EASE's lambda and EDLAE dropout chosen by nDCG@10 on a stratified validation split of the training part."""
    inner = stratified_split(train_df, 0.2, 7)
    tr, va = inner.matrices(binary=True)
    best, best_score = (500.0, 0.0), -1.0
    for lam in (100.0, 200.0, 300.0, 500.0, 1000.0):
        for p in (0.0, 0.1, 0.2, 0.33):
            m = EASE(lam, p).fit(tr.X)
            score = ranking_metrics(m.recommend(n=K), va.X)["ndcg"]
            if score > best_score:
                best, best_score = (lam, p), score
    say(f"EASE chosen on validation: lambda {best[0]}, dropout {best[1]} (validation nDCG@10 {best_score:.4f})")
    return best


def topk() -> dict:
    df = pd.read_csv(DATA, sep="\t", names=["customer_id", "product_id", "weight", "timestamp"])
    split = stratified_split(df, 0.25, 42)
    tr, te = split.matrices(binary=True)
    out = {}
    lam, p = _choose_ease(split.train)
    ease, fit_e = timed(lambda: EASE(lam, p).fit(tr.X))
    out["ours"] = {"model": f"EASE (lambda {lam:g}, dropout {p:g})", **_topk_scores(ease.recommend(n=K), te.X, tr.X),
                   "fit_seconds": fit_e}
    say(f"ours {out['ours']}")
    pop, fit_p = timed(lambda: Popularity().fit(tr.X))
    out["popularity"] = {"model": "most popular", **_topk_scores(pop.recommend(n=K), te.X, tr.X), "fit_seconds": fit_p}
    out.update(_implicit_peers(tr, te))
    return out


def _implicit_peers(tr, te) -> dict:
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking

    out = {}
    X = tr.X.tocsr().astype(np.float32)
    peers = {
        "implicit_bpr": ("implicit BPR (defaults)", lambda: BayesianPersonalizedRanking(random_state=42)),
        "implicit_als": ("implicit ALS (64 factors, reg 0.01, 15 iterations)",
                         lambda: AlternatingLeastSquares(factors=64, regularization=0.01, iterations=15, random_state=42)),
    }
    for key, (name, make) in peers.items():
        model = make()
        _, fit_s = timed(lambda: model.fit(X, show_progress=False))
        ids, _ = model.recommend(np.arange(X.shape[0]), X, N=K, filter_already_liked_items=True)
        out[key] = {"model": name, **_topk_scores(np.asarray(ids), te.X, tr.X), "fit_seconds": fit_s}
        say(f"{key} {out[key]}")
    return out


def _retail_split():
    """The protocol's lines of Online Retail as a canonical table, split globally at :data:`CUTOFF`."""
    from analysis.recommend import global_time_split

    raw = pd.read_parquet(RETAIL)
    keep = (raw["InvoiceNo"].astype("str").str.match(r"\d") & (raw["Quantity"] > 0) & raw["CustomerID"].notna()
            & raw["StockCode"].astype("str").str.match(r"\d{5}"))
    lines = raw[keep]
    table = pd.DataFrame({"order_id": lines["InvoiceNo"].astype("str"),
                          "customer_id": lines["CustomerID"].astype("int64").astype("str"),
                          "product_id": lines["StockCode"].astype("str"), "quantity": lines["Quantity"].astype(float),
                          "unit_price": lines["UnitPrice"].astype(float), "timestamp": lines["InvoiceDate"]})
    return global_time_split(table, CUTOFF)


def _both(any_recs, new_recs, truth_any, truth_new) -> dict:
    a, n = ranking_metrics(any_recs, truth_any), ranking_metrics(new_recs, truth_new)
    return {"anything_ndcg_at_10": a["ndcg"], "anything_recall_at_10": a["recall"],
            "new_ndcg_at_10": n["ndcg"], "new_recall_at_10": n["recall"]}


def retail() -> dict:
    from analysis.chapters.recommend.findings import beyond_tie
    from analysis.recommend import BuyAgain, RecentPopularity, reorders_first, to_matrix

    split = _retail_split()
    tr, te = split.matrices(binary=True)
    counts, _ = split.matrices()
    days = (split.train["timestamp"] - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
    last = to_matrix(split.train.assign(weight=days), tr.users, tr.items)
    cut = pd.Timestamp(CUTOFF)
    recent = to_matrix(split.train[split.train["timestamp"] >= cut - pd.Timedelta(days=30)], tr.users, tr.items,
                       binary=True)
    new = (te.X - te.X.multiply(tr.X)).tocsr()
    new.eliminate_zeros()
    say(f"Online Retail: {tr.X.shape[0]:,} customers, {tr.X.shape[1]:,} products in training; "
        f"{int((np.diff(te.X.indptr) > 0).sum()):,} test customers ({int((np.diff(new.indptr) > 0).sum()):,} with new products)")
    out = {}
    again, fit_b = timed(lambda: BuyAgain().fit(counts.X, last.X))
    b = again.recommend(n=K)
    out["buy_again"] = {"model": "buy again (own products by orders, then recency)", **_both(b, b, te.X, new),
                        "fit_seconds": fit_b}
    pop, fit_p = timed(lambda: RecentPopularity().fit(tr.X, recent.X))
    out["popular_30_days"] = {"model": "most popular, last 30 days",
                              **_both(pop.recommend(n=K, exclude_seen=False), pop.recommend(n=K), te.X, new),
                              "fit_seconds": fit_p}
    ease, fit_e = timed(lambda: EASE(300.0).fit(tr.X))
    e_any, e_new = ease.recommend(n=K, exclude_seen=False), ease.recommend(n=K)
    out["ease"] = {"model": "EASE (lambda 300)", **_both(e_any, e_new, te.X, new), "fit_seconds": fit_e}
    lists = {0: e_new, **{r: reorders_first(b, e_new, r, K)[0] for r in (K // 2, K)}, -1: e_any}
    ndcg = {r: ranking_metrics(recs, te.X)["ndcg"] for r, recs in lists.items()}
    order = list(ndcg)  # as the chapter: at a tie the earlier policy, new products first
    top = max(ndcg, key=lambda r: (ndcg[r], -order.index(r)))
    chosen = top if beyond_tie(ndcg[top], ndcg[0]) else 0
    what = ("EASE's ranking over all products" if chosen < 0
            else f"own products in the first {chosen} places, then EASE's new products")
    out["policy"] = {"model": f"the chapter's policy: {what}",
                     **_both(lists[chosen], e_new, te.X, new), "reorder_slots": chosen,
                     "fit_seconds": fit_b + fit_e}
    for key in out:
        say(f"{key} {out[key]}")
    out.update(_retail_peers(tr, counts, te, new))
    peers = [v for k, v in out.items() if k.startswith(("implicit", "cornac"))]
    out["goals"] = {
        "policy_above_buy_again_on_anything": out["policy"]["anything_ndcg_at_10"] > out["buy_again"]["anything_ndcg_at_10"],
        "new_products_above_every_peer": all(out["ease"]["new_ndcg_at_10"] > p["new_ndcg_at_10"] for p in peers),
    }
    say(f"goals {out['goals']}")
    return out


def _retail_peers(tr, counts, te, new) -> dict:
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking

    out = {}
    X = tr.X.tocsr().astype(np.float32)
    C = (40.0 * counts.X).tocsr().astype(np.float32)
    peers = {
        "implicit_bpr": ("implicit BPR (defaults)", lambda: BayesianPersonalizedRanking(random_state=42), X),
        "implicit_als": ("implicit ALS (64 factors, confidence 40 x count)",
                         lambda: AlternatingLeastSquares(factors=64, random_state=42), C),
    }
    users = np.arange(X.shape[0])
    for key, (name, make, M) in peers.items():
        model = make()
        _, fit_s = timed(lambda: model.fit(M, show_progress=False))
        any_ids, _ = model.recommend(users, M, N=K, filter_already_liked_items=False)
        new_ids, _ = model.recommend(users, M, N=K, filter_already_liked_items=True)
        out[key] = {"model": name, **_both(np.asarray(any_ids), np.asarray(new_ids), te.X, new), "fit_seconds": fit_s}
        say(f"{key} {out[key]}")
    out["cornac_bpr"] = _cornac_bpr(tr, te, new)
    say(f"cornac_bpr {out['cornac_bpr']}")
    return out


def _cornac_bpr(tr, te, new) -> dict:
    import cornac
    from analysis.evaluate.ranking import top_k_from_scores

    rows, cols = tr.X.nonzero()
    triples = list(zip(rows.astype(str), cols.astype(str), np.ones(len(rows))))
    data = cornac.data.Dataset.from_uir(triples, seed=42)
    model = cornac.models.BPR(k=64, max_iter=100, seed=42, verbose=False)
    _, fit_s = timed(lambda: model.fit(data))
    # cornac numbers users and items in order of appearance: scores back to the matrix's order
    u_map = np.array([data.uid_map[str(u)] for u in range(tr.X.shape[0])])
    i_map = np.array([data.iid_map[str(i)] for i in range(tr.X.shape[1])])
    scores = np.vstack([model.score(int(u))[i_map] for u in u_map])  # cornac's own scoring
    return {"model": "cornac BPR (k 64, 100 epochs)",
            **_both(top_k_from_scores(scores, K), top_k_from_scores(scores, K, tr.X), te.X, new), "fit_seconds": fit_s}


def main() -> None:
    if not DATA.exists():
        raise SystemExit(f"MovieLens u.data not found at {DATA}; pass its path as the first argument")
    say(f"MovieLens 100k from {DATA}")
    result = {"explicit": explicit(), "topk": topk()}
    if RETAIL.exists():
        result["online_retail_global_split"] = retail()
    else:
        say(f"Online Retail not found at {RETAIL}: its block is left out")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
