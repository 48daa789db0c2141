"""The Forecasting chapter through papermill on a log without prices (the built-in shop's log stripped to
customer, product and time, read through a mapping): it glues the same names as on the shop, forecasts units
sold, and its glued numbers and worded findings read back true against the package; no sentence the page
cites speaks of revenue or money, or shows a missing number."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis.book.runner import ROOT
from analysis.chapters.forecast import findings as F
from analysis.chapters.forecast import steps as ST
from analysis.chapters.forecast.params import ForecastParams
from analysis.data import load_data, load_transactions
from analysis.forecast import models as FM
from analysis.forecast import price as PR
from analysis.forecast.backtest import backtest
from analysis.forecast.series import sales_series

from tests.notebooks.conftest import execute
from tests.notebooks.fingerprint import FILE as FINGERPRINT

pytestmark = pytest.mark.notebooks
NOTEBOOK = "04_forecast.ipynb"
MAPPING = {"customer_id": "member", "product_id": "item", "timestamp": "when"}
TINY = {"horizon": 7, "n_origins": 2, "top_products": 3, "mapping": MAPPING}


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    table, _ = load_transactions("shop", n_customers=300, seed=1)
    path = tmp_path_factory.mktemp("no_prices") / "log.csv"
    table[["customer_id", "timestamp", "product_id"]].rename(
        columns={"customer_id": "member", "timestamp": "when", "product_id": "item"}
    ).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def params(log):
    return {**TINY, "data": str(log)}


@pytest.fixture(scope="module")
def glued(params, run_dir):
    return execute(NOTEBOOK, run_dir, **params)


@pytest.fixture(scope="module")
def loaded(params):
    return load_data(ForecastParams(**params))


@pytest.fixture(scope="module")
def series(loaded):
    return sales_series(loaded[0], "D")


def _cited() -> set[str]:
    """The glued names the page's prose cites."""
    nb = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text(encoding="utf-8"))
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return set(re.findall(r"\{glue:(?:md|text)\}`([a-z0-9_]+)", text))


#: what only the built-in shop glues: its planted truth and the chapter's estimates of it (section 9)
SHOP_ONLY = {"budget_elasticity", "planted_elasticity", "planted_lift", "recovered_amplitude", "recovered_peak",
             "weekly_error"}


def test_the_chapter_glues_the_names_it_glues_on_the_shop(glued):
    recorded = json.loads(FINGERPRINT.read_text(encoding="utf-8"))["forecast"]
    assert glued.keys() == recorded.keys() - SHOP_ONLY, sorted(glued.keys() ^ (recorded.keys() - SHOP_ONLY))
    assert not SHOP_ONLY & _cited()  # the prose cites none of them


def test_the_series_is_units_sold_and_the_page_says_why(glued, loaded, series):
    table, report = loaded
    assert report.has_money is False
    units = ST.measure(report)
    assert float(glued["total_revenue"]) == pytest.approx(series.table["units"].sum()) == len(table)
    assert glued["calendar_finding"].startswith(F.measure_note(report.filled["quantity"]))
    assert "derived: 1 on every line" in glued["calendar_finding"]
    assert glued["random_mae_money"] == units.amount(float(glued["random_mae"]))
    assert glued["honest_mae_money"] == units.amount(float(glued["honest_mae"]))
    assert glued["first_width_money"] == units.amount(float(glued["first_width"]))
    assert float(glued["first_width"]) == pytest.approx(float(glued["width_80"]))


def test_the_scores_are_those_of_the_units_series(glued, loaded, series):
    promo = PR.promotion_flags(loaded[0], series.table.index)
    assert not promo.any()  # no prices: no discount days
    task = FM.task_of(series, "units", promo=promo)
    best = glued["best_model"]
    bt = backtest(task, TINY["horizon"], TINY["n_origins"], (0.8, 0.95),
                  models={"seasonal naive": FM.SeasonalNaive(), best: FM.MODELS[best]()})
    assert float(glued["naive_mase"]) == pytest.approx(bt.scores.loc["seasonal naive", "mase"])
    assert float(glued["best_mase"]) == pytest.approx(bt.scores.loc[best, "mase"])
    assert float(glued["cov_80"]) == pytest.approx(bt.scores.loc[best, "coverage_80"])
    open_days = series.table[~series.table["closed"]]
    by_day = open_days["units"].groupby(open_days.index.day_of_week).mean() / open_days["units"].mean()
    assert float(glued["ex4_1"]) == pytest.approx(by_day.max())  # Exercise 4.1 on units


def test_what_needs_prices_says_so_and_the_rest_runs_in_units(glued, run_dir):
    P = ForecastParams(**TINY)
    assert (glued["lift_finding"], glued["elasticity_finding"]) == F.price_section_skipped()
    assert int(glued["discount_days"]) == 0 and int(glued["elasticity_rows"]) == 0
    assert (glued["holding_money"], glued["shortage_money"]) == F.costs_without_prices()
    assert float(glued["nv_ratio"]) == pytest.approx(P.stockout_cost / (P.stockout_cost + P.leftover_cost))
    assert glued["nv_finding"] == (F.newsvendor(float(glued["nv_ratio"]), float(glued["nv_quantity"]),
                                                float(glued["nv_mean"])) + " " + F.newsvendor_without_prices())
    assert glued["stock_finding"] == F.stock(float(glued["csl"]), P.service_level, float(glued["fill_rate"]),
                                             int(glued["cycles"]))
    csv = pd.read_csv(run_dir / "forecast_products.csv")
    assert len(csv) == int(glued["n_top"]) == TINY["top_products"]
    assert np.isfinite(csv[["forecast", "lower", "upper", "safety_stock"]].to_numpy()).all()
    for name in F.SUMMARY:
        assert glued[name] in glued["run_summary"]


def test_no_cited_value_speaks_of_revenue_or_money_or_is_missing(glued):
    cited = _cited()
    assert {"calendar_finding", "holding_money", "random_mae_money", "nv_finding"} <= cited
    bad = {name: glued[name] for name in cited
           if re.search(r"revenue|money|£|\bnan\b|n/a", glued[name], flags=re.IGNORECASE)}
    assert not bad, bad


def test_every_comparative_finding_rests_on_a_checked_claim(glued, run_dir):
    from tests.claims_audit import audit

    audit(run_dir, "forecast", glued)
