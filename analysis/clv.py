r"""Customer lifetime value: the BG/NBD and Gamma-Gamma models, equation by equation.

The code follows the papers closely so that each function can be read beside
the formula it implements:

* **BG/NBD** -- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting
  Your Customers the Easy Way: An Alternative to the Pareto/NBD Model."
  *Marketing Science* 24(2), 275-284.  Cited below as *FHL 2005*; equation
  numbers are the paper's.
* **Gamma-Gamma** -- Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma
  Model of Monetary Value." http://brucehardie.com/notes/025/ .  Cited as
  *FH 2013*.
* **CLV** -- Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV:
  Using Iso-Value Curves for Customer Base Analysis." *Journal of Marketing
  Research* 42(4), 415-430.  Cited as *FHL 2005b*.

Inputs are the per-customer calibration summary (see :mod:`analysis.schema`):

* ``x``   -- number of *repeat* purchases in the calibration period,
* ``t_x`` -- time of the last purchase, measured from the first purchase
  (``0`` when ``x == 0``),
* ``T``   -- time from the first purchase to the end of calibration,
* ``mbar`` -- mean value of the repeat purchases (column ``monetary_value``).

**Time unit.** The models have no built-in unit: ``t_x``, ``T``, every horizon
``t`` and the CLV ``step`` must all be in the *same* unit (the book uses weeks,
as FHL 2005 do).  The rate parameter ``alpha`` is then in that unit, so fitted
parameters are only comparable between fits that used the same unit.

Functions take array-likes (lists, numpy arrays, pandas Series) and return
numpy arrays, or a ``float`` when every customer-level input was a scalar.
Bad input raises :class:`analysis.errors.DataError` naming the argument, a few
offending positions, and the fix.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from analysis import schema
from analysis.errors import DataError
from analysis.validate import require_columns

__all__ = [
    "BGNBD",
    "GammaGamma",
    "bgnbd_loglik",
    "conditional_expected_purchases",
    "conditional_expected_spend",
    "customer_lifetime_value",
    "default_calibration_end",
    "expected_cumulative_repeats",
    "expected_purchases",
    "fit_bgnbd",
    "fit_diagnostics",
    "fit_gammagamma",
    "fit_models",
    "gammagamma_loglik",
    "holdout_by_frequency",
    "prob_alive",
    "tracking_curve",
    "value_customers",
]

FloatArray = NDArray[np.float64]

SUMMARY_FIX = (
    "compute the summary with analysis.features.customer_summary: x = repeat purchases, "
    "t_x = time of the last purchase since the first (0 when x == 0), T = time from the "
    "first purchase to the end of calibration, all in one time unit"
)
SPEND_FIX = (
    "pass mbar = the mean value of each customer's repeat purchases "
    f"(column '{schema.REPEAT_VALUE}' of analysis.features.customer_summary), "
    "for customers with x > 0 only, e.g. summary[summary['x'] > 0]"
)

# Optimiser settings: a gradient tolerance on the *mean* negative log-likelihood
# (per customer) in log-parameter space.  1e-8 gives parameters to ~1e-8
# relative on CDNOW and on simulated data; much below it BFGS only burns
# evaluations at the floor set by rounding in the objective (~1e-9).
_GTOL = 1e-8
_MAXITER = 1000


# ---------------------------------------------------------------------------
# Parameter containers
# ---------------------------------------------------------------------------


def _check_parameters(owner: str, values: dict[str, float]) -> None:
    bad = [name for name, value in values.items() if not (np.isfinite(value) and value > 0)]
    if bad:
        raise DataError(
            f"{owner} parameters must be finite and positive",
            column=", ".join(bad),
            rows=[f"{name} = {values[name]!r}" for name in bad],
            fix=f"fit them with fit_{owner.lower().replace('-', '')} or pass the published values",
        )


@dataclass(frozen=True)
class BGNBD:
    r"""Fitted (or given) BG/NBD parameters, FHL 2005 section 3.

    Purchase rates :math:`\lambda \sim \text{Gamma}(r, \alpha)` (shape ``r``,
    rate ``alpha`` in purchases per time unit) and drop-out probabilities
    :math:`p \sim \text{Beta}(a, b)`.

    ``loglik`` is the total log-likelihood at the fit (eq. 6 summed over
    customers), ``n_customers`` the (weighted) number of customers fitted and
    ``converged`` the optimiser's verdict.  Parameters typed in by hand, e.g.
    the paper's ``BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)``, keep the
    defaults ``loglik=nan, n_customers=0, converged=False``: they were not fitted.
    """

    r: float
    alpha: float
    a: float
    b: float
    loglik: float = float("nan")
    n_customers: int = 0
    converged: bool = False

    def __post_init__(self) -> None:
        _check_parameters("BGNBD", {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b})

    def as_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (for tables and JSON)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class GammaGamma:
    r"""Fitted (or given) Gamma-Gamma parameters, FH 2013.

    Each transaction value :math:`z \sim \text{Gamma}(p, \nu)` with customer
    rate :math:`\nu \sim \text{Gamma}(q, \gamma)`; the mean spend of a random
    customer is :math:`p\gamma/(q-1)` (defined for :math:`q > 1`).
    ``gamma`` is in money units.  Fields as in :class:`BGNBD`.
    """

    p: float
    q: float
    gamma: float
    loglik: float = float("nan")
    n_customers: int = 0
    converged: bool = False

    def __post_init__(self) -> None:
        _check_parameters("GammaGamma", {"p": self.p, "q": self.q, "gamma": self.gamma})

    def as_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (for tables and JSON)."""
        return dataclasses.asdict(self)


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


Labels = pd.Index | None  # row labels for messages: a pandas index, or None for positions


def _labels(values: Any, n: int) -> Labels:
    index = getattr(values, "index", None)
    return index if isinstance(index, pd.Index) and len(index) == n else None


def _offenders(name: str, values: FloatArray, labels: Labels, bad: NDArray[np.bool_]) -> list[str]:
    """Up to five offending rows as ``name[label] = value``."""
    shown = []
    for i in np.flatnonzero(bad)[:5]:
        label = int(i) if labels is None else labels[i]
        label = label.item() if isinstance(label, np.generic) else label
        shown.append(f"{name}[{label!r}] = {values[i]:g}")
    return shown


