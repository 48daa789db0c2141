"""The Risk chapter's parameters: the problem chosen from the data, the loader's refusals, each need each way
(the parameters cell is checked for every chapter in tests/unit/book)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.chapters import chapter_params, check_needs
from analysis.errors import DataError
from analysis.chapters.risk.params import chosen_problem, load_risk_data
from tests.unit.data.test_labelled import german_lines


@pytest.fixture
def german(tmp_path):
    path = tmp_path / "german.data"
    path.write_text(german_lines(100))
    return path


def P(**values):
    return chapter_params("risk", values)


def test_problem_is_chosen_from_the_data(german, tmp_path):
    assert chosen_problem(P()) == "fraud"
    assert chosen_problem(P(data="cdnow")) == "churn"
    assert chosen_problem(P(data=str(german))) == "credit"
    other = tmp_path / "log.csv"
    other.write_text("a,b\n1,2\n")
    assert chosen_problem(P(data=str(other))) == "churn"
    assert chosen_problem(P(data=str(other), target="b")) == "credit"
    assert chosen_problem(P(problem="churn")) == "churn"


def test_loader_gives_the_shop_orders_for_fraud():
    table, report = load_risk_data(P(shop_customers=60))
    assert "is_fraud" in table.columns and report.rows_kept == len(table)
    assert report.positives == int(table["is_fraud"].sum()) and report.layout == "shop_orders"
    assert check_needs("risk", P(shop_customers=60, cv_folds=2), report, table) is report


def test_loader_refuses_problems_the_data_cannot_give(german):
    with pytest.raises(DataError, match="built-in shop's orders") as err:
        load_risk_data(P(data=str(german), problem="fraud"))
    assert err.value.parameter == "problem" and "data: shop" in err.value.fix
    with pytest.raises(DataError, match="needs a labelled table") as err:
        load_risk_data(P(problem="credit"))
    assert "german.data" in err.value.fix


def test_needs_on_a_labelled_table(german):
    table, report = load_risk_data(P(data=str(german)))
    assert check_needs("risk", P(data=str(german)), report, table) is report
    few = report.__class__(**{**report.to_dict(), "positives": 3, "negatives": 97})
    with pytest.raises(DataError, match="needs at least 10 of each") as err:
        check_needs("risk", P(data=str(german)), few, table)
    assert err.value.parameter == "data" and "rarer outcome" in err.value.fix
    twelve = report.__class__(**{**report.to_dict(), "positives": 12, "negatives": 88})
    check_needs("risk", P(data=str(german), cv_folds=12), twelve, table)
    with pytest.raises(DataError, match="needs at least 15 of each") as err:
        check_needs("risk", P(data=str(german), cv_folds=15), twelve, table)
    assert err.value.parameter == "cv_folds" and "cv_folds to 12 or less" in err.value.fix
    small = report.__class__(**{**report.to_dict(), "rows_kept": 20})
    with pytest.raises(DataError, match="needs at least 50"):
        check_needs("risk", P(data=str(german)), small, table)


def test_churn_window_needs_data_after_the_cut_off():
    table, report = load_risk_data(P(problem="churn", shop_customers=80))
    last = report.last_date
    check_needs("risk", P(problem="churn", shop_customers=80), report, table)
    with pytest.raises(DataError, match="churn window does not fit") as err:
        check_needs("risk", P(problem="churn", shop_customers=80, cutoff=last), report, table)
    assert "cutoff" in err.value.parameter and "on or before" in err.value.fix
    with pytest.raises(DataError, match="churn window"):
        check_needs("risk", P(problem="churn", shop_customers=80, churn_days=3000), report, table)


def test_churn_needs_customers_and_both_outcomes():
    table, report = load_risk_data(P(problem="churn", shop_customers=80))
    early = (pd.Timestamp(report.first_date) + pd.Timedelta(days=1)).date().isoformat()
    with pytest.raises(DataError, match="bought on or before the cut-off") as err:
        check_needs("risk", P(problem="churn", shop_customers=80, cutoff=early), report, table)
    assert err.value.parameter == "cutoff"
    with pytest.raises(DataError, match="stratified 5-fold") as err:  # 3 customers came back within 3 days
        check_needs("risk", P(problem="churn", shop_customers=80, churn_days=3, cv_folds=5), report, table)
    assert err.value.parameter == "data" and "another cutoff or churn_days" in err.value.fix


def test_cutoff_must_be_a_day():
    with pytest.raises(DataError, match="cutoff"):
        P(cutoff="28/02/2024")


def test_an_unknown_problem_is_refused_in_words():
    with pytest.raises(DataError, match='allowed: "" \\(chosen from the data\\), "fraud", "credit" or "churn"') as err:
        P(problem="fraudd")
    assert err.value.parameter == "problem"


def test_a_labelled_file_without_target_is_told_to_set_it(tmp_path):
    path = tmp_path / "loans.csv"
    rows = "\n".join(f"{i},{20 + i % 40},{'yes' if i % 3 else 'no'},{i % 2}" for i in range(60))
    path.write_text("id,age,owns_home,defaulted\n" + rows + "\n")
    with pytest.raises(DataError) as err:
        load_risk_data(P(data=str(path)))
    text = str(err.value)
    assert "looks like a labelled table" in text and "target" in text
    assert "owns_home, defaulted" in text and 'target: "defaulted"' in text
    assert "mapping" not in text.split("looks like")[0]  # not the transaction log's refusal


def test_a_log_with_unknown_columns_still_gets_the_mapping_refusal(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("when,who,what,price\n" + "\n".join(f"2020-01-0{1 + i % 9},c{i},p,1.5" for i in range(30)) + "\n")
    with pytest.raises(DataError) as err:
        load_risk_data(P(data=str(path)))
    assert "looks like a labelled table" not in str(err.value)


def test_categorical_is_for_a_labelled_table_and_reaches_the_reader(tmp_path):
    with pytest.raises(DataError, match="categorical applies to a labelled table") as err:
        load_risk_data(P(categorical=["hour"]))
    assert err.value.parameter == "categorical" and "problem is fraud" in str(err.value)
    path = tmp_path / "loans.csv"
    frame = pd.DataFrame({"EDUCATION": [1, 2, 3, 4] * 15, "LIMIT": range(0, 6000, 100), "bad": [0, 1, 0] * 20})
    frame.to_csv(path, index=False)
    table, report = load_risk_data(P(data=str(path), target="bad", categorical=["EDUCATION"]))
    assert report.categorical == ["EDUCATION"] and table["EDUCATION"].iloc[0] == "1"



def test_numeric_codes_keep_ordered_codes_as_numbers_on_a_labelled_table_only(tmp_path):
    with pytest.raises(DataError, match="numeric_codes applies to a labelled table") as err:
        load_risk_data(P(numeric_codes=["hour"]))
    assert err.value.parameter == "numeric_codes"
    path = tmp_path / "loans.csv"
    frame = pd.DataFrame({"EDUCATION": [1, 2, 3, 4] * 15, "LIMIT": range(0, 6000, 100), "bad": [0, 1, 0] * 20})
    frame.to_csv(path, index=False)
    table, report = load_risk_data(P(data=str(path), target="bad"))  # found by its name
    assert report.codes_found == ["EDUCATION"] and table["EDUCATION"].iloc[0] == "1"
    table, report = load_risk_data(P(data=str(path), target="bad", numeric_codes=["EDUCATION"]))
    assert report.categorical == [] and table["EDUCATION"].iloc[0] == 1


@pytest.mark.parametrize("problem", ["fraud", "credit", "churn"])
def test_sensitive_must_name_a_column_of_the_problem_before_anything_runs(problem, german):
    data = {"fraud": {"shop_customers": 300}, "credit": {"data": str(german)},
            "churn": {"problem": "churn", "shop_customers": 300}}[problem]  # fmt: skip
    table, report = load_risk_data(P(**data))
    with pytest.raises(DataError, match="sensitive = 'no_such_column' is not a column") as err:
        check_needs("risk", P(**data, sensitive="no_such_column"), report, table)
    assert err.value.parameter == "sensitive" and err.value.rows[0].startswith("columns: ")
    existing = err.value.rows[0].removeprefix("columns: ").split(", ")[0]
    check_needs("risk", P(**data, sensitive=existing), report, table)  # the suggested fix is accepted
