"""A full disk (issue 26, point 8): the folder and the free space, never "a bug in the book's code"."""

from __future__ import annotations

import errno
import shutil
import subprocess
from types import SimpleNamespace

import pytest

from analysis.book import cli, runner
from analysis.book.runner import Paths
from analysis.book.disk import is_no_space, no_space_message


def test_the_message_names_the_folder_and_the_free_space(tmp_path):
    err = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "sub" / "file.csv"))
    text = no_space_message(err)
    assert f"disk holding {tmp_path}" in text and " free)" in text
    assert is_no_space(err) and is_no_space("OSError: [Errno 28] No space left on device: 'x'")
    assert not is_no_space(OSError(errno.EACCES, "Permission denied")) and not is_no_space("KeyError: 'x'")
    text = no_space_message(f"[Errno 28] No space left on device: '{tmp_path / 'out.csv'}'")
    assert f"disk holding {tmp_path}" in text


def test_the_cli_says_disk_full_not_a_bug(monkeypatch, capsys, tmp_path):
    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "book.ipynb"))

    monkeypatch.setattr(cli, "cmd_chapters", full)
    assert cli.main(["chapters"]) == 1
    err = capsys.readouterr().err
    assert "no space left on the disk holding" in err and str(tmp_path) in err and "free" in err
    assert "bug" not in err

    def other(args):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(cli, "cmd_chapters", other)
    assert cli.main(["chapters"]) == 1
    assert "bug in the book's code" in capsys.readouterr().err  # other errors are still reported as bugs


def test_a_chapter_whose_kernel_fills_the_disk_names_the_folder(tmp_path, monkeypatch):
    import papermill as pm

    from analysis.chapters import CHAPTERS

    def fill(notebook, inject, out, cwd, progress, timeout):
        raise pm.PapermillExecutionError(3, 1, "[Errno 28] No space left on device: 'deliverable.csv'", "OSError",
                                         "[Errno 28] No space left on device", [])  # fmt: skip

    monkeypatch.setattr(runner, "_papermill", fill)
    with pytest.raises(runner.ChapterFailed) as err:
        runner.execute_chapter(CHAPTERS[0], {}, Paths(tmp_path))
    text = str(err.value)
    assert "no space left on the disk holding" in text and str(tmp_path) in text and "free" in text
    assert not err.value.data_error


def test_jupyter_book_on_a_full_disk_names_the_folder(tmp_path, monkeypatch):
    paths = Paths(tmp_path)
    paths.book.mkdir(parents=True)
    out = SimpleNamespace(returncode=2, stdout="", stderr="Traceback ...\nOSError: [Errno 28] No space left on device")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: out)
    with pytest.raises(runner.ChapterFailed) as err:
        runner.render_html(paths)
    text = str(err.value)
    assert f"disk holding {paths.book}" in text and "Traceback" not in text and "previous book is unchanged" in text
    assert shutil.disk_usage(tmp_path).free >= 0
