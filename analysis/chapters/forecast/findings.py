"""Worded findings of the Forecasting chapter: each function takes the run's numbers and returns one sentence.

Thresholds are the named constants below; the tests feed each function numbers
on both sides of them. Numbers are written with :mod:`analysis.fmt`.
"""

from __future__ import annotations

import math

from analysis import fmt
from analysis.chapters._claims import STRENGTH, Claim, Relative, at_scale
from analysis.chapters._findings import trading_days, join_words, plural, sentence

__all__ = [
    "BEATS",
    "TIE",
    "tied",
    "COVERAGE_TOLERANCE",
    "CSL_TOLERANCE",
    "SUMMARY",
    "TRUTH_TOLERANCE",
    "PEAK_DAYS",
    "QUANTITY_PRICING",
    "known_in_advance",
    "known_in_advance_summary",
    "known_in_advance_takeaway",
    "fixed_forms",
    "holdout",
    "truth_tables",
    "aic_vs_error",
    "best_model",
    "calendar",
    "coverage",
    "elasticity",
    "lift",
    "newsvendor",
    "random_split",
    "stock",
    "truth",
    "busiest_position",
    "STRENGTH_SCALE",
    "strength_word",
    "strengths",
    "horizon_growth",
    "naive_at_last_origin",
    "normal_vs_empirical",
    "CORRELATED",
    "costs_without_prices",
    "measure_note",
    "newsvendor_without_prices",
    "price_section_skipped",
    "ahead",
    "plan_vs_run_rate",
    "RUN_RATE_LOW",
    "RUN_RATE_HIGH",
    "bias",
    "BIASED",
    "coverage_off",
    "tie",
    "closures_ahead",
    "plan_checks",
    "plan_flag",
    "ranked_below",
    "stock_corrected",
    "product_method",
    "rules",
]

#: Two errors (MASEs, MAEs, stocks in units) within this share of each other are "tied": the chapter's one
#: tie rule for errors, stated on the page (:func:`rules`).
TIE = 0.03
#: A model "beats" another only when its error is lower by more than the tie rule: the same share.
BEATS = TIE


def tie(a: float, b: float) -> bool:
    """Two positive MASEs within :data:`TIE` of each other: the book's one tie rule for errors."""
    return _tie(a, b)


def _tie(a: float, b: float) -> bool:
    """Two positive MASEs within :data:`TIE` of each other (the larger at most TIE above the smaller)."""
    return (math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0
            and max(a, b) / min(a, b) - 1 <= TIE)  # fmt: skip


#: Interval coverage within this many points of the nominal level is "about right".
COVERAGE_TOLERANCE = 0.05
#: A cycle service level within this many points of the target "meets" it.
CSL_TOLERANCE = 0.02
#: A recovered value within this share of the planted one "recovers" it.
TRUTH_TOLERANCE = 0.15

#: A recovered peak day within this many days of the planted one "recovers" it (days, not a share: a
#: day of the year has no meaningful zero).
PEAK_DAYS = 30
#: A within-product-and-day correlation of log unit price with log line quantity at or below this means the
#: price depends on the quantity bought (wholesale price breaks): the elasticity is then not causal.
QUANTITY_PRICING = -0.1

#: The glue names of the sentences in "What this run found", in page order.
SUMMARY = ("ahead_finding", "bias_finding", "closures_finding", "calendar_finding", "best_finding", "ranked_below_finding",
           "known_summary", "split_finding", "aic_finding", "coverage_finding", "lift_finding", "elasticity_finding",
           "product_method_finding", "stock_finding", "correction_finding", "plan_finding",
           "truth_finding")


def calendar(off_sales, closures: int, dropped_last, frequency: str, season: int) -> str:
    """What the calendar detection did (``off_sales``: :attr:`analysis.kpi.TradingCalendar.off_sales`)."""
    parts = []
    if frequency == "D":
        parts.append(trading_days(off_sales) + (", so those days are left out of the series" if off_sales else ""))
        parts.append(f"the season is {plural(season, 'trading day')} long")
        parts.append(f"{plural(closures, 'closure')} on trading days kept as zero and flagged" if closures
                     else "no closures on trading days")
    else:
        parts.append(f"weekly series with a season of {plural(season, 'week')}" if season > 1 else
                     "weekly series without a season (a yearly season needs two years of weeks)")
    parts.append(f"the last day ({fmt.day(dropped_last)}) was cut off early and is dropped" if dropped_last is not None
                 else "the last day is complete")
    return sentence("; ".join(parts))


def best_model(best: str, best_mase: float, baseline: str, baseline_mase: float, runner_up: str = "",
               runner_up_mase: float = float("nan")) -> str:
    """The model with the lowest rolling-origin MASE against the best baseline (``baseline``, the one of the
    simple forecasts with the lowest MASE), and a tie with the next model (``runner_up``) when their MASEs are
    within :data:`TIE` of each other."""
    gain = 1 - best_mase / baseline_mase if baseline_mase > 0 else float("nan")
    tied = bool(runner_up) and _tie(best_mase, runner_up_mase)
    source = "the rolling-origin scores table"
    if tied:
        Claim("forecast.best_finding", "MASE", "ties", runner_up, {runner_up: runner_up_mase, best: best_mase}, best,
              Relative(TIE, "TIE"), best_mase, source=source).check()  # fmt: skip
    if best != baseline and math.isfinite(gain):
        Claim("forecast.best_finding", "MASE", "beats" if gain >= BEATS else "ties", best,
              {best: best_mase, baseline: baseline_mase}, baseline, Relative(BEATS, "BEATS"), baseline_mase,
              higher_is_better=False, source=source).check()  # fmt: skip
    tie = (f"; {runner_up}'s MASE of {fmt.number(runner_up_mase)} is within {fmt.share(TIE, 0)} of it, "
           "a tie on this measure") if tied else ""
    if best == baseline or not gain > 0 or _tie(best_mase, baseline_mase):
        return sentence(f"no model beat the best baseline ({baseline}, MASE {fmt.number(baseline_mase)}) by "
                        f"more than {fmt.share(BEATS, 0)} on MASE (lowest: {best}, {fmt.number(best_mase)}){tie}")
    return sentence(f"{best} has the lowest MASE, {fmt.number(best_mase)}: {fmt.share(gain)} lower than "
                    f"the best baseline's ({baseline}, {fmt.number(baseline_mase)}){tie}")


