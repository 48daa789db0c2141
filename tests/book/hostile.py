"""A small transaction log whose every text from the file is hostile: markup, MyST roles, math, formulas.

:func:`write_hostile` writes the built-in shop (a few hundred customers) under a
hostile file name, with hostile column names (read through ``mapping``),
descriptions, categories and product and customer ids, and the parameters file
that maps them. Each planted HTML element carries the class ``planted`` (and an
``onerror`` or a remote ``src``), so a page that lets one through shows it in
its DOM; the remote addresses end in ``.invalid``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

#: HTML that must stay text; every element carries class "planted"
TAG = '<img class="planted" src="x" onerror="document.title=\'pwned\'">'
SCRIPT = '<script class="planted" src="http://evil.invalid/x.js"></script>'
#: Markdown, MyST and mathtext that must stay text too (a link, a glue role, a lone dollar)
MARKUP = "[x](http://evil.invalid/l) {glue:text}`n` **b** $x_1_2$ _u_"
FILE_NAME = "orders <img class=planted src=x onerror=alert(1)> $1 `x` {glue}.csv"
MAPPING = {
    "order_id": 'Order <img class="planted" src=x onerror=alert(2)>',
    "customer_id": "Customer <script class=planted>alert(3)</script>",
    "product_id": "SKU $ `code`",
    "quantity": "Qty **",
    "unit_price": "=Price",
    "timestamp": "Date <b class=planted>",
    "description": "Description <iframe class=planted src=http://evil.invalid/f></iframe>",
    "category": "Category [c](http://evil.invalid)",
}
#: Small, quick parameters that every chapter's needs accept on this log
PARAMS = {
    "seed": 1,
    "clustering": {"k_range": [2, 3, 4], "max_points_density": 600, "stability_runs": 3},
    "forecast": {"horizon": 7, "n_origins": 2, "top_products": 3},
    "recommend": {"factors": 8, "iterations": 4},
    "risk": {"cv_folds": 3},
}


def write_hostile(folder: Path, customers: int = 300, seed: int = 1) -> tuple[Path, Path]:
    """The hostile log and its parameters file in ``folder``: ``(data, params)``."""
    from analysis.data import load_data

    table, _ = load_data({"data": "shop", "shop_customers": customers, "seed": seed})
    table = table[list(MAPPING)].copy()
    table["description"] = TAG + " " + table["description"] + " " + SCRIPT + " " + MARKUP
    table["category"] = "=HYPERLINK(\"http://evil.invalid\") " + table["category"] + " " + TAG + " $"
    table["product_id"] = table["product_id"] + " " + TAG + " $x"
    table["customer_id"] = "@" + table["customer_id"] + " <b class=planted>" + " `c` $"
    table["timestamp"] = table["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    data = folder / FILE_NAME
    table.rename(columns=MAPPING).to_csv(data, index=False, quoting=csv.QUOTE_ALL)
    params = folder / "hostile params.yaml"
    params.write_text(yaml.safe_dump({**PARAMS, "mapping": MAPPING}, sort_keys=False, allow_unicode=True))
    return data, params


#: A labelled table's columns (the risk chapter's credit problem): names and category values are hostile too
LABELLED = {
    "amount": 'amount <img class="planted" src=x onerror=alert(5)> $',
    "score": "score `x` $a_1_2$ **",
    "grade": "grade [g](http://evil.invalid) _",
    "region": "region <script class=planted>alert(6)</script>",
    "bad": "bad <b class=planted> {glue:text}`n`",
}


def write_hostile_labelled(folder: Path, rows: int = 300, seed: int = 1) -> tuple[Path, Path]:
    """A small labelled table with hostile column names and category values, and its parameters file."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    frame = pd.DataFrame({
        "amount": np.round(rng.lognormal(7, 1, rows), 2),
        "score": x,
        "grade": rng.integers(1, 5, rows),
        "region": rng.choice([f"north {TAG}", "south $x_1_2$", "=HYPERLINK(\"http://evil.invalid\")"], rows),
    })  # fmt: skip
    frame["bad"] = (rng.random(rows) < 1 / (1 + np.exp(1 - x))).astype(int)
    data = folder / f"labelled {TAG} $.csv"
    frame.rename(columns=LABELLED).to_csv(data, index=False, quoting=csv.QUOTE_ALL)
    params = folder / "labelled params.yaml"
    risk = {"target": LABELLED["bad"], "sensitive": LABELLED["region"], "categorical": [LABELLED["grade"]], "cv_folds": 3}
    params.write_text(yaml.safe_dump({"seed": 1, "risk": risk}, sort_keys=False, allow_unicode=True))
    return data, params
