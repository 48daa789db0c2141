"""The Clustering chapter's steps (segments, then customer lifetime value), one function per step of the notebook.

Each step returns a :class:`Step`: the values and worded findings the page
cites (``glue``, published by :meth:`Step.publish`), the table it shows
(``table``) and what later steps need (``data``). The worded findings come
from :mod:`analysis.chapters.clustering.findings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from analysis import features, kpi, page, plots
from analysis import evaluate, fmt
from analysis.chapters._claims import Claim
from analysis.chapters._findings import plural, sentence
from analysis.clv.pipeline import NO_DROPOUT_BELOW, fit_diagnostics, fit_models, tracking_curve, value_customers
from analysis.clv.value import holdout_by_frequency
from analysis.split import TimeSplit, time_split
from analysis.page import Step
from analysis import schema as S
from analysis.chapters.clustering import findings as F
from analysis.segment.density import fit_agglomerative, fit_dbscan, k_distance, pca_map, suggest_eps, ward_linkage
from analysis.segment.kmeans import MIN_SEGMENT_SHARE, N_INIT, STABLE_ARI, centres_in_units, choose_k, fit_kmeans, stability
from analysis.segment.profiles import candidate_profiles, name_segments, profile_segments, tier_table, value_tiers
from analysis.segment.rfm import DEFAULT_FEATURES, overdue, rfm_matrix, rfm_rules_table, rfm_scores, rfm_segment, rfm_segment_table
from analysis.segment._inputs import value_name

__all__ = [
    "COLUMN_WORDS",
    "features_of",
    "share_column",
    "show",
    "value_of",
    "value_word",
    "csv_columns",
    "Step",
    "customers_step",
    "dbscan_step",
    "k_step",
    "kmeans_step",
    "profile_step",
    "rfm_step",
    "tier_step",
    "transform_step",
    "ward_step",
    "analyst_table",
    "calibration_step",
    "dropout_finding",
    "holdout_step",
    "spend_correlation",
    "value_step",
]

#: Column and index names as the reader sees them (code names stay in the CSV and the tests).
COLUMN_WORDS: dict[str, str] = {
    "n_customers": "customers", "share_customers": "share of customers", "share_revenue": "share of revenue",
    "median_recency": "median recency (days)", "median_frequency": "median orders",
    "median_monetary": "median revenue", "median_tenure": "median tenure (days)",
    "smallest_share": "smallest segment", "stability": "stability (ARI)",
    "p_alive": "P(alive)", "expected_purchases": "expected purchase days", "mean_clv": "mean CLV",
    "total_clv": "total CLV", "share_clv": "share of CLV", "clv": "CLV",
    "x": "repeat purchase days (calibration)", "customer_id": "customer ID", "rfm_segment": "RFM segment",
    "segment_name": "segment name", "value_tier": "value tier", "recency": "recency (days)", "frequency": "orders",
    "monetary": "revenue", "tenure": "tenure (days)", "raw": "before", "transformed": "after",
    "rows_dropped": "rows dropped", "rows_left": "rows left",
    "orders": "orders", "share_orders": "share of orders", "total_expected_purchases": "total expected purchase days",
    "share_expected_purchases": "share of expected purchase days", "late_share": "repeat buyers late",
    "past_revenue": "past revenue", "win_back": "win back",
}  # fmt: skip


def show(df: pd.DataFrame, **kw) -> object:
    """:func:`analysis.plots.table_in_words` with this chapter's :data:`COLUMN_WORDS`."""
    return plots.table_in_words(df, COLUMN_WORDS, **kw)


#: Merges of the Ward dendrogram shown on the page.
MERGES_SHOWN = 30


def features_of(money: bool = True) -> list[str]:
    """The features the chapter clusters on: recency, frequency, monetary value and tenure; no monetary value
    on data without prices (``money`` False: the report's ``has_money``)."""
    return [f for f in DEFAULT_FEATURES if money or f != S.MONETARY]


