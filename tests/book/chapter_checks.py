"""What every chapter page must show in a real browser: one function, applied to the chapters listed in
test_book.CHAPTER_PAGES (every chapter in the registry).

:func:`chapter_page_problems` opens a built chapter page in a Playwright page and returns one line per
problem (empty when the page is right):

- figures numbered per chapter ("Figure 2.3"), at least one, and tables pasted as numbered tables ("Table 2.1"):
  no formatted table outside one, but in an exercise's solution;
- numbered equations ("(2.1)"), at least one, none wider than the page at a 1280 px window;
- the learning objectives;
- at least four exercises, each solution hidden until its toggle is clicked, and shown after the click;
- glossary links ({term}) that resolve to a term on the glossary page;
- no image without alt text (and no alt text that is only a hash or a file name).
"""

from __future__ import annotations

import re
from pathlib import Path

MIN_EXERCISES = 4
HASHLIKE = re.compile(r"^[0-9a-f]{16,}$|\.(png|svg|jpe?g)$", re.I)


def _numbers(page, selector: str) -> list[str]:
    return page.evaluate(f"() => Array.from(document.querySelectorAll({selector!r})).map(e => e.innerText.trim())")


def _numbering(page, chapter: int) -> list[str]:
    out = []
    figures = _numbers(page, "main figure:not(.book-table-figure) .caption-number")
    if not figures:
        out.append("no numbered figure")
    out += [f"figure numbered {f!r}, not {chapter}.n" for f in figures if not re.match(rf"Figure {chapter}\.\d+", f)]
    tables = _numbers(page, "main figure.book-table-figure .caption-number")
    out += [f"table numbered {t!r}, not {chapter}.n" for t in tables if not re.match(rf"Table {chapter}\.\d+", t)]
    unnumbered = page.evaluate(
        "() => Array.from(document.querySelectorAll('main figure')).filter(f => !f.querySelector('.caption-number')).length"
    )
    if unnumbered:
        out.append(f"{unnumbered} figure(s) or table(s) without a number")
    loose = page.evaluate(  # a formatted table outside a numbered table (exercise solutions may show their own)
        "() => Array.from(document.querySelectorAll('main div.book-table'))"
        ".filter(t => !t.closest('figure.book-table-figure') && !t.closest('.admonition')).length"
    )
    if loose:
        out.append(f"{loose} table(s) shown without a number (glue it and paste it as a numbered table)")
    wide = page.evaluate(  # at 1280 px the text column is about 700 px: a wider equation hides behind a scrollbar
        "() => Array.from(document.querySelectorAll('main div.math, main mjx-container[display=\"true\"]'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 2).map(e => (e.closest('div.math') || e).id || 'an equation')"
        ".filter((id, i, all) => all.indexOf(id) === i)"
    )
    out += [f"{name} is wider than the page (break it over lines)" for name in wide]
    equations = _numbers(page, "main .math .eqno")
    if not equations:
        out.append("no numbered equation")
    out += [f"equation numbered {e!r}, not ({chapter}.n)" for e in equations if not re.match(rf"\({chapter}\.\d+\)", e)]
    return out


def _exercises(page) -> list[str]:
    out = []
    exercises = page.locator("main div.admonition.exercise")
    if exercises.count() < MIN_EXERCISES:
        out.append(f"{exercises.count()} exercises, at least {MIN_EXERCISES} needed")
    solutions = page.locator("main div.admonition.dropdown")
    if solutions.count() < exercises.count():
        out.append(f"{solutions.count()} solutions for {exercises.count()} exercises")
    for i in range(solutions.count()):
        box = solutions.nth(i)
        body = box.locator(":scope > :not(.admonition-title)").first
        title = box.locator(".admonition-title").first.inner_text().strip().splitlines()[0]
        if body.is_visible():
            out.append(f"{title}: shown before it is clicked")
            continue
        box.locator(".admonition-title").first.click()
        page.wait_for_timeout(400)  # the toggle's animation
        if not body.is_visible():
            out.append(f"{title}: still hidden after a click on its title")
    closed = page.evaluate("() => Array.from(document.querySelectorAll('main details.hide')).filter(d => d.open).length")
    if closed:
        out.append(f"{closed} folded code cell(s) open before they are clicked")
    return out


def _glossary(page, html: Path, here: Path) -> list[str]:
    links = page.evaluate(
        "() => Array.from(document.querySelectorAll('main a.reference')).filter(a => a.querySelector('.std-term'))"
        ".map(a => a.getAttribute('href'))"
    )
    if not links:
        return ["no glossary link ({term})"]
    out = []
    for href in sorted(set(links)):
        file, _, anchor = href.partition("#")
        target = (here.parent / file).resolve()
        if not target.is_file() or not anchor or f'id="{anchor}"' not in target.read_text():
            out.append(f"glossary link {href} does not resolve")
    return out


def _images(page) -> list[str]:
    images = page.evaluate("() => Array.from(document.querySelectorAll('main img')).map(i => [i.src, i.alt || ''])")
    return [f"image {src.rsplit('/', 1)[-1]} has no describing alt text ({alt!r})" for src, alt in images
            if len(alt.strip()) < 10 or HASHLIKE.search(alt.strip())]  # fmt: skip


def chapter_page_problems(page, html: Path, page_name: str, chapter: int) -> list[str]:
    """Everything wrong with the built chapter page ``page_name`` (already loaded in ``page``)."""
    out = _numbering(page, chapter)
    text = page.evaluate("() => document.querySelector('main').innerText")
    if "Learning objectives" not in text:
        out.append("no learning objectives")
    out += _glossary(page, html, html / page_name)
    out += _images(page)
    out += _exercises(page)  # last: it clicks the solutions open
    return out
