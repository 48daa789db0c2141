"""Figures the chapters share. Each function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.patches import FancyBboxPatch

from analysis import schema as S

__all__ = ["cohort_heatmap", "data_model_diagram", "monthly_revenue", "style"]


def style() -> None:
    """One look for every chapter: readable sizes, light grid, no chart junk."""
    plt.rcParams.update(
        {
            "figure.figsize": (8, 4.2),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titleweight": "bold",
            "font.size": 10,
        }
    )


TABLES = {
    "customers": ([S.CUSTOMER + " (key)", S.COUNTRY, S.CHANNEL], (0.02, 0.55)),
    "orders": ([S.ORDER + " (key)", S.CUSTOMER, S.TIMESTAMP], (0.37, 0.55)),
    "order lines": ([S.ORDER, S.PRODUCT, S.QUANTITY, S.PRICE], (0.37, 0.02)),
    "products": ([S.PRODUCT + " (key)", S.DESCRIPTION, S.CATEGORY], (0.72, 0.02)),
}
LINKS = [("customers", "orders", "1 : n"), ("orders", "order lines", "1 : n"), ("products", "order lines", "1 : n")]


def data_model_diagram() -> plt.Figure:
    """The shop's entities and how they relate (the canonical table joins them)."""
    fig, ax = plt.subplots(figsize=(9, 4.4))
    ax.set_axis_off()
    w, h = 0.26, 0.4
    centres = {}
    for name, (cols, (x, y)) in TABLES.items():
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.01", fc="#eef3fb", ec="#3b6ea5", lw=1.5))
        ax.text(x + w / 2, y + h - 0.06, name, ha="center", va="center", fontweight="bold", fontsize=11)
        for i, col in enumerate(cols):
            ax.text(x + 0.02, y + h - 0.15 - i * 0.075, col, ha="left", va="center", family="monospace", fontsize=9)
        centres[name] = (x, y)
    for a, b, label in LINKS:
        (xa, ya), (xb, yb) = centres[a], centres[b]
        if ya == yb:  # side by side
            start, end = (xa + w, ya + h / 2), (xb, yb + h / 2)
        elif xa == xb:  # one above the other
            start, end = (xa + w / 2, ya), (xb + w / 2, yb + h)
        else:
            start, end = (xa, ya + h / 2), (xb + w, yb + h / 2)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "#3b6ea5", "lw": 1.5})
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.03, label, ha="center", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.tight_layout()
    return fig


def monthly_revenue(monthly: pd.DataFrame, *, currency: str = "") -> plt.Figure:
    """Bars of monthly revenue; months the data cover only partly are hatched."""
    fig, ax = plt.subplots()
    labels = monthly.index.strftime("%Y-%m")
    colours = np.where(monthly["partial"], "#c9d6ea", "#3b6ea5")
    bars = ax.bar(labels, monthly["revenue"], color=colours)
    for bar, partial in zip(bars, monthly["partial"], strict=True):
        if partial:
            bar.set_hatch("//")
    ax.set_ylabel(f"revenue {currency}".strip())
    ax.set_title("Monthly revenue (hatched: month only partly in the data)")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    fig.tight_layout()
    return fig


def cohort_heatmap(retention: pd.DataFrame) -> plt.Figure:
    """Retention by acquisition cohort (rows) and months since first purchase (columns)."""
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(9, 0.35 * len(retention) + 1.5))
    sns.heatmap(
        retention,
        annot=retention.shape[1] <= 13,
        fmt=".0%",
        cmap="Blues",
        vmin=0,
        vmax=max(0.05, float(np.nanmax(retention.iloc[:, 1:].to_numpy())) if retention.shape[1] > 1 else 1),
        cbar_kws={"label": "share of cohort buying", "format": matplotlib.ticker.PercentFormatter(1.0)},
        annot_kws={"fontsize": 7},
        ax=ax,
    )
    ax.set_title("Cohort retention")
    ax.grid(False)
    fig.tight_layout()
    return fig
