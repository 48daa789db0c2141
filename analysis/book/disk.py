"""A full disk in words: the folder that could not be written and the space left there.

A build writes notebooks, CSV files and the HTML; when the disk fills up
(``OSError`` ENOSPC, in this process, in the kernel running a chapter or in
jupyter-book), the user needs the folder and the free space, not a traceback
or "a bug in the book's code".
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

__all__ = ["NO_SPACE", "is_no_space", "no_space_message"]

#: How the error reads in a message from another process (the kernel, jupyter-book).
NO_SPACE = re.compile(r"No space left on device|\[Errno 28\]|ENOSPC|Disk quota exceeded|\[Errno 122\]")


def is_no_space(err: BaseException | str) -> bool:
    """True for an ``OSError`` ENOSPC / EDQUOT, or a message that reports one."""
    if isinstance(err, OSError):
        return err.errno in (errno.ENOSPC, errno.EDQUOT)
    return bool(NO_SPACE.search(str(err)))


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TB"  # pragma: no cover


def _folder(where: str | os.PathLike | None) -> Path:
    """The nearest existing folder of ``where`` (a file or a folder), or the working folder."""
    path = Path(where).expanduser() if where else Path.cwd()
    path = path if path.is_absolute() else Path.cwd() / path
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


def no_space_message(
    err: BaseException | str | None = None,
    where: str | os.PathLike | None = None,
    *,
    default: str | os.PathLike | None = None,
) -> str:
    """``no space left on the disk holding FOLDER (N MB free) ...``: ``where``, else the file the error names,
    else ``default``, else the working folder."""
    if where is None and isinstance(err, OSError):
        where = err.filename
    if where is None and err is not None:  # "No space left on device: '/path/file.csv'" from another process
        found = re.search(r"device: '([^']+)'", str(err))
        where = found.group(1) if found else None
    folder = _folder(where or default)
    try:
        free = _size(shutil.disk_usage(folder).free) + " free"
    except OSError:
        free = "free space unknown"
    return (
        f"no space left on the disk holding {folder} ({free}); free some space there (or work in a folder on "
        "another disk) and run the command again"
    )
