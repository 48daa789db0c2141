"""The built-in shop's planted truth is there: fraud, calendar, BG/NBD, spend, tastes, personas.

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
import io
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import DataError
from analysis.schema import CATEGORY, CUSTOMER, ORDER, PRICE, PRODUCT, QUANTITY, TIMESTAMP
from analysis.shop import (
    DEFAULT_PERSONAS,
    FRAUD_FEATURES,
    Calendar,
    Persona,
    Shop,
    fraud_design_matrix,
    make_shop,
)

WEEK = pd.Timedelta(days=7)


@pytest.fixture(scope="module")
def shop() -> Shop:
    return make_shop()


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


def test_fraud_design_matrix_rejects_other_tables(shop: Shop) -> None:
    with pytest.raises(DataError) as info:
        fraud_design_matrix(shop.transactions)
    assert "fix:" in str(info.value)


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
