"""Figures the chapters share. Each function returns a matplotlib Figure."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.patches import FancyBboxPatch
from pandas.io.formats.style import Styler

from analysis import fmt
from analysis import schema as S
from analysis.errors import DataError

__all__ = [
    "BLUE",
    "GREY",
    "ORANGE",
    "PALETTE",
    "SKY",
    "TableStyler",
    "cohort_heatmap",
    "column_kind",
    "data_model_diagram",
    "dendrogram",
    "distributions",
    "holdout",
    "k_choice",
    "k_distance",
    "monthly_revenue",
    "money_axis",
    "note_table",
    "scatter_segments",
    "style",
    "table",
    "tracking",
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


TABLES = {
    "customers": ([S.CUSTOMER + " (key)", S.COUNTRY, S.CHANNEL], (0.02, 0.55)),
    "orders": ([S.ORDER + " (key)", S.CUSTOMER, S.TIMESTAMP], (0.37, 0.55)),
    "order lines": ([S.ORDER, S.PRODUCT, S.QUANTITY, S.PRICE], (0.37, 0.02)),
    "products": ([S.PRODUCT + " (key)", S.DESCRIPTION, S.CATEGORY], (0.72, 0.02)),
}
LINKS = [("customers", "orders", "1 : n"), ("orders", "order lines", "1 : n"), ("products", "order lines", "1 : n")]


def data_model_diagram() -> plt.Figure:
    """The shop's entities and how they relate (the canonical table joins them)."""
    fig, ax = plt.subplots(figsize=(9, 4.4))
    ax.set_axis_off()
    w, h = 0.26, 0.4
    centres = {}
    for name, (cols, (x, y)) in TABLES.items():
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.01", fc=PALE, ec=BLUE, lw=1.5))
        ax.text(x + w / 2, y + h - 0.06, name, ha="center", va="center", fontweight="bold", fontsize=11)
        for i, col in enumerate(cols):
            ax.text(x + 0.02, y + h - 0.15 - i * 0.075, col, ha="left", va="center", family="monospace", fontsize=9)
        centres[name] = (x, y)
    for a, b, label in LINKS:
        (xa, ya), (xb, yb) = centres[a], centres[b]
        if ya == yb:  # side by side
            start, end = (xa + w, ya + h / 2), (xb, yb + h / 2)
        elif xa == xb:  # one above the other
            start, end = (xa + w / 2, ya), (xb + w / 2, yb + h)
        else:
            start, end = (xa, ya + h / 2), (xb + w, yb + h / 2)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": BLUE, "lw": 1.5})
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.03, label, ha="center", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.tight_layout()
    return fig


