"""Worded findings: sentences chosen by the numbers of the run, one module per chapter.

A chapter is rerun on data its authors never saw, so every sentence that states
a finding is built here from the run's numbers (never typed for the shop). Each
chapter module (``findings.concepts``, ``findings.clustering``, ...) holds small
functions that take numbers and return one sentence (``str``); their thresholds
are named module constants, and each is tested on inputs where the finding goes
each way. Numbers inside sentences are written with :mod:`analysis.fmt`.

The helpers below are shared by the chapter modules (the first three are
:mod:`analysis.fmt`'s, re-exported):

- :func:`sentence` -- capitalise and end with a full stop;
- :func:`plural` -- ``plural(1, "day")`` -> ``"1 day"``, ``plural(3, "day")`` -> ``"3 days"``;
- :func:`join_words` -- ``["a", "b", "c"]`` -> ``"a, b and c"``;
- :func:`compare` -- ``"higher"``, ``"lower"`` or ``"about the same"`` within a relative tolerance;
- :func:`summary` -- the "What this run found" bullet list (Markdown) from sentences;
- :func:`trading_days` -- the shop's trading week in words, the same in every chapter;
- :func:`concentration` -- how concentrated revenue (or orders) is, one scale for the whole book.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from analysis import fmt
from analysis.chapters._claims import CONCENTRATED, CONCENTRATION, EVEN, at_scale
from analysis.fmt import join_words, plural, sentence

__all__ = ["CONCENTRATED", "EVEN", "compare", "concentration", "join_words", "plural", "sentence", "summary",
           "trading_days"]  # the first three from analysis.fmt


def compare(value: float, reference: float, *, tolerance: float = 0.05) -> str:
    """``"higher"``, ``"lower"`` or ``"about the same"``: ``value`` against ``reference``.

    Within ``tolerance`` (relative to ``|reference|``; absolute when the reference is 0)
    the two count as about the same.
    """
    value, reference = float(value), float(reference)
    if not (math.isfinite(value) and math.isfinite(reference)):
        return "not comparable"
    scale = abs(reference) if reference else 1.0
    if abs(value - reference) <= tolerance * scale:
        return "about the same"
    return "higher" if value > reference else "lower"


def summary(sentences: Iterable[str]) -> str:
    """The "What this run found" list as Markdown bullets, one finding per line (empty ones skipped)."""
    return "\n".join(f"- {sentence(s)}" for s in sentences if s and str(s).strip())


def trading_days(off_sales: Mapping[str, tuple[int, int]]) -> str:
    """The days a shop trades on, from :attr:`analysis.kpi.TradingCalendar.off_sales` (non-trading weekday ->
    days with a sale, days in the data): one wording for every chapter, so none says "never" of a weekday on
    which another chapter counts a sale."""
    if not off_sales:
        return "the shop trades every day of the week"
    days = join_words([f"{day}s" for day in off_sales], "or")
    counts = join_words([f"{fmt.count(sold) if sold else 'none'} of the {fmt.count(total)} {day}s"
                         for day, (sold, total) in off_sales.items()])  # fmt: skip
    return f"the shop does not trade on {days} (sales on {counts} in the data)"


# CONCENTRATED and EVEN, the book's one concentration scale (read on the top 20% share, kpi.top_share), live in
# analysis.chapters._claims (CONCENTRATION) with the other scales and tie rules; they are re-exported here.


def concentration(top20: float, value: str = "revenue", finding: str = "concentration") -> str:
    """The book's one verdict on concentration, from the share ``top20`` of the value (``revenue``, or ``orders``)
    brought by the top 20% of customers: a claim on :data:`analysis.chapters._claims.CONCENTRATION`, checked
    before it is worded, so no two chapters word the same customers differently."""
    are = "is" if value == "revenue" else "are"
    equal = "spending" if value == "revenue" else "buying"
    words = {
        "concentrated": f"{value} {are} concentrated in a minority of customers",
        "spread fairly evenly": f"{value} {are} spread fairly evenly (equal {equal} would give 20%)",
        "moderately concentrated": (f"{value} {are} moderately concentrated (equal {equal} would give 20%, "
                                    "the '80/20 rule' 80%)"),
    }  # fmt: skip
    return at_scale(finding, f"top 20% share of {value}", "the top 20% of customers", top20, CONCENTRATION,
                    source="top20_share", words=words).say()  # fmt: skip
