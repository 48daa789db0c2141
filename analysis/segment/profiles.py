r"""Segments a team can use: profiles, rule-based names, value tiers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis._checks import check_number, require_columns
from analysis.errors import DataError
from analysis.schema import FREQUENCY, MONETARY, RECENCY, SEGMENT, TENURE, VALUE_TIER
from analysis.segment._inputs import check_customers, check_labels, check_revenue, value_name

__all__ = ["NAME_RULES", "NEW_WINDOW_SHARE", "TIERS", "candidate_profiles", "name_segments", "profile_segments", "tier_table", "value_tiers"]

#: Value tiers, best first.
TIERS: tuple[str, str, str] = ("high", "medium", "low")
_PROFILE_FEATURES: tuple[str, ...] = (RECENCY, FREQUENCY, MONETARY, TENURE)
_MEDIANS = tuple(f"median_{c}" for c in _PROFILE_FEATURES)


def _features(value: str) -> tuple[str, ...]:
    """The profiled features: all four with revenue as the value, no monetary value when orders are (no prices)."""
    return _PROFILE_FEATURES if value == MONETARY else tuple(c for c in _PROFILE_FEATURES if c != MONETARY)


def _value_of(profile: pd.DataFrame) -> str:
    """The value column a profile was built with: ``revenue`` when it has one, else ``orders``."""
    return "revenue" if "revenue" in profile.columns else "orders"


# ------------------------------------------------------------------ profiling
def profile_segments(customers: pd.DataFrame, labels: ArrayLike, *, value: str = MONETARY) -> pd.DataFrame:
    r"""One row per segment: size, value and the median customer.

    Columns: ``segment``, ``n_customers``, ``share_customers``
    (:math:`n_c / n`), ``revenue`` (:math:`\sum_{i\in c} \text{monetary}_i`),
    ``share_revenue`` (:math:`\text{revenue}_c / \sum_i \text{monetary}_i`),
    ``median_recency``, ``median_frequency``, ``median_monetary``,
    ``median_tenure``. Rows sorted by segment; DBSCAN's noise (-1) is a
    segment of its own. ``labels[i]`` belongs to ``customers.iloc[i]``.

    ``value="frequency"`` (data without prices) values segments by their orders: columns ``orders`` and
    ``share_orders`` in place of revenue, and no ``median_monetary``.
    """
    name, features = value_name(value), _features(value)
    values = check_customers(customers, features, what="profile_segments")
    lab = check_labels(labels, len(customers), what="profile_segments")
    total = float(values[value].sum())
    check_revenue(total, what="profile_segments", value=value)
    frame = pd.DataFrame({SEGMENT: lab, **{c: values[c] for c in features}})
    grouped = frame.groupby(SEGMENT, sort=True)
    out = pd.DataFrame(
        {
            "n_customers": grouped.size().astype(np.int64),
            name: grouped[value].sum(),
            **{f"median_{c}": grouped[c].median() for c in features},
        }
    )
    out.insert(1, "share_customers", out["n_customers"] / len(frame))
    out.insert(3, f"share_{name}", out[name] / total)
    return out.reset_index()


#: The naming rules of :func:`name_segments`, first match wins: (name, condition on the
#: segment's medians r, f, m, t against the overall medians R, F, M, the tenure quartile T1
#: and the data's window W, the longest tenure).
NAME_RULES: tuple[tuple[str, str], ...] = (
    ("new", "t <= T1 and t <= NEW_WINDOW_SHARE * W"),
    ("high-value loyal", "r < R and f > F and m > M"),
    ("slipping", "r >= R and f > F and m > M"),
    ("lapsed", "r >= R and f <= F"),
    ("low-value active", "r < R"),
    ("occasional", "otherwise"),
)


#: "New" needs a median tenure of at most this share of the data's window (the longest tenure), as well
#: as the base's lowest quarter: on a log whose customers all arrived long ago nobody is new.
NEW_WINDOW_SHARE = 0.25


def _base_name(r: float, f: float, m: float, t: float, ref: dict[str, float]) -> str:
    """The first rule of :data:`NAME_RULES` a segment's medians meet."""
    R, F, M, T1, W = ref["R"], ref["F"], ref["M"], ref["T1"], ref["W"]
    tests = (t <= T1 and t <= NEW_WINDOW_SHARE * W, r < R and f > F and m > M, r >= R and f > F and m > M, r >= R and f <= F, r < R)
    return next((name for (name, _), hit in zip(NAME_RULES, tests) if hit), NAME_RULES[-1][0])


