"""The Risk chapter's parameters, its data loader and the least data it needs.

``problem`` "" chooses from the data: the built-in shop gives ``fraud`` (its
orders carry a planted fraud label), a labelled table (German Credit's
``german.data``, or any file when ``target`` is set) gives ``credit``, any
other transaction log gives ``churn``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from analysis.chapters import _base as N
from analysis.chapters._base import Facts, Need, Shortfall
from analysis.chapters._base import DATE_RULE, ChapterParams, iso_date
from analysis.errors import DataError

PROBLEMS = ("fraud", "credit", "churn")
MIN_CASES = 50  # rows (orders, applicants) or customers the chapter needs at least
MIN_EACH = 10  # cases of each outcome at least (the inner cross-validations split the training folds again)


class RiskParams(ChapterParams):
    problem: Literal["", "fraud", "credit", "churn"] = Field(
        "", description='fraud (the shop\'s orders), credit (a labelled table), churn (a transaction log); "" chooses from the data',
        json_schema_extra={"allowed": '"" (chosen from the data), "fraud", "credit" or "churn"'},
    )
    target: str = Field("", description='the label column of a labelled table ("" for german.data: class)')
    positive_label: str = Field("", description='the target value that counts as positive, the bad outcome ("" for 1, True, yes or the rarer value)')
    sensitive: list[str] | None = Field(
        None, max_length=100,
        description="protected columns: left out of every model and checked by group (null: the chapter finds "
        "them by name, e.g. sex, marital status, race, religion, nationality; age is found and checked but stays "
        "a feature unless listed here; []: none left out)",
    )  # fmt: skip
    categorical: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="credit: numeric columns that hold category codes (e.g. [EDUCATION]), one-hot encoded, not scaled",
    )
    numeric_codes: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="credit: whole-number columns named like codes (e.g. EDUCATION, PAY_0) to keep as numbers because their order means something; the others are read as categories",
    )
    churn_days: int = Field(90, ge=1, le=3650, description="churned: no purchase in this many days after the cut-off")
    cutoff: str = Field("", description='churn cut-off, YYYY-MM-DD ("" for the last day of the data minus churn_days)',
                        json_schema_extra={"allowed": f'"" (the last day minus churn_days) or {DATE_RULE}'})
    cv_folds: int = Field(5, ge=2, le=20, description="folds of stratified cross-validation")
    cost_fp: float = Field(1.0, ge=0, allow_inf_nan=False, description="fraud, credit (and churn without prices): cost of flagging a good case (a false positive), in the units of cost_fn")
    cost_fn: float = Field(5.0, ge=0, allow_inf_nan=False, description="fraud, credit (and churn without prices): cost of letting a bad case through (a false negative), in the units of cost_fp")
    review_share: float = Field(0.02, gt=0, le=1, allow_inf_nan=False, description="share of orders the fraud team can review")
    offer_success: float = Field(0.2, gt=0, le=1, allow_inf_nan=False, description="churn: share of would-be churners an offer keeps")
    offer_cost: float = Field(10.0, ge=0, allow_inf_nan=False, description="churn: cost of one retention offer, in the data's currency")
    margin: float = Field(1.0, gt=0, le=1, allow_inf_nan=False, description="churn: share of a kept customer's revenue that is profit (1: the value kept is revenue, not margin)")

    @field_validator("sensitive", mode="before")
    @classmethod
    def _one_column(cls, value: Any) -> Any:
        """A single column name, as earlier versions took it, is a list of one ("" is null: find them)."""
        if isinstance(value, str):
            return [value] if value else None
        return value

    @field_validator("cutoff", mode="before")
    @classmethod
    def _cutoff_day(cls, value: Any, info: ValidationInfo) -> Any:
        return iso_date(info.field_name, value)


def chosen_problem(params: RiskParams) -> str:
    """The problem this run solves: ``params.problem``, or the one the data give (see the module's docstring)."""
    if params.problem:
        return params.problem
    from analysis.data.labelled import is_german

    if params.source.is_shop:
        return "fraud"
    if not params.source.built_in and (params.target or is_german(params.data)):
        return "credit"
    return "churn"


def _shop_orders(params: RiskParams):
    from analysis.data.labelled import LabelledReport
    orders = params.source.shop().orders
    days = orders["timestamp"].dt.normalize()
    positives = int(orders["is_fraud"].sum())
    report = LabelledReport(
        source=f"{params.source.name} orders",
        customers=int(orders["customer_id"].nunique()), repeat_customers=0, days=int(days.nunique()),
        first_date=str(days.min().date()), last_date=str(days.max().date()), layout="shop_orders",
        rows_read=len(orders), rows_kept=len(orders), target="is_fraud", positive_label="True",
        label_chosen="the planted fraud flag", positives=positives, negatives=len(orders) - positives,
        currency="EUR",
    )  # fmt: skip
    return orders, report


def load_risk_data(params: RiskParams):
    """The chapter's data, ``(table, report)``: the shop's orders (fraud), a labelled table (credit) or a log (churn)."""
    problem = chosen_problem(params)
    for name in ("categorical", "numeric_codes"):
        if getattr(params, name) and problem != "credit":
            raise DataError(
                f"{name} applies to a labelled table (problem credit); this run's problem is {problem}, whose "
                "features the chapter builds itself.",
                parameter=name, rows=[f"{name} = {getattr(params, name)}"],
                fix=f"remove {name}, or set data to a labelled file and target to its label column",
            )  # fmt: skip
    if problem == "fraud":
        if not params.source.is_shop:
            raise DataError(
                "problem fraud runs on the built-in shop's orders, whose fraud label is planted.",
                parameter="problem", rows=[f"data = {params.data}"],
                fix='set data: shop, or for your own labelled orders problem: credit with target set to the fraud column',
            )  # fmt: skip
        return _shop_orders(params)
    if problem == "credit":
        if params.source.built_in:
            raise DataError(
                f"problem credit needs a labelled table, not the built-in {params.data!r} log.",
                parameter="problem", rows=[f"data = {params.data}"],
                fix="set data to a labelled file (e.g. ../shared/data/german_credit/german.data) and target to its "
                'label column, or problem: "" to choose from the data',
            )  # fmt: skip
        from analysis.data.labelled import read_labelled

        from analysis.data.load import ReadOptions

        options = ReadOptions(encoding=params.encoding, decimal=params.decimal, thousands=params.thousands,
                              sheet=params.sheet)  # the transaction logs' reader, with the same knobs
        return read_labelled(params.data, params.target, params.positive_label, params.categorical, options,
                             params.numeric_codes)  # fmt: skip
    from analysis.data import load_data

    try:
        return load_data(params)
    except DataError as err:
        hint = _labelled_hint(params) if "known layout" in str(err) else None
        if hint is None:
            raise
        raise hint from None


def _labelled_hint(params: RiskParams) -> DataError | None:
    """A file that looks labelled (no date, order or price column) but came without ``target``: say so."""
    from analysis.data.labelled import binary_candidates

    if params.mapping or params.problem == "churn":
        return None
    candidates = binary_candidates(params.data)
    if candidates is None:
        return None
    example = json.dumps(candidates[-1] if candidates else "<your label column>")
    rows = [f"columns with two values: {', '.join(candidates[:8])}" if candidates else "no column has exactly two values"]
    return DataError(
        "This file looks like a labelled table (no date, order or price column), not a transaction log, and no "
        "target was given, so the chapter cannot tell which column is the outcome.",
        source=str(params.data), parameter="target", rows=rows,
        fix=f"set target to the column that holds the outcome, e.g. target: {example} (problem credit), or for a "
        "transaction log give a column mapping",
    )  # fmt: skip


# --------------------------------------------------------------------------- needs


def _labelled(facts: Facts) -> bool:
    return hasattr(facts, "positives")


def _enough_cases(params, facts: Facts) -> Shortfall | None:
    got = facts.rows_kept if _labelled(facts) else facts.customers
    if got >= MIN_CASES:
        return None
    what = "rows" if _labelled(facts) else "customers"
    return Shortfall(f"The data hold {N.many(got, what[:-1])}; this chapter needs at least {MIN_CASES}.",
                     "data", (f"{what} = {got:,}",), f"use a file with at least {MIN_CASES} {what}")  # fmt: skip


def _churn_window(params, facts: Facts) -> Shortfall | None:
    if _labelled(facts):
        return None
    import pandas as pd

    first, last = pd.Timestamp(facts.first_date), pd.Timestamp(facts.last_date)
    days = pd.Timedelta(days=params.churn_days)
    cut = pd.Timestamp(params.cutoff) if params.cutoff else last - days
    if first < cut and cut + days <= last:
        return None
    latest = (last - days).date()
    fix = (f"set cutoff to a day after {facts.first_date} and on or before {latest}" if latest > first.date()
           else f"set churn_days below {(last - first).days} (the data cover {(last - first).days} days)")  # fmt: skip
    return Shortfall(
        f"The churn window does not fit the data ({facts.first_date} to {facts.last_date}): the cut-off "
        f"{cut.date()} needs purchases before it and {params.churn_days} days of data after it.",
        "cutoff, churn_days", (f"cutoff = {cut.date()}", f"churn_days = {params.churn_days}"), fix,
    )  # fmt: skip


def _class_counts(params, facts: Facts) -> tuple[int, int] | None:
    if _labelled(facts):
        return facts.positives, facts.negatives
    if facts.table is None:
        return None
    import pandas as pd

    from analysis.risk.problems import churn_labels

    cut = params.cutoff or (pd.Timestamp(facts.last_date) - pd.Timedelta(days=params.churn_days)).date().isoformat()
    y = churn_labels(facts.table, cut, params.churn_days)["churned"]
    return int(y.sum()), int(len(y) - y.sum())


def _both_outcomes(params, facts: Facts) -> Shortfall | None:
    counts = _class_counts(params, facts)
    if counts is None:
        return None
    if not _labelled(facts) and sum(counts) < MIN_CASES:
        return Shortfall(
            f"Only {N.many(sum(counts), 'customer')} bought on or before the cut-off; this chapter needs at least "
            f"{MIN_CASES}.", "cutoff", (f"customers before the cut-off = {sum(counts):,}",),
            'set cutoff to a later day, or to "" (the last day of the data minus churn_days)',
        )  # fmt: skip
    need = max(params.cv_folds, MIN_EACH)
    if min(counts) >= need:
        return None
    smaller = min(counts)
    if smaller >= MIN_EACH:
        fix, parameter = f"set cv_folds to {smaller} or less", "cv_folds"
    else:
        fix, parameter = ("use data with more cases of the rarer outcome (for churn: another cutoff or churn_days)",
                          "data")  # fmt: skip
    return Shortfall(
        f"Of the cases, {counts[0]:,} are positive and {counts[1]:,} negative: stratified {params.cv_folds}-fold "
        f"cross-validation, with a second one inside each training part, needs at least {need} of each.",
        parameter, (f"positive = {counts[0]:,}", f"negative = {counts[1]:,}"), fix,
    )  # fmt: skip


def _feature_columns(params, facts: Facts) -> list[str] | None:
    """The columns the chosen problem's models see, from the data as read (None when they cannot be known)."""
    problem = chosen_problem(params)
    if problem == "fraud":
        from analysis.shop.fraud import OBSERVABLE_FRAUD_COLUMNS

        return list(OBSERVABLE_FRAUD_COLUMNS)
    if _labelled(facts):
        return list(facts.features)
    if problem == "churn" and facts.table is not None:
        import pandas as pd

        from analysis.risk.problems import churn_features

        cut = params.cutoff or (pd.Timestamp(facts.last_date) - pd.Timedelta(days=params.churn_days)).date().isoformat()
        return [c for c in churn_features(facts.table, cut).columns if c != "customer_id"]
    return None


def _sensitive_column(params, facts: Facts) -> Shortfall | None:
    """``sensitive`` names columns the models would see (checked here, not halfway through the chapter)."""
    if not params.sensitive:
        return None
    columns = _feature_columns(params, facts)
    if columns is None:
        return None
    unknown = [c for c in params.sensitive if c not in columns]
    if not unknown:
        return None
    return Shortfall(
        f"sensitive = {unknown[0]!r} is not a column of this problem's data ({chosen_problem(params)}).",
        "sensitive", (f"columns: {', '.join(columns[:20])}" + (", ..." if len(columns) > 20 else ""),),
        "set sensitive to a list of the columns listed, [] for none left out, or null to let the chapter find "
        "them",
    )  # fmt: skip


NEEDS: tuple[Need, ...] = (
    Need(f"at least {MIN_CASES} cases (orders, applicants or customers)", _enough_cases),
    Need("sensitive, when set, names columns of the problem's data", _sensitive_column),
    Need("for churn: purchases before the cut-off and churn_days of data after it", _churn_window),
    Need(f"at least cv_folds (and at least {MIN_EACH}) cases of each outcome", _both_outcomes),
)

#: the chapter's parameter model (the registry reads MODEL and NEEDS)
MODEL = RiskParams

#: the chapter reads a labelled table, the shop's orders or a transaction log (the registry reads load)
load = load_risk_data
