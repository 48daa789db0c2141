"""Tests for analysis.clv: published figures, agreement with lifetimes, recovery, errors."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import clv
from analysis.clv import _inputs, bgnbd, gammagamma
from analysis.errors import DataError

# Published values.
# FHL 2005, "Counting Your Customers the Easy Way", section 5 (CDNOW, weeks).
FHL_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
FHL_LOGLIK = -9582.4
FHL_CONDITIONAL = 1.226  # customer x=2, t_x=30.43, T=38.86, next 39 weeks (section 5)
# Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value" (same CDNOW cohort).
FH_PARAMS = {"p": 6.25, "q": 3.74, "gamma": 15.44}

WEEKS_PER_MONTH = 4.345  # lifetimes' factor for freq="W"


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_lifetimes() -> Iterator[None]:
    """Silence lifetimes' own pandas deprecation warning and undo its global filter changes.

    lifetimes sets a pandas option pandas 3 deprecates (a DeprecationWarning
    raised from lifetimes.utils) and calls warnings.simplefilter on every
    likelihood evaluation; catch_warnings restores the filters afterwards.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"lifetimes(\.|$)")
        yield


@pytest.fixture(scope="module")
def lifetimes() -> ModuleType:
    with quiet_lifetimes():
        return pytest.importorskip("lifetimes")


@pytest.fixture(scope="module")
def cdnow(lifetimes: ModuleType) -> pd.DataFrame:
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    return load_cdnow_summary_data_with_monetary_value()


@pytest.fixture(scope="module")
def repeaters(cdnow: pd.DataFrame) -> pd.DataFrame:
    return cdnow[cdnow["frequency"] > 0]


@pytest.fixture(scope="module")
def bg(cdnow: pd.DataFrame) -> clv.BGNBD:
    return clv.fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def gg(repeaters: pd.DataFrame) -> clv.GammaGamma:
    return clv.fit_gammagamma(repeaters["frequency"], repeaters["monetary_value"])


@pytest.fixture(scope="module")
def lt_bg(lifetimes: ModuleType, cdnow: pd.DataFrame) -> Any:
    with quiet_lifetimes():
        return lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def lt_gg(lifetimes: ModuleType, repeaters: pd.DataFrame) -> Any:
    with quiet_lifetimes():
        return lifetimes.GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])


@pytest.fixture(scope="module")
def lt_params(lt_bg: Any, lt_gg: Any) -> tuple[clv.BGNBD, clv.GammaGamma]:
    """lifetimes' estimates in our containers, so formulas are compared at equal parameters."""
    bg_params = clv.BGNBD(**{name: float(lt_bg.params_[name]) for name in ("r", "alpha", "a", "b")})
    p, q, v = (float(lt_gg.params_[name]) for name in ("p", "q", "v"))
    return bg_params, clv.GammaGamma(p=p, q=q, gamma=v)


def simulate_bgnbd(
    rng: np.random.Generator, n: int, T: float, holdout: float, *, r: float, alpha: float, a: float, b: float
) -> dict[str, np.ndarray]:
    """Simulate the BG/NBD story (FHL 2005 section 3) over calibration (0, T] and holdout (T, T + holdout].

    lambda ~ Gamma(r, alpha), p ~ Beta(a, b); repeat purchases arrive as a Poisson
    process with rate lambda and the customer drops out right after repeat
    purchase number J ~ Geometric(p) (so never at time 0).
    """
    rate = rng.gamma(r, 1.0 / alpha, n)
    last = rng.geometric(rng.beta(a, b, n))
    clock = np.zeros(n)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    x_holdout = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    purchase = 0
    while active.any():
        idx = np.flatnonzero(active)
        purchase += 1
        with np.errstate(divide="ignore"):
            clock[idx] += rng.standard_exponential(idx.size) / rate[idx]
        made = (clock[idx] <= T + holdout) & (purchase <= last[idx])
        calibration = made & (clock[idx] <= T)
        x[idx[calibration]] += 1
        t_x[idx[calibration]] = clock[idx[calibration]]
        x_holdout[idx[made & ~calibration]] += 1
        active[idx[~made]] = False
    return {"x": x, "t_x": t_x, "T": np.full(n, T), "x_holdout": x_holdout, "alive": x < last}


