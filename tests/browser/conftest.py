"""Fixtures for the browser tests: the built book served on 127.0.0.1, and Debian's
Chromium driven by Playwright with every off-machine request aborted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
sys.path.insert(0, str(ROOT / "tools"))
import chromium  # noqa: E402  (tools/chromium.py: the one answer to "is there a browser?")
import local_web  # noqa: E402  (tools/local_web.py: the server and guard print_pdf uses too)

CHROMIUM = chromium.chromium_path()
IN_CI = chromium.in_ci()


def _missing_offline_book() -> str | None:
    if not (ROOT / "_assets" / "READY").exists():
        return (
            "the book was built with CDN assets (npm was unavailable), and these tests "
            "read it with the network cut off: run `make book` where npm works"
        )
    return None


def pytest_collection_modifyitems(config, items):
    """Skip (outside CI) or fail (in CI) when the browser, or for the tests of the built
    book its offline assets, are missing.  The live-lab tests need no built book."""
    browser_reason = chromium.missing_browser(CHROMIUM)
    if browser_reason is not None:
        browser_reason += f"; to get it: {chromium.INSTALL}"
    for item in items:
        reason = browser_reason
        if reason is None and item.path.name != "test_live_lab.py":
            reason = _missing_offline_book()
        if reason is None:
            continue
        if IN_CI:  # in CI a missing browser is an error, not a reason to skip
            raise pytest.UsageError(f"browser tests cannot run in CI: {reason}")
        item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.fixture(scope="session")
def book_url():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no built book: run `make book` first (make test does)")
    with local_web.serve(HTML) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=local_web.CHROMIUM_ARGS)
        yield browser
        browser.close()


def guard(page, local_schemes: tuple[str, ...] = ("data:",)):
    """Cut ``page`` off from everything but this machine and collect what goes wrong:
    ``page.off_machine`` lists the requests that were aborted, ``page.console_errors``
    the console errors and uncaught exceptions.  Returns the page."""
    page.off_machine, page.console_errors = [], []
    local_web.cut_off(page, page.off_machine, local_schemes)
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(f"uncaught: {e}"))
    return page
