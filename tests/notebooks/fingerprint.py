"""A recorded fingerprint of every chapter's glued values on the shop (tiny parameters).

Each glued value is kept as the SHA-256 of its text, by name, in ``glued_fingerprint.json``.
A refactoring that must not change the book (moving code between modules, renaming) is
checked against it: any value that changed, appeared or disappeared is named.

A deliberate change of a chapter's output is recorded again with
``RECORD_FINGERPRINT=1 .venv/bin/python -m pytest -m notebooks -k fingerprint``
and the JSON diff goes into the same commit, so the change is visible in review.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

FILE = Path(__file__).with_name("glued_fingerprint.json")


def fingerprint(glued: dict[str, str]) -> dict[str, str]:
    return {k: hashlib.sha256(v.encode("utf-8")).hexdigest()[:16] for k, v in sorted(glued.items())}


def check(chapter: str, glued: dict[str, str]) -> None:
    recorded = json.loads(FILE.read_text(encoding="utf-8")) if FILE.exists() else {}
    now = fingerprint(glued)
    if os.environ.get("RECORD_FINGERPRINT") == "1":
        recorded[chapter] = now
        FILE.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    assert chapter in recorded, f"no fingerprint recorded for {chapter}: run with RECORD_FINGERPRINT=1"
    before = recorded[chapter]
    changed = sorted(k for k in before.keys() & now.keys() if before[k] != now[k])
    gone = sorted(before.keys() - now.keys())
    new = sorted(now.keys() - before.keys())
    assert not (changed or gone or new), (
        f"{chapter}: glued values differ from the recorded fingerprint: changed {changed}, "
        f"no longer glued {gone}, newly glued {new}"
    )
