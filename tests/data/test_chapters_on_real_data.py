"""The chapters run unchanged on the real data; their glued numbers agree with the data report."""

from __future__ import annotations

import pytest

from analysis.datasets import load_transactions
from tests.notebooks.conftest import execute

pytestmark = [pytest.mark.data, pytest.mark.notebooks]


def test_concepts_on_online_retail(online_retail, tmp_path):
    glued = execute("01_concepts.ipynb", tmp_path, data=str(online_retail))
    _, report = load_transactions(online_retail)
    assert int(glued["rows_read"]) == report.rows_read == 541_909
    assert int(glued["customers"]) == report.customers == 4_338
    assert float(glued["revenue"]) == pytest.approx(report.revenue, abs=0.01)
    assert int(glued["orders"]) == report.orders


def test_clustering_on_online_retail(online_retail, tmp_path):
    glued = execute("02_clustering.ipynb", tmp_path, data=str(online_retail))
    assert int(glued["n_customers"]) == 4_338
    assert "no planted truth" in glued["truth_text"]
    assert float(glued["total_clv"]) > 0


def test_clustering_on_cdnow_master(tmp_path):
    pytest.importorskip("lifetimes")
    glued = execute("02_clustering.ipynb", tmp_path, data="cdnow", calibration_end="1997-09-30")
    assert int(glued["n_customers"]) == 23_570
    assert float(glued["holdout_weeks"]) == 39
    # the full master file behaves like the paper's 1/10 sample (r 0.243, alpha 4.414, a 0.793, b 2.426)
    assert float(glued["fit_r"]) == pytest.approx(0.243, abs=0.02)
    assert float(glued["fit_alpha"]) == pytest.approx(4.414, rel=0.15)
    assert float(glued["fit_p"]) == pytest.approx(6.25, rel=0.05)
