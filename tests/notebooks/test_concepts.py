"""The Concepts chapter through papermill with tiny parameters: glued numbers and worded findings checked."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis import features, fmt, kpi
from analysis.book.runner import ROOT, glued_values, tag_removed_cells
from analysis.data import load_transactions
from analysis.chapters.concepts import findings as F
from analysis.chapters.concepts import steps as ST
from tests.notebooks.conftest import audit_run

pytestmark = pytest.mark.notebooks
NOTEBOOK = ROOT / "notebooks" / "01_concepts.ipynb"
TINY = {"shop_customers": 300, "seed": 3}
SENTENCES = (
    "cleaning_sentence",
    "concentration_sentence",
    "repeat_sentence",
    "best_month_sentence",
    "zero_days_sentence",
    "month1_sentence",
    "weekday_sentence",
)


def run(folder: Path, name: str, **params) -> dict[str, str]:
    import papermill as pm

    out = folder / name
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=params, progress_bar=False, cwd=str(folder))
    tag_removed_cells(out)
    glued = glued_values(out)
    audit_run(folder, "01_concepts.ipynb", glued)
    return glued


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("concepts")


@pytest.fixture(scope="module")
def glued(folder):
    return run(folder, "concepts.ipynb", **TINY)


@pytest.fixture(scope="module")
def shop():
    tx, report = load_transactions("shop", n_customers=TINY["shop_customers"], seed=TINY["seed"])
    return tx, report, features.customer_table(tx), features.daily_series(tx)


def test_glued_numbers_agree_with_the_package(glued, shop):
    tx, report, customers, daily = shop
    k = kpi.headline(customers)
    assert int(glued["rows_read"]) == report.rows_read
    assert int(glued["rows_kept"]) == report.rows_kept
    assert int(glued["customers"]) == k["customers"] == report.customers
    assert float(glued["revenue"]) == pytest.approx(report.revenue, abs=0.01)
    assert float(glued["aov"]) == pytest.approx(k["aov"])
    assert float(glued["repeat_rate"]) == pytest.approx(k["repeat_rate"])
    assert float(glued["top20_share"]) == pytest.approx(kpi.top_share(customers, 0.2))
    assert int(glued["zero_days"]) == int((daily["revenue"] == 0).sum())
    assert int(glued["n_days"]) == len(daily)
    assert 0 < float(glued["month1_retention"]) < 1
    assert "shop(n_customers=300, seed=3)" in glued["source"]


def test_worded_findings_follow_the_glued_numbers(glued, shop):
    tx, report, customers, daily = shop
    money = getattr(report, "currency", "")
    assert glued["cleaning_sentence"] == F.cleaning(int(glued["rows_read"]), report.dropped)
    texts = [fmt.money(float(glued[n]), money, 2 if n != "revenue" else None) for n in ("revenue", "aov", "revenue_per_customer")]
    assert glued["headline_sentence"] == F.headline(int(glued["customers"]), int(glued["orders"]), *texts)
    assert glued["concentration_sentence"] == F.concentration(float(glued["top20_share"]), 0.2, int(glued["customers"]))
    assert glued["repeat_sentence"] == F.repeat_rate(float(glued["repeat_rate"]), int(glued["customers"]))
    assert fmt.share(float(glued["top20_share"])) in glued["concentration_sentence"]
    monthly = kpi.monthly(daily)
    assert glued["best_month_sentence"] == F.best_month(monthly, money)
    best = monthly[~monthly["partial"]]["revenue"].idxmax()
    assert f"{best:%B %Y}" in glued["best_month_sentence"]  # a full month, never the partial last one
    zero = int(glued["zero_days"])
    assert (zero == 0) == glued["zero_days_sentence"].startswith("Every one of the")
    assert fmt.count(int(glued["n_days"])) in glued["zero_days_sentence"]
    assert glued["zero_days_sentence"] == ST.calendar_sentence(daily)  # the calendar every chapter reads
    assert fmt.share(float(glued["month1_retention"])) in glued["month1_sentence"]
    assert glued["weekday_sentence"] == F.weekday(kpi.by_weekday(daily), float(glued["aov"]), money)


def test_every_exercise_answer_against_an_independent_computation(glued, shop):
    tx, report, customers, daily = shop
    orders = tx.groupby("customer_id")["order_id"].nunique()
    assert float(glued["ex1_1"]) == pytest.approx(orders.median())
    assert float(glued["ex1_1_mean"]) == pytest.approx(orders.mean())
    assert glued["ex1_1_sentence"] == F.orders_per_customer(orders.median(), orders.mean())
    revenue = (tx["quantity"] * tx["unit_price"]).groupby(tx["customer_id"]).sum().sort_values(ascending=False)
    needed = int(((revenue.cumsum() / revenue.sum()) < 0.5 - 1e-12).sum()) + 1
    assert float(glued["ex1_2"]) == pytest.approx(needed / len(revenue))
    assert 0 < float(glued["ex1_2"]) < 0.5 and glued["ex1_2_sentence"] == F.half_revenue(float(glued["ex1_2"]))
    first = tx.groupby("customer_id")["timestamp"].min().dt.to_period("M")
    bought = tx.assign(cohort=tx["customer_id"].map(first), month=tx["timestamp"].dt.to_period("M"))
    bought["age"] = (bought["month"] - bought["cohort"]).apply(lambda d: d.n)
    size = first.value_counts()
    back = bought[bought["age"] == 1].groupby("cohort")["customer_id"].nunique()
    last_full = pd.Timestamp(report.last_date).to_period("M") - (0 if pd.Timestamp(report.last_date).is_month_end else 1)
    measured = [c for c in sorted(size.index) if c + 1 <= last_full][:12]  # cohorts whose month 1 is fully observed
    log_start = tx["timestamp"].min().normalize()
    measured = [c for c in measured if c.start_time >= log_start + pd.Timedelta(days=30)]  # already-customers out
    weighted = sum(back.get(c, 0) for c in measured) / sum(size[c] for c in measured)
    assert float(glued["ex1_3"]) == pytest.approx(weighted)
    assert glued["ex1_3_sentence"].endswith(".") and fmt.share(weighted) in glued["ex1_3_sentence"]
    starts = pd.to_datetime(tx.groupby("customer_id")["timestamp"].min())
    n_already = int((starts.dt.normalize() < log_start + pd.Timedelta(days=30)).sum())
    assert int(glued["censored_customers"]) == n_already and fmt.count(n_already) in glued["censor_sentence"]
    starts = starts[starts.dt.normalize() >= log_start + pd.Timedelta(days=30)]  # first seen after the censor window
    orders = orders.loc[starts.index]
    middle = (starts.min() + (starts.max() - starts.min()) / 2).normalize()
    early, late = orders[starts <= middle], orders[starts > middle]
    assert float(glued["ex1_4_early"]) == pytest.approx((early >= 2).mean())
    assert float(glued["ex1_4_late"]) == pytest.approx((late >= 2).mean())
    assert float(glued["ex1_4"]) == pytest.approx((early >= 2).mean() - (late >= 2).mean())
    assert fmt.share(float(glued["ex1_4_early"])) in glued["ex1_4_sentence"]


def test_page_elements_and_analyst_csv(folder, glued):
    nb = nbformat.read(folder / "concepts.ipynb", as_version=4)
    html = "".join(  # shown outputs and glued ones (tables are glued, then pasted as numbered tables)
        v for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
        for k, v in o.get("data", {}).items() if k.endswith("text/html")
    )  # fmt: skip
    for css in ('class="run-parameters"', 'class="data-banner"', 'class="run-findings', 'class="book-table"'):
        assert css in html
    assert "<code>shop_customers</code></td><td><code>300</code>" in html
    for key in SENTENCES:
        assert glued[key].replace("`", "") in html.replace("<code>", "").replace("</code>", "")
    monthly = pd.read_csv(folder / "concepts_monthly.csv")
    assert list(monthly.columns) == ["month", "revenue", "orders", "aov", "days", "partial"]
    assert monthly["revenue"].sum() == pytest.approx(float(glued["revenue"]), abs=0.01)


def test_prose_cites_only_what_was_glued(glued):
    import re

    nb = json.loads(NOTEBOOK.read_text())
    cited = set()
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cited |= set(re.findall(r"\{glue:(?:text|md|figure)\}`([^`:]+)", "".join(cell["source"])))
            cited |= set(re.findall(r"```\{glue:figure\} (\S+)", "".join(cell["source"])))
    assert cited and cited <= set(glued)


def test_same_parameters_glue_the_same_numbers(glued, tmp_path):
    again = run(tmp_path, "again.ipynb", **TINY)
    figures = {k for k, v in glued.items() if v.startswith("<Figure")}
    assert {k: v for k, v in again.items() if k not in figures} == {k: v for k, v in glued.items() if k not in figures}


def test_parameter_cells_are_hidden_from_readers(folder, glued):
    nb = nbformat.read(folder / "concepts.ipynb", as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            assert "remove-cell" in tags
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)


def test_page_elements_survive_jupyter_book(folder, glued, tmp_path):
    """A one-page book from the executed chapter (the book's own _config.yml, warnings as errors)."""
    import shutil
    import subprocess
    import sys

    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    for name in ("_config.yml", "references.bib", "glossary.md", "notation.md"):
        shutil.copy(ROOT / "book" / name, book / name)
    shutil.copy(folder / "concepts.ipynb", book / "chapters" / "01_concepts.ipynb")
    shutil.copy(folder / "concepts_monthly.csv", book / "chapters" / "concepts_monthly.csv")
    (book / "intro.md").write_text("# Front\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    numbered: 1\n"
                                   "    chapters:\n      - file: chapters/01_concepts\n  - caption: Appendix\n"
                                   "    chapters:\n      - file: glossary\n      - file: notation\n")  # fmt: skip
    jb = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jb), "build", str(book), "-W", "-q"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    html = (book / "_build" / "html" / "chapters" / "01_concepts.html").read_text()
    assert 'class="run-parameters"' in html and 'class="data-banner"' in html and 'class="run-findings"' in html
    assert html.count('class="book-table" style="overflow-x: auto;') >= 4  # every table scrolls when wide
    assert "concepts_monthly.csv" in html and "_downloads/" in html and "01_concepts.ipynb" in html
    assert "{glue:" not in html and ">nan<" not in html
    assert "Figure 1.1" in html and "Table 1.1" in html and '"eqno">(1.1)' in html  # numbered per chapter
    assert 'href="../glossary.html#term-data-report"' in html  # a {term} link resolves


