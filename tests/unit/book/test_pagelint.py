"""The page lint (analysis.book.pagelint): one planted defect of each kind on a page shaped like the book's
(an article column, numbered figures and tables, math spans), each found and named by page and element; the
same page without them passes; text from the data (written as character references) is not markup."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from analysis import page as P  # noqa: E402
from analysis.book import pagelint  # noqa: E402

PAGE = "chapters/09_test.html"


def html_page(body: str, width: int = 700) -> str:
    return (f"<html><head><style>article.bd-article {{ width: {width}px; }}</style></head><body>"
            f'<main id="main-content"><article class="bd-article"><section id="the-section"><h1>T</h1>{body}'
            "</section></article></main></body></html>")  # fmt: skip


def write(tmp_path: Path, body: str, **kw) -> Path:
    html = tmp_path / "html"
    (html / "chapters").mkdir(parents=True, exist_ok=True)
    (html / PAGE).write_text(html_page(body, **kw))
    return html


CLEAN = """
<p>Revenue rose (eq. <span class="math notranslate nohighlight">\\(\\pi \\cdot x\\)</span>); see
<a href="#fig-a">Figure 9.1</a>.</p>
<div class="math notranslate nohighlight" id="equation-a">\\[\\frac{a}{b}\\]</div>
<div class="highlight"><pre>print(":::{note}")  # code may show anything: {glue:text}`x` $\\pi$</pre></div>
<figure id="tab-a"><figcaption><span class="caption-number">Table 9.1 </span></figcaption>
<table><thead><tr><th>model</th><th>MAE</th></tr></thead><tbody><tr><td>naive</td><td>—</td></tr>
<tr><td>nan-free</td><td>1.2</td></tr></tbody></table></figure>
<div class="run-parameters"><table><tbody><tr><td><code>target</code></td><td><code>None</code></td></tr></tbody>
</table></div>
"""


def kinds(problems) -> list[str]:
    return [p.what.split(":")[0].split(" (")[0] for p in problems]


def test_a_clean_page_passes(tmp_path):
    assert pagelint.static_problems(write(tmp_path, CLEAN), PAGE) == []


@pytest.mark.parametrize(
    ("planted", "kind", "element"),
    [
        ('<p id="p1">See the note.</p><section id="s2"><p>:::{note} Read this first. :::</p></section>',
         "literal MyST or glue syntax", "<p> in section #s2"),
        ('<section id="s3"><p>The value is {glue:text}`revenue:,.0f` a month.</p></section>',
         "literal MyST or glue syntax", "<p> in section #s3"),
        ('<section id="s4"><p>As {numref}`tab-a` shows.</p></section>', "literal MyST or glue syntax",
         "<p> in section #s4"),
        ('<section id="s5"><p>Expected value: $\\pi$ is $\\pi \\cdot$ margin.</p></section>',
         "unrendered LaTeX outside math", "<p> in section #s5"),
        ('<figure id="tab-b"><figcaption><span class="caption-number">Table 9.2 </span></figcaption><table><thead>'
         "<tr><th>k</th><th>score</th></tr></thead><tbody><tr><td>3</td><td>nan</td></tr></tbody></table></figure>",
         "cell 'nan'", "<table> in figure Table 9.2 #tab-b"),
        ("<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>£inf</td></tr><tr><td>None</td></tr></tbody>"
         "</table>", "cell '£inf'", "<table> in section #the-section"),
    ],
)  # fmt: skip
def test_each_planted_text_defect_is_found_and_named(tmp_path, planted, kind, element):
    problems = pagelint.static_problems(write(tmp_path, CLEAN + planted), PAGE)
    assert problems, planted
    assert problems[0].page == PAGE and problems[0].element == element
    assert problems[0].what.startswith(kind)
    assert str(problems[0]).startswith(f"{PAGE}: {element}: ")


def figure_png(folder: Path, draw) -> str:
    fig, ax = plt.subplots()
    draw(ax)
    png = P.FigurePNG(fig)
    plt.close(fig)
    (folder / "_images").mkdir(parents=True, exist_ok=True)
    name = f"fig{len(list((folder / '_images').iterdir()))}.png"
    (folder / "_images" / name).write_bytes(png.png)
    return name


def test_an_image_of_an_empty_plot_is_found_by_the_figure_helpers_record(tmp_path):
    html = write(tmp_path, CLEAN)
    full = figure_png(html, lambda ax: ax.plot([1, 2], [3, 4]))
    empty = figure_png(html, lambda ax: (ax.plot([], []), ax.set_xlim(-0.04, 0.04)))
    body = (f'<figure id="fig-a"><img src="../_images/{full}" alt="a line"></figure>'
            f'<figure id="fig-b"><figcaption><span class="caption-number">Figure 9.2 </span></figcaption>'
            f'<img src="../_images/{empty}" alt="the partial dependence"></figure>')  # fmt: skip
    (html / PAGE).write_text(html_page(CLEAN + body))
    problems = pagelint.static_problems(html, PAGE)
    assert len(problems) == 1 and problems[0].element == "<img> in figure Figure 9.2 #fig-b"
    assert "an empty plot" in problems[0].what


def test_glue_figure_puts_a_sentence_in_place_of_an_empty_figure(monkeypatch):
    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display=False: glued.update({name: value}))
    fig, ax = plt.subplots()
    ax.plot([float("nan")], [float("nan")])
    assert P.glue_figure("fig-x", fig, empty="No customer has a second order on these data.") == 0
    assert "empty-figure" in glued["fig-x"].data and "No customer has a second order" in glued["fig-x"].data
    fig, ax = plt.subplots()
    ax.bar(["a"], [2.0])
    assert P.glue_figure("fig-y", fig) == 1
    assert isinstance(glued["fig-y"], P.FigurePNG) and repr(glued["fig-y"]).startswith("<Figure size")


def test_text_from_the_data_is_not_markup(tmp_path):
    """A description ``{glue:text}`n` $\\x`` glued through fmt.escape is data: the lint reads it back from the
    executed notebook's glued Markdown (character references) and lets it pass; the same text typed is caught."""
    from analysis import fmt

    hostile = "{glue:text}`n` :::{note} $\\x"
    notebook = tmp_path / "09_test.ipynb"
    glued = f"The top product is {fmt.escape(hostile)}, bought 3 times."
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "", "outputs": [
        {"output_type": "display_data", "metadata": {"scrapbook": {"name": "top"}},
         "data": {"application/papermill.record/text/markdown": glued}}]}]}))  # fmt: skip
    data = pagelint.data_texts(notebook)
    html = write(tmp_path, CLEAN + f"<p>The top product is {hostile}, bought 3 times.</p>")
    assert pagelint.static_problems(html, PAGE, data) == []
    (html / PAGE).write_text(html_page(CLEAN + f"<p>The top product is {hostile}, bought 3 times.</p>"
                                       "<p>And {glue:md}`finding` typed by the chapter.</p>"))  # fmt: skip
    problems = pagelint.static_problems(html, PAGE, data)
    assert len(problems) == 1 and "glue:md" in problems[0].what


