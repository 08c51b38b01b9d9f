"""Plots, sliders and animations for the book.  They consume arrays and return figures,
widgets or HTML; they never compute a gradient and never call ``plt.show()``.

* :func:`use_style` — one colour-blind-safe palette (Okabe–Ito) and figure defaults;
* :func:`slider` — a slider that redraws a figure, live in Jupyter *and* in the static
  HTML book (frames rendered at build time);
* :func:`animate` — a matplotlib animation as a self-contained JavaScript player.
"""

from .animation import animate
from .heatmaps import gradient_diff as gradient_diff  # re-exported
from .sliders import slider
from .style import PALETTE, use_style

__all__ = ["PALETTE", "use_style", "slider", "animate"]
