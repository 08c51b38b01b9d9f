"""One look for the whole book: the Okabe–Ito palette, which stays distinguishable under
the common forms of colour blindness, and figures drawn at the size they are shown.

The book's text column is about 750 px wide on a desktop.  Figures are drawn at 100 dpi,
so a figure ``FULL_WIDTH`` inches wide fills the column pixel for pixel, and 11-point
text is about 15 px on the screen (never below 11 px: the smallest font here is 9 pt,
12.5 px).  On a dark theme the book's stylesheet inverts the figures' lightness, so they
are drawn for a white page only.
"""

from __future__ import annotations

import io

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure

#: Width, in inches at ``DPI``, of a figure that fills the text column (750 px).
FULL_WIDTH = 7.5
#: Dots per inch of every figure, slider frame and animation frame: 1 dot = 1 CSS pixel.
DPI = 100

#: Okabe & Ito (2008), "Color Universal Design".
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

#: Diverging colour map for signed arrays (gradients, weights): blue < 0 < orange.
DIVERGING = mpl.colors.LinearSegmentedColormap.from_list(
    "bt_diverging", [PALETTE["blue"], "#FFFFFF", PALETTE["vermillion"]]
)


def use_style() -> None:
    """Set the book's matplotlib defaults (call once at the top of a chapter)."""
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(
                color=[
                    PALETTE[k]
                    for k in (
                        "blue",
                        "orange",
                        "green",
                        "vermillion",
                        "purple",
                        "sky",
                        "yellow",
                        "black",
                    )
                ]
            ),
            "figure.figsize": (FULL_WIDTH, 3.6),
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "figure.titlesize": 12,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "image.cmap": "viridis",
            "animation.embed_limit": 4.0,  # MB; animate() raises before this is reached
        }
    )


class BookFigure(Figure):
    """A Figure that pyplot does not track: returned as a cell's value, Jupyter shows it
    exactly once (a pyplot figure would also be flushed by the inline backend, so it
    would appear twice).  It draws itself as a PNG at its own dpi."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.dpi, bbox_inches="tight")
        return buffer.getvalue()


def subplots(nrows: int = 1, ncols: int = 1, *, figsize=None, **kwargs):
    """Like ``plt.subplots`` but returns a :class:`BookFigure` at the book's ``DPI``."""
    fig = BookFigure(figsize=figsize or (FULL_WIDTH, 3.6), dpi=kwargs.pop("dpi", DPI))
    gridspec_kw = kwargs.pop("gridspec_kw", None)
    axes = fig.subplots(nrows, ncols, gridspec_kw=gridspec_kw, **kwargs)
    return fig, axes
