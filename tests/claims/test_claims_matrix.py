"""The claims matrix (issue 27, point 2): every chapter executed on data the other tiers do not run it on,
every claim of every page verified, with no hand-written expectation per sentence.

Each run writes the claims it checked beside its page (``<chapter>_claims.json``); a claim that failed its
check stops the chapter, and :func:`tests.claims_audit.audit` (called by ``execute``) asserts that none
failed and that every glued sentence with a comparative or evaluative word rests on a claim. The cells of
the matrix the other tiers already run are not repeated here: the shop at its tiny size and one seed per
chapter (notebooks tier), the shop started mid-history (Concepts, notebooks tier), Online Retail, its second
edition, CDNOW, MovieLens and German Credit (data tier), random logs and labelled tables near every chapter's
needs and a log without prices (book tier). This tier adds the shop at two more seeds for every chapter, the
shop started mid-history for Clustering (whose CLV section reads the censored customers) and, in the cell of
their second seed, for Recommendations, Forecasting and Risk, and Risk's churn problem on the shop.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.chapters import CHAPTERS
from tests.claims_audit import record
from tests.notebooks import test_clustering, test_concepts, test_forecast, test_recommend, test_risk
from tests.notebooks.conftest import execute

pytestmark = [pytest.mark.claims, pytest.mark.slow]

#: Each chapter's tiny parameters, those of its notebooks-tier test (the seed is the matrix's).
TINY = {"concepts": test_concepts.TINY, "clustering": test_clustering.TINY, "recommend": test_recommend.TINY,
        "forecast": test_forecast.TINY, "risk": test_risk.TINY}  # fmt: skip
#: Two seeds besides each chapter's notebooks-tier seed: the shop at three seeds.
SEEDS = (11, 12)
#: Days the shop trades before its log starts, for the mid-history cells.
HISTORY = 120

#: The chapters whose second matrix seed runs on the shop started mid-history (a third seed and the mid-history
#: shop in one cell, within the tier's budget); Concepts runs mid-history in the notebooks tier, Clustering here.
MID_HISTORY = ("recommend", "forecast", "risk")


def _cell(chapter: str, seed: int) -> dict:
    if seed == SEEDS[1] and chapter in MID_HISTORY:
        return {"seed": seed, "shop_history_days": HISTORY}
    return {"seed": seed}


CELLS = [pytest.param(ch.name, _cell(ch.name, seed), id=f"{ch.name}-seed{seed}" + (
    "-mid-history" if "shop_history_days" in _cell(ch.name, seed) else "")) for ch in CHAPTERS for seed in SEEDS]
CELLS += [pytest.param("clustering", {"seed": SEEDS[0], "shop_history_days": HISTORY}, id="clustering-mid-history")]
CELLS += [pytest.param("risk", {"seed": SEEDS[0], "problem": "churn"}, id="risk-churn")]


@pytest.mark.parametrize(("chapter", "cell"), CELLS)
def test_every_claim_holds_on_the_matrix(chapter: str, cell: dict, tmp_path: Path):
    notebook = next(ch.notebook for ch in CHAPTERS if ch.name == chapter)
    glued = execute(notebook, tmp_path, **{**TINY[chapter], **cell})  # audits the run's claims
    got = record(tmp_path, chapter)
    assert got["checked"] > 0 and got["failed"] == 0, got
    assert glued, f"{chapter}: the run glued nothing"
