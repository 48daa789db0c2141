"""The simulator cannot drift silently: fingerprints of its output, pinned.

The values below were computed with the single-module ``analysis/shop.py``
(commit 7042c91) before it became the ``analysis/shop/`` package, and the
package reproduces them.  Each is a SHA-256 over every table of a shop (column
names, dtypes and ``pandas.util.hash_pandas_object`` of the values and index)
and over every field of its planted truth, or over the bytes of a Parquet file.

A failure means the simulated data changed.  If that is intended (a new
feature of the story), say so in the commit and re-pin: run
``PYTHONPATH=. .venv/bin/python tests/unit/shop/test_shop_fingerprint.py`` and
paste its output.  If only a library changed (numpy's random streams, pandas'
hashing, the Parquet writer of pyarrow), check the old pins still hold with the
old versions before re-pinning.  The byte-level Parquet pins only apply to the
pyarrow version they were computed with.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis.shop import Shop, make_shop, write_shop_parquet

TABLES = ("transactions", "orders", "customers", "products")

# make_shop(n_customers=500, seed=3)
PINNED_SMALL = {
    "transactions": "a4a0e2c162ec411cc9b90d2a26dacb0eb791f3eb1f72ecad039d8c54ef4fa4da",
    "orders": "0fa40e367e629cb784c075a1e6aded807aa7efec92304e9f6fbd345d57ff9cc9",
    "customers": "0bc2805443503e9a4b5b98cd088541103887ef58a1df8dd0aaa2e3e012cde2b4",
    "products": "5ea4f8d4c7f2ae35207ec7cf756716f2e2b9bfb923fbfca137503d425b35e8d4",
    "truth": "9a1b1f5c76149b5028a4303ad672bbac81311a65b49772cd59a1b30ca0275c00",
}
# make_shop(300, seed=1, fraud_intercept=-3.0, days=400, start="2022-06-01", n_products=100)
VARIANT_ARGS: dict[str, Any] = {"fraud_intercept": -3.0, "days": 400, "start": "2022-06-01",
                                "n_products": 100}
PINNED_VARIANT = {
    "transactions": "0e50ff0dd9dc784a8225334a151dd34cca5d3cb0b6d20d0cb24f0d1f6efc3e8e",
    "orders": "916268007e0a342a82c5a7c82c80e772fc1ea68a0dfa664d8bdf0a1900dfa03e",
    "customers": "ece8f86a3044b9935d6f6880737f700a268108e23f2a0c9e089cbff9c651700f",
    "products": "3a64cab790059c3e2bfea75eb5a9eced494b3cb209787dd915bdb6ebb9bbcca3",
    "truth": "74b8bf0050b60cfd01765f851d61a9512011c1e917e0b0af993c1a2152a39f82",
}
# write_shop_parquet(path, 20_000, seed=3, chunk_customers=400): three chunks, the last trimmed
WRITER_ARGS: dict[str, Any] = {"n_rows": 20_000, "seed": 3, "chunk_customers": 400}
PINNED_WRITER_COUNTS = {"rows": 20_000, "customers": 1018, "orders": 11729, "chunks": 3}
PINNED_WRITER_CONTENT = "0dc9b9d29f1def4b288f029f4679513c2efc9cbd6fee59c8e39df48f3df0132c"
PINNED_WRITER_BYTES = "645afc59daa8024a6dae255555e8e018ae6d98f396c2bc2530c8df7819e651a9"
# write_shop_parquet(path, 7_000, seed=5, chunk_customers=300, exact=False, compression="zstd", workers=1)
WRITER2_ARGS: dict[str, Any] = {"n_rows": 7_000, "seed": 5, "chunk_customers": 300, "exact": False,
                                "compression": "zstd", "workers": 1}
PINNED_WRITER2_COUNTS = {"rows": 7311, "customers": 300, "orders": 4161, "chunks": 1}
PINNED_WRITER2_BYTES = "d5674caffb65cf32564a7339145a96719fae79fd184fe86680e6f24ebd40b73d"
PINNED_PYARROW = "26.0.1"


def _digest(value: Any, h: Any) -> None:
    """Feed ``value`` (a frame, a series, an array or anything with a stable repr) to ``h``."""
    if isinstance(value, pd.DataFrame):
        h.update(repr(list(value.columns)).encode())
        h.update(repr(value.dtypes.astype(str).tolist()).encode())
        h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, pd.Series):
        h.update(repr(value.name).encode())
        h.update(repr(str(value.dtype)).encode())
        h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, np.ndarray):
        h.update(str(value.dtype).encode())
        h.update(repr(value.shape).encode())
        h.update(np.ascontiguousarray(value).tobytes())
    else:
        h.update(repr(value).encode())


def fingerprint(shop: Shop) -> dict[str, str]:
    """SHA-256 of each table of ``shop`` and of its truth (every field, in order)."""
    out = {}
    for name in TABLES:
        h = hashlib.sha256()
        _digest(getattr(shop, name), h)
        out[name] = h.hexdigest()
    h = hashlib.sha256()
    for field in dataclasses.fields(shop.truth):
        h.update(field.name.encode())
        _digest(getattr(shop.truth, field.name), h)
    out["truth"] = h.hexdigest()
    return out


def _written(path: Path, args: dict[str, Any]) -> tuple[dict[str, int], str, str]:
    """Counts, content fingerprint and byte SHA-256 of a file written with ``args``."""
    info = write_shop_parquet(path, **args)
    counts = {k: info[k] for k in ("rows", "customers", "orders", "chunks")}
    content = pd.util.hash_pandas_object(pd.read_parquet(path), index=True).to_numpy()
    raw = hashlib.sha256(path.read_bytes()).hexdigest()
    return counts, hashlib.sha256(content.tobytes()).hexdigest(), raw


def test_small_shop_is_pinned() -> None:
    shop = make_shop(n_customers=500, seed=3)
    assert fingerprint(shop) == PINNED_SMALL
    assert (shop.start, shop.as_of) == (pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31"))


def test_shop_with_other_settings_is_pinned() -> None:
    shop = make_shop(300, seed=1, **VARIANT_ARGS)
    assert fingerprint(shop) == PINNED_VARIANT
    assert (shop.start, shop.as_of) == (pd.Timestamp("2022-06-01"), pd.Timestamp("2023-07-06"))


def test_parquet_file_is_pinned(tmp_path: Path) -> None:
    counts, content, raw = _written(tmp_path / "a.parquet", WRITER_ARGS)
    assert counts == PINNED_WRITER_COUNTS
    assert content == PINNED_WRITER_CONTENT
    if pa.__version__ != PINNED_PYARROW:
        pytest.skip(f"file bytes pinned with pyarrow {PINNED_PYARROW}, this is {pa.__version__}")
    assert raw == PINNED_WRITER_BYTES


def test_parquet_file_at_chunk_boundary_is_pinned(tmp_path: Path) -> None:
    counts, _, raw = _written(tmp_path / "b.parquet", WRITER2_ARGS)
    assert counts == PINNED_WRITER2_COUNTS
    if pa.__version__ != PINNED_PYARROW:
        pytest.skip(f"file bytes pinned with pyarrow {PINNED_PYARROW}, this is {pa.__version__}")
    assert raw == PINNED_WRITER2_BYTES


if __name__ == "__main__":  # print the values to re-pin (see the module docstring)
    import tempfile

    print("PINNED_SMALL =", fingerprint(make_shop(n_customers=500, seed=3)))
    print("PINNED_VARIANT =", fingerprint(make_shop(300, seed=1, **VARIANT_ARGS)))
    with tempfile.TemporaryDirectory() as tmp:
        print("WRITER (counts, content, bytes) =", _written(Path(tmp) / "a.parquet", WRITER_ARGS))
        print("WRITER2 (counts, content, bytes) =", _written(Path(tmp) / "b.parquet", WRITER2_ARGS))
