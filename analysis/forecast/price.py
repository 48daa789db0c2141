r"""Promotion lift and price elasticity from a transaction log.

* **Discount days** are found in the prices themselves: a day is a discount day
  when at least :data:`DISCOUNT_DAY_SHARE` of its lines are priced
  :data:`DISCOUNT_MIN` or more below their product's median price.
* **Promotion lift**: an ordinary least-squares regression of log daily orders
  on day of week, a quadratic trend, yearly Fourier terms (with a year of data
  or more) and the discount-day flag; the lift is :math:`e^{\beta}` of the flag,
  the ratio of orders on a discount day to the same day without it.
* **Price elasticity** (log-log with controls): on every order line,

  .. math:: \log q_{i} = a_{j(i)} + \varepsilon \log p_{i} + \delta_{\mathrm{dow}(i)} + u_{i}

  with :math:`q_i` the units of line :math:`i`, :math:`p_i` its unit price, a weekday
  effect and product effects :math:`a_j` (the regression is run within products, on
  deviations from each product's means). Units per line, not per day: a promotion
  brings more orders as well as lower prices, and daily totals would mix the two.
  Standard errors are heteroskedasticity-robust (HC1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema as S

__all__ = ["DISCOUNT_DAY_SHARE", "DISCOUNT_MIN", "Elasticity", "Lift", "discount_days", "price_elasticity",
           "promotion_flags",
           "promotion_lift", "quantity_pricing"]

#: A line is discounted when priced this share or more below its product's median price.
DISCOUNT_MIN = 0.03
#: A day is a discount day when at least this share of its lines are discounted.
DISCOUNT_DAY_SHARE = 0.5
#: Fewest discount days for a lift, fewest product-days with a price change for an elasticity.
MIN_DAYS = 3


@dataclass(frozen=True)
class Lift:
    """Promotion lift ``exp(beta)`` with its 95 % interval, on ``days`` discount days (NaN when none)."""

    lift: float
    low: float
    high: float
    days: int


@dataclass(frozen=True)
class Elasticity:
    """Price elasticity with its robust standard error, the order lines and products used."""

    elasticity: float
    se: float
    rows: int
    products: int


def discount_days(transactions: pd.DataFrame) -> pd.DataFrame:
    """Per calendar day: the share of lines discounted, the mean discount and the discount-day flag."""
    day = pd.to_datetime(transactions[S.TIMESTAMP]).dt.normalize()
    price = transactions[S.PRICE].astype("float64")
    median = price.groupby(transactions[S.PRODUCT]).transform("median")
    cut = 1 - price / median
    lines = pd.DataFrame({"day": day, "discounted": cut >= DISCOUNT_MIN, "cut": cut.clip(lower=0)})
    out = lines.groupby("day").agg(share=("discounted", "mean"), discount=("cut", "mean"))
    out["discount_day"] = out["share"] >= DISCOUNT_DAY_SHARE
    return out


def _calendar_design(dates: pd.DatetimeIndex) -> pd.DataFrame:
    t = np.arange(len(dates)) / 365.25
    X = pd.get_dummies(pd.Series(dates.day_of_week, index=dates), prefix="dow", drop_first=True, dtype=float)
    X.insert(0, "const", 1.0)
    X["trend"], X["trend2"] = t, t**2
    if len(dates) >= 365:
        doy = dates.day_of_year.to_numpy() / 365.25
        for k in (1, 2, 3):
            X[f"sin{k}"], X[f"cos{k}"] = np.sin(2 * np.pi * k * doy), np.cos(2 * np.pi * k * doy)
    return X


def promotion_lift(daily_orders: pd.Series, flags: pd.Series) -> Lift:
    """The lift of discount days on daily orders (see the module); NaN when fewer than :data:`MIN_DAYS`."""
    import statsmodels.api as sm

    flags = flags.reindex(daily_orders.index, fill_value=False).astype(bool)
    keep = daily_orders > 0
    days = int(flags[keep].sum())
    if days < MIN_DAYS:
        return Lift(np.nan, np.nan, np.nan, days)
    X = _calendar_design(pd.DatetimeIndex(daily_orders.index))[keep.to_numpy()]
    X["promotion"] = flags[keep].astype(float).to_numpy()
    fit = sm.OLS(np.log(daily_orders[keep].to_numpy()), X).fit(cov_type="HC1")
    b, se = float(fit.params["promotion"]), float(fit.bse["promotion"])
    return Lift(float(np.exp(b)), float(np.exp(b - 1.96 * se)), float(np.exp(b + 1.96 * se)), days)


#: Rows per block when the regression's sandwich is summed (bounds the temporary memory to ~BLOCK x columns).
BLOCK = 1_000_000


def _within(values: np.ndarray, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``values`` minus their group's mean (groups given by ``codes``), in place."""
    values -= (np.bincount(codes, weights=values, minlength=len(counts)) / counts)[codes]
    return values


