"""What a reader sees on a page of the built book, at 1280 px (desktop) and 390 px (a
phone), in the light and the dark theme: the reading checks test_pages.py runs on each
view. Formulas fit their column (MathJax breaks them into lines, to the column's width;
none scrolls), code fits, figures are large enough, their smallest text is at least 9
CSS px as shown, their ink contrasts with their paper, and no filter alters their
colours; in the dark theme no light slab sits behind an output and the sliders' labels
and values contrast with the page; every picture has a name for assistive technology,
test machinery is invisible. At 1280 px axe-core finds no accessibility
violation of any impact: every rule in the light theme, the rules on colour in the dark
one (axe.py). With BT_SCREENSHOTS=1 a full-page screenshot of each view lands in
_build/screenshots/ for a person to review (about 5 s each, so not by default).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import axe

from conftest import ROOT

SCREENSHOTS = ROOT / "_build" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
MIN_FIGURE_PX = 400
MIN_TEXT_PX = 9  # the smallest figure text as shown (backprop_tour.viz.style.MIN_TEXT_PX)
MIN_CONTRAST = 4.5  # WCAG AA for text

# Everything measured in one pass inside the page.
MEASURE_JS = """() => {
  const main = document.querySelector('main') || document.body;
  const visible = e => e.getClientRects().length > 0 && e.getBoundingClientRect().width > 0;
  const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  // the width MathJax measured for each display formula, the width it breaks lines to
  const measured = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of MathJax.startup.document.math) {
      if (item.display && item.typesetRoot) measured.set(item.typesetRoot, item.metrics.containerWidth);
    }
  }
  const formulas = [...document.querySelectorAll('mjx-container[display="true"]')].map(m => ({
    tex: (m.getAttribute('aria-label') || m.textContent).slice(0, 60),
    overflow: Math.max(m.scrollWidth - m.clientWidth,
                       m.getBoundingClientRect().right - m.parentElement.getBoundingClientRect().right),
    column: m.clientWidth, measured: measured.has(m) ? measured.get(m) : null,
  }));
  const code = [...document.querySelectorAll('div.cell_input pre')]
    .filter(p => p.offsetParent !== null)
    .map(p => ({text: p.textContent.split('\\n').find(l => l.length > 0) || '',
                overflow: p.scrollWidth - p.clientWidth}));
  const images = [...main.querySelectorAll('img')].filter(i => i.offsetParent !== null)
    .map(i => ({src: (i.getAttribute('src') || '').slice(0, 40), alt: i.getAttribute('alt'),
                shown: i.width, natural: i.naturalWidth,
                column: i.closest('article, main').getBoundingClientRect().width}));
  const figures = [...main.querySelectorAll('svg.bt-svg')].filter(visible).map(svg => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll('text')];
    const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    const frame = svg.closest('[role="img"]');
    const paper = svg.querySelector('path');  // the figure's background comes first
    return {
      name: frame ? frame.getAttribute('aria-label') : null,
      shown: box.width, column: svg.closest('article, main').getBoundingClientRect().width,
      minText: sizes.length ? Math.min(...sizes) : null,
      ink: texts.length ? rgb(getComputedStyle(texts[0]).fill) : null,
      paper: paper ? rgb(getComputedStyle(paper).fill) : null,
      filter: getComputedStyle(svg).filter + ' ' + (frame ? getComputedStyle(frame).filter : ''),
    };
  });
  const slabs = [...main.querySelectorAll(
      'div.cell_output, div.cell_output .text_html, div.cell_output .widget-subarea, ' +
      'div.cell_output .jupyter-widgets, div.cell_output .widget-html-content')]
    .filter(visible).map(e => rgb(getComputedStyle(e).backgroundColor))
    .filter(c => c.length >= 3 && (c.length < 4 || c[3] > 0.1));
  const labels = [...main.querySelectorAll(
      '.widget-slider .widget-label, .widget-slider .widget-readout, ' +
      '.jupyter-widget-slider .widget-label, .jupyter-widget-slider .widget-readout, ' +
      'figure.bt-animation output, figure.bt-animation button')]
    .filter(visible).map(e => ({text: e.textContent.trim().slice(0, 30),
                               color: rgb(getComputedStyle(e).color)}));
  return {formulas, code, images, figures, slabs, labels,
          background: rgb(getComputedStyle(document.body).backgroundColor),
          pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
          text: main.innerText};
}"""


def luminance(rgb) -> float:
    """Relative luminance of an sRGB colour (WCAG 2)."""
    channels = [c / 255 for c in rgb[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b) -> float:
    """WCAG contrast ratio of two sRGB colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def check_reads_well(page, doc: str, width: int, theme: str) -> None:
    """Every reading check on ``page`` (``doc`` at ``width`` px, in ``theme``) as it
    stands."""
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    m = page.evaluate(MEASURE_JS)
    if os.environ.get("BT_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / f"{Path(doc).name}-{width}-{theme}.png"
        page.screenshot(path=str(shot), full_page=True)
    desktop = width == WIDTHS["desktop"]

    assert "NBVAL" not in m["text"], f"{doc}: test machinery shown to readers"
    assert m["pageOverflow"] <= 1, f"{doc} at {width} px scrolls sideways"

    wide = [f["tex"] for f in m["formulas"] if f["overflow"] > 1]
    assert not wide, f"{doc} at {width} px: formulas wider than the column: {wide}"
    # ... and broken into lines only where the column is too narrow: MathJax breaks a
    # formula to the width it measured, which must be the column's (a flex box around the
    # formula once made it measure 140-450 px at 1280 px, and nearly every formula broke)
    unmeasured = [f["tex"] for f in m["formulas"] if f["measured"] is None]
    assert not unmeasured, f"{doc}: display formulas MathJax did not typeset: {unmeasured}"
    narrow = [(f["tex"], f["measured"], f["column"]) for f in m["formulas"]
              if abs(f["measured"] - f["column"]) > 2]  # fmt: skip
    assert not narrow, f"{doc} at {width} px: formulas broken to a width not the column's: {narrow}"

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

    for fig in m["figures"]:
        name = (fig["name"] or "")[:50]
        assert fig["name"], f"{doc}: a figure without a name for assistive technology"
        assert fig["filter"].split() == ["none"] * len(fig["filter"].split()), (
            f"{doc}: a filter alters the colours of figure {name!r}: {fig['filter']}"
        )
        if fig["minText"] is not None:
            assert fig["minText"] >= MIN_TEXT_PX - 0.05, (
                f"{doc} at {width} px: figure {name!r} shows text at "
                f"{fig['minText']:.1f} px (< {MIN_TEXT_PX})"
            )
        if fig["ink"] and fig["paper"]:
            ratio = contrast(fig["ink"], fig["paper"])
            assert ratio >= MIN_CONTRAST, (
                f"{doc} ({theme}): figure {name!r}: ink {fig['ink']} on paper "
                f"{fig['paper']} has contrast {ratio:.1f}"
            )
        if desktop:
            enough = fig["shown"] >= min(MIN_FIGURE_PX, fig["column"] - 2)
            assert enough, f"{doc}: figure {name!r} shown only {fig['shown']:.0f} px wide"
    if theme == "dark":
        light = [c for c in m["slabs"] if luminance(c) > 0.4]
        assert not light, f"{doc}: light slabs behind outputs in the dark theme: {light[:3]}"
        for label in m["labels"]:
            ratio = contrast(label["color"], m["background"])
            assert ratio >= MIN_CONTRAST, (
                f"{doc} (dark): widget text {label['text']!r} has contrast {ratio:.1f}"
            )

    if desktop:  # accessibility: the engine's verdict on the page as it stands (in the
        # dark theme, which reading.py checks after the light one: the rules on colour)
        failing, _ = axe.violations(page, only=axe.COLOUR if theme == "dark" else None)
        assert not failing, f"{doc} ({theme}): axe: " + json.dumps(failing, indent=1)


def check_phone_drawer(page, doc: str) -> None:
    """On a phone the navigation drawer opens from its visible button and lists the
    chapters (last: it covers the page)."""
    page.get_by_role("button", name="Toggle primary sidebar").click()
    page.wait_for_function(
        "document.querySelector('#pst-primary-sidebar-modal').open", timeout=5000
    )
    links = page.locator("#pst-primary-sidebar-modal a.reference")
    assert links.count() >= 8, f"{doc}: the phone navigation drawer lists no chapters"
