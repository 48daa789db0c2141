"""Tests of the built-in shop: determinism, schema, and that the planted truth is there.

Tolerances (and why):

* Fraud rate: the empirical rate lies within 4 binomial sigmas,
  ``4 sqrt(sum p (1 - p)) / n``, of the mean planted probability.
* Fraud logit: every coefficient inside its Bonferroni-corrected joint 99 %
  Wald interval (``|beta_hat - beta| < z_{1 - 0.01 / (2 * 7)} se``), so the
  test's false-alarm rate is at most 1 % by construction.
* Weekday profile: correlation > 0.9 with the planted multipliers and every
  weekday's relative level within 10 % (about 3 Poisson sigmas at 2,000
  customers).
* BG/NBD: 20 % on ``r``, ``alpha`` and 25 % on ``a/(a+b)`` (flat calendar,
  5,000 customers; observed error up to 11 %); 25 % at 20,000 customers with
  the default calendar, whose warp biases ``a/(a+b)`` of the low-frequency
  persona by up to about 15 %; for "one-off" only ``r/alpha`` and
  ``a/(a+b)`` are identified (20 %).
* RFM k-means: adjusted Rand index > 0.4 (observed about 0.5 over seeds).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

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
from analysis.shop import (
    CATEGORIES,
    CHANNELS,
    CUSTOMER_COLUMNS,
    DEFAULT_PERSONAS,
    FRAUD_FEATURES,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    TRANSACTION_COLUMNS,
    Calendar,
    Persona,
    Shop,
    fraud_design_matrix,
    make_shop,
    transactions_schema,
    write_shop_parquet,
)

WEEK = pd.Timedelta(days=7)


@pytest.fixture(scope="module")
def shop() -> Shop:
    return make_shop()


def _hash(df: pd.DataFrame) -> str:
    values = pd.util.hash_pandas_object(df, index=True).to_numpy()
    return hashlib.sha256(values.tobytes()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bgnbd_summary(shop: Shop) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Continuous-time BG/NBD summary in weeks: repeat count x, t_x, T."""
    g = shop.orders.groupby(CUSTOMER)[TIMESTAMP]
    first, last, n = g.min(), g.max(), g.size()
    x = (n - 1).to_numpy(dtype=np.float64)
    t_x = ((last - first) / WEEK).to_numpy()
    T = ((shop.as_of - first) / WEEK).to_numpy()
    return x, t_x, T


def _fit_bgnbd(shop: Shop) -> pd.Series:
    with warnings.catch_warnings():  # lifetimes sets a pandas option deprecated in pandas 3
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter

    x, t_x, T = _bgnbd_summary(shop)
    fitter = BetaGeoFitter(penalizer_coef=0.0)
    # tol=1e-6: lifetimes' default 1e-7 can stop with "precision loss" on the flat
    # ridge of (a, b) when dropout is rare; the optimum found is the same.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(x, t_x, T, tol=1e-6)
    return fitter.params_


def _single(persona: Persona) -> list[Persona]:
    return [dataclasses.replace(persona, share=1.0)]


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


# --------------------------------------------------------------------------
# planted truth: fraud
# --------------------------------------------------------------------------


def test_fraud_rate_matches_planted_probability(shop: Shop) -> None:
    o = shop.orders
    p = o["fraud_probability"].to_numpy()
    n = len(p)
    assert abs(p.mean() - 0.02) < 1e-9  # the intercept is solved for fraud_rate
    sigma = np.sqrt((p * (1 - p)).sum()) / n
    assert abs(o["is_fraud"].mean() - p.mean()) < 4 * sigma
    # probability is the logistic model of the observable features
    X = fraud_design_matrix(o).to_numpy()
    beta = np.array([shop.truth.fraud_coefficients[k] for k in FRAUD_FEATURES])
    expected = 1 / (1 + np.exp(-(shop.truth.fraud_intercept + X @ beta)))
    np.testing.assert_allclose(p, expected, rtol=1e-9)
    z = (np.log(o["order_value"]) - shop.truth.value_log_mean) / shop.truth.value_log_sd
    np.testing.assert_allclose(o["value_zscore"], z, rtol=1e-12)