def tied(mases: dict[str, float]) -> tuple[str, ...]:
    """The names whose MASE is within :data:`TIE` of the lowest, other than the lowest itself (the first
    lowest, in the given order); empty when the lowest is not positive."""
    finite = {k: v for k, v in mases.items() if math.isfinite(v)}
    if not finite:
        return ()
    best = min(finite, key=finite.get)
    low = finite[best]
    if not low > 0:
        return ()
    return tuple(k for k, v in finite.items() if k != best and _tie(low, v))


def known_in_advance(seeing: str, seeing_mase: float, blind: str, blind_mase: float, promotions: bool,
                     finding: str = "forecast.known_finding") -> str:
    """The best model fed what is known in advance (weekday, closures and, when ``promotions`` -- discount days
    were found -- the promotions) against the best time-series model (ETS, SARIMA, Theta), by rolling-origin
    MASE. Only the MASEs are compared: the two kinds of model differ in much more than what they are fed."""
    case = _known_case(seeing_mase, blind_mase)
    if case == "none":
        return sentence("the models with and without the known calendar could not both be scored here")
    known = ("the position in the season, closures and promotions" if promotions else
             "the position in the season and closures")
    both = (f"{seeing} (which is fed {known}) has a MASE of {fmt.number(seeing_mase, 3)}, "
            f"{blind} (a time-series model) {fmt.number(blind_mase, 3)}")
    mases = {seeing: seeing_mase, blind: blind_mase}
    lower, other = (seeing, blind) if case == "seeing" else (blind, seeing)
    Claim(finding, "MASE", "ties" if case == "tie" else "below", lower, mases, other, Relative(TIE, "TIE"),
          min(seeing_mase, blind_mase), source="the rolling-origin scores table").check()  # fmt: skip
    if case == "tie":
        return sentence(f"here the two tie on MASE: {both}, within {fmt.share(TIE, 0)} of each other")
    if case == "seeing":
        return sentence(f"here the model fed the known calendar had the lower MASE: {both}")
    return sentence(f"here the time-series model had the lower MASE: {both}; the two differ in more than "
                    "the calendar they see, so this does not say what the calendar itself is worth")


def _known_case(seeing_mase: float, blind_mase: float) -> str:
    """Which branch :func:`known_in_advance` takes: "none", "tie", "seeing" or "blind" (the lower MASE)."""
    if not (math.isfinite(seeing_mase) and math.isfinite(blind_mase) and blind_mase > 0 and seeing_mase > 0):
        return "none"
    if _tie(seeing_mase, blind_mase):
        return "tie"
    return "seeing" if seeing_mase < blind_mase else "blind"


#: The takeaway's general caveat, left out when the run's finding already says it.
KNOWN_CAVEAT = ("A difference in MASE between two different kinds of model does not say what the calendar alone "
                "is worth.")


def known_in_advance_takeaway(seeing: str, seeing_mase: float, blind: str, blind_mase: float,
                              promotions: bool) -> str:
    """The takeaway's sentences: :data:`KNOWN_CAVEAT`, then :func:`known_in_advance`; the caveat is left out
    when the finding says it itself (the time-series model had the lower MASE), so it is not made twice."""
    finding = known_in_advance(seeing, seeing_mase, blind, blind_mase, promotions, "forecast.known_takeaway")
    if _known_case(seeing_mase, blind_mase) == "blind":
        return finding
    return f"{KNOWN_CAVEAT} {finding}"


def known_in_advance_summary(seeing: str, seeing_mase: float, blind: str, blind_mase: float, promotions: bool,
                             best: str = "", runner_up: str = "", runner_up_mase: float = float("nan"),
                             best_mase: float = float("nan")) -> str:
    """:func:`known_in_advance` for "What this run found", or "" when :func:`best_model` already states the same
    tie: the best model and the runner-up are the two compared here and within :data:`TIE` of each other."""
    finding = known_in_advance(seeing, seeing_mase, blind, blind_mase, promotions, "forecast.known_summary")
    same_pair = {best, runner_up} == {seeing, blind} and bool(seeing) and bool(blind)
    if same_pair and _tie(best_mase, runner_up_mase) and _known_case(seeing_mase, blind_mase) == "tie":
        return ""
    return finding


def random_split(random_mae: float, honest_mae: float) -> str:
    """How much a shuffled split flatters the error against rolling origins."""
    if not honest_mae > 0:
        return sentence("the rolling-origin error is zero, so the shuffled split cannot look better")
    ratio = random_mae / honest_mae - 1
    if _tie(random_mae, honest_mae):
        return sentence(f"here the shuffled split's MAE is within {fmt.share(TIE, 0)} of the rolling origins' "
                        f"({fmt.signed_share(ratio)}), a tie on this measure; it still tests on days the model has "
                        "seen the future of")
    if ratio < 0:
        return sentence(f"a shuffled split reports an MAE {fmt.share(-ratio)} lower than the rolling origins "
                        "do: it flatters the model, because it trains on days after the ones it tests")
    return sentence(f"here the shuffled split's MAE is not lower than the rolling origins' "
                    f"({fmt.signed_share(ratio)}); it still tests on days the model has seen the future of")


