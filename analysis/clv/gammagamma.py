r"""The Gamma-Gamma model of spend: likelihood, the estimator :class:`GammaGamma` (fit with its boundary, conditional mean spend).

Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma Model of Monetary
Value." http://brucehardie.com/notes/025/ (*FH 2013*).

**The boundary.** When one gamma distribution of spend levels cannot describe
the customers, the likelihood keeps rising as :math:`p \to \infty,\ \gamma \to
0` with :math:`p\gamma` fixed: the model claims each customer spends exactly
the same on every purchase. An unconstrained optimiser then stops wherever
the last bit of its input sends it (p of 3.5e6 in one run, 1.25e7 in the
next). :meth:`GammaGamma.fit` reports such a fit as ``at_boundary_`` and fits
the constrained model instead: :math:`p` fixed at :data:`P_BOUNDARY` (a
coefficient of variation of a customer's spend of :math:`1/\sqrt{p}` ≈ 3 %),
:math:`q` and :math:`\gamma` by maximum likelihood, an interior optimum that
the same data always give.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from analysis import schema
from analysis.clv._estimator import LikelihoodModel, _check_parameters
from analysis.clv._inputs import (
    SPEND_FIX,
    FloatArray,
    _aggregate,
    _as_array,
    _converged,
    _counts,
    _initial,
    _levels,
    _offenders,
    _output,
    _require,
    _same_length,
    _spend,
    _weights,
    _wsum,
)
from analysis.errors import DataError

__all__ = ["P_BOUNDARY", "GammaGamma", "gammagamma_loglik"]

#: Shape p above which the Gamma-Gamma fit is on the boundary of its parameter space (see the module text).
P_BOUNDARY = 1e3


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
    _check_parameters("GammaGamma", {"p": p, "q": q, "gamma": gamma})
    xa, ma = _spend(x, mbar)
    return _output(_gammagamma_loglik(p, q, gamma, xa, ma), x, mbar)



def _minimise(objective: Any, start: FloatArray, args: tuple, options: dict[str, Any]) -> optimize.OptimizeResult:
    return optimize.minimize(objective, start, args=args, jac=True, method="BFGS", options=dict(options))


def _fixed_p_objective(log_qg: FloatArray, log_p: float, *args: Any) -> tuple[float, FloatArray]:
    """The Gamma-Gamma objective in (ln q, ln gamma) with ln p held at ``log_p``."""
    value, grad = _gammagamma_objective(np.array([log_p, *log_qg]), *args)
    return value, grad[1:]


class GammaGamma(LikelihoodModel):
    r"""The Gamma-Gamma model of spend, FH 2013, as a scikit-learn estimator.

    Each transaction value :math:`z \sim \text{Gamma}(p, \nu)` with customer
    rate :math:`\nu \sim \text{Gamma}(q, \gamma)`; the mean spend of a random
    customer is :math:`p\gamma/(q-1)` (defined for :math:`q > 1`).

    Parameters
    ----------
    initial : dict, sequence of 3 floats or None
        Starting point :math:`(p, q, \gamma)` of the optimiser, ``gamma`` in
        money: a dict by name (a fitted model's :meth:`as_dict`, say) or the
        three values in that order (default ``p = q = 1`` and ``gamma`` the
        mean of ``mbar``).
    tol : float
        Gradient tolerance of BFGS on the mean log-likelihood (``gtol``).
    max_iter : int
        Most iterations of the optimiser.

    Attributes
    ----------
    p_, q_, gamma_ : float
        The maximum-likelihood parameters; ``gamma_`` is in money units.
    loglik_ : float
        Total log-likelihood at the fit.
    n_customers_ : int
        The (weighted) number of customers fitted.
    converged_ : bool
        The optimiser's verdict.
    at_boundary_ : bool
        True when the unconstrained optimum ran to :math:`p \to \infty` and
        ``p_`` was fixed at :data:`P_BOUNDARY` (module text).

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma Model of
    Monetary Value." http://brucehardie.com/notes/025/

    Examples
    --------
    >>> model = GammaGamma().fit(x[x > 0], mbar[x > 0])  # doctest: +SKIP
    >>> fh = GammaGamma.from_parameters(p=6.25, q=3.74, gamma=15.44)  # FH 2013's CDNOW fit
    >>> round(fh.conditional_expected_spend(0, 0.0), 2)  # the population mean p gamma / (q - 1)
    35.22
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    FIT_ARGS: ClassVar[str] = "x, mbar"

    @classmethod
    def from_parameters(cls, *, p: float, q: float, gamma: float, **fields: Any) -> GammaGamma:
        """The model at given parameters, e.g. FH 2013's ``p=6.25, q=3.74, gamma=15.44``.

        It was not fitted: ``loglik_`` is nan, ``n_customers_`` 0 and
        ``converged_`` False, unless ``fields`` (the keys of :meth:`as_dict`
        after the parameters) say otherwise.
        """
        return cls._at({"p": p, "q": q, "gamma": gamma}, fields)

    def fit(self, x: ArrayLike, mbar: ArrayLike, *, weights: ArrayLike | None = None) -> GammaGamma:
        r"""Maximum-likelihood fit on customers with ``x > 0``, FH 2013.

        Maximises :math:`\sum_i w_i \ln f(\bar m_i \mid p, q, \gamma, x_i)` (see
        :func:`gammagamma_loglik`) over :math:`\ln p, \ln q, \ln\gamma` with
        BFGS and the analytic gradient

        .. math::

            \frac{\partial \ln f}{\partial p} = x\left[\psi(px+q) - \psi(px)
                + \ln \bar m + \ln x - \ln(\gamma + \bar m x)\right], \qquad
            \frac{\partial \ln f}{\partial q} = \psi(px+q) - \psi(q) + \ln\gamma
                - \ln(\gamma + \bar m x),

        .. math::

            \frac{\partial \ln f}{\partial \gamma} = \frac{q}{\gamma} - \frac{px+q}{\gamma+\bar m x}.

        Money is rescaled internally by the mean of ``mbar`` (the likelihood
        only shifts by a constant); ``gamma_`` is reported in the caller's
        money unit. An optimum beyond ``p =`` :data:`P_BOUNDARY` is reported
        (``at_boundary_``) and replaced by the constrained fit with ``p``
        fixed there (see the module text).

        Parameters
        ----------
        x : array-like
            Repeat purchases per customer, all ``>= 1``: customers with
            ``x == 0`` carry no spend information, filter them out first (a
            ``DataError`` says so).
        mbar : array-like
            The mean value of each customer's repeat purchases, ``> 0``.
        weights : array-like, optional
            Customers per row (default 1 each).

        Returns
        -------
        GammaGamma
            The fitted model (``self``).
        """
        xa, ma = _spend(x, mbar)
        w = _weights(weights, xa.size)
        scale = float(np.average(ma, weights=w))
        (xu, mu), wu = _aggregate([xa, ma / scale], w)
        start = _initial(self.initial, self.PARAMETERS, (1.0, 1.0, scale))
        start[2] /= scale
        options = self._options()
        args = (xu, mu, wu, *_levels(xu, wu))
        result = _minimise(_gammagamma_objective, np.log(start), args, options)
        p, q, gamma = np.exp(result.x)
        at_boundary = bool(p > P_BOUNDARY)
        if at_boundary:  # the constrained model: p fixed on the boundary, q and gamma fitted (module text)
            fixed = np.log(P_BOUNDARY)
            # a fixed start, so that the result does not depend on where the unconstrained run wandered off to
            result = _minimise(_fixed_p_objective, np.log([1.0, 1.0 / P_BOUNDARY]), (fixed, *args), options)
            p, (q, gamma) = P_BOUNDARY, np.exp(result.x)
        gamma *= scale
        self._set_fitted(
            {"p": p, "q": q, "gamma": gamma},
            loglik=_wsum(wu, _gammagamma_loglik(p, q, gamma, xu, mu * scale)),
            n_customers=int(round(w.sum())),
            converged=_converged(result),
            at_boundary=at_boundary,
        )
        return self

    def conditional_expected_spend(self, x: ArrayLike, mbar: ArrayLike) -> FloatArray | float:
        r"""Expected value of a customer's future purchases, FH 2013 (posterior mean of :math:`p/\nu`).

        .. math::

            E(M \mid p, q, \gamma, \bar m, x) = \frac{(\gamma + \bar m x)\, p}{p x + q - 1}
            = \frac{q-1}{px+q-1}\frac{p\gamma}{q-1} + \frac{px}{px+q-1}\bar m ,

        a weighted mean of the population mean :math:`p\gamma/(q-1)` and the
        customer's own :math:`\bar m`.  ``x == 0`` is allowed here (``mbar``
        is then ignored and the population mean returned).  The mean exists
        only when :math:`px + q > 1`; with :math:`q \le 1` it is undefined for
        customers with few purchases, which raises a ``DataError``.
        """
        p, q, gamma = self._values()
        fix = SPEND_FIX.replace("for customers with x > 0 only, e.g. summary[summary['x'] > 0]", "0 when x == 0")
        xa, x_labels = _counts(schema.X, x, fix)
        ma, m_labels = _as_array("mbar", mbar, fix)
        n = _same_length({schema.X: xa, "mbar": ma}, fix)
        _require(ma >= 0, "mbar", ma, m_labels, "must be >= 0 (mean value of repeat purchases)", fix)
        xa, ma = np.broadcast_to(xa, n), np.broadcast_to(ma, n)
        labels = x_labels if xa.size == n else m_labels
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

    def predict(self, x: ArrayLike, mbar: ArrayLike) -> FloatArray | float:
        """The model's prediction: :meth:`conditional_expected_spend`, the same arguments."""
        return self.conditional_expected_spend(x, mbar)
