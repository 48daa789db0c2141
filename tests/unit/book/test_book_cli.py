"""`python -m analysis report` on files the test writes: text, JSON, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from analysis.__main__ import main


def _orders(tmp_path):
    df = pd.DataFrame(
        {
            "InvoiceNo": ["1", "1", "C2", "3"],
            "StockCode": ["a", "b", "a", "POST"],
            "Description": ["x", "y", "x", "postage"],
            "Quantity": [1, 2, -1, 1],
            "InvoiceDate": ["2011-01-01 10:00", "2011-01-01 10:00", "2011-01-02 09:00", "2011-01-03 12:00"],
            "UnitPrice": [2.0, 3.0, 2.0, 15.0],
            "CustomerID": [1.0, 1.0, 1.0, 2.0],
            "Country": ["UK", "UK", "UK", "France"],
        }
    )
    path = tmp_path / "orders.csv"
    df.to_csv(path, index=False)
    return path


def test_report_json_has_the_promised_keys(tmp_path, capsys):
    assert main(["report", str(_orders(tmp_path)), "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    report = json.loads(last)
    for key in ("layout", "rows_read", "rows_kept", "customers", "products", "first_date", "last_date", "revenue", "dropped"):
        assert key in report
    assert report["layout"] == "online_retail"
    assert (report["rows_read"], report["rows_kept"], report["customers"]) == (4, 3, 2)
    assert report["dropped"]["cancellation"] == 1
    assert report["revenue"] == pytest.approx(2 + 6 + 15)


def test_report_text_and_optional_rules(tmp_path, capsys):
    assert main(["report", str(_orders(tmp_path)), "--drop-non-product"]) == 0
    out = capsys.readouterr().out
    assert "layout      online_retail" in out and "non_product" in out


def test_report_mapping_flag(tmp_path, capsys):
    df = pd.DataFrame({"o": ["1"], "c": ["x"], "p": ["y"], "q": ["2"], "pr": ["1.5"], "t": ["2024-01-01"]})
    path = tmp_path / "mine.csv"
    df.to_csv(path, index=False)
    args = ["report", str(path), "--json"] + [
        f"--map={k}={v}"
        for k, v in {"order_id": "o", "customer_id": "c", "product_id": "p", "quantity": "q", "unit_price": "pr",
                     "timestamp": "t"}.items()
    ]  # fmt: skip
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["revenue"] == 3.0


def test_bad_file_prints_the_message_and_exits_2(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("a,b\n1,2\n")
    result = subprocess.run([sys.executable, "-m", "analysis", "report", str(path), "--json"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "do not match a known layout" in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_install_kernel_registers_a_quiet_kernel(tmp_path):
    import json

    from analysis.book.runner import KERNEL, install_kernel

    spec = install_kernel(prefix=str(tmp_path))
    assert spec.parent.name == KERNEL and spec.is_relative_to(tmp_path)
    kernel = json.loads(spec.read_text())
    assert kernel["argv"][0] == sys.executable  # the kernel runs this interpreter
    assert "--IPKernelApp.log_level=ERROR" in kernel["argv"]
    install_kernel(prefix=str(tmp_path))  # idempotent
    assert json.loads(spec.read_text())["argv"].count("--IPKernelApp.log_level=ERROR") == 1


def test_report_date_format_flag(tmp_path, capsys):
    df = pd.DataFrame({"InvoiceNo": ["1", "2"], "StockCode": ["a", "b"], "Description": ["x", "y"], "Quantity": [1, 1],
                       "InvoiceDate": ["1/2/2011 10:00", "3/2/2011 10:00"], "UnitPrice": [1.0, 2.0],
                       "CustomerID": [1.0, 2.0], "Country": ["UK", "UK"]})  # fmt: skip
    path = tmp_path / "eu.csv"
    df.to_csv(path, index=False)
    assert main(["report", str(path), "--json", "--date-format", "%d/%m/%Y %H:%M"]) == 0
    assert json.loads(capsys.readouterr().out)["first_date"] == "2011-02-01"


# --------------------------------------------------------------------------- report --chapter, chapters


def _two_customers(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("order_id,customer_id,product_id,quantity,unit_price,timestamp\n"
                    "1,a,p,1,2.0,2024-01-01\n2,b,p,1,3.0,2024-01-20\n3,a,p,1,2.0,2024-02-09\n")  # fmt: skip
    return path


def test_report_checks_a_chapter_s_needs(tmp_path, capsys):
    path = _two_customers(tmp_path)
    assert main(["report", str(path), "--chapter", "concepts"]) == 0
    assert "chapter concepts: these data meet its needs" in capsys.readouterr().out
    assert main(["report", str(path), "--chapter", "clustering"]) == 2
    captured = capsys.readouterr()
    assert "data report for" in captured.out  # the report first, then the verdict
    assert "Chapter clustering cannot run on these data" in captured.err and "fix:" in captured.err
    assert "k <=" not in captured.err and "Traceback" not in captured.err


def test_report_json_with_a_chapter_stays_one_object(tmp_path, capsys):
    path = _two_customers(tmp_path)
    assert main(["report", str(path), "--chapter", "concepts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["needs_met"] == "concepts"
    assert main(["report", str(path), "--chapter", "clustering", "--json"]) == 2
    captured = capsys.readouterr()
    assert "needs_met" not in json.loads(captured.out) and "cannot run on these data" in captured.err


def test_report_takes_chapter_parameters_from_a_file(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("clustering:\n  k: 1\n")
    assert main(["report", "shop", "--chapter", "clustering", "--params", str(params)]) == 2
    assert "Parameter k = 1" in capsys.readouterr().err


def test_report_refuses_a_misspelt_parameter(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("drop_duplicate: true\n")
    assert main(["report", "shop", "--params", str(params)]) == 2
    assert "Unknown parameter: drop_duplicate" in capsys.readouterr().err
    params.write_text("seed: many\n")
    assert main(["report", "shop", "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "Parameter seed = 'many' is refused: it must be a whole number" in err and "Input should" not in err


def test_chapters_lists_every_chapter_with_needs_and_parameters(capsys):
    from analysis.chapters import CHAPTERS

    assert main(["chapters"]) == 0
    out = capsys.readouterr().out
    for c in CHAPTERS:
        assert f"{c.number} {c.name}" in out and c.question in out
        assert all(name in out for name in c.params.model_fields)
    assert "needs:" in out and "drop_duplicates" in out and "allowed:" in out


def test_a_bad_cell_timeout_is_refused(capsys):
    assert main(["book", "--chapter", "concepts", "--cell-timeout", "soon", "--no-html"]) == 2
    err = capsys.readouterr().err
    assert "--cell-timeout" in err and "parameter: --cell-timeout" in err and "column:" not in err


def test_report_with_a_chapter_takes_a_top_level_name_of_another_chapter(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("max_cohorts: 6\nshop_customers: 60\n")
    assert main(["report", "shop", "--chapter", "clustering", "--params", str(params)]) in (0, 2)
    err = capsys.readouterr().err
    assert "Unknown parameter" not in err and "max_cohorts" not in err
    params.write_text("max_cohort: 6\n")
    assert main(["report", "shop", "--chapter", "clustering", "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "Unknown parameter: max_cohort" in err and "did you mean max_cohorts" in err


def test_report_refuses_a_bad_calibration_end_by_name(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("calibration_end: 2011-13-45\n")
    assert main(["report", "shop", "--chapter", "clustering", "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "Parameter calibration_end = '2011-13-45' is refused" in err and "a date YYYY-MM-DD" in err
    assert "parameter: calibration_end" in err and "unexpected" not in err and "fix:" in err


def test_a_bad_chapter_or_option_is_labelled_as_a_parameter(capsys):
    assert main(["book", "--chapter", "nope", "--no-html"]) == 2
    err = capsys.readouterr().err
    assert "No chapter called 'nope'" in err and "parameter: CH (--chapter)" in err and "column:" not in err
    assert main(["report", "shop", "--map", "no-equals-sign"]) == 2
    assert "parameter: --map" in capsys.readouterr().err