def simulate_gammagamma(
    rng: np.random.Generator, n: int, *, p: float, q: float, gamma: float
) -> tuple[np.ndarray, np.ndarray]:
    """nu ~ Gamma(q, gamma); the mean of x values z ~ Gamma(p, nu) is Gamma(p x, nu x) (FH 2013)."""
    nu = rng.gamma(q, 1.0 / gamma, n)
    x = 1 + rng.poisson(2.0, n)
    return x, rng.gamma(p * x, 1.0 / (nu * x))


TRUE_BG = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
TRUE_GG = {"p": 6.0, "q": 4.0, "gamma": 15.0}


@pytest.fixture(scope="module")
def simulated() -> dict[str, np.ndarray]:
    return simulate_bgnbd(np.random.default_rng(20050), 20_000, 52.0, 39.0, **TRUE_BG)


def standard_error(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.size))


# ---------------------------------------------------------------------------
# Published figures (CDNOW)
# ---------------------------------------------------------------------------


def test_cdnow_shape(cdnow: pd.DataFrame, repeaters: pd.DataFrame) -> None:
    assert len(cdnow) == 2357
    assert len(repeaters) == 946


def test_fit_bgnbd_reproduces_fhl_2005(bg: clv.BGNBD) -> None:
    for name, published in FHL_PARAMS.items():
        assert getattr(bg, name) == pytest.approx(published, abs=1e-3), name
    assert bg.loglik == pytest.approx(FHL_LOGLIK, abs=0.05)
    assert bg.n_customers == 2357
    assert bg.converged


def test_conditional_expectation_reproduces_fhl_2005(bg: clv.BGNBD) -> None:
    value = clv.conditional_expected_purchases(bg, 39, 2, 30.43, 38.86)
    assert isinstance(value, float)
    assert value == pytest.approx(FHL_CONDITIONAL, abs=1e-3)


def test_fit_gammagamma_reproduces_fh_2013(gg: clv.GammaGamma) -> None:
    for name, published in FH_PARAMS.items():
        assert getattr(gg, name) == pytest.approx(published, abs=1e-2), name
    assert gg.n_customers == 946
    assert gg.converged


def test_as_dict_round_trips(bg: clv.BGNBD, gg: clv.GammaGamma) -> None:
    assert clv.BGNBD(**bg.as_dict()) == bg
    assert clv.GammaGamma(**gg.as_dict()) == gg
    assert list(bg.as_dict()) == ["r", "alpha", "a", "b", "loglik", "n_customers", "converged", "at_boundary", "bounded"]
    assert not bg.at_boundary and bg.bounded == ()  # the paper's CDNOW fit is inside the parameter space


# ---------------------------------------------------------------------------
# Agreement with lifetimes
# ---------------------------------------------------------------------------


def test_fitted_parameters_match_lifetimes(bg: clv.BGNBD, gg: clv.GammaGamma, lt_bg: Any, lt_gg: Any) -> None:
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bg, name) == pytest.approx(lt_bg.params_[name], rel=1e-5), name
    for ours, theirs in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert getattr(gg, ours) == pytest.approx(lt_gg.params_[theirs], rel=1e-5), ours


def test_bgnbd_loglik_matches_lifetimes(cdnow: pd.DataFrame, lifetimes: ModuleType, bg: clv.BGNBD) -> None:
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    ours = clv.bgnbd_loglik(bg.r, bg.alpha, bg.a, bg.b, x, t_x, T)
    log_params = np.log([bg.r, bg.alpha, bg.a, bg.b])
    nll = lifetimes.BetaGeoFitter._negative_log_likelihood
    with quiet_lifetimes():
        mean_theirs = nll(log_params, x, t_x, T, np.ones_like(x), 0.0)
        # lifetimes only returns the weighted mean: evaluate customers one at a time
        rows = np.arange(0, len(x), 23)
        theirs = np.array([nll(log_params, x[[i]], t_x[[i]], T[[i]], np.ones(1), 0.0) for i in rows])
    assert -ours.mean() == pytest.approx(mean_theirs, rel=1e-12)
    np.testing.assert_allclose(-ours[rows], theirs, rtol=1e-12)
    assert ours.sum() == pytest.approx(bg.loglik, rel=1e-12)


