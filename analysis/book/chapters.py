"""The book's chapters, registered in one place.

Everything that lists chapters is generated from :data:`CHAPTERS`: the table of
contents (``book/_toc.yml``, with parts), the chapter list on the front page,
``make chapter`` without ``CH`` and the runner. A new chapter is one
:class:`Chapter` entry here, a parameter model in :mod:`analysis.book.params`
and its notebook (copied from ``notebooks/_template.ipynb``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.book import needs as N
from analysis.book.params import ChapterParams, ClusteringParams, ConceptsParams
from analysis.errors import DataError
from analysis.forecast.params import NEEDS as FORECAST_NEEDS
from analysis.forecast.params import ForecastParams
from analysis.recommend.params import NEEDS as RECOMMEND_NEEDS
from analysis.recommend.params import RecommendParams
from analysis.risk.params import NEEDS as RISK_NEEDS
from analysis.risk.params import RiskParams

#: The parts of the book, in reading order (a part is shown once it has a chapter).
PARTS = ("Foundations", "Customers", "Products", "Demand", "Risk")


@dataclass(frozen=True)
class Chapter:
    name: str  # what CH= takes, e.g. "clustering"
    number: int
    notebook: str  # file name in notebooks/
    title: str
    part: str  # one of PARTS
    question: str
    params: type[ChapterParams]
    needs: tuple[N.Need, ...]
    #: ``"module:function"`` that reads, checks and cleans the chapter's data from its
    #: parameters and returns ``(table, report)``; most chapters read a transaction log.
    loader: str = "analysis.data:load_data"

    @property
    def load(self) -> Callable[[ChapterParams], tuple[Any, Any]]:
        module, name = self.loader.split(":")
        return getattr(importlib.import_module(module), name)

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
    Chapter(
        name="concepts",
        number=1,
        notebook="01_concepts.ipynb",
        title="Concepts: the data of a shop, and how it is doing",
        part="Foundations",
        question="What does a shop's data look like, and how is it doing?",
        params=ConceptsParams,
        needs=(N.at_least_customers(1), N.at_least_days(2)),
    ),
    Chapter(
        name="clustering",
        number=2,
        notebook="02_clustering.ipynb",
        title="Clustering: customer segments and customer lifetime value",
        part="Customers",
        question="Who are our customers, which are worth the most, and which are slipping away?",
        params=ClusteringParams,
        needs=(
            N.at_least_span(3),
            N.at_least_repeaters(N.MIN_REPEATERS),
            N.more_customers_than_clusters(),
            N.calibration_inside(),
        ),
    ),
    Chapter(
        name="recommend",
        number=3,
        notebook="03_recommend.ipynb",
        title="Collaborative filtering: what to show each customer next",
        part="Products",
        question="What should we show each customer next, and how do we know it is good?",
        params=RecommendParams,
        needs=RECOMMEND_NEEDS,
    ),
    Chapter(
        name="forecast",
        number=4,
        notebook="04_forecast.ipynb",
        title="Forecasting: sales next week, and the stock to hold",
        part="Demand",
        question="How much will we sell next week, how sure are we, and how much stock should we hold?",
        params=ForecastParams,
        needs=FORECAST_NEEDS,
    ),
    Chapter(
        name="risk",
        number=5,
        notebook="05_risk.ipynb",
        title="Risk: fraud, credit default and churn",
        part="Risk",
        question="Which orders are fraudulent, which applicants will default, which customers are about to leave, and what should we do at which score?",
        params=RiskParams,
        needs=RISK_NEEDS,
        loader="analysis.risk.params:load_risk_data",
    ),
)


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
