"""Property-based: malformed tables either load or raise DataError, never anything else."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from analysis import DataError
from analysis.data import load_transactions

CANONICAL = ["order_id", "customer_id", "product_id", "quantity", "unit_price", "timestamp"]

messy_text = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "nan", "NULL", "2024-01-01", "1/2/2023 10:00", "12", "-3", "1e400", "inf", "£4"]),
)
messy_number = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**12), max_value=10**12),
    messy_text,
)


def frames(columns):
    return data_frames(
        [column(name, elements=messy_number if name in ("quantity", "unit_price") else messy_text, dtype=object)
         for name in columns],
        index=range_indexes(min_size=0, max_size=25),
    )  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(CANONICAL))
def test_canonical_columns_with_any_values(df):
    try:
        table, report = load_transactions(df)
    except DataError as err:
        assert str(err)  # a message, never empty
        return
    assert report.rows_kept == len(table) <= report.rows_read == len(df)
    assert sum(report.dropped.values()) == report.rows_read - report.rows_kept
    if len(table):
        assert table["customer_id"].notna().all()
        assert (table["quantity"] > 0).all() and (table["unit_price"] > 0).all()
        assert np.isfinite(table[["quantity", "unit_price"]].to_numpy()).all()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(CANONICAL + ["InvoiceNo", "Price", "junk", "Customer ID"]), max_size=8, unique=True),
    st.integers(min_value=0, max_value=5),
)
def test_any_set_of_columns(columns, n_rows):
    df = pd.DataFrame({c: ["1"] * n_rows for c in columns})
    try:
        load_transactions(df)
    except DataError as err:
        assert "fix:" in str(err) or "column" in str(err)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_a_csv_file(tmp_path_factory, payload):
    path = tmp_path_factory.mktemp("bytes") / "orders.csv"
    path.write_bytes(payload)
    try:
        load_transactions(path)
    except DataError as err:
        assert str(path) in str(err) or "column" in str(err)
