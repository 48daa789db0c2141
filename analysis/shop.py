r"""The built-in shop: a simulated online shop whose truth is known.

Every chapter of the book runs on this shop by default and then asks "did the
method find what is really there?".  :func:`make_shop` returns a :class:`Shop`
holding the canonical tables (``transactions``, ``orders``, ``customers``,
``products``) *and* every planted parameter (``truth``), so that each estimate
can be compared with the value that generated the data.
:func:`write_shop_parquet` streams the same generator, chunk by chunk of
customers, to one Parquet file of any size (10 M rows in well under a minute).

Generative story
================
Time is measured in days from ``start`` (calendar time ``t``) over a window of
``days`` days; the BG/NBD parameters are per **week**.

1. **Catalogue.**  ``n_products`` products spread evenly over 8 categories
   (Home, Kitchen, Garden, Stationery, Toys, Fashion, Beauty, Electronics).
   A product is ``"<Adjective> <Noun>, <Colour>"`` drawn without replacement
   from its category's vocabulary; its base price is
   ``noun_price * exp(N(0, 0.25^2))`` rounded to ``x.99``.  Each product has a
   latent factor ``V_j in R^4``: the first three coordinates are its category's
   centre (a vertex of the cube ``{-1,1}^3 / sqrt(3)``) plus ``N(0, 0.35^2)``
   noise, the fourth is its standardised log base price.  A long-tailed
   popularity ``pi_j = w_cat(j) * exp(N(0, 0.5^2))``.

2. **Personas and customers.**  Customer ``i`` gets persona ``k_i`` with
   probability ``share_k`` (default four personas, see
   :data:`DEFAULT_PERSONAS`), a country, a main channel (persona-specific
   probabilities), a taste vector
   ``U_i = (taste_k, price_affinity_k) + N(0, taste_noise^2 I_4)``, and

   * purchase rate ``lam_i ~ Gamma(r_k, rate=alpha_k)`` (per week),
   * dropout probability ``p_i ~ Beta(a_k, b_k)``,
   * spend rate ``nu_i ~ Gamma(q_k, rate=gamma_k)`` (Gamma-Gamma).

3. **Demand calendar (time warp).**  The expected demand multiplier per hour
   bin ``h`` (day ``d``, hour ``o``) is
   ``m_h = D_d * H_o`` with the daily multiplier

   ``D_d ∝ (1 + g)^(d / 365.25) * W[dow(d)]
   * (1 + A cos(2 pi (doy(d) - phi) / 365.25)) * holiday(d) * promo(d)``

   normalised to mean 1 over the window (``truth.daily_intensity``) and an
   hour-of-day profile ``H`` of mean 1.  The operational clock is the
   cumulative intensity ``Lambda(t) = int_0^t m(s) ds`` (piecewise linear,
   ``Lambda(days) = days``) and calendar times are ``t = Lambda^{-1}(tau)``.
   Every purchase process below runs in operational time ``tau``; the warp
   puts more of the same purchases on busy days and hours, so that daily
   demand shows trend, weekly and yearly seasonality, holidays (Black Friday
   weekend, Christmas run-up, the Christmas dip) and promotions, while counts
   stay BG/NBD in operational time.

4. **Acquisition.**  First purchases are at operational time ``tau0_i`` with
   density ``∝ exp(-kappa tau / days)`` on ``[0, days)``
   (``kappa = acquisition_decay``, default 2.5: about 78 % of customers
   arrive in the first half of a two-year window, but every month has a
   cohort).  The first purchase is the BG/NBD "time zero" order.

5. **Buy till you die (BG/NBD, Fader, Hardie & Lee 2005).**  While alive,
   repeat purchases arrive as a Poisson process of rate ``lam_i`` (per week)
   in operational time; after each *repeat* purchase the customer drops out
   with probability ``p_i``.  Vectorised exactly: with
   ``R_i = (days - tau0_i) / 7`` weeks left, the number of Poisson events in
   the window is ``N_i ~ Poisson(lam_i R_i)``, the number of repeat purchases
   until dropout is ``K_i ~ Geometric(p_i)`` on ``{1, 2, ...}``, the observed
   count is ``x_i = min(K_i, N_i)`` and the customer died in the window iff
   ``K_i <= N_i`` (``dropout_time`` = time of the ``K_i``-th repeat).  The
   ``x_i`` purchase times are the first ``x_i`` order statistics of ``N_i``
   uniforms on the remaining window: the ``x_i``-th is
   ``B_i ~ Beta(x_i, N_i - x_i + 1)`` and the others are ``x_i - 1`` sorted
   uniforms on ``[0, B_i]``.  This holds exactly in operational time; in
   calendar time it holds up to the (moderate) warp.

6. **Baskets.**  Order ``o`` of customer ``i`` has a spend target
   ``z_o ~ Gamma(p_k, rate=nu_i)`` (so ``E[z | nu_i] = p_k / nu_i``, the
   customer's ``expected_spend``).  It draws
   ``L_o = min(1 + Poisson(basket_mean_k - 1), max(1, floor(z_o / c_i)))``
   lines, where ``c_i = sum_j P(j | i) base_price_j`` is the customer's
   typical line price (no more lines than the budget affords), each product
   drawn from ``P(j | i) ∝ pi_j exp(U_i . V_j / temperature)``; a product
   drawn twice in one order becomes one line (``n_lines <= L_o``).  On
   promotion days ``unit_price = round(base_price * (1 - discount), 2)``.
   Quantities are ``clip(round(z_o / (n_lines * unit_price)), 1,
   max_quantity)`` and ``order_value = sum quantity * unit_price``.

   *Exact*: ``target_value`` is Gamma-Gamma; every drawn line follows the
   low-rank softmax ``U V^T``.  *Approximate*: the realised
   ``order_value`` tracks ``target_value`` (integer quantities, at least one
   unit per line); with the default personas the mean realised value is
   within about 12 % of the planted ``p gamma / (q - 1)`` for every persona
   and the per-customer mean value has Spearman correlation > 0.9 with
   ``expected_spend``.

7. **Fraud.**  Each order is fraudulent with probability
   ``sigmoid(beta0 + beta . x_o)`` where ``x_o`` are observable columns of
   ``orders`` (:func:`fraud_design_matrix`): ``is_new_customer`` (first
   order), ``night`` (hour 0-5), ``value_zscore`` (standardised log order
   value), ``country_mismatch`` (shipping country differs), ``channel_app``
   and ``channel_marketplace``.  By default ``beta0`` is solved so that the
   mean ``fraud_probability`` equals ``fraud_rate`` (2 %).  Fraudulent orders
   stay in ``transactions``; the label is in ``orders`` only.

Calendar times are floored to whole seconds.  Where the truth is recoverable
(tested in ``tests/unit/test_shop.py``):

* BG/NBD per persona (lifetimes' ``BetaGeoFitter`` on the continuous
  calendar-time summary, 20,000 single-persona customers, default calendar):
  ``r``, ``alpha`` and ``a/(a+b)`` within 25 % for the personas with repeat
  purchases (observed error up to about 15 %, mostly ``a/(a+b)`` of
  "regular", because the warp looks like extra dropout heterogeneity); for
  "one-off" (about 0.5 repeat purchases each) ``r`` and ``alpha`` are not
  identified separately, only ``r/alpha`` and ``a/(a+b)`` (within 20 %).
  ``a`` and ``b`` separately are weakly identified for every persona.
* k-means (k = number of personas) on standardised
  ``(log(1 + recency), log frequency, log monetary)`` recovers the default
  personas with adjusted Rand index about 0.5 (tested > 0.4).
* The fraud logit's coefficients by maximum likelihood on ``orders``.

Randomness comes only from :class:`numpy.random.Generator` objects seeded
from ``SeedSequence(seed, spawn_key=...)``: ``(0,)`` the catalogue, ``(1, c)``
customer chunk ``c`` (``make_shop`` is chunk 0), ``(2,)`` the fraud labels.
Hence ``make_shop(n, seed)`` and the first chunk of
``write_shop_parquet(..., seed=seed, chunk_customers=n)`` are the same
customers and the same transactions.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.errors import DataError
from analysis.schema import (
    CATEGORY,
    CHANNEL,
    COUNTRY,
    CUSTOMER,
    DESCRIPTION,
    ORDER,
    PRICE,
    PRODUCT,
    QUANTITY,
    TIMESTAMP,
)

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "COUNTRIES",
    "DEFAULT_PERSONAS",
    "FRAUD_FEATURES",
    "DEFAULT_FRAUD_COEFFICIENTS",
    "TRANSACTION_COLUMNS",
    "PRODUCT_COLUMNS",
    "CUSTOMER_COLUMNS",
    "ORDER_COLUMNS",
    "Persona",
    "Calendar",
    "Promotion",
    "ShopTruth",
    "Shop",
    "make_shop",
    "fraud_design_matrix",
    "transactions_schema",
    "write_shop_parquet",
]

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

CATEGORIES: tuple[str, ...] = (
    "Home",
    "Kitchen",
    "Garden",
    "Stationery",
    "Toys",
    "Fashion",
    "Beauty",
    "Electronics",
)
CHANNELS: tuple[str, ...] = ("web", "app", "marketplace")
COUNTRIES: tuple[tuple[str, float], ...] = (
    ("United Kingdom", 0.45),
    ("Germany", 0.12),
    ("France", 0.10),
    ("Netherlands", 0.06),
    ("Ireland", 0.06),
    ("Spain", 0.05),
    ("Italy", 0.05),
    ("Belgium", 0.04),
    ("United States", 0.04),
    ("Australia", 0.03),
)

# category -> (adjectives, {noun: typical price})
_VOCABULARY: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "Home": (
        ("Vintage", "Linen", "Velvet", "Rustic", "Modern", "Scandi"),
        {"Cushion": 18, "Throw Blanket": 35, "Candle": 12, "Vase": 22,
         "Photo Frame": 14, "Table Lamp": 45, "Doormat": 20, "Wall Clock": 28},
    ),
    "Kitchen": (
        ("Ceramic", "Bamboo", "Enamel", "Stoneware", "Glass", "Steel"),
        {"Mug": 8, "Teapot": 25, "Cutting Board": 18, "Mixing Bowl": 16,
         "Knife Set": 55, "Apron": 14, "Storage Jar": 10, "Salad Servers": 12},
    ),
    "Garden": (
        ("Terracotta", "Galvanised", "Wooden", "Rattan", "Recycled", "Heritage"),
        {"Planter": 22, "Watering Can": 18, "Bird Feeder": 15, "Garden Gloves": 9,
         "Solar Lantern": 20, "Hose Reel": 40, "Seed Tray": 6, "Trowel": 11},
    ),
    "Stationery": (
        ("Recycled", "Kraft", "Floral", "Leather", "Pastel", "Classic"),
        {"Notebook": 7, "Pen Set": 9, "Desk Organiser": 16, "Greeting Card": 3,
         "Wrapping Paper": 4, "Planner": 14, "Sticker Pack": 3, "Pencil Case": 8},
    ),
    "Toys": (
        ("Wooden", "Rainbow", "Mini", "Jumbo", "Retro", "Classic"),
        {"Jigsaw Puzzle": 15, "Plush Bear": 18, "Building Blocks": 30, "Kite": 16,
         "Board Game": 28, "Yo-Yo": 5, "Toy Car": 10, "Hand Puppet": 12},
    ),
    "Fashion": (
        ("Wool", "Cotton", "Leather", "Silk", "Denim", "Knitted"),
        {"Scarf": 20, "Tote Bag": 15, "Beanie": 14, "Umbrella": 18, "Wallet": 25,
         "Sunglasses": 30, "Socks": 6, "Belt": 22},
    ),
    "Beauty": (
        ("Lavender", "Rose", "Citrus", "Coconut", "Unscented", "Organic"),
        {"Soap Bar": 5, "Hand Cream": 9, "Bath Salts": 11, "Lip Balm": 4,
         "Face Mask": 7, "Eau de Parfum": 45, "Hair Brush": 12, "Body Lotion": 13},
    ),
    "Electronics": (
        ("Wireless", "Compact", "Slim", "Rugged", "Pro", "Mini"),
        {"Phone Case": 15, "USB Cable": 8, "Earbuds": 40, "Power Bank": 30,
         "Desk Lamp": 35, "Bluetooth Speaker": 55, "Charger": 20, "Smart Plug": 18},
    ),
}
_COLOURS: tuple[str, ...] = (
    "Blue", "Red", "Green", "Black", "White", "Grey", "Pink", "Yellow", "Navy", "Cream",
)
_CATEGORY_POPULARITY: dict[str, float] = {
    "Home": 1.2, "Kitchen": 1.1, "Garden": 0.7, "Stationery": 0.8,
    "Toys": 0.9, "Fashion": 1.3, "Beauty": 1.0, "Electronics": 0.9,
}
# vertices of the cube {-1, 1}^3 / sqrt(3): the category centres in taste space
_CATEGORY_CENTRES = np.array(
    [
        [1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1],
        [-1, 1, -1], [-1, -1, 1], [-1, -1, -1], [1, -1, -1],
    ],
    dtype=np.float64,
) / np.sqrt(3.0)
_STYLE_DIM = 3
LATENT_DIM = _STYLE_DIM + 1  # three style coordinates + price
_PRODUCT_STYLE_NOISE = 0.35
_PRICE_NOISE = 0.25
_POPULARITY_NOISE = 0.5

# --------------------------------------------------------------------------
# Column lists
# --------------------------------------------------------------------------

TRANSACTION_COLUMNS: tuple[str, ...] = (
    ORDER, CUSTOMER, PRODUCT, QUANTITY, PRICE, TIMESTAMP,
    DESCRIPTION, CATEGORY, COUNTRY, CHANNEL,
)
# products: base_price before promotions; popularity pi_j (sums to 1)
PRODUCT_COLUMNS: tuple[str, ...] = (PRODUCT, DESCRIPTION, CATEGORY, "base_price", "popularity")
# customers (the planted truth): lam per week, p, dropout_time (NaT if alive at
# as_of), spend_nu = nu_i, expected_spend = gg_p / nu_i, channel = main channel,
# n_orders = 1 + repeat purchases observed in the window
CUSTOMER_COLUMNS: tuple[str, ...] = (
    CUSTOMER, "persona", "first_purchase", "lam", "p", "dropout_time", "alive",
    "spend_nu", "expected_spend", "country", "channel", "n_orders",
)
# orders: target_value = the Gamma-Gamma draw z_o; promo = a promotion day;
# country = the customer's, shipping_country may differ; the fraud features;
# fraud_probability = sigmoid(beta0 + x . beta) and its Bernoulli draw is_fraud
ORDER_COLUMNS: tuple[str, ...] = (
    ORDER, CUSTOMER, TIMESTAMP, "n_lines", "n_units", "order_value", "target_value",
    "promo", "country", "shipping_country", "channel", "hour",
    "is_new_customer", "night", "log_value", "value_zscore", "country_mismatch",
    "fraud_probability", "is_fraud",
)
FRAUD_FEATURES: tuple[str, ...] = (
    "is_new_customer", "night", "value_zscore", "country_mismatch",
    "channel_app", "channel_marketplace",
)
DEFAULT_FRAUD_COEFFICIENTS: dict[str, float] = {
    "is_new_customer": 1.0,
    "night": 1.2,
    "value_zscore": 0.5,
    "country_mismatch": 1.6,
    "channel_app": -0.4,
    "channel_marketplace": 0.6,
}

_ID_WIDTH = {"O": 7, "C": 6, "P": 4}


# --------------------------------------------------------------------------
# Planted parameters
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Persona:
    r"""One customer type and its planted parameters.

    * BG/NBD (per week): ``lam ~ Gamma(r, rate=alpha)`` so ``E[lam] = r/alpha``;
      ``p ~ Beta(a, b)`` so ``E[p] = a/(a+b)``.
    * Gamma-Gamma spend: ``nu ~ Gamma(gg_q, rate=gg_gamma)``, order target
      ``z ~ Gamma(gg_p, rate=nu)``, so ``E[z] = gg_p gg_gamma / (gg_q - 1)``.
    * ``basket_mean``: mean number of lines drawn per order (``1 + Poisson``).
    * ``taste`` (3 style coordinates) and ``price_affinity`` (weight on the
      product's standardised log price) are the persona's mean latent factor.
    * ``channel_probs``: probabilities of web, app, marketplace as main channel.
    """

    name: str
    share: float
    r: float
    alpha: float
    a: float
    b: float
    gg_p: float
    gg_q: float
    gg_gamma: float
    basket_mean: float
    taste: tuple[float, float, float]
    price_affinity: float
    channel_probs: tuple[float, float, float]

    @property
    def mean_rate(self) -> float:
        """``E[lam] = r / alpha`` purchases per week while alive."""
        return self.r / self.alpha

    @property
    def mean_dropout(self) -> float:
        """``E[p] = a / (a + b)``."""
        return self.a / (self.a + self.b)

    @property
    def mean_spend(self) -> float:
        """``E[z] = p gamma / (q - 1)`` per order (the Gamma-Gamma mean)."""
        return self.gg_p * self.gg_gamma / (self.gg_q - 1.0)


DEFAULT_PERSONAS: tuple[Persona, ...] = (
    # E[lam] = 1/3 a week, E[p] = 1/61, E[z] = 200
    Persona(
        name="loyal big spender", share=0.20, r=10.0, alpha=30.0, a=0.5, b=30.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=275.0, basket_mean=3.5,
        taste=(1.0, 0.8, -0.6), price_affinity=1.0, channel_probs=(0.50, 0.45, 0.05),
    ),
    # E[lam] = 1/16 a week, E[p] = 1/31, E[z] = 50
    Persona(
        name="regular", share=0.30, r=10.0, alpha=160.0, a=0.5, b=15.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=68.75, basket_mean=2.5,
        taste=(0.8, -0.8, 0.8), price_affinity=0.0, channel_probs=(0.55, 0.35, 0.10),
    ),
    # E[lam] = 0.4 a week, E[p] = 1/101, E[z] = 12
    Persona(
        name="bargain hunter", share=0.25, r=10.0, alpha=25.0, a=0.5, b=50.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=16.5, basket_mean=2.0,
        taste=(-0.8, 0.8, -0.8), price_affinity=-1.2, channel_probs=(0.30, 0.20, 0.50),
    ),
    # E[lam] = 0.01 a week, E[p] = 0.75, E[z] = 40
    Persona(
        name="one-off", share=0.25, r=2.0, alpha=200.0, a=6.0, b=2.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=55.0, basket_mean=1.5,
        taste=(-0.6, -0.6, 1.0), price_affinity=0.3, channel_probs=(0.60, 0.15, 0.25),
    ),
)


@dataclass(frozen=True)
class Promotion:
    """A yearly promotion window: ``length`` days from ``month``/``day``.

    Demand is multiplied by ``uplift`` and unit prices by ``1 - discount``.
    """

    name: str
    month: int
    day: int
    length: int
    uplift: float
    discount: float


@dataclass(frozen=True)
class Calendar:
    r"""The demand calendar: knobs of the time warp (see module docstring).

    ``D_d ∝ (1+trend_per_year)^(d/365.25) * weekly[dow]
    * (1 + yearly_amplitude cos(2 pi (doy - yearly_peak_day)/365.25))
    * holiday(d) * promo(d)``, and the hour-of-day profile ``hourly``.
    Holidays each year: Black Friday weekend (Friday after the fourth Thursday
    of November through Cyber Monday) ``* black_friday_uplift``, 1-21
    December ``* christmas_uplift``, 24-26 December ``* christmas_dip``.
    """

    trend_per_year: float = 0.10
    weekly: tuple[float, ...] = (1.08, 1.04, 1.00, 0.98, 0.90, 0.88, 1.12)  # Mon..Sun
    yearly_amplitude: float = 0.15
    yearly_peak_day: float = 340.0
    hourly: tuple[float, ...] = (
        0.35, 0.20, 0.15, 0.12, 0.15, 0.25, 0.50, 0.80, 1.00, 1.10, 1.20, 1.25,
        1.30, 1.25, 1.20, 1.20, 1.25, 1.35, 1.50, 1.65, 1.70, 1.55, 1.20, 0.75,
    )
    black_friday_uplift: float = 1.8
    christmas_uplift: float = 1.2
    christmas_dip: float = 0.6
    promotions: tuple[Promotion, ...] = (
        Promotion("Spring sale", 3, 20, 7, 1.3, 0.15),
        Promotion("Summer sale", 7, 1, 10, 1.3, 0.20),
        Promotion("Autumn sale", 10, 10, 5, 1.3, 0.10),
    )

    @classmethod
    def flat(cls) -> Calendar:
        """No trend, seasonality, holidays or promotions: calendar = operational time."""
        return cls(
            trend_per_year=0.0, weekly=(1.0,) * 7, yearly_amplitude=0.0,
            hourly=(1.0,) * 24, black_friday_uplift=1.0, christmas_uplift=1.0,
            christmas_dip=1.0, promotions=(),
        )


@dataclass(frozen=True, eq=False)
class ShopTruth:
    """Every planted parameter of a shop (rows aligned with the shop's tables).

    ``customer_factors`` rows follow ``Shop.customers`` and ``product_factors``
    rows follow ``Shop.products``; columns are ``style_1..3, price``.
    """

    personas: tuple[Persona, ...]
    calendar: Calendar
    weekly_profile: pd.Series  # Mon..Sun multipliers as planted
    hourly_profile: pd.Series  # 0..23, normalised to mean 1
    daily_intensity: pd.Series  # calendar day -> expected demand multiplier (mean 1)
    holidays: pd.DataFrame  # date, name, uplift
    promotions: pd.DataFrame  # name, start, end (inclusive), uplift, discount
    acquisition_decay: float
    latent_dim: int
    temperature: float
    taste_noise: float
    category_centres: pd.DataFrame  # category x style_1..3
    category_popularity: pd.Series
    customer_factors: np.ndarray  # U, n_customers x latent_dim
    product_factors: np.ndarray  # V, n_products x latent_dim
    price_log_mean: float  # used to standardise V[:, 3]
    price_log_sd: float
    max_quantity: int
    country_mismatch_rate: float
    main_channel_prob: float
    fraud_features: tuple[str, ...]
    fraud_coefficients: dict[str, float]
    fraud_intercept: float
    fraud_rate_target: float | None
    value_log_mean: float  # value_zscore = (log(order_value) - mean) / sd
    value_log_sd: float
    seed: int

    @property
    def persona_table(self) -> pd.DataFrame:
        """The personas as a table (one row each, with the implied means)."""
        rows = []
        for p in self.personas:
            rows.append(
                {
                    "persona": p.name, "share": p.share, "r": p.r, "alpha": p.alpha,
                    "a": p.a, "b": p.b, "gg_p": p.gg_p, "gg_q": p.gg_q,
                    "gg_gamma": p.gg_gamma, "basket_mean": p.basket_mean,
                    "price_affinity": p.price_affinity, "mean_rate": p.mean_rate,
                    "mean_dropout": p.mean_dropout, "mean_spend": p.mean_spend,
                }
            )
        return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class Shop:
    """A simulated shop: its tables, its planted truth and its window.

    ``transactions`` columns: :data:`TRANSACTION_COLUMNS`; ``orders``:
    :data:`ORDER_COLUMNS`; ``customers``: :data:`CUSTOMER_COLUMNS`;
    ``products``: :data:`PRODUCT_COLUMNS`.  Purchases happen in
    ``[start, as_of)``; ``as_of = start + days``.
    """

    transactions: pd.DataFrame
    orders: pd.DataFrame
    customers: pd.DataFrame
    products: pd.DataFrame
    truth: ShopTruth
    start: pd.Timestamp
    as_of: pd.Timestamp

    @property
    def end(self) -> pd.Timestamp:
        """Alias of ``as_of``: the (exclusive) end of the observation window."""
        return self.as_of


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _check_int(name: str, value: Any, minimum: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DataError(
            f"{name} must be an integer >= {minimum}, got {value!r}",
            column=name,
            fix=fix,
        )
    return int(value)


def _check_float(name: str, value: Any, low: float, high: float, fix: str,
                 *, open_low: bool = True, open_high: bool = True) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = np.isfinite(v) and (v > low if open_low else v >= low) and (
            v < high if open_high else v <= high
        )
    if not ok:
        lo = "(" if open_low else "["
        hi = ")" if open_high else "]"
        raise DataError(
            f"{name} must be a number in {lo}{low}, {high}{hi}, got {value!r}",
            column=name,
            fix=fix,
        )
    return float(value)


def _check_start(start: Any) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(start)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"start must be a date such as '2023-01-01', got {start!r}",
            column="start",
            fix="pass an ISO date string, e.g. start='2023-01-01'",
        ) from exc
    if ts is pd.NaT or pd.isna(ts) or ts.tz is not None or ts != ts.normalize():
        raise DataError(
            f"start must be a timezone-naive midnight date, got {start!r}",
            column="start",
            fix="pass a plain date string without a time or timezone, e.g. '2023-01-01'",
        )
    return ts.as_unit("us")


def _check_personas(personas: Sequence[Persona] | None) -> tuple[Persona, ...]:
    if personas is None:
        return DEFAULT_PERSONAS
    personas = tuple(personas)
    if not personas or not all(isinstance(p, Persona) for p in personas):
        raise DataError(
            "personas must be a non-empty sequence of Persona",
            column="personas",
            fix="pass e.g. personas=DEFAULT_PERSONAS[:2] or build Persona(...) objects",
        )
    names = [p.name for p in personas]
    if len(set(names)) != len(names):
        raise DataError(
            "persona names must be unique", column="personas", rows=names,
            fix="give each Persona a distinct name",
        )
    for p in personas:
        positive = {"share": p.share, "r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b,
                    "gg_p": p.gg_p, "gg_q": p.gg_q, "gg_gamma": p.gg_gamma}
        bad = {k: v for k, v in positive.items() if not (np.isfinite(v) and v > 0)}
        if bad or p.basket_mean < 1 or len(p.taste) != _STYLE_DIM or len(p.channel_probs) != 3:
            raise DataError(
                f"persona {p.name!r} has invalid parameters",
                column="personas",
                rows=[f"{k}={v}" for k, v in bad.items()] or [p],
                fix="use share, r, alpha, a, b, gg_p, gg_q, gg_gamma > 0, basket_mean >= 1, "
                "a taste of 3 numbers and 3 channel probabilities",
            )
        if min(p.channel_probs) < 0 or abs(sum(p.channel_probs) - 1) > 1e-9:
            raise DataError(
                f"persona {p.name!r}: channel_probs must be >= 0 and sum to 1",
                column="personas", rows=[p.channel_probs],
                fix="give three probabilities for web, app, marketplace summing to 1",
            )
    total = sum(p.share for p in personas)
    if abs(total - 1.0) > 1e-6:
        raise DataError(
            f"persona shares must sum to 1, they sum to {total:.6g}",
            column="personas",
            rows=[f"{p.name}: {p.share}" for p in personas],
            fix="rescale the shares so that they add up to 1",
        )
    return personas


def _check_calendar(calendar: Calendar | None) -> Calendar:
    if calendar is None:
        return Calendar()
    if not isinstance(calendar, Calendar):
        raise DataError(
            f"calendar must be a Calendar, got {type(calendar).__name__}",
            column="calendar", fix="pass Calendar(...) or Calendar.flat() or None",
        )
    arrays = {"weekly": (calendar.weekly, 7), "hourly": (calendar.hourly, 24)}
    for name, (values, n) in arrays.items():
        v = np.asarray(values, dtype=np.float64)
        if v.shape != (n,) or not np.all(np.isfinite(v)) or np.any(v <= 0):
            raise DataError(
                f"calendar.{name} must be {n} positive multipliers",
                column=f"calendar.{name}", rows=[values],
                fix=f"give exactly {n} numbers > 0",
            )
    scalars = {
        "black_friday_uplift": calendar.black_friday_uplift,
        "christmas_uplift": calendar.christmas_uplift,
        "christmas_dip": calendar.christmas_dip,
    }
    for name, value in scalars.items():
        _check_float(f"calendar.{name}", value, 0.0, np.inf, "use a multiplier > 0")
    _check_float("calendar.yearly_amplitude", calendar.yearly_amplitude, 0.0, 1.0,
                 "use an amplitude in [0, 1)", open_low=False)
    _check_float("calendar.trend_per_year", calendar.trend_per_year, -1.0, np.inf,
                 "use a growth rate > -1 (e.g. 0.1 for +10 % a year)")
    for promo in calendar.promotions:
        if not (promo.uplift > 0 and 0 <= promo.discount < 1 and promo.length >= 1):
            raise DataError(
                f"promotion {promo.name!r} is invalid", column="calendar.promotions",
                rows=[promo], fix="use uplift > 0, 0 <= discount < 1 and length >= 1",
            )
        try:
            _dt.date(2000, promo.month, promo.day)
        except ValueError as exc:
            raise DataError(
                f"promotion {promo.name!r} has no valid month/day", column="calendar.promotions",
                rows=[promo], fix="use a real calendar date for month and day",
            ) from exc
    return calendar


# --------------------------------------------------------------------------
# Shared context: catalogue + calendar (identical for every chunk)
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Context:
    start: pd.Timestamp
    days: int
    personas: tuple[Persona, ...]
    calendar: Calendar
    # catalogue
    n_products: int
    product_category: np.ndarray  # int index into CATEGORIES
    product_description: np.ndarray  # str objects
    base_price: np.ndarray
    popularity: np.ndarray
    V: np.ndarray
    price_log_mean: float
    price_log_sd: float
    # calendar
    daily: np.ndarray  # normalised daily multipliers
    hourly: np.ndarray  # normalised hourly profile
    warp_cum: np.ndarray  # Lambda at hour-bin edges, length 24*days + 1
    warp_rate: np.ndarray  # m_h per hour bin
    discount: np.ndarray  # per day
    holidays: pd.DataFrame
    promotions: pd.DataFrame
    # knobs
    temperature: float
    taste_noise: float
    acquisition_decay: float
    country_mismatch_rate: float
    main_channel_prob: float
    max_quantity: int


def _make_catalogue(n_products: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    n_cat = len(CATEGORIES)
    counts = np.full(n_cat, n_products // n_cat)
    counts[: n_products % n_cat] += 1
    cats, descs, nominal = [], [], []
    for c, name in enumerate(CATEGORIES):
        adjectives, nouns = _VOCABULARY[name]
        noun_names = list(nouns)
        n_combo = len(adjectives) * len(noun_names) * len(_COLOURS)
        picks = rng.choice(n_combo, size=counts[c], replace=False)
        adj_i, rest = np.divmod(picks, len(noun_names) * len(_COLOURS))
        noun_i, col_i = np.divmod(rest, len(_COLOURS))
        for a_i, n_i, k_i in zip(adj_i, noun_i, col_i, strict=True):
            noun = noun_names[n_i]
            descs.append(f"{adjectives[a_i]} {noun}, {_COLOURS[k_i]}")
            nominal.append(nouns[noun])
            cats.append(c)
    cats_a = np.asarray(cats, dtype=np.int64)
    desc_a = np.asarray(descs, dtype=object)
    nominal_a = np.asarray(nominal, dtype=np.float64)
    # shuffle so that product ids are not grouped by category
    perm = rng.permutation(n_products)
    cats_a, desc_a, nominal_a = cats_a[perm], desc_a[perm], nominal_a[perm]
    raw = nominal_a * np.exp(rng.normal(0.0, _PRICE_NOISE, n_products))
    base_price = np.maximum(np.round(raw) - 0.01, 0.99)
    log_price = np.log(base_price)
    price_log_mean = float(log_price.mean())
    price_log_sd = float(log_price.std()) or 1.0
    V = np.empty((n_products, LATENT_DIM))
    V[:, :_STYLE_DIM] = _CATEGORY_CENTRES[cats_a] + rng.normal(
        0.0, _PRODUCT_STYLE_NOISE, (n_products, _STYLE_DIM)
    )
    V[:, _STYLE_DIM] = (log_price - price_log_mean) / price_log_sd
    cat_pop = np.array([_CATEGORY_POPULARITY[c] for c in CATEGORIES])
    cat_pop = cat_pop / cat_pop.sum()
    popularity = cat_pop[cats_a] * np.exp(rng.normal(0.0, _POPULARITY_NOISE, n_products))
    popularity = popularity / popularity.sum()
    return {
        "product_category": cats_a,
        "product_description": desc_a,
        "base_price": base_price,
        "popularity": popularity,
        "V": V,
        "price_log_mean": price_log_mean,
        "price_log_sd": price_log_sd,
    }


def _black_friday(year: int) -> pd.Timestamp:
    nov1 = pd.Timestamp(year=year, month=11, day=1)
    first_thursday = nov1 + pd.Timedelta(days=(3 - nov1.day_of_week) % 7)
    return first_thursday + pd.Timedelta(days=22)


def _make_calendar(start: pd.Timestamp, days: int, cal: Calendar) -> dict[str, Any]:
    dates = pd.date_range(start, periods=days, freq="D", unit="us")
    t_years = np.arange(days) / 365.25
    dow = dates.day_of_week.to_numpy()
    doy = dates.day_of_year.to_numpy().astype(np.float64)
    raw = (
        (1.0 + cal.trend_per_year) ** t_years
        * np.asarray(cal.weekly, dtype=np.float64)[dow]
        * (1.0 + cal.yearly_amplitude * np.cos(2 * np.pi * (doy - cal.yearly_peak_day) / 365.25))
    )
    holiday_rows: list[tuple[pd.Timestamp, str, float]] = []
    promo_rows: list[tuple[str, pd.Timestamp, pd.Timestamp, float, float]] = []
    for year in range(dates[0].year - 1, dates[-1].year + 1):
        bf = _black_friday(year)
        for k, label in enumerate(("Black Friday", "Black Friday weekend",
                                   "Black Friday weekend", "Cyber Monday")):
            holiday_rows.append((bf + pd.Timedelta(days=k), label, cal.black_friday_uplift))
        for d in range(1, 22):
            holiday_rows.append((pd.Timestamp(year=year, month=12, day=d),
                                 "Christmas run-up", cal.christmas_uplift))
        for d in (24, 25, 26):
            holiday_rows.append((pd.Timestamp(year=year, month=12, day=d),
                                 "Christmas", cal.christmas_dip))
        for promo in cal.promotions:
            p0 = pd.Timestamp(year=year, month=promo.month, day=promo.day)
            promo_rows.append((promo.name, p0, p0 + pd.Timedelta(days=promo.length - 1),
                               promo.uplift, promo.discount))
    holidays = pd.DataFrame(holiday_rows, columns=["date", "name", "uplift"])
    holidays["date"] = holidays["date"].astype("datetime64[us]")
    holidays = holidays[(holidays["date"] >= dates[0]) & (holidays["date"] <= dates[-1])]
    holidays = holidays[holidays["uplift"] != 1.0].reset_index(drop=True)
    promotions = pd.DataFrame(promo_rows, columns=["name", "start", "end", "uplift", "discount"])
    for col in ("start", "end"):
        promotions[col] = promotions[col].astype("datetime64[us]")
    promotions = promotions[(promotions["end"] >= dates[0]) & (promotions["start"] <= dates[-1])]
    promotions = promotions.sort_values("start", kind="stable").reset_index(drop=True)

    day_index = pd.Series(np.arange(days), index=dates)
    holiday_mult = np.ones(days)
    if len(holidays):
        idx = day_index.reindex(holidays["date"]).to_numpy()
        holiday_mult[idx] = holidays["uplift"].to_numpy()
    promo_mult = np.ones(days)
    discount = np.zeros(days)
    for row in promotions.itertuples(index=False):
        in_window = np.asarray((dates >= row.start) & (dates <= row.end))
        promo_mult[in_window] = row.uplift
        discount[in_window] = row.discount
    daily = raw * holiday_mult * promo_mult
    daily = daily / daily.mean()
    hourly = np.asarray(cal.hourly, dtype=np.float64)
    hourly = hourly / hourly.mean()
    rate = (daily[:, None] * hourly[None, :]).ravel()
    cum = np.concatenate([[0.0], np.cumsum(rate / 24.0)])
    cum[-1] = float(days)  # exact by construction up to rounding
    return {
        "dates": dates,
        "daily": daily,
        "hourly": hourly,
        "warp_cum": cum,
        "warp_rate": rate,
        "discount": discount,
        "holidays": holidays,
        "promotions": promotions,
    }


def _build_context(
    *,
    seed: int,
    start: Any,
    days: Any,
    personas: Sequence[Persona] | None,
    calendar: Calendar | None,
    n_products: Any,
    temperature: Any,
    taste_noise: Any,
    acquisition_decay: Any,
    country_mismatch_rate: Any,
    main_channel_prob: Any,
    max_quantity: Any,
) -> _Context:
    _check_int("seed", seed, 0, "pass a non-negative integer seed, e.g. seed=0")
    start_ts = _check_start(start)
    days = _check_int("days", days, 7, "use a window of at least a week, e.g. days=730")
    max_products = len(CATEGORIES) * min(
        len(adj) * len(nouns) * len(_COLOURS) for adj, nouns in _VOCABULARY.values()
    )
    n_products = _check_int(
        "n_products", n_products, len(CATEGORIES),
        f"use between {len(CATEGORIES)} and {max_products} products, e.g. n_products=400",
    )
    if n_products > max_products:
        raise DataError(
            f"n_products must be at most {max_products}, got {n_products}",
            column="n_products",
            fix=f"use at most {max_products} products (the vocabulary's distinct names)",
        )
    personas_t = _check_personas(personas)
    cal = _check_calendar(calendar)
    temperature = _check_float("temperature", temperature, 0.0, np.inf,
                               "use a positive softmax temperature, e.g. 0.5")
    taste_noise = _check_float("taste_noise", taste_noise, 0.0, np.inf,
                               "use a standard deviation >= 0, e.g. 0.7", open_low=False)
    acquisition_decay = _check_float(
        "acquisition_decay", acquisition_decay, 0.0, 50.0,
        "use a decay >= 0 (0 = uniform acquisition), e.g. 2.5", open_low=False,
    )
    country_mismatch_rate = _check_float(
        "country_mismatch_rate", country_mismatch_rate, 0.0, 1.0,
        "use a probability in [0, 1), e.g. 0.04", open_low=False,
    )
    main_channel_prob = _check_float(
        "main_channel_prob", main_channel_prob, 0.0, 1.0,
        "use a probability in [0, 1], e.g. 0.85", open_low=False, open_high=False,
    )
    max_quantity = _check_int("max_quantity", max_quantity, 1,
                              "use a cap of at least 1 unit per line, e.g. 100")
    catalogue = _make_catalogue(n_products, seed)
    calendar_arrays = _make_calendar(start_ts, days, cal)
    return _Context(
        start=start_ts,
        days=days,
        personas=personas_t,
        calendar=cal,
        n_products=n_products,
        product_category=catalogue["product_category"],
        product_description=catalogue["product_description"],
        base_price=catalogue["base_price"],
        popularity=catalogue["popularity"],
        V=catalogue["V"],
        price_log_mean=catalogue["price_log_mean"],
        price_log_sd=catalogue["price_log_sd"],
        daily=calendar_arrays["daily"],
        hourly=calendar_arrays["hourly"],
        warp_cum=calendar_arrays["warp_cum"],
        warp_rate=calendar_arrays["warp_rate"],
        discount=calendar_arrays["discount"],
        holidays=calendar_arrays["holidays"],
        promotions=calendar_arrays["promotions"],
        temperature=temperature,
        taste_noise=taste_noise,
        acquisition_decay=acquisition_decay,
        country_mismatch_rate=country_mismatch_rate,
        main_channel_prob=main_channel_prob,
        max_quantity=max_quantity,
    )


# --------------------------------------------------------------------------
# The simulation of one chunk of customers (fully vectorised)
# --------------------------------------------------------------------------


def _warp_inverse(ctx: _Context, tau: np.ndarray) -> np.ndarray:
    """Calendar time in days ``t = Lambda^{-1}(tau)`` (piecewise linear per hour)."""
    cum = ctx.warp_cum
    k = np.searchsorted(cum, tau, side="right") - 1
    k = np.clip(k, 0, len(ctx.warp_rate) - 1)
    t = k / 24.0 + (tau - cum[k]) / ctx.warp_rate[k]
    return np.clip(t, 0.0, np.nextafter(float(ctx.days), 0.0))


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


@dataclass(eq=False)
class _Chunk:
    # customers (local index 0..n-1)
    persona: np.ndarray
    lam: np.ndarray
    p: np.ndarray
    nu: np.ndarray
    U: np.ndarray
    country: np.ndarray
    main_channel: np.ndarray
    first_sec: np.ndarray  # seconds since start of the first purchase
    dropout_sec: np.ndarray  # seconds since start of dropout, -1 if alive
    alive: np.ndarray
    n_orders: np.ndarray
    # orders (sorted by timestamp, local customer, operational time)
    o_cust: np.ndarray
    o_sec: np.ndarray
    o_first: np.ndarray
    o_channel: np.ndarray
    o_ship: np.ndarray
    o_target: np.ndarray
    o_promo: np.ndarray
    o_lines: np.ndarray
    o_units: np.ndarray
    o_value: np.ndarray
    # lines (sorted by order, product)
    l_order: np.ndarray
    l_product: np.ndarray
    l_quantity: np.ndarray
    l_price: np.ndarray


def _simulate_chunk(ctx: _Context, n: int, seed: int, chunk: int) -> _Chunk:
    """Simulate ``n`` customers of chunk ``chunk`` (see the module docstring)."""
    streams = np.random.SeedSequence(seed, spawn_key=(1, chunk)).spawn(4)
    rng_cust, rng_buy, rng_order, rng_basket = (np.random.default_rng(s) for s in streams)
    personas = ctx.personas
    days = ctx.days

    # --- 2. customers -----------------------------------------------------
    shares = np.array([p.share for p in personas])
    shares = shares / shares.sum()
    persona = np.searchsorted(np.cumsum(shares)[:-1], rng_cust.random(n), side="right")
    r = np.array([p.r for p in personas])[persona]
    alpha = np.array([p.alpha for p in personas])[persona]
    a = np.array([p.a for p in personas])[persona]
    b = np.array([p.b for p in personas])[persona]
    gg_q = np.array([p.gg_q for p in personas])[persona]
    gg_gamma = np.array([p.gg_gamma for p in personas])[persona]
    lam = rng_cust.gamma(r, 1.0 / alpha)
    p = rng_cust.beta(a, b)
    nu = rng_cust.gamma(gg_q, 1.0 / gg_gamma)
    taste = np.array([[*q.taste, q.price_affinity] for q in personas])
    U = taste[persona] + rng_cust.normal(0.0, 1.0, (n, LATENT_DIM)) * ctx.taste_noise
    country_p = np.array([w for _, w in COUNTRIES])
    country_p = country_p / country_p.sum()
    country = np.searchsorted(np.cumsum(country_p)[:-1], rng_cust.random(n), side="right")
    channel_p = np.array([q.channel_probs for q in personas])
    main_channel = _categorical_rows(rng_cust, channel_p, persona)

    # --- 4. acquisition in operational time -------------------------------
    u0 = rng_buy.random(n)
    kappa = ctx.acquisition_decay
    if kappa > 0:
        tau0 = -days / kappa * np.log1p(-u0 * -np.expm1(-kappa))
    else:
        tau0 = u0 * days
    tau0 = np.clip(tau0, 0.0, np.nextafter(float(days), 0.0))

    # --- 5. BG/NBD repeat purchases -----------------------------------------
    remaining = days - tau0  # operational days left
    n_events = rng_buy.poisson(lam * remaining / 7.0)
    n_until_death = rng_buy.geometric(np.clip(p, 1e-12, 1.0))
    x = np.minimum(n_events, n_until_death)
    died = n_until_death <= n_events
    last_frac = rng_buy.beta(np.maximum(x, 1), n_events - x + 1)
    total = int(x.sum())
    rep_cust = np.repeat(np.arange(n), x)
    u = rng_buy.random(total)
    ends = np.cumsum(x) - 1
    ends = ends[x > 0]
    u[ends] = 1.0  # the x-th order statistic is last_frac itself
    u = u[np.lexsort((u, rep_cust))]
    rep_tau = tau0[rep_cust] + remaining[rep_cust] * last_frac[rep_cust] * u

    # --- orders in calendar time -------------------------------------------
    o_cust_raw = np.concatenate([np.arange(n), rep_cust])
    o_tau = np.concatenate([tau0, rep_tau])
    o_first_raw = np.concatenate([np.ones(n, bool), np.zeros(total, bool)])
    o_t = _warp_inverse(ctx, o_tau)
    o_sec_raw = np.floor(o_t * 86400.0).astype(np.int64)
    order = np.lexsort((o_tau, o_cust_raw, o_sec_raw))
    o_cust = o_cust_raw[order]
    o_sec = o_sec_raw[order]
    o_first = o_first_raw[order]
    n_ord = len(o_cust)

    first_sec = o_sec_raw[:n]
    dropout_sec = np.full(n, -1, dtype=np.int64)
    if total:
        end_cust = rep_cust[ends]  # customers with at least one repeat, in order
        dead = died[end_cust]  # died implies x = K >= 1: the last repeat is the dropout
        dropout_sec[end_cust[dead]] = o_sec_raw[n + ends][dead]
    n_orders = 1 + x

    # --- order attributes ----------------------------------------------------
    o_day = o_sec // 86400
    o_discount = ctx.discount[o_day]
    o_promo = o_discount > 0
    switch = rng_order.random(n_ord) >= ctx.main_channel_prob
    other = rng_order.integers(0, len(CHANNELS), n_ord)
    o_channel = np.where(switch, other, main_channel[o_cust])
    mismatch = rng_order.random(n_ord) < ctx.country_mismatch_rate
    # a different country, uniformly among the others
    shift = rng_order.integers(1, len(COUNTRIES), n_ord)
    o_ship = np.where(mismatch, (country[o_cust] + shift) % len(COUNTRIES), country[o_cust])
    gg_p = np.array([q.gg_p for q in personas])[persona]
    o_target = rng_order.gamma(gg_p[o_cust], 1.0 / nu[o_cust])
    basket_mean = np.array([q.basket_mean for q in personas])[persona]
    o_draw_lines = 1 + rng_order.poisson(basket_mean[o_cust] - 1.0)

    # --- 6. baskets: products by taste ---------------------------------------
    weights = (U @ ctx.V.T) / ctx.temperature + np.log(ctx.popularity)[None, :]
    weights -= weights.max(axis=1, keepdims=True)
    np.exp(weights, out=weights)
    # expected base price of one line of customer i: sum_j P(j | i) price_j
    probs_price = (weights @ ctx.base_price) / weights.sum(axis=1)
    np.cumsum(weights, axis=1, out=weights)
    weights /= weights[:, -1:]
    weights[:, -1] = 1.0
    # no more lines than the budget affords at the customer's typical price
    affordable = np.floor(o_target / probs_price[o_cust]).astype(np.int64)
    o_draw_lines = np.clip(affordable, 1, o_draw_lines)
    l_order_raw = np.repeat(np.arange(n_ord), o_draw_lines)
    l_cust = o_cust[l_order_raw]
    l_product_raw = _row_search(weights, l_cust, rng_basket.random(len(l_order_raw)))
    del weights
    P = ctx.n_products
    key = l_order_raw * P + l_product_raw
    key = np.sort(key)
    keep = np.ones(len(key), bool)
    keep[1:] = key[1:] != key[:-1]
    key = key[keep]
    l_order, l_product = np.divmod(key, P)
    o_lines = np.bincount(l_order, minlength=n_ord)
    l_price = np.round(ctx.base_price[l_product] * (1.0 - o_discount[l_order]), 2)
    l_quantity = np.clip(
        np.rint(o_target[l_order] / (o_lines[l_order] * l_price)), 1, ctx.max_quantity
    ).astype(np.int64)
    o_units = np.bincount(l_order, weights=l_quantity, minlength=n_ord).astype(np.int64)
    o_value = np.round(np.bincount(l_order, weights=l_quantity * l_price, minlength=n_ord), 2)

    return _Chunk(
        persona=persona, lam=lam, p=p, nu=nu, U=U, country=country,
        main_channel=main_channel, first_sec=first_sec, dropout_sec=dropout_sec,
        alive=~died, n_orders=n_orders,
        o_cust=o_cust, o_sec=o_sec, o_first=o_first, o_channel=o_channel, o_ship=o_ship,
        o_target=o_target, o_promo=o_promo, o_lines=o_lines, o_units=o_units,
        o_value=o_value,
        l_order=l_order, l_product=l_product, l_quantity=l_quantity, l_price=l_price,
    )


# --------------------------------------------------------------------------
# Arrow helpers
# --------------------------------------------------------------------------


def _id_bytes(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """Fixed-width ids such as ``O0000123`` as a ``(n, width + 1)`` byte matrix.

    The width is 7 digits for orders, 6 for customers and 4 for products, and
    grows only if a number does not fit (ids stay unique, not zero-padded alike).
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    width = _ID_WIDTH[prefix]
    if len(numbers) and numbers.max() >= 10**width:
        width = len(str(int(numbers.max())))
    buf = np.empty((len(numbers), width + 1), dtype=np.uint8)
    buf[:, 0] = ord(prefix)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    buf[:, 1:] = (numbers[:, None] // powers[None, :]) % 10 + ord("0")
    return buf


def _strings_from_bytes(buf: np.ndarray) -> pa.LargeStringArray:
    """An Arrow string array over the rows of a fixed-width byte matrix (no copy loop)."""
    n, width = buf.shape
    offsets = np.arange(n + 1, dtype=np.int64) * width
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf).reshape(-1))
    )


