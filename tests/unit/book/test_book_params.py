"""Chapter parameters: one model per chapter, every refusal in the user's words, before anything runs."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import DataError
from analysis.book import CHAPTERS, chapter_params, resolve_parameters, select
from analysis.book.params import ClusteringParams, ConceptsParams, check_params, non_default
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
    ("clustering", "k", -3, "0 (choose from k_range) or a whole number >= 2"),
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
    ("clustering", "calibration_end", "the end of may", "not a date"),
    ("clustering", "horizon_days", 0, ">= 1 and <= 3650"),
    ("clustering", "horizon_days", 3651, ">= 1 and <= 3650"),
    ("clustering", "discount_rate", 1.0, ">= 0 and < 1"),
    ("clustering", "discount_rate", -0.1, ">= 0 and < 1"),
    ("clustering", "discount_rate", "high", "a number"),
    ("clustering", "shop_customers", 10, ">= 50"),
    ("concepts", "seed", -1, ">= 0"),
]


@pytest.mark.parametrize(("chapter", "name", "value", "words"), CASES)
def test_each_refusal_names_parameter_value_allowed_and_fix(chapter, name, value, words):
    text = refusal(chapter, **{name: value})
    assert f"Parameter {name}" in text and repr(value) in text, text
    assert words in text, text
    assert "allowed:" in text and "fix:" in text and name in text.split("fix:")[1], text
    assert f"chapter {chapter}" in text


def test_unknown_names_are_refused_by_the_runner_with_a_suggestion(tmp_path):
    with pytest.raises(DataError) as info:
        resolve_parameters(select("concepts"), None, params_file(tmp_path, "shop_customer: 10\n"))
    text = str(info.value)
    assert "Unknown parameter(s): shop_customer" in text and "did you mean shop_customers" in text


def test_a_notebook_passes_all_its_globals():
    ns = {"k": 4, "seed": 3, "np": object(), "__name__": "__main__", "max_cohorts": 99}
    p = chapter_params("clustering", ns)
    assert isinstance(p, ClusteringParams) and (p.k, p.seed) == (4, 3)
    assert chapter_params("concepts", ns).max_cohorts == 99
    assert chapter_params("clustering", p) is p  # checked parameters pass through


def test_defaults_of_each_chapter():
    assert ConceptsParams().shop_customers == 2000 and ClusteringParams().shop_customers == 3000
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
    with pytest.raises(DataError, match="Unknown parameter.*k"):  # concepts alone takes no k
        resolve_parameters(select("concepts"), None, params_file(tmp_path, "k: 4\n"))


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
