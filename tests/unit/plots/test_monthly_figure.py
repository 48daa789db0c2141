"""concepts_figures.monthly_revenue: partial months drawn as labelled outlines, the best full month marked."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from analysis import plots  # noqa: E402
from analysis.chapters.concepts import figures as concepts_figures


def _monthly(revenue, days):
    idx = pd.date_range("2024-01-01", periods=len(revenue), freq="MS")
    out = pd.DataFrame({"revenue": revenue, "days": days}, index=idx)
    out["partial"] = out["days"] < idx.days_in_month
    return out


def test_partial_month_is_an_outline_even_when_tallest():
    fig = concepts_figures.monthly_revenue(_monthly([100.0, 300.0, 250.0, 400.0], [31, 29, 31, 29]), currency="GBP")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert len(bars) == 4
    by_height = {round(b.get_height()): b for b in bars}
    partial = by_height[400]
    assert partial.get_facecolor()[3] == 0 and partial.get_hatch() == "//"  # no fill: an outline
    assert all(by_height[h].get_facecolor()[3] == 1 and not by_height[h].get_hatch() for h in (100, 300, 250))
    assert np.allclose(by_height[300].get_facecolor(), to_rgba(plots.BLUE))  # the best *full* month is the dark one
    assert np.allclose(by_height[100].get_facecolor(), to_rgba(plots.SKY))
    texts = [t.get_text() for t in ax.texts]
    assert "partial\n29/30 days" in texts and "best full\nmonth" in texts
    assert ax.get_ylim()[1] > 400  # room for the labels
    assert "£" in ax.yaxis.get_major_formatter()(200, 0)
    plt.close(fig)


def test_no_full_month_draws_no_best_label():
    fig = concepts_figures.monthly_revenue(_monthly([5.0], [3]))
    assert [t.get_text() for t in fig.axes[0].texts] == ["partial\n3/31 days"]
    plt.close(fig)
