"""Figures the chapters share. Each function returns a matplotlib Figure."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import pandas as pd
from pandas.io.formats.style import Styler

from analysis import fmt
from analysis.errors import DataError

__all__ = [
    "BLUE",
    "GREY",
    "ORANGE",
    "PALETTE",
    "SKY",
    "TableStyler",
    "column_kind",
    "drawn",
    "money_axis",
    "note_table",
    "style",
    "table",
]


#: The Okabe-Ito palette: eight colours told apart with every common colour-vision deficiency.
#: Every figure of the book draws from it (chapters' figures too: ``from analysis.plots import BLUE, ...``).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK = PALETTE
GREY = "#666666"  # reference lines, annotations
PALE = "#E8F1F8"  # box fills
#: Figure width in inches at which a figure fills the page's text column; font sizes are chosen for it.
PAGE_WIDTH = 8.0


def style() -> None:
    """One look for every chapter: the colour-blind-safe palette, sizes readable at page width, light grid."""
    plt.rcParams.update(
        {
            "figure.figsize": (PAGE_WIDTH, 4.2),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE)),
            "image.cmap": "cividis",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titleweight": "bold",
            "font.size": 10.5,
            "axes.labelsize": 10.5,
            "xtick.labelsize": 9.5,
            "ytick.labelsize": 9.5,
            "legend.fontsize": 9.5,
        }
    )


def money_axis(ax, currency: str = "", axis: str = "y") -> None:
    """Tick labels of ``axis`` as money in ``currency`` (``£1,200``), the book's one way to write amounts."""
    formatter = matplotlib.ticker.FuncFormatter(lambda v, _: fmt.money(v, currency, 0))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


# --------------------------------------------------------------------------- empty figures


def _finite(values) -> bool:
    """Whether ``values`` (an array, a masked array, a list) holds at least one finite number."""
    import numpy as np

    array = np.ma.masked_invalid(np.ma.asarray(values, dtype=float)) if np.size(values) else np.ma.masked_all(0)
    return bool(array.count())


def _has_data(artist, ax) -> bool:
    """An artist placed in the axes' data coordinates that shows at least one finite value."""
    import matplotlib.collections as mcoll
    import matplotlib.image as mimage
    import matplotlib.lines as mlines
    import matplotlib.patches as mpatches

    transforms = [artist.get_transform()]
    if isinstance(artist, mcoll.Collection):
        transforms.append(artist.get_offset_transform())  # a scatter's points sit at offsets in data coordinates
    if not artist.get_visible() or not any(t.contains_branch(ax.transData) for t in transforms):
        return False  # a reference line (axhline), a legend patch or the axes' background draws no data
    if isinstance(artist, mlines.Line2D):
        x, y = artist.get_data(orig=False)
        return _finite(x) and _finite(y)
    if isinstance(artist, mimage.AxesImage):
        return _finite(artist.get_array())
    if isinstance(artist, mcoll.PathCollection):  # a scatter: its points are its offsets
        offsets = artist.get_offsets()
        return bool(len(offsets)) and _finite(offsets)
    if isinstance(artist, mcoll.Collection):
        values = artist.get_array()
        if values is not None:  # a heat map or a coloured scatter: its colour values
            return _finite(values)
        offsets = artist.get_offsets()
        if len(offsets) and _finite(offsets) and not isinstance(artist, mcoll.PolyCollection):
            return True  # a scatter's points
        return any(_finite(p.vertices) and len(p.vertices) for p in artist.get_paths())
    if isinstance(artist, mpatches.Rectangle):
        return _finite([artist.get_width(), artist.get_height()]) and artist.get_width() * artist.get_height() != 0
    if isinstance(artist, mpatches.Patch):
        return _finite(artist.get_path().vertices)
    return False


def drawn(fig) -> int:
    """How many artists of ``fig`` show data: lines, points, bars, areas and images in their axes' data
    coordinates with at least one finite value, and boxed or arrowed notes (a decision tree's nodes); a bar of
    height 0, a line of NaN, a reference line across the axes and plain text do not count. A figure with 0
    has nothing to show: :func:`analysis.page.glue_figure` replaces it by a sentence saying why."""
    count = 0
    for ax in fig.get_axes():
        if getattr(ax, "_colorbar", None) is not None:
            continue  # a colour bar shows the scale, not data
        artists = [*ax.lines, *ax.collections, *ax.patches, *ax.images]
        count += sum(_has_data(a, ax) for a in artists)
        # a diagram drawn as boxes joined by arrows (a decision tree's nodes): each boxed or arrowed note counts
        count += sum(1 for t in ax.texts if t.get_visible() and t.get_text().strip()
                     and (t.get_bbox_patch() is not None or getattr(t, "arrow_patch", None) is not None))
    return count


# --------------------------------------------------------------------------- tables

