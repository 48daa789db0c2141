"""The awkward files of issue 9, written by the tests: each is read correctly with the problem
counted and flagged in the data report, or refused with a message naming file, column, rows and fix."""

from __future__ import annotations

import bz2
import gzip
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import DataError
from analysis.data import DataReport, Flag, load_data

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"


def normal_lines(n: int = 200, seed: int = 0) -> list[str]:
    """An ordinary Online Retail style log: 30 customers, 2011 dates, quantities 1-12, prices 0.5-20."""
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2011-01-03") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    lines = []
    for i in range(n):
        customer = 12000 + int(rng.integers(0, 30))
        lines.append(
            f"{540000 + i // 3},{20000 + int(rng.integers(0, 50))},ITEM {i % 7},{int(rng.integers(1, 13))},"
            f"{days[i].month}/{days[i].day}/{days[i].year} 10:{i % 60:02d},{rng.uniform(0.5, 20):.2f},"
            f"{customer},United Kingdom"
        )
    return lines


def write_csv(path: Path, lines: list[str], *, encoding: str = "utf-8", header: str = HEADER) -> Path:
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode(encoding))
    return path


def revenue_of(lines: list[str]) -> float:
    fields = [line.split(",") for line in lines]
    return round(sum(int(f[3]) * float(f[5]) for f in fields), 2)


def adds_up(report: DataReport) -> bool:
    return report.rows_read - sum(report.dropped.values()) == report.rows_kept


# --------------------------------------------------------------------------- dates out of range


def test_future_dates_are_dropped_and_flagged(tmp_path):
    lines = normal_lines()
    future = [f"59900{i},22222,FUTURE,2,3/{i + 1}/2031 10:00,4.00,12001,United Kingdom" for i in range(5)]
    path = write_csv(tmp_path / "future.csv", lines[:50] + future + lines[50:])
    table, report = load_data({"data": str(path)})
    assert report.rows_read == 205 and report.rows_kept == 200 and adds_up(report)
    assert report.dropped["after_max_date"] == 5
    flag = report.flag("after_max_date")
    assert flag.count == 5 and flag.action == "dropped" and flag.column == "timestamp (InvoiceDate)"
    assert flag.rows[0] == "row 51 (order 599000): timestamp '3/1/2031 10:00'"
    assert "the day of the run" in flag.message
    assert table["timestamp"].max() < pd.Timestamp("2012-01-01")
    assert report.revenue == revenue_of(lines)
    assert report.share_dropped_by("after_max_date") == pytest.approx(5 / 205)
    # a max_date after them keeps them, and says nothing
    _, later = load_data({"data": str(path), "max_date": "2031-12-31"})
    assert later.rows_kept == 205 and later.flag("after_max_date") is None


def test_min_date_drops_earlier_rows(tmp_path):
    lines = normal_lines()
    path = write_csv(tmp_path / "o.csv", lines)
    table, report = load_data({"data": str(path), "min_date": "2011-06-01", "max_date": "2011-12-31"})
    dates = pd.to_datetime([line.split(",")[4] for line in lines], format="%m/%d/%Y %H:%M")
    early = int((dates < pd.Timestamp("2011-06-01")).sum())
    assert 0 < early < len(lines)
    assert report.dropped["before_min_date"] == early == report.flag("before_min_date").count
    assert table["timestamp"].min() >= pd.Timestamp("2011-06-01") and adds_up(report)


# --------------------------------------------------------------------------- duplicates


def test_every_line_twice_is_counted_and_dropped_on_request(tmp_path):
    lines = normal_lines(100)
    path = write_csv(tmp_path / "twice.csv", [line for line in lines for _ in range(2)])
    _, kept = load_data({"data": str(path)})
    assert kept.duplicates == 100 and kept.rows_kept == 200
    flag = kept.flag("duplicate")
    assert flag.action == "kept" and flag.count == 100 and "drop_duplicates" in flag.message
    assert flag.rows[0] == "row 2 (order 540000) repeats row 1"
    assert kept.revenue == pytest.approx(2 * revenue_of(lines))
    table, dropped = load_data({"data": str(path), "drop_duplicates": True})
    assert dropped.duplicates == 100 and dropped.dropped["duplicate"] == 100 and dropped.rows_kept == 100
    assert dropped.flag("duplicate").action == "dropped" and adds_up(dropped)
    assert dropped.revenue == pytest.approx(revenue_of(lines))
    assert not table.duplicated().any()


