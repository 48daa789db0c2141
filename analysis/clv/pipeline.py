r"""The chapter's CLV pipeline: fits on a calibration summary, diagnostics, values, tracking, checks.

Each function takes the tables :mod:`analysis.features` builds and returns a
table or a small result; errors are worded for a chapter user, who sets
``calibration_end`` in the parameters file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import schema
from analysis._checks import check_day, check_int, check_number, require_columns
from analysis.clv._inputs import _summary
from analysis.clv.bgnbd import BGNBD
from analysis.clv.gammagamma import P_BOUNDARY, GammaGamma
from analysis.clv.value import customer_lifetime_value
from analysis.errors import DataError
from analysis.split import DateLike

__all__ = ["NO_DROPOUT_BELOW", "fit_diagnostics", "fit_models", "tracking_curve", "value_customers"]


def _require_summary(summary: pd.DataFrame, columns: list[str], *, rows: bool = False) -> None:
    """The calibration summary has ``columns`` (and, with ``rows``, at least one customer)."""
    fix = "compute the summary with analysis.features.customer_summary(transactions, calibration_end)"
    require_columns(summary, columns, source="customer summary", fix=fix)
    if rows and len(summary) == 0:
        raise DataError("The customer summary is empty: there are no customers to value.", source="customer summary",
                        fix=fix)  # fmt: skip


def _unit(unit_days: float) -> float:
    return check_number("unit_days", unit_days, low=0.0, open_low=True, fix="pass the summary's time unit in days, e.g. 7")


#: How a chapter user sets the calibration end (they run ``make chapter``, not Python).
PARAMS_HINT = (
    "a line calibration_end: YYYY-MM-DD in params.yaml, then make chapter CH=clustering DATA=... PARAMS=params.yaml"
)


#: :func:`fit_diagnostics` thresholds (see there for why).
NO_DROPOUT_BELOW = 1e-3


def fit_models(summary: pd.DataFrame, *, min_repeaters: int = 10, money: bool = True) -> tuple[BGNBD, GammaGamma | None]:
    r"""Fit the BG/NBD and the Gamma-Gamma model to a calibration summary; both fitted models are returned.

    * BG/NBD (:meth:`BGNBD.fit <analysis.clv.BGNBD.fit>`) on **every** row of ``summary``: ``x`` repeat
      purchase days, ``t_x`` and ``T`` in the summary's time unit (the
      ``unit_days`` of :func:`analysis.features.customer_summary`, weeks by
      default), which is then the unit of ``alpha_``.
    * Gamma-Gamma (:meth:`GammaGamma.fit <analysis.clv.GammaGamma.fit>`) on the rows with ``x > 0`` **and**
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

    ``money=False`` (data without prices): there is no spend to fit, so only the BG/NBD is fitted and the
    Gamma-Gamma model is ``None``; the summary needs no ``monetary_value``.
    """
    _require_summary(summary, [schema.X, schema.T_X, schema.T_CAL] + [schema.REPEAT_VALUE] * money)
    min_repeaters = check_int(
        "min_repeaters", min_repeaters, low=1, fix="pass the smallest number of repeat customers to fit on, e.g. 10"
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
    repeat = x > 0
    n_repeaters = int(repeat.sum())
    value = summary[schema.REPEAT_VALUE] if money else pd.Series(np.inf, index=summary.index)
    spend = repeat & (value > 0)
    n_spenders = int(spend.sum())
    if n_repeaters < min_repeaters or n_spenders < min_repeaters:
        raise _too_few(summary, repeat, n_spenders, min_repeaters)
    bg = BGNBD().fit(x, summary[schema.T_X], summary[schema.T_CAL])
    gg = GammaGamma().fit(x[spend], value[spend]) if money else None
    return bg, gg


def _too_few(summary: pd.DataFrame, repeat: pd.Series, n_spenders: int, min_repeaters: int) -> DataError:
    """The error for too few repeat customers (or too few with a positive repeat spend), in the user's terms."""
    n, n_repeaters = len(summary), int(repeat.sum())
    counts = f"{n:,} customers bought before the calibration end and {n_repeaters:,} of them bought again before it"
    fix = _too_few_fix(summary, repeat, min_repeaters)
    if n_repeaters < min_repeaters:
        problem = f"Too few repeat customers for the CLV models: {counts}; the models need at least {min_repeaters}."
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
    rows = [f"customers = {n:,}", f"repeat customers = {n_repeaters:,}", f"with positive repeat spend = {n_spenders:,}"]
    return DataError(problem, column="calibration_end", rows=rows, fix=fix)


def _too_few_fix(summary: pd.DataFrame, repeat: pd.Series, min_repeaters: int) -> str:
    """Whether a later calibration end can help, judged from the holdout when there is one."""
    later = f"choose a later calibration_end in the parameters file ({PARAMS_HINT})"
    too_few = "these data have too few repeat customers for the CLV models: use a longer or larger transactions file"
    if schema.X_HOLDOUT not in summary.columns:
        return f"{later}; if the calibration end is already the end of the data, {too_few}"
    by_end = int((repeat | (summary[schema.X_HOLDOUT] > 0)).sum())
    if by_end >= min_repeaters:
        return f"{later}: by the end of the data {by_end:,} customers of this cohort had bought again"
    return f"{too_few} (even by the end of the data only {by_end:,} customers of this cohort bought again)"


