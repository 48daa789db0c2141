"""A Sphinx extension that keeps the book offline: no page loads anything from another machine.

Jupyter Book 1 always loads ``sphinx_thebe``, which writes an inline script naming
the thebe bundle on unpkg.com into every page (it is fetched only by a "live code"
button this book does not have). This drops, from every page, each script whose
file or inline body points off the machine; the book's test scans the HTML for
what is left.
"""

from __future__ import annotations

import re

REMOTE = re.compile(r"(?:https?:)?//[^\s\"']+", re.IGNORECASE)


def is_remote(script) -> bool:
    """True for a script file on another machine, or an inline script that names one."""
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return bool(REMOTE.match(filename)) or bool(REMOTE.search(body))


def _drop_remote_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not is_remote(s)]


def setup(app):
    app.connect("html-page-context", _drop_remote_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
