r"""The planted fraud model (step 7 of the story in :mod:`analysis.shop`).

Each order is fraudulent with probability ``sigmoid(beta0 + beta . x_o)``
where ``x_o`` are observable columns of ``orders`` (:func:`fraud_design_matrix`).
By default ``beta0`` is solved so that the mean probability equals the target
rate; the labels are drawn from ``SeedSequence(seed, spawn_key=(2,))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis._checks import check_number, check_share, is_number, require_columns
from analysis.errors import DataError
from analysis.schema import CHANNEL

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


@dataclass(frozen=True)
class FraudModel:
    """The checked knobs: a target rate (intercept solved) or a fixed intercept."""

    rate_target: float | None
    intercept: float | None
    coefficients: dict[str, float]

    @classmethod
    def from_arguments(cls, rate: float, intercept: float | None,
                       coefficients: Mapping[str, float] | None) -> FraudModel:
        """Check ``make_shop``'s ``fraud_rate``, ``fraud_intercept``, ``fraud_coefficients``."""
        if intercept is None:
            rate_target: float | None = check_share(
                "fraud_rate", rate, fix="use a rate in (0, 1), e.g. fraud_rate=0.02"
            )
        else:
            rate_target = None
            intercept = check_number("fraud_intercept", intercept, fix="use a finite number, e.g. -4.5")
        coefs = dict(DEFAULT_FRAUD_COEFFICIENTS if coefficients is None else coefficients)
        if set(coefs) != set(FRAUD_FEATURES) or not all(
            is_number(v) and np.isfinite(v) for v in coefs.values()
        ):
            raise DataError(
                "fraud_coefficients must give a finite number for each fraud feature",
                column="fraud_coefficients",
                rows=sorted(set(coefs) ^ set(FRAUD_FEATURES)) or [coefs],
                fix=f"pass a dict with exactly the keys {list(FRAUD_FEATURES)}",
            )
        return cls(rate_target, intercept, {k: float(coefs[k]) for k in FRAUD_FEATURES})

    def plant(self, orders: pd.DataFrame, seed: int) -> tuple[float, np.ndarray, np.ndarray]:
        """``(beta0, fraud_probability, is_fraud)`` for ``orders`` (columns of :func:`make_shop`)."""
        X = fraud_design_matrix(orders).to_numpy()
        # A column-by-column sum, not X @ beta: BLAS picks its kernel by CPU (the same seed gave other
        # last bits on AMD than on Intel), plain multiply-and-add gives the same bits everywhere.
        linear = np.zeros(len(X))
        for j, name in enumerate(FRAUD_FEATURES):
            linear = linear + X[:, j] * self.coefficients[name]
        if self.intercept is None:
            assert self.rate_target is not None
            intercept = _solve_intercept(linear, self.rate_target)
        else:
            intercept = self.intercept
        prob = _sigmoid(intercept + linear)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
        return float(intercept), prob, rng.random(len(prob)) < prob


def fraud_design_matrix(orders: pd.DataFrame) -> pd.DataFrame:
    r"""The planted fraud model's features ``x_o`` from observable order columns.

    Columns :data:`FRAUD_FEATURES` as float64: ``is_new_customer``, ``night``
    (hour 0-5), ``value_zscore`` (``(log order_value - mean) / sd``),
    ``country_mismatch``, ``channel_app = [channel == "app"]`` and
    ``channel_marketplace = [channel == "marketplace"]`` (web is the baseline).
    The planted probability is ``sigmoid(beta0 + x_o . beta)``.
    """
    direct = ["is_new_customer", "night", "value_zscore", "country_mismatch"]
    require_columns(orders, [*direct, CHANNEL], source="orders",
                    fix="pass Shop.orders (as returned by make_shop)")
    channel = orders[CHANNEL]
    return pd.DataFrame(
        {
            **{name: orders[name].astype(np.float64) for name in direct},
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


#: The order columns a fraud team sees when an order comes in (no planted probability, no label).
OBSERVABLE_FRAUD_COLUMNS: tuple[str, ...] = (
    "hour", "night", "is_new_customer", "log_value", "country_mismatch", "promo", "n_lines", "n_units",
    "channel", "country",
)  # fmt: skip


def observable_fraud_features(orders: pd.DataFrame) -> pd.DataFrame:
    """What a fraud model may use: :data:`OBSERVABLE_FRAUD_COLUMNS` of ``orders`` (flags as 0/1).

    The planted model uses a subset of them (``value_zscore`` is ``log_value``
    standardised, ``channel_app`` / ``channel_marketplace`` are ``channel``); the
    others are there because an analyst would not know which ones matter.
    """
    require_columns(orders, list(OBSERVABLE_FRAUD_COLUMNS), source="orders",
                    fix="pass Shop.orders (as returned by make_shop)")
    X = orders[list(OBSERVABLE_FRAUD_COLUMNS)].reset_index(drop=True).copy()
    for name in ("night", "is_new_customer", "country_mismatch", "promo"):
        X[name] = X[name].astype(np.int8)
    return X


def fraud_bayes_score(orders: pd.DataFrame) -> np.ndarray:
    """The planted probability of fraud per order: no score built from the orders can rank them better on average."""
    require_columns(orders, ["fraud_probability"], source="orders", fix="pass Shop.orders (as returned by make_shop)")
    return orders["fraud_probability"].to_numpy(np.float64)
