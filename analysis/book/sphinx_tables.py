"""A Sphinx extension that numbers the book's tables per chapter ("Table 2.3"), beside its figures.

A chapter shows a table by gluing it (``page.glue_table(name, plots.table(...))``)
and pasting it with ``{glue:figure}`` under a name that starts with ``tab-``::

    ```{glue:figure} concepts_kpis
    :name: tab-concepts-kpis

    Headline KPIs of this run.
    ```

Pasted that way it would be numbered as a figure. This transform turns every
figure whose name starts with ``tab-`` into a :class:`table_figure` node (a figure
numbered in Sphinx's ``table`` sequence, the one Markdown tables with a caption
use), with its caption above the table; ``{numref}`tab-concepts-kpis``` then reads
"Table 1.2". The HTML is a ``<figure class="book-table-figure">``.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform

PREFIX = "tab-"


class table_figure(nodes.figure):  # noqa: N801 - docutils node classes are lower case
    """A glued table with a caption, numbered as a table."""


class table_caption(nodes.caption):  # noqa: N801
    """The caption of a :class:`table_figure`: above the table, its ``<figcaption>`` closed before the table
    (docutils closes a figure's ``<figcaption>`` at the figure's end, which would put the table inside it and
    give it the caption's small grey text)."""


def _title(node: nodes.Element) -> str:
    caption = next(iter(node.findall(nodes.caption)), None)
    return caption.astext() if caption is not None else ""


class TableFigures(SphinxTransform):
    default_priority = 500

    def apply(self, **kwargs) -> None:
        for figure in list(self.document.findall(nodes.figure)):
            if type(figure) is not nodes.figure or not any(n.startswith(PREFIX) for n in figure["names"]):
                continue
            table = table_figure(figure.rawsource, **figure.attributes)
            table["classes"] = [*figure["classes"], "book-table-figure"]
            captions = []
            for c in figure.children:
                if isinstance(c, nodes.caption):
                    caption = table_caption(c.rawsource, *c.children, **c.attributes)
                    caption.source, caption.line = c.source, c.line
                    captions.append(caption)
            table += captions + [c for c in figure.children if not isinstance(c, nodes.caption)]
            table.source, table.line = figure.source, figure.line
            figure.replace_self(table)
            for node_id in table["ids"]:  # labels resolve through document.ids: point them at the new node
                self.document.ids[node_id] = table


def _visit(self, node) -> None:
    self.visit_figure(node)


def _depart(self, node) -> None:
    self.body.append("</figure>\n")  # the <figcaption> was closed after the caption


def _visit_caption(self, node) -> None:
    self.visit_caption(node)


def _depart_caption(self, node) -> None:
    self.body.append("</span>")
    self.add_permalink_ref(node.parent, "Link to this table")
    self.body.append("</p>\n</figcaption>\n")


def setup(app):
    app.add_enumerable_node(table_figure, "table", _title, html=(_visit, _depart))
    app.add_node(table_caption, html=(_visit_caption, _depart_caption))
    app.add_transform(TableFigures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