def test_fraud_logit_recovers_coefficients(shop: Shop) -> None:
    import statsmodels.api as sm

    X = sm.add_constant(fraud_design_matrix(shop.orders))
    y = shop.orders["is_fraud"].astype(np.float64)
    fit = sm.Logit(y, X).fit(disp=0)
    true = pd.Series({"const": shop.truth.fraud_intercept, **shop.truth.fraud_coefficients})
    z_crit = stats.norm.ppf(1 - 0.01 / (2 * len(true)))  # joint 99 % (Bonferroni)
    z = (fit.params - true[fit.params.index]) / fit.bse
    assert (z.abs() < z_crit).all(), z.round(2).to_dict()


def test_fraud_intercept_knob() -> None:
    s = make_shop(300, seed=1, fraud_intercept=-3.0)
    assert s.truth.fraud_intercept == -3.0 and s.truth.fraud_rate_target is None
    t = make_shop(300, seed=1, fraud_rate=0.10)
    assert abs(t.orders["fraud_probability"].mean() - 0.10) < 1e-9
    # fraud knobs do not touch the purchases
    pd.testing.assert_frame_equal(s.transactions, t.transactions)


# --------------------------------------------------------------------------
# planted truth: demand calendar
# --------------------------------------------------------------------------


def _daily_orders(shop: Shop) -> pd.Series:
    days = shop.truth.daily_intensity.index
    return shop.orders.groupby(shop.orders[TIMESTAMP].dt.normalize()).size().reindex(
        days, fill_value=0
    )


def test_weekday_profile_matches_planted(shop: Shop) -> None:
    daily = _daily_orders(shop)
    by_weekday = daily.groupby(daily.index.day_of_week).mean().to_numpy()
    planted = shop.truth.weekly_profile.to_numpy()
    assert np.corrcoef(by_weekday, planted)[0, 1] > 0.9
    ratio = (by_weekday / by_weekday.mean()) / (planted / planted.mean())
    assert np.abs(ratio - 1).max() < 0.10


def test_hour_of_day_profile_matches_planted(shop: Shop) -> None:
    observed = shop.orders["hour"].value_counts(normalize=True).reindex(range(24), fill_value=0)
    planted = shop.truth.hourly_profile / shop.truth.hourly_profile.sum()
    assert np.corrcoef(observed, planted)[0, 1] > 0.95
    assert 0.02 < shop.orders["night"].mean() < 0.10


def test_yearly_seasonality_and_holidays_visible(shop: Shop) -> None:
    import statsmodels.api as sm

    daily = _daily_orders(shop)
    m = shop.truth.daily_intensity
    cal = shop.truth.calendar
    doy = m.index.day_of_year.to_numpy()
    log_yearly = np.log1p(
        cal.yearly_amplitude * np.cos(2 * np.pi * (doy - cal.yearly_peak_day) / 365.25)
    )
    log_rest = np.log(m.to_numpy()) - log_yearly
    t = np.arange(len(m)) / 365.25
    # log E[orders_d] = smooth customer base (cubic in t) + b1 log yearly + b2 log rest
    X = np.column_stack([np.ones_like(t), t, t**2, t**3, log_yearly, log_rest])
    skip = 28  # the first weeks, while the customer base ramps up
    fit = sm.GLM(daily.to_numpy()[skip:], X[skip:], family=sm.families.Poisson()).fit()
    b_yearly, b_rest = fit.params[-2:]
    se_yearly = fit.bse[-2]
    assert b_yearly / se_yearly > 5  # clearly visible
    assert 0.5 < b_yearly < 1.5  # partly absorbed by the cubic over a 2-year window
    assert abs(b_rest - 1) < 0.2  # weekly + holidays + promotions, at full strength
    # holidays against a centred 57-day median, compared with the planted intensity
    base_o = daily.rolling(57, center=True, min_periods=1).median()
    base_m = m.rolling(57, center=True, min_periods=1).median()
    hol = shop.truth.holidays
    for prefix in ("Black Friday", "Cyber Monday", "Christmas"):
        days = pd.DatetimeIndex(hol.loc[hol["name"] == prefix, "date"])
        if prefix == "Black Friday":
            days = pd.DatetimeIndex(hol.loc[hol["name"].str.startswith(prefix), "date"])
        observed = daily.reindex(days).sum() / base_o.reindex(days).sum()
        planted = m.reindex(days).sum() / base_m.reindex(days).sum()
        assert abs(observed / planted - 1) < 0.2, (prefix, observed, planted)
    bf = pd.DatetimeIndex(hol.loc[hol["name"].str.startswith("Black Friday"), "date"])
    assert daily.reindex(bf).sum() / base_o.reindex(bf).sum() > 1.25


