"""Execute chapters with papermill and build the HTML book with Jupyter Book.

``build_book()`` is what ``make book``, ``make chapter`` and ``python -m analysis
book`` run:

1. check the parameters the user gave against each chapter's model (unknown
   names, types, ranges) before anything runs;
2. re-execute a chapter only when its notebook, the ``analysis`` package, its
   parameters or its data changed (fingerprints in ``book/chapters/.state.json``);
   with ``chapter=`` only that chapter is executed, the others are left as they
   are (the front page's build table says which ran on which data);
3. read the chapter's data once and check its needs (enough customers, days...)
   while the chapter's kernel starts (its ``load_data`` waits for that read and
   takes its table; data that fail are reported in the runner's words and nothing
   of the run is kept); execute in a fresh work folder ``book/.work/<chapter>/``
   (the chapter's working directory, where it writes its CSV), printing each
   ``##`` section as it is reached; each cell has a time limit; on success the
   notebook and the files it wrote move to ``book/chapters/``; a failed notebook
   is kept in ``book/.work/failed/``;
4. build the HTML into ``book/_build.new`` and swap it in by two renames
   (``_build`` -> ``_build.old``, ``_build.new`` -> ``_build``); a run that finds
   ``_build`` missing restores ``_build.old``, so there is always a book.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from analysis import fmt
from analysis.book import pages
from analysis.book.disk import is_no_space, no_space_message
from analysis.book.state import data_identity, fingerprint, html_fingerprint, read_state, write_state
from analysis.chapters import CHAPTERS, Chapter, check_chapter_params, check_needs, select
from analysis.chapters._base import ChapterParams, non_default
from analysis.data import handoff
from analysis.data.refusals import allowed, meanings, plain
from analysis.data.params import DataParams
from analysis.data.source import source_of
from analysis.errors import BuildBusy, DataError
from analysis.page import DESCRIPTOR, write_package

ROOT = Path(__file__).resolve().parents[2]
KERNEL = "ecommerce-book"
CELL_TIMEOUT = 600  # seconds a cell may run before the chapter is stopped


@dataclass
class Paths:
    root: Path = ROOT

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def book(self) -> Path:
        return self.root / "book"

    @property
    def chapters(self) -> Path:
        return self.book / "chapters"

    @property
    def work(self) -> Path:
        return self.book / ".work"

    @property
    def build(self) -> Path:
        return self.book / "_build"

    @property
    def build_new(self) -> Path:
        return self.book / "_build.new"

    @property
    def build_old(self) -> Path:
        return self.book / "_build.old"

    @property
    def html(self) -> Path:
        return self.build / "html"

    @property
    def state(self) -> Path:
        return self.chapters / ".state.json"


class ChapterFailed(Exception):
    def __init__(self, message: str, *, data_error: bool) -> None:
        super().__init__(message)
        self.data_error = data_error


@contextlib.contextmanager
def build_lock(paths: Paths):
    """Hold ``book/.build.lock`` for one build; a second build of the same folder stops at once and says why."""
    paths.book.mkdir(parents=True, exist_ok=True)
    handle = open(paths.book / ".build.lock", "a+")  # noqa: SIM115 - held open for the whole build
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise BuildBusy(
            f"another build of this book is running ({holder}); two at once would delete each other's work files.\n"
            "  fix: wait for it to finish (or stop it with Ctrl-C), then run this command again"
        ) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.datetime.now():%Y-%m-%d %H:%M:%S}")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


# --------------------------------------------------------------------------- listing


def _param_lines(model: type[BaseModel], names: list[str]) -> list[str]:
    words = meanings(model)
    width = max(len(n) for n in names)
    out = []
    for name in names:
        default = model.model_fields[name].get_default(call_default_factory=True)
        out.append(f"      {name:<{width}} = {default!r:<24} {words[name]}")
        rule = allowed(model, name)
        if not rule.endswith(words[name]):  # the meaning already says what is allowed
            out.append(f"      {'':<{width}}   allowed: {rule}")
    return out


def chapter_table() -> str:
    """What ``make chapter`` prints: each chapter, its needs and parameters; then the data parameters."""
    lines = ["chapters (make chapter CH=<name> [DATA=path] [PARAMS=params.yaml]):", ""]
    base = DataParams.model_fields
    for ch in CHAPTERS:
        own = [
            n for n, f in ch.params.model_fields.items()
            if n not in base or f.get_default(call_default_factory=True) != base[n].get_default(call_default_factory=True)
        ]  # fmt: skip
        lines += [f"  {ch.number} {ch.name:<12} {ch.title}  [part: {ch.part}]", f"      question: {ch.question}",
                  "      needs:    " + "; ".join(n.text for n in ch.needs), "      parameters of this chapter:"]  # fmt: skip
        lines += _param_lines(ch.params, own) + [""]
    lines += ["data parameters, taken by every chapter (DATA=path sets data; the rest go in PARAMS=params.yaml):"]
    lines += _param_lines(CHAPTERS[0].params, list(base))
    return "\n".join(lines)


# --------------------------------------------------------------------------- parameters


def _yaml_loader():
    """YAML's safe loader, except that a date-like value that is no day of the calendar
    (``calibration_end: 2011-13-45``) stays text, for the parameter's own check to refuse by name."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_yaml_timestamp(self, node):
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError:
                return self.construct_scalar(node)

    Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)
    return Loader


