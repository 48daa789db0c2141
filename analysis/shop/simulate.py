r"""The simulation of one chunk of customers, fully vectorised (steps 2 and 4-6 of :mod:`analysis.shop`).

:func:`simulate_chunk` draws ``n`` customers, their purchases and their
baskets from four generators seeded by ``SeedSequence(seed, spawn_key=(1,
chunk)).spawn(4)``: customers, purchase times, order attributes and basket
products, each consumed by one step below in a fixed order, so the same
``(seed, chunk)`` always gives the same customers, orders and lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.shop.catalogue import CHANNELS, COUNTRIES, LATENT_DIM, Catalogue, make_catalogue
from analysis.shop.config import Persona, ShopConfig
from analysis.shop.demand import Demand, make_demand, warp_inverse


@dataclass(frozen=True, eq=False)
class Context:
    """A checked config with its catalogue and calendar: what every chunk shares."""

    config: ShopConfig
    catalogue: Catalogue
    demand: Demand


def build_context(config: ShopConfig) -> Context:
    """Draw the catalogue and lay out the calendar of ``config``."""
    return Context(
        config=config,
        catalogue=make_catalogue(config.n_products, config.seed),
        demand=make_demand(config.start, config.days, config.calendar),
    )


@dataclass(frozen=True, eq=False)
class CustomerDraws:
    """Step 2's draws per customer (local index 0..n-1), before any purchase."""

    persona: np.ndarray
    lam: np.ndarray
    p: np.ndarray
    nu: np.ndarray
    U: np.ndarray
    country: np.ndarray
    main_channel: np.ndarray


@dataclass(frozen=True, eq=False)
class ChunkCustomers(CustomerDraws):
    """The customers of a chunk: their draws and what their purchases made of them."""

    first_sec: np.ndarray  # seconds since start of the first purchase
    dropout_sec: np.ndarray  # seconds since start of dropout, -1 if alive
    alive: np.ndarray
    n_orders: np.ndarray


@dataclass(frozen=True, eq=False)
class ChunkOrders:
    """The orders of a chunk, sorted by timestamp, local customer, operational time."""

    customer: np.ndarray  # local customer index
    sec: np.ndarray  # seconds since start
    first: np.ndarray  # the customer's first order
    channel: np.ndarray
    ship: np.ndarray  # shipping country
    target: np.ndarray  # the Gamma-Gamma spend target
    promo: np.ndarray
    lines: np.ndarray
    units: np.ndarray
    value: np.ndarray


@dataclass(frozen=True, eq=False)
class ChunkLines:
    """The order lines of a chunk, sorted by order, product."""

    order: np.ndarray  # local order index
    product: np.ndarray
    quantity: np.ndarray
    price: np.ndarray


@dataclass(frozen=True, eq=False)
class Chunk:
    customers: ChunkCustomers
    orders: ChunkOrders
    lines: ChunkLines


@dataclass(frozen=True, eq=False)
class _Purchases:
    """Steps 4-5 in operational time: first purchases and the repeat purchases."""

    tau0: np.ndarray  # first purchase per customer
    x: np.ndarray  # repeat purchases per customer
    died: np.ndarray
    rep_cust: np.ndarray  # customer of each repeat purchase, grouped by customer
    rep_tau: np.ndarray  # time of each repeat purchase, sorted within a customer
    ends: np.ndarray  # index of each customer's last repeat (customers with x > 0)


def _categorical_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one category per element, from the probability vector ``probs[rows[i]]``."""
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(rows))
    return (u[:, None] >= cum[rows]).sum(axis=1)


def _row_search(cum: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: the first ``j`` with ``cum[rows[i], j] > u[i]``.

    ``cum`` holds one cumulative distribution per row (last column exactly 1);
    a vectorised binary search restricted to each query's row.
    """
    n_cols = cum.shape[1]
    flat = cum.reshape(-1)
    base = rows.astype(np.int64) * n_cols
    lo = base.copy()
    hi = base + (n_cols - 1)
    for _ in range(int(np.ceil(np.log2(max(n_cols, 2)))) + 1):
        mid = (lo + hi) >> 1
        right = flat[mid] <= u
        lo = np.where(right, mid + 1, lo)
        hi = np.where(right, hi, mid)
    return np.minimum(lo, hi) - base


def _per_persona(personas: tuple[Persona, ...], field: str, persona: np.ndarray) -> np.ndarray:
    """A persona parameter looked up for each customer."""
    return np.array([getattr(q, field) for q in personas])[persona]


