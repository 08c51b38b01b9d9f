"""One look for the whole book: the Okabe–Ito palette, which stays distinguishable under
the common forms of colour blindness, and figures as SVG whose ink follows the theme.

Every figure is drawn as SVG (:func:`svg`): vector lines and real text, sharp on any
screen and on paper; only images (heat maps, digits) are embedded pixels, at 200 dpi.
The *ink* (text, axes, ticks, grid, neutral lines) and the *paper* (backgrounds, node
fills) are drawn in two sentinel colours that become CSS variables, ``--bt-ink`` and
``--bt-paper``: the book's stylesheet sets them for the light and the dark theme, and
where they are not set (JupyterLab, an image viewer) they fall back to black on white.
Data colours (the palette, colour maps, images) are the same in both themes, so a
caption that names a colour stays true in both.

The book's text column is about 670 px wide on a desktop; a figure ``FULL_WIDTH``
inches wide is 720 CSS px at its natural size and shrinks to the column.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re

import matplotlib as mpl
from cycler import cycler
from matplotlib.figure import Figure

#: Width, in inches at ``DPI``, of a figure that fills the text column (750 px).
FULL_WIDTH = 7.5
#: Dots per inch of every figure, slider frame and animation frame: 1 dot = 1 CSS pixel.
DPI = 100

#: Sentinel colours, drawn by matplotlib and replaced in the SVG by theme variables.
INK, PAPER, RULE = "#010101", "#fefefe", "#020202"
THEME_COLOURS = {
    INK: "var(--bt-ink, #000000)",  # text, axes, ticks, grid, neutral lines
    PAPER: "var(--bt-paper, #ffffff)",  # figure and axes background, node fills
    RULE: "var(--bt-rule, #cccccc)",  # legend frames
}
#: Dots per inch of the pixels embedded in an SVG (images: heat maps, digits).
IMAGE_DPI = 200
#: Dots per inch of a printed figure (``make pdf``): a PNG, since a book on paper has no
#: theme to follow; a full-width figure is 7.5 in, so about 240 ppi in the 6.9 in column.
PRINT_DPI = 220
#: The printed page shows a PNG as wide as the column (6.9 in) whatever its own width, so a
#: narrower figure gets more dots per inch: at least this many pixels across (>= 200 ppi).
PRINT_MIN_PIXELS = 1600
#: The smallest text a reader should meet, in CSS px: a figure never shrinks below the
#: width at which its smallest text is this size; on a narrow phone it scrolls sideways
#: inside its own frame instead (the page itself never does).
MIN_TEXT_PX = 9
_FONT_SIZE = re.compile(r"font-size: ([\d.]+)px")
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ')

#: Okabe & Ito (2008), "Color Universal Design".  ``ink`` is the theme's text colour
#: (black on the light page, light grey on the dark one): neutral lines and markers.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "ink": INK,
}

#: Diverging colour map for signed arrays (gradients, weights): blue < 0 < orange.
DIVERGING = mpl.colors.LinearSegmentedColormap.from_list(
    "bt_diverging", [PALETTE["blue"], "#FFFFFF", PALETTE["vermillion"]]
)


#: The theme's ink and paper, set by :func:`use_style` (and by any figure drawn under
#: its own rc settings, like the heat maps).
THEME_RC = {
    "figure.facecolor": PAPER,
    "savefig.facecolor": PAPER,
    "axes.facecolor": PAPER,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": INK,
    "legend.edgecolor": RULE,
    "legend.facecolor": PAPER,
    "legend.labelcolor": INK,
    "svg.fonttype": "none",  # real text: selectable, sharp, measurable
    "svg.hashsalt": "backprop-tour",  # the same ids on every build
}


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
                        "ink",
                    )
                ]
            ),
            "figure.figsize": (FULL_WIDTH, 3.6),
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            **THEME_RC,
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
        }
    )


_PROLOGUE = re.compile(r"\A.*?(?=<svg)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_IDS = re.compile(r'(id="|url\(#|href="#)([^")]+)')


def svg(fig, dpi: float = IMAGE_DPI) -> str:
    """The figure as an SVG element (a string) for an HTML page or a Jupyter output.

    Its ink and paper follow the page's theme (see the module's docstring), and its ids
    carry a prefix made from its content, so that many figures inline on one page never
    share an id (a clip path of one figure clipping another) and a rebuild gives the
    same page."""
    buffer = io.StringIO()
    fig.savefig(
        buffer,
        format="svg",
        dpi=dpi,
        bbox_inches="tight",
        facecolor=fig.get_facecolor(),
        metadata={"Date": None, "Creator": None},
    )
    text = _METADATA.sub("", _PROLOGUE.sub("", buffer.getvalue()))
    # matplotlib's own style sheet in the SVG would style the whole page once inline
    text = text.replace('<style type="text/css">*{', '<style type="text/css">svg.bt-svg *{')
    for sentinel, variable in THEME_COLOURS.items():
        text = text.replace(sentinel, variable)
    prefix = "bt" + hashlib.sha1(text.encode()).hexdigest()[:8] + "-"
    text = _IDS.sub(lambda m: m.group(1) + prefix + m.group(2), text)
    return text.replace("<svg ", f'<svg class="bt-svg" style="{_sizing(text)}" ', 1)


def _sizing(text: str) -> str:
    """The SVG's CSS size: it shrinks to its column (the viewBox keeps the proportions)
    and never grows, but not below the width where its smallest text would be smaller
    than ``MIN_TEXT_PX`` (one SVG unit is a point: 4/3 CSS px at the natural size)."""
    sizes = [float(size) for size in _FONT_SIZE.findall(text)]
    found = _VIEWBOX.search(text)
    if not sizes or not found:
        return "max-width:100%;height:auto"
    min_width = float(found.group(1)) * MIN_TEXT_PX / min(sizes)
    return f"max-width:100%;height:auto;min-width:{min_width:.0f}px"


def png_base64(fig, dpi: float = PRINT_DPI) -> str:
    """The figure as a base64 PNG for print (the sentinel ink and paper are black and
    white to one part in 255), at least ``PRINT_MIN_PIXELS`` wide."""
    dpi = max(dpi, PRINT_MIN_PIXELS / fig.get_figwidth())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class BookFigure(Figure):
    """A Figure that pyplot does not track: returned as a cell's value, Jupyter shows it
    exactly once (a pyplot figure would also be flushed by the inline backend, so it
    would appear twice).  It draws itself as SVG (:func:`svg`); the book's build puts
    that SVG inline in the page, where its ink follows the theme.  For print it is a
    PNG at ``PRINT_DPI``."""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from .modes import PRINT, mode  # where the figure is going, read when shown

        if mode() == PRINT:  # paper: pixels at print resolution
            return {"image/png": png_base64(self)}
        return {"image/svg+xml": svg(self)}


def subplots(nrows: int = 1, ncols: int = 1, *, figsize=None, **kwargs):
    """Like ``plt.subplots`` but returns a :class:`BookFigure` at the book's ``DPI``."""
    fig = BookFigure(figsize=figsize or (FULL_WIDTH, 3.6), dpi=kwargs.pop("dpi", DPI))
    gridspec_kw = kwargs.pop("gridspec_kw", None)
    axes = fig.subplots(nrows, ncols, gridspec_kw=gridspec_kw, **kwargs)
    return fig, axes