def test_gammagamma_loglik_matches_lifetimes(
    repeaters: pd.DataFrame, lifetimes: ModuleType, gg: clv.GammaGamma
) -> None:
    x, m = repeaters["frequency"].to_numpy(dtype=float), repeaters["monetary_value"].to_numpy()
    ours = clv.gammagamma_loglik(gg.p, gg.q, gg.gamma, x, m)
    with quiet_lifetimes():
        theirs = lifetimes.GammaGammaFitter._negative_log_likelihood(
            np.log([gg.p, gg.q, gg.gamma]), x, m, np.ones_like(x), 0.0
        )
    assert -ours.mean() == pytest.approx(theirs, rel=1e-12)
    assert ours.sum() == pytest.approx(gg.loglik, rel=1e-12)


def test_prob_alive_matches_lifetimes(cdnow: pd.DataFrame, lt_bg: Any, lt_params: tuple) -> None:
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ours = clv.prob_alive(lt_params[0], x, t_x, T)
    theirs = lt_bg.conditional_probability_alive(x.to_numpy(), t_x.to_numpy(), T.to_numpy())
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    assert np.all(ours[x.to_numpy() == 0] == 1.0)


@pytest.mark.parametrize("t", [1.0, 10.0, 39.0, 78.0])
def test_conditional_expected_purchases_match_lifetimes(
    cdnow: pd.DataFrame, lt_bg: Any, lt_params: tuple, t: float
) -> None:
    x, t_x, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = clv.conditional_expected_purchases(lt_params[0], t, x, t_x, T)
    theirs = lt_bg.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_expected_purchases_match_lifetimes(lt_bg: Any, lt_params: tuple) -> None:
    t = np.array([0.5, 1.0, 13.0, 39.0, 78.0, 520.0])
    ours = clv.expected_purchases(lt_params[0], t)
    np.testing.assert_allclose(ours, lt_bg.expected_number_of_purchases_up_to_time(t), rtol=1e-10)
    assert clv.expected_purchases(lt_params[0], 0.0) == 0.0


def test_conditional_expected_spend_matches_lifetimes(cdnow: pd.DataFrame, lt_gg: Any, lt_params: tuple) -> None:
    x, m = cdnow["frequency"], cdnow["monetary_value"]
    ours = clv.conditional_expected_spend(lt_params[1], x, m)
    theirs = lt_gg.conditional_expected_average_profit(x, m).to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    gg = lt_params[1]
    population_mean = gg.p * gg.gamma / (gg.q - 1)
    assert ours[x.to_numpy() == 0] == pytest.approx(population_mean, rel=1e-12)


def test_clv_matches_lifetimes(cdnow: pd.DataFrame, lt_bg: Any, lt_gg: Any, lt_params: tuple) -> None:
    # lifetimes' customer_lifetime_value(time=12, freq="W", discount_rate=d) steps through
    # i = 4.345 * k weeks for k = 1..12, takes E[Y(i)] - E[Y(i - 4.345)] and discounts by
    # (1 + d) ** k: exactly our step=4.345, horizon=12, discount_rate=d (per step).
    sample = cdnow.iloc[::40]
    with quiet_lifetimes():
        theirs = lt_gg.customer_lifetime_value(
            lt_bg, sample["frequency"], sample["recency"], sample["T"], sample["monetary_value"],
            time=12, discount_rate=0.01, freq="W",
        )
    ours = clv.customer_lifetime_value(
        *lt_params, sample["frequency"], sample["recency"], sample["T"], sample["monetary_value"],
        horizon=12, discount_rate=0.01, step=WEEKS_PER_MONTH,
    )
    np.testing.assert_allclose(ours, theirs.to_numpy(), rtol=1e-10)


# ---------------------------------------------------------------------------
# Fitting mechanics
# ---------------------------------------------------------------------------


