"""Old home of the loaders, kept until the integration step: everything now lives in
:mod:`analysis.data` (``load_data`` with :class:`analysis.data.DataParams`)."""

from __future__ import annotations

from analysis.data.canonical import LAYOUTS, Layout, detect_layout, to_canonical
from analysis.data.load import cdnow_master_path, load_transactions, read_table

__all__ = [
    "LAYOUTS",
    "Layout",
    "cdnow_master_path",
    "detect_layout",
    "load_transactions",
    "make_shop",
    "read_table",
    "to_canonical",
    "write_shop_parquet",
]


def make_shop(*args, **kwargs):
    """The built-in shop; see :func:`analysis.shop.make_shop`."""
    from analysis.shop import make_shop as _make_shop

    return _make_shop(*args, **kwargs)


def write_shop_parquet(*args, **kwargs):
    """A large simulated log as Parquet; see :func:`analysis.shop.write_shop_parquet`."""
    from analysis.shop import write_shop_parquet as _write

    return _write(*args, **kwargs)
