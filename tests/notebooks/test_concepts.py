"""The Concepts chapter through papermill with tiny parameters; its glued numbers checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import features, kpi
from analysis.book import ROOT, glued_values, tag_removed_cells  # noqa: F401
from analysis.datasets import load_transactions

pytestmark = pytest.mark.notebooks
NOTEBOOK = ROOT / "notebooks" / "01_concepts.ipynb"
TINY = {"shop_customers": 300, "seed": 3}


def run(tmp_path: Path, name: str, **params) -> dict[str, str]:
    import papermill as pm

    out = tmp_path / name
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=params, progress_bar=False, cwd=str(tmp_path))
    tag_removed_cells(out)
    return glued_values(out)


@pytest.fixture(scope="module")
def glued(tmp_path_factory):
    return run(tmp_path_factory.mktemp("concepts"), "concepts.ipynb", **TINY)


def test_glued_numbers_agree_with_the_package(glued):
    tx, report = load_transactions("shop", n_customers=TINY["shop_customers"], seed=TINY["seed"])
    k = kpi.headline(features.customer_table(tx))
    assert int(glued["rows_read"]) == report.rows_read
    assert int(glued["rows_kept"]) == report.rows_kept
    assert int(glued["customers"]) == k["customers"] == report.customers
    assert float(glued["revenue"]) == pytest.approx(report.revenue, abs=0.01)
    assert float(glued["aov"]) == pytest.approx(k["aov"])
    assert float(glued["repeat_rate"]) == pytest.approx(k["repeat_rate"])
    assert 0 < float(glued["month1_retention"]) < 1
    assert "shop(n_customers=300, seed=3)" in glued["source"]


def test_same_parameters_glue_the_same_numbers(glued, tmp_path):
    again = run(tmp_path, "again.ipynb", **TINY)
    assert again == glued


def test_parameter_cells_are_hidden_from_readers(tmp_path):
    import nbformat

    run(tmp_path, "tagged.ipynb", **TINY)
    nb = nbformat.read(tmp_path / "tagged.ipynb", as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            assert "remove-cell" in tags
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
