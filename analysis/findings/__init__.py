"""Worded findings: sentences chosen by the numbers of the run, one module per chapter.

A chapter is rerun on data its authors never saw, so every sentence that states
a finding is built here from the run's numbers (never typed for the shop). Each
chapter module (``findings.concepts``, ``findings.clustering``, ...) holds small
functions that take numbers and return one sentence (``str``); their thresholds
are named module constants, and each is tested on inputs where the finding goes
each way. Numbers inside sentences are written with :mod:`analysis.fmt`.

The helpers below are shared by the chapter modules:

- :func:`sentence` -- capitalise and end with a full stop;
- :func:`plural` -- ``plural(1, "day")`` -> ``"1 day"``, ``plural(3, "day")`` -> ``"3 days"``;
- :func:`join_words` -- ``["a", "b", "c"]`` -> ``"a, b and c"``;
- :func:`compare` -- ``"higher"``, ``"lower"`` or ``"about the same"`` within a relative tolerance;
- :func:`summary` -- the "What this run found" bullet list (Markdown) from sentences.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from analysis import fmt

__all__ = ["compare", "join_words", "plural", "sentence", "summary"]


def sentence(text: str) -> str:
    """``text`` with its first letter capitalised and a closing full stop (unless it ends in . ! ? or :)."""
    text = " ".join(str(text).split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?:" else text + "."


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun: ``plural(1, "day")`` -> ``"1 day"``, ``plural(2500, "order")`` -> ``"2,500 orders"``."""
    word = singular if round(float(n)) == 1 else (plural_form or singular + "s")
    return f"{fmt.count(n)} {word}"


def join_words(items: Sequence[str] | Iterable[str], conjunction: str = "and") -> str:
    """``["a"]`` -> ``"a"``; ``["a", "b"]`` -> ``"a and b"``; ``["a", "b", "c"]`` -> ``"a, b and c"``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


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
