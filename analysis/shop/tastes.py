r"""The shop's planted tastes as a recommender: the oracle ranking.

The built-in shop draws each product of a basket with probability
:math:`P(j \mid i) \propto \pi_j \exp(U_i^\top V_j / T)` (customer taste
``U_i``, product traits ``V_j``, popularity ``pi_j``, temperature ``T``). Ranking
products by :math:`U_i^\top V_j / T + \ln \pi_j` orders them by how likely the
customer is to buy them next: no method that sees only the log can expect to do
better.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.errors import DataError
from analysis.shop import Shop

__all__ = ["oracle_scores"]


def _positions(known: pd.Index, ids: Sequence[str], what: str, column: str) -> np.ndarray:
    pos = known.get_indexer(pd.Index(ids, dtype="str"))
    if (pos < 0).any():
        raise DataError(
            f"Some {what} are not in this shop.", column=column,
            rows=[str(ids[i]) for i in np.flatnonzero(pos < 0)[:5]],
            fix="compare with the shop the transactions came from (same shop_customers and seed)",
        )
    return pos


def oracle_scores(shop: Shop, customer_ids: Sequence[str], product_ids: Sequence[str]) -> np.ndarray:
    """Customers x products: the planted log-odds of choosing each product, ``U_i.V_j / T + ln pi_j``."""
    t = shop.truth
    cu = _positions(pd.Index(shop.customers[S.CUSTOMER].astype("str")), list(customer_ids), "customers", S.CUSTOMER)
    pr = _positions(pd.Index(shop.products[S.PRODUCT].astype("str")), list(product_ids), "products", S.PRODUCT)
    U, V = t.customer_factors[cu], t.product_factors[pr]
    log_pop = np.log(shop.products["popularity"].to_numpy(float)[pr])
    return U @ V.T / t.temperature + log_pop[None, :]
