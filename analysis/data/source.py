"""What the ``data`` parameter names, resolved once: a :class:`Source` every consumer uses.

``data`` is ``"shop"`` (the built-in shop, sized by ``shop_customers`` and
``seed``), ``"cdnow"`` (the CDNOW master file that ships with ``lifetimes``) or
the path of a file. The loader, the runner's fingerprints, the front page, the
data banner and the notebooks ask the source (``params.source``) instead of
comparing ``data`` with names again.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from analysis.errors import DataError

#: The names ``data`` takes for the data that come with the book.
BUILT_IN = ("shop", "cdnow")


def hash_file(h, path: Path) -> None:
    """Feed ``path``'s bytes to the hash ``h``, a megabyte at a time (the book's fingerprints use it too)."""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)


@dataclass(frozen=True)
class Source:
    kind: Literal["shop", "cdnow", "file"]
    text: str  # the ``data`` parameter as given
    shop_customers: int = 0
    seed: int = 0
    shop_history_days: int = 0  # the shop traded this many days before its log starts

    @property
    def built_in(self) -> bool:
        return self.kind != "file"

    @property
    def is_shop(self) -> bool:
        return self.kind == "shop"

    @property
    def path(self) -> Path | None:
        """The file to read (CDNOW's inside the installed ``lifetimes``); ``None`` for the shop."""
        if self.kind == "file":
            return Path(self.text).expanduser()
        if self.kind == "cdnow":
            return cdnow_master_path()
        return None

    @property
    def name(self) -> str:
        """How the data report names it: ``shop(n_customers=3000, seed=0)``, or the path."""
        if self.is_shop:
            history = f", history_days={self.shop_history_days}" if self.shop_history_days else ""
            return f"shop(n_customers={self.shop_customers}, seed={self.seed}{history})"
        return self.text

    def identity(self) -> str:
        """Which data a chapter read, for the runner's fingerprints: the built-in name, or the path and content hash."""
        if self.built_in or not Path(self.text).is_file():
            return self.text
        h = hashlib.sha256()
        hash_file(h, Path(self.text))
        return f"{self.text}#{h.hexdigest()[:16]}"

    def shop(self):
        """The built-in shop itself (its planted truth too), simulated once per size and seed."""
        if not self.is_shop:
            raise ValueError(f"data = {self.text!r} is not the built-in shop")
        return _shop(self.shop_customers, self.seed, self.shop_history_days)


def cdnow_master_path() -> Path:
    """Path of ``CDNOW_master.txt`` inside the installed ``lifetimes`` wheel."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("lifetimes")
    except ImportError:  # pragma: no cover
        spec = None
    if spec is None or spec.origin is None:
        raise DataError(
            "The CDNOW data ship inside the 'lifetimes' package, which is not installed.",
            source="cdnow",
            fix="pip install lifetimes==0.11.3 (it is in requirements.txt)",
        )
    return Path(spec.origin).parent / "datasets" / "CDNOW_master.txt"


@functools.lru_cache(maxsize=1)
def _shop(n_customers: int, seed: int, history_days: int = 0):
    from analysis.shop import make_shop
    from analysis.shop.make import mid_history

    if history_days:
        return mid_history(n_customers, seed, history_days)
    return make_shop(n_customers=n_customers, seed=seed)


def source_of(data: str | Path, shop_customers: int = 3000, seed: int = 0, shop_history_days: int = 0) -> Source:
    """The source ``data`` names (see the module's docstring)."""
    text = str(data).strip()
    kind = text if text in BUILT_IN else "file"
    return Source(kind, text, shop_customers, seed, shop_history_days)  # type: ignore[arg-type]
