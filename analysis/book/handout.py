"""``make handout``: the workshop notebooks, built from the chapters themselves.

For every chapter whose notebook has exercises (cells tagged ``exercise``, see
:mod:`analysis.book.conventions`), two notebooks in ``book/_build/handout/``:

* ``NN_name_exercises.ipynb``: the chapter without its solutions (every cell
  tagged ``solution`` removed), with an empty code cell under each exercise for
  the participant's answer;
* ``NN_name_solutions.ipynb``: the chapter with its solutions, their code shown
  (the ``hide-input`` tags that fold it on the web page are dropped).

Both are output-free and run as they are in Jupyter with the book's kernel
(they call the same ``analysis`` package); a ``README.md`` lists them. A chapter
without exercises is skipped and named.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from analysis.chapters import CHAPTERS

ANSWER = "# Your answer: the chapter's tables and variables above are yours to use\n"
FOLD = {"hide-input", "hide-cell", "hide-output"}


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def exercises_version(nb):
    """The chapter without its solutions, an answer cell under each exercise."""
    import nbformat

    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if "solution" in _tags(cell):
            continue
        cells.append(cell)
        if "exercise" in _tags(cell):
            cells.append(nbformat.v4.new_code_cell(ANSWER, metadata={"tags": ["answer"]}))
    out.cells = cells
    return out


def solutions_version(nb):
    """The chapter with its solutions, their code unfolded."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if "solution" in _tags(cell):
            cell.metadata["tags"] = [t for t in _tags(cell) if t not in FOLD]
    return out


def build_handout(root: Path, out: Path, log=None) -> list[Path]:
    """Write both versions of every chapter with exercises into ``out``; return the files written."""
    import nbformat

    log = log or sys.stdout
    out.mkdir(parents=True, exist_ok=True)
    written, rows = [], []
    for ch in CHAPTERS:
        nb = nbformat.read(ch.path(root), as_version=4)
        n = sum("exercise" in _tags(c) for c in nb.cells)
        if n == 0:
            print(f"    {ch.notebook}: no exercises tagged 'exercise' yet, skipped", file=log)
            continue
        for kind, version in (("exercises", exercises_version), ("solutions", solutions_version)):
            path = out / f"{ch.stem}_{kind}.ipynb"
            nbformat.write(version(nb), path)
            written.append(path)
        rows.append(f"| {ch.number}. {ch.title} | {n} | `{ch.stem}_exercises.ipynb` | `{ch.stem}_solutions.ipynb` |")
        print(f"    {ch.notebook}: {n} exercises -> {ch.stem}_exercises.ipynb, {ch.stem}_solutions.ipynb", file=log)
    readme = out / "README.md"
    readme.write_text(
        "# Workshop hand-out\n\nBuilt by `make handout` from the book's chapter notebooks. Open a notebook in "
        "Jupyter with the kernel *Python (e-commerce book)*, run it from the top, and answer each exercise in "
        "the cell below it. The solutions notebooks hold the worked solutions.\n\n"
        "| chapter | exercises | for participants | solutions |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    return [*written, readme]


def main(root: Path, out: Path | None = None) -> int:
    out = out or root / "book" / "_build" / "handout"
    print(f"==> the workshop hand-out in {out}", flush=True)
    files = build_handout(root, out)
    print(f"{len(files) - 1} notebooks and README.md written to {out}")
    return 0 if len(files) > 1 else 1