def test_weights_act_as_repeated_rows(cdnow: pd.DataFrame, bg: clv.BGNBD) -> None:
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    doubled = clv.fit_bgnbd(x, t_x, T, weights=np.full(len(x), 2.0))
    for name in ("r", "alpha", "a", "b"):
        assert getattr(doubled, name) == pytest.approx(getattr(bg, name), rel=1e-6)
    assert doubled.loglik == pytest.approx(2 * bg.loglik, rel=1e-9)
    assert doubled.n_customers == 2 * bg.n_customers


def test_fit_is_independent_of_time_unit_and_start(cdnow: pd.DataFrame, bg: clv.BGNBD) -> None:
    days = clv.fit_bgnbd(cdnow["frequency"], 7 * cdnow["recency"], 7 * cdnow["T"], initial=FHL_PARAMS)
    assert days.alpha == pytest.approx(7 * bg.alpha, rel=1e-6)
    for name in ("r", "a", "b"):
        assert getattr(days, name) == pytest.approx(getattr(bg, name), rel=1e-6)
    # time in days shifts the log-likelihood by -sum(x) * ln 7
    shift = -cdnow["frequency"].sum() * np.log(7)
    assert days.loglik == pytest.approx(bg.loglik + shift, rel=1e-9)


def test_analytic_gradients_match_finite_differences(cdnow: pd.DataFrame, repeaters: pd.DataFrame) -> None:
    from scipy.optimize import approx_fprime

    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    w = np.ones_like(x)
    bg_args = (x, t_x / T.max(), T / T.max(), w, *_inputs._levels(x, w))
    xs, m = repeaters["frequency"].to_numpy(dtype=float), repeaters["monetary_value"].to_numpy()
    gg_args = (xs, m / m.mean(), np.ones_like(xs), *_inputs._levels(xs, np.ones_like(xs)))
    cases = (
        (bgnbd._bgnbd_objective, bg_args, [-1.0, -2.0, 0.3, 0.5]),
        (gammagamma._gammagamma_objective, gg_args, [1.5, 0.8, 0.2]),
    )
    for objective, args, point in cases:
        point = np.asarray(point)
        analytic = objective(point, *args)[1]
        numeric = approx_fprime(point, lambda z: objective(z, *args)[0], 1e-7)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6)


def test_scalar_inputs_give_floats_and_arrays_give_arrays(bg: clv.BGNBD) -> None:
    assert isinstance(clv.prob_alive(bg, 2, 30.43, 38.86), float)
    assert isinstance(clv.expected_purchases(bg, 39.0), float)
    many = clv.prob_alive(bg, [0, 2], [0.0, 30.43], 38.86)
    assert isinstance(many, np.ndarray) and many.shape == (2,)


# ---------------------------------------------------------------------------
# Recovery and calibration on simulated data
# ---------------------------------------------------------------------------


def test_bgnbd_recovers_simulated_parameters(simulated: dict[str, np.ndarray]) -> None:
    fit = clv.fit_bgnbd(simulated["x"], simulated["t_x"], simulated["T"])
    assert fit.converged
    # About 3 asymptotic standard errors at n = 20,000, T = 52 (from the inverse
    # Hessian: 1.5 %, 2.5 %, 5.6 % and 7.4 % for r, alpha, a, b).
    tolerance = {"r": 0.05, "alpha": 0.08, "a": 0.17, "b": 0.22}
    for name, true in TRUE_BG.items():
        assert getattr(fit, name) == pytest.approx(true, rel=tolerance[name]), name


def test_gammagamma_recovers_simulated_parameters() -> None:
    x, mbar = simulate_gammagamma(np.random.default_rng(2013), 20_000, **TRUE_GG)
    fit = clv.fit_gammagamma(x, mbar)
    assert fit.converged
    # p and gamma are strongly correlated (about 3 standard errors: 5.4 %, 1.6 %,
    # 6.9 %); their combination, the mean spend p * gamma / (q - 1), is sharp.
    tolerance = {"p": 0.16, "q": 0.05, "gamma": 0.21}
    for name, true in TRUE_GG.items():
        assert getattr(fit, name) == pytest.approx(true, rel=tolerance[name]), name
    true_mean = TRUE_GG["p"] * TRUE_GG["gamma"] / (TRUE_GG["q"] - 1)
    assert fit.p * fit.gamma / (fit.q - 1) == pytest.approx(true_mean, rel=0.02)