def _as_array(name: str, values: ArrayLike, fix: str) -> tuple[FloatArray, Labels]:
    """A finite 1-D float array (scalars become length 1) and its row labels."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric ({exc})", column=name, fix=fix) from None
    if array.ndim > 1:
        raise DataError(
            f"{name} must be one-dimensional (one value per customer), got shape {array.shape}",
            column=name,
            fix=fix,
        )
    array = np.atleast_1d(array)
    if array.size == 0:
        raise DataError(f"{name} is empty: there are no customers", column=name, fix=fix)
    labels = _labels(values, array.size)
    bad = ~np.isfinite(array)
    if bad.any():
        raise DataError(
            f"{name} must be finite (found {int(bad.sum())} NaN or infinite values)",
            column=name,
            rows=_offenders(name, array, labels, bad),
            fix=fix,
        )
    return array, labels


def _require(
    ok: NDArray[np.bool_], name: str, values: FloatArray, labels: Labels, problem: str, fix: str
) -> None:
    if not ok.all():
        bad = ~ok
        raise DataError(
            f"{name} {problem} ({int(bad.sum())} rows break this)",
            column=name,
            rows=_offenders(name, values, labels, bad),
            fix=fix,
        )


def _same_length(arrays: dict[str, FloatArray], fix: str) -> int:
    """Common length of per-customer arrays; length-1 arrays broadcast."""
    lengths = {name: a.size for name, a in arrays.items()}
    n = max(lengths.values())
    if any(size not in (1, n) for size in lengths.values()):
        raise DataError(
            "per-customer arguments must have the same length (one value per customer)",
            column=", ".join(lengths),
            rows=[f"len({name}) = {size}" for name, size in lengths.items()],
            fix=fix,
        )
    return n


def _counts(name: str, values: ArrayLike, fix: str, *, minimum: int = 0) -> tuple[FloatArray, Labels]:
    array, labels = _as_array(name, values, fix)
    _require(array >= minimum, name, array, labels, f"must be >= {minimum} (a count of purchases)", fix)
    whole = np.abs(array - np.round(array)) <= 1e-9 * np.maximum(1.0, np.abs(array))
    _require(whole, name, array, labels, "must be whole numbers (a count of purchases)", fix)
    return np.round(array), labels


def _summary(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated (x, t_x, T), broadcast to a common length."""
    fix = SUMMARY_FIX
    xa, x_labels = _counts(schema.X, x, fix)
    ta, t_labels = _as_array(schema.T_X, t_x, fix)
    Ta, T_labels = _as_array(schema.T_CAL, T, fix)
    n = _same_length({schema.X: xa, schema.T_X: ta, schema.T_CAL: Ta}, fix)
    _require(Ta > 0, schema.T_CAL, Ta, T_labels, "must be > 0 (time since the first purchase)", fix)
    _require(ta >= 0, schema.T_X, ta, t_labels, "must be >= 0 (time of the last purchase since the first)", fix)
    xa, ta, Ta = np.broadcast_to(xa, n), np.broadcast_to(ta, n), np.broadcast_to(Ta, n)
    labels = next((lab for lab in (x_labels, t_labels, T_labels) if lab is not None and len(lab) == n), None)
    _require(ta <= Ta, schema.T_X, ta, labels, "must be <= T (the last purchase cannot be after the end)", fix)
    _require((xa > 0) | (ta == 0), schema.T_X, ta, labels, "must be 0 when x == 0 (no repeat purchase)", fix)
    return xa, ta, Ta


def _times(name: str, values: ArrayLike, fix: str, *, positive: bool = False) -> FloatArray:
    array, labels = _as_array(name, values, fix)
    if positive:
        _require(array > 0, name, array, labels, "must be > 0", fix)
    else:
        _require(array >= 0, name, array, labels, "must be >= 0", fix)
    return array