def test_promotion_prices(shop: Shop) -> None:
    tx = shop.transactions
    promos = shop.truth.promotions
    day = tx[TIMESTAMP].dt.normalize()
    discount = pd.Series(0.0, index=tx.index)
    for row in promos.itertuples(index=False):
        discount[(day >= row.start) & (day <= row.end)] = row.discount
    base = tx[PRODUCT].map(shop.products.set_index(PRODUCT)["base_price"])
    np.testing.assert_allclose(tx[PRICE], (base * (1 - discount)).round(2), atol=1e-9)
    on_promo = shop.orders[TIMESTAMP].dt.normalize()
    flagged = shop.orders["promo"]
    assert flagged.any() and (~flagged).any()
    promo_by_order = (discount > 0).groupby(tx[ORDER]).first().reindex(shop.orders[ORDER])
    assert (promo_by_order.to_numpy() == flagged.to_numpy()).all()
    assert on_promo[flagged].dt.month.isin([3, 7, 10]).all()


# --------------------------------------------------------------------------
# planted truth: BG/NBD, Gamma-Gamma, taste, personas
# --------------------------------------------------------------------------


def test_bgnbd_sampler_recovers_parameters_on_flat_calendar() -> None:
    persona = DEFAULT_PERSONAS[1]  # "regular"
    s = make_shop(5000, seed=0, personas=_single(persona), calendar=Calendar.flat())
    est = _fit_bgnbd(s)
    assert abs(est["r"] / persona.r - 1) < 0.20
    assert abs(est["alpha"] / persona.alpha - 1) < 0.20
    assert abs(est["a"] / (est["a"] + est["b"]) / persona.mean_dropout - 1) < 0.25
    # planted lam and p are the draws the counts came from
    c = s.customers
    assert abs(c["lam"].mean() / persona.mean_rate - 1) < 4 * np.sqrt(1 / persona.r / len(c))


@pytest.mark.slow
@pytest.mark.parametrize("persona", DEFAULT_PERSONAS, ids=lambda p: p.name)
def test_bgnbd_recovery_per_persona(persona: Persona) -> None:
    s = make_shop(20_000, seed=0, personas=_single(persona))
    est = _fit_bgnbd(s)
    mean_p = est["a"] / (est["a"] + est["b"])
    if persona.name == "one-off":
        # about 0.5 repeat purchases a customer: only the means are identified
        assert abs(est["r"] / est["alpha"] / persona.mean_rate - 1) < 0.20
        assert abs(mean_p / persona.mean_dropout - 1) < 0.20
    else:
        assert abs(est["r"] / persona.r - 1) < 0.25
        assert abs(est["alpha"] / persona.alpha - 1) < 0.25
        assert abs(mean_p / persona.mean_dropout - 1) < 0.25


def test_gamma_gamma_spend(shop: Shop) -> None:
    o = shop.orders.merge(shop.customers[[CUSTOMER, "persona", "expected_spend"]], on=CUSTOMER)
    for persona in shop.truth.personas:
        c = shop.customers[shop.customers["persona"] == persona.name]
        # E[p / nu] = p gamma / (q - 1): 4 standard errors
        se = c["expected_spend"].std() / np.sqrt(len(c))
        assert abs(c["expected_spend"].mean() - persona.mean_spend) < 4 * se, persona.name
        po = o[o["persona"] == persona.name]
        # realised order values track the Gamma-Gamma targets
        assert abs(po["order_value"].mean() / po["target_value"].mean() - 1) < 0.15
    per_customer = o.groupby(CUSTOMER).agg(v=("order_value", "mean"), e=("expected_spend", "first"))
    assert stats.spearmanr(per_customer["v"], per_customer["e"])[0] > 0.9


