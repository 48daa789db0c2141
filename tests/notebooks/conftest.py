"""Run a chapter through papermill and read back what it glued."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.book.runner import ROOT, glued_values, tag_removed_cells


def execute(notebook: str, out_dir: Path, **params) -> dict[str, str]:
    import papermill as pm

    out = out_dir / Path(notebook).name
    before = {p.name: p.stat().st_mtime_ns for p in out_dir.glob("*.csv")}
    pm.execute_notebook(str(ROOT / "notebooks" / notebook), str(out), parameters=params, progress_bar=False, cwd=str(out_dir))
    tag_removed_cells(out)
    written = sorted(p.name for p in out_dir.glob("*.csv") if before.get(p.name) != p.stat().st_mtime_ns)
    check_deliverables(out_dir, written)
    glued = glued_values(out)
    audit_run(out_dir, Path(notebook).name, glued)  # every claim the run checked, and none missing
    return glued


def audit_run(out_dir: Path, notebook: str, glued: dict[str, str]) -> None:
    """:func:`tests.claims_audit.audit` for the chapter of ``notebook`` (a registry chapter's file name)."""
    from analysis.chapters import CHAPTERS
    from tests.claims_audit import audit

    chapter = next(ch.name for ch in CHAPTERS if ch.notebook == notebook)
    audit(out_dir, chapter, glued)


def check_deliverables(folder: Path, written: list[str]) -> None:
    """Every CSV a chapter run wrote is a resource of the ``datapackage.json`` beside it, and the
    ``frictionless`` library validates each against its Table Schema (types, primary key, columns)."""
    import frictionless

    from analysis.page import DESCRIPTOR

    if not written:
        return
    package = frictionless.Package(str(folder / DESCRIPTOR))
    paths = {r.path for r in package.resources}
    assert set(written) <= paths, f"CSV written without a resource in {DESCRIPTOR}: {sorted(set(written) - paths)}"
    for resource in package.resources:
        assert all(f.description and "unit" in f.to_dict() for f in resource.schema.fields), resource.name
    report = package.validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]


@pytest.fixture
def run_chapter(tmp_path):
    def run(notebook: str, **params) -> dict[str, str]:
        return execute(notebook, tmp_path, **params)

    return run


@pytest.fixture(scope="module")
def run_dir(request, tmp_path_factory) -> Path:
    """The folder a test module's chapter runs in (its NOTEBOOK, executed once with its TINY parameters)."""
    return tmp_path_factory.mktemp(Path(request.module.NOTEBOOK).stem)


@pytest.fixture(scope="module")
def glued(request, run_dir) -> dict[str, str]:
    """What the module's NOTEBOOK glued, executed once with the module's TINY parameters."""
    return execute(request.module.NOTEBOOK, run_dir, **request.module.TINY)


def same_again(notebook: str, params: dict, glued: dict[str, str], folder: Path) -> None:
    """Execute ``notebook`` again with the same parameters: every glued value must come back the same."""
    again = execute(notebook, folder, **params)
    assert again.keys() == glued.keys(), sorted(again.keys() ^ glued.keys())
    differ = {k: (glued[k], again[k]) for k in glued if glued[k] != again[k]}
    assert not differ, differ
