"""Tables that fit (issue 25, item 4): the cheat sheet and chapter 0's chapter list and
notation read whole at 1280 px, at 390 px and in print, nothing inside them hidden behind a
scroll; a printed table (a cell tagged `bt-table`) keeps every line whole and scrolls
sideways on its own, with a cue, when it is wider than the column; the page itself never
scrolls sideways, and an ordinary printed output never splits a number across two lines.
"""

from __future__ import annotations

from pages import chapter_pages

A4_PX = 794  # an A4 page at 96 px per inch, the width `make pdf` prints at
# the pages and the parts of them that were tables and are now blocks that reflow
BLOCKS = {
    "book/08_cheat_sheet": "article.bd-article",
    "book/00_introduction": "section#notation, section#the-chapters",
}

# Every element in the given parts that is wider than its box (content hidden behind a
# scroll, or cut) or sticks out of the article.  MathJax's assistive copy of each formula
# (for screen readers, clipped to 1 px on purpose) is not shown and not counted; a formula
# counts when it sticks out of the article.
OVERFLOW_JS = """(selector) => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const right = article.getBoundingClientRect().right;
  const parts = [...document.querySelectorAll(selector)];
  const bad = [];
  for (const part of parts) {
    for (const el of [part, ...part.querySelectorAll('*')]) {
      if (el.closest('mjx-assistive-mml') || el.offsetParent === null) continue;
      // a formula's glyphs may overhang its inline box by a pixel or two: for math only
      // the right edge counts
      const math = el.closest('mjx-container, span.math');
      const wider = math ? 0 : el.scrollWidth - el.clientWidth;
      const out = el.getBoundingClientRect().right - right;
      if ((el.clientWidth > 0 && wider > 1) || out > 1) {
        bad.push(`${el.tagName.toLowerCase()}.${el.className} `
          + `"${(el.textContent || '').trim().slice(0, 40)}" wider by ${Math.max(wider, out)} px`);
      }
    }
  }
  return {found: parts.length, bad: bad.slice(0, 8),
          tables: parts.reduce((n, p) => n + p.querySelectorAll('table').length, 0)};
}"""

# For every printed table: its non-empty lines, and how many lines it takes on screen
# (the distinct tops of its text's line boxes); its overflow and the cue's gradients.
TABLE_OUTPUTS_JS = """() => [...document.querySelectorAll('div.cell.tag_bt-table div.cell_output pre')]
  .filter(pre => pre.offsetParent !== null)
  .map(pre => {
    const range = document.createRange();
    range.selectNodeContents(pre);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
      .map(r => Math.round(r.top)));
    const style = getComputedStyle(pre);
    return {first: pre.textContent.split('\\n')[0].slice(0, 40),
            lines: pre.textContent.split('\\n').filter(l => l.trim()).length,
            shown: tops.size, whiteSpace: style.whiteSpace, overflowX: style.overflowX,
            wider: pre.scrollWidth - pre.clientWidth,
            cue: style.backgroundImage.includes('gradient')};
  })"""

ORDINARY_OUTPUTS_JS = """() => [...document.querySelectorAll('div.cell_output pre')]
  .filter(pre => pre.offsetParent !== null && !pre.closest('div.cell.tag_bt-table'))
  .map(pre => getComputedStyle(pre).overflowWrap)"""


def page_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def check_blocks_fit(page, doc: str, width) -> None:
    """The cheat sheet's and chapter 0's blocks fit the column (``width`` names the view:
    px, or "print")."""
    m = page.evaluate(OVERFLOW_JS, BLOCKS[doc])
    assert m["found"], f"{doc}: none of {BLOCKS[doc]} on the page"
    assert not m["bad"], f"{doc} at {width}: wider than the column: {m['bad']}"
    assert page_overflow(page) <= 1, f"{doc} at {width} scrolls sideways"


def check_printed_tables(page, doc: str, width: int) -> None:
    """Printed tables keep their rows; other printed outputs never split a number."""
    for t in page.evaluate(TABLE_OUTPUTS_JS):
        assert t["shown"] == t["lines"], (
            f"{doc} at {width} px: a printed table's rows wrap "
            f"({t['lines']} lines shown as {t['shown']}): {t['first']!r}"
        )
        assert t["whiteSpace"] == "pre", t
        if t["wider"] > 1:  # scrolls on its own, and says so
            assert t["overflowX"] in ("auto", "scroll") and t["cue"], (
                f"{doc} at {width} px: a wide printed table without its scroll and cue: {t}"
            )
    split = [w for w in page.evaluate(ORDINARY_OUTPUTS_JS) if w == "anywhere"]
    assert not split, f"{doc}: {len(split)} outputs may split a number across lines"
    assert page_overflow(page) <= 1, f"{doc} at {width} px scrolls sideways"


def tagged_tables() -> dict[str, list[str]]:
    """The source of every cell tagged ``bt-table``, per notebook page."""
    import nbformat

    from conftest import ROOT

    tagged = {}
    for doc in chapter_pages():
        path = ROOT / f"{doc}.ipynb"
        if path.exists():
            nb = nbformat.read(path, as_version=4)
            tagged[doc] = [c.source for c in nb.cells if "bt-table" in c.metadata.get("tags", [])]
    return tagged
