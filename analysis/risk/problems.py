"""The three problems as one shape: a feature table, a 0/1 label, ids, and what each problem adds.

- :func:`fraud_problem`: the built-in shop's orders, label ``is_fraud``, the
  planted model's probability as the Bayes score;
- :func:`credit_problem`: a labelled table (German Credit or the user's own);
- :func:`churn_problem`: customers of a transaction log at a cut-off, label
  "no purchase in the ``churn_days`` after the cut-off", features from
  purchases on or before the cut-off only, and the BG/NBD P(alive) fitted on the
  same past as a baseline score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import schema as S
from analysis._checks import check_day, check_int, require_columns
from analysis.errors import DataError

__all__ = ["MAX_LEVELS", "RiskData", "churn_features", "churn_labels", "churn_problem", "credit_problem", "default_cutoff",
           "fraud_problem", "leave_out", "most_common", "p_alive_baseline", "sensitive_columns"]

#: Categories beyond the most frequent MAX_LEVELS of a column are pooled as "other".
MAX_LEVELS = 30
LABEL = "y"
#: Churn: the value at stake is the customer's revenue in this many days before the cut-off.
VALUE_DAYS = 365


@dataclass
class RiskData:
    """What every step of the chapter works on."""

    problem: str
    X: pd.DataFrame
    y: np.ndarray
    ids: pd.Series  # order, applicant or customer
    numeric: list[str]
    categorical: list[str]
    unit: str  # "order", "applicant", "customer"
    label_text: str  # what y = 1 means, in words
    sensitive: pd.DataFrame | None = None  # the sensitive attributes' values, for the check by group and audit
    sensitive_kinds: dict = field(default_factory=dict)  # column -> kind (sex or gender, ..., age)
    bayes: np.ndarray | None = None  # the planted probability (fraud on the shop)
    baseline: np.ndarray | None = None  # churn: the BG/NBD's P(no purchase in the window)
    value: np.ndarray | None = None  # churn: the value at stake per customer (None: no prices in the log)
    notes: dict = field(default_factory=dict)

    @property
    def positives(self) -> int:
        return int(self.y.sum())


def cap_levels(X: pd.DataFrame, categorical: list[str], max_levels: int = MAX_LEVELS) -> pd.DataFrame:
    """Categories as text; beyond the ``max_levels`` most frequent of a column, pooled as "other"."""
    X = X.copy()
    for name in categorical:
        col = X[name].astype("string").fillna("missing").astype(str)
        keep = col.value_counts().index[:max_levels]
        X[name] = col.where(col.isin(keep), "other")
    return X


def _split_columns(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])]
    return numeric, [c for c in X.columns if c not in numeric]


def fraud_problem(orders: pd.DataFrame) -> RiskData:
    """The shop's orders: observable features, ``is_fraud``, the planted probability as the Bayes score."""
    from analysis.shop.fraud import fraud_bayes_score, observable_fraud_features

    require_columns(orders, [S.ORDER, "is_fraud"], source="orders", fix="pass Shop.orders from make_shop")
    X = observable_fraud_features(orders)
    numeric, categorical = _split_columns(X)
    X[numeric] = X[numeric].astype(np.float64)
    return RiskData(
        "fraud", cap_levels(X, categorical), orders["is_fraud"].to_numpy(np.int8), orders[S.ORDER].reset_index(drop=True),
        numeric, categorical, "order", "the order is fraudulent", bayes=fraud_bayes_score(orders),
    )  # fmt: skip