def value_of(money: bool = True) -> str:
    """The column a customer's value is measured in: monetary (revenue), or frequency (orders) without prices."""
    return S.MONETARY if money else S.FREQUENCY


def value_word(money: bool = True) -> str:
    """What a customer's value is counted in, as the tables name it: ``revenue``, or ``orders`` without prices."""
    return value_name(value_of(money))


def share_column(money: bool = True) -> str:
    """The segment tables' share-of-value column: ``share_revenue``, or ``share_orders`` without prices."""
    return f"share_{value_word(money)}"


def customers_step(transactions: pd.DataFrame, money: bool = True) -> Step:
    """One row per customer (:func:`analysis.features.customer_table`) and a summary of its features (without
    prices the money columns, all empty, are dropped)."""
    customers = features.customer_table(transactions)
    if not money:
        customers = customers.drop(columns=[S.MONETARY, S.AOV])
    summary = customers[features_of(money)].describe(percentiles=[0.25, 0.5, 0.75, 0.99]).T
    glue = {"n_customers": len(customers), "prices_finding": F.without_prices(money)}
    return Step(glue, summary, {"customers": customers})


def transform_step(customers: pd.DataFrame, money: bool = True) -> Step:
    """The clustering matrix (log then standardise) and the skewness of each feature before and after."""
    features = features_of(money)
    X, transformer = rfm_matrix(customers, features=features)
    after = pd.DataFrame(X, columns=features)
    skew = pd.DataFrame({"raw": customers[features].skew(), "transformed": after.skew()})
    shown = S.MONETARY if money else S.FREQUENCY  # the feature whose tail the log tames most
    glue = {
        f"skew_{shown}_raw": float(skew.loc[shown, "raw"]),
        f"skew_{shown}_after": float(skew.loc[shown, "transformed"]),
    }
    glue["skew_finding"] = F.skew(*glue.values(), "monetary value" if money else "frequency")
    return Step(glue, skew, {"X": X, "transformer": transformer, "after": after, "features": features})


def rfm_step(customers: pd.DataFrame, money: bool = True) -> Step:
    """RFM quintile scores, the named segments, the rules table and the segment table (R and F only without prices)."""
    scores = rfm_scores(customers, money=money)
    scores[S.RFM_SEGMENT] = rfm_segment(scores)
    scores[S.OVERDUE] = overdue(customers)
    value = value_name(value_of(money))
    table = rfm_segment_table(customers, scores[S.RFM_SEGMENT], value=value_of(money))
    glue: dict[str, Any] = {
        f"rfm_n_{name.replace(' ', '_')}": int(table.loc[name, "customers"]) for name in table.index
    }
    glue[f"rfm_champions_{value}"] = float(table.loc["champions", f"share_{value}"])
    glue["rfm_finding"] = F.rfm_segments(table)
    for name in ("lost", "at risk"):
        late = scores.loc[scores[S.RFM_SEGMENT] == name, S.OVERDUE].dropna()
        key = name.replace(" ", "_")
        glue[f"{key}_late_share"] = float((late > F.LATE).mean()) if len(late) else 0.0
        glue[f"{key}_rhythm_finding"] = F.rhythm(name, len(late), glue[f"{key}_late_share"])
    return Step(glue, table, {"scores": scores, "rules": rfm_rules_table(money=money)})


def k_step(
    X: np.ndarray,
    customers: pd.DataFrame,
    k_range: Sequence[int],
    k: int = 0,
    *,
    seed: int = 0,
    runs: int = 3,
    min_share: float = MIN_SEGMENT_SHARE,
    stable_ari: float = STABLE_ARI,
    money: bool = True,
) -> Step:
    """Choose k (:func:`choose_k`) unless the parameters fix it; profiles of the candidate k side by side."""
    choice = choose_k(X, k_range, seed=seed, runs=runs, min_share=min_share, stable_ari=stable_ari)
    k_used = k or choice.k
    candidates = sorted({choice.best_k, choice.elbow_k, k_used})
    labels = {c: fit_kmeans(X, c, seed=seed)[0] for c in candidates}
    glue = {
        "best_k": choice.best_k,
        "elbow_k": choice.elbow_k,
        "k_used": k_used,
        "best_silhouette": float(choice.table.set_index("k").loc[choice.best_k, "silhouette"]),
        "k_finding": F.k_choice(
            choice.table, k_used, choice.reason, choice.best_k, choice.elbow_k, choice.min_share, choice.stable_ari,
            forced=bool(k),
        ),
        "silhouette_finding": F.silhouette_shape(choice.table),
        "min_segment_share": choice.min_share,
        "stable_ari": choice.stable_ari,
    }
    profiles = candidate_profiles(customers, labels, value=value_of(money))
    return Step(glue, choice.table, {"choice": choice, "k": k_used, "profiles": profiles})


