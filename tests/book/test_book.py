"""The whole machine: make book in a copy of the project, a real browser, a failing rerun.

The book is built once per session in a temporary copy of the project (the
project's own ``book/`` is never touched), then opened in headless Chromium.
Screenshots land in ``tests/artifacts/``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.book import ROOT, glued_values

pytestmark = pytest.mark.book
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "tests" / "artifacts"
COPY = ["analysis", "notebooks", "Makefile", "requirements.txt", "requirements-dev.txt", "constraints.txt", "pyproject.toml"]
BOOK_FILES = ["_config.yml", "_toc.yml", "intro.md", "references.bib"]


def make(project: Path, *args: str) -> subprocess.CompletedProcess:
    # -o: treat the venv as installed (it is the project's own, linked in)
    return subprocess.run(["make", "-s", "-C", str(project), "-o", ".venv/.installed", *args], capture_output=True, text=True)


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("the book tier runs make inside the project's .venv: run `make test`, which creates it")
    dest = tmp_path_factory.mktemp("project")
    for name in COPY:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    (dest / "book").mkdir()
    for name in BOOK_FILES:
        shutil.copy2(ROOT / "book" / name, dest / "book" / name)
    (dest / ".venv").symlink_to(ROOT / ".venv")
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
    assert "Unknown parameter(s): shop_customer" in result.stderr and "shop_customers" in result.stderr
    params.write_text("shop_customers: lots\n")
    result = make(project, "chapter", "CH=concepts", f"PARAMS={params}")
    assert result.returncode == 2 and "must be int" in result.stderr


def test_python_entry_point_reruns_one_chapter(project):
    params = project / "tiny.yaml"
    params.write_text("shop_customers: 400\nseed: 5\n")
    result = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-m", "analysis", "book", "--chapter", "concepts", "--params", str(params)],
        capture_output=True, text=True, cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "executed" in result.stdout
    glued = glued_values(project / "book" / "chapters" / "01_concepts.ipynb")
    assert "n_customers=400, seed=5" in glued["source"]


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (CI installs it: apt-get install chromium); browser checks skipped")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )  # fmt: skip
        yield b
        b.close()


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


def test_no_page_refers_to_a_remote_script(project):
    html = project / "book" / "_build" / "html"
    for page in html.rglob("*.html"):
        text = page.read_text()
        assert "cdn.jsdelivr" not in text and "https://cdnjs" not in text and 'src="https://' not in text, page

