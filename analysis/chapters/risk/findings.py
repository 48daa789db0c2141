"""Worded findings of the Risk chapter: each function takes the run's numbers and returns one sentence.

Thresholds are the named constants below; the tests feed each function numbers
on both sides of them. Numbers are written with :mod:`analysis.fmt`.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis import fmt
from analysis.chapters._findings import join_words, plural

__all__ = [
    "AGREE", "BETTER_BRIER", "CHURN_DECIDES", "CODE_LEVELS", "CLOSE_TO_BAYES", "GROUP_GAP", "GROUP_SE", "OFF_RATE", "WEAK_LIFT", "WEAK_PR", "pr_vs_floor", "RARE", "SAME_RANKING", "SUMMARY", "TIED", "TIE_VALUE", "SMALL_SAVING", "WEAK_SKILL", "balance", "best_model",
    "calibration", "code_like", "columns_read", "cost_threshold", "ex_dearer_miss", "ex_dearer_offer", "ex_drop_feature", "ex_gradient_descent", "ex_recall",
    "group_check", "imbalance", "newton", "offer_value", "p_alive_baseline", "review", "strongest", "takeaway", "truth",
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

#: A numeric column with at most this many distinct whole numbers (and more than two) may hold category codes.
CODE_LEVELS = 12

#: The glued sentences that make "What this run found", in page order.
SUMMARY = ("balance_finding", "best_finding", "calibration_finding", "imbalance_finding", "cost_finding",
           "problem_finding", "group_finding", "truth_finding")  # fmt: skip


def balance(positives: int, n: int, unit: str, label: str) -> str:
    share = positives / n
    head = f"{fmt.count(positives)} of {plural(n, unit)} ({fmt.share(share)}) are positive ({label})"
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
    numeric: list[str], categorical: list[str], ids: list[str], codes: list[str], left_out: str = "",
    gaps: dict[str, int] | None = None, n: int = 0,
) -> str:
    """How the table's columns were read: numbers, categories, ids and the sensitive attribute left out; how
    missing numbers are filled (``gaps``: column -> missing count of ``n`` cases); a hint when numbers look
    like codes."""
    parts = []
    if numeric:
        parts.append(f"{plural(len(numeric), 'column')} as numbers ({_names(numeric)})")
    if categorical:
        parts.append(f"{plural(len(categorical), 'column')} as categories ({_names(categorical)})")
    text = f"The models read {join_words(parts)}."
    if ids:
        text += f" Left out as row ids (a different value in nearly every row): {_names(ids)}."
    if left_out:
        text += f" {fmt.escape(left_out, code=True)} is kept out of the models, for the check by group (section 7)."
    gaps = {k: v for k, v in (gaps or {}).items() if v}
    if gaps:
        worst = max(gaps, key=gaps.get)
        text += (f" {plural(len(gaps), 'numeric column')} {'has' if len(gaps) == 1 else 'have'} missing values "
                 f"(most: {fmt.escape(worst, code=True)}, {fmt.count(gaps[worst])} of {fmt.count(n)} cases); each model fills them with "
                 "the median of its training part. Missing categories count as a category of their own.")  # fmt: skip
    if codes:
        text += (f" {_names(codes)} {'holds' if len(codes) == 1 else 'hold'} only a few whole numbers: if these are "
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


def strongest(feature: str, odds_ratio: float, kind: str, reference: str = "") -> str:
    """``kind``: "number" (standardised), "flag" (a 0/1 column) or "category" (one value of a column, measured
    against the column's ``reference`` value)."""
    per = {"number": "per standard deviation", "flag": "for having it rather than not"}.get(
        kind, f"for this value rather than the reference value, {reference}" if reference else
        "for having this value rather than not")
    way = "multiplies" if odds_ratio >= 1 else "divides"
    factor = odds_ratio if odds_ratio >= 1 else 1 / odds_ratio
    return f"The strongest single effect is {fmt.escape(feature, code=True)}, which {way} the odds of the bad outcome by {fmt.number(factor)} ({per})."


def best_model(table: pd.DataFrame, diff_sd: float | None = None) -> str:
    """``table``: the comparison (model, auc, auc_sd) of the fitted models, best first; ``diff_sd``: the spread
    across folds of the fold-by-fold AUC difference between the first two (both scored on the same folds), the
    yardstick for "a clear winner" (the first model's own spread when not given)."""
    best, second = table.iloc[0], table.iloc[1]
    gap = best["auc"] - second["auc"]
    head = f"The best mean ROC AUC is {fmt.number(best['auc'])} ({best['model']}, spread {fmt.number(best['auc_sd'])} across folds)"
    spread = best["auc_sd"] if diff_sd is None else diff_sd
    what = "that spread" if diff_sd is None else (
        f"the spread of the fold-by-fold difference, {fmt.number(diff_sd)}")
    if gap < TIED * spread:
        return head + (f"; {second['model']} ({fmt.number(second['auc'])}) is behind by {fmt.number(gap)}, "
                       f"within {what}: no clear winner.")  # fmt: skip
    return head + (f", clearly ahead of {second['model']} ({fmt.number(second['auc'])}): behind by "
                   f"{fmt.number(gap)}, more than {what}.")  # fmt: skip


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
    floor = ""
    if rate is not None:
        base = rate * (1 - rate)
        skill = 1 - brier / base if base > 0 else math.nan
        floor = (f" A constant score at the positive share would get {fmt.number(base, 4)}, so the model's Brier "
                 f"skill score, 1 - {fmt.number(brier, 4)} / {fmt.number(base, 4)}, is {fmt.number(skill)}"
                 + (": it hardly beats knowing only the base rate." if skill < WEAK_SKILL else ".")
                 )  # fmt: skip
    if best < (1 - BETTER_BRIER) * brier:
        return (f"Recalibrating the scores of {model} lowers the Brier score from {fmt.number(brier, 4)} to "
                f"{fmt.number(best, 4)} ({name}).") + floor  # fmt: skip
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
    if abs(diff) < SAME_RANKING:
        ranking += ", so the ranking barely depends on them"
    elif abs(diff) <= TIED * auc_diff_sd:
        ranking += (f", a change within its spread across the same folds ({fmt.number(auc_diff_sd)}): "
                    "no clear change in the ranking")  # fmt: skip
    else:
        ranking += (f", more than its spread across the same folds ({fmt.number(auc_diff_sd)}): a real change in "
                    "the ranking on these data")  # fmt: skip
    mean = weighted["mean_score"]
    if abs(mean - rate) > OFF_RATE * min(rate, 1 - rate):
        way = "rises" if mean > rate else "falls"
        return (ranking + f", but the mean score {way} to {fmt.share(mean)} against an observed rate of "
                f"{fmt.share(rate)}: weighted scores are not probabilities until recalibrated.")  # fmt: skip
    return (ranking + f"; the weighted model's mean score, {fmt.share(mean)}, stays near the observed rate "
            f"({fmt.share(rate)}) on these data.")  # fmt: skip


#: Churn: the cost matrix only illustrates the method; the decision is the offer's value in money.
CHURN_DECIDES = ("For churn this matrix (`cost_fp`, `cost_fn`, in no currency) only shows the method: the decision "
                 "and the scores file use the offer's expected value in money, below.")


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
    """``offered`` of ``n`` customers have a positive expected value (worth ``total``); ``deciles``: by score decile."""
    good = int((deciles["value_per_customer"] > 0).sum())
    if offered == 0:
        return ("No customer has a positive expected value at this offer cost and success rate: an offer "
                "costs more than the value it keeps, so the file sends none.")  # fmt: skip
    head = (f"The offer's expected value is positive for {fmt.count(offered)} of {plural(n, 'customer')} "
            f"({fmt.share(offered / n)}), worth {fmt.money(total, currency)} in all: the file sends it to them")
    if good == len(deciles):
        return head + "; on average it pays in every score decile."
    return head + (f". On average over a score decile it pays in {plural(good, 'decile')} of ten (the table); the "
                   "file decides customer by customer, by score and value at stake together.")


def p_alive_baseline(auc_model: float, auc_alive: float | None) -> str:
    if auc_alive is None or math.isnan(auc_alive):
        return "The BG/NBD baseline could not be fitted (fewer than ten repeat customers before the cut-off)."
    if auc_model > auc_alive:
        return (f"The model's churn score (ROC AUC {fmt.number(auc_model)}) ranks customers better than the "
                f"BG/NBD's probability of no purchase in the window ({fmt.number(auc_alive)}), which uses only "
                "frequency and recency and no label.")  # fmt: skip
    return (f"The BG/NBD's probability of no purchase in the window ranks customers as well as the model or better "
            f"({fmt.number(auc_alive)} against {fmt.number(auc_model)}), without any label: the extra features add little.")  # fmt: skip


def group_check(table: pd.DataFrame | None, column: str) -> str:
    """Miscalibrated: a gap above GROUP_GAP and above GROUP_SE binomial standard errors of the group's rate."""
    if table is None or table.empty:
        return ("These data name no sensitive attribute, so the scores are not checked by group (set `sensitive` "
                "to a column to check them).")  # fmt: skip
    gap = (table["predicted"] - table["observed"]).abs()
    se = (table["observed"] * (1 - table["observed"]) / table["cases"]).pow(0.5)
    off = (gap > GROUP_GAP) & (gap > GROUP_SE * se)
    auc = table["auc"].dropna()
    spread = (f" ROC AUC ranges from {fmt.number(auc.min())} to {fmt.number(auc.max())} across groups." if len(auc) > 1
              else "")  # fmt: skip
    if off.any():
        i = (gap / se.where(se > 0)).where(off).fillna(gap.where(off)).idxmax()
        w = table.loc[i]
        return (f"By {fmt.escape(column, code=True)}, the group {fmt.escape(w['group'])} ({fmt.count(w['cases'])} cases) is scored at "
                f"{fmt.share(w['predicted'])} on average but {fmt.share(w['observed'])} of it are positive, more than "
                f"{fmt.number(GROUP_SE)} binomial standard errors ({fmt.points(se[i])} each) apart: the scores are "
                "miscalibrated for it." + spread)  # fmt: skip
    worst = gap.idxmax()
    return (f"By {fmt.escape(column, code=True)}, no group's mean score is off its observed rate by more than both {fmt.points(GROUP_GAP)} "
            f"and {fmt.number(GROUP_SE)} binomial standard errors (largest gap {fmt.points(gap[worst])}, group "
            f"{fmt.escape(table.loc[worst, 'group'])} of {fmt.count(table.loc[worst, 'cases'])} cases)." + spread)  # fmt: skip


def truth(gaps: dict[str, float] | None, bayes_auc: float | None) -> str:
    if not gaps or bayes_auc is None:
        return ("These data have no planted model, so the best possible score is unknown; the cross-validated "
                "comparison of section 4 is the evidence.")  # fmt: skip
    best = min(gaps, key=gaps.get)
    head = f"The planted model's own probability reaches ROC AUC {fmt.number(bayes_auc)}; the best model here, {best}, "
    if gaps[best] < 0:
        return head + (f"is {fmt.number(-gaps[best])} above it on these cases: the Bayes score is the best on "
                       "average over samples, and on one sample a fitted model can beat it by chance.")  # fmt: skip
    verdict = "close to the best possible" if gaps[best] <= CLOSE_TO_BAYES else "short of the best possible"
    return head + f"is {fmt.number(gaps[best])} below it: {verdict}."


def takeaway(model: str, amount: float, churn: bool, currency: str,
             others: dict[str, float] | None = None) -> str:  # fmt: skip
    """The model whose decision is worth the most; a tie with every other model (``others``: model -> value)
    within TIE_VALUE of it (each model's threshold is tuned on the scores it is judged on, so small leads are
    noise)."""
    close = {m: v for m, v in (others or {}).items() if abs(v - amount) <= TIE_VALUE * abs(amount)}
    show = (lambda v: fmt.money(v, currency)) if churn else fmt.number
    if churn:
        head = f"Sending the offer by {model}'s scores is worth the most, {fmt.money(amount, currency)} in all"
    else:
        head = (f"The cheapest decision comes from {model}, at {fmt.number(amount)} cost units per case (the units "
                "of `cost_fp` and `cost_fn`)")  # fmt: skip
    if not close:
        return head + "."
    names = join_words(f"{m} ({show(v)})" for m, v in close.items())
    verb = "comes" if len(close) == 1 else "come"
    return head + (f", but {names} {verb} within {fmt.share(TIE_VALUE)} of it: a tie on these data, since each "
                   "threshold is tuned on the scores it is judged on.")  # fmt: skip


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
