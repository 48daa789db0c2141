"""Run a chapter through papermill and read back what it glued."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.book.runner import ROOT, glued_values, tag_removed_cells


def execute(notebook: str, out_dir: Path, **params) -> dict[str, str]:
    import papermill as pm

    out = out_dir / Path(notebook).name
    pm.execute_notebook(str(ROOT / "notebooks" / notebook), str(out), parameters=params, progress_bar=False, cwd=str(out_dir))
    tag_removed_cells(out)
    return glued_values(out)


@pytest.fixture
def run_chapter(tmp_path):
    def run(notebook: str, **params) -> dict[str, str]:
        return execute(notebook, tmp_path, **params)

    return run