#: A parameters file holds names and values, never data: larger files are refused before they are parsed.
MAX_PARAMS_BYTES = 64 * 1024
#: Nesting deeper than any parameter needs (a chapter section, a mapping or list inside it) is refused.
MAX_PARAMS_DEPTH = 3


def _yaml_shape(text: str, source: str) -> None:
    """Refuse YAML anchors and aliases (one alias can stand for a billion values) and deep nesting.

    Reads the event stream only (no values are built), so a hostile file is refused at once;
    the refusal names the parameter (``clustering.k_range``) where the alias or the nesting is.
    """
    import yaml

    stack: list[dict] = []  # one entry per open mapping or list: its current key, whether a key comes next

    def where() -> str:
        return ".".join(str(e["key"]) for e in stack if e["mapping"] and e["key"] is not None) or "the file's top level"

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = getattr(event.start_mark, "line", 0) + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = "alias *" if isinstance(event, yaml.AliasEvent) else "anchor &"
            raise DataError(
                f"The parameters file uses a YAML {mark}{event.anchor} (line {line}, in {where()}): aliases "
                "and anchors are not read, since one alias can stand for millions of values.",
                source=source,
                parameter=where(),
                fix=f"write the value of {where()} out in full, without '&' anchors and '*' aliases",
            )
        parent = stack[-1] if stack else None
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_PARAMS_DEPTH:
                raise DataError(
                    f"The parameters file nests values {len(stack) + 1} levels deep (line {line}, in {where()}); "
                    f"a chapter's section holding a mapping or a list is {MAX_PARAMS_DEPTH}, the most any takes.",
                    source=source,
                    parameter=where(),
                    fix=f"give {where()} a value of the form `make chapter` lists (a number, a text, a list "
                    "or a mapping of them)",
                )
            stack.append({"mapping": isinstance(event, yaml.MappingStartEvent), "key": None, "next_key": True})
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            if stack and stack[-1]["mapping"]:
                stack[-1]["next_key"] = True
        elif isinstance(event, yaml.ScalarEvent) and parent is not None and parent["mapping"]:
            if parent["next_key"]:
                parent["key"], parent["next_key"] = event.value, False
            else:
                parent["next_key"] = True


def load_params_file(params_file: str | None) -> dict:
    """The parameters file as a dict: at most :data:`MAX_PARAMS_BYTES`, plain YAML (no aliases), shallow."""
    if not params_file:
        return {}
    import yaml

    path = Path(params_file)
    if not path.is_file():
        raise DataError("The parameters file does not exist.", source=str(path), fix="check the PARAMS path")
    size = path.stat().st_size
    if size > MAX_PARAMS_BYTES:
        raise DataError(
            f"The parameters file is {fmt.count(size)} bytes; a parameters file is read up to "
            f"{fmt.count(MAX_PARAMS_BYTES)} bytes (64 KiB).",
            source=str(path),
            parameter="PARAMS (--params)",
            fix="give only parameter names and values (`make chapter` lists them); data go in DATA=, not in PARAMS=",
        )
    try:
        text = path.read_text(encoding="utf-8")
        _yaml_shape(text, str(path))
        values = yaml.load(text, Loader=_yaml_loader()) or {}  # noqa: S506 (safe)
    except DataError:  # the file's shape refused (a DataError is a ValueError too)
        raise
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:  # ValueError: an integer of 5,000 digits
        raise DataError(f"The parameters file is not valid YAML: {exc}", source=str(path), fix="fix the YAML") from None
    if not isinstance(values, dict):
        raise DataError(
            "The parameters file must be a mapping of name: value.",
            source=str(path),
            fix="write one 'name: value' per line, or 'chapter: {name: value}' sections",
        )
    return {str(k): v for k, v in values.items()}