# Column-name words from which a column's kind is guessed when no argument names it.
MONEY_WORDS = frozenset({"revenue", "monetary", "aov", "price", "spend", "clv", "sales", "amount", "value", "money"})
SHARE_WORDS = frozenset({"share", "rate", "retention", "pct", "percent", "proportion", "ratio_pct"})
LABEL_WORDS = frozenset({"id", "year", "code", "k", "cohort", "month", "seed"})
KINDS = ("count", "money", "share", "number", "day", "label", "bool")
_NUMERIC_TEXT = re.compile(r"^[−\-+]?\D{0,3}[\d,.]+(%| [A-Z]{3})?$")
WRAPPER_CLASS = "book-table"


class TableStyler(Styler):
    """A pandas Styler whose HTML sits in a ``<div class="book-table">`` that scrolls sideways when wide."""

    def __repr__(self) -> str:  # what a glued table's text form reads: the same on every run of the same table
        return f"<table {self.uuid}>"

    def to_html(self, *args, **kwargs) -> str:
        html = super().to_html(*args, **kwargs)  # Styler._repr_html_ (what Jupyter and the book show) calls this
        return html if html is None or kwargs.get("buf") is not None else wrap_html(html)


def wrap_html(html: str) -> str:
    """``html`` inside the scrolling wrapper (wide tables scroll instead of being clipped)."""
    return f'<div class="{WRAPPER_CLASS}" style="overflow-x: auto; max-width: 100%;">{html}</div>'


def _words(name) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", str(name).lower())) - {""}


def column_kind(name, values: pd.Series) -> str:
    """The kind a column is shown as, guessed from its dtype, values and name (one of :data:`KINDS`).

    Booleans are ``bool``; dates ``day``; text ``label``; numbers whose name holds a
    money word (revenue, price, aov, ...) ``money``, a share word (share, rate,
    retention) ``share``, an id word (id, year, code, k) ``label``; other numbers
    that are all whole ``count``, the rest ``number`` (3 significant digits).
    """
    if pd.api.types.is_bool_dtype(values):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "day"
    if not pd.api.types.is_numeric_dtype(values):
        return "label"
    words = _words(name)
    if words & LABEL_WORDS and fmt.is_count_like(values):
        return "label"
    if words & MONEY_WORDS:
        return "money"
    if words & SHARE_WORDS:
        return "share"
    return "count" if fmt.is_count_like(values) or values.notna().sum() == 0 else "number"


def _formatter(kind: str, values: pd.Series, currency: str, digits: int):
    if kind == "count":
        return fmt.count
    if kind == "share":
        return fmt.share
    if kind == "money":
        finite = pd.to_numeric(values, errors="coerce").abs()
        decimals = 0 if finite.notna().any() and finite.max() >= 1000 else 2
        return lambda v: fmt.money(v, currency, decimals)
    if kind == "number":
        return lambda v: fmt.number(v, digits)
    if kind == "day":
        stamps = pd.to_datetime(values.dropna())
        with_time = bool(len(stamps)) and bool((stamps != stamps.dt.normalize()).any())
        if not with_time:
            return fmt.day
        return lambda v: fmt.MISSING if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d %H:%M")
    if kind == "bool":
        return lambda v: fmt.MISSING if pd.isna(v) else ("yes" if v else "no")
    return lambda v: fmt.MISSING if fmt._missing(v) else str(v)