#: Words for a segment that differs from another of the same name: feature -> (lower median, higher median).
_QUALIFIERS: dict[str, tuple[str, str]] = {
    "median_recency": ("more recent", "less recent"),
    "median_frequency": ("fewer orders", "more orders"),
    "median_monetary": ("lower spend", "higher spend"),
    "median_tenure": ("shorter tenure", "longer tenure"),
}


def _qualifier(row: pd.Series, other: pd.Series) -> str:
    """The words for ``row`` against ``other``: the behaviour (recency, frequency, spend) whose medians differ the
    most on a log scale; tenure only when the three are equal."""
    gaps = {c: float(np.log1p(row[c]) - np.log1p(other[c])) for c in _QUALIFIERS if c in row.index}
    behaviour = [c for c in gaps if c != "median_tenure"]
    feature = max(behaviour, key=lambda c: abs(gaps[c]))
    if gaps[feature] == 0:
        feature = "median_tenure"
    return "" if gaps[feature] == 0 else _QUALIFIERS[feature][gaps[feature] > 0]


def _unique_names(base: dict[int, str], profile: pd.DataFrame) -> dict[int, str]:
    """Names that meet the same rule are told apart by their own profiles.

    Within a group, the segment with the most revenue (ties: smaller label) is the lead. Two segments
    each get the words of the feature that tells them apart most ("high-value loyal, more recent" and
    "high-value loyal, less recent"); with three or more, the lead keeps the plain name and each other
    segment gets its words against the lead (none when the profiles are equal). Names still equal after
    that get " (2)", " (3)", ... in order of decreasing revenue.
    """
    rows = profile.set_index(SEGMENT)
    value = _value_of(profile)
    names: dict[int, str] = {}
    for name in dict.fromkeys(base.values()):
        members = sorted((s for s, b in base.items() if b == name), key=lambda s: (-rows.loc[s, value], s))
        lead = rows.loc[members[0]]
        names[members[0]] = name
        if len(members) == 2:
            names[members[0]] = ", ".join(filter(None, (name, _qualifier(lead, rows.loc[members[1]]))))
        for seg in members[1:]:
            names[seg] = ", ".join(filter(None, (name, _qualifier(rows.loc[seg], lead))))
    seen: dict[str, int] = {}
    for seg in sorted(names, key=lambda s: (-rows.loc[s, value], s)):
        seen[names[seg]] = seen.get(names[seg], 0) + 1
        if seen[names[seg]] > 1:
            names[seg] = f"{names[seg]} ({seen[names[seg]]})"
    return names