def refuse_unknown(flat: dict, source: str | None) -> None:
    """Refuse top-level names that no chapter takes (a typo), with a did-you-mean.

    A name that some chapter takes is accepted even when only other chapters run
    (``max_cohorts`` with ``--chapter clustering``): it goes to the chapters that take it.
    """
    known = {n for c in CHAPTERS for n in c.params.model_fields}
    data = DataParams.model_fields
    unknown = sorted(set(flat) - known)
    if unknown:
        import difflib

        close = [m for u in unknown for m in difflib.get_close_matches(u, sorted(known), n=1)]
        raise DataError(
            f"Unknown parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} (no chapter takes "
            f"{'these names' if len(unknown) > 1 else 'this name'}).",
            source=source,
            parameter=", ".join(unknown),
            fix=(f"did you mean {', '.join(dict.fromkeys(close))}? " if close else "")
            + f"the parameters: of the data (every chapter): {', '.join(data)}; "
            + "; ".join(f"of {c.name}: {', '.join(n for n in c.params.model_fields if n not in data)}" for c in CHAPTERS),
        )


def resolve_parameters(
    selected: list[Chapter], data: str | None, params_file: str | None
) -> dict[str, tuple[ChapterParams, dict[str, Any]]]:
    """Per selected chapter: its checked parameters and the values to inject (those the user gave).

    The file holds ``name: value`` lines for every chapter that takes the name, and
    ``chapter: {name: value}`` sections for one chapter; ``data`` (DATA=) wins over both.
    """
    given = load_params_file(params_file)
    names = {c.name for c in CHAPTERS}
    sections = {k: v for k, v in given.items() if k in names and isinstance(v, dict)}
    flat = {k: v for k, v in given.items() if k not in sections}
    refuse_unknown(flat, params_file)
    out = {}
    for ch in selected:
        values = {k: v for k, v in flat.items() if k in ch.params.model_fields}
        values.update(sections.get(ch.name, {}))
        if data is not None:
            values["data"] = data
        if "data" in values and isinstance(values["data"], str | Path) and not source_of(values["data"]).built_in:
            values["data"] = str(Path(values["data"]).expanduser().resolve())
        params = check_chapter_params(ch, values, source=params_file)
        out[ch.name] = (params, {k: plain(getattr(params, k)) for k in values})
    return out


# --------------------------------------------------------------------------- the data


def load_chapter_data(params: DataParams, chapter: Chapter | None = None):
    """Read, validate and clean the chapter's data with the chapter's loader: ``(table, report)``.

    Most chapters read a transaction log (:func:`analysis.data.load_data`); a
    chapter's folder may define its own ``load`` in its ``params`` module (``Chapter.load``), such as
    the risk chapter's labelled tables.
    """
    return (chapter.load if chapter is not None else _default_loader)(params)


def _default_loader(params: DataParams):
    from analysis.data import load_data

    return load_data(params)


# --------------------------------------------------------------------------- execution


def install_kernel(prefix: str | None = None) -> Path:
    """Register the book's Jupyter kernel inside this environment (``sys.prefix``).

    The kernel runs this interpreter; its own log is kept to errors, so that
    ipykernel's notice about the loopback TCP socket does not fill every build's
    output (cell outputs and errors are unaffected).
    """
    import ipykernel.kernelspec

    where = ipykernel.kernelspec.install(
        kernel_name=KERNEL, display_name="Python (e-commerce book)", prefix=prefix or sys.prefix
    )
    spec = Path(where) / "kernel.json"
    kernel = json.loads(spec.read_text())
    if "--IPKernelApp.log_level=ERROR" not in kernel["argv"]:
        kernel["argv"].append("--IPKernelApp.log_level=ERROR")
    spec.write_text(json.dumps(kernel, indent=1))
    return spec


def _kernel_name() -> str:
    from jupyter_client.kernelspec import find_kernel_specs

    return KERNEL if KERNEL in find_kernel_specs() else "python3"


