"""The Gamma-Gamma boundary: reported, fitted as the constrained model, the same for the same data."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import clv


def two_spend_levels(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Customers who spend the same on every purchase, at levels 100 times apart: no gamma mixture fits."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, n)
    level = np.where(rng.random(n) < 0.5, 10.0, 1000.0) * rng.lognormal(0, 0.05, n)
    return x, level


def test_a_degenerate_fit_is_reported_and_constrained() -> None:
    x, mbar = two_spend_levels()
    gg = clv.GammaGamma().fit(x, mbar)
    assert gg.at_boundary_ and gg.p_ == clv.P_BOUNDARY and gg.converged_
    assert clv.fit_diagnostics(clv.BGNBD.from_parameters(r=1.0, alpha=1.0, a=1.0, b=1.0), gg)["spend_degenerate"]
    # the constrained fit is an optimum in (q, gamma): the likelihood drops when either moves
    for dq, dg in [(1.01, 1.0), (0.99, 1.0), (1.0, 1.01), (1.0, 0.99)]:
        assert clv.gammagamma_loglik(gg.p_, gg.q_ * dq, gg.gamma_ * dg, x, mbar).sum() < gg.loglik_
    # with p that large the expected spend is the customer's own average
    spend = gg.conditional_expected_spend(x, mbar)
    np.testing.assert_allclose(spend, mbar, rtol=0.05)


def test_the_constrained_fit_does_not_follow_the_last_bit() -> None:
    x, mbar = two_spend_levels()
    a = clv.GammaGamma().fit(x, mbar)
    b = clv.GammaGamma().fit(x, mbar * (1 + 1e-15))
    assert b.at_boundary_
    assert b.q_ == pytest.approx(a.q_, rel=1e-6) and b.gamma_ == pytest.approx(a.gamma_, rel=1e-6)
    assert clv.GammaGamma().fit(x, mbar).as_dict() == a.as_dict()  # same input, same output, bit for bit


def test_an_ordinary_fit_is_inside() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(1, 8, 400)
    nu = rng.gamma(4.0, 1 / 40.0, 400)
    mbar = np.array([rng.gamma(3.0 * k, 1 / (k * v)) for k, v in zip(x, nu)])
    gg = clv.GammaGamma().fit(x, mbar)
    assert not gg.at_boundary_ and gg.p_ < clv.P_BOUNDARY
    assert not clv.fit_diagnostics(clv.BGNBD.from_parameters(r=1.0, alpha=1.0, a=1.0, b=1.0), gg)["spend_degenerate"]


def test_a_bgnbd_fit_running_to_infinity_is_reported_and_refitted_on_the_box() -> None:
    """Identical purchase rhythms: no heterogeneity to fit, the unconstrained optimum is at infinity."""
    rng = np.random.default_rng(0)
    n = 40
    T = np.full(n, 3.0)
    x = rng.integers(0, 3, n).astype(float)
    t_x = np.where(x > 0, np.round(rng.uniform(0.5, 3.0, n), 2), 0.0)
    free = clv.BGNBD().fit(x, t_x, T)
    assert free.at_boundary_
    assert max(free.r_, free.a_, free.b_) <= clv.BG_BOUNDARY * 1.0001
    # the parameters left on the box are named, and only they sit on its edge (scaled unit: alpha / max T)
    assert free.bounded_
    scaled = {"r": free.r_, "alpha": free.alpha_ / T.max(), "a": free.a_, "b": free.b_}
    for name, value in scaled.items():
        on_edge = value >= clv.BG_BOUNDARY * (1 - 1e-5) or value <= clv.BG_FLOOR * (1 + 1e-5)
        assert on_edge == (name in free.bounded_), (name, value)
    expected = free.conditional_expected_purchases(1.0, x, t_x, T)
    assert np.all(np.isfinite(expected)) and np.all(np.isfinite(free.prob_alive(x, t_x, T)))
    # the paper's CDNOW fit is inside: not at the boundary (checked in test_clv_models against FHL 2005)