def aic_vs_error(aic_choice: str, error_choice: str, tied: tuple[str, ...] = (), forms: int = 0,
                 mases: dict[str, float] | None = None, aics: dict[str, float] | None = None) -> str:
    """Whether AIC and rolling-origin error pick the same ETS form; ``tied`` names the other forms whose
    MASE is within :data:`TIE` of the lowest, ``forms`` is how many forms were tried (0: not given). When every
    form ties, the error picks none; when AIC's form ties with the error's, the two do not disagree on MASE.
    With the forms' ``mases`` and ``aics`` (form -> value), each pick and each tie is a checked claim."""
    finding, source = "forecast.aic_finding", "the ETS forms' AIC and rolling-origin MASE"
    if aics:
        Claim(finding, "AIC", "best", aic_choice, aics, higher_is_better=False, source=source).check()
    if mases:
        Claim(finding, "MASE", "best", error_choice, mases, higher_is_better=False, source=source).check()
        for name in tied:
            Claim(finding, "MASE", "ties", name, {name: mases[name], error_choice: mases[error_choice]}, error_choice,
                  Relative(TIE, "TIE"), min(mases[name], mases[error_choice]), source=source).check()  # fmt: skip
    if forms > 1 and len(tied) >= forms - 1:
        return sentence(f"AIC picks {aic_choice}; the rolling-origin error picks none: the MASEs of all {forms} "
                        f"forms are within {fmt.share(TIE, 0)} of the lowest ({error_choice}'s), a tie on "
                        "this measure")
    tie = (f" ({join_words(list(tied))} within {fmt.share(TIE, 0)} of its MASE, a tie on this measure)"
           if tied else "")
    if aic_choice == error_choice:
        return sentence(f"AIC and rolling-origin error agree: both pick {aic_choice}{tie}")
    if aic_choice in tied:
        return sentence(f"AIC picks {aic_choice} and the rolling-origin error {error_choice}{tie}, so on MASE "
                        "the two choices tie")
    return sentence(f"AIC picks {aic_choice} but the rolling-origin error picks {error_choice}{tie}: the likelihood "
                    "rewards fitting the past one step ahead, the origins reward forecasting the horizon")


def fixed_forms(form: str, form_mase: float, picked_mase: float, best: str, best_mase: float,
                ranking: dict[str, float] | None = None) -> str:
    """The best ETS form scored fixed at every origin (``form``, ``form_mase``) against the ETS whose form AIC
    picked at each origin (``picked_mase``) and the best model of the ranking (``best``, ``best_mase``; it may
    be that ETS itself; ``ranking``, model -> MASE, checks that it is). Lower is said only when the MASE is
    lower; within :data:`TIE` is called a tie. Each comparison is a checked claim."""
    if not (math.isfinite(form_mase) and math.isfinite(picked_mase) and form_mase > 0 and picked_mase > 0):
        return sentence("the fixed ETS forms and the AIC-picked ETS could not both be scored here")
    finding, source = "forecast.fixed_finding", "the fixed ETS forms and the rolling-origin scores table"
    if ranking and best:
        Claim(finding, "MASE", "best", best, ranking, higher_is_better=False, source=source).check()

    def against(name: str, value: float) -> str:
        relation = "ties" if _tie(form_mase, value) else "below" if form_mase < value else "above"
        Claim(finding, "MASE", relation, f"fixed {form}", {f"fixed {form}": form_mase, name: value}, name,
              Relative(TIE, "TIE"), min(form_mase, value), source=source).check()  # fmt: skip
        if relation == "ties":
            how = f"within {fmt.share(TIE, 0)} of"
        else:
            how = "lower than" if form_mase < value else "higher than"
        return f"{how} {name} ({fmt.number(value)})"

    parts = [against("the AIC-picked ETS", picked_mase)]
    if best != "ETS" and math.isfinite(best_mase) and best_mase > 0:
        parts.append(against(f"{best}, the best model of the ranking", best_mase))
    return sentence(f"here the fixed form with the lowest MASE, {form}, has {form_mase:.3f}: " + "; ".join(parts))


def coverage(model: str, level: float, conformal: float, own: float) -> str:
    """The holdout coverage of the best model's conformal (and own) intervals at ``level``."""
    def word(c: float) -> str:
        if not math.isfinite(c):
            return "not available"
        if abs(c - level) <= COVERAGE_TOLERANCE + 1e-9:  # 0.8 - 0.75 is 0.05000000000000004
            return f"{fmt.share(c)}, about right"
        return f"{fmt.share(c)}, too {'wide' if c > level else 'narrow'}"

    return sentence(f"the {fmt.share(level, 0)} intervals of {model} covered the holdout (about right within "
                    f"{fmt.points(COVERAGE_TOLERANCE)} of the level): conformal {word(conformal)}; the model's own "
                    f"{word(own)}")


def coverage_off(level: float, coverages: dict[str, float]) -> str:
    """The intervals (``"name's model"`` or ``"name's conformal"`` -> holdout coverage) whose coverage is more
    than :data:`COVERAGE_TOLERANCE` from the nominal ``level``, named as too wide or too narrow; "" when none."""
    off = COVERAGE_TOLERANCE + 1e-9  # the same edge as coverage(): 0.8 - 0.75 is 0.05000000000000004
    wide = [f"{k} ({fmt.share(v)})" for k, v in coverages.items() if math.isfinite(v) and v - level > off]
    narrow = [f"{k} ({fmt.share(v)})" for k, v in coverages.items() if math.isfinite(v) and level - v > off]
    if not wide and not narrow:
        return ""
    parts = ([f"too wide: {join_words(wide)}"] if wide else []) + ([f"too narrow: {join_words(narrow)}"] if narrow
                                                                    else [])
    return sentence(f"of the other models' {fmt.share(level, 0)} intervals, more than "
                    f"{fmt.points(COVERAGE_TOLERANCE)} off: " + "; ".join(parts))