def _id_array(prefix: str, numbers: np.ndarray, take: np.ndarray | None = None) -> pa.Array:
    """Ids for ``numbers`` (optionally gathered by ``take``, e.g. one per line)."""
    buf = _id_bytes(prefix, numbers)
    return _strings_from_bytes(buf if take is None else buf[take])


def _take_strings(values: Sequence[str], index: np.ndarray) -> pa.Array:
    return pa.array(list(values), type=pa.large_string()).take(pa.array(index))


def _timestamps(start: pd.Timestamp, seconds: np.ndarray) -> pa.TimestampArray:
    us = start.value // 1000 + seconds.astype(np.int64) * 1_000_000
    return pa.array(us, type=pa.timestamp("us"))


def transactions_schema() -> pa.Schema:
    """The Arrow schema of ``Shop.transactions`` (and of the Parquet file)."""
    return pa.schema(
        [
            (ORDER, pa.large_string()),
            (CUSTOMER, pa.large_string()),
            (PRODUCT, pa.large_string()),
            (QUANTITY, pa.int64()),
            (PRICE, pa.float64()),
            (TIMESTAMP, pa.timestamp("us")),
            (DESCRIPTION, pa.large_string()),
            (CATEGORY, pa.large_string()),
            (COUNTRY, pa.large_string()),
            (CHANNEL, pa.large_string()),
        ]
    )


