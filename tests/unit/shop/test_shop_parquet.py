"""The Parquet writer: byte-reproducible files, exact trimming, chunk boundaries, bad arguments."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis.errors import DataError
from analysis.schema import CUSTOMER, ORDER, PRODUCT
from analysis.shop import make_shop, write_shop_parquet


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# parquet writer
# --------------------------------------------------------------------------


def test_write_shop_parquet_small(tmp_path: Path) -> None:
    n_rows, chunk = 50_000, 1_000
    a = write_shop_parquet(tmp_path / "a.parquet", n_rows, seed=3, chunk_customers=chunk)
    b = write_shop_parquet(tmp_path / "b.parquet", n_rows, seed=3, chunk_customers=chunk)
    assert a["rows"] == b["rows"] == n_rows
    assert a["chunks"] >= 2
    assert pq.ParquetFile(a["path"]).metadata.num_rows == n_rows
    assert _sha256(tmp_path / "a.parquet") == _sha256(tmp_path / "b.parquet")
    assert set(a) >= {"rows", "customers", "path", "seconds"}

    table = pq.read_table(a["path"])
    in_memory = make_shop(chunk, seed=3)
    assert table.schema.remove_metadata().equals(
        pa.Schema.from_pandas(in_memory.transactions, preserve_index=False).remove_metadata()
    )
    df = table.to_pandas()
    assert (df.dtypes == in_memory.transactions.dtypes).all()
    assert df[CUSTOMER].nunique() == a["customers"]
    assert df[ORDER].nunique() == a["orders"]
    assert not df.duplicated([ORDER, PRODUCT]).any()
    # the first chunk is make_shop's shop: same customers, same transactions
    first = df.iloc[: len(in_memory.transactions)].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, in_memory.transactions)
    # an order belongs to one customer even across chunks
    assert (df.groupby(ORDER)[CUSTOMER].nunique() == 1).all()
    # the trimmed last chunk keeps a prefix of its customers
    ids = df[CUSTOMER].str.slice(1).astype(np.int64)
    last_chunk = ids[ids >= (a["chunks"] - 1) * chunk]
    kept = np.sort(last_chunk.unique())
    np.testing.assert_array_equal(kept, np.arange(kept[0], kept[0] + len(kept)))

    # the worker threads only change the speed, never the bytes
    write_shop_parquet(tmp_path / "w1.parquet", n_rows, seed=3, chunk_customers=chunk, workers=1)
    assert _sha256(tmp_path / "w1.parquet") == _sha256(tmp_path / "a.parquet")

    other = write_shop_parquet(tmp_path / "c.parquet", n_rows, seed=4, chunk_customers=chunk)
    assert _sha256(tmp_path / "c.parquet") != _sha256(tmp_path / "a.parquet")
    assert other["rows"] == n_rows


def test_write_shop_parquet_stops_at_chunk_boundary(tmp_path: Path) -> None:
    res = write_shop_parquet(tmp_path / "x.parquet", 10_000, seed=0, chunk_customers=300,
                             exact=False)
    assert res["rows"] >= 10_000
    assert res["customers"] == res["chunks"] * 300
    df = pd.read_parquet(res["path"])
    assert len(df) == res["rows"]
    per_chunk = df[CUSTOMER].str.slice(1).astype(np.int64) // 300
    sizes = per_chunk.value_counts().sort_index()
    assert res["rows"] - sizes.iloc[-1] < 10_000  # the last chunk was needed


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n_rows": 0}, "n_rows"),
        ({"chunk_customers": 0}, "chunk_customers"),
        ({"seed": -3}, "seed"),
        ({"compression": "rar"}, "compression"),
        ({"workers": 0}, "workers"),
    ],
)
def test_write_shop_parquet_rejects_bad_arguments(
    tmp_path: Path, kwargs: dict, argument: str
) -> None:
    with pytest.raises(DataError) as info:
        write_shop_parquet(tmp_path / "x.parquet", **{"n_rows": 100, **kwargs})
    assert argument in str(info.value) and info.value.fix
    assert not (tmp_path / "x.parquet").exists()


def test_write_shop_parquet_rejects_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        write_shop_parquet(tmp_path / "no" / "such" / "x.parquet", 100)
    assert "path" in str(info.value) and info.value.fix
