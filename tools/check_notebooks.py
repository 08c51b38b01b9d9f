"""Fail if a committed chapter carries outputs nbval does not compare, or widget state.

Stored outputs are kept only on `# NBVAL_CHECK_OUTPUT` cells (see refresh_outputs.py);
anything else is build output and would bloat the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

CHECK = "# NBVAL_CHECK_OUTPUT"


def problems(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    found = []
    if "widgets" in nb.metadata:
        found.append("notebook metadata holds widget state")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.outputs and CHECK not in cell.source:
            found.append(f"cell {i} has stored outputs but is not a {CHECK} cell")
    return found


def main(paths: list[str]) -> int:
    if not paths:
        print("check_notebooks: no notebooks given", file=sys.stderr)
        return 1
    bad = {p: problems(Path(p)) for p in paths}
    for path, items in bad.items():
        for item in items:
            print(f"{path}: {item}  (run `make outputs`)", file=sys.stderr)
    n_checked = sum(CHECK in c.source for p in paths for c in nbformat.read(p, as_version=4).cells)
    print(f"check_notebooks: {len(paths)} notebooks, {n_checked} checked cells")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