def credit_problem(table: pd.DataFrame, report, sensitive: list[str] | None = None) -> RiskData:
    """A labelled table as read by :func:`analysis.data.labelled.read_labelled` (features and ``y``).

    German Credit's category codes (A11, ...) are written in words. The sensitive attributes
    (:func:`sensitive_columns`) are kept for the check by group and for audit; the protected ones are left
    out of the model's features (lending law forbids deciding on them). The cases' ids are the table's
    own id column (the first the reader found) or, when it has none, the row number (``row``, from 1).
    """
    from analysis.data.labelled import GERMAN_LABELS, category_text

    ids_found = [c for c in getattr(report, "id_columns", []) if c in table.columns]
    X = table.drop(columns=[LABEL, *ids_found])
    numeric = [c for c in report.features if c not in report.categorical]
    categorical = list(report.categorical)
    X[numeric] = X[numeric].astype(np.float64)
    if report.layout == "german_credit":
        for name, words in GERMAN_LABELS.items():
            if name in X.columns:
                X[name] = X[name].astype(str).map(lambda v, w=words: w.get(v, v))
    if ids_found:
        ids = table[ids_found[0]].reset_index(drop=True).rename(ids_found[0])
    else:
        ids = pd.Series(np.arange(1, len(X) + 1), name="row")
    label = f"{report.target} = {report.positive_label}"
    unit = "applicant" if report.layout == "german_credit" else "case"
    cases = RiskData("credit", cap_levels(X, categorical), table[LABEL].to_numpy(np.int8), ids, numeric, categorical,
                     unit, label)  # fmt: skip
    audit = X.copy()  # a category as the model sees it; a code as the file writes it (1, not 1.0)
    for name in numeric:
        audit[name] = category_text(table[name]) if name in X.columns else audit[name]
    return sensitive_columns(cases, audit, sensitive, report.layout, source=report.source)


def sensitive_columns(cases: RiskData, values: pd.DataFrame, sensitive: list[str] | None, layout: str = "",
                      source: str = "") -> RiskData:  # fmt: skip
    """Find, keep for audit and (the protected ones) leave out the sensitive attributes of ``cases``.

    ``sensitive`` None: the columns :func:`analysis.risk.sensitive.find_sensitive` finds; the protected ones
    leave the features, age stays (its check by group is kept). A list: exactly these columns are sensitive
    and leave the features; the empty list keeps every column a feature (nothing is left out), and the
    columns found are still checked by group. ``values``: each column as the audit should read it (numbers
    of ages, codes as the file writes them).
    """
    from analysis.risk.sensitive import AGE, find_sensitive

    found = find_sensitive(cases.X.columns, layout)
    if sensitive:
        unknown = [c for c in sensitive if c not in cases.X.columns]
        if unknown:
            raise DataError(f"The sensitive attribute {unknown[0]!r} is not a column of the table.", source=source,
                            parameter="sensitive", rows=[f"columns: {', '.join(map(str, cases.X.columns[:12]))}"],
                            fix="set sensitive to a list of the feature columns, [] for none left out, or null to "
                            "let the chapter find them")  # fmt: skip
        kinds = {c: found.get(c, "named in sensitive") for c in sensitive}
        out = list(sensitive)
    else:
        kinds = dict(found)
        out = [] if sensitive is not None else [c for c, k in found.items() if k != AGE]
    cases.notes["found"] = found
    cases.notes["sensitive_given"] = sensitive
    if kinds:
        cases.sensitive = values[list(kinds)].reset_index(drop=True)
        cases.sensitive_kinds = kinds
    for column in out:
        cases = leave_out(cases, column)
    return cases


def leave_out(cases: RiskData, column: str) -> RiskData:
    """``cases`` without ``column`` among the model's features (kept in ``sensitive`` for the group check)."""
    if column not in cases.X.columns or cases.X.shape[1] == 1:
        return cases
    cases.X = cases.X.drop(columns=[column])
    cases.numeric = [c for c in cases.numeric if c != column]
    cases.categorical = [c for c in cases.categorical if c != column]
    cases.notes.setdefault("left_out", []).append(column)
    return cases


def default_cutoff(transactions: pd.DataFrame, churn_days: int) -> pd.Timestamp:
    """The last day of the data minus ``churn_days``: the latest cut-off whose window the data cover."""
    return transactions[S.TIMESTAMP].max().normalize() - pd.Timedelta(days=churn_days)


def churn_labels(transactions: pd.DataFrame, cutoff, churn_days: int) -> pd.DataFrame:
    """Per customer who bought on or before ``cutoff``: ``churned`` = no purchase in (cutoff, cutoff + churn_days].

    Only the label looks after the cut-off; the features (:func:`churn_features`) never do.
    """
    churn_days = check_int("churn_days", churn_days, low=1, fix="use a window of at least one day, e.g. churn_days: 90")
    cut = check_day("cutoff", cutoff)
    require_columns(transactions, [S.CUSTOMER, S.TIMESTAMP], source="transactions")
    day = transactions[S.TIMESTAMP].dt.normalize()
    past = transactions.loc[day <= cut, S.CUSTOMER].unique()
    window = (day > cut) & (day <= cut + pd.Timedelta(days=churn_days))
    back = set(transactions.loc[window, S.CUSTOMER].unique())
    out = pd.DataFrame({S.CUSTOMER: np.sort(past)})
    out["churned"] = (~out[S.CUSTOMER].isin(back)).astype(np.int8)
    return out


