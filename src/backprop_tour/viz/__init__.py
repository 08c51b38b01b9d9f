"""Plots, sliders and animations for the book.  They consume arrays and return figures,
widgets or HTML; they never compute a gradient and never call ``plt.show()``.

* :func:`use_style` — one colour-blind-safe palette (Okabe–Ito) and figure defaults;
* :func:`slider` — a slider that redraws a figure, live in Jupyter *and* in the static
  HTML book (frames rendered at build time);
* :func:`animate` — a matplotlib animation as a self-contained JavaScript player;
* :func:`mode` — where figures are going: ``"live"``, ``"static"`` (the HTML book) or ``"print"``;
* :mod:`charts` — curves, bars, descent paths, decision maps;
* :mod:`graph` — computational graphs, values forward and gradients backward;
* :mod:`grids` — small matrices as grids of numbers, windows sliding over them;
* :mod:`recorded` — the graph an autodiff engine recorded, and its backward pass;
* :func:`gradient_diff` — where a backward pass and central differences disagree.
"""

from . import charts, graph, grids, recorded
from .animation import animate
from .heatmaps import gradient_diff as gradient_diff  # re-exported
from .modes import mode
from .sliders import slider
from .style import DPI, FULL_WIDTH, PALETTE, use_style

__all__ = [
    "DPI",
    "FULL_WIDTH",
    "PALETTE",
    "use_style",
    "slider",
    "animate",
    "mode",
    "charts",
    "graph",
    "grids",
    "recorded",
    "gradient_diff",
]
