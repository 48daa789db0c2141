"""make lab (issue 25, point 2): JupyterLab serves the hand-out on 127.0.0.1 with the book's kernel.

The test builds the hand-out of Concepts (executed on the shop), starts the
server the way ``make lab`` does (``python -m analysis lab``, on a free port),
opens the exercises notebook in headless Chromium, reads the rendered
notebook from the page (the run's numbers, the numbered table and figure, no
MyST) and stops the server.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from analysis.book import handout
from analysis.book.runner import ROOT
from analysis.chapters import CHAPTERS

pytestmark = pytest.mark.book


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    quiet = open("/dev/null", "w")
    handout.build_handout(ROOT, tmp_path, log=quiet)
    handout.execute_handout(ROOT, tmp_path, kinds=("exercises",), chapters=CHAPTERS[:1], log=quiet)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "analysis", "lab", "--dir", str(tmp_path), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as r:  # no token asked
                assert r.status == 200
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"make lab did not start: {server.communicate()[0][-2000:]}")
            time.sleep(0.5)
    yield url
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def test_make_lab_serves_the_handout_on_localhost_with_the_books_kernel(lab, browser):
    page = browser.new_page()
    page.goto(f"{lab}/lab/tree/01_concepts_exercises.ipynb", timeout=60000)
    page.wait_for_selector(".jp-MarkdownCell .jp-RenderedMarkdown", timeout=60000)
    page.wait_for_function("() => document.body.innerText.includes('Python (e-commerce book)')", timeout=60000)
    page.wait_for_function("() => document.querySelectorAll('.jp-MarkdownCell').length > 20", timeout=60000)
    markdown = page.eval_on_selector_all(".jp-MarkdownCell .jp-RenderedMarkdown", "els => els.map(e => e.innerText)")
    text = "\n".join(markdown)
    assert "Table 1.1." in text and "Figure 1.1." in text
    assert "{glue" not in text and "{numref}" not in text and ":::" not in text
    assert page.eval_on_selector_all(".jp-MarkdownCell img", "els => els.filter(e => e.naturalWidth > 0).length") > 0
    assert page.eval_on_selector_all(".jp-MarkdownCell table", "els => els.length") > 0
    page.close()
