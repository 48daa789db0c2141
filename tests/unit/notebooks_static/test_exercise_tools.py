"""Exercises a participant can do from the page (issue 25, point 4).

Every name a solution uses from the chapter or the package (the chapter's
objects, their attributes and keys, package functions with their keyword
arguments, columns through ``analysis.schema``) appears as code in the chapter's
text or in the "What you can use" box that opens its exercises.
"""

from __future__ import annotations

import json

import pytest

from analysis.book.conventions import solution_names, unnamed_in_solutions
from analysis.book.runner import ROOT
from analysis.chapters import CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_every_name_a_solution_uses_is_shown_to_the_participant(chapter):
    path = ROOT / "notebooks" / chapter.notebook
    boxes = [c for c in json.loads(path.read_text())["cells"] if "exercise-tools" in c["metadata"].get("tags", [])]
    assert len(boxes) == 1 and "What you can use" in "".join(boxes[0]["source"])
    assert unnamed_in_solutions(path) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_without_its_box_a_chapter_hides_names_its_solutions_use(chapter, tmp_path):
    nb = json.loads((ROOT / "notebooks" / chapter.notebook).read_text())
    nb["cells"] = [c for c in nb["cells"] if "exercise-tools" not in c["metadata"].get("tags", [])]
    bare = tmp_path / chapter.notebook
    bare.write_text(json.dumps(nb))
    assert unnamed_in_solutions(bare) != []  # the box is what names them


def test_the_names_found_are_the_ones_the_issue_listed():
    names = {c.name: set().union(*solution_names(ROOT / "notebooks" / c.notebook).values()) for c in CHAPTERS}
    assert {"kpi.cohort_sizes", "month1", "cohorts"} <= names["concepts"]
    assert {"rfm_matrix", "log=", "frequency"} <= names["clustering"]  # S.FREQUENCY read as its column
    assert {"ease_lambda", "train.X"} <= names["recommend"]
    assert {"task.y", "M.mase", "INV.normal_safety_stock"} <= names["forecast"]
    assert {"C.min_cost_threshold", "C.cross_validate", "folds="} <= names["risk"]
    assert not any(n.startswith(("F.", "glue", "pd.", "np.")) for n in set().union(*names.values()))
