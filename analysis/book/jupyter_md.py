"""An executed chapter notebook made to read in plain Jupyter as it reads on the page.

The book's markdown is MyST: numbers are cited with ``{glue:text}`` and
``{glue:md}``, tables and figures pasted with ``{glue:figure}``, cross-references
written ``{numref}`` and ``{eq}``, boxes ``:::{admonition}``. Jupyter Book
renders all of that; JupyterLab shows it as raw text, and the glued values
(recorded with ``display=False``) not at all. :func:`for_jupyter` rewrites the
markdown of an *executed* notebook into plain Markdown, once:

* ``{glue:text}`name:,.0f``` and ``{glue:md}`name``` become the run's values,
  formatted with the same format spec as on the page;
* each ``{glue:figure}`` becomes its caption, numbered as on the page
  ("Table 2.1", "Figure 2.3"), and the glued table (its HTML) or figure (a PNG
  attached to the markdown cell) right there, where the page shows it;
* ``{numref}`` reads "Table 2.1", ``{eq}`` "(2.4)", and each labelled display
  equation carries its number as ``\\tag{2.4}``;
* admonitions, notes and solutions become block quotes with their title in bold;
  ``{term}``, ``{doc}``, ``{download}`` and ``{footcite}`` plain text, links and
  "(Author, year)", the page's bibliography a list.

The tables and figures live in the markdown cells, so they stay when a
participant reruns the notebook (the glue calls display nothing). Numbers count
as on the page (:func:`numbering` of the chapter's full notebook), so the
exercises version, without its solution cells, keeps the page's numbers.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import DataError

PREFIX = "application/papermill.record/"
TABLE_PREFIX = "tab-"
#: The roles and directives of the book's markdown (anything else is refused by name, so nothing raw is left).
ROLE = re.compile(r"\{([a-z][a-z:\-]*)\}`([^`]*)`")
OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\s*\{(?P<name>[a-z][a-z:\-]*)\}\s*(?P<arg>.*?)\s*$")
OPTION = re.compile(r"^:(?P<key>[a-z\-]+):\s*(?P<value>.*)$")
LABELLED_MATH = re.compile(r"\$\$(?P<body>.*?)\$\$[ \t]*\((?P<label>[^)\s]+)\)", re.S)
#: What a Jupyter reader should never see in a markdown cell of the hand-out.
RAW_MYST = re.compile(r"\{[a-z][a-z:\-]*\}`|^(?:`{3,}|:{3,})\s*\{", re.M)


@dataclass
class Numbers:
    """The page's numbers of a chapter's figures, tables and equations, by label."""

    chapter: int
    figures: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    equations: dict[str, str] = field(default_factory=dict)

    def ref(self, label: str) -> str:
        if label in self.tables:
            return f"Table {self.tables[label]}"
        if label in self.figures:
            return f"Figure {self.figures[label]}"
        raise DataError(f"{{numref}} names '{label}', which no figure or table of chapter {self.chapter} has",
                        column=label, fix="name the figure or table with :name: in its {glue:figure}")  # fmt: skip


def _markdown(nb) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "markdown"]  # fmt: skip


def numbering(nb, chapter: int) -> Numbers:
    """Number the figures, tables and labelled equations in page order, per chapter ("Table 2.1")."""
    out = Numbers(chapter)
    for text in _markdown(nb):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            m = OPEN.match(line)
            if m and m.group("name") == "glue:figure":
                label = next((o.group("value").strip() for o in map(OPTION.match, lines[i + 1 :]) if o and o.group("key") == "name"), "")  # noqa: E501  # fmt: skip
                kind = out.tables if label.startswith(TABLE_PREFIX) else out.figures
                kind[label or f"_unnamed{len(kind)}"] = f"{chapter}.{len(kind) + 1}"
        for m in LABELLED_MATH.finditer(text):
            out.equations[m.group("label")] = f"{chapter}.{len(out.equations) + 1}"
    return out


def glued(nb) -> dict[str, dict]:
    """Every glued value of an executed notebook: name -> its MIME bundle (the record prefix dropped)."""
    out = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook", {})
            if "name" in meta:
                prefix = meta.get("mime_prefix", PREFIX)
                out[meta["name"]] = {k[len(prefix) :]: v for k, v in output.get("data", {}).items() if k.startswith(prefix)}
    return out


def bibliography(bib: Path) -> dict[str, dict[str, str]]:
    """``key -> {author, year, title}`` of a BibTeX file, read with pybtex (what the book's bibliography uses)."""
    from pybtex.database import parse_file

    out = {}
    for key, entry in parse_file(str(bib)).entries.items():
        people = entry.persons.get("author", []) or entry.persons.get("editor", [])
        last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
        author = last[0] if len(last) == 1 else " and ".join(last) if len(last) == 2 else f"{last[0]} et al."
        title = entry.fields.get("title", "").replace("{", "").replace("}", "")
        out[key] = {"author": author or key, "year": entry.fields.get("year", ""), "title": title}
    return out


def _text_value(bundle: dict, spec: str, name: str) -> str:
    text = bundle.get("text/plain", "")
    if not spec:
        return text.strip("'\"")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):  # numpy scalars print as np.float64(0.5)
        inner = re.fullmatch(r"np\.\w+\((.*)\)", text.strip())
        value = ast.literal_eval(inner.group(1)) if inner else text
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        raise DataError(f"the glued value '{name}' ({text}) cannot be formatted as '{spec}'", column=name,
                        fix="glue a number for a {glue:text} with a number format") from None  # fmt: skip


