"""``python -m analysis doctor``: is this machine ready to build the book and run the workshop?

Each check returns a :class:`Check`: its name, a status (``ok``, ``problem``, or
``note`` for an optional part that is missing), what was found, and for a problem
(or a note) the fix in one line. :func:`run` prints one line per check and returns
the exit status: 1 when any check is a problem, else 0. Nothing here changes the
machine; the fixes are commands for the user to run.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

OK, PROBLEM, NOTE = "ok", "problem", "note"
MIN_PYTHON = (3, 11)
SHARED_DATA = "../shared/data"
VENV_FIX = "create it with `make venv` (or `python3.11 -m venv .venv`), then run `.venv/bin/python -m analysis doctor`"
PIP_FIX = "`.venv/bin/python -m pip install -r requirements.txt -c constraints.txt`"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    found: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.status:<8} {self.name:<10} {self.found}"
        return text + (f"\n{'':<20}fix: {self.fix}" if self.fix and self.status != OK else "")


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    shown = ".".join(map(str, version))
    if tuple(version[:2]) < MIN_PYTHON:
        return Check("python", PROBLEM, f"Python {shown}; the book needs 3.11 or newer",
                     "install Python 3.11 (e.g. `apt-get install python3.11 python3.11-venv`) and recreate .venv")  # fmt: skip
    return Check("python", OK, f"Python {shown} ({sys.executable})")


def check_venv(root: Path, prefix: str = sys.prefix, base_prefix: str = sys.base_prefix) -> Check:
    if prefix == base_prefix:
        return Check("venv", PROBLEM, f"not inside a virtual environment (interpreter prefix {prefix})", VENV_FIX)
    expected = (root / ".venv").resolve()
    if Path(prefix).resolve() != expected:
        return Check("venv", PROBLEM, f"a virtual environment at {prefix}, not the book's {expected}",
                     f"run the doctor with the book's interpreter: `{expected}/bin/python -m analysis doctor`")  # fmt: skip
    return Check("venv", OK, f"the book's virtual environment {prefix}")


def check_kernel(kernel: str, prefix: str = sys.prefix) -> Check:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    fix = "`.venv/bin/python -m analysis install-kernel` (make venv does it too)"
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        return Check("kernel", PROBLEM, f"the Jupyter kernel '{kernel}' is not registered", fix)
    python = Path(spec.argv[0])
    if not python.exists():
        return Check("kernel", PROBLEM, f"the kernel '{kernel}' runs {python}, which does not exist", fix)
    if python.parent.parent.resolve() != Path(prefix).resolve():  # <prefix>/bin/python, not resolved (a symlink)
        return Check("kernel", PROBLEM, f"the kernel '{kernel}' runs {python}, not this environment's Python", fix)
    return Check("kernel", OK, f"Jupyter kernel '{kernel}' registered ({spec.resource_dir})")


_PIN = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)")


def pinned(requirements: Path) -> dict[str, str]:
    """The ``name==version`` lines of a requirements file (comments and other lines skipped)."""
    out = {}
    for line in requirements.read_text().splitlines():
        m = _PIN.match(line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def check_packages(requirements: Path, version: Callable[[str], str] = metadata.version) -> Check:
    if not requirements.is_file():
        return Check("packages", PROBLEM, f"{requirements} is missing", "run the doctor from the book's folder")
    pins = pinned(requirements)
    wrong = []
    for name, want in pins.items():
        try:
            have = version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} missing (pinned {want})")
            continue
        if have != want:
            wrong.append(f"{name} {have} (pinned {want})")
    if wrong:
        return Check("packages", PROBLEM, f"{len(wrong)} of {len(pins)} pinned packages differ: " + "; ".join(wrong),
                     PIP_FIX)  # fmt: skip
    return Check("packages", OK, f"all {len(pins)} packages of {requirements.name} at their pinned versions")


def check_writable(book: Path) -> Check:
    fix = f"make {book} writable by you (`chmod u+w {book}`), or work in a copy of the project you own"
    if not book.is_dir():
        return Check("write", PROBLEM, f"{book} does not exist", "run the doctor from the book's folder (a full clone)")
    try:
        with tempfile.NamedTemporaryFile(dir=book, prefix=".doctor-"):
            pass
    except OSError as err:
        return Check("write", PROBLEM, f"cannot write in {book}: {err.strerror}", fix)
    return Check("write", OK, f"{book} is writable")


def check_shop() -> Check:
    from analysis.data import load_transactions

    try:
        table, report = load_transactions("shop", n_customers=50, seed=0)
    except Exception as err:  # noqa: BLE001 - any failure is the finding
        return Check("data", PROBLEM, f"the built-in shop could not be generated: {type(err).__name__}: {err}",
                     "reinstall the packages: " + PIP_FIX)  # fmt: skip
    return Check("data", OK, f"the built-in shop generates and cleans ({report.rows_kept:,} lines for 50 customers)")


def check_shared_data(folder: Path) -> Check:
    if not folder.is_dir():
        return Check("real data", NOTE, f"{folder} is absent (optional: only the real-data tests use it)",
                     "to run them, put the data sets in ../shared/data beside the project (see book/data.md)")  # fmt: skip
    unreadable = [str(p) for p in sorted(folder.rglob("*")) if p.is_file() and not os.access(p, os.R_OK)]
    if unreadable:
        return Check("real data", PROBLEM, f"{len(unreadable)} files in {folder} cannot be read: {unreadable[:3]}",
                     f"`chmod -R u+r {folder}`")  # fmt: skip
    sets = sorted(p.name for p in folder.iterdir() if p.is_dir())
    return Check("real data", OK, f"{folder} readable ({', '.join(sets) or 'no data set folders'})")


def check_chromium(which: Callable[[str], str | None] = shutil.which) -> Check:
    found = which("chromium") or which("chromium-browser")
    if found is None:
        return Check("chromium", NOTE, "Chromium not found (optional: only the browser tests use it; they skip)",
                     "`apt-get install chromium` to run the browser tests")  # fmt: skip
    return Check("chromium", OK, f"Chromium at {found}")


def check_lab(kernel: str) -> Check:
    """JupyterLab (``make lab``) installed in this environment."""
    lab = Path(sys.executable).with_name("jupyter-lab")
    if not lab.exists():
        return Check("lab", PROBLEM, f"JupyterLab is not installed in {sys.prefix} (`make lab` needs it)", PIP_FIX)
    return Check("lab", OK, f"JupyterLab at {lab}; `make lab` serves the hand-out on 127.0.0.1 with kernel '{kernel}'")


def check_handout(folder: Path, kernel: str) -> Check:
    """The hand-out notebooks (``make handout``) name the book's kernel, and were executed."""
    from analysis.book.handout import kernel_of

    notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not notebooks:
        return Check("handout", NOTE, f"no hand-out in {folder} yet (needed for the workshop only)",
                     "`make handout` builds it (the notebooks, the room's book and the teacher's)")  # fmt: skip
    wrong = [p.name for p in notebooks if kernel_of(p) != kernel]
    if wrong:
        return Check("handout", PROBLEM, f"{len(wrong)} hand-out notebooks name another kernel than '{kernel}': "
                     + ", ".join(wrong[:3]), "`make handout` writes them again")  # fmt: skip
    bare = [p.name for p in notebooks if '"outputs": [],' in p.read_text() and '"execution_count": null' in p.read_text()
            and '"output_type"' not in p.read_text()]  # fmt: skip
    if bare:
        return Check("handout", PROBLEM, f"{len(bare)} hand-out notebooks were never executed (no values, tables or "
                     f"figures to read): " + ", ".join(bare[:3]), "`make handout` executes them")  # fmt: skip
    return Check("handout", OK, f"{len(notebooks)} hand-out notebooks in {folder}, executed, each naming kernel '{kernel}'")


def checks(root: Path) -> list[Check]:
    from analysis.book.runner import KERNEL

    return [
        check_python(),
        check_venv(root),
        check_kernel(KERNEL),
        check_packages(root / "requirements.txt"),
        check_lab(KERNEL),
        check_handout(root / "book" / "_build" / "handout", KERNEL),
        check_writable(root / "book"),
        check_shop(),
        check_shared_data((root / SHARED_DATA).resolve()),
        check_chromium(),
    ]


def run(root: Path, out=None) -> int:
    """Print one line per check (and its fix); 1 when any check is a problem, else 0."""
    out = out or sys.stdout
    results = checks(root)
    for c in results:
        print(c.line(), file=out)
    problems = [c.name for c in results if c.status == PROBLEM]
    if problems:
        print(f"\n{len(problems)} problem{'s' if len(problems) > 1 else ''} ({', '.join(problems)}): "
              "run the fix shown under each, then the doctor again.", file=out)  # fmt: skip
        return 1
    print("\nall set: `make book` builds the book, `make handout` the workshop notebooks.", file=out)
    return 0
