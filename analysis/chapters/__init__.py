"""The book's chapters, registered in one place.

Each chapter is a folder ``analysis/chapters/<name>/`` (``params.py`` with its
parameter model ``MODEL`` and its ``NEEDS``; ``steps.py``, ``findings.py``,
``figures.py``, ``truth.py`` as it needs them), a notebook in ``notebooks/``
copied from ``notebooks/_template.ipynb``, and one :class:`Chapter` line in
:data:`CHAPTERS` below. Everything that lists chapters reads :data:`CHAPTERS`:
the table of contents (``book/_toc.yml``, with parts), the front page, ``make
chapter`` without ``CH``, the runner and the tests. ``README.md`` beside this
file says what a chapter folder holds and how to add one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from analysis import features
from analysis.chapters._base import ChapterParams, Facts, Need, facts_from, shortfalls
from analysis.data.refusals import check_params

__all__ = ["CHAPTERS", "PARTS", "Chapter", "Facts", "check_chapter_params", "check_needs", "chapter_params", "facts_from",
           "get_chapter", "select", "takers"]  # fmt: skip
from analysis.errors import DataError

#: The parts of the book, in reading order (a part is shown once it has a chapter).
PARTS = ("Foundations", "Customers", "Products", "Demand", "Risk")


@dataclass(frozen=True)
class Chapter:
    name: str  # what CH= takes, and the folder analysis/chapters/<name>/
    number: int
    notebook: str  # file name in notebooks/
    title: str
    part: str  # one of PARTS
    question: str

    @property
    def module(self) -> ModuleType:
        """The chapter's ``params`` module: ``MODEL`` (its parameters), ``NEEDS``, optionally ``load``."""
        return importlib.import_module(f"{__name__}.{self.name}.params")

    @property
    def params(self) -> type[ChapterParams]:
        return self.module.MODEL

    @property
    def needs(self) -> tuple[Need, ...]:
        return tuple(self.module.NEEDS)

    @property
    def load(self) -> Callable[[ChapterParams], tuple[Any, Any]]:
        """Reads, checks and cleans the chapter's data from its parameters: ``(table, report)``.

        A transaction log (:func:`analysis.data.load_data`) unless the folder's ``params`` defines ``load``.
        """
        own = getattr(self.module, "load", None)
        if own is not None:
            return own
        from analysis.data import load_data

        return load_data

    @property
    def loader(self) -> str:
        """``module:function`` of :attr:`load`, for the runner's data cache (chapters with one loader share a read)."""
        return f"{self.load.__module__}:{self.load.__name__}"

    @property
    def stem(self) -> str:
        return Path(self.notebook).stem

    @property
    def doc(self) -> str:
        """The page's path in the book, as the table of contents and {doc} links name it."""
        return f"chapters/{self.stem}"

    def path(self, root: Path) -> Path:
        return root / "notebooks" / self.notebook


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("concepts", 1, "01_concepts.ipynb", "Concepts: the data of a shop, and how it is doing", "Foundations",
            "What does a shop's data look like, and how is it doing?"),
    Chapter("clustering", 2, "02_clustering.ipynb", "Clustering: customer segments and customer lifetime value",
            "Customers", "Who are our customers, which are worth the most, and which are slipping away?"),
    Chapter("recommend", 3, "03_recommend.ipynb", "Collaborative filtering: what to show each customer next",
            "Products", "What should we show each customer next, and how do we know it is good?"),
    Chapter("forecast", 4, "04_forecast.ipynb", "Forecasting: sales next week, and the stock to hold", "Demand",
            "How much will we sell next week, how sure are we, and how much stock should we hold?"),
    Chapter("risk", 5, "05_risk.ipynb", "Risk: fraud, credit default and churn", "Risk",
            "Which orders are fraudulent, which applicants will default, which customers are about to leave, "
            "and what should we do at which score?"),
)  # fmt: skip


def get_chapter(name: str | int) -> Chapter:
    """The chapter called ``name`` (its name, its number, or its notebook's stem)."""
    for ch in CHAPTERS:
        if str(name) in (ch.name, str(ch.number), f"{ch.number:02d}", ch.stem, ch.notebook):
            return ch
    raise DataError(
        f"No chapter called {name!r}.",
        parameter="CH (--chapter)",
        fix="choose one of: " + ", ".join(f"{c.name} ({c.number})" for c in CHAPTERS),
    )


def select(name: str | None) -> list[Chapter]:
    """Every chapter (``name`` None) or the one asked for."""
    return list(CHAPTERS) if name is None else [get_chapter(name)]


def takers(name: str) -> list[str]:
    """The chapters that take a parameter called ``name``."""
    return [c.name for c in CHAPTERS if name in c.params.model_fields]


def check_chapter_params(chapter: Chapter | str, values: Mapping[str, Any], *, source: str | None = None) -> ChapterParams:
    """``values`` checked by the chapter's model; unknown names refused (with the chapters that take them)."""
    chapter = get_chapter(chapter) if isinstance(chapter, str) else chapter
    return check_params(chapter.params, chapter.name, values, source=source, takers=takers)


def chapter_params(name: str, values: Mapping[str, Any]) -> ChapterParams:
    """The checked parameters of chapter ``name`` from ``values`` (a notebook's ``globals()``).

    Names that are not parameters of the chapter are ignored, so a notebook passes
    all its globals: ``P = chapter_params("clustering", globals())``. The parameters'
    ``engine`` becomes the engine of :mod:`analysis.features` for the calls that
    name none (:func:`analysis.features.use_engine`): every derived table the
    chapter reads then comes from that engine.
    """
    chapter = get_chapter(name)
    model = chapter.params
    if isinstance(values, model):
        params = values
    else:
        known = {k: v for k, v in values.items() if k in model.model_fields}
        params = check_chapter_params(chapter, known, source=f"chapter {chapter.name}")
    features.use_engine(params.engine)
    return params


def check_needs(chapter: Chapter | str, params, report, table: pd.DataFrame | None = None) -> Facts:
    """Raise DataError when the data (described by ``report``) fall short of ``chapter``'s needs.

    ``chapter`` is a registry entry or a chapter name; ``params`` its checked
    parameters. Returns the facts the verdict was based on.
    """
    chapter = get_chapter(chapter) if isinstance(chapter, str) else chapter
    facts = report if isinstance(report, Facts) else facts_from(report, table)
    missing = shortfalls(chapter.needs, params, facts)
    if missing:
        first = missing[0]
        raise DataError(
            f"Chapter {chapter.name} cannot run on these data. " + " ".join(m.problem for m in missing),
            source=facts.source,
            parameter=", ".join(dict.fromkeys(m.parameter for m in missing)),
            rows=[r for m in missing for r in m.rows],
            fix="; ".join(dict.fromkeys(m.fix for m in missing)) if len(missing) > 1 else first.fix,
        )
    return facts
