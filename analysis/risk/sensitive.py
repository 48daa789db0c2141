"""Protected attributes: which columns of a table mark one, and age read in bands for the check by group.

Lending rules forbid deciding on sex, marital status, race, colour, religion and
national origin (in the United States the Equal Credit Opportunity Act, 15 U.S.C.
1691; in the European Union the equal-treatment directives). :func:`find_sensitive`
names the columns whose *name* marks one of them, word by word (``SEX``,
``gender``, ``marital_status``, ``MARRIAGE``, ``race``, ``ethnicity``,
``religion``, ``nationality``), so that look-alikes do not count (``average``,
``page`` and ``usage`` hold the letters of "age", not the word), and the columns
of a known layout (German Credit's ``personal_status_sex`` and
``foreign_worker``). Age is found too, as its own kind: ECOA allows age in an
empirically derived, demonstrably and statistically sound scoring system,
provided applicants aged 62 or older are not scored down for their age
(Regulation B, 12 CFR 1002.6(b)(2)), so a chapter may keep it as a feature and
check it by group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["AGE", "AGE_BANDS", "KINDS", "age_bands", "find_sensitive", "group_values", "name_words"]

AGE = "age"
#: kind -> the words of a column name that mark it (a name matches when one of its words is among them).
KINDS: dict[str, frozenset[str]] = {
    "sex or gender": frozenset({"sex", "gender"}),
    "marital status": frozenset({"marital", "marriage", "married", "spouse"}),
    "race or ethnicity": frozenset({"race", "racial", "ethnic", "ethnicity", "colour", "color"}),
    "religion": frozenset({"religion", "religious", "faith"}),
    "national origin": frozenset({"nationality", "citizenship", "citizen", "foreign", "immigrant"}),
    AGE: frozenset({"age", "dob", "birthdate", "birthday", "yob"}),
}
#: word pairs that mark a kind together but not alone ("national origin", "country of birth", "date of birth").
PAIRS: dict[str, tuple[frozenset[str], ...]] = {
    "national origin": (frozenset({"national", "origin"}), frozenset({"country", "birth"})),
    AGE: (frozenset({"date", "birth"}), frozenset({"year", "birth"})),
}
#: Columns of known layouts: German Credit's attribute 9 (personal status and sex) and 20 (foreign worker).
LAYOUTS: dict[str, dict[str, str]] = {
    "german_credit": {"personal_status_sex": "sex and marital status", "foreign_worker": "national origin", "age": AGE},
}
#: Age bands (lower edges, years) for the check by group; 62 is Regulation B's "elderly" line.
AGE_BANDS = (0, 25, 35, 50, 62)


def name_words(name: str) -> set[str]:
    """The words of a column name, lower case: ``maritalStatus`` -> {marital, status}; ``PAY_0`` -> {pay, 0}."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return {w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w}


def _kind(name: str) -> str | None:
    words = name_words(name)
    for kind, marks in KINDS.items():
        if words & marks or any(pair <= words for pair in PAIRS.get(kind, ())):
            return kind
    return None


def find_sensitive(columns: Iterable[str], layout: str = "") -> dict[str, str]:
    """``{column: kind}`` for the columns that mark a protected attribute or age (see the module's docstring),
    in the columns' order; a known ``layout``'s own columns first by its documentation, then by name."""
    known = LAYOUTS.get(layout, {})
    out = {}
    for name in columns:
        kind = known.get(str(name)) or _kind(str(name))
        if kind:
            out[str(name)] = kind
    return out


def age_bands(values: pd.Series) -> pd.Series:
    """Ages as bands of :data:`AGE_BANDS` (``under 25``, ``25 to 34``, ..., ``62 or older``); missing as
    ``missing``. Ages are numbers of years; a column that is not numeric is returned as text."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() < values.notna().sum() or numbers.notna().sum() == 0:
        return values.astype("string").fillna("missing").astype(str)
    edges = list(AGE_BANDS[1:])
    names = [f"under {edges[0]}"] + [f"{a} to {b - 1}" for a, b in zip(edges, edges[1:])] + [f"{edges[-1]} or older"]
    index = np.searchsorted(np.asarray(edges, dtype=float), numbers.to_numpy(dtype=float), side="right")
    out = pd.Series([names[i] for i in index], index=values.index, dtype=str)
    return out.where(numbers.notna(), "missing")


def group_values(values: pd.Series, kind: str) -> pd.Series:
    """The groups of a sensitive column for the check by group: age in bands, anything else as its text."""
    if kind == AGE:
        return age_bands(values)
    return values.astype("string").fillna("missing").astype(str)