def test_expectations_match_simulation(simulated: dict[str, np.ndarray]) -> None:
    """At the true parameters, model means agree with the simulated means within 4 standard errors."""
    truth = clv.BGNBD(**TRUE_BG)
    x, t_x, T = simulated["x"], simulated["t_x"], simulated["T"]
    checks = {
        "E[X(52)]": (clv.expected_purchases(truth, 52.0), simulated["x"]),
        "P(alive)": (clv.prob_alive(truth, x, t_x, T).mean(), simulated["alive"].astype(float)),
        "E[Y(39)]": (
            clv.conditional_expected_purchases(truth, 39.0, x, t_x, T).mean(),
            simulated["x_holdout"].astype(float),
        ),
    }
    for name, (model, draws) in checks.items():
        assert abs(model - draws.mean()) < 4 * standard_error(draws), name


def test_holdout_by_frequency(simulated: dict[str, np.ndarray]) -> None:
    truth = clv.BGNBD(**TRUE_BG)
    x, t_x, T, x_holdout = (simulated[k] for k in ("x", "t_x", "T", "x_holdout"))
    table = clv.holdout_by_frequency(truth, x, t_x, T, x_holdout, 39.0, max_x=7)
    assert list(table.columns) == ["x", "n_customers", "actual", "predicted"]
    assert table["x"].tolist() == list(range(8))
    assert table["n_customers"].sum() == len(x)
    assert table.loc[table["x"] == 7, "n_customers"].item() == int((x >= 7).sum())
    top = x >= 7
    assert table.loc[table["x"] == 7, "actual"].item() == pytest.approx(x_holdout[top].mean())
    predicted = clv.conditional_expected_purchases(truth, 39.0, x, t_x, T)
    assert table.loc[table["x"] == 0, "predicted"].item() == pytest.approx(predicted[x == 0].mean())
    # at the true parameters each group's prediction is within 4 standard errors
    for value in range(8):
        group = x_holdout[np.minimum(x, 7) == value].astype(float)
        row = table[table["x"] == value].iloc[0]
        assert abs(row["predicted"] - row["actual"]) < 4 * standard_error(group), value


# ---------------------------------------------------------------------------
# Tracking curve and CLV
# ---------------------------------------------------------------------------


def test_expected_cumulative_repeats_sums_over_customers(bg: clv.BGNBD) -> None:
    birth = np.array([0.0, 0.0, 1.5, 3.0, 3.0, 3.0, 7.25])
    times = np.array([0.0, 1.0, 3.0, 5.0, 10.0, 52.0])
    curve = clv.expected_cumulative_repeats(bg, birth, times)
    expected = [sum(clv.expected_purchases(bg, tau - s) for s in birth if tau > s) for tau in times]
    np.testing.assert_allclose(curve, expected, rtol=1e-12)
    assert curve[0] == 0.0
    assert np.all(np.diff(curve) > 0)


def test_clv_without_discount_telescopes(cdnow: pd.DataFrame, bg: clv.BGNBD, gg: clv.GammaGamma) -> None:
    sample = cdnow.iloc[:100]
    args = (sample["frequency"], sample["recency"], sample["T"], sample["monetary_value"])
    flat = clv.customer_lifetime_value(bg, gg, *args, horizon=10, discount_rate=0.0, step=5.2)
    purchases = clv.conditional_expected_purchases(bg, 52.0, *args[:3])
    spend = clv.conditional_expected_spend(gg, sample["frequency"], sample["monetary_value"])
    np.testing.assert_allclose(flat, purchases * spend, rtol=1e-10)
    discounted = clv.customer_lifetime_value(bg, gg, *args, horizon=10, discount_rate=0.02, step=5.2)
    assert np.all(discounted < flat) and np.all(discounted > 0)


# ---------------------------------------------------------------------------
# DataError: every bad input names the argument and the fix
# ---------------------------------------------------------------------------

