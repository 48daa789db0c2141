"""The chapter conventions, checked on a notebook's source: what every chapter page must have.

:func:`problems` reads a chapter notebook (output-free, as committed) and returns
one line per broken convention, empty when the chapter follows them all. The
static test runs it on every chapter listed in ``tests/unit/notebooks_static``;
the browser test checks the same things on the built page. The conventions
(documented in ``notebooks/_template.ipynb``):

1. the first cell: ``# Title``, ``**The question.**``, ``**Learning objectives.**``,
   ``**Before you start.**`` and ``**Downloads.**`` with a ``{download}`` of the
   chapter's executed notebook and of a CSV;
2. the headings, in order: Setup, numbered sections (``## 1. ...``), What this run
   found, Key takeaways, Exercises, References; exactly one ``parameters`` cell;
3. at least :data:`MIN_EXERCISES` exercises, each a markdown cell tagged
   ``exercise`` holding ``:::{admonition} Exercise N.M (grade): title`` with
   ``:class: exercise`` (grades: one warm-up, two or more analysis, one or more
   extension), followed by a markdown cell tagged ``solution`` (a ``:class:
   dropdown`` admonition citing ``{glue:md}`exN_M_sentence```) and code cells
   tagged ``solution`` and ``hide-input`` that glue ``exN_M`` and ``exN_M_sentence``;
4. every ``{glue:figure}`` named ``fig-...`` has ``:alt:`` text, and every figure
   and table (``tab-...``) and every labelled equation is cited in the text
   (``{numref}``, ``{eq}``);
5. at least one glossary link (``{term}``);
6. code the reader sees (cells not tagged ``remove-input`` / ``remove-cell``) has
   lines of at most :data:`MAX_LINE` characters, and outside the solutions no
   bookkeeping (``glue(``, ``plt.close``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

MIN_EXERCISES = 4
MAX_LINE = 88
GRADES = ("warm-up", "analysis", "extension")
HEADINGS = ("Setup", "What this run found", "Key takeaways", "Exercises", "References")
EXERCISE = re.compile(r"^:::\{admonition\} Exercise (\d+)\.(\d+) \((warm-up|analysis|extension)\): \S", re.M)
HIDDEN = {"remove-input", "remove-cell", "parameters", "injected-parameters"}


def _cells(path: Path) -> list[dict]:
    nb = json.loads(Path(path).read_text())
    return [{"type": c["cell_type"], "tags": set(c.get("metadata", {}).get("tags", [])),
             "text": "".join(c["source"]), "outputs": c.get("outputs", [])} for c in nb["cells"]]  # fmt: skip


def _frame(cells: list[dict], stem: str) -> list[str]:
    out = []
    first = cells[0]["text"] if cells else ""
    for mark in ("# ", "**The question.**", "**Learning objectives.**", "**Before you start.**", "**Downloads.**"):
        if mark not in first:
            out.append(f"the first cell lacks {mark!r}")
    if f"{{download}}`{stem}.ipynb`" not in first:
        out.append(f"the first cell does not offer the executed notebook ({{download}}`{stem}.ipynb`)")
    if not re.search(r"\{download\}`[^`]+\.csv`", first):
        out.append("the first cell does not offer the chapter's CSV ({download}`name.csv`)")
    text = "\n".join(c["text"] for c in cells if c["type"] == "markdown")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    found = [h for h in HEADINGS if h in headings]
    if found != list(HEADINGS):
        out.append(f"headings {list(HEADINGS)} expected in this order, found {found}")
    elif not any(re.match(r"\d+\. ", h) for h in headings[headings.index("Setup") : headings.index(HEADINGS[1])]):
        out.append("no numbered section (## 1. ...) between Setup and What this run found")
    if sum("parameters" in c["tags"] for c in cells) != 1:
        out.append("exactly one cell must be tagged 'parameters'")
    if any(c["outputs"] for c in cells if c["type"] == "code"):
        out.append("the notebook has outputs: commit it output-free")
    return out


def _exercises(cells: list[dict], number: int) -> list[str]:
    out, grades = [], []
    found = [(i, c) for i, c in enumerate(cells) if "exercise" in c["tags"]]
    if len(found) < MIN_EXERCISES:
        out.append(f"{len(found)} exercises (cells tagged 'exercise'); at least {MIN_EXERCISES} are needed")
    for i, cell in found:
        m = EXERCISE.search(cell["text"])
        if not m or ":class: exercise" not in cell["text"]:
            out.append(f"cell {i}: an exercise must be ':::{{admonition}} Exercise N.M (grade): title' "
                       "with ':class: exercise'")  # fmt: skip
            continue
        n, k, grade = int(m.group(1)), m.group(2), m.group(3)
        grades.append(grade)
        key = f"ex{n}_{k}"
        if n != number:
            out.append(f"Exercise {n}.{k} is numbered for chapter {n}, not {number}")
        after = cells[i + 1 : i + 1 + next((j for j, c in enumerate(cells[i + 1 :]) if "exercise" in c["tags"]),
                                               len(cells) - i - 1)]  # fmt: skip
        solution = [c for c in after if "solution" in c["tags"] and c["type"] == "markdown"]
        code = [c for c in after if "solution" in c["tags"] and c["type"] == "code"]
        if not solution or ":class: dropdown" not in solution[0]["text"] or f"`{key}_sentence`" not in solution[0]["text"]:
            out.append(f"Exercise {n}.{k}: no solution cell (tagged 'solution', a ':class: dropdown' admonition "
                       f"citing {{glue:md}}`{key}_sentence`)")  # fmt: skip
        glued = "\n".join(c["text"] for c in code)
        if not code or not all("hide-input" in c["tags"] or "hide-cell" in c["tags"] for c in code):
            out.append(f"Exercise {n}.{k}: its solution code must be in cells tagged 'solution' and 'hide-input'")
        elif f'glue("{key}",' not in glued or f'glue("{key}_sentence",' not in glued:
            out.append(f"Exercise {n}.{k}: the solution code must glue {key!r} and {key + '_sentence'!r}")
    if found and (grades.count("warm-up") < 1 or grades.count("analysis") < 2 or grades.count("extension") < 1):
        out.append(f"grades {grades}: one warm-up, two or more analysis, one or more extension are needed")
    return out


def _references(cells: list[dict]) -> list[str]:
    out = []
    text = "\n".join(c["text"] for c in cells if c["type"] == "markdown")
    for block in re.findall(r"```\{glue:figure\}[^\n]*\n(.*?)```", text, flags=re.S):
        name = re.search(r"^:name: (\S+)", block, flags=re.M)
        if name is None:
            out.append("a {glue:figure} without :name: (fig-... or tab-...)")
            continue
        name = name.group(1)
        if name.startswith("fig-") and not re.search(r"^:alt: \S.{20,}", block, flags=re.M):
            out.append(f"figure {name} has no :alt: text that describes it")
        if f"{{numref}}`{name}`" not in text:
            out.append(f"{name} is never cited with {{numref}}`{name}`")
    for label in re.findall(r"^\$\$ \(([\w-]+)\)", text, flags=re.M):
        if f"{{eq}}`{label}`" not in text:
            out.append(f"equation {label} is never cited with {{eq}}`{label}`")
    if "{term}`" not in text:
        out.append("no glossary link ({term}`...`)")
    return out


def _code(cells: list[dict]) -> list[str]:
    out = []
    for i, c in enumerate(cells):
        if c["type"] != "code" or c["tags"] & HIDDEN:
            continue
        long = [line for line in c["text"].splitlines() if len(line) > MAX_LINE]
        if long:
            out.append(f"cell {i}: {len(long)} visible line(s) longer than {MAX_LINE} characters: {long[0][:60]}...")
        if "solution" not in c["tags"] and re.search(r"^\s*(glue\(|plt\.close)", c["text"], flags=re.M):
            out.append(f"cell {i}: bookkeeping (glue, plt.close) in visible code: tag it remove-input or use "
                       "page.glue_figure / page.glue_table / Step.publish")  # fmt: skip
    return out


def problems(path: Path, number: int | None = None, stem: str | None = None) -> list[str]:
    """Every convention ``path`` breaks (empty when none).

    ``number`` is the chapter's number and ``stem`` the executed notebook's name
    without ``.ipynb``, both from the file name unless given (the template's are 0 and ``00_topic``).
    """
    path = Path(path)
    number = number if number is not None else int(re.match(r"(\d+)", path.stem).group(1))
    cells = _cells(path)
    return _frame(cells, stem or path.stem) + _exercises(cells, number) + _references(cells) + _code(cells)
