"""The page lint: each chapter page of the built HTML, checked before the book is swapped in.

``python -m analysis book`` runs :func:`lint_book` on the new HTML (``book/_build.new``);
any problem fails the build with one line per problem naming the page and the
element, and the last good book stays. The checks:

* ``myst``: literal MyST or glue syntax in the page's text (``:::``, ``{glue``,
  ``{numref``, and the other roles the book uses: ``{term``, ``{eq``, ``{doc``,
  ``{download``, ``{cite``, ``{ref``), outside code;
* ``latex``: unrendered LaTeX outside the math elements (``$\\``, ``\\frac``, ``\\cdot``, ...);
* ``empty-figure``: an image of a plot that drew nothing: :func:`analysis.page.glue_figure`
  records in each PNG how many artists showed data (and puts a sentence in place of an
  empty one, so this finds a figure that bypassed it with nothing drawn);
* ``missing``: ``nan``, ``NaN``, ``None``, ``inf``, ``<NA>`` or ``NaT`` as a table cell (alone, or
  with a currency or a percent sign);
* ``too-wide``: a table or a displayed equation wider than the text column in a
  1280 px window (headless Chromium through Playwright, the browser the book tier
  uses). Without a browser the build says it skipped this check, and the static
  checks still run.

Text from the data is not markup: a product called ``{glue:text}`n``` is shown as
that text. :func:`analysis.fmt.escape` writes such characters as character
references in the chapter's glued Markdown, so :func:`data_texts` reads them back
from the executed notebook, and a match inside one of them is not a problem; table
cells and code hold data too and are not searched for markup.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

#: The window width the width check uses (the issue's "wider than the text column at 1280 px").
WINDOW = (1280, 900)
#: Pixels of slack before an element counts as wider than the text column.
SLACK = 2

MYST = re.compile(r":::|\{(?:glue|numref|term|eq|doc|download|cite|ref)\b")
LATEX = re.compile(r"\$\\|\\(?:frac|cdot|mathrm|sum|sqrt|hat|left|right|times|alpha|beta|sigma|mu|pi|le|ge)\b")
MISSING = re.compile(r"^[^\w<]{0,3}(?:nan|NaN|NAN|None|-?inf|-?Inf|<NA>|NaT)[^\w]{0,2}$")
#: Ancestors whose text is not prose: code, data tables, math, scripts.
NOT_PROSE = {"code", "pre", "kbd", "samp", "script", "style", "td", "th", "math", "mjx-container", "svg"}
_REFERENCE = re.compile(r"&#(?:[0-9]+|[xX][0-9a-fA-F]+);")


@dataclass(frozen=True)
class Problem:
    page: str
    element: str
    what: str

    def __str__(self) -> str:
        return f"{self.page}: {self.element}: {self.what}"


def data_texts(notebook: Path) -> set[str]:
    """The data strings a chapter glued as text (written as character references by :func:`fmt.escape`),
    each as the reader sees it: the words of every glued Markdown value that hold a reference, unescaped."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return set()
    out: set[str] = set()
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            for mime, value in (output.get("data") or {}).items():
                if "markdown" not in mime and "html" not in mime:
                    continue
                text = "".join(value) if isinstance(value, list) else str(value)
                for word in text.split():
                    if _REFERENCE.search(word):
                        out.add(html.unescape(word))
    return out


def _soup(text: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "html.parser")


def _content(soup):
    return soup.select_one("article.bd-article") or soup.find("main") or soup.body or soup


def _where(element) -> str:
    """The element as the reader finds it: its tag, and the nearest figure, table or section around it."""
    name = element.name or "text"
    for parent in [element, *element.parents]:
        ident = parent.get("id") if hasattr(parent, "get") else None
        if not ident:
            continue
        number = parent.select_one(".caption-number") if parent.name == "figure" else None
        label = f"{number.get_text(' ', strip=True)} " if number is not None else ""
        kind = {"figure": "figure", "section": "section", "div": "block"}.get(parent.name, parent.name)
        return f"<{name}> in {kind} {label}#{ident}".replace("  ", " ")
    return f"<{name}>"


def _excluded(node) -> bool:
    for parent in node.parents:
        if parent.name in NOT_PROSE:
            return True
        classes = parent.get("class") or []
        if "math" in classes or "highlight" in classes:
            return True
    return False


def _is_data(text: str, start: int, end: int, data: set[str]) -> bool:
    """Whether the match ``text[start:end]`` lies inside one of the chapter's data strings."""
    for d in data:
        i = text.find(d)
        while i >= 0:
            if i <= start and end <= i + len(d):
                return True
            i = text.find(d, i + 1)
    return False


def _text_problems(content, page: str, data: set[str]) -> list[Problem]:
    from bs4 import NavigableString

    out: list[Problem] = []
    for node in content.find_all(string=True):
        if not isinstance(node, NavigableString) or type(node).__name__ != "NavigableString" or _excluded(node):
            continue
        text = str(node)
        for pattern, kind in ((MYST, "literal MyST or glue syntax"), (LATEX, "unrendered LaTeX outside math")):
            for m in pattern.finditer(text):
                if _is_data(text, m.start(), m.end(), data):
                    continue
                snippet = " ".join(text[max(0, m.start() - 30) : m.end() + 30].split())
                out.append(Problem(page, _where(node.parent), f"{kind}: {m.group(0)!r} in “{snippet}”"))
    return out


