"""Content-based neighbours for cold start (TF-IDF) and "bought together" rules (FP-growth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import schema as S
from analysis._checks import check_number

__all__ = ["VARIANT_WORDS", "basket_rules", "limit_per_family", "product_texts", "reorders_first", "text_similarity", "variant_family"]


def product_texts(table: pd.DataFrame, items) -> pd.Series | None:
    """Each product's text (its most frequent description, with its category in brackets when there is one:
    ``"Wooden Yo-Yo, White [Toys]"``), in the order of ``items``; ``None`` when the data carry no descriptions.
    The brackets only set the category apart on the page: TF-IDF reads the same words."""
    if S.DESCRIPTION not in table.columns or table[S.DESCRIPTION].isna().all():
        return None
    text = table[S.DESCRIPTION].fillna("").astype("str")
    if S.CATEGORY in table.columns:
        category = table[S.CATEGORY].fillna("").astype("str")
        text = text.where(category.str.strip().eq(""), text + " [" + category.str.strip() + "]")
    counts = pd.DataFrame({"p": table[S.PRODUCT].astype("str"), "t": text}).value_counts().reset_index()
    first = counts.sort_values(["p", "count", "t"], ascending=[True, False, True]).drop_duplicates("p")
    return first.set_index("p")["t"].reindex(pd.Index(items, dtype="str")).fillna("")


def text_similarity(texts: pd.Series) -> np.ndarray:
    """Item x item cosine of TF-IDF vectors of the texts (words and word pairs), diagonal 0."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    V = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True).fit_transform(texts.to_numpy())
    sim = (V @ V.T).toarray()
    np.fill_diagonal(sim, 0.0)
    return sim


def basket_rules(baskets: pd.DataFrame, min_support: float, *, min_confidence: float = 0.3,
                 max_products: int = 2000) -> tuple[pd.DataFrame, int]:
    """Association rules (one product -> one product) of the baskets: the frequent products and pairs of
    mlxtend's FP-growth with ``max_len=2`` and its ``association_rules`` on them, counted exactly by one
    sparse product of the baskets x products table with itself (the same itemsets and the same numbers,
    without building the FP tree; ``tests/unit/recommend`` checks them against mlxtend).

    A product is frequent when its share of baskets (its support) is at least ``min_support``, a pair when
    it is in at least ``ceil(min_support * baskets)`` of them (mlxtend's two tests); a rule ``a -> b`` of a
    frequent pair has support ``s_ab``, confidence ``s_ab / s_a`` and lift ``confidence / s_b``.

    Returns the rules (antecedent, consequent, support, confidence, lift; confidence at least
    ``min_confidence``, lift > 1, sorted by lift) and the number of frequent itemsets (products and pairs);
    the rules' ``attrs["frequent_pairs"]`` counts the frequent pairs (before the confidence and lift cuts).
    Only the ``max_products`` most frequent products with at least ``min_support`` on their own enter the
    basket table (a rarer product cannot be in a frequent itemset). Memory: the baskets' lines, and the
    pair counts of those products (at most ``max_products^2 / 2`` of them).
    """
    import math

    min_support = check_number("min_support", min_support, low=0, high=1, open_low=True)
    support = baskets[S.PRODUCT].value_counts() / baskets[S.ORDER].nunique()
    top = support[support >= min_support].index[:max_products]  # a rarer product is in no frequent itemset
    kept = baskets[baskets[S.PRODUCT].isin(top)]
    orders = pd.Index(baskets[S.ORDER].unique())
    products = pd.Index(np.sort(kept[S.PRODUCT].unique()))
    cells = sp.csr_matrix((np.ones(len(kept), np.int64), (orders.get_indexer(kept[S.ORDER]),
                           products.get_indexer(kept[S.PRODUCT]))), shape=(len(orders), len(products)))
    cells.data = np.minimum(cells.data, 1)  # a product twice in one basket counts once
    n = float(len(orders))
    count = np.asarray(cells.sum(axis=0)).ravel()
    single = np.flatnonzero(count / n >= min_support)
    co = (cells[:, single].T @ cells[:, single]).tocoo()
    frequent = (co.row < co.col) & (co.data >= math.ceil(min_support * len(orders)))
    a, b, both = single[co.row[frequent]], single[co.col[frequent]], co.data[frequent]
    pairs = len(both)
    columns = ["antecedent", "consequent", "support", "confidence", "lift"]
    if pairs == 0:
        empty = pd.DataFrame(columns=columns)
        empty.attrs["frequent_pairs"] = 0
        return empty, len(single)
    s_ab, s = both / n, count / n
    ante, cons, sup = np.r_[a, b], np.r_[b, a], np.r_[s_ab, s_ab]  # each pair read both ways
    confidence = sup / s[ante]
    lift = confidence / s[cons]
    ok = (confidence >= min_confidence) & (lift > 1)
    out = pd.DataFrame({"antecedent": products[ante[ok]], "consequent": products[cons[ok]], "support": sup[ok],
                        "confidence": confidence[ok], "lift": lift[ok]}, columns=columns)
    out = out.sort_values(["lift", "antecedent", "consequent"], ascending=[False, True, True]).reset_index(drop=True)
    out.attrs["frequent_pairs"] = pairs
    return out, len(single) + pairs


GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")


def movielens_texts(data_path: str, items) -> pd.Series | None:
    """Titles and genres of MovieLens 100k movies from ``u.item`` beside ``u.data`` (``None`` when absent),
    the genres in brackets: ``"Star Wars (1977) [Action, Adventure, Romance, Sci-Fi, War]"``."""
    from pathlib import Path

    path = Path(str(data_path)).with_name("u.item")
    if not path.is_file():
        return None
    ids, texts = [], []
    for line in path.read_text(encoding="latin-1").splitlines():
        fields = line.split("|")
        if len(fields) < 24:
            continue
        flags = fields[-19:]  # the 19 genre flags end the line (a title may itself hold a '|')
        genres = ", ".join(g for g, f in zip(GENRES, flags) if f.strip() == "1")
        title = "|".join(fields[1:-22]).strip()
        ids.append(fields[0])
        texts.append(f"{title} [{genres}]" if genres else title)
    text = pd.Series(texts, index=pd.Index(ids, dtype="str"))
    return text.reindex(pd.Index(items, dtype="str")).fillna("")


#: Words that name a colour, a size or a pack rather than the item (read as variants of one item).
VARIANT_WORDS = frozenset(
    "red pink blue green black white ivory cream grey gray yellow orange purple brown gold silver navy teal "
    "turquoise lilac lavender beige natural clear multicolour multicolor assorted pastel bright dark light "
    "small large medium mini jumbo big giant tiny xs xl xxl s m l".split()
)


def variant_family(texts: pd.Series) -> pd.Series:
    """The item each product is a variant of, as a key shared by its variants.

    A description is read in lower case without colour and size words (:data:`VARIANT_WORDS`), numbers,
    punctuation and bracketed categories. Two products are variants of one item when these words are
    the same ("Vintage Cushion, Green" and "Vintage Cushion, Blue"; "REGENCY TEA PLATE GREEN" and
    "REGENCY TEA PLATE PINK") or when, with four words or more, one differs from the other only by its
    last word ("REGENCY TEA PLATE ROSES" and "REGENCY TEA PLATE PINK"); the families are the groups
    these links join. A product without description words is its own family (``"id "`` + its id).
    """
    words = texts.fillna("").astype("str").str.lower().str.replace(r"\[[^\]]*\]", " ", regex=True)
    keys = [tuple(t for t in w if t not in VARIANT_WORDS) for w in words.str.findall(r"[^\W\d_]+")]
    parent: dict[tuple, tuple] = {}

    def root(node: tuple) -> tuple:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for key in keys:
        if len(key) >= 4:
            a, b = root(key), root(key[:-1])
            if a != b:
                parent[max(a, b)] = min(a, b)  # the smaller key names the family, whatever the order
    family = [" ".join(root(k)) if k else "id " + str(i) for k, i in zip(keys, texts.index.astype("str"))]
    return pd.Series(family, index=texts.index, dtype="str")


def limit_per_family(ranked: np.ndarray, family: np.ndarray, max_per: int, n: int) -> np.ndarray:
    """The first ``n`` entries of each row of ``ranked`` (item indices best first, ``-1`` for none) that
    keep at most ``max_per`` items of one ``family`` (an integer code per item); ``-1`` pads short rows."""
    ranked = np.asarray(ranked)
    out = np.full((ranked.shape[0], n), -1, dtype=int)
    for u, row in enumerate(ranked):
        seen: dict[int, int] = {}
        j = 0
        for item in row:
            if item < 0 or j == n:
                break
            f = int(family[item])
            if seen.get(f, 0) < max_per:
                seen[f] = seen.get(f, 0) + 1
                out[u, j] = item
                j += 1
    return out


def reorders_first(again: np.ndarray, new: np.ndarray, slots: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Lists of ``n`` whose first places (at most ``slots``) are the customer's own products from ``again``
    (best first, ``-1`` for none), filled with the products of ``new`` that are not already listed.

    Returns the lists (``-1`` pads) and a same-shaped boolean array, True where the product is a re-order.
    """
    again, new = np.asarray(again), np.asarray(new)
    out = np.full((again.shape[0], n), -1, dtype=int)
    reorder = np.zeros((again.shape[0], n), dtype=bool)
    for u in range(again.shape[0]):
        own = [int(i) for i in again[u, : min(slots, again.shape[1])] if i >= 0][:n]
        rest = [int(i) for i in new[u] if i >= 0 and i not in own][: n - len(own)]
        out[u, : len(own) + len(rest)] = own + rest
        reorder[u, : len(own)] = True
    return out, reorder
