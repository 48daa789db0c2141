"""Execute the chapters with papermill and build the HTML book with Jupyter Book.

``build_book()`` is what ``make book`` and ``python -m analysis book`` run:

1. find the chapters ``notebooks/NN_name.ipynb`` and their parameters (the cell
   tagged ``parameters``), check the parameters the user gave (unknown names and
   wrong types are refused before anything runs);
2. re-execute a chapter only when its notebook, the ``analysis`` package, its
   parameters or its input data changed (a fingerprint kept in
   ``book/chapters/.state.json``);
3. execute into ``book/.work/`` and move the result into ``book/chapters/`` only
   when it succeeded; a failed notebook is kept in ``book/.work/failed/`` and
   its path, cell and error are printed;
4. build the HTML with Jupyter Book (execution off, warnings are errors) into a
   temporary folder and swap it in only when the build succeeded, so the last
   good book stays when anything fails.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
KERNEL = "ecommerce-book"
BUILT_IN_DATA = ("shop", "cdnow")


@dataclass
class Chapter:
    number: str
    name: str
    path: Path
    parameters: dict[str, dict] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.path.stem

    def defaults(self) -> dict:
        return {k: v["value"] for k, v in self.parameters.items()}


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
    def html(self) -> Path:
        return self.book / "_build" / "html"

    @property
    def state(self) -> Path:
        return self.chapters / ".state.json"


# --------------------------------------------------------------------------- chapters


def _parameters(path: Path) -> dict[str, dict]:
    """The parameters cell's names, default values, types and comments."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise DataError(
            f"A chapter needs exactly one cell tagged 'parameters'; found {len(cells)}.",
            source=str(path),
            fix="tag the cell of defaults 'parameters' in Jupyter (View > Cell toolbar > Tags)",
        )
    out: dict[str, dict] = {}
    namespace: dict = {}
    exec(compile(cells[0].source, str(path), "exec"), {}, namespace)  # the defaults are literals
    for line in cells[0].source.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name = line.split("=", 1)[0].strip()
            if name.isidentifier() and name in namespace:
                comment = line.split("#", 1)[1].strip() if "#" in line else ""
                out[name] = {"value": namespace[name], "type": type(namespace[name]).__name__, "help": comment}
    return out


def discover(paths: Paths | None = None) -> list[Chapter]:
    paths = paths or Paths()
    chapters = []
    for nb in sorted(paths.notebooks.glob("[0-9][0-9]_*.ipynb")):
        number, name = nb.stem.split("_", 1)
        chapters.append(Chapter(number=number, name=name, path=nb, parameters=_parameters(nb)))
    return chapters


def chapter_table(paths: Paths | None = None) -> str:
    lines = []
    for ch in discover(paths):
        lines.append(f"{ch.number} {ch.name}  ({ch.path.relative_to((paths or Paths()).root)})")
        for name, p in ch.parameters.items():
            lines.append(f"    {name:<20} {p['type']:<6} = {p['value']!r:<28} {p['help']}")
    return "\n".join(lines)


def _select(chapters: list[Chapter], chapter: str | None) -> list[Chapter]:
    if chapter is None:
        return chapters
    for ch in chapters:
        if chapter in (ch.name, ch.number, ch.stem):
            return [ch]
    raise DataError(
        f"No chapter called {chapter!r}.",
        column="CH",
        fix="choose one of: " + ", ".join(f"{c.name} ({c.number})" for c in chapters),
    )


# --------------------------------------------------------------------------- parameters


def _check_type(chapter: Chapter, name: str, value):
    declared = chapter.parameters[name]["value"]
    if isinstance(value, datetime.date) and isinstance(declared, str):
        value = value.isoformat()  # YAML reads 2024-05-01 as a date; the chapters take ISO text
    if declared is None or value is None:
        return value
    if isinstance(declared, bool) or isinstance(value, bool):
        ok = isinstance(value, bool) and isinstance(declared, bool)
    elif isinstance(declared, float):
        ok = isinstance(value, int | float)
        value = float(value) if ok else value
    elif isinstance(declared, int):
        ok = isinstance(value, int)
    elif isinstance(declared, list | tuple):
        ok = isinstance(value, list | tuple)
        value = list(value) if ok else value
        kinds = {type(v) for v in declared}
        if ok and len(kinds) == 1:
            kind = kinds.pop()
            bad = [v for v in value if not isinstance(v, kind) or isinstance(v, bool) != (kind is bool)]
            if bad:
                raise DataError(
                    f"Parameter {name!r} of chapter {chapter.name!r} must be a list of {kind.__name__}, "
                    f"got {bad[0]!r} in {value!r}.",
                    column=name,
                    fix=f"see its default in {chapter.path.name}: {name} = {declared!r}",
                )
    else:
        ok = isinstance(value, type(declared))
    if not ok:
        raise DataError(
            f"Parameter {name!r} of chapter {chapter.name!r} must be {type(declared).__name__}, "
            f"got {type(value).__name__} {value!r}.",
            column=name,
            fix=f"see its default in {chapter.path.name}: {name} = {declared!r}  # {chapter.parameters[name]['help']}",
        )
    return value