#: A forecast whose past actuals fell above it on at least this share of open test steps (or at most one
#: minus it) is "biased" low (high).
BIASED = 0.6


def bias(model: str, above: float, median_error: float) -> str:
    """Whether ``model``'s past forecasts sat low or high: the share of open test steps whose actual was
    above the forecast, and the median relative error (actual - forecast) / forecast."""
    if not math.isfinite(above):
        return ""
    said = (f"actual sales were above {model}'s forecast on {fmt.share(above)} of the past test steps "
            f"(median relative error {fmt.signed_share(median_error)})")
    rule = f"on {fmt.share(BIASED, 0)} or more of the steps"
    centred = ("; its intervals are centred on the forecast (set from the sizes of past errors, not their signs), "
               "so they do not correct that bias")
    if above >= BIASED:
        return sentence(f"{said}: it has been biased low (actuals above it {rule}){centred}")
    if above <= 1 - BIASED:
        return sentence(f"{said}: it has been biased high (actuals below it {rule}){centred}")
    return sentence(f"{said}: no clear bias either way (neither side holds {fmt.share(BIASED, 0)} of the steps)")


def lift(value: float, low: float, high: float, days: int) -> str:
    """The promotion lift on daily orders."""
    if days == 0:
        return sentence("no discount days found in the prices: no promotion lift to estimate")
    if not math.isfinite(value):
        return sentence(f"only {plural(days, 'discount day')} found in the prices: too few for a promotion lift")
    direction = "more" if value >= 1 else "fewer"
    return sentence(f"on the {plural(days, 'discount day')} the shop took {fmt.share(abs(value - 1))} {direction} "
                    f"orders than the calendar predicts (lift {fmt.number(value)}, 95 % interval "
                    f"{fmt.number(low)} to {fmt.number(high)})")


def elasticity(value: float, se: float, quantity_pricing: float = float("nan")) -> str:
    """The log-log price elasticity of units; ``quantity_pricing`` is the correlation of log unit price with
    log line quantity within a product and day (NaN when prices do not vary within a day): at or below
    :data:`QUANTITY_PRICING` the price follows the quantity bought, and the finding says it is no demand curve."""
    if not math.isfinite(value):
        return sentence("prices never changed within a product, so no price elasticity can be estimated")
    breaks = math.isfinite(quantity_pricing) and quantity_pricing <= QUANTITY_PRICING
    caveat = (f"; but on the same product and day larger lines get lower prices (correlation "
              f"{fmt.number(quantity_pricing)}), as with wholesale price breaks, so this is how price and "
              "quantity go together, not how buyers respond to a price change") if breaks else ""
    if value + 1.96 * se < 0:
        if breaks:
            kind = "lines with higher prices hold fewer units"
        else:
            kind = "elastic: units fall more than prices rise" if value < -1 else "units fall as prices rise"
        return sentence(f"the price elasticity of units is {fmt.number(value)} "
                        f"(standard error {fmt.number(se)}): {kind}{caveat}")
    return sentence(f"the price elasticity of units, {fmt.number(value)} (standard error {fmt.number(se)}), is "
                    f"not clearly below zero: these price changes do not show a demand curve{caveat}")


def stock(csl: float, target: float, fill_rate: float, cycles: int) -> str:
    """The simulated cycle service level against the target."""
    if not math.isfinite(csl):
        return sentence("no replenishment cycle was completed in the holdout, so no service level to report")
    gap = csl - target
    within = f"within {fmt.points(CSL_TOLERANCE)}"
    verdict = (f"meets the target, {within}" if abs(gap) <= CSL_TOLERANCE + 1e-9 else
               f"is above the target by more than {fmt.points(CSL_TOLERANCE)}: more stock than needed" if gap > 0
               else f"falls short of the target by more than {fmt.points(CSL_TOLERANCE)}")
    return sentence(f"over {plural(cycles, 'replenishment cycle')} the policy reached a cycle service level of "
                    f"{fmt.share(csl)} against {fmt.share(target)} ({verdict}) "
                    f"and a fill rate of {fmt.share(fill_rate)}")


def newsvendor(ratio: float, quantity: float, mean: float) -> str:
    """The newsvendor order against the mean demand; why, from the critical ratio against one half."""
    if ratio > 0.5:
        why = "a unit short costs more than one left over, so the order is a quantile above the median demand"
    elif ratio < 0.5:
        why = "a unit left over costs more than one short, so the order is a quantile below the median demand"
    else:
        why = "a unit short costs as much as one left over, so the order is the median demand"
    side = "more than" if quantity > mean else "no more than"
    return sentence(f"with a critical ratio of {fmt.share(ratio)} the newsvendor orders {fmt.count(quantity)} units, "
                    f"{side} the mean demand of {fmt.count(mean)}: {why}")


def truth(recovered: dict[str, tuple[float, float]], days: dict[str, tuple[float, float]] | None = None) -> str:
    """Which planted values were recovered: ``recovered`` (name -> (estimate, planted)) within
    :data:`TRUTH_TOLERANCE` of the planted value, ``days`` (name -> (estimated day of year, planted)) within
    :data:`PEAK_DAYS` days around the year."""
    days = days or {}
    if not recovered and not days:
        return sentence("this run is not on the built-in shop: there is no planted truth to compare with")
    good = [k for k, (est, planted) in recovered.items()
            if math.isfinite(est) and abs(est / planted - 1) <= TRUTH_TOLERANCE]
    good_days = [k for k, (est, planted) in days.items()
                 if math.isfinite(est) and min(abs(est - planted), 365.25 - abs(est - planted)) <= PEAK_DAYS]
    bad = [k for k in [*recovered, *days] if k not in good and k not in good_days]
    parts = []
    if recovered:
        parts.append(f"within {fmt.share(TRUTH_TOLERANCE, 0)} of the planted value: {join_words(good) or 'none'}")
    if days:
        parts.append(f"within {PEAK_DAYS} days of the planted day: {join_words(good_days) or 'none'}")
    return sentence("; ".join(parts) + (f"; not recovered: {join_words(bad)}" if bad else ""))


