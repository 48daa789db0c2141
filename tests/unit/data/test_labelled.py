"""analysis.data.labelled: German Credit's german.data, labelled CSV / Parquet with a target, every refusal
worded (missing, constant or not binary target; a positive label the column never takes), and the report that
the runner prints and the book's needs read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.chapters import Facts, check_needs
from analysis.data.labelled import GERMAN_COLUMNS, LabelledReport, binary_target, is_german, read_labelled
from analysis.errors import DataError

GERMAN_ROWS = [
    "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1",
    "A12 48 A32 A43 5951 A61 A73 2 A92 A101 2 A121 22 A143 A152 1 A173 1 A191 A201 2",
    "A14 12 A34 A46 2096 A61 A74 2 A93 A101 3 A121 49 A143 A152 1 A172 2 A191 A201 1",
    "A11 42 A32 A42 7882 A61 A74 2 A93 A103 4 A122 45 A143 A153 1 A173 2 A191 A201 1",
    "A11 24 A33 A40 4870 A61 A73 3 A93 A101 4 A124 53 A143 A153 2 A173 2 A191 A201 2",
]


def german_lines(n: int) -> str:
    """``n`` lines in german.data's format (the file's first five, repeated)."""
    return "\n".join(GERMAN_ROWS[i % len(GERMAN_ROWS)] for i in range(n)) + "\n"


@pytest.fixture
def german(tmp_path):
    path = tmp_path / "german.data"
    path.write_text(german_lines(10))
    return path


def test_german_credit_is_read_with_names_codes_and_its_label(german):
    table, report = read_labelled(german)
    assert is_german(german)
    assert list(table.columns) == [*GERMAN_COLUMNS[:-1], "y"]
    assert table["checking_status"].tolist()[:3] == ["A11", "A12", "A14"]
    assert table["credit_amount"].dtype.kind in "if" and table["credit_amount"].iloc[0] == 1169
    assert table["y"].tolist() == [0, 1, 0, 0, 1] * 2  # class 2 (bad) is positive
    assert report.layout == "german_credit" and report.target == "class" and report.positive_label == "2"
    assert (report.rows_read, report.rows_kept, report.positives, report.negatives) == (10, 10, 4, 6)
    assert len(report.categorical) == 13 and len(report.features) == 20
    assert report.sensitive == "personal_status_sex"


def test_a_german_file_with_the_wrong_number_of_fields(tmp_path):
    path = tmp_path / "german.data"
    path.write_text("1 2 3\n4 5 6\n")
    with pytest.raises(DataError, match="21 fields") as err:
        read_labelled(path)
    assert "german.data-numeric" in err.value.fix


def _csv(tmp_path, frame, name="applicants.csv", **kw):
    path = tmp_path / name
    frame.to_csv(path, index=False, **kw)
    return path


def test_a_labelled_csv_with_target(tmp_path):
    frame = pd.DataFrame({"id": [f"c{i}" for i in range(30)], "income": np.arange(30.0),
                          "region": ["north", "south", None] * 10, "defaulted": [0, 1, 0] * 10})  # fmt: skip
    table, report = read_labelled(_csv(tmp_path, frame, sep=";"), target="defaulted")
    assert report.id_columns == ["id"] and "id" not in report.features
    assert table["id"].tolist()[:2] == ["c0", "c1"]  # kept to key the deliverable, never a feature
    assert report.categorical == ["region"] and table["region"].tolist()[:3] == ["north", "south", "missing"]
    assert report.positive_label == "1" and report.positives == 10
    assert "defaulted" not in table.columns and table["y"].sum() == 10


def test_parquet_and_text_labels_take_the_rarer_value(tmp_path):
    frame = pd.DataFrame({"x": range(8), "status": ["paid"] * 6 + ["written off"] * 2})
    path = tmp_path / "loans.parquet"
    frame.to_parquet(path)
    table, report = read_labelled(path, target="status")
    assert report.positive_label == "written off" and report.label_chosen == "the rarer of the two values"
    assert table["y"].tolist() == [0] * 6 + [1] * 2


def test_rows_without_a_target_are_dropped_and_counted(tmp_path):
    frame = pd.DataFrame({"x": range(6), "bad": [1, 0, None, 1, 0, None]})
    table, report = read_labelled(_csv(tmp_path, frame), target="bad")
    assert (report.rows_read, report.rows_kept, report.missing_target) == (6, 4, 2)
    assert "without a target value dropped" in str(report)


def test_missing_target_names_the_file_the_columns_and_a_close_match(tmp_path):
    path = _csv(tmp_path, pd.DataFrame({"income": [1, 2], "default": [0, 1]}))
    with pytest.raises(DataError, match="'defualt' is not in the table") as err:
        read_labelled(path, target="defualt")
    assert err.value.source == str(path) and "did you mean 'default'" in str(err.value)
    assert "income, default" in str(err.value)
    with pytest.raises(DataError, match="target is empty") as err:
        read_labelled(path)
    assert err.value.parameter == "target" and '"default"' in err.value.fix


def test_constant_target_is_refused(tmp_path):
    path = _csv(tmp_path, pd.DataFrame({"x": range(4), "churned": [0] * 4}))
    with pytest.raises(DataError, match="one value only") as err:
        read_labelled(path, target="churned")
    assert err.value.column == "churned" and "'0' (4 rows)" in str(err.value)


def test_a_target_with_three_values_needs_a_positive_label(tmp_path):
    path = _csv(tmp_path, pd.DataFrame({"x": range(6), "grade": list("ABCABC")}))
    with pytest.raises(DataError, match="not binary: it takes 3 values") as err:
        read_labelled(path, target="grade")
    assert "positive_label" in err.value.fix
    table, report = read_labelled(path, target="grade", positive_label="C")
    assert table["y"].tolist() == [0, 0, 1, 0, 0, 1] and report.label_chosen == "given"
    with pytest.raises(DataError, match="positive_label 'D' is not a value") as err:
        read_labelled(path, target="grade", positive_label="D")
    assert err.value.parameter == "positive_label" and '"A"' in err.value.fix


def test_binary_target_conventions():
    y, positive, _ = binary_target(pd.Series([True, False, False]), "", source="s", column="c")
    assert positive == "True" and y.tolist() == [1, 0, 0]
    y, positive, _ = binary_target(pd.Series([1.0, 0.0, 0.0]), "", source="s", column="c")
    assert positive == "1" and y.tolist() == [1, 0, 0]


def test_a_missing_file_and_an_unreadable_one(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_labelled(tmp_path / "none.csv", target="y")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(DataError, match="could not be read"):
        read_labelled(bad, target="y")


def test_the_report_is_printed_and_read_by_the_needs(german):
    table, report = read_labelled(german)
    assert isinstance(report, Facts) and isinstance(report, LabelledReport)
    text = str(report)
    assert "rows read 10, kept 10" in text and "positive = '2'" in text
    assert report.to_dict()["positives"] == 4 and "table" not in report.to_dict()
    assert '"layout": "german_credit"' in report.to_json()
    from analysis.chapters import chapter_params

    params = chapter_params("risk", {"data": str(german), "cv_folds": 4})
    with pytest.raises(DataError, match="at least 50"):  # ten applicants: too few for the chapter
        check_needs("risk", params, report, table)


def test_numeric_codes_become_categories_when_listed_and_row_numbers_are_ids(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "ID": rng.permutation(np.arange(101, 141)),  # numbers the rows: an id, whatever the order
        "MARRIAGE": [1.0, 2.0, 3.0, None] * 10,  # codes, read as floats because one is missing
        "LIMIT_BAL": np.arange(40) * 1000,  # whole numbers that do not number the rows: a feature
        "default": [0, 1] * 20,
    })  # fmt: skip
    path = _csv(tmp_path, frame)
    table, report = read_labelled(path, target="default")
    # MARRIAGE is named like codes and holds three whole numbers: read as categories without being listed
    assert report.id_columns == ["ID"] and report.categorical == ["MARRIAGE"] and report.codes_found == ["MARRIAGE"]
    assert report.features == ["MARRIAGE", "LIMIT_BAL"]
    table, report = read_labelled(path, target="default", numeric_codes=["MARRIAGE"])  # kept as a number
    assert report.categorical == [] and report.codes_found == []
    with pytest.raises(DataError, match="numeric_codes") as err:
        read_labelled(path, target="default", numeric_codes=["MARITAL"])
    assert err.value.parameter == "numeric_codes"
    table, report = read_labelled(path, target="default", categorical=["MARRIAGE"])
    assert report.codes_found == []  # listed by the user, not found
    assert report.categorical == ["MARRIAGE"]
    assert table["MARRIAGE"].tolist()[:4] == ["1", "2", "3", "missing"]
    with pytest.raises(DataError, match="categorical") as err:
        read_labelled(path, target="default", categorical=["MARITAL", "default"])
    assert "'MARITAL'" in str(err.value) and "'default'" in str(err.value) and "LIMIT_BAL" in str(err.value)


# --------------------------------------------------------------------------- junk cells and identifiers (issue 26)


def _applicants(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "income": rng.normal(3000, 800, n).round(2), "age": rng.integers(18, 80, n),
        "region": rng.choice(["north", "south"], n), "defaulted": rng.integers(0, 2, n),
    })  # fmt: skip


def test_junk_text_in_a_numeric_column_is_counted_set_missing_and_shown(tmp_path):
    frame = _applicants().astype({"income": object})
    frame.loc[[4, 90], "income"] = ["n/a?", "see note"]
    table, report = read_labelled(_csv(tmp_path, frame), target="defaulted")
    assert table["income"].dtype == "float64" and table["income"].isna().sum() == 2
    assert "income" not in report.categorical and report.junk_cells == {"income": 2}
    assert report.junk_rows == ["row 5: income 'n/a?'", "row 91: income 'see note'"]
    assert "text in numeric columns, set missing" in str(report) and "row 91" in str(report)
    clean, plain = read_labelled(_csv(tmp_path, _applicants(), "clean.csv"), target="defaulted")
    assert plain.junk_cells == {} and "text in numeric" not in str(plain)


def test_a_text_column_that_is_mostly_text_stays_a_category(tmp_path):
    frame = _applicants()
    frame["grade"] = ["1", "2", "A", "B", "C"] * 40  # 40 % numbers: codes, not a numeric column
    table, report = read_labelled(_csv(tmp_path, frame), target="defaulted")
    assert "grade" in report.categorical and report.junk_cells == {}


def test_numeric_id_columns_are_kept_out_of_the_features(tmp_path):
    frame = _applicants()
    rng = np.random.default_rng(1)
    frame["customer_id"] = rng.choice(np.arange(1, 10**6), 200, replace=False)  # unique, named like an id
    frame["AccountNo"] = rng.choice(np.arange(10**4, 10**5), 200, replace=False)
    frame["member"] = rng.choice(np.arange(100_000, 999_999), 200, replace=False)  # six digits each
    frame["ref"] = [f"R-{i:05d}" for i in rng.permutation(200)]  # text, unique
    table, report = read_labelled(_csv(tmp_path, frame), target="defaulted")
    assert set(report.id_columns) == {"customer_id", "AccountNo", "member", "ref"}
    assert not set(report.id_columns) & set(report.features)
    # the first id column found stays in the table (to key the deliverable), the others leave it
    assert set(report.id_columns) & set(table.columns) == {report.id_columns[0]}
    assert "identifier columns left out of the features" in str(report)


def test_whole_numbers_unique_per_row_that_measure_stay_features(tmp_path):
    frame = _applicants()
    rng = np.random.default_rng(2)
    frame["loan_amount"] = rng.choice(np.arange(500, 90_000), 200, replace=False)  # unique, varied digits
    frame["customer_id"] = np.arange(200) % 50  # named like an id, not unique: a feature (a group)
    table, report = read_labelled(_csv(tmp_path, frame), target="defaulted")
    assert report.id_columns == [] and {"loan_amount", "customer_id"} <= set(table.columns)


def test_code_columns_by_name_and_values():
    from analysis.data.labelled import code_columns

    frame = pd.DataFrame({
        "PAY_0": [-2, -1, 0, 1, 2, 3] * 5, "EDUCATION": [1, 2, 3, 4, 5, 6] * 5, "loan_type": [1, 2, 3] * 10,
        "PAY_AMT1": np.arange(30) * 10.0,  # named like pay, but an amount: many values
        "SEX": [1, 2] * 15,  # two values: a flag, not a code column
        "installments": [1, 2, 3] * 10,  # few whole numbers but not named like codes
        "grade_score": [0.5, 1.5, 2.5] * 10,  # named like codes but not whole numbers
    })  # fmt: skip
    assert code_columns(frame) == ["PAY_0", "EDUCATION", "loan_type"]
    assert code_columns(frame, keep_numbers=["EDUCATION"]) == ["PAY_0", "loan_type"]
