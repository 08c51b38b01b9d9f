"""The book's own Sphinx hooks (a local extension named in _config.yml).

Offline assets: at ``config-inited`` the build looks for the local copies of MathJax,
require.js and the widget manager that ``tools/fetch_assets.py`` puts in ``_assets/`` (it
writes ``_assets/READY`` last).  If they are there, the pages load them from the book's
own ``_static/vendor/`` (see :func:`local_assets`); if not, Sphinx's and myst-nb's CDN
defaults stay, and the build says so.  One decision for ``make book`` and ``make pdf``;
``_config.yml`` is never rewritten.

jupyter-book 1.x always loads sphinx-thebe, which nothing in this book uses (no launch
buttons, no live code on the page).  Its inline config script ends up on every page
twice, and the second copy throws ("Identifier 'THEBE_JS_URL' has already been declared").
Since nothing uses it, its scripts are dropped from every page here.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

LOG = logging.getLogger(__name__)


def local_assets(root: Path) -> dict:
    """The settings that serve the offline copies in ``root/_assets/``, to be added to the
    Sphinx config; empty when ``_assets/READY`` is missing (then the CDN defaults hold).
    Paths are relative to the book's root, like the rest of ``_config.yml``."""
    if not (root / "_assets" / "READY").is_file():
        return {}
    return {
        "html_static_path": ["_assets/static"],  # served as _static/vendor/
        # the widget manager's CSS asks for its icon fonts next to each page (book/...)
        "html_extra_path": ["_assets/extra"],
        "mathjax_path": "vendor/mathjax/tex-chtml.js",
        "nb_ipywidgets_js": {
            "vendor/require.js": {},
            "vendor/html-manager/embed-amd.js": {
                # third-party widget modules would load from here; the book uses only
                # built-in ones
                "data-jupyter-widgets-cdn": "../_static/vendor/html-manager/",
            },
        },
    }


def _choose_assets(app, config) -> None:
    settings = local_assets(Path(app.srcdir))
    if not settings:
        LOG.info(
            "bt_book: NOTE: no offline assets in _assets/ (tools/fetch_assets.py could not "
            "get them): the book loads MathJax and the widget manager from CDNs and will "
            "need a network to show math and widgets"
        )
        return
    for key in ("html_static_path", "html_extra_path"):  # added to the book's own paths
        settings[key] = [*config[key], *settings[key]]
    for key, value in settings.items():
        config[key] = value


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


def setup(app):
    # before myst-nb reads nb_ipywidgets_js (builder-inited) and any default priority
    app.connect("config-inited", _choose_assets, priority=100)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.add_css_file("book.css")
    app.add_css_file("tables.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
