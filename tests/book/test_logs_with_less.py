"""A log of customer, product and date only (a loyalty-card basket log): every chapter is refused before
execution with a message naming what is missing, or executes to the end.

The log is the built-in shop's transactions without order ids, quantities and prices, its columns renamed
like the public groceries data set (Member_number, Date, itemDescription) and mapped in the parameters.
Each chapter's needs are checked as the runner checks them; a refusal must name the missing unit prices and
the fix (map a unit price column); an accepted chapter is executed by papermill and no cell may fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis import DataError
from analysis.book.runner import glued_values, load_chapter_data
from analysis.chapters import CHAPTERS, check_needs
from analysis.data import load_transactions

from tests.book.test_needs_hold import execute

pytestmark = [pytest.mark.book, pytest.mark.slow]

MAPPING = {"customer_id": "Member_number", "product_id": "itemDescription", "timestamp": "Date"}
#: tiny sizes per chapter (the shop's log of 300 customers is about 6,000 lines over two years)
TINY = {
    "clustering": {"k_range": [2, 3], "stability_runs": 2},
    "recommend": {"factors": 8, "iterations": 4, "top_k": 5},
    "forecast": {"horizon": 7, "n_origins": 2, "top_products": 3},
    "risk": {"problem": "churn", "cv_folds": 3, "churn_days": 60},
}
#: what each chapter does on such a log: "runs", or "refused" (by its needs, before anything runs)
EXPECTED = {"concepts": "runs", "clustering": "runs", "recommend": "runs", "forecast": "runs", "risk": "runs"}


#: what a glued value must never read (a number that is missing, infinite or "not applicable")
NOT_A_NUMBER = re.compile(r"\b(nan|NaN|inf|n/a)\b")
#: words that speak of money: on a log without prices a sentence may use them only to say there are no prices
MONEY_WORDS = re.compile(r"revenue|spend|€|£|\$|\bCLV\b|worth [€£$\d]")
SENTENCE = re.compile(r"(?<=\.)\s+")


@pytest.fixture(scope="module")
def basket_log(tmp_path_factory) -> Path:
    table, _ = load_transactions("shop", n_customers=300, seed=1)
    log = table[["customer_id", "timestamp", "product_id"]].rename(
        columns={"customer_id": "Member_number", "timestamp": "Date", "product_id": "itemDescription"}
    )
    log["Date"] = log["Date"].dt.strftime("%d-%m-%Y")  # the public data set's day-first dates, no time
    path = tmp_path_factory.mktemp("baskets") / "groceries.csv"
    log.to_csv(path, index=False)
    return path


def test_every_chapter_has_an_expected_outcome():
    assert set(EXPECTED) == {c.name for c in CHAPTERS}


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_a_customer_product_date_log_is_refused_by_the_needs_or_runs(chapter, basket_log, tmp_path):
    params = {"data": str(basket_log), "mapping": MAPPING, **TINY.get(chapter.name, {})}
    checked = chapter.params(**params)
    table, report = load_chapter_data(checked, chapter)
    assert report.has_money is False and set(report.filled) == {"order_id", "quantity", "unit_price"}
    try:
        check_needs(chapter, checked, report, table)
    except DataError as err:
        assert EXPECTED[chapter.name] == "refused", f"{chapter.name} was refused: {err}"
        text = str(err)
        assert "no unit prices" in text and "unit_price" in text, text
        assert "map a unit price column" in (err.fix or ""), err.fix
        return
    assert EXPECTED[chapter.name] == "runs", f"{chapter.name} was not refused by its needs"
    execute(chapter.name, params, tmp_path, "risk churn" if chapter.name == "risk" else "")
    glued = glued_values(tmp_path / chapter.notebook)
    shown = {k: v for k, v in glued.items() if " " in v}  # sentences and tables (numbers missing without prices stay unshown)
    assert not [k for k, v in shown.items() if NOT_A_NUMBER.search(v)], "a glued text reads nan, inf or n/a"
    said = [s for v in shown.values() for s in SENTENCE.split(v) if MONEY_WORDS.search(s) and "price" not in s]
    assert not said, f"{chapter.name} speaks of money on a log without prices: {said[:3]}"