def truth_tables(planted: bool) -> str:
    """What the two tables of the truth section hold, as the end of a sentence that starts "In Table 4.7 and
    Table 4.8, ": the estimates beside the planted values on the built-in shop, only a note elsewhere."""
    if planted:
        return ("the chapter's estimates stand beside the planted values (for the price elasticity, the effective "
                "value after rounding to whole units).")  # fmt: skip
    return "there is only a note saying so."


def holdout(days: int, window_days: int, series_days: int, replan_days: int, calendar_days: int,
            window_weeks: int = 0) -> str:
    """The holdout of the stock simulation (``days`` trading days spanning ``calendar_days``) against the
    rolling origins' test windows (``window_days`` trading days; ``window_weeks`` weeks for a weekly series,
    0 for a daily one): capped at half the series (``series_days`` trading days) and cut to whole revisions of
    ``replan_days``."""
    windows = (f"the {plural(window_days, 'trading day')} of the rolling origins' test windows" +
               (f" ({plural(window_weeks, 'week')})" if window_weeks else ""))
    head = f"the stock is simulated over a holdout of {plural(days, 'trading day')} ({calendar_days:,} calendar days)"
    if days == window_days:
        return sentence(f"{head}: the same days as the test windows of the rolling origins")
    capped = min(window_days, series_days // 2)
    why = []
    if window_days > series_days // 2:
        why.append(f"capped at half the series ({series_days // 2:,} of its {series_days:,} trading days)")
    if days < capped:
        why.append(f"cut to whole revisions of replan_days ({plural(replan_days, 'trading day')} each)")
    elif days > capped:
        why.append(f"raised to one whole revision of replan_days ({plural(replan_days, 'trading day')})")
    else:
        why[-1] += (f", which is {plural(days // replan_days, 'whole revision')} of replan_days "
                    f"({plural(replan_days, 'trading day')} each)")
    direction = "shorter" if days < window_days else "longer"
    return sentence(f"{head}, {direction} than {windows}: " + join_words(why))


def busiest_position(name: str, ratio: float, frequency: str, season: int = 7,
                     strength: float = float("nan")) -> str:
    """Exercise: the busiest position of the season (of ``season`` steps) and how far above the mean it sells;
    the pattern is called weak, moderate or strong by the season's ``strength`` (:func:`strength_word`, the
    one scale of the chapter), not by the size of the peak."""
    if season <= 1:
        return sentence("this series has no season (a season of one step), so no position sells more than another")
    where = (f"{_DAY_WORDS.get(name, name)}s sell" if frequency == "D" else
             f"position {name} of the {season}-week season sells")
    kind = "weekly" if frequency == "D" else "yearly"
    word = strength_word(strength, "forecast.ex4_1_sentence", "the season") if math.isfinite(strength) else ""
    said = (f"; the season's strength is {fmt.number(strength, 2)}, a {word} {kind} pattern"
            if math.isfinite(strength) else "")
    return sentence(f"{where} the most, {fmt.share(ratio - 1)} above the mean step{said}")


#: The chapter's one scale for the strength of a season or trend, :math:`F` of Hyndman and Athanasopoulos
#: (2021, 4.3), from 0 (none of the variation) to 1 (all of it): the word for values from each bound on
#: (the book's :data:`analysis.chapters._claims.STRENGTH`).
STRENGTH_SCALE = STRENGTH.steps


def strength_word(value: float, finding: str = "forecast.strength", subject: str = "the strength") -> str:
    """``weak``, ``moderate`` or ``strong`` for a seasonal or trend strength: a claim on :data:`STRENGTH_SCALE`,
    checked before it is worded."""
    return at_scale(finding, "strength F (Hyndman and Athanasopoulos 2021, 4.3)", subject, value, STRENGTH,
                    source="seasonal_strength, trend_strength").say()  # fmt: skip


def strengths(season: float, trend: float, has_season: bool = True) -> str:
    """The season's and the trend's strength in words, with the scale stated."""
    scale = ", ".join(f"{w} from {fmt.number(b, 1)}" for b, w in reversed(STRENGTH_SCALE[:-1]))
    said = strength_word(season, "forecast.strength_finding", "the season") if has_season else ""
    head = (f"on this chapter's scale (weak below {fmt.number(STRENGTH_SCALE[-2][0], 1)}, {scale}) the season is "
            f"{said} ({fmt.number(season, 2)})" if has_season else
            f"on this chapter's scale (weak below {fmt.number(STRENGTH_SCALE[-2][0], 1)}, {scale}) there is no "
            "season to measure")
    trend_word = strength_word(trend, "forecast.strength_finding", "the trend")
    return sentence(f"{head} and the trend {trend_word} ({fmt.number(trend, 2)})")


_DAY_WORDS = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday", "Fri": "Friday",
              "Sat": "Saturday", "Sun": "Sunday"}


def naive_at_last_origin(value: float) -> str:
    """Exercise: the seasonal naive's MASE at the last origin alone, against 1 (its in-sample error, the scale
    of MASE) under the chapter's tie rule for errors (a checked claim)."""
    if math.isfinite(value):
        relation = "ties" if _tie(value, 1.0) else "above" if value > 1 else "below"
        Claim("forecast.ex4_2_sentence", "MASE", relation, "out of sample", {"out of sample": value, "in sample": 1.0},
              "in sample", Relative(TIE, "TIE"), min(value, 1.0), source="the seasonal naive at the last origin",
              ).check()  # fmt: skip
    if _tie(value, 1.0):
        return sentence(f"at the last origin alone the seasonal naive's MASE is {fmt.number(value)}: within "
                        f"{fmt.share(TIE, 0)} of 1, a tie, about as good out of sample as its own in-sample error, "
                        "the scale of MASE")
    verdict = "worse" if value > 1 else "better"
    return sentence(f"at the last origin alone the seasonal naive's MASE is {fmt.number(value)}: {verdict} out of "
                    "sample than its own in-sample error, the scale of MASE")


