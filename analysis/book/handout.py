"""``make handout``: the workshop's notebooks and books, built from the chapters themselves.

For every chapter whose notebook has exercises (cells tagged ``exercise``, see
:mod:`analysis.book.conventions`), two notebooks in ``book/_build/handout/``:

* ``NN_name_exercises.ipynb``: the chapter without its solutions (every cell
  tagged ``solution`` removed), with an empty code cell under each exercise for
  the participant's answer;
* ``NN_name_solutions.ipynb``: the chapter with its solutions, their code shown
  (the ``hide-input`` tags that fold it on the web page are dropped).

Both name the book's kernel (*Python (e-commerce book)*, ``ecommerce-book``) and
are executed by papermill on the built-in shop in the hand-out folder itself, so
the files an exercise reads (``risk_scores.csv``, ...) sit beside them; their
MyST is then rewritten as plain Markdown with this run's numbers, tables and
figures (:mod:`analysis.book.jupyter_md`), so they read in JupyterLab as on the
page. A chapter without exercises is skipped and named.

Beside them, two HTML books: ``book/`` for the room, every chapter on the
built-in shop with its solutions left out, and ``teacher/``, the same book with
its solutions. Both come from the book's own executed chapters, so ``make
handout`` first checks what they ran on (the build record,
:mod:`analysis.book.state`): a chapter run on other data or other parameters
stops it with the fix; chapters missing or out of date are executed first.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from pathlib import Path

from analysis.chapters import CHAPTERS, check_chapter_params

ANSWER = "# Your answer: the chapter's tables and variables above are yours to use\n"
FOLD = {"hide-input", "hide-cell", "hide-output"}
KERNELSPEC = {"name": "ecommerce-book", "display_name": "Python (e-commerce book)", "language": "python"}
ROOM, TEACHER = "book", "teacher"


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _named_kernel(nb):
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.setdefault("language_info", {"name": "python"})
    return nb


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
    return _named_kernel(out)


def solutions_version(nb):
    """The chapter with its solutions, their code unfolded."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if "solution" in _tags(cell):
            cell.metadata["tags"] = [t for t in _tags(cell) if t not in FOLD]
    return _named_kernel(out)


def build_handout(root: Path, out: Path, log=None) -> list[Path]:
    """Write both versions of every chapter with exercises into ``out`` (not executed); return the files."""
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
        "# Workshop hand-out\n\nBuilt by `make handout` from the book's chapter notebooks, executed on the "
        "built-in shop. `make lab` opens this folder in JupyterLab with the kernel *Python (e-commerce book)*; "
        "run a notebook from the top, and answer each exercise in the cell below it. The solutions notebooks "
        f"hold the worked solutions. `{ROOM}/index.html` is the book for the room (no solutions), "
        f"`{TEACHER}/index.html` the teacher's (with them).\n\n"
        "| chapter | exercises | for participants | solutions |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    return [*written, readme]


# --------------------------------------------------------------------------- executed, for Jupyter


def render_executed(executed: Path, source: Path, number: int, bib: Path) -> None:
    """Rewrite an executed hand-out notebook's MyST as plain Markdown with its values (in place)."""
    import nbformat

    from analysis.book import jupyter_md

    nb = nbformat.read(executed, as_version=4)
    numbers = jupyter_md.numbering(nbformat.read(source, as_version=4), number)
    rendered = jupyter_md.for_jupyter(nb, numbers, jupyter_md.bibliography(bib))
    nbformat.write(nbformat.from_dict(rendered), executed)


def execute_handout(root: Path, out: Path, *, kinds=("exercises", "solutions"), chapters=None, parameters=None,
                    cell_timeout: int = 600, log=None, derive: bool = False) -> list[Path]:  # fmt: skip
    """Execute the hand-out notebooks in ``out`` (their working folder) and render them for Jupyter.

    With ``derive`` (``make handout``), each chapter runs once: its solutions notebook is executed and the
    exercises notebook is that executed notebook without its solution cells (an answer cell under each
    exercise), the same cells with the same outputs (the chapter's cells come before its solutions, and a seed
    fixes every number; the notebooks tier checks the two agree)."""
    import nbformat
    import papermill as pm

    from analysis.book.runner import _kernel_imports_this_package, _kernel_name

    log = log or sys.stdout
    done = []
    for ch in chapters or CHAPTERS:
        paths = {kind: out / f"{ch.stem}_{kind}.ipynb" for kind in kinds}
        paths = {kind: path for kind, path in paths.items() if path.exists()}
        run = ["solutions"] if derive and set(paths) == {"exercises", "solutions"} else list(paths)
        for kind in run:
            path = paths[kind]
            print(f"    executing {path.name}", file=log, flush=True)
            with _kernel_imports_this_package():
                pm.execute_notebook(str(path), str(path), parameters=parameters or {}, kernel_name=_kernel_name(),
                                    progress_bar=False, log_output=False, cwd=str(out),
                                    execution_timeout=cell_timeout)  # fmt: skip
        if run != list(paths):
            executed = nbformat.read(paths["solutions"], as_version=4)
            nbformat.write(exercises_version(executed), paths["exercises"])
            print(f"    {paths['exercises'].name}: from the executed solutions, without them", file=log, flush=True)
        for path in paths.values():
            render_executed(path, ch.path(root), ch.number, root / "book" / "references.bib")
            done.append(path)
    return done


