"""Claims, not strings: every comparative or evaluative finding rests on a checked claim.

A finding such as "X ranks best", "X is clearly ahead of Y", "the season is strong"
or "revenue is concentrated" is a *claim* about numbers the page shows (a table or
glued values). A :class:`Claim` names those numbers (``source`` and ``values``),
the ``measure``, the ``subject`` (and the ``other`` it is compared with), the
``relation`` and the tie rule or scale that decides it. :meth:`Claim.say` checks
the relation on the numbers and only then renders the sentence's words; a claim
whose numbers contradict it raises :class:`ClaimError` naming the finding, the
relation and the numbers, which stops the chapter (a bug, never silent).

One tie rule per kind of measure and one scale per descriptive word, defined
once here for the whole book:

- :data:`FOLD_SPREAD` -- cross-validated scores: a lead counts only beyond the
  spread across folds (of the fold-by-fold difference when both were scored on
  the same folds);
- :class:`Relative` -- errors, values and money: a stated relative tolerance
  (each chapter names its own constant, e.g. recommend's ``SAME_NDCG``);
- :data:`CONCENTRATION` -- "concentrated", "moderately concentrated", "spread
  fairly evenly", read on the top 20% of customers' share of the value;
- :data:`STRENGTH` -- "weak", "moderate", "strong" for a season's or trend's
  strength (Hyndman and Athanasopoulos 2021, section 4.3).

Every claim checked in a process is kept in a log (:func:`checked`);
a chapter's last cell writes it beside the page as ``<chapter>_claims.json``
(:func:`write`), so each run shows the claims it verified.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = ["CONCENTRATED", "CONCENTRATION", "EVEN", "FOLD_SPREAD", "RELATIONS", "STRENGTH", "Claim", "ClaimError", "FoldSpread",
           "Relative", "Scale", "at_scale", "checked", "clear", "compared", "write"]  # fmt: skip


class ClaimError(RuntimeError):
    """A finding's claim contradicted by its own numbers: a bug in the chapter, never a data problem."""


# --------------------------------------------------------------------------- tie rules


@dataclass(frozen=True)
class FoldSpread:
    """Cross-validated scores: two means tie unless they differ by more than ``factor`` times the spread across
    folds (the claim's ``spread``: of the fold-by-fold difference when both were scored on the same folds)."""

    factor: float = 1.0
    name: str = "the fold spread"

    def tie(self, a: float, b: float, spread: float) -> bool:
        if not math.isfinite(spread):
            raise ClaimError(f"the fold-spread rule needs a finite spread across folds, got {spread!r}")
        return abs(a - b) <= self.factor * abs(spread)

    def describe(self, spread: float) -> str:
        times = "" if self.factor == 1 else f"{self.factor:g} times "
        return f"a lead beyond {times}the spread across folds ({spread:.4g})"


@dataclass(frozen=True)
class Relative:
    """Errors, values and money: two values tie unless they differ by more than ``tolerance`` times the claim's
    ``spread`` (a stated scale), or of the other value's size when no scale is given (1 when that is 0); with
    ``of_lower``, of the smaller of the two sizes, so the verdict does not depend on which value is named first."""

    tolerance: float
    name: str = "a relative tolerance"
    of_lower: bool = False

    def tie(self, a: float, b: float, spread: float) -> bool:
        size = min(abs(a), abs(b)) if self.of_lower else abs(b)
        scale = abs(spread) if math.isfinite(spread) else (size or 1.0)
        return abs(a - b) <= self.tolerance * scale

    def beyond(self, value: float, reference: float) -> bool:
        """Whether ``value`` is higher than ``reference`` by more than the rule (no scale: the sizes')."""
        if not (math.isfinite(value) and math.isfinite(reference)):
            return False
        return value > reference and not self.tie(value, reference, math.nan)

    def describe(self, spread: float) -> str:
        whose = "the lower value" if self.of_lower else "the value compared with"
        of = f"of {spread:.4g}" if math.isfinite(spread) else f"of {whose}"
        return f"a difference beyond {self.tolerance:.4g} {of}"


#: The book's one tie rule for cross-validated scores.
FOLD_SPREAD = FoldSpread()


@dataclass(frozen=True)
class Scale:
    """One descriptive word per range of a value: ``steps`` are ``(lower bound, word)`` from the highest bound
    down; a value gets the word of the first bound it reaches (``>=``), the last word below every bound."""

    name: str
    steps: tuple[tuple[float, str], ...]

    def word(self, value: float) -> str:
        if not math.isfinite(value):
            raise ClaimError(f"the scale of {self.name} has no word for {value!r}")
        return next((word for bound, word in self.steps if value >= bound), self.steps[-1][1])

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(word for _, word in self.steps)


#: A season's or a trend's strength F (Hyndman and Athanasopoulos 2021, 4.3), from 0 to 1.
STRENGTH = Scale("strength of a season or trend (Hyndman and Athanasopoulos 2021, 4.3)",
                 ((0.7, "strong"), (0.4, "moderate"), (0.0, "weak")))  # fmt: skip
