"""The Clustering chapter's CLV steps, one function per step of the notebook.

Each returns an :class:`analysis.segment.steps.Step`: glued values and worded
findings, the table shown, and data for later steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import evaluate, features, fmt
from analysis import schema as S
from analysis.clv.bgnbd import conditional_expected_purchases
from analysis.clv.pipeline import NO_DROPOUT_BELOW, fit_diagnostics, fit_models, tracking_curve, value_customers
from analysis.clv.value import holdout_by_frequency
from analysis.findings import clustering as F
from analysis.page import Step
from analysis.split import TimeSplit, time_split

__all__ = ["analyst_table", "calibration_step", "dropout_finding", "holdout_step", "spend_correlation", "value_step"]

#: Calibration frequencies from this one on are pooled in the holdout table.
MAX_X = 7
#: Days in the summary's time unit (weeks).
UNIT_DAYS = 7.0
#: P(alive) below this counts as "probably gone" for the win-back list.
ALIVE_CUT = 0.5


def _days(transactions: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    stamps = transactions[S.TIMESTAMP]
    return stamps.min().normalize(), stamps.max().normalize()


def spend_correlation(summary: pd.DataFrame) -> tuple[float, int]:
    r"""Pearson correlation of ``x`` and mean repeat spend among customers with a positive repeat spend, and their count.

    .. math:: r = \frac{\sum_i (x_i - \bar x)(m_i - \bar m)}{\sqrt{\sum_i (x_i - \bar x)^2 \sum_i (m_i - \bar m)^2}}

    The Gamma-Gamma model assumes it is about 0 (Fader & Hardie 2013). NaN
    when either column is constant.
    """
    rep = summary[(summary[S.X] > 0) & (summary[S.REPEAT_VALUE] > 0)]
    x, m = rep[S.X].to_numpy(float), rep[S.REPEAT_VALUE].to_numpy(float)
    if len(rep) < 2 or x.std() == 0 or m.std() == 0:
        return float("nan"), len(rep)
    return float(np.corrcoef(x, m)[0, 1]), len(rep)


#: The fitted parameters as the page writes them (book/notation.md): the Gamma-Gamma's p and q are κ and η
#: there, since p and q are a price and a quantity; the code keeps the papers' names.
SYMBOLS = {"r": "r", "alpha": "α (alpha)", "a": "a", "b": "b", "p": "κ (p)", "q": "η (q)", "gamma": "γ (gamma)"}


def _parameters(bg, gg) -> pd.DataFrame:
    """The fitted parameters, each with a note when its value was set by a bound rather than by the data."""
    edge = "on the edge of the fit's box: set by the bound, not by the data"
    rows = [("BG/NBD", SYMBOLS[n], getattr(bg, n), edge if n in bg.bounded else "") for n in ("r", "alpha", "a", "b")]
    fixed = "fixed at the boundary (the fit ran to infinity)"
    rows += [("Gamma-Gamma", SYMBOLS[n], getattr(gg, n), fixed if n == "p" and gg.at_boundary else "")
             for n in ("p", "q", "gamma")]  # fmt: skip
    table = pd.DataFrame(rows, columns=["model", "parameter", "estimate", "note"]).set_index(["model", "parameter"])
    return table if table["note"].str.len().any() else table.drop(columns="note")


def calibration_step(transactions: pd.DataFrame, calibration_end: str = "", currency: str = "") -> Step:
    """Split the days, build the calibration summary, fit both models, check them (boundary, dropout, independence)."""
    split = time_split(*_days(transactions), calibration_end or None)
    summary = features.customer_summary(transactions, split.calibration_end, split.observation_end, unit_days=UNIT_DAYS)
    bg, gg = fit_models(summary)
    flags = fit_diagnostics(bg, gg)
    r, n_rep = spend_correlation(summary)
    glue = {
        "cal_end": fmt.day(split.calibration_end),
        "holdout_weeks": split.holdout_units(UNIT_DAYS),
        "n_cohort": len(summary),
        "cohort_finding": F.cohort(len(summary), int(transactions[S.CUSTOMER].nunique()), fmt.day(split.calibration_end)),
        "n_repeaters": n_rep,
        **{f"fit_{k}": v for k, v in {**bg.as_dict(), **gg.as_dict()}.items() if isinstance(v, float)},
        **{f"fit_{k}_text": fmt.number(getattr(m, k)) for m, ks in ((bg, "r alpha a b"), (gg, "p q gamma")) for k in ks.split()},
        "gg_at_boundary": int(gg.at_boundary),
        "bg_no_dropout": int(flags["no_dropout"]),
        "spend_corr": r,
        "spend_finding": F.spend_independence(r, n_rep),
        "boundary_finding": F.spend_boundary(gg.at_boundary, gg.p, gg.q, gg.gamma, currency),
        "bg_at_boundary": int(bg.at_boundary),
        "bg_bounded": ", ".join(bg.bounded) or "none",
    }
    return Step(glue, _parameters(bg, gg), {"split": split, "summary": summary, "bg": bg, "gg": gg})


def dropout_finding(bg, holdout_error: float = float("nan")) -> str:
    """The dropout sentence of the calibration fit: its parameters on the box, and its forecasts judged by the holdout error."""
    no_dropout = bool(bg.a / (bg.a + bg.b) < NO_DROPOUT_BELOW)
    bounded = {name: float(getattr(bg, name)) for name in bg.bounded}
    return F.dropout(bg.a, bg.b, no_dropout, bg.at_boundary, bounded, holdout_error)


def holdout_step(transactions: pd.DataFrame, summary: pd.DataFrame, bg, split: TimeSplit) -> Step:
    """The BG/NBD's forecast for the holdout against what happened: by frequency, in total, day by day."""
    x, t_x, T = summary[S.X], summary[S.T_X], summary[S.T_CAL]
    table = holdout_by_frequency(bg, x, t_x, T, summary[S.X_HOLDOUT], summary[S.DURATION_HOLDOUT], max_x=MAX_X)
    predicted = conditional_expected_purchases(bg, summary[S.DURATION_HOLDOUT], x, t_x, T)
    actual = summary[S.X_HOLDOUT].to_numpy(float)
    error = evaluate.bias_share(predicted, actual)
    top = table.iloc[-1]
    glue = {
        "max_x": MAX_X,
        "holdout_actual": float(actual.sum()),
        "holdout_predicted": float(np.sum(predicted)),
        "holdout_error": error,
        "holdout_mae": evaluate.mae(predicted, actual),
        "holdout_days": split.holdout_days,
        "holdout_finding": F.holdout(error, float(actual.sum()), float(np.sum(predicted)), split.holdout_days),
        "top_group_finding": F.top_frequency_group(int(top[S.X]), float(top["actual"]), float(top["predicted"])),
        "dropout_finding": dropout_finding(bg, error),
    }
    repeats = features.repeat_purchases_by_day(transactions, split.calibration_end, end=split.observation_end)
    track = tracking_curve(repeats, summary, bg, split.first_day, unit_days=UNIT_DAYS)
    return Step(glue, table, {"tracking": track})


