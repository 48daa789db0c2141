"""Every worded finding of the Risk chapter, each way of its threshold."""

from __future__ import annotations

import math

import numpy as np

import pandas as pd

from analysis.chapters.risk import findings as F


def test_balance_each_way():
    assert "rare outcome" in F.balance(20, 1000, "order", "fraud") and "PR AUC" in F.balance(20, 1000, "order", "x")
    assert "not rare" in F.balance(300, 1000, "applicant", "bad") and "floor" in F.balance(300, 1000, "applicant", "bad")
    assert F.balance(int(F.RARE * 1000), 1000, "a", "b").count("not rare") == 1  # the threshold itself is not rare
    assert "negatives are the rare outcome" in F.balance(960, 1000, "customer", "churned")
    assert "not rare" in F.balance(int((1 - F.RARE) * 1000), 1000, "customer", "churned")


def test_newton_each_way():
    assert "agree with scikit-learn's" in F.newton(F.AGREE / 2, 7, 1e-10)
    assert "differ from scikit-learn's" in F.newton(F.AGREE * 10, 7, 1e-10)


def test_strongest_each_way():
    assert "multiplies" in F.strongest("x", 2.0, "number") and "per standard deviation" in F.strongest("x", 2.0, "number")
    assert "divides the odds of the bad outcome by 4" in F.strongest("x", 0.25, "category")
    assert "for having it rather than not" in F.strongest("x", 2.0, "flag")
    assert "rather than the reference value, none" in F.strongest("savings = rich", 0.5, "category", "none")


def test_best_model_each_way():
    tied = pd.DataFrame({"model": ["a", "b"], "auc": [0.80, 0.79], "auc_sd": [0.03, 0.03]})
    clear = pd.DataFrame({"model": ["a", "b"], "auc": [0.80, 0.70], "auc_sd": [0.03, 0.03]})
    assert "no clear winner" in F.best_model(tied)
    assert "clearly ahead of b" in F.best_model(clear)
    # paired: a 0.01 lead is clear when the fold-by-fold difference hardly moves, a tie when it moves more
    assert "clearly ahead of b" in F.best_model(tied, diff_sd=0.004) and "fold-by-fold" in F.best_model(tied, 0.004)
    assert "no clear winner" in F.best_model(tied, diff_sd=0.02)


def test_calibration_each_way():
    assert "lowers the Brier score from 0.2 to 0.15 (isotonic regression)" in F.calibration(0.2, 0.18, 0.15, "m")
    assert "already about as well calibrated" in F.calibration(0.15, 0.1505, 0.17, "m")
    # recalibrated scores clearly worse: the model's own are better calibrated, not "about as well" (issue 27)
    assert "better calibrated than the recalibrated ones" in F.calibration(0.15, 0.16, 0.17, "m")
    barely = 0.15 * (1 - F.BETTER_BRIER / 2)
    assert "already about as well calibrated" in F.calibration(0.15, barely, 0.17, "m")


def test_imbalance_each_way():
    rows = {"plain": {"auc": 0.8, "mean_score": 0.1}, "weighted": {"auc": 0.795, "mean_score": 0.1 * (1 + 2 * F.OFF_RATE)}}
    assert "rises to" in F.imbalance(pd.DataFrame(rows).T, 0.1, 0.01) and "not probabilities" in F.imbalance(pd.DataFrame(rows).T, 0.1, 0.01)
    assert "barely depends" in F.imbalance(pd.DataFrame(rows).T, 0.1, 0.01)
    rows["weighted"]["mean_score"] = 0.1 * (1 + F.OFF_RATE / 2)
    assert "stays near" in F.imbalance(pd.DataFrame(rows).T, 0.1, 0.01)
    # a majority-positive rate: the mean score falling well below it is caught too
    rows["weighted"]["mean_score"] = 0.63
    assert "falls to 63.0%" in F.imbalance(pd.DataFrame(rows).T, 0.86, 0.01)
    rows["weighted"]["auc"] = 0.78
    assert "a real change in the ranking" in F.imbalance(pd.DataFrame(rows).T, 0.1, 0.005)
    assert "no clear change" in F.imbalance(pd.DataFrame(rows).T, 0.1, 0.141)


def test_cost_threshold_and_review():
    text = F.cost_threshold(0.2, 0.5, 1 / 6, 0.52, 1.5)
    assert "at least 0.2" in text and "0.5 cost units per case" in text and "1.5 when nothing" in text
    assert "Flagging nothing is cheapest" in F.cost_threshold(math.inf, 0.1, 1 / 6, 0.2, 0.1)
    assert "3 times the base rate" in F.review(100, 0.06, 0.3, 0.02, 0.02)


