"""Every worded finding of the Risk chapter, each way of its threshold."""

from __future__ import annotations

import math

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
    assert "already about as well calibrated" in F.calibration(0.15, 0.16, 0.17, "m")
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
    none = pd.DataFrame({"value_per_customer": [-1.0, -2.0], "value_total": [-10.0, -20.0]})
    some = pd.DataFrame({"value_per_customer": [5.0, -2.0], "value_total": [50.0, -20.0]})
    every = pd.DataFrame({"value_per_customer": [5.0, 2.0], "value_total": [50.0, 20.0]})
    assert "No customer has a positive expected value" in F.offer_value(none, 0, 20, 0.0, "EUR")
    text = F.offer_value(some, 3, 20, 50.0, "EUR")
    assert "3 of 20 customers" in text and "1 decile of ten" in text and "€50" in text
    assert "every score decile" in F.offer_value(every, 20, 20, 70.0, "EUR")


def test_p_alive_baseline_each_way():
    assert "ranks customers better" in F.p_alive_baseline(0.8, 0.6)
    assert "as well as the model or better" in F.p_alive_baseline(0.6, 0.7)
    assert "could not be fitted" in F.p_alive_baseline(0.6, math.nan)


def test_group_check_each_way():
    assert "no sensitive attribute" in F.group_check(None, "")
    off = pd.DataFrame({"group": ["a", "b"], "cases": [1000, 500], "observed": [0.3, 0.4],
                        "predicted": [0.3, 0.4 - 2 * F.GROUP_GAP], "auc": [0.8, 0.7]})  # fmt: skip
    assert "miscalibrated" in F.group_check(off, "sex") and "the group b (500 cases)" in F.group_check(off, "sex")
    assert "from 0.7 to 0.8" in F.group_check(off, "sex")
    # the same gap on 50 cases is within two binomial standard errors (sqrt(0.4 * 0.6 / 50) = 0.069)
    small = off.assign(cases=[1000, 50])
    assert "miscalibrated" not in F.group_check(small, "sex") and "no group's mean score" in F.group_check(small, "sex")
    # a gap below GROUP_GAP is not flagged however many cases
    fine = off.assign(predicted=[0.3, 0.4 - F.GROUP_GAP / 2], cases=[10**6, 10**6])
    assert "no group's mean score" in F.group_check(fine, "sex")
    text = F.group_check(fine, "sex")
    assert "5.0 percentage points" in text and "largest gap 2.5 percentage points" in text


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
    assert "worth the most, $1,200 in all" in F.takeaway("m", 1200.0, True, "USD")
    assert "The cheapest decision comes from m, at 0.5 cost units per case" in F.takeaway("m", 0.5, False, "EUR")


def test_columns_read_and_code_like_each_way():
    X = pd.DataFrame({"EDUCATION": [1, 2, 3, 4] * 5, "flag": [0, 1] * 10, "LIMIT": [i * 1000 for i in range(20)],
                      "rate": [0.5, 1.5, 2.5, 3.5] * 5})  # fmt: skip
    assert F.code_like(X, ["EDUCATION", "flag", "LIMIT", "rate"]) == ["EDUCATION"]  # few whole numbers, more than two
    X13 = pd.DataFrame({"n": list(range(F.CODE_LEVELS + 1)) * 2})
    assert F.code_like(X13, ["n"]) == []
    plain = F.columns_read(["LIMIT", "rate"], ["region"], [], [])
    assert plain == "The models read 2 columns as numbers (`LIMIT` and `rate`) and 1 column as categories (`region`)."
    full = F.columns_read(["EDUCATION", "LIMIT"], [], ["ID"], ["EDUCATION"], left_out="SEX")
    assert "row ids" in full and "`ID`" in full and "`SEX` is kept out of the models" in full
    assert "`EDUCATION` holds only a few whole numbers" in full and "`categorical`" in full
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
