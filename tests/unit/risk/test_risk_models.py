"""The chapter's models: the blend averages its members, the tree's depth comes from the training rows only,
undersampling balances the training set, and the comparison's blend equals the mean of its members' scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from analysis.risk.compare import COMPONENTS, compare_models, fold_metrics
from analysis.risk.models import Blend, TreeByCV, make_models, tree_depths
from analysis.risk.problems import RiskData
from analysis.chapters.risk.steps import Undersampled, offer_deciles


@pytest.fixture(scope="module")
def cases():
    rng = np.random.default_rng(4)
    n = 600
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(list("xyz"), n)})
    logit = -1 + 1.5 * X["a"] - X["b"] * (X["c"] == "x") + 0.5 * (X["c"] == "z")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).to_numpy().astype(np.int8)
    return RiskData("credit", X, y, pd.Series(range(n)), ["a", "b"], ["c"], "applicant", "bad",
                    bayes=1 / (1 + np.exp(-logit.to_numpy())))  # fmt: skip


def test_blend_is_the_mean_of_its_members(cases):
    members = make_models(cases.numeric, cases.categorical, 0, len(cases.y), names=("logistic", "boosting"))
    blend = Blend(tuple(members.values())).fit(cases.X, cases.y)
    each = [clone(m).fit(cases.X, cases.y).predict_proba(cases.X)[:, 1] for m in members.values()]
    assert np.allclose(blend.predict_proba(cases.X)[:, 1], np.mean(each, axis=0))


def test_tree_depth_is_chosen_among_the_candidates(cases):
    tree = TreeByCV(("a", "b"), ("c",), seed=0, search_rows=300).fit(cases.X, cases.y)
    assert tree.best_depth_ in tree_depths()
    assert tree.best_estimator_.named_steps["model"].get_depth() <= tree.best_depth_
    assert len(tree.cv_results_["mean_test_score"]) == len(tree_depths())


def test_undersampling_balances_the_training_rows(cases):
    plain = make_models(["a", "b"], ["c"], 0, 600, names=("logistic",))["logistic"]
    under = Undersampled(plain, seed=1).fit(cases.X, cases.y)
    assert len(under.fitted_.named_steps["encode"].transform(cases.X)) == len(cases.y)
    # trained on as many negatives as positives, it believes positives are commoner than they are
    fitted = clone(plain).fit(cases.X, cases.y)
    plain_mean = fitted.predict_proba(cases.X)[:, 1].mean()
    assert plain_mean == pytest.approx(cases.y.mean(), abs=0.01)
    assert under.predict_proba(cases.X)[:, 1].mean() > plain_mean + 0.05


def test_comparison_blend_and_known_scores(cases):
    comp = compare_models(cases, folds=3, seed=0, names=("logistic", "logistic_cv", "boosting"))
    assert np.allclose(comp.scores["blend"], np.mean([comp.scores[c] for c in COMPONENTS], axis=0))
    assert comp.folds["bayes"]["auc"].tolist() == pytest.approx(
        fold_metrics(cases.y, cases.bayes, 3, 0)["auc"].tolist())
    table = comp.table.set_index("key")
    assert set(table.index) == {"logistic", "logistic_cv", "boosting", "blend", "bayes"}
    assert comp.best() in ("logistic", "logistic_cv", "boosting", "blend")
    assert (table["auc_sd"] >= 0).all()


def test_offer_deciles_by_hand():
    from types import SimpleNamespace

    p = np.linspace(1, 0.05, 20)
    y = (p > 0.5).astype(int)
    value = np.full(20, 100.0)
    act = p * 0.5 * 0.4 * 100 > 10  # the offer rule at success 0.5, margin 0.4, cost 10: p > 0.5
    params = SimpleNamespace(offer_success=0.5, margin=0.4, offer_cost=10.0)
    d = offer_deciles(y, p, act, value, params)
    assert d["customers"].tolist() == [2] * 10 and d["offers"].sum() == act.sum()
    # realised: each offer to a churner keeps 0.5 x 0.4 x 100 = 20, every offer costs 10
    assert d.iloc[0]["realised value"] == pytest.approx(2 * (20 - 10))
    assert d["realised value"].sum() == pytest.approx(((y * 20 - 10) * act).sum())
    assert "realised value" not in offer_deciles(y, p, act, None, params)  # no prices: counts only
    from analysis.chapters.risk.steps import offer_value

    assert offer_value(p, value, 10, 0.5, 0.4).tolist() == pytest.approx((p * 0.5 * 0.4 * 100 - 10).tolist())


def test_flags_are_left_unscaled_and_numbers_standardised():
    import pandas as pd

    from analysis.risk.models import binary_columns, onehot

    X = pd.DataFrame({"flag": [0.0, 1.0, 1.0, 0.0, 1.0], "amount": [1.0, 2.0, 3.0, 4.0, 10.0]})
    enc = onehot(["flag", "amount"], [])
    Z = enc.fit_transform(X)
    np.testing.assert_array_equal(Z[:, 0], X["flag"].to_numpy())
    np.testing.assert_allclose(Z[:, 1], (X["amount"] - X["amount"].mean()) / X["amount"].std(ddof=0))
    assert binary_columns(enc) == {"flag"}


def test_shop_fraud_odds_ratios_match_the_planted_coefficients():
    """On the shop the flags' odds ratios are for having the flag, near exp(planted coefficient)."""
    from analysis.risk.problems import fraud_problem
    from analysis.chapters.risk.steps import logistic_step
    from analysis.shop import make_shop
    from analysis.shop.fraud import DEFAULT_FRAUD_COEFFICIENTS as B

    step = logistic_step(fraud_problem(make_shop(n_customers=3000, seed=0).orders), 0)
    coef = dict(zip(step["names"], step["fit"].coef_.ravel()))
    for flag in ("country_mismatch", "night", "is_new_customer"):
        assert abs(coef[flag] - B[flag]) < 0.35, (flag, coef[flag], B[flag])
    assert "`country_mismatch`" in step.glue["odds_finding"] and "having it" in step.glue["odds_finding"]


