"""Is there a working Chromium for the stages that need one?  One answer for the Makefile,
the PDF printer and the browser tests' conftest.

    python tools/chromium.py STAGE [STAGE ...]   # exit 0: run them; 3: skip them; 1: error

One line per stage says what is skipped (or, in CI, what fails) and how to get it.

The browser tests, `make pdf` and the live-lab tests drive Debian's Chromium through
Playwright.  Outside CI a machine without a working Chromium skips those stages with one
line saying what was skipped and how to get it; in CI (``CI=true``) that is an error, so a
CI run can never pass by skipping them.  ``BACKPROP_TOUR_CHROMIUM`` names another
executable (the tests use it to stand in a missing or broken browser).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

INSTALL = "apt-get install chromium"
RUN, SKIP, ERROR = 0, 3, 1  # the exit codes of `python tools/chromium.py STAGE`

# What each browser-dependent stage is, for the one line that skips it.
STAGES = {
    "browser": "the browser tests of the built book (make browser)",
    "pdf": "the PDF (make pdf)",
    "printed": "the PDF and its checks (make printed)",
    "live": "the chapters live in JupyterLab (make live)",
}


def chromium_path() -> str:
    """The Chromium executable to use (it may not exist)."""
    return (
        os.environ.get("BACKPROP_TOUR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_browser(chromium: str | None = None) -> str | None:
    """Why the browser cannot be used, or None when it starts.

    Starting it (a headless page load of about:blank, a second or two) is the only proof:
    an executable can exist and still fail to start (missing libraries, a snap stub)."""
    chromium = chromium or chromium_path()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make .venv installs it)"
    if not Path(chromium).is_file():
        return f"no Chromium at {chromium}"
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "about:blank"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{chromium} does not start ({type(exc).__name__}: {exc})"
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no message"])[-1]
        return f"{chromium} does not start (exit code {run.returncode}: {last[:200]})"
    return None


def decide(stages: list[str], reason: str | None, ci: bool) -> tuple[int, list[str]]:
    """``(exit code, lines to print)`` for ``stages`` given why the browser cannot be used
    (None: it works) and whether this is CI.  No lines when the stages run."""
    if reason is None:
        return RUN, []
    if ci:  # CI must never pass by skipping: the browser is part of what it tests
        return ERROR, [
            f"== FAILED {STAGES.get(s, s)}: in CI (CI=true) a browser is required: "
            f"{reason}; to get it: {INSTALL}"
            for s in stages
        ]
    return SKIP, [f"== SKIPPED {STAGES.get(s, s)}: {reason}; to get it: {INSTALL}" for s in stages]


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit(__doc__)
    code, lines = decide(argv, missing_browser(), in_ci())
    for line in lines:
        print(line, file=sys.stderr if code == ERROR else sys.stdout)
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
