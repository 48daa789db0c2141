"""What a chapter's output depends on (fingerprints) and the state file that remembers it.

``book/chapters/.state.json`` holds, per chapter, the fingerprint of its last
good run with the parameters, data and times the front page shows, and under
``_html`` the fingerprint of the last HTML build. It is written atomically
(a temporary file renamed over the old one), so an interrupted run never
leaves half a state behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from analysis.data.source import hash_file

BOOK_SOURCES = (".yml", ".md", ".bib")


def data_identity(params: BaseModel) -> str:
    """Which data a chapter read: the built-in name, or the file's path and content hash."""
    return params.source.identity()


def fingerprint(notebook: Path, params: BaseModel, root: Path) -> str:
    """What a chapter's output depends on: its notebook, the package, every parameter, the data."""
    h = hashlib.sha256()
    hash_file(h, notebook)
    package = root / "analysis"
    for src in sorted(package.rglob("*.py")):
        h.update(str(src.relative_to(package)).encode())
        hash_file(h, src)
    h.update(json.dumps(params.model_dump(mode="json"), sort_keys=True).encode())
    h.update(data_identity(params).encode())
    return h.hexdigest()


def html_fingerprint(book: Path, state: dict) -> str:
    """What the HTML depends on: the book's own sources (generated ones too) and every chapter's run."""
    h = hashlib.sha256()
    skip = {"_build", "_build.new", "_build.old", ".work", "chapters"}
    for src in sorted(book.rglob("*")):
        rel = src.relative_to(book)
        if src.is_file() and src.suffix in BOOK_SOURCES and not (set(rel.parts) & skip):
            h.update(str(rel).encode())
            hash_file(h, src)
    runs = {k: v.get("key") for k, v in state.items() if not k.startswith("_")}
    h.update(json.dumps(runs, sort_keys=True).encode())
    return h.hexdigest()


def read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state atomically: a temporary file, flushed, then renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(json.dumps(state, indent=2, sort_keys=True, default=str))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