def fit_diagnostics(bg: BGNBD, gg: GammaGamma | None) -> dict[str, bool]:
    r"""Flags for fits that run to the edge of the models, where their output misleads.

    * ``no_dropout`` -- the BG/NBD's mean dropout probability after a
      purchase, :math:`E[p] = a/(a+b)`, is below ``1e-3``: on average a
      customer would make a thousand repeat purchases before leaving, far
      beyond any history in the data.  The fit says customers practically never
      leave, so :math:`P(\text{alive}) \approx 1` for everyone (the odds in
      :meth:`~analysis.clv.BGNBD.prob_alive` scale with :math:`a/(b+x-1)`) and "lost" customers
      cannot be told apart from quiet ones.
    * ``spend_degenerate`` -- the Gamma-Gamma optimum is on the boundary
      of its parameter space (:math:`p \to \infty`, :math:`\gamma \to 0`,
      ``gg.at_boundary_``; :meth:`GammaGamma.fit <analysis.clv.GammaGamma.fit>` then fixes :math:`p` at
      :data:`~analysis.clv.gammagamma.P_BOUNDARY`). A customer's transaction
      values have coefficient of variation :math:`1/\sqrt{p}`, so the fit
      claims each customer spends (within 3 %) the same on every purchase: one
      gamma distribution of spend levels cannot describe the customers. The
      conditional mean spend then falls back to each customer's own average;
      it is still usable for CLV, the parameters themselves mean little.
    * ``spend_mean_undefined`` -- :math:`q \le 1`: the population mean spend
      :math:`p\gamma/(q-1)` does not exist, so customers without a positive
      repeat spend cannot be valued (:func:`value_customers` raises).

    Every value is a plain ``bool``; ``True`` means "look at this". Without a spend model (``gg`` None,
    data without prices) the two spend flags are False.
    """
    return {
        "no_dropout": bool(bg.a_ / (bg.a_ + bg.b_) < NO_DROPOUT_BELOW),
        "spend_degenerate": bool(gg is not None and (gg.at_boundary_ or gg.p_ > P_BOUNDARY)),
        "spend_mean_undefined": bool(gg is not None and gg.q_ <= 1.0),
    }


def value_customers(
    summary: pd.DataFrame,
    bg: BGNBD,
    gg: GammaGamma | None,
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
    * ``p_alive`` -- :meth:`BGNBD.prob_alive <analysis.clv.BGNBD.prob_alive>`;
    * ``expected_purchases`` -- :math:`E[Y(K) \mid x, t_x, T]`, repeat purchase
      days in the next :math:`K` units (:meth:`BGNBD.conditional_expected_purchases
      <analysis.clv.BGNBD.conditional_expected_purchases>`);
    * ``expected_spend`` -- :math:`E(M \mid \bar m, x)` in money per purchase
      (:meth:`GammaGamma.conditional_expected_spend <analysis.clv.GammaGamma.conditional_expected_spend>`);
    * ``clv`` -- :func:`customer_lifetime_value` with ``step=1`` unit,
      ``horizon=K`` and discount :math:`d`, in money.

    Customers whose repeat purchases had no positive value (``x > 0`` and
    ``monetary_value <= 0``) are valued with the population mean spend
    :math:`p\gamma/(q-1)` (``x_spend = 0``), as are customers with ``x == 0``;
    their purchase forecast still uses their ``x``.

    Without a spend model (``gg`` None: data without prices) the value is in purchases, not money: the
    columns stop at ``expected_purchases``.
    """
    needed = [schema.CUSTOMER, schema.X, schema.T_X, schema.T_CAL] + [schema.REPEAT_VALUE] * (gg is not None)
    _require_summary(summary, needed, rows=True)
    horizon_days = check_number("horizon_days", horizon_days, low=1, fix="set horizon_days to the CLV horizon in days, e.g. 365")
    rate = check_number(
        "annual_discount_rate", annual_discount_rate, low=0.0, fix="set the annual discount rate as a fraction >= 0, e.g. 0.10"
    )
    unit = _unit(unit_days)
    horizon = max(1, int(round(horizon_days / unit)))
    step_rate = (1.0 + rate) ** (unit / 365.25) - 1.0

    x, t_x, T = summary[schema.X], summary[schema.T_X], summary[schema.T_CAL]
    out = pd.DataFrame({schema.CUSTOMER: summary[schema.CUSTOMER]}, index=summary.index)
    out[schema.P_ALIVE] = bg.prob_alive(x, t_x, T)
    out[schema.EXPECTED_PURCHASES] = bg.conditional_expected_purchases(float(horizon), x, t_x, T)
    if gg is None:
        return out
    value = summary[schema.REPEAT_VALUE]
    positive = value > 0
    x_spend = x.where(positive, 0)
    mbar = value.where(positive, 0.0)  # ignored where x_spend == 0; must only be >= 0
    out[schema.EXPECTED_SPEND] = gg.conditional_expected_spend(x_spend, mbar)
    out[schema.CLV] = customer_lifetime_value(
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
      (:meth:`BGNBD.expected_cumulative_repeats <analysis.clv.BGNBD.expected_cumulative_repeats>`).
    """
    dated = isinstance(repeats_by_day, pd.Series) and isinstance(repeats_by_day.index, pd.DatetimeIndex)
    if not dated or len(repeats_by_day) == 0:
        raise DataError(
            "repeats_by_day must be a non-empty Series indexed by date (the days to track)",
            column="repeats_by_day",
            fix="pass analysis.features.repeat_purchases_by_day(transactions, calibration_end)",
        )
    _require_summary(summary, [schema.FIRST])
    unit = _unit(unit_days)
    start = check_day("first_day", first_day)
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
    expected = bg.expected_cumulative_repeats(birth_days / unit, day_ends)
    out = pd.DataFrame({"actual": actual.to_numpy(), "expected": expected}, index=repeats_by_day.index)
    out.index.name = "date"
    return out
