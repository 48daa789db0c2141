r"""Customer lifetime value from the two models, and the BG/NBD's holdout check by frequency.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "RFM and CLV: Using
Iso-Value Curves for Customer Base Analysis." *Journal of Marketing Research*
42(4), 415-430 (*FHL 2005b*).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis import schema
from analysis._checks import check_int, check_number
from analysis.clv._inputs import SUMMARY_FIX, FloatArray, _counts, _output, _same_length, _summary, _times
from analysis.clv.bgnbd import BGNBD, _conditional
from analysis.clv.gammagamma import GammaGamma
from analysis.evaluate import by_group

__all__ = ["customer_lifetime_value", "holdout_by_frequency"]


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
    :meth:`BGNBD.conditional_expected_purchases <analysis.clv.BGNBD.conditional_expected_purchases>`,

    .. math::

        \text{CLV} = E(M \mid \bar m, x) \sum_{k=1}^{K}
        \frac{E[Y(k\Delta) \mid x, t_x, T] - E[Y((k-1)\Delta) \mid x, t_x, T]}{(1+d)^{k}}

    with :math:`K` = ``horizon`` and :math:`E(M \mid \bar m, x)` from
    :meth:`GammaGamma.conditional_expected_spend <analysis.clv.GammaGamma.conditional_expected_spend>`;
    ``bg`` and ``gg`` are fitted (or given) models.

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
    horizon = check_int("horizon", horizon, low=1, fix="pass horizon as an int, e.g. horizon=12 with step=4.345 for a year in months of weeks")
    discount_rate = check_number("discount_rate", discount_rate, low=0.0, fix="pass the rate per step, e.g. 0.01 for 1 % a month with monthly steps")
    step = check_number("step", step, low=0.0, open_low=True, fix="pass the period length in the fit's time unit, e.g. step=4.345 weeks for a month")
    spend = np.atleast_1d(gg.conditional_expected_spend(x if x_spend is None else x_spend, mbar))
    params = bg._values()
    xa, ta, Ta = _summary(x, t_x, T)
    _same_length({schema.X: xa, "mbar": spend}, SUMMARY_FIX)
    grid = step * np.arange(horizon + 1, dtype=np.float64)
    cumulative = _conditional(params, grid[None, :], xa[:, None], ta[:, None], Ta[:, None])
    discount = (1.0 + discount_rate) ** -np.arange(1, horizon + 1, dtype=np.float64)
    return _output(spend * np.sum(np.diff(cumulative, axis=1) * discount, axis=1), x, t_x, T, mbar)


def holdout_by_frequency(
    bg: BGNBD,
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
      (eq. 10, :meth:`BGNBD.conditional_expected_purchases <analysis.clv.BGNBD.conditional_expected_purchases>`).

    ``duration`` is the holdout length in the fit's time unit (a scalar or one
    per customer).  Only groups with customers appear.
    """
    max_x = check_int("max_x", max_x, low=1, fix="pass the frequency from which customers are pooled, e.g. max_x=7")
    params = bg._values()
    xa, ta, Ta = _summary(x, t_x, T)
    fix = "pass x_holdout = repeat purchases in the holdout period, one per customer, in the order of x"
    actual, _ = _counts(schema.X_HOLDOUT, x_holdout, fix)
    span = _times("duration", duration, "pass the holdout length (> 0) in the fit's time unit", positive=True)
    _same_length({schema.X: xa, schema.X_HOLDOUT: actual, "duration": span}, fix)
    predicted = _conditional(params, span, xa, ta, Ta)
    table = by_group(xa, predicted, np.broadcast_to(actual, xa.size), cap=max_x)
    return table.rename(columns={"group": schema.X, "n": "n_customers"})