def _load_params_file(params_file: str | None) -> dict:
    if not params_file:
        return {}
    import yaml

    path = Path(params_file)
    if not path.exists():
        raise DataError("The parameters file does not exist.", source=str(path), fix="check the PARAMS path")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"The parameters file is not valid YAML: {exc}", source=str(path), fix="fix the YAML") from None
    if not isinstance(values, dict):
        raise DataError(
            "The parameters file must be a mapping of name: value.",
            source=str(path),
            fix="write one 'name: value' per line, or 'chapter: {name: value}' sections",
        )
    return values


def resolve_parameters(
    chapters: list[Chapter], selected: list[Chapter], data: str | None, params_file: str | None
) -> dict[str, dict]:
    """The parameters to inject per selected chapter, checked against the notebooks."""
    given = _load_params_file(params_file)
    names = {c.name for c in chapters}
    sections = {k: v for k, v in given.items() if k in names and isinstance(v, dict)}
    flat = {k: v for k, v in given.items() if k not in sections}
    if data is not None:
        flat["data"] = data
    declared_anywhere = {n for c in selected for n in c.parameters}
    unknown = sorted(set(flat) - declared_anywhere)
    if unknown:
        raise DataError(
            f"Unknown parameter(s): {', '.join(unknown)}.",
            source=params_file,
            column=", ".join(unknown),
            fix="known parameters: "
            + "; ".join(f"{c.name}: {', '.join(c.parameters)}" for c in selected),
        )
    out = {}
    for ch in selected:
        values = {k: v for k, v in flat.items() if k in ch.parameters}
        for k, v in sections.get(ch.name, {}).items():
            if k not in ch.parameters:
                raise DataError(
                    f"Chapter {ch.name!r} has no parameter {k!r}.",
                    source=params_file,
                    column=k,
                    fix=f"its parameters: {', '.join(ch.parameters)}",
                )
            values[k] = v
        values = {k: _check_type(ch, k, v) for k, v in values.items()}
        if "data" in values and values["data"] not in BUILT_IN_DATA:
            values["data"] = str(Path(values["data"]).expanduser().resolve())
        out[ch.name] = values
    return out


# --------------------------------------------------------------------------- fingerprints


def _hash_file(h, path: Path) -> None:
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)


def fingerprint(chapter: Chapter, params: dict, paths: Paths) -> str:
    """What a chapter's output depends on: notebook, package, parameters, data."""
    h = hashlib.sha256()
    _hash_file(h, chapter.path)
    for src in sorted((paths.root / "analysis").glob("*.py")):
        h.update(src.name.encode())
        _hash_file(h, src)
    effective = {**chapter.defaults(), **params}
    h.update(json.dumps(effective, sort_keys=True, default=str).encode())
    data = effective.get("data")
    if isinstance(data, str) and data not in BUILT_IN_DATA and Path(data).is_file():
        _hash_file(h, Path(data))
    return h.hexdigest()


def _html_fingerprint(paths: Paths, state: dict) -> str:
    """What the HTML depends on: the book's own sources and every chapter's fingerprint."""
    h = hashlib.sha256()
    for src in sorted(p for p in paths.book.iterdir() if p.suffix in (".yml", ".md", ".bib") and p.is_file()):
        h.update(src.name.encode())
        _hash_file(h, src)
    h.update(json.dumps({k: v.get("key") for k, v in state.items() if not k.startswith("_")}, sort_keys=True).encode())
    return h.hexdigest()


