"""One figure style: the colour-blind-safe palette, sizes for the page width, labelled axes with units."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis import plots  # noqa: E402
from analysis.chapters.clustering import figures as clustering_figures

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}


def test_style_sets_the_okabe_ito_cycle_and_page_width():
    plots.style()
    cycle = [c.upper() for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert set(cycle) == OKABE_ITO and len(cycle) == 8
    assert plt.rcParams["figure.figsize"][0] == plots.PAGE_WIDTH and plt.rcParams["font.size"] >= 10


def test_no_colour_outside_the_palette_in_the_figure_code():
    import re
    from pathlib import Path

    package = Path(plots.__file__).parent
    files = [Path(plots.__file__), *sorted((package / "chapters").glob("*/figures.py"))]
    source = "".join(f.read_text() for f in files)
    colours = {c.upper() for c in re.findall(r'"(#[0-9a-fA-F]{6})"', source)}
    assert colours <= OKABE_ITO | {plots.GREY.upper(), plots.PALE.upper()}


def _labels(fig) -> list[tuple[str, str]]:
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes if ax.get_visible() and ax.axison]


def test_every_axis_of_the_chapter_figures_is_labelled():
    plots.style()
    table = pd.DataFrame({"k": [2, 3, 4], "inertia": [9.0, 5.0, 4.0], "silhouette": [0.4, 0.35, 0.3]})
    holdout = pd.DataFrame({"x": [0, 1, 2], "actual": [0.1, 0.5, 1.0], "predicted": [0.2, 0.4, 1.1]})
    dates = pd.date_range("2024-01-01", periods=5)
    figures = [
        clustering_figures.k_choice(table, 2, 3),
        clustering_figures.k_distance(np.linspace(0, 1, 50), 0.5, 10),
        clustering_figures.holdout(holdout, 2),
        clustering_figures.tracking(dates, np.arange(5.0), np.arange(5.0), "2024-01-03"),
        clustering_figures.scatter_segments(np.random.default_rng(0).normal(size=(40, 2)), pd.Series(["a", "b"] * 20),
                               xlabel="PC1 (40% of variance)", ylabel="PC2 (20%)"),  # fmt: skip
    ]
    for fig in figures:
        for xlabel, ylabel in _labels(fig):
            assert xlabel.strip() and ylabel.strip(), (fig.axes[0].get_title(), xlabel, ylabel)
        plt.close(fig)


def test_scatter_colours_come_from_the_palette():
    plots.style()
    fig = clustering_figures.scatter_segments(np.zeros((6, 2)), pd.Series(list("abcabc")), xlabel="x", ylabel="y")
    used = {matplotlib.colors.to_hex(c.get_facecolor()[0]).upper() for c in fig.axes[0].collections}
    assert used <= OKABE_ITO and len(used) == 3
    plt.close(fig)


def test_money_axis_writes_the_currency():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 2500])
    plots.money_axis(ax, "GBP")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert any("£" in t or "GBP" in t for t in labels), labels
    plt.close(fig)
