"""The chapters run unchanged on the real data; their glued numbers agree with the data report.

Clustering on the real data: tests/data/test_clustering_on_real_data.py."""

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