def name_segments(profile: pd.DataFrame, overall: pd.DataFrame) -> dict[int, str]:
    r"""Names for segments, by rules relative to the whole customer base.

    ``profile`` is the output of :func:`profile_segments`; ``overall`` the
    customer table it came from, which supplies the reference values: the
    overall medians :math:`\tilde R, \tilde F, \tilde M` of recency,
    frequency, monetary and the first quartile :math:`Q_1(T)` of tenure. A
    segment with medians :math:`r, f, m, t` gets the name of the first rule of
    :data:`NAME_RULES` it meets (DBSCAN's noise, label -1, is ``noise``):
    *new* (:math:`t \le Q_1(T)` and :math:`t \le` :data:`NEW_WINDOW_SHARE` of the data's window, the
    longest tenure: new against the base *and* in absolute terms), *high-value loyal* (recent, frequent, high
    spend), *slipping* (frequent and high spend, not recent), *lapsed* (not
    recent, not frequent), *low-value active* (recent), *occasional*.
    "Above" is strict: with the usual median frequency of 1, a segment of
    one-order customers is not frequent. The word *lost* is kept for the RFM
    segment of that name (:mod:`analysis.segment.rfm`).

    A profile valued by orders (data without prices: no ``median_monetary``) is named by the same rules
    with the spend conditions left out, so "high-value" then means recent and frequent.

    Names are unique: when several segments meet the same rule, each is told
    apart by the feature of its own profile that differs most (see
    :func:`_unique_names`), e.g. "high-value loyal, more recent".

    Returns ``{segment: name}`` for every row of ``profile``.

    References
    ----------
    Hughes (1994), *Strategic Database Marketing*; Fader, Hardie & Lee (2005),
    *J. Marketing Research* 42, 415-430.
    """
    if not isinstance(profile, pd.DataFrame):
        raise DataError(f"name_segments: profile must be a DataFrame, got {type(profile).__name__}",
                        fix="pass the output of profile_segments(customers, labels)")  # fmt: skip
    money = "median_monetary" in profile.columns
    features = _features(MONETARY if money else FREQUENCY)
    medians = [f"median_{c}" for c in features]
    require_columns(profile, [SEGMENT, _value_of(profile), *medians], source="segment profile",
                    fix="pass the output of profile_segments(customers, labels)")  # fmt: skip
    bad = profile[SEGMENT].duplicated(keep=False) | profile[medians].isna().any(axis=1)
    if bad.any():
        raise DataError(
            "name_segments: profile has repeated segment labels or missing medians",
            column=SEGMENT,
            rows=profile.loc[bad, SEGMENT].tolist(),
            fix="pass the output of profile_segments (one row per segment)",
        )
    ref = check_customers(overall, features, what="name_segments (overall)")
    reference = {key: float(np.median(ref[c])) for key, c in (("R", RECENCY), ("F", FREQUENCY), ("M", MONETARY)) if c in ref}
    reference.setdefault("M", -np.inf)  # no prices: every segment passes the spend conditions
    reference["T1"] = float(np.quantile(ref[TENURE], 0.25))
    reference["W"] = float(np.max(ref[TENURE]))

    def medians_of(row: pd.Series) -> tuple[float, ...]:
        return tuple(float(row[c]) if c in row.index else 0.0 for c in _MEDIANS)

    base = {
        int(row[SEGMENT]): "noise" if int(row[SEGMENT]) == -1 else _base_name(*medians_of(row), reference)
        for _, row in profile.iterrows()
    }
    names = _unique_names(base, profile.assign(**{SEGMENT: profile[SEGMENT].astype(int)}))
    return {int(s): names[int(s)] for s in profile[SEGMENT]}