def _chunk_rows(ch: _Chunk, rows: np.ndarray | None) -> tuple[np.ndarray, ...]:
    if rows is None:
        return ch.l_order, ch.l_product, ch.l_quantity, ch.l_price
    return ch.l_order[rows], ch.l_product[rows], ch.l_quantity[rows], ch.l_price[rows]


def _order_id_column(ch: _Chunk, order_offset: int, rows: np.ndarray | None) -> pa.Array:
    l_order = _chunk_rows(ch, rows)[0]
    return _id_array("O", order_offset + np.arange(len(ch.o_cust)), l_order)


def _transactions_without_order_id(
    ctx: _Context, ch: _Chunk, customer_offset: int, rows: np.ndarray | None = None
) -> pa.Table:
    """All transaction columns but ``order_id`` (which needs the earlier chunks' counts)."""
    l_order, l_product, l_quantity, l_price = _chunk_rows(ch, rows)
    cust = ch.o_cust[l_order]
    country_names = [c for c, _ in COUNTRIES]
    columns = [
        _id_array("C", customer_offset + np.arange(len(ch.lam)), cust),
        _id_array("P", np.arange(ctx.n_products), l_product),
        pa.array(l_quantity, type=pa.int64()),
        pa.array(l_price, type=pa.float64()),
        _timestamps(ctx.start, ch.o_sec[l_order]),
        pa.array(ctx.product_description, type=pa.large_string()).take(pa.array(l_product)),
        _take_strings(CATEGORIES, ctx.product_category[l_product]),
        _take_strings(country_names, ch.country[cust]),
        _take_strings(CHANNELS, ch.o_channel[l_order]),
    ]
    schema = transactions_schema()
    return pa.Table.from_arrays(columns, schema=pa.schema(list(schema)[1:]))


