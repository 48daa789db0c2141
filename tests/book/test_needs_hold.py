"""What ``report --chapter`` accepts, the chapter runs: small random logs near the needs' edges.

Each example writes a small transaction log (few customers, a short span), checks
the chapter's needs as the runner does, and, when they are met, executes the
chapter with papermill: no cell may fail. Examples are not shrunk (each one
executes a notebook), so a failure shows the log it ran on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from analysis import DataError
from analysis.book import ROOT, check_needs, get_chapter
from analysis.book.runner import load_chapter_data

pytestmark = [pytest.mark.book, pytest.mark.slow]


def write_log(path: Path, seed: int, customers: int, span: int, repeat_share: float) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        visits = 1 + (rng.random() < repeat_share) * rng.integers(1, 4)
        for v, day in enumerate(sorted(rng.integers(0, span + 1, size=visits))):
            for line in range(rng.integers(1, 3)):
                rows.append((f"o{c}-{v}", f"c{c}", f"p{rng.integers(0, 6)}", int(rng.integers(1, 4)),
                             round(float(rng.uniform(1, 20)), 2),
                             pd.Timestamp("2024-01-01 09:00") + pd.Timedelta(days=int(day), minutes=int(line))))  # fmt: skip
    pd.DataFrame(rows, columns=["order_id", "customer_id", "product_id", "quantity", "unit_price", "timestamp"]).to_csv(
        path, index=False
    )


def accepted(chapter: str, data: Path, **extra) -> dict | None:
    """The parameters to run with when the needs are met, else None (the refusal is the right outcome)."""
    spec = get_chapter(chapter)
    params = spec.params(data=str(data), **extra)
    try:
        table, report = load_chapter_data(params)
        check_needs(spec, params, report, table)
    except DataError:
        return None
    return {"data": str(data), **extra}


EXECUTED: dict[str, int] = {"concepts": 0, "clustering": 0}


def execute(chapter: str, params: dict, tmp_path: Path) -> None:
    import papermill as pm

    EXECUTED[chapter] += 1
    notebook = ROOT / "notebooks" / get_chapter(chapter).notebook
    out = tmp_path / notebook.name
    pm.execute_notebook(str(notebook), str(out), parameters=params, progress_bar=False, cwd=str(tmp_path))


LOGS = dict(
    seed=st.integers(0, 10_000),
    customers=st.integers(8, 40),
    span=st.integers(1, 90),
    repeat_share=st.floats(0.3, 1.0),
)  # fmt: skip
SETTINGS = settings(max_examples=4, deadline=None, phases=[Phase.generate], derandomize=True,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


@SETTINGS
@given(**LOGS)
def test_concepts_runs_on_every_log_its_needs_accept(tmp_path_factory, seed, customers, span, repeat_share):
    tmp = tmp_path_factory.mktemp("concepts")
    write_log(tmp / "log.csv", seed, customers, span, repeat_share)
    params = accepted("concepts", tmp / "log.csv")
    if params is not None:
        execute("concepts", params, tmp)


@SETTINGS
@given(**LOGS, k_top=st.integers(3, 12))
def test_clustering_runs_on_every_log_its_needs_accept(tmp_path_factory, seed, customers, span, repeat_share, k_top):
    tmp = tmp_path_factory.mktemp("clustering")
    write_log(tmp / "log.csv", seed, customers, span, repeat_share)
    params = accepted("clustering", tmp / "log.csv", k_range=list(range(2, k_top + 1)), stability_runs=2)
    if params is not None:
        execute("clustering", params, tmp)


def test_some_random_logs_were_executed():
    """The logs above are near the needs' edges, but not all refused (run with the two tests above)."""
    if sum(EXECUTED.values()) == 0:
        pytest.skip("run with the two property tests above")
    assert EXECUTED["concepts"] >= 1 and EXECUTED["clustering"] >= 1, EXECUTED
