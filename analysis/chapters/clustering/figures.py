"""The Clustering chapter's own figures; each function returns a matplotlib Figure in the book's one style
(:mod:`analysis.plots`: palette, fonts, money axes)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from analysis import fmt, plots
from analysis import schema as S
from analysis.plots import BLUE, ORANGE, PALETTE

__all__ = ["dendrogram", "distributions", "holdout", "k_choice", "k_distance", "scatter_segments", "tracking"]


def distributions(before: pd.DataFrame, after: pd.DataFrame, currency: str = "") -> plt.Figure:
    """Histograms of each feature before (top row) and after (bottom row) the transform; raw amounts on the book's
    money axis and every raw axis with few ticks, so large values never run together."""
    cols = list(before.columns)
    fig, axes = plt.subplots(2, len(cols), figsize=(2.4 * len(cols) + 1, 4.6))
    for j, col in enumerate(cols):
        axes[0, j].hist(before[col], bins=40, color=BLUE)
        axes[0, j].set_title(col, fontsize=9)
        axes[0, j].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3, integer=True))
        if col == S.MONETARY:
            plots.money_axis(axes[0, j], currency, axis="x")
        else:
            axes[0, j].xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt.count(v)))
        axes[1, j].hist(after[col], bins=40, color=ORANGE)
        axes[1, j].set_xlabel("standard deviations from the mean", fontsize=8)
    axes[0, 0].set_ylabel("customers (raw)")
    axes[1, 0].set_ylabel("customers (transformed)")
    fig.tight_layout()
    return fig

def k_choice(table: pd.DataFrame, best_k: int, elbow_k: int | None) -> plt.Figure:
    """Inertia (elbow) and mean silhouette against k."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    a.plot(table["k"], table["inertia"], "o-", color=BLUE)
    if elbow_k is not None:
        a.axvline(elbow_k, color="grey", ls="--", lw=1)
    a.set_xlabel("number of clusters k")
    a.set_ylabel("inertia $W(k)$")
    a.set_title("Elbow")
    b.plot(table["k"], table["silhouette"], "o-", color=ORANGE)
    b.axvline(best_k, color="grey", ls="--", lw=1)
    b.set_xlabel("number of clusters k")
    b.set_ylabel("mean silhouette")
    b.set_title("Silhouette")
    fig.tight_layout()
    return fig

def k_distance(kdist: np.ndarray, eps: float, min_samples: int) -> plt.Figure:
    """Sorted distances to the ``min_samples``-th neighbour, with the chosen eps."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(np.arange(len(kdist)), kdist, color=BLUE)
    ax.axhline(eps, color=ORANGE, ls="--", label=f"eps = {eps:.2f}")
    ax.set_xlabel("customers, sorted by that distance")
    ax.set_ylabel(f"distance to neighbour {min_samples} (standardised units)")
    ax.legend()
    fig.tight_layout()
    return fig

def dendrogram(linkage: np.ndarray, k: int, *, last: int = 30) -> plt.Figure:
    """A Ward dendrogram truncated to its ``last`` merges, with the cut that gives ``k`` clusters."""
    from scipy.cluster.hierarchy import dendrogram as scipy_dendrogram

    fig, ax = plt.subplots(figsize=(8, 3.6))
    scipy_dendrogram(linkage, truncate_mode="lastp", p=last, ax=ax, color_threshold=linkage[-k + 1, 2] if k > 1 else 0)
    if k > 1:
        ax.axhline((linkage[-k, 2] + linkage[-k + 1, 2]) / 2, color="grey", ls="--", lw=1)
    ax.set_ylabel("Ward merge height (increase in W)")
    ax.set_xlabel("clusters (size in brackets)")
    ax.grid(False)
    fig.tight_layout()
    return fig

def scatter_segments(coords: np.ndarray, names: pd.Series, *, xlabel: str, ylabel: str, seed: int = 0) -> plt.Figure:
    """Points coloured by segment name (at most 20,000 drawn, sampled with ``seed``)."""
    idx = np.arange(len(coords))
    if len(idx) > 20_000:
        idx = np.sort(np.random.default_rng(seed).choice(idx, 20_000, replace=False))
    fig, ax = plt.subplots(figsize=(7.5, 5))
    labels = names.to_numpy()[idx]
    for i, name in enumerate(pd.unique(names)):
        m = labels == name
        colour = PALETTE[i % len(PALETTE)]
        ax.scatter(coords[idx][m, 0], coords[idx][m, 1], s=6, alpha=0.6, label=str(name), color=colour)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(markerscale=3, fontsize=8, loc="best")
    fig.tight_layout()
    return fig

def holdout(table: pd.DataFrame, max_x: int) -> plt.Figure:
    """Mean holdout purchases, actual vs BG/NBD prediction, by calibration frequency."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels = [str(x) if x < max_x else f"{max_x}+" for x in table["x"]]
    pos = np.arange(len(labels))
    ax.bar(pos - 0.2, table["actual"], width=0.4, label="actual", color=BLUE)
    ax.bar(pos + 0.2, table["predicted"], width=0.4, label="BG/NBD", color=ORANGE)
    ax.set_xticks(pos, labels)
    ax.set_xlabel("repeat purchase days in the calibration period")
    ax.set_ylabel("mean purchase days per customer\nin the holdout")
    ax.legend()
    fig.tight_layout()
    return fig

def tracking(dates: pd.DatetimeIndex, actual: np.ndarray, expected: np.ndarray, calibration_end) -> plt.Figure:
    """Cumulative repeat purchases over time: actual vs BG/NBD expectation."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(dates, actual, label="actual", color=BLUE)
    ax.plot(dates, expected, label="BG/NBD", color=ORANGE, ls="--")
    ax.axvline(pd.Timestamp(calibration_end), color="grey", ls=":", label="calibration end")
    ax.set_ylabel("cumulative repeat purchase days")
    ax.set_xlabel("date")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend()
    fig.tight_layout()
    return fig
