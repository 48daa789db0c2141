"""A sixth chapter is three steps and no other edit (analysis/chapters/README.md).

In a temporary copy of the project: (1) the template notebook copied to
``notebooks/06_topic.ipynb`` with the chapter's number put in (``00_topic`` ->
``06_topic``, ``Exercise 0.1`` -> ``Exercise 6.1``, ``ex0_1`` -> ``ex6_1``; the
name stays ``topic``), (2) ``analysis/chapters/_template/`` copied to
``analysis/chapters/topic/``, (3) one ``Chapter`` line in the registry. Then
``make chapter CH=topic`` must execute it and build it into the book.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from analysis.book.runner import ROOT, glued_values
from tests.book.test_book import copy_project, make

pytestmark = pytest.mark.book

REGISTRY_LINE = (
    '    Chapter("topic", 6, "06_topic.ipynb", "Topic: a sixth chapter", "Risk", '
    '"What does a new chapter look like?"),\n'
)


def add_chapter(project: Path) -> None:
    text = (ROOT / "notebooks" / "_template.ipynb").read_text(encoding="utf-8")
    text = re.sub(r"\b00_topic\b", "06_topic", text)
    text = re.sub(r"\b(Exercise|Solution) 0\.", r"\1 6.", text)
    text = re.sub(r"\bex0_", "ex6_", text)
    (project / "notebooks" / "06_topic.ipynb").write_text(text, encoding="utf-8")
    shutil.copytree(project / "analysis" / "chapters" / "_template", project / "analysis" / "chapters" / "topic")
    registry = project / "analysis" / "chapters" / "__init__.py"
    source = registry.read_text(encoding="utf-8")
    end = source.index(")  # fmt: skip", source.index("CHAPTERS: tuple[Chapter, ...] = ("))
    registry.write_text(source[:end] + REGISTRY_LINE + source[end:], encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    dest = copy_project(tmp_path_factory.mktemp("sixth"))
    add_chapter(dest)
    return dest


def test_the_three_steps_give_a_chapter_the_book_builds(project):
    (project / "tiny.yaml").write_text("shop_customers: 300\nseed: 2\n")
    result = make(project, "chapter", "CH=topic", "PARAMS=tiny.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    html = project / "book" / "_build" / "html"
    page = (html / "chapters" / "06_topic.html").read_text(encoding="utf-8")
    assert "Topic: a sixth chapter" in page or "Topic: the chapter" in page
    assert "Table 6.1" in page and "Figure 6.1" in page  # numbered as chapter 6
    assert "Exercise 6.1" in page
    glued = glued_values(project / "book" / "chapters" / "06_topic.ipynb")
    assert glued["aov_text"].strip() and glued["aov_text"] in page.replace("&#8364;", "€")
    assert "06_topic" in (project / "book" / "_toc.yml").read_text()  # the table of contents from the registry
    listing = make(project, "chapter")
    assert "topic" in listing.stdout  # `make chapter` lists it, with its parameters
    assert "top_fraction" in listing.stdout