def test_low_rank_category_structure(shop: Shop) -> None:
    tx = shop.transactions
    counts = pd.crosstab(tx[CUSTOMER], tx[CATEGORY]).to_numpy(dtype=np.float64)
    d = 3  # the style dimensions of the latent taste

    def top_share(m: np.ndarray) -> float:
        sv = np.linalg.svd(m - m.mean(axis=0), compute_uv=False)
        return float((sv[:d] ** 2).sum() / (sv**2).sum())

    real = top_share(np.log1p(counts))
    rng = np.random.default_rng(0)
    shuffled = [
        top_share(np.column_stack([rng.permutation(col) for col in np.log1p(counts).T]))
        for _ in range(5)
    ]
    assert real > max(shuffled) + 0.1
    assert (1 - real) < 0.7 * (1 - max(shuffled))  # the residual beyond rank d shrinks by > 30 %


def test_rfm_kmeans_recovers_personas(shop: Shop) -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    tx = shop.transactions
    g = tx.assign(revenue=tx[QUANTITY] * tx[PRICE]).groupby(CUSTOMER)
    recency = (shop.as_of - g[TIMESTAMP].max()) / pd.Timedelta(days=1)
    frequency = g[ORDER].nunique()
    monetary = g["revenue"].sum()
    X = np.column_stack([np.log1p(recency), np.log(frequency), np.log(monetary)])
    labels = KMeans(len(shop.truth.personas), n_init=10, random_state=0).fit_predict(
        StandardScaler().fit_transform(X)
    )
    persona = shop.customers.set_index(CUSTOMER).loc[frequency.index, "persona"]
    assert adjusted_rand_score(persona, labels) > 0.4


def test_default_build_is_fast() -> None:
    t0 = time.perf_counter()
    make_shop()
    assert time.perf_counter() - t0 < 5.0  # target < 3 s; slack for busy CI machines


# --------------------------------------------------------------------------
# parquet writer
# --------------------------------------------------------------------------


def test_write_shop_parquet_small(tmp_path: Path) -> None:
    n_rows, chunk = 50_000, 1_000
    a = write_shop_parquet(tmp_path / "a.parquet", n_rows, seed=3, chunk_customers=chunk)
    b = write_shop_parquet(tmp_path / "b.parquet", n_rows, seed=3, chunk_customers=chunk)
    assert a["rows"] == b["rows"] == n_rows
    assert a["chunks"] >= 2
    assert pq.ParquetFile(a["path"]).metadata.num_rows == n_rows
    assert _sha256(tmp_path / "a.parquet") == _sha256(tmp_path / "b.parquet")
    assert set(a) >= {"rows", "customers", "path", "seconds"}

    table = pq.read_table(a["path"])
    in_memory = make_shop(chunk, seed=3)
    assert table.schema.remove_metadata().equals(
        pa.Schema.from_pandas(in_memory.transactions, preserve_index=False).remove_metadata()
    )
    df = table.to_pandas()
    assert (df.dtypes == in_memory.transactions.dtypes).all()
    assert df[CUSTOMER].nunique() == a["customers"]
    assert df[ORDER].nunique() == a["orders"]
    assert not df.duplicated([ORDER, PRODUCT]).any()
    # the first chunk is make_shop's shop: same customers, same transactions
    first = df.iloc[: len(in_memory.transactions)].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, in_memory.transactions)
    # an order belongs to one customer even across chunks
    assert (df.groupby(ORDER)[CUSTOMER].nunique() == 1).all()
    # the trimmed last chunk keeps a prefix of its customers
    ids = df[CUSTOMER].str.slice(1).astype(np.int64)
    last_chunk = ids[ids >= (a["chunks"] - 1) * chunk]
    kept = np.sort(last_chunk.unique())
    np.testing.assert_array_equal(kept, np.arange(kept[0], kept[0] + len(kept)))

    # the worker threads only change the speed, never the bytes
    write_shop_parquet(tmp_path / "w1.parquet", n_rows, seed=3, chunk_customers=chunk, workers=1)
    assert _sha256(tmp_path / "w1.parquet") == _sha256(tmp_path / "a.parquet")

    other = write_shop_parquet(tmp_path / "c.parquet", n_rows, seed=4, chunk_customers=chunk)
    assert _sha256(tmp_path / "c.parquet") != _sha256(tmp_path / "a.parquet")
    assert other["rows"] == n_rows


