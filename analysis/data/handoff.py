"""The cleaned table handed from the book's runner to the chapters' kernels: the data are read once a build.

The runner reads, validates and cleans the data before it starts a chapter (to refuse bad data in words before
a kernel starts, and to share one read between chapters), and each chapter's kernel then called
:func:`analysis.data.load_data` again: 2 s a chapter on Online Retail, 30-40 s on 8 M lines. While the runner
executes chapters it names a folder in ``ANALYSIS_HANDOFF``; :func:`analysis.data.load_data` then writes what it
returns there (the table as Arrow IPC, the report as JSON) under a key of every data parameter and the data's
identity (for a file, its content hash), and a later call with the same key, the kernel's, reads them back. A
call with other parameters, or on a file whose content changed, finds no file of its key and reads the data
itself; so does a notebook run outside the runner (no ``ANALYSIS_HANDOFF``). The runner removes the folder when
it is done. Nothing in these files runs: the table is Arrow data, the report plain JSON read into
:class:`~analysis.data.report.DataReport`, and a report that JSON would not give back exactly is not handed off.

The runner reads while the chapter's kernel starts and runs its imports (two cores, one for each: about 2.5 s of
every chapter on Online Retail). While it reads, a file :data:`READING` in the folder holds its process id, and
:func:`wait` (the kernel's :func:`analysis.data.load_data`) waits for that file to go before looking for the
table; when the runner's read or check failed it leaves :data:`REFUSED`, and the kernel stops there too (the runner
reports the reason in words).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path

import pandas as pd

from analysis.data.params import DataParams
from analysis.data.report import DataReport, Flag

__all__ = ["ENV", "READING", "REFUSED", "begin", "end", "folder", "key", "read", "slot", "wait", "write"]

#: The environment variable naming the hand-off folder (set by the runner while it executes chapters).
ENV = "ANALYSIS_HANDOFF"

#: The file that says the runner is still reading the data (it holds the runner's process id).
READING = "reading"
#: The file that says the runner's read or check of the data failed.
REFUSED = "refused"

#: The built-in shop's own knobs: they do not change which file is read.
SHOP_ONLY = ("shop_customers", "seed", "shop_history_days")


def folder() -> Path | None:
    """The hand-off folder the runner named, or None outside a build."""
    where = os.environ.get(ENV, "")
    return Path(where) if where else None


def key(params: DataParams) -> str:
    """Every data parameter that changes the cleaned table (the shop's knobs only for the shop) and the data's
    identity: two calls with the same key return the same table."""
    drop = () if params.source.is_shop else SHOP_ONLY
    values = {n: getattr(params, n) for n in DataParams.model_fields if n not in drop}
    return json.dumps(values, sort_keys=True, default=str) + params.source.identity()


def slot(params: DataParams) -> tuple[Path, Path] | None:
    """The table's and the report's files for these parameters in the runner's folder, or None outside a build
    (the data's identity, for a file its content hash, is read once here for both :func:`read` and
    :func:`write`)."""
    where = folder()
    if where is None:
        return None
    name = hashlib.sha256(key(params).encode()).hexdigest()[:32]
    return where / f"{name}.arrow", where / f"{name}.json"


def _report(text: str) -> DataReport:
    values = json.loads(text)
    values["flags"] = [Flag(**f) for f in values["flags"]]
    return DataReport(**values)


def read(files: tuple[Path, Path] | None) -> tuple[pd.DataFrame, DataReport] | None:
    """The table and report handed off in ``files`` (:func:`slot`), or None (no folder, no file of this key)."""
    if files is None:
        return None
    table_path, report_path = files
    try:
        report = _report(report_path.read_text(encoding="utf-8"))
        table = pd.read_feather(table_path)
    except (OSError, ValueError, TypeError, KeyError):  # no such file, or one being replaced: read the data
        return None
    return table, report


def write(files: tuple[Path, Path] | None, table: pd.DataFrame, report: DataReport) -> bool:
    """Hand ``table`` and ``report`` off in ``files`` (:func:`slot`); False when there is no folder, the report
    would not come back from JSON exactly, or the folder cannot be written (the next call then reads the data)."""
    if files is None or table.attrs or not table.index.equals(pd.RangeIndex(len(table))):
        return False  # Arrow keeps neither attrs nor another index
    text = json.dumps(report.to_dict(), allow_nan=False)
    try:
        if _report(text) != report:
            return False
    except (ValueError, TypeError):
        return False
    table_path, report_path = files
    try:
        table_path.parent.mkdir(parents=True, exist_ok=True)
        part = table_path.with_suffix(".part")
        table.reset_index(drop=True).to_feather(part)
        os.replace(part, table_path)
        part = report_path.with_suffix(".part")
        part.write_text(text, encoding="utf-8")
        os.replace(part, report_path)  # last: a report without its table is never read
    except OSError:
        return False
    return True


def begin() -> Path | None:
    """Say that the runner is reading the data for the next chapter (its kernel then starts): :data:`READING` is
    in the folder until :func:`end`. Returns the folder, or None outside a build or when the folder cannot be
    written (the kernel then does not wait, and reads the data itself)."""
    where = folder()
    if where is None:
        return None
    try:
        where.mkdir(parents=True, exist_ok=True)
        (where / REFUSED).unlink(missing_ok=True)
        part = where / f"{READING}.part"
        part.write_text(str(os.getpid()), encoding="utf-8")
        os.replace(part, where / READING)  # never read half written
    except OSError:
        return None
    return where


def end(where: Path | None, *, refused: bool) -> None:
    """The runner's read is over (:func:`begin`'s folder): :data:`REFUSED` when it or its check failed."""
    if where is None:
        return
    if refused:
        with contextlib.suppress(OSError):
            (where / REFUSED).write_text("", encoding="utf-8")
    with contextlib.suppress(OSError):
        (where / READING).unlink(missing_ok=True)


def _alive(pid_text: str) -> bool:
    try:
        os.kill(int(pid_text), 0)
    except ValueError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return False
    return True


def wait(poll: float = 0.02) -> bool:
    """Wait while the runner reads the data (:func:`begin`); False when its read or check failed, True
    otherwise (no build, the read done, the runner's own read, or a runner no longer running)."""
    where = folder()
    if where is None:
        return True
    marker = where / READING
    while True:
        try:
            pid = marker.read_text(encoding="utf-8")
        except OSError:  # no marker: the runner is not reading
            break
        if pid == str(os.getpid()) or not _alive(pid):
            break
        time.sleep(poll)
    return not (where / REFUSED).exists()
