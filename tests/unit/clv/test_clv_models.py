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
    return clv.BGNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def gg(repeaters: pd.DataFrame) -> clv.GammaGamma:
    return clv.GammaGamma().fit(repeaters["frequency"], repeaters["monetary_value"])


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
    bg_params = clv.BGNBD.from_parameters(**{name: float(lt_bg.params_[name]) for name in clv.BGNBD.PARAMETERS})
    p, q, v = (float(lt_gg.params_[name]) for name in ("p", "q", "v"))
    return bg_params, clv.GammaGamma.from_parameters(p=p, q=q, gamma=v)


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


def test_bgnbd_fit_reproduces_fhl_2005(bg: clv.BGNBD) -> None:
    for name, published in FHL_PARAMS.items():
        assert getattr(bg, f"{name}_") == pytest.approx(published, abs=1e-3), name
    assert bg.loglik_ == pytest.approx(FHL_LOGLIK, abs=0.05)
    assert bg.n_customers_ == 2357
    assert bg.converged_


def test_conditional_expectation_reproduces_fhl_2005(bg: clv.BGNBD) -> None:
    value = bg.conditional_expected_purchases(39, 2, 30.43, 38.86)
    assert isinstance(value, float)
    assert value == pytest.approx(FHL_CONDITIONAL, abs=1e-3)


def test_gammagamma_fit_reproduces_fh_2013(gg: clv.GammaGamma) -> None:
    for name, published in FH_PARAMS.items():
        assert getattr(gg, f"{name}_") == pytest.approx(published, abs=1e-2), name
    assert gg.n_customers_ == 946
    assert gg.converged_


def test_as_dict_round_trips(bg: clv.BGNBD, gg: clv.GammaGamma) -> None:
    assert clv.BGNBD.from_parameters(**bg.as_dict()).as_dict() == bg.as_dict()
    assert clv.GammaGamma.from_parameters(**gg.as_dict()).as_dict() == gg.as_dict()
    assert list(bg.as_dict()) == ["r", "alpha", "a", "b", "loglik", "n_customers", "converged", "at_boundary", "bounded"]
    assert not bg.at_boundary_ and bg.bounded_ == ()  # the paper's CDNOW fit is inside the parameter space


# ---------------------------------------------------------------------------
# Agreement with lifetimes
# ---------------------------------------------------------------------------


def test_fitted_parameters_match_lifetimes(bg: clv.BGNBD, gg: clv.GammaGamma, lt_bg: Any, lt_gg: Any) -> None:
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bg, f"{name}_") == pytest.approx(lt_bg.params_[name], rel=1e-5), name
    for ours, theirs in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert getattr(gg, f"{ours}_") == pytest.approx(lt_gg.params_[theirs], rel=1e-5), ours


def test_bgnbd_loglik_matches_lifetimes(cdnow: pd.DataFrame, lifetimes: ModuleType, bg: clv.BGNBD) -> None:
    x, t_x, T = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    ours = clv.bgnbd_loglik(bg.r_, bg.alpha_, bg.a_, bg.b_, x, t_x, T)
    log_params = np.log([bg.r_, bg.alpha_, bg.a_, bg.b_])
    nll = lifetimes.BetaGeoFitter._negative_log_likelihood
    with quiet_lifetimes():
        mean_theirs = nll(log_params, x, t_x, T, np.ones_like(x), 0.0)
        # lifetimes only returns the weighted mean: evaluate customers one at a time
        rows = np.arange(0, len(x), 23)
        theirs = np.array([nll(log_params, x[[i]], t_x[[i]], T[[i]], np.ones(1), 0.0) for i in rows])
    assert -ours.mean() == pytest.approx(mean_theirs, rel=1e-12)
    np.testing.assert_allclose(-ours[rows], theirs, rtol=1e-12)
    assert ours.sum() == pytest.approx(bg.loglik_, rel=1e-12)


