"""Text from a file never becomes code on a page: every chapter built on a log whose every text is hostile.

The log (tests/book/hostile.py) plants HTML elements (an ``<img onerror>``, a
``<script src>`` and an ``<iframe>`` to a ``.invalid`` host, all of class
``planted``), Markdown and MyST markup (links, glue roles, math, emphasis) and
spreadsheet formulas in its descriptions, categories, product and customer ids,
its column names (read through ``mapping``) and its file name. Headless
Chromium then opens every page: no planted element is in the DOM, no request
leaves the machine, no dialog opens, and the planted text reads as text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.book.hostile import write_hostile, write_hostile_labelled
from tests.book.test_book import copy_project, make

pytestmark = pytest.mark.book
PLANTED = ".planted, [onerror], [onload], script[src*='invalid'], iframe, a[href*='invalid'], img[src='x']"


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> Path:
    dest = copy_project(tmp_path_factory.mktemp("hostile"))
    data, params = write_hostile(tmp_path_factory.mktemp("data"))
    result = make(dest, "book", f"DATA={data}", f"PARAMS={params}")
    assert result.returncode == 0, result.stdout + result.stderr
    return dest


def problems_and_texts(browser, html: Path, pages: list[str]) -> tuple[list, dict[str, str]]:
    """Per page: planted elements in the DOM, requests that leave the machine, dialogs; and the page's text."""
    problems, texts = [], {}
    for name in pages:
        context = browser.new_context()
        page = context.new_page()
        outside, dialogs = [], []
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("file://", "data:", "blob:", "about:")) else None)  # fmt: skip
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((html / name).as_uri(), wait_until="load")
        page.wait_for_timeout(300)  # an onerror handler runs after the image fails
        found = page.evaluate(f"() => Array.from(document.querySelectorAll({PLANTED!r})).map(e => e.outerHTML)")
        if found or outside or dialogs or page.title() == "pwned":
            problems.append((name, found[:3], outside[:3], dialogs[:3], page.title()))
        texts[name] = page.evaluate("() => document.body.innerText")
        context.close()
    return problems, texts


def test_no_planted_element_runs_or_loads_on_any_page(hostile_project, browser):
    html = hostile_project / "book" / "_build" / "html"
    pages = ["intro.html", "data.html"] + sorted(f"chapters/{p.name}" for p in (html / "chapters").glob("*.html"))
    assert len(pages) >= 7
    problems, texts = problems_and_texts(browser, html, pages)
    assert problems == []
    # escaped, not dropped: the file name on the front page, the descriptions in a table, as the reader can read them
    assert "onerror=alert(1)> $1 `x` {glue}.csv" in texts["intro.html"]
    concepts = texts["chapters/01_concepts.html"]
    assert "<script class=\"planted\" src=\"http://evil.invalid/x.js\"></script>" in concepts
    assert "{glue:text}`n` **b** $x_1_2$ _u_" in concepts


def test_the_deliverables_hold_no_formula(hostile_project):
    import csv
    import re

    number = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
    files = sorted((hostile_project / "book" / "chapters").glob("*.csv"))
    assert len(files) >= 5  # one per chapter
    formulas = []
    for path in files:
        with open(path, newline="") as f:
            formulas += [(path.name, cell) for row in csv.reader(f) for cell in row
                         if cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not number.fullmatch(cell)]  # fmt: skip
    assert formulas == []
    customers = (hostile_project / "book" / "chapters" / "clustering_customers.csv").read_text()
    assert "'@C0" in customers  # the planted ids, kept, with their apostrophe


def test_a_labelled_table_with_hostile_column_names_and_values(hostile_project, browser, tmp_path):
    """The risk chapter's credit problem names the table's columns and categories in sentences, tables and figures."""
    data, params = write_hostile_labelled(tmp_path)
    result = make(hostile_project, "chapter", "CH=risk", f"DATA={data}", f"PARAMS={params}")
    assert result.returncode == 0, result.stdout + result.stderr
    html = hostile_project / "book" / "_build" / "html"
    problems, texts = problems_and_texts(browser, html, ["intro.html", "chapters/05_risk.html"])
    assert problems == []
    risk = texts["chapters/05_risk.html"]
    assert "score `x` $a_1_2$ **" in risk and "region <script class=planted>alert(6)</script>" in risk