def test_offer_value_each_way():
    losing = pd.DataFrame({"offers": [5, 3, 0], "realised value": [50.0, -20.0, 0.0]})
    paying = pd.DataFrame({"offers": [5, 3, 0], "realised value": [50.0, 20.0, 0.0]})
    assert "No customer has a positive expected value" in F.offer_value(paying, 0, 20, 0.0, "EUR")
    text = F.offer_value(losing, 8, 20, 30.0, "EUR")
    assert "8 of 20 customers" in text and "realised €30.00" in text and "in 1 score decile the offers sent lost" in text
    assert F.offer_value(paying, 8, 20, 70.0, "EUR").endswith("realised €70.00.")
    assert "cost more than they kept" in F.offer_value(losing, 8, 20, -5.0, "EUR")


def test_p_alive_baseline_each_way():
    assert "ranks customers better" in F.p_alive_baseline(0.8, 0.6)
    assert "ranks customers better than the model" in F.p_alive_baseline(0.6, 0.7)
    assert "could not be fitted" in F.p_alive_baseline(0.6, math.nan)
    # the lead judged by the spread of the fold-by-fold difference
    assert "about as well" in F.p_alive_baseline(0.80, 0.79, 0.02)
    assert "more than the spread of the fold-by-fold difference, 0.005" in F.p_alive_baseline(0.80, 0.79, 0.005)
    assert "about as well" in F.p_alive_baseline(0.79, 0.80, 0.02)


def test_group_check_each_way():
    assert "no sensitive attribute" in F.group_check(None, "")
    off = pd.DataFrame({"group": ["a", "b"], "cases": [1000, 500], "observed": [0.3, 0.4],
                        "predicted": [0.3, 0.4 - 2 * F.GROUP_GAP], "auc": [0.8, 0.7]})  # fmt: skip
    assert "miscalibrated" in F.group_check(off, "sex") and "the group b (500 cases)" in F.group_check(off, "sex")
    # the same gap on 50 cases is within two binomial standard errors (sqrt(0.4 * 0.6 / 50) = 0.069)
    small = off.assign(cases=[1000, 50])
    assert "miscalibrated" not in F.group_check(small, "sex") and "No group's mean score" in F.group_check(small, "sex")
    # a gap below GROUP_GAP is not flagged however many cases
    fine = off.assign(predicted=[0.3, 0.4 - F.GROUP_GAP / 2], cases=[10**6, 10**6])
    text = F.group_check(fine, "sex")
    assert "No group's mean score" in text
    assert "5.0 percentage points" in text and "largest gap 2.5 percentage points" in text
    # several attributes, with the share flagged at the file's decision
    two = pd.concat([off.assign(attribute="sex", flagged=[0.2, 0.3]),
                     off.assign(attribute="age", group=["under 25", "25 to 34"], flagged=[0.5, 0.1])],
                    ignore_index=True)  # fmt: skip
    text = F.group_check(two)
    assert "By `sex`, the share flagged ranges from 20.0% (a, 1,000 cases) to 30.0% (b, 500 cases)" in text
    assert "By `age`, the share flagged ranges from 10.0% (25 to 34" in text


def test_policies_each_way():
    table = pd.DataFrame({"policy": ["m", "n", "flag everybody", "flag nobody"], "value": [-0.5, -0.51, -0.7, -1.5]})
    text = F.policies(table, ["m", "n"], [], "flag nobody", "flag everybody", False, scale=0.7)
    assert "that of m, 0.5 cost units per case, against 1.5 cost units per case for flag nobody" in text
    assert "N comes within the same 2.0%: a tie" in text and "adds anything" not in text
    assert "a lead of 0.2 cost units per case over flag everybody, 28.6% of what perfect foresight" in text
    # a model within the tolerance of acting on everybody adds nothing
    close = table.assign(value=[-0.69, -0.8, -0.7, -1.5])
    assert "a tie with flag everybody, so no model adds anything" in F.policies(
        close, ["m", "n"], [], "flag nobody", "flag everybody", False, scale=0.7)
    # money: a model below offering to everybody does not pay; a baseline ahead of every model is named
    money = pd.DataFrame({"policy": ["BG/NBD", "offer to everybody", "m", "offer to nobody"],
                          "value": [3500.0, 3000.0, 1000.0, 0.0]})  # fmt: skip
    text = F.policies(money, ["m"], ["BG/NBD"], "offer to nobody", "offer to everybody", True, "EUR", "Costs.", 5000)
    assert text.startswith("Costs. Judged on what happened") and "€1,000" in text
    assert "offer to everybody does better, so on these data no model's decision pays" in text
    assert "The BG/NBD does better than every model (€3,500)" in text
    assert F.tied_value(100.0, 101.0, 100.0) and not F.tied_value(100.0, 103.0, 100.0)


