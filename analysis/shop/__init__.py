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
(tested in ``tests/unit/shop/``):

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

Use
===
::

    make_shop(2000, seed=0, days=365)                      # settings as keywords
    config = ShopConfig(seed=0, days=365)                  # or as one checked object
    make_shop(2000, config=config)                         # the same shop
    write_shop_parquet("log.parquet", 1_000_000, config=config)

Modules
=======
``config`` (:class:`ShopConfig`, :class:`Persona`, :class:`Calendar`,
:class:`Promotion` and their checks), ``catalogue`` (vocabulary and products),
``demand`` (the calendar's arrays and the time warp), ``simulate`` (one chunk
of customers), ``fraud`` (the planted fraud model), ``arrow`` (ids and the
transactions table), ``tables`` (:class:`Shop`, :class:`ShopTruth`, columns),
``make`` (:func:`make_shop`) and ``io`` (:func:`write_shop_parquet`).
"""


from analysis.shop.arrow import transactions_schema
from analysis.shop.catalogue import CATEGORIES, CHANNELS, COUNTRIES, LATENT_DIM
from analysis.shop.config import DEFAULT_PERSONAS, Calendar, Persona, Promotion, ShopConfig
from analysis.shop.fraud import DEFAULT_FRAUD_COEFFICIENTS, FRAUD_FEATURES, fraud_design_matrix
from analysis.shop.io import WrittenLog, write_shop_parquet
from analysis.shop.make import make_shop
from analysis.shop.tables import (
    CUSTOMER_COLUMNS,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    TRANSACTION_COLUMNS,
    Shop,
    ShopTruth,
)

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "COUNTRIES",
    "DEFAULT_PERSONAS",
    "FRAUD_FEATURES",
    "DEFAULT_FRAUD_COEFFICIENTS",
    "LATENT_DIM",
    "TRANSACTION_COLUMNS",
    "PRODUCT_COLUMNS",
    "CUSTOMER_COLUMNS",
    "ORDER_COLUMNS",
    "Persona",
    "Calendar",
    "Promotion",
    "ShopConfig",
    "ShopTruth",
    "Shop",
    "WrittenLog",
    "make_shop",
    "fraud_design_matrix",
    "transactions_schema",
    "write_shop_parquet",
]
