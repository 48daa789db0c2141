"""The Concepts chapter's own figures; each function returns a matplotlib Figure in the book's one style
(:mod:`analysis.plots`: palette, fonts, money axes)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import FancyBboxPatch

from analysis import fmt
from analysis import schema as S
from analysis.plots import BLUE, GREY, PALE, SKY

__all__ = ["cohort_heatmap", "data_model_diagram", "monthly_revenue"]


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
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.01", fc=PALE, ec=BLUE, lw=1.5))
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
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": BLUE, "lw": 1.5})
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.03, label, ha="center", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.tight_layout()
    return fig

def monthly_revenue(monthly: pd.DataFrame, *, currency: str = "") -> plt.Figure:
    """Bars of monthly revenue from :func:`analysis.kpi.monthly`.

    Full months are solid, the best of them darker and labelled; a month the data
    cover only in part is an empty hatched outline labelled with the days it
    covers, so it never reads as a month to compare, even when it is the tallest.
    """
    fig, ax = plt.subplots()
    labels = monthly.index.strftime("%Y-%m")
    pos = np.arange(len(labels))
    partial = monthly["partial"].to_numpy(dtype=bool)
    revenue = monthly["revenue"].to_numpy(dtype=float)
    full = np.flatnonzero(~partial)
    best = full[np.argmax(revenue[full])] if len(full) else None
    colours = [BLUE if i == best else SKY for i in full]
    ax.bar(pos[full], revenue[full], color=colours, label="full month")
    if partial.any():
        ax.bar(
            pos[partial], revenue[partial], color="none", edgecolor=GREY, hatch="//", ls="--",
            label="month only partly in the data",
        )  # fmt: skip
    top = float(np.nanmax(revenue)) if len(revenue) else 1.0
    days = monthly["days"] if "days" in monthly else pd.Series(np.nan, index=monthly.index)
    for i in np.flatnonzero(partial):
        month = monthly.index[i]
        ax.text(pos[i], revenue[i] + 0.02 * top, f"partial\n{days.iloc[i]:.0f}/{month.days_in_month} days",
                ha="center", va="bottom", fontsize=7, color=GREY)  # fmt: skip
    if best is not None:
        label = "best full\nmonth"
        ax.text(pos[best], revenue[best] + 0.02 * top, label, ha="center", va="bottom", fontsize=7, color=BLUE)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    ax.set_ylabel(f"revenue ({currency})" if currency else "revenue")
    ax.set_title("Monthly revenue")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt.money(v, currency, 0)))
    step = max(1, len(labels) // 12)
    ax.set_xticks(pos[::step], labels[::step], rotation=45, ha="right")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig

def cohort_heatmap(retention: pd.DataFrame, censored: list[str] | tuple[str, ...] = ()) -> plt.Figure:
    """Retention by acquisition cohort (rows) and months since first purchase (columns); the ``censored``
    cohorts (already customers when the log starts) are labelled so."""
    import seaborn as sns

    if retention.empty:
        fig, ax = plt.subplots(figsize=(9, 1.6))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No calendar month is covered completely: no retention to show.", ha="center", va="center")
        return fig
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
    ax.set_yticklabels([f"{c} (already customers)" if c in censored else c for c in retention.index], rotation=0)
    ax.set_title("Cohort retention")
    ax.set_xlabel("months since the first purchase")
    ax.set_ylabel("cohort (month of the first purchase)")
    ax.grid(False)
    fig.tight_layout()
    return fig
