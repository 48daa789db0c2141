"""What ``report --chapter`` accepts, the chapter runs: small random logs near the needs' edges.

Each example writes a small transaction log (few customers, a short span) or, for
the risk chapter's credit problem, a small labelled table (gaps, codes, a constant
column, a rare or common outcome), checks the chapter's needs as the runner does,
and, when they are met, executes the chapter with papermill: no cell may fail.
Every chapter is covered; chapters 3-5 take three examples each (they run longer). Examples are not shrunk (each one
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
from analysis.book.runner import ROOT, glued_values
from analysis.chapters import check_needs, get_chapter
from tests.notebooks.conftest import audit_run
from analysis.book.runner import load_chapter_data

pytestmark = [pytest.mark.book, pytest.mark.slow]


def write_log(path: Path, seed: int, customers: int, span: int, repeat_share: float, products: int = 6,
              most_visits: int = 4) -> None:  # fmt: skip
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        visits = 1 + (rng.random() < repeat_share) * rng.integers(1, most_visits)
        for v, day in enumerate(sorted(rng.integers(0, span + 1, size=visits))):
            for line in range(rng.integers(1, 3)):
                rows.append((f"o{c}-{v}", f"c{c}", f"p{rng.integers(0, products)}", int(rng.integers(1, 4)),
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
        table, report = load_chapter_data(params, spec)
        check_needs(spec, params, report, table)
    except DataError:
        return None
    return {"data": str(data), **extra}


EXECUTED: dict[str, int] = {"concepts": 0, "clustering": 0, "recommend": 0, "forecast": 0, "risk churn": 0,
                            "risk credit": 0}  # fmt: skip


def execute(chapter: str, params: dict, tmp_path: Path, label: str = "") -> None:
    import papermill as pm

    EXECUTED[label or chapter] += 1
    notebook = ROOT / "notebooks" / get_chapter(chapter).notebook
    out = tmp_path / notebook.name
    pm.execute_notebook(str(notebook), str(out), parameters=params, progress_bar=False, cwd=str(tmp_path))
    audit_run(tmp_path, notebook.name, glued_values(out))  # the claims of a run at the needs' edge


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


FEW = settings(SETTINGS, max_examples=3)  # chapters 3-5 take longer per run


@FEW
@given(seed=st.integers(0, 10_000), customers=st.integers(15, 60), span=st.integers(5, 120),
       products=st.integers(15, 40), min_interactions=st.integers(1, 3))  # fmt: skip
def test_recommend_runs_on_every_log_its_needs_accept(tmp_path_factory, seed, customers, span, products,
                                                      min_interactions):  # fmt: skip
    tmp = tmp_path_factory.mktemp("recommend")
    write_log(tmp / "log.csv", seed, customers, span, 1.0, products=products, most_visits=8)
    params = accepted("recommend", tmp / "log.csv", min_interactions=min_interactions, top_k=5)
    if params is not None:
        execute("recommend", params, tmp)


@FEW
@given(seed=st.integers(0, 10_000), customers=st.integers(20, 80), span=st.integers(40, 200),
       products=st.integers(3, 20), frequency=st.sampled_from(["D", "W"]))  # fmt: skip
def test_forecast_runs_on_every_log_its_needs_accept(tmp_path_factory, seed, customers, span, products, frequency):
    tmp = tmp_path_factory.mktemp("forecast")
    write_log(tmp / "log.csv", seed, customers, span, 1.0, products=products, most_visits=6)
    horizon = 7 if frequency == "D" else 2
    params = accepted("forecast", tmp / "log.csv", frequency=frequency, horizon=horizon, n_origins=2, top_products=3)
    if params is not None:
        execute("forecast", params, tmp)


@FEW
@given(seed=st.integers(0, 10_000), customers=st.integers(40, 160), span=st.integers(60, 300),
       churn_days=st.integers(14, 60))  # fmt: skip
def test_risk_churn_runs_on_every_log_its_needs_accept(tmp_path_factory, seed, customers, span, churn_days):
    tmp = tmp_path_factory.mktemp("churn")
    write_log(tmp / "log.csv", seed, customers, span, 0.8, products=10, most_visits=6)
    params = accepted("risk", tmp / "log.csv", problem="churn", churn_days=churn_days, cv_folds=3)
    if params is not None:
        execute("risk", params, tmp, "risk churn")


def write_labelled(path: Path, seed: int, rows: int, positive_share: float, missing_share: float) -> None:
    """A labelled table near the needs' edges: numbers with gaps, whole-number codes, text categories, a
    constant column, and a 0/1 target that depends on two of them."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    frame = pd.DataFrame({
        "amount": np.round(rng.lognormal(7, 1, rows), 2),
        "score": np.where(rng.random(rows) < missing_share, np.nan, x),
        "grade": rng.integers(1, 5, rows),
        "region": rng.choice(["north", "south", "east", "west", ""], rows),
        "same": 1,
    })  # fmt: skip
    logit = np.log(positive_share / (1 - positive_share)) + x
    frame["bad"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame.to_csv(path, index=False)


@FEW
@given(seed=st.integers(0, 10_000), rows=st.integers(40, 400), positive_share=st.floats(0.03, 0.6),
       missing_share=st.floats(0.0, 0.5), codes=st.booleans())  # fmt: skip
def test_risk_credit_runs_on_every_table_its_needs_accept(tmp_path_factory, seed, rows, positive_share, missing_share,
                                                          codes):  # fmt: skip
    tmp = tmp_path_factory.mktemp("credit")
    write_labelled(tmp / "table.csv", seed, rows, positive_share, missing_share)
    extra = {"categorical": ["grade"]} if codes else {}
    params = accepted("risk", tmp / "table.csv", target="bad", cv_folds=3, sensitive="region", **extra)
    if params is not None:
        execute("risk", params, tmp, "risk credit")


def test_some_random_logs_were_executed():
    """The logs above are near the needs' edges, but not all refused (run with the property tests above)."""
    if sum(EXECUTED.values()) == 0:
        pytest.skip("run with the property tests above")
    assert all(n >= 1 for n in EXECUTED.values()), EXECUTED


def test_forecast_at_the_edge_of_its_stock_sections_need(tmp_path_factory):
    """The shortest log the needs accept (n_origins 2, horizon 7: the stock section's replanning sets the
    edge) runs to the end; one day shorter is refused before execution, naming the stock section."""
    tmp = tmp_path_factory.mktemp("forecast-edge")
    extra = {"frequency": "D", "horizon": 7, "n_origins": 2, "top_products": 3}
    refused = None
    for span in range(70, 130):
        write_log(tmp / "log.csv", 7, 120, span, 1.0, products=5, most_visits=8)
        params = accepted("forecast", tmp / "log.csv", **extra)
        if params is not None:
            break
        refused = span
    assert params is not None and refused == span - 1
    write_log(tmp / "short.csv", 7, 120, refused, 1.0, products=5, most_visits=8)
    spec = get_chapter("forecast")
    short = spec.params(data=str(tmp / "short.csv"), **extra)
    table, report = load_chapter_data(short, spec)
    with pytest.raises(DataError, match="stock section"):
        check_needs(spec, short, report, table)
    execute("forecast", params, tmp)
