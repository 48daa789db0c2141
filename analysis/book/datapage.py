"""The numbers of the data page (``book/data.md``), computed by a run, never typed.

:func:`write_data_pages` writes three Markdown files that ``book/data.md`` includes:

* ``_generated/build_data.md``: the data this build's chapters ran on, from the
  build record (name, layout, rows read and kept, date range, which chapters), so
  a book built on another file says so on its data page;
* ``_generated/data_sets.md``: for every data set the book uses, what the book's
  own loader makes of it (rows read and kept, customers, products or items, dates,
  what each cleaning rule dropped). The built-in shop and CDNOW (it ships inside
  the ``lifetimes`` package) are always there; the files in ``../shared/data``
  only when that folder exists on the machine that builds the book (the page says
  so otherwise). Results are cached in ``_generated/data_facts.json`` by the
  file's size and time and the data layer's code, so a rebuild reads nothing again.
* ``_generated/byo_example.md`` and ``_generated/my_orders.csv``: the worked
  example of bringing your own file: a small export with its own column names,
  semicolons and decimal commas, its parameters file, and the data report the
  loader printed for it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from analysis import fmt

EXAMPLE_CSV = "my_orders.csv"
EXAMPLE_MAPPING = {
    "order_id": "Order Number",
    "customer_id": "Customer Email",
    "product_id": "SKU",
    "quantity": "Qty",
    "unit_price": "Price Each",
    "timestamp": "Created At",
}
EXAMPLE_CUSTOMERS = 50


def _sets(shared: Path) -> list[dict]:
    """The data sets: a name, the ``data`` value that loads it, and the file whose change invalidates the cache."""
    sets = [
        {"name": "built-in shop", "data": "shop", "file": None},
        {"name": "CDNOW master file", "data": "cdnow", "file": None},
    ]
    for name, rel in (("UCI Online Retail", "online_retail/online_retail.parquet"), ("MovieLens 100k", "ml-100k/u.data")):
        sets.append({"name": name, "data": str(shared / rel), "file": shared / rel})
    return sets


def _code_key(root: Path) -> str:
    h = hashlib.sha256()
    for src in sorted((root / "analysis" / "data").rglob("*.py")) + sorted((root / "analysis" / "shop").rglob("*.py")):
        h.update(src.read_bytes())
    return h.hexdigest()[:16]


def _facts(data: str) -> dict:
    from analysis.data import load_data

    _, report = load_data({"data": data})
    return {
        "layout": report.layout, "kind": report.kind, "rows_read": report.rows_read, "rows_kept": report.rows_kept,
        "customers": report.customers, "products": report.products, "orders": report.orders,
        "first_date": str(report.first_date), "last_date": str(report.last_date),
        "dropped": {rule: n for rule, n in report.dropped.items() if n},
        "currency": report.currency,
    }  # fmt: skip


def data_facts(root: Path, cache_path: Path) -> dict[str, dict | None]:
    """Each data set's facts from the book's loader (None when its file is absent), cached."""
    try:
        cache = json.loads(cache_path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        cache = {}
    code = _code_key(root)
    out, fresh = {}, {}
    for s in _sets((root / ".." / "shared" / "data").resolve()):
        file = s["file"]
        if file is not None and not file.is_file():
            out[s["name"]] = None
            continue
        stat = f"{file.stat().st_size}:{int(file.stat().st_mtime)}" if file is not None else ""
        key = f"{s['data']}|{stat}|{code}"
        fresh[key] = cache[key] if key in cache else _facts(s["data"])
        out[s["name"]] = fresh[key]
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    cache_path.write_text(json.dumps(fresh, indent=1, sort_keys=True))
    return out


def _code(text: str) -> str:
    """A name as code in a cell of a Markdown table (a ``|`` would end the cell even inside backticks)."""
    return fmt.escape(text, code=True).replace("|", "\\|")


def data_sets_md(facts: dict[str, dict | None]) -> str:
    rows = ["| data set | layout | rows read | rows kept | customers (users) | products (items) | dates | "
            "dropped by cleaning |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    absent = []
    for name, f in facts.items():
        if f is None:
            absent.append(name)
            continue
        dropped = "; ".join(f"{_code(rule)} {fmt.count(n)}" for rule, n in f["dropped"].items()) or "nothing"
        rows.append(f"| {fmt.escape(name)} | {_code(f['layout'])} | {fmt.count(f['rows_read'])} "
                    f"| {fmt.count(f['rows_kept'])} | {fmt.count(f['customers'])} | {fmt.count(f['products'])} "
                    f"| {fmt.escape(f['first_date'])} to {fmt.escape(f['last_date'])} | {dropped} |")  # fmt: skip
    text = "\n".join(rows) + "\n"
    if absent:
        text += (f"\nNot on the machine that built this page (no `../shared/data`): {', '.join(absent)}. "
                 "Their rows are filled in by a build on a machine that has them.\n")  # fmt: skip
    return text


def data_text(run: dict) -> str:
    """The data as the reader knows it: the built-in shop and its size, or the file's name (not its path)."""
    data = str(run.get("data", ""))
    shop = re.fullmatch(r"shop\(n_customers=(\d+), seed=(\d+)\)( orders)?", data)
    if shop:
        orders = ", its orders" if shop.group(3) else ""  # the risk chapter's fraud problem reads the orders
        return f"built-in shop, {fmt.count(int(shop.group(1)))} customers, seed {shop.group(2)}{orders}"
    return Path(data).name if "/" in data or "\\" in data else data


