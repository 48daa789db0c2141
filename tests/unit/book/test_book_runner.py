"""The runner's pieces without executing a chapter: the HTML swap, work folders, state, make."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from analysis.book.runner import ROOT, Paths
from analysis.book import runner
from analysis.book.runner import recover_html, swap_in_html
from analysis.book.sphinx_offline import is_remote
from analysis.book.state import read_state, write_state


def books(tmp_path) -> Paths:
    paths = Paths(tmp_path)
    (paths.html).mkdir(parents=True)
    (paths.html / "index.html").write_text("old")
    new = paths.build_new / "_build" / "html"
    new.mkdir(parents=True)
    (new / "index.html").write_text("new")
    return paths


def test_the_swap_replaces_the_book_and_leaves_nothing_behind(tmp_path):
    paths = books(tmp_path)
    swap_in_html(paths)
    assert (paths.html / "index.html").read_text() == "new"
    assert not paths.build_old.exists() and not paths.build_new.exists()


def test_a_crash_between_the_two_renames_is_recovered_by_the_next_run(tmp_path, monkeypatch):
    paths = books(tmp_path)
    real, calls = os.replace, []

    def crash_on_second(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the moment with no _build
        real(src, dst)

    monkeypatch.setattr(runner.os, "replace", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        swap_in_html(paths)
    monkeypatch.undo()
    assert not paths.build.exists() and paths.build_old.exists()
    recover_html(paths)  # what every run does first
    assert (paths.html / "index.html").read_text() == "old"
    assert not paths.build_old.exists() and not paths.build_new.exists()


def test_a_run_starts_from_clean_work_folders_but_keeps_failed_notebooks(tmp_path):
    paths = Paths(tmp_path)
    (paths.work / "concepts" / "cwd").mkdir(parents=True)
    (paths.work / "failed").mkdir()
    (paths.work / "failed" / "01_concepts.ipynb").write_text("{}")
    runner._prepare(paths)
    assert sorted(p.name for p in paths.work.iterdir()) == ["failed"]


def test_the_state_file_is_written_atomically_and_a_broken_one_is_ignored(tmp_path):
    path = tmp_path / "chapters" / ".state.json"
    write_state(path, {"concepts": {"key": "a"}})
    assert read_state(path) == {"concepts": {"key": "a"}} and not list(path.parent.glob("*.tmp"))
    path.write_text('{"concepts": ')  # what a crash mid-write would leave without the rename
    assert read_state(path) == {}


def test_scripts_pointing_off_the_machine_are_recognised():
    class Script:
        def __init__(self, filename, body=""):
            self.filename, self.attributes = filename, {"body": body} if body else {}

    assert is_remote(Script("https://unpkg.com/thebe@0.8.2/lib/index.js"))
    assert is_remote(Script(None, 'const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"'))
    assert not is_remote(Script("_static/sphinx-thebe.js")) and not is_remote(Script(None, "var x = 1"))


# --------------------------------------------------------------------------- make


def make(*args: str) -> subprocess.CompletedProcess:
    # -o: treat the venv as installed; nothing here creates or changes it
    return subprocess.run(["make", "-s", "-C", str(ROOT), "-o", ".venv/.installed", *args],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="make runs the project's .venv")
def test_make_chapter_alone_lists_the_chapters_and_exits_0():
    from analysis.chapters import CHAPTERS

    result = make("chapter")
    assert result.returncode == 0, result.stderr
    assert all(f"{c.number} {c.name}" in result.stdout for c in CHAPTERS) and "Error" not in result.stderr


def test_make_chapter_passes_every_knob_to_the_runner(tmp_path):
    fake = tmp_path / "python"  # stands in for .venv/bin/python: prints the arguments it received, one a line
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    result = make("chapter", f"BIN={tmp_path}", "CH=clustering", "DATA=my orders.csv", "PARAMS=p.yaml",
                  "CELL_TIMEOUT=900")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["-m", "analysis", "book", "--chapter", "clustering", "--data", "my orders.csv",
                                          "--params", "p.yaml", "--cell-timeout", "900"]  # fmt: skip
    book = make("-n", "book")
    assert "-m analysis book" in book.stdout and "--chapter" not in book.stdout


def test_the_state_records_what_the_front_page_shows(tmp_path):
    from types import SimpleNamespace

    from analysis.chapters import get_chapter
    from analysis.chapters.clustering.params import ClusteringParams

    report = SimpleNamespace(source="shop(n_customers=3000, seed=0)", rows_read=10, rows_kept=9)
    entry = runner._entry(get_chapter("clustering"), ClusteringParams(k=4), report, "key", 1.23, ["x.csv"])
    assert entry["params"] == {"k": 4} and entry["data_id"] == "shop" and entry["rows_kept"] == 9
    assert entry["executed_at"].endswith("+00:00") and entry["files"] == ["x.csv"]
    json.dumps(entry)


def test_chapters_reading_the_same_data_read_it_once(monkeypatch):
    from analysis.chapters.clustering.params import ClusteringParams
    from analysis.chapters.concepts.params import ConceptsParams

    reads = []
    monkeypatch.setattr(runner, "load_chapter_data", lambda params, chapter=None: reads.append(params.data) or ("t", "r"))
    cache = runner.DataCache()
    same = {"data": "cdnow", "shop_customers": 500}
    assert cache.load(ConceptsParams(**same)) == ("t", "r")
    cache.load(ClusteringParams(**same, k=4))  # chapter parameters do not change the data
    assert reads == ["cdnow"]
    cache.load(ClusteringParams(data="cdnow"))  # the shop's size does not matter for a file
    assert reads == ["cdnow"]
    cache.load(ClusteringParams(**same, drop_duplicates=True))
    assert reads == ["cdnow", "cdnow"]
    cache.load(ConceptsParams(data="shop"))
    cache.load(ClusteringParams(data="shop"))  # the same built-in shop: read once for both chapters
    assert reads == ["cdnow", "cdnow", "shop"]
    cache.load(ClusteringParams(data="shop", shop_customers=500))  # a shop of another size differs
    assert reads == ["cdnow", "cdnow", "shop", "shop"]


def test_a_second_build_of_the_same_folder_stops_at_once_and_says_why(tmp_path, monkeypatch, capsys):
    from analysis.book import cli
    from analysis.errors import BuildBusy

    paths = Paths(tmp_path)
    with runner.build_lock(paths):
        with pytest.raises(BuildBusy, match="another build of this book is running") as err:
            runner.build_book(paths=paths, build_html=False)
        assert f"pid {os.getpid()}" in str(err.value) and "fix: wait for it" in str(err.value)
        assert not (tmp_path / "book" / ".work").exists()  # nothing was touched
    with runner.build_lock(paths):  # released: the next build takes it
        pass

    def busy(args):
        raise BuildBusy("another build of this book is running (pid 1)")

    monkeypatch.setattr(cli, "cmd_book", busy)
    assert cli.main(["book"]) == 1  # one line on stderr, no traceback
    assert capsys.readouterr().err.startswith("error: another build of this book is running")


def test_a_progress_note_glued_by_a_cell_is_printed_as_a_progress_line():
    """A chapter that will sample says so while it runs (issue 24): the note it glues with
    analysis.page.progress_note becomes one progress line when its cell ends; other glued values do not."""
    import io

    from analysis.chapters import CHAPTERS
    from analysis.page import PROGRESS_NOTE

    out = io.StringIO()
    progress = runner.Progress(CHAPTERS[0], out)
    record = "application/papermill.record/text/markdown"
    note = {"output_type": "display_data", "metadata": {"scrapbook": {"name": PROGRESS_NOTE}},
            "data": {record: "43,830 customers: sections 2 to 9 evaluate a random sample of 10,000"}}
    other = {"output_type": "display_data", "metadata": {"scrapbook": {"name": "n_users"}}, "data": {record: "12"}}
    progress.done({"cell_type": "code", "source": "", "outputs": [other]})
    assert out.getvalue() == ""
    progress.done({"cell_type": "code", "source": "", "outputs": [other, note]})
    line = out.getvalue()
    assert line.count("\n") == 1 and line.strip().startswith("[") and " s]" in line
    assert line.rstrip().endswith("evaluate a random sample of 10,000")


# --------------------------------------------------------------------------- the data read beside the kernel's start


def _fake_kernel(calls, *, fails: bool = False, wait_for_read: bool = True):
    """A stand-in for papermill: it writes the executed notebook and a CSV, or fails as a kernel whose
    ``load_data`` found the runner's refusal does (waiting, like that kernel, for the runner's read)."""
    import nbformat
    import papermill as pm

    from analysis.data import handoff

    def execute(notebook, inject, out, cwd, progress, timeout):
        calls.append(progress.elapsed())
        if wait_for_read:
            refused = not handoff.wait()
            fails_now = fails or refused
        else:
            fails_now = fails
        if fails_now:
            raise pm.PapermillExecutionError(4, 1, "DataError: the runner could not read", "DataError",
                                             "The book's runner could not read or check these data", [])  # fmt: skip
        progress.line("1. A section")
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), str(out))
        (cwd / "deliverable.csv").write_text("a\n1\n")

    return execute


def _one(tmp_path, monkeypatch, load, *, kernel_waits: bool = True):
    import os as _os

    from analysis.chapters import get_chapter
    from analysis.data import handoff

    calls = []
    monkeypatch.setattr(runner, "_papermill", _fake_kernel(calls, wait_for_read=kernel_waits))
    monkeypatch.setattr(runner, "load_chapter_data", load)
    monkeypatch.setattr(runner, "check_needs", lambda ch, params, report, table: None)
    monkeypatch.setattr(runner, "fingerprint", lambda *args: "key")
    me = str(_os.getpid())
    monkeypatch.setattr(handoff, "_alive", lambda pid: pid == me)  # this process is "the runner", and running
    monkeypatch.setattr(handoff, "wait", _waiting_as_a_kernel(handoff.wait))
    paths = Paths(tmp_path)
    ch = get_chapter("concepts")
    params, inject = runner.resolve_parameters([ch], "shop", None)[ch.name]
    with runner._handoff(paths):
        return runner._run_one(ch, params, inject, paths, 60, runner.DataCache()), paths, calls


def _waiting_as_a_kernel(wait):
    """``handoff.wait`` as a kernel (another process) calls it: the runner's marker is not its own."""
    import os as _os

    def kernel_wait(poll: float = 0.01) -> bool:
        real = _os.getpid
        try:
            _os.getpid = lambda: -1
            return wait(poll)
        finally:
            _os.getpid = real

    return kernel_wait


