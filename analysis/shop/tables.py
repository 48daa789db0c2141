"""The shop's tables and its planted truth: :class:`Shop`, :class:`ShopTruth` and their columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis.shop.config import Calendar, Persona

TRANSACTION_COLUMNS: tuple[str, ...] = (
    S.ORDER, S.CUSTOMER, S.PRODUCT, S.QUANTITY, S.PRICE, S.TIMESTAMP,
    S.DESCRIPTION, S.CATEGORY, S.COUNTRY, S.CHANNEL,
)
# products: base_price before promotions; popularity pi_j (sums to 1)
PRODUCT_COLUMNS: tuple[str, ...] = (S.PRODUCT, S.DESCRIPTION, S.CATEGORY, "base_price", "popularity")
# customers (the planted truth): lam per week, p, dropout_time (NaT if alive at
# as_of), spend_nu = nu_i, expected_spend = gg_p / nu_i, channel = main channel,
# n_orders = 1 + repeat purchases observed in the window
CUSTOMER_COLUMNS: tuple[str, ...] = (
    S.CUSTOMER, "persona", "first_purchase", "lam", "p", "dropout_time", "alive",
    "spend_nu", "expected_spend", "country", "channel", "n_orders",
)
# orders: target_value = the Gamma-Gamma draw z_o; promo = a promotion day;
# country = the customer's, shipping_country may differ; the fraud features;
# fraud_probability = sigmoid(beta0 + x . beta) and its Bernoulli draw is_fraud
ORDER_COLUMNS: tuple[str, ...] = (
    S.ORDER, S.CUSTOMER, S.TIMESTAMP, "n_lines", "n_units", "order_value", "target_value",
    "promo", "country", "shipping_country", "channel", "hour",
    "is_new_customer", "night", "log_value", "value_zscore", "country_mismatch",
    "fraud_probability", "is_fraud",
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
        fields = ("share", "r", "alpha", "a", "b", "gg_p", "gg_q", "gg_gamma", "basket_mean",
                  "price_affinity", "mean_rate", "mean_dropout", "mean_spend")
        return pd.DataFrame(
            [{"persona": p.name, **{f: getattr(p, f) for f in fields}} for p in self.personas]
        )


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
