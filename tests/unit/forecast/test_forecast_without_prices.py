"""The Forecasting chapter on a log without prices (a mapping that leaves out unit_price, and quantity): the
measure is chosen once (units sold, with the report's words on a filled quantity), and every step that reads
money runs in units or says it needs unit prices, on small tables made by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis import fmt
from analysis.chapters.forecast import figures as FIG
from analysis.chapters.forecast import findings as F
from analysis.chapters.forecast import steps as ST
from analysis.chapters.forecast.params import ForecastParams
from analysis.data import load_transactions
from analysis.forecast import models as FM
from analysis.forecast.backtest import backtest

MAPPING = {"customer_id": "member", "product_id": "item", "timestamp": "day"}
#: words no sentence, label or header of a page without prices may hold
MONEY_WORDS = ("revenue", "money", "£", "gbp", "nan")


def _log(days: int = 120, seed: int = 0) -> pd.DataFrame:
    """A customer-product-day log (no order, quantity or price): three products, more sales on Mondays."""
    rng = np.random.default_rng(seed)
    rows = []
    for d, day in enumerate(pd.date_range("2024-01-01", periods=days, freq="D")):
        for i in range(int(rng.poisson(12 if day.day_of_week == 0 else 8))):
            rows.append({"member": f"c{rng.integers(40)}", "item": f"p{rng.choice(3, p=[0.5, 0.3, 0.2])}",
                         "day": (day + pd.Timedelta(hours=9 + i % 8)).isoformat()})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def loaded():
    """The hand-made log read through the mapping: the clean table and its data report."""
    return load_transactions(_log(), mapping=MAPPING)


@pytest.fixture(scope="module")
def units(loaded):
    return ST.measure(loaded[1])


def _plain(text: str) -> str:
    lowered = text.lower()
    return next((w for w in MONEY_WORDS if w in lowered), "")


# --------------------------------------------------------------------------- the measure, chosen once


def test_the_measure_is_revenue_with_prices_and_units_sold_without(loaded, units):
    table, report = loaded
    assert report.has_money is False and "quantity" in report.filled
    assert (units.column, units.name, units.currency, units.money) == ("units", "units sold", "", False)
    assert units.note == F.measure_note(report.filled["quantity"])
    assert report.filled["quantity"] in units.note and "each line counts one unit" in units.note
    priced = load_transactions(_log().assign(qty=2, price=1.5),
                               mapping={**MAPPING, "quantity": "qty", "unit_price": "price"})[1]
    revenue = ST.measure(priced)
    assert (revenue.column, revenue.name, revenue.money, revenue.note) == ("revenue", "revenue", True, "")
    one_unit = ST.measure(load_transactions(_log().assign(price=1.5), mapping={**MAPPING, "unit_price": "price"})[1])
    assert one_unit.column == "revenue" and one_unit.note == F.measure_note("derived: 1 on every line", prices=True)
    assert "each line counts one unit" in one_unit.note and "no unit prices" not in one_unit.note


def test_a_log_with_its_own_quantities_but_no_prices_counts_its_quantities():
    table, report = load_transactions(_log().assign(qty=3), mapping={**MAPPING, "quantity": "qty"})
    m = ST.measure(report)
    assert m.column == "units" and m.note == F.measure_note("")
    assert "each line counts one unit" not in m.note and not _plain(m.note)


def test_the_measure_words_labels_and_amounts():
    units, revenue = ST.Measure("units", "units sold"), ST.Measure("revenue", "revenue", "GBP")
    assert units.per("trading day") == "units sold per trading day"
    assert units.label("observed") == "observed" and revenue.label("observed") == "observed (GBP)"
    assert ST.Measure("revenue", "revenue").label("trend") == "trend"  # no currency, no brackets
    assert units.amount(12.345) == "12.3 units" and units.amount(1.0) == "1 unit"
    assert units.amounts([4.14, 1234.5]) == ["4.14 units", "1,234 units"]
    assert revenue.amount(976.5) == fmt.money(976.5, "GBP")
    assert revenue.amounts([976.67, 1125.2]) == ST.money_pair([976.67, 1125.2], "GBP")


def test_the_measure_gives_the_tables_their_formats():
    units, revenue = ST.Measure("units", "units sold"), ST.Measure("revenue", "revenue", "EUR")
    assert revenue.kinds(["mae", "rmse"], numbers=["mase"]) == {"currency": "EUR", "money": ["mae", "rmse"],
                                                                "numbers": ["mase"]}
    assert units.kinds(["mae", "rmse"], numbers=["mase"]) == {"numbers": ["mase", "mae", "rmse"]}
    scores = pd.DataFrame({"mae": [1234.5], "rmse": [2.25], "mase": [0.9]}, index=pd.Index(["naive"], name="model"))
    shown = ST.show(scores, **units.kinds(["mae", "rmse"], numbers=["mase"])).to_html()
    assert "1,234" in shown and "€" not in shown and "€" in ST.show(scores, **revenue.kinds(["mae"])).to_html()


def test_the_axis_counts_units_and_writes_money_in_the_currency():
    fig, ax = plt.subplots()
    ST.Measure("units", "units sold").axis(ax)
    assert ax.yaxis.get_major_formatter()(1234.4, 0) == "1,234"
    ST.Measure("revenue", "revenue", "GBP").axis(ax)
    assert ax.yaxis.get_major_formatter()(1234.4, 0) == fmt.money(1234.4, "GBP", 0)
    plt.close(fig)


# --------------------------------------------------------------------------- every step without prices


@pytest.fixture(scope="module")
def series_step(loaded, units):
    return ST.series_step(loaded[0], units, "D")


def test_the_series_step_forecasts_units(loaded, units, series_step):
    table = loaded[0]
    glue, series = series_step.glue, series_step["series"]
    assert glue["total_revenue"] == pytest.approx(series.table["units"].sum()) and series.table["revenue"].eq(0).all()
    assert glue["total_revenue"] == len(table)  # quantity 1 on every line: one unit a line
    assert series_step["profile"].name == "units sold / mean" and np.isfinite(series_step["profile"]).all()
    assert glue["peak_position"] == "Mon"  # the log sells more on Mondays
    assert glue["calendar_finding"].startswith(units.note + " ")
    assert glue["calendar_finding"].endswith(F.calendar(series.non_trading, series.closures, series.dropped_last,
                                                        "D", series.season_length))
    weekly = ST.series_step(table, units, "W")
    assert weekly.glue["total_revenue"] == weekly["series"].table["units"].sum() > 0
    assert weekly.glue["step_unit"] == "week" and weekly["profile"].name == "units sold / mean"


def test_decomposition_split_and_intervals_read_the_units(series_step, units):
    series = series_step["series"]
    glue = ST.decomposition_step(series, units).glue
    assert 0 <= glue["seasonal_strength"] <= 1 and np.isfinite(glue["acf_lag1"])
    task = FM.task_of(series, units.column)
    assert task.y.sum() == series.table["units"].sum()
    split = ST.random_split_step(task, 7, 2, units, seed=0).glue
    assert split["random_mae_money"] == units.amount(split["random_mae"])
    assert split["honest_mae_money"].endswith(" units")
    bt = backtest(task, 7, 2, (0.8,), models={"seasonal naive": FM.SeasonalNaive()})
    intervals = ST.intervals_step(bt, "seasonal naive", units).glue
    assert intervals["first_width_money"] == units.amount(intervals["first_width"])


def test_the_price_section_is_skipped_with_the_same_glued_names(loaded, units, series_step):
    table = loaded[0]
    skipped = ST.price_step(table, series_step["series"], units)
    priced = table.assign(unit_price=np.where(np.arange(len(table)) % 2, 2.0, 2.2))
    with_prices = ST.price_step(priced, series_step["series"], ST.Measure("revenue", "revenue"))
    assert skipped.glue.keys() == with_prices.glue.keys()
    assert (skipped.glue["lift_finding"], skipped.glue["elasticity_finding"]) == F.price_section_skipped()
    assert skipped.glue["discount_days"] == 0 and skipped.glue["elasticity_rows"] == 0
    assert np.isnan(skipped["lift"].lift) and skipped["discount_days"].empty
    for name in ("lift_finding", "elasticity_finding"):
        assert "unit prices" in skipped.glue[name] and not _plain(skipped.glue[name])


P = ForecastParams(horizon=7, n_origins=2, top_products=2)


@pytest.fixture(scope="module")
def stock(loaded, units, series_step):
    daily = series_step["series"]
    return ST.stock_step(loaded[0], daily, P, ST.holdout_days(P, daily), float("nan"), units)


def test_the_stock_section_runs_in_units_and_says_the_costs_need_prices(stock):
    sim, glue = stock.table, stock.glue
    assert "units_short" in sim and not {"holding", "shortage"} & set(sim.columns)
    assert (sim["units_short"] >= 0).all()
    assert (glue["holding_money"], glue["shortage_money"]) == F.costs_without_prices()
    assert "unit prices" in glue["shortage_money"] and np.isnan(glue["holding_total"])
    shown = ST.stock_table(sim, ST.Measure("units", "units sold")).to_html()
    assert "units short" in shown and "cost" not in shown and not _plain(shown)
    assert "description" not in stock["plan"]  # the log has no descriptions: no empty column in the plan


def test_the_newsvendor_needs_no_price(stock, loaded, series_step):
    glue = stock.glue
    assert glue["nv_ratio"] == pytest.approx(P.stockout_cost / (P.stockout_cost + P.leftover_cost))
    assert glue["nv_finding"] == (F.newsvendor(glue["nv_ratio"], glue["nv_quantity"], glue["nv_mean"]) + " "
                                  + F.newsvendor_without_prices())
    # the same log with one price a product: the price cancels, the order is the same in units
    priced = loaded[0].assign(unit_price=loaded[0]["product_id"].map({"p0": 3.0, "p1": 5.0, "p2": 8.0}))
    daily = series_step["series"]
    money = ST.stock_step(priced, daily, P, ST.holdout_days(P, daily), float("nan"), ST.Measure("revenue", "revenue"))
    assert money.glue["nv_ratio"] == pytest.approx(glue["nv_ratio"])
    assert money.glue["nv_quantity"] == pytest.approx(glue["nv_quantity"])
    assert money.table["fill_rate"].tolist() == stock.table["fill_rate"].tolist()


def test_the_figures_name_the_units(series_step, units):
    series = series_step["series"]
    fig = FIG.series_plot(series.table, units, series.season_length, step="trading day")
    assert fig.axes[0].get_ylabel() == "units sold per trading day"
    assert fig.axes[0].get_legend_handles_labels()[1][0] == "units sold"
    profile = FIG.seasonal_profile(series_step["profile"])
    stl = FIG.stl_plot(ST.decomposition_step(series, units)["stl"], units)
    labels = [fig.axes[0].get_ylabel(), profile.axes[0].get_ylabel(), *(ax.get_ylabel() for ax in stl.axes)]
    assert labels[1:] == ["units sold / mean", "observed", "trend", "seasonal", "remainder"]
    assert not any(_plain(text) for text in labels)
    for f in (fig, profile, stl):
        plt.close(f)


def test_the_sentences_without_prices_never_speak_of_revenue_or_money():
    texts = [F.measure_note(""), F.measure_note("derived: 1 on every line"), *F.price_section_skipped(),
             *F.costs_without_prices(), F.newsvendor_without_prices()]
    assert all(t and not _plain(t) for t in texts), texts
    assert F.measure_note("derived: 1 on every line").count("derived: 1 on every line") == 1