def kmeans_step(
    X: np.ndarray, transformer: Any, k: int, *, seed: int = 0, runs: int = 5, features: Sequence[str] = DEFAULT_FEATURES
) -> Step:
    """The final k-means fit, its centres in the original units, and its stability across seeds.

    The stability runs are those of :func:`choose_k` for the same k (same seeds, best of ``N_INIT`` starts).
    """
    labels, centres = fit_kmeans(X, k, seed=seed)
    stab = stability(X, k, seeds=range(seed, seed + runs), n_init=N_INIT)
    glue = {
        "stability_runs": runs,
        "stability_mean": stab.mean_ari,
        "stability_min": stab.min_ari,
        "stability_finding": F.stability(stab.mean_ari, stab.min_ari, runs),
    }
    units = centres_in_units(centres, transformer, list(features))
    return Step(glue, units, {"labels": labels})


def _sample(n: int, max_points: int, seed: int) -> np.ndarray:
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


#: DBSCAN's clusters "split on one value" of a feature when they agree with that split at least this well (ARI).
ARTEFACT_ARI = 0.95


def split_on_one_value(found: np.ndarray, raw: pd.DataFrame) -> str:
    """The feature value DBSCAN's clusters split on exactly (``"frequency = 1"``), or ``""``.

    ``found``: the cluster labels of the points that are not noise; ``raw``: their raw features. A discrete
    feature (orders) leaves a gap between its most common value and the next, and a density method can
    read that gap as two groups: one-order customers against repeat buyers. The clusters are an artefact of
    the feature when they match ``feature == mode`` with an ARI of at least :data:`ARTEFACT_ARI`.
    """
    if np.unique(found).size < 2:
        return ""
    for column in raw.columns:
        values = raw[column].to_numpy()
        mode = pd.Series(values).mode().iloc[0]
        if adjusted_rand_score(found, values == mode) >= ARTEFACT_ARI:
            return f"{column} = {fmt.number(mode)}"
    return ""


def dbscan_step(
    X: np.ndarray, labels: np.ndarray, *, min_samples: int, max_points: int, seed: int = 0, raw: pd.DataFrame | None = None
) -> Step:
    """DBSCAN with ε at the knee of the k-distance curve, on at most ``max_points`` customers; ``raw`` (the
    customers' raw features, rows as in ``X``) lets the finding say when the clusters split on one value."""
    rows = _sample(len(X), max_points, seed)
    kdist = k_distance(X[rows], min_samples)
    eps = suggest_eps(kdist)
    db = fit_dbscan(X[rows], eps, min_samples)
    found = db[db >= 0]
    n_clusters = int(np.unique(found).size)
    artefact = split_on_one_value(found, raw.iloc[rows][db >= 0]) if raw is not None else ""
    largest = float(np.bincount(found).max() / db.size) if found.size else 0.0
    ari = float(adjusted_rand_score(labels[rows][db >= 0], found)) if n_clusters > 1 else float("nan")
    noise = float((db == -1).mean())
    glue = {
        "eps": eps,
        "dbscan_clusters": n_clusters,
        "dbscan_noise": noise,
        "dbscan_sample": int(rows.size),
        "max_points_density": max_points,
        "dbscan_largest": largest,
        "dbscan_artefact": artefact,
        "dbscan_finding": F.dbscan(n_clusters, noise, int(rows.size), len(X), largest, ari, artefact),
    }
    return Step(glue, None, {"kdist": kdist, "eps": eps, "labels": db})


