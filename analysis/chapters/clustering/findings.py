"""Worded findings of the Clustering chapter: each function takes the run's numbers and returns one sentence.

Thresholds are the named constants below; the tests feed each function numbers
on both sides of them. Numbers are written with :mod:`analysis.fmt`.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis import fmt
from analysis.clv.bgnbd import BG_BOUNDARY, BG_FLOOR
from analysis.chapters._claims import Claim, Relative, Scale, at_scale
from analysis.chapters._findings import concentration, join_words, plural, sentence

__all__ = [
    "ACCURATE",
    "INDEPENDENT",
    "CLEARLY",
    "MOST",
    "MOSTLY_ALIVE",
    "MOSTLY_DEAD",
    "MOSTLY_NOISE",
    "SUMMARY",
    "alive_by_segment",
    "call_first",
    "clv_total",
    "no_spend_check",
    "no_spend_model",
    "top_segment",
    "without_prices",
    "censored_in_cohort",
    "cohort",
    "dbscan",
    "dropout",
    "excluded_from_clv",
    "holdout",
    "holdout_cause",
    "k_choice",
    "largest_without_log",
    "rfm_segments",
    "rhythm",
    "silhouette_shape",
    "skew",
    "spend_boundary",
    "spend_independence",
    "stability",
    "tiers",
    "top_frequency_group",
    "truth",
    "ward",
    "win_back",
    "lost_value",
]

#: DBSCAN calling at least this share of the customers noise found "mostly noise".
MOSTLY_NOISE = 0.5
#: Stability (ARI between seeds) at or above this is "stable".
STABLE = 0.8
#: A holdout error within this share (either sign) is "close".
ACCURATE = 0.05
#: |Pearson r| of frequency and mean spend below this: the Gamma-Gamma assumption holds ...
INDEPENDENT = 0.1
#: ... at or above this it fails (in between: weak, to keep in mind).
DEPENDENT = 0.3
#: The Gamma-Gamma assumption's one scale, on |r|: it holds below INDEPENDENT, fails from DEPENDENT on.
SPEND_LINK = Scale("the Gamma-Gamma independence check, |r| of frequency and mean spend",
                   ((DEPENDENT, "fails"), (INDEPENDENT, "weak link"), (-math.inf, "holds")))  # fmt: skip
#: A segment whose mean P(alive) is at least this is "mostly alive" for the BG/NBD ...
MOSTLY_ALIVE = 0.7
#: ... and at most this "mostly gone".
MOSTLY_DEAD = 0.3
#: A repeat buyer silent for more than this many of their own mean gaps between orders is "late".
LATE = 3.0
#: A segment whose repeat buyers are mostly late (at least this share) has "gone quiet" by its own rhythm.
MOSTLY_LATE = 0.5
#: A Ward / k-means agreement (ARI) at or above this is "close".
AGREE = 0.6


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _tiny(value: float) -> str:
    """A probability that may be vanishingly small: ``0.02`` -> ``0.02``; ``2.2e-11`` -> ``2.2 × 10⁻¹¹``."""
    if value == 0 or abs(value) >= 1e-4:
        return fmt.number(value)
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def _sample(n_points: int, n_customers: int) -> str:
    if n_points >= n_customers:
        return f"on all {plural(n_customers, 'customer')}"
    return f"on a random sample of {fmt.count(n_points)} of the {plural(n_customers, 'customer')}"


def k_choice(table: pd.DataFrame, k: int, reason: str, best_k: int, elbow_k: int, min_share: float,
             stable_ari: float, forced: bool = False) -> str:  # fmt: skip
    """Which k the chapter uses and why, in the numbers of the k table (columns of :class:`KChoice.table`)."""
    rows = table.set_index("k")
    chosen = rows.loc[k] if k in rows.index else None
    head = (
        f"the silhouette is highest at k = {best_k} ({fmt.number(rows.loc[best_k, 'silhouette'])}) and the elbow "
        f"of the inertia is at k = {elbow_k}"
    )
    if forced:
        return sentence(f"{head}; the parameters fix k = {k}, which is used as given")
    detail = (
        f"its smallest segment holds {fmt.share(chosen['smallest_share'])} of the customers and runs from different "
        f"seeds agree at ARI {fmt.number(chosen['stability'])}"
    )
    if reason == "elbow":
        return sentence(f"{head}; the chapter uses k = {k}, the elbow: {detail}")
    if reason == "nearest usable":
        elbow = rows.loc[elbow_k]
        why = []
        if elbow["smallest_share"] < min_share:
            why.append(f"its smallest segment would hold only {fmt.share(elbow['smallest_share'])} of the customers")
        if elbow["stability"] < stable_ari:
            why.append(f"its runs agree only at ARI {fmt.number(elbow['stability'])}")
        return sentence(f"{head}; the elbow fails the checks ({join_words(why)}), so the chapter uses the nearest "
                        f"k that passes, k = {k}: {detail}")  # fmt: skip
    return sentence(
        f"{head}; no k passes both checks (a smallest segment of at least {fmt.share(min_share, 0)} and ARI of at "
        f"least {fmt.number(stable_ari)}), so the chapter falls back on the best silhouette, k = {k}; treat these "
        "segments as a rough split"
    )


def silhouette_shape(table: pd.DataFrame) -> str:
    """Whether the silhouette peaks at the smallest k, as it tends to on skewed, continuous customer data."""
    scored = table.dropna(subset=["silhouette"]).set_index("k")["silhouette"]
    best, smallest = int(scored.idxmax()), int(scored.index.min())
    Claim("clustering.silhouette_finding", "silhouette", "best", f"k = {best}",
          {f"k = {int(k)}": v for k, v in scored.items()}, source="the k table").check()  # fmt: skip
    values = f"{fmt.number(scored.loc[smallest])} at k = {smallest}, {fmt.number(scored.iloc[-1])} at k = {int(scored.index[-1])}"
    if best == smallest:
        return sentence(
            f"here too the silhouette is highest at the smallest k ({values}): the customers form one skewed cloud "
            "more than separate groups, and the first cut of a cloud always scores best"
        )
    return sentence(
        f"here the silhouette peaks at k = {best} ({fmt.number(scored.loc[best])}; {values}), not at the smallest k: "
        "these customers have some group structure of their own"
    )


def stability(mean_ari: float, min_ari: float, runs: int) -> str:
    """Whether the k-means partition depends on the seed."""
    head = f"across {plural(runs, 'seed')} the ARI between runs averages {fmt.number(mean_ari)} (lowest {fmt.number(min_ari)})"
    if min_ari >= STABLE:
        return sentence(f"{head}: the segments do not depend on the random start")
    return sentence(f"{head}: some runs split the customers differently, so read the segment borders as soft")


def dbscan(n_clusters: int, noise_share: float, n_points: int, n_customers: int, largest_share: float,
           ari: float = math.nan, artefact: str = "") -> str:  # fmt: skip
    """What DBSCAN found, by its counts: mostly noise, one mass, or several clusters (and when those split
    exactly on one value of a feature, ``artefact``, that they are the feature's gap, not groups)."""
    where = _sample(n_points, n_customers)
    if n_clusters == 0 or noise_share >= MOSTLY_NOISE:
        return sentence(
            f"{where}, DBSCAN calls {fmt.share(noise_share)} of the customers noise and finds "
            f"{plural(n_clusters, 'dense cluster')}: at this ε the customers are mostly too spread out to form dense "
            "regions, so DBSCAN says little here"
        )
    if n_clusters == 1:
        return sentence(
            f"{where}, DBSCAN finds one dense mass holding {fmt.share(largest_share)} of these customers and "
            f"{fmt.share(noise_share)} noise: the customers form one connected cloud, so DBSCAN is an outlier finder "
            "here (the noise points are customers unlike any other, worth a look), not a segmenter"
        )
    if artefact:
        return sentence(
            f"{where}, DBSCAN finds {n_clusters} dense clusters and {fmt.share(noise_share)} noise, but they split "
            f"exactly on {artefact} against the rest: a discrete feature leaves a gap between its values that a "
            "density method reads as a border, so these clusters are that gap, not groups of customers"
        )
    if math.isnan(ari):
        agree = ""
    elif ari >= AGREE:
        agree = f", which k-means' segments largely follow (ARI {fmt.number(ari)} on the points that are not noise)"
    else:
        agree = (f", which k-means' segments cut across (ARI {fmt.number(ari)} on the points that are not noise): "
                 "the dense groups are not the segments")  # fmt: skip
    return sentence(
        f"{where}, DBSCAN finds {n_clusters} dense clusters (the largest holds {fmt.share(largest_share)} of these "
        f"customers) and {fmt.share(noise_share)} noise: there are separate dense groups{agree}"
    )


def ward(ari: float, n_points: int, n_customers: int, k: int) -> str:
    """How far Ward's clusters cut at k agree with k-means."""
    head = f"{_sample(n_points, n_customers)}, Ward's clusters cut at k = {k} agree with k-means at ARI {fmt.number(ari)}"
    if ari >= AGREE:
        return sentence(f"{head}: the two methods, which minimise the same sum of squares, find much the same segments")
    return sentence(f"{head}: the two methods draw the borders differently, another sign that the segments are cuts "
                    "of a continuum rather than natural groups")  # fmt: skip


def rfm_segments(table: pd.DataFrame) -> str:
    """Champions' share of customers and of the value (revenue, or orders without prices), and the largest RFM
    segment (``rfm_segment_table`` output)."""
    value = "revenue" if "share_revenue" in table.columns else "orders"
    largest = table["customers"].idxmax()
    empty = [str(s) for s in table.index[table["customers"] == 0]]
    champ = table.loc["champions"]
    if champ["customers"] == 0:
        empty = [e for e in empty if e != "champions"]
        text = "no customer scores as a champion on these data"
    else:
        text = f"champions, {fmt.share(champ['share_customers'])} of the customers, bring {fmt.share(champ[f'share_{value}'])} of the {value}"
    Claim("clustering.rfm_finding", "customers", "best", str(largest), dict(zip(map(str, table.index),
          table["customers"])), source="the RFM segments' table").check()  # fmt: skip
    if largest == "champions":
        text += "; they are also the largest segment"
    else:
        text += f"; the largest segment is {largest} ({fmt.share(table.loc[largest, 'share_customers'])} of the customers)"
    if empty:
        text += f"; no customer falls in {join_words(empty, 'or')}"
    return sentence(text)


def tiers(share_customers: float, share_revenue: float, cut: float, value: str = "revenue", top20: float = float("nan")) -> str:
    """Value tiers: the high tier's share of the customers and of the value (``revenue``, or ``orders`` for data
    without prices), and how concentrated the value is on the book's one scale, read on the share ``top20`` of
    the top 20% of customers (the words chapter 1 uses for the same customers)."""
    head = f"the high tier, {fmt.share(share_customers)} of the customers, brings {fmt.share(share_revenue)} of the {value}"
    if math.isnan(top20):
        return sentence(head)
    return sentence(f"{head}; the top 20% of customers bring {fmt.share(top20)}: {concentration(top20, value, 'clustering.tier_finding')}")


def _forecast_use(error: float) -> str:
    """Whether the BG/NBD's purchase forecasts can be used, by the holdout error (NaN: not checked yet)."""
    if math.isnan(error):
        return "its purchase forecasts are checked against the holdout below"
    if abs(error) <= ACCURATE:
        return f"its purchase forecasts still hold (holdout error {fmt.signed_share(error)})"
    return (f"its purchase forecasts miss the holdout by {fmt.signed_share(error)}, so they too need care (see the "
            "holdout check below)")  # fmt: skip


def _bounded_text(bounded: dict[str, float]) -> str:
    """Which parameters ended on the edge of the box of a boundary fit, with their values."""
    if not bounded:
        return ""
    names = join_words([f"{n} = {fmt.number(v)}" for n, v in bounded.items()])
    verb = "sits" if len(bounded) == 1 else "sit"
    return (f" {names} {verb} on the edge of the box the fit was confined to (from {_tiny(BG_FLOOR)} to "
            f"{fmt.count(BG_BOUNDARY)} in the scaled time unit), so "
            f"{'its value is' if len(bounded) == 1 else 'their values are'} set by the box, not by the data.")


def dropout(a: float, b: float, no_dropout: bool, at_boundary: bool = False, bounded: dict[str, float] | None = None,
            holdout_error: float = math.nan) -> str:  # fmt: skip
    """The BG/NBD's mean dropout probability after a purchase, whether it is practically zero, whether the fit ran to
    the edge (``bounded``: parameters on the box, name -> value), and whether its forecasts hold (``holdout_error``,
    predicted / actual - 1 in the holdout; they "hold" only within :data:`ACCURATE`)."""
    mean = a / (a + b)
    edge = _bounded_text(bounded or {})
    use = _forecast_use(holdout_error)
    if (at_boundary or no_dropout) and math.isfinite(holdout_error):  # "still hold" or "miss": a checked claim
        Claim("clustering.dropout_finding", "holdout error of the purchase forecasts, in absolute value",
              "within" if abs(holdout_error) <= ACCURATE else "above", "holdout error",
              {"holdout error": abs(holdout_error), "no error": 0.0}, "no error", Relative(ACCURATE, "ACCURATE"), 1.0,
              source="the holdout check").check()  # fmt: skip
    if at_boundary and not no_dropout:
        return sentence(
            "the BG/NBD fit is degenerate: the likelihood keeps rising as its parameters grow without bound, the edge "
            "of the parameter space, where every customer would buy at the same rate and leave with the same "
            "probability. The chapter reports the fit on a bounded box (no parameter above "
            f"{fmt.count(BG_BOUNDARY)} in the scaled time unit).{edge} Its parameters mean little, {use}, and its mean "
            f"probability of leaving after a purchase, a/(a+b), is {fmt.number(mean)}"
        )
    if no_dropout:
        return sentence(
            f"the BG/NBD fit is degenerate: its optimum lies on the edge of the parameter space (a → 0), putting the "
            f"mean probability of leaving after a purchase, a/(a+b), at {_tiny(mean)}.{edge} On these data the model "
            "finds no sign that customers leave, so P(alive) is close to 1 for everyone and it cannot tell lost "
            f"customers from quiet ones: its P(alive) is no guide here, and {use}"
        )
    return sentence(
        f"the mean probability of leaving after a purchase, a/(a+b), is {fmt.number(mean)}: about one customer in "
        f"{fmt.count(1 / mean)} leaves after any given repeat purchase"
    )


def spend_independence(r: float, n: int) -> str:
    """The Gamma-Gamma assumption checked: Pearson r of frequency and mean spend among repeat customers."""
    head = f"among the {plural(n, 'repeat customer')}, the correlation between repeat purchases and mean repeat spend is {fmt.number(r)}"
    if math.isnan(r):
        return sentence(f"{head}: undefined, because every repeat customer has the same frequency or spend")
    verdict = at_scale("clustering.spend_finding", "|Pearson r| of frequency and mean spend", "|r|", abs(r),
                       SPEND_LINK, source="spend_corr").check().word  # fmt: skip
    if verdict == "holds":
        return sentence(f"{head}: close to 0, so the Gamma-Gamma assumption that spend does not depend on frequency holds")
    direction = "more" if r > 0 else "less"
    effect = "understates" if r > 0 else "overstates"
    if verdict == "weak link":
        return sentence(f"{head}: a weak link (customers who buy more often spend a little {direction} per purchase); "
                        "the assumption holds roughly, keep the CLV of the most frequent customers with some care")  # fmt: skip
    return sentence(
        f"{head}: the assumption fails, customers who buy more often spend {direction} per purchase. The model pulls "
        f"everyone's expected spend toward one population mean that ignores frequency, so it {effect} the spend, and "
        "the CLV, of frequent customers; fit the spend model per segment, or use the customers' own averages"
    )


def spend_boundary(at_boundary: bool, p: float, q: float, gamma: float, currency: str = "") -> str:
    """The Gamma-Gamma fit: inside its parameter space, or degenerate on the boundary (p fixed there).

    The page writes the shape p as κ and q as η (the book's notation: p and q are a price and a quantity).
    """
    params = f"κ = {fmt.number(p)}, η = {fmt.number(q)}, γ = {fmt.number(gamma)}"
    if at_boundary:
        return sentence(
            f"the Gamma-Gamma fit is degenerate: the likelihood keeps rising as the shape κ grows without bound (γ → 0), the "
            "edge of the parameter space, where the model would have every customer spend exactly the same on each "
            f"purchase. The chapter reports the constrained fit with κ fixed at {fmt.number(p)} ({params}): one gamma "
            "distribution of spending levels cannot describe these customers, so the expected spend falls back to "
            "each customer's own average, usable for CLV, while the parameters themselves mean little"
        )
    cv = 1 / math.sqrt(p)
    mean = f", a population mean spend of {fmt.money(p * gamma / (q - 1), currency)} per purchase day" if q > 1 else ""
    return sentence(f"the Gamma-Gamma fit is inside its parameter space ({params}): a customer's spend varies by "
                    f"about {fmt.share(cv, 0)} from purchase to purchase{mean}")  # fmt: skip


def holdout(error: float, actual: float, predicted: float, days: int, money: bool = True) -> str:
    """The BG/NBD's holdout error in numbers, whichever way it goes, and what it means for CLV (for the expected
    purchases on data without prices)."""
    what = "CLV from this model is" if money else "the expected purchases from this model are"
    head = (
        f"over the {plural(days, 'day')} of the holdout the cohort made {fmt.count(actual)} repeat purchase days; the "
        f"model predicted {fmt.count(predicted)}"
    )
    if math.isnan(error):
        return sentence(f"{head}; nobody bought in the holdout, so the error is undefined")
    numbers = {"predicted": predicted, "actual": actual}
    relation = "within" if abs(error) <= ACCURATE else "below" if error < 0 else "above"
    Claim("clustering.holdout_finding", "repeat purchase days in the holdout", relation, "predicted", numbers,
          "actual", Relative(ACCURATE, "ACCURATE"), source="holdout_actual, holdout_predicted").check()  # fmt: skip
    if abs(error) <= ACCURATE:
        return sentence(f"{head}, an error of {fmt.signed_share(error)}: close, the forecast can be used as it is")
    if error < 0:
        return sentence(
            f"{head}: it under-predicts by {fmt.share(-error)}. Customers bought more after the calibration end than "
            "their calibration rhythm implied (a busy season, or a campaign, in the holdout), so "
            f"{what} likely too low by a similar share"
        )
    return sentence(
        f"{head}: it over-predicts by {fmt.share(error)}. Customers bought less after the calibration end than their "
        f"calibration rhythm implied (a quiet season, or customers leaving faster), so {what} likely "
        "too high by a similar share"
    )


def censored_in_cohort(n_censored: int, n_cohort: int, censor_days: int) -> str:
    """How the CLV calibration treats customers first seen at the log's start (possibly buying before it)."""
    if censor_days == 0 or n_censored == 0:
        return ""
    return sentence(
        f"{fmt.count(n_censored)} of the {plural(n_cohort, 'customer')} of the cohort ({fmt.share(n_censored / n_cohort)}) "
        f"were first seen in the log's first {plural(censor_days, 'day')} and may have been buying before it: the "
        "models start their clock at their first purchase in the log, which makes them look younger than they are "
        "(their purchases per week are overstated if they really bought before), and the tenure rule never calls "
        "them new"
    )


def holdout_cause(error: float, misfit: float, season: float) -> str:
    """The likelier cause of a holdout miss beyond :data:`ACCURATE`: the model's misfit on the calibration period
    (``misfit``, its own error there, same sign as the holdout's) or the season (``season``, how much busier the
    holdout's weeks were a year earlier than the weeks before them; NaN when the history does not hold them)."""
    if math.isnan(error) or abs(error) <= ACCURATE:
        return ""
    parts = []
    misfit_explains = not math.isnan(misfit) and abs(misfit) > ACCURATE and (misfit < 0) == (error < 0)
    season_explains = not math.isnan(season) and abs(season) > ACCURATE and (season > 0) == (error < 0)
    if not math.isnan(misfit):
        parts.append(f"on the calibration period itself the model is off by {fmt.signed_share(misfit)}"
                     + (", the same way" if misfit_explains else ""))  # fmt: skip
    if math.isnan(season):
        parts.append("the history does not reach back to the holdout's weeks a year earlier, so the season cannot be checked")
    else:
        word = "busier" if season > 0 else "quieter"
        parts.append(f"a year earlier the same weeks were {fmt.share(abs(season))} {word} than the weeks before them")
    if misfit_explains and (not season_explains or abs(misfit) >= abs(season)):
        cause = "the likelier cause is the model's misfit, not only the season: refit or segment before using its forecasts"
    elif season_explains:
        cause = "the likelier cause is the season, which a model of steady purchase rates cannot see"
    else:
        cause = "neither the season nor the fit explains the miss: the customers changed after the calibration end"
    return sentence("; ".join(parts) + f": {cause}")


def cohort(n_cohort: int, n_customers: int, calibration_end: str, money: bool = True) -> str:
    """Who the calibration fit sees: the customers whose first purchase came before the calibration end."""
    later = n_customers - n_cohort
    below = "the CLV below, fitted on all the data, includes them" if money else (
        "the expected purchases below, fitted on all the data, include them")
    if later == 0:
        return sentence(f"all {plural(n_customers, 'customer')} had made their first purchase before {calibration_end}, "
                        "so the calibration cohort is the whole customer base")  # fmt: skip
    return sentence(
        f"the calibration cohort is the {fmt.count(n_cohort)} of the {plural(n_customers, 'customer')} whose first "
        f"purchase came before {calibration_end}; the other {fmt.count(later)} first bought later and are left out of "
        f"the fit and of the holdout check ({below})"
    )


def top_segment(name: str, share_customers: float, share_value: float, value: str = "revenue") -> str:
    """The k-means segment with the most value (``revenue``, or ``orders`` for data without prices)."""
    return sentence(f"the k-means segment with the most {value} is *{name}*: {fmt.share(share_customers)} of the "
                    f"customers bring {fmt.share(share_value)} of the {value}")  # fmt: skip


def clv_total(weeks: int, total: str, median: str, segment: str, share: float, money: bool = True) -> str:
    """What the valued customers are worth over the horizon (in money), or how many purchase days they are
    expected to make (data without prices), and the RFM segment with the largest part of it."""
    if money:
        return sentence(f"over the next {plural(weeks, 'week')}, the valued customers are worth {total} in "
                        f"discounted expected revenue; the median customer {median}. The RFM segment {segment} holds "
                        f"{fmt.share(share)} of that value")  # fmt: skip
    return sentence(f"over the next {plural(weeks, 'week')}, the valued customers are expected to buy on {total} "
                    f"purchase days in all (the median customer on {median}); the RFM segment {segment} is expected "
                    f"to make {fmt.share(share)} of them")  # fmt: skip


def excluded_from_clv(n_customers: int, n_valued: int, last_day: str) -> str:
    """Customers the CLV table leaves out (first purchase on the last day: no time to observe them)."""
    gone = n_customers - n_valued
    if gone == 0:
        return sentence(f"all {plural(n_customers, 'customer')} are valued")
    return sentence(
        f"the CLV table values {fmt.count(n_valued)} of the {plural(n_customers, 'customer')}: "
        f"{plural(gone, 'customer')} whose first purchase fell on the last day of the data ({last_day}) "
        f"{'has' if gone == 1 else 'have'} no time behind them to fit and {'is' if gone == 1 else 'are'} left out"
    )


def alive_by_segment(segment: str, mean_alive: float, n: int, one_time_share: float, repeat_mean_alive: float,
                     no_dropout: bool = False) -> str:  # fmt: skip
    """The mean P(alive) of the RFM segment called ``segment``, and how to read it.

    High values have two causes the sentence tells apart: a fit with practically
    no dropout (P(alive) near 1 for everyone), or a segment made mostly of
    one-time buyers (P(alive) = 1 by construction of the BG/NBD).
    """
    if n == 0:
        return sentence(f"no customer is in the RFM segment {segment} on these data")
    head = f"the {plural(n, 'customer')} RFM calls {segment} have a mean P(alive) of {fmt.number(mean_alive)}"
    rules = f"the long time since their last purchase (the R score) is the evidence, so the RFM rules, not P(alive), mark them {segment}"
    if mean_alive <= MOSTLY_DEAD:
        return sentence(f"{head}: the BG/NBD agrees with the RFM rules that most of them have left")
    if mean_alive < MOSTLY_ALIVE:
        return sentence(f"{head}: the BG/NBD is undecided about them; the RFM rules and P(alive) each see part of "
                        "the picture")  # fmt: skip
    if no_dropout:
        return sentence(f"{head}: with practically no dropout in the fit, P(alive) is near 1 for every customer, so "
                        f"it cannot confirm or contradict the label; {rules}")  # fmt: skip
    if one_time_share >= 0.5:
        repeat = "" if math.isnan(repeat_mean_alive) else f" (the repeat buyers among them average {fmt.number(repeat_mean_alive)})"
        return sentence(
            f"{head}: {fmt.share(one_time_share)} of them bought on one day only, and the BG/NBD gives every such "
            f"customer P(alive) = 1{repeat}. For the one-time buyers P(alive) carries no information; {rules}"
        )
    return sentence(
        f"{head}: the BG/NBD sees most of them as still active, because their silence is not long against their own "
        f"purchase rhythm; the RFM rules compare them with other customers instead, so read {segment} as 'quieter "
        "than the rest', not as gone"
    )


def rhythm(segment: str, n_repeat: int, late_share: float) -> str:
    """How many of a segment's repeat buyers are late against their own rhythm (silent > LATE of their gaps)."""
    if n_repeat == 0:
        return sentence(f"no customer in the RFM segment {segment} ordered more than once, so none has a rhythm of their "
                        "own to be late against")  # fmt: skip
    head = (
        f"of the {plural(n_repeat, 'repeat buyer')} RFM calls {segment}, {fmt.share(late_share)} have been silent for "
        f"more than {fmt.number(LATE)} of their own mean gaps between orders"
    )
    if late_share >= 1:
        return sentence(f"{head}: measured against their own rhythm, too, every one of them has gone quiet")
    if fmt.share(late_share) == fmt.share(1.0):
        return sentence(f"{head}: measured against their own rhythm, too, all but a handful of them have gone quiet")
    if late_share >= MOSTLY_LATE:
        return sentence(f"{head}: measured against their own rhythm, too, most of them have gone quiet")
    return sentence(f"{head}: against their own rhythm most of them are not late yet; they buy rarely by nature, "
                    "so the label is more a warning than a verdict")  # fmt: skip


def win_back(no_dropout: bool, n_repeat: int, n_win_back: int, model_holds: bool = True,
             holdout_error: float = float("nan")) -> str:  # fmt: skip
    """Whom to win back first, by the measure that holds: P(alive) below one half when the BG/NBD passes its
    holdout check (within :data:`ACCURATE`) and sees dropout at all; otherwise each repeat buyer's own rhythm
    (silent for more than :data:`LATE` of their mean gaps between orders)."""
    if n_repeat == 0:
        return sentence("no customer bought twice, so neither P(alive) nor a rhythm of their own singles anybody out")
    rhythm = (f"{fmt.count(n_win_back)} of the {plural(n_repeat, 'repeat buyer')} have been silent for more than "
              f"{fmt.number(LATE)} of their own mean gaps between orders: the win-back list of the analyst's file "
              "(column win_back)")  # fmt: skip
    if no_dropout:
        return sentence("with practically no dropout in the fit, P(alive) singles out nobody, so the list uses each "
                        f"customer's own rhythm instead: {rhythm}")  # fmt: skip
    if not model_holds:
        return sentence(f"the BG/NBD misses its holdout by {fmt.signed_share(holdout_error)}, beyond the page's "
                        f"{fmt.share(ACCURATE, 0)} rule, so the list does not rest on its P(alive) but on each "
                        f"customer's own rhythm: {rhythm}")  # fmt: skip
    return sentence(
        f"the BG/NBD passes its holdout check, so the list rests on its P(alive): {fmt.count(n_win_back)} of the "
        f"{plural(n_repeat, 'customer')} who bought on two or more days have P(alive) below one half, customers who "
        "used to buy regularly and have been silent for longer than their own rhythm, the ones to win back (or "
        "write off) first (column win_back of the analyst's file)"
    )


def lost_value(clv_total: str, past_total: str, clv_above_past: bool, n: int) -> str:
    """RFM's lost customers against the model's value of them: predicted CLV beside their whole past revenue."""
    if n == 0:
        return ""
    head = (f"the {plural(n, 'customer')} RFM calls lost carry {clv_total} of predicted CLV, against {past_total} of "
            "revenue in their whole past")  # fmt: skip
    if clv_above_past:
        return sentence(f"{head}: the model expects more from them than they ever spent, so it does not see them as "
                        "lost; trust the label (their recency) over the model's value for them")  # fmt: skip
    return sentence(f"{head}: the model, too, expects little of them")


#: Exercise 1: a largest segment at least this share of the customers holds "most" of them ...
MOST = 0.5
#: ... and one larger (or smaller) by at least this many points of share is "clearly" larger (smaller).
CLEARLY = 0.05


def largest_without_log(with_log: float, without_log: float) -> str:
    """Exercise 1: how large the largest segment is without the log, against with it (thresholds MOST, CLEARLY)."""
    head = f"without the log the largest segment holds {fmt.share(without_log)} of the customers (with it: {fmt.share(with_log)})"
    gap = without_log - with_log
    if without_log >= MOST and gap >= CLEARLY:
        return sentence(f"{head}: a few very large customers sit far from everyone else, k-means spends clusters on "
                        "them and lumps most of the rest into one segment")  # fmt: skip
    if gap >= CLEARLY:
        return sentence(f"{head}: larger by {gap * 100:.1f} percentage points, though not a majority: "
                        "without the log the far-out large customers draw some centres towards them, leaving fewer, "
                        "larger groups for the bulk")  # fmt: skip
    if gap <= -CLEARLY:
        return sentence(f"{head}: here the largest segment is smaller without the log; the raw features happen to "
                        "split the bulk of customers more finely")  # fmt: skip
    return sentence(f"{head}: about the same size either way; on these data the log moves the borders between "
                    "segments more than it changes their sizes")  # fmt: skip


def top_frequency_group(group: int, actual: float, predicted: float) -> str:
    """Exercise 3: the model against the heaviest buyers of the calibration period."""
    head = f"in the group {group} or more, customers made {fmt.number(actual)} purchase days each in the holdout; the model predicted {fmt.number(predicted)}"
    if actual == 0:
        return sentence(f"{head}: nobody in the group bought in the holdout, so the model over-predicts them; a "
                        "constant purchase rate cannot see heavy buyers stop")  # fmt: skip
    if abs(predicted / actual - 1) <= ACCURATE:
        return sentence(f"{head}: about right for the heaviest buyers")
    direction = "over-predicts" if predicted > actual else "under-predicts"
    return sentence(
        f"{head}: the model {direction} the heaviest buyers by {fmt.share(abs(predicted / actual - 1))}. It gives each "
        "customer one constant rate, so a heavy buyer who "
        + ("slowed down" if predicted > actual else "bought even more")
        + " after the calibration end shows up as this gap"
    )




def call_first(n_candidates: int, value: str = "revenue") -> str:
    """Exercise 2: how many repeat buyers the model believes are gone (P(alive) below one half); ``value`` is
    what past value is measured in (``revenue``, or ``orders`` for data without prices)."""
    past = f"past {value}" if value == "revenue" else "most past orders"
    if n_candidates == 0:
        return sentence("on this run no repeat buyer has P(alive) below 0.5, so the list is empty: rank the customers "
                        f"to call by recency and {past} instead")  # fmt: skip
    return sentence(f"on this run {plural(n_candidates, 'repeat buyer')} have P(alive) below 0.5; the hidden cell "
                    f"lists the {'ten' if n_candidates >= 10 else fmt.count(n_candidates)} with the {'highest ' * (value == 'revenue')}{past}")  # fmt: skip


def truth(match: dict[str, float] | None, errors: dict[str, float] | None) -> str:
    """The truth section's text, built from the comparison's numbers (``None``: not the built-in shop)."""
    if match is None or errors is None:
        return ("This run is not on the built-in shop, so there is no planted truth to compare with. Run the chapter "
                "with data: shop to see the comparison.")  # fmt: skip
    true_k = (
        "the chapter's k is the true number of personas"
        if match["k"] == match["n_personas"]
        else f"k-means told the true number of personas (k = {match['n_personas']}) reaches "
        f"{fmt.number(match['persona_ari_true_k'])}"
    )
    return (
        f"The {match['k']} segments against the {match['n_personas']} planted personas: adjusted Rand index "
        f"{fmt.number(match['persona_ari'])}; {true_k}. The segments follow the personas only as far as the "
        "personas differ in recency, frequency and spend; tenure, which all personas share, blurs them.\n\n"
        f"Fitted per persona (the table of planted and fitted values), the BG/NBD recovers the mean purchase rate r/α "
        f"within {fmt.share(errors['rate_error_max'], 0)} of the planted value and the mean dropout probability "
        f"a/(a+b) within {fmt.share(errors['drop_error_max'], 0)}; the Gamma-Gamma mean spend κγ/(η−1) is within "
        f"{fmt.share(errors['spend_error_max'], 0)} of the planted mean. r and α separately, and κ and η separately, "
        "need many more customers to pin down; fitted on one homogeneous persona the models work, a reason to fit "
        "CLV models per segment rather than on a mixture."
    )


def skew(raw: float, after: float, feature: str = "monetary value") -> str:
    """What the log and standardisation did to the skewness of ``feature`` (monetary value; frequency for data
    without prices)."""
    if abs(after) < abs(raw):
        return sentence(f"the skewness of {feature} drops from {fmt.number(raw)} to {fmt.number(after)}")
    what = "amounts" if feature == "monetary value" else "counts"
    return sentence(f"the skewness of {feature} does not drop ({fmt.number(raw)} before, {fmt.number(after)} "
                    f"after): these {what} have no long right tail for the log to tame")  # fmt: skip


def without_prices(has_money: bool) -> str:
    """What the chapter does on data without unit prices (empty when the data have them)."""
    if has_money:
        return ""
    return (
        "**These data have no unit prices** (the column mapping leaves out `unit_price`), so no customer has a "
        "monetary value. The chapter runs on what the data hold: the features are recency, frequency and tenure; "
        "RFM scores are R and F only (the rules that need an M score drop out); segments and value tiers are "
        "valued by their orders instead of their revenue; and the CLV section fits the BG/NBD alone, giving "
        "expected purchase days and P(alive) but no value in money (the Gamma-Gamma spend model needs prices)."
    )


def no_spend_model() -> str:
    """The spend sections on data without prices."""
    return sentence("these data have no prices, so there is no spend to model: the Gamma-Gamma model is not fitted")


def no_spend_check() -> str:
    """The check of the Gamma-Gamma assumption on data without prices."""
    return sentence("without prices there is no spend, so there is nothing to check here")


#: The glued findings, in order, that make the chapter's "What this run found".
SUMMARY: tuple[str, ...] = (
    "rfm_finding",
    "k_finding",
    "stability_finding",
    "dbscan_finding",
    "tier_finding",
    "dropout_finding",
    "boundary_finding",
    "spend_finding",
    "holdout_finding",
    "holdout_cause_finding",
    "excluded_finding",
    "lost_alive_finding",
    "lost_rhythm_finding",
    "lost_value_finding",
    "win_back_finding",
)


#: A segment whose revenue share is within this factor of its customer share brings "about its share" (Exercise 2.1).
FAIR_SHARE = 0.2


def largest_rfm_segment(name: str, share_customers: float, share_revenue: float, value: str = "revenue") -> str:
    """Exercise 2.1: the RFM segment with the most customers, and whether it brings more or less than its share
    (of the revenue, or of the ``orders`` for data without prices)."""
    head = (f"the largest RFM segment is {name}, with {fmt.share(share_customers)} of the customers and "
            f"{fmt.share(share_revenue)} of the {value}")  # fmt: skip
    if share_customers <= 0:
        return sentence(f"{head}")
    ratio = share_revenue / share_customers
    verb = "spend" if value == "revenue" else "buy"
    if abs(ratio - 1) <= FAIR_SHARE:
        return sentence(f"{head}: about its share, so its customers {verb} like the average customer")
    more = ratio > 1
    return sentence(
        f"{head}: {fmt.number(ratio)} times its share of the customers, so its customers {verb} "
        + (f"more than the average customer: the base of the {value}" if more
           else f"less than the average customer: many customers, little of the {value}")
    )  # fmt: skip
