r"""Customer lifetime value: the BG/NBD and Gamma-Gamma models, equation by equation.

* :mod:`~analysis.clv.bgnbd` -- BG/NBD (Fader, Hardie & Lee 2005): its
  likelihood and the estimator :class:`BGNBD` (fit, expected purchases, P(alive));
* :mod:`~analysis.clv.gammagamma` -- Gamma-Gamma spend (Fader & Hardie 2013):
  its likelihood and the estimator :class:`GammaGamma`, with its boundary
  reported and the constrained model fitted there;
* :mod:`~analysis.clv.value` -- CLV (Fader, Hardie & Lee 2005b) and the
  holdout check by frequency;
* :mod:`~analysis.clv.pipeline` -- the chapter's steps on a calibration summary.

**Time unit.** ``t_x``, ``T``, every horizon ``t`` and the CLV ``step`` must
be in the same unit (the book uses weeks); ``alpha_`` is then in that unit.
The two models are scikit-learn estimators (``BGNBD().fit(x, t_x, T)``,
``GammaGamma().fit(x, mbar)``, fitted attributes ending in ``_``; published
parameters via ``from_parameters``). Methods and functions take array-likes
and return numpy arrays, or a ``float`` when every customer-level input was a
scalar. Bad input, or a model used before it is fitted, raises
:class:`analysis.errors.DataError` naming the argument, a few offending
positions, and the fix.
"""

from analysis.clv.bgnbd import BG_BOUNDARY, BG_FLOOR, BGNBD, bgnbd_loglik
from analysis.clv.gammagamma import P_BOUNDARY, GammaGamma, gammagamma_loglik
from analysis.clv.pipeline import NO_DROPOUT_BELOW, fit_diagnostics, fit_models, tracking_curve, value_customers
from analysis.clv.value import customer_lifetime_value, holdout_by_frequency
from analysis.split import default_calibration_end

__all__ = [
    "BG_BOUNDARY", "BG_FLOOR", "BGNBD", "NO_DROPOUT_BELOW", "P_BOUNDARY", "GammaGamma", "bgnbd_loglik",
    "customer_lifetime_value", "default_calibration_end", "fit_diagnostics", "fit_models", "gammagamma_loglik",
    "holdout_by_frequency", "tracking_curve", "value_customers",
]  # fmt: skip