def test_duplicates_are_counted_on_the_lines_as_read(tmp_path):
    lines = normal_lines(60)
    # same canonical columns, different country: not an exact duplicate line
    near = lines[0].replace("United Kingdom", "France")
    path = write_csv(tmp_path / "near.csv", [*lines, lines[3], near])
    _, report = load_data({"data": str(path)})
    raw = pd.read_csv(path, dtype=str)
    assert report.duplicates == int(raw.duplicated().sum()) == 1


# --------------------------------------------------------------------------- extreme values


def test_a_quantity_of_1e12_is_flagged_and_dropped_on_request(tmp_path):
    lines = normal_lines()
    absurd = "599999,22222,ABSURD,1000000000000,6/1/2011 10:00,4.30,12001,United Kingdom"
    path = write_csv(tmp_path / "absurd.csv", [*lines[:10], absurd, *lines[10:]])
    _, kept = load_data({"data": str(path)})
    flag = kept.flag("extreme_quantity")
    assert flag.count == 1 and flag.action == "kept" and flag.rows == ["row 11 (order 599999): quantity 1000000000000"]
    assert "outlier_threshold 50" in flag.message and "drop_outliers" in flag.message
    assert kept.rows_kept == 201 and "extreme_quantity" not in kept.dropped
    _, dropped = load_data({"data": str(path), "drop_outliers": True})
    assert dropped.dropped["extreme_quantity"] == 1 and dropped.rows_kept == 200 and adds_up(dropped)
    assert dropped.revenue == revenue_of(lines)


def test_an_extreme_price_is_flagged(tmp_path):
    lines = normal_lines()
    pricey = "599999,22222,GOLD,1,6/1/2011 10:00,250000.00,12001,United Kingdom"
    _, report = load_data({"data": str(write_csv(tmp_path / "p.csv", [*lines, pricey]))})
    assert report.flag("extreme_price").count == 1 and report.flag("extreme_quantity") is None
    _, loose = load_data({"data": str(tmp_path / "p.csv"), "outlier_threshold": 1e6})
    assert loose.flag("extreme_price") is None


# --------------------------------------------------------------------------- a file cut mid-line


@pytest.mark.parametrize("keep_chars", [12, 30])
def test_a_file_cut_mid_line_loses_that_line_only(tmp_path, keep_chars):
    lines = normal_lines(50)
    path = write_csv(tmp_path / "cut.csv", lines)
    text = path.read_bytes()
    last = lines[-1].encode()
    path.write_bytes(text[: len(text) - 1 - len(last) + keep_chars])  # the download stopped in the last line
    table, report = load_data({"data": str(path)})
    assert report.rows_read == 50 and report.rows_kept == 49 and adds_up(report)
    assert report.dropped["truncated_line"] == 1
    flag = report.flags[0]
    assert flag.rule == "truncated_line" and flag.action == "dropped" and flag.count == 1
    assert flag.rows == [f"line 51: {lines[-1][:keep_chars]!r}"]
    assert "cut off mid-line" in flag.message
    assert report.revenue == revenue_of(lines[:-1])


