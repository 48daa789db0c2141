"""Shared fixtures: paths to the real data sets beside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def _shared(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data not present: {path} (the ../shared/data folder beside the project)")
    return path


@pytest.fixture
def online_retail() -> Path:
    return _shared("online_retail/online_retail.parquet")


@pytest.fixture
def movielens() -> Path:
    return _shared("ml-100k/u.data")


@pytest.fixture
def german_credit() -> Path:
    return _shared("german_credit/german.data")
