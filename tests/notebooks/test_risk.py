"""The Risk chapter through papermill with tiny parameters: glued numbers against the package, the Bayes AUC
on the shop, every exercise answer against an independent computation, two runs glue the same values, and
churn on a transaction log."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from analysis.evaluate import classification as C
from analysis.chapters.risk import findings as F
from analysis.risk.models import onehot
from analysis.risk.problems import fraud_problem
from analysis.shop import make_shop

pytestmark = pytest.mark.notebooks
NOTEBOOK = "05_risk.ipynb"
TINY = {"shop_customers": 300, "seed": 1, "cv_folds": 3}


@pytest.fixture(scope="module")
def cases():
    return fraud_problem(make_shop(n_customers=TINY["shop_customers"], seed=TINY["seed"]).orders)


@pytest.fixture(scope="module")
def scores(glued, run_dir) -> pd.DataFrame:
    return pd.read_csv(run_dir / "risk_scores.csv")


def num(glued, name) -> float:
    return float(glued[name])


def test_fraud_is_chosen_on_the_shop_and_counted(glued, cases):
    assert "`fraud` (chosen from the data)" in glued["problem_text"]
    assert int(num(glued, "n_cases")) == len(cases.y) and int(num(glued, "n_positive")) == cases.positives
    assert num(glued, "positive_share") == pytest.approx(cases.y.mean())


def test_newton_against_scikit_learn_on_the_page(glued, cases):
    assert num(glued, "coef_max_diff") < F.AGREE and num(glued, "grad_error") < 1e-6
    Z = onehot(cases.numeric, cases.categorical).fit_transform(cases.X)
    assert num(glued, "lambda_pen") == pytest.approx(1 / len(Z))
    assert "agree with scikit-learn's" in glued["newton_finding"]


def test_bayes_auc_on_the_shop(glued, cases):
    bayes = roc_auc_score(cases.y, cases.bayes)
    assert num(glued, "bayes_auc") == pytest.approx(bayes)
    # the best model cannot beat the planted probability by more than sampling noise
    assert num(glued, "best_auc") < bayes + 0.05
    assert "planted model's own probability" in glued["truth_finding"]


def test_scores_file_and_decisions(glued, scores, cases):
    # keyed by the data's own order id; the decision at the threshold from the costs, which needs no label
    assert list(scores.columns[:4]) == ["order_id", "score", "decision", "label"]
    assert scores["order_id"].tolist() == cases.ids.tolist()
    assert len(scores) == len(cases.y) and scores["label"].sum() == cases.positives
    t_star = 1.0 / (1.0 + 5.0)
    assert ((scores["score"] >= t_star) == (scores["decision"] == "flag")).all()
    best_t, best_cost = C.min_cost_threshold(scores["label"].to_numpy(), scores["score"].to_numpy(), 1.0, 5.0)
    assert best_t == pytest.approx(num(glued, "best_threshold")) and best_cost == pytest.approx(num(glued, "best_cost"))
    review = C.precision_at_share(scores["label"].to_numpy(), scores["score"].to_numpy(), 0.02)
    assert num(glued, "review_precision") == pytest.approx(review["precision"])
    assert "review capacity" in glued["problem_intro"]
    assert "the cheapest decision among the models comes from" in glued["takeaway_finding"]


def test_the_decision_in_one_table_is_valued_on_the_labels(glued, scores):
    y = scores["label"].to_numpy()
    flag = scores["decision"].to_numpy() == "flag"
    # the file's row: share flagged, bad rate among the accepted, mean cost; against flagging nobody / everybody
    assert num(glued, "file_share") == pytest.approx(flag.mean())
    if (~flag).any():
        assert num(glued, "file_bad_accepted") == pytest.approx(y[~flag].mean())
    cost = (np.sum(flag & (y == 0)) * 1.0 + np.sum(~flag & (y == 1)) * 5.0) / len(y)
    assert -num(glued, "file_value") == pytest.approx(cost)
    assert -num(glued, "value_none") == pytest.approx(5.0 * y.mean())
    assert -num(glued, "value_all") == pytest.approx(1.0 * (1 - y.mean()))
    assert "Judged on what happened" in glued["policy_finding"] and "flag nobody" in glued["policy_finding"]


def test_findings_follow_the_glued_numbers(glued):
    assert glued["balance_finding"] == F.balance(int(num(glued, "n_positive")), int(num(glued, "n_cases")), "order",
                                                 "the order is fraudulent")  # fmt: skip
    rate, mean = num(glued, "positive_share"), num(glued, "imb_mean_weighted")
    assert ("not probabilities" in glued["imbalance_finding"]) == (abs(mean - rate) > F.OFF_RATE * min(rate, 1 - rate))
    diff = abs(num(glued, "imb_auc_weighted") - num(glued, "imb_auc_plain"))
    if diff >= F.SAME_RANKING:
        assert ("a real change" in glued["imbalance_finding"]) == (diff > F.TIED * num(glued, "imb_auc_diff_sd"))
    floor, pr = num(glued, "pr_floor"), num(glued, "best_pr_auc")
    assert floor == pytest.approx(num(glued, "positive_share"))
    weak = (pr - floor) / (1 - floor) < F.WEAK_PR and pr / floor < F.WEAK_LIFT
    assert ("barely above the floor" in glued["best_finding"]) == weak
    for name in F.SUMMARY:
        assert glued[name].strip()


def test_every_exercise_answer_against_an_independent_computation(glued, scores, cases):
    y, s = scores["label"].to_numpy(), scores["score"].to_numpy()
    t_star = 1.0 / (1.0 + 5.0)
    assert num(glued, "ex5_1") == pytest.approx(float(np.mean(s[y == 1] >= t_star)))
    # 5.2: the cheapest threshold at a doubled miss, by brute force over the distinct scores
    candidates = np.r_[np.inf, np.unique(s)]
    costs = [(np.sum((s >= c) & (y == 0)) * 1 + np.sum((s < c) & (y == 1)) * 10) for c in candidates]
    assert num(glued, "ex5_2") == pytest.approx(candidates[int(np.argmin(costs))])
    # 5.3: logistic regression without the most important feature, same folds
    drop = glued["top_feature"].strip("'\"")
    keep = [c for c in cases.X.columns if c != drop]
    num_, cat_ = [c for c in cases.numeric if c != drop], [c for c in cases.categorical if c != drop]
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline

    aucs = {}
    for label, cols, n_, c_ in (("with", list(cases.X.columns), cases.numeric, cases.categorical),
                                ("without", keep, num_, cat_)):  # fmt: skip
        fold_auc = []
        for train, test in StratifiedKFold(3, shuffle=True, random_state=1).split(cases.X, cases.y):
            pipe = Pipeline([("e", onehot(n_, c_)), ("m", LogisticRegression(C=1.0, max_iter=2000, tol=1e-8))])
            pipe.fit(cases.X.iloc[train][cols], cases.y[train])
            fold_auc.append(roc_auc_score(cases.y[test], pipe.predict_proba(cases.X.iloc[test][cols])[:, 1]))
        aucs[label] = np.mean(fold_auc)
    assert num(glued, "ex5_3") == pytest.approx(aucs["with"] - aucs["without"], abs=1e-6)
    # 5.4: plain gradient descent, written out here with numpy only
    reference = {c: str(cases.X[c].value_counts().index[0]) for c in cases.categorical}  # section 2's coding
    enc = onehot(cases.numeric, cases.categorical, reference=reference)
    Z = np.column_stack([np.ones(len(cases.y)), enc.fit_transform(cases.X)])
    lam, w = 1 / len(Z), np.zeros(Z.shape[1])
    mask = np.r_[0.0, np.ones(Z.shape[1] - 1)]

    def mean_loss(w):
        z = Z @ w
        return np.mean(np.logaddexp(0, z) - cases.y * z) + 0.5 * lam * np.sum(mask * w**2)

    for _ in range(300):
        w = w - (Z.T @ (1 / (1 + np.exp(-Z @ w)) - cases.y) / len(Z) + lam * mask * w)
    newton = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(Z[:, 1:], cases.y)
    best = mean_loss(np.r_[newton.intercept_, newton.coef_.ravel()])
    assert num(glued, "ex5_4") == pytest.approx(mean_loss(w) - best, rel=1e-3, abs=1e-9)
    assert num(glued, "ex5_4") > 0


def test_same_parameters_glue_the_same_values(glued, tmp_path):
    from tests.notebooks.conftest import same_again

    same_again(NOTEBOOK, TINY, glued, tmp_path)


def test_churn_on_a_transaction_log(tmp_path):
    from tests.notebooks.conftest import execute

    out = execute(NOTEBOOK, tmp_path, problem="churn", shop_customers=300, seed=1, cv_folds=3, churn_days=60,
                  margin=0.5)  # fmt: skip
    assert out["unit"].strip("'\"") == "customer"
    assert "BG/NBD's probability of no purchase" in out["problem_finding"] and "realised" in out["problem_finding"]
    assert "realises the most among the models" in out["takeaway_finding"]
    assert "Churn: the value of an offer" in out["problem_intro"] and "review capacity" not in out["problem_intro"]
    assert "no planted model" in out["truth_finding"]
    # the finding names every assumption, and compares with offering to nobody and to everybody
    policy = out["policy_finding"]
    for said in ("€10.00 (`offer_cost`)", "20.0% of the churners it reaches (`offer_success`)", "50.0% (`margin`)",
                 "offer to nobody", "offer to everybody"):
        assert said in policy
    assert "cost units" not in out["cost_finding"]  # no cost matrix on churn with prices
    csv = pd.read_csv(tmp_path / "risk_scores.csv")
    assert list(csv.columns[:4]) == ["customer_id", "score", "decision", "label"]
    assert {"bgnbd_churn_score", "value_at_stake"} <= set(csv.columns)
    # the decision is the offer's expected value in money (success 0.2, margin 0.5, cost 10), and the page agrees
    gain = csv["score"] * 0.2 * 0.5 * csv["value_at_stake"] - 10.0
    assert ((gain > 0) == (csv["decision"] == "offer")).all()
    assert int(float(out["offer_count"])) == int((gain > 0).sum())
    # realised on the labels: each offer to a churner keeps 0.2 x 0.5 x value, every offer costs 10
    y = csv["label"].to_numpy() == 1
    offered = csv["decision"].to_numpy() == "offer"
    each = y * 0.2 * 0.5 * csv["value_at_stake"].to_numpy() - 10.0
    assert float(out["file_value"]) == pytest.approx(each[offered].sum())
    assert float(out["value_all"]) == pytest.approx(each.sum()) and float(out["value_none"]) == 0.0
    assert float(out["ex5_1"]) == pytest.approx(float(offered[y].mean()))
    assert int(float(out["ex5_2"])) == int((csv["score"] * 0.2 * 0.5 * csv["value_at_stake"] - 20.0 > 0).sum())


def test_glued_values_match_the_recorded_fingerprint(glued):
    from tests.notebooks.fingerprint import check

    check("risk", glued)


def test_every_comparative_finding_rests_on_a_checked_claim(glued, run_dir):
    from tests.claims_audit import audit

    audit(run_dir, "risk", glued)
