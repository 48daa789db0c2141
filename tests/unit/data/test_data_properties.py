"""Property-based: malformed tables and files either load or raise DataError, never anything else;
what loads has a report whose counts add up (kept + dropped = read)."""

from __future__ import annotations

import codecs
import gzip
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

from analysis import DataError
from analysis.data import decode, load_data, load_transactions

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


# --------------------------------------------------------------------------- random small logs as files

def mostly(usual: list[str], awkward: list[str], unreadable: list[str]) -> st.SearchStrategy[str]:
    """Values that load (usual and awkward ones) far more often than values that cannot be parsed."""
    return st.sampled_from(usual * 15 + awkward * 4 + unreadable)


ids = mostly(["1", "2", "3", "17850.0"], ["C4", "A-5", ""], [])
quantities = mostly(["1", "2", "3", "12"], ["0", "-2", "1000000000000", "2.5"], ["", "x", "1e400"])
prices = mostly(["1.25", "2.55", "9.99"], ["0", "-1", "250000"], ["", "£3", "1,5", "nan"])
stamps = mostly(["2011-01-03 10:00", "2011-06-30 23:59", "2011-12-09 08:00"], ["2031-03-01 10:00", "1999-01-01 00:00"],
                ["", "soon"])  # fmt: skip
line = st.tuples(ids, ids, ids, quantities, prices, stamps).map(",".join)


