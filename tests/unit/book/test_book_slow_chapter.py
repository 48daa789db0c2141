"""A slow chapter in a copy of the project: Ctrl-C ends cleanly, and a cell over its time limit is named.

The copy's Concepts notebook is replaced by one that waits in its first section;
``python -m analysis`` run from the copy uses the copy's package and notebooks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from analysis.book.runner import ROOT
from analysis.book.cli import INTERRUPTED

pytestmark = pytest.mark.slow


def slow_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell('data = "shop"\nshop_customers = 2000')
    params.metadata["tags"] = ["parameters"]
    wait = ("import os, pathlib, time\n"
            "pathlib.Path('started').write_text(str(os.getpid()))\n"
            "time.sleep(float(os.environ.get('SLOW_SECONDS', '120')))")  # fmt: skip
    nb.cells = [nbformat.v4.new_markdown_cell("# Slow"), params,
                nbformat.v4.new_markdown_cell("## 1. Waiting"), nbformat.v4.new_code_cell(wait)]  # fmt: skip
    return nb


@pytest.fixture
def project(tmp_path) -> Path:
    dest = tmp_path / "project"
    shutil.copytree(ROOT / "analysis", dest / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "notebooks").mkdir()
    nbformat.write(slow_notebook(), dest / "notebooks" / "01_concepts.ipynb")
    (dest / "book").mkdir()
    for name in ("_config.yml", "intro.md", "references.bib"):
        shutil.copy2(ROOT / "book" / name, dest / "book" / name)
    (dest / "tiny.yaml").write_text("shop_customers: 50\n")
    return dest


def start(project: Path, *args: str, seconds: float = 120) -> subprocess.Popen:
    env = {**os.environ, "SLOW_SECONDS": str(seconds), "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "analysis", "book", "--chapter", "concepts", "--params", "tiny.yaml", *args]
    return subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group, as a terminal gives it  # fmt: skip


def wait_for(path: Path, proc: subprocess.Popen, limit: float = 90) -> None:
    end = time.monotonic() + limit
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.2)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# kill -INT on the runner; Ctrl-C in a terminal (the whole process group); kill (SIGTERM, status 143)
@pytest.mark.parametrize("who", ["runner", "group", "term"])
def test_ctrl_c_ends_with_one_line_status_130_and_nothing_half_done(project, who):
    proc = start(project)
    started = project / "book" / ".work" / "concepts" / "cwd" / "started"
    wait_for(started, proc)
    kernel = int(started.read_text())
    if who == "group":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGTERM if who == "term" else signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == (143 if who == "term" else 130), out + err
    assert err.strip() == INTERRUPTED, err
    assert "[" in out and "1. Waiting" in out  # the progress line of the section it was in
    assert not (project / "book" / ".work" / "concepts").exists()
    assert not (project / "book" / "_build.new").exists()
    state = project / "book" / "chapters" / ".state.json"
    assert not state.exists() or isinstance(json.loads(state.read_text()), dict)
    end = time.monotonic() + 20
    while alive(kernel) and time.monotonic() < end:
        time.sleep(0.2)
    assert not alive(kernel), "the chapter's kernel outlived the interrupted run"
    again = start(project, "--no-html", seconds=0)  # nothing left behind trips the next run
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    assert (project / "book" / "chapters" / "01_concepts.ipynb").exists()


def test_a_cell_over_the_time_limit_names_chapter_cell_section_and_the_knob(project):
    proc = start(project, "--cell-timeout", "3", "--no-html", seconds=60)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert "chapter concepts: cell 4 of 01_concepts.ipynb (section '1. Waiting') ran longer than the time limit of 3 s" in err, err
    assert "CELL_TIMEOUT=" in err and "--cell-timeout" in err and "Traceback" not in err
    assert (project / "book" / ".work" / "failed" / "01_concepts.ipynb").exists()
    assert "the last good book is unchanged" in out


def test_a_kernel_that_dies_is_named_with_its_cell(project):
    nb = slow_notebook()
    nb.cells[-1] = nbformat.v4.new_code_cell("import os\nos._exit(1)")
    nbformat.write(nb, project / "notebooks" / "01_concepts.ipynb")
    proc = start(project, "--no-html")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert "the Python kernel running it died in cell 4 of 01_concepts.ipynb (section '1. Waiting')" in err, err
    assert "Traceback" not in err and "the last good book is unchanged" in out
