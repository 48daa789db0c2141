"""Issue 26, point 6: nothing passes silently. Ids written two ways, Excel sheets, implausible
dates, non-finite revenue, an order shared by many customers, time zones: each is counted and
said in the data report, or refused with a message, and each rule is tested both ways."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis import DataError
from analysis.data import DataParams, data_params, load_data, load_transactions
from analysis.data.report import json_safe, json_text

from tests.unit.data.test_data_awkward_files import HEADER, normal_lines, write_csv

COLUMNS = HEADER.split(",")


def frame(lines: list[str]) -> pd.DataFrame:
    return pd.DataFrame([ln.split(",") for ln in lines], columns=COLUMNS)


# --------------------------------------------------------------------------- ids


def test_an_integral_float_id_is_the_integer_and_the_report_counts_it(tmp_path):
    lines = normal_lines(120)
    both = [ln.replace(",United", ".0,United") if i % 2 else ln for i, ln in enumerate(lines)]  # 12001.0 and 12001
    plain, report_plain = load_data({"data": str(write_csv(tmp_path / "a.csv", lines))})
    table, report = load_data({"data": str(write_csv(tmp_path / "b.csv", both))})
    assert report.customers == report_plain.customers  # not doubled
    assert set(table["customer_id"]) == set(plain["customer_id"]) and not table["customer_id"].str.contains(r"\.").any()
    assert report.ids_rewritten == {"customer_id": 60}
    flag = report.flag("id_written_two_ways")
    assert flag is not None and flag.action == "kept" and flag.count == 60 and "one id, not two" in flag.message
    assert "60 written as integral floats" in str(report)
    assert report_plain.ids_rewritten == {} and report_plain.flag("id_written_two_ways") is None


def test_a_float_id_column_prints_integers_without_a_two_ways_flag(tmp_path):
    df = frame(normal_lines(60))
    df["CustomerID"] = df["CustomerID"].astype(float)
    df.loc[3, "CustomerID"] = np.nan
    table, report = load_transactions(df)
    assert table["customer_id"].str.fullmatch(r"\d+").all()
    assert report.ids_rewritten == {"customer_id": 59} and report.flag("id_written_two_ways") is None


def test_non_integral_and_text_ids_are_kept_as_written(tmp_path):
    df = frame(normal_lines(60))
    df["StockCode"] = ["1.5", "85123A", "2.10", "A.0"] * 15
    table, report = load_transactions(df)
    assert set(table["product_id"]) == {"1.5", "85123A", "2.10", "A.0"} and "product_id" not in report.ids_rewritten


# --------------------------------------------------------------------------- dates before min_date


def test_dates_before_1990_are_dropped_by_default_and_said(tmp_path):
    lines = normal_lines()
    old = [f"59900{i},22222,OLD,2,1/{i + 1}/1900 10:00,4.00,12001,United Kingdom" for i in range(3)]
    path = write_csv(tmp_path / "old.csv", lines + old)
    _, report = load_data({"data": str(path)})
    assert report.dropped["before_min_date"] == 3 and report.rows_kept == 200
    flag = report.flag("before_min_date")
    assert "before 1990-01-01" in flag.message and 'min_date: ""' in flag.message and "1900" in flag.rows[0]
    _, kept = load_data({"data": str(path), "min_date": ""})
    assert kept.rows_kept == 203 and "before_min_date" not in kept.dropped and kept.first_date == "1900-01-01"
    _, none = load_data({"data": str(write_csv(tmp_path / "ok.csv", lines))})
    assert none.dropped["before_min_date"] == 0 and none.flag("before_min_date") is None
    assert DataParams().min_date == "1990-01-01"


# --------------------------------------------------------------------------- non-finite revenue, JSON


def test_a_price_that_overflows_the_revenue_is_refused(tmp_path):
    lines = normal_lines()
    lines[7] = lines[7].split(",")
    lines[7][5], lines[7][3] = "1e300", "1000000000"
    lines[7] = ",".join(lines[7])
    with pytest.raises(DataError) as err:
        load_data({"data": str(write_csv(tmp_path / "inf.csv", lines))})
    text = str(err.value)
    assert "not a finite number" in text and "row 8" in text and "1e+300" in text.replace("1e300", "1e+300")
    _, report = load_data({"data": str(write_csv(tmp_path / "ok.csv", normal_lines()))})
    assert math.isfinite(report.revenue)


def test_the_sum_of_finite_lines_beyond_the_largest_float_is_refused():
    df = frame(normal_lines(40))
    df["UnitPrice"] = "1e306"
    df["Quantity"] = "100"
    with pytest.raises(DataError, match="adds up beyond the largest number"):
        load_transactions(df)


def test_report_json_is_always_valid_json():
    value = {"revenue": float("inf"), "share": float("nan"), "rows": [np.float64("-inf"), 1.5], "n": np.int64(3)}
    assert json_safe(value) == {"revenue": None, "share": None, "rows": [None, 1.5], "n": 3}
    assert json.loads(json_text(value)) == {"revenue": None, "share": None, "rows": [None, 1.5], "n": 3}
    assert "Infinity" not in json_text(value) and "NaN" not in json_text(value)
    _, report = load_transactions(frame(normal_lines(40)))
    report.revenue = float("inf")  # whatever a report holds, its JSON parses
    assert json.loads(report.to_json(), parse_constant=lambda c: pytest.fail(c))["revenue"] is None


# --------------------------------------------------------------------------- shared orders


def test_an_order_shared_by_many_customers_is_flagged_and_kept():
    lines = normal_lines(120)
    shared = [ln.split(",") for ln in lines[:10]]
    for i, f in enumerate(shared):
        f[0], f[6] = "539999", str(13000 + i)  # ten customers on one invoice
    df = frame([",".join(f) for f in shared] + lines[10:])
    _, report = load_transactions(df)
    flag = report.flag("shared_order")
    assert flag.action == "kept" and flag.count == 10 and "order 539999 has 10 customers" in flag.message
    assert "order_id is mapped" in flag.message and "shared_order" not in report.dropped
    _, clean = load_transactions(frame(lines))  # three lines an order, at most three customers
    assert clean.flag("shared_order") is None


# --------------------------------------------------------------------------- Excel sheets


def _workbook(path, sheets: dict[str, pd.DataFrame]):
    with pd.ExcelWriter(path) as writer:
        for name, df in sheets.items():
            df.to_excel(writer, sheet_name=name, index=False)
    return path


def test_the_report_names_the_sheet_it_read_and_the_others(tmp_path):
    orders = frame(normal_lines(60))
    path = _workbook(tmp_path / "book.xlsx", {"Orders": orders, "Notes": pd.DataFrame({"note": ["hi"]})})
    _, report = load_data({"data": str(path)})
    assert report.sheet == "Orders" and report.other_sheets == ["Notes"]
    assert "sheet       'Orders' (not read: 'Notes'" in str(report)
    one = _workbook(tmp_path / "one.xlsx", {"Orders": orders})
    _, single = load_data({"data": str(one)})
    assert single.sheet == "Orders" and single.other_sheets == [] and "not read" not in str(single)


def test_a_summary_first_sheet_is_refused_naming_the_sheets_and_the_sheet_that_fits(tmp_path):
    summary = pd.DataFrame({"Month": ["Jan", "Feb"], "Total": [1, 2]})
    path = _workbook(tmp_path / "book.xlsx", {"Summary": summary, "Orders": frame(normal_lines(60))})
    with pytest.raises(DataError) as err:
        load_data({"data": str(path)})
    assert "'Summary'" in err.value.problem and "'Orders'" in err.value.problem
    assert err.value.parameter == "sheet" and 'sheet: "Orders"' in err.value.fix
    table, report = load_data({"data": str(path), "sheet": "Orders"})
    assert report.sheet == "Orders" and report.other_sheets == ["Summary"] and len(table) == 60


def test_an_unknown_sheet_is_refused_with_the_sheets(tmp_path):
    path = _workbook(tmp_path / "book.xlsx", {"Orders": frame(normal_lines(30))})
    with pytest.raises(DataError) as err:
        load_data({"data": str(path), "sheet": "orders"})
    assert err.value.parameter == "sheet" and "did you mean 'Orders'" in err.value.problem


# --------------------------------------------------------------------------- time zones


def _iso_lines(offsets: list[str]) -> list[str]:
    lines = []
    for i, off in enumerate(offsets):
        lines.append(f"{540000 + i // 3},2000{i % 5},ITEM,1,2011-03-{1 + i % 28:02d}T10:00:00{off},2.00,{12000 + i % 7},UK")
    return lines


def test_one_offset_is_kept_as_local_time_and_said(tmp_path):
    path = write_csv(tmp_path / "tz.csv", _iso_lines(["+01:00"] * 40))
    table, report = load_data({"data": str(path)})
    assert (table["timestamp"].dt.hour == 10).all() and table["timestamp"].dt.tz is None
    assert "UTC+01:00" in report.timezone and "time zone   UTC+01:00" in str(report)
    naive = write_csv(tmp_path / "naive.csv", _iso_lines([""] * 40))
    _, plain = load_data({"data": str(naive)})
    assert plain.timezone == "" and "time zone" not in str(plain)


def test_a_timezone_parameter_converts_every_timestamp(tmp_path):
    path = write_csv(tmp_path / "tz.csv", _iso_lines(["Z"] * 20 + ["+02:00"] * 20))
    table, report = load_data({"data": str(path), "timezone": "Asia/Tokyo"})
    hours = table["timestamp"].dt.hour
    assert set(hours) == {19, 17}  # 10:00 UTC and 10:00 UTC+2 in Tokyo (UTC+9)
    assert "converted to Asia/Tokyo" in report.timezone


def test_offsets_that_differ_keep_each_row_s_written_time_and_say_so(tmp_path):
    path = write_csv(tmp_path / "tz.csv", _iso_lines(["+00:00"] * 30 + ["+01:00"] * 10))
    table, report = load_data({"data": str(path)})
    assert (table["timestamp"].dt.hour == 10).all()
    assert "offsets differ" in report.timezone and "UTC+00:00 75%" in report.timezone
    assert "timezone" in report.timezone  # the parameter that converts them


def test_an_aware_parquet_column_is_converted_or_kept():
    df = frame(normal_lines(30))
    df["InvoiceDate"] = pd.date_range("2011-03-01 10:00", periods=30, freq="D", tz="Europe/London")
    table, report = load_transactions(df)
    assert (table["timestamp"].dt.hour == 10).all() and "Europe/London" in report.timezone
    table, report = load_transactions(df, timezone="UTC")
    assert (table["timestamp"].dt.hour == 10).sum() == 26 and "converted to UTC" in report.timezone


def test_an_unknown_timezone_is_a_parameter_error():
    with pytest.raises(DataError) as err:
        data_params({"timezone": "Europe/Londn"})
    assert "timezone" in str(err.value) and "Europe/London" in str(err.value)
    assert data_params({"timezone": " UTC "}).timezone == "UTC"


def test_a_sheet_for_a_file_without_sheets_is_refused(tmp_path):
    path = write_csv(tmp_path / "orders.csv", normal_lines(30))
    with pytest.raises(DataError) as err:
        load_data({"data": str(path), "sheet": "Orders"})
    assert err.value.parameter == "sheet" and 'sheet: ""' in err.value.fix
    assert load_data({"data": str(path)})[1].sheet == ""


def test_a_timezone_for_timestamps_without_a_zone_is_said():
    table, report = load_transactions(frame(normal_lines(30)), timezone="Europe/Paris")
    assert report.timezone == "the timestamps carry no zone: read as local time in Europe/Paris"
    assert table["timestamp"].iloc[0] == load_transactions(frame(normal_lines(30)))[0]["timestamp"].iloc[0]
