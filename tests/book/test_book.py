"""The whole machine: make book in a copy of the project, a real browser, a failing rerun.

The book is built once per session in a temporary copy of the project (the
project's own ``book/`` is never touched), then opened in headless Chromium.
Screenshots land in ``tests/artifacts/``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.book.runner import ROOT, glued_values
from analysis.chapters import CHAPTERS
from analysis.book.pages import MIXED

pytestmark = pytest.mark.book
ARTIFACTS = ROOT / "tests" / "artifacts"
COPY = ["analysis", "notebooks", "Makefile", "requirements.txt", "requirements-dev.txt", "constraints.txt", "pyproject.toml"]
# _toc.yml is generated from the registry; every hand-written page of book/ goes along (spark.md when it exists)
BOOK_FILES = ["_config.yml", "references.bib"] + sorted(p.name for p in (ROOT / "book").glob("*.md"))
#: Chapter pages held to the chapter checks (tests/book/chapter_checks.py).
CHAPTER_PAGES = [c.stem for c in CHAPTERS]  # every registered chapter


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    # -o: treat the venv as installed (it is the project's own, linked in)
    return subprocess.run(["make", "-s", "-C", str(project), "-o", ".venv/.installed", *args], capture_output=True, text=True)


def copy_project(dest: Path) -> Path:
    """A copy of the project in ``dest`` as a fresh clone has it, with the project's own .venv linked in."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("the book tier runs make inside the project's .venv: run `make test`, which creates it")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    (dest / "book").mkdir()
    for name in BOOK_FILES:
        shutil.copy2(ROOT / "book" / name, dest / "book" / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
    return dest


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    dest = copy_project(tmp_path_factory.mktemp("project"))
    result = make(dest, "book")
    assert result.returncode == 0, result.stdout + result.stderr
    return dest


def html_digest(project: Path) -> dict[str, str]:
    html = project / "book" / "_build" / "html"
    return {str(p.relative_to(html)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(html.rglob("*")) if p.is_file()}


def test_make_book_builds_the_landing_page_and_chapter(project):
    html = project / "book" / "_build" / "html"
    assert (html / "index.html").exists()
    page = (html / "chapters" / "01_concepts.html").read_text()
    assert "Concepts: the data of a shop" in page
    assert "$$" not in page.split("<body", 1)[1].replace("\\$", "")  # dollarmath became math nodes
    assert "injected-parameters" not in page and "shop_customers = " not in page  # parameter cells removed
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    toc = (project / "book" / "_toc.yml").read_text()
    assert "parts:" in toc and all(c.doc in toc for c in CHAPTERS)  # generated from the registry


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.name)
def test_make_book_writes_each_chapters_checked_claims_beside_its_page(project, chapter):
    from analysis.book.runner import glued_values
    from tests.claims_audit import audit

    chapters = project / "book" / "chapters"
    assert audit(chapters, chapter.name, glued_values(chapters / chapter.notebook))["checked"] > 0


def test_the_front_page_shows_the_build_table(project):
    intro = (project / "book" / "_build" / "html" / "intro.html").read_text()
    table = intro.split('class="build-table', 1)[1].split("</table>", 1)[0]
    for c in CHAPTERS:
        assert f"{c.stem}.html" in table  # each chapter links from the build table
    assert "built-in shop" in table and "executed (UTC)" in table
    assert "not built yet" not in intro


def test_frictionless_validates_every_deliverable_after_make_book(project):
    """`frictionless validate book/chapters/datapackage.json` passes, and every CSV beside the pages is in it."""
    chapters = project / "book" / "chapters"
    result = subprocess.run([str(project / ".venv" / "bin" / "frictionless"), "validate", "datapackage.json"],
                            capture_output=True, text=True, cwd=chapters)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    package = json.loads((chapters / "datapackage.json").read_text())
    assert sorted(r["path"] for r in package["resources"]) == sorted(p.name for p in chapters.glob("*.csv"))
    assert all(r["schema"].get("primaryKey") for r in package["resources"])  # keyed by the data's own ids


def test_the_data_page_lists_what_this_build_ran_on(project):
    data = (project / "book" / "_build" / "html" / "data.html").read_text()
    section = data.split('id="the-data-this-build-ran-on"', 1)[1].split("</table>", 1)[0]
    assert "built-in shop, 3,000 customers, seed 0" in section and "canonical" in section
    assert all(f"{c.number}. {c.title.split(':')[0]}" in section for c in CHAPTERS)


def test_the_page_lint_passes_on_the_real_book(project):
    from analysis.book.pagelint import browser, lint_book

    html = project / "book" / "_build" / "html"
    pages = [(f"chapters/{c.stem}.html", project / "book" / "chapters" / c.notebook) for c in CHAPTERS]
    problems, note = lint_book(html, pages)
    assert problems == [], "\n".join(map(str, problems))
    assert ("widths at 1280 px in Chromium" in note) == (browser() is not None), note


PLANTED = [
    "A planted sentence with :::{note} in it.",
    "A value the page never filled: \\{glue:text}`revenue`.",
    "A reference never resolved: \\{numref}`tab-x`.",
    "An expected value of \\$\\pi \\cdot m\\$ per customer.",
    "| k | score |\n|---|---|\n| 3 | nan |",
    "![An empty plot planted for the page lint](planted_empty.png)",
    "| " + " | ".join(f"column_{i}_with_a_long_unbreakable_name" for i in range(10)) + " |\n"
    + "|---" * 10 + "|\n| " + " | ".join("1" for _ in range(10)) + " |",
    "$$\n" + " + ".join(f"a_{{{i}}} x_{{{i}}}" for i in range(60)) + "\n$$ (planted-wide)",
]


def test_the_page_lint_fails_the_build_on_each_planted_defect(project, tmp_path):
    """A copy of the built book with one defect of each kind planted in the concepts page: the HTML build
    fails naming the page and each element, and the book that was there stays."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.book import runner
    from analysis.page import FigurePNG

    shutil.copytree(project / "book", tmp_path / "book", ignore=shutil.ignore_patterns(".work", "_build.*"))
    notebook = tmp_path / "book" / "chapters" / "01_concepts.ipynb"
    nb = json.loads(notebook.read_text())
    at = next(i for i, c in enumerate(nb["cells"]) if "".join(c["source"]).startswith("## Key takeaways"))
    cells = [{"cell_type": "markdown", "id": f"planted-{i}", "metadata": {}, "source": text}
             for i, text in enumerate(PLANTED)]
    nb["cells"][at:at] = cells
    notebook.write_text(json.dumps(nb, indent=1))
    fig, ax = plt.subplots()
    ax.plot([], [])
    ax.set_xlim(-0.04, 0.04)
    (notebook.parent / "planted_empty.png").write_bytes(FigurePNG(fig).png)
    plt.close(fig)
    before = html_digest(tmp_path)
    with pytest.raises(runner.ChapterFailed) as failed:
        runner.render_html(runner.Paths(tmp_path))
    message = str(failed.value)
    page = "chapters/01_concepts.html"
    for expected in ("literal MyST or glue syntax: ':::'", "literal MyST or glue syntax: '{glue'",
                     "literal MyST or glue syntax: '{numref'", "unrendered LaTeX outside math: '$\\\\'",
                     "cell 'nan' (row 1, column 'score')", "an empty plot (planted_empty"):  # fmt: skip
        assert any(line.strip().startswith(f"{page}: <") and expected in line for line in message.splitlines()), (
            expected, message)
    if runner_browser():
        assert f"{page}: table" in message and "px wide, the text column" in message
        assert f"{page}: equation (1." in message, message
    assert html_digest(tmp_path) == before and "the previous book is unchanged" in message


def runner_browser() -> bool:
    from analysis.book.pagelint import browser

    return browser() is not None


# Produced by the page helper's analysis.page in the notebooks: may fail until the notebooks call it.
@pytest.mark.parametrize("page_name", [f"chapters/{c.stem}.html" for c in CHAPTERS])
def test_PAGE_ELEMENTS_parameters_table_and_data_banner(project, page_name):
    page = (project / "book" / "_build" / "html" / page_name).read_text()
    assert "run-parameters" in page, "no 'Parameters of this run' table (analysis.page.parameters_table)"
    assert "data-banner" in page, "no data banner (analysis.page.data_banner)"


def test_a_second_build_with_nothing_changed_executes_nothing(project):
    result = make(project, "book")
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout and "executed" not in result.stdout
    assert "building the HTML" not in result.stdout  # nothing changed, so the HTML is reused as well


def test_make_chapter_with_a_broken_file_keeps_the_last_good_book(project, tmp_path):
    before = html_digest(project)
    broken = tmp_path / "broken.csv"
    broken.write_text("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                      "1,a,x,1,not a date,2.0,5,UK\n2,b,y,1,also not,3.0,6,UK\n")  # fmt: skip
    result = make(project, "chapter", "CH=concepts", f"DATA={broken}")
    assert result.returncode != 0
    assert "timestamp" in result.stderr and "cannot be parsed as dates" in result.stderr and str(broken) in result.stderr
    assert "Traceback" not in result.stderr
    assert "the last good book is unchanged" in result.stdout
    assert html_digest(project) == before
    # without make (which turns every failure into 2): bad data is 2, a crash would be 1
    direct = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-m", "analysis", "book", "--chapter", "concepts", "--data", str(broken)],
        capture_output=True, text=True, cwd=project,
    )  # fmt: skip
    assert direct.returncode == 2, direct.stderr
    assert html_digest(project) == before


def test_unknown_parameter_is_refused_before_anything_runs(project, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("shop_customer: 10\n")
    result = make(project, "chapter", "CH=concepts", f"PARAMS={params}")
    assert result.returncode == 2
    assert "Unknown parameter: shop_customer" in result.stderr and "shop_customers" in result.stderr
    params.write_text("shop_customers: lots\n")
    result = make(project, "chapter", "CH=concepts", f"PARAMS={params}")
    assert result.returncode == 2 and "Parameter shop_customers = 'lots'" in result.stderr
    assert "a whole number" in result.stderr and "Input should" not in result.stderr
    params.write_text("k: 5000\n")  # more clusters than customers: refused by the needs, before execution
    result = make(project, "chapter", "CH=clustering", f"PARAMS={params}")
    assert result.returncode == 2 and "k = 5000" in result.stderr and "data read and checked" not in result.stdout


def test_python_entry_point_reruns_one_chapter(project):
    params = project / "tiny.yaml"
    params.write_text("shop_customers: 400\nseed: 5\n")
    result = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-m", "analysis", "book", "--chapter", "concepts", "--params", str(params)],
        capture_output=True, text=True, cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "executed" in result.stdout and "only chapter concepts is executed" in result.stdout
    assert re.search(r"\[ *[0-9.]+ s\] 1\. ", result.stdout), "no progress line per section"
    glued = glued_values(project / "book" / "chapters" / "01_concepts.ipynb")
    assert "n_customers=400, seed=5" in glued["source"]


# --------------------------------------------------------------------------- the browser


@pytest.mark.parametrize(
    "page_name", ["intro.html", "chapters/01_concepts.html", "chapters/02_clustering.html"]
)  # index.html redirects to intro.html
def test_pages_in_a_real_browser(project, browser, page_name):
    html = project / "book" / "_build" / "html"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside, failed = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file://", "data:", "blob:", "about:")) else None)
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto((html / page_name).as_uri(), wait_until="load")
    if page_name != "intro.html":
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
        page.evaluate("() => MathJax.startup.promise")
        typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
        assert typeset >= 4, "formulas were not typeset by MathJax"
        raw = page.evaluate("() => document.querySelector('main').innerText")
        prose = page.evaluate(
            "() => Array.from(document.querySelectorAll('main p, main li, figcaption')).map(e => e.innerText).join(' ')"
        )
        assert "$" not in prose and "\\frac" not in prose and "\\gamma" not in prose, "raw LaTeX in the prose"
        assert "nan" not in prose.split() and "nan%" not in prose, "a missing number reached the prose"
        cells = page.evaluate("() => Array.from(document.querySelectorAll('main td')).map(e => e.innerText.trim())")
        assert not {"nan", "nan%", "NaN", "None", "<NA>"} & set(cells), "a missing number reached a table"
        assert "$$" not in raw
    images = page.evaluate(
        "() => Array.from(document.images).map(i => ({src: i.src, ok: i.complete && i.naturalWidth > 0}))"
    )
    assert all(img["ok"] for img in images), [img["src"] for img in images if not img["ok"]]
    if page_name != "intro.html":
        assert len(images) >= 3  # every chapter has at least three figures
    assert outside == [], f"requests left the machine: {outside}"
    assert failed == [], f"requests failed: {failed}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / (Path(page_name).stem + ".png")), full_page=True)
    context.close()


@pytest.mark.parametrize("stem", CHAPTER_PAGES)
def test_chapter_page_numbers_exercises_glossary_and_alt_text(project, browser, stem):
    from tests.book.chapter_checks import chapter_page_problems

    html = project / "book" / "_build" / "html"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((html / "chapters" / f"{stem}.html").as_uri(), wait_until="load")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
    page.evaluate("() => MathJax.startup.promise")
    problems = chapter_page_problems(page, html, f"chapters/{stem}.html", int(stem[:2]))
    context.close()
    assert problems == []


def test_appendix_pages_are_built_and_linked(project):
    html = project / "book" / "_build" / "html"
    for name in ("glossary", "notation", "data", "workshop", "bibliography"):
        assert (html / f"{name}.html").exists(), name
    glossary = (html / "glossary.html").read_text()
    for term in ("customer segmentation", "collaborative filtering", "customer lifetime value", "churn"):
        assert term in glossary
    assert "客户细分" in glossary and "协同过滤" in glossary and "客户生命周期价值" in glossary and "客户流失" in glossary
    data = (html / "data.html").read_text()
    assert "my_orders.csv" in data and "rows kept" in data and "built-in shop" in data
    bibliography = (html / "bibliography.html").read_text()
    assert "Counting Your Customers" in bibliography  # capitals kept
    toc = (project / "book" / "_toc.yml").read_text()
    assert "caption: Appendix" in toc and "numbered: 1" in toc


def test_doctor_exits_0_after_make_book(project):
    result = subprocess.run([str(project / ".venv" / "bin" / "python"), "-m", "analysis", "doctor"],
                            capture_output=True, text=True, cwd=project)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problem" not in result.stdout and "Traceback" not in result.stderr


def test_make_handout_builds_both_versions_from_a_fresh_copy(project, tmp_path):
    # an earlier test reran Concepts with other parameters: the book on the shop's defaults again first
    assert make(project, "book").returncode == 0
    result = make(project, "handout")
    assert result.returncode == 0, result.stdout + result.stderr
    out = project / "book" / "_build" / "handout"
    for stem in CHAPTER_PAGES:
        assert (out / f"{stem}_exercises.ipynb").exists() and (out / f"{stem}_solutions.ipynb").exists()
    assert (out / "risk_scores.csv").is_file()  # what Exercise 5.1 reads, beside the notebooks
    import papermill as pm

    executed = tmp_path / "exercises.ipynb"  # the participants' notebook runs without its solutions
    pm.execute_notebook(str(out / "01_concepts_exercises.ipynb"), str(executed), parameters={"shop_customers": 300},
                        progress_bar=False, cwd=str(tmp_path))  # fmt: skip
    assert "ex1_1_sentence" not in executed.read_text()
    # the room's book: every chapter, no solution dropdowns; the teacher's: the same pages with them
    for stem in CHAPTER_PAGES:
        room = (out / "book" / "chapters" / f"{stem}.html").read_text()
        teacher = (out / "teacher" / "chapters" / f"{stem}.html").read_text()
        number = stem[:2].lstrip("0")
        assert f"Exercise {number}.1" in room and re.search(r"Solution \d+\.\d+", room) is None, stem
        assert f"Solution {number}.1" in teacher, stem


REMOTE = r"(?:https?:)?//(?!127\.0\.0\.1|localhost)[^\s\"'<>)]+"
LOADS = re.compile(r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*?\b(?:src|href)=[\"']" + REMOTE, re.I)
INLINE = re.compile(r"<(script|style)\b[^>]*>(.*?)</\1>", re.S | re.I)
CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"']?)" + REMOTE, re.I)
CDN_HOSTS = re.compile(r"unpkg\.com|cdn\.jsdelivr|cdnjs\.|fonts\.googleapis|fonts\.gstatic|gitcdn|rawcdn|statically\.io")


def test_no_file_of_the_book_loads_anything_from_another_machine(project):
    """A static scan of what the browser test cannot see on every page: HTML, CSS and JS files.

    Links a reader clicks (<a href>, e.g. a DOI) are fine; anything a page loads by itself is not.
    MathJax's own bundles mention its CDN as a fallback for a remote install; the pages load it
    from _static/mathjax (the browser test sees no request leave), so those files are skipped.
    """
    html = project / "book" / "_build" / "html"
    found = []
    for path in html.rglob("*"):
        rel = path.relative_to(html).as_posix()
        if not path.is_file() or rel.startswith("_static/mathjax/"):
            continue
        if path.suffix == ".html":
            text = path.read_text()
            found += [(rel, m.group(0)) for m in LOADS.finditer(text)]
            for _, body in INLINE.findall(text):
                found += [(rel, m.group(0)) for m in re.finditer(REMOTE, body) if "www.w3.org" not in m.group(0)]
        elif path.suffix == ".css":
            found += [(rel, m.group(0)) for m in CSS_URL.finditer(path.read_text(errors="replace"))]
        elif path.suffix == ".js":
            found += [(rel, m.group(0)) for m in CDN_HOSTS.finditer(path.read_text(errors="replace"))]
    assert found == [], found


# --------------------------------------------------------------------------- last: it changes the book


def test_a_chapter_rerun_on_other_data_is_flagged_on_the_front_page(project, tmp_path):
    rows = ["order_id,customer_id,product_id,quantity,unit_price,timestamp"]
    rows += [f"o{c}-{d},c{c},p{d % 3},1,{2 + c % 5}.5,2024-0{1 + d}-1{c % 9} 10:00" for c in range(30) for d in range(3)]
    orders = tmp_path / "orders.csv"
    orders.write_text("\n".join(rows) + "\n")
    result = make(project, "chapter", "CH=concepts", f"DATA={orders}")
    assert result.returncode == 0, result.stdout + result.stderr
    intro = (project / "book" / "_build" / "html" / "intro.html").read_text()
    table = intro.split('class="build-table', 1)[1].split("</table>", 1)[0]
    concepts = next(r for r in table.split("<tr") if "01_concepts.html" in r)
    assert "orders.csv" in concepts and MIXED in concepts
    assert (project / "book" / "chapters" / "concepts_monthly.csv").exists() or any(
        (project / "book" / "chapters").glob("concepts_*.csv")
    ), "the chapter's CSV did not move beside the page"
    data = (project / "book" / "_build" / "html" / "data.html").read_text()
    section = data.split('id="the-data-this-build-ran-on"', 1)[1].split("</table>", 1)[0]
    assert "orders.csv" in section and "1. Concepts" in section.split("orders.csv", 1)[1].split("</tr>", 1)[0]
    checked = subprocess.run([str(project / ".venv" / "bin" / "frictionless"), "validate", "datapackage.json"],
                             capture_output=True, text=True, cwd=project / "book" / "chapters")  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    # the book now shows a chapter run on other data: the workshop's hand-out refuses to mix them
    refused = make(project, "handout")
    assert refused.returncode == 2 and "concepts" in refused.stderr and "make book" in refused.stderr, refused.stderr
