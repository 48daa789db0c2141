"""`python -m analysis report` on hostile and careless input (issue 26): valid JSON always, new data
parameters from a parameters file, no content of a file that is not a table, a codec as a parameter."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.__main__ import main
from tests.unit.data.test_data_awkward_files import HEADER, normal_lines, write_csv


def _strict(text: str) -> dict:
    """JSON as the standard has it: Infinity and NaN refused."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} is not JSON"))


def test_report_json_is_strict_json_with_the_new_facts(tmp_path, capsys):
    lines = normal_lines(60)
    lines[0] = lines[0].replace(",United", ".0,United")  # one customer id written as a float
    path = write_csv(tmp_path / "orders.csv", lines)
    assert main(["report", str(path), "--json"]) == 0
    report = _strict(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["ids_rewritten"] == {"customer_id": 1} and report["rules"]["min_date"] == "1990-01-01"
    assert report["sheet"] == "" and report["timezone"] == ""


def test_report_takes_sheet_and_timezone_from_the_parameters_file(tmp_path, capsys):
    orders = pd.DataFrame([ln.split(",") for ln in normal_lines(40)], columns=HEADER.split(","))
    orders["InvoiceDate"] = pd.date_range("2011-03-01 10:00", periods=40, freq="D").strftime("%Y-%m-%dT%H:%M:%SZ")
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Total": [1]}).to_excel(writer, sheet_name="Summary", index=False)
        orders.to_excel(writer, sheet_name="Orders", index=False)
    params = tmp_path / "params.yaml"
    params.write_text("sheet: Orders\ntimezone: America/New_York\n")
    assert main(["report", str(book), "--params", str(params)]) == 0
    out = capsys.readouterr().out
    assert "sheet       'Orders' (not read: 'Summary'" in out and "converted to America/New_York" in out
    assert main(["report", str(book)]) == 2
    err = capsys.readouterr().err
    assert "'Summary'" in err and 'sheet: "Orders"' in err


def test_report_of_a_system_file_shows_none_of_it(tmp_path, capsys):
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:SECRET:/root:/bin/bash\n" * 3)
    assert main(["report", str(path)]) == 2
    captured = capsys.readouterr()
    assert "SECRET" not in captured.err + captured.out and "not a table" in captured.err and "one field" in captured.err


def test_a_codec_that_is_no_text_encoding_is_a_parameter_error_not_a_bug(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_text("encoding: rot13\n")
    assert main(["report", str(write_csv(tmp_path / "o.csv", normal_lines(20))), "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "parameter: encoding" in err and "bug" not in err
