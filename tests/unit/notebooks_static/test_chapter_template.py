"""notebooks/_template.ipynb, the skeleton of every chapter, and Concepts: valid, output-free, fixed sections."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "notebooks" / "_template.ipynb"
CONCEPTS = ROOT / "notebooks" / "01_concepts.ipynb"
# Headings every chapter has, in this order (numbered sections go between Setup and the findings).
FIXED = ["Setup", "What this run found", "Exercises", "References"]


def _read(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def _headings(nb) -> list[str]:
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return re.findall(r"^##? (.+)$", text, flags=re.M)


@pytest.mark.parametrize("path", [TEMPLATE, CONCEPTS], ids=["template", "concepts"])
def test_valid_output_free_with_one_parameters_cell(path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit notebooks without outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    assert "data = " in tagged[0].source and "seed = " in tagged[0].source


@pytest.mark.parametrize("path", [TEMPLATE, CONCEPTS], ids=["template", "concepts"])
def test_fixed_sections_in_order(path):
    nb = _read(path)
    headings = _headings(nb)
    assert nb.cells[0].source.startswith("# ") and "**The question.**" in nb.cells[0].source
    assert "**Learning objectives.**" in nb.cells[0].source
    positions = [headings.index(h) for h in FIXED]
    assert positions == sorted(positions)
    numbered = [h for h in headings[positions[0] + 1 : positions[1]] if re.match(r"\d+\. ", h)]
    assert numbered, "numbered sections between Setup and the findings"
    source = "\n".join(c.source for c in nb.cells)
    for call in ("page.parameters_table(", "page.data_banner(", "page.findings_box(", "page.write_csv(", "plots.table("):
        assert call in source
    assert re.search(r"\$\$ \((\w|-)+\)", source), "a numbered formula"
    assert "{glue:figure}" in source and "{download}" in source
    assert ":class: dropdown" in source, "exercise solutions behind a toggle"
    solutions = [c for c in nb.cells if c.cell_type == "code" and "hide-cell" in c.metadata.get("tags", [])]
    assert solutions and all("glue(" in c.source for c in solutions)


def test_template_is_not_a_chapter():
    assert TEMPLATE.name.startswith("_")
    chapters = pytest.importorskip("analysis.book.chapters", reason="the chapter registry is not there yet")
    assert TEMPLATE.name not in {ch.notebook for ch in chapters.CHAPTERS}


def test_concepts_has_graded_exercises():
    nb = _read(CONCEPTS)
    exercises = next(c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## Exercises"))
    items = re.findall(r"^\d+\. \*\*(Warm-up|Analysis|Extension)", exercises, flags=re.M)
    assert len(items) >= 4 and {"Warm-up", "Analysis", "Extension"} <= set(items)
    assert sum(1 for c in nb.cells if c.cell_type == "markdown" and ":class: dropdown" in c.source) == len(items)