def tag_removed_cells(notebook_path: Path) -> None:
    """Hide the parameters and injected-parameters cells from readers."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if ("parameters" in tags or "injected-parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, notebook_path)


class Progress:
    """Prints one line per ``##`` section reached, with the seconds since the chapter started."""

    def __init__(self, chapter: Chapter, out=None, start: float | None = None) -> None:
        self.chapter, self.out = chapter, out or sys.stdout
        self.start = time.perf_counter() if start is None else start
        self.cell, self.injected, self.section = 0, 0, "the start"

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def line(self, text: str) -> None:
        """``[seconds] text`` as one write (the runner's read prints from another thread)."""
        self.out.write(f"    [{self.elapsed():6.1f} s] {text}\n")
        self.out.flush()

    def where(self) -> str:
        """The running cell as the user finds it in the notebook they have (papermill's cell not counted)."""
        return f"cell {self.cell} of {self.chapter.notebook} (section '{self.section}')"

    def __call__(self, cell, index: int | None) -> None:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            self.injected += 1
        elif index is not None:
            self.cell = index + 1 - self.injected  # counted from 1, as a reader counts
        source = cell.get("source", "")
        if cell.get("cell_type") == "markdown":
            for line in source.splitlines():
                if line.startswith("## "):
                    self.section = line[3:].strip()
                    self.line(self.section)

    def done(self, cell) -> None:
        """After a cell ran: a progress note it glued (:func:`analysis.page.progress_note`) as one more line."""
        from analysis.page import PROGRESS_NOTE

        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == PROGRESS_NOTE:
                text = output.get("data", {}).get("application/papermill.record/text/markdown", "")
                self.line(f"  {text}")


def _engine():
    """A papermill engine that reports each cell to ``progress`` before it runs and sends the kernel's
    own log (not the cells' output, which the notebook keeps) to ``kernel_log``."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class ProgressEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, progress=None, kernel_log=None, keep=None,
                                     execution_timeout=None, start_timeout=60, **kwargs):  # fmt: skip
            start, complete = nb_man.cell_start, nb_man.cell_complete

            def cell_start(cell, cell_index=None, **kw):
                progress(cell, cell_index)
                return start(cell, cell_index, **kw)

            nb_man.cell_start = cell_start

            def cell_complete(cell, cell_index=None, **kw):
                out = complete(cell, cell_index, **kw)
                if hasattr(progress, "done"):
                    progress.done(cell)
                return out

            nb_man.cell_complete = cell_complete
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logging.getLogger("papermill"), log_output=False,
            )  # fmt: skip
            try:
                return client.execute(stderr=kernel_log)
            except BaseException:  # a cell over the time limit, a dead kernel, Ctrl-C: the cells run so far
                if keep is not None:
                    from papermill.iorw import write_ipynb

                    write_ipynb(nb_man.nb, str(keep))
                raise

    papermill_engines.register("book-progress", ProgressEngine)
    return "book-progress"


def _failed(chapter: Chapter, out: Path, paths: Paths, message: str, *, data_error: bool) -> ChapterFailed:
    kept = paths.work / "failed" / chapter.notebook
    kept.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        shutil.move(str(out), kept)
        message += f"\nthe executed notebook with the failing cell is kept at {kept}"
    log = out.parent / "kernel.log"
    if log.exists() and log.stat().st_size:
        shutil.move(str(log), kept.with_suffix(".kernel.log"))
        message += f"\nthe kernel's own log: {kept.with_suffix('.kernel.log')}"
    shutil.rmtree(out.parent, ignore_errors=True)
    return ChapterFailed(message, data_error=data_error)


@contextlib.contextmanager
def _environment(name: str, value: str):
    """``os.environ[name] = value`` while the block runs (the kernels this process starts inherit it); the
    variable's former value, or its absence, comes back afterwards."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _kernel_imports_this_package():
    """The kernel imports the ``analysis`` this runner is part of (``ROOT``), whatever else is installed.

    An editable install, or a second copy of the project sharing one environment, would
    otherwise let the kernel run another copy of the package than the one that checked
    the parameters and the data (the kernel's working folder is the chapter's work folder).
    """
    before = os.environ.get("PYTHONPATH")
    return _environment("PYTHONPATH", os.pathsep.join([str(ROOT), *([before] if before else [])]))


#: glibc's allocator in the chapters' kernels: every block from the heap, none mapped for itself (above 128 kB to
#: 32 MB by default: a chapter's score blocks and products x products arrays), freed memory kept for the next
#: array rather than handed back, and one heap (arena) for every thread. Memory handed back comes back as new
#: pages the system must map and zero; on the 2-core virtual machine the book is measured on, a gigabyte of pages
#: untouched for a few seconds took 4.6-5.0 s to touch again (its free memory is handed back to the host), against
#: 0.1 s for memory the process kept. The one heap matters because glibc maps a block too large for a thread's own
#: heap (64 MB) for itself whatever ``MALLOC_MMAP_MAX_`` says, and unmaps it when freed: every products x
#: products array of a fit run on a second thread was new memory. On Online Retail the recommendations chapter's
#: kernel took 395-422 k page faults and 1.38-1.41 GB with glibc's sixteen heaps, 270-275 k and 1.05-1.08 GB with
#: one (three runs each, alternating). A setting the user made is kept.
KERNEL_MALLOC = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(2**31 - 1), "MALLOC_ARENA_MAX": "1"}


