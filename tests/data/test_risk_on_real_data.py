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


def test_sensitive_attribute_by_group(run, german_path):
    glued, out = run
    scores = pd.read_csv(out / "risk_scores.csv")
    table, _ = read_labelled(german_path)
    groups = C.by_group(scores["label"], scores["score"], table["personal_status_sex"])
    assert html.unescape(glued["group_column"]).strip("'\"") == "personal_status_sex"  # escaped: glued as Markdown
    gap = (groups["predicted"] - groups["observed"]).abs()
    se = np.sqrt(groups["observed"] * (1 - groups["observed"]) / groups["cases"])
    off = (gap > F.GROUP_GAP) & (gap > F.GROUP_SE * se)
    assert ("miscalibrated" in glued["group_finding"]) == bool(off.any())
    words = {"A91": "male: divorced/separated", "A92": "female: divorced/separated/married", "A93": "male: single",
             "A94": "male: married/widowed"}  # german.doc, attribute 9
    if off.any():
        worst = groups.loc[(gap / se).where(off).idxmax(), "group"]
        assert f"the group {words[worst]} (" in glued["group_finding"]
    else:  # the largest gap is named with its group
        assert f"group {words[groups.loc[gap.idxmax(), 'group']]} of" in glued["group_finding"]


def test_sensitive_attribute_is_not_a_model_input_and_codes_are_words(run, german_path):
    glued, out = run
    table, report = read_labelled(german_path)
    cases = credit_problem(table, report)
    assert "personal_status_sex" not in cases.X.columns and len(cases.sensitive) == 1000
    assert not any(f" = A{d}" in glued["odds_finding"] for d in range(1, 21))


def test_folds_are_stratified(german_path):
    table, report = read_labelled(german_path)
    y = table["y"].to_numpy()
    for _, test in StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        assert y[test].mean() == pytest.approx(0.3)
