"""The Forecasting chapter's figures, in the book's colours (:mod:`analysis.plots`)."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import plots
from analysis.plots import BLUE, GREEN, GREY, ORANGE, VERMILLION

__all__ = ["ahead_plot", "acf_plot", "coverage_plot", "forecast_plot", "seasonal_profile", "series_plot", "stl_plot"]


def _dates(ax, offset: bool = True) -> None:
    """Short date labels that do not overlap; without ``offset``, no year-month text at the axis' end
    (the caller names the years in the axis label)."""
    locator = mdates.AutoDateLocator(maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=offset))


def _years(dates) -> str:
    """``2011`` or ``2010 to 2011``: the years a date axis spans."""
    years = pd.DatetimeIndex(dates).year
    return str(years.min()) if years.min() == years.max() else f"{years.min()} to {years.max()}"


def series_plot(table: pd.DataFrame, measure, season: int, step: str = "step") -> plt.Figure:
    """The measure per step (``measure``: the chapter's :class:`~analysis.chapters.forecast.steps.Measure`,
    revenue or units sold; ``step`` names the step: ``trading day`` or ``week``) with its moving mean over one
    season, and the known closures marked."""
    fig, ax = plt.subplots(figsize=(plots.PAGE_WIDTH, 3.6))
    values = table[measure.column]
    ax.plot(table.index, values, color=BLUE, lw=0.8, label=measure.name)
    if season > 1:
        ax.plot(table.index, values.rolling(season, center=True).mean(), color=ORANGE, lw=2,
                label=f"mean over {season} {step}s")
    shut = table.index[table["closed"]]
    if len(shut):
        ax.scatter(shut, np.zeros(len(shut)), color=VERMILLION, marker="x", zorder=3, label="closed")
    measure.axis(ax)
    ax.set_ylabel(measure.label(measure.per(step)))
    _dates(ax)
    ax.set_xlabel("date")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def seasonal_profile(profile: pd.Series) -> plt.Figure:
    """The mean at each position in the season, relative to the overall mean (the series' name, such as
    ``revenue / mean``, labels the axis)."""
    fig, ax = plt.subplots(figsize=(plots.PAGE_WIDTH * 0.7, 3.2))
    ax.bar([str(i) for i in profile.index], profile.to_numpy(), color=BLUE)
    ax.axhline(1.0, color=GREY, ls="--", lw=1)
    ax.set_ylabel(str(profile.name))
    fig.tight_layout()
    return fig


def stl_plot(stl: pd.DataFrame, measure) -> plt.Figure:
    """The STL decomposition of the measure: observed, trend, season and remainder, one panel each."""
    fig, axes = plt.subplots(4, 1, figsize=(plots.PAGE_WIDTH, 6.4), sharex=True)
    for ax, name, colour in zip(axes, ("observed", "trend", "seasonal", "resid"),
                                (BLUE, ORANGE, GREEN, GREY), strict=True):
        ax.plot(stl.index, stl[name], color=colour, lw=0.9)
        ax.set_ylabel(measure.label({"resid": "remainder"}.get(name, name)))
        measure.axis(ax)
    _dates(axes[-1])
    axes[-1].set_xlabel("date")
    fig.tight_layout()
    return fig


def acf_plot(acf: np.ndarray, bound: float, season: int) -> plt.Figure:
    """Autocorrelation by lag with the approximate 95 % band of white noise; multiples of the season marked."""
    fig, ax = plt.subplots(figsize=(plots.PAGE_WIDTH, 3.2))
    lags = np.arange(len(acf))
    ax.vlines(lags[1:], 0, acf[1:], color=BLUE)
    ax.scatter(lags[1:], acf[1:], color=BLUE, s=12)
    ax.axhspan(-bound, bound, color=plots.PALE)
    if season > 1:
        for k in range(season, len(acf), season):
            ax.axvline(k, color=ORANGE, ls=":", lw=1)
    ax.axhline(0, color=GREY, lw=0.8)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel("lag (steps)")
    ax.set_ylabel("autocorrelation")
    fig.tight_layout()
    return fig


def forecast_plot(history: pd.Series, last: pd.DataFrame, measure, level_name: str,
                  step: str = "step") -> plt.Figure:
    """The last origin: the recent history, the actual test window, the best model's forecast and its
    conformal interval, and the seasonal naive (the measure per ``step``)."""
    fig, ax = plt.subplots(figsize=(plots.PAGE_WIDTH, 3.6))
    ax.plot(history.index, history.to_numpy(), color=GREY, lw=0.9, label="history")
    best = last[last["role"] == "best"]
    naive = last[last["role"] == "naive"]
    ax.plot(best["date"], best["actual"], color="black", lw=1.2, label="actual")
    ax.plot(best["date"], best["forecast"], color=BLUE, lw=1.8, label=str(best["model"].iloc[0]))
    if best[f"lower_{level_name}"].notna().all():
        ax.fill_between(best["date"], best[f"lower_{level_name}"], best[f"upper_{level_name}"], color=BLUE,
                        alpha=0.15, label=f"{level_name} % conformal interval")
    ax.plot(naive["date"], naive["forecast"], color=ORANGE, ls="--", lw=1.2, label="seasonal naive")
    return _finish(fig, ax, measure, step, history.index.append(pd.DatetimeIndex(best["date"])))


def coverage_plot(coverage: pd.DataFrame, levels) -> plt.Figure:
    """Holdout coverage of model and conformal intervals per model, with the nominal levels."""
    fig, ax = plt.subplots(figsize=(plots.PAGE_WIDTH, 3.6))
    names = list(coverage.index)
    x = np.arange(len(names))
    width = 0.8 / (2 * len(levels))
    for i, level in enumerate(levels):
        name = f"{100 * level:g}"
        for j, (kind, colour) in enumerate((("model", ORANGE), ("conformal", BLUE))):
            offset = (2 * i + j - len(levels) + 0.5) * width
            ax.bar(x + offset, coverage[f"{kind} {name} %"], width, color=colour, alpha=0.5 + 0.5 * i / len(levels),
                   label=f"{kind} {name} %")
        ax.axhline(level, color=GREY, ls="--", lw=1)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("share of holdout points covered")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, ncol=2 * len(levels), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def ahead_plot(history: pd.Series, forward: pd.DataFrame, measure, levels, model: str,
               step: str = "step") -> plt.Figure:
    """History and the forecast ahead with its intervals, the widest band palest (Hyndman and
    Athanasopoulos 2021's figure of a forecast): the measure per ``step``; closed days ahead at zero."""
    fig, ax = plt.subplots(figsize=(plots.PAGE_WIDTH, 3.6))
    ax.plot(history.index, history.to_numpy(), color=GREY, lw=0.9, label="history")
    for i, level in enumerate(sorted(levels, reverse=True)):
        name = f"{100 * level:g}"
        ax.fill_between(forward["date"], forward[f"lower_{name}"], forward[f"upper_{name}"], color=BLUE,
                        alpha=0.15 + 0.2 * i, lw=0, label=f"{name} % interval")
    ax.plot(forward["date"], forward["forecast"], color=BLUE, lw=1.6, label=f"{model}, forecast ahead")
    shut = forward[forward["closed"]]
    if len(shut):
        ax.scatter(shut["date"], np.zeros(len(shut)), color=VERMILLION, marker="x", zorder=3, label="closed")
    return _finish(fig, ax, measure, step, history.index.append(pd.DatetimeIndex(forward["date"])))


def _finish(fig, ax, measure, step: str, dates) -> plt.Figure:
    """The measure's axis and label, short dates with the years they span, the legend: a forecast figure's end."""
    measure.axis(ax)
    ax.set_ylabel(measure.label(measure.per(step)))
    _dates(ax, offset=False)
    ax.set_xlabel(f"date ({_years(dates)})")
    ax.legend(loc="upper left", fontsize=8.5)
    fig.tight_layout()
    return fig
