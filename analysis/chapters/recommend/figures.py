"""The Collaborative filtering chapter's figures (colours and sizes from :mod:`analysis.plots`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.plots import BLUE, GREY, ORANGE, PAGE_WIDTH

__all__ = ["learning_curves", "long_tail"]


def long_tail(item_counts: np.ndarray) -> plt.Figure:
    """Interactions per product, most popular first (log scale), and the cumulative share they hold."""
    counts = np.sort(np.asarray(item_counts, dtype=float))[::-1]
    rank = np.arange(1, len(counts) + 1) / len(counts)
    fig, (a, b) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.2))
    a.plot(rank, counts, color=BLUE)
    a.set_yscale("log")
    a.set_xlabel("products, most popular first (share of catalogue)")
    a.set_ylabel("interactions per product")
    b.plot(rank, np.cumsum(counts) / counts.sum(), color=ORANGE)
    b.plot([0, 1], [0, 1], color=GREY, linestyle=":", linewidth=1)
    b.set_xlabel("products, most popular first (share of catalogue)")
    b.set_ylabel("cumulative share of interactions")
    fig.tight_layout()
    return fig


def learning_curves(curves: pd.DataFrame, ylabel: str) -> plt.Figure:
    """One line per model (columns), sweep or epoch on the x-axis."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH * 0.7, 3.2))
    for colour, name in zip((BLUE, ORANGE, GREY), curves.columns):
        ax.plot(curves.index, curves[name], marker="o", markersize=3, color=colour, label=name)
    ax.set_xlabel("sweep over the training data")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