P = clv.BGNBD(**FHL_PARAMS)
G = clv.GammaGamma(**FH_PARAMS)
X, TX, TT = [0, 2, 1, 3], [0.0, 30.0, 5.0, 10.0], [38.0, 38.0, 38.0, 38.0]

ERROR_CASES: dict[str, tuple[Callable[[], object], str, str]] = {
    "negative x": (lambda: clv.fit_bgnbd([0, 2, -1, 3], TX, TT), "x", "customer_summary"),
    "fractional x": (lambda: clv.prob_alive(P, [0, 2.5, 1, 3], TX, TT), "x", "customer_summary"),
    "nan t_x": (lambda: clv.prob_alive(P, X, [0.0, np.nan, 5.0, 10.0], TT), "t_x", "customer_summary"),
    "infinite T": (lambda: clv.bgnbd_loglik(1, 1, 1, 1, X, TX, [38.0, np.inf, 38.0, 38.0]), "T", "customer_summary"),
    "t_x > T": (lambda: clv.fit_bgnbd(X, [0.0, 40.0, 5.0, 10.0], TT), "t_x", "customer_summary"),
    "T = 0": (lambda: clv.fit_bgnbd(X, TX, [38.0, 38.0, 0.0, 38.0]), "T", "customer_summary"),
    "negative t_x": (lambda: clv.fit_bgnbd(X, [0.0, 30.0, -5.0, 10.0], TT), "t_x", "customer_summary"),
    "x == 0, t_x > 0": (lambda: clv.fit_bgnbd(X, [1.0, 30.0, 5.0, 10.0], TT), "t_x", "x == 0"),
    "unequal lengths": (lambda: clv.fit_bgnbd(X, TX[:3], TT), "x, t_x, T", "customer_summary"),
    "text": (lambda: clv.fit_bgnbd(["a", "b"], [0.0, 0.0], [1.0, 1.0]), "x", "customer_summary"),
    "2-D": (lambda: clv.fit_bgnbd([[1, 2]], [[1.0, 1.0]], [[2.0, 2.0]]), "x", "customer_summary"),
    "empty": (lambda: clv.fit_bgnbd([], [], []), "x", "customer_summary"),
    "negative weights": (lambda: clv.fit_bgnbd(X, TX, TT, weights=[1, -1, 1, 1]), "weights", "counts"),
    "bad initial": (lambda: clv.fit_bgnbd(X, TX, TT, initial=[1.0, 2.0]), "initial", "sequence"),
    "incomplete initial": (lambda: clv.fit_gammagamma([1, 2], [9.0, 9.0], initial={"p": 1.0}), "initial", "dict"),
    "negative parameter": (lambda: clv.BGNBD(r=-0.2, alpha=4.0, a=0.8, b=2.4), "r", "fit"),
    "nan parameter": (lambda: clv.GammaGamma(p=6.0, q=np.nan, gamma=15.0), "q", "fit"),
    "negative t": (lambda: clv.expected_purchases(P, [1.0, -2.0]), "t", "time unit"),
    "x = 0 in Gamma-Gamma fit": (lambda: clv.fit_gammagamma([0, 2], [0.0, 10.0]), "x", "x > 0"),
    "mbar <= 0": (lambda: clv.fit_gammagamma([1, 2], [10.0, 0.0]), "mbar", "monetary_value"),
    "nan mbar": (lambda: clv.gammagamma_loglik(6, 4, 15, [1, 2], [10.0, np.nan]), "mbar", "monetary_value"),
    "q <= 1": (
        lambda: clv.conditional_expected_spend(clv.GammaGamma(p=0.5, q=0.8, gamma=15.0), [0, 1, 5], [0.0, 9.0, 9.0]),
        "q",
        "q > 1",
    ),
    "horizon": (
        lambda: clv.customer_lifetime_value(P, G, X, TX, TT, [0.0, 9.0, 9.0, 9.0], horizon=0, discount_rate=0.01),
        "horizon",
        "int",
    ),
    "discount_rate": (
        lambda: clv.customer_lifetime_value(P, G, X, TX, TT, [0.0, 9.0, 9.0, 9.0], horizon=12, discount_rate=-0.5),
        "discount_rate",
        "per step",
    ),
    "step": (
        lambda: clv.customer_lifetime_value(
            P, G, X, TX, TT, [0.0, 9.0, 9.0, 9.0], horizon=12, discount_rate=0.01, step=0.0
        ),
        "step",
        "time unit",
    ),
    "clv lengths": (
        lambda: clv.customer_lifetime_value(P, G, X, TX, TT, [9.0, 9.0], horizon=12, discount_rate=0.01),
        "x, mbar",
        "monetary_value",
    ),
    "negative x_holdout": (lambda: clv.holdout_by_frequency(P, X, TX, TT, [0, 1, -1, 0], 39.0), "x_holdout", "holdout"),
    "duration 0": (lambda: clv.holdout_by_frequency(P, X, TX, TT, [0, 1, 1, 0], 0.0), "duration", "holdout"),
    "max_x": (lambda: clv.holdout_by_frequency(P, X, TX, TT, [0, 1, 1, 0], 39.0, max_x=0), "max_x", "max_x=7"),
    "nan birth": (lambda: clv.expected_cumulative_repeats(P, [0.0, np.nan], [1.0]), "birth", "calendar"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_data_error_names_argument_and_fix(case: str) -> None:
    call, column, fix_fragment = ERROR_CASES[case]
    with pytest.raises(DataError) as info:
        call()
    error = info.value
    assert error.column == column
    assert f"column: {column}" in str(error)
    assert error.fix and fix_fragment in error.fix
    assert "fix:" in str(error)


def test_data_error_shows_offending_rows_by_label() -> None:
    index = pd.Index([f"c{i}" for i in range(10)], name="customer_id")
    x = pd.Series([0, -1, 2, -3, -4, -5, -6, -7, 1, 0], index=index)
    with pytest.raises(DataError) as info:
        clv.prob_alive(P, x, np.zeros(10), np.full(10, 38.0))
    assert info.value.rows == ["x['c1'] = -1", "x['c3'] = -3", "x['c4'] = -4", "x['c5'] = -5", "x['c6'] = -6"]
    assert "6 rows break this" in str(info.value)
    with pytest.raises(DataError) as info:
        clv.fit_bgnbd(np.array([0, 2, 1, 3]), np.array([0.0, 30.0, 45.0, 10.0]), np.full(4, 38.0))
    assert info.value.rows == ["t_x[2] = 45"]


# ---------------------------------------------------------------------------
# Property: finite likelihood, probabilities in [0, 1]
# ---------------------------------------------------------------------------

positive = st.floats(min_value=1e-2, max_value=50.0, allow_nan=False, allow_infinity=False)
customers = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=300),
        st.floats(min_value=0.0, max_value=1.0),
        st.floats(min_value=1e-2, max_value=1000.0),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=100, deadline=None)