def test_gammagamma_loglik_matches_lifetimes(
    repeaters: pd.DataFrame, lifetimes: ModuleType, gg: clv.GammaGamma
) -> None:
    x, m = repeaters["frequency"].to_numpy(dtype=float), repeaters["monetary_value"].to_numpy()
    ours = clv.gammagamma_loglik(gg.p_, gg.q_, gg.gamma_, x, m)
    with quiet_lifetimes():
        theirs = lifetimes.GammaGammaFitter._negative_log_likelihood(
            np.log([gg.p_, gg.q_, gg.gamma_]), x, m, np.ones_like(x), 0.0
        )
    assert -ours.mean() == pytest.approx(theirs, rel=1e-12)
    assert ours.sum() == pytest.approx(gg.loglik_, rel=1e-12)


def test_prob_alive_matches_lifetimes(cdnow: pd.DataFrame, lt_bg: Any, lt_params: tuple) -> None:
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ours = lt_params[0].prob_alive(x, t_x, T)
    theirs = lt_bg.conditional_probability_alive(x.to_numpy(), t_x.to_numpy(), T.to_numpy())
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    assert np.all(ours[x.to_numpy() == 0] == 1.0)


@pytest.mark.parametrize("t", [1.0, 10.0, 39.0, 78.0])
def test_conditional_expected_purchases_match_lifetimes(
    cdnow: pd.DataFrame, lt_bg: Any, lt_params: tuple, t: float
) -> None:
    x, t_x, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = lt_params[0].conditional_expected_purchases(t, x, t_x, T)
    theirs = lt_bg.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_expected_purchases_match_lifetimes(lt_bg: Any, lt_params: tuple) -> None:
    t = np.array([0.5, 1.0, 13.0, 39.0, 78.0, 520.0])
    ours = lt_params[0].expected_purchases(t)
    np.testing.assert_allclose(ours, lt_bg.expected_number_of_purchases_up_to_time(t), rtol=1e-10)
    assert lt_params[0].expected_purchases(0.0) == 0.0


def test_conditional_expected_spend_matches_lifetimes(cdnow: pd.DataFrame, lt_gg: Any, lt_params: tuple) -> None:
    x, m = cdnow["frequency"], cdnow["monetary_value"]
    ours = lt_params[1].conditional_expected_spend(x, m)
    theirs = lt_gg.conditional_expected_average_profit(x, m).to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    gg = lt_params[1]
    population_mean = gg.p_ * gg.gamma_ / (gg.q_ - 1)
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
    doubled = clv.BGNBD().fit(x, t_x, T, weights=np.full(len(x), 2.0))
    for name in ("r", "alpha", "a", "b"):
        assert getattr(doubled, f"{name}_") == pytest.approx(getattr(bg, f"{name}_"), rel=1e-6)
    assert doubled.loglik_ == pytest.approx(2 * bg.loglik_, rel=1e-9)
    assert doubled.n_customers_ == 2 * bg.n_customers_


def test_fit_is_independent_of_time_unit_and_start(cdnow: pd.DataFrame, bg: clv.BGNBD) -> None:
    days = clv.BGNBD(initial=FHL_PARAMS).fit(cdnow["frequency"], 7 * cdnow["recency"], 7 * cdnow["T"])
    assert days.alpha_ == pytest.approx(7 * bg.alpha_, rel=1e-6)
    for name in ("r", "a", "b"):
        assert getattr(days, f"{name}_") == pytest.approx(getattr(bg, f"{name}_"), rel=1e-6)
    # time in days shifts the log-likelihood by -sum(x) * ln 7
    shift = -cdnow["frequency"].sum() * np.log(7)
    assert days.loglik_ == pytest.approx(bg.loglik_ + shift, rel=1e-9)


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
    assert isinstance(bg.prob_alive(2, 30.43, 38.86), float)
    assert isinstance(bg.expected_purchases(39.0), float)
    many = bg.prob_alive([0, 2], [0.0, 30.43], 38.86)
    assert isinstance(many, np.ndarray) and many.shape == (2,)


# ---------------------------------------------------------------------------
# Recovery and calibration on simulated data
# ---------------------------------------------------------------------------