def build_data_md(state: dict, chapters: list[tuple[str, str]]) -> str:
    """The data this build's chapters ran on, from the build record (``book/chapters/.state.json``): one row
    per data set read (name, layout, rows read and kept, date range, the chapters that ran on it).

    ``chapters`` lists ``(name, title)`` of the chapters whose page this build shows, in reading order."""
    rows: dict[str, dict] = {}
    for name, title in chapters:
        run = state.get(name)
        if not isinstance(run, dict):
            continue
        key = json.dumps([run.get("data_id") or run.get("data", ""), run.get("layout"), run.get("rows_read")])
        row = rows.setdefault(key, {"run": run, "chapters": []})
        row["chapters"].append(title)
    if not rows:
        return "No chapter has been built in this copy of the book yet (`make book` builds them).\n"
    lines = ["| data | layout | rows read | rows kept | dates | chapters |", "|---|---|---|---|---|---|"]
    for row in rows.values():
        run = row["run"]
        first, last = str(run.get("first_date", "") or ""), str(run.get("last_date", "") or "")
        dates = f"{fmt.escape(first)} to {fmt.escape(last)}" if first and last else "(not dated)"
        layout = _code(str(run["layout"])) if run.get("layout") else "(not recorded: rebuild the chapter)"
        lines.append(f"| {fmt.escape(data_text(run))} | {layout} | {fmt.count(run.get('rows_read'))} "
                     f"| {fmt.count(run.get('rows_kept'))} | {dates} | {fmt.escape(', '.join(row['chapters']))} |")
    return "\n".join(lines) + "\n"


def example_file(folder: Path) -> Path:
    """A small export from the built-in shop, as another system would write it: own names, ';' and ','."""
    from analysis.data import load_data
    from analysis.page import to_csv

    table, _ = load_data({"data": "shop", "shop_customers": EXAMPLE_CUSTOMERS, "seed": 1})
    export = table[list(EXAMPLE_MAPPING)].rename(columns=EXAMPLE_MAPPING).head(300)
    export["Qty"] = export["Qty"].astype(int)
    export["Created At"] = export["Created At"].dt.strftime("%d/%m/%Y %H:%M")
    export["Customer Email"] = "customer" + export["Customer Email"].astype(str) + "@example.com"
    path = folder / EXAMPLE_CSV
    to_csv(export, path, sep=";", decimal=",", index=False)
    return path


def example_params() -> dict:
    return {"mapping": EXAMPLE_MAPPING, "date_format": "%d/%m/%Y %H:%M", "decimal": ",", "currency": "EUR"}


def byo_example_md(folder: Path) -> str:
    """The worked example: the file's first lines, the parameters file, and the report of the run."""
    import yaml

    from analysis.data import load_data

    path = example_file(folder)
    _, report = load_data({"data": str(path), **example_params()})
    head = "\n".join(path.read_text().splitlines()[:4])
    text = str(report).replace(str(path), EXAMPLE_CSV)
    params = yaml.safe_dump(example_params(), sort_keys=False, allow_unicode=True).strip()
    return "\n".join([
        f"The file, {{download}}`{EXAMPLE_CSV} <_generated/{EXAMPLE_CSV}>` (its first lines):", "", "```text", head, "```", "",
        "The parameters file `params.yaml` that maps its columns and says how it writes dates and numbers:", "",
        "```yaml", params, "```", "",
        f"`python -m analysis report {EXAMPLE_CSV} --params params.yaml` printed, when this page was built:", "",
        "```text", text, "```", "",
    ]) + "\n"  # fmt: skip


def write_data_pages(folder: Path, root: Path, write: Callable[[Path, str], None], state: dict | None = None,
                     chapters: list[tuple[str, str]] = ()) -> None:  # fmt: skip
    """Write ``build_data.md`` (the data this build's chapters ran on, from ``state``), ``data_sets.md``,
    ``byo_example.md`` and the example CSV into ``folder`` (the book's generated pages); ``write(path, text)``
    writes a page only when its text changed (:mod:`analysis.book.pages`)."""
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "build_data.md", build_data_md(state or {}, list(chapters)))
    facts = data_facts(root, folder / "data_facts.json")
    write(folder / "data_sets.md", data_sets_md(facts))
    write(folder / "byo_example.md", byo_example_md(folder))
