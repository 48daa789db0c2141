"""Worded findings of the Risk chapter: each function takes the run's numbers and returns one sentence.

Thresholds are the named constants below; the tests feed each function numbers
on both sides of them. Numbers are written with :mod:`analysis.fmt`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from analysis import fmt
from analysis.chapters._claims import Claim, FoldSpread, Relative, Scale, at_scale, compared
from analysis.chapters._findings import join_words, plural
from analysis.data.labelled import CODE_LEVELS

__all__ = [
    "AGREE", "BETTER_BRIER", "FLAT_PDP", "MIN_LEVEL_CASES", "CODE_LEVELS", "CLOSE_TO_BAYES", "GROUP_GAP", "GROUP_SE", "OFF_RATE", "WEAK_LIFT", "WEAK_PR", "pr_vs_floor", "RARE", "SAME_RANKING", "SUMMARY", "TIED", "TIE_VALUE", "SMALL_SAVING", "WEAK_SKILL", "balance", "best_model",
    "calibration", "code_like", "columns_read", "cost_threshold", "flat_pdp", "importance_agrees", "ex_dearer_miss", "ex_dearer_offer", "ex_drop_feature", "ex_gradient_descent", "ex_recall",
    "group_check", "imbalance", "policies", "sensitive_found", "tied_value", "value_curve", "newton", "offer_value", "p_alive_baseline", "review", "strongest", "takeaway", "truth",
]  # fmt: skip

#: A positive share below this is "rare": precision-recall is then the curve to read.
RARE = 0.1
#: Newton's and scikit-learn's coefficients "agree" when no coefficient differs by more than this.
AGREE = 1e-4
#: Two models are "tied" when their mean AUCs differ by less than this many fold standard deviations.
TIED = 1.0
#: Two ROC AUCs closer than this rank "about the same".
SAME_RANKING = 0.01
#: Recalibration "lowers" the Brier score only when it cuts it by more than this share.
BETTER_BRIER = 0.01
#: A mean score off the observed rate by more than this share of the rarer outcome's rate (either way) has "moved".
OFF_RATE = 0.2
#: A Brier skill score (1 - Brier / the base rate's Brier) below this "hardly beats knowing only the base rate".
WEAK_SKILL = 0.05
#: The Brier skill score's one scale: below WEAK_SKILL the model "hardly beats knowing only the base rate".
SKILL = Scale("the Brier skill score", ((WEAK_SKILL, "beats the base rate"), (-math.inf, "hardly beats")))
#: A cheapest threshold that saves less than this share of the cost of flagging nothing "hardly pays".
SMALL_SAVING = 0.05
#: Two models' decisions within this share of each other's value are "a tie".
TIE_VALUE = 0.02
#: A model within this AUC of the Bayes score is "close to the best possible".
CLOSE_TO_BAYES = 0.01
#: Group gaps: a group whose mean score is off its observed rate by more than this share, and by more than
#: GROUP_SE binomial standard errors of that rate, is "miscalibrated".
GROUP_GAP = 0.05
GROUP_SE = 2.0

#: A numeric column with at most CODE_LEVELS distinct whole numbers (and more than two) may hold category codes
#: (the reader's own limit for the columns it reads as codes by their names).

#: The glued sentences that make "What this run found", in page order.
SUMMARY = ("balance_finding", "sensitive_finding", "best_finding", "calibration_finding", "imbalance_finding",
           "cost_finding", "problem_finding", "policy_finding", "group_finding", "truth_finding")  # fmt: skip


#: The one scale of "rare" for a positive share: below RARE the positives are rare, above 1 - RARE the negatives.
RARITY = Scale("the positive share", ((math.nextafter(1 - RARE, 2.0), "negatives rare"), (RARE, "not rare"),
                                      (-math.inf, "positives rare")))  # fmt: skip


def balance(positives: int, n: int, unit: str, label: str) -> str:
    share = positives / n
    head = f"{fmt.count(positives)} of {plural(n, unit)} ({fmt.share(share)}) are positive ({label})"
    at_scale("risk.balance_finding", "positive share", "the positives", share, RARITY,
             source="positive_share").check()  # fmt: skip
    if share < RARE:
        return head + ": a rare outcome, so a model that flags nobody is right " + fmt.share(1 - share) + \
            " of the time and accuracy says nothing; read the precision-recall curve and PR AUC."
    if share > 1 - RARE:
        return head + (f": the negatives are the rare outcome, so a model that flags everybody is right "
                       f"{fmt.share(share)} of the time and accuracy says nothing; PR AUC's floor is "
                       f"{fmt.share(share)}, so read it, and ROC AUC, against that.")  # fmt: skip
    return head + (f": not rare. A random score's PR AUC is the positive share, {fmt.share(share)}, not 0 or 0.5, so "
                   "read PR AUC against that floor.")


def code_like(X: pd.DataFrame, numeric: list[str]) -> list[str]:
    """The numeric columns of ``X`` that look like category codes: whole numbers, 3 to CODE_LEVELS distinct values."""
    out = []
    for name in numeric:
        values = X[name].dropna()
        distinct = values.nunique()
        if 2 < distinct <= CODE_LEVELS and bool((values % 1 == 0).all()):
            out.append(name)
    return out


def _names(columns: list[str], most: int = 8) -> str:
    shown = [fmt.escape(c, code=True) for c in columns[:most]]
    if len(columns) > most:
        shown.append(f"{len(columns) - most} more")
    return join_words(shown)


def columns_read(
    numeric: list[str], categorical: list[str], ids: list[str], codes: list[str], gaps: dict[str, int] | None = None,
    n: int = 0, found: list[str] | None = None,
) -> str:
    """How the table's columns were read: numbers, categories and ids (the sensitive attributes are
    :func:`sensitive_found`'s); how
    missing numbers are filled (``gaps``: column -> missing count of ``n`` cases); the whole numbers read as
    codes by their names (``found``); a hint when other numbers look like codes (``codes``)."""
    parts = []
    if numeric:
        parts.append(f"{plural(len(numeric), 'column')} as numbers ({_names(numeric)})")
    if categorical:
        parts.append(f"{plural(len(categorical), 'column')} as categories ({_names(categorical)})")
    text = f"The models read {join_words(parts)}."
    if found:
        text += (f" {_names(found)} {'has' if len(found) == 1 else 'have'} a few whole numbers under a name that "
                 "marks codes, so each value is a category of its own, measured against the most frequent one; list "
                 "an ordered one in `numeric_codes` to keep it a number.")  # fmt: skip
    if ids:
        text += f" Left out as row ids (a different value in nearly every row): {_names(ids)}."
    gaps = {k: v for k, v in (gaps or {}).items() if v}
    if gaps:
        worst = max(gaps, key=gaps.get)
        text += (f" {plural(len(gaps), 'numeric column')} {'has' if len(gaps) == 1 else 'have'} missing values "
                 f"(most: {fmt.escape(worst, code=True)}, {fmt.count(gaps[worst])} of {fmt.count(n)} cases); each model fills them with "
                 "the median of its training part. Missing categories count as a category of their own.")  # fmt: skip
    if codes:
        text += (f" {_names(codes)} {'has' if len(codes) == 1 else 'have'} only a few whole numbers: if these are "
                 "codes (1 = married, 2 = single) rather than amounts, list them in `categorical` so that each code "
                 "gets its own coefficient.")  # fmt: skip
    return text


def newton(max_diff: float, steps: int, grad_error: float) -> str:
    check = f"the analytic gradient matches central differences to {fmt.number(grad_error)}"
    if max_diff <= AGREE:
        return (f"Newton's method converged in {plural(steps, 'step')} to coefficients that agree with "
                f"scikit-learn's to within {fmt.number(max_diff)}; {check}.")  # fmt: skip
    return (f"Newton's method took {plural(steps, 'step')}; its coefficients differ from scikit-learn's by up to "
            f"{fmt.number(max_diff)} (scikit-learn stopped at its own tolerance); {check}.")  # fmt: skip


#: A category's value (or a flag's rarer side) held by fewer cases than this is not named the strongest effect.
MIN_LEVEL_CASES = 30
#: A partial dependence whose mean probability moves by less than this over its grid draws nothing.
FLAT_PDP = 1e-6


def strongest(feature: str, odds_ratio: float, kind: str, reference: str = "", cases: int = 0, n: int = 0) -> str:
    """``kind``: "number" (standardised), "flag" (a 0/1 column) or "category" (one value of a column, measured
    against the column's ``reference`` value); ``cases`` of ``n`` hold the value (a flag: its rarer side).
    Only values that at least MIN_LEVEL_CASES cases hold are ranked (the sentence says so)."""
    per = {"number": "per standard deviation", "flag": "for having it rather than not"}.get(
        kind, f"for this value rather than the reference value, {reference}" if reference else
        "for having this value rather than not")
    way = "multiplies" if odds_ratio >= 1 else "divides"
    factor = odds_ratio if odds_ratio >= 1 else 1 / odds_ratio
    text = (f"The strongest single effect is {fmt.escape(feature, code=True)}, which {way} the odds of the bad "
            f"outcome by {fmt.number(factor)} ({per})")  # fmt: skip
    if kind == "number" or not n:
        return text + "."
    held = "have it" if kind == "category" else "are on its rarer side"
    if cases < MIN_LEVEL_CASES:  # no value held by enough cases has a coefficient at all
        return text + (f"; only {fmt.count(cases)} of {plural(n, 'case')} {held}, fewer than "
                       f"{MIN_LEVEL_CASES}: too few to call any effect the strongest.")  # fmt: skip
    return text + (f"; {fmt.count(cases)} of {plural(n, 'case')} {held} (values that fewer than "
                   f"{MIN_LEVEL_CASES} cases hold are not ranked).")  # fmt: skip


def importance_agrees(column: str, rank: int | None, n_features: int, top: str) -> str:
    """Whether permutation importance agrees with section 2's strongest single effect (its column)."""
    name = fmt.escape(column, code=True)
    if rank == 1:
        return (f"Permutation importance agrees with section 2: {name}, the column of the strongest single "
                "effect, is also the most important feature here.")  # fmt: skip
    where = f"ranks {fmt.count(rank)} of {fmt.count(n_features)} here" if rank else "is not among the features here"
    return (f"Permutation importance does not agree with section 2's strongest single effect: its column {name} "
            f"{where}, behind {fmt.escape(top, code=True)} (an odds ratio compares one value with a reference in a "
            "linear model; importance is what the boosting model loses without the whole column).")  # fmt: skip


def flat_pdp(feature: str) -> str:
    return (f"The partial dependence on {fmt.escape(feature, code=True)} is flat (the boosting model's mean "
            "probability does not move over its values), so it is not drawn.")


def best_model(table: pd.DataFrame, diff_sd: float | None = None) -> str:
    """``table``: the comparison (model, auc, auc_sd) of the fitted models, best first; ``diff_sd``: the spread
    across folds of the fold-by-fold AUC difference between the first two (both scored on the same folds), the
    yardstick for "a clear winner" (the first model's own spread when not given)."""
    best, second = table.iloc[0], table.iloc[1]
    source = "the models' cross-validated comparison"
    Claim("risk.best_finding", "mean ROC AUC", "best", str(best["model"]),
          dict(zip(table["model"].astype(str), table["auc"])), source=source).check()  # fmt: skip
    gap = best["auc"] - second["auc"]
    head = f"The best mean ROC AUC is {fmt.number(best['auc'])} ({best['model']}, spread {fmt.number(best['auc_sd'])} across folds)"
    spread = best["auc_sd"] if diff_sd is None else diff_sd
    what = "that spread" if diff_sd is None else (
        f"the spread of the fold-by-fold difference, {fmt.number(diff_sd)}")
    words = {
        "ties": (f"; {second['model']} ({fmt.number(second['auc'])}) is behind by {fmt.number(gap)}, "
                 f"within {what}: no clear winner."),
        "beats": (f", clearly ahead of {second['model']} ({fmt.number(second['auc'])}): behind by "
                  f"{fmt.number(gap)}, more than {what}."),
    }  # fmt: skip
    tie = FoldSpread(TIED, "the fold spread")
    return head + compared("risk.best_finding", "mean ROC AUC", str(best["model"]), str(second["model"]),
                           best["auc"], second["auc"], tie, spread, source=source, words=words).say()  # fmt: skip


#: PR AUC is "barely above its floor" when it is under WEAK_LIFT times the floor *and* covers less than WEAK_PR
#: of the way from the floor to 1 (the first reading suits rare outcomes, the second common ones).
WEAK_PR = 0.1
WEAK_LIFT = 1.5


def pr_vs_floor(pr_auc: float, floor: float) -> str:
    """PR AUC against a random score's (the positive share)."""
    gain = (pr_auc - floor) / (1 - floor) if floor < 1 else 0.0
    lift = pr_auc / floor if floor > 0 else math.nan
    head = (f"The best model's PR AUC is {fmt.number(pr_auc)} against {fmt.number(floor)} for a random score (the positive "
            f"share): {fmt.number(lift)} times that floor, {fmt.share(gain)} of the way from it to a perfect 1")
    if gain < WEAK_PR and lift < WEAK_LIFT:
        return head + ", barely above the floor."
    return head + "."


def calibration(brier: float, platt: float, isotonic: float, model: str, rate: float | None = None) -> str:
    """``rate``: the positive share; a constant score at it gets the Brier score ``rate (1 - rate)``, the yardstick
    of a score that knows nothing about the cases."""
    best = min(platt, isotonic)
    name = "Platt scaling" if platt <= isotonic else "isotonic regression"
    brier_scores = {"Platt scaling": platt, "isotonic regression": isotonic}
    Claim("risk.calibration_finding", "Brier score", "best", name, brier_scores, higher_is_better=False,
          source="the calibration table").check()  # fmt: skip
    lowers = best < (1 - BETTER_BRIER) * brier
    worse = not lowers and best > (1 + BETTER_BRIER) * brier
    if math.isfinite(best) and brier > 0:
        Claim("risk.calibration_finding", "Brier score", "below" if lowers else "above" if worse else "within",
              name, {name: best, model: brier}, model, Relative(BETTER_BRIER, "BETTER_BRIER"), brier,
              source="the calibration table").check()  # fmt: skip
    floor = ""
    if rate is not None:
        base = rate * (1 - rate)
        skill = 1 - brier / base if base > 0 else math.nan
        if math.isfinite(skill):
            at_scale("risk.calibration_finding", "Brier skill score", "the model", skill, SKILL,
                     source="the calibration table").check()  # fmt: skip
        floor = (f" A constant score at the positive share would get {fmt.number(base, 4)}, so the model's Brier "
                 f"skill score, 1 - {fmt.number(brier, 4)} / {fmt.number(base, 4)}, is {fmt.number(skill)}"
                 + (": it hardly beats knowing only the base rate." if skill < WEAK_SKILL else ".")
                 )  # fmt: skip
    if best < (1 - BETTER_BRIER) * brier:
        return (f"Recalibrating the scores of {model} lowers the Brier score from {fmt.number(brier, 4)} to "
                f"{fmt.number(best, 4)} ({name}).") + floor  # fmt: skip
    if worse:
        return (f"The scores of {model} are better calibrated than the recalibrated ones: Brier "
                f"{fmt.number(brier, 4)} against {fmt.number(best, 4)} at best ({name}).") + floor  # fmt: skip
    return (f"The scores of {model} are already about as well calibrated as the recalibrated ones: Brier "
            f"{fmt.number(brier, 4)} against {fmt.number(best, 4)} at best ({name}).") + floor  # fmt: skip


def imbalance(table: pd.DataFrame, rate: float, auc_diff_sd: float) -> str:
    """``table`` indexed by plain / weighted / undersampled with auc and mean_score; ``auc_diff_sd``: the spread
    across the same folds of the weighted minus plain ROC AUC (a paired comparison)."""
    plain, weighted = table.loc["plain"], table.loc["weighted"]
    diff = weighted["auc"] - plain["auc"]
    same = fmt.number(plain["auc"], 3) == fmt.number(weighted["auc"], 3)
    ranking = (f"Class weights leave ROC AUC at {fmt.number(plain['auc'])}" if same else
               f"Class weights move ROC AUC from {fmt.number(plain['auc'])} to {fmt.number(weighted['auc'])}")
    auc = {"weighted": weighted["auc"], "plain": plain["auc"]}
    source = "the class-imbalance table (plain, weighted, undersampled)"
    if abs(diff) < SAME_RANKING:
        ranking += Claim("risk.imbalance_finding", "mean ROC AUC", "within", "weighted", auc, "plain",
                         Relative(SAME_RANKING, "SAME_RANKING"), 1.0, source=source,
                         words={"within": ", so the ranking barely depends on them"}).say()  # fmt: skip
    else:
        words = {"ties": (f", a change within its spread across the same folds ({fmt.number(auc_diff_sd)}): "
                          "no clear change in the ranking"),
                 "beats": (f", more than its spread across the same folds ({fmt.number(auc_diff_sd)}): a real "
                           "change in the ranking on these data")}  # fmt: skip
        ranking += compared("risk.imbalance_finding", "mean ROC AUC", "weighted", "plain", auc["weighted"],
                            auc["plain"], FoldSpread(TIED), auc_diff_sd, source=source, words=words).say()  # fmt: skip
    mean = weighted["mean_score"]
    if abs(mean - rate) > OFF_RATE * min(rate, 1 - rate):
        way = "rises" if mean > rate else "falls"
        return (ranking + f", but the mean score {way} to {fmt.share(mean)} against an observed rate of "
                f"{fmt.share(rate)}: weighted scores are not probabilities until recalibrated.")  # fmt: skip
    return (ranking + f"; the weighted model's mean score, {fmt.share(mean)}, stays near the observed rate "
            f"({fmt.share(rate)}) on these data.")  # fmt: skip


def cost_threshold(best_t: float, best_cost: float, theory_t: float, theory_cost: float, none_cost: float) -> str:
    if not math.isfinite(best_t):
        return (f"Flagging nothing is cheapest on these data ({fmt.number(none_cost)} cost units per case, in the units of `cost_fp` and `cost_fn`): no score singles out "
                f"cases bad enough to pay for the false alarms; the threshold from the costs alone, "
                f"{fmt.number(theory_t)}, costs {fmt.number(theory_cost)}.")  # fmt: skip
    text = (f"Flagging every case scoring at least {fmt.number(best_t)} gives the lowest mean cost on these data, "
            f"{fmt.number(best_cost)} cost units per case (the units of `cost_fp` and `cost_fn`), against {fmt.number(none_cost)} when nothing is flagged; the "
            f"threshold from the costs alone, {fmt.number(theory_t)}, costs {fmt.number(theory_cost)}.")  # fmt: skip
    saving = 1 - best_cost / none_cost if none_cost > 0 else math.nan
    if saving < SMALL_SAVING:
        text += (f" That is only {fmt.share(saving)} below flagging nothing: on these data the scores hardly pay "
                 "for the decision.")  # fmt: skip
    return text


def review(reviewed: int, precision: float, recall: float, base_rate: float, share: float) -> str:
    lift = precision / base_rate if base_rate else math.nan
    return (f"Reviewing the top {fmt.share(share)} of orders ({fmt.count(reviewed)}) finds fraud in "
            f"{fmt.share(precision)} of them, {fmt.number(lift)} times the base rate, and catches "
            f"{fmt.share(recall)} of all fraud.")  # fmt: skip


def offer_value(deciles: pd.DataFrame, offered: int, n: int, total: float, currency: str) -> str:
    """``offered`` of ``n`` customers get the offer (a positive expected value by the model's score), which
    realised ``total`` on the labels; ``deciles``: by score decile, with the offers and what they realised."""
    if offered == 0:
        return ("No customer has a positive expected value at this offer cost, success rate and margin: an "
                "offer costs more than the value it is expected to keep, so the file sends none.")  # fmt: skip
    head = (f"By the model's own expectation the offer pays for {fmt.count(offered)} of {plural(n, 'customer')} "
            f"({fmt.share(offered / n)}), and the file sends it to them; on what happened it realised "
            f"{fmt.money(total, currency)}")
    losing = deciles[(deciles["offers"] > 0) & (deciles["realised value"] < 0)]
    if total <= 0:
        return head + ": the offers cost more than they kept."
    if len(losing):
        return head + (f", though in {plural(len(losing), 'score decile')} the offers sent lost money "
                       "(the table).")  # fmt: skip
    return head + "."


def p_alive_baseline(auc_model: float, auc_alive: float | None, diff_sd: float | None = None) -> str:
    """The model's ROC AUC against the BG/NBD's (a label-free baseline), the lead judged by the spread of the
    fold-by-fold difference (``diff_sd``; both are scored on the same folds), or without it by the page's
    stated tolerance for ROC AUC (:data:`SAME_RANKING`)."""
    if auc_alive is None or math.isnan(auc_alive):
        return "The BG/NBD baseline could not be fitted (fewer than ten repeat customers before the cut-off)."
    if diff_sd is not None and not math.isnan(diff_sd):
        rule, yardstick = FoldSpread(TIED), float(diff_sd)
        spread = f"the spread of the fold-by-fold difference, {fmt.number(diff_sd)}"
    else:
        rule, yardstick = Relative(SAME_RANKING, "SAME_RANKING"), 1.0
        spread = f"the page's tolerance for ROC AUC, {fmt.number(SAME_RANKING)}"
    model, alive = "the model's churn score", "the BG/NBD's probability of no purchase"
    words = {
        "ties": (f"The model's churn score (ROC AUC {fmt.number(auc_model)}) and the BG/NBD's probability of no "
                 f"purchase in the window ({fmt.number(auc_alive)}), which uses only frequency and recency and no "
                 f"label, rank customers about as well: the difference is within {spread}."),
    }  # fmt: skip
    claim = compared("risk.problem_finding", "ROC AUC", model, alive, auc_model, auc_alive, rule, yardstick,
                     source="the churn models' cross-validated comparison", words=words)  # fmt: skip
    if claim.relation == "beats" and claim.subject == model:
        words["beats"] = (f"The model's churn score (ROC AUC {fmt.number(auc_model)}) ranks customers better than "
                          f"the BG/NBD's probability of no purchase in the window ({fmt.number(auc_alive)}), which "
                          f"uses only frequency and recency and no label; the lead is more than {spread}.")  # fmt: skip
    elif claim.relation == "beats":
        words["beats"] = (f"The BG/NBD's probability of no purchase in the window ranks customers better than the "
                          f"model ({fmt.number(auc_alive)} against {fmt.number(auc_model)}), without any label, by "
                          f"more than {spread}: the extra features add nothing here.")  # fmt: skip
    return replace(claim, words=words).say()


def group_check(table: pd.DataFrame | None, column: str = "") -> str:
    """``table``: the check by group (attribute, group, cases, flagged, bad_accepted, observed, predicted, auc);
    miscalibrated: a gap above GROUP_GAP and above GROUP_SE binomial standard errors of the group's rate; per
    attribute, the range of the flag rates at the file's threshold."""
    if table is None or table.empty:
        return ("These data name no sensitive attribute, so the scores are not checked by group (list columns in "
                "`sensitive` to check them).")  # fmt: skip
    if "attribute" not in table:
        table = table.assign(attribute=column)
    texts = []
    for name, part in table.groupby("attribute", sort=False):
        if "flagged" in part and len(part) > 1:
            lo, hi = part["flagged"].idxmin(), part["flagged"].idxmax()
            texts.append(f"By {fmt.escape(name, code=True)}, the share flagged ranges from "
                         f"{fmt.share(part.loc[lo, 'flagged'])} ({fmt.escape(part.loc[lo, 'group'])}, "
                         f"{fmt.count(part.loc[lo, 'cases'])} cases) to {fmt.share(part.loc[hi, 'flagged'])} "
                         f"({fmt.escape(part.loc[hi, 'group'])}, {fmt.count(part.loc[hi, 'cases'])} cases).")
    gap = (table["predicted"] - table["observed"]).abs()
    se = (table["observed"] * (1 - table["observed"]) / table["cases"]).pow(0.5)
    off = (gap > GROUP_GAP) & (gap > GROUP_SE * se)
    if off.any():
        i = (gap / se.where(se > 0)).where(off).fillna(gap.where(off)).idxmax()
        w = table.loc[i]
        texts.append(
            f"By {fmt.escape(w['attribute'], code=True)}, the group {fmt.escape(w['group'])} ({fmt.count(w['cases'])} cases) is scored at "
            f"{fmt.share(w['predicted'])} on average but {fmt.share(w['observed'])} of it are positive, more than "
            f"{fmt.number(GROUP_SE)} binomial standard errors ({fmt.points(se[i])} each) apart: the scores are "
            "miscalibrated for it.")  # fmt: skip
    else:
        worst = gap.idxmax()
        texts.append(
            f"No group's mean score is off its observed rate by more than both {fmt.points(GROUP_GAP)} "
            f"and {fmt.number(GROUP_SE)} binomial standard errors (largest gap {fmt.points(gap[worst])}, group "
            f"{fmt.escape(table.loc[worst, 'group'])} of {fmt.escape(table.loc[worst, 'attribute'], code=True)}, "
            f"{fmt.count(table.loc[worst, 'cases'])} cases).")  # fmt: skip
    return " ".join(texts)


def truth(gaps: dict[str, float] | None, bayes_auc: float | None) -> str:
    if not gaps or bayes_auc is None:
        return ("These data have no planted model, so the best possible score is unknown; the cross-validated "
                "comparison of section 4 is the evidence.")  # fmt: skip
    best = min(gaps, key=gaps.get)
    Claim("risk.truth_finding", "ROC AUC below the planted model's", "best", best, dict(gaps), higher_is_better=False,
          source="the comparison with the planted model").check()  # fmt: skip
    head = f"The planted model's own probability reaches ROC AUC {fmt.number(bayes_auc)}; the best model here, {best}, "
    if gaps[best] < 0:
        return head + (f"is {fmt.number(-gaps[best])} above it on these cases: the Bayes score is the best on "
                       "average over samples, and on one sample a fitted model can beat it by chance.")  # fmt: skip
    close = gaps[best] <= CLOSE_TO_BAYES
    Claim("risk.truth_finding", "ROC AUC", "within" if close else "below", best,
          {best: bayes_auc - gaps[best], "the planted model": bayes_auc}, "the planted model",
          Relative(CLOSE_TO_BAYES, "CLOSE_TO_BAYES"), 1.0, source="the comparison with the planted model").check()
    verdict = "close to the best possible" if close else "short of the best possible"
    return head + f"is {fmt.number(gaps[best])} below it: {verdict}."


def takeaway(model: str, amount: float, churn: bool, currency: str,
             others: dict[str, float] | None = None, scale: float | None = None) -> str:  # fmt: skip
    """The model whose decision realised the most on the out-of-fold labels (churn: money, higher is better;
    otherwise the mean cost, lower is better); a tie with every other model (``others``: model -> value)
    within TIE_VALUE of ``scale`` (:func:`tied_value`; ``amount`` when not given)."""
    scale = abs(amount) if scale is None else scale
    source = "the models' decisions valued on the out-of-fold labels"
    Claim("risk.takeaway_finding", "realised value" if churn else "mean cost per case", "best", model,
          {model: amount, **(others or {})}, higher_is_better=churn, source=source).check()  # fmt: skip
    close = {m: v for m, v in (others or {}).items() if tied_value(v, amount, scale)}
    for m, v in close.items():
        Claim("risk.takeaway_finding", "realised value" if churn else "mean cost per case", "ties", m,
              {m: v, model: amount}, model, _TIE, scale, source=source).check()  # fmt: skip
    show = (lambda v: fmt.money(v, currency)) if churn else fmt.number
    if churn:
        head = (f"Judged on what happened, sending the offer by the scores of {model} realises the most among "
                f"the models, {fmt.money(amount, currency)} in all")  # fmt: skip
    else:
        head = (f"Judged on what happened, the cheapest decision among the models comes from {model}, at "
                f"{fmt.number(amount)} cost units per case (the units of `cost_fp` and `cost_fn`)")  # fmt: skip
    if not close:
        return head + "."
    names = join_words(f"{m} ({show(v)})" for m, v in close.items())
    verb = "comes" if len(close) == 1 else "come"
    return head + (f", but {names} {verb} within {fmt.share(TIE_VALUE)} of what perfect foresight would add to "
                   "the better of acting on nobody and on everybody: a tie on these data.")  # fmt: skip


def ex_recall(threshold: float, flagged: int, n: int, recall: float) -> str:
    """``threshold`` nan: the cases are the churn offer's (its expected value is positive), not a threshold's."""
    if math.isnan(threshold):
        return (f"The offer goes to {fmt.count(flagged)} of {fmt.count(n)} customers ({fmt.share(flagged / n)}), "
                f"and they hold {fmt.share(recall)} of the churners.")  # fmt: skip
    return (f"At the threshold {fmt.number(threshold)}, {fmt.count(flagged)} of {fmt.count(n)} cases are flagged "
            f"({fmt.share(flagged / n)}), and they hold {fmt.share(recall)} of the positives.")  # fmt: skip


def ex_dearer_offer(before: int, after: int, n: int) -> str:
    if after < before:
        return (f"At twice the offer cost, {fmt.count(after)} of {plural(n, 'customer')} still have a positive "
                f"expected value ({fmt.share(after / n)}), against {fmt.count(before)} before: the dearer offer "
                "goes only to those with more at stake or a higher score.")  # fmt: skip
    return (f"At twice the offer cost the same {fmt.count(after)} of {plural(n, 'customer')} still get the offer: "
            "their expected value covers the doubled cost.")  # fmt: skip


def ex_dearer_miss(old_t: float, new_t: float, old_share: float, new_share: float) -> str:
    if new_t < old_t:
        return (f"Doubling the cost of a miss lowers the cheapest threshold from {fmt.number(old_t)} to "
                f"{fmt.number(new_t)}: {fmt.share(new_share)} of cases are flagged instead of {fmt.share(old_share)}.")  # fmt: skip
    return (f"Doubling the cost of a miss leaves the cheapest threshold at {fmt.number(new_t)} (it was "
            f"{fmt.number(old_t)}): no score lies between, so the same cases are flagged.")  # fmt: skip


def ex_drop_feature(feature: str, auc_with: float, auc_without: float) -> str:
    lost = auc_with - auc_without
    if lost > 0:
        return (f"Without {fmt.escape(feature, code=True)}, logistic regression's ROC AUC falls from {fmt.number(auc_with)} to "
                f"{fmt.number(auc_without)}, a loss of {fmt.number(lost)}.")  # fmt: skip
    return (f"Without {fmt.escape(feature, code=True)}, logistic regression's ROC AUC is {fmt.number(auc_without)} against "
            f"{fmt.number(auc_with)} with it: the other features carry the same information for a linear model.")  # fmt: skip


def ex_gradient_descent(steps: int, gap: float, newton_steps: int) -> str:
    return (f"After {fmt.count(steps)} gradient steps the loss is still {fmt.number(gap)} above the minimum that "
            f"Newton's method reached in {plural(newton_steps, 'step')}: curvature is what Newton's step adds.")  # fmt: skip


def tied_value(a: float, b: float, scale: float) -> bool:
    """Two decisions' values are a tie when they differ by at most TIE_VALUE of ``scale`` (one tolerance for
    the whole table: the room between the better of acting on nobody and on everybody and perfect foresight)."""
    return _TIE.tie(a, b, scale)


#: The tie rule of the decisions' values: TIE_VALUE of the room perfect foresight would add (the claim's spread).
_TIE = Relative(TIE_VALUE, "TIE_VALUE of what perfect foresight would add")


def _policy_amount(value: float, money: bool, currency: str) -> str:
    return fmt.money(value, currency) if money else f"{fmt.number(-value)} cost units per case"


def policies(table: pd.DataFrame, fitted: list[str], baselines: list[str], none: str, every: str, money: bool,
             currency: str = "", assumptions: str = "", scale: float | None = None) -> str:
    """The decisions valued on the out-of-fold labels. ``table``: policy, value (higher is better: money
    realised, or minus the mean cost), best first; ``fitted``: the models' policies; ``baselines``: scores
    without a fitted model (the BG/NBD's, the planted Bayes score's); ``none`` and ``every``: acting on
    nobody and on everybody; ``scale``: the room between the better of those two and perfect foresight (the
    largest value in size when not given). A model within TIE_VALUE of ``scale`` of acting on nobody or on
    everybody adds nothing."""
    values = dict(zip(table["policy"], table["value"]))
    if scale is None:
        scale = float(table["value"].abs().max())
    scale = scale or 1.0
    ranked = [p for p in table["policy"] if p in fitted]
    top = ranked[0]
    amount = values[top]
    source, measure = "the policies' table (valued on the out-of-fold labels)", "value of the decision"

    def claim(relation: str, subject: str, other: str = "") -> None:
        numbers = {p: values[p] for p in fitted} if relation == "best" else {subject: values[subject],
                                                                            other: values[other]}  # fmt: skip
        Claim("risk.policy_finding", measure, relation, subject, numbers, other, _TIE, scale,
              source=source).check()  # fmt: skip

    claim("best", top)
    show = lambda v: _policy_amount(v, money, currency)  # noqa: E731
    head = (f"{assumptions} " if assumptions else "") + (
        f"Judged on what happened (the out-of-fold labels), the best model's decision is that of {top}, "
        f"{show(amount)}, against {show(values[none])} for {none} and {show(values[every])} for {every}")
    near = [p for p in (none, every) if tied_value(amount, values[p], scale)]
    for p in near:
        claim("ties", top, p)
    if near:
        text = head + (f": within {fmt.share(TIE_VALUE)} of what perfect foresight would add to the better of "
                       f"the two, a tie with {join_words(near)}, so no model adds anything here.")  # fmt: skip
    elif amount < max(values[none], values[every]):
        better = none if values[none] >= values[every] else every
        claim("beats", better, top)
        text = head + f": {better} does better, so on these data no model's decision pays."
    else:
        better = none if values[none] >= values[every] else every
        lead = amount - values[better]
        claim("beats", top, better)
        shown = fmt.money(lead, currency) if money else f"{fmt.number(lead)} cost units per case"
        text = head + (f": a lead of {shown} over {better}, {fmt.share(lead / scale)} of what perfect foresight "
                       "would add to it.")  # fmt: skip
    others = [p for p in ranked[1:] if tied_value(amount, values[p], scale)]
    for p in others:
        claim("ties", p, top)
    if others:
        names = join_words(others)
        text += (f" {names[:1].upper() + names[1:]} {'comes' if len(others) == 1 else 'come'} within the same "
                 f"{fmt.share(TIE_VALUE)}: a tie.")  # fmt: skip
    for base in baselines:
        if base in values and values[base] > amount and not tied_value(amount, values[base], scale):
            claim("beats", base, top)
            text += f" The {base} does better than every model ({show(values[base])})."
    return text


def value_curve(best_share: float, best_value: float, file_share: float, file_value: float, currency: str) -> str:
    """The offer's realised value as it goes to more customers, highest expected value first."""
    head = (f"Offering to the customers with the highest expected value first, the realised value peaks at "
            f"{fmt.money(best_value, currency)} when {fmt.share(best_share)} of them get the offer; the rule "
            f"(offer where the expected value is positive) sends it to {fmt.share(file_share)} and realises "
            f"{fmt.money(file_value, currency)}")  # fmt: skip
    if best_value <= 0:
        return head + ": on these data no set of offers pays for itself."
    return head + "."


def sensitive_found(found: dict[str, str], left_out: list[str], given: list[str] | None, unit: str = "case") -> str:
    """What the chapter found and left out. ``found``: column -> kind (by name or the layout's documentation);
    ``left_out``: the columns kept out of the models; ``given``: the parameter ``sensitive`` (None: not set)."""
    def names(cols):
        return join_words(fmt.escape(c, code=True) for c in cols)

    if given is not None and not given:
        head = ("`sensitive` is the empty list, so every column is a feature, protected or not" +
                (f"; the check by group still reads {names(found)}." if found else "."))  # fmt: skip
        return head
    if given:
        return (f"`sensitive` lists {names(given)}: left out of every model and checked by group (section 7)."
                + (f" Found by name but not listed, so kept as features: {names([c for c in found if c not in given])}."
                   if [c for c in found if c not in given] else ""))  # fmt: skip
    if not found:
        return ("No column's name marks a protected attribute (sex or gender, marital status, race or ethnicity, "
                "religion, national origin) or age, so nothing is left out and there is no check by group; "
                "list such columns in `sensitive` if the names hide them.")  # fmt: skip
    parts = [f"{fmt.escape(c, code=True)} ({k})" for c, k in found.items()]
    text = f"The chapter found {join_words(parts)}."
    if left_out:
        text += f" Left out of every model, kept for the check by group and the audit columns of the file: {names(left_out)}."
    ages = [c for c, k in found.items() if k == "age" and c not in left_out]
    if ages:
        text += (f" {names(ages)} stays a feature and is checked by group: lending rules such as the Equal Credit "
                 "Opportunity Act allow age in an empirically sound scoring system provided older "
                 f"{unit}s are not scored down for it; to leave it out, list it in `sensitive` with the others.")
    return text