@contextlib.contextmanager
def _kernel_malloc():
    """:data:`KERNEL_MALLOC` in the environment of the kernels started in the block (glibc, so Linux only)."""
    with contextlib.ExitStack() as stack:
        if sys.platform.startswith("linux"):
            for name, value in KERNEL_MALLOC.items():
                if name not in os.environ:
                    stack.enter_context(_environment(name, value))
        yield


def _papermill(notebook: Path, inject: dict, out: Path, cwd: Path, progress: Progress, timeout: int) -> None:
    """Execute ``notebook`` into ``out``, written once at the end (or when a cell fails, runs over the time limit
    or the kernel dies), not after every cell as papermill does by default: that wrote the whole notebook,
    figures included, twice a cell (148 times, about 3 s of a 50 s chapter on Online Retail)."""
    import papermill as pm

    # parameters are checked against the chapter's model and failures reported by the runner, in words:
    # papermill's and nbclient's own log lines about them would only repeat it
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    with open(out.parent / "kernel.log", "w") as kernel_log, _kernel_imports_this_package(), _kernel_malloc():
        pm.execute_notebook(
            str(notebook), str(out), parameters=inject, kernel_name=_kernel_name(), engine_name=_engine(),
            progress=progress, kernel_log=kernel_log, keep=out, progress_bar=False, log_output=False,
            cwd=str(cwd), execution_timeout=timeout, request_save_on_cell_execute=False,
        )  # fmt: skip


def execute_chapter(chapter: Chapter, inject: dict, paths: Paths, *, timeout: int = CELL_TIMEOUT,
                    progress: Progress | None = None, before_keep: Callable[[], None] | None = None) -> list[str]:
    """Execute one chapter in its own work folder; return the files it wrote, moved to book/chapters/.

    ``before_keep`` runs after the chapter executed and before its files move (an exception it raises leaves the
    book as it was)."""
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    work = paths.work / chapter.name
    shutil.rmtree(work, ignore_errors=True)
    cwd = work / "cwd"
    cwd.mkdir(parents=True)
    out = work / chapter.notebook
    progress = progress or Progress(chapter)
    try:
        _papermill(chapter.path(paths.root), inject, out, cwd, progress, timeout)
    except pm.PapermillExecutionError as err:
        if err.ename == "KeyboardInterrupt":  # Ctrl-C reached the kernel (same process group) first
            shutil.rmtree(work, ignore_errors=True)
            raise KeyboardInterrupt from None
        if is_no_space(f"{err.ename}: {err.evalue}"):
            raise _failed(
                chapter, out, paths,
                f"chapter {chapter.name} stopped in {progress.where()}: {no_space_message(err.evalue, default=cwd)}",
                data_error=False,
            ) from None  # fmt: skip
        raise _failed(
            chapter, out, paths,
            f"chapter {chapter.name} failed in {progress.where()}:\n{err.ename}: {err.evalue.strip()}",
            data_error=err.ename == "DataError",
        ) from None  # fmt: skip
    except CellTimeoutError:
        raise _failed(
            chapter, out, paths,
            f"chapter {chapter.name}: {progress.where()} ran longer than the time limit of {timeout} s per "
            f"cell and was stopped; raise the limit with CELL_TIMEOUT={timeout * 4} (make) or "
            f"--cell-timeout {timeout * 4}, or give the chapter less data",
            data_error=False,
        ) from None  # fmt: skip
    except DeadKernelError:
        raise _failed(
            chapter, out, paths,
            f"chapter {chapter.name}: the Python kernel running it died in {progress.where()} (most often: it ran "
            "out of memory); give the chapter less data or a machine with more memory",
            data_error=False,
        ) from None  # fmt: skip
    except BaseException:  # Ctrl-C included: no half-run work folder is left behind
        shutil.rmtree(work, ignore_errors=True)
        raise
    try:
        if before_keep is not None:
            before_keep()
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return _move_outputs(chapter, out, cwd, paths)