def _spend(x: ArrayLike, mbar: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validated (x, mbar) for the Gamma-Gamma model: x >= 1 and mbar > 0."""
    xa, x_labels = _counts(schema.X, x, SPEND_FIX, minimum=1)
    ma, m_labels = _as_array("mbar", mbar, SPEND_FIX)
    n = _same_length({schema.X: xa, "mbar": ma}, SPEND_FIX)
    _require(ma > 0, "mbar", ma, m_labels, "must be > 0 (mean value of repeat purchases)", SPEND_FIX)
    return np.broadcast_to(xa, n), np.broadcast_to(ma, n)


def _output(value: FloatArray, *inputs: ArrayLike) -> FloatArray | float:
    """A float when every customer-level input was a scalar, else the array."""
    if all(np.ndim(v) == 0 for v in inputs):
        return float(np.asarray(value).reshape(-1)[0])
    return np.asarray(value, dtype=np.float64)


def _weights(weights: ArrayLike | None, n: int) -> FloatArray:
    if weights is None:
        return np.ones(n)
    fix = "weights are counts of customers per row: finite, >= 0, one per row, not all zero"
    w, labels = _as_array("weights", weights, fix)
    _same_length({"customers": np.empty(n), "weights": w}, fix)
    _require(w >= 0, "weights", w, labels, "must be >= 0", fix)
    w = np.broadcast_to(w, n)
    if w.sum() <= 0:
        raise DataError("weights sum to 0: there is nothing to fit", column="weights", fix=fix)
    return w


def _aggregate(columns: Sequence[FloatArray], weights: FloatArray) -> tuple[list[FloatArray], FloatArray]:
    """Collapse identical rows into one row with the summed weight (a likelihood speed-up only)."""
    order = np.lexsort(columns[::-1])
    ordered = np.column_stack(columns)[order]
    starts = np.concatenate(([True], np.any(ordered[1:] != ordered[:-1], axis=1)))
    group = np.cumsum(starts) - 1
    summed = np.bincount(group, weights=weights[order])
    unique = ordered[starts]
    keep = summed > 0
    return [unique[keep, j] for j in range(unique.shape[1])], summed[keep]


def _initial(initial: Any, names: tuple[str, ...], default: Sequence[float]) -> FloatArray:
    if initial is None:
        return np.asarray(default, dtype=np.float64)
    try:
        if dataclasses.is_dataclass(initial):
            values = [getattr(initial, name) for name in names]
        elif isinstance(initial, dict):
            values = [initial[name] for name in names]
        else:
            values = list(initial)
        array = np.asarray(values, dtype=np.float64)
    except (AttributeError, KeyError, TypeError, ValueError):
        array = np.empty(0)
    if array.shape != (len(names),) or not (np.isfinite(array).all() and (array > 0).all()):
        raise DataError(
            f"initial must give {len(names)} finite positive values for {', '.join(names)}",
            column="initial",
            rows=[repr(initial)],
            fix="pass a fitted result, a dict or a sequence in that order, or None for the default",
        )
    return array


# ---------------------------------------------------------------------------
# BG/NBD: likelihood and fit
# ---------------------------------------------------------------------------


def _wsum(weights: FloatArray, values: FloatArray) -> float:
    """Weighted sum; elementwise rather than BLAS ``@`` (BLAS threads can stall on a busy machine)."""
    return float(np.sum(weights * values))


def _levels(x: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distinct x values and their summed weights: terms in x alone are evaluated once per value."""
    levels, inverse = np.unique(x, return_inverse=True)
    return levels, np.bincount(inverse.reshape(-1), weights=weights, minlength=levels.size)


def _bgnbd_count_term(r: float, alpha: float, a: float, b: float, x: FloatArray) -> FloatArray:
    r"""ln of the factor of eq. (6) in x alone: :math:`\frac{B(a,b+x)}{B(a,b)}\frac{\Gamma(r+x)\alpha^r}{\Gamma(r)}`."""
    return (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )


def _bgnbd_bracket(
    r: float, alpha: float, a: float, b: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray]:
    r"""ln of the bracket of eq. (6), and :math:`\pi`, the share of its second term.

    :math:`\pi = 1 - P(\text{alive})` is the posterior probability that the
    customer dropped out right after the last purchase; the gradient needs it.
    """
    rx = r + x
    x1 = np.maximum(x, 1.0)
    first = -rx * np.log(alpha + T)
    second = np.where(x > 0, np.log(a) - np.log(b + x1 - 1.0) - rx * np.log(alpha + t_x), -np.inf)
    both = np.logaddexp(first, second)
    return both, np.exp(second - both)


def _bgnbd_loglik(
    r: float, alpha: float, a: float, b: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    return _bgnbd_count_term(r, alpha, a, b, x) + _bgnbd_bracket(r, alpha, a, b, x, t_x, T)[0]


def _bgnbd_objective(
    log_params: FloatArray,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    w: FloatArray,
    levels: FloatArray,
    level_w: FloatArray,
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and its analytic gradient in log-parameters.

    Rows are distinct (x, t_x, T) with weights ``w``; the terms in x alone are
    summed over the distinct values ``levels`` with weights ``level_w``.
    """
    r, alpha, a, b = np.exp(log_params)
    bracket, pi = _bgnbd_bracket(r, alpha, a, b, x, t_x, T)
    stay = 1.0 - pi
    total = float(level_w.sum())
    loglik = _wsum(level_w, _bgnbd_count_term(r, alpha, a, b, levels)) + _wsum(w, bracket)
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + levels)
    d_r = _wsum(level_w, special.digamma(r + levels) - special.digamma(r) + np.log(alpha)) - _wsum(
        w, stay * np.log(alpha + T) + pi * np.log(alpha + t_x)
    )
    d_alpha = total * r / alpha - _wsum(w, (r + x) * (stay / (alpha + T) + pi / (alpha + t_x)))
    d_a = _wsum(level_w, psi_ab - psi_abx) + _wsum(w, pi) / a
    d_b = _wsum(level_w, psi_ab + special.digamma(b + levels) - special.digamma(b) - psi_abx) - _wsum(
        w, pi / (b + np.maximum(x, 1.0) - 1.0)
    )
    grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return -loglik / total, -grad / total


def bgnbd_loglik(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray | float:
    r"""Per-customer BG/NBD log-likelihood, FHL 2005 eq. (6).

    .. math::

        L(r,\alpha,a,b \mid x, t_x, T) =
        \frac{B(a, b+x)}{B(a,b)} \frac{\Gamma(r+x)\,\alpha^r}{\Gamma(r)}
        \left[ (\alpha+T)^{-(r+x)}
        + \delta_{x>0} \frac{a}{b+x-1} (\alpha+t_x)^{-(r+x)} \right]

    evaluated as :math:`\ln L` with ``gammaln`` and ``logaddexp`` so that it
    stays finite for large ``x`` and ``T``.
    """
    params = BGNBD(r=r, alpha=alpha, a=a, b=b)
    xa, ta, Ta = _summary(x, t_x, T)
    return _output(_bgnbd_loglik(params.r, params.alpha, params.a, params.b, xa, ta, Ta), x, t_x, T)


def fit_bgnbd(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    initial: BGNBD | dict[str, float] | Sequence[float] | None = None,
) -> BGNBD:
    r"""Maximum-likelihood BG/NBD fit, FHL 2005 section 5.

    Maximises :math:`\sum_i w_i \ln L(r,\alpha,a,b \mid x_i, t_{x,i}, T_i)` (eq. 6,
    see :func:`bgnbd_loglik`) over :math:`\ln r, \ln\alpha, \ln a, \ln b` with
    BFGS and the analytic gradient

    .. math::

        \frac{\partial \ln L}{\partial r} = \psi(r+x) - \psi(r) + \ln\alpha
            - (1-\pi)\ln(\alpha+T) - \pi \ln(\alpha+t_x), \qquad
        \frac{\partial \ln L}{\partial \alpha} = \frac{r}{\alpha}
            - (r+x)\Big[\frac{1-\pi}{\alpha+T} + \frac{\pi}{\alpha+t_x}\Big],

    .. math::

        \frac{\partial \ln L}{\partial a} = \psi(a+b) - \psi(a+b+x) + \frac{\pi}{a}, \qquad
        \frac{\partial \ln L}{\partial b} = \psi(a+b) + \psi(b+x) - \psi(b)
            - \psi(a+b+x) - \frac{\pi}{b+x-1},

    where :math:`\pi = 1 - P(\text{alive})` is the share of the bracket in
    eq. (6) taken by its second term.  Identical :math:`(x, t_x, T)` rows are
    collapsed into weights first, and time is rescaled internally so that
    :math:`\max T = 1` (the likelihood only shifts by a constant); ``alpha``
    is reported in the caller's time unit.

    ``weights`` counts customers per row (default 1 each); ``initial`` is a
    starting point ``(r, alpha, a, b)`` in the caller's unit (default
    ``r = a = b = 1`` and ``alpha = max(T)``).
    """
    xa, ta, Ta = _summary(x, t_x, T)
    w = _weights(weights, xa.size)
    scale = float(Ta.max())
    (xu, tu, Tu), wu = _aggregate([xa, ta / scale, Ta / scale], w)
    start = _initial(initial, ("r", "alpha", "a", "b"), (1.0, scale, 1.0, 1.0))
    start[1] /= scale
    result = optimize.minimize(
        _bgnbd_objective,
        np.log(start),
        args=(xu, tu, Tu, wu, *_levels(xu, wu)),
        jac=True,
        method="BFGS",
        options={"gtol": _GTOL, "maxiter": _MAXITER},
    )
    r, alpha, a, b = np.exp(result.x)
    alpha *= scale
    loglik = _bgnbd_loglik(r, alpha, a, b, xu, tu * scale, Tu * scale)
    return BGNBD(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        loglik=_wsum(wu, loglik),
        n_customers=int(round(w.sum())),
        converged=_converged(result),
    )


def _converged(result: optimize.OptimizeResult) -> bool:
    """BFGS's verdict, also accepting a stop for precision loss at a zero gradient."""
    return bool(result.success or np.max(np.abs(result.jac)) < 1e-6)


# ---------------------------------------------------------------------------
# BG/NBD: expectations and P(alive)
# ---------------------------------------------------------------------------


def _log_hyp2f1(a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    r"""ln 2F1(a, b; c; z) for 0 <= z < 1.

    Where the direct series overflows, Euler's transformation
    :math:`{}_2F_1(a,b;c;z) = (1-z)^{c-a-b}\,{}_2F_1(c-a, c-b; c; z)` is used.
    """
    a, b, c, z = np.broadcast_arrays(a, b, c, z)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        value = np.log(special.hyp2f1(a, b, c, z))
    bad = ~np.isfinite(value)
    if bad.any():
        a, b, c, z = a[bad], b[bad], c[bad], z[bad]
        value = value.copy()
        value[bad] = np.log(special.hyp2f1(c - a, c - b, c, z)) + (c - a - b) * np.log1p(-z)
    return value


def _expected(params: BGNBD, t: FloatArray) -> FloatArray:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_tail = r * np.log(alpha / (alpha + t)) + _log_hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
    return (a + b - 1.0) / (a - 1.0) * -np.expm1(log_tail)


def expected_purchases(params: BGNBD, t: ArrayLike) -> FloatArray | float:
    r"""Expected repeat purchases of a new customer in :math:`(0, t]`, FHL 2005 eq. (9).

    .. math::

        E[X(t) \mid r,\alpha,a,b] = \frac{a+b-1}{a-1}
        \left[ 1 - \left(\frac{\alpha}{\alpha+t}\right)^r
        {}_2F_1\!\left(r, b; a+b-1; \frac{t}{\alpha+t}\right) \right]

    ``t`` is in the fit's time unit; the formula is singular only at ``a == 1``.
    """
    ta = _times("t", t, "pass t >= 0 in the same time unit as the fit (e.g. weeks)")
    return _output(_expected(params, ta), t)


def _log_alive_odds(params: BGNBD, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """ln of  a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)  (-inf when x == 0)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x1 = np.maximum(x, 1.0)
    odds = np.log(a) - np.log(b + x1 - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, odds, -np.inf)


def prob_alive(params: BGNBD, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray | float:
    r"""Probability that a customer is still active at ``T``.

    Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model",
    http://brucehardie.com/notes/021/ :

    .. math::

        P(\text{alive} \mid r,\alpha,a,b, x, t_x, T) =
        \left[ 1 + \delta_{x>0} \frac{a}{b+x-1}
        \left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x} \right]^{-1}

    computed as a logistic function of the log-odds (no overflow).  A customer
    with no repeat purchase has :math:`P = 1`: in the BG/NBD, drop-out can only
    happen right after a repeat purchase.
    """
    xa, ta, Ta = _summary(x, t_x, T)
    return _output(special.expit(-_log_alive_odds(params, xa, ta, Ta)), x, t_x, T)


def _conditional(params: BGNBD, t: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_tail = (r + x) * np.log((alpha + T) / (alpha + T + t)) + _log_hyp2f1(
        r + x, b + x, a + b + x - 1.0, t / (alpha + T + t)
    )
    numerator = (a + b + x - 1.0) / (a - 1.0) * -np.expm1(log_tail)
    return numerator * special.expit(-_log_alive_odds(params, x, t_x, T))


def conditional_expected_purchases(
    params: BGNBD, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray | float:
    r"""Expected repeat purchases in :math:`(T, T+t]` given the history, FHL 2005 eq. (10).

    .. math::

        E[Y(t) \mid x, t_x, T, r,\alpha,a,b] =
        \frac{\dfrac{a+b+x-1}{a-1}\left[1 - \left(\dfrac{\alpha+T}{\alpha+T+t}\right)^{r+x}
        {}_2F_1\!\left(r+x, b+x; a+b+x-1; \dfrac{t}{\alpha+T+t}\right)\right]}
        {1 + \delta_{x>0}\dfrac{a}{b+x-1}\left(\dfrac{\alpha+T}{\alpha+t_x}\right)^{r+x}}

    ``t`` is a scalar or one value per customer, in the fit's time unit.
    """
    xa, ta, Ta = _summary(x, t_x, T)
    horizon = _times("t", t, "pass t >= 0 in the same time unit as the fit (e.g. weeks)")
    _same_length({"t": horizon, schema.X: xa}, SUMMARY_FIX)
    return _output(_conditional(params, horizon, xa, ta, Ta), t, x, t_x, T)


def expected_cumulative_repeats(params: BGNBD, birth: ArrayLike, times: ArrayLike) -> FloatArray:
    r"""Tracking curve: expected cumulative repeat purchases by calendar time (FHL 2005, section 5).

    For customers whose first purchase happened at calendar times
    :math:`s_i` (``birth``) the expected total number of repeat purchases made
    by calendar time :math:`\tau` (``times``) is

    .. math::

        \sum_i \mathbf{1}[\tau > s_i]\; E[X(\tau - s_i)]

    with :math:`E[X(t)]` from :func:`expected_purchases`.  Customers sharing a
    birth time are evaluated once (weighted by their count).  ``birth`` and
    ``times`` are on one calendar axis in the fit's time unit (e.g. weeks since
    the start of the data).  Returns one value per entry of ``times``.
    """
    fix = "pass birth (first-purchase times) and times on one calendar axis, in the fit's time unit"
    born, _ = _as_array("birth", birth, fix)
    when, _ = _as_array("times", times, fix)
    cohorts, size = np.unique(born, return_counts=True)
    age = when[:, None] - cohorts[None, :]
    expected = np.zeros_like(age)
    live = age > 0
    expected[live] = _expected(params, age[live])
    return np.sum(expected * size, axis=1)


# ---------------------------------------------------------------------------
# Gamma-Gamma
# ---------------------------------------------------------------------------


def _gammagamma_count_term(p: float, q: float, x: FloatArray) -> FloatArray:
    r"""ln of the factor of the FH 2013 likelihood in x alone: :math:`\Gamma(px+q) / (\Gamma(px)\Gamma(q))`."""
    return special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q)


def _gammagamma_spend_term(p: float, q: float, gamma: float, x: FloatArray, mbar: FloatArray) -> FloatArray:
    r"""ln of the rest of the FH 2013 likelihood: :math:`\gamma^q \bar m^{px-1} x^{px} / (\gamma+\bar m x)^{px+q}`."""
    px = p * x
    return q * np.log(gamma) + (px - 1.0) * np.log(mbar) + px * np.log(x) - (px + q) * np.log(gamma + mbar * x)


def _gammagamma_loglik(p: float, q: float, gamma: float, x: FloatArray, mbar: FloatArray) -> FloatArray:
    return _gammagamma_count_term(p, q, x) + _gammagamma_spend_term(p, q, gamma, x, mbar)


def _gammagamma_objective(
    log_params: FloatArray,
    x: FloatArray,
    mbar: FloatArray,
    w: FloatArray,
    levels: FloatArray,
    level_w: FloatArray,
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and its analytic gradient in log-parameters.

    The Gamma-function terms depend on x alone and are summed over the
    distinct values ``levels`` (weights ``level_w``).
    """
    p, q, gamma = np.exp(log_params)
    total = float(level_w.sum())
    loglik = _wsum(level_w, _gammagamma_count_term(p, q, levels)) + _wsum(
        w, _gammagamma_spend_term(p, q, gamma, x, mbar)
    )
    psi_all = special.digamma(p * levels + q)
    log_total = np.log(gamma + mbar * x)
    d_p = _wsum(level_w, levels * (psi_all - special.digamma(p * levels))) + _wsum(
        w, x * (np.log(mbar) + np.log(x) - log_total)
    )
    d_q = _wsum(level_w, psi_all - special.digamma(q)) + _wsum(w, np.log(gamma) - log_total)
    d_gamma = _wsum(w, q / gamma - (p * x + q) / (gamma + mbar * x))
    grad = np.array([d_p * p, d_q * q, d_gamma * gamma])
    return -loglik / total, -grad / total


def gammagamma_loglik(p: float, q: float, gamma: float, x: ArrayLike, mbar: ArrayLike) -> FloatArray | float:
    r"""Per-customer Gamma-Gamma log-likelihood of the mean spend, FH 2013.

    For a customer with :math:`x \ge 1` repeat purchases of mean value
    :math:`\bar m`,

    .. math::

        f(\bar m \mid p, q, \gamma, x) =
        \frac{\Gamma(px+q)}{\Gamma(px)\,\Gamma(q)}
        \frac{\gamma^q\, \bar m^{px-1}\, x^{px}}{(\gamma + \bar m x)^{px+q}}
    """
    params = GammaGamma(p=p, q=q, gamma=gamma)
    xa, ma = _spend(x, mbar)
    return _output(_gammagamma_loglik(params.p, params.q, params.gamma, xa, ma), x, mbar)


def fit_gammagamma(
    x: ArrayLike,
    mbar: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    initial: GammaGamma | dict[str, float] | Sequence[float] | None = None,
) -> GammaGamma:
    r"""Maximum-likelihood Gamma-Gamma fit on customers with ``x > 0``, FH 2013.

    Maximises :math:`\sum_i w_i \ln f(\bar m_i \mid p, q, \gamma, x_i)` (see
    :func:`gammagamma_loglik`) over :math:`\ln p, \ln q, \ln\gamma` with BFGS
    and the analytic gradient

    .. math::

        \frac{\partial \ln f}{\partial p} = x\left[\psi(px+q) - \psi(px)
            + \ln \bar m + \ln x - \ln(\gamma + \bar m x)\right], \qquad
        \frac{\partial \ln f}{\partial q} = \psi(px+q) - \psi(q) + \ln\gamma
            - \ln(\gamma + \bar m x),

    .. math::

        \frac{\partial \ln f}{\partial \gamma} = \frac{q}{\gamma} - \frac{px+q}{\gamma+\bar m x}.

    Money is rescaled internally by the mean of ``mbar`` (the likelihood only
    shifts by a constant); ``gamma`` is reported in the caller's money unit.
    Customers with ``x == 0`` carry no spend information: filter them out
    first (a ``DataError`` says so).
    """
    xa, ma = _spend(x, mbar)
    w = _weights(weights, xa.size)
    scale = float(np.average(ma, weights=w))
    (xu, mu), wu = _aggregate([xa, ma / scale], w)
    start = _initial(initial, ("p", "q", "gamma"), (1.0, 1.0, scale))
    start[2] /= scale
    result = optimize.minimize(
        _gammagamma_objective,
        np.log(start),
        args=(xu, mu, wu, *_levels(xu, wu)),
        jac=True,
        method="BFGS",
        options={"gtol": _GTOL, "maxiter": _MAXITER},
    )
    p, q, gamma = np.exp(result.x)
    gamma *= scale
    return GammaGamma(
        p=float(p),
        q=float(q),
        gamma=float(gamma),
        loglik=_wsum(wu, _gammagamma_loglik(p, q, gamma, xu, mu * scale)),
        n_customers=int(round(w.sum())),
        converged=_converged(result),
    )


def conditional_expected_spend(params: GammaGamma, x: ArrayLike, mbar: ArrayLike) -> FloatArray | float:
    r"""Expected value of a customer's future purchases, FH 2013 (posterior mean of :math:`p/\nu`).

    .. math::

        E(M \mid p, q, \gamma, \bar m, x) = \frac{(\gamma + \bar m x)\, p}{p x + q - 1}
        = \frac{q-1}{px+q-1}\frac{p\gamma}{q-1} + \frac{px}{px+q-1}\bar m ,

    a weighted mean of the population mean :math:`p\gamma/(q-1)` and the
    customer's own :math:`\bar m`.  ``x == 0`` is allowed here (``mbar`` is then
    ignored and the population mean returned).  The mean exists only when
    :math:`px + q > 1`; with :math:`q \le 1` it is undefined for customers with
    few purchases, which raises a ``DataError``.
    """
    fix = SPEND_FIX.replace("for customers with x > 0 only, e.g. summary[summary['x'] > 0]", "0 when x == 0")
    xa, x_labels = _counts(schema.X, x, fix)
    ma, m_labels = _as_array("mbar", mbar, fix)
    n = _same_length({schema.X: xa, "mbar": ma}, fix)
    _require(ma >= 0, "mbar", ma, m_labels, "must be >= 0 (mean value of repeat purchases)", fix)
    xa, ma = np.broadcast_to(xa, n), np.broadcast_to(ma, n)
    labels = x_labels if xa.size == n else m_labels
    p, q, gamma = params.p, params.q, params.gamma
    undefined = p * xa + q <= 1.0
    if undefined.any():
        raise DataError(
            f"q = {q:g} <= 1 leaves the expected spend undefined (p*x + q - 1 <= 0) "
            f"for {int(undefined.sum())} customers",
            column="q",
            rows=_offenders(schema.X, xa, labels, undefined),
            fix="the Gamma-Gamma mean needs q > 1: refit the model (check mbar for extreme "
            "outliers) or leave out customers with few purchases",
        )
    return _output((gamma + ma * xa) * p / (p * xa + q - 1.0), x, mbar)


# ---------------------------------------------------------------------------
# CLV and model checks
# ---------------------------------------------------------------------------


def customer_lifetime_value(
    bg: BGNBD,
    gg: GammaGamma,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    mbar: ArrayLike,
    *,
    horizon: int,
    discount_rate: float,
    step: float = 1.0,
    x_spend: ArrayLike | None = None,
) -> FloatArray | float:
    r"""Discounted expected value of each customer's next ``horizon`` periods, FHL 2005b.

    With period length :math:`\Delta` = ``step``, per-period discount rate
    :math:`d` = ``discount_rate`` and :math:`E[Y(t)]` from
    :func:`conditional_expected_purchases`,

    .. math::

        \text{CLV} = E(M \mid \bar m, x) \sum_{k=1}^{K}
        \frac{E[Y(k\Delta) \mid x, t_x, T] - E[Y((k-1)\Delta) \mid x, t_x, T]}{(1+d)^{k}}

    with :math:`K` = ``horizon`` and :math:`E(M \mid \bar m, x)` from
    :func:`conditional_expected_spend`.

    **Units.** ``t_x``, ``T`` and ``step`` are in the fit's time unit; the
    discount rate is *per step*.  Example, a fit in weeks valued monthly for a
    year at 1 % a month: ``step=4.345, horizon=12, discount_rate=0.01``
    (this is what lifetimes' ``customer_lifetime_value(freq="W", time=12)``
    computes).  Weekly for a year at 10 % a year: ``step=1, horizon=52,
    discount_rate=1.10 ** (1 / 52) - 1``.

    ``x_spend`` is the number of transactions behind ``mbar`` for the spend
    model (default ``x``). Pass 0 for customers whose repeat purchases had no
    positive value (free orders): they get the population mean spend
    :math:`p\gamma/(q-1)`, while their purchase count still drives the forecast.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise DataError(
            f"horizon must be a whole number of steps >= 1, got {horizon!r}",
            column="horizon",
            fix="pass horizon as an int, e.g. horizon=12 with step=4.345 for a year in months of weeks",
        )
    if not (np.isfinite(discount_rate) and discount_rate >= 0):
        raise DataError(
            f"discount_rate must be finite and >= 0 per step, got {discount_rate!r}",
            column="discount_rate",
            fix="pass the rate per step, e.g. 0.01 for 1 % a month with monthly steps",
        )
    if not (np.isfinite(step) and step > 0):
        raise DataError(
            f"step must be finite and > 0, got {step!r}",
            column="step",
            fix="pass the period length in the fit's time unit, e.g. step=4.345 weeks for a month",
        )
    spend = np.atleast_1d(conditional_expected_spend(gg, x if x_spend is None else x_spend, mbar))
    xa, ta, Ta = _summary(x, t_x, T)
    _same_length({schema.X: xa, "mbar": spend}, SUMMARY_FIX)
    grid = step * np.arange(horizon + 1, dtype=np.float64)
    cumulative = _conditional(bg, grid[None, :], xa[:, None], ta[:, None], Ta[:, None])
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon + 1, dtype=np.float64)
    return _output(spend * np.sum(np.diff(cumulative, axis=1) * discount, axis=1), x, t_x, T, mbar)


def holdout_by_frequency(
    params: BGNBD,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    x_holdout: ArrayLike,
    duration: ArrayLike,
    max_x: int = 7,
) -> pd.DataFrame:
    r"""Predicted vs actual holdout purchases by calibration frequency (FHL 2005, section 5).

    Customers are grouped by their calibration ``x``; the last group gathers
    everyone with ``x >= max_x`` and is **labelled with the int** ``max_x``
    (read it as "max_x or more"), so the ``x`` column stays an integer that
    sorts and plots.  Columns:

    * ``x`` -- calibration repeat purchases (``max_x`` = "max_x or more"),
    * ``n_customers`` -- customers in the group,
    * ``actual`` -- mean holdout repeat purchases per customer (``x_holdout``),
    * ``predicted`` -- mean of :math:`E[Y(\text{duration}) \mid x, t_x, T]`
      (eq. 10, :func:`conditional_expected_purchases`).

    ``duration`` is the holdout length in the fit's time unit (a scalar or one
    per customer).  Only groups with customers appear.
    """
    if isinstance(max_x, bool) or not isinstance(max_x, (int, np.integer)) or max_x < 1:
        raise DataError(
            f"max_x must be an int >= 1, got {max_x!r}",
            column="max_x",
            fix="pass the frequency from which customers are pooled, e.g. max_x=7",
        )
    xa, ta, Ta = _summary(x, t_x, T)
    fix = "pass x_holdout = repeat purchases in the holdout period, one per customer, in the order of x"
    actual, _ = _counts("x_holdout", x_holdout, fix)
    span = _times("duration", duration, "pass the holdout length (> 0) in the fit's time unit", positive=True)
    _same_length({schema.X: xa, "x_holdout": actual, "duration": span}, fix)
    predicted = _conditional(params, span, xa, ta, Ta)
    frame = pd.DataFrame(
        {
            "x": np.minimum(xa, max_x).astype(np.int64),
            "actual": np.broadcast_to(actual, xa.size),
            "predicted": predicted,
        }
    )
    table = frame.groupby("x", sort=True).agg(
        n_customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    return table.reset_index().astype({"n_customers": np.int64})


# ---------------------------------------------------------------------------
# The chapter's CLV pipeline: calibration end, fits, diagnostics, values, tracking
# ---------------------------------------------------------------------------

DateLike = pd.Timestamp | dt.date | np.datetime64 | str

#: How a chapter user sets the calibration end (they run ``make chapter``, not Python).
PARAMS_HINT = (
    "a line calibration_end: YYYY-MM-DD in params.yaml, then make chapter CH=clustering DATA=... PARAMS=params.yaml"
)

#: :func:`fit_diagnostics` thresholds (see there for why).
NO_DROPOUT_BELOW = 1e-3
SPEND_DEGENERATE_ABOVE = 1e3


def _day(name: str, value: DateLike) -> pd.Timestamp:
    """``value`` as a Timestamp at midnight, or a DataError naming ``name``."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{name} is not a date: {value!r} ({exc})", column=name, fix="pass a date such as 2011-06-30"
        ) from None
    if pd.isna(stamp):
        raise DataError(f"{name} is missing (NaT)", column=name, fix="pass a date such as 2011-06-30")
    return stamp.normalize()


