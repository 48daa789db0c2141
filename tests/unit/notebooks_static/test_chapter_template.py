"""The chapter conventions (analysis.book.conventions) on the template and the chapters that follow them.

Every chapter in the registry is checked (CONVERTED); the browser test (tests/book) checks the same on
the built pages.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from analysis.book import conventions
from analysis.chapters import CHAPTERS

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "notebooks" / "_template.ipynb"
#: The chapters held to the conventions: all of them, from the registry.
CONVERTED = [c.notebook for c in CHAPTERS]  # every registered chapter


@pytest.mark.parametrize("name", CONVERTED)
def test_chapter_follows_the_conventions(name):
    assert conventions.problems(ROOT / "notebooks" / name) == []


def test_template_follows_the_conventions_it_documents():
    nb = nbformat.read(TEMPLATE, as_version=4)
    nbformat.validate(nb)
    assert conventions.problems(TEMPLATE, number=0, stem="00_topic") == []
    notes = next(c.source for c in nb.cells if "remove-cell" in c.metadata.get("tags", []))  # read in Jupyter only
    assert "How to use this template" in notes and nb.cells.index(next(c for c in nb.cells if c.source == notes)) == 1
    for word in ("exercise", "solution", "hide-input", "tab-", "fig-", ":alt:", "{numref}", "{term}", "88"):
        assert word in notes, f"the template's notes do not document {word!r}"


def test_template_is_not_a_chapter():
    assert TEMPLATE.name not in {ch.notebook for ch in CHAPTERS}


def test_every_convention_is_detected(tmp_path):
    nb = json.loads((ROOT / "notebooks" / "01_concepts.ipynb").read_text())
    path = tmp_path / "01_concepts.ipynb"

    def broken(edit) -> list[str]:
        copy = json.loads(json.dumps(nb))
        edit(copy["cells"])
        path.write_text(json.dumps(copy))
        return conventions.problems(path)

    def cell(cells, text):
        return next(c for c in cells if text in "".join(c["source"]))

    def drop_objectives(cells):
        cells[0]["source"] = "".join(cells[0]["source"]).replace("**Learning objectives.**", "Objectives:")

    assert any("Learning objectives" in p for p in broken(drop_objectives))

    def drop_exercise(cells):
        first = cell(cells, "Exercise 1.1")
        cells.remove(first)

    assert any("3 exercises" in p for p in broken(drop_exercise))

    def drop_alt(cells):
        c = cell(cells, ":name: fig-concepts-monthly")
        c["source"] = re.sub(r":alt: [^\n]*\n", "", "".join(c["source"]))

    assert any("fig-concepts-monthly has no :alt:" in p for p in broken(drop_alt))

    def uncite(cells):
        for c in cells:
            c["source"] = "".join(c["source"]).replace("{numref}`tab-concepts-kpis`", "the table")

    assert any("tab-concepts-kpis is never cited" in p for p in broken(uncite))

    def unglue(cells):
        c = next(c for c in cells if c["cell_type"] == "code" and 'glue("ex1_2",' in "".join(c["source"]))
        c["source"] = "".join(c["source"]).replace('glue("ex1_2",', 'glue("half",')

    assert any("must glue 'ex1_2'" in p for p in broken(unglue))

    def show_bookkeeping(cells):
        c = next(c for c in cells if c["cell_type"] == "code" and "glue_figure" in "".join(c["source"]))
        c["metadata"]["tags"] = []
        c["source"] = "".join(c["source"]) + '\nglue("x", 1, display=False)  ' + "#" * 90

    found = broken(show_bookkeeping)
    assert any("bookkeeping" in p for p in found) and any("longer than 88" in p for p in found)

    def no_takeaways(cells):
        cells.remove(cell(cells, "## Key takeaways"))

    assert any("Key takeaways" in p for p in broken(no_takeaways))
    shutil.rmtree(tmp_path)


OPERATORS = {"\\frac", "\\sum", "\\dots", "\\ge", "\\le", "\\lceil", "\\rceil", "\\mathbf", "\\boldsymbol", "\\bar",
             "\\begin", "\\end", "\\in", "\\lVert", "\\rVert", "\\log", "\\max", "\\mid", "\\sim", "\\cdot",
             "\\hat", "\\tilde", "\\sqrt", "\\exp", "\\ln", "\\min", "\\approx", "\\ne", "\\times", "\\top",
             "\\big", "\\Big", "\\qquad", "\\quad", "\\left", "\\right", "\\pm", "\\bmod", "\\ast",
             "\\leftarrow", "\\cap", "\\cup", "\\nabla", "\\partial", "\\infty", "\\to", "\\neq", "\\prod"}  # fmt: skip


def _symbols(math: str) -> set[str]:
    math = re.sub(r"\\(mathrm|text|operatorname)\{[^}]*\}", "", math)
    found = set(re.findall(r"\\[a-zA-Z]+|(?<![\\a-zA-Z])[a-zA-Z](?![a-zA-Z])", math))
    return found - OPERATORS


def _math(text: str) -> list[str]:
    return [a or b for a, b in re.findall(r"\$\$(.*?)\$\$|\$([^$\n]+)\$", text, flags=re.S)]


@pytest.mark.parametrize("name", CONVERTED)
def test_every_symbol_of_the_chapter_is_on_the_notation_page(name):
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    used = set().union(*(_symbols(m) for m in _math(text)))
    notation = (ROOT / "book" / "notation.md").read_text()
    first_columns = [row.split("|")[1] for row in notation.splitlines() if row.startswith("| $")]
    listed = set().union(*(_symbols(m) for cell in first_columns for m in _math(cell)))
    assert used - listed == set(), "symbols used but not on book/notation.md"


def test_no_symbol_is_listed_twice_on_the_notation_page():
    notation = (ROOT / "book" / "notation.md").read_text()
    first_columns = [row.split("|")[1].strip() for row in notation.splitlines() if row.startswith("| $")]
    assert len(first_columns) == len(set(first_columns)), "a symbol listed twice: it would mean two things"
