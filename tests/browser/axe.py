"""axe-core, the accessibility engine, run in a page of the built book.

axe-core is pinned in tools/npm/package.json and installed by `npm ci` with the book's
other assets (tools/fetch_assets.py), into _build/npm/; it is injected into the page after
MathJax and the widgets have rendered and the page's late scripts have run.  The reading
test (reading.py, called by test_pages.py) runs it on every page in both themes and fails
on any violation, whatever axe's impact for it (the issue asks for no serious or critical
one; the book has none of any kind, and a minor one once found is as easily fixed), naming
the rule, its help text and the first elements.  After the light theme's
full run, the dark theme's run needs only the rules about colour (axe's tag ``cat.color``:
contrast, links told apart by colour): a theme changes colours, not the page's structure,
names or roles, and each full run costs about 5 s of a page's test.
"""

from __future__ import annotations

from conftest import ROOT

AXE = ROOT / "_build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
FAIL_ON = {"minor", "moderate", "serious", "critical"}  # every impact axe reports

COLOUR = "cat.color"  # axe's tag for the rules a theme can change

RUN_JS = """async (tag) => {
  const options = {resultTypes: ['violations']};
  if (tag) {  // the rules axe runs by default that carry the tag
    const rules = axe.getRules().filter(r => r.enabled !== false && r.tags.includes(tag));
    options.runOnly = {type: 'rule', values: rules.map(r => r.ruleId)};
  }
  const r = await axe.run(document, options);
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
}"""


def violations(page, only: str | None = None) -> tuple[list[dict], list[dict]]:
    """(those that fail the test, the rest): axe's violations in ``page`` as it stands; with
    ``only``, an axe tag, only the default rules that carry it."""
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} is missing: run `make assets` (npm ci installs axe-core)")
    # the page as a reader meets it: late scripts have run, and colours have settled (a
    # wait for the theme's CSS transitions alone once let axe read the search button's
    # colour mid-transition, in a fresh-clone run)
    page.wait_for_timeout(1000)
    if not page.evaluate("typeof axe !== 'undefined'"):  # the page's first run
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_JS, only)
    serious = [v for v in found if v["impact"] in FAIL_ON]
    return serious, [v for v in found if v["impact"] not in FAIL_ON]
