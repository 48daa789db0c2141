r"""RFM: the transform k-means clusters on, and the industry's quintile scores and named segments.

* :func:`rfm_matrix` -- ``log1p`` of the right-skewed features, then
  standardisation, as an invertible scikit-learn ``Pipeline``.
* :func:`rfm_scores` -- recency, frequency and monetary scores 1-5 by
  quintile (5 = best), and :func:`rfm_segment` names each customer by the
  rules of :data:`RFM_RULES`, which :func:`rfm_rules_table` shows on the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from analysis._checks import require_columns
from analysis.errors import DataError
from analysis.schema import AOV, CUSTOMER, FREQUENCY, MONETARY, RECENCY, RFM_SCORE, RFM_SEGMENT, TENURE
from analysis.schema import F_SCORE, M_SCORE, OVERDUE, R_SCORE
from analysis.segment._inputs import check_customers, value_name

__all__ = [
    "DEFAULT_FEATURES",
    "LOG_FEATURES",
    "RFM_RULES",
    "RFM_SEGMENTS",
    "overdue",
    "rfm_matrix",
    "rfm_rules_table",
    "rfm_scores",
    "rfm_segment",
    "rfm_segment_table",
]

DEFAULT_FEATURES: tuple[str, ...] = (RECENCY, FREQUENCY, MONETARY, TENURE)
#: Features that ``rfm_matrix(..., log=True)`` passes through ``log1p``: counts,
#: amounts and gaps with a long right tail. Tenure is bounded by the length of
#: the observation window and is roughly uniform, so it is only standardised.
LOG_FEATURES: tuple[str, ...] = (RECENCY, FREQUENCY, MONETARY, AOV)

#: Number of score levels (quintiles).
LEVELS = 5

#: The named segments, first matching rule wins. Each rule is
#: ``(name, R range, F range, M range, meaning)`` with inclusive score ranges.
RFM_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int], tuple[int, int], str], ...] = (
    ("champions", (4, 5), (4, 5), (1, 5), "bought recently and often"),
    ("loyal", (3, 5), (3, 5), (1, 5), "buy regularly, not quite the most recent"),
    ("new", (4, 5), (1, 1), (1, 5), "first purchases, recently"),
    ("potential loyalists", (3, 5), (1, 2), (1, 5), "recent, not yet frequent"),
    ("cannot lose", (1, 2), (4, 5), (4, 5), "used to buy often and spend much, not seen for long"),
    ("at risk", (1, 2), (3, 5), (1, 5), "used to buy regularly, not seen for a while"),
    ("hibernating", (2, 2), (1, 2), (1, 5), "few purchases, a while ago"),
    ("lost", (1, 1), (1, 2), (1, 5), "few purchases, long ago"),
)
RFM_SEGMENTS: tuple[str, ...] = tuple(rule[0] for rule in RFM_RULES)
def _log1p_columns(X: np.ndarray, columns: tuple[int, ...] = ()) -> np.ndarray:
    out = np.array(X, dtype=float, copy=True)
    if columns:
        idx = list(columns)
        out[:, idx] = np.log1p(out[:, idx])
    return out


def _expm1_columns(X: np.ndarray, columns: tuple[int, ...] = ()) -> np.ndarray:
    out = np.array(X, dtype=float, copy=True)
    if columns:
        idx = list(columns)
        out[:, idx] = np.expm1(out[:, idx])
    return out


def rfm_matrix(
    customers: pd.DataFrame,
    features: Sequence[str] = DEFAULT_FEATURES,
    log: bool | Iterable[str] = True,
) -> tuple[np.ndarray, Pipeline]:
    r"""The feature matrix for clustering: ``log1p`` then standardise.

    For customer :math:`i` and feature :math:`j`

    .. math::

        z_{ij} = \frac{g_j(x_{ij}) - \bar g_j}{s_j}, \qquad
        g_j(x) = \begin{cases} \log(1 + x) & j \text{ logged} \\ x & \text{otherwise}
        \end{cases}

    with :math:`\bar g_j` and :math:`s_j` the mean and (population) standard
    deviation of :math:`g_j(x_{\cdot j})`. The log tames the long right tail
    of frequency and spend (one customer with 500 orders would otherwise own
    a cluster); standardising gives every feature the same weight in the
    Euclidean distance k-means minimises. ``log1p`` keeps zeros finite
    (recency 0 = bought on the as-of date).

    Parameters
    ----------
    customers
        One row per customer with the ``features`` columns (non-negative).
    features
        Column names, in the order of X's columns.
    log
        ``True``: log the features in :data:`LOG_FEATURES` (recency, frequency,
        monetary, average order value); ``False``: none; or an explicit
        collection of feature names to log.

    Returns
    -------
    X, transformer
        ``X`` is an ``(n_customers, len(features))`` float array.
        ``transformer`` is the fitted ``Pipeline([("log1p", FunctionTransformer),
        ("standardise", StandardScaler)])``; ``transformer.inverse_transform``
        maps rows of X (or cluster centres) back to original units.

    References
    ----------
    Hughes, A. M. (1994). *Strategic Database Marketing*. Probus (RFM).
    Hastie, Tibshirani & Friedman (2009). *The Elements of Statistical
    Learning*, 2nd ed., sec. 14.3 (standardising before clustering).
    """
    features = tuple(features)
    if not features:
        raise DataError("rfm_matrix: no features given", fix=f"use e.g. {DEFAULT_FEATURES}")
    if len(set(features)) != len(features):
        raise DataError(f"rfm_matrix: features repeat a column: {features}", fix="list each once")
    if log is True:
        logged = [f for f in features if f in LOG_FEATURES]
    elif log is False:
        logged = []
    else:
        logged = list(log)
        unknown = [f for f in logged if f not in features]
        if unknown:
            raise DataError(
                f"rfm_matrix: log names {unknown}, which are not among features {list(features)}",
                column=", ".join(unknown),
                fix="log only features that are clustered on",
            )
    values = check_customers(customers, features, what="rfm_matrix")
    raw = np.column_stack([values[f] for f in features])
    idx = tuple(i for i, f in enumerate(features) if f in logged)
    transformer = Pipeline(
        [
            (
                "log1p",
                FunctionTransformer(
                    func=_log1p_columns,
                    inverse_func=_expm1_columns,
                    kw_args={"columns": idx},
                    inv_kw_args={"columns": idx},
                    check_inverse=False,
                ),
            ),
            ("standardise", StandardScaler()),
        ]
    )
    X = transformer.fit_transform(raw)
    return np.ascontiguousarray(X, dtype=float), transformer



# ------------------------------------------------------------------ RFM scores
def _quintile_score(values: np.ndarray) -> np.ndarray:
    """Scores 1..LEVELS by position in ascending order; a tie block takes the score of its first position."""
    n = values.size
    ranks = pd.Series(values).rank(method="min").to_numpy()  # 1-based, ties share the lowest rank
    return (1 + np.floor(LEVELS * (ranks - 1) / n)).astype(np.int64)


def rfm_scores(customers: pd.DataFrame, *, money: bool = True) -> pd.DataFrame:
    r"""Recency, frequency and monetary scores 1-5 by quintile, the industry's RFM cells.

    For a feature :math:`v` ordered so that larger is better (recency is
    negated: a recent purchase is good), customer :math:`i` at position
    :math:`\rho_i \in \{1, \dots, n\}` of the ascending order gets

    .. math:: s_i = 1 + \left\lfloor 5\,\frac{\rho_i - 1}{n} \right\rfloor ,

    so each fifth of the customers shares a score. **Ties are never split**:
    customers with equal values take the position of the first of them (the
    ``min`` rank), so a tie block larger than a fifth (typically the one-time
    buyers in frequency) shares the lowest score and the next score(s) may be
    skipped. ``rfm_score`` is the three digits ``R F M`` as text (e.g.
    ``"545"``).

    Returns a DataFrame with ``customer_id`` (when present), ``r_score``,
    ``f_score``, ``m_score``, ``rfm_score``, with the index of ``customers``.

    References
    ----------
    Hughes, A. M. (1994). *Strategic Database Marketing*. Probus.
    """
    values = check_customers(customers, (RECENCY, FREQUENCY, MONETARY)[: 3 if money else 2], what="rfm_scores")
    out = pd.DataFrame(index=customers.index)
    if CUSTOMER in customers.columns:
        out[CUSTOMER] = customers[CUSTOMER]
    out[R_SCORE] = _quintile_score(-values[RECENCY])
    out[F_SCORE] = _quintile_score(values[FREQUENCY])
    out[RFM_SCORE] = out[R_SCORE].astype(str) + out[F_SCORE].astype(str)
    if money:
        out[M_SCORE] = _quintile_score(values[MONETARY])
        out[RFM_SCORE] += out[M_SCORE].astype(str)
    return out[[c for c in (CUSTOMER, R_SCORE, F_SCORE, M_SCORE, RFM_SCORE) if c in out.columns]]


def _rules(money: bool) -> tuple:
    """The rules of :data:`RFM_RULES` that can be read: without an M score, those that ask for one drop out."""
    return RFM_RULES if money else tuple(rule for rule in RFM_RULES if rule[3] == (1, LEVELS))


def rfm_segment(scores: pd.DataFrame) -> pd.Series:
    """The named RFM segment of each customer: the first rule of :data:`RFM_RULES` its scores meet.

    The rules cover every cell of 1-5 scores, so every customer gets a name. Scores without ``m_score``
    (data without prices) are named by the rules that ask nothing of M, which still cover every cell.
    Returns an ordered categorical ``rfm_segment`` (categories in rule order: those of the rules used).
    """
    require_columns(scores, (R_SCORE, F_SCORE), source="RFM scores", fix="pass the output of rfm_scores(customers)")
    money = M_SCORE in scores.columns
    r, f = (scores[c].to_numpy() for c in (R_SCORE, F_SCORE))
    m = scores[M_SCORE].to_numpy() if money else np.ones_like(r)
    name = np.full(r.size, "", dtype=object)
    rules = _rules(money)
    for seg, (r0, r1), (f0, f1), (m0, m1), _ in rules:
        hit = (name == "") & (r >= r0) & (r <= r1) & (f >= f0) & (f <= f1) & (m >= m0) & (m <= m1)
        name[hit] = seg
    names = [rule[0] for rule in rules]
    return pd.Series(pd.Categorical(name, categories=names, ordered=True), index=scores.index, name=RFM_SEGMENT)


def _span(lo_hi: tuple[int, int]) -> str:
    lo, hi = lo_hi
    return "any" if (lo, hi) == (1, LEVELS) else str(lo) if lo == hi else f"{lo}–{hi}"


def rfm_rules_table(*, money: bool = True) -> pd.DataFrame:
    """The rules of :data:`RFM_RULES` as a table for the page (first matching rule wins); without prices
    (``money=False``) the rules that need an M score are left out and so is the M column."""
    rows = [
        {"segment": seg, "R score": _span(r), "F score": _span(f), **({"M score": _span(m)} if money else {}),
         "reads as": meaning}
        for seg, r, f, m, meaning in _rules(money)
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    table.index = pd.RangeIndex(1, len(rows) + 1, name="rule")
    return table


def rfm_segment_table(customers: pd.DataFrame, segments: pd.Series, *, value: str = MONETARY) -> pd.DataFrame:
    """Customers, value and median R, F (and M) per named RFM segment (every segment listed, empty ones as 0).

    ``value`` is the column a customer's value is measured in: ``monetary`` (columns ``revenue`` and
    ``share_revenue``) or, for data without prices, ``frequency`` (``orders``, ``share_orders``; no M).
    """
    name = value_name(value)
    columns = (RECENCY, FREQUENCY, MONETARY) if value == MONETARY else (RECENCY, FREQUENCY)
    values = check_customers(customers, columns, what="rfm_segment_table")
    categories = segments.cat.categories if isinstance(segments.dtype, pd.CategoricalDtype) else list(RFM_SEGMENTS)
    frame = pd.DataFrame({RFM_SEGMENT: pd.Categorical(segments, categories=list(categories), ordered=True), **values})
    grouped = frame.groupby(RFM_SEGMENT, observed=False)
    total = float(values[value].sum())
    out = pd.DataFrame(
        {
            "customers": grouped.size().astype(np.int64),
            "share_customers": grouped.size() / len(frame),
            name: grouped[value].sum(),
            f"share_{name}": grouped[value].sum() / total if total > 0 else np.nan,
            **{f"median_{c}": grouped[c].median() for c in columns},
        }
    )
    return out


def overdue(customers: pd.DataFrame) -> pd.Series:
    r"""Recency against the customer's own rhythm: days since the last order in units of their mean gap.

    For a customer with :math:`f \ge 2` orders, first and last at tenure
    :math:`T` and recency :math:`R` days before the as-of date, the mean gap
    between orders is :math:`g = (T - R)/(f - 1)` and

    .. math:: \text{overdue} = R / g .

    2 means silent for twice their usual gap. NaN for one-time buyers (no
    rhythm to compare with) and for customers whose orders all fell on one day
    (:math:`g = 0`). Returns a float Series named ``overdue`` with the index of
    ``customers``.
    """
    values = check_customers(customers, (RECENCY, FREQUENCY, TENURE), what="overdue")
    span = values[TENURE] - values[RECENCY]
    gap = np.divide(span, values[FREQUENCY] - 1, out=np.zeros_like(span), where=values[FREQUENCY] >= 2)
    ratio = np.divide(values[RECENCY], gap, out=np.full_like(gap, np.nan), where=gap > 0)
    return pd.Series(ratio, index=customers.index, name=OVERDUE)