def _positive(name: str, value: float, fix: str, *, minimum: float = 0.0, strict: bool = True) -> float:
    """A finite real number > minimum (>= minimum when not strict), or a DataError."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    number = float(value) if ok else float("nan")
    if not (np.isfinite(number) and (number > minimum if strict else number >= minimum)):
        sign = ">" if strict else ">="
        raise DataError(f"{name} must be a finite number {sign} {minimum:g}, got {value!r}", column=name, fix=fix)
    return number


def default_calibration_end(first_day: DateLike, last_day: DateLike, share: float = 2 / 3) -> pd.Timestamp:
    r"""The calibration end used when the user gives none: ``share`` of the way into the data.

    .. math:: e = \lfloor d_\text{first} + s\,(d_\text{last} - d_\text{first}) \rfloor_\text{day}

    with :math:`d_\text{first}`, :math:`d_\text{last}` the first and last
    transaction *days* (times of day are dropped first), :math:`s` = ``share``
    (default 2/3: two thirds calibration, one third holdout) and the result
    floored to midnight.  Customers whose first purchase is before :math:`e`
    form the calibration cohort (:func:`analysis.features.customer_summary`).

    The data must span at least 2 days: with less, :math:`e` falls on the
    first day and the cohort is empty (``DataError``, column ``calibration_end``).
    """
    first, last = _day("first_day", first_day), _day("last_day", last_day)
    share = _positive("share", share, "pass the share of the data's span to calibrate on, e.g. 2/3")
    if share > 1:
        raise DataError(
            f"share must be at most 1 (the calibration end cannot be after the data), got {share!r}",
            column="share",
            fix="pass the share of the data's span to calibrate on, e.g. 2/3",
        )
    if last < first:
        raise DataError(
            f"last_day {last.date()} is before first_day {first.date()}",
            column="last_day",
            fix="pass the first and the last transaction day, in that order",
        )
    span = (last - first).days
    if span < 2:
        raise DataError(
            f"The transactions cover {span + 1} calendar day{'s' if span else ''} ({first.date()} to {last.date()}): "
            "too short to split into a calibration period and a holdout for the CLV models.",
            column="calibration_end",
            fix="use transactions that cover a longer period (the CLV models need customers who came back, "
            "in practice several months of data)",
        )
    return (first + (last - first) * share).normalize()


def fit_models(summary: pd.DataFrame, *, min_repeaters: int = 10) -> tuple[BGNBD, GammaGamma]:
    r"""Fit the BG/NBD and the Gamma-Gamma model to a calibration summary.

    * BG/NBD (:func:`fit_bgnbd`) on **every** row of ``summary``: ``x`` repeat
      purchase days, ``t_x`` and ``T`` in the summary's time unit (the
      ``unit_days`` of :func:`analysis.features.customer_summary`, weeks by
      default), which is then the unit of ``alpha``.
    * Gamma-Gamma (:func:`fit_gammagamma`) on the rows with ``x > 0`` **and**
      ``monetary_value > 0``: customers with no repeat purchase carry no
      information about spend, and the model's likelihood needs a positive
      mean :math:`\bar m` (repeat purchases of zero or negative value, e.g. free
      orders or returns, are left out of the spend fit; :func:`value_customers`
      gives those customers the population mean spend).

    Raises ``DataError`` in the terms of a chapter user (who sets
    ``calibration_end`` in the parameters file) when the summary is empty, or
    fewer than ``min_repeaters`` customers bought again before the calibration
    end (or spent a positive amount doing so): the message gives both counts
    and says whether a later calibration end can help (judged from the
    ``x_holdout`` column when the summary has one).
    """
    require_columns(
        summary,
        [schema.X, schema.T_X, schema.T_CAL, schema.REPEAT_VALUE],
        source="customer summary",
        fix="compute the summary with analysis.features.customer_summary(transactions, calibration_end)",
    )
    if (
        isinstance(min_repeaters, (bool, np.bool_))
        or not isinstance(min_repeaters, (int, np.integer))
        or min_repeaters < 1
    ):
        raise DataError(
            f"min_repeaters must be an int >= 1, got {min_repeaters!r}",
            column="min_repeaters",
            fix="pass the smallest number of repeat customers to fit on, e.g. min_repeaters=10",
        )
    n = len(summary)
    if n == 0:
        raise DataError(
            "No customer made a first purchase before the calibration end, so there is nobody to fit "
            "the CLV models on.",
            column="calibration_end",
            fix=f"choose a later calibration_end, inside the data's date range, in the parameters file ({PARAMS_HINT})",
        )
    _summary(summary[schema.X], summary[schema.T_X], summary[schema.T_CAL])  # DataError on bad values first
    x = summary[schema.X]
    value = summary[schema.REPEAT_VALUE]
    repeat = x > 0
    n_repeaters = int(repeat.sum())
    spend = repeat & (value > 0)
    n_spenders = int(spend.sum())
    counts = (
        f"{n:,} customers bought before the calibration end and {n_repeaters:,} of them bought again "
        "before it"
    )
    if n_repeaters < min_repeaters or n_spenders < min_repeaters:
        fix = _too_few_fix(summary, repeat, min_repeaters)
        if n_repeaters < min_repeaters:
            problem = (
                f"Too few repeat customers for the CLV models: {counts}; the models need at least {min_repeaters}."
            )
        else:
            problem = (
                f"Too few repeat customers with a positive spend for the Gamma-Gamma model: {counts}, but only "
                f"{n_spenders:,} of them spent a positive amount on their repeat purchases; the model needs at "
                f"least {min_repeaters}."
            )
            fix += (
                f"; the repeat purchases of {n_repeaters - n_spenders:,} customers had a value of 0 or less: "
                "check the quantity and unit_price columns"
            )
        raise DataError(
            problem,
            column="calibration_end",
            rows=[
                f"customers = {n:,}",
                f"repeat customers = {n_repeaters:,}",
                f"with positive repeat spend = {n_spenders:,}",
            ],
            fix=fix,
        )
    bg = fit_bgnbd(x, summary[schema.T_X], summary[schema.T_CAL])
    gg = fit_gammagamma(x[spend], value[spend])
    return bg, gg


def _too_few_fix(summary: pd.DataFrame, repeat: pd.Series, min_repeaters: int) -> str:
    """Whether a later calibration end can help, judged from the holdout when there is one."""
    later = f"choose a later calibration_end in the parameters file ({PARAMS_HINT})"
    too_few = "these data have too few repeat customers for the CLV models: use a longer or larger transactions file"
    if "x_holdout" not in summary.columns:
        return f"{later}; if the calibration end is already the end of the data, {too_few}"
    by_end = int((repeat | (summary["x_holdout"] > 0)).sum())
    if by_end >= min_repeaters:
        return f"{later}: by the end of the data {by_end:,} customers of this cohort had bought again"
    return f"{too_few} (even by the end of the data only {by_end:,} customers of this cohort bought again)"


def fit_diagnostics(bg: BGNBD, gg: GammaGamma) -> dict[str, bool]:
    r"""Flags for fits that run to the edge of the models, where their output misleads.

    * ``no_dropout`` -- the BG/NBD's mean dropout probability after a
      purchase, :math:`E[p] = a/(a+b)`, is below ``1e-3``: on average a
      customer would make a thousand repeat purchases before leaving, far
      beyond any history in the data.  The fit says customers practically never
      leave, so :math:`P(\text{alive}) \approx 1` for everyone (the odds in
      :func:`prob_alive` scale with :math:`a/(b+x-1)`) and "lost" customers
      cannot be told apart from quiet ones.
    * ``spend_degenerate`` -- the Gamma-Gamma shape :math:`p` is above
      ``1e3``.  A customer's transaction values have coefficient of variation
      :math:`1/\sqrt{p}`, so this claims each customer spends (within 3 %) the
      same on every purchase; it happens when the optimiser runs to the boundary
      (:math:`p \to \infty`, :math:`\gamma \to 0`) because one gamma
      distribution of spend levels cannot describe the customers (e.g. groups
      whose typical order values differ by an order of magnitude).  The
      conditional mean spend then falls back to each customer's own average;
      it is still usable for CLV, the parameters themselves mean little.
    * ``spend_mean_undefined`` -- :math:`q \le 1`: the population mean spend
      :math:`p\gamma/(q-1)` does not exist, so customers without a positive
      repeat spend cannot be valued (:func:`value_customers` raises).

    Every value is a plain ``bool``; ``True`` means "look at this".
    """
    return {
        "no_dropout": bool(bg.a / (bg.a + bg.b) < NO_DROPOUT_BELOW),
        "spend_degenerate": bool(gg.p > SPEND_DEGENERATE_ABOVE),
        "spend_mean_undefined": bool(gg.q <= 1.0),
    }


def value_customers(
    summary: pd.DataFrame,
    bg: BGNBD,
    gg: GammaGamma,
    *,
    horizon_days: int,
    annual_discount_rate: float,
    unit_days: float = 7.0,
) -> pd.DataFrame:
    r"""Each customer's P(alive), expected purchases, expected spend and CLV over a horizon.

    ``summary`` is :func:`analysis.features.customer_summary` output whose time
    unit is ``unit_days`` days (the same ``unit_days``; weeks by default), and
    ``bg``, ``gg`` were fitted on that unit (e.g. by :func:`fit_models`).

    **Horizon.** :math:`K = \max(1, \operatorname{round}(h / u))` steps of one
    time unit, with :math:`h` = ``horizon_days`` and :math:`u` = ``unit_days``
    (Python's ``round``: halves go to the even number); 365 days are 52 weeks.

    **Discount.** The annual rate :math:`D` is turned into the rate per step
    :math:`d = (1 + D)^{u / 365.25} - 1`, the rate that compounds to exactly
    :math:`D` over a year of 365.25 days (with weeks, :math:`d` is a touch below
    :math:`(1+D)^{1/52} - 1`, which assumes a 364-day year).

    Columns, one row per row of ``summary`` (same index):

    * ``customer_id``;
    * ``p_alive`` -- :func:`prob_alive`;
    * ``expected_purchases`` -- :math:`E[Y(K) \mid x, t_x, T]`, repeat purchase
      days in the next :math:`K` units (:func:`conditional_expected_purchases`);
    * ``expected_spend`` -- :math:`E(M \mid \bar m, x)` in money per purchase
      (:func:`conditional_expected_spend`);
    * ``clv`` -- :func:`customer_lifetime_value` with ``step=1`` unit,
      ``horizon=K`` and discount :math:`d`, in money.

    Customers whose repeat purchases had no positive value (``x > 0`` and
    ``monetary_value <= 0``) are valued with the population mean spend
    :math:`p\gamma/(q-1)` (``x_spend = 0``), as are customers with ``x == 0``;
    their purchase forecast still uses their ``x``.
    """
    require_columns(
        summary,
        [schema.CUSTOMER, schema.X, schema.T_X, schema.T_CAL, schema.REPEAT_VALUE],
        source="customer summary",
        fix="compute the summary with analysis.features.customer_summary(transactions, calibration_end)",
    )
    if len(summary) == 0:
        raise DataError(
            "The customer summary is empty: there are no customers to value.",
            source="customer summary",
            fix="compute the summary with analysis.features.customer_summary on transactions with customers",
        )
    horizon_days = _positive(
        "horizon_days", horizon_days, "set horizon_days to the CLV horizon in days, e.g. 365", minimum=1, strict=False
    )
    rate = _positive(
        "annual_discount_rate",
        annual_discount_rate,
        "set the annual discount rate as a fraction >= 0, e.g. 0.10 for 10 % a year",
        strict=False,
    )
    unit = _positive("unit_days", unit_days, "pass the summary's time unit in days, e.g. 7 for weeks")
    horizon = max(1, int(round(horizon_days / unit)))
    step_rate = (1.0 + rate) ** (unit / 365.25) - 1.0

    x, t_x, T = summary[schema.X], summary[schema.T_X], summary[schema.T_CAL]
    value = summary[schema.REPEAT_VALUE]
    positive = value > 0
    x_spend = x.where(positive, 0)
    mbar = value.where(positive, 0.0)  # ignored where x_spend == 0; must only be >= 0
    out = pd.DataFrame({schema.CUSTOMER: summary[schema.CUSTOMER]}, index=summary.index)
    out["p_alive"] = prob_alive(bg, x, t_x, T)
    out["expected_purchases"] = conditional_expected_purchases(bg, float(horizon), x, t_x, T)
    out["expected_spend"] = conditional_expected_spend(gg, x_spend, mbar)
    out["clv"] = customer_lifetime_value(
        bg, gg, x, t_x, T, mbar, horizon=horizon, discount_rate=step_rate, step=1.0, x_spend=x_spend
    )
    return out


def tracking_curve(
    repeats_by_day: pd.Series,
    summary: pd.DataFrame,
    bg: BGNBD,
    first_day: DateLike,
    *,
    unit_days: float = 7.0,
) -> pd.DataFrame:
    r"""Cumulative repeat purchases of the calibration cohort, actual and expected, day by day.

    ``repeats_by_day`` is :func:`analysis.features.repeat_purchases_by_day`
    output for the same cohort as ``summary`` (customers whose first purchase
    is before the calibration end), and ``bg`` was fitted on ``summary``.
    On one calendar axis in units of ``unit_days`` days from ``first_day``
    (the data's first day, :math:`d_0`):

    * each customer's birth :math:`s_i = (\text{first\_purchase}_i - d_0)/u`;
    * the end of day :math:`d` is :math:`\tau_d = ((d - d_0)\text{ in days} + 1)/u`,
      so a purchase on day :math:`d` counts by the end of day :math:`d`.

    Columns, indexed by the dates of ``repeats_by_day``:

    * ``actual`` -- repeat purchase days up to and including each date
      (the cumulative sum);
    * ``expected`` -- :math:`\sum_i \mathbf{1}[\tau_d > s_i]\,E[X(\tau_d - s_i)]`
      (:func:`expected_cumulative_repeats`).
    """
    if not isinstance(repeats_by_day, pd.Series) or not isinstance(repeats_by_day.index, pd.DatetimeIndex):
        raise DataError(
            "repeats_by_day must be a Series indexed by date",
            column="repeats_by_day",
            fix="pass analysis.features.repeat_purchases_by_day(transactions, calibration_end)",
        )
    if len(repeats_by_day) == 0:
        raise DataError(
            "repeats_by_day is empty: there are no days to track",
            column="repeats_by_day",
            fix="pass analysis.features.repeat_purchases_by_day(transactions, calibration_end)",
        )
    require_columns(
        summary,
        [schema.FIRST],
        source="customer summary",
        fix="compute the summary with analysis.features.customer_summary(transactions, calibration_end)",
    )
    unit = _positive("unit_days", unit_days, "pass the summary's time unit in days, e.g. 7 for weeks")
    start = _day("first_day", first_day)
    first = pd.to_datetime(summary[schema.FIRST]).dt.normalize()
    birth_days = (first - start).dt.days.to_numpy(dtype=np.float64)
    early = birth_days < 0
    if early.any():
        who = summary[schema.CUSTOMER] if schema.CUSTOMER in summary.columns else summary.index.to_series()
        who_early = who[early]
        raise DataError(
            f"first_day {start.date()} is after the first purchase of {int(early.sum())} "
            f"customer{'s' if early.sum() > 1 else ''}",
            column="first_day",
            rows=[f"customer {who!r} first bought on {day.date()}" for who, day in zip(who_early, first[early])],
            fix="pass the first day of the transactions (the day of the earliest purchase)",
        )
    day_ends = ((repeats_by_day.index.normalize() - start).days.to_numpy(dtype=np.float64) + 1.0) / unit
    actual = repeats_by_day.cumsum()
    expected = expected_cumulative_repeats(bg, birth_days / unit, day_ends)
    out = pd.DataFrame({"actual": actual.to_numpy(), "expected": expected}, index=repeats_by_day.index)
    out.index.name = "date"
    return out
