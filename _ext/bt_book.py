"""The book's own Sphinx hooks (a local extension named in _config.yml).

Offline assets: at ``config-inited`` the build looks for the local copies of MathJax,
require.js and the widget manager that ``tools/fetch_assets.py`` puts in ``_assets/`` (it
writes ``_assets/READY`` last).  If they are there, the pages load them from the book's
own ``_static/vendor/`` (see :func:`local_assets`); if not, Sphinx's and myst-nb's CDN
defaults stay, and the build says so.  One decision for ``make book`` and ``make pdf``;
``_config.yml`` is never rewritten.

Figures inline: the chapters' figures are SVG whose ink and paper are CSS variables
(``backprop_tour.viz.style.svg``), so that one drawing follows the light and the dark
theme.  myst-nb writes each SVG output to ``_images/`` and shows it with ``<img>``, where
the page's variables cannot reach it; after the build each such ``<img>`` becomes the SVG
itself, named by its alt text (see :func:`inline_svg`), and the file goes.

Executed once: ``make test`` executes every chapter in nbval, which writes each notebook
with its outputs to a folder (``tools/nbval_save.py``).  With ``BACKPROP_TOUR_EXECUTED``
set to that folder, the build reads each chapter's notebook from there instead of
``book/`` and executes nothing (:func:`_read_executed`); a chapter missing from the
folder stops the build.  ``make book`` and ``make pdf`` on their own execute as usual.

jupyter-book 1.x always loads sphinx-thebe, which nothing in this book uses (no launch
buttons, no live code on the page).  Its inline config script ends up on every page
twice, and the second copy throws ("Identifier 'THEBE_JS_URL' has already been declared").
Since nothing uses it, its scripts are dropped from every page here.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

from sphinx.util import logging

LOG = logging.getLogger(__name__)


#: MathJax 4, served from _static/vendor/mathjax/: its font from there too (not from the
#: CDN, its default), and a display formula wider than its column breaks into lines at
#: its operators instead of scrolling (``displayOverflow``); in-line math may break too.
#: Screen readers get each formula as hidden MathML (``assistiveMml``), as with MathJax
#: 3.  MathJax 4's own speech (semantic enrichment in a web worker) is off by default: it
#: made a chapter take about 20 s instead of 5 to typeset here; a reader can turn it on
#: from MathJax's menu (its files are served too).
MATHJAX_CONFIG = {
    "loader": {"paths": {"fonts": "[mathjax]/fonts"}},
    "output": {
        "displayOverflow": "linebreak",
        "linebreaks": {"inline": True, "width": "100%"},
    },
    "options": {
        "menuOptions": {
            "settings": {
                "assistiveMml": True,
                "enrich": False,
                "speech": False,
                "braille": False,
                "collapsible": False,
            }
        }
    },
}


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
        "mathjax3_config": copy.deepcopy(MATHJAX_CONFIG),  # myst-parser adds to it
        "nb_ipywidgets_js": {
            "vendor/require.js": {},
            "vendor/html-manager/embed-amd.js": {
                # third-party widget modules would load from here; the book uses only
                # built-in ones
                "data-jupyter-widgets-cdn": "../_static/vendor/html-manager/",
            },
        },
    }


def _theme_options(app, config) -> None:
    """``_config.yml`` turns the download and full-screen buttons off (``html:``), but
    jupyter-book 1.x does not pass those two keys on to the theme; they are set here.

    ``navbar_persistent: []``: pydata-sphinx-theme (0.17) puts a search field in a header
    bar of its own whenever this key is unset, and sphinx-book-theme 1.3 leaves it unset,
    so every page showed two search fields (that bar's and the sidebar's) and a second,
    hidden set of sidebar toggles.  With it empty the header bar is not rendered at all:
    one search field, in the sidebar, and the article header's toggles are the theme's own.
    """
    config.html_theme_options = {
        **config.html_theme_options,
        "use_download_button": False,
        "use_fullscreen_button": False,
        "navbar_persistent": [],
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


def executed_folder() -> Path | None:
    """The folder of executed notebooks the build reads (``BACKPROP_TOUR_EXECUTED``)."""
    folder = os.environ.get("BACKPROP_TOUR_EXECUTED", "")
    return Path(folder).resolve() if folder else None


def _no_execution(app, config) -> None:
    folder = executed_folder()
    if folder is not None:
        config.nb_execution_mode = "off"
        LOG.info(f"bt_book: the chapters' outputs are read from {folder}, not executed")


def _read_executed(app, docname, source) -> None:
    """A chapter notebook's text from the folder of executed notebooks."""
    folder = executed_folder()
    if folder is None or not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    executed = folder / Path(app.env.doc2path(docname)).name
    if not executed.is_file():
        raise FileNotFoundError(
            f"bt_book: BACKPROP_TOUR_EXECUTED={folder} has no {executed.name}: run nbval "
            "with --nbval-save there first (make test does; it names each notebook it did "
            "not write, and why), or unset it to execute"
        )
    source[0] = executed.read_text(encoding="utf-8")


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


_SVG_IMG = re.compile(r'<img\b[^>]*?\bsrc="(?:\.\./)*_images/([^"/]+\.svg)"[^>]*>')
_ALT = re.compile(r'\balt="([^"]*)"')


def inline_svg(page: str, images: Path, used: set[str]) -> str:
    """``page`` with every ``<img src=".../_images/NAME.svg">`` replaced by the SVG in
    ``images/NAME.svg``, wrapped in a block with ``role="img"`` and the image's alt text
    as its name; ``used`` collects the names inlined."""

    def inline(match: re.Match) -> str:
        name = match.group(1)
        source = images / name
        if not source.is_file():
            return match.group(0)
        alt = _ALT.search(match.group(0))
        label = alt.group(1) if alt else ""
        used.add(name)
        text = source.read_text(encoding="utf-8")
        return (
            f'<span class="bt-frame bt-figure" role="img" aria-label="{label}">'
            f"{text[text.index('<svg'):]}</span>"
        )

    return _SVG_IMG.sub(inline, page)


def _inline_figures(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    images, used = out / "_images", set()
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "_images/" in text and ".svg" in text:
            page.write_text(inline_svg(text, images, used), encoding="utf-8")
    for name in used:  # now part of their pages
        (images / name).unlink()
    LOG.info(f"bt_book: {len(used)} SVG figures inline in their pages")


def setup(app):
    # before myst-nb reads nb_ipywidgets_js (builder-inited) and any default priority
    app.connect("config-inited", _choose_assets, priority=100)
    app.connect("config-inited", _theme_options)
    app.connect("config-inited", _no_execution)
    app.connect("source-read", _read_executed)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("build-finished", _inline_figures)
    app.add_css_file("book.css")
    app.add_css_file("tables.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
