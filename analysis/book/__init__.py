"""The book's machinery: the chapter registry, parameters, needs, the runner and its CLI.

``chapters`` registers each chapter (name, notebook, title, part, question,
parameter model, needs); ``params`` checks a chapter's parameters
(:func:`chapter_params`); ``needs`` checks the data are enough
(:func:`check_needs`); ``runner`` executes chapters with papermill and builds the
HTML (:func:`build_book`); ``state`` keeps the fingerprints; ``pages`` writes the
generated table of contents and front-page tables; ``cli`` is ``python -m analysis``.
"""

import importlib

#: where each public name lives; imported on first use (PEP 562), so that a chapter's
#: ``analysis.<topic>.params`` can import ``analysis.book.params`` / ``needs`` while the
#: registry (which imports every chapter's params) is not loaded yet: no import cycle.
_WHERE = {
    **dict.fromkeys(["CHAPTERS", "PARTS", "Chapter", "get_chapter", "select"], "chapters"),
    **dict.fromkeys(["Facts", "Need", "check_needs", "facts_from"], "needs"),
    **dict.fromkeys(
        ["ChapterParams", "ClusteringParams", "ConceptsParams", "chapter_params", "meanings"], "params"
    ),
    **dict.fromkeys(
        ["KERNEL", "ROOT", "Paths", "build_book", "chapter_table", "glued_values", "install_kernel",
         "resolve_parameters", "tag_removed_cells"],
        "runner",
    ),
}  # fmt: skip

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'analysis.book' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"analysis.book.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