def horizon_growth(ratio: float) -> str:
    """Exercise: MAE of the last season of each test window over the first (each case a checked claim)."""
    if math.isfinite(ratio):
        relation = "above" if ratio > 1 + GROWTH else "below" if ratio < 1 - GROWTH else "within"
        Claim("forecast.ex4_3_sentence", "MAE, end of the test windows over the start", relation, "end",
              {"end": ratio, "start": 1.0}, "start", Relative(GROWTH, "GROWTH"), 1.0,
              source="the best model's errors by step ahead").check()  # fmt: skip
    if ratio > 1 + GROWTH:
        return sentence(f"the best model's MAE is {fmt.share(ratio - 1)} larger at the end of the test windows than at "
                        "the start: the further ahead, the less it knows")
    return sentence(f"the best model's MAE at the end of the test windows is within {fmt.share(GROWTH, 0)} of (or "
                    f"below) the start's (ratio {fmt.number(ratio)}): its errors hardly grow with the horizon here")


#: An MAE ratio above 1 + this share "grows" with the horizon: the tie rule for errors.
GROWTH = TIE


def normal_vs_empirical(ratio: float, lag1: float = float("nan")) -> str:
    """Exercise: the textbook safety stock over the empirical one; ``lag1`` is the lag-1 autocorrelation of
    the product's daily forecast errors, named as a cause only when it is at least :data:`CORRELATED`."""
    if not math.isfinite(ratio):
        return sentence("the empirical safety stock is zero here, so the ratio is undefined")
    if _tie(ratio, 1.0):
        return sentence(f"the textbook formula gives {fmt.number(ratio)} times the empirical safety stock: within "
                        f"{fmt.share(TIE, 0)}, a tie, so here the formula's assumptions cost nothing")
    more = "less" if ratio < 1 else "more"
    corr = f"lag-1 autocorrelation of the daily errors {fmt.number(lag1)}"
    if ratio < 1:
        if math.isfinite(lag1) and lag1 >= CORRELATED:
            why = (f"the formula treats the daily errors as independent, but they are correlated from day to day "
                   f"({corr}), so their sums spread more")
        else:
            known = f" ({corr})" if math.isfinite(lag1) else ""
            why = (f"the daily errors are not clearly correlated from one day to the next{known}, so the gap more "
                   "likely comes from elsewhere: bias or skew in the errors, which the formula's normal spread "
                   "leaves out, or the noise of a quantile of few past error sums")
    else:
        why = "the daily errors partly cancel over the lead time, which the formula does not count on"
    return sentence(f"the textbook formula gives {fmt.number(ratio)} times the empirical safety stock: {more} stock; "
                    + why)


#: A lag-1 autocorrelation of the daily forecast errors at or above this counts as "correlated from day to day".
CORRELATED = 0.2


# --------------------------------------------------------------------------- logs without prices


def measure_note(quantity_filled: str = "", prices: bool = False) -> str:
    """What the chapter forecasts when the log lacks prices or quantities: without unit prices (``prices``
    False) units sold; ``quantity_filled`` is how the data report says the quantity was filled when the mapping
    left it out (its ``filled["quantity"]``, e.g. "derived: 1 on every line"), "" when the log has its own
    quantities. A log with both says nothing ("")."""
    one = f"the column mapping leaves out the quantity ({quantity_filled}), so each line counts one unit"
    if prices:
        return sentence(f"{one} in the stock section's forecasts") if quantity_filled else ""
    head = "these data have no unit prices, so this chapter forecasts units sold (the sum of the quantities)"
    return sentence(f"{head}; {one}" if quantity_filled else head)


def price_section_skipped() -> tuple[str, str]:
    """The promotion lift and the price elasticity on a log without unit prices: both need them (the discount
    days are found in the prices), so the section is skipped; the two sentences of section 7."""
    return (sentence("these data have no unit prices, and this section needs them: discount days are found in "
                     "the prices, so no promotion lift is estimated"),
            sentence("the price elasticity of units needs unit prices too and is not estimated"))


def costs_without_prices() -> tuple[str, str]:
    """The holding and stock-out costs of the stock policy on a log without unit prices, as the two amounts
    of the stock section's sentence ("holding the stock cost ... and the units short ...")."""
    return ("an amount these data cannot give",
            "an amount they cannot give either: both costs are shares of unit prices, and these data have none")


def newsvendor_without_prices() -> str:
    """Why the newsvendor runs on a log without unit prices: both costs are shares of the same price."""
    return sentence("the critical ratio needs no price: both costs are shares of the product's price, which "
                    "cancels; with no promotion lift (section 7 needs prices), the promotion's demand is the "
                    "forecast without one")


# --------------------------------------------------------------------------- the weeks ahead


