"""Fetch the book's third-party JavaScript from the npm registry into `_assets/`.

MathJax 4 (with its font), require.js and the Jupyter widgets HTML manager (with its
fonts) are served
from the book's own `_static/vendor/` so the HTML reads offline and no CDN change can
break it.  Their versions are pinned in `tools/npm/package.json` and, with every
dependency and its checksum, in `tools/npm/package-lock.json`; `npm ci` installs exactly
that into `_build/npm/`, and the files the pages load are copied from there.  To update a
version, edit package.json and run `npm install --package-lock-only` in tools/npm.
Nothing fetched here is committed (`_assets/` and `_build/` are in .gitignore).
axe-core, the accessibility checker the browser tests run in each page, is installed by
the same `npm ci` and read from `_build/npm/` by the tests (it is not part of the book).

If npm or the registry is unavailable, the book falls back to the CDNs: this script
prints why, and the build (`_ext/bt_book.py`, finding no `_assets/READY`) keeps Sphinx's
and myst-nb's CDN defaults.

Exit status is 0 either way; `_assets/READY` exists only when the local copy is
complete.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "tools" / "npm"  # package.json and package-lock.json, committed
NPM_DIR = ROOT / "_build" / "npm"  # where npm ci installs them
VENDOR = ROOT / "_assets" / "static" / "vendor"  # html_static_path: served as _static/vendor
# html_extra_path: copied as is into the output root.  The widget manager's injected CSS
# asks for its icon fonts at "@jupyter-widgets/html-manager/dist/<file>" relative to the
# page, and every chapter page lives in book/.
FONTS = ROOT / "_assets" / "extra" / "book" / "@jupyter-widgets" / "html-manager" / "dist"
READY = ROOT / "_assets" / "READY"  # the build serves the local copies only if it exists

# (source inside node_modules, destination inside _assets/vendor)
COPIES = [
    ("mathjax/tex-chtml.js", "mathjax/tex-chtml.js"),
    ("mathjax/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax/ui", "mathjax/ui"),
    ("mathjax/a11y", "mathjax/a11y"),
    # speech and the expression explorer (in a web worker), English and Braille only
    ("mathjax/sre/speech-worker.js", "mathjax/sre/speech-worker.js"),
    ("mathjax/sre/mathmaps/base.json", "mathjax/sre/mathmaps/base.json"),
    ("mathjax/sre/mathmaps/en.json", "mathjax/sre/mathmaps/en.json"),
    ("mathjax/sre/mathmaps/nemeth.json", "mathjax/sre/mathmaps/nemeth.json"),
    ("mathjax/LICENSE", "mathjax/LICENSE"),
    # MathJax 4's default font: its glyph data and web fonts, found at [mathjax]/fonts
    # (see MATHJAX_CONFIG in _ext/bt_book.py)
    ("@mathjax/mathjax-newcm-font/chtml.js", "mathjax/fonts/mathjax-newcm-font/chtml.js"),
    ("@mathjax/mathjax-newcm-font/chtml", "mathjax/fonts/mathjax-newcm-font/chtml"),
    ("requirejs/require.js", "require.js"),
    ("@jupyter-widgets/html-manager/dist/embed-amd.js", "html-manager/embed-amd.js"),
    ("@jupyter-widgets/html-manager/package.json", "html-manager/package.json"),  # BSD-3
]
FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".eot", ".svg")


def stamp() -> str:
    """What `_assets/` holds: a change to the lockfile or the copies re-fetches."""
    lock = json.loads((MANIFEST / "package-lock.json").read_text())
    packages = {k: v.get("version") for k, v in lock["packages"].items() if k}
    return json.dumps({"packages": packages, "copies": COPIES}, sort_keys=True)


def fetch() -> None:
    if NPM_DIR.exists():
        shutil.rmtree(NPM_DIR)
    NPM_DIR.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(MANIFEST / name, NPM_DIR / name)
    subprocess.run(  # exactly the lockfile's versions; no install scripts run
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=NPM_DIR,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    modules = NPM_DIR / "node_modules"
    if (ROOT / "_assets").exists():
        shutil.rmtree(ROOT / "_assets")
    for src, dst in COPIES:
        source, target = modules / src, VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            shutil.copy2(source, target)
        else:
            raise FileNotFoundError(source)
    dist = modules / "@jupyter-widgets/html-manager/dist"
    FONTS.mkdir(parents=True, exist_ok=True)
    for font in dist.iterdir():
        if font.suffix in FONT_SUFFIXES:
            shutil.copy2(font, FONTS / font.name)
    READY.write_text(stamp())


def main() -> int:
    if READY.exists() and READY.read_text() == stamp():
        print("fetch_assets: offline assets already in _assets/")
        return 0
    try:
        fetch()
    except (OSError, subprocess.SubprocessError) as err:
        print(
            "fetch_assets: WARNING: could not get MathJax, require.js and the widget manager "
            f"from the npm registry ({err}).\n"
            "fetch_assets: the book will load them from CDNs instead: it will need a network "
            "connection to show math and widgets.",
            file=sys.stderr,
        )
        return 0
    print("fetch_assets: MathJax, require.js and the widget manager copied to _assets/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