def test_categories_are_measured_against_their_most_common_value():
    """Reference coding: the most common value gets no column, a two-valued category one column."""
    from analysis.chapters.risk.steps import logistic_step

    rng = np.random.default_rng(0)
    n = 600
    colour = rng.choice(["red", "blue", "green"], n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < np.where(colour == "green", 0.6, 0.2)).astype(np.int8)
    X = pd.DataFrame({"colour": colour, "yes_no": rng.choice(["yes", "no"], n, p=[0.7, 0.3]),
                      "x": rng.normal(size=n)})  # fmt: skip
    cases = RiskData("credit", X, y, pd.Series(range(n)), ["x"], ["colour", "yes_no"], "applicant", "bad = 1")
    step = logistic_step(cases, 0)
    assert step["reference"] == {"colour": "red", "yes_no": "yes"}
    assert set(step["names"]) == {"x", "colour = blue", "colour = green", "yes_no = no"}
    green = step.table.set_index("feature").loc["colour = green"]
    assert green["against"] == "red" and green["odds ratio"] > 3  # odds 0.6/0.4 against 0.2/0.8: 6


def test_undersampling_resamples_the_majority_whichever_it_is():
    from analysis.chapters.risk.steps import Undersampled

    class Spy:
        def get_params(self, deep=False):
            return {}

        def fit(self, X, y):
            self.counts = np.bincount(y, minlength=2)
            return self

    X = pd.DataFrame({"x": np.arange(100.0)})
    for y in (np.r_[np.ones(80, int), np.zeros(20, int)], np.r_[np.ones(20, int), np.zeros(80, int)]):
        fitted = Undersampled(Spy(), seed=0).fit(X, y).fitted_
        assert fitted.counts.tolist() == [20, 20]


def test_tree_boxes_in_words():
    from analysis.chapters.risk.figures import tree_box_text

    box = "purpose = car (new) <= 0.5\nsamples = 40.0%\nvalue = [0.7, 0.3]\nclass = negative"
    assert tree_box_text(box) == "purpose is not car (new)\n40.0% of cases\n70% negative, 30% positive\nmostly negative"
    assert tree_box_text("age <= 30.5") == "age <= 30.5"


def test_one_hot_columns_are_named_in_words():
    from analysis.risk.models import onehot

    enc = onehot([], ["purpose"]).fit(pd.DataFrame({"purpose": ["car", "tv"]}))
    assert list(enc.get_feature_names_out()) == ["purpose = car", "purpose = tv"]


def test_exact_duplicate_feature_columns_are_dropped_and_named():
    from analysis.risk.problems import RiskData
    from analysis.chapters.risk.steps import drop_duplicate_columns

    X = pd.DataFrame({"orders": [1.0, 2.0, 3.0], "days": [1.0, 2.0, 3.0], "spend": [1.0, 2.0, 4.0]})
    cases = RiskData("churn", X, np.array([0, 1, 0]), pd.Series(["a", "b", "c"]), list(X.columns), [], "customer", "x")
    cases, twins = drop_duplicate_columns(cases)
    assert twins == [("days", "orders")] and list(cases.X.columns) == ["orders", "spend"]
    assert cases.numeric == ["orders", "spend"]
    _, none = drop_duplicate_columns(cases)
    assert none == []