def test_bgnbd_recovers_simulated_parameters(simulated: dict[str, np.ndarray]) -> None:
    fit = clv.BGNBD().fit(simulated["x"], simulated["t_x"], simulated["T"])
    assert fit.converged_
    # About 3 asymptotic standard errors at n = 20,000, T = 52 (from the inverse
    # Hessian: 1.5 %, 2.5 %, 5.6 % and 7.4 % for r, alpha, a, b).
    tolerance = {"r": 0.05, "alpha": 0.08, "a": 0.17, "b": 0.22}
    for name, true in TRUE_BG.items():
        assert getattr(fit, f"{name}_") == pytest.approx(true, rel=tolerance[name]), name


def test_gammagamma_recovers_simulated_parameters() -> None:
    x, mbar = simulate_gammagamma(np.random.default_rng(2013), 20_000, **TRUE_GG)
    fit = clv.GammaGamma().fit(x, mbar)
    assert fit.converged_
    # p and gamma are strongly correlated (about 3 standard errors: 5.4 %, 1.6 %,
    # 6.9 %); their combination, the mean spend p * gamma / (q - 1), is sharp.
    tolerance = {"p": 0.16, "q": 0.05, "gamma": 0.21}
    for name, true in TRUE_GG.items():
        assert getattr(fit, f"{name}_") == pytest.approx(true, rel=tolerance[name]), name
    true_mean = TRUE_GG["p"] * TRUE_GG["gamma"] / (TRUE_GG["q"] - 1)
    assert fit.p_ * fit.gamma_ / (fit.q_ - 1) == pytest.approx(true_mean, rel=0.02)


def test_expectations_match_simulation(simulated: dict[str, np.ndarray]) -> None:
    """At the true parameters, model means agree with the simulated means within 4 standard errors."""
    truth = clv.BGNBD.from_parameters(**TRUE_BG)
    x, t_x, T = simulated["x"], simulated["t_x"], simulated["T"]
    checks = {
        "E[X(52)]": (truth.expected_purchases(52.0), simulated["x"]),
        "P(alive)": (truth.prob_alive(x, t_x, T).mean(), simulated["alive"].astype(float)),
        "E[Y(39)]": (
            truth.conditional_expected_purchases(39.0, x, t_x, T).mean(),
            simulated["x_holdout"].astype(float),
        ),
    }
    for name, (model, draws) in checks.items():
        assert abs(model - draws.mean()) < 4 * standard_error(draws), name


def test_holdout_by_frequency(simulated: dict[str, np.ndarray]) -> None:
    truth = clv.BGNBD.from_parameters(**TRUE_BG)
    x, t_x, T, x_holdout = (simulated[k] for k in ("x", "t_x", "T", "x_holdout"))
    table = clv.holdout_by_frequency(truth, x, t_x, T, x_holdout, 39.0, max_x=7)
    assert list(table.columns) == ["x", "n_customers", "actual", "predicted"]
    assert table["x"].tolist() == list(range(8))
    assert table["n_customers"].sum() == len(x)
    assert table.loc[table["x"] == 7, "n_customers"].item() == int((x >= 7).sum())
    top = x >= 7
    assert table.loc[table["x"] == 7, "actual"].item() == pytest.approx(x_holdout[top].mean())
    predicted = truth.conditional_expected_purchases(39.0, x, t_x, T)
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
    curve = bg.expected_cumulative_repeats(birth, times)
    expected = [sum(bg.expected_purchases(tau - s) for s in birth if tau > s) for tau in times]
    np.testing.assert_allclose(curve, expected, rtol=1e-12)
    assert curve[0] == 0.0
    assert np.all(np.diff(curve) > 0)


def test_clv_without_discount_telescopes(cdnow: pd.DataFrame, bg: clv.BGNBD, gg: clv.GammaGamma) -> None:
    sample = cdnow.iloc[:100]
    args = (sample["frequency"], sample["recency"], sample["T"], sample["monetary_value"])
    flat = clv.customer_lifetime_value(bg, gg, *args, horizon=10, discount_rate=0.0, step=5.2)
    purchases = bg.conditional_expected_purchases(52.0, *args[:3])
    spend = gg.conditional_expected_spend(sample["frequency"], sample["monetary_value"])
    np.testing.assert_allclose(flat, purchases * spend, rtol=1e-10)
    discounted = clv.customer_lifetime_value(bg, gg, *args, horizon=10, discount_rate=0.02, step=5.2)
    assert np.all(discounted < flat) and np.all(discounted > 0)