def ward_step(X: np.ndarray, labels: np.ndarray, k: int, *, max_points: int, seed: int = 0) -> Step:
    """Ward's linkage on at most ``max_points`` customers (the sample DBSCAN sees, same seed) and its clusters cut at k against k-means."""
    Z, rows = ward_linkage(X, max_points=max_points, seed=seed)
    ward = fit_agglomerative(X[rows], k, max_points=max(int(rows.size), 2))
    ari = float(adjusted_rand_score(labels[rows], ward))
    glue = {
        "ward_vs_kmeans": ari,
        "ward_sample": int(rows.size),
        "merges_shown": MERGES_SHOWN,
        "ward_finding": F.ward(ari, int(rows.size), len(X), k),
    }
    return Step(glue, None, {"linkage": Z})


def profile_step(customers: pd.DataFrame, labels: np.ndarray, X: np.ndarray, money: bool = True) -> Step:
    """The k-means segments' profiles and rule-based names, and the PCA map coordinates."""
    value = value_name(value_of(money))
    profile = profile_segments(customers, labels, value=value_of(money))
    names = name_segments(profile, customers)
    profile.insert(1, "name", profile[S.SEGMENT].map(names))
    coords, ratio = pca_map(X, n_components=2)
    top = profile.sort_values(f"share_{value}", ascending=False).iloc[0]
    Claim("clustering.top_segment_finding", f"share of the {value}", "best", str(top[S.SEGMENT]),
          dict(zip(profile[S.SEGMENT].astype(str), profile[f"share_{value}"])), source="the segments' profile").check()
    glue = {
        "top_segment": f"*{top['name']}*",
        "top_segment_share_customers": float(top["share_customers"]),
        f"top_segment_share_{value}": float(top[f"share_{value}"]),
        "top_segment_finding": F.top_segment(
            str(top["name"]), float(top["share_customers"]), float(top[f"share_{value}"]), value
        ),
        "value_word": value,
        "pca_variance": float(ratio.sum()),
    }
    named = pd.Series(labels, index=customers.index).map(names).rename(S.SEGMENT_NAME)
    return Step(glue, profile, {"names": named, "coords": coords, "ratio": ratio})


def tier_step(customers: pd.DataFrame, cuts: Sequence[float], money: bool = True) -> Step:
    """Value tiers by cumulative share of revenue (of orders without prices), their table and the concentration finding."""
    value = value_name(value_of(money))
    tiers = value_tiers(customers, cuts=tuple(cuts), value=value_of(money))
    table = tier_table(customers, tiers, value=value_of(money))
    high = table.loc["high"]
    share = float(high[f"share_{value}"])
    top20 = kpi.top_share(customers, 0.2, value=value_of(money))  # the scale chapter 1 words concentration on
    glue = {
        "tier_high": float(cuts[0]),
        "tier_medium": float(cuts[1]),
        "high_tier_share": float(high["share_customers"]),
        f"high_tier_{value}": share,
        "top20_share": top20,
        "tier_finding": F.tiers(float(high["share_customers"]), share, float(cuts[0]), value, top20),
    }
    return Step(glue, table, {"tiers": tiers})


# --------------------------------------------------------------------------- customer lifetime value

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
    """The fitted parameters, each with a note when its value was set by a bound rather than by the data (no
    Gamma-Gamma rows without a spend model)."""
    edge = "on the edge of the fit's box: set by the bound, not by the data"
    rows = [("BG/NBD", SYMBOLS[n], getattr(bg, f"{n}_"), edge if n in bg.bounded_ else "") for n in bg.PARAMETERS]
    fixed = "fixed at the boundary (the fit ran to infinity)"
    rows += [("Gamma-Gamma", SYMBOLS[n], getattr(gg, f"{n}_"), fixed if n == "p" and gg.at_boundary_ else "")
             for n in (gg.PARAMETERS if gg is not None else ())]  # fmt: skip
    table = pd.DataFrame(rows, columns=["model", "parameter", "estimate", "note"]).set_index(["model", "parameter"])
    return table if table["note"].str.len().any() else table.drop(columns="note")