def stock_corrected(csl: float, raised_csl: float, target: float, fill_rate: float, raised: int, products: int,
                    limit: float, unreached: list[str], cycles_per_product: float, step: float = 0.1) -> str:
    """What raising the safety stock did: the error model's pooled cycle service level ``csl`` against the
    ``target``, the raised one ``raised_csl`` and its fill rate; the ``raised`` products of ``products`` whose
    stock was raised, those that did not reach the target within ``limit`` times the error model's safety
    stock (``unreached``, escaped ids), and why a level far above the target can be the nearest one (few
    cycles per product: ``cycles_per_product``); ``step`` is the search's step of the factor."""
    if not math.isfinite(raised_csl):
        return sentence("no replenishment cycle was completed in the holdout, so the safety stock was not tuned")
    if raised == 0:
        head = (f"the error model's safety stock already reached {fmt.share(target)} for every product, so "
                "none was raised")
    else:
        head = (f"the safety stock of {plural(raised, 'product')} of {products} was raised (by the smallest factor, "
                f"in steps of {fmt.number(step)}, at which the day-by-day simulation reached {fmt.share(target)}): "
                f"the cycle service level went from {fmt.share(csl)} to {fmt.share(raised_csl)}, the fill rate "
                f"to {fmt.share(fill_rate)}")
    parts = [head]
    if unreached:
        parts.append(f"{join_words(unreached)} did not reach the target within the stock limit of "
                     f"{fmt.number(limit)} times the error model's safety stock")
    gap = raised_csl - target
    if gap > CSL_TOLERANCE and math.isfinite(cycles_per_product):
        parts.append(f"the level lands {fmt.points(gap)} above the target because each product has only "
                     f"about {fmt.number(cycles_per_product)} cycles, so one cycle short moves its level by "
                     f"{fmt.share(1 / max(cycles_per_product, 1))}")
    if raised:
        parts.append("the factor is chosen on the same holdout it is scored on, so the future level may be lower")
    return sentence("; ".join(parts))


def _range(first, last) -> str:
    return fmt.day(first) if fmt.day(first) == fmt.day(last) else f"{fmt.day(first)} to {fmt.day(last)}"


def ahead(model: str, week: tuple, week_amount: str, week_bounds: list[tuple[float, str, str]],
          span: tuple, horizon_amount: str, horizon_bounds: list[tuple[float, str, str]], steps: int,
          open_steps: int, step: str = "trading day") -> str:
    """The headline: ``model`` refitted on all the history forecasts ``week_amount`` for the week ``week``
    (first and last day) and ``horizon_amount`` over the ``steps`` steps of ``span`` (``open_steps`` of them
    open), each with its intervals ``(level, lower, upper)`` in words."""
    def bounds(items) -> str:
        return "; ".join(f"{fmt.share(level, 0)} interval {lo} to {hi}" for level, lo, hi in items)

    shut = steps - open_steps  # closures (carried forward or given) on days the shop would otherwise trade
    open_words = f", {shut} of them closed" if shut > 0 else ""
    whole = f"{horizon_amount} over the {plural(steps, step)} {_range(*span)}{open_words} ({bounds(horizon_bounds)})"
    if fmt.day(week[1]) >= fmt.day(span[1]):  # the horizon is no longer than the week: say it once
        return sentence(f"{model}, refitted on all the history, forecasts {whole}")
    return sentence(f"{model}, refitted on all the history, forecasts {week_amount} for the week "
                    f"{_range(*week)} ({bounds(week_bounds)}) and {whole}")


def closures_ahead(non_trading: tuple[str, ...], carried: list[tuple], given: int, opened: int,
                   weekly: bool = False) -> str:
    """Which closures the forecast ahead assumes: the non-trading weekdays, the past closures carried forward
    (``(what it comes from, first day ahead, last day ahead[, moved with Easter])``), and the days the
    ``closures`` parameter closed (``given``) or opened (``opened``)."""
    parts = []
    if non_trading:
        parts.append(f"{join_words([d + 's' for d in non_trading])} stay closed every week (the shop does not trade "
                     "on them)")
    dated = [c for c in carried if not (len(c) > 3 and c[3])]
    easter = [c for c in carried if len(c) > 3 and c[3]]
    if dated:
        moved = [f"{_range(c[1], c[2])} (the closure {c[0]})" for c in dated]
        parts.append(f"the calendar carries forward {join_words(moved)}: a closure of {RECURRING} or more trading "
                     "days recurs on the same dates a year later")
    if easter:
        moved = [f"{_range(c[1], c[2])} (the closure {c[0]})" for c in easter]
        parts.append(f"it carries {join_words(moved)} on the same days around Easter Sunday: Easter moves from "
                     "year to year, and so do its holidays (Good Friday to Easter Monday)")
    if not carried:
        parts.append(f"no closure of {RECURRING} or more trading days, and none at Easter, in the history falls on "
                     "these dates a year or more later")
    parts.append(f"{plural(given, 'day')} closed and {plural(opened, 'day')} opened by the closures parameter"
                 if given or opened else "the closures parameter gives no dates")
    head = "ahead, " + "; ".join(parts)
    if weekly:
        head += ("; the weekly forecast sees none of these (a week is never closed as a whole), the products' "
                 "daily plans do")
    return sentence(head)


#: Closure runs of at least this many closed trading days recur (:data:`analysis.forecast.ahead.RECURRING_DAYS`).
RECURRING = 3


def plan_flag(kind: str, rate: str, last_year: str) -> str:
    """The reason a product's plan is flagged: ``kind`` ``"low"`` or ``"high"`` against the run rate of the
    last four weeks and the same weeks a year earlier (amounts in words; ``last_year`` "" when unknown)."""
    if not kind:
        return ""
    how = "below half of" if kind == "low" else "above twice"
    both = f"the last four weeks' run rate ({rate})" + (f" and the same weeks a year earlier ({last_year})"
                                                        if last_year else "")
    return f"plan {how} {both}"


def plan_checks(flagged: list[str], products: int, unknown_year: bool) -> str:
    """The plans checked against the obvious: the flagged products (escaped names with their reason) of
    ``products``."""
    year = "" if not unknown_year else " (the history does not reach a year back, so the run rate alone)"
    if not flagged:
        return sentence(f"no plan of the {plural(products, 'product')} is below half or above twice both the last "
                        f"four weeks' run rate and the same weeks a year earlier{year}")
    verb = "disagrees" if len(flagged) == 1 else "disagree"
    return sentence(f"{plural(len(flagged), 'plan')} of {products} {verb} with the obvious{year}: "
                    + "; ".join(flagged))