# ---------------------------------------------------------------------------
# DataError: every bad input names the argument and the fix
# ---------------------------------------------------------------------------

P = clv.BGNBD.from_parameters(**FHL_PARAMS)
G = clv.GammaGamma.from_parameters(**FH_PARAMS)
X, TX, TT = [0, 2, 1, 3], [0.0, 30.0, 5.0, 10.0], [38.0, 38.0, 38.0, 38.0]

ERROR_CASES: dict[str, tuple[Callable[[], object], str, str]] = {
    "negative x": (lambda: clv.BGNBD().fit([0, 2, -1, 3], TX, TT), "x", "customer_summary"),
    "fractional x": (lambda: P.prob_alive([0, 2.5, 1, 3], TX, TT), "x", "customer_summary"),
    "nan t_x": (lambda: P.prob_alive(X, [0.0, np.nan, 5.0, 10.0], TT), "t_x", "customer_summary"),
    "infinite T": (lambda: clv.bgnbd_loglik(1, 1, 1, 1, X, TX, [38.0, np.inf, 38.0, 38.0]), "T", "customer_summary"),
    "t_x > T": (lambda: clv.BGNBD().fit(X, [0.0, 40.0, 5.0, 10.0], TT), "t_x", "customer_summary"),
    "T = 0": (lambda: clv.BGNBD().fit(X, TX, [38.0, 38.0, 0.0, 38.0]), "T", "customer_summary"),
    "negative t_x": (lambda: clv.BGNBD().fit(X, [0.0, 30.0, -5.0, 10.0], TT), "t_x", "customer_summary"),
    "x == 0, t_x > 0": (lambda: clv.BGNBD().fit(X, [1.0, 30.0, 5.0, 10.0], TT), "t_x", "x == 0"),
    "unequal lengths": (lambda: clv.BGNBD().fit(X, TX[:3], TT), "x, t_x, T", "customer_summary"),
    "text": (lambda: clv.BGNBD().fit(["a", "b"], [0.0, 0.0], [1.0, 1.0]), "x", "customer_summary"),
    "2-D": (lambda: clv.BGNBD().fit([[1, 2]], [[1.0, 1.0]], [[2.0, 2.0]]), "x", "customer_summary"),
    "empty": (lambda: clv.BGNBD().fit([], [], []), "x", "customer_summary"),
    "negative weights": (lambda: clv.BGNBD().fit(X, TX, TT, weights=[1, -1, 1, 1]), "weights", "counts"),
    "bad initial": (lambda: clv.BGNBD(initial=[1.0, 2.0]).fit(X, TX, TT), "initial", "sequence"),
    "incomplete initial": (lambda: clv.GammaGamma(initial={"p": 1.0}).fit([1, 2], [9.0, 9.0]), "initial", "dict"),
    "negative parameter": (lambda: clv.BGNBD.from_parameters(r=-0.2, alpha=4.0, a=0.8, b=2.4), "r", "fit"),
    "nan parameter": (lambda: clv.GammaGamma.from_parameters(p=6.0, q=np.nan, gamma=15.0), "q", "fit"),
    "negative t": (lambda: P.expected_purchases([1.0, -2.0]), "t", "time unit"),
    "x = 0 in Gamma-Gamma fit": (lambda: clv.GammaGamma().fit([0, 2], [0.0, 10.0]), "x", "x > 0"),
    "mbar <= 0": (lambda: clv.GammaGamma().fit([1, 2], [10.0, 0.0]), "mbar", "monetary_value"),
    "nan mbar": (lambda: clv.gammagamma_loglik(6, 4, 15, [1, 2], [10.0, np.nan]), "mbar", "monetary_value"),
    "q <= 1": (
        lambda: clv.GammaGamma.from_parameters(p=0.5, q=0.8, gamma=15.0).conditional_expected_spend(
            [0, 1, 5], [0.0, 9.0, 9.0]
        ),
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
    "nan birth": (lambda: P.expected_cumulative_repeats([0.0, np.nan], [1.0]), "birth", "calendar"),
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
        P.prob_alive(x, np.zeros(10), np.full(10, 38.0))
    assert info.value.rows == ["x['c1'] = -1", "x['c3'] = -3", "x['c4'] = -4", "x['c5'] = -5", "x['c6'] = -6"]
    assert "6 rows break this" in str(info.value)
    with pytest.raises(DataError) as info:
        clv.BGNBD().fit(np.array([0, 2, 1, 3]), np.array([0.0, 30.0, 45.0, 10.0]), np.full(4, 38.0))
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
    alive = clv.BGNBD.from_parameters(r=r, alpha=alpha, a=a, b=b).prob_alive(x, t_x, T)
    assert np.all((alive >= 0.0) & (alive <= 1.0))


def test_clv_x_spend_zero_gives_the_population_mean_spend():
    bg = clv.BGNBD.from_parameters(r=0.243, alpha=4.414, a=0.793, b=2.426)
    gg = clv.GammaGamma.from_parameters(p=6.25, q=3.74, gamma=15.44)
    value = clv.customer_lifetime_value(bg, gg, [3], [20.0], [38.0], [0.0], x_spend=[0], horizon=52, discount_rate=0.0)
    purchases = bg.conditional_expected_purchases(52, 3, 20.0, 38.0)
    assert float(value[0]) == pytest.approx(purchases * 6.25 * 15.44 / (3.74 - 1))


# ---------------------------------------------------------------------------
# The estimators' shape: scikit-learn's API, the unfitted model refused
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, call",
    [
        (clv.BGNBD(), lambda m: m.prob_alive(X, TX, TT)),
        (clv.BGNBD(), lambda m: m.expected_purchases(1.0)),
        (clv.BGNBD(), lambda m: m.predict(1.0, X, TX, TT)),
        (clv.BGNBD(), lambda m: m.expected_cumulative_repeats([0.0], [1.0])),
        (clv.BGNBD(), lambda m: clv.holdout_by_frequency(m, X, TX, TT, [0, 1, 1, 0], 39.0)),
        (clv.GammaGamma(), lambda m: m.predict([1, 2], [9.0, 9.0])),
        (clv.GammaGamma(), lambda m: m.as_dict()),
    ],
)
def test_an_unfitted_model_names_itself_and_the_fix(model: Any, call: Callable[[Any], object]) -> None:
    with pytest.raises(DataError) as info:
        call(model)
    name = type(model).__name__
    assert info.value.column == "model" and f"This {name} model is not fitted" in str(info.value)
    assert f"{name}().fit(" in info.value.fix and f"{name}.from_parameters(" in info.value.fix


def test_estimators_follow_scikit_learn(cdnow: pd.DataFrame, bg: clv.BGNBD, gg: clv.GammaGamma) -> None:
    from sklearn.base import clone
    from sklearn.utils.validation import check_is_fitted

    model = clv.BGNBD(tol=1e-9, max_iter=500)
    assert model.get_params() == {"initial": None, "max_iter": 500, "tol": 1e-9}
    assert clone(model).get_params() == model.get_params() and not hasattr(clone(bg), "r_")
    check_is_fitted(bg)
    check_is_fitted(clv.GammaGamma.from_parameters(**FH_PARAMS))
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    assert model.fit(x, t_x, T) is model and model.r_ == pytest.approx(bg.r_, rel=1e-6)
    np.testing.assert_array_equal(bg.predict(39.0, x, t_x, T), bg.conditional_expected_purchases(39.0, x, t_x, T))
    m = cdnow["monetary_value"]
    np.testing.assert_array_equal(gg.predict(x, m), gg.conditional_expected_spend(x, m))
    # a fitted model's values are a starting point for another fit
    again = clv.BGNBD(initial=bg.as_dict()).fit(x, t_x, T)
    assert again.r_ == pytest.approx(bg.r_, rel=1e-6) and again.converged_
    for bad in ({"tol": 0.0}, {"max_iter": 0}):
        with pytest.raises(DataError) as info:
            clv.GammaGamma(**bad).fit([1, 2, 3], [9.0, 10.0, 12.0])
        assert next(iter(bad)) in str(info.value)