def _spend_glue(gg, summary: pd.DataFrame, currency: str) -> dict[str, Any]:
    """The spend model's numbers and findings; on data without prices (``gg`` None) the sentences that say so."""
    if gg is None:
        n_rep = int((summary[S.X] > 0).sum())
        return {"n_repeaters": n_rep, "spend_fit_finding": F.no_spend_model(), "boundary_finding": "",
                "spend_finding": F.no_spend_check(), "gg_at_boundary": 0}  # fmt: skip
    r, n_rep = spend_correlation(summary)
    fitted = sentence(f"spend is fitted on the {plural(n_rep, 'repeat customer')} with a positive repeat spend")
    boundary = F.spend_boundary(gg.at_boundary_, gg.p_, gg.q_, gg.gamma_, currency)
    return {
        "n_repeaters": n_rep, "spend_corr": r, "spend_finding": F.spend_independence(r, n_rep),
        "boundary_finding": boundary, "spend_fit_finding": f"{fitted} {boundary}", "gg_at_boundary": int(gg.at_boundary_),
    }  # fmt: skip


def calibration_step(
    transactions: pd.DataFrame, calibration_end: str = "", currency: str = "", money: bool = True, censor_days: int = 0
) -> Step:
    """Split the days, build the calibration summary, fit both models (the BG/NBD alone without prices), check
    them (boundary, dropout, independence)."""
    split = time_split(*_days(transactions), calibration_end or None)
    summary = features.customer_summary(transactions, split.calibration_end, split.observation_end, unit_days=UNIT_DAYS)
    bg, gg = fit_models(summary, money=money)
    flags = fit_diagnostics(bg, gg)
    fitted = {**bg.as_dict(), **(gg.as_dict() if gg is not None else {})}
    n_censored = int(kpi.left_censored(summary[S.FIRST], split.first_day, censor_days).sum())
    glue = {
        "cal_end": fmt.day(split.calibration_end),
        "holdout_weeks": split.holdout_units(UNIT_DAYS),
        "n_cohort": len(summary),
        "cohort_finding": F.cohort(
            len(summary), int(transactions[S.CUSTOMER].nunique()), fmt.day(split.calibration_end), money
        ),
        **{f"fit_{k}": v for k, v in fitted.items() if isinstance(v, float)},
        **{f"fit_{k}_text": fmt.number(getattr(m, f"{k}_")) for m in (bg, gg) if m is not None for k in m.PARAMETERS},
        "bg_no_dropout": int(flags["no_dropout"]),
        "censored_in_cohort": n_censored,
        "censored_finding": F.censored_in_cohort(n_censored, len(summary), censor_days),
        **_spend_glue(gg, summary, currency),
        "bg_at_boundary": int(bg.at_boundary_),
        "bg_bounded": ", ".join(bg.bounded_) or "none",
    }
    return Step(glue, _parameters(bg, gg), {"split": split, "summary": summary, "bg": bg, "gg": gg})


def dropout_finding(bg, holdout_error: float = float("nan")) -> str:
    """The dropout sentence of the calibration fit: its parameters on the box, and its forecasts judged by the holdout error."""
    no_dropout = bool(bg.a_ / (bg.a_ + bg.b_) < NO_DROPOUT_BELOW)
    bounded = {name: float(getattr(bg, f"{name}_")) for name in bg.bounded_}
    return F.dropout(bg.a_, bg.b_, no_dropout, bg.at_boundary_, bounded, holdout_error)


