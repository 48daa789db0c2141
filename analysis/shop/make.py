""":func:`make_shop`: one chunk of customers as pandas tables with the planted truth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis._checks import check_int
from analysis.schema import CATEGORY, CUSTOMER, DESCRIPTION, ORDER, PRODUCT, TIMESTAMP
from analysis.shop.arrow import COUNTRY_NAMES, id_array, take_strings, timestamps, transactions_table
from analysis.shop.catalogue import (
    CATEGORIES,
    CATEGORY_CENTRES,
    CATEGORY_POPULARITY,
    CHANNELS,
    LATENT_DIM,
)
from analysis.shop.config import ShopConfig, resolve_config
from analysis.shop.fraud import FRAUD_FEATURES, FraudModel
from analysis.shop.simulate import Chunk, Context, build_context, simulate_chunk
from analysis.shop.tables import Shop, ShopTruth

_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _products_frame(ctx: Context) -> pd.DataFrame:
    catalogue = ctx.catalogue
    return pd.DataFrame(
        {
            PRODUCT: id_array("P", np.arange(catalogue.n_products)).to_pandas(),
            DESCRIPTION: pd.array(catalogue.description.tolist(), dtype="str"),
            CATEGORY: pd.array([CATEGORIES[c] for c in catalogue.category], dtype="str"),
            "base_price": catalogue.base_price,
            "popularity": catalogue.popularity,
        }
    )


def _customers_frame(ctx: Context, ch: Chunk) -> pd.DataFrame:
    c, start = ch.customers, ctx.config.start
    personas = ctx.config.personas
    gg_p = np.array([p.gg_p for p in personas])[c.persona]
    dropout = pd.Series(timestamps(start, np.maximum(c.dropout_sec, 0)).to_pandas()).where(
        c.dropout_sec >= 0
    )
    return pd.DataFrame(
        {
            CUSTOMER: id_array("C", np.arange(len(c.lam))).to_pandas(),
            "persona": pd.array([personas[k].name for k in c.persona], dtype="str"),
            "first_purchase": timestamps(start, c.first_sec).to_pandas(),
            "lam": c.lam,
            "p": c.p,
            "dropout_time": dropout.astype("datetime64[us]"),
            "alive": c.alive,
            "spend_nu": c.nu,
            "expected_spend": gg_p / c.nu,
            "country": take_strings(COUNTRY_NAMES, c.country).to_pandas(),
            "channel": take_strings(CHANNELS, c.main_channel).to_pandas(),
            "n_orders": c.n_orders.astype(np.int64),
        }
    )


def _orders_frame(ctx: Context, ch: Chunk) -> tuple[pd.DataFrame, float, float]:
    """The orders without their fraud columns, and the mean and sd of log order value."""
    o, home = ch.orders, ch.customers.country[ch.orders.customer]
    hour = (o.sec % 86400) // 3600
    log_value = np.log(o.value)
    value_log_mean = float(log_value.mean())
    value_log_sd = float(log_value.std()) or 1.0
    orders = pd.DataFrame(
        {
            ORDER: id_array("O", np.arange(len(o.customer))).to_pandas(),
            CUSTOMER: id_array("C", o.customer).to_pandas(),
            TIMESTAMP: timestamps(ctx.config.start, o.sec).to_pandas(),
            "n_lines": o.lines.astype(np.int64),
            "n_units": o.units,
            "order_value": o.value,
            "target_value": o.target,
            "promo": o.promo,
            "country": take_strings(COUNTRY_NAMES, home).to_pandas(),
            "shipping_country": take_strings(COUNTRY_NAMES, o.ship).to_pandas(),
            "channel": take_strings(CHANNELS, o.channel).to_pandas(),
            "hour": hour.astype(np.int64),
            "is_new_customer": o.first,
            "night": hour < 6,
            "log_value": log_value,
            "value_zscore": (log_value - value_log_mean) / value_log_sd,
            "country_mismatch": o.ship != home,
        }
    )
    return orders, value_log_mean, value_log_sd


def _truth(ctx: Context, ch: Chunk, fraud: FraudModel, intercept: float,
           value_log: tuple[float, float]) -> ShopTruth:
    cfg, demand, catalogue = ctx.config, ctx.demand, ctx.catalogue
    return ShopTruth(
        personas=cfg.personas,
        calendar=cfg.calendar,
        weekly_profile=pd.Series(np.asarray(cfg.calendar.weekly, dtype=np.float64),
                                 index=_WEEKDAYS, name="weekly"),
        hourly_profile=pd.Series(demand.hourly, index=pd.RangeIndex(24, name="hour"),
                                 name="hourly"),
        daily_intensity=pd.Series(demand.daily, index=pd.DatetimeIndex(demand.dates, name="date"),
                                  name="daily_intensity"),
        holidays=demand.holidays,
        promotions=demand.promotions,
        acquisition_decay=cfg.acquisition_decay,
        latent_dim=LATENT_DIM,
        temperature=cfg.temperature,
        taste_noise=cfg.taste_noise,
        category_centres=pd.DataFrame(CATEGORY_CENTRES, index=list(CATEGORIES),
                                      columns=["style_1", "style_2", "style_3"]),
        category_popularity=pd.Series(CATEGORY_POPULARITY, name="category_popularity"),
        customer_factors=ch.customers.U,
        product_factors=catalogue.V,
        price_log_mean=catalogue.price_log_mean,
        price_log_sd=catalogue.price_log_sd,
        max_quantity=cfg.max_quantity,
        country_mismatch_rate=cfg.country_mismatch_rate,
        main_channel_prob=cfg.main_channel_prob,
        fraud_features=FRAUD_FEATURES,
        fraud_coefficients=fraud.coefficients,
        fraud_intercept=intercept,
        fraud_rate_target=fraud.rate_target,
        value_log_mean=value_log[0],
        value_log_sd=value_log[1],
        seed=cfg.seed,
    )


def make_shop(
    n_customers: int = 2000,
    seed: int | None = None,
    *,
    config: ShopConfig | None = None,
    fraud_rate: float = 0.02,
    fraud_intercept: float | None = None,
    fraud_coefficients: Mapping[str, float] | None = None,
    **options: Any,
) -> Shop:
    r"""Simulate the built-in shop (see the story in :mod:`analysis.shop`).

    Parameters
    ----------
    n_customers
        Number of customers.
    seed, config, options
        The shop's settings: ``config`` (default ``ShopConfig()``) with
        ``seed`` and any other :class:`ShopConfig` field given as a keyword
        taking precedence: ``make_shop(500, seed=3, days=365)`` and
        ``make_shop(500, config=ShopConfig(seed=3, days=365))`` are the same shop.
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
    n_customers = check_int("n_customers", n_customers, low=1,
                            fix="use at least one customer, e.g. n_customers=2000 "
                            "(a ShopConfig goes in config=...)")
    cfg = resolve_config(config, seed, options, caller="make_shop")
    fraud = FraudModel.from_arguments(fraud_rate, fraud_intercept, fraud_coefficients)
    ctx = build_context(cfg)
    ch = simulate_chunk(ctx, n_customers, 0)
    orders, value_log_mean, value_log_sd = _orders_frame(ctx, ch)
    intercept, probability, is_fraud = fraud.plant(orders, cfg.seed)
    orders["fraud_probability"] = probability
    orders["is_fraud"] = is_fraud
    return Shop(
        transactions=transactions_table(ctx, ch, 0, 0).to_pandas(),
        orders=orders,
        customers=_customers_frame(ctx, ch),
        products=_products_frame(ctx),
        truth=_truth(ctx, ch, fraud, intercept, (value_log_mean, value_log_sd)),
        start=cfg.start,
        as_of=cfg.start + pd.Timedelta(days=cfg.days),
    )