def _move_outputs(chapter: Chapter, out: Path, cwd: Path, paths: Paths) -> list[str]:
    tag_removed_cells(out)
    paths.chapters.mkdir(parents=True, exist_ok=True)
    files = sorted(p.name for p in cwd.iterdir() if p.is_file() and p.name != DESCRIPTOR)
    for name in files:
        os.replace(cwd / name, paths.chapters / name)
    os.replace(out, paths.chapters / chapter.notebook)
    _merge_descriptor(cwd / DESCRIPTOR, paths.chapters)
    shutil.rmtree(out.parent, ignore_errors=True)
    return files


def _merge_descriptor(chapter_descriptor: Path, chapters: Path) -> None:
    """The chapter's resources (written by ``page.write_csv`` beside its CSVs) into the book's one
    ``book/chapters/datapackage.json``; resources of files no longer there are dropped."""
    try:
        resources = json.loads(chapter_descriptor.read_text()).get("resources", [])
    except (FileNotFoundError, json.JSONDecodeError, AttributeError):
        resources = []
    write_package(chapters, resources)


# --------------------------------------------------------------------------- the HTML


def recover_html(paths: Paths) -> None:
    """Undo what an interrupted swap left: restore ``_build`` from ``_build.old``; drop leftovers."""
    if not paths.build.exists() and paths.build_old.exists():
        os.replace(paths.build_old, paths.build)
    shutil.rmtree(paths.build_old, ignore_errors=True)
    shutil.rmtree(paths.build_new, ignore_errors=True)


def swap_in_html(paths: Paths) -> None:
    """Two renames: the old book to ``_build.old``, the new one to ``_build``; then drop the old."""
    if paths.build.exists():
        os.replace(paths.build, paths.build_old)
    os.replace(paths.build_new / "_build", paths.build)
    if (paths.build_old / "handout").is_dir() and not (paths.build / "handout").exists():
        os.replace(paths.build_old / "handout", paths.build / "handout")  # make handout's notebooks stay
    shutil.rmtree(paths.build_old, ignore_errors=True)
    shutil.rmtree(paths.build_new, ignore_errors=True)


def render_html(paths: Paths) -> None:
    """Jupyter Book into ``_build.new``; swapped in only when it succeeded."""
    shutil.rmtree(paths.build_new, ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(paths.book), "--path-output", str(paths.build_new), "-W", "-n", "--keep-going",
           "--quiet"]  # fmt: skip
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.root)
    except BaseException:
        shutil.rmtree(paths.build_new, ignore_errors=True)
        raise
    if result.returncode != 0 or not (paths.build_new / "_build" / "html" / "index.html").exists():
        paths.work.mkdir(parents=True, exist_ok=True)
        log = paths.work / "jupyter-book.log"
        log.write_text(result.stdout + "\n" + result.stderr)
        shutil.rmtree(paths.build_new, ignore_errors=True)
        if is_no_space(result.stdout + result.stderr):
            raise ChapterFailed(f"the HTML build stopped: {no_space_message(None, paths.book)} (the previous book is "
                                f"unchanged; full log: {log})", data_error=False)  # fmt: skip
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise ChapterFailed(f"the HTML build failed (the previous book is unchanged); full log: {log}\n{tail}",
                            data_error=False)  # fmt: skip
    lint_html(paths)
    swap_in_html(paths)


#: Problems the page lint lists in its message (the rest are counted).
LINT_SHOWN = 30


def lint_html(paths: Paths) -> None:
    """The page lint (:mod:`analysis.book.pagelint`) on every chapter page of the new HTML; any problem stops
    the build naming page and element, and the last good book stays."""
    from analysis.book.pagelint import lint_book

    html = paths.build_new / "_build" / "html"
    pages = [(f"chapters/{c.stem}.html", paths.chapters / c.notebook) for c in CHAPTERS
             if (html / "chapters" / f"{c.stem}.html").is_file() and (paths.chapters / c.notebook).is_file()]
    try:
        problems, note = lint_book(html, pages)
    except BaseException:
        shutil.rmtree(paths.build_new, ignore_errors=True)
        raise
    print(f"    {note}", flush=True)
    if problems:
        shutil.rmtree(paths.build_new, ignore_errors=True)
        shown = "\n".join(f"  {p}" for p in problems[:LINT_SHOWN])
        more = f"\n  ... and {len(problems) - LINT_SHOWN} more" if len(problems) > LINT_SHOWN else ""
        raise ChapterFailed(f"the page lint found {len(problems)} problem(s) on the built pages (the previous book "
                            f"is unchanged):\n{shown}{more}", data_error=False)  # fmt: skip


# --------------------------------------------------------------------------- the build


