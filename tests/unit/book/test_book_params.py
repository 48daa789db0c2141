"""Chapter parameters: one model per chapter, every refusal in the user's words, before anything runs."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import DataError
from analysis.book.runner import resolve_parameters
from analysis.chapters import CHAPTERS, chapter_params, select
from analysis.chapters._base import non_default
from analysis.data.refusals import check_params
from analysis.chapters.clustering.params import ClusteringParams
from analysis.chapters.concepts.params import ConceptsParams
from analysis.data.params import DataParams

PYDANTIC_WORDS = ("Input should", "validation error", "pydantic", "type=", "For further information", "errors.pydantic")
INTERNAL = ("observation_end", "fit_kmeans", "fit_models", "model_fields", "ValidationError")


def refusal(chapter: str, **values) -> str:
    with pytest.raises(DataError) as info:
        chapter_params(chapter, values)
    text = str(info.value)
    for words in PYDANTIC_WORDS + INTERNAL:
        assert words not in text, text
    return text


def params_file(tmp_path, text):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return str(path)


def test_every_chapter_model_extends_the_data_parameters():
    for ch in CHAPTERS:
        assert issubclass(ch.params, DataParams)
        assert set(DataParams.model_fields) <= set(ch.params.model_fields)
        ch.params()  # the defaults are valid


# name, value, words the message must hold (the allowed range, in words)
CASES = [
    ("concepts", "max_cohorts", 0, ">= 1 and <= 120"),
    ("concepts", "max_cohorts", 121, ">= 1 and <= 120"),
    ("concepts", "max_months", "12", "a whole number"),
    ("concepts", "max_months", True, "a whole number"),
    ("concepts", "max_months", 2.5, "a whole number"),
    ("clustering", "k", -3, "0 (choose from k_range) or a whole number from 2 to 1000"),
    ("clustering", "k", 1, "one segment is no segmentation"),
    ("clustering", "k_range", [1, 2, 3], "at least 2 clusters"),
    ("clustering", "k_range", [4, 3, 5], "strictly increasing"),
    ("clustering", "k_range", [], "the list is empty"),
    ("clustering", "k_range", [2, "x", 4], "a list of whole numbers"),
    ("clustering", "dbscan_min_samples", 1, ">= 2"),
    ("clustering", "min_segment_share", 0.6, ">= 0 and <= 0.5"),
    ("clustering", "min_stability", 1.5, ">= 0 and <= 1"),
    ("clustering", "max_points_density", 99, ">= 100"),
    ("clustering", "tier_cuts", [0.99, 0.5], "strictly increasing"),
    ("clustering", "tier_cuts", [0.5], "must hold 2 shares"),
    ("clustering", "tier_cuts", [0.0, 0.5], "(0, 1)"),
    ("clustering", "stability_runs", 1, ">= 2"),
    ("clustering", "calibration_end", "the end of may", "a date YYYY-MM-DD"),
    ("clustering", "calibration_end", "11/06/2011", "a date YYYY-MM-DD"),
    ("clustering", "calibration_end", "2011-13-45", "not a day of the calendar"),
    ("clustering", "calibration_end", "2011-06-30T10:00", "a date YYYY-MM-DD"),
    ("concepts", "min_date", "31/12/2010", "a date YYYY-MM-DD"),
    ("clustering", "max_date", "2011-02-30", "not a day of the calendar"),
    ("clustering", "horizon_days", 0, ">= 1 and <= 3650"),
    ("clustering", "horizon_days", 3651, ">= 1 and <= 3650"),
    ("clustering", "discount_rate", 1.0, ">= 0 and < 1"),
    ("clustering", "discount_rate", -0.1, ">= 0 and < 1"),
    ("clustering", "discount_rate", "high", "a number"),
    ("clustering", "shop_customers", 10, "from 50 to"),
    ("concepts", "seed", -1, ">= 0"),
]


@pytest.mark.parametrize(("chapter", "name", "value", "words"), CASES)
def test_each_refusal_names_parameter_value_allowed_and_fix(chapter, name, value, words):
    text = refusal(chapter, **{name: value})
    assert f"Parameter {name}" in text and repr(value) in text, text
    assert words in text, text
    assert "allowed:" in text and "fix:" in text and name in text.split("fix:")[1], text
    assert f"chapter {chapter}" in text and f"parameter: {name}" in text and "column:" not in text


def test_unknown_names_are_refused_by_the_runner_with_a_suggestion(tmp_path):
    with pytest.raises(DataError) as info:
        resolve_parameters(select("concepts"), None, params_file(tmp_path, "shop_customer: 10\n"))
    text = str(info.value)
    assert "Unknown parameter: shop_customer (no chapter takes this name)" in text
    assert "did you mean shop_customers" in text and "parameter: shop_customer" in text


def test_a_notebook_passes_all_its_globals():
    ns = {"k": 4, "seed": 3, "np": object(), "__name__": "__main__", "max_cohorts": 99}
    p = chapter_params("clustering", ns)
    assert isinstance(p, ClusteringParams) and (p.k, p.seed) == (4, 3)
    assert chapter_params("concepts", ns).max_cohorts == 99
    assert chapter_params("clustering", p) is p  # checked parameters pass through


def test_defaults_of_each_chapter():
    # the built-in shop is the same in every chapter: its size is the data parameters' default, not overridden
    assert ConceptsParams().shop_customers == ClusteringParams().shop_customers == DataParams().shop_customers
    assert all("shop_customers" not in c.params.__annotations__ for c in CHAPTERS)
    assert ClusteringParams().k_range == [2, 3, 4, 5, 6, 7, 8] and ClusteringParams().tier_cuts == [0.8, 0.95]
    assert non_default(ClusteringParams(k=4, seed=0)) == {"k": 4}


def test_yaml_dates_tuples_and_paths_become_plain_values(tmp_path):
    p = check_params(ClusteringParams, "clustering",
                     {"calibration_end": datetime.date(2024, 5, 1), "k_range": (2, 3), "data": tmp_path})  # fmt: skip
    assert p.calibration_end == "2024-05-01" and p.k_range == [2, 3] and p.data == str(tmp_path)
    out = resolve_parameters(select("clustering"), None, params_file(tmp_path, "calibration_end: 2024-05-01\n"))
    params, inject = out["clustering"]
    assert params.calibration_end == "2024-05-01" and inject == {"calibration_end": "2024-05-01"}


def test_per_chapter_sections_flat_names_and_data(tmp_path):
    path = params_file(tmp_path, "seed: 3\ndrop_duplicates: true\nclustering:\n  k: 4\n")
    out = resolve_parameters(list(CHAPTERS), "orders.csv", path)
    assert out["concepts"][1] == {"seed": 3, "drop_duplicates": True, "data": str((tmp_path / "x").parent.cwd() / "orders.csv")}
    assert out["clustering"][1]["k"] == 4 and out["clustering"][0].drop_duplicates is True
    with pytest.raises(DataError, match="Unknown parameter"):
        resolve_parameters(list(CHAPTERS), None, params_file(tmp_path, "clustering:\n  kk: 4\n"))
    with pytest.raises(DataError, match="Parameter discount_rate = 'high'"):
        resolve_parameters(list(CHAPTERS), None, params_file(tmp_path, "discount_rate: high\n"))


def test_data_on_the_command_line_wins_over_the_file(tmp_path):
    path = params_file(tmp_path, "data: cdnow\nclustering:\n  data: cdnow\n")
    out = resolve_parameters(list(CHAPTERS), "shop", path)
    assert out["concepts"][0].data == out["clustering"][0].data == "shop"
    assert resolve_parameters(list(CHAPTERS), None, path)["clustering"][0].data == "cdnow"


def test_a_chapter_only_parameter_in_a_flat_file_goes_to_that_chapter(tmp_path):
    out = resolve_parameters(list(CHAPTERS), None, params_file(tmp_path, "k: 4\nmax_cohorts: 6\n"))
    assert out["clustering"][1] == {"k": 4} and out["concepts"][1] == {"max_cohorts": 6}



def test_a_name_some_chapter_takes_is_accepted_when_only_another_chapter_runs(tmp_path):
    # the README: a top-level name goes to every chapter that takes it, whichever chapters run
    out = resolve_parameters(select("clustering"), None, params_file(tmp_path, "max_cohorts: 6\nk: 4\n"))
    assert out["clustering"][1] == {"k": 4} and not hasattr(out["clustering"][0], "max_cohorts")
    out = resolve_parameters(select("concepts"), None, params_file(tmp_path, "k: 4\n"))
    assert out["concepts"][1] == {} and out["concepts"][0] == ConceptsParams()
    with pytest.raises(DataError) as info:  # a name no chapter takes is a typo
        resolve_parameters(select("clustering"), None, params_file(tmp_path, "max_cohort: 6\nkk: 3\n"))
    text = str(info.value)
    assert "Unknown parameters: kk, max_cohort (no chapter takes these names)" in text
    assert "did you mean k, max_cohorts?" in text and "of concepts: max_cohorts, max_months" in text


def test_a_chapter_section_names_its_chapter_once_and_points_to_the_right_one(tmp_path):
    with pytest.raises(DataError) as info:
        resolve_parameters(select("clustering"), None, params_file(tmp_path, "clustering:\n  max_cohorts: 6\n"))
    text = str(info.value)
    assert text.startswith("Unknown parameter: chapter clustering has no parameter max_cohorts.")
    assert text.count("chapter clustering") == 2  # the problem, and the list of its parameters in the fix
    assert "max_cohorts is a parameter of concepts" in text and "parameter: max_cohorts" in text
    with pytest.raises(DataError, match="did you mean k_range"):
        resolve_parameters(select("clustering"), None, params_file(tmp_path, "clustering:\n  k_rang: [2, 3]\n"))


@pytest.mark.parametrize("text", ["calibration_end: 2011-13-45\n", "calibration_end: '11/06/2011'\n",
                                  "calibration_end: 11/06/2011\n", "min_date: 2011-02-30\n"])  # fmt: skip
def test_a_bad_date_in_the_file_is_refused_by_name(tmp_path, text):
    name, value = (part.strip().strip("'") for part in text.split(":", 1))
    with pytest.raises(DataError) as info:
        resolve_parameters(list(CHAPTERS), None, params_file(tmp_path, text))
    err = info.value
    assert err.parameter == name and repr(value) in str(err) and "a date YYYY-MM-DD" in str(err), str(err)
    assert f"fix:    set {name} to a date YYYY-MM-DD" in str(err)


def test_dates_are_iso_days_whether_yaml_dates_or_text(tmp_path):
    text = "min_date: 2010-12-01\nclustering:\n  calibration_end: ' 2011-06-30 '\n"
    out = resolve_parameters(list(CHAPTERS), None, params_file(tmp_path, text))
    assert out["clustering"][0].calibration_end == "2011-06-30" and out["concepts"][0].min_date == "2010-12-01"
    yaml_date = chapter_params("clustering", {"calibration_end": datetime.date(2011, 6, 30)})
    assert yaml_date.calibration_end == "2011-06-30"
    assert chapter_params("clustering", {"calibration_end": ""}).calibration_end == ""


def test_bad_parameters_files(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        resolve_parameters(select("concepts"), None, str(tmp_path / "none.yaml"))
    with pytest.raises(DataError, match="not valid YAML"):
        resolve_parameters(select("concepts"), None, params_file(tmp_path, "a: [1,\n"))
    with pytest.raises(DataError, match="mapping of name: value"):
        resolve_parameters(select("concepts"), None, params_file(tmp_path, "- 1\n- 2\n"))


def test_a_rule_across_parameters_is_worded_too():
    from pydantic import model_validator

    class Strict(ConceptsParams):
        @model_validator(mode="after")
        def _months(self):
            if self.max_months < self.max_cohorts:
                raise ValueError("max_months must be at least max_cohorts")
            return self

    with pytest.raises(DataError) as info:
        check_params(Strict, "concepts", {"max_cohorts": 12, "max_months": 3})
    assert "max_months must be at least max_cohorts" in str(info.value) and "Value error" not in str(info.value)


def test_several_errors_are_reported_together():
    text = refusal("clustering", k=-3, horizon_days=0)
    assert "Parameter k = -3" in text and "horizon_days = 0" in text and "And 1 more" in text


# --------------------------------------------------------------------------- property


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10_000, 10_000), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.dates().map(lambda d: d),
    st.lists(st.one_of(st.integers(-5, 20), st.floats(-1, 2), st.text(max_size=3)), max_size=6),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=8), st.integers()), max_size=3),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chapter=st.sampled_from([c.name for c in CHAPTERS]),
    values=st.dictionaries(
        st.sampled_from(sorted(set(ClusteringParams.model_fields) | set(ConceptsParams.model_fields))),
        VALUES, max_size=5,
    ),
)  # fmt: skip
def test_any_parameter_dict_is_accepted_or_refused_in_words(chapter, values):
    try:
        params = chapter_params(chapter, values)
    except DataError as err:
        text = str(err)
        assert "fix:" in text
        for words in PYDANTIC_WORDS:
            assert words not in text, text
    else:
        assert isinstance(params, DataParams)
