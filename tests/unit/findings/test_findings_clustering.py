"""Worded findings of the Clustering chapter: each function on inputs where the finding goes each way."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.chapters.clustering import findings as F


def k_table(stability_at_4: float = 0.95, smallest_at_4: float = 0.1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": [2, 3, 4, 5],
            "inertia": [100.0, 70.0, 40.0, 35.0],
            "silhouette": [0.40, 0.33, 0.30, 0.28],
            "smallest_share": [0.3, 0.2, smallest_at_4, 0.08],
            "stability": [0.99, 0.97, stability_at_4, 0.9],
        }
    )


def test_k_choice_elbow_nearest_fallback_and_forced() -> None:
    text = F.k_choice(k_table(), 4, "elbow", 2, 4, 0.05, 0.8)
    assert "uses k = 4, the elbow" in text and "10.0%" in text and "0.95" in text
    text = F.k_choice(k_table(stability_at_4=0.6), 3, "nearest usable", 2, 4, 0.05, 0.8)
    assert "fails the checks" in text and "ARI 0.6" in text and "k = 3" in text
    assert "smallest segment would hold" not in text
    text = F.k_choice(k_table(smallest_at_4=0.01), 3, "nearest usable", 2, 4, 0.05, 0.8)
    assert "smallest segment would hold only 1.0%" in text
    text = F.k_choice(k_table(), 2, "none usable", 2, 4, 0.05, 0.8)
    assert "no k passes" in text and "k = 2" in text and "rough split" in text
    assert "used as given" in F.k_choice(k_table(), 5, "elbow", 2, 4, 0.05, 0.8, forced=True)


def test_silhouette_shape_at_the_smallest_k_or_not() -> None:
    assert "highest at the smallest k" in F.silhouette_shape(k_table())
    peaked = k_table().assign(silhouette=[0.2, 0.5, 0.3, 0.25])
    assert "peaks at k = 3" in F.silhouette_shape(peaked) and "not at the smallest" in F.silhouette_shape(peaked)


def test_stability_both_ways() -> None:
    assert "do not depend" in F.stability(0.95, 0.9, 5)
    assert "soft" in F.stability(0.85, 0.6, 5)
    assert F.stability(0.95, F.STABLE, 5).endswith("do not depend on the random start.")


def test_dbscan_noise_one_mass_several() -> None:
    assert "mostly too spread out" in F.dbscan(1, 0.7, 500, 500, 0.3)
    assert "mostly too spread out" in F.dbscan(0, 1.0, 500, 500, 0.0)
    one = F.dbscan(1, 0.02, 500, 500, 0.98)
    assert "one dense mass" in one and "98.0%" in one and "On all 500 customers" in one
    several = F.dbscan(2, 0.1, 500, 2000, 0.6, ari=0.41)
    assert "2 dense clusters" in several and "random sample of 500 of the 2,000" in several and "0.41" in several
    assert "one dense mass" not in several and "cut across" in several
    assert "largely follow" in F.dbscan(3, 0.1, 500, 500, 0.5, ari=0.8)


def test_ward_agrees_or_not() -> None:
    assert "much the same" in F.ward(0.8, 100, 100, 3)
    assert "differently" in F.ward(0.3, 100, 100, 3)


def test_rfm_segments_names_the_largest_and_the_empty() -> None:
    table = pd.DataFrame(
        {"customers": [10, 50, 0], "share_customers": [0.1667, 0.8333, 0.0], "share_revenue": [0.6, 0.4, 0.0]},
        index=pd.Index(["champions", "lost", "new"], name="rfm_segment"),
    )
    text = F.rfm_segments(table)
    assert "16.7% of the customers, bring 60.0%" in text and "largest segment is lost (83.3%" in text
    assert "no customer falls in new" in text
    table.loc["champions", "customers"] = 100
    assert "also the largest segment" in F.rfm_segments(table)
    table.loc["champions", ["customers", "share_customers", "share_revenue"]] = [0, 0.0, 0.0]
    none = F.rfm_segments(table)
    assert none.startswith("No customer scores as a champion") and "largest segment is lost" in none
    assert none.count("champion") == 1


def test_tiers_concentrated_moderate_even_on_the_books_one_scale() -> None:
    from analysis.chapters.concepts import findings as C

    assert "concentrated in a minority" in F.tiers(0.18, 0.80, 0.8, top20=0.75)
    assert "moderately" in F.tiers(0.35, 0.80, 0.8, top20=0.5)
    text = F.tiers(0.6, 0.81, 0.8, top20=0.3)
    assert "spread fairly evenly" in text and "concentrated" not in text and "60.0%" in text
    for top20 in (0.75, 0.5, 0.3):  # chapter 1 words the same customers the same way
        verdict = C.concentration(top20, 0.2, 1000).split(": ", 1)[1]
        assert F.tiers(0.3, 0.8, 0.8, top20=top20).endswith(verdict)
    assert F.tiers(0.3, 0.8, 0.8, "orders", 0.7).endswith("orders are concentrated in a minority of customers.")


def test_dropout_no_dropout_and_normal() -> None:
    degenerate = F.dropout(2.2e-10, 10.0, True)
    assert "cannot tell lost customers from quiet ones" in degenerate and "2.2 × 10⁻¹¹" in degenerate
    text = F.dropout(0.2, 9.8, False)
    assert "0.02" in text and "one customer in 50" in text


def test_spend_independence_holds_weak_fails_undefined() -> None:
    assert "holds" in F.spend_independence(0.05, 100) and "fails" not in F.spend_independence(0.05, 100)
    assert "weak link" in F.spend_independence(0.2, 100)
    fails = F.spend_independence(0.45, 100)
    assert "fails" in fails and "spend more" in fails and "understates" in fails
    negative = F.spend_independence(-0.45, 100)
    assert "spend less" in negative and "overstates" in negative
    assert "undefined" in F.spend_independence(math.nan, 100)


def test_spend_boundary_degenerate_or_inside() -> None:
    text = F.spend_boundary(True, 1000.0, 1.09, 0.0305)
    assert "degenerate" in text and "1,000" in text and "0.0305" in text and "0.0000" not in text
    inside = F.spend_boundary(False, 6.25, 3.74, 15.44, "USD")
    assert "inside" in inside and "40%" in inside and "$" in inside and "degenerate" not in inside


def test_holdout_close_under_over_undefined() -> None:
    assert "close" in F.holdout(0.02, 1000, 1020, 180)
    under = F.holdout(-0.175, 1000, 825, 180)
    assert "under-predicts by 17.5%" in under and "too low" in under and "180 days" in under
    over = F.holdout(0.12, 1000, 1120, 180)
    assert "over-predicts by 12.0%" in over and "too high" in over
    assert "undefined" in F.holdout(math.nan, 0, 3, 180)


def test_excluded_from_clv_counts_or_says_all() -> None:
    assert F.excluded_from_clv(800, 800, "2024-12-31") == "All 800 customers are valued."
    text = F.excluded_from_clv(1573, 1572, "2011-12-09")
    assert "1,572 of the 1,573 customers" in text and "1 customer whose first purchase" in text and "2011-12-09" in text
    assert "has no time" in text and "is left out" in text
    assert "have no time" in F.excluded_from_clv(1573, 1570, "2011-12-09")


def test_alive_by_segment_high_low_middle_empty() -> None:
    high = F.alive_by_segment("lost", 0.97, 300, 0.9, 0.6)
    assert "0.97" in high and "P(alive) = 1" in high and "90.0%" in high and "R score" in high
    assert "agrees" in F.alive_by_segment("lost", 0.2, 300, 0.1, 0.15)
    assert "undecided" in F.alive_by_segment("at risk", 0.5, 30, 0.3, 0.4)
    flat = F.alive_by_segment("at risk", 0.995, 260, 0.008, 0.995, no_dropout=True)
    assert "no dropout" in flat and "P(alive) = 1" not in flat and "R score" in flat
    quiet = F.alive_by_segment("at risk", 0.9, 50, 0.1, 0.9)
    assert "own purchase rhythm" in quiet and "not as gone" in quiet and "one day only" not in quiet
    assert "No customer" in F.alive_by_segment("lost", math.nan, 0, math.nan, math.nan)


def test_win_back_rests_on_the_measure_that_holds() -> None:
    nothing = F.win_back(True, 500, 37)
    assert "singles out nobody" in nothing and "own rhythm" in nothing and "below one half" not in nothing
    assert "37 of the 500 repeat buyers have been silent for more than 3" in nothing
    assert "singles anybody out" in F.win_back(False, 0, 0)
    holds = F.win_back(False, 400, 50, model_holds=True, holdout_error=0.02)
    assert "passes its holdout check" in holds and "50 of the 400 customers" in holds and "P(alive) below one half" in holds
    fails = F.win_back(False, 400, 120, model_holds=False, holdout_error=-0.2)
    assert "misses its holdout by −20.0%" in fails and "not rest on its P(alive)" in fails and "120 of the 400" in fails


def test_the_holdout_cause_is_named_each_way() -> None:
    assert F.holdout_cause(0.02, -0.3, 0.5) == ""  # within the rule: nothing to explain
    misfit = F.holdout_cause(-0.2, -0.15, float("nan"))
    assert "off by −15.0%, the same way" in misfit and "cannot be checked" in misfit and "misfit" in misfit
    season = F.holdout_cause(-0.2, 0.01, 0.3)
    assert "30.0% busier" in season and "likelier cause is the season" in season
    assert "likelier cause is the model's misfit" in F.holdout_cause(-0.2, -0.4, 0.1)
    assert "the customers changed" in F.holdout_cause(0.2, -0.1, 0.2)  # neither goes the holdout's way


def test_lost_value_reconciles_the_label_with_the_model() -> None:
    above = F.lost_value("€9,000", "€5,000", True, 752)
    assert "752 customers RFM calls lost carry €9,000" in above and "does not see them as lost" in above
    assert "expects little of them" in F.lost_value("€900", "€5,000", False, 752)
    assert F.lost_value("€0", "€0", False, 0) == ""


def test_exercise_findings_follow_their_numbers() -> None:
    assert "lumps most of the rest" in F.largest_without_log(0.4, 0.9)
    assert "about right" in F.top_frequency_group(7, 10.0, 10.2)
    assert "over-predicts the heaviest buyers by 20%" in F.top_frequency_group(7, 10.0, 12.0).replace("20.0%", "20%")
    assert "under-predicts" in F.top_frequency_group(7, 10.0, 8.0)
    assert "nobody in the group bought" in F.top_frequency_group(7, 0.0, 1.5)
    assert "list is empty" in F.call_first(0)
    assert "lists the 3 with" in F.call_first(3) and "the ten" in F.call_first(40)


@pytest.mark.parametrize("name", F.SUMMARY)  # fmt: skip
def test_summary_names_are_findings_of_the_chapter(name: str) -> None:
    assert name.endswith("_finding")


def test_cohort_whole_base_or_later_customers_left_out() -> None:
    assert "whole customer base" in F.cohort(500, 500, "2024-05-01")
    text = F.cohort(3191, 4338, "2011-08-06")
    assert "3,191 of the 4,338 customers" in text and "other 1,147 first bought later" in text


def test_skew_drops_or_not() -> None:
    assert F.skew(19.3, 0.39) == "The skewness of monetary value drops from 19.3 to 0.39."
    assert "does not drop" in F.skew(0.2, -0.5)


def test_rhythm_late_or_not_or_no_repeat_buyers() -> None:
    late = F.rhythm("lost", 120, 0.8)
    assert "120 repeat buyers" in late and "80.0%" in late and "gone quiet" in late
    early = F.rhythm("at risk", 40, 0.2)
    assert "not late yet" in early and "gone quiet" not in early
    assert "none has a rhythm" in F.rhythm("lost", 0, 0.0)


def test_dropout_reports_a_bgnbd_fit_on_the_boundary_and_not_otherwise():
    on_edge = F.dropout(7614.0, 10000.0, no_dropout=False, at_boundary=True)
    inside = F.dropout(0.79, 2.43, no_dropout=False, at_boundary=False)
    assert "degenerate" in on_edge and "bounded box" in on_edge and "0.432" in on_edge
    assert "degenerate" not in inside and "0.245" in inside


def test_largest_without_log_says_lumps_only_for_a_clear_majority() -> None:
    # Online Retail: 38.8% without the log against 30.0% with it: larger, but not most of the customers
    larger = F.largest_without_log(0.300, 0.388)
    assert "lumps" not in larger and "8.8 percentage points" in larger and "not a majority" in larger
    # CDNOW: 35.7% against 32.7%: within CLEARLY, about the same
    same = F.largest_without_log(0.327, 0.357)
    assert "about the same size" in same and "lumps" not in same and "larger by" not in same
    majority = F.largest_without_log(0.30, F.MOST + F.CLEARLY)
    assert "lumps most of the rest" in majority
    # a majority already with the log is not "lumped" by dropping it
    assert "lumps" not in F.largest_without_log(F.MOST, F.MOST + F.CLEARLY / 2)
    assert "smaller without the log" in F.largest_without_log(0.5, 0.5 - 2 * F.CLEARLY)


def test_rhythm_says_every_one_only_when_all_are_late() -> None:
    every = F.rhythm("lost", 12, 1.0)
    assert "100.0%" in every and "every one of them" in every and "most of them" not in every
    nearly = F.rhythm("lost", 5000, 0.9996)
    assert "100.0%" in nearly and "all but a handful" in nearly
    assert "most of them have gone quiet" in F.rhythm("lost", 12, 0.75)


def test_dropout_forecasts_hold_only_within_the_accurate_threshold() -> None:
    close = F.dropout(3.72e-7, 1e4, True, True, {"b": 1e4}, holdout_error=F.ACCURATE / 2)
    assert "its P(alive) is no guide here" in close and "forecasts still hold" in close
    off = F.dropout(3.72e-7, 1e4, True, True, {"b": 1e4}, holdout_error=-0.175)
    assert "still hold" not in off and "miss the holdout by −17.5%" in off.replace("-17.5%", "−17.5%")
    unchecked = F.dropout(3.72e-7, 1e4, True)
    assert "still hold" not in unchecked and "checked against the holdout" in unchecked
    edge = F.dropout(7614.0, 1e4, False, True, {"b": 1e4}, holdout_error=0.3)
    assert "still hold" not in edge and "miss the holdout" in edge


def test_dropout_names_the_parameters_on_the_box() -> None:
    text = F.dropout(3.72e-7, 1e4, True, True, {"b": 1e4})
    assert "b = 10,000 sits on the edge of the box" in text and "set by the box" in text
    two = F.dropout(7614.0, 1e4, False, True, {"a": 1e4, "b": 1e4})
    assert "a = 10,000 and b = 10,000 sit on the edge" in two
    assert "edge of the box" not in F.dropout(3.72e-7, 0.5, True, False, {})


def test_dbscan_clusters_that_split_on_one_value_are_called_an_artefact() -> None:
    import numpy as np
    import pandas as pd

    from analysis.chapters.clustering.steps import split_on_one_value

    raw = pd.DataFrame({"recency": [5, 80, 12, 40, 7, 300], "frequency": [1, 1, 1, 3, 5, 2]})
    one_order = np.array([0, 0, 0, 1, 1, 1])
    assert split_on_one_value(one_order, raw) == "frequency = 1"
    assert split_on_one_value(np.array([0, 1, 0, 1, 0, 1]), raw) == ""  # cuts across every value
    assert split_on_one_value(np.zeros(6, int), raw) == ""  # one cluster: nothing split
    text = F.dbscan(2, 0.01, 500, 500, 0.6, 0.1, "frequency = 1")
    assert "split exactly on frequency = 1" in text and "not groups of customers" in text and "separate" not in text
    assert "separate dense groups" in F.dbscan(2, 0.01, 500, 500, 0.6, 0.1)


def test_censored_customers_in_the_calibration_cohort_each_way() -> None:
    text = F.censored_in_cohort(885, 2900, 30)
    assert text.startswith("885 of the 2,900 customers of the cohort (30.5%) were first seen in the log's first 30 days")
    assert "look younger than they are" in text and "never calls them new" in text
    assert F.censored_in_cohort(0, 2900, 30) == "" and F.censored_in_cohort(885, 2900, 0) == ""