def _prepare(paths: Paths) -> None:
    """Start clean: restore an interrupted swap, drop work folders of earlier runs (failed notebooks stay)."""
    recover_html(paths)
    if paths.work.exists():
        for child in paths.work.iterdir():
            if child.name != "failed":
                shutil.rmtree(child) if child.is_dir() else child.unlink()


def _entry(chapter: Chapter, params: ChapterParams, report, key: str, seconds: float, files: list[str]) -> dict:
    return {
        "key": key,
        "params": plain(non_default(params)),
        "data": str(getattr(report, "source", params.data)),
        "data_id": data_identity(params),
        "layout": str(getattr(report, "layout", "") or ""),
        "rows_read": int(getattr(report, "rows_read", 0)),
        "rows_kept": int(getattr(report, "rows_kept", 0)),
        "first_date": str(getattr(report, "first_date", "") or ""),
        "last_date": str(getattr(report, "last_date", "") or ""),
        "executed_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "files": files,
    }


class DataCache:
    """The last data read, kept for the next chapter of the same run when it reads the same data."""

    def __init__(self) -> None:
        self.key, self.value = None, None

    def load(self, params: ChapterParams, chapter: Chapter | None = None):
        key = handoff.key(params) + (chapter.loader if chapter is not None else "")
        if key != self.key:
            self.key, self.value = None, None  # let the old table go before reading the next
            self.value, self.key = load_chapter_data(params, chapter), key
        return self.value


