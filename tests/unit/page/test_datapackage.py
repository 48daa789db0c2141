"""Deliverables that describe themselves: page.write_csv writes each CSV's resource (Table Schema: name, type,
unit, description, the data's own ids as primary key) into datapackage.json beside it, and the frictionless
library (a development dependency) validates every CSV against it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import DataError, page
from analysis.book import runner

frictionless = pytest.importorskip("frictionless")

MONTHLY = {"month": ("date", "first day of the month"), "revenue": ("{currency}", "revenue"),
           "orders": ("orders", "orders placed"), "partial": ("true/false", "covered in part")}  # fmt: skip
CUSTOMERS = {"customer_id": ("id", "the customer"), "first_seen": ("time", "first order"),
             "p_alive": ("probability", "still active"), "segment": ("name", "segment"),
             "month": ("month", "cohort")}  # fmt: skip


def monthly() -> pd.DataFrame:
    index = pd.DatetimeIndex(["2023-01-01", "2023-02-01", "2023-03-01"], name="month")
    return pd.DataFrame({"revenue": [10.5, float("nan"), 3.0], "orders": [3, 0, 1], "partial": [True, False, True]},
                        index=index)  # fmt: skip


def customers() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["C1", "=C2", "C3"],
        "first_seen": pd.to_datetime(["2023-01-01 10:30", "2023-01-02 00:00", "2023-02-03 08:00"]),
        "p_alive": [0.5, float("nan"), 1.0], "segment": ["loyal", "-lost", "new"],
        "month": pd.period_range("2023-01", periods=3, freq="M"),
    })  # fmt: skip


def validate(folder) -> list:
    report = frictionless.Package(str(folder / page.DESCRIPTOR)).validate()
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_each_csv_gets_a_resource_with_every_column_typed_united_and_described(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page.write_csv(monthly(), "monthly.csv", page.csv_columns(monthly(), MONTHLY, currency="GBP"), keys=["month"])
    page.write_csv(customers(), "people", page.csv_columns(customers(), CUSTOMERS), keys=["customer_id"],
                   title="Customers")  # fmt: skip
    package = json.loads((tmp_path / page.DESCRIPTOR).read_text())
    assert [r["path"] for r in package["resources"]] == ["monthly.csv", "people.csv"]
    month, people = package["resources"]
    assert month["schema"]["primaryKey"] == ["month"] and people["schema"]["primaryKey"] == ["customer_id"]
    assert [(f["name"], f["type"], f["unit"]) for f in month["schema"]["fields"]] == [
        ("month", "date", "date"), ("revenue", "number", "GBP"), ("orders", "integer", "orders"),
        ("partial", "boolean", "true/false")]  # fmt: skip
    assert {f["name"]: f["type"] for f in people["schema"]["fields"]} == {
        "customer_id": "string", "first_seen": "datetime", "p_alive": "number", "segment": "string",
        "month": "yearmonth"}  # fmt: skip
    assert people["title"] == "Customers" and people["schema"]["fields"][2]["description"] == "still active"
    assert validate(tmp_path) == []


def test_a_second_write_replaces_its_resource_and_a_removed_file_loses_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    columns = page.csv_columns(monthly(), MONTHLY, currency="GBP")
    page.write_csv(monthly(), "monthly.csv", columns, keys=["month"])
    page.write_csv(monthly().head(1), "monthly.csv", columns, keys=["month"])
    page.write_csv(monthly(), "other.csv", columns, keys=["month"])
    names = [r["name"] for r in json.loads((tmp_path / page.DESCRIPTOR).read_text())["resources"]]
    assert names == ["monthly", "other"]
    (tmp_path / "other.csv").unlink()
    page.write_package(tmp_path)
    assert [r["name"] for r in json.loads((tmp_path / page.DESCRIPTOR).read_text())["resources"]] == ["monthly"]
    (tmp_path / "monthly.csv").unlink()
    page.write_package(tmp_path)
    assert not (tmp_path / page.DESCRIPTOR).exists()  # no deliverable, no package (it needs one resource)


def test_frictionless_finds_a_csv_that_no_longer_matches_its_descriptor(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page.write_csv(monthly(), "monthly.csv", page.csv_columns(monthly(), MONTHLY, currency="GBP"), keys=["month"])
    text = (tmp_path / "monthly.csv").read_text().replace("2023-03-01", "2023-01-01").replace(",3,", ",three,")
    (tmp_path / "monthly.csv").write_text(text)
    found = {row[2] for row in validate(tmp_path)}
    assert {"primary-key", "type-error"} <= found


def test_an_undescribed_or_stale_column_a_false_key_or_an_unnamed_index_is_a_bug_said_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = monthly()
    described = page.csv_columns(df, MONTHLY, currency="GBP")
    with pytest.raises(DataError, match=r"no description for \['extra'\]"):
        page.write_csv(df.assign(extra=1), "m.csv", described, keys=["month"])
    with pytest.raises(DataError, match=r"described but not in the file: \['orders'\]"):
        page.write_csv(df.drop(columns="orders"), "m.csv", described, keys=["month"])
    with pytest.raises(DataError, match="not among its columns"):
        page.write_csv(df, "m.csv", described, keys=["customer_id"])
    with pytest.raises(DataError, match=r"key \['partial'\] repeats on 2 rows"):
        page.write_csv(df, "m.csv", described, keys=["partial"])
    with pytest.raises(DataError, match="index without a name"):
        page.write_csv(df.rename_axis(None), "m.csv", described)
    with pytest.raises(DataError, match="no unit"):
        page.write_csv(df, "m.csv", described.drop(columns="unit"))
    assert not list(tmp_path.iterdir())  # nothing written on a refusal


def test_the_runner_merges_each_chapters_resources_into_the_books_one_descriptor(tmp_path, monkeypatch):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    for name in ("a", "b"):  # two chapters, each writing in its own work folder
        work = tmp_path / name
        work.mkdir()
        monkeypatch.chdir(work)
        columns = page.csv_columns(monthly(), MONTHLY, currency="GBP")
        page.write_csv(monthly(), f"{name}_monthly.csv", columns, keys=["month"])
        (work / f"{name}_monthly.csv").rename(chapters / f"{name}_monthly.csv")
        runner._merge_descriptor(work / page.DESCRIPTOR, chapters)
    package = json.loads((chapters / page.DESCRIPTOR).read_text())
    assert [r["path"] for r in package["resources"]] == ["a_monthly.csv", "b_monthly.csv"]
    assert validate(chapters) == []