#: The top 20% of customers bringing at least this share of the value: "concentrated in a minority" ...
CONCENTRATED = 0.6
#: ... at most this share: "spread fairly evenly"; between the two, "moderately concentrated".
EVEN = 0.35
#: The book's one concentration scale, read on the top 20% of customers' share of the value (equal spending
#: would give 0.2): every chapter words the same customers alike.
CONCENTRATION = Scale("the top 20% of customers' share of the value",
                      ((CONCENTRATED, "concentrated"), (math.nextafter(EVEN, 1.0), "moderately concentrated"),
                       (-math.inf, "spread fairly evenly")))  # fmt: skip


# --------------------------------------------------------------------------- claims

#: The relations a claim can state, and what each means on its numbers.
RELATIONS = {
    "best": "the subject has the best value of all (higher or lower is better, by the claim)",
    "worst": "the subject has the worst value of all",
    "beats": "the subject is better than the other by more than the tie rule",
    "ties": "the subject and the other are within the tie rule",
    "above": "the subject is higher than the other by more than the tie rule",
    "below": "the subject is lower than the other by more than the tie rule",
    "within": "the subject is within the tie rule of the other (a value holds, an estimate is close)",
    "at": "the subject's value carries the claim's word on the claim's scale",
    "covers": "the subject's interval (values 'low' and 'high') holds the other's value",
}

_LOG: list[dict[str, Any]] = []