def ranked_below(models: list[str], baselines: list[str]) -> str:
    """The models whose MASE is above (outside the tie rule) that of the mean or the seasonal naive."""
    baselines = [f"the {b}" for b in baselines]
    if not models:
        return sentence(f"every model's MASE is at or below that of {join_words(baselines, 'and')} "
                        f"(or within {fmt.share(TIE, 0)} of it)")
    return sentence(f"{join_words(models)} ranked below {join_words(baselines, 'or')}: a MASE more than "
                    f"{fmt.share(TIE, 0)} above the simpler forecast's")


#: A plan below this share, or above this multiple, of the run rate (and of last year) is flagged
#: (:data:`analysis.forecast.products.RUN_RATE_LOW` and ``RUN_RATE_HIGH``; a unit test holds them equal).
RUN_RATE_LOW, RUN_RATE_HIGH = 0.5, 2.0


def plan_vs_run_rate(ratio: float) -> str:
    """Exercise: a product's plan over its run rate of the last four weeks, against the check's bounds."""
    if not math.isfinite(ratio):
        return sentence("the product sold nothing on the open days of the last four weeks, so there is no run rate "
                        "to compare with")
    if ratio < RUN_RATE_LOW:
        verdict = "below half of it: the check flags it unless the same dates a year earlier sold as little"
    elif ratio > RUN_RATE_HIGH:
        verdict = "above twice it: the check flags it unless the same dates a year earlier sold as much"
    else:
        verdict = "between half and twice it, so the check does not flag it"
    return sentence(f"the plan is {fmt.number(ratio)} times the run rate of the last four weeks: {verdict}")


def product_method(method: str, means: dict[str, float], combination: str = "median combination") -> str:
    """The products' method (``method``, the candidate with the lowest mean MASE over the products) among the
    candidates' mean MASEs (``means``, name -> mean); the candidates within :data:`TIE` of it are a tie, the
    next one otherwise how much higher; a candidate more than :data:`TIE` above the seasonal naive ranks below
    it and is named so. ``combination`` is the name of the median of the other candidates (said in words).
    Lower means less error: MASEs are compared with the chapter's one tie rule for errors."""
    finite = {k: v for k, v in means.items() if math.isfinite(v)}
    if method not in finite:
        return sentence("the products' candidate forecasts could not be scored at the stock section's origins, so "
                        f"{method} forecasts them unscored")
    best = finite[method]
    finding, source = "forecast.product_method_finding", "the products' mean MASEs at the stock section's origins"
    Claim(finding, "mean MASE over the products", "best", method, finite, higher_is_better=False,
          source=source).check()  # fmt: skip
    members = [k for k in means if k != combination]
    head = (f"the {method} (the median, step by step, of {join_words(members, 'and')}) has" if method == combination
            else f"{method} has")
    said = f"{head} the lowest MASE averaged over the products, {fmt.number(best)}, of the {len(finite)} candidates"
    others = {k: v for k, v in finite.items() if k != method}
    ties = [f"{k} ({fmt.number(v)})" for k, v in others.items() if _tie(best, v)]
    for k, v in others.items():
        if _tie(best, v):
            Claim(finding, "mean MASE over the products", "ties", k, {k: v, method: best}, method,
                  Relative(TIE, "TIE"), min(best, v), source=source).check()  # fmt: skip
    parts = [said]
    if ties:
        parts.append(f"{join_words(ties)} within {fmt.share(TIE, 0)} of it, a tie on this measure, so the choice "
                     "between them is a close call")
    elif others:
        runner = min(others, key=others.get)
        parts.append(f"the next, {runner}, has {fmt.number(others[runner])}, {fmt.share(others[runner] / best - 1)} "
                     "higher")
    naive = finite.get("seasonal naive", float("nan"))
    below = [k for k, v in others.items() if k != "seasonal naive" and math.isfinite(naive) and v > naive
             and not _tie(v, naive)]
    for k in below:
        Claim(finding, "mean MASE over the products", "above", k, {k: others[k], "seasonal naive": naive},
              "seasonal naive", Relative(TIE, "TIE"), min(others[k], naive), source=source).check()  # fmt: skip
    if below:
        parts.append(f"{join_words(below, 'and')} ranked below the seasonal naive ({fmt.number(naive)}): a mean MASE "
                     f"more than {fmt.share(TIE, 0)} above it")
    return sentence("; ".join(parts))


def rules() -> str:
    """The chapter's comparative words and the one rule behind each, said once on the page: errors (MASE,
    MAE, stock in units) within :data:`TIE` of each other are a tie, and "beats", "lowest" or "lower" are said
    only beyond it; interval coverage within :data:`COVERAGE_TOLERANCE` of its level is about right; a
    service level within :data:`CSL_TOLERANCE` of its target meets it; the strength of a season or trend is
    weak, moderate or strong on :data:`STRENGTH_SCALE`."""
    scale = ", ".join(f"{w} from {fmt.number(b, 1)}" for b, w in reversed(STRENGTH_SCALE[:-1]))
    return sentence(f"the words of the findings follow one rule per kind of measure: two errors (MASEs, MAEs, "
                    f"stocks in units) within {fmt.share(TIE, 0)} of each other are a tie, and one model beats "
                    f"another only by more than that; an interval covers about right within "
                    f"{fmt.points(COVERAGE_TOLERANCE)} of its level; a service level within "
                    f"{fmt.points(CSL_TOLERANCE)} of its target meets it; the strength of a season or trend "
                    f"(0 to 1) is weak below {fmt.number(STRENGTH_SCALE[-2][0], 1)}, {scale}")
