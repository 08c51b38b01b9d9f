"""One look for the whole book: the Okabe–Ito palette, which stays distinguishable under
the common forms of colour blindness, and small, light figures."""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

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
            "figure.figsize": (6.0, 3.5),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "image.cmap": "viridis",
            "animation.embed_limit": 4.0,  # MB; animate() raises before this is reached
        }
    )
