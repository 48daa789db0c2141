"""make passes DATA, PARAMS, CH and CELL_TIMEOUT to Python byte for byte: nothing in a value runs.

Each run is refused in a second or two (a file of no known layout, a parameters
file or chapter that does not exist, a time limit that is no number), so no
chapter executes; the refusal names the value exactly as given.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.book.runner import ROOT

pytestmark = pytest.mark.book
#: backticks, $(...), ${...}, $$, quotes, a semicolon, a glob and spaces: each would run or change in a shell
HOSTILE = "o `touch pwned_tick` $(touch pwned_dollar) ${HOME} $$ \"q\" 's' ;touch pwned_semi; * x"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("make runs the project's .venv: run `make test`, which creates it")
    dest = tmp_path_factory.mktemp("quoting")
    for name in ("analysis", "notebooks"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "Makefile", dest / "Makefile")
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", str(project), "-o", ".venv/.installed", *args],
                          capture_output=True, text=True, cwd=project)  # fmt: skip


def nothing_ran(*folders: Path) -> None:
    made = [p for folder in folders for p in folder.rglob("pwned*")]
    assert made == [], f"a command in a value ran: {made}"


def test_a_data_file_name_reaches_python_as_written(project, tmp_path):
    data = tmp_path / f"{HOSTILE}.csv"
    data.write_text("a,b\n1,2\n")  # no known layout: refused before anything executes
    result = make(project, "chapter", "CH=concepts", f"DATA={data}", "CELL_TIMEOUT=600")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"file:   {data}\n" in result.stderr and "do not match a known layout" in result.stderr
    nothing_ran(project, tmp_path)


def test_a_parameters_file_name_reaches_python_as_written(project, tmp_path):
    params = tmp_path / f"{HOSTILE}.yaml"  # absent: refused by name
    result = make(project, "chapter", "CH=concepts", f"PARAMS={params}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"file:   {params}\n" in result.stderr and "does not exist" in result.stderr
    nothing_ran(project, tmp_path)


def test_a_chapter_name_and_a_time_limit_reach_python_as_written(project, tmp_path):
    result = make(project, "chapter", f"CH={HOSTILE}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"No chapter called {HOSTILE!r}" in result.stderr
    result = make(project, "book", f"CELL_TIMEOUT={HOSTILE}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert repr(HOSTILE) in result.stderr and "--cell-timeout" in result.stderr
    nothing_ran(project, tmp_path)
