"""Content-based neighbours for cold start (TF-IDF) and "bought together" rules (FP-growth)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import schema as S
from analysis._checks import check_number

__all__ = ["basket_rules", "product_texts", "text_similarity"]


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
    """Association rules (one product -> one product) of the baskets with mlxtend's FP-growth.

    Returns the rules (antecedent, consequent, support, confidence, lift; lift > 1,
    sorted by lift) and the number of frequent itemsets; the rules' ``attrs["frequent_pairs"]``
    counts the frequent pairs (before the confidence and lift cuts). Only the ``max_products``
    most frequent products with at least ``min_support`` on their own enter the one-hot
    basket table (a rarer product cannot be in a frequent itemset).
    """
    from mlxtend.frequent_patterns import association_rules, fpgrowth

    min_support = check_number("min_support", min_support, low=0, high=1, open_low=True)
    support = baskets[S.PRODUCT].value_counts() / baskets[S.ORDER].nunique()
    top = support[support >= min_support].index[:max_products]  # a rarer product is in no frequent itemset
    kept = baskets[baskets[S.PRODUCT].isin(top)]
    orders = pd.Index(baskets[S.ORDER].unique())
    products = pd.Index(np.sort(kept[S.PRODUCT].unique()))
    cells = sp.csr_matrix((np.ones(len(kept), bool), (orders.get_indexer(kept[S.ORDER]),
                           products.get_indexer(kept[S.PRODUCT]))), shape=(len(orders), len(products)))
    onehot = pd.DataFrame.sparse.from_spmatrix(cells, columns=products)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        itemsets = fpgrowth(onehot, min_support=min_support, use_colnames=True, max_len=2)
        empty = pd.DataFrame(columns=["antecedent", "consequent", "support", "confidence", "lift"])
        pairs = int((itemsets["itemsets"].map(len) == 2).sum())
        if pairs == 0:
            empty.attrs["frequent_pairs"] = 0
            return empty, len(itemsets)
        rules = association_rules(itemsets, metric="confidence", min_threshold=min_confidence)
    rules = rules[rules["lift"] > 1]
    out = pd.DataFrame({
        "antecedent": rules["antecedents"].map(lambda s: next(iter(s))),
        "consequent": rules["consequents"].map(lambda s: next(iter(s))),
        "support": rules["support"], "confidence": rules["confidence"], "lift": rules["lift"],
    })  # fmt: skip
    out = out.sort_values(["lift", "antecedent", "consequent"], ascending=[False, True, True]).reset_index(drop=True)
    out.attrs["frequent_pairs"] = pairs
    return out, len(itemsets)


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