def _cells(content, page: str) -> list[Problem]:
    out = []
    for table in content.find_all("table"):
        headers = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        for r, row in enumerate(table.select("tbody tr"), start=1):
            for c, cell in enumerate(row.find_all(["td", "th"])):
                text = cell.get_text(" ", strip=True)
                code = cell.find("code")
                if code is not None and code.get_text(" ", strip=True) == text:
                    continue  # a value written as code (the parameters table's `None`), not a missing number
                if MISSING.match(text):
                    column = headers[c] if c < len(headers) else str(c + 1)
                    out.append(Problem(page, _where(table),
                                       f"cell {text!r} (row {r}, column {column!r}): a missing value shown as "
                                       "code's word; write it as the formatter's dash and say why"))  # fmt: skip
    return out


def _drawn(png: Path) -> int | None:
    """What :func:`analysis.page.glue_figure` recorded in the PNG (artists with data); None without a record."""
    from PIL import Image

    from analysis.page import DRAWN_KEY

    try:
        with Image.open(png) as image:
            value = getattr(image, "text", {}).get(DRAWN_KEY)
    except (OSError, ValueError):
        return None
    return int(value) if value is not None and str(value).isdigit() else None


def _images(content, page: str, html_dir: Path) -> list[Problem]:
    out = []
    for img in content.find_all("img"):
        src = str(img.get("src") or "")
        if not src or src.startswith(("data:", "http:", "https:")):
            continue
        path = (html_dir / page).parent / src.split("#")[0].split("?")[0]
        if path.suffix.lower() == ".png" and path.is_file() and _drawn(path) == 0:
            out.append(Problem(page, _where(img), f"an empty plot ({path.name}: nothing drawn); glue it with "
                                                  "page.glue_figure, which shows why there is nothing to show"))
    return out


def static_problems(html_dir: Path, page: str, data: set[str] = frozenset()) -> list[Problem]:
    """The checks that need no browser, on the page ``page`` (relative to ``html_dir``)."""
    content = _content(_soup((html_dir / page).read_text(encoding="utf-8")))
    return _text_problems(content, page, set(data)) + _cells(content, page) + _images(content, page, html_dir)


_WIDTH_JS = """() => {
  const column = document.querySelector('article.bd-article') || document.querySelector('main');
  const limit = column.getBoundingClientRect().width;
  const name = e => {
    const f = e.closest('figure[id], div.math[id]') || e.closest('section[id]');
    const n = f && f.querySelector('.caption-number, .eqno');
    const kind = e.closest('div.math') ? 'equation' : 'table';
    return kind + (n ? ' ' + n.innerText.trim() : '') + (f ? ' #' + f.id : '');
  };
  const out = [];
  for (const e of column.querySelectorAll('table, div.math, mjx-container[display="true"]')) {
    if (e.closest('.cell_input, .highlight')) continue;
    const wide = Math.max(e.scrollWidth, e.getBoundingClientRect().width);
    const clipped = e.tagName === 'DIV' && e.scrollWidth > e.clientWidth + SLACK;
    if (wide > limit + SLACK || clipped) out.push([name(e), Math.round(wide), Math.round(limit)]);
  }
  return out;
}""".replace("SLACK", str(SLACK))


def browser() -> str | None:
    """Chromium's path when Playwright and Chromium are both installed, else None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def width_problems(html_dir: Path, pages: list[str], chromium: str) -> list[Problem]:
    """Tables and displayed equations wider than the text column at a 1280 px window, in headless Chromium
    (formulas typeset by the book's local MathJax first).

    Runs in a thread of its own: Playwright's sync API refuses a thread whose asyncio loop is running
    (as it is after an in-process notebook execution or under Jupyter)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_width_problems, html_dir, pages, chromium).result()


def _width_problems(html_dir: Path, pages: list[str], chromium: str) -> list[Problem]:
    from playwright.sync_api import sync_playwright

    out: list[Problem] = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                                              "--disable-background-networking"])  # fmt: skip
        try:
            view = b.new_page(viewport={"width": WINDOW[0], "height": WINDOW[1]})
            view.route("http*://**", lambda route: route.abort())  # the book loads nothing from elsewhere
            for page in pages:
                view.goto((html_dir / page).resolve().as_uri(), wait_until="load")
                view.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
                seen = set()
                for name, wide, limit in view.evaluate(_WIDTH_JS):
                    if name in seen:
                        continue
                    seen.add(name)
                    out.append(Problem(page, name.strip(), f"{wide} px wide, the text column {limit} px at a "
                                                           f"{WINDOW[0]} px window (break or narrow it)"))
        finally:
            b.close()
    return out


def lint_book(html_dir: Path, pages: list[tuple[str, Path | None]], *, use_browser: bool = True
              ) -> tuple[list[Problem], str]:  # fmt: skip
    """Every check on each ``(page, executed notebook)``: ``(problems, note)``; the note says whether the
    width check ran (and why not)."""
    problems: list[Problem] = []
    for page, notebook in pages:
        problems += static_problems(html_dir, page, data_texts(notebook) if notebook else set())
    chromium = browser() if use_browser else None
    if chromium is None:
        note = ("page lint: widths not checked (no headless Chromium with Playwright here: "
                "pip install -r requirements-dev.txt and apt-get install chromium); the other checks ran")
        return problems, note
    problems += width_problems(html_dir, [p for p, _ in pages], chromium)
    return problems, f"page lint: {len(pages)} pages checked, widths at {WINDOW[0]} px in Chromium"