def _pack(path: Path, payload: bytes, container: str) -> Path:
    if container == "gz":
        target = path.with_suffix(".csv.gz")
        target.write_bytes(gzip.compress(payload))
    elif container == "zip":
        target = path.with_suffix(".zip")
        with zipfile.ZipFile(target, "w") as z:
            z.writestr("orders.csv", payload)
    else:
        target = path
        target.write_bytes(payload)
    return target


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(line, min_size=1, max_size=30),
    repeat=st.integers(min_value=0, max_value=3),
    cut=st.sampled_from([0, 0, 0, 4, 18, 25]),
    container=st.sampled_from(["", "gz", "zip"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    params=st.fixed_dictionaries(
        {},
        optional={
            "drop_duplicates": st.booleans(),
            "drop_outliers": st.booleans(),
            "outlier_threshold": st.sampled_from([0.5, 3.0, 50.0]),
            "min_date": st.sampled_from(["", "2011-02-01"]),
            "max_date": st.sampled_from(["", "2011-12-31", "2040-01-01"]),
            "drop_non_product": st.booleans(),
        },
    ),
)
def test_random_small_logs_load_or_raise_data_error(tmp_path_factory, lines, repeat, cut, container, encoding, params):
    lines = lines + lines[:repeat]  # some exact duplicates
    text = "\n".join([",".join(CANONICAL), *lines]) + "\n"
    if cut:  # cut the file inside its last line (within the timestamp: undetectable, refused as unparseable)
        text = text.rstrip("\n")[:-cut] if len(lines[-1]) > cut else text
    path = _pack(tmp_path_factory.mktemp("log") / "orders.csv", text.encode(encoding), container)
    try:
        table, report = load_data({"data": str(path), **params})
    except DataError as err:
        event("refused with DataError")
        assert str(path) in str(err) or err.column, str(err)
        return
    event("loaded" + (" with flags" if report.flags else ""))
    assert report.rows_read - sum(report.dropped.values()) == report.rows_kept == len(table)
    written = text.rstrip("\n").split("\n")[1:]
    assert report.rows_read == len(written)
    complete = written[:-1] if report.flag("truncated_line") else written
    assert report.duplicates == sum(complete[i] in complete[:i] for i in range(len(complete)))
    for flag in report.flags:
        assert flag.count > 0 and flag.action in ("dropped", "kept") and 0 < len(flag.rows) <= 5
        assert (flag.rule in report.dropped) == (flag.action == "dropped")
        if flag.action == "dropped":
            assert flag.count == report.dropped[flag.rule]
    if len(table):
        end = pd.Timestamp(params.get("max_date") or pd.Timestamp.today().normalize()) + pd.Timedelta(days=1)
        assert (table["timestamp"] < end).all()
        assert (table["quantity"] > 0).all() and table["customer_id"].notna().all()


# --------------------------------------------------------------------------- encodings

western = st.text(
    alphabet=st.characters(codec="cp1252", exclude_categories=("Cc", "Cs")) | st.sampled_from(",;\n0123456789 "),
    min_size=1,
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(western, st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
def test_decoded_text_is_the_text_written(text, codec):
    try:
        raw = text.encode(codec)
    except UnicodeEncodeError:  # a Windows-1252 character (€, “) written as Latin-1: not possible
        return
    try:
        decoded, name = decode(raw, source="t.csv")
    except DataError as err:  # charset-normalizer found no Western text: refused, with the fix
        event("refused")
        assert codec in ("cp1252", "latin-1") and "encoding" in str(err)
        return
    event(f"{codec} read as {name}")
    assert decoded == _expected(text, raw, codec)


def _expected(text: str, raw: bytes, codec: str) -> str:
    """The documented rules: bytes that are valid UTF-8 are UTF-8 ("Â\xa0" in Windows-1252 is UTF-8's
    no-break space), also when cut inside a last character after non-ASCII UTF-8 ("Ã©Â" is "é")."""
    if codec.startswith("utf"):
        return text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and max(raw[: exc.start], default=0) >= 0x80:
            return raw[: exc.start].decode("utf-8")
    return text


# --------------------------------------------------------------------------- files cut anywhere in the last record

# (leading spaces of unquoted fields are skipped on purpose: "a, b" reads as "a", "b")
descriptions = st.text(alphabet=st.sampled_from('ab ,;"\n\'12€'), min_size=1, max_size=12).filter(
    lambda s: s.strip() and not s.startswith(" ")
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(descriptions, min_size=2, max_size=8), st.floats(min_value=0.0, max_value=1.0))
def test_a_file_cut_in_its_last_record_never_corrupts_the_others(tmp_path_factory, texts, where):
    n = len(texts)
    frame = pd.DataFrame({
        "order_id": [f"o{i}" for i in range(n)], "customer_id": [f"c{i % 3}" for i in range(n)],
        "product_id": "p", "quantity": 2, "unit_price": 1.5,
        "timestamp": [f"2011-01-{i + 1:02d} 10:00" for i in range(n)], "description": texts,
    })  # fmt: skip
    payload = frame.to_csv(index=False).encode()
    folder = tmp_path_factory.mktemp("cut")
    whole = folder / "whole.csv"
    whole.write_bytes(payload)
    table, report = load_data({"data": str(whole)})
    assert report.flags == [] and table["description"].tolist() == texts
    last_start = payload.rindex(b"o" + str(n - 1).encode() + b",")
    cut = folder / "cut.csv"
    cut.write_bytes(payload[: last_start + 1 + int(where * (len(payload) - last_start - 2))])
    try:
        table, report = load_data({"data": str(cut)})
    except DataError as err:  # a timestamp cut short, too many unreadable in a small file
        event("refused")
        assert "timestamp" in str(err) or "number" in str(err) or "cut" in str(err), str(err)
        return
    event(" ".join(f.rule for f in report.flags) or "no flag")
    assert table["description"].tolist()[: n - 1] == texts[: n - 1]
    assert report.rows_kept in (n - 1, n)
    if report.rows_kept == n:  # the cut left every field: only the last one may be short, and that is said
        assert report.flag("unterminated_line") is not None or cut.read_bytes() == payload


@pytest.mark.parametrize("text", ["þÿ", "ÿþ", "þÿX", "ÿþAB", "þÿ;1"])
def test_windows_1252_text_that_starts_like_a_utf16_mark_is_not_read_as_utf16(text):
    raw = text.encode("cp1252")
    assert decode(raw, source="t.csv")[0] == text  # hypothesis found "þÿ" read as ""


def test_a_real_utf16_file_is_still_read_by_its_mark():
    text = "order_id;customer_id\nA1;Zoë\n"
    for raw in (text.encode("utf-16"), codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
                codecs.BOM_UTF16_BE + text.encode("utf-16-be")):  # fmt: skip
        assert decode(raw, source="t.csv") == (text, "utf-16")
