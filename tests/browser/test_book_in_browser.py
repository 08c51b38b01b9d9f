"""Every chapter page of the built book, in a real browser, with no network.

For each page: no console errors, math rendered by the local MathJax, every slider moves
with the keyboard and changes what is shown, every animation steps with its buttons and
its keyboard-operable frame slider and plays, the
page stays under its size budget.  With BT_SCREENSHOTS=1 a full-page screenshot of each
lands in _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from book_toc import pages

from conftest import HTML, ROOT, guard

SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGE_BUDGET_MB = 3.0
BOOK_BUDGET_MB = 30.0

# Console messages that are not the book's fault, each with the reason it is tolerated.
ALLOWED_CONSOLE_ERRORS = [
    # pydata-sphinx-theme logs this with console.error on a first visit, when the browser
    # has no stored light/dark preference yet; it then picks "auto", as intended.
    # (sphinx-thebe's duplicate config script, once allowed here, is now dropped from every
    # page by _ext/bt_book.py.)
    "Got invalid theme mode: . Resetting to auto.",
]


def chapter_pages() -> list[str]:
    return pages()


@pytest.fixture
def page(browser, book_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = guard(context.new_page())
    yield page
    context.close()


def open_chapter(page, book_url, doc):
    page.goto(f"{book_url}/{doc}.html", wait_until="load")
    # MathJax typesets asynchronously; wait for it when the page has math
    if page.locator(".math").count():
        page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000
        )
        page.evaluate("MathJax.startup.promise")
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if n_views:
        page.wait_for_function(
            f"document.querySelectorAll('.widget-slider, .jupyter-widget-slider, .widget-hslider').length >= {n_views}",
            timeout=30000,
        )
    page.wait_for_timeout(300)
    return n_views


@pytest.mark.parametrize("doc", chapter_pages())
def test_chapter_page(page, book_url, doc):
    html_file = HTML / f"{doc}.html"
    assert html_file.exists(), f"{html_file} was not built"
    size_mb = html_file.stat().st_size / 1e6
    assert size_mb < PAGE_BUDGET_MB, f"{doc}.html is {size_mb:.2f} MB, over {PAGE_BUDGET_MB} MB"

    n_views = open_chapter(page, book_url, doc)

    # math: rendered by MathJax, no raw TeX delimiters left in the visible text
    if page.locator(".math").count():
        assert page.locator("mjx-container").count() > 0, "MathJax rendered nothing"
    assert "$$" not in page.inner_text("main"), "raw $$ left in the page"

    # sliders: move each with the keyboard, what it shows must change
    sliders = page.locator(".widget-slider, .widget-hslider, .jupyter-widget-slider")
    assert sliders.count() == n_views, (
        f"{n_views} widgets embedded but {sliders.count()} sliders rendered"
    )
    for i in range(sliders.count()):
        # viz.slider's VBox: the slider, then the Stack of pre-rendered frames
        shown = sliders.nth(i).locator("xpath=following-sibling::*[1]")
        before = shown.screenshot()
        handle = sliders.nth(i).locator(".noUi-handle").first
        handle.focus()
        at_start = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemin")
        page.keyboard.press("ArrowRight" if at_start else "ArrowLeft")
        page.wait_for_timeout(200)
        after = shown.screenshot()
        assert before != after, f"slider {i} of {doc} moved but its figure did not change"

    # animations: the book's player (viz.animation) steps with its buttons and with the
    # keyboard on its frame slider, and plays to the end
    players = page.locator("figure.bt-animation")
    for i in range(players.count()):
        player = players.nth(i)
        shown = "f => [...f.querySelectorAll('.bt-frames > .bt-frame')].findIndex(x => !x.hidden)"
        n = player.locator(".bt-frames > .bt-frame").count()
        assert n >= 2 and player.evaluate(shown) == 0, f"animation {i} of {doc}: {n} frames"
        player.get_by_role("button", name="Next frame").click()
        assert player.evaluate(shown) == 1, f"animation {i} of {doc} did not advance"
        player.get_by_role("button", name="Last frame").click()
        assert player.evaluate(shown) == n - 1, f"animation {i} of {doc}: no last frame"
        slider = player.get_by_role("slider", name="Frame of the animation")
        slider.focus()
        page.keyboard.press("Home")
        assert player.evaluate(shown) == 0, f"animation {i} of {doc}: the slider's Home key"
        page.keyboard.press("ArrowRight")
        assert player.evaluate(shown) == 1, f"animation {i} of {doc}: the slider's arrow key"
        player.get_by_role("button", name="Play").click()
        page.wait_for_function(
            f"f => ({shown})(f) > 1", arg=player.element_handle(), timeout=20_000
        )
        player.get_by_role("button", name="Pause").click()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if os.environ.get("BT_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / f"{Path(doc).name}.png"), full_page=True)

    errors = [e for e in page.console_errors if not any(a in e for a in ALLOWED_CONSOLE_ERRORS)]
    assert not errors, f"console errors on {doc}: {errors}"
    assert not page.off_machine, f"{doc} tried to reach the network: {page.off_machine}"


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