def test_quoted_fields_in_the_last_line(tmp_path):
    lines = normal_lines(20)
    multi = lines[-1].replace("ITEM", '"TWO\nLINE ITEM').replace(",", '",', 3).replace('",', ",", 2)
    assert multi.count('"') == 2 and "\n" in multi
    inch = lines[-1].replace("ITEM", '12" PIZZA TIN')
    for last, kept in ((multi, 20), (inch, 20)):  # a line break inside quotes; a stray inch mark
        path = write_csv(tmp_path / "q.csv", [*lines[:-1], last])
        table, report = load_data({"data": str(path)})
        assert report.rows_kept == kept and report.flags == [], report.flags
    assert table["description"].iloc[-1].startswith('12" PIZZA TIN')
    # cut inside a quoted last field: the field count is the same, the quote never closes
    quoted = lines[-1].replace("United Kingdom", '"United Kingdom"')
    path = write_csv(tmp_path / "cutq.csv", [*lines[:-1], quoted])
    path.write_bytes(path.read_bytes()[:-6])
    _, report = load_data({"data": str(path)})
    assert report.rows_kept == 19 and "ends inside a quoted field" in report.flag("truncated_line").message
    # cut inside a quoted field that spans lines: the whole record goes, from its first line
    path = write_csv(tmp_path / "cutm.csv", [*lines[:-1], multi])
    path.write_bytes(path.read_bytes()[: path.read_bytes().index(b"LINE ITEM") + 4])
    _, report = load_data({"data": str(path)})
    assert report.rows_kept == 19 and report.flag("truncated_line").rows[0].startswith("line 21: ")


def test_a_utf8_file_cut_inside_a_character_stays_utf8(tmp_path):
    lines = normal_lines(20)
    lines[0] = lines[0].replace("ITEM 0", "CAFÉ €")
    lines[-1] = lines[-1].replace("United Kingdom", "Österreich €")
    path = write_csv(tmp_path / "cut8.csv", lines)
    path.write_bytes(path.read_bytes()[:-3])  # the download stopped inside the last euro sign
    table, report = load_data({"data": str(path)})
    assert report.encoding == "utf-8" and table["description"].iloc[0] == "CAFÉ €"
    # every field is there, the last one short: kept, and the report says the last line may be cut
    assert report.rows_kept == 20 and report.flag("unterminated_line").action == "kept"
    assert table["country"].iloc[-1] == "Österreich "