def churn_features(transactions: pd.DataFrame, cutoff) -> pd.DataFrame:
    """Per customer, from purchases on or before ``cutoff`` only: recency, frequency, spend, tenure, rhythm."""
    cut = check_day("cutoff", cutoff)
    tx = transactions.loc[transactions[S.TIMESTAMP].dt.normalize() <= cut]
    revenue = tx[S.QUANTITY] * tx[S.PRICE] if S.REVENUE not in tx.columns else tx[S.REVENUE]
    order = tx[S.ORDER] if S.ORDER in tx.columns else tx[S.CUSTOMER].astype(str) + tx[S.TIMESTAMP].astype(str)
    frame = pd.DataFrame({"c": tx[S.CUSTOMER].to_numpy(), "d": tx[S.TIMESTAMP].dt.normalize().to_numpy(),
                          "o": order.to_numpy(), "r": revenue.to_numpy(np.float64)})  # fmt: skip
    recent = frame["d"] > cut - pd.Timedelta(days=90)
    g = frame.groupby("c", sort=True)
    out = pd.DataFrame({
        "recency_days": (cut - g["d"].max()).dt.days, "tenure_days": (cut - g["d"].min()).dt.days,
        "orders": g["o"].nunique(), "purchase_days": g["d"].nunique(), "revenue": g["r"].sum(),
        "orders_last_90_days": frame.loc[recent].groupby("c")["o"].nunique(),
        "value_last_year": frame.loc[frame["d"] > cut - pd.Timedelta(days=VALUE_DAYS)].groupby("c")["r"].sum(),
    })  # fmt: skip
    out[["orders_last_90_days", "value_last_year"]] = out[["orders_last_90_days", "value_last_year"]].fillna(0)
    out["mean_order_value"] = out["revenue"] / out["orders"]
    out["mean_gap_days"] = (out["tenure_days"] - out["recency_days"]) / (out["purchase_days"] - 1).where(
        out["purchase_days"] > 1)
    out["overdue"] = out["recency_days"] / out["mean_gap_days"]
    if S.COUNTRY in tx.columns and tx[S.COUNTRY].notna().any():
        out["country"] = most_common(tx, S.COUNTRY)
    if not has_prices(transactions):  # a log without prices: no spend features (they would all be 0)
        out = out.drop(columns=list(SPEND_FEATURES))
    return out.rename_axis(S.CUSTOMER).reset_index()


def most_common(tx: pd.DataFrame, column: str) -> pd.Series:
    """Each customer's most frequent ``column`` value, the smallest on a tie, ``"missing"`` when all are missing.

    The same as ``tx.groupby(customer)[column].agg(lambda s: s.mode().iloc[0])`` (pandas' mode is sorted), in a
    few vectorised passes instead of one Python call per customer: the time grows with the lines, not with a
    call per customer."""
    pairs = tx[[S.CUSTOMER, column]].dropna(subset=[column])
    counts = pairs.groupby([S.CUSTOMER, column], observed=True).size().rename("n").reset_index()
    counts = counts.sort_values(["n", column], ascending=[False, True], kind="stable")
    top = counts.drop_duplicates(S.CUSTOMER).set_index(S.CUSTOMER)[column]
    values = top.reindex(pd.Index(tx[S.CUSTOMER].unique()).sort_values())
    return values.where(values.notna(), "missing")


#: The churn features that need prices (:func:`churn_features` leaves them out of a log without prices).
SPEND_FEATURES = ("revenue", "value_last_year", "mean_order_value")


def has_prices(transactions: pd.DataFrame) -> bool:
    """Whether the log has unit prices (a log whose mapping leaves out ``unit_price`` has none)."""
    if S.REVENUE in transactions.columns:
        return bool(transactions[S.REVENUE].notna().any())
    return S.PRICE in transactions.columns and bool(transactions[S.PRICE].notna().any())