@given(r=positive, alpha=st.floats(min_value=1e-2, max_value=500.0), a=positive, b=positive, rows=customers)
def test_loglik_finite_and_prob_alive_is_a_probability(
    r: float, alpha: float, a: float, b: float, rows: list[tuple[int, float, float]]
) -> None:
    x = np.array([row[0] for row in rows], dtype=float)
    T = np.array([row[2] for row in rows])
    t_x = np.where(x > 0, np.array([row[1] for row in rows]) * T, 0.0)
    loglik = clv.bgnbd_loglik(r, alpha, a, b, x, t_x, T)
    assert np.all(np.isfinite(loglik))
    alive = clv.prob_alive(clv.BGNBD(r=r, alpha=alpha, a=a, b=b), x, t_x, T)
    assert np.all((alive >= 0.0) & (alive <= 1.0))


def test_clv_x_spend_zero_gives_the_population_mean_spend():
    bg = clv.BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)
    gg = clv.GammaGamma(p=6.25, q=3.74, gamma=15.44)
    value = clv.customer_lifetime_value(bg, gg, [3], [20.0], [38.0], [0.0], x_spend=[0], horizon=52, discount_rate=0.0)
    purchases = clv.conditional_expected_purchases(bg, 52, 3, 20.0, 38.0)
    assert float(value[0]) == pytest.approx(purchases * 6.25 * 15.44 / (3.74 - 1))