def holdout_step(transactions: pd.DataFrame, summary: pd.DataFrame, bg, split: TimeSplit, money: bool = True) -> Step:
    """The BG/NBD's forecast for the holdout against what happened: by frequency, in total, day by day."""
    x, t_x, T = summary[S.X], summary[S.T_X], summary[S.T_CAL]
    table = holdout_by_frequency(bg, x, t_x, T, summary[S.X_HOLDOUT], summary[S.DURATION_HOLDOUT], max_x=MAX_X)
    predicted = bg.conditional_expected_purchases(summary[S.DURATION_HOLDOUT], x, t_x, T)
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
        "holdout_finding": F.holdout(error, float(actual.sum()), float(np.sum(predicted)), split.holdout_days, money),
        "top_group_finding": F.top_frequency_group(int(top[S.X]), float(top["actual"]), float(top["predicted"])),
        "dropout_finding": dropout_finding(bg, error),
    }
    repeats = features.repeat_purchases_by_day(transactions, split.calibration_end, end=split.observation_end)
    track = tracking_curve(repeats, summary, bg, split.first_day, unit_days=UNIT_DAYS)
    causes = holdout_causes(transactions, split, track)
    glue |= causes | {"holdout_cause_finding": F.holdout_cause(error, causes["misfit_error"], causes["season_change"])}
    # the page's rule for trusting the model's forecasts (and its P(alive)): the holdout within F.ACCURATE
    glue["model_holds"] = int(abs(error) <= F.ACCURATE and not fit_diagnostics(bg, None)["no_dropout"])
    return Step(glue, table, {"tracking": track})


#: The season check needs at least this many days before the holdout's weeks a year earlier.
SEASON_MIN_DAYS = 28


def holdout_causes(transactions: pd.DataFrame, split: TimeSplit, track: pd.DataFrame) -> dict[str, float]:
    """Two checks of why the holdout forecast misses: ``misfit_error``, the model's own error on the calibration
    period (expected against actual cumulative repeat purchase days at the calibration end, a share of the actual),
    and ``season_change``, how much busier (+) or quieter (-) the holdout's weeks were a year earlier than the
    weeks just before them (repeat purchase days per day of all customers; NaN when the history does not hold
    those weeks a year earlier, with at least :data:`SEASON_MIN_DAYS` days before them)."""
    at_cut = track.loc[: split.calibration_end].iloc[-1]
    misfit = float(at_cut["expected"] / at_cut["actual"] - 1) if at_cut["actual"] > 0 else float("nan")
    last = split.observation_end
    daily = features.repeat_purchases_by_day(transactions, last + pd.Timedelta(days=1), end=last)
    year = pd.Timedelta(days=364)  # 52 weeks: the same weekdays a year earlier
    start, end = split.calibration_end + pd.Timedelta(days=1) - year, last - year
    before = max(daily.index[0], start - pd.Timedelta(days=split.holdout_days))
    season = float("nan")
    if (start - before).days >= SEASON_MIN_DAYS:
        was, then = daily.loc[before: start - pd.Timedelta(days=1)].mean(), daily.loc[start:end].mean()
        season = float(then / was - 1) if was > 0 else float("nan")
    return {"misfit_error": misfit, "season_change": season}


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
    """The RFM labels reconciled with the model: per segment the mean P(alive), the share of its repeat buyers
    late against their own rhythm, expected purchases, past revenue and CLV, largest part of the value first;
    without CLV (data without prices) the value is the expected purchase days."""
    total = "total_clv" if S.CLV in valued.columns else "total_expected_purchases"
    late = valued[S.OVERDUE].gt(F.LATE).where(valued[S.OVERDUE].notna())  # NaN for one-time buyers: no rhythm
    out = valued.assign(late=late).groupby(column, observed=True).agg(
        customers=(S.CUSTOMER, "size"),
        p_alive=(S.P_ALIVE, "mean"),
        late_share=("late", "mean"),
        expected_purchases=(S.EXPECTED_PURCHASES, "mean"),
        **({"past_revenue": (S.MONETARY, "sum"), "mean_clv": (S.CLV, "mean"), total: (S.CLV, "sum")}
           if S.CLV in valued.columns else {total: (S.EXPECTED_PURCHASES, "sum")}),
    )  # fmt: skip
    out["share_" + total.removeprefix("total_")] = out[total] / out[total].sum()
    return out.sort_values(total, ascending=False)


