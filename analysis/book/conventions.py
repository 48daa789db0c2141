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


# --------------------------------------------------------------------------- what a solution uses

#: Names a solution uses only to word and glue its answer (the participant writes the sentence themself).
WORDING = {"glue", "Markdown", "display", "F", "fmt", "summary"}
#: Libraries a participant is expected to know (pandas, numpy) and Python's own names.
KNOWN_LIBS = {"pd", "np", "math", "plt"}


def _nodes(cells: list[dict], *, solutions: bool = True):
    """Every syntax node of the code cells (those tagged ``solution`` too, unless ``solutions`` is False)."""
    import ast

    for c in cells:
        if c["type"] != "code" or (not solutions and "solution" in c["tags"]):
            continue
        try:
            yield from ast.walk(ast.parse(c["text"]))
        except SyntaxError:
            continue


def _module_aliases(cells: list[dict]) -> tuple[dict[str, str], set[str]]:
    """``alias -> module`` for ``import``/``from`` lines that bind a module, and the other imported names."""
    import ast
    import importlib

    modules, names = {}, set()
    for node in _nodes(cells):
        if isinstance(node, ast.Import):
            for a in node.names:
                modules[a.asname or a.name.split(".")[0]] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                try:
                    importlib.import_module(full)
                    modules[a.asname or a.name] = full
                except ImportError:
                    names.add(a.asname or a.name)
    return modules, names


def _chapter_names(cells: list[dict]) -> set[str]:
    """Names the chapter's own (not solution) code cells assign: its objects."""
    import ast

    out = set()
    for node in _nodes(cells, solutions=False):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
    return out


def _shows(func) -> bool:
    """A call that only shows a table (``SEG.show(...)``, ``plots.table(...)``, ``display(...)``)."""
    import ast

    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in {"show", "table", "display"}


def solution_names(path: Path) -> dict[str, set[str]]:
    """What each exercise's solution code uses from the chapter or the package, by exercise.

    The names a participant must know of to solve it: the chapter's objects
    (``customers``), their attributes (``task.y``) and keys (``run["ease_lambda"]``),
    the package's functions and constants (``kpi.customers_for_share``, ``rfm_matrix``,
    with their keyword arguments, ``log=``), and columns named through ``analysis.schema``
    (``S.FREQUENCY`` is the column ``frequency``). Pandas' and numpy's own methods,
    Python's names and what only words the answer (:data:`WORDING`) are left out.
    """
    import ast
    import builtins
    import importlib

    import numpy as np
    import pandas as pd

    from analysis.chapters import CHAPTERS

    cells = _cells(path)
    modules, imported = _module_aliases(cells)
    chapter = _chapter_names(cells)
    models = [c.params for c in CHAPTERS if c.notebook == Path(path).name]
    parameters = set(models[0].model_fields) if models else set()
    known_attrs = set(dir(pd.DataFrame)) | set(dir(pd.Series)) | set(dir(np.ndarray)) | set(dir(pd.Index))
    out: dict[str, set[str]] = {}
    current = None
    for c in cells:
        if "exercise" in c["tags"]:
            m = EXERCISE.search(c["text"])
            current = f"{m.group(1)}.{m.group(2)}" if m else "?"
            continue
        if c["type"] != "code" or "solution" not in c["tags"] or current is None:
            continue
        tree = ast.parse(c["text"])
        own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        own |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        own |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        bases = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}  # `S` of `S.FREQUENCY`
        display = {id(n) for call in ast.walk(tree) if isinstance(call, ast.Call) and _shows(call.func)
                   for n in ast.walk(call) if n is not call.func}  # fmt: skip
        used = out.setdefault(current, set())
        package_calls = set()
        for node in ast.walk(tree):
            if id(node) in display:
                continue
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                base, attr = node.value.id, node.attr
                if base in WORDING or base in KNOWN_LIBS:
                    continue
                if base in modules:
                    value = getattr(importlib.import_module(modules[base]), attr, None)
                    if modules[base] == "analysis.schema" and isinstance(value, str):
                        used.add(value)  # a column, by its name
                    else:
                        used.add(f"{base}.{attr}")
                        package_calls.add(node)
                elif base in chapter and base not in own and attr not in known_attrs:
                    used.add(f"{base}.{attr}")
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                key = node.slice
                if node.value.id in chapter | own and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    used.add(key.value)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                name = node.id
                if name in own or name in WORDING or name in KNOWN_LIBS or hasattr(builtins, name) or id(node) in bases:
                    continue
                if name in parameters:
                    continue  # shown in the page's "Parameters of this run" table
                if name in chapter or name in imported or name in modules:
                    used.add(name)
            if isinstance(node, ast.Call):
                func = node.func
                is_package = (isinstance(func, ast.Name) and func.id in imported and func.id not in WORDING) or (
                    isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id in modules and func.value.id not in WORDING | KNOWN_LIBS)  # fmt: skip
                if is_package:
                    used |= {f"{k.arg}=" for k in node.keywords if k.arg}
        used.discard("")
    return out


def unnamed_in_solutions(path: Path) -> list[str]:
    """Each name a solution uses (:func:`solution_names`) that neither the chapter's text nor its
    "What you can use" box (the markdown, solutions left out) shows as code: one line per name."""
    cells = _cells(path)
    text = "\n".join(c["text"] for c in cells if c["type"] == "markdown" and "solution" not in c["tags"])
    text = re.sub(r"^(?:`{3,}|:{3,}).*$", "", text, flags=re.M)  # fences would pair the backticks wrongly
    spans = set(re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text))
    words = " ".join(spans)
    out = []
    for exercise, names in solution_names(path).items():
        for name in sorted(names):
            end = "" if name.endswith("=") else r"(?![\w])"  # a keyword argument: `log=False`
            if name not in spans and not re.search(rf"(?<![\w.]){re.escape(name)}{end}", words):
                out.append(f"Exercise {exercise}: its solution uses `{name}`, which the chapter's text and its "
                           "'What you can use' box never show")  # fmt: skip
    return out
