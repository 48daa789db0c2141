"""One registry: chapters, their notebooks and defaults, the generated table of contents and front page."""

from __future__ import annotations

import ast
import json

import pytest
import yaml

from analysis import DataError
from analysis.book.runner import ROOT
from analysis.chapters import CHAPTERS, PARTS, get_chapter, select
from analysis.chapters._base import ChapterParams, Need
from analysis.chapters._base import parameters_cell_text
from analysis.book.pages import MIXED, build_table_md, chapters_md, toc_yaml, write_generated


def parameters_cell(chapter) -> dict:
    nb = json.loads(chapter.path(ROOT).read_text())
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{chapter.notebook}: exactly one cell tagged parameters"
    out = {}
    for node in ast.parse("".join(cells[0]["source"])).body:
        if isinstance(node, ast.Assign):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def test_registry_fields():
    assert [c.number for c in CHAPTERS] == list(range(1, len(CHAPTERS) + 1))
    assert len({c.name for c in CHAPTERS}) == len(CHAPTERS)
    for c in CHAPTERS:
        assert c.path(ROOT).exists() and c.notebook.startswith(f"{c.number:02d}_")
        assert c.part in PARTS and c.title and c.question.endswith("?") and c.needs
    # the book numbers chapters in reading order (parts in order, then the registry's order within a part)
    reading = sorted(CHAPTERS, key=lambda c: (PARTS.index(c.part), CHAPTERS.index(c)))
    assert [c.number for c in reading] == [c.number for c in CHAPTERS]