def _draw_customers(rng: np.random.Generator, config: ShopConfig, n: int) -> CustomerDraws:
    """Step 2: persona, BG/NBD and Gamma-Gamma parameters, taste, country, main channel."""
    personas = config.personas
    shares = np.array([q.share for q in personas])
    shares = shares / shares.sum()
    persona = np.searchsorted(np.cumsum(shares)[:-1], rng.random(n), side="right")
    lam = rng.gamma(_per_persona(personas, "r", persona),
                    1.0 / _per_persona(personas, "alpha", persona))
    p = rng.beta(_per_persona(personas, "a", persona), _per_persona(personas, "b", persona))
    nu = rng.gamma(_per_persona(personas, "gg_q", persona),
                   1.0 / _per_persona(personas, "gg_gamma", persona))
    taste = np.array([[*q.taste, q.price_affinity] for q in personas])
    U = taste[persona] + rng.normal(0.0, 1.0, (n, LATENT_DIM)) * config.taste_noise
    country_p = np.array([w for _, w in COUNTRIES])
    country_p = country_p / country_p.sum()
    country = np.searchsorted(np.cumsum(country_p)[:-1], rng.random(n), side="right")
    channel_p = np.array([q.channel_probs for q in personas])
    main_channel = _categorical_rows(rng, channel_p, persona)
    return CustomerDraws(persona=persona, lam=lam, p=p, nu=nu, U=U, country=country,
                         main_channel=main_channel)


def _draw_purchases(rng: np.random.Generator, config: ShopConfig, lam: np.ndarray,
                    p: np.ndarray) -> _Purchases:
    """Steps 4-5: acquisition, then BG/NBD repeat purchases, in operational time."""
    n, days = len(lam), config.days
    u0 = rng.random(n)
    kappa = config.acquisition_decay
    if kappa > 0:
        tau0 = -days / kappa * np.log1p(-u0 * -np.expm1(-kappa))
    else:
        tau0 = u0 * days
    tau0 = np.clip(tau0, 0.0, np.nextafter(float(days), 0.0))
    remaining = days - tau0  # operational days left
    n_events = rng.poisson(lam * remaining / 7.0)
    n_until_death = rng.geometric(np.clip(p, 1e-12, 1.0))
    x = np.minimum(n_events, n_until_death)
    died = n_until_death <= n_events
    last_frac = rng.beta(np.maximum(x, 1), n_events - x + 1)
    rep_cust = np.repeat(np.arange(n), x)
    u = rng.random(int(x.sum()))
    ends = np.cumsum(x) - 1
    ends = ends[x > 0]
    u[ends] = 1.0  # the x-th order statistic is last_frac itself
    u = u[np.lexsort((u, rep_cust))]
    rep_tau = tau0[rep_cust] + remaining[rep_cust] * last_frac[rep_cust] * u
    return _Purchases(tau0=tau0, x=x, died=died, rep_cust=rep_cust, rep_tau=rep_tau, ends=ends)


def _order_times(demand: Demand, buys: _Purchases) -> tuple[np.ndarray, ...]:
    """Orders in calendar time: ``(customer, seconds, first?)`` sorted, and per customer
    the first purchase and dropout in seconds (``-1``: alive)."""
    n = len(buys.tau0)
    o_cust_raw = np.concatenate([np.arange(n), buys.rep_cust])
    o_tau = np.concatenate([buys.tau0, buys.rep_tau])
    o_first_raw = np.concatenate([np.ones(n, bool), np.zeros(len(buys.rep_cust), bool)])
    o_sec_raw = np.floor(warp_inverse(demand, o_tau) * 86400.0).astype(np.int64)
    order = np.lexsort((o_tau, o_cust_raw, o_sec_raw))
    dropout_sec = np.full(n, -1, dtype=np.int64)
    if len(buys.rep_cust):
        end_cust = buys.rep_cust[buys.ends]  # customers with at least one repeat, in order
        dead = buys.died[end_cust]  # died implies x = K >= 1: the last repeat is the dropout
        dropout_sec[end_cust[dead]] = o_sec_raw[n + buys.ends][dead]
    return o_cust_raw[order], o_sec_raw[order], o_first_raw[order], o_sec_raw[:n], dropout_sec


def _order_attributes(rng: np.random.Generator, config: ShopConfig, draws: CustomerDraws,
                      o_cust: np.ndarray) -> tuple[np.ndarray, ...]:
    """Channel, shipping country, Gamma-Gamma spend target and lines to draw of each order."""
    n_ord = len(o_cust)
    switch = rng.random(n_ord) >= config.main_channel_prob
    other = rng.integers(0, len(CHANNELS), n_ord)
    channel = np.where(switch, other, draws.main_channel[o_cust])
    mismatch = rng.random(n_ord) < config.country_mismatch_rate
    # a different country, uniformly among the others
    shift = rng.integers(1, len(COUNTRIES), n_ord)
    home = draws.country[o_cust]
    ship = np.where(mismatch, (home + shift) % len(COUNTRIES), home)
    gg_p = _per_persona(config.personas, "gg_p", draws.persona)
    target = rng.gamma(gg_p[o_cust], 1.0 / draws.nu[o_cust])
    basket_mean = _per_persona(config.personas, "basket_mean", draws.persona)
    draw_lines = 1 + rng.poisson(basket_mean[o_cust] - 1.0)
    return channel, ship, target, draw_lines