def test_a_file_whose_only_line_is_cut(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text(HEADER + "\n536365,85123A,WHITE HANGING,6,12/1/20")
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    msg = str(err.value)
    assert "its only line was cut off mid-line" in msg and "line 2: '536365,85123A" in msg and str(path) in msg


def test_a_complete_last_line_without_newline_is_kept(tmp_path):
    lines = normal_lines(20)
    path = tmp_path / "nonl.csv"
    path.write_text("\n".join([HEADER, *lines]))
    _, report = load_data({"data": str(path)})
    assert report.rows_kept == 20 and report.flag("truncated_line") is None
    flag = report.flag("unterminated_line")  # it may be cut inside its last field: said, not dropped
    assert flag.action == "kept" and flag.rows == [f"line 21: {lines[-1][:57] + '...'!r}"] and "line break" in flag.message
    path.write_text("\n".join([HEADER, *lines]) + "\r\n")
    assert load_data({"data": str(path)})[1].flags == []


# --------------------------------------------------------------------------- encodings


def test_windows_1252_euro_sign_survives(tmp_path):
    lines = normal_lines(30)
    lines[0] = lines[0].replace("ITEM 0", "PRICE IN € – “SPECIAL”")
    path = write_csv(tmp_path / "cp1252.csv", lines, encoding="cp1252")
    table, report = load_data({"data": str(path)})
    assert report.encoding == "cp1252"
    assert table["description"].iloc[0] == "PRICE IN € – “SPECIAL”"


def test_a_lone_euro_sign_in_a_short_windows_1252_file(tmp_path):
    lines = normal_lines(3)
    lines[0] = lines[0].replace("ITEM 0", "CAF€ MUG")
    table, report = load_data({"data": str(write_csv(tmp_path / "short.csv", lines, encoding="cp1252"))})
    assert report.encoding == "cp1252" and table["description"].iloc[0] == "CAF€ MUG"


def test_latin_1_text_is_read_and_encoding_overrides(tmp_path):
    lines = normal_lines(30)
    lines[0] = lines[0].replace("ITEM 0", "CRÈME BRÛLÉE")
    path = write_csv(tmp_path / "latin1.csv", lines, encoding="latin-1")
    table, report = load_data({"data": str(path)})
    assert table["description"].iloc[0] == "CRÈME BRÛLÉE" and report.encoding in ("cp1252", "latin-1")
    _, forced = load_data({"data": str(path), "encoding": "latin-1"})
    assert forced.encoding == "latin-1"
    with pytest.raises(DataError) as err:
        load_data({"data": str(path), "encoding": "utf-8"})
    msg = str(err.value)
    assert "not valid utf-8" in msg and "line 2" in msg and str(path) in msg and 'encoding: ""' in msg


def test_latin_1_control_bytes_fall_back_to_latin_1(tmp_path):
    lines = normal_lines(30)
    lines[0] = lines[0].replace("ITEM 0", "ODD \x81 CAFÉ")  # 0x81 is undefined in Windows-1252
    path = write_csv(tmp_path / "c1.csv", lines, encoding="latin-1")
    table, report = load_data({"data": str(path)})
    assert report.encoding == "latin-1" and table["description"].iloc[0] == "ODD \x81 CAFÉ"


@pytest.mark.parametrize(("codec", "name"), [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-8", "utf-8")])
def test_byte_order_marks(tmp_path, codec, name):
    lines = normal_lines(30)
    lines[0] = lines[0].replace("ITEM 0", "Grüße €")
    table, report = load_data({"data": str(write_csv(tmp_path / "bom.csv", lines, encoding=codec))})
    assert report.encoding == name and report.layout == "online_retail"
    assert table["description"].iloc[0] == "Grüße €"


def test_bytes_that_are_no_known_text_are_refused(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(bytes(range(1, 256)) * 4)
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    assert "not text in UTF-8, Windows-1252 or Latin-1" in str(err.value) and "encoding" in str(err.value)


def test_binary_bytes_are_refused_without_showing_them(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"SECRET" + bytes(range(256)) * 4)
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    assert "binary data (NUL bytes)" in str(err.value) and "SECRET" not in str(err.value)
    path.write_bytes("order_id,customer_id\n".encode("utf-16-le"))  # UTF-16 without its mark: say so
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    assert "encoding: utf-16" in err.value.fix


# --------------------------------------------------------------------------- containers


def _plain(tmp_path: Path) -> tuple[Path, list[str]]:
    lines = normal_lines(40)
    lines[0] = lines[0].replace("ITEM 0", "CAFÉ €")
    return write_csv(tmp_path / "orders.csv", lines, encoding="cp1252"), lines


@pytest.mark.parametrize("container", ["gz", "bz2", "zip"])
def test_compressed_csv_reads_like_the_plain_file(tmp_path, container):
    plain, _ = _plain(tmp_path)
    payload = plain.read_bytes()
    packed = tmp_path / f"orders.csv.{container}" if container != "zip" else tmp_path / "orders.zip"
    if container == "gz":
        packed.write_bytes(gzip.compress(payload))
    elif container == "bz2":
        packed.write_bytes(bz2.compress(payload))
    else:
        with zipfile.ZipFile(packed, "w") as z:
            z.writestr("export/orders.csv", payload)
            z.writestr("__MACOSX/export/._orders.csv", b"\x00\x05resource fork")
    a, report_a = load_data({"data": str(plain)})
    b, report_b = load_data({"data": str(packed)})
    pd.testing.assert_frame_equal(a, b)
    assert report_b.encoding == "cp1252" and report_b.rows_kept == report_a.rows_kept
    assert b["description"].iloc[0] == "CAFÉ €"


def test_a_compressed_file_that_lost_its_ending(tmp_path):
    plain, _ = _plain(tmp_path)
    renamed = tmp_path / "download.csv"
    renamed.write_bytes(gzip.compress(plain.read_bytes()))
    a, _ = load_data({"data": str(plain)})
    b, report = load_data({"data": str(renamed)})
    pd.testing.assert_frame_equal(a, b)
    assert report.encoding == "cp1252"


def test_a_zip_with_two_files_names_them(tmp_path):
    plain, _ = _plain(tmp_path)
    packed = tmp_path / "two.zip"
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("orders_2010.csv", plain.read_bytes())
        z.writestr("orders_2011.csv", plain.read_bytes())
    with pytest.raises(DataError) as err:
        load_data({"data": str(packed)})
    msg = str(err.value)
    assert "holds 2 files" in msg and "orders_2010.csv" in msg and "orders_2011.csv" in msg
    assert str(packed) in msg and "unpack it" in msg


def test_a_broken_gzip_is_refused(tmp_path):
    plain, _ = _plain(tmp_path)
    packed = tmp_path / "orders.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes())[:-40])
    with pytest.raises(DataError) as err:
        load_data({"data": str(packed)})
    assert "could not be unpacked as gzip" in str(err.value) and "download it again" in str(err.value)


def test_parquet_inside_gzip_and_zip(tmp_path):
    plain, _ = _plain(tmp_path)
    frame = pd.read_csv(plain, dtype=str, encoding="cp1252")
    packed = tmp_path / "orders.parquet.gz"
    packed.write_bytes(gzip.compress(frame.to_parquet()))
    _, report = load_data({"data": str(packed)})
    assert report.rows_read == 40 and report.encoding == ""
    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("orders.parquet", frame.to_parquet())
    assert load_data({"data": str(zipped)})[1].rows_read == 40


# --------------------------------------------------------------------------- number and date formats


def _european(lines: list[str], thousands: str = "") -> list[str]:
    out = []
    for line in lines:
        f = line.split(",")
        price = f"{float(f[5]):,.2f}".replace(",", "_").replace(".", ",").replace("_", thousands)
        out.append(";".join([*f[:5], price, *f[6:]]))
    return out


def test_decimal_commas_with_decimal_parameter(tmp_path):
    lines = normal_lines(40)
    path = write_csv(tmp_path / "eu.csv", _european(lines), header=HEADER.replace(",", ";"))
    table, report = load_data({"data": str(path), "decimal": ","})
    assert report.revenue == revenue_of(lines) and report.rows_kept == 40
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    msg = str(err.value)
    assert "unit_price" in msg and "cannot be parsed as numbers" in msg and str(path) in msg
    assert "they look like 2,50: set decimal: ','" in msg


def test_thousands_separators(tmp_path):
    lines = normal_lines(40)
    lines[0] = lines[0].rsplit(",", 3)[0] + ",1234.50,12001,United Kingdom"
    dotted = write_csv(tmp_path / "eu.csv", _european(lines, "."), header=HEADER.replace(",", ";"))
    table, report = load_data({"data": str(dotted), "decimal": ",", "thousands": "."})
    assert table["unit_price"].iloc[0] == 1234.5 and report.revenue == revenue_of(lines)
    quoted = [line.replace(",1234.50,", ',"1,234.50",') for line in lines]
    comma = write_csv(tmp_path / "us.csv", quoted)
    table, _ = load_data({"data": str(comma), "thousands": ","})
    assert table["unit_price"].iloc[0] == 1234.5
    many = write_csv(tmp_path / "many.csv", [line.replace(",1234.50,", ',"1,234.50",') for line in [lines[0]] * 5 + lines])
    with pytest.raises(DataError, match="they look like 1,234.50: set thousands: ','"):
        load_data({"data": str(many)})


def test_more_fields_than_names_is_refused_not_shifted(tmp_path):
    lines = normal_lines(20)
    shifted = [line.replace(".", ",", 1) for line in lines]  # decimal commas in a comma-separated file
    path = write_csv(tmp_path / "shift.csv", [line for line in shifted if line.count(",") == 8])
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    msg = str(err.value)
    assert "1 more field than the header has names" in msg and "line 2:" in msg and "quote such values" in msg
    # a separator at the end of every line is an empty last field, not a shift
    trailing = write_csv(tmp_path / "trailing.csv", [line + "," for line in lines])
    table, report = load_data({"data": str(trailing)})
    assert report.rows_kept == 20 and report.revenue == revenue_of(lines)


def test_date_format_is_honoured(tmp_path):
    lines = normal_lines(20)
    days = [f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d} {d.hour:02d}h{d.minute:02d}"
            for d in pd.to_datetime([line.split(",")[4] for line in lines], format="%m/%d/%Y %H:%M")]  # fmt: skip
    odd = [",".join([*line.split(",")[:4], day, *line.split(",")[5:]]) for line, day in zip(lines, days, strict=True)]
    path = write_csv(tmp_path / "odd.csv", odd)
    table, _ = load_data({"data": str(path), "date_format": "%d.%m.%y %Hh%M"})
    expected = pd.to_datetime([line.split(",")[4] for line in lines], format="%m/%d/%Y %H:%M")
    assert table["timestamp"].tolist() == list(expected)


# --------------------------------------------------------------------------- the report itself


def test_report_text_and_json_show_everything(tmp_path):
    lines = normal_lines(60)
    future = "599000,22222,FUTURE,2,3/1/2031 10:00,4.00,12001,United Kingdom"
    path = write_csv(tmp_path / "r.csv", [*lines, lines[0], future], encoding="cp1252")
    _, report = load_data({"data": str(path), "currency": "eur"})
    text = str(report)
    for words in ("encoding    utf-8", "currency    EUR", "duplicates  1 exact duplicate line (kept)", "1 exact duplicate line (every column",
                  "with two or more orders", "days with a sale", "after_max_date (timestamp (InvoiceDate)), dropped",
                  "rows: row 62 (order 599000): timestamp '3/1/2031 10:00'", "revenue"):  # fmt: skip
        assert words in text, words
    data = json.loads(report.to_json())
    assert data["currency"] == "EUR" and data["encoding"] == "utf-8" and data["duplicates"] == 1
    assert {"customers", "repeat_customers", "days", "first_date", "last_date"} <= set(data)
    assert data["flags"][0] == {
        "rule": "after_max_date", "column": "timestamp (InvoiceDate)", "count": 1,
        "rows": ["row 62 (order 599000): timestamp '3/1/2031 10:00'"], "action": "dropped",
        "message": data["flags"][0]["message"],
    }  # fmt: skip
    assert data["repeat_customers"] <= data["customers"] and data["days"] >= 1


def test_report_facts_against_hand_counts(tmp_path):
    lines = [
        "1,A,x,1,1/3/2011 10:00,2.00,c1,UK",
        "2,A,x,1,1/5/2011 10:00,2.00,c1,UK",
        "3,B,x,1,1/5/2011 11:00,2.00,c2,UK",
        "3,C,x,1,1/5/2011 11:00,2.00,c2,UK",
    ]
    _, report = load_data({"data": str(write_csv(tmp_path / "tiny.csv", lines))})
    assert (report.customers, report.repeat_customers, report.days, report.orders) == (2, 1, 2, 3)
    assert (report.first_date, report.last_date) == ("2011-01-03", "2011-01-05")
    assert report.currency == "GBP"  # the Online Retail layout's


def test_layout_currencies_and_the_shop():
    _, shop = load_data({"data": "shop", "shop_customers": 60})
    assert shop.currency == "EUR" and shop.encoding == ""
    _, cdnow = load_data({"data": "cdnow", "max_date": "1998-12-31"})
    assert cdnow.currency == "USD" and cdnow.rows_kept == 69_659


def test_unknown_layouts_have_no_currency_unless_given(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame({"o": ["1", "2"], "c": ["a", "b"], "p": ["x", "y"], "q": ["1", "2"], "u": ["1.5", "2"],
                  "t": ["2024-01-01", "2024-01-02"]}).to_csv(path, index=False)  # fmt: skip
    mapping = {"order_id": "o", "customer_id": "c", "product_id": "p", "quantity": "q", "unit_price": "u", "timestamp": "t"}
    _, report = load_data({"data": str(path), "mapping": mapping})
    assert report.currency == "" and "not known" in str(report)
    _, given = load_data({"data": str(path), "mapping": mapping, "currency": "CHF"})
    assert given.currency == "CHF"


def test_flag_action_is_checked():
    with pytest.raises(ValueError, match="action"):
        Flag("x", "y", 1, [], "ignored", "")