def value_step(
    transactions: pd.DataFrame, customers: pd.DataFrame, *, horizon_days: int, discount_rate: float, currency: str = "",
    money: bool = True, model_holds: bool = True, holdout_error: float = float("nan"),
) -> Step:
    """Fit on all the data, value each customer, read P(alive) and CLV by RFM segment, and list whom to win back.

    ``customers`` carries ``customer_id``, ``rfm_segment``, ``overdue`` and (with prices) ``monetary``. Customers
    whose first purchase is on the last day have no time behind them and are left out of the values (counted and
    said). The win-back list (column ``win_back``) rests on P(alive) below one half when the model passed its
    holdout check (``model_holds``), else on each repeat buyer's own rhythm (``overdue`` above ``F.LATE``).
    """
    first, last = _days(transactions)
    full = features.customer_summary(transactions, last, unit_days=UNIT_DAYS)
    bg, gg = fit_models(full, money=money)
    values = value_customers(full, bg, gg, horizon_days=horizon_days, annual_discount_rate=discount_rate, unit_days=UNIT_DAYS)
    valued = customers.merge(values, on=S.CUSTOMER).merge(full[[S.CUSTOMER, S.X]], on=S.CUSTOMER)
    no_dropout = fit_diagnostics(bg, gg)["no_dropout"]
    repeat = valued[S.X] > 0
    rests_on_model = model_holds and not no_dropout
    valued[S.WIN_BACK] = repeat & ((valued[S.P_ALIVE] < ALIVE_CUT) if rests_on_model else valued[S.OVERDUE].gt(F.LATE))
    lost, risk = _segment_alive(valued, "lost"), _segment_alive(valued, "at risk")
    by_rfm = _by_segment(valued, S.RFM_SEGMENT)
    worth = valued[S.CLV] if money else valued[S.EXPECTED_PURCHASES]
    said = (lambda v: fmt.money(v, currency)) if money else fmt.number
    weeks = max(1, round(horizon_days / UNIT_DAYS))
    glue = {
        "horizon_weeks": max(1, round(horizon_days / UNIT_DAYS)),
        "n_valued": len(valued),
        "n_not_valued": len(customers) - len(valued),
        "excluded_finding": F.excluded_from_clv(len(customers), len(valued), fmt.day(last)),
        ("total_clv" if money else "total_expected_purchases"): float(worth.sum()),
        ("median_clv" if money else "median_expected_purchases"): float(worth.median()),
        "clv_finding": F.clv_total(
            weeks, said(worth.sum()), said(worth.median()), f"*{by_rfm.index[0]}*", float(by_rfm.iloc[0, -1]), money
        ),
        "one_time_share": float((valued[S.X] == 0).mean()),
        "lost_n": lost["n"],
        "lost_alive": lost["mean"],
        "at_risk_alive": risk["mean"],
        "lost_alive_finding": F.alive_by_segment("lost", *lost.values(), no_dropout=no_dropout),
        "at_risk_alive_finding": F.alive_by_segment("at risk", *risk.values(), no_dropout=no_dropout),
        "n_win_back": int(valued[S.WIN_BACK].sum()),
        "win_back_rule": "p_alive" if rests_on_model else "overdue",
        "win_back_finding": F.win_back(no_dropout, int(repeat.sum()), int(valued[S.WIN_BACK].sum()), model_holds,
                                       holdout_error),
        "lost_value_finding": _lost_value(by_rfm, currency) if money else "",
        "top_clv_segment": f"*{by_rfm.index[0]}*",
        "top_clv_share": float(by_rfm.iloc[0, -1]),
    }
    return Step(glue, by_rfm, {"valued": valued, "summary": full, "bg": bg, "gg": gg, "no_dropout": no_dropout})


def _lost_value(by_rfm: pd.DataFrame, currency: str) -> str:
    if "lost" not in by_rfm.index:
        return ""
    row = by_rfm.loc["lost"]
    clv, past = float(row["total_clv"]), float(row["past_revenue"])
    return F.lost_value(fmt.money(clv, currency), fmt.money(past, currency), clv > past, int(row["customers"]))