def test_the_kernel_starts_while_the_runner_reads_and_waits_for_the_read(tmp_path, monkeypatch, capsys):
    import time
    from types import SimpleNamespace

    order = []

    def slow_read(params, chapter=None):
        time.sleep(0.5)
        order.append("read")
        return "table", SimpleNamespace(rows_kept=5)

    entry, paths, calls = _one(tmp_path, monkeypatch, slow_read)
    assert calls and calls[0] < 0.4  # the kernel started before the read was done
    assert entry["files"] == ["deliverable.csv"] and (paths.chapters / "deliverable.csv").exists()
    out = capsys.readouterr().out
    assert out.index("data read and checked: 5 rows kept") < out.index("1. A section")  # it waited for the read


def test_data_the_runner_refuses_fail_with_its_message_and_keep_the_book(tmp_path, monkeypatch, capsys):
    from analysis.errors import DataError

    def refused(params, chapter=None):
        raise DataError("Chapter concepts cannot run on these data. The data hold 3 customers.", parameter="data",
                        fix="use a larger log")  # fmt: skip

    with pytest.raises(DataError, match="3 customers"):  # the runner's words, not the kernel's failure
        _one(tmp_path, monkeypatch, refused)
    assert not (Paths(tmp_path).chapters / "deliverable.csv").exists()
    assert "data read and checked" not in capsys.readouterr().out


