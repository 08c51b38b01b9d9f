"""A pytest plugin for nbval that keeps what it ran, so that the book can be built from it.

``make test`` executes every chapter in nbval (twice: this CPU's BLAS kernels and
Prescott's) and used to execute them twice more to build the HTML book and the print page.
With ``-p tools.nbval_save --nbval-save DIR`` every notebook nbval runs is also written to
``DIR/<name>.ipynb`` with the outputs of this run, each code cell numbered in order, and,
when the kernel made widgets, their state (``Widget.get_manager_state``, the state a saved
notebook carries for the static page's widget manager, as nbclient stores it).  A
notebook is written only when every one of its cells ran and passed; a failed run leaves
no notebook behind, and ``make`` stops at nbval anyway.  The build reads the notebooks
from ``DIR`` when ``BACKPROP_TOUR_EXECUTED=DIR`` is set (``_ext/bt_book.py``).

The run's environment decides what the figures are: ``BACKPROP_TOUR_STATIC=1`` (sliders as
widgets with every frame, for the HTML book) or ``BACKPROP_TOUR_PRINT=1`` (the print page).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# run in the chapter's kernel after its last cell: the state of every widget it made
STATE_CODE = """\
import json as _json, ipywidgets as _widgets
with open({path!r}, "w", encoding="utf-8") as _f:
    _json.dump(_widgets.Widget.get_manager_state(drop_defaults=True), _f)
"""
TIMEOUT = 120  # seconds for the kernel to write the widget state


def pytest_addoption(parser):
    parser.addoption(
        "--nbval-save",
        metavar="DIR",
        default=None,
        help="write every notebook nbval runs to DIR, with this run's outputs",
    )


def _is_cell(item) -> bool:
    return hasattr(item, "test_outputs") and hasattr(item, "cell")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when != "call" or not _is_cell(item) or not item.config.getoption("nbval_save"):
        return
    report = outcome.get_result()
    notebook = item.parent
    if not report.passed or item.test_outputs is None:  # nothing is written for it
        why = "was skipped" if report.skipped else "failed"
        notebook._bt_failed = f"cell {item.cell_num} {why}"
        return
    # the reference cell's outputs are no longer needed: nbval compared them in runtest
    item.cell.outputs = [nbformat.from_dict(dict(o)) for o in item.test_outputs]
    item.cell.execution_count = item.cell_num + 1
    for out in item.cell.outputs:
        if out.get("output_type") == "execute_result":
            out["execution_count"] = item.cell.execution_count


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the notebook's last cell, before nbval stops its kernel: write it."""
    target = item.config.getoption("nbval_save")
    if target and _is_cell(item) and (nextitem is None or nextitem.parent is not item.parent):
        _write(item.parent, Path(target))
    yield


def _widget_state(notebook) -> dict:
    """The state of every widget the notebook's kernel made (empty when none)."""
    kernel = notebook.kernel
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        msg_id = kernel.execute_cell_input(STATE_CODE.format(path=path), allow_stdin=False)
        kernel.await_reply(msg_id, timeout=TIMEOUT)
        kernel.await_idle(msg_id, TIMEOUT)  # this request's output, up to the kernel's idle
        text = Path(path).read_text(encoding="utf-8")
        if not text:
            raise RuntimeError(f"{notebook.fspath}: the kernel wrote no widget state")
        return json.loads(text)
    finally:
        Path(path).unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter, config):
    """Name every notebook not written, and why (a book built from the folder needs all)."""
    for name, why in getattr(config, "_bt_not_saved", []):
        terminalreporter.write_line(f"nbval_save: {name} not written: its {why}")


def _write(notebook, target: Path) -> None:
    why = getattr(notebook, "_bt_failed", None)
    if why or notebook.kernel is None:
        name = Path(str(notebook.fspath)).name
        notebook.config._bt_not_saved = [
            *getattr(notebook.config, "_bt_not_saved", []),
            (name, why or "kernel did not start"),
        ]
        return
    nb = notebook.nb
    state = _widget_state(notebook)
    if state.get("state"):
        nb.metadata["widgets"] = {WIDGET_STATE: state}
    nbformat.validate(nb)
    target.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target / Path(str(notebook.fspath)).name)
