"""Decisions valued on what happened (realised cost and offer value by hand), the protected-attribute detector,
age bands, and the data's own ids kept for the deliverable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data.labelled import GERMAN_COLUMNS, read_labelled
from analysis.risk import decisions as D
from analysis.risk.problems import credit_problem
from analysis.risk.sensitive import age_bands, find_sensitive


def test_realised_cost_by_hand():
    y = np.array([1, 0, 1, 0, 0])
    flag = np.array([True, True, False, False, False])
    # one false positive (cost 1) and one false negative (cost 5) over 5 cases
    assert D.realised_cost(y, flag, 1.0, 5.0) == pytest.approx((1 + 5) / 5)
    assert D.realised_cost(y, np.zeros(5, bool), 1.0, 5.0) == pytest.approx(2 * 5 / 5)  # flag nobody
    assert D.realised_cost(y, np.ones(5, bool), 1.0, 5.0) == pytest.approx(3 * 1 / 5)  # flag everybody


def test_realised_offer_value_by_hand():
    y = np.array([1, 1, 0, 0])
    value = np.array([1000.0, 100.0, 1000.0, 50.0])
    offer = np.array([True, False, True, False])
    # success 0.2, margin 0.5: the churner kept is worth 0.2 x 0.5 x 1000 = 100; two offers cost 2 x 10
    assert D.realised_offer_value(y, offer, value, 0.2, 0.5, 10.0) == pytest.approx(100 - 20)
    assert D.realised_offer_value(y, np.zeros(4, bool), value, 0.2, 0.5, 10.0) == 0.0
    assert D.offer_rule(np.array([0.5, 0.5, 0.01, 0.9]), value, 0.2, 0.5, 10.0).tolist() == [True, False, False, False]


def test_a_model_that_over_predicts_looks_best_by_its_own_expectation_but_not_on_the_labels():
    rng = np.random.default_rng(0)
    n = 2000
    truth = rng.uniform(0.05, 0.6, n)
    y = (rng.uniform(size=n) < truth).astype(int)
    value = rng.lognormal(5, 1, n)
    honest, inflated = truth, np.minimum(1.0, truth + 0.4)  # inflated: says everybody is about to leave
    s, m, c = 0.3, 0.5, 15.0
    acts = {name: D.offer_rule(p, value, s, m, c) for name, p in (("honest", honest), ("inflated", inflated))}
    expected = {name: float(np.sum((p * s * m * value - c)[acts[name]])) for name, p in
                (("honest", honest), ("inflated", inflated))}  # fmt: skip
    assert expected["inflated"] > expected["honest"]  # by its own expectation the inflated score is worth more
    realised = {name: D.realised_offer_value(y, a, value, s, m, c) for name, a in acts.items()}
    assert realised["honest"] > realised["inflated"]  # on what happened it is not
    rows = D.policy_rows(y, acts, lambda a: D.realised_offer_value(y, a, value, s, m, c))
    assert rows["policy"].tolist() == ["honest", "inflated", D.NONE, D.ALL]
    assert rows.set_index("policy").loc[D.NONE, "value"] == 0.0
    every = rows.set_index("policy").loc[D.ALL]
    assert every["share_acted"] == 1.0 and every["value"] == pytest.approx(np.sum(y * s * m * value - c))
    assert np.isnan(every["positive_rate_rest"]) and every["positive_rate_acted"] == pytest.approx(y.mean())


def test_strategy_curve_by_hand():
    y = np.array([0, 0, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.9])
    curve = D.strategy_curve(y, p)
    assert curve["share_accepted"].tolist() == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert curve["bad_rate_accepted"].tolist() == pytest.approx([0, 0, 1 / 3, 1 / 4, 2 / 5])


def test_the_detector_finds_protected_columns_by_name_and_not_look_alikes():
    columns = ["SEX", "gender", "marital_status", "Age", "race", "average", "page", "usage", "MARRIAGE",
               "EDUCATION", "PAY_0", "LIMIT_BAL", "ethnicity", "religion", "Nationality", "dateOfBirth", "storage"]
    found = find_sensitive(columns)
    assert found == {"SEX": "sex or gender", "gender": "sex or gender", "marital_status": "marital status",
                     "Age": "age", "race": "race or ethnicity", "MARRIAGE": "marital status",
                     "ethnicity": "race or ethnicity", "religion": "religion", "Nationality": "national origin",
                     "dateOfBirth": "age"}  # fmt: skip


def test_the_detector_on_german_credit_by_its_documentation():
    found = find_sensitive(GERMAN_COLUMNS[:-1], "german_credit")
    assert found == {"personal_status_sex": "sex and marital status", "age": "age",
                     "foreign_worker": "national origin"}  # fmt: skip


def test_age_bands():
    bands = age_bands(pd.Series([19, 25, 34, 35, 61, 62, 80, None]))
    assert bands.tolist() == ["under 25", "25 to 34", "25 to 34", "35 to 49", "50 to 61", "62 or older",
                              "62 or older", "missing"]  # fmt: skip


def _cards(tmp_path, with_id: bool = True):
    rng = np.random.default_rng(3)
    n = 80
    frame = pd.DataFrame({"SEX": rng.integers(1, 3, n), "AGE": rng.integers(21, 70, n),
                          "LIMIT_BAL": rng.integers(1, 50, n) * 1000.0, "average": rng.normal(size=n),
                          "default": rng.integers(0, 2, n)})  # fmt: skip
    if with_id:
        frame.insert(0, "ID", np.arange(1001, 1001 + n))
    path = tmp_path / "cards.csv"
    frame.to_csv(path, index=False)
    return path


def test_protected_columns_leave_the_models_by_default_age_stays(tmp_path):
    table, report = read_labelled(_cards(tmp_path), target="default")
    cases = credit_problem(table, report)
    assert "SEX" not in cases.X.columns and {"AGE", "average", "LIMIT_BAL"} <= set(cases.X.columns)
    assert list(cases.sensitive.columns) == ["SEX", "AGE"] and cases.notes["left_out"] == ["SEX"]
    # listed by hand: exactly those leave; the empty list keeps every column a feature
    listed = credit_problem(table, report, ["SEX", "AGE"])
    assert not {"SEX", "AGE"} & set(listed.X.columns)
    kept = credit_problem(table, report, [])
    assert {"SEX", "AGE"} <= set(kept.X.columns) and "left_out" not in kept.notes
    assert list(kept.sensitive.columns) == ["SEX", "AGE"]  # still checked by group


def test_the_datas_own_id_column_keys_the_cases(tmp_path):
    table, report = read_labelled(_cards(tmp_path), target="default")
    cases = credit_problem(table, report)
    assert cases.ids.name == "ID" and cases.ids.tolist()[:2] == [1001, 1002] and "ID" not in cases.X.columns
    table, report = read_labelled(_cards(tmp_path, with_id=False), target="default")
    cases = credit_problem(table, report)
    assert cases.ids.name == "row" and cases.ids.tolist()[:3] == [1, 2, 3]  # named as the row number, from 1
    assert cases.unit == "case"  # not "applicant": nothing says these are applications
