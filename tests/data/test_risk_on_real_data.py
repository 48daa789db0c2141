"""The Risk chapter on German Credit (../shared/data): the file's published facts, the chapter through papermill
with its parameters table saying credit was chosen, glued numbers against the package, the sensitive attribute
checked by group, and German Credit's own cost matrix."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold

from analysis.data.labelled import read_labelled
from analysis.evaluate import classification as C
from analysis.chapters.risk import findings as F
from analysis.risk.compare import compare_models
from analysis.risk.problems import credit_problem

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def german_path():
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "german_credit" / "german.data"
    if not path.exists():
        pytest.skip(f"real data not present: {path} (the ../shared/data folder beside the project)")
    return path


@pytest.fixture(scope="module")
def run(german_path, tmp_path_factory):
    from tests.notebooks.conftest import execute

    out = tmp_path_factory.mktemp("risk_german")
    return execute("05_risk.ipynb", out, data=str(german_path)), out


def test_german_credit_facts(german_path):
    table, report = read_labelled(german_path)
    # german.doc: 1,000 instances, 20 attributes (7 numerical, 13 categorical), 700 good and 300 bad
    assert (report.rows_read, report.rows_kept, report.positives, report.negatives) == (1000, 1000, 300, 700)
    assert len(report.features) == 20 and len(report.categorical) == 13
    assert table["personal_status_sex"].value_counts().to_dict() == {"A93": 548, "A92": 310, "A94": 92, "A91": 50}


def test_the_chapter_on_german_credit(run, german_path):
    glued, out = run
    assert "`credit` (chosen from the data)" in glued["problem_text"]
    assert int(float(glued["n_cases"])) == 1000 and int(float(glued["n_positive"])) == 300
    assert float(glued["coef_max_diff"]) < F.AGREE
    # the chapter's model comparison, recomputed: same folds, same scores
    table, report = read_labelled(german_path)
    cases = credit_problem(table, report)
    comp = compare_models(cases, folds=5, seed=0)
    assert float(glued["best_auc"]) == pytest.approx(comp.table.set_index("key").loc[comp.best(), "auc"])
    assert float(glued["best_auc"]) > 0.75
    scores = pd.read_csv(out / "risk_scores.csv")
    assert np.allclose(scores["score"], comp.scores[comp.best()])


def test_cost_matrix_of_german_credit(run):
    glued, out = run
    assert float(glued["theory_threshold"]) == pytest.approx(1 / 6)
    scores = pd.read_csv(out / "risk_scores.csv")
    y, s = scores["label"].to_numpy(), scores["score"].to_numpy()
    t, cost = C.min_cost_threshold(y, s, 1, 5)
    assert float(glued["best_threshold"]) == pytest.approx(t) and float(glued["best_cost"]) == pytest.approx(cost)
    # accepting everyone costs 5 per bad applicant: 0.3 * 5 = 1.5 per applicant; the model does far better
    assert float(glued["none_cost"]) == pytest.approx(1.5) and cost < 0.7
    # the file flags at the threshold from the costs (no label used), and its realised cost beats both
    # flagging nobody (1.5) and flagging everybody (0.7 x 1 = 0.7)
    flag = scores["decision"].to_numpy() == "flag"
    assert (flag == (s >= 1 / 6)).all()
    realised = (np.sum(flag & (y == 0)) + 5 * np.sum(~flag & (y == 1))) / len(y)
    assert -float(glued["file_value"]) == pytest.approx(realised)
    assert -float(glued["value_none"]) == pytest.approx(1.5) and -float(glued["value_all"]) == pytest.approx(0.7)
    assert realised < 0.7
    assert float(glued["file_bad_accepted"]) == pytest.approx(y[~flag].mean())


def test_sensitive_attributes_by_group(run, german_path):
    from analysis.risk.sensitive import group_values

    glued, out = run
    scores = pd.read_csv(out / "risk_scores.csv")
    table, report = read_labelled(german_path)
    cases = credit_problem(table, report)
    flag = scores["decision"].to_numpy() == "flag"
    parts = []
    for name, kind in cases.sensitive_kinds.items():
        g = group_values(cases.sensitive[name], kind)
        part = C.by_group(scores["label"], scores["score"], g).assign(attribute=name)
        part["flagged"] = pd.Series(flag).groupby(g.to_numpy()).mean().sort_index().to_numpy()
        parts.append(part)
    groups = pd.concat(parts, ignore_index=True)
    assert set(groups["attribute"]) == {"personal_status_sex", "foreign_worker", "age"}
    assert set(groups.loc[groups["attribute"] == "age", "group"]) <= {
        "under 25", "25 to 34", "35 to 49", "50 to 61", "62 or older"}  # bands, not one group per age
    gap = (groups["predicted"] - groups["observed"]).abs()
    se = np.sqrt(groups["observed"] * (1 - groups["observed"]) / groups["cases"])
    off = (gap > F.GROUP_GAP) & (gap > F.GROUP_SE * se)
    assert ("miscalibrated" in glued["group_finding"]) == bool(off.any())
    if off.any():
        worst = groups.loc[(gap / se).where(off).idxmax(), "group"]
        assert f"the group {worst} (" in glued["group_finding"]
    sex = groups[groups["attribute"] == "personal_status_sex"]
    lo = sex.loc[sex["flagged"].idxmin()]
    assert f"from {lo['flagged']:.1%} ({lo['group']}, " in glued["group_finding"]


def test_protected_attributes_are_not_model_inputs_and_are_audited(run, german_path):
    glued, out = run
    table, report = read_labelled(german_path)
    cases = credit_problem(table, report)
    assert not {"personal_status_sex", "foreign_worker"} & set(cases.X.columns) and "age" in cases.X.columns
    found = glued["sensitive_finding"]
    assert "Left out of every model" in found and "`age` stays a feature" in found
    assert not any(f" = A{d}" in glued["odds_finding"] for d in range(1, 21))
    scores = pd.read_csv(out / "risk_scores.csv")
    # no id column in german.data: the row number, named so; the sensitive values for audit, in words
    assert list(scores.columns) == ["row", "score", "decision", "label", "personal_status_sex", "age",
                                    "foreign_worker"]  # fmt: skip
    assert scores["row"].tolist() == list(range(1, 1001))
    assert scores["personal_status_sex"].value_counts()["male: single"] == 548


def test_folds_are_stratified(german_path):
    table, report = read_labelled(german_path)
    y = table["y"].to_numpy()
    for _, test in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        assert y[test].mean() == pytest.approx(0.3)


def test_churn_on_online_retail_values_every_policy_on_what_happened(tmp_path):
    """Issue 22: the page compares each policy with offering to everybody and to nobody on the realised labels,
    and the finding names the assumptions (offer cost, success rate, margin, value = revenue)."""
    from tests.conftest import SHARED_DATA
    from tests.notebooks.conftest import execute

    path = SHARED_DATA / "online_retail" / "online_retail.parquet"
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    glued = execute("05_risk.ipynb", tmp_path, data=str(path))
    assert "`churn` (chosen from the data)" in glued["problem_text"]
    policy = glued["policy_finding"]
    for said in ("`offer_cost`", "`offer_success`", "`margin`", "revenue, not profit", "offer to nobody",
                 "offer to everybody", "Judged on what happened"):
        assert said in policy
    assert "cost units" not in glued["cost_finding"] + policy  # churn with prices: money, no cost matrix
    csv = pd.read_csv(tmp_path / "risk_scores.csv")
    assert list(csv.columns[:4]) == ["customer_id", "score", "decision", "label"] and csv["customer_id"].is_unique
    y, offered = csv["label"].to_numpy() == 1, csv["decision"].to_numpy() == "offer"
    each = y * 0.2 * 1.0 * csv["value_at_stake"].to_numpy() - 10.0  # the defaults: success 0.2, margin 1, cost 10
    assert float(glued["file_value"]) == pytest.approx(each[offered].sum())
    assert float(glued["value_all"]) == pytest.approx(each.sum()) and float(glued["value_none"]) == 0.0
