"""The book's own Sphinx hooks (a local extension named in _config.yml).

jupyter-book 1.x always loads sphinx-thebe, which nothing in this book uses (no launch
buttons, no live code on the page).  Its inline config script ends up on every page
twice, and the second copy throws ("Identifier 'THEBE_JS_URL' has already been declared").
Since nothing uses it, its scripts are dropped from every page here.
"""

from __future__ import annotations


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.add_css_file("book.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