def test_every_chapter_folder_has_its_model_and_needs():
    for c in CHAPTERS:
        assert issubclass(c.params, ChapterParams) and all(isinstance(n, Need) for n in c.needs)
        assert callable(c.load) and ":" in c.loader


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_the_notebook_defaults_are_the_model_defaults(chapter):
    cell = parameters_cell(chapter)
    fields = chapter.params.model_fields
    assert set(cell) <= set(fields), f"not in the model: {set(cell) - set(fields)}"
    for name, value in cell.items():
        default = fields[name].get_default(call_default_factory=True)
        assert value == default, f"{chapter.notebook}: {name} = {value!r}, the model says {default!r}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_the_parameters_cell_is_the_models_text(chapter):
    nb = json.loads(chapter.path(ROOT).read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    assert "".join(cell["source"]) == parameters_cell_text(chapter.params)


def test_chapters_are_found_by_name_number_or_file():
    assert get_chapter("clustering") is get_chapter(2) is get_chapter("02") is get_chapter("02_clustering")
    assert select(None) == list(CHAPTERS) and select("concepts") == [CHAPTERS[0]]
    with pytest.raises(DataError, match="No chapter called 'nope'") as info:
        get_chapter("nope")
    assert "concepts (1)" in info.value.fix


def test_toc_keeps_every_chapter_in_its_place_once_one_is_built(tmp_path):
    assert yaml.safe_load(toc_yaml(tmp_path)) == {"format": "jb-book", "root": "intro"}
    (tmp_path / CHAPTERS[2].notebook).write_text("{}")
    toc = yaml.safe_load(toc_yaml(tmp_path))
    files = [c["file"] for p in toc["parts"] for c in p["chapters"]]
    assert files == [c.doc if c is CHAPTERS[2] else f"_unbuilt/{c.stem}" for c in CHAPTERS]  # chapter 3 stays 3
    assert all(p["numbered"] == 1 for p in toc["parts"])
    for c in CHAPTERS:
        (tmp_path / c.notebook).write_text("{}")
    parts = yaml.safe_load(toc_yaml(tmp_path))["parts"]
    assert [p["caption"] for p in parts] == [p for p in PARTS if any(c.part == p for c in CHAPTERS)]


def test_toc_numbers_the_chapters_and_ends_with_the_appendix(tmp_path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    (chapters / CHAPTERS[0].notebook).write_text("{}")
    for name in ("glossary", "notation", "bibliography"):
        (tmp_path / f"{name}.md").write_text(f"# {name}\n")
    parts = yaml.safe_load(toc_yaml(chapters))["parts"]
    assert all(p.get("numbered") for p in parts[:-1])
    assert parts[-1] == {"caption": "Appendix", "chapters": [{"file": "glossary"}, {"file": "notation"},
                                                             {"file": "bibliography"}]}  # fmt: skip
    (tmp_path / "spark.md").write_text("# Spark\n")  # the Spark page joins the appendix when it exists
    files = [c["file"] for c in yaml.safe_load(toc_yaml(chapters))["parts"][-1]["chapters"]]
    assert files == ["glossary", "notation", "spark", "bibliography"]


def test_the_projects_appendix_pages_exist():
    for name in ("glossary", "notation", "data", "workshop", "bibliography"):
        assert (ROOT / "book" / f"{name}.md").exists(), name


def test_front_page_chapter_list_links_built_chapters_only(tmp_path):
    (tmp_path / CHAPTERS[0].notebook).write_text("{}")
    text = chapters_md(tmp_path)
    assert f"{{doc}}`{CHAPTERS[0].doc}`" in text and "(not built yet)" in text
    assert all(c.question in text for c in CHAPTERS)


def run(data_id: str, when: str, **extra) -> dict:
    return {"data": data_id.split("#")[0], "data_id": data_id, "params": {}, "rows_read": 100, "rows_kept": 90,
            "executed_at": when, "seconds": 3.0, "key": "k", **extra}  # fmt: skip


def test_build_table_shows_data_parameters_rows_and_flags_mixed_data(tmp_path):
    for c in CHAPTERS:
        (tmp_path / c.notebook).write_text("{}")
    same = {c.name: run("shop", f"2026-01-0{c.number}T10:00:00") for c in CHAPTERS}
    text = build_table_md(same, tmp_path)
    assert ":::{container} build-table" in text and "90 of 100" in text and "2026-01-01 10:00" in text
    assert "{doc}`1. Concepts <chapters/01_concepts>`" in text
    assert MIXED not in text and "warning" not in text
    mixed = {**same, "clustering": run("/data/mine.csv#abc", "2026-02-01T10:00:00", params={"k": 4})}
    text = build_table_md(mixed, tmp_path)
    row = next(line for line in text.splitlines() if "02_clustering" in line)
    assert MIXED in row and "k = 4" in row and ":::{warning}" in text
    assert "| mine.csv (**ran on" in row and "/data/" not in row  # the file's name, not its path
    shop = {"concepts": run("shop", "2026-01-01T10:00:00", data="shop(n_customers=2000, seed=0)")}
    assert "built-in shop, 2,000 customers, seed 0" in build_table_md(shop, tmp_path)
    orders = {"risk": run("shop", "2026-01-01T10:00:00", data="shop(n_customers=3000, seed=0) orders")}
    assert "built-in shop, 3,000 customers, seed 0, its orders" in build_table_md(orders, tmp_path)
    assert MIXED not in next(line for line in text.splitlines() if "01_concepts" in line)


def test_generated_files_are_rewritten_only_when_their_text_changes(tmp_path):
    write_generated(tmp_path, {})
    toc = tmp_path / "_toc.yml"
    before = toc.stat().st_mtime_ns
    write_generated(tmp_path, {})
    assert toc.stat().st_mtime_ns == before
    assert (tmp_path / "_generated" / "build_table.md").exists() and (tmp_path / "_generated" / "chapters.md").exists()


def test_intro_includes_the_generated_tables():
    intro = (ROOT / "book" / "intro.md").read_text()
    assert "{include} _generated/chapters.md" in intro and "{include} _generated/build_table.md" in intro


def test_placeholders_exist_exactly_for_unbuilt_chapters(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / CHAPTERS[0].notebook).write_text("{}")
    write_generated(tmp_path, {})
    made = sorted(p.name for p in (tmp_path / "_unbuilt").iterdir())
    assert made == sorted(f"{c.stem}.md" for c in CHAPTERS[1:])
    text = (tmp_path / "_unbuilt" / f"{CHAPTERS[1].stem}.md").read_text()
    assert text.startswith(f"# {CHAPTERS[1].title}") and f"make chapter CH={CHAPTERS[1].name}" in text
    (tmp_path / "chapters" / CHAPTERS[1].notebook).write_text("{}")
    write_generated(tmp_path, {})
    assert not (tmp_path / "_unbuilt" / f"{CHAPTERS[1].stem}.md").exists()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_papermill_reads_every_parameter_line(chapter):
    """papermill's inspection (used by `papermill --help-notebook` and by JupyterLab extensions) skips a line whose
    comment holds an "=": every parameter must stay readable, so no meaning may contain one."""
    from papermill.translators import PythonTranslator

    text = parameters_cell_text(chapter.params)
    names = [p.name for p in PythonTranslator.inspect({"source": text})]
    assert names == list(chapter.params.model_fields)
