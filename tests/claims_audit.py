"""Every claim a chapter run checked, read back from the ``<chapter>_claims.json`` it wrote beside its page.

A chapter checks each claim as it words it (:mod:`analysis.chapters._claims`); a claim that fails stops the
run. What a finished run shows here: the claims it checked (none failed), and that every glued sentence using
a comparative or evaluative word (:data:`VOCABULARY`) rests on at least one claim of its own glue name,
except the sentences in :data:`BACKLOG`, still plain strings (issue 27: convert one, and take it off the list;
a listed name that now has its claims is reported too, so the list only shrinks). No sentence has a
hand-written expectation here: the claims carry their own checks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

#: The words that make a finding comparative or evaluative (issue 27's list).
VOCABULARY = re.compile(
    r"\b(best|worst|beats?|clearly ahead|ties?|tied|ranks? (?:best|better|worse)|worth the most|realises the most|"
    r"strong|weak|moderate|holds up|holds roughly|(?:still|does not|assumption) holds?|covers?|concentrated|rare|"
    r"common)\b",
    re.IGNORECASE,
)

#: Glued sentences that use such a word but are not built from claims yet, by chapter (issue 27, point 1:
#: the rest of the conversion). Each was seen using a word of VOCABULARY on some run of the claims matrix.
BACKLOG: dict[str, frozenset[str]] = {
    "concepts": frozenset(),
    "clustering": frozenset(),
    "recommend": frozenset(),
    "forecast": frozenset(),
    "risk": frozenset(),
}
#: Glued values that only gather other findings (the "What this run found" list): their sentences are
#: audited under their own names.
GATHERED = frozenset({"run_summary"})
#: Glued sentences that state the page's rules for its words (which difference is a tie, which scale a word
#: reads on): method text, not a finding of the run, so no claim backs them.
RULES = frozenset({"rules_sentence"})
#: Fixed text about a method whose comparative word is no finding of the run (a grid's edge, data without a
#: planted truth): left out before the words are looked for, so the rest of the sentence is still audited.
FIXED = re.compile(
    r"the best (?:one|penalty) may lie (?:above|below) the grid|the best possible score is unknown",
    re.IGNORECASE,
)


def record(folder: Path, chapter: str) -> dict:
    """The claims file the chapter's run wrote in ``folder``."""
    path = Path(folder) / f"{chapter}_claims.json"
    assert path.exists(), f"{chapter}: the run wrote no {path.name} (its last cell records the checked claims)"
    return json.loads(path.read_text(encoding="utf-8"))


def unclaimed(chapter: str, glued: dict[str, str], claims: list[dict]) -> list[str]:
    """The glued sentences that use a comparative word without a claim of their own name (backlog left out)."""
    claimed = {c["finding"].split(".", 1)[1] for c in claims if c["finding"].startswith(chapter + ".")}
    return sorted(name for name, text in glued.items()
                  if name not in claimed | GATHERED | RULES | BACKLOG.get(chapter, frozenset()) and " " in str(text)
                  and VOCABULARY.search(FIXED.sub("", str(text))))  # fmt: skip


def audit(folder: Path, chapter: str, glued: dict[str, str]) -> dict:
    """Assert the run checked its claims, none failed, and every comparative sentence outside the backlog has
    a claim; returns the record (for a test that wants the counts)."""
    got = record(folder, chapter)
    failed = [c for c in got["claims"] if not c["passed"]]
    assert not failed and got["failed"] == 0, f"{chapter}: claims that failed their check: {failed}"
    claimed = {c["finding"].split(".", 1)[1] for c in got["claims"] if c["finding"].startswith(chapter + ".")}
    stale = sorted(claimed & BACKLOG.get(chapter, frozenset()))
    assert not stale, f"{chapter}: {stale} now rest on claims: take them off tests/claims_audit.BACKLOG"
    missing = unclaimed(chapter, glued, got["claims"])
    assert not missing, (
        f"{chapter}: these glued sentences use a comparative or evaluative word but rest on no claim: "
        + "; ".join(f"{n}: {glued[n][:160]!r}" for n in missing)
    )
    return got