class Renderer:
    """Turns one notebook's MyST into plain Markdown with this run's values (:func:`for_jupyter`)."""

    def __init__(self, values: dict[str, dict], numbers: Numbers, refs: dict[str, dict[str, str]]) -> None:
        self.values, self.numbers, self.refs = values, numbers, refs
        self.cited: list[str] = []
        self.attachments: dict[str, dict[str, str]] = {}

    def value(self, name: str) -> dict:
        if name not in self.values:
            raise DataError(f"the markdown cites the glued value '{name}', which no cell of this notebook glued",
                            column=name, fix="glue it in a cell above (myst_nb.glue) or remove the citation")  # fmt: skip
        return self.values[name]

    # ------------------------------------------------------------------ roles
    def role(self, m: re.Match) -> str:
        kind, body = m.group(1), m.group(2)
        if kind == "glue:md":
            return self.roles(self.value(body).get("text/markdown", self.value(body).get("text/plain", "")).strip())
        if kind in ("glue:text", "glue"):
            name, _, spec = body.partition(":")
            return _text_value(self.value(name), spec, name)
        if kind == "numref":
            text, label = self._split(body)
            return text.replace("%s", self.numbers.ref(label).split(" ")[1]) if text else self.numbers.ref(label)
        if kind == "eq":
            if body not in self.numbers.equations:
                raise DataError(f"{{eq}} names '{body}', which no labelled equation has", column=body,
                                fix="label the equation: $$ ... $$ (label)")  # fmt: skip
            return f"({self.numbers.equations[body]})"
        if kind == "term":
            return self._split(body)[0] or body
        if kind == "doc":
            text, target = self._split(body)
            return text or f"*{Path(target).name}*"
        if kind == "download":
            text, target = self._split(body)
            return f"[{text or target}]({target})"
        if kind.startswith(("footcite", "cite")):
            keys = [k.strip() for k in body.split(",")]
            self.cited += [k for k in keys if k not in self.cited]
            return "(" + "; ".join(self._cite(k) for k in keys) + ")"
        raise DataError(f"the markdown uses the role {{{kind}}}, which the hand-out cannot render", column=kind,
                        fix="add it to analysis.book.jupyter_md.Renderer.role")  # fmt: skip

    @staticmethod
    def _split(body: str) -> tuple[str, str]:
        m = re.fullmatch(r"(.*?)\s*<([^>]+)>", body, re.S)
        return (m.group(1), m.group(2)) if m else ("", body)

    def _cite(self, key: str) -> str:
        ref = self.refs.get(key)
        return f"{ref['author']}, {ref['year']}" if ref else key

    def roles(self, text: str) -> str:
        return ROLE.sub(self.role, text)

    # ------------------------------------------------------------------ blocks
    def block(self, text: str) -> str:
        """Directives first (their bodies rendered in turn), then numbered equations, then roles."""
        lines, out, i = text.splitlines(), [], 0
        while i < len(lines):
            m = OPEN.match(lines[i])
            if not m:
                out.append(lines[i])
                i += 1
                continue
            fence, name, arg = m.group("fence"), m.group("name"), m.group("arg")
            j = i + 1
            while j < len(lines) and lines[j].strip() != fence:
                j += 1
            body = lines[i + 1 : j]
            options = {}
            while body and OPTION.match(body[0]):
                o = OPTION.match(body[0])
                options[o.group("key")] = o.group("value").strip()
                body = body[1:]
            out.append(self.directive(name, arg, options, "\n".join(body).strip("\n")))
            i = j + 1
        text = "\n".join(out)
        text = LABELLED_MATH.sub(self._tagged, text)
        return self.roles(text)

    def _tagged(self, m: re.Match) -> str:
        number = self.numbers.equations.get(m.group("label"), "")
        return f"$${m.group('body').rstrip()}\n\\tag{{{number}}}\n$$"

    def directive(self, name: str, arg: str, options: dict[str, str], body: str) -> str:
        if name == "glue:figure":
            return self.figure(arg, options, body)
        if name == "footbibliography":
            items = [f"- {self.refs[k]['author']} ({self.refs[k]['year']}). {self.refs[k]['title']}."
                     for k in self.cited if k in self.refs]  # fmt: skip
            return "**References**\n\n" + "\n".join(items) if items else ""
        if name in ("admonition", "note", "warning", "tip", "important", "caution", "hint", "attention", "seealso"):
            title = self.roles(arg) if name == "admonition" else name.capitalize()
            inner = self.block(body)
            quoted = "\n".join(f"> {line}" if line else ">" for line in inner.splitlines())
            return f"> **{title}**\n>\n{quoted}" if title else quoted
        raise DataError(f"the markdown uses the directive {{{name}}}, which the hand-out cannot render",
                        column=name, fix="add it to analysis.book.jupyter_md.Renderer.directive")  # fmt: skip

    def figure(self, name: str, options: dict[str, str], caption: str) -> str:
        bundle = self.value(name)
        label = options.get("name", "")
        caption = self.roles(" ".join(caption.split()))
        if label.startswith(TABLE_PREFIX):
            head = f"**Table {self.numbers.tables.get(label, '')}.** {caption}".rstrip()
            return f"{head}\n\n{_html_block(bundle)}\n"
        head = f"**Figure {self.numbers.figures.get(label, '')}.** {caption}".rstrip()
        if "image/png" in bundle:
            file = f"{label or name}.png"
            self.attachments[file] = {"image/png": bundle["image/png"]}
            alt = " ".join(options.get("alt", caption).split()).replace("[", "(").replace("]", ")")
            return f"![{alt}](attachment:{file})\n\n{head}"
        if "text/html" in bundle:
            return f"{_html_block(bundle)}\n\n{head}"
        raise DataError(f"the glued figure '{name}' has neither a PNG nor HTML to show", column=name,
                        fix="glue a matplotlib figure (page.glue_figure) or a table (page.glue_table)")  # fmt: skip


