"""The built book reads well: every page at 1280 px (desktop) and 390 px (a phone), in
the light and the dark theme.  Formulas and code fit, figures are large enough and never
upscaled, every image has alt text, test machinery is invisible, nothing errs or leaves
the machine.  A full-page screenshot of each lands in _build/screenshots/ for review.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_book_in_browser import ALLOWED_CONSOLE_ERRORS, chapter_pages, open_chapter

from conftest import ROOT, guard

SCREENSHOTS = ROOT / "_build" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
MIN_FIGURE_PX = 400

# Everything measured in one pass inside the page.
MEASURE_JS = """() => {
  const main = document.querySelector('main') || document.body;
  const formulas = [...document.querySelectorAll('mjx-container[display="true"]')].map(m => ({
    tex: (m.getAttribute('aria-label') || m.textContent).slice(0, 60),
    overflow: m.scrollWidth - m.clientWidth,
    scrolls: ['auto', 'scroll'].includes(getComputedStyle(m).overflowX),
  }));
  const code = [...document.querySelectorAll('div.cell_input pre')]
    .filter(p => p.offsetParent !== null)
    .map(p => ({text: p.textContent.split('\\n').find(l => l.length > 0) || '',
                overflow: p.scrollWidth - p.clientWidth}));
  const images = [...main.querySelectorAll('img')].filter(i => i.offsetParent !== null)
    .map(i => ({src: (i.getAttribute('src') || '').slice(0, 40), alt: i.getAttribute('alt'),
                shown: i.width, natural: i.naturalWidth,
                column: i.closest('article, main').getBoundingClientRect().width}));
  return {formulas, code, images,
          pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
          text: main.innerText};
}"""


@pytest.fixture
def themed_page(browser, book_url, request):
    width, theme = request.param
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(
        f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');"
    )
    page = guard(context.new_page())
    page.width, page.theme = width, theme
    yield page
    context.close()


VIEWS = [(w, t) for w in WIDTHS.values() for t in ("light", "dark")]


@pytest.mark.parametrize("themed_page", VIEWS, indirect=True, ids=lambda v: f"{v[0]}-{v[1]}")
@pytest.mark.parametrize("doc", chapter_pages())
def test_page_reads_well(themed_page, book_url, doc):
    page = themed_page
    open_chapter(page, book_url, doc)
    assert page.evaluate("document.documentElement.dataset.theme") == page.theme
    m = page.evaluate(MEASURE_JS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{Path(doc).name}-{page.width}-{page.theme}.png"
    page.screenshot(path=str(shot), full_page=True)
    desktop = page.width == WIDTHS["desktop"]

    assert "NBVAL" not in m["text"], f"{doc}: test machinery shown to readers"
    assert m["pageOverflow"] <= 1, f"{doc} at {page.width} px scrolls sideways"

    wide = [f for f in m["formulas"] if f["overflow"] > 1]
    if desktop:
        assert not wide, f"{doc}: formulas wider than the column: {[f['tex'] for f in wide]}"
    clipped = [f["tex"] for f in wide if not f["scrolls"]]
    assert not clipped, f"{doc} at {page.width} px: formulas clipped: {clipped}"

    if desktop:
        cut = [c["text"][:50] for c in m["code"] if c["overflow"] > 1]
        assert not cut, f"{doc}: code cells wider than the column, starting {cut}"

    no_alt = [i["src"] for i in m["images"] if not (i["alt"] or "").strip()]
    assert not no_alt, f"{doc}: images without alt text: {no_alt}"
    for img in m["images"]:
        if img["natural"] <= 60:  # icons and logos
            continue
        assert img["shown"] <= img["natural"] + 1, f"{doc}: image upscaled: {img}"
        if desktop:
            enough = img["shown"] >= min(MIN_FIGURE_PX, img["column"] - 2)
            assert enough, f"{doc}: figure shown only {img['shown']:.0f} px wide: {img}"

    if not desktop:  # the navigation drawer opens from the visible button
        page.get_by_role("button", name="Toggle primary sidebar").click()
        page.wait_for_function(
            "document.querySelector('#pst-primary-sidebar-modal').open", timeout=5000
        )
        links = page.locator("#pst-primary-sidebar-modal a.reference")
        assert links.count() >= 8, f"{doc}: the phone navigation drawer lists no chapters"

    errors = [e for e in page.console_errors if not any(a in e for a in ALLOWED_CONSOLE_ERRORS)]
    assert not errors, f"console errors on {doc}: {errors}"
    assert not page.off_machine, f"{doc} tried to reach the network: {page.off_machine}"