def _number(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Claim:
    """A comparative or evaluative finding as data: checked on its numbers, then rendered into words.

    ``values`` maps each name the claim speaks of (the subject, the other, every row of the table it
    ranks) to its number on ``measure``; ``rule`` decides ties (:class:`FoldSpread`, :class:`Relative`) or
    words (:class:`Scale`, with ``word``); ``spread`` is the rule's yardstick (the fold spread, or the scale
    of a relative tolerance); ``words`` maps a relation to the sentence's words for it, formatted with
    ``subject``, ``other``, ``word`` and ``measure``.
    """

    finding: str
    measure: str
    relation: str
    subject: str
    values: Mapping[str, float]
    other: str = ""
    rule: FoldSpread | Relative | Scale | None = None
    spread: float = math.nan
    word: str = ""
    higher_is_better: bool = True
    source: str = ""
    words: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ClaimError(f"finding {self.finding}: unknown relation {self.relation!r} (one of {sorted(RELATIONS)})")

    # ----------------------------------------------------------------- the check

    def _fail(self, numbers: Mapping[str, float], why: str) -> ClaimError:
        shown = ", ".join(f"{k} = {float(v):.6g}" for k, v in numbers.items())
        other = f" {self.other}" if self.other else ""
        word = f" {self.word!r}" if self.word else ""
        source = f" ({self.source})" if self.source else ""
        return ClaimError(f"finding {self.finding}: the claim '{self.subject} {self.relation}{word}{other}' on "
                          f"{self.measure}{source} fails its check: {why}; the numbers: {shown}")  # fmt: skip

    def _tie(self, a: float, b: float) -> bool:
        if not isinstance(self.rule, FoldSpread | Relative):
            raise ClaimError(f"finding {self.finding}: the relation {self.relation!r} needs a tie rule, got {self.rule!r}")
        return self.rule.tie(a, b, self.spread)

    def holds(self, numbers: Mapping[str, float]) -> tuple[bool, str]:
        """Whether the relation holds on ``numbers``, and why not (empty when it holds)."""
        try:
            v = {k: float(x) for k, x in numbers.items()}
        except (TypeError, ValueError) as err:
            return False, f"a value is not a number ({err})"
        missing = [n for n in (self.subject, self.other) if n and self.relation != "covers" and n not in v]
        if missing:
            return False, f"no number for {missing}"
        rel, s, o = self.relation, self.subject, self.other
        sign = 1.0 if self.higher_is_better else -1.0
        if rel in ("best", "worst"):
            finite = {k: x for k, x in v.items() if math.isfinite(x)}
            if s not in finite:
                return False, f"{s} has no finite value"
            pick = max if (rel == "best") == self.higher_is_better else min
            top = pick(finite.values())
            leader = next(k for k, x in finite.items() if x == top)
            return (finite[s] == top), (f"{leader} has the {rel} value, {top:.6g}, not {s}" if finite[s] != top else "")
        if rel == "at":
            if not isinstance(self.rule, Scale):
                return False, f"the relation 'at' needs a scale, got {self.rule!r}"
            said = self.rule.word(v[s])
            return said == self.word, ("" if said == self.word else f"on the scale of {self.rule.name} "
                                       f"{v[s]:.6g} is {said!r}, not {self.word!r}")  # fmt: skip
        if rel == "covers":
            low, high, at = v.get("low", math.nan), v.get("high", math.nan), v.get(o, math.nan)
            ok = low <= at <= high
            return ok, "" if ok else f"{o} = {at:.6g} lies outside [{low:.6g}, {high:.6g}]"
        a, b = v[s], v[o]
        if not (math.isfinite(a) and math.isfinite(b)):
            return False, "a compared value is not finite"
        tie = self._tie(a, b)
        rule = self.rule.describe(self.spread)
        if rel in ("ties", "within"):
            return tie, "" if tie else f"they differ by {abs(a - b):.6g}, beyond {rule}"
        if rel == "beats":
            ok = not tie and sign * (a - b) > 0
            return ok, "" if ok else f"{s} leads {o} by {sign * (a - b):.6g}, not {rule}"
        if rel == "above":
            ok = not tie and a > b
            return ok, "" if ok else f"{s} is above {o} by {a - b:.6g}, not {rule}"
        ok = not tie and a < b  # below
        return ok, "" if ok else f"{s} is below {o} by {b - a:.6g}, not {rule}"

    def check(self, numbers: Mapping[str, float] | None = None) -> Claim:
        """Verify the relation on ``numbers`` (the claim's own ``values`` when not given); raise
        :class:`ClaimError` naming the finding, the relation and the numbers when it fails. Logged either way."""
        numbers = self.values if numbers is None else numbers
        ok, why = self.holds(numbers)
        _LOG.append({
            "finding": self.finding, "relation": self.relation, "subject": self.subject, "other": self.other,
            "word": self.word, "measure": self.measure, "source": self.source,
            "rule": getattr(self.rule, "name", ""), "spread": _number(self.spread),
            "values": {str(k): _number(x) for k, x in numbers.items()}, "passed": ok,
        })  # fmt: skip
        if not ok:
            raise self._fail(numbers, why)
        return self

    # ----------------------------------------------------------------- the words

    def render(self) -> str:
        """The sentence's words for the claim's relation (``words``; a plain default when none is given)."""
        default = {
            "best": "{subject} ranks best on {measure}", "worst": "{subject} ranks worst on {measure}",
            "beats": "{subject} is clearly ahead of {other}", "ties": "{subject} and {other} tie",
            "above": "{subject} is above {other}", "below": "{subject} is below {other}",
            "within": "{subject} is within the tolerance of {other}", "at": "{word}",
            "covers": "{subject} covers {other}",
        }  # fmt: skip
        text = self.words.get(self.relation, default[self.relation])
        for name in ("subject", "other", "word", "measure"):  # no str.format: names from data may hold braces
            text = text.replace("{" + name + "}", str(getattr(self, name)))
        return text

    def say(self) -> str:
        """Check, then render: the only way a finding gets its words from a claim (the words are logged too)."""
        text = self.check().render()
        _LOG[-1]["said"] = text
        return text


def compared(finding: str, measure: str, subject: str, other: str, a: float, b: float, rule: FoldSpread | Relative,
             spread: float = math.nan, *, higher_is_better: bool = True, source: str = "",
             words: Mapping[str, str] | None = None) -> Claim:  # fmt: skip
    """The claim the numbers support between ``subject`` (value ``a``) and ``other`` (``b``): ``beats`` when
    the subject leads beyond the tie rule, ``ties`` within it, and ``beats`` the other way round (subject and
    other swapped) when the other leads."""
    claim = Claim(finding, measure, "ties", subject, {subject: a, other: b}, other, rule, spread,
                  higher_is_better=higher_is_better, source=source, words=dict(words or {}))  # fmt: skip
    if rule.tie(a, b, spread):
        return claim
    lead = (a - b) if higher_is_better else (b - a)
    if lead > 0:
        return replace(claim, relation="beats")
    return replace(claim, relation="beats", subject=other, other=subject)


def at_scale(finding: str, measure: str, subject: str, value: float, scale: Scale, *, source: str = "",
             words: Mapping[str, str] | None = None) -> Claim:  # fmt: skip
    """The claim that ``value`` carries its scale's word (rendered by ``words[word]`` when given)."""
    word = scale.word(value)
    template = dict(words or {}).get(word, "{word}")
    return Claim(finding, measure, "at", subject, {subject: value}, rule=scale, word=word, source=source,
                 words={"at": template})  # fmt: skip


def checked() -> list[dict[str, Any]]:
    """The claims checked in this process since the last :func:`clear` or :func:`write`, in order."""
    return [dict(entry) for entry in _LOG]


def clear() -> None:
    _LOG.clear()


def write(chapter: str, folder: str | Path = ".", *, keep: Callable[[dict], bool] | None = None) -> str:
    """Write the claims checked in this run as ``<chapter>_claims.json`` in ``folder`` (the chapter's working
    directory: the runner moves it beside the page) and clear the log; returns the file name."""
    entries = [e for e in _LOG if keep is None or keep(e)]
    name = f"{chapter}_claims.json"
    record = {"chapter": chapter, "claims": entries, "checked": len(entries),
              "failed": sum(not e["passed"] for e in entries)}  # fmt: skip
    (Path(folder) / name).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    clear()
    return name
