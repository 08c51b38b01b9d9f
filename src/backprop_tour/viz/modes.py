"""Where a figure is going: a live kernel, the static HTML book, or the printed PDF.

The build sets one environment variable (a kernel has no other channel from the build):
``make book`` sets ``BACKPROP_TOUR_STATIC=1``, ``make pdf`` sets ``BACKPROP_TOUR_PRINT=1``;
a reader's kernel sets neither.  Sliders and animations ask :func:`mode` and nothing else.
"""

from __future__ import annotations

import os

LIVE, STATIC, PRINT = "live", "static", "print"


def flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to something other than off."""
    return os.environ.get(name, "") not in ("", "0", "false", "False")


def mode() -> str:
    """``"print"`` (``BACKPROP_TOUR_PRINT``), ``"static"`` (``BACKPROP_TOUR_STATIC``) or
    ``"live"``.  Print wins when both are set: a page on paper cannot hold a widget."""
    if flag("BACKPROP_TOUR_PRINT"):
        return PRINT
    if flag("BACKPROP_TOUR_STATIC"):
        return STATIC
    return LIVE
