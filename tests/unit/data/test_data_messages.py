"""Issue 26, point 8: messages that point the right way. Title rows above the header get the header
hint; a column mixing two date formats names both and their shares; a codec that is no text encoding
is a parameter error; a file that is not a table is refused without showing what it holds."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import DataError
from analysis.data import load_data, load_transactions
from analysis.data.labelled import read_labelled
from tests.unit.data.test_data_awkward_files import HEADER, normal_lines, write_csv

SECRET = "root:x:0:0:SECRET-hash:/root:/bin/bash"


# --------------------------------------------------------------------------- title rows


@pytest.mark.parametrize("titles", [["Sales report"], ["Sales report, 2011", "Exported 2011-12-10", ""]])
def test_title_rows_above_the_header_get_the_header_hint(tmp_path, titles):
    path = tmp_path / "titled.csv"
    path.write_text("\n".join([*titles, HEADER, *normal_lines(30)]) + "\n")
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    k = len(titles)
    assert "header is probably not on the first row" in err.value.problem
    assert f"delete the {k} line" in err.value.fix and f"line {k + 1} is the first with 8 fields" in err.value.rows[0]
    assert "Expected" not in str(err.value)  # not pandas' tokenizer message


def test_a_file_whose_header_is_on_the_first_row_gets_no_title_hint(tmp_path):
    lines = normal_lines(30)
    lines[-1] = lines[-1][:20]  # a cut last line is another problem (dropped and flagged)
    _, report = load_data({"data": str(write_csv(tmp_path / "ok.csv", lines))})
    assert report.flag("truncated_line") is not None and report.rows_read == 30
    trailing = tmp_path / "trailing.csv"  # a separator closing every line: one field more than names
    trailing.write_text("\n".join([HEADER, *(ln + "," for ln in normal_lines(30))]) + "\n")
    assert load_data({"data": str(trailing)})[1].rows_read == 30


# --------------------------------------------------------------------------- mixed date formats


def _frame(dates: list[str]) -> pd.DataFrame:
    rows = [ln.split(",") for ln in normal_lines(len(dates))]
    for r, d in zip(rows, dates, strict=True):
        r[4] = d
    return pd.DataFrame(rows, columns=HEADER.split(","))


def test_a_column_mixing_iso_and_day_first_names_both_formats_and_their_shares():
    dates = [f"2011-03-{1 + i % 28:02d} 10:00" if i % 4 == 0 else f"{13 + i % 15}/03/2011 10:00" for i in range(80)]
    with pytest.raises(DataError) as err:
        load_transactions(_frame(dates))
    problem = err.value.problem
    assert "two formats" in problem and "75% day-first (31/12/2011)" in problem
    assert "25% ISO year-month-day (2011-12-31)" in problem and "row 1: '2011-03-01 10:00'" in problem
    assert "one format" in err.value.fix and "date_format reads one format, not two" in err.value.fix


def test_unreadable_dates_of_no_known_format_keep_the_plain_message():
    dates = [f"{13 + i % 15}/03/2011 10:00" if i % 4 else "soon" for i in range(80)]
    with pytest.raises(DataError) as err:
        load_transactions(_frame(dates))
    assert "cannot be parsed as dates" in err.value.problem and "two formats" not in err.value.problem


# --------------------------------------------------------------------------- codecs


def test_a_codec_that_is_no_text_encoding_is_a_parameter_error(tmp_path):
    path = write_csv(tmp_path / "orders.csv", normal_lines(20))
    for codec in ("rot13", "base64", "zlib"):
        with pytest.raises(DataError) as err:
            load_data({"data": str(path), "encoding": codec})
        assert err.value.parameter == "encoding" and "not a codec Python knows for text" in err.value.problem
        assert 'encoding: ""' in err.value.fix
    assert load_data({"data": str(path), "encoding": "cp1252"})[1].encoding == "cp1252"


# --------------------------------------------------------------------------- files that are not tables


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("passwd", f"{SECRET}\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"),
        ("hosts", "127.0.0.1 SECRET-host\n::1 localhost\n"),
        ("fstab", "# SECRET /etc/fstab: static file system information\nUUID=1 / ext4 defaults 0 1\n"),
        ("notes.txt", "SECRET notes\nnothing here\n"),
        ("letter.txt", "Dear SECRET friend\nThis, that, other\nmore, words, here, now\n"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_without_its_content(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    assert "SECRET" not in str(err.value) and "not a" in err.value.problem and "table" in err.value.problem
    with pytest.raises(DataError) as err:
        read_labelled(path, target="x")
    assert "SECRET" not in str(err.value)


def test_a_table_s_columns_are_still_named_when_its_layout_is_unknown(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order Number,Customer Email,SKU\n1,a@b.c,X\n2,d@e.f,Y\n")
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    assert "Order Number" in str(err.value) and "order_id='Order Number'" in err.value.fix


def test_another_separator_inside_quoted_values_is_no_title_row(tmp_path):
    path = tmp_path / "quoted.csv"
    rows = [f'o{i},c{i % 3},p,2,1.5,2011-01-{i + 1:02d} 10:00,";;"' for i in range(6)]
    path.write_text("\n".join(["order_id,customer_id,product_id,quantity,unit_price,timestamp,description", *rows]))
    table, _ = load_data({"data": str(path)})
    assert table["description"].tolist() == [";;"] * 6
