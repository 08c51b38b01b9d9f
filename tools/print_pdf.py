"""Print the single-page HTML build of the book to a PDF with the Chromium the tests use.

    python tools/print_pdf.py _build/print/_build/singlehtml _build/pdf/backprop-tour.pdf

`make pdf` builds that single page first (with BACKPROP_TOUR_PRINT=1: each slider is its
default frame, each animation a strip of key frames).  Here the page is served on
127.0.0.1 (nothing is fetched from anywhere else), MathJax finishes typesetting, a table
chapter starts on a new page (the book's own table of contents opens it), and Chromium
prints A4 pages with page numbers.  PRINT_CSS and PREPARE_JS lay the page out for paper
(code wraps, short blocks and figures with their captions stay whole, wide formulas and
tables shrink to the column, the code exercises' solutions print open like the prose
ones); the bookmarks are then written with pypdf from the page's
headings, chapters at the top level.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import chromium_path  # noqa: E402  (`make pdf` checks that it starts first)
from local_web import CHROMIUM_ARGS, cut_off, serve  # noqa: E402  (shared with the tests)

CHAPTERS_JS = """() => [...document.querySelectorAll('span[id^="document-"] + section')]
  .map(s => s.querySelector('h1, h2').textContent.replace(/#$/, '').trim())"""

#: A4 with these margins leaves a column of 178 mm by 261 mm: 672.8 by 986.5 CSS pixels.
MARGIN = {"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
COLUMN = (672, 986)

PRINT_CSS = """
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .bd-footer-article,
  .header-article, .prev-next-area, .bd-header-article, .theme-switch-button,
  .headerlink, label.sidebar-toggle { display: none !important; }
  .bd-main, .bd-content, .bd-article-container { max-width: 100% !important; }
  /* (the break on the chapter's section itself left a blank page before chapter 2b) */
  span[id^="document-"] { display: block; break-before: page; }
  div.cell_output img, .bt-print-strip img { max-width: 100%; break-inside: avoid; }
  details.hide, details.above-input { display: none; }
  /* A code exercise's solution is printed, open under its "Solution" title, as the prose
     exercises' are (PREPARE_JS opens it); no chevron, no "Click to show" on paper. */
  div.cell:is(.tag_remove-input.tag_hide-output, .tag_hide-cell) > details.hide {
    display: block; }
  div.cell:is(.tag_remove-input.tag_hide-output, .tag_hide-cell) > details.hide > summary::after,
  div.cell:is(.tag_remove-input.tag_hide-output, .tag_hide-cell) > details.hide > summary
    > p.admonition-title::after { content: none !important; display: none !important; }
  /* The prose exercises' solutions and the sources' notes (sphinx-togglebutton's
     dropdowns, opened by PREPARE_JS): no chevron button on paper either. */
  .admonition.toggle button.toggle-button { display: none !important; }

  /* Code wraps at the margin instead of being cut there, and a long cell splits between
     its lines (a scrolling box would be printed whole or clipped). */
  div.highlight pre { white-space: pre-wrap !important; overflow-wrap: anywhere;
                      overflow: visible !important; orphans: 3; widows: 3; }
  p, li, dd { orphans: 3; widows: 3; }
  /* A heading, an admonition's title or a paragraph that announces what follows stays
     with it. */
  h1, h2, h3, h4, h5, h6, p.rubric, p.admonition-title, p.bt-lead-in { break-after: avoid; }
  /* Short blocks (marked by PREPARE_JS), figures with their captions and a key-frame
     strip are never split; a long block may split, so it never leaves a blank page (the
     themes keep every code block, admonition and table whole, and a flex box or a
     scrolling one may not split in Chromium). */
  .bd-main .bd-content :is(div.highlight, div.literal-block-wrapper, div[class*=highlight-],
    div.cell_input, div.cell_output, div.admonition, .admonition, aside, table) {
    break-inside: auto; }
  .bd-main .bd-content :is(div.highlight, div.literal-block-wrapper, div[class*=highlight-],
    div.cell_input) { display: block; }
  .bd-main .bd-content :is(div.admonition, .admonition, aside) { overflow: clip; }
  .bt-keep, figure { break-inside: avoid !important; }
  .bt-caption { break-before: avoid; }
  mjx-container[display] { overflow: visible !important; }
  /* A table fits the column (PREPARE_JS shrinks a wide one's type): its cells wrap. */
  .pst-scrollable-table-container { overflow: visible !important; }
  article table { width: 100% !important; }
  article table :is(td, th) { overflow-wrap: anywhere; }
"""

#: Run in the page with print media emulated at the printed column's width, so every box
#: has the size it will have on paper.  Marks the blocks to keep whole, shrinks the
#: formulas and pictures that would not fit, ties captions to their figures, and returns
#: the headings for the bookmarks: [{level, title, ids}], chapters at level 0.
PREPARE_JS = r"""([width, height]) => {
  const tall = (el) => el.getBoundingClientRect().height;

  // The dropdowns (prose solutions, notes on the sources) open as Chromium prints, by
  // sphinx-togglebutton's 'beforeprint' handler: opened now, so that everything below
  // measures them as they print (measured closed, a solution was kept whole as if it
  // were one line tall).
  window.dispatchEvent(new Event('beforeprint'));
  // Code exercises' solutions print open (PRINT_CSS shows them), before anything is measured.
  const solutions = 'div.cell:is(.tag_remove-input.tag_hide-output, .tag_hide-cell) > details.hide';
  for (const solution of document.querySelectorAll(solutions)) solution.open = true;

  // A display formula wider than its column is scaled down to fit (MathJax's CHTML
  // output is sized in em, so its font size scales it whole).
  for (const box of document.querySelectorAll('mjx-container[display]')) {
    const math = box.querySelector('mjx-math');
    const room = box.getBoundingClientRect().width, need = math.getBoundingClientRect().width;
    if (need > room) {
      const size = parseFloat(getComputedStyle(box).fontSize);
      box.style.fontSize = `${(size * room / need * 0.98).toFixed(2)}px`;
    }
  }

  // "Animation 2: ..." or "Fig. 3 ..." written as a paragraph under the cell that draws
  // the figure stays on the figure's page.
  for (const p of document.querySelectorAll('article p')) {
    const prev = p.previousElementSibling;
    if (prev && prev.matches('div.cell') && prev.querySelector('.cell_output img')
        && /^(Animation|Figure|Fig\.|Table)\s+\d+\b/.test(p.textContent.trim())) {
      p.classList.add('bt-caption');
    }
    if (p.nextElementSibling && p.textContent.trim().endsWith(':')) p.classList.add('bt-lead-in');
  }

  // A picture, or a figure with its captions, at most 70% of a page tall: kept whole, it
  // then leaves room on the page before it for what comes first.
  const fit = (pictures, extra) => {
    const sum = pictures.reduce((s, img) => s + tall(img), 0);
    const over = sum + extra - 0.7 * height;
    if (over <= 0 || sum === 0) return;
    const scale = Math.max(0.3, (sum - over) / sum);
    for (const img of pictures) {
      img.style.width = `${(img.getBoundingClientRect().width * scale).toFixed(1)}px`;
      img.style.height = 'auto';
    }
  };
  for (const fig of document.querySelectorAll('figure')) {
    const pictures = [...fig.querySelectorAll('img')];
    const cell = fig.closest('div.cell'), after = cell && cell.nextElementSibling;
    const caption = after && after.matches('.bt-caption') ? tall(after) : 0;
    fit(pictures, tall(fig) - pictures.reduce((s, img) => s + tall(img), 0) + caption);
  }
  for (const img of document.querySelectorAll('div.cell_output img')) {
    if (!img.closest('figure')) fit([img], 0);
  }

  // A table wider than the column gets a smaller type, down to 75%, and its cells wrap.
  for (const table of document.querySelectorAll('article table')) {
    const room = table.parentElement.getBoundingClientRect().width;
    const need = table.scrollWidth;
    if (need > room) {
      const size = parseFloat(getComputedStyle(table).fontSize);
      table.style.fontSize = `${(size * Math.max(0.75, room / need)).toFixed(2)}px`;
    }
  }

  // Short blocks are kept whole: a code cell whose first line would otherwise fall on the
  // next page, an output, an admonition, a table, a formula, a short section (so a
  // chapter's last page is never one stray line).
  const blocks = 'div.cell, div.cell_input, div.cell_output, div.highlight, div.admonition, '
    + 'aside, div.pst-scrollable-table-container, table, blockquote, div.math-wrapper, '
    + 'mjx-container[display], dl, ul, ol, section';
  for (const el of document.querySelectorAll(blocks)) {
    if (tall(el) <= 0.4 * height) el.classList.add('bt-keep');
  }

  // The headings, as the bookmarks will show them: math as plain text read from MathJax's
  // MathML, chapters at level 0, their sections below.
  const SUP = {'0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶',
    '7': '⁷', '8': '⁸', '9': '⁹', '+': '⁺', '−': '⁻', '-': '⁻', '=': '⁼', '(': '⁽',
    ')': '⁾', 'n': 'ⁿ', 'i': 'ⁱ', 'T': 'ᵀ'};
  const SUB = {'0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆',
    '7': '₇', '8': '₈', '9': '₉', '+': '₊', '−': '₋', '-': '₋', '=': '₌', '(': '₍',
    ')': '₎', 'i': 'ᵢ', 'j': 'ⱼ', 'k': 'ₖ', 'n': 'ₙ'};
  const ACCENT = {'^': '\u0302', '~': '\u0303', '¯': '\u0304', '‾': '\u0305', '→': '\u20d7',
    '˙': '\u0307', '.': '\u0307'};
  const script = (s, table, mark) => [...s].every(c => c in table)
    ? [...s].map(c => table[c]).join('') : mark + ([...s].length > 1 ? `(${s})` : s);
  const group = (s) => /[\s+−=]/.test(s.trim()) ? `(${s.trim()})` : s;
  const text = (n) => {
    if (n.nodeType === Node.TEXT_NODE) return n.textContent;
    const k = [...n.childNodes].map(text);
    switch (n.localName) {
      case 'msup': return k[0] + script(k[1], SUP, '^');
      case 'msub': return k[0] + script(k[1], SUB, '_');
      case 'msubsup': return k[0] + script(k[1], SUB, '_') + script(k[2], SUP, '^');
      case 'mfrac': return `${group(k[0])}/${group(k[1])}`;
      case 'msqrt': return `√${group(k.join(''))}`;
      case 'mover': return k[1] in ACCENT ? k[0] + ACCENT[k[1]] : k[0] + k[1];
      case 'mo': return /^[=+−×·≈<>≤≥→←∈]$/.test(k.join('')) ? ` ${k.join('')} ` : k.join('');
      default: return k.join('');
    }
  };
  const title = (h) => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll('.headerlink').forEach(a => a.remove());
    for (const box of copy.querySelectorAll('mjx-container')) {
      const mml = box.querySelector('mjx-assistive-mml math');
      box.replaceWith(mml ? text(mml) : box.textContent);
    }
    return copy.textContent.replace(/[\u2061-\u2064]/g, ' ').replace(/\s+/g, ' ').trim();
  };
  const article = document.querySelector('article');
  const root = article.querySelector('section');
  const isDocument = (s) => s === root || (s.previousElementSibling
    && s.previousElementSibling.matches('span[id^="document-"]'));
  const links = document.createElement('div');
  links.style.display = 'none';
  const headings = [];
  for (const section of article.querySelectorAll('section')) {
    const h = section.querySelector(':scope > h1, :scope > h2, :scope > h3, :scope > h4, '
      + ':scope > h5, :scope > h6');
    if (!h) continue;
    let level = 0;
    for (let s = section; s && !isDocument(s); s = s.parentElement.closest('section')) level += 1;
    h.id = `bt-heading-${headings.length}`;
    const a = document.createElement('a');
    a.href = `#${h.id}`;
    links.append(a);  // a link to it makes Chromium write a named destination for it
    headings.push({level, title: title(h), ids: [h.id, section.id]});
  }
  document.body.append(links);
  return headings;
}"""

# Every display formula as laid out for paper: how far its glyphs stick out of its box
# (px; over 0.5, the printed formula is clipped at the margin) and its first characters.
FORMULAS_JS = """() => [...document.querySelectorAll('mjx-container[display]')].map(box => {
  const math = box.querySelector('mjx-math').getBoundingClientRect();
  return {over: math.width - box.getBoundingClientRect().width,
          text: box.textContent.slice(0, 60)};
})"""

#: The dropdowns as the page prints: how many there are, how many are still closed, and
#: how many of their toggle buttons show.
DROPDOWNS_JS = """() => ({
  total: document.querySelectorAll('.admonition.toggle').length,
  closed: document.querySelectorAll('.admonition.toggle.toggle-hidden').length,
  buttons: [...document.querySelectorAll('.admonition.toggle button.toggle-button')]
    .filter(b => b.getClientRects().length > 0).length,
})"""

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


@contextlib.contextmanager
def prepared(root: Path, off_machine: list[str]) -> Iterator[tuple[object, list[dict]]]:
    """The single page in Chromium, laid out as it will print: MathJax has finished, print
    media is emulated at the printed column's width, PRINT_CSS and PREPARE_JS have run.
    Yields the Playwright page and the headings PREPARE_JS found; requests that would
    leave the machine are aborted and appended to ``off_machine``."""
    from playwright.sync_api import sync_playwright

    with serve(root) as base, sync_playwright() as p:
        url = f"{base}/{single_page(root)}"
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        width, height = COLUMN
        page = cut_off(browser.new_page(viewport={"width": width, "height": height}), off_machine)
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000
        )
        page.evaluate("MathJax.startup.promise")
        page.add_style_tag(content=PRINT_CSS)
        page.emulate_media(media="print")
        headings = page.evaluate(PREPARE_JS, [width, height])
        try:
            yield page, headings
        finally:
            browser.close()


def add_bookmarks(pdf_file: Path, headings: list[dict]) -> None:
    """Write the PDF's outline from the headings: each bookmark opens its heading's page
    at the heading (the named destination Chromium wrote for it), chapters at the top
    level (closed), their sections below."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # Chromium's trailer size is off by a few
    reader = PdfReader(pdf_file)
    destinations = {name.lstrip("/"): d for name, d in reader.named_destinations.items()}
    writer = PdfWriter(clone_from=reader)
    parents: list = []
    for heading in headings:
        # (Chromium may leave out the heading's own destination when its section's
        # starts at the same place: the section's, then.)
        found = next((destinations[i] for i in heading["ids"] if i in destinations), None)
        if found is None:
            raise SystemExit(f"print_pdf: no destination in the PDF for {heading['title']!r}")
        level = min(heading["level"], len(parents))
        item = writer.add_outline_item(
            heading["title"],
            reader.get_destination_page_number(found),
            parent=parents[level - 1] if level else None,
            fit=Fit.xyz(left=0, top=found.top),
            is_open=level > 0,
        )
        parents[level:] = [item]
    writer.page_mode = "/UseOutlines"
    with open(pdf_file, "wb") as out:
        writer.write(out)


def layout_file(pdf_file: Path) -> Path:
    """Where print_pdf records the layout it printed (the PDF's tests read it)."""
    return pdf_file.with_suffix(".layout.json")


def print_pdf(root: Path, pdf_file: Path) -> list[str]:
    """Print the page to ``pdf_file`` and record beside it, in ``layout_file``, what the
    PDF cannot tell afterwards: each display formula's fit as laid out for this print,
    the dropdowns' state (and the headings).  Returns the chapters' titles."""
    off_machine: list[str] = []
    layout_file(pdf_file).unlink(missing_ok=True)
    with prepared(root, off_machine) as (page, headings):
        titles = page.evaluate(CHAPTERS_JS)
        formulas = page.evaluate(FORMULAS_JS)
        dropdowns = page.evaluate(DROPDOWNS_JS)
        pdf_file.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(
            path=str(pdf_file),
            format="A4",
            margin=MARGIN,
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            tagged=True,
        )
    if off_machine:
        raise SystemExit(f"print_pdf: the page tried to reach the network: {off_machine[:5]}")
    add_bookmarks(pdf_file, headings)
    layout = {"formulas": formulas, "dropdowns": dropdowns, "headings": headings}
    layout_file(pdf_file).write_text(json.dumps(layout, indent=1), encoding="utf-8")
    return titles


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    chapters = print_pdf(Path(sys.argv[1]), Path(sys.argv[2]))
    size = Path(sys.argv[2]).stat().st_size / 2**20
    print(
        f"print_pdf: {sys.argv[2]} written ({size:.1f} MB): {len(chapters)} chapters after the introduction"
    )
