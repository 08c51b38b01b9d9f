"""Fail if a committed chapter breaks the notebook conventions.

* Test markers are cell tags (`nbval-check-output`, `nbval-ignore-output`, `nbval-skip`),
  never `# NBVAL_...` comments in the source: a comment would be shown to readers.
* Stored outputs are kept only on `nbval-check-output` cells (see refresh_outputs.py);
  anything else is build output and would bloat the repository.
* No widget state in the notebook metadata.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

CHECK = "nbval-check-output"
TAGS = {"nbval-check-output", "nbval-ignore-output", "nbval-skip"}
COMMENT_MARKER = re.compile(r"^\s*#\s*(NBVAL_|PYTEST_VALIDATE_)", re.MULTILINE)


def is_checked(cell) -> bool:
    return CHECK in cell.metadata.get("tags", [])


def problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    found = []
    if "widgets" in nb.metadata:
        found.append("notebook metadata holds widget state")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if COMMENT_MARKER.search(cell.source):
            found.append(f"cell {i} has an nbval comment marker: use a cell tag ({CHECK}, ...)")
        nbval_tags = [t for t in cell.metadata.get("tags", []) if t.startswith("nbval")]
        unknown = sorted(set(nbval_tags) - TAGS)
        if unknown:
            found.append(
                f"cell {i} has unknown nbval tags {unknown}; expected one of {sorted(TAGS)}"
            )
        if len(nbval_tags) > 1:
            found.append(f"cell {i} has more than one nbval tag: {nbval_tags}")
        if cell.outputs and not is_checked(cell):
            found.append(f"cell {i} has stored outputs but is not tagged {CHECK}")
    return found


def main(paths: list[str]) -> int:
    if not paths:
        print("check_notebooks: no notebooks given", file=sys.stderr)
        return 1
    bad = {p: problems(Path(p)) for p in paths}
    for path, items in bad.items():
        for item in items:
            print(f"{path}: {item}  (see README: notes for chapter authors)", file=sys.stderr)
    n_checked = sum(is_checked(c) for p in paths for c in nbformat.read(p, as_version=4).cells)
    print(f"check_notebooks: {len(paths)} notebooks, {n_checked} checked cells")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
