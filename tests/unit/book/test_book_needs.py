"""Minimum data per chapter: checked before execution, with a fix that works when followed."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import DataError
from analysis.chapters import check_needs, facts_from, get_chapter
from analysis.chapters._base import Facts
from analysis.chapters.clustering.params import ClusteringParams
from analysis.chapters.concepts.params import ConceptsParams

START = pd.Timestamp("2024-01-01 10:00")


def log(purchases: list[tuple[str, int]]) -> pd.DataFrame:
    """A canonical table: one line per (customer, day offset)."""
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(purchases))],
            "customer_id": [c for c, _ in purchases],
            "product_id": "p",
            "quantity": 1,
            "unit_price": 5.0,
            "timestamp": [START + pd.Timedelta(days=d) for _, d in purchases],
        }
    )


def facts(table):
    return facts_from(SimpleNamespace(source="orders.csv"), table)


def refused(chapter, params, table) -> DataError:
    with pytest.raises(DataError) as info:
        check_needs(chapter, params, facts(table))
    return info.value


def repeaters(n: int, *, second_day: int = 1, last_day: int = 9) -> list[tuple[str, int]]:
    rows = [(f"c{i}", 0) for i in range(n)] + [(f"c{i}", second_day) for i in range(n)]
    return rows + [("late", last_day)]


def test_facts_are_computed_from_the_table_when_the_report_lacks_them():
    f = facts(log([("a", 0), ("a", 0), ("a", 2), ("b", 5)]))
    assert (f.customers, f.repeat_customers, f.days) == (2, 1, 3)
    assert (f.first_date, f.last_date, f.span_days) == ("2024-01-01", "2024-01-06", 5)


def test_the_report_s_own_counts_are_used_when_present():
    report = SimpleNamespace(source="r", customers=7, repeat_customers=3, days=4, first_date="2024-01-01",
                             last_date="2024-02-01")  # fmt: skip
    f = facts_from(report)
    assert (f.customers, f.repeat_customers, f.days, f.span_days) == (7, 3, 4, 31)
    with pytest.raises(DataError, match="lacks the counts"):
        facts_from(SimpleNamespace(source="r"))


def test_concepts_needs_two_days_and_no_whole_month():
    err = refused("concepts", ConceptsParams(), log([("a", 0), ("b", 0)]))
    assert "1 distinct day" in str(err) and "at least 2" in str(err) and err.parameter == "data" and err.fix
    # no whole month: the chapter runs and says there is no month to compare (tests/data: ten days of Online Retail)
    check_needs("concepts", ConceptsParams(), facts(log([("a", 0), ("b", 5)])))


def test_two_customers_get_a_fix_that_is_not_a_parameter_that_fails_again():
    err = refused("clustering", ClusteringParams(), log([("a", 0), ("a", 3), ("b", 5)]))
    text = str(err)
    assert "repeat customers" in text and "at least 10" in text
    assert "k <=" not in text and "k_range" not in text and "more customers" in err.fix


def test_one_timestamp_is_refused_before_anything_else():
    err = refused("clustering", ClusteringParams(), log([("a", 0), ("b", 0)]))
    assert "1 calendar day " in str(err) and err.parameter == "data"
    assert "parameter: data" in str(err) and "column:" not in str(err)


def test_k_range_above_the_customers_gets_a_working_k_range():
    table = log(repeaters(11))  # 12 customers
    params = ClusteringParams(k_range=list(range(2, 21)), dbscan_min_samples=15)
    err = refused("clustering", params, table)
    assert "12 customers" in str(err) and "k_range = 20" in str(err) and "dbscan_min_samples = 15" in str(err)
    proposed = re.search(r"k_range: (\[[\d, ]+\])", err.fix).group(1)
    samples = int(re.search(r"dbscan_min_samples: (\d+)", err.fix).group(1))
    fixed = params.model_copy(update={"k_range": eval(proposed), "dbscan_min_samples": samples})
    check_needs("clustering", fixed, facts(table))  # following the fix works


def test_calibration_end_outside_the_data_is_refused_with_its_range():
    table = log(repeaters(12))
    err = refused("clustering", ClusteringParams(calibration_end="2099-01-01"), table)
    text = str(err)
    assert "calibration_end = 2099-01-01" in text and "2024-01-01" in text and "2024-01-10" in text
    assert err.parameter == "calibration_end"
    err = refused("clustering", ClusteringParams(calibration_end="2024-01-01"), table)  # the first day: not inside
    assert "strictly inside" in str(err)
    check_needs("clustering", ClusteringParams(calibration_end="2024-01-05"), facts(table))


def test_too_few_repeaters_before_the_calibration_end_proposes_a_date_that_works():
    table = log(repeaters(12, second_day=8, last_day=9))  # they come back only after the default end (day 6)
    err = refused("clustering", ClusteringParams(), table)
    assert "only 0 customers had bought again" in str(err)
    day = re.search(r"calibration_end to (\d{4}-\d\d-\d\d)", err.fix).group(1)
    check_needs("clustering", ClusteringParams(calibration_end=day), facts(table))


def test_needs_of_each_chapter_are_worded_for_the_reader():
    for name in ("concepts", "clustering"):
        chapter = get_chapter(name)
        assert chapter.needs and all(n.text and n.text[0].islower() for n in chapter.needs)


# --------------------------------------------------------------------------- property: the fix works


def _follow(fix: str, params: ClusteringParams) -> ClusteringParams:
    """Apply the 'set name: value' parts of a fix."""
    update = {}
    if m := re.search(r"k_range: (\[[\d, ]+\])", fix):
        update["k_range"] = eval(m.group(1))
    if m := re.search(r"k: 0 \(choose\)", fix):
        update["k"] = 0
    if m := re.search(r"dbscan_min_samples: (\d+)", fix):
        update["dbscan_min_samples"] = int(m.group(1))
    return params.model_copy(update=update)


@settings(max_examples=200, deadline=None)
@given(
    customers=st.integers(10, 60),
    top=st.integers(2, 51),  # k_range takes at most 50 values
    k=st.one_of(st.just(0), st.integers(2, 80)),
    samples=st.integers(2, 80),
)
def test_following_the_clusters_fix_always_works(customers, top, k, samples):
    facts = Facts(source="log", customers=customers, repeat_customers=customers, days=30,
                  first_date="2024-01-01", last_date="2024-03-01")  # fmt: skip
    params = ClusteringParams(k_range=list(range(2, top + 1)), k=k, dbscan_min_samples=samples)
    try:
        check_needs("clustering", params, facts)
    except DataError as err:
        check_needs("clustering", _follow(err.fix, params), facts)


@settings(max_examples=40, deadline=None)
@given(days=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=3), min_size=12, max_size=30))
def test_following_the_calibration_fix_always_works(days):
    table = log([(f"c{i}", d) for i, visits in enumerate(days) for d in visits])
    try:
        check_needs("clustering", ClusteringParams(), facts(table))
    except DataError as err:
        day = re.search(r"calibration_end to (\d{4}-\d\d-\d\d)", err.fix or "")
        if day is None:  # the fix is more data: nothing in the parameters can help
            assert "use a file with" in err.fix
            return
        check_needs("clustering", ClusteringParams(calibration_end=day.group(1)), facts(table))


def test_counts_in_the_needs_are_singular_or_plural():
    from analysis.chapters import CHAPTERS
    from analysis.chapters._base import at_least_customers, at_least_days, at_least_repeaters, at_least_span, many

    assert [many(n, "customer") for n in (0, 1, 2000)] == ["0 customers", "1 customer", "2,000 customers"]
    assert [n.text for n in (at_least_customers(1), at_least_days(1), at_least_span(1))] == [
        "at least 1 customer", "sales on at least 1 day", "at least 1 calendar day from the first sale to the last",
    ]  # fmt: skip
    assert at_least_customers(2).text == "at least 2 customers"
    assert at_least_days(2).text == "sales on at least 2 different days"
    assert all("(s)" not in n.text for c in CHAPTERS for n in c.needs)
    one = facts(log([("a", 0)]))
    miss = at_least_customers(2).check(ConceptsParams(), one)
    assert miss.problem == "The data hold 1 customer; this chapter needs at least 2."
    assert miss.fix.startswith("use a file with at least 2 customers")
    miss = at_least_repeaters(10).check(ClusteringParams(), one)
    assert miss.problem.startswith("0 of 1 customer bought on two different days")
    assert "at least 10 such repeat customers" in miss.problem
