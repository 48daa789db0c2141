"""analysis.fmt: counts, numbers, shares, money and days as the book writes them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3000, "3,000"),
        (3000.0, "3,000"),
        (np.int64(12), "12"),
        (2.6, "3"),
        (0, "0"),
        (None, fmt.MISSING),
        (np.nan, fmt.MISSING),
    ],
)
def test_count(value, text):
    assert fmt.count(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.44e-05, "1.44 × 10⁻⁵"),
        (5.83e-17, "5.83 × 10⁻¹⁷"),
        (3.72e-07, "3.72 × 10⁻⁷"),
        (0.000123, "0.000123"),
        (15.448, "15.4"),
        (0.12345, "0.123"),
        (1234567.8, "1,234,568"),
        (2.0, "2"),
        (0.0, "0"),
        (-0.5, "-0.5"),
        (float("inf"), "∞"),
        (2e16, "2.00 × 10¹⁶"),
        (pd.NA, fmt.MISSING),
    ],
)
def test_number_keeps_three_significant_digits(value, text):
    assert fmt.number(value) == text
    assert "e-" not in fmt.number(value)


@pytest.mark.parametrize(
    ("value", "text"), [(0.467, "46.7%"), (1, "100.0%"), (0, "0.0%"), (0.00001, "0.001%"), (np.nan, fmt.MISSING)]
)
def test_share(value, text):
    assert fmt.share(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(-0.175, "−17.5%"), (0.03, "+3.0%"), (0.0, "0.0%"), (-0.00001, "−0.001%")]
)
def test_signed_share(value, text):
    assert fmt.signed_share(value) == text


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (1234.5, "GBP", "£1,234"),
        (12.5, "gbp", "£12.50"),
        (12.5, "USD", "$12.50"),
        (1234.5, "CHF", "1,234 CHF"),
        (12.5, "", "12.50"),
        (-3.0, "EUR", "−€3.00"),
        (-0.001, "EUR", "€0.00"),
    ],
)
def test_money_carries_its_currency(value, currency, text):
    assert fmt.money(value, currency) == text


def test_money_decimals_can_be_fixed_and_day_is_iso():
    assert fmt.money(1234.5, "GBP", 2) == "£1,234.50"
    assert fmt.day("2011-12-09 12:50") == "2011-12-09"
    assert fmt.day(None) == fmt.MISSING


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.023, "2.3 percentage points"), (-0.15, "−15.0 percentage points"), (0.01, "1.0 percentage point"),
     (0.0, "0.0 percentage points"), (0.0001, "0.01 percentage points"), (None, fmt.MISSING)],
)  # fmt: skip
def test_points(value, text):
    assert fmt.points(value) == text


def test_is_count_like():
    assert fmt.is_count_like(pd.Series([1.0, 3000.0, np.nan]))
    assert not fmt.is_count_like(pd.Series([1.5, 2.0]))
    assert not fmt.is_count_like(pd.Series([], dtype=float))
    assert not fmt.is_count_like(pd.Series([np.inf]))


# --------------------------------------------------------------------------- escape: data strings as text


def test_escape_leaves_plain_text_alone_and_turns_markup_into_references():
    from markdown_it import MarkdownIt

    assert fmt.escape("Pastel Greeting Card, Navy (P0374) 10.5% off") == "Pastel Greeting Card, Navy (P0374) 10.5% off"
    evil = "<img src=x onerror=alert(1)> [x](http://e.invalid) {glue:text}`n` **b** $x$ _u_ a|b # \\ ~ ^ &amp;"
    import html
    import re

    text = fmt.escape(evil)
    assert not set("<>`*_[]{}$|#\\~^") & set(re.sub(r"&#?[0-9a-z]+;", "", text))
    assert MarkdownIt("commonmark").renderInline(text) == html.escape(evil)  # no markup: the text, escaped
    assert html.unescape(text) == evil  # Markdown and HTML both read the references as the characters
    assert fmt.escape("two\nlines\r\tend") == "two lines  end"


def test_escape_as_code_fences_with_more_backticks_than_the_text_holds():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    for text in ["orders.csv", "a`b", "`x`", "o <img src=x> $1 ``x` {glue}.csv", " padded "]:
        code = fmt.escape(text, code=True)
        assert md.renderInline(code) == f"<code>{text.replace('<', '&lt;').replace('>', '&gt;')}</code>", text
    assert fmt.escape("", code=True) == ""


def test_label_escapes_dollars_for_matplotlib():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlabel(fmt.label("$x_1_2$ off"))  # unescaped, mathtext refuses a double subscript
    fig.canvas.draw()
    plt.close(fig)
    assert fmt.label("a $5 b") == r"a \$5 b"
