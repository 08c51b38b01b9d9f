"""Every page of the built book in a real browser with no network, as readers see it.

Each page is opened once per width, 1280 px (desktop) and 390 px (a phone); on that one
load, in the light theme and then in the dark one (switched with the theme's button):
the reading checks of reading.py (formulas, code, figures, contrast, axe-core at 1280 px)
and the table checks of tables.py; at 1280 px then every slider is moved with the keyboard
and every animation stepped and played (pages.py); at 390 px the navigation drawer opens.
Last, no console error and nothing fetched from off the machine.  One load per view keeps
the stage short (issue 25): the page's own state (theme, slider positions) changes only
after the checks that read it.
"""

from __future__ import annotations

import pytest
from pages import (
    BOOK_BUDGET_MB,
    PAGE_BUDGET_MB,
    chapter_pages,
    check_animations,
    check_quiet,
    check_rendered,
    check_sliders,
    open_chapter,
    switch_theme,
)
from reading import MIN_CONTRAST, WIDTHS, check_phone_drawer, check_reads_well, contrast
from tables import A4_PX, BLOCKS, check_blocks_fit, check_printed_tables, tagged_tables

from conftest import HTML, guard


def new_page(browser, width: int, height: int = 900):
    context = browser.new_context(viewport={"width": width, "height": height})
    # a returning reader's stored choice: the light theme first
    context.add_init_script("localStorage.setItem('mode', 'light');")
    return context, guard(context.new_page())


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("doc", chapter_pages())
def test_page(browser, book_url, doc, width):
    desktop = width == WIDTHS["desktop"]
    if desktop:
        size_mb = (HTML / f"{doc}.html").stat().st_size / 1e6
        assert size_mb < PAGE_BUDGET_MB, f"{doc}.html is {size_mb:.2f} MB, over {PAGE_BUDGET_MB}"
    context, page = new_page(browser, width)
    try:
        n_views = open_chapter(page, book_url, doc)
        check_rendered(page, doc)
        check_reads_well(page, doc, width, "light")
        check_printed_tables(page, doc, width)
        if doc in BLOCKS:
            check_blocks_fit(page, doc, f"{width} px")
        switch_theme(page, "dark")
        check_reads_well(page, doc, width, "dark")
        if desktop:
            check_sliders(page, doc, n_views)
            check_animations(page, doc)
        else:
            check_phone_drawer(page, doc)
        check_quiet(page, doc)
    finally:
        context.close()


@pytest.mark.parametrize("doc", BLOCKS)
def test_cheat_sheet_and_notation_fit_in_print(browser, book_url, doc):
    context, page = new_page(browser, A4_PX, 1123)
    try:
        open_chapter(page, book_url, doc)
        page.emulate_media(media="print")
        check_blocks_fit(page, doc, "print")
    finally:
        context.close()


def test_contrast_ratio_is_the_wcag_one():
    assert contrast([0, 0, 0], [255, 255, 255]) == pytest.approx(21)
    assert contrast([118, 118, 118], [255, 255, 255]) == pytest.approx(4.54, abs=0.01)
    assert contrast([206, 214, 221], [20, 24, 30]) > MIN_CONTRAST  # the dark theme's text


def test_the_chapters_tag_their_printed_tables():
    """The tables the issue names carry the tag (a tag is what keeps their rows whole)."""
    tagged = tagged_tables()
    assert any("per image" in s for s in tagged["book/00_introduction"])
    assert any("upstream" in s for s in tagged["book/02_chain_rule"])
    assert any("alpha" in s for s in tagged["book/02_chain_rule"])


def test_book_size_and_interactive_count():
    """The whole book within budget, and enough sliders and animations in it: each page
    test above works every one on its page.  (Counted from the built pages, not from
    the page tests, which `make browser` spreads over two processes.)"""
    total = sum(f.stat().st_size for f in HTML.rglob("*") if f.is_file()) / 1e6
    assert total < BOOK_BUDGET_MB, f"the built book is {total:.1f} MB, over {BOOK_BUDGET_MB} MB"
    pages = [(HTML / f"{doc}.html").read_text(encoding="utf-8") for doc in chapter_pages()]
    sliders = sum(p.count('type="application/vnd.jupyter.widget-view+json"') for p in pages)
    animations = sum(p.count('<figure class="bt-animation"') for p in pages)
    assert sliders >= 5, f"only {sliders} sliders in the static book"
    assert animations >= 3, f"only {animations} animations in the static book"
    print(f"\nbook: {total:.1f} MB, {sliders} sliders and {animations} animations")


def test_axe_finds_a_violation_of_each_kind_it_is_asked_about(browser):
    """The accessibility check can fail, at every impact: axe flags faint text and a
    picture without a name (serious, critical) and text outside every landmark (moderate:
    the sidebar's title once was); asked only about colour (the dark theme's run), it
    flags the text alone."""
    import axe

    context, page = new_page(browser, 800)
    try:
        page.set_content(
            '<!doctype html><html lang="en"><head><title>t</title></head><body>'
            "<p>outside every landmark</p><main>"
            '<p style="color:#777;background:#888">faint text</p>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">'
            "</main></body></html>"
        )
        failing, _ = axe.violations(page)
        found = {v["id"]: v["impact"] for v in failing}
        assert {"color-contrast", "image-alt", "region"} <= set(found), found
        assert found["region"] == "moderate", found
        failing, _ = axe.violations(page, only=axe.COLOUR)
        assert {v["id"] for v in failing} == {"color-contrast"}
    finally:
        context.close()