WIDE = "".join(f"<th>column{i}_{'w' * 12}</th>" for i in range(12))


@pytest.mark.skipif(pagelint.browser() is None, reason="needs Playwright and Chromium (the book tier's browser)")
def test_a_table_or_equation_wider_than_the_column_at_1280_px_is_found_in_the_browser(tmp_path):
    body = (f'<figure id="tab-wide"><figcaption><span class="caption-number">Table 9.3 </span></figcaption>'
            f'<div class="book-table" style="overflow-x: auto; max-width: 100%;"><table><thead><tr>{WIDE}</tr>'
            f"</thead></table></div></figure>"
            '<div class="math" id="equation-wide" style="overflow-x: auto;"><span class="eqno">(9.1)</span>'
            f'<span style="display: inline-block; width: 1400px;">x = a + b + c</span></div>'
            "<table><tr><td>narrow</td></tr></table>")  # fmt: skip
    html = write(tmp_path, CLEAN + body)
    problems = pagelint.width_problems(html, [PAGE], pagelint.browser())
    names = [p.element for p in problems]
    assert names == ["table Table 9.3 #tab-wide", "equation (9.1) #equation-wide"], problems
    assert all("the text column 700 px at a 1280 px window" in p.what for p in problems)
    narrow = write(tmp_path / "narrow", CLEAN)
    assert pagelint.width_problems(narrow, [PAGE], pagelint.browser()) == []


@pytest.mark.skipif(pagelint.browser() is None, reason="needs Playwright and Chromium (the book tier's browser)")
def test_the_width_check_runs_where_an_asyncio_loop_is_already_running(tmp_path):
    """Under Jupyter, or in a process that executed a notebook, a loop is running; Playwright's sync API
    refuses such a thread (CI found it when the book tier ran before this file in one process)."""
    import asyncio

    html = write(tmp_path, CLEAN + f"<table><tr>{WIDE}</tr></table>")

    async def inside_a_loop():
        return pagelint.width_problems(html, [PAGE], pagelint.browser())

    problems = asyncio.run(inside_a_loop())
    assert len(problems) == 1 and problems[0].element.startswith("table") and "px wide" in problems[0].what, problems


def test_without_a_browser_the_lint_says_the_widths_were_not_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(pagelint, "browser", lambda: None)
    problems, note = pagelint.lint_book(write(tmp_path, CLEAN), [(PAGE, None)])
    assert problems == [] and "widths not checked" in note and "the other checks ran" in note


def test_a_lint_problem_fails_the_build_and_keeps_the_last_good_book(tmp_path, monkeypatch):
    from analysis.book import runner

    paths = runner.Paths(tmp_path)
    (paths.build / "html").mkdir(parents=True)
    (paths.build / "html" / "index.html").write_text("the last good book")
    new = paths.build_new / "_build" / "html"
    shutil.copytree(write(tmp_path / "src", CLEAN + "<p>{numref}`tab-x` says so.</p>"), new)
    first = runner.CHAPTERS[0]
    (new / "chapters" / f"{first.stem}.html").write_text((new / PAGE).read_text())
    paths.chapters.mkdir(parents=True)
    (paths.chapters / first.notebook).write_text(json.dumps({"cells": []}))
    monkeypatch.setattr(pagelint, "browser", lambda: None)
    with pytest.raises(runner.ChapterFailed, match=rf"chapters/{first.stem}.html: <p> in section #the-section: "
                                                   r"literal MyST or glue syntax: '\{numref'"):  # fmt: skip
        runner.lint_html(paths)
    assert not paths.build_new.exists() and (paths.build / "html" / "index.html").read_text() == "the last good book"


def test_a_decision_tree_drawn_as_boxed_notes_counts_as_drawn_and_plain_text_does_not():
    from sklearn.tree import DecisionTreeClassifier, plot_tree

    from analysis.plots import drawn

    fig, ax = plt.subplots()
    plot_tree(DecisionTreeClassifier(max_depth=1, random_state=0).fit([[0], [1], [2], [3]], [0, 0, 1, 1]), ax=ax)
    assert drawn(fig) == 3  # the root and its two leaves
    fig2, ax2 = plt.subplots()
    ax2.annotate("a note", (0.5, 0.5))
    ax2.axhline(0.0)
    assert drawn(fig2) == 0
    plt.close(fig)
    plt.close(fig2)