class _Reader(threading.Thread):
    """The runner's read and check of a chapter's data, on the second core while the chapter's kernel starts
    and runs its imports. The kernel's ``load_data`` waits for it (:func:`analysis.data.handoff.wait`) and
    takes the table it hands off; when the read or the check fails, the kernel stops at its data cell and the
    runner reports this error, the one it would have raised before starting the kernel."""

    def __init__(self, ch: Chapter, params: ChapterParams, cache: DataCache, progress: Progress) -> None:
        super().__init__(name=f"read the data of {ch.name}", daemon=True)  # Ctrl-C does not wait for it
        self.ch, self.params, self.cache, self.progress = ch, params, cache, progress
        self.report, self.error = None, None
        self.marker = handoff.begin()  # before the kernel starts: it waits for this read

    def run(self) -> None:
        try:
            table, report = self.cache.load(self.params, self.ch)
            check_needs(self.ch, self.params, report, table)
            self.report = report
        except BaseException as err:  # raised again by the runner's thread (result)
            self.error = err
        finally:
            handoff.end(self.marker, refused=self.error is not None)
        if self.error is None:
            self.progress.line(f"data read and checked: {self.report.rows_kept:,} rows kept")

    def result(self):
        """The data's report, once read and checked; the read's or the check's error raised here."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.report


def _run_one(ch: Chapter, params: ChapterParams, inject: dict, paths: Paths, timeout: int, cache: DataCache) -> dict:
    """Check the data while the chapter's kernel starts, execute, and return the chapter's new state entry."""
    start = time.perf_counter()
    print(f"==> chapter {ch.number} {ch.name} ({ch.notebook}) on data={params.data}", flush=True)
    progress = Progress(ch, start=start)
    # papermill's imports change the warning filters (requests silences urllib3's notice about SOCKS); made here,
    # before the reader's thread enters `warnings.catch_warnings` blocks that would put the old filters back
    import papermill  # noqa: F401

    reader = _Reader(ch, params, cache, progress)
    reader.start()
    try:
        files = execute_chapter(ch, inject, paths, timeout=timeout, progress=progress, before_keep=reader.result)
    except (ChapterFailed, DataError):
        reader.result()  # the data's error first: the chapter failed because the runner refused its data
        raise
    report = reader.result()
    seconds = time.perf_counter() - start
    print(f"    chapter {ch.name} executed in {seconds:.1f} s", flush=True)
    return _entry(ch, params, report, fingerprint(ch.path(paths.root), params, paths.root), seconds, files)


def _status_of(err: Exception) -> int:
    return 2 if isinstance(err, DataError) or getattr(err, "data_error", False) else 1


@contextlib.contextmanager
def _handoff(paths: Paths):
    """While chapters execute, :func:`analysis.data.load_data` hands its cleaned table from this process to the
    kernels (:mod:`analysis.data.handoff`): the data are read once a build, not once more in every chapter."""
    where = paths.work / "handoff"
    shutil.rmtree(where, ignore_errors=True)
    try:
        with _environment(handoff.ENV, str(where)):
            yield
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _execute(selected, resolved, state: dict, paths: Paths, timeout: int) -> tuple[list[dict], int]:
    with _handoff(paths):
        return _execute_all(selected, resolved, state, paths, timeout)


def _execute_all(selected, resolved, state: dict, paths: Paths, timeout: int) -> tuple[list[dict], int]:
    rows, cache = [], DataCache()
    for ch in selected:
        params, inject = resolved[ch.name]
        row = {"chapter": ch.name, "data": Path(params.data).name, "seconds": "0.0"}
        key = fingerprint(ch.path(paths.root), params, paths.root)
        if state.get(ch.name, {}).get("key") == key and (paths.chapters / ch.notebook).exists():
            rows.append({**row, "status": "up to date"})
            continue
        start = time.perf_counter()
        try:
            entry = _run_one(ch, params, inject, paths, timeout, cache)
        except (ChapterFailed, DataError) as err:
            print(f"error: {err}", file=sys.stderr)
            rows.append({**row, "seconds": f"{time.perf_counter() - start:.1f}", "status": "FAILED"})
            return rows, _status_of(err)
        for old in set(state.get(ch.name, {}).get("files", [])) - set(entry["files"]):
            (paths.chapters / old).unlink(missing_ok=True)
        write_package(paths.chapters)  # the descriptor loses the resources of files just removed
        state[ch.name] = entry
        write_state(paths.state, state)
        rows.append({**row, "seconds": f"{entry['seconds']:.1f}", "status": "executed"})
    return rows, 0


def _html(paths: Paths, state: dict, rows: list[dict]) -> int:
    pages.write_generated(paths.book, state)
    key = html_fingerprint(paths.book, state)
    if state.get("_html") == key and (paths.html / "index.html").exists():
        rows.append({"chapter": "(html)", "data": "", "seconds": "0.0", "status": "up to date"})
        return 0
    start = time.perf_counter()
    print("==> building the HTML book", flush=True)
    try:
        render_html(paths)
    except ChapterFailed as err:
        print(f"error: {err}", file=sys.stderr)
        rows.append({"chapter": "(html)", "data": "", "seconds": f"{time.perf_counter() - start:.1f}",
                     "status": "FAILED"})  # fmt: skip
        return 1
    state["_html"] = key
    write_state(paths.state, state)
    rows.append({"chapter": "(html)", "data": "", "seconds": f"{time.perf_counter() - start:.1f}", "status": "built"})
    return 0


def _print_table(rows: list[dict]) -> None:
    if not rows:
        return
    header = ("chapter", "data", "seconds", "status")
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in header]
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(r[h]).ljust(w) for h, w in zip(header, widths, strict=True)))


def build_book(
    *,
    chapter: str | None = None,
    data: str | None = None,
    params_file: str | None = None,
    build_html: bool = True,
    paths: Paths | None = None,
    cell_timeout: int = CELL_TIMEOUT,
) -> int:
    """Execute what changed (only ``chapter`` when given), then build the HTML. Returns the exit status.

    One build at a time per book folder (:func:`build_lock`)."""
    paths = paths or Paths()
    with build_lock(paths):
        return _build_book(chapter, data, params_file, build_html, paths, cell_timeout)


def _build_book(chapter: str | None, data: str | None, params_file: str | None, build_html: bool, paths: Paths,
                cell_timeout: int) -> int:  # fmt: skip
    _prepare(paths)
    selected = select(chapter)
    resolved = resolve_parameters(selected, data, params_file)
    if chapter is not None:
        others = [c.name for c in CHAPTERS if c not in selected]
        print(f"==> only chapter {selected[0].name} is executed; the book shows the other chapters "
              f"({', '.join(others) or 'none'}) as they were last built", flush=True)  # fmt: skip
    state = read_state(paths.state)
    rows, status = _execute(selected, resolved, state, paths, cell_timeout)
    if status == 0 and build_html:
        status = _html(paths, state, rows)
    _print_table(rows)
    if status == 0 and build_html:
        print(f"\nthe book: {paths.html / 'index.html'}")
    elif status:
        print("\nthe last good book is unchanged.")
    return status


def glued_values(notebook_path: str | Path) -> dict[str, str]:
    """The values a chapter glued (``myst_nb.glue``), read back from an executed notebook.

    Each comes back as its text form (``'1234.5'``, ``'0.27'``); a Markdown glue
    as its Markdown. Convert before comparing numbers.
    """
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    out: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook", {})
            if "name" not in meta:
                continue
            data = output.get("data", {})
            prefix = meta.get("mime_prefix", "application/papermill.record/")
            for mime in ("text/markdown", "text/plain"):
                if prefix + mime in data:
                    out[meta["name"]] = data[prefix + mime]
                    break
    return out
