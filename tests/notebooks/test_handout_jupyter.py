"""The hand-out reads in Jupyter as on the page (issue 25, point 1).

Every exercises notebook of the hand-out is executed by papermill on the
built-in shop (the hand-out's own parameters) and rendered for Jupyter; then
each of the page's numbered tables and figures (its ``{glue:figure}``
directives, counted in the chapter's own notebook) must be shown in the
notebook (a table's HTML, a figure's PNG attached to its markdown cell), no
markdown cell may hold MyST, and every glued number must read as a number.
"""

from __future__ import annotations

import base64
import re

import nbformat
import pytest

from analysis.book import handout, jupyter_md
from analysis.book.runner import ROOT
from analysis.chapters import CHAPTERS

pytestmark = pytest.mark.notebooks
PNG = b"\x89PNG\r\n\x1a\n"
SOLVED = CHAPTERS[:2]  # the solutions versions of the first two chapters (the workshop's), executed too


def page_labels(stem: str) -> tuple[list[str], list[str]]:
    """The labels of the page's glued tables and figures, from the chapter's notebook (its MyST)."""
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    names = re.findall(r"```\{glue:figure\}[^\n]*\n(?::[a-z]+:[^\n]*\n)*?:name: (\S+)", text)
    return [n for n in names if n.startswith("tab-")], [n for n in names if not n.startswith("tab-")]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("handout")
    handout.build_handout(ROOT, out, log=open("/dev/null", "w"))
    quiet = open("/dev/null", "w")
    handout.execute_handout(ROOT, out, kinds=("exercises",), log=quiet)
    handout.execute_handout(ROOT, out, kinds=("solutions",), chapters=SOLVED, log=quiet)
    return out


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_every_table_and_figure_of_the_page_shows_in_the_exercises_notebook(executed, chapter):
    nb = nbformat.read(executed / f"{chapter.stem}_exercises.ipynb", as_version=4)
    assert nb.metadata.kernelspec.name == "ecommerce-book"
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    tables, figures = page_labels(chapter.stem)
    assert tables and figures
    shown_tables = [c.source for c in markdown for _ in re.finditer(r"\*\*Table \d+\.\d+\.\*\*[^\n]*\n\n<div>\n(?:.*\n)*?.*<table", c.source)]
    assert len(shown_tables) == len(tables)
    images = [base64.b64decode(a["image/png"]) for c in markdown for a in c.get("attachments", {}).values()]
    assert len(images) == len(figures) and all(i.startswith(PNG) for i in images)
    for n in range(1, len(figures) + 1):
        assert any(f"**Figure {chapter.number}.{n}.**" in c.source for c in markdown), n
    assert jupyter_md.raw_myst(nb) == []
    assert not any(re.search(r"\$\$\s*\([a-z][\w\-]*\)", c.source) for c in markdown)  # equation labels numbered


@pytest.mark.parametrize("chapter", SOLVED, ids=lambda c: c.name)
def test_solutions_say_what_this_run_found(executed, chapter):
    nb = nbformat.read(executed / f"{chapter.stem}_solutions.ipynb", as_version=4)
    solutions = [c.source for c in nb.cells if c.cell_type == "markdown" and "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == sum("exercise" in c.metadata.get("tags", []) for c in nb.cells)
    for text in solutions:
        assert text.startswith("> **Solution"), text[:60]
        assert jupyter_md.RAW_MYST.search(text) is None
        last = text.rstrip().splitlines()[-1]
        assert re.search(r"\d", last), last  # the run's numbers, in words
    assert jupyter_md.raw_myst(nb) == []


def test_files_an_exercise_reads_are_beside_the_notebooks(executed):
    assert (executed / "risk_scores.csv").is_file()
    for chapter in CHAPTERS:
        assert (executed / f"{chapter.stem}_exercises.ipynb").is_file()


def _comparable(nb) -> list:
    """A notebook's cells as the participant sees them: source, tags, and outputs without counters or timings."""
    cells = []
    for c in nb.cells:
        outputs = [{k: v for k, v in o.items() if k not in ("execution_count", "metadata")}
                   for o in c.get("outputs", [])]  # fmt: skip
        cells.append((c.cell_type, c.source, c.metadata.get("tags", []), outputs, c.get("attachments", {})))
    return cells


@pytest.mark.parametrize("chapter", SOLVED, ids=lambda c: c.name)
def test_make_handout_s_exercises_from_the_executed_solutions_equal_the_exercises_executed(executed, chapter):
    # make handout executes each chapter once and derives the exercises notebook from the executed solutions
    # (handout.execute_handout(derive=True)); that is only right if it equals the exercises notebook executed
    derived = handout.exercises_version(nbformat.read(executed / f"{chapter.stem}_solutions.ipynb", as_version=4))
    direct = nbformat.read(executed / f"{chapter.stem}_exercises.ipynb", as_version=4)
    assert _comparable(derived) == _comparable(direct)
