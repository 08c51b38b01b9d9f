"""Checks of the built HTML book (`_build/html`): every chapter is there, small enough, and,
when the offline assets were installed, nothing it loads comes from off the machine.

Runs after `make book` (`make test` orders it so); without a built book it is skipped.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_toc import names

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
OFFLINE = (ROOT / "_assets" / "READY").exists()  # written by tools/fetch_assets.py

CHAPTERS = names()  # every page of _toc.yml
MAX_PAGE = 3 * 2**20
MAX_BOOK = 30 * 2**20

# (tag, attribute) pairs whose URL the browser fetches when the page loads
FETCHED = {
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("script", "data-jupyter-widgets-cdn"),  # where the widget manager loads modules from
}
# <link rel=...> values that are only references, never fetched
LINK_NOT_FETCHED = {
    "canonical",
    "alternate",
    "author",
    "license",
    "index",
    "search",
    "next",
    "prev",
}
CSS_URL = re.compile(r"""(?:url\(\s*|@import\s+)["']?([^"')\s;]+)""")

pytestmark = pytest.mark.skipif(
    not (HTML / "book").is_dir(), reason=f"no built book in {HTML}: run `make book` first"
)


def is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") or url.strip().startswith("//")


class Resources(HTMLParser):
    """Collects every URL a page makes the browser fetch, and inline <style> text."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (what, url)
        self.styles: list[str] = []
        self.scripts: list[str] = []  # script src, in page order
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for (t, attr), value in ((k, attrs.get(k[1])) for k in FETCHED if k[0] == tag):
            if value:
                self.urls.append((f"<{t} {attr}>", value))
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if not rels or rels - LINK_NOT_FETCHED:
                self.urls.append((f"<link rel={' '.join(sorted(rels))}>", attrs["href"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def parse(page: Path) -> Resources:
    parser = Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def pages() -> list[Path]:
    """The book's pages (the theme's Jinja templates copied into _static/ are not pages)."""
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.relative_to(HTML).parts)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_page_exists_and_is_small(name):
    page = HTML / "book" / f"{name}.html"
    assert page.is_file(), f"{page} was not built: is book/{name}.ipynb in _toc.yml?"
    size = page.stat().st_size
    assert size < MAX_PAGE, f"{page.name} is {size / 2**20:.1f} MB (limit 3 MB)"


def test_whole_book_is_small():
    total = sum(p.stat().st_size for p in HTML.rglob("*") if p.is_file())
    assert total < MAX_BOOK, f"_build/html is {total / 2**20:.1f} MB (limit 30 MB)"


def test_local_resources_exist():
    """Every script, stylesheet and image a page loads from the book is in the build."""
    missing = []
    for page in pages():
        for what, url in parse(page).urls:
            parts = urlsplit(url)
            if is_external(url) or parts.scheme or not parts.path:
                continue
            if not (page.parent / unquote(parts.path)).resolve().exists():
                missing.append(f"{page.relative_to(HTML)}: {what} {url}")
    assert not missing, "missing local files:\n" + "\n".join(missing)


@pytest.mark.skipif(not OFFLINE, reason="offline assets not installed: the build used CDNs")
def test_nothing_loads_from_off_the_machine():
    external = []
    for page in pages():
        res = parse(page)
        found = [(what, url) for what, url in res.urls if is_external(url)]
        found += [("<style> url", u) for s in res.styles for u in CSS_URL.findall(s)]
        external += [
            f"{page.relative_to(HTML)}: {what} {url}" for what, url in found if is_external(url)
        ]
    for css in sorted(HTML.rglob("*.css")):
        for url in CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if is_external(url):
                external.append(f"{css.relative_to(HTML)}: url {url}")
    assert not external, "the book loads from off the machine:\n" + "\n".join(external)


@pytest.mark.skipif(not OFFLINE, reason="offline assets not installed: the build used CDNs")
def test_vendor_scripts_loaded_once_and_only_the_entry_points():
    """jupyter-book 1.x adds every .js of a `_static/` folder to every page: the vendored
    MathJax components and widget code must not be, only their entry points."""
    allowed = {
        "vendor/mathjax/tex-chtml.js",
        "vendor/require.js",
        "vendor/html-manager/embed-amd.js",
    }
    for name in CHAPTERS:
        scripts = [urlsplit(s).path for s in parse(HTML / "book" / f"{name}.html").scripts]
        vendor = [s.split("_static/", 1)[1] for s in scripts if "_static/vendor/" in s]
        assert set(vendor) <= allowed, f"{name}: unexpected vendor scripts {set(vendor) - allowed}"
        assert len(vendor) == len(set(vendor)), f"{name}: a vendor script is loaded twice"
        assert "vendor/mathjax/tex-chtml.js" in vendor, f"{name}: MathJax is not the local copy"


def test_widget_pages_load_the_widget_manager():
    """A page holding widget state needs require.js and the HTML manager to show it."""
    for name in CHAPTERS:
        page = HTML / "book" / f"{name}.html"
        if "application/vnd.jupyter.widget-state+json" not in page.read_text(encoding="utf-8"):
            continue
        scripts = " ".join(parse(page).scripts)
        assert "require" in scripts, f"{name}: widgets but no require.js"
        assert "embed-amd.js" in scripts, f"{name}: widgets but no widget manager"


@pytest.mark.parametrize("name", CHAPTERS)
def test_no_download_or_fullscreen_button_and_figures_inline(name):
    """_config.yml turns the download and full-screen buttons off (_ext/bt_book.py passes
    that on to the theme), and every figure is inline SVG, never an <img> of one, so that
    its ink follows the theme."""
    page = (HTML / "book" / f"{name}.html").read_text(encoding="utf-8")
    for button in ("btn-download-source-button", "btn-download-pdf-button", "btn-fullscreen"):
        assert button not in page, f"{name}.html shows {button}"
    assert not re.search(r'<img\b[^>]*\.svg"', page), f"{name}.html shows an SVG as <img>"


@pytest.mark.parametrize("name", CHAPTERS)
def test_one_search_field_and_one_pair_of_sidebar_toggles(name):
    """One search field (the sidebar's) and one button per drawer: the theme's own header
    bar, which held a second search field and a second, hidden pair of toggles, is not
    rendered (``navbar_persistent: []`` in _ext/bt_book.py)."""
    page = (HTML / "book" / f"{name}.html").read_text(encoding="utf-8")
    assert "bd-header__inner" not in page, f"{name}.html renders the theme's header bar"
    fields = re.findall(r'<button[^>]*class="[^"]*search-button-field', page)
    assert len(fields) == 1, f"{name}.html has {len(fields)} search fields"
    primary = re.findall(r'<button[^>]*class="[^"]*\bprimary-toggle\b', page)
    secondary = re.findall(r'<button[^>]*class="[^"]*\bsecondary-toggle\b', page)
    assert len(primary) == 1, f"{name}.html has {len(primary)} chapter-list toggles"
    # a page with no contents list (the glossary) has no secondary toggle
    assert len(secondary) <= 1, f"{name}.html has {len(secondary)} contents toggles"


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_solution_is_one_control_named_solution(name):
    """A code exercise's hidden solution (myst-nb's <details>, which _theme/book.css styles
    as the prose solutions' dropdown) and a prose one (an admonition dropdown) are both
    titled "Solution"; no hidden cell is labelled by myst-nb's mechanism ("Show code cell
    outputs", "... content") instead of what it holds."""
    page = (HTML / "book" / f"{name}.html").read_text(encoding="utf-8")
    hidden = re.findall(
        r'<div class="cell ([^"]*)docutils container">\s*<details class="[^"]*hide[^"]*">\s*'
        r'<summary[^>]*>\s*<p class="collapsed admonition-title">([^<]*)</p>',
        page,
    )
    for tags, label in hidden:
        if "tag_hide-output" in tags and "tag_remove-input" in tags or "tag_hide-cell" in tags:
            assert label.startswith("Solution"), (
                f"{name}.html: a hidden solution labelled {label!r}"
            )
        else:  # hidden plotting code
            assert label == "Show code cell source", (
                f"{name}.html: a hidden cell labelled {label!r}"
            )
    dropdowns = re.findall(
        r'<div class="[^"]*dropdown[^"]*admonition[^"]*"[^>]*>\s*<p class="admonition-title">([^<]*)',
        page,
    )
    for title in dropdowns:
        assert title.startswith(("Solution", "In the source")), (
            f"{name}.html: a dropdown titled {title!r} (a solution is titled 'Solution')"
        )
