"""The glossary covers the page: every measure that names a column or a finding has an English and a Chinese
entry in book/glossary.md and is linked ({term}) from its first use in each chapter's prose; a measure-like
name (an acronym, a name@K) on a page or in a chapter's column words that is neither a glossary measure nor
a listed method or file name is reported as a measure without an entry."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from analysis.book.runner import ROOT
from analysis.chapters import CHAPTERS

#: Glossary term -> how the measure is written in prose (the first match must sit in a {term} role).
MEASURES = {
    "MASE": r"\bMASE\b",
    "sMAPE": r"\bsMAPE\b",
    "MAE": r"\bMAE\b",
    "RMSE": r"\bRMSE\b",
    "nDCG": r"\bnDCG(?:@K)?",
    "recall@K": r"\brecall@K|\bR@K",
    "precision@K": r"\bprecision@K|\bP@K",
    "MAP": r"\bMAP\b",
    "hit rate": r"\bhit rate\b",
    "PR AUC": r"\bPR AUC\b",
    "ROC AUC": r"\bROC AUC\b",
    "Brier score": r"\bBrier score\b",
    "P(alive)": r"P\(alive\)",
    "conformal interval": r"\bconformal\b",
    "fill rate": r"\bfill rate\b",
    "cycle service level": r"\bcycle service level\b",
    "EASE": r"\bEASE\b",
    "support": r"\bsupport\b(?! (?:a|the|it|this|that)\b)",
    "lift": r"\blift\b",
    "confidence": r"\bconfidence\b(?! interval)",
    "adjusted Rand index": r"\badjusted Rand index\b|\bARI\b",
}
#: Measure-like names on the pages: the glossary term each stands for, or None for a method, model or file name.
KNOWN = {
    "MASE": "MASE", "sMAPE": "sMAPE", "MAE": "MAE", "RMSE": "RMSE", "RMS": "RMSE", "nDCG@K": "nDCG",
    "R@K": "recall@K", "recall@K": "recall@K", "P@K": "precision@K", "precision@K": "precision@K", "MAP": "MAP",
    "AUC": "ROC AUC", "ROC": "ROC AUC", "PR": "PR AUC", "AIC": "AIC", "CLV": "customer lifetime value",
    "AOV": "average order value", "ARI": "adjusted Rand index", "nDCG": "nDCG", "CSL": "cycle service level",
    "EASE": "EASE", "RFM": "RFM", "BG/NBD": "BG/NBD model",
    "ALS": None, "ARIMA": None, "SARIMA": None, "ETS": None, "BPR": None, "STL": None, "TF-IDF": None, "PCA": None,
    "DBSCAN": None, "PDO": None, "ID": None, "CH": None, "DATA": None, "PARAMS": None, "CSV": None, "UTC": None,
    "CDNOW": None, "UCI": None, "CF": None, "FP": None, "L2": None, "SGD": None, "kNN": None, "CV": None,
}  # fmt: skip
MEASURE_LIKE = re.compile(r"\b[A-Za-z]+@K\b|\b[A-Z][A-Z0-9]+(?:[/-][A-Z0-9]+)*\b|\b[a-z]+[A-Z]{2,}[A-Za-z]*\b")
CJK = re.compile(r"[\u4e00-\u9fff]")


def glossary() -> dict[str, str]:
    """Term -> its definition, from the {glossary} block of book/glossary.md."""
    block = (ROOT / "book" / "glossary.md").read_text().split("```{glossary}\n", 1)[1].split("\n```", 1)[0]
    out, term = {}, None
    for line in block.splitlines():
        if line and not line.startswith(" "):
            term = line.strip()
            out[term] = ""
        elif term is not None:
            out[term] += " " + line.strip()
    return out


def prose(markdown: str) -> str:
    """The reader's text of a markdown cell: code, math, option lines and roles other than {term} left out;
    each {term}`text <target>` kept as ⟦target|text⟧."""
    text = re.sub(r"^```(?!\{).*?^```", " ", markdown, flags=re.S | re.M)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"^\s*:[a-z-]+:.*$", " ", text, flags=re.M)
    term = re.compile(r"\{term\}`([^`<]*?)(?:\s*<([^>]+)>)?`")
    text = term.sub(lambda m: f"⟦{m.group(2) or m.group(1)}|{m.group(1)}⟧", text)
    text = re.sub(r"\{[a-z:-]+\}`[^`]*`", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    return " ".join(re.sub(r"\$[^$]+\$", " ", text).split())


def chapter_prose(notebook: str) -> str:
    nb = json.loads((ROOT / "notebooks" / notebook).read_text())
    return "\n".join(prose("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_every_measure_has_an_english_and_a_chinese_entry():
    entries = glossary()
    wanted = set(MEASURES) | {v for v in KNOWN.values() if v}
    missing = sorted(t for t in wanted if t not in entries)
    assert not missing, f"measures without a glossary entry in book/glossary.md: {missing}"
    untranslated = sorted(t for t in wanted if not CJK.search(entries[t]))
    assert not untranslated, f"glossary entries without their Chinese term: {untranslated}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_no_measure_on_a_page_lacks_an_entry(chapter):
    """Measure-like names in the chapter's prose and in its steps' column words: each a glossary measure or a
    listed method or file name (a new one is reported here until it gets an entry, or is listed as a name)."""
    text = chapter_prose(chapter.notebook)
    steps = importlib.import_module(f"analysis.chapters.{chapter.name}.steps")
    words = " ".join(str(v) for v in getattr(steps, "COLUMN_WORDS", {}).values())
    found = set(MEASURE_LIKE.findall(re.sub(r"⟦[^⟧]*\|", " ", text))) | set(MEASURE_LIKE.findall(words))
    unknown = sorted(found - set(KNOWN))
    assert not unknown, (f"{chapter.notebook}: measure-like names without a glossary entry (add one to "
                         f"book/glossary.md, or list a method's name in KNOWN): {unknown}")  # fmt: skip


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_each_measure_links_to_the_glossary_from_its_first_use(chapter):
    text = chapter_prose(chapter.notebook)
    unlinked = []
    for term, pattern in MEASURES.items():
        for m in re.finditer(pattern, text):
            inside = text.rfind("⟦", 0, m.start()) > text.rfind("⟧", 0, m.start())
            if inside:
                target = text[text.rfind("⟦", 0, m.start()) + 1 :].split("|", 1)[0]
                if target == term:
                    break
                continue  # inside another term's link: not a use of this one
            unlinked.append(f"{term}: “{' '.join(text[max(0, m.start() - 40) : m.end() + 20].split())}”")
            break
    assert not unlinked, f"{chapter.notebook}: first use not linked with {{term}}: {unlinked}"
