"""Claims, not strings (issue 27): each wrong sentence the issue found, fed the numbers that contradicted it,
fails its claim's check; the findings built from claims say what their numbers support."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.chapters import _claims as C
from analysis.chapters._claims import CONCENTRATION, FOLD_SPREAD, STRENGTH, Claim, ClaimError, Relative
from analysis.chapters.clustering import findings as CL
from analysis.chapters.concepts import findings as CO
from analysis.chapters.forecast import findings as FO
from analysis.chapters.recommend import findings as RE
from analysis.chapters.risk import findings as RI


@pytest.fixture(autouse=True)
def _fresh_log():
    C.clear()
    yield
    C.clear()


# ----------------------------------------------------------------------------- the wrong sentences


def test_worth_the_most_fails_when_the_tables_first_row_is_another_policy():
    values = {"offer by logistic regression": 5200.0, "offer by gradient boosting": 4100.0}
    wrong = Claim("risk.policy_finding", "realised value", "best", "offer by gradient boosting", values)
    with pytest.raises(ClaimError) as err:
        wrong.say()
    message = str(err.value)
    assert "risk.policy_finding" in message and "best" in message
    assert "offer by logistic regression has the best value, 5200" in message and "4100" in message
    # the findings that rank policies check the same claim on their table: a table whose first model row
    # is not the best value stops the finding
    table = pd.DataFrame({"policy": ["boosting", "logistic", "nobody", "everybody"],
                          "value": [4100.0, 5200.0, 0.0, -300.0]})  # fmt: skip
    with pytest.raises(ClaimError, match="risk.policy_finding"):
        RI.policies(table, ["boosting", "logistic"], [], "nobody", "everybody", True, "EUR", scale=6000.0)
    with pytest.raises(ClaimError, match="risk.takeaway_finding"):
        RI.takeaway("boosting", 4100.0, True, "EUR", {"logistic": 5200.0}, 6000.0)
    right = table.sort_values("value", ascending=False)
    assert "that of logistic" in RI.policies(right, ["boosting", "logistic"], [], "nobody", "everybody", True,
                                             "EUR", scale=6000.0)  # fmt: skip


def test_ranks_better_fails_for_a_lead_of_half_the_fold_spread():
    spread, lead = 0.02, 0.01
    wrong = Claim("risk.problem_finding", "ROC AUC", "beats", "the model", {"the model": 0.80 + lead,
                  "BG/NBD": 0.80}, "BG/NBD", FOLD_SPREAD, spread)  # fmt: skip
    with pytest.raises(ClaimError, match=r"risk.problem_finding.*beats.*not a lead beyond the spread across folds"):
        wrong.check()
    # the findings built from claims call it a tie, and a lead beyond the spread a lead
    said = RI.p_alive_baseline(0.80 + lead, 0.80, spread)
    assert "about as well" in said and "better" not in said
    assert "ranks customers better" in RI.p_alive_baseline(0.80 + 3 * spread, 0.80, spread)
    table = pd.DataFrame({"model": ["boosting", "logistic"], "auc": [0.81, 0.80], "auc_sd": [0.02, 0.02]})
    assert "no clear winner" in RI.best_model(table, diff_sd=spread)
    assert "clearly ahead" in RI.best_model(table.assign(auc=[0.9, 0.8]), diff_sd=spread)
    with pytest.raises(ClaimError, match="risk.best_finding"):  # a table whose first row is not the best
        RI.best_model(table.assign(auc=[0.78, 0.80]), diff_sd=spread)


def test_strong_fails_for_a_value_the_scale_calls_weak():
    wrong = Claim("forecast.strength_finding", "seasonal strength", "at", "the season", {"the season": 0.27},
                  rule=STRENGTH, word="strong")  # fmt: skip
    with pytest.raises(ClaimError, match=r"forecast.strength_finding.*0.27 is 'weak', not 'strong'"):
        wrong.check()
    said = FO.strengths(0.27, 0.9)
    assert "the season is weak (0.27)" in said and "the trend strong" in said
    assert "a weak weekly pattern" in FO.busiest_position("Sat", 1.4, "D", 7, 0.27)


def test_holds_up_on_both_sides_fails_for_a_difference_of_0_0003():
    base = 0.3003
    for side in ("weaker", "stronger"):
        wrong = Claim("recommend.ex3_4_sentence", "test nDCG@K", "beats", "the chosen penalty",
                      {"the chosen penalty": base, side: base - 0.0003}, side, RE.SAME_NDCG_RULE)  # fmt: skip
        with pytest.raises(ClaimError, match="recommend.ex3_4_sentence"):
            wrong.check()
    said = RE.penalty_check(-0.0003, -0.0003, 10, base)
    assert "holds up" not in said and "tie" in said
    assert "holds up on the test split on both sides" in RE.penalty_check(-0.05, -0.05, 10, base)


def test_concentrated_and_moderately_concentrated_cannot_both_describe_the_same_customers():
    for top20 in (0.2, 0.35, 0.351, 0.5, 0.599, 0.6, 0.9):
        word = CONCENTRATION.word(top20)
        concepts = CO.concentration(top20, 0.2, 500)
        clustering = CL.tiers(0.2, top20, 100.0, top20=top20)
        for text in (concepts, clustering):
            assert word in text
            for other in set(CONCENTRATION.words) - {word}:
                assert other not in text.replace(word, "")
    for top20, word in ((0.5, "concentrated"), (0.65, "moderately concentrated"), (0.3, "moderately concentrated")):
        wrong = Claim("concepts.concentration_sentence", "top 20% share", "at", "the top 20%", {"the top 20%": top20},
                      rule=CONCENTRATION, word=word)  # fmt: skip
        with pytest.raises(ClaimError, match="concepts.concentration_sentence"):
            wrong.check()


# ----------------------------------------------------------------------------- the machinery


def test_relations_each_way():
    two = {"a": 1.0, "b": 0.9}
    rel = Relative(0.05)
    assert Claim("f", "m", "above", "a", two, "b", rel).holds(two)[0]
    assert Claim("f", "m", "below", "b", two, "a", rel).holds(two)[0]
    assert not Claim("f", "m", "ties", "a", two, "b", rel).holds(two)[0]
    assert Claim("f", "m", "within", "a", two, "b", Relative(0.2)).holds(two)[0]
    assert Claim("f", "m", "beats", "b", two, "a", rel, higher_is_better=False).holds(two)[0]  # an error
    assert Claim("f", "m", "best", "b", two, higher_is_better=False).holds(two)[0]
    assert Claim("f", "m", "worst", "b", two).holds(two)[0]
    interval = {"low": 1.0, "high": 3.0, "truth": 2.0}
    assert Claim("f", "m", "covers", "interval", interval, "truth").holds(interval)[0]
    assert not Claim("f", "m", "covers", "interval", {**interval, "truth": 3.5}, "truth").holds(
        {**interval, "truth": 3.5})[0]
    with pytest.raises(ClaimError, match="unknown relation"):
        Claim("f", "m", "dominates", "a", two)
    with pytest.raises(ClaimError, match="finite spread"):
        Claim("f", "m", "beats", "a", two, "b", FOLD_SPREAD, math.nan).check()


def test_a_claim_is_checked_against_numbers_fed_to_it():
    claim = Claim("f", "m", "best", "a", {"a": 2.0, "b": 1.0})
    assert claim.check() is claim
    with pytest.raises(ClaimError, match="b has the best value"):
        claim.check({"a": 1.0, "b": 2.0})
    with pytest.raises(ClaimError, match=r"no number for \['a'\]"):
        claim.check({"b": 2.0})


def test_words_come_from_the_relation_and_data_braces_stay_text():
    claim = Claim("f", "m", "beats", "{weird}", {"{weird}": 2.0, "x": 1.0}, "x", Relative(0.1),
                  words={"beats": "{subject} leads {other}"})  # fmt: skip
    assert claim.say() == "{weird} leads x"
    assert C.compared("f", "m", "a", "b", 1.0, 2.0, Relative(0.1)).subject == "b"  # the leader is the subject
    assert C.compared("f", "m", "a", "b", 1.0, 1.05, Relative(0.1)).relation == "ties"


def test_scales_have_one_word_per_range():
    assert [STRENGTH.word(v) for v in (0.0, 0.39, 0.4, 0.69, 0.7, 1.0)] == [
        "weak", "weak", "moderate", "moderate", "strong", "strong"]
    assert CONCENTRATION.word(C.EVEN) == "spread fairly evenly"
    assert CONCENTRATION.word(C.CONCENTRATED) == "concentrated"
    with pytest.raises(ClaimError, match="no word"):
        STRENGTH.word(math.nan)


@given(a=st.floats(-10, 10), b=st.floats(-10, 10), spread=st.floats(0, 5), better=st.booleans())
def test_the_claim_the_numbers_support_always_passes_its_own_check(a, b, spread, better):
    claim = C.compared("f", "m", "a", "b", a, b, FOLD_SPREAD, spread, higher_is_better=better)
    assert claim.holds(claim.values) == (True, "")


def test_every_check_is_logged_and_written_beside_the_chapter(tmp_path):
    Claim("one", "m", "best", "a", {"a": 2.0, "b": 1.0}).check()
    with pytest.raises(ClaimError):
        Claim("two", "m", "best", "b", {"a": 2.0, "b": 1.0}).check()
    assert [(e["finding"], e["passed"]) for e in C.checked()] == [("one", True), ("two", False)]
    name = C.write("demo", tmp_path)
    record = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    assert name == "demo_claims.json"
    assert (record["chapter"], record["checked"], record["failed"]) == ("demo", 2, 1)
    assert record["claims"][0]["values"] == {"a": 2.0, "b": 1.0}
    assert C.checked() == []


def test_rules_beat_a_model_only_beyond_the_tie_rule():
    said = RE.rules_against_cf(0.2001, 0.5, "EASE", 0.2)
    assert "beat" not in said and "about as well as" in said
    wrong = Claim("recommend.rules_cf_text", "nDCG@K", "beats", "rules", {"rules": 0.2001, "EASE": 0.2}, "EASE",
                  RE.SAME_NDCG_RULE)  # fmt: skip
    with pytest.raises(ClaimError, match="recommend.rules_cf_text"):
        wrong.check()



def test_the_audit_of_a_run_finds_unclaimed_and_failed_findings(tmp_path):
    from tests.claims_audit import audit

    Claim("concepts.best_month_sentence", "revenue", "best", "May", {"May": 2.0, "June": 1.0}).say()
    C.write("concepts", tmp_path)
    glued = {"best_month_sentence": "the best full month was May", "n_days": "30",
             "grid": "the best one may lie above the grid"}  # fmt: skip
    assert audit(tmp_path, "concepts", glued)["checked"] == 1
    with pytest.raises(AssertionError, match="rest on no claim: weekday_sentence"):
        audit(tmp_path, "concepts", {**glued, "weekday_sentence": "Mondays rank best"})
    with pytest.raises(ClaimError):
        Claim("concepts.best_month_sentence", "revenue", "best", "June", {"May": 2.0, "June": 1.0}).check()
    C.write("concepts", tmp_path)
    with pytest.raises(AssertionError, match="failed their check"):
        audit(tmp_path, "concepts", glued)


# ----------------------------------------------------------------------------- the last plain strings, now claims


def _findings(name: str) -> list[dict]:
    return [c for c in C.checked() if c["finding"] == name]


def test_the_deliverables_policy_rests_on_its_scores_each_way():
    new_wins = RE.policy("EASE", 0.10, {0: 0.30, 3: 0.295, -1: 0.20}, 0, 10, False)
    assert "new to each customer" in new_wins
    said = _findings("recommend.policy_finding")
    assert {c["relation"] for c in said} == {"below", "ties"} and all(c["passed"] for c in said)
    C.clear()
    reorders = RE.policy("EASE", 0.40, {0: 0.20, 3: 0.35, -1: 0.30}, 3, 10, False)
    assert "re-orders first" in reorders
    assert {c["relation"] for c in _findings("recommend.policy_finding")} == {"best", "beats"}
    # a deliverable that puts re-orders first on numbers where they do not beat new products: a bug, stopped
    with pytest.raises(ClaimError, match="recommend.policy_finding"):
        RE.policy("EASE", 0.40, {0: 0.30, 3: 0.301, -1: 0.20}, 3, 10, False)
    with pytest.raises(ClaimError, match="recommend.policy_finding"):  # not even the best policy
        RE.policy("EASE", 0.40, {0: 0.20, 3: 0.30, -1: 0.35}, 3, 10, False)


def test_the_tie_rule_of_the_policy_claims_is_beyond_tie_at_its_edge():
    # buy again exactly SAME_NDCG below new products' score: beyond_tie says "below"; the claim must agree
    new = 0.5
    again = new / (1 + RE.SAME_NDCG) - 1e-9
    RE.policy("EASE", again, {0: new, 3: new}, 0, 10, False)
    assert all(c["passed"] for c in _findings("recommend.policy_finding"))


def test_aic_and_error_picks_are_checked_on_the_forms_numbers():
    mases, aics = {"A,N,N": 1.00, "A,A,N": 1.01, "M,N,M": 1.20}, {"A,N,N": 510.0, "A,A,N": 500.0, "M,N,M": 520.0}
    text = FO.aic_vs_error("A,A,N", "A,N,N", FO.tied(mases), 3, mases, aics)
    assert "AIC picks A,A,N" in text and "tie" in text
    assert {c["relation"] for c in _findings("forecast.aic_finding")} == {"best", "ties"}
    with pytest.raises(ClaimError, match="forecast.aic_finding"):  # AIC's pick is not the lowest AIC
        FO.aic_vs_error("M,N,M", "A,N,N", (), 3, mases, aics)
    with pytest.raises(ClaimError, match="forecast.aic_finding"):  # a "tie" beyond the tie rule
        FO.aic_vs_error("A,A,N", "A,N,N", ("M,N,M",), 3, mases, aics)


def test_fixed_forms_and_the_rankings_best_each_way():
    ranking = {"calendar regression": 0.80, "ETS": 0.95, "seasonal naive": 1.10}
    text = FO.fixed_forms("A,N,A", 0.90, 0.95, "calendar regression", 0.80, ranking)
    assert "lower than the AIC-picked ETS" in text and "higher than calendar regression" in text
    assert {c["relation"] for c in _findings("forecast.fixed_finding")} == {"best", "below", "above"}
    C.clear()
    FO.fixed_forms("A,N,A", 0.951, 0.95, "calendar regression", 0.80, ranking)
    assert "ties" in {c["relation"] for c in _findings("forecast.fixed_finding")}
    with pytest.raises(ClaimError, match="forecast.fixed_finding"):  # "the best model of the ranking" is not
        FO.fixed_forms("A,N,A", 0.90, 0.95, "ETS", 0.95, ranking)


@pytest.mark.parametrize(("ratio", "relation"), [(1.5, "above"), (1.01, "within"), (0.5, "below")])
def test_errors_growing_with_the_horizon_each_way(ratio, relation):
    FO.horizon_growth(ratio)
    assert [c["relation"] for c in _findings("forecast.ex4_3_sentence")] == [relation]


@pytest.mark.parametrize(("mase", "relation"), [(1.02, "ties"), (1.5, "above"), (0.6, "below"), (0.0, "below")])
def test_the_seasonal_naive_at_the_last_origin_each_way(mase, relation):
    FO.naive_at_last_origin(mase)
    assert [c["relation"] for c in _findings("forecast.ex4_2_sentence")] == [relation]