def ols_hc1(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and their HC1 (White, small-sample scaled) standard errors, from the normal equations,
    with the sandwich's meat summed in blocks of :data:`BLOCK` rows: memory stays at the size of ``X`` however
    many rows (statsmodels' ``OLS(...).fit(cov_type="HC1")`` gives the same numbers on a full-rank ``X``,
    keeping several copies of it)."""
    n, k = X.shape
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ (X.T @ y)
    meat = np.zeros((k, k))
    for start in range(0, n, BLOCK):
        x = X[start:start + BLOCK]
        e = y[start:start + BLOCK] - x @ beta
        meat += (x * (e * e)[:, None]).T @ x
    cov = bread @ meat @ bread * (n / (n - k))
    return beta, np.sqrt(np.diag(cov))


def price_elasticity(transactions: pd.DataFrame, products=None) -> Elasticity:
    """The log-log elasticity of units per order line on price (see the module), on ``products`` (default all).

    Within each product (both logs and the weekday dummies demeaned by product), by :func:`ols_hc1`: a few
    columns of floats per order line, so 8 M lines need about 0.5 GB."""
    tx = transactions if products is None else transactions[transactions[S.PRODUCT].isin(list(products))]
    q = tx[S.QUANTITY].to_numpy(dtype=float)
    p = tx[S.PRICE].to_numpy(dtype=float)
    keep = (q > 0) & (p > 0)
    codes, uniques = pd.factorize(tx[S.PRODUCT].to_numpy()[keep])
    n_products = len(uniques)
    dow = pd.DatetimeIndex(pd.to_datetime(tx[S.TIMESTAMP]).to_numpy()[keep]).day_of_week.to_numpy()
    counts = np.bincount(codes, minlength=n_products).astype(float)
    lq = _within(np.log(q[keep]), codes, counts)
    lp = _within(np.log(p[keep]), codes, counts)
    if int((np.abs(lp) > 1e-9).sum()) < MIN_DAYS:
        return Elasticity(np.nan, np.nan, len(lq), n_products)
    days = np.unique(dow)[1:]  # one dummy per weekday seen but the first (the reference)
    X = np.empty((len(lq), len(days) + 1))
    for j, d in enumerate(days):
        X[:, j] = _within((dow == d).astype(float), codes, counts)
    X[:, -1] = lp
    beta, se = ols_hc1(lq, X)
    return Elasticity(float(beta[-1]), float(se[-1]), len(lq), n_products)


def promotion_flags(transactions: pd.DataFrame, index: pd.DatetimeIndex, frequency: str = "D") -> np.ndarray:
    """The discount days of :func:`discount_days` on a series' steps (for weeks: a week with any discount day),
    the promotion calendar a shop knows in advance."""
    days = discount_days(transactions)["discount_day"]
    on = pd.DatetimeIndex(days.index[days.to_numpy()])
    if frequency == "D":
        return np.asarray(pd.DatetimeIndex(index).isin(on))
    ends = pd.DatetimeIndex(index)
    return np.array([bool(((on > end - pd.Timedelta(days=7)) & (on <= end)).any()) for end in ends])


def quantity_pricing(transactions: pd.DataFrame) -> float:
    """Correlation of log unit price with log units across the order lines of the same product on the same day
    (each demeaned within its product-day): strongly negative when the price depends on the quantity bought
    (wholesale price breaks), NaN when prices do not vary within a product-day (fewer than
    :data:`MIN_DAYS` lines whose price differs from their product-day's mean)."""
    q = transactions[S.QUANTITY].to_numpy(dtype=float)
    p = transactions[S.PRICE].to_numpy(dtype=float)
    keep = (q > 0) & (p > 0)
    day = pd.DatetimeIndex(pd.to_datetime(transactions[S.TIMESTAMP]).to_numpy()[keep]).normalize()
    product = pd.factorize(transactions[S.PRODUCT].to_numpy()[keep])[0]
    key = pd.factorize(pd.MultiIndex.from_arrays([product, day]))[0]  # the product-day, without text keys
    counts = np.bincount(key).astype(float)
    lq, lp = _within(np.log(q[keep]), key, counts), _within(np.log(p[keep]), key, counts)
    if int((np.abs(lp) > 1e-9).sum()) < MIN_DAYS or float(lq.std()) == 0:
        return float("nan")
    return float(np.corrcoef(lp, lq)[0, 1])
