"""The runner checks parameters against the notebooks before anything runs."""

from __future__ import annotations

import pytest

from analysis import DataError
from analysis.book import discover, resolve_parameters


@pytest.fixture(scope="module")
def chapters():
    return discover()


def params_file(tmp_path, text):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return str(path)


def test_yaml_dates_become_iso_text(chapters, tmp_path):
    clustering = [c for c in chapters if c.name == "clustering"]
    out = resolve_parameters(chapters, clustering, None, params_file(tmp_path, "calibration_end: 2024-05-01\n"))
    assert out["clustering"]["calibration_end"] == "2024-05-01"


def test_list_elements_are_checked(chapters, tmp_path):
    clustering = [c for c in chapters if c.name == "clustering"]
    with pytest.raises(DataError, match="must be a list of int"):
        resolve_parameters(chapters, clustering, None, params_file(tmp_path, "k_range: [2, x, 4]\n"))


def test_per_chapter_sections_and_unknown_names(chapters, tmp_path):
    out = resolve_parameters(chapters, chapters, None, params_file(tmp_path, "seed: 3\nclustering:\n  k: 4\n"))
    assert out["concepts"] == {"seed": 3} and out["clustering"] == {"seed": 3, "k": 4}
    with pytest.raises(DataError, match="has no parameter 'kk'"):
        resolve_parameters(chapters, chapters, None, params_file(tmp_path, "clustering:\n  kk: 4\n"))
    with pytest.raises(DataError, match="must be float"):
        resolve_parameters(chapters, chapters, None, params_file(tmp_path, "discount_rate: high\n"))


def test_data_paths_are_made_absolute(chapters, tmp_path):
    out = resolve_parameters(chapters, chapters[:1], "orders.csv", None)
    assert out["concepts"]["data"].endswith("/orders.csv") and out["concepts"]["data"].startswith("/")
