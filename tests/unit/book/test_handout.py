"""make handout: each chapter's exercises without solutions, and with them, from the same notebook."""

from __future__ import annotations

import nbformat

from analysis.book import handout
from analysis.book.runner import ROOT


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_both_versions_of_every_chapter_with_exercises(tmp_path):
    files = handout.build_handout(ROOT, tmp_path, log=open("/dev/null", "w"))
    names = {f.name for f in files}
    assert {"01_concepts_exercises.ipynb", "01_concepts_solutions.ipynb", "02_clustering_exercises.ipynb",
            "02_clustering_solutions.ipynb", "README.md"} <= names  # fmt: skip
    for stem in ("01_concepts", "02_clustering"):
        source = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        exercises = nbformat.read(tmp_path / f"{stem}_exercises.ipynb", as_version=4)
        solutions = nbformat.read(tmp_path / f"{stem}_solutions.ipynb", as_version=4)
        n = sum("exercise" in _tags(c) for c in source.cells)
        assert n >= 4
        assert not any("solution" in _tags(c) for c in exercises.cells)
        assert "_sentence" not in "".join(c.source for c in exercises.cells if "{glue:md}`ex" in c.source)
        assert sum("answer" in _tags(c) for c in exercises.cells) == n
        assert len(exercises.cells) == len(source.cells) - sum("solution" in _tags(c) for c in source.cells) + n
        assert [c.source for c in solutions.cells] == [c.source for c in source.cells]
        assert not any(set(_tags(c)) & handout.FOLD for c in solutions.cells if "solution" in _tags(c))
        assert sum("parameters" in _tags(c) for c in exercises.cells) == 1
    assert "| 1. " in (tmp_path / "README.md").read_text()


def test_a_chapter_without_exercises_is_skipped_and_named(tmp_path, monkeypatch, capsys):
    from analysis import chapters

    bare = tmp_path / "notebooks"
    bare.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x")])
    for ch in chapters.CHAPTERS:
        nbformat.write(nb, bare / ch.notebook)
    assert handout.main(tmp_path, tmp_path / "out") == 1
    assert "no exercises tagged 'exercise' yet, skipped" in capsys.readouterr().out


def test_the_workshop_agenda_fits_its_three_hours_and_marks_the_discussions():
    """book/workshop.md: the agenda's blocks follow each other and end at 3:00; extensions are discussions."""
    import re

    text = (ROOT / "book" / "workshop.md").read_text()
    agenda = text.split("## Agenda", 1)[1]
    rows = re.findall(r"^\| (\d):(\d\d) \| (\d+) \| ([^|]+)\|", agenda, flags=re.M)
    assert rows
    clock = 0
    for hours, minutes, length, _ in rows:
        assert int(hours) * 60 + int(minutes) == clock
        clock += int(length)
    assert clock == 180
    blocks = {what: int(length) for _, _, length, what in rows}
    for chapter, measured in ((1, 40), (2, 35)):  # the trial's measured exercise blocks (issue 25)
        block = next(w for w in blocks if w.startswith(f"Exercises {chapter}.1"))
        assert blocks[block] == measured and f"{chapter}.4 (extension, **discussion**" in block
    assert "Homework" in text