# --------------------------------------------------------------------------- the books


def book_problems(paths) -> tuple[list[str], list[str]]:
    """What the book's chapters ran on: ``(ran on other data or parameters, missing or out of date)``."""
    from analysis.book.state import data_identity, fingerprint, read_state

    state = read_state(paths.state)
    other, stale = [], []
    for ch in CHAPTERS:
        default = check_chapter_params(ch, {})
        entry = state.get(ch.name)
        if entry is None or not (paths.chapters / ch.notebook).exists():
            stale.append(ch.name)
        elif entry.get("data_id") != data_identity(default) or entry.get("params"):
            given = ", ".join(f"{k}={v!r}" for k, v in entry.get("params", {}).items()) or "data=" + entry.get("data", "?")
            other.append(f"{ch.name} ({given})")
        elif entry.get("key") != fingerprint(ch.path(paths.root), default, paths.root):
            stale.append(ch.name)
    return other, stale


def _without_solutions(chapters: Path) -> None:
    import nbformat

    for path in chapters.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if "solution" not in _tags(c)]
        nbformat.write(nb, path)


def build_room_book(paths, out: Path) -> None:
    """The book without its solutions into ``out / ROOM``, the book with them into ``out / TEACHER``."""
    from analysis.book.runner import ChapterFailed, Paths, render_html

    work = paths.work / "room"
    shutil.rmtree(work, ignore_errors=True)
    skip = shutil.ignore_patterns("_build", "_build.new", "_build.old", ".work", ".build.lock", "_unbuilt")
    shutil.copytree(paths.book, work / "book", ignore=skip)
    _without_solutions(work / "book" / "chapters")
    room = Paths(root=work)
    try:
        render_html(room)
    except ChapterFailed:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for name, src in ((ROOM, room.html), (TEACHER, paths.html)):
        shutil.rmtree(out / name, ignore_errors=True)
        shutil.copytree(src, out / name)
    shutil.rmtree(work, ignore_errors=True)


def main(root: Path, out: Path | None = None) -> int:
    from analysis.book.runner import ChapterFailed, Paths, build_book

    paths = Paths(root=root)
    out = out or paths.build / "handout"
    print(f"==> the workshop hand-out in {out}", flush=True)
    files = build_handout(root, out)
    if len(files) == 1:
        return 1
    other, stale = book_problems(paths)
    if other:
        print(f"error: the book's chapters {', '.join(other)} ran on other data or parameters than the hand-out's "
              "(the built-in shop, default parameters), so the room's book would show other numbers than the "
              "participants' notebooks.\n  fix: `make book` (without DATA or PARAMS) reruns them on the shop; "
              "then `make handout`", file=sys.stderr)  # fmt: skip
        return 2
    if stale:
        print(f"==> chapters {', '.join(stale)} are not built on the shop or out of date: building the book first",
              flush=True)  # fmt: skip
        status = build_book(paths=paths)
        if status:
            return status
    execute_handout(root, out, derive=True)
    print("==> the room's book (no solutions) and the teacher's (with them)", flush=True)
    try:
        build_room_book(paths, out)
    except ChapterFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(files) - 1} notebooks (executed on the built-in shop), README.md, {ROOM}/ and {TEACHER}/ "
          f"written to {out}")  # fmt: skip
    return 0


def kernel_of(notebook: Path) -> str:
    """The kernel a notebook names (its ``metadata.kernelspec.name``), ``""`` when it names none."""
    meta = json.loads(notebook.read_text()).get("metadata", {})
    return meta.get("kernelspec", {}).get("name", "")