def _segment_alive(valued: pd.DataFrame, segment: str) -> dict[str, float]:
    """Mean P(alive), size, share of one-time buyers, mean P(alive) of repeat buyers (in this order)."""
    part = valued[valued[S.RFM_SEGMENT] == segment]
    repeat = part[part[S.X] > 0]
    return {
        "mean": float(part[S.P_ALIVE].mean()) if len(part) else float("nan"),
        "n": len(part),
        "one_time": float((part[S.X] == 0).mean()) if len(part) else float("nan"),
        "repeat_mean": float(repeat[S.P_ALIVE].mean()) if len(repeat) else float("nan"),
    }


def _by_segment(valued: pd.DataFrame, column: str) -> pd.DataFrame:
    out = valued.groupby(column, observed=True).agg(
        customers=(S.CUSTOMER, "size"),
        p_alive=(S.P_ALIVE, "mean"),
        expected_purchases=(S.EXPECTED_PURCHASES, "mean"),
        mean_clv=(S.CLV, "mean"),
        total_clv=(S.CLV, "sum"),
    )
    out["share_clv"] = out["total_clv"] / out["total_clv"].sum()
    return out.sort_values("total_clv", ascending=False)


def value_step(
    transactions: pd.DataFrame, customers: pd.DataFrame, *, horizon_days: int, discount_rate: float, currency: str = ""
) -> Step:
    """Fit on all the data, value each customer, and read P(alive) and CLV by RFM segment.

    ``customers`` carries ``customer_id`` and ``rfm_segment``. Customers whose
    first purchase is on the last day have no time behind them and are left
    out of the values (counted and said).
    """
    first, last = _days(transactions)
    full = features.customer_summary(transactions, last, unit_days=UNIT_DAYS)
    bg, gg = fit_models(full)
    values = value_customers(full, bg, gg, horizon_days=horizon_days, annual_discount_rate=discount_rate, unit_days=UNIT_DAYS)
    valued = customers.merge(values, on=S.CUSTOMER).merge(full[[S.CUSTOMER, S.X]], on=S.CUSTOMER)
    no_dropout = fit_diagnostics(bg, gg)["no_dropout"]
    repeat = valued[valued[S.X] > 0]
    lost, risk = _segment_alive(valued, "lost"), _segment_alive(valued, "at risk")
    by_rfm = _by_segment(valued, S.RFM_SEGMENT)
    glue = {
        "horizon_weeks": max(1, round(horizon_days / UNIT_DAYS)),
        "n_valued": len(valued),
        "n_not_valued": len(customers) - len(valued),
        "excluded_finding": F.excluded_from_clv(len(customers), len(valued), fmt.day(last)),
        "total_clv": float(valued[S.CLV].sum()),
        "median_clv": float(valued[S.CLV].median()),
        "total_clv_text": fmt.money(valued[S.CLV].sum(), currency),
        "median_clv_text": fmt.money(valued[S.CLV].median(), currency),
        "one_time_share": float((valued[S.X] == 0).mean()),
        "lost_n": lost["n"],
        "lost_alive": lost["mean"],
        "at_risk_alive": risk["mean"],
        "lost_alive_finding": F.alive_by_segment("lost", *lost.values(), no_dropout=no_dropout),
        "at_risk_alive_finding": F.alive_by_segment("at risk", *risk.values(), no_dropout=no_dropout),
        "win_back_finding": F.win_back(no_dropout, len(repeat), float((repeat[S.P_ALIVE] < ALIVE_CUT).mean()) if len(repeat) else 0.0),
        "top_clv_segment": f"*{by_rfm.index[0]}*",
        "top_clv_share": float(by_rfm["share_clv"].iloc[0]),
    }
    return Step(glue, by_rfm, {"valued": valued, "summary": full, "bg": bg, "gg": gg, "no_dropout": no_dropout})


#: Columns of the analyst's CSV, in order.
CSV_COLUMNS = (
    S.CUSTOMER, S.RECENCY, S.FREQUENCY, S.MONETARY, S.TENURE, S.R_SCORE, S.F_SCORE, S.M_SCORE, S.RFM_SCORE,
    S.RFM_SEGMENT, S.OVERDUE, S.SEGMENT_NAME, S.VALUE_TIER, S.P_ALIVE, S.EXPECTED_PURCHASES, S.CLV,
)  # fmt: skip


def analyst_table(customers: pd.DataFrame, valued: pd.DataFrame) -> pd.DataFrame:
    """One row per customer for the analyst's CSV: RFM, scores, segment and overdue, k-means segment, tier, P(alive), CLV.

    Customers the CLV table leaves out keep empty P(alive), expected purchases and CLV.
    """
    model = valued[[S.CUSTOMER, S.P_ALIVE, S.EXPECTED_PURCHASES, S.CLV]]
    out = customers.merge(model, on=S.CUSTOMER, how="left")[list(CSV_COLUMNS)]
    for column in (S.MONETARY, S.CLV):  # money in cents: 572713.89, not 572713.8900000011
        out[column] = out[column].round(2)
    return out
