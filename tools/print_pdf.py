"""Print the single-page HTML build of the book to a PDF with the Chromium the tests use.

    python tools/print_pdf.py _build/print/_build/singlehtml _build/pdf/backprop-tour.pdf

`make pdf` builds that single page first (with BACKPROP_TOUR_PRINT=1: each slider is its
default frame, each animation a strip of key frames).  Here the page is served on
127.0.0.1 (nothing is fetched from anywhere else), MathJax finishes typesetting, a table
chapter starts on a new page (the book's own table of contents opens it), and Chromium
prints A4 pages with page numbers and a PDF outline (bookmarks) of the headings.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import chromium_path  # noqa: E402  (`make pdf` checks that it starts first)
from local_web import CHROMIUM_ARGS, cut_off, serve  # noqa: E402  (shared with the tests)

CHAPTERS_JS = """() => [...document.querySelectorAll('span[id^="document-"] + section')]
  .map(s => s.querySelector('h1, h2').textContent.replace(/#$/, '').trim())"""

PRINT_CSS = """
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .bd-footer-article,
  .header-article, .prev-next-area, .bd-header-article, .theme-switch-button,
  .headerlink, label.sidebar-toggle { display: none !important; }
  .bd-main, .bd-content, .bd-article-container { max-width: 100% !important; }
  span[id^="document-"] + section { break-before: page; }
  div.cell_output img, .bt-print-strip img { max-width: 100%; break-inside: avoid; }
  details.hide, details.above-input { display: none; }
"""

FOOTER = (
    '<div style="font-size:9px; width:100%; text-align:center; color:#555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def single_page(root: Path) -> str:
    """The page the single-page build wrote, copied to the build's top folder.

    The build's index.html only redirects to the root chapter's page, which sits in
    book/ but refers to _static/ and _images/ as if it were at the top: served from
    there, every link resolves."""
    index = (root / "index.html").read_text()
    found = re.search(r'url=([^"]+)"', index)
    page = root / (found.group(1) if found else "index.html")
    (root / "print.html").write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    return "print.html"


def print_pdf(root: Path, pdf_file: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    off_machine: list[str] = []
    with serve(root) as base, sync_playwright() as p:
        url = f"{base}/{single_page(root)}"
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = cut_off(browser.new_page(), off_machine)
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000
        )
        page.evaluate("MathJax.startup.promise")
        page.add_style_tag(content=PRINT_CSS)
        titles = page.evaluate(CHAPTERS_JS)
        page.emulate_media(media="print")
        pdf_file.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(pdf_file),
            format="A4",
            margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            outline=True,
            tagged=True,
        )
        browser.close()
    if off_machine:
        raise SystemExit(f"print_pdf: the page tried to reach the network: {off_machine[:5]}")
    return titles


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    chapters = print_pdf(Path(sys.argv[1]), Path(sys.argv[2]))
    size = Path(sys.argv[2]).stat().st_size / 2**20
    print(
        f"print_pdf: {sys.argv[2]} written ({size:.1f} MB): {len(chapters)} chapters after the introduction"
    )