#: Columns of the analyst's CSV, in order.
CSV_COLUMNS = (
    S.CUSTOMER, S.RECENCY, S.FREQUENCY, S.MONETARY, S.TENURE, S.R_SCORE, S.F_SCORE, S.M_SCORE, S.RFM_SCORE,
    S.RFM_SEGMENT, S.OVERDUE, S.SEGMENT_NAME, S.VALUE_TIER, S.P_ALIVE, S.EXPECTED_PURCHASES, S.CLV, S.WIN_BACK,
)  # fmt: skip


#: What each column of the analyst's CSV holds: (unit, meaning); {currency}, {weeks} and {rate} are the run's.
CSV_MEANINGS: dict[str, tuple[str, str]] = {
    S.CUSTOMER: ("id", "the customer's id as in the data file"),
    S.RECENCY: ("days", "days from the last purchase to the day after the data end"),
    S.FREQUENCY: ("orders", "orders placed in the data"),
    S.MONETARY: ("{currency}", "revenue of all the customer's orders in the data"),
    S.TENURE: ("days", "days from the first purchase to the day after the data end"),
    S.R_SCORE: ("1-5", "recency score (5 = the most recent fifth of the customers)"),
    S.F_SCORE: ("1-5", "frequency score (5 = the most frequent fifth)"),
    S.M_SCORE: ("1-5", "monetary score (5 = the highest-spending fifth)"),
    S.RFM_SCORE: ("code", "the scores R, F (and M) written together as text: a code, not a number"),
    S.RFM_SEGMENT: ("name", "the named RFM segment (the rules table of section 2)"),
    S.OVERDUE: ("gaps", "days since the last order over the customer's own mean gap between orders "
                        "(empty for one-time buyers)"),
    S.SEGMENT_NAME: ("name", "the k-means segment's name (section 5)"),
    S.VALUE_TIER: ("high/medium/low", "value tier by cumulative share of {value}"),
    S.P_ALIVE: ("probability", "BG/NBD probability that the customer is still active at the data end"),
    S.EXPECTED_PURCHASES: ("purchase days", "expected purchase days over the next {weeks} weeks"),
    S.CLV: ("{currency}", "expected revenue over the next {weeks} weeks, discounted at {rate} a year"),
    S.WIN_BACK: ("true/false", "on the win-back list ({rule})"),
}  # fmt: skip


def csv_columns(table: pd.DataFrame, *, currency: str, weeks: int, rate: float, rule: str) -> pd.DataFrame:
    """The analyst's CSV described column by column (name, unit, meaning) for the page."""
    rules = {"p_alive": f"P(alive) below {ALIVE_CUT:g}, the model having passed its holdout check",
             "overdue": f"silent for more than {F.LATE:g} of their own mean gaps: the model failed its holdout check"}
    return page.csv_columns(table, CSV_MEANINGS, currency=currency or "money", weeks=weeks, rate=fmt.share(rate, 0),
                            rule=rules[rule], value="revenue" if S.MONETARY in table else "orders")  # fmt: skip


def analyst_table(customers: pd.DataFrame, valued: pd.DataFrame) -> pd.DataFrame:
    """One row per customer for the analyst's CSV: RFM, scores, segment and overdue, k-means segment, tier, P(alive), CLV.

    Customers the CLV table leaves out keep empty P(alive), expected purchases and CLV.
    """
    model = valued[[c for c in (S.CUSTOMER, S.P_ALIVE, S.EXPECTED_PURCHASES, S.CLV, S.WIN_BACK) if c in valued.columns]]
    out = customers.merge(model, on=S.CUSTOMER, how="left")
    out = out[[c for c in CSV_COLUMNS if c in out.columns]]  # data without prices: no monetary, M score or CLV
    for column in (S.MONETARY, S.CLV):  # money in cents: 572713.89, not 572713.8900000011
        if column in out.columns:
            out[column] = out[column].round(2)
    return out
