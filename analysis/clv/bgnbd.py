r"""The BG/NBD model: likelihood, the estimator :class:`BGNBD` (fit, expectations, P(alive)).

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers
the Easy Way: An Alternative to the Pareto/NBD Model." *Marketing Science*
24(2), 275-284 (*FHL 2005*; equation numbers are the paper's).

Inputs are the per-customer calibration summary (:mod:`analysis.schema`):
``x`` repeat purchase days, ``t_x`` the time of the last since the first,
``T`` the time from the first to the calibration end, all in one time unit
(the book uses weeks, as FHL 2005 do).

**The boundary.** On a small or very regular log the likelihood can keep
rising as the parameters grow without end (for example :math:`r, \alpha \to
\infty` with :math:`r/\alpha` fixed: every customer buys at the same rate, no
heterogeneity is left to fit). The optimiser then stops unconverged with
parameters near :math:`10^6` and the expectations overflow. :meth:`BGNBD.fit`
reports such a fit as ``at_boundary_`` and refits on the box
:math:`[10^{-8}, 10^4]` (time scaled so that the oldest customer's age is 1),
whose optimum gives finite, usable predictions; the chapter says so.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from analysis import schema
from analysis.clv._estimator import LikelihoodModel, _check_parameters
from analysis.clv._inputs import (
    SUMMARY_FIX,
    FloatArray,
    _aggregate,
    _as_array,
    _converged,
    _initial,
    _levels,
    _output,
    _same_length,
    _summary,
    _times,
    _weights,
    _wsum,
)

__all__ = ["BGNBD", "BG_BOUNDARY", "BG_FLOOR", "bgnbd_loglik"]


#: A BG/NBD parameter (time scaled so that the oldest customer's age is 1) above
#: this means the likelihood keeps rising towards infinity: the customers look
#: alike (no heterogeneity left to fit), and the fit is reported as on the
#: boundary and refitted on the box [1e-8, BG_BOUNDARY].
BG_BOUNDARY = 1e4


#: Lower edge of the box of a boundary fit (scaled time unit).
BG_FLOOR = 1e-8


def _on_box(log_params: FloatArray) -> tuple[str, ...]:
    """The parameters (r, alpha, a, b) whose scaled log value sits on an edge of the box [BG_FLOOR, BG_BOUNDARY]."""
    low, high = np.log(BG_FLOOR), np.log(BG_BOUNDARY)
    edge = (log_params <= low + 1e-6) | (log_params >= high - 1e-6)
    return tuple(n for n, hit in zip(("r", "alpha", "a", "b"), edge) if hit)


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
    _check_parameters("BGNBD", {"r": r, "alpha": alpha, "a": a, "b": b})
    xa, ta, Ta = _summary(x, t_x, T)
    return _output(_bgnbd_loglik(r, alpha, a, b, xa, ta, Ta), x, t_x, T)


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


_Params = tuple[float, float, float, float]  # (r, alpha, a, b)


def _expected(params: _Params, t: FloatArray) -> FloatArray:
    r, alpha, a, b = params
    log_tail = r * np.log(alpha / (alpha + t)) + _log_hyp2f1(r, b, a + b - 1.0, t / (alpha + t))
    return (a + b - 1.0) / (a - 1.0) * -np.expm1(log_tail)


def _log_alive_odds(params: _Params, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """ln of  a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)  (-inf when x == 0)."""
    r, alpha, a, b = params
    x1 = np.maximum(x, 1.0)
    odds = np.log(a) - np.log(b + x1 - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, odds, -np.inf)


def _conditional(params: _Params, t: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    r, alpha, a, b = params
    log_tail = (r + x) * np.log((alpha + T) / (alpha + T + t)) + _log_hyp2f1(
        r + x, b + x, a + b + x - 1.0, t / (alpha + T + t)
    )
    numerator = (a + b + x - 1.0) / (a - 1.0) * -np.expm1(log_tail)
    return numerator * special.expit(-_log_alive_odds(params, x, t_x, T))


_HORIZON_FIX = "pass t >= 0 in the same time unit as the fit (e.g. weeks)"


class BGNBD(LikelihoodModel):
    r"""The BG/NBD model of repeat purchases, FHL 2005, as a scikit-learn estimator.

    Purchase rates :math:`\lambda \sim \text{Gamma}(r, \alpha)` (shape ``r``,
    rate ``alpha`` in purchases per time unit) and drop-out probabilities
    :math:`p \sim \text{Beta}(a, b)`: while alive a customer buys as a Poisson
    process with rate :math:`\lambda`, and drops out right after each repeat
    purchase with probability :math:`p` (FHL 2005 section 3).

    Parameters
    ----------
    initial : dict, sequence of 4 floats or None
        Starting point :math:`(r, \alpha, a, b)` of the optimiser, in the
        time unit of ``fit``'s input: a dict by name (a fitted model's
        :meth:`as_dict`, say) or the four values in that order (default
        ``r = a = b = 1`` and ``alpha = max(T)``).
    tol : float
        Gradient tolerance of BFGS on the mean log-likelihood (``gtol``).
    max_iter : int
        Most iterations of the optimiser.

    Attributes
    ----------
    r_, alpha_, a_, b_ : float
        The maximum-likelihood parameters; ``alpha_`` is in the input's time unit.
    loglik_ : float
        Total log-likelihood at the fit (eq. 6 summed over customers).
    n_customers_ : int
        The (weighted) number of customers fitted.
    converged_ : bool
        The optimiser's verdict.
    at_boundary_ : bool
        True when the likelihood kept rising towards infinite parameters and
        the model was refitted on the box (module text, "The boundary").
    bounded_ : tuple of str
        The parameters that ended on an edge of that box (empty otherwise).

    Notes
    -----
    Every time (``t_x``, ``T``, horizons ``t``) is in one unit, the book's
    weeks as in FHL 2005. Methods take array-likes and return numpy arrays,
    or a ``float`` when every customer-level input was a scalar; bad input,
    or a model neither fitted nor given parameters, raises
    :class:`analysis.errors.DataError` with the fix.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your
    Customers the Easy Way: An Alternative to the Pareto/NBD Model."
    *Marketing Science* 24(2), 275-284.

    Examples
    --------
    >>> model = BGNBD().fit(x, t_x, T)  # doctest: +SKIP
    >>> model.conditional_expected_purchases(39, x, t_x, T)  # doctest: +SKIP
    >>> fhl = BGNBD.from_parameters(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005's CDNOW fit
    >>> round(fhl.prob_alive(2, 30.43, 38.86), 4)
    0.7266
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    FIT_FIELDS: ClassVar[dict[str, Any]] = {**LikelihoodModel.FIT_FIELDS, "bounded": ()}
    FIT_ARGS: ClassVar[str] = "x, t_x, T"

    @classmethod
    def from_parameters(cls, *, r: float, alpha: float, a: float, b: float, **fields: Any) -> BGNBD:
        """The model at given parameters, e.g. the paper's ``r=0.243, alpha=4.414, a=0.793, b=2.426``.

        It was not fitted: ``loglik_`` is nan, ``n_customers_`` 0 and
        ``converged_`` False, unless ``fields`` (the keys of :meth:`as_dict`
        after the parameters) say otherwise.
        """
        return cls._at({"r": r, "alpha": alpha, "a": a, "b": b}, fields)

    def fit(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike, *, weights: ArrayLike | None = None) -> BGNBD:
        r"""Maximum-likelihood fit, FHL 2005 section 5.

        Maximises :math:`\sum_i w_i \ln L(r,\alpha,a,b \mid x_i, t_{x,i}, T_i)`
        (eq. 6, see :func:`bgnbd_loglik`) over :math:`\ln r, \ln\alpha, \ln a,
        \ln b` with BFGS and the analytic gradient

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
        eq. (6) taken by its second term.  Identical :math:`(x, t_x, T)` rows
        are collapsed into weights first, and time is rescaled internally so
        that :math:`\max T = 1` (the likelihood only shifts by a constant);
        ``alpha_`` is reported in the caller's time unit.

        Parameters
        ----------
        x, t_x, T : array-like
            The calibration summary (:mod:`analysis.schema`): repeat purchase
            days, the time of the last since the first, the time from the first
            to the calibration end.
        weights : array-like, optional
            Customers per row (default 1 each).

        Returns
        -------
        BGNBD
            The fitted model (``self``).
        """
        xa, ta, Ta = _summary(x, t_x, T)
        w = _weights(weights, xa.size)
        scale = float(Ta.max())
        (xu, tu, Tu), wu = _aggregate([xa, ta / scale, Ta / scale], w)
        start = _initial(self.initial, self.PARAMETERS, (1.0, scale, 1.0, 1.0))
        start[1] /= scale
        options = self._options()
        args = (xu, tu, Tu, wu, *_levels(xu, wu))
        result = optimize.minimize(
            _bgnbd_objective, np.log(start), args=args, jac=True, method="BFGS", options=dict(options),
        )  # fmt: skip
        at_boundary = not _converged(result) or bool(np.any(result.x > np.log(BG_BOUNDARY)))
        if at_boundary:  # the optimum is at infinity: fit on the box (module text, "The boundary")
            box = [(np.log(BG_FLOOR), np.log(BG_BOUNDARY))] * 4
            result = optimize.minimize(
                _bgnbd_objective, np.clip(result.x, *box[0]), args=args, jac=True, method="L-BFGS-B", bounds=box,
                options=dict(options),
            )  # fmt: skip
        r, alpha, a, b = np.exp(result.x)
        alpha *= scale
        loglik = _bgnbd_loglik(r, alpha, a, b, xu, tu * scale, Tu * scale)
        self._set_fitted(
            {"r": r, "alpha": alpha, "a": a, "b": b},
            loglik=_wsum(wu, loglik),
            n_customers=int(round(w.sum())),
            converged=_converged(result),
            at_boundary=at_boundary,
            bounded=_on_box(result.x) if at_boundary else (),
        )
        return self

    def expected_purchases(self, t: ArrayLike) -> FloatArray | float:
        r"""Expected repeat purchases of a new customer in :math:`(0, t]`, FHL 2005 eq. (9).

        .. math::

            E[X(t) \mid r,\alpha,a,b] = \frac{a+b-1}{a-1}
            \left[ 1 - \left(\frac{\alpha}{\alpha+t}\right)^r
            {}_2F_1\!\left(r, b; a+b-1; \frac{t}{\alpha+t}\right) \right]

        ``t`` is in the fit's time unit; the formula is singular only at ``a == 1``.
        """
        params = self._values()
        ta = _times("t", t, _HORIZON_FIX)
        return _output(_expected(params, ta), t)

    def prob_alive(self, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray | float:
        r"""Probability that a customer is still active at ``T``.

        Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model",
        http://brucehardie.com/notes/021/ :

        .. math::

            P(\text{alive} \mid r,\alpha,a,b, x, t_x, T) =
            \left[ 1 + \delta_{x>0} \frac{a}{b+x-1}
            \left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x} \right]^{-1}

        computed as a logistic function of the log-odds (no overflow).  A
        customer with no repeat purchase has :math:`P = 1`: in the BG/NBD,
        drop-out can only happen right after a repeat purchase.
        """
        params = self._values()
        xa, ta, Ta = _summary(x, t_x, T)
        return _output(special.expit(-_log_alive_odds(params, xa, ta, Ta)), x, t_x, T)

    def conditional_expected_purchases(
        self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
    ) -> FloatArray | float:
        r"""Expected repeat purchases in :math:`(T, T+t]` given the history, FHL 2005 eq. (10).

        .. math::

            E[Y(t) \mid x, t_x, T, r,\alpha,a,b] =
            \frac{\dfrac{a+b+x-1}{a-1}\left[1 - \left(\dfrac{\alpha+T}{\alpha+T+t}\right)^{r+x}
            {}_2F_1\!\left(r+x, b+x; a+b+x-1; \dfrac{t}{\alpha+T+t}\right)\right]}
            {1 + \delta_{x>0}\dfrac{a}{b+x-1}\left(\dfrac{\alpha+T}{\alpha+t_x}\right)^{r+x}}

        ``t`` is a scalar or one value per customer, in the fit's time unit.
        """
        params = self._values()
        xa, ta, Ta = _summary(x, t_x, T)
        horizon = _times("t", t, _HORIZON_FIX)
        _same_length({"t": horizon, schema.X: xa}, SUMMARY_FIX)
        return _output(_conditional(params, horizon, xa, ta, Ta), t, x, t_x, T)

    def predict(self, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray | float:
        """The model's prediction: :meth:`conditional_expected_purchases` (eq. 10), the same arguments."""
        return self.conditional_expected_purchases(t, x, t_x, T)

    def expected_cumulative_repeats(self, birth: ArrayLike, times: ArrayLike) -> FloatArray:
        r"""Tracking curve: expected cumulative repeat purchases by calendar time (FHL 2005, section 5).

        For customers whose first purchase happened at calendar times
        :math:`s_i` (``birth``) the expected total number of repeat purchases
        made by calendar time :math:`\tau` (``times``) is

        .. math::

            \sum_i \mathbf{1}[\tau > s_i]\; E[X(\tau - s_i)]

        with :math:`E[X(t)]` from :meth:`expected_purchases`.  Customers
        sharing a birth time are evaluated once (weighted by their count).
        ``birth`` and ``times`` are on one calendar axis in the fit's time unit
        (e.g. weeks since the start of the data).  Returns one value per entry
        of ``times``.
        """
        params = self._values()
        fix = "pass birth (first-purchase times) and times on one calendar axis, in the fit's time unit"
        born, _ = _as_array("birth", birth, fix)
        when, _ = _as_array("times", times, fix)
        cohorts, size = np.unique(born, return_counts=True)
        age = when[:, None] - cohorts[None, :]
        expected = np.zeros_like(age)
        live = age > 0
        expected[live] = _expected(params, age[live])
        return np.sum(expected * size, axis=1)
