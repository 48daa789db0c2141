"""The book's machinery: the chapter registry, parameters, needs, the runner and its CLI.

``chapters`` registers each chapter (name, notebook, title, part, question,
parameter model, needs); ``params`` checks a chapter's parameters
(:func:`chapter_params`); ``needs`` checks the data are enough
(:func:`check_needs`); ``runner`` executes chapters with papermill and builds the
HTML (:func:`build_book`); ``state`` keeps the fingerprints; ``pages`` writes the
generated table of contents and front-page tables; ``cli`` is ``python -m analysis``.
"""

from analysis.book.chapters import CHAPTERS, PARTS, Chapter, get_chapter, select
from analysis.book.needs import Facts, Need, check_needs, facts_from
from analysis.book.params import ChapterParams, ClusteringParams, ConceptsParams, chapter_params, meanings
from analysis.book.runner import (
    KERNEL,
    ROOT,
    Paths,
    build_book,
    chapter_table,
    glued_values,
    install_kernel,
    resolve_parameters,
    tag_removed_cells,
)

__all__ = [
    "CHAPTERS", "KERNEL", "PARTS", "ROOT", "Chapter", "ChapterParams", "ClusteringParams", "ConceptsParams",
    "Facts", "Need", "Paths", "build_book", "chapter_params", "chapter_table", "check_needs", "facts_from",
    "get_chapter", "glued_values", "install_kernel", "meanings", "resolve_parameters", "select",
    "tag_removed_cells",
]  # fmt: skip