def test_glued_values_match_the_recorded_fingerprint(glued):
    from tests.notebooks.fingerprint import check

    check("concepts", glued)


@pytest.mark.parametrize("history", [0, 240])
def test_the_censored_cohort_against_the_shops_truth(history, tmp_path):
    """The shop whose log starts mid-history (shop_history_days): the customers the rule marks as already
    customers were mostly buying before the log, truth in hand; the shop whose log starts with it has none."""
    from tests.notebooks.conftest import execute
    from analysis.data.source import source_of

    glued = execute(NOTEBOOK, tmp_path, **{**TINY, "shop_history_days": history})
    shop = source_of("shop", TINY["shop_customers"], TINY["seed"], history).shop()
    tx = shop.transactions
    first = tx.groupby("customer_id")["timestamp"].min()
    flagged = first[first < shop.start + pd.Timedelta(days=30)].index
    assert int(glued["censored_customers"]) == len(flagged)
    if history:
        truly = shop.customers.set_index("customer_id").loc[flagged, "bought_before_log"]
        assert truly.mean() > 0.6  # the rule marks customers who really were buying before
        assert "a sign that many were already customers" in glued["censor_sentence"]
    else:
        assert "bought_before_log" not in shop.customers  # the log starts with the shop: nobody bought before
        assert "may have been buying before it" in glued["censor_sentence"]


def test_every_comparative_finding_rests_on_a_checked_claim(glued, folder):
    from tests.claims_audit import audit

    assert audit(folder, "concepts", glued)["checked"] > 0