def _html_block(bundle: dict) -> str:
    """A glued table's HTML as one Markdown HTML block (no blank line inside, which would end the block)."""
    html = bundle.get("text/html")
    if html is None:
        return "```text\n" + bundle.get("text/plain", "") + "\n```"
    return "<div>\n" + "\n".join(line.strip() for line in html.splitlines() if line.strip()) + "\n</div>"


def for_jupyter(nb, numbers: Numbers, refs: dict[str, dict[str, str]]):
    """A copy of the executed notebook ``nb`` whose markdown is plain Markdown with this run's values.

    ``numbers`` come from the chapter's full notebook (:func:`numbering`), ``refs`` from
    :func:`bibliography`. Glued tables and figures are placed where their ``{glue:figure}``
    stood; figures as PNG attachments of that markdown cell.
    """
    out = copy.deepcopy(nb)
    renderer = Renderer(glued(nb), numbers, refs)
    for cell in out["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        renderer.attachments = {}
        cell["source"] = renderer.block(source)
        if renderer.attachments:
            cell["attachments"] = renderer.attachments
    return out


def raw_myst(nb) -> list[tuple[int, str]]:
    """The markdown cells that still hold MyST syntax: ``(cell index, the first offending text)``."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            m = RAW_MYST.search(source)
            if m:
                found.append((i, source[max(0, m.start() - 20) : m.end() + 40]))
    return found