def test_a_chapter_that_ran_without_waiting_is_not_kept_when_its_data_are_refused(tmp_path, monkeypatch):
    import time

    from analysis.errors import DataError

    def refused_late(params, chapter=None):
        time.sleep(0.3)
        raise DataError("Chapter concepts cannot run on these data.", parameter="data", fix="use a larger log")

    with pytest.raises(DataError, match="cannot run on these data"):
        _one(tmp_path, monkeypatch, refused_late, kernel_waits=False)  # a loader of its own: the kernel ran on
    assert not (Paths(tmp_path).chapters / "deliverable.csv").exists()  # the book is as it was
    assert not (Paths(tmp_path).work / "concepts").exists()


def test_the_kernels_keep_freed_memory_unless_the_user_said_otherwise(monkeypatch):
    import sys

    names = ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")
    monkeypatch.delenv("MALLOC_MMAP_MAX_", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000")  # the user's own
    monkeypatch.setattr(sys, "platform", "linux")
    code = f"import os; print(*(os.environ.get(n) for n in {names!r}))"
    with runner._kernel_malloc():
        seen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert seen == ["0", "1000", "1"]  # one heap: a block a thread freed is the next thread's
    assert "MALLOC_MMAP_MAX_" not in os.environ and os.environ["MALLOC_TRIM_THRESHOLD_"] == "1000"
    assert "MALLOC_ARENA_MAX" not in os.environ
    monkeypatch.setattr(sys, "platform", "darwin")  # not glibc: nothing is set
    with runner._kernel_malloc():
        assert "MALLOC_MMAP_MAX_" not in os.environ and "MALLOC_ARENA_MAX" not in os.environ
