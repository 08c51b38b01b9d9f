"""Execute chapters top to bottom and store only the outputs nbval compares.

    python tools/refresh_outputs.py book/*.ipynb      # or: make outputs

A cell tagged `nbval-check-output` keeps its outputs (nbval, in lax mode,
compares exactly those).  Every other output -- figures, widgets, animations -- is
dropped, as are their execution counts and the widget state, so the repository stays light; the
book build executes the notebooks afresh anyway.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK = "nbval-check-output"  # a cell tag, read by nbval


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Outputs and execution counts off every cell but the checked ones.

    Not nbstripout (0.9.1, measured): it keeps a cell's output only for its own marker,
    ``keep_output`` in the cell's tags or metadata, so every checked cell would carry two
    markers that could drift apart; and it keeps or drops execution counts for all cells at
    once, where nbval needs them on the checked cells and nothing else should store them."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if CHECK not in cell.metadata.get("tags", []):
            cell.outputs = []
            cell.execution_count = None
        # checked cells keep their execution count: nbval treats a cell without one as
        # never run and refuses to compare it
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("BACKPROP_TOUR_SELFTEST", "1")
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    nbformat.write(strip(nb), path)
    print(f"refreshed {path}")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        refresh(Path(arg))