def _transactions_table(
    ctx: _Context, ch: _Chunk, customer_offset: int, order_offset: int,
    rows: np.ndarray | None = None,
) -> pa.Table:
    rest = _transactions_without_order_id(ctx, ch, customer_offset, rows)
    return rest.add_column(0, transactions_schema().field(0), _order_id_column(ch, order_offset, rows))


def _simulate_job(
    ctx: _Context, n: int, seed: int, chunk: int, customer_offset: int
) -> tuple[_Chunk, pa.Table]:
    """Worker job of :func:`write_shop_parquet`: one chunk and its table sans order ids."""
    ch = _simulate_chunk(ctx, n, seed, chunk)
    return ch, _transactions_without_order_id(ctx, ch, customer_offset)


# --------------------------------------------------------------------------
# Fraud
# --------------------------------------------------------------------------


def fraud_design_matrix(orders: pd.DataFrame) -> pd.DataFrame:
    r"""The planted fraud model's features ``x_o`` from observable order columns.

    Columns :data:`FRAUD_FEATURES` as float64: ``is_new_customer``, ``night``
    (hour 0-5), ``value_zscore`` (``(log order_value - mean) / sd``),
    ``country_mismatch``, ``channel_app = [channel == "app"]`` and
    ``channel_marketplace = [channel == "marketplace"]`` (web is the baseline).
    The planted probability is ``sigmoid(beta0 + x_o . beta)``.
    """
    needed = ["is_new_customer", "night", "value_zscore", "country_mismatch", CHANNEL]
    missing = [c for c in needed if c not in orders.columns]
    if missing:
        raise DataError(
            "orders table lacks the fraud feature columns",
            source="orders", rows=missing,
            fix="pass Shop.orders (as returned by make_shop)",
        )
    channel = orders[CHANNEL]
    return pd.DataFrame(
        {
            "is_new_customer": orders["is_new_customer"].astype(np.float64),
            "night": orders["night"].astype(np.float64),
            "value_zscore": orders["value_zscore"].astype(np.float64),
            "country_mismatch": orders["country_mismatch"].astype(np.float64),
            "channel_app": (channel == "app").astype(np.float64),
            "channel_marketplace": (channel == "marketplace").astype(np.float64),
        },
        index=orders.index,
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _solve_intercept(linear: np.ndarray, rate: float) -> float:
    """``beta0`` with ``mean(sigmoid(beta0 + linear)) = rate`` (bisection, monotone)."""
    lo, hi = -40.0, 40.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if _sigmoid(mid + linear).mean() < rate:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def make_shop(
    n_customers: int = 2000,
    seed: int = 0,
    *,
    start: str = "2023-01-01",
    days: int = 730,
    personas: Sequence[Persona] | None = None,
    calendar: Calendar | None = None,
    n_products: int = 400,
    temperature: float = 0.5,
    taste_noise: float = 0.7,
    acquisition_decay: float = 2.5,
    country_mismatch_rate: float = 0.04,
    main_channel_prob: float = 0.85,
    max_quantity: int = 100,
    fraud_rate: float = 0.02,
    fraud_intercept: float | None = None,
    fraud_coefficients: Mapping[str, float] | None = None,
) -> Shop:
    r"""Simulate the built-in shop (see the module docstring for the story).

    Parameters
    ----------
    n_customers, seed
        Number of customers and the seed of every random draw.
    start, days
        Observation window ``[start, start + days)``.
    personas
        Customer types (default :data:`DEFAULT_PERSONAS`); shares sum to 1.
    calendar
        Demand calendar (default :class:`Calendar` ``()``; ``Calendar.flat()``
        makes calendar time equal to operational time).
    n_products, temperature, taste_noise
        Catalogue size; softmax temperature of ``P(j|i) ∝ pi_j exp(U_i.V_j/T)``;
        sd of the customer's taste around its persona's.
    acquisition_decay
        ``kappa`` of the acquisition density ``∝ exp(-kappa tau / days)``.
    country_mismatch_rate, main_channel_prob, max_quantity
        P(shipping country differs); P(an order uses the main channel);
        cap on units per line.
    fraud_rate, fraud_intercept, fraud_coefficients
        The planted logistic model ``P(fraud) = sigmoid(beta0 + x . beta)``.
        With ``fraud_intercept=None`` ``beta0`` is solved so that the mean
        probability equals ``fraud_rate``; coefficients default to
        :data:`DEFAULT_FRAUD_COEFFICIENTS` (keys: :data:`FRAUD_FEATURES`).

    Returns
    -------
    Shop
        Tables sorted by time (transactions by timestamp then order id) and
        the planted :class:`ShopTruth`.

    Raises
    ------
    DataError
        For any invalid argument, naming it and how to fix it.
    """
    n_customers = _check_int(
        "n_customers", n_customers, 1, "use at least one customer, e.g. n_customers=2000"
    )
    ctx = _build_context(
        seed=seed, start=start, days=days, personas=personas, calendar=calendar,
        n_products=n_products, temperature=temperature, taste_noise=taste_noise,
        acquisition_decay=acquisition_decay, country_mismatch_rate=country_mismatch_rate,
        main_channel_prob=main_channel_prob, max_quantity=max_quantity,
    )
    if fraud_intercept is None:
        fraud_rate_target: float | None = _check_float(
            "fraud_rate", fraud_rate, 0.0, 1.0, "use a rate in (0, 1), e.g. fraud_rate=0.02"
        )
    else:
        fraud_rate_target = None
        fraud_intercept = _check_float(
            "fraud_intercept", fraud_intercept, -np.inf, np.inf, "use a finite number, e.g. -4.5"
        )
    coefs = dict(DEFAULT_FRAUD_COEFFICIENTS if fraud_coefficients is None else fraud_coefficients)
    if set(coefs) != set(FRAUD_FEATURES) or not all(
        isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v)
        for v in coefs.values()
    ):
        raise DataError(
            "fraud_coefficients must give a finite number for each fraud feature",
            column="fraud_coefficients",
            rows=sorted(set(coefs) ^ set(FRAUD_FEATURES)),
            fix=f"pass a dict with exactly the keys {list(FRAUD_FEATURES)}",
        )
    coefs = {k: float(coefs[k]) for k in FRAUD_FEATURES}

    ch = _simulate_chunk(ctx, n_customers, int(seed), 0)
    transactions = _transactions_table(ctx, ch, 0, 0).to_pandas()

    # products
    products = pd.DataFrame(
        {
            PRODUCT: _id_array("P", np.arange(ctx.n_products)).to_pandas(),
            DESCRIPTION: pd.array(ctx.product_description.tolist(), dtype="str"),
            CATEGORY: pd.array([CATEGORIES[c] for c in ctx.product_category], dtype="str"),
            "base_price": ctx.base_price,
            "popularity": ctx.popularity,
        }
    )

    # customers
    start_ts = ctx.start
    persona_names = [p.name for p in ctx.personas]
    country_names = [c for c, _ in COUNTRIES]
    gg_p = np.array([p.gg_p for p in ctx.personas])[ch.persona]
    dropout = pd.Series(
        _timestamps(start_ts, np.maximum(ch.dropout_sec, 0)).to_pandas()
    ).where(ch.dropout_sec >= 0)
    customers = pd.DataFrame(
        {
            CUSTOMER: _id_array("C", np.arange(n_customers)).to_pandas(),
            "persona": pd.array([persona_names[k] for k in ch.persona], dtype="str"),
            "first_purchase": _timestamps(start_ts, ch.first_sec).to_pandas(),
            "lam": ch.lam,
            "p": ch.p,
            "dropout_time": dropout.astype("datetime64[us]"),
            "alive": ch.alive,
            "spend_nu": ch.nu,
            "expected_spend": gg_p / ch.nu,
            "country": _take_strings(country_names, ch.country).to_pandas(),
            "channel": _take_strings(CHANNELS, ch.main_channel).to_pandas(),
            "n_orders": ch.n_orders.astype(np.int64),
        }
    )

    # orders + fraud
    hour = (ch.o_sec % 86400) // 3600
    log_value = np.log(ch.o_value)
    value_log_mean = float(log_value.mean())
    value_log_sd = float(log_value.std()) or 1.0
    orders = pd.DataFrame(
        {
            ORDER: _id_array("O", np.arange(len(ch.o_cust))).to_pandas(),
            CUSTOMER: _id_array("C", ch.o_cust).to_pandas(),
            TIMESTAMP: _timestamps(start_ts, ch.o_sec).to_pandas(),
            "n_lines": ch.o_lines.astype(np.int64),
            "n_units": ch.o_units,
            "order_value": ch.o_value,
            "target_value": ch.o_target,
            "promo": ch.o_promo,
            "country": _take_strings(country_names, ch.country[ch.o_cust]).to_pandas(),
            "shipping_country": _take_strings(country_names, ch.o_ship).to_pandas(),
            "channel": _take_strings(CHANNELS, ch.o_channel).to_pandas(),
            "hour": hour.astype(np.int64),
            "is_new_customer": ch.o_first,
            "night": hour < 6,
            "log_value": log_value,
            "value_zscore": (log_value - value_log_mean) / value_log_sd,
            "country_mismatch": ch.o_ship != ch.country[ch.o_cust],
        }
    )
    X = fraud_design_matrix(orders).to_numpy()
    beta = np.array([coefs[k] for k in FRAUD_FEATURES])
    linear = X @ beta
    if fraud_intercept is None:
        assert fraud_rate_target is not None
        fraud_intercept = _solve_intercept(linear, fraud_rate_target)
    prob = _sigmoid(fraud_intercept + linear)
    rng_fraud = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(2,)))
    orders["fraud_probability"] = prob
    orders["is_fraud"] = rng_fraud.random(len(prob)) < prob

    dates = pd.date_range(start_ts, periods=ctx.days, freq="D", unit="us")
    truth = ShopTruth(
        personas=ctx.personas,
        calendar=ctx.calendar,
        weekly_profile=pd.Series(
            np.asarray(ctx.calendar.weekly, dtype=np.float64),
            index=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], name="weekly",
        ),
        hourly_profile=pd.Series(ctx.hourly, index=pd.RangeIndex(24, name="hour"),
                                 name="hourly"),
        daily_intensity=pd.Series(ctx.daily, index=pd.DatetimeIndex(dates, name="date"),
                                  name="daily_intensity"),
        holidays=ctx.holidays,
        promotions=ctx.promotions,
        acquisition_decay=ctx.acquisition_decay,
        latent_dim=LATENT_DIM,
        temperature=ctx.temperature,
        taste_noise=ctx.taste_noise,
        category_centres=pd.DataFrame(
            _CATEGORY_CENTRES, index=list(CATEGORIES), columns=["style_1", "style_2", "style_3"]
        ),
        category_popularity=pd.Series(_CATEGORY_POPULARITY, name="category_popularity"),
        customer_factors=ch.U,
        product_factors=ctx.V,
        price_log_mean=ctx.price_log_mean,
        price_log_sd=ctx.price_log_sd,
        max_quantity=ctx.max_quantity,
        country_mismatch_rate=ctx.country_mismatch_rate,
        main_channel_prob=ctx.main_channel_prob,
        fraud_features=FRAUD_FEATURES,
        fraud_coefficients=coefs,
        fraud_intercept=float(fraud_intercept),
        fraud_rate_target=fraud_rate_target,
        value_log_mean=value_log_mean,
        value_log_sd=value_log_sd,
        seed=int(seed),
    )
    return Shop(
        transactions=transactions,
        orders=orders,
        customers=customers,
        products=products,
        truth=truth,
        start=start_ts,
        as_of=start_ts + pd.Timedelta(days=ctx.days),
    )