def _choice_cdf(catalogue: Catalogue, U: np.ndarray, temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """Per customer the cumulative ``P(j | i) ∝ pi_j exp(U_i.V_j / T)`` (one row each,
    last column exactly 1) and the expected base price of one line, ``sum_j P(j|i) price_j``."""
    weights = (U @ catalogue.V.T) / temperature + np.log(catalogue.popularity)[None, :]
    weights -= weights.max(axis=1, keepdims=True)
    np.exp(weights, out=weights)
    line_price = (weights @ catalogue.base_price) / weights.sum(axis=1)
    np.cumsum(weights, axis=1, out=weights)
    weights /= weights[:, -1:]
    weights[:, -1] = 1.0
    return weights, line_price


def _basket_products(rng: np.random.Generator, ctx: Context, U: np.ndarray, o_cust: np.ndarray,
                     target: np.ndarray, draw_lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 6's products: ``(order, product)`` of each line, a product drawn twice in an
    order kept once, sorted by order then product."""
    cdf, line_price = _choice_cdf(ctx.catalogue, U, ctx.config.temperature)
    # no more lines than the budget affords at the customer's typical price
    affordable = np.floor(target / line_price[o_cust]).astype(np.int64)
    draw_lines = np.clip(affordable, 1, draw_lines)
    l_order_raw = np.repeat(np.arange(len(o_cust)), draw_lines)
    l_product_raw = _row_search(cdf, o_cust[l_order_raw], rng.random(len(l_order_raw)))
    del cdf
    n_products = ctx.catalogue.n_products
    key = np.sort(l_order_raw * n_products + l_product_raw)
    keep = np.ones(len(key), bool)
    keep[1:] = key[1:] != key[:-1]
    return np.divmod(key[keep], n_products)


def _price_lines(ctx: Context, l_order: np.ndarray, l_product: np.ndarray, target: np.ndarray,
                 o_discount: np.ndarray) -> tuple[ChunkLines, np.ndarray, np.ndarray, np.ndarray]:
    """Unit prices (discounted on promotion days) and quantities of the lines; per order
    the number of lines, of units and the value."""
    n_ord = len(target)
    o_lines = np.bincount(l_order, minlength=n_ord)
    l_price = np.round(ctx.catalogue.base_price[l_product] * (1.0 - o_discount[l_order]), 2)
    l_quantity = np.clip(
        np.rint(target[l_order] / (o_lines[l_order] * l_price)), 1, ctx.config.max_quantity
    ).astype(np.int64)
    o_units = np.bincount(l_order, weights=l_quantity, minlength=n_ord).astype(np.int64)
    o_value = np.round(np.bincount(l_order, weights=l_quantity * l_price, minlength=n_ord), 2)
    lines = ChunkLines(order=l_order, product=l_product, quantity=l_quantity, price=l_price)
    return lines, o_lines, o_units, o_value


def simulate_chunk(ctx: Context, n: int, chunk: int) -> Chunk:
    """Simulate ``n`` customers of chunk ``chunk`` (see the story in :mod:`analysis.shop`)."""
    streams = np.random.SeedSequence(ctx.config.seed, spawn_key=(1, chunk)).spawn(4)
    rng_cust, rng_buy, rng_order, rng_basket = (np.random.default_rng(s) for s in streams)
    draws = _draw_customers(rng_cust, ctx.config, n)
    buys = _draw_purchases(rng_buy, ctx.config, draws.lam, draws.p)
    o_cust, o_sec, o_first, first_sec, dropout_sec = _order_times(ctx.demand, buys)
    o_discount = ctx.demand.discount[o_sec // 86400]
    channel, ship, target, draw_lines = _order_attributes(rng_order, ctx.config, draws, o_cust)
    l_order, l_product = _basket_products(rng_basket, ctx, draws.U, o_cust, target, draw_lines)
    lines, o_lines, o_units, o_value = _price_lines(ctx, l_order, l_product, target, o_discount)
    customers = ChunkCustomers(**vars(draws), first_sec=first_sec, dropout_sec=dropout_sec,
                               alive=~buys.died, n_orders=1 + buys.x)
    orders = ChunkOrders(
        customer=o_cust, sec=o_sec, first=o_first, channel=channel, ship=ship, target=target,
        promo=o_discount > 0, lines=o_lines, units=o_units, value=o_value,
    )
    return Chunk(customers=customers, orders=orders, lines=lines)
