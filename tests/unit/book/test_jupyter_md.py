"""analysis.book.jupyter_md: MyST of an executed notebook rewritten as plain Markdown with the run's values."""

from __future__ import annotations

import base64

import nbformat
import pytest

from analysis.book import jupyter_md as J
from analysis.book.runner import ROOT
from analysis.errors import DataError

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def record(name: str, **data) -> dict:
    return nbformat.v4.new_output(
        "display_data", data={J.PREFIX + k: v for k, v in data.items()},
        metadata={"scrapbook": {"name": name, "mime_prefix": J.PREFIX}},
    )  # fmt: skip


def notebook(*markdown: str):
    code = nbformat.v4.new_code_cell("glue(...)")
    code.outputs = [
        record("n", **{"text/plain": "1234.5"}),
        record("share", **{"text/plain": "np.float64(0.256)"}),
        record("sentence", **{"text/markdown": "Half the revenue comes from **7%** of the customers.",
                              "text/plain": "<IPython.core.display.Markdown object>"}),
        record("kpis", **{"text/html": "<table>\n\n  <tr><td>1</td></tr>\n</table>", "text/plain": "Styler"}),
        record("monthly", **{"image/png": PNG, "text/plain": "<Figure>"}),
    ]  # fmt: skip
    return nbformat.v4.new_notebook(cells=[code, *(nbformat.v4.new_markdown_cell(m) for m in markdown)])


SOURCE = [
    "We kept {glue:text}`n:,.0f` lines; {glue:text}`share:.1%` of them, {numref}`tab-kpis`. {glue:md}`sentence`",
    "```{glue:figure} kpis\n:name: tab-kpis\n\nHeadline KPIs.\n```",
    "$$\nR = \\sum q p\n$$ (rev)\n\nBy eq. {eq}`rev`, see {numref}`fig-monthly` and the {term}`cohort <cohort retention>`.",
    "```{glue:figure} monthly\n:name: fig-monthly\n:alt: Bars by month.\n\nMonthly revenue.\n```",
    ":::{admonition} Exercise 1.1 (warm-up): The typical customer\n:class: exercise\nWhat is the median? "
    "{footcite}`chen2012online`\n:::\n\n```{footbibliography}\n```",
]


def render(nb):
    return J.for_jupyter(nb, J.numbering(nb, 3), J.bibliography(ROOT / "book" / "references.bib"))


def test_values_numbers_and_boxes_read_as_on_the_page():
    out = render(notebook(*SOURCE))
    md = [c for c in out.cells if c.cell_type == "markdown"]
    assert md[0].source == ("We kept 1,234 lines; 25.6% of them, Table 3.1. "
                            "Half the revenue comes from **7%** of the customers.")  # fmt: skip
    assert md[1].source.startswith("**Table 3.1.** Headline KPIs.\n\n<div>\n<table>\n<tr><td>1</td></tr>")
    assert "\n\n" not in md[1].source.split("<div>")[1]  # one HTML block: no blank line inside
    assert "\\tag{3.1}" in md[2].source and "(rev)" not in md[2].source
    assert "By eq. (3.1), see Figure 3.1 and the cohort." in md[2].source
    assert md[3].source == "![Bars by month.](attachment:fig-monthly.png)\n\n**Figure 3.1.** Monthly revenue."
    assert md[3].attachments["fig-monthly.png"]["image/png"] == PNG
    assert md[4].source.startswith("> **Exercise 1.1 (warm-up): The typical customer**\n>\n> What is the median? (Chen et al., 2012)")
    assert "**References**" in md[4].source and "Data mining for the online retail industry" in md[4].source
    assert J.raw_myst(out) == []
    assert J.raw_myst(notebook(*SOURCE)) != []  # the check sees the MyST it guards against


def test_a_value_the_notebook_never_glued_is_named():
    with pytest.raises(DataError, match="'missing'"):
        render(notebook("This run: {glue:md}`missing`"))


def test_a_role_it_cannot_render_is_refused_by_name():
    with pytest.raises(DataError, match="role"):
        render(notebook("see {ref}`somewhere`"))


def test_numbers_follow_the_full_chapter_not_the_exercises_version():
    nb = notebook("```{glue:figure} kpis\n:name: tab-a\n\nA.\n```", "```{glue:figure} kpis\n:name: tab-b\n\nB.\n```")
    numbers = J.numbering(nb, 2)
    assert numbers.tables == {"tab-a": "2.1", "tab-b": "2.2"}
    short = notebook("```{glue:figure} kpis\n:name: tab-b\n\nB.\n```")
    assert J.for_jupyter(short, numbers, {}).cells[1].source.startswith("**Table 2.2.** B.")
