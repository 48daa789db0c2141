"""The built-in shop's tables: determinism, schema, keys and the truth they carry."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

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
from analysis.shop import (
    CATEGORIES,
    CHANNELS,
    CUSTOMER_COLUMNS,
    DEFAULT_PERSONAS,
    FRAUD_FEATURES,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    TRANSACTION_COLUMNS,
    Shop,
    make_shop,
    transactions_schema,
)


@pytest.fixture(scope="module")
def shop() -> Shop:
    return make_shop()


def _hash(df: pd.DataFrame) -> str:
    values = pd.util.hash_pandas_object(df, index=True).to_numpy()
    return hashlib.sha256(values.tobytes()).hexdigest()


# --------------------------------------------------------------------------
# determinism
# --------------------------------------------------------------------------


def test_same_seed_gives_identical_tables() -> None:
    a = make_shop(400, seed=7)
    b = make_shop(400, seed=7)
    for name in ("transactions", "orders", "customers", "products"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert _hash(a.transactions) == _hash(b.transactions)
    np.testing.assert_array_equal(a.truth.customer_factors, b.truth.customer_factors)
    np.testing.assert_array_equal(a.truth.product_factors, b.truth.product_factors)
    pd.testing.assert_series_equal(a.truth.daily_intensity, b.truth.daily_intensity)
    assert a.truth.fraud_intercept == b.truth.fraud_intercept


def test_different_seed_gives_different_tables() -> None:
    a = make_shop(400, seed=7)
    c = make_shop(400, seed=8)
    assert _hash(a.transactions) != _hash(c.transactions)
    assert not a.customers["lam"].equals(c.customers["lam"])


# --------------------------------------------------------------------------
# schema and integrity
# --------------------------------------------------------------------------


def test_transactions_schema(shop: Shop) -> None:
    tx = shop.transactions
    assert tuple(tx.columns) == TRANSACTION_COLUMNS
    for col in (ORDER, CUSTOMER, PRODUCT, DESCRIPTION, CATEGORY, COUNTRY, CHANNEL):
        assert isinstance(tx[col].dtype, pd.StringDtype), col
        assert tx[col].notna().all(), col
    assert tx[QUANTITY].dtype == np.int64
    assert tx[PRICE].dtype == np.float64
    assert tx[TIMESTAMP].dtype == "datetime64[us]"
    assert (tx[QUANTITY] > 0).all()
    assert (tx[PRICE] > 0).all()
    np.testing.assert_allclose(tx[PRICE], tx[PRICE].round(2), atol=1e-9)
    assert tx[ORDER].str.fullmatch(r"O\d{7}").all()
    assert tx[CUSTOMER].str.fullmatch(r"C\d{6}").all()
    assert tx[PRODUCT].str.fullmatch(r"P\d{4}").all()
    assert set(tx[CHANNEL].unique()) == set(CHANNELS)
    assert set(tx[CATEGORY].unique()) <= set(CATEGORIES)
    # timestamps: inside the window, with a time of day
    assert tx[TIMESTAMP].min() >= shop.start
    assert tx[TIMESTAMP].max() < shop.as_of
    assert (tx[TIMESTAMP] != tx[TIMESTAMP].dt.normalize()).mean() > 0.99
    # sorted by timestamp then order id, clean index
    key = tx[[TIMESTAMP, ORDER]]
    pd.testing.assert_frame_equal(
        key, key.sort_values([TIMESTAMP, ORDER], kind="stable").reset_index(drop=True)
    )
    assert isinstance(tx.index, pd.RangeIndex)
    # one line per (order, product)
    assert not tx.duplicated([ORDER, PRODUCT]).any()
    # the arrow schema is the one the parquet writer uses
    assert pa.Schema.from_pandas(tx, preserve_index=False).remove_metadata().equals(
        transactions_schema()
    )


def test_other_tables_schema_and_keys(shop: Shop) -> None:
    tx, orders, customers, products = (
        shop.transactions, shop.orders, shop.customers, shop.products,
    )
    assert tuple(products.columns) == PRODUCT_COLUMNS
    assert tuple(customers.columns) == CUSTOMER_COLUMNS
    assert tuple(orders.columns) == ORDER_COLUMNS
    assert products[PRODUCT].is_unique and customers[CUSTOMER].is_unique
    assert orders[ORDER].is_unique
    assert products[DESCRIPTION].is_unique
    assert products[DESCRIPTION].str.fullmatch(r"[A-Z][\w-]*( [\w-]+)+, [A-Z][a-z]+").all()
    assert (products["base_price"] > 0).all()
    assert set(products[CATEGORY]) == set(CATEGORIES)
    # foreign keys
    assert set(tx[CUSTOMER]) <= set(customers[CUSTOMER])
    assert set(tx[PRODUCT]) <= set(products[PRODUCT])
    assert set(tx[ORDER]) == set(orders[ORDER])
    # every simulated customer made at least the first purchase
    assert set(orders[CUSTOMER]) == set(customers[CUSTOMER])
    # transactions repeat the product's description and category
    merged = tx[[PRODUCT, DESCRIPTION, CATEGORY]].merge(
        products[[PRODUCT, DESCRIPTION, CATEGORY]], on=PRODUCT, suffixes=("", "_p")
    )
    assert (merged[DESCRIPTION] == merged[DESCRIPTION + "_p"]).all()
    assert (merged[CATEGORY] == merged[CATEGORY + "_p"]).all()
    # order totals agree with their lines
    lines = tx.assign(value=tx[QUANTITY] * tx[PRICE]).groupby(ORDER).agg(
        value=("value", "sum"), n_lines=(PRODUCT, "size"), n_units=(QUANTITY, "sum"),
        ts=(TIMESTAMP, "first"), customer=(CUSTOMER, "first"), channel=(CHANNEL, "first"),
    )
    o = orders.set_index(ORDER).loc[lines.index]
    np.testing.assert_allclose(o["order_value"], lines["value"], atol=0.005)
    assert (o["n_lines"] == lines["n_lines"]).all()
    assert (o["n_units"] == lines["n_units"]).all()
    assert (o[TIMESTAMP] == lines["ts"]).all()
    assert (o[CUSTOMER] == lines["customer"]).all()
    assert (o[CHANNEL] == lines["channel"]).all()
    assert orders[TIMESTAMP].is_monotonic_increasing
    assert (orders["hour"] == orders[TIMESTAMP].dt.hour).all()
    assert (orders["night"] == (orders["hour"] < 6)).all()
    assert (orders["country_mismatch"] == (orders["country"] != orders["shipping_country"])).all()


def test_customer_truth_is_consistent_with_orders(shop: Shop) -> None:
    c = shop.customers.set_index(CUSTOMER)
    g = shop.orders.groupby(CUSTOMER)
    first, last, n = g[TIMESTAMP].min(), g[TIMESTAMP].max(), g.size()
    assert (c.loc[first.index, "first_purchase"] == first).all()
    assert (c.loc[n.index, "n_orders"] == n).all()
    # the first order is flagged as the new-customer order, exactly once per customer
    assert (g["is_new_customer"].sum() == 1).all()
    new = shop.orders[shop.orders["is_new_customer"]].set_index(CUSTOMER)[TIMESTAMP]
    assert (new.loc[first.index] == first).all()
    # dead customers dropped out right after their last (repeat) purchase
    dead = ~c["alive"]
    assert c["dropout_time"].isna().equals(c["alive"])
    assert (c.loc[dead, "dropout_time"] == last.loc[c.index[dead]]).all()
    assert (c.loc[dead, "n_orders"] >= 2).all()
    assert ((c["lam"] > 0) & (c["p"] > 0) & (c["p"] < 1)).all()
    # persona shares: binomial 4-sigma band
    n_c = len(c)
    for persona in DEFAULT_PERSONAS:
        share = (c["persona"] == persona.name).mean()
        sigma = np.sqrt(persona.share * (1 - persona.share) / n_c)
        assert abs(share - persona.share) < 4 * sigma, persona.name
    # acquisition: more early than late, but late cohorts exist
    month = c["first_purchase"].dt.to_period("M")
    assert month.nunique() == 24
    assert (c["first_purchase"] < shop.start + pd.Timedelta(days=365)).mean() > 0.6


def test_truth_contents(shop: Shop) -> None:
    truth = shop.truth
    assert len(truth.personas) == 4
    assert abs(sum(p.share for p in truth.personas) - 1) < 1e-12
    assert truth.customer_factors.shape == (len(shop.customers), truth.latent_dim)
    assert truth.product_factors.shape == (len(shop.products), truth.latent_dim)
    assert 3 <= truth.latent_dim <= 5
    di = truth.daily_intensity
    assert len(di) == (shop.as_of - shop.start).days
    assert di.index[0] == shop.start
    assert abs(di.mean() - 1) < 1e-12 and (di > 0).all()
    assert len(truth.weekly_profile) == 7 and len(truth.hourly_profile) == 24
    assert set(truth.fraud_coefficients) == set(FRAUD_FEATURES)
    assert {"Black Friday", "Christmas"} <= set(truth.holidays["name"])
    assert len(truth.promotions) >= 1
    table = truth.persona_table
    assert list(table["persona"]) == [p.name for p in truth.personas]