def _is_numeric_text(values: pd.Series) -> bool:
    text = [str(v) for v in values if not fmt._missing(v)]
    return bool(text) and all(_NUMERIC_TEXT.match(t) or t == fmt.MISSING for t in text)


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Index labels moved into columns (shown once, as the first columns); a plain 0..n-1 index dropped."""
    index = df.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None
    if plain:
        return df.reset_index(drop=True)
    names = [n if n is not None else "" for n in index.names]
    if len(names) == 1 and names[0] == "" and "" in df.columns:
        names = [" "]
    out = df.copy()
    out.index = index.set_names(names)
    return out.reset_index()


def _table_styles(columns: list, right: list) -> list[dict]:
    """Headers and cells left-aligned, numbers right-aligned (one rule per column), the caption above and bold.

    The table fits the page's text column at a 1280 px window (the page lint checks it): a slightly smaller
    font, narrow padding, headers that wrap over lines rather than widen their column, and text cells that
    break a long word (an id, a description from the data) where they must; numbers never break."""
    styles = [
        {"selector": "", "props": [("font-size", "0.9em")]},
        {"selector": "th.col_heading", "props": [("text-align", "left"), ("white-space", "normal"),
                                                 ("overflow-wrap", "anywhere"), ("padding", "0.2em 0.45em")]},
        {"selector": "td", "props": [("padding", "0.2em 0.45em"), ("text-align", "left"),
                                     ("overflow-wrap", "anywhere")]},
        {"selector": "caption", "props": [("caption-side", "top"), ("text-align", "left"), ("font-weight", "bold")]},
    ]
    for j, col in enumerate(columns):
        if col in right:
            styles.append({"selector": f"th.col_heading.col{j}", "props": [("text-align", "right")]})
            numeric = [("text-align", "right"), ("font-variant-numeric", "tabular-nums"), ("white-space", "nowrap")]
            styles.append({"selector": f"td.col{j}", "props": numeric})
    return styles


def table(
    df: pd.DataFrame,
    *,
    currency: str = "",
    money: Iterable = (),
    shares: Iterable = (),
    counts: Iterable = (),
    numbers: Iterable = (),
    labels: Iterable = (),
    caption: str | None = None,
    formats: dict | None = None,
    digits: int = 3,
    precision: int | None = None,
) -> TableStyler:
    """The one table formatter of the book: a pandas Styler for people.

    - counts as whole numbers with thousands separators (``3,000``, never ``3,000.00``);
    - money with ``currency`` (``£1,234``; 2 decimals in a column whose amounts stay below 1,000);
    - shares as percentages (``46.7%``); other numbers with ``digits`` significant digits
      (``0.0000144``, ``15.4``: never ``1.44e-05`` or ``0.0000``);
    - no duplicate index: a plain ``0..n-1`` index is not shown, any other index is
      shown once, as the first column(s);
    - numbers right-aligned, text left-aligned; the table scrolls sideways when wide
      (it sits in a ``<div class="book-table">`` with ``overflow-x: auto``);
    - ``caption`` above the table;
    - cells, column names and the caption escaped for HTML (a description ``<img src=x onerror=...>``
      shows as text; the Styler itself does not escape).

    A column's kind is guessed by :func:`column_kind`; name columns in ``money``,
    ``shares``, ``counts``, ``numbers`` or ``labels`` to override the guess, or give
    ``formats`` (column -> format string such as ``"{:.2f}"``, or a callable). Text
    columns whose every cell already reads as a number (pre-formatted values) are
    right-aligned too. ``precision`` is accepted from earlier versions as a minimum
    for ``digits``.
    """
    if precision is not None:
        digits = max(digits, int(precision))
    flat = _flat(df)
    chosen = {
        "money": set(money),
        "share": set(shares),
        "count": set(counts),
        "number": set(numbers),
        "label": set(labels),
    }
    unknown = set().union(*chosen.values(), formats or {}) - set(flat.columns)
    if unknown:
        raise DataError(
            f"The table has no column(s) {', '.join(map(repr, sorted(map(str, unknown))))}.",
            column=", ".join(map(str, sorted(map(str, unknown)))),
            fix=f"name columns of the table: {', '.join(map(str, flat.columns))}",
        )
    # a uuid from the content, so the same table gives the same HTML on every run
    kinds = sorted((k, sorted(map(str, v))) for k, v in chosen.items())
    key = repr((flat.to_csv(), list(map(str, flat.dtypes)), currency, kinds, sorted(map(str, formats or {}))))
    key += repr((caption, digits))
    styler = TableStyler(flat, uuid=hashlib.sha1(key.encode()).hexdigest()[:10])
    right: list = []
    for col in flat.columns:
        kind = next((k for k, cols in chosen.items() if col in cols), None) or column_kind(col, flat[col])
        custom = (formats or {}).get(col)
        if custom is not None:
            func = custom if callable(custom) else (lambda v, f=custom: fmt.MISSING if fmt._missing(v) else f.format(v))
        else:
            func = _formatter(kind, flat[col], currency, digits)
        styler = styler.format(_escaped(func), subset=[col])
        if kind in ("count", "money", "share", "number") or (kind == "label" and _is_numeric_text(flat[col])):
            right.append(col)
    styler = styler.hide(axis="index").set_table_styles(_table_styles(list(flat.columns), right))
    styler = styler.format_index(lambda name: html.escape(str(name)), axis="columns", level=None)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler


def _escaped(func):
    """``func``, with its text escaped for HTML: a cell from the data (``<img onerror=...>``) shows as text."""
    return lambda v: html.escape(str(func(v)))


def note_table(text: str) -> TableStyler:
    """A one-row table that says why a numbered table is empty on these data (no planted truth, no rule, no
    descriptions): the chapter's table numbers then stay the same on every data set."""
    return table(pd.DataFrame({"note": [text]}))


def table_in_words(df: pd.DataFrame, words: Mapping[str, str], *, currency: str = "", caption: str | None = None,
                   formats: dict | None = None, **kinds) -> TableStyler:
    """:func:`table` with the column and index names in words (``words``: code name -> words).

    ``kinds`` (``money``, ``shares``, ``counts``, ``numbers``, ``labels``) and ``formats`` name columns
    by their code names; a chapter passes its own ``COLUMN_WORDS``.
    """
    named = {c: words.get(c, c) for c in df.columns}
    shown = df.rename(columns=named)
    shown.index = shown.index.set_names([words.get(n, n) if n else n for n in shown.index.names])
    formats = {named.get(c, c): f for c, f in (formats or {}).items()} or None
    kinds = {kind: [named.get(c, c) for c in columns] for kind, columns in kinds.items()}
    return table(shown, currency=currency, caption=caption, formats=formats, **kinds)
