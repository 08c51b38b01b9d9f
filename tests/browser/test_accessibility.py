"""axe-core, the accessibility engine, on every page of the built book in both themes.

axe-core is pinned in tools/npm/package.json and installed by `npm ci` with the book's
other assets (tools/fetch_assets.py), into _build/npm/; it is injected into each page
after MathJax and the widgets have rendered.  A serious or critical violation fails the
test, with the rule, its help text and the first elements it names; minor and moderate
ones are printed for a person to read.
"""

from __future__ import annotations

import json

import pytest
from test_book_in_browser import chapter_pages, open_chapter

from conftest import ROOT, guard

AXE = ROOT / "_build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
FAIL_ON = {"serious", "critical"}


@pytest.fixture
def themed(browser, request):
    theme = request.param
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(
        f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');"
    )
    page = guard(context.new_page())
    page.theme = theme
    yield page
    context.close()


@pytest.mark.parametrize("themed", ["light", "dark"], indirect=True)
@pytest.mark.parametrize("doc", chapter_pages())
def test_no_serious_accessibility_violation(themed, book_url, doc):
    page = themed
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci installs axe-core)")
    open_chapter(page, book_url, doc)
    assert page.evaluate("document.documentElement.dataset.theme") == page.theme
    page.wait_for_timeout(1000)  # the page as a reader meets it: late scripts have run
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
        }"""
    )
    serious = [v for v in result if v["impact"] in FAIL_ON]
    for v in result:
        if v["impact"] not in FAIL_ON:
            print(f"{doc} ({page.theme}): {v['impact']} {v['id']} x{v['count']}: {v['help']}")
    assert not serious, f"{doc} ({page.theme}): " + json.dumps(serious, indent=1)
