"""The package's layers, read from its imports (grimp): no cycle, and no arrow that runs back up.

From the top: the book's tooling reads the chapter registry; a chapter folder calls
the page, the plots and the models; models call the data, features, splits and
metrics; those read the built-in shop as one more source; everything stands on the
floor (errors, checks, schema, formats). DESIGN.md, "The flow of data". The same
contract is in pyproject.toml for ``lint-imports`` (import-linter).
"""

from __future__ import annotations

import grimp
import pytest

LAYERS = (
    ("analysis.book", "analysis.__main__"),
    ("analysis.chapters",),
    ("analysis.page", "analysis.plots"),
    ("analysis.segment", "analysis.clv", "analysis.recommend", "analysis.forecast", "analysis.risk"),
    ("analysis.data", "analysis.features", "analysis.split", "analysis.evaluate", "analysis.kpi"),
    ("analysis.shop",),
    ("analysis.fmt", "analysis.schema", "analysis._checks", "analysis.errors"),
)


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("analysis")


def test_every_top_level_module_has_a_layer(graph):
    top = {m for m in graph.modules if m.count(".") == 1}
    assert top == {m for layer in LAYERS for m in layer}


def test_no_import_runs_back_up_a_layer(graph):
    layers = [grimp.Layer(*layer, independent=False) for layer in LAYERS]
    illegal = graph.find_illegal_dependencies_for_layers(layers=layers)
    routes = sorted(f"{d.importer} -> {d.imported} (via {sorted(r.heads)[0]})" for d in illegal for r in d.routes)
    assert not routes, "imports that run back up a layer:\n" + "\n".join(routes)


def test_models_do_not_know_the_book(graph):
    """Model packages use neither the page, the plots, the findings nor the book: a model runs without them."""
    models = ("analysis.segment", "analysis.clv", "analysis.recommend", "analysis.forecast", "analysis.risk")
    above = ("analysis.page", "analysis.plots", "analysis.chapters", "analysis.book")
    found = [
        f"{m} -> {t}"
        for m in sorted(graph.modules)
        if m.startswith(models)
        for t in sorted(graph.find_modules_directly_imported_by(m))
        if t.startswith(above)
    ]
    assert not found, found


def test_no_import_cycle(graph):
    """No group of modules that import each other, directly or round a loop (lazy imports count too)."""
    import sys

    sys.setrecursionlimit(10000)
    edges = {m: {t for t in graph.find_modules_directly_imported_by(m) if t != m} for m in graph.modules}
    # a package imports its own submodules when it is imported: only the package -> child arrows are its own
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles:\n" + "\n".join(", ".join(c) for c in cycles)