def monthly_revenue(monthly: pd.DataFrame, *, currency: str = "") -> plt.Figure:
    """Bars of monthly revenue from :func:`analysis.kpi.monthly`.

    Full months are solid, the best of them darker and labelled; a month the data
    cover only in part is an empty hatched outline labelled with the days it
    covers, so it never reads as a month to compare, even when it is the tallest.
    """
    fig, ax = plt.subplots()
    labels = monthly.index.strftime("%Y-%m")
    pos = np.arange(len(labels))
    partial = monthly["partial"].to_numpy(dtype=bool)
    revenue = monthly["revenue"].to_numpy(dtype=float)
    full = np.flatnonzero(~partial)
    best = full[np.argmax(revenue[full])] if len(full) else None
    colours = [BLUE if i == best else SKY for i in full]
    ax.bar(pos[full], revenue[full], color=colours, label="full month")
    if partial.any():
        ax.bar(
            pos[partial], revenue[partial], color="none", edgecolor=GREY, hatch="//", ls="--",
            label="month only partly in the data",
        )  # fmt: skip
    top = float(np.nanmax(revenue)) if len(revenue) else 1.0
    days = monthly["days"] if "days" in monthly else pd.Series(np.nan, index=monthly.index)
    for i in np.flatnonzero(partial):
        month = monthly.index[i]
        ax.text(pos[i], revenue[i] + 0.02 * top, f"partial\n{days.iloc[i]:.0f}/{month.days_in_month} days",
                ha="center", va="bottom", fontsize=7, color=GREY)  # fmt: skip
    if best is not None:
        label = "best full\nmonth"
        ax.text(pos[best], revenue[best] + 0.02 * top, label, ha="center", va="bottom", fontsize=7, color=BLUE)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    ax.set_ylabel(f"revenue ({currency})" if currency else "revenue")
    ax.set_title("Monthly revenue")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt.money(v, currency, 0)))
    step = max(1, len(labels) // 12)
    ax.set_xticks(pos[::step], labels[::step], rotation=45, ha="right")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def cohort_heatmap(retention: pd.DataFrame) -> plt.Figure:
    """Retention by acquisition cohort (rows) and months since first purchase (columns)."""
    import seaborn as sns

    if retention.empty:
        fig, ax = plt.subplots(figsize=(9, 1.6))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No calendar month is covered completely: no retention to show.", ha="center", va="center")
        return fig
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(retention) + 1.5))
    sns.heatmap(
        retention,
        annot=retention.shape[1] <= 13,
        fmt=".0%",
        cmap="Blues",
        vmin=0,
        vmax=max(0.05, float(np.nanmax(retention.iloc[:, 1:].to_numpy())) if retention.shape[1] > 1 else 1),
        cbar_kws={"label": "share of cohort buying", "format": matplotlib.ticker.PercentFormatter(1.0)},
        annot_kws={"fontsize": 7},
        ax=ax,
    )
    ax.set_title("Cohort retention")
    ax.set_xlabel("months since the first purchase")
    ax.set_ylabel("cohort (month of the first purchase)")
    ax.grid(False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- clustering & CLV


def distributions(before: pd.DataFrame, after: pd.DataFrame) -> plt.Figure:
    """Histograms of each feature before (top row) and after (bottom row) the transform."""
    cols = list(before.columns)
    fig, axes = plt.subplots(2, len(cols), figsize=(2.4 * len(cols) + 1, 4.6))
    for j, col in enumerate(cols):
        axes[0, j].hist(before[col], bins=40, color=BLUE)
        axes[0, j].set_title(col, fontsize=9)
        axes[1, j].hist(after[col], bins=40, color=ORANGE)
        axes[1, j].set_xlabel("standard deviations from the mean", fontsize=8)
    axes[0, 0].set_ylabel("customers (raw)")
    axes[1, 0].set_ylabel("customers (transformed)")
    fig.tight_layout()
    return fig


def k_choice(table: pd.DataFrame, best_k: int, elbow_k: int | None) -> plt.Figure:
    """Inertia (elbow) and mean silhouette against k."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    a.plot(table["k"], table["inertia"], "o-", color=BLUE)
    if elbow_k is not None:
        a.axvline(elbow_k, color="grey", ls="--", lw=1)
    a.set_xlabel("number of clusters k")
    a.set_ylabel("inertia $W(k)$")
    a.set_title("Elbow")
    b.plot(table["k"], table["silhouette"], "o-", color=ORANGE)
    b.axvline(best_k, color="grey", ls="--", lw=1)
    b.set_xlabel("number of clusters k")
    b.set_ylabel("mean silhouette")
    b.set_title("Silhouette")
    fig.tight_layout()
    return fig


def k_distance(kdist: np.ndarray, eps: float, min_samples: int) -> plt.Figure:
    """Sorted distances to the ``min_samples``-th neighbour, with the chosen eps."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(np.arange(len(kdist)), kdist, color=BLUE)
    ax.axhline(eps, color=ORANGE, ls="--", label=f"eps = {eps:.2f}")
    ax.set_xlabel("customers, sorted by that distance")
    ax.set_ylabel(f"distance to neighbour {min_samples} (standardised units)")
    ax.legend()
    fig.tight_layout()
    return fig


def dendrogram(linkage: np.ndarray, k: int, *, last: int = 30) -> plt.Figure:
    """A Ward dendrogram truncated to its ``last`` merges, with the cut that gives ``k`` clusters."""
    from scipy.cluster.hierarchy import dendrogram as scipy_dendrogram

    fig, ax = plt.subplots(figsize=(8, 3.6))
    scipy_dendrogram(linkage, truncate_mode="lastp", p=last, ax=ax, color_threshold=linkage[-k + 1, 2] if k > 1 else 0)
    if k > 1:
        ax.axhline((linkage[-k, 2] + linkage[-k + 1, 2]) / 2, color="grey", ls="--", lw=1)
    ax.set_ylabel("Ward merge height (increase in W)")
    ax.set_xlabel("clusters (size in brackets)")
    ax.grid(False)
    fig.tight_layout()
    return fig


def scatter_segments(coords: np.ndarray, names: pd.Series, *, xlabel: str, ylabel: str, seed: int = 0) -> plt.Figure:
    """Points coloured by segment name (at most 20,000 drawn, sampled with ``seed``)."""
    idx = np.arange(len(coords))
    if len(idx) > 20_000:
        idx = np.sort(np.random.default_rng(seed).choice(idx, 20_000, replace=False))
    fig, ax = plt.subplots(figsize=(7.5, 5))
    labels = names.to_numpy()[idx]
    for i, name in enumerate(pd.unique(names)):
        m = labels == name
        colour = PALETTE[i % len(PALETTE)]
        ax.scatter(coords[idx][m, 0], coords[idx][m, 1], s=6, alpha=0.6, label=str(name), color=colour)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(markerscale=3, fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def holdout(table: pd.DataFrame, max_x: int) -> plt.Figure:
    """Mean holdout purchases, actual vs BG/NBD prediction, by calibration frequency."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels = [str(x) if x < max_x else f"{max_x}+" for x in table["x"]]
    pos = np.arange(len(labels))
    ax.bar(pos - 0.2, table["actual"], width=0.4, label="actual", color=BLUE)
    ax.bar(pos + 0.2, table["predicted"], width=0.4, label="BG/NBD", color=ORANGE)
    ax.set_xticks(pos, labels)
    ax.set_xlabel("repeat purchase days in the calibration period")
    ax.set_ylabel("mean purchase days per customer\nin the holdout")
    ax.legend()
    fig.tight_layout()
    return fig


def tracking(dates: pd.DatetimeIndex, actual: np.ndarray, expected: np.ndarray, calibration_end) -> plt.Figure:
    """Cumulative repeat purchases over time: actual vs BG/NBD expectation."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.plot(dates, actual, label="actual", color=BLUE)
    ax.plot(dates, expected, label="BG/NBD", color=ORANGE, ls="--")
    ax.axvline(pd.Timestamp(calibration_end), color="grey", ls=":", label="calibration end")
    ax.set_ylabel("cumulative repeat purchase days")
    ax.set_xlabel("date")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend()
    fig.tight_layout()
    return fig


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
    """Headers and cells left-aligned, numbers right-aligned (one rule per column), the caption above and bold."""
    styles = [
        {"selector": "th.col_heading", "props": [("text-align", "left"), ("white-space", "nowrap")]},
        {"selector": "td", "props": [("padding", "0.2em 0.8em"), ("text-align", "left")]},
        {"selector": "caption", "props": [("caption-side", "top"), ("text-align", "left"), ("font-weight", "bold")]},
    ]
    for j, col in enumerate(columns):
        if col in right:
            styles.append({"selector": f"th.col_heading.col{j}", "props": [("text-align", "right")]})
            numeric = [("text-align", "right"), ("font-variant-numeric", "tabular-nums")]
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
