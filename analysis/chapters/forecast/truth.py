"""What the built-in shop planted in its demand, for the Forecasting chapter to recover."""

from __future__ import annotations

import numpy as np

from analysis import schema as S
from analysis.shop import Shop

__all__ = ["planted_demand_response"]


def planted_demand_response(shop: Shop) -> dict[str, float]:
    """The shop's planted weekly profile, promotion lift and price response, for the Forecasting chapter.

    The shop plants no demand curve of its own: a promotion multiplies the day's
    demand by ``uplift`` (more orders) and cuts prices by ``discount``, and each
    line's quantity is ``clip(rint(z / (n_lines * price)), 1, max_quantity)``
    for the order's spend target ``z``: a fixed budget, so units respond to price
    with elasticity -1 before rounding (``budget_elasticity``). Rounding to whole
    units and the floor of one unit weaken it; ``effective_elasticity`` is the
    rule's arc elasticity on the promotion-day lines of this shop: the mean change
    of log quantity from the list price to the price paid over the mean change of
    log price, both from the planted rule and the orders' spend targets.
    """
    tx = shop.transactions
    orders = shop.orders.set_index(S.ORDER)
    base = shop.products.set_index(S.PRODUCT)["base_price"]
    promo = tx[tx[S.ORDER].map(orders["promo"]).astype(bool)]
    list_price = promo[S.PRODUCT].map(base).to_numpy(dtype=float)
    budget = (promo[S.ORDER].map(orders["target_value"]) / promo[S.ORDER].map(orders["n_lines"])).to_numpy(dtype=float)
    q_list = np.clip(np.rint(budget / list_price), 1, shop.truth.max_quantity)
    d_logq = np.log(promo[S.QUANTITY].to_numpy(dtype=float)) - np.log(q_list)
    d_logp = np.log(promo[S.PRICE].to_numpy(dtype=float)) - np.log(list_price)
    uplifts = [p.uplift for p in shop.truth.calendar.promotions]
    return {
        "promotion_lift": float(np.mean(uplifts)) if uplifts else float("nan"),
        "budget_elasticity": -1.0,
        "effective_elasticity": float(d_logq.mean() / d_logp.mean()) if len(promo) else float("nan"),
        "promotion_lines": int(len(promo)),
    }