def p_alive_baseline(transactions: pd.DataFrame, cutoff, customers: pd.Series, churn_days: int) -> np.ndarray:
    r"""The BG/NBD's probability of no purchase in the ``churn_days`` after the cut-off, fitted on the past only.

    With :math:`P_a` = P(alive) at the cut-off (FHL 2005 eq. 13) and the Gamma posterior of the
    purchase rate of a living customer, no purchase in the next :math:`t` weeks has probability

    .. math:: P(X(t) = 0) = (1 - P_a) + P_a \left(\frac{\alpha + T}{\alpha + T + t}\right)^{r + x}

    (a customer drops out only right after a purchase, so with no purchase nobody drops out in the
    window). Customers who bought on the cut-off day only (T = 0) get the prior's value. All nan when
    fewer than ten customers bought again before the cut-off (the model cannot be fitted).
    """
    from analysis.clv import BGNBD

    cut = check_day("cutoff", cutoff)
    days = transactions.loc[transactions[S.TIMESTAMP].dt.normalize() <= cut, [S.CUSTOMER, S.TIMESTAMP]]
    days = days.assign(d=days[S.TIMESTAMP].dt.normalize()).drop_duplicates([S.CUSTOMER, "d"])
    g = days.groupby(S.CUSTOMER)["d"]
    first, last, n = g.min(), g.max(), g.size()
    summary = pd.DataFrame({"x": n - 1, "t_x": (last - first).dt.days / 7.0, "T": (cut - first).dt.days / 7.0})
    fit_on = summary[summary["T"] > 0]
    if (fit_on["x"] > 0).sum() < 10:
        return np.full(len(customers), np.nan)
    bg = BGNBD().fit(fit_on["x"], fit_on["t_x"], fit_on["T"])
    alive = pd.Series(1.0, index=summary.index)
    alive.loc[fit_on.index] = bg.prob_alive(fit_on["x"], fit_on["t_x"], fit_on["T"])
    t = churn_days / 7.0
    quiet = ((bg.alpha_ + summary["T"]) / (bg.alpha_ + summary["T"] + t)) ** (bg.r_ + summary["x"])
    none = (1.0 - alive) + alive * quiet
    return none.reindex(customers.to_numpy()).to_numpy(np.float64)


def _window_fix(split, churn_days: int) -> str:
    latest = split.observation_end - pd.Timedelta(days=churn_days)
    span = (split.observation_end - split.first_day).days
    if latest > split.first_day:
        return f"set cutoff to {latest.date()} or earlier, or a shorter churn_days"
    return f"set churn_days below {span} (the data cover {span} days), or use a longer log"


def churn_problem(transactions: pd.DataFrame, cutoff, churn_days: int) -> RiskData:
    """Customers at ``cutoff``: features from before it, the churn label from the ``churn_days`` after it."""
    from analysis.split import time_split

    split = time_split(transactions[S.TIMESTAMP].min(), transactions[S.TIMESTAMP].max(), cutoff)  # CLV's split
    if split.holdout_days < churn_days:
        raise DataError(
            f"The churn window of {churn_days} days after the cut-off {split.calibration_end.date()} runs past the "
            f"data's last day, {split.observation_end.date()} ({split.holdout_days} days later).",
            parameter="cutoff, churn_days", rows=[f"cutoff = {split.calibration_end.date()}", f"churn_days = {churn_days}"],
            fix=_window_fix(split, churn_days),
        )  # fmt: skip
    cutoff = split.calibration_end
    labels = churn_labels(transactions, cutoff, churn_days)
    feats = churn_features(transactions, cutoff)
    table = labels.merge(feats, on=S.CUSTOMER, how="left", validate="one_to_one")
    X = table.drop(columns=[S.CUSTOMER, "churned"])
    numeric, categorical = _split_columns(X)
    X[numeric] = X[numeric].astype(np.float64)
    baseline = p_alive_baseline(transactions, cutoff, table[S.CUSTOMER], churn_days)
    return RiskData(
        "churn", cap_levels(X, categorical), table["churned"].to_numpy(np.int8), table[S.CUSTOMER],
        numeric, categorical, "customer", f"no purchase in the {churn_days} days after the cut-off",
        baseline=baseline, value=X["value_last_year"].to_numpy(np.float64) if "value_last_year" in X else None,
        notes={"cutoff": cutoff.date().isoformat(), "churn_days": churn_days, "holdout_days": split.holdout_days},
    )  # fmt: skip
