"""Opening a page of the built book as a reader does, and working its sliders and
animations: the helpers test_pages.py calls.

A page is opened once per width: MathJax typesets it, the widgets render; the theme is
then switched with the theme's own button, so one load serves both themes.
"""

from __future__ import annotations

from book_toc import pages

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


def open_chapter(page, book_url, doc) -> int:
    """Load ``doc``, wait for MathJax and for every embedded widget; the number of widget
    views the page embeds."""
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
            "document.querySelectorAll('.widget-slider, .jupyter-widget-slider, "
            f".widget-hslider').length >= {n_views}",
            timeout=30000,
        )
    page.wait_for_timeout(300)
    return n_views


def switch_theme(page, theme: str) -> None:
    """Switch the page to ``theme`` ("light" or "dark") with the theme's own button, which
    cycles light, auto and dark, as a reader clicking it would."""
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.theme") == theme:
            return
        page.evaluate("document.querySelector('.theme-switch-button').click()")
    shown = page.evaluate("document.documentElement.dataset.theme")
    assert shown == theme, f"three clicks of the theme button left the page {shown}, not {theme}"
    # the colours a check reads are the theme's, not a step of a CSS transition towards them
    # (two animation frames first: the transitions exist once the style is recomputed)
    page.evaluate(
        "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        ".then(() => Promise.all(document.getAnimations()"
        ".filter(a => a instanceof CSSTransition).map(a => a.finished.catch(() => null))))"
    )


def check_sliders(page, doc, n_views) -> None:
    """Every slider moves with the keyboard, and what it shows changes."""
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


def check_animations(page, doc) -> None:
    """The book's player (viz.animation) steps with its buttons and with the keyboard on
    its frame slider, and plays."""
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


def check_rendered(page, doc) -> None:
    """Math rendered by the local MathJax, no raw TeX delimiters left."""
    if page.locator(".math").count():
        assert page.locator("mjx-container").count() > 0, f"{doc}: MathJax rendered nothing"
    assert "$$" not in page.inner_text("main"), f"{doc}: raw $$ left in the page"


def check_quiet(page, doc) -> None:
    """No console error the book causes, nothing fetched from off the machine."""
    errors = [e for e in page.console_errors if not any(a in e for a in ALLOWED_CONSOLE_ERRORS)]
    assert not errors, f"console errors on {doc}: {errors}"
    assert not page.off_machine, f"{doc} tried to reach the network: {page.off_machine}"