def test_sensitive_found_each_way():
    found = {"SEX": "sex or gender", "AGE": "age"}
    text = F.sensitive_found(found, ["SEX"], None, "applicant")
    assert "found `SEX` (sex or gender) and `AGE` (age)" in text and "Left out of every model" in text
    assert "`AGE` stays a feature" in text and "Equal Credit Opportunity Act" in text and "older applicants" in text
    assert "to leave it out, list it in `sensitive`" in text
    assert "nothing is left out" in F.sensitive_found({}, [], None)
    assert "every column is a feature" in F.sensitive_found(found, [], [])
    listed = F.sensitive_found(found, ["AGE"], ["AGE"])
    assert "`sensitive` lists `AGE`" in listed and "not listed, so kept as features: `SEX`" in listed


def test_value_curve_each_way():
    text = F.value_curve(0.4, 3500.0, 0.3, 2800.0, "GBP")
    assert "peaks at £3,500 when 40.0%" in text and "sends it to 30.0% and realises £2,800." in text
    assert "no set of offers pays" in F.value_curve(0.0, 0.0, 0.1, -50.0, "GBP")


def test_truth_each_way():
    assert "no planted model" in F.truth(None, None)
    assert "close to the best possible" in F.truth({"m": F.CLOSE_TO_BAYES / 2}, 0.7)
    assert "short of the best possible" in F.truth({"m": F.CLOSE_TO_BAYES * 3, "n": 0.05}, 0.7)
    above = F.truth({"m": -0.004, "n": 0.02}, 0.7)
    assert "is 0.004 above it" in above and "by chance" in above and "below" not in above


def test_exercise_sentences():
    assert "624 of 1,000 cases are flagged (62.4%)" in F.ex_recall(1 / 6, 624, 1000, 0.883)
    assert "lowers the cheapest threshold" in F.ex_dearer_miss(0.2, 0.1, 0.5, 0.7)
    assert "leaves the cheapest threshold" in F.ex_dearer_miss(0.2, 0.2, 0.5, 0.5)
    assert "a loss of" in F.ex_drop_feature("x", 0.8, 0.75)
    assert "carry the same information" in F.ex_drop_feature("x", 0.8, 0.81)
    assert "after 300 gradient steps" in F.ex_gradient_descent(300, 1e-3, 7).lower()


def test_summary_names_are_glued_by_the_steps():
    import inspect

    from analysis.chapters.risk import steps

    source = inspect.getsource(steps)
    for name in F.SUMMARY:
        assert f'"{name}"' in source


def test_churn_exercise_sentences_each_way():
    assert "still have a positive" in F.ex_dearer_offer(40, 25, 100) and "25 of 100" in F.ex_dearer_offer(40, 25, 100)
    assert "the same 40" in F.ex_dearer_offer(40, 40, 100)
    assert F.ex_recall(math.nan, 5, 10, 0.6).startswith("The offer goes to 5 of 10 customers")
    assert F.ex_recall(0.2, 5, 10, 0.6).startswith("At the threshold 0.2")


def test_pr_auc_against_its_floor_each_way():
    assert "barely above the floor" in F.pr_vs_floor(0.87, 0.86)
    text = F.pr_vs_floor(0.6, 0.3)
    assert "barely" not in text and "against 0.3 for a random score" in text and "42.9%" in text and "2 times" in text
    # a rare outcome: little of the way to 1 but several times the floor is not "barely"
    assert "barely" not in F.pr_vs_floor(0.0764, 0.0216)
    assert "barely above the floor" in F.pr_vs_floor(0.025, 0.0216)


def test_takeaway_each_way():
    assert "realises the most among the models, $1,200 in all" in F.takeaway("m", 1200.0, True, "USD")
    assert "the cheapest decision among the models comes from m, at 0.5 cost units" in F.takeaway("m", 0.5, False, "EUR")


def test_columns_read_and_code_like_each_way():
    X = pd.DataFrame({"EDUCATION": [1, 2, 3, 4] * 5, "flag": [0, 1] * 10, "LIMIT": [i * 1000 for i in range(20)],
                      "rate": [0.5, 1.5, 2.5, 3.5] * 5})  # fmt: skip
    assert F.code_like(X, ["EDUCATION", "flag", "LIMIT", "rate"]) == ["EDUCATION"]  # few whole numbers, more than two
    X13 = pd.DataFrame({"n": list(range(F.CODE_LEVELS + 1)) * 2})
    assert F.code_like(X13, ["n"]) == []
    plain = F.columns_read(["LIMIT", "rate"], ["region"], [], [])
    assert plain == "The models read 2 columns as numbers (`LIMIT` and `rate`) and 1 column as categories (`region`)."
    full = F.columns_read(["EDUCATION", "LIMIT"], [], ["ID"], ["EDUCATION"])
    assert "row ids" in full and "`ID`" in full
    assert "`EDUCATION` has only a few whole numbers" in full and "`categorical`" in full
    found = F.columns_read(["LIMIT"], ["PAY_0", "EDUCATION"], [], [], found=["PAY_0", "EDUCATION"])
    assert "`PAY_0` and `EDUCATION` have a few whole numbers under a name that marks codes" in found
    assert "`numeric_codes`" in found and "most frequent one" in found
    many = F.columns_read([f"x{i}" for i in range(10)], [], [], [])
    assert "`x7` and 2 more" in many and "categories" not in many
    gaps = F.columns_read(["score", "amount"], [], [], [], gaps={"score": 40, "amount": 0}, n=400)
    assert "1 numeric column has missing values (most: `score`, 40 of 400 cases)" in gaps and "median" in gaps
    assert "missing" not in F.columns_read(["score"], [], [], [], gaps={"score": 0}, n=400)


