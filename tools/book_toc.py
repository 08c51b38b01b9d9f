"""The book's list of pages: `_toc.yml`, the only place a chapter is listed, read here for
every test and tool that needs the list (adding a chapter is one line in `_toc.yml`).

    from book_toc import pages, names, notebooks   # tools/ is on sys.path in the tests
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = ROOT / "_toc.yml"


def pages(toc: Path = TOC) -> list[str]:
    """Every page in reading order, as `_toc.yml` names it: ``book/00_introduction``, ..."""
    data = yaml.safe_load(toc.read_text())
    return [data["root"]] + [entry["file"] for entry in data.get("chapters", [])]


def names(toc: Path = TOC) -> list[str]:
    """The pages' file names without folder or suffix: ``00_introduction``, ..."""
    return [Path(page).name for page in pages(toc)]


def notebooks(toc: Path = TOC) -> list[Path]:
    """The pages that are notebooks (not MyST markdown), as paths, in reading order."""
    found = [toc.parent / f"{page}.ipynb" for page in pages(toc)]
    return [path for path in found if path.exists()]