def mid_history(n_customers: int, seed: int, history_days: int, **options: Any) -> Shop:
    """The built-in shop whose log starts ``history_days`` after the shop opened: a log that begins mid-history.

    The shop is simulated from ``history_days`` before the usual start (``ShopConfig().start``) to the usual end,
    and every order before the usual start is cut from the log, as a shop's export would cut it. The customers
    table gains ``bought_before_log`` (the truth: whether the customer had bought before the log starts), so a
    chapter's left-censoring rule can be checked against what really happened.
    """
    history_days = check_int("history_days", history_days, low=1, high=730,
                             fix="use a number of days from 1 to 730 (0: the log starts with the shop)")  # fmt: skip
    usual = resolve_config(None, seed, options, caller="mid_history")
    start = pd.Timestamp(usual.start)
    full = make_shop(n_customers, seed, start=start - pd.Timedelta(days=history_days),
                     days=usual.days + history_days, **options)  # fmt: skip
    before = set(full.transactions.loc[full.transactions[TIMESTAMP] < start, CUSTOMER])
    in_log = full.transactions[TIMESTAMP] >= start
    orders = full.orders[pd.to_datetime(full.orders[TIMESTAMP]) >= start] if TIMESTAMP in full.orders else full.orders
    customers = full.customers.assign(bought_before_log=full.customers[CUSTOMER].isin(before))
    return Shop(transactions=full.transactions[in_log].reset_index(drop=True), orders=orders.reset_index(drop=True),
                customers=customers, products=full.products, truth=full.truth, start=start, as_of=full.as_of)  # fmt: skip