def _read_state(paths: Paths) -> dict:
    try:
        return json.loads(paths.state.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_state(paths: Paths, state: dict) -> None:
    paths.chapters.mkdir(parents=True, exist_ok=True)
    tmp = paths.state.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    os.replace(tmp, paths.state)


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


class ChapterFailed(Exception):
    def __init__(self, message: str, *, data_error: bool) -> None:
        super().__init__(message)
        self.data_error = data_error


def _preflight(params: dict) -> None:
    """Read the chapter's data before any cell runs, so bad input fails fast and clearly."""
    data = params.get("data")
    if not isinstance(data, str) or data in BUILT_IN_DATA or data.endswith("u.data"):
        return
    from analysis.datasets import load_transactions

    load_transactions(data, mapping=params.get("mapping") or None, date_format=params.get("date_format") or None)


def execute_chapter(chapter: Chapter, params: dict, paths: Paths) -> None:
    import papermill as pm

    work = paths.work
    work.mkdir(parents=True, exist_ok=True)
    out = work / chapter.path.name
    try:
        pm.execute_notebook(
            str(chapter.path),
            str(out),
            parameters=params,
            kernel_name=_kernel_name(),
            progress_bar=sys.stderr.isatty() or os.environ.get("BOOK_PROGRESS") == "1",
            log_output=False,
            cwd=str(work),
        )
    except pm.PapermillExecutionError as err:
        failed = work / "failed"
        failed.mkdir(exist_ok=True)
        kept = failed / chapter.path.name
        shutil.move(str(out), kept)
        evalue = err.evalue.strip()
        raise ChapterFailed(
            f"chapter {chapter.name} failed in cell {err.cell_index} (execution count {err.exec_count}):\n"
            f"{err.ename}: {evalue}\n"
            f"the executed notebook with the failing cell is kept at {kept}",
            data_error=err.ename == "DataError",
        ) from None
    tag_removed_cells(out)
    paths.chapters.mkdir(parents=True, exist_ok=True)
    os.replace(out, paths.chapters / chapter.path.name)


def render_html(paths: Paths) -> None:
    """Jupyter Book into a temporary folder; swap it in only when it succeeded."""
    tmp = paths.work / "build"
    shutil.rmtree(tmp, ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(paths.book), "--path-output", str(tmp), "-W", "-n", "--keep-going", "--quiet"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.root)
    if result.returncode != 0 or not (tmp / "_build" / "html" / "index.html").exists():
        log = paths.work / "jupyter-book.log"
        log.write_text(result.stdout + "\n" + result.stderr)
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        raise ChapterFailed(
            f"the HTML build failed (the previous book is unchanged); full log: {log}\n{tail}", data_error=False
        )
    target = paths.book / "_build"
    old = paths.work / "previous_build"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp / "_build", target)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)


def _print_table(rows: list[dict]) -> None:
    header = ("chapter", "data", "seconds", "status")
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in header]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
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
) -> int:
    """Execute what changed, then build the HTML. Returns the exit status."""
    paths = paths or Paths()
    chapters = discover(paths)
    selected = _select(chapters, chapter)
    given = resolve_parameters(chapters, selected, data, params_file)
    state = _read_state(paths)
    rows, status = [], 0
    for ch in chapters:
        if ch.name in given:
            params = given[ch.name]
        else:  # chapters not asked for keep the parameters of their last good run
            params = state.get(ch.name, {}).get("params", {})
        key = fingerprint(ch, params, paths)
        effective_data = {**ch.defaults(), **params}.get("data", "")
        row = {"chapter": ch.name, "data": Path(str(effective_data)).name, "seconds": "0.0"}
        done = paths.chapters / ch.path.name
        if state.get(ch.name, {}).get("key") == key and done.exists():
            rows.append({**row, "status": "up to date"})
            continue
        print(f"==> executing chapter {ch.number} {ch.name} ({ch.path.name}) with data={effective_data}", flush=True)
        start = time.perf_counter()
        try:
            _preflight({**ch.defaults(), **params})
            execute_chapter(ch, params, paths)
        except (ChapterFailed, DataError) as err:
            seconds = time.perf_counter() - start
            rows.append({**row, "seconds": f"{seconds:.1f}", "status": "FAILED"})
            print(f"error: {err}", file=sys.stderr)
            status = 2 if isinstance(err, DataError) or err.data_error else 1
            break
        except Exception as err:  # a bug, not bad input: say where, keep the last good book
            seconds = time.perf_counter() - start
            rows.append({**row, "seconds": f"{seconds:.1f}", "status": "FAILED"})
            print(
                f"error: chapter {ch.name} failed before its cells ran ({type(err).__name__}: {err}); "
                "this is a bug in the book's code, please report it with this message",
                file=sys.stderr,
            )
            status = 1
            break
        seconds = time.perf_counter() - start
        state[ch.name] = {"key": key, "params": params, "seconds": round(seconds, 1)}
        _write_state(paths, state)
        rows.append({**row, "seconds": f"{seconds:.1f}", "status": "executed"})
    html_key = _html_fingerprint(paths, state)
    if status == 0 and build_html and state.get("_html") == html_key and (paths.html / "index.html").exists():
        rows.append({"chapter": "(html)", "data": "", "seconds": "0.0", "status": "up to date"})
    elif status == 0 and build_html:
        start = time.perf_counter()
        print("==> building the HTML book", flush=True)
        try:
            render_html(paths)
        except ChapterFailed as err:
            print(f"error: {err}", file=sys.stderr)
            status = 1
        else:
            state["_html"] = html_key
            _write_state(paths, state)
        rows.append(
            {
                "chapter": "(html)",
                "data": "",
                "seconds": f"{time.perf_counter() - start:.1f}",
                "status": "built" if status == 0 else "FAILED",
            }
        )
    print()
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