def test_write_shop_parquet_stops_at_chunk_boundary(tmp_path: Path) -> None:
    res = write_shop_parquet(tmp_path / "x.parquet", 10_000, seed=0, chunk_customers=300,
                             exact=False)
    assert res["rows"] >= 10_000
    assert res["customers"] == res["chunks"] * 300
    df = pd.read_parquet(res["path"])
    assert len(df) == res["rows"]
    per_chunk = df[CUSTOMER].str.slice(1).astype(np.int64) // 300
    sizes = per_chunk.value_counts().sort_index()
    assert res["rows"] - sizes.iloc[-1] < 10_000  # the last chunk was needed


# --------------------------------------------------------------------------
# bad arguments
# --------------------------------------------------------------------------


_BAD_PERSONAS = [dataclasses.replace(p, share=0.5) for p in DEFAULT_PERSONAS]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n_customers": 0}, "n_customers"),
        ({"n_customers": -5}, "n_customers"),
        ({"n_customers": 2.5}, "n_customers"),
        ({"n_customers": True}, "n_customers"),
        ({"seed": -1}, "seed"),
        ({"days": 0}, "days"),
        ({"start": "not a date"}, "start"),
        ({"start": "2023-01-01 10:30"}, "start"),
        ({"fraud_rate": 0.0}, "fraud_rate"),
        ({"fraud_rate": 1.5}, "fraud_rate"),
        ({"fraud_coefficients": {"night": 1.0}}, "fraud_coefficients"),
        ({"personas": _BAD_PERSONAS}, "personas"),
        ({"personas": []}, "personas"),
        ({"n_products": 3}, "n_products"),
        ({"n_products": 10**6}, "n_products"),
        ({"temperature": 0}, "temperature"),
        ({"calendar": Calendar(weekly=(1.0, 1.0))}, "calendar.weekly"),
        ({"acquisition_decay": -1}, "acquisition_decay"),
    ],
)
def test_make_shop_rejects_bad_arguments(kwargs: dict, argument: str) -> None:
    with pytest.raises(DataError) as info:
        make_shop(**{"n_customers": 10, **kwargs})
    message = str(info.value)
    assert argument in message
    assert "fix:" in message and info.value.fix


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n_rows": 0}, "n_rows"),
        ({"chunk_customers": 0}, "chunk_customers"),
        ({"seed": -3}, "seed"),
        ({"compression": "rar"}, "compression"),
        ({"workers": 0}, "workers"),
    ],
)
def test_write_shop_parquet_rejects_bad_arguments(
    tmp_path: Path, kwargs: dict, argument: str
) -> None:
    with pytest.raises(DataError) as info:
        write_shop_parquet(tmp_path / "x.parquet", **{"n_rows": 100, **kwargs})
    assert argument in str(info.value) and info.value.fix
    assert not (tmp_path / "x.parquet").exists()


def test_write_shop_parquet_rejects_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        write_shop_parquet(tmp_path / "no" / "such" / "x.parquet", 100)
    assert "path" in str(info.value) and info.value.fix


def test_fraud_design_matrix_rejects_other_tables(shop: Shop) -> None:
    with pytest.raises(DataError) as info:
        fraud_design_matrix(shop.transactions)
    assert "fix:" in str(info.value)