def value_tiers(customers: pd.DataFrame, cuts: tuple[float, float] = (0.8, 0.95), *, value: str = MONETARY) -> pd.Series:
    r"""Value tiers "high", "medium", "low" by cumulative share of revenue (of orders with ``value="frequency"``,
    for data without prices: the same rule on order counts).

    Sort customers by monetary value, descending, and let :math:`S(m)` be the
    revenue of the customers spending **strictly more** than :math:`m`, and
    :math:`T` the total. With ``cuts`` :math:`= (c_1, c_2)`, a customer
    spending :math:`m` is

    .. math::

        \text{high if } S(m) < c_1 T, \quad
        \text{medium if } c_1 T \le S(m) < c_2 T, \quad
        \text{low otherwise.}

    That is: walking down the sorted list, a customer is "high" while the
    revenue *before* them has not yet reached 80%, so the customer who crosses
    the 80% line is high, and the high tier is the smallest top group whose
    revenue is at least :math:`c_1 T`; likewise high + medium is the smallest
    top group reaching :math:`c_2 T` (ABC / Pareto analysis).

    **Ties**: customers with equal monetary value are treated as one block and
    always get the same tier (a tier never splits a tie), which is why the
    shares can exceed the cuts by more than one customer. Customers with zero
    revenue are always "low", even with :math:`c_2 = 1`, since :math:`S(0) = T`.

    Proven invariants (tested): every customer gets one tier; tiers are
    monotone in monetary; share(high) :math:`\ge c_1` and share(high) minus
    its lowest tie block :math:`< c_1`; same for high + medium with
    :math:`c_2`.

    Returns an ordered categorical Series (``low < medium < high``) named
    ``value_tier`` with the index of ``customers``.

    References
    ----------
    Juran, J. M. (1951). *Quality Control Handbook* (the Pareto principle);
    Kotler, P., Keller, K. L. (2016). *Marketing Management*, 15th ed.
    """
    c1, c2 = _check_cuts(cuts)
    value_name(value)
    m = check_customers(customers, (value,), what="value_tiers")[value].astype(float)
    order = np.argsort(-m, kind="stable")
    sorted_m = m[order]
    cum = np.cumsum(sorted_m)
    total = float(cum[-1])
    check_revenue(total, what="value_tiers", value=value)
    before = np.concatenate(([0.0], cum[:-1]))  # revenue of the customers ahead in the list
    block_start = np.concatenate(([True], sorted_m[1:] != sorted_m[:-1]))
    block = np.cumsum(block_start) - 1
    strictly_more = before[block_start][block]  # S(m): revenue of customers spending more
    code_sorted = np.where(strictly_more < c1 * total, 0, np.where(strictly_more < c2 * total, 1, 2))
    code = np.empty_like(code_sorted)
    code[order] = code_sorted
    tiers = pd.Categorical.from_codes(
        2 - code, categories=list(reversed(TIERS)), ordered=True
    )  # categories low < medium < high
    return pd.Series(tiers, index=customers.index, name=VALUE_TIER)



def _check_cuts(cuts: Sequence[float]) -> tuple[float, float]:
    """Two cumulative revenue shares 0 < c1 < c2 <= 1 (c2 = 1: no low tier except zero spenders)."""
    fix = "use tier_cuts=[0.8, 0.95]: 80% of revenue is high, the next 15% medium"
    if isinstance(cuts, (str, bytes)) or not isinstance(cuts, Sequence | np.ndarray) or len(cuts) != 2:
        raise DataError(f"tier_cuts must be two shares, got {cuts!r}", column="tier_cuts", fix=fix)
    c1 = check_number("tier_cuts[0]", cuts[0], low=0.0, high=1.0, open_low=True, open_high=True, fix=fix)
    return c1, check_number("tier_cuts[1]", cuts[1], low=c1, high=1.0, open_low=True, fix=fix)


def tier_table(customers: pd.DataFrame, tiers: pd.Series, *, value: str = MONETARY) -> pd.DataFrame:
    """Customers and value (revenue, or orders for data without prices) per value tier, with their shares, best tier first."""
    name = value_name(value)
    values = check_customers(customers, (value,), what="tier_table")[value]
    frame = pd.DataFrame({VALUE_TIER: pd.Categorical(tiers, categories=list(TIERS)), value: values})
    out = frame.groupby(VALUE_TIER, observed=False).agg(customers=(value, "size"), **{name: (value, "sum")})
    out["customers"] = out["customers"].astype(np.int64)
    out.insert(1, "share_customers", out["customers"] / out["customers"].sum())
    out[f"share_{name}"] = out[name] / out[name].sum()
    return out


def candidate_profiles(customers: pd.DataFrame, labels_by_k: dict[int, np.ndarray], *, value: str = MONETARY) -> pd.DataFrame:
    """Profiles of several k side by side: one block of rows per k, segments named by :func:`name_segments`."""
    blocks = []
    for k, labels in labels_by_k.items():
        profile = profile_segments(customers, labels, value=value)
        profile.insert(0, "name", profile[SEGMENT].map(name_segments(profile, customers)))
        profile.insert(0, "k", k)
        blocks.append(profile.drop(columns=[value_name(value), "median_tenure"]))
    return pd.concat(blocks, ignore_index=True)
