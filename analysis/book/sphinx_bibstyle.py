"""The bibliography style of the book: pybtex's ``alpha`` labels, titles capitalised as the .bib writes them.

pybtex's standard styles put article titles in sentence case (``text.capitalize()``),
which turns "k-means++" into "K-means++" and "The Gamma-Gamma Model" into "The
gamma-gamma model". The ``book`` style keeps each title exactly as written in
``book/references.bib`` (braces still protect what they protect); ``_config.yml``
selects it with ``bibtex_default_style: book``.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.style.formatting.alpha import Style as Alpha
from pybtex.style.template import field, sentence


class BookStyle(Alpha):
    def format_title(self, e, which_field, as_sentence=True):
        title = field(which_field)
        return sentence[title] if as_sentence else title


def setup(app):
    register_plugin("pybtex.style.formatting", "book", BookStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