def test_calibration_reads_the_brier_score_against_the_base_rate():
    weak = F.calibration(0.0207, 0.0207, 0.0208, "m", rate=0.022)  # base 0.0215: skill 0.04
    assert "would get 0.0215" in weak and "hardly beats knowing only the base rate" in weak
    good = F.calibration(0.16, 0.159, 0.161, "m", rate=0.3)  # base 0.21: skill 0.24
    assert "is 0.238" in good and "hardly" not in good
    assert "constant score" not in F.calibration(0.16, 0.159, 0.161, "m")


def test_cost_saving_and_the_takeaway_tie_each_way():
    small = F.cost_threshold(0.2, 0.107, 0.167, 0.11, 0.108)  # 1% below flagging nothing
    assert "only 0.9% below flagging nothing" in small and "hardly pay" in small
    assert "hardly pay" not in F.cost_threshold(0.2, 0.09, 0.167, 0.1, 0.167)
    assert "but b (0.505) comes within 2.0%" in F.takeaway("a", 0.500, False, "", {"b": 0.505, "c": 0.53})
    both = F.takeaway("a", 0.500, False, "", {"b": 0.505, "c": 0.509, "d": 0.6})
    assert "b (0.505) and c (0.509) come within" in both and "d (" not in both
    assert "a tie" not in F.takeaway("a", 0.500, False, "", {"b": 0.53})
    assert F.takeaway("a", 0.5, False, "").endswith(").")
    assert "a tie" in F.takeaway("a", 1000.0, True, "EUR", {"b": 990.0})
    assert "a tie" not in F.takeaway("a", 1000.0, True, "EUR", {"b": 900.0})


def test_imbalance_says_leave_when_the_auc_does_not_move_at_three_digits():
    table = pd.DataFrame({"auc": [0.7051, 0.7049, 0.70], "mean_score": [0.02, 0.2, 0.2]},
                         index=["plain", "weighted", "undersampled"])  # fmt: skip
    assert F.imbalance(table, 0.02, 0.01).startswith("Class weights leave ROC AUC at 0.705")
    moved = table.assign(auc=[0.705, 0.69, 0.70])
    assert F.imbalance(moved, 0.02, 0.01).startswith("Class weights move ROC AUC from 0.705 to 0.69")


def test_strongest_names_its_cases_and_importance_agrees_each_way():
    text = F.strongest("country = Portugal", 3.0, "category", "United Kingdom", 412, 3377)
    assert "412 of 3,377 cases have it" in text and f"fewer than {F.MIN_LEVEL_CASES} cases hold are not ranked" in text
    assert "too few to call" in F.strongest("country = Portugal", 3.0, "category", "UK", 12, 3377)
    assert F.strongest("x", 2.0, "number", "", 100, 100).endswith("(per standard deviation).")
    assert "is also the most important feature" in F.importance_agrees("country", 1, 12, "country")
    late = F.importance_agrees("country", 7, 12, "recency_days")
    assert "does not agree" in late and "ranks 7 of 12 here, behind `recency_days`" in late
    assert "is flat" in F.flat_pdp("x") and "not drawn" in F.flat_pdp("x")


def test_the_strongest_effect_skips_values_few_cases_hold():
    from analysis.chapters.risk.steps import logistic_step
    from analysis.risk.problems import RiskData

    rng = np.random.default_rng(0)
    n = 400
    country = np.where(np.arange(n) < 10, "Portugal", np.where(np.arange(n) % 2, "UK", "France"))
    x = rng.normal(size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.3 * x + 5.0 * (country == "Portugal") - 0.5)))).astype(np.int8)
    X = pd.DataFrame({"x": x, "country": country})
    cases = RiskData("credit", X, y, pd.Series(np.arange(n)), ["x"], ["country"], "case", "bad")
    step = logistic_step(cases, 0)
    assert step.table.iloc[0]["feature"] == "country = Portugal" and step.table.iloc[0]["cases"] == 10
    assert "`country = Portugal`" not in step.glue["odds_finding"] and step["strongest"] != "country = Portugal"