def write_shop_parquet(
    path: str | os.PathLike[str],
    n_rows: int = 10_000_000,
    seed: int = 0,
    *,
    chunk_customers: int = 25_000,
    exact: bool = True,
    compression: str = "snappy",
    workers: int = 2,
    start: str = "2023-01-01",
    days: int = 730,
    personas: Sequence[Persona] | None = None,
    calendar: Calendar | None = None,
    n_products: int = 400,
    temperature: float = 0.5,
    taste_noise: float = 0.7,
    acquisition_decay: float = 2.5,
    country_mismatch_rate: float = 0.04,
    main_channel_prob: float = 0.85,
    max_quantity: int = 100,
) -> dict[str, Any]:
    """Stream the shop's transactions, chunk by chunk of customers, to Parquet.

    Chunk ``c`` simulates ``chunk_customers`` customers with the generator
    seeded by ``SeedSequence(seed, spawn_key=(1, c))`` (the catalogue and the
    calendar are shared); customer ids are offset by ``c * chunk_customers``
    and order ids by the orders of earlier chunks, so ids are unique across
    the file.  Each chunk is sorted by timestamp then order id and written as
    its own row group(s): the file is sorted *within* chunks, not globally.

    With ``exact=True`` (default) the last chunk is trimmed to exactly
    ``n_rows`` rows by keeping its customers in id order: every kept customer
    is complete except at most one, whose latest order lines are cut (so at
    most one order loses some lines).  With ``exact=False`` writing stops at
    the first chunk boundary at or beyond ``n_rows``.  Memory is bounded by
    ``workers + 1`` chunks (about ``chunk_customers * n_products * 8`` bytes for
    each choice matrix plus the chunks' rows): ``workers`` threads simulate
    the next chunks while the current one is written, in chunk order, so the
    result does not depend on ``workers``.  The file has no timestamps in its
    metadata, so the same arguments give a byte-identical file.

    Returns ``{"path", "rows", "customers", "orders", "chunks", "seconds"}``.
    """
    t0 = time.perf_counter()
    n_rows = _check_int("n_rows", n_rows, 1, "ask for at least one row, e.g. n_rows=10_000_000")
    chunk_customers = _check_int(
        "chunk_customers", chunk_customers, 1,
        "use a positive chunk size, e.g. chunk_customers=25_000",
    )
    workers = _check_int("workers", workers, 1, "use at least one worker thread, e.g. workers=2")
    if compression not in ("snappy", "zstd", "gzip", "lz4", "brotli", "none"):
        raise DataError(
            f"compression must be a Parquet codec, got {compression!r}",
            column="compression", fix="use 'snappy' (default), 'zstd' or 'none'",
        )
    ctx = _build_context(
        seed=seed, start=start, days=days, personas=personas, calendar=calendar,
        n_products=n_products, temperature=temperature, taste_noise=taste_noise,
        acquisition_decay=acquisition_decay, country_mismatch_rate=country_mismatch_rate,
        main_channel_prob=main_channel_prob, max_quantity=max_quantity,
    )
    path = Path(path)
    if not path.parent.exists():
        raise DataError(
            f"the folder of path does not exist: {path.parent}",
            source=str(path), column="path",
            fix="create the folder first or choose a path in an existing folder",
        )
    written = 0
    customers = 0
    orders_written = 0
    order_offset = 0
    chunk = 0
    pending: deque[Future[tuple[_Chunk, pa.Table]]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool, pq.ParquetWriter(
        str(path), transactions_schema(), compression=compression,
        write_statistics=True, use_dictionary=True,
    ) as writer:
        try:
            while written < n_rows:
                # keep `workers` chunks simulating ahead while this one is written
                while len(pending) < workers:
                    c = chunk + len(pending)
                    pending.append(
                        pool.submit(_simulate_job, ctx, chunk_customers, int(seed), c,
                                    c * chunk_customers)
                    )
                ch, table = pending.popleft().result()
                n_lines = len(ch.l_order)
                remaining = n_rows - written
                n_cust_kept = chunk_customers
                if exact and n_lines > remaining:
                    # keep whole customers in id order; at most one is cut short
                    line_cust = ch.o_cust[ch.l_order]
                    by_customer = np.argsort(line_cust, kind="stable")
                    mask = np.zeros(n_lines, bool)
                    mask[by_customer[:remaining]] = True
                    rows = np.flatnonzero(mask)
                    n_cust_kept = int(line_cust[by_customer[remaining - 1]]) + 1
                    orders_written += len(np.unique(ch.l_order[rows]))
                    table = _transactions_table(
                        ctx, ch, chunk * chunk_customers, order_offset, rows
                    )
                else:
                    orders_written += len(ch.o_cust)
                    table = table.add_column(
                        0, transactions_schema().field(0),
                        _order_id_column(ch, order_offset, None),
                    )
                writer.write_table(table)
                written += table.num_rows
                customers += n_cust_kept
                order_offset += len(ch.o_cust)
                chunk += 1
                del ch, table
        finally:
            for future in pending:
                future.cancel()
    return {
        "path": str(path),
        "rows": written,
        "customers": customers,
        "orders": orders_written,
        "chunks": chunk,
        "seconds": time.perf_counter() - t0,
    }
