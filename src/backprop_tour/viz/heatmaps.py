"""Heat maps of a gradient against its reference: where a backward pass goes wrong.

:func:`gradient_diff` draws a backward pass's gradient, the central-difference one, and
their difference (backward - central differences) on a diverging scale centred at 0, and
outlines the cell where they differ most.  It consumes the two arrays it is given; it
computes no gradient (``backprop_tour.gradcheck`` does that).
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ..gradcheck import TOLERANCE, bound, rel_error, worst_index
from .style import DIVERGING, DPI, FULL_WIDTH, PALETTE, THEME_RC, BookFigure

#: Drawn at the size shown: 7.5 in at 100 dpi fills the 750 px text column.
FIGSIZE = (FULL_WIDTH, 3.0)
FONT = 11  # points at 100 dpi: about 15 px on screen

_NOT_FINITE = "#8C8C8C"  # grey: NaN or inf, outside the colour scale
_RC = {
    **THEME_RC,
    "font.size": FONT,
    "axes.titlesize": FONT,
    "axes.labelsize": FONT,
    "xtick.labelsize": FONT,
    "ytick.labelsize": FONT,
    "axes.grid": False,
    "axes.spines.top": True,
    "axes.spines.right": True,
}


_Figure = BookFigure  # shown once, as SVG, never registered with pyplot


def _as_grid(a, what: str) -> np.ndarray:
    """A float64 array drawn as rows x columns: 0-d -> (1, 1), 1-d (n,) -> (1, n)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim > 2:
        raise ValueError(
            f"gradient_diff: {what} has shape {a.shape}; a heat map needs 1-D or 2-D arrays "
            "(pass a 2-D slice, e.g. dW[0, 0] of a convolution's (F, C, KH, KW) gradient)"
        )
    if a.size == 0:
        raise ValueError(f"gradient_diff: {what} is empty (shape {a.shape})")
    return a.reshape(1, -1) if a.ndim < 2 else a


def worst_cell(analytic, numeric) -> tuple[int, ...] | None:
    """Index (in the arrays' own shape) of the largest finite ``|analytic - numeric|``;
    ``None`` if no difference is finite (``gradcheck.worst_index`` skipping NaN and inf)."""
    return worst_index(analytic, numeric, finite_only=True)


def _limit(*arrays: np.ndarray) -> float:
    """Half-width of a colour scale centred at 0 that holds every finite value."""
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays])
    lim = float(np.max(np.abs(finite))) if finite.size else 0.0
    return lim if lim > 0 else 1.0


def _label_not_finite(ax, grid: np.ndarray) -> None:
    for i, j in np.argwhere(~np.isfinite(grid)):
        text = "NaN" if np.isnan(grid[i, j]) else ("+inf" if grid[i, j] > 0 else "-inf")
        ax.text(j, i, text, ha="center", va="center", fontsize=FONT - 2, color="white")


def _heat(ax, grid: np.ndarray, lim: float, title: str, gid: str):
    cmap = DIVERGING.with_extremes(bad=_NOT_FINITE)
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        cmap=cmap,
        vmin=-lim,
        vmax=lim,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_gid(gid)
    ax.set_title(title)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    if grid.shape[0] == 1:
        ax.set_yticks([])
    _label_not_finite(ax, grid)
    return image


def gradient_diff(
    analytic,
    numeric,
    *,
    title: str | None = None,
    labels: tuple[str, str] = ("backward", "central differences"),
    xlabel: str | None = None,
    ylabel: str | None = None,
    show_inputs: bool = True,
) -> Figure:
    """Heat maps of ``analytic``, ``numeric`` and ``analytic - numeric``; returns a Figure.

    Shapes: ``analytic`` and ``numeric`` the same, 0-, 1- or 2-D (a 1-D array is drawn
    as one row; rows are the first index).  The first two panels share one diverging
    colour scale; the difference has its own, centred at 0, and its worst cell (the
    largest finite ``|analytic - numeric|``, :func:`worst_cell`) is outlined and named.
    NaN and inf are drawn grey and labelled.  When the two agree (``rel_error < 1e-7``
    over the cells where both are finite) the difference is drawn on the gradient's own
    scale, so rounding noise stays white, and no cell is outlined.  ``show_inputs=False`` draws the difference alone.
    ``xlabel`` names the input panels' columns (the difference panel's x label carries
    the verdict or the worst cell), ``ylabel`` the rows.

    The figure is 7.5 x 3 inches at 100 dpi (the column's width), text at 11 pt, with a
    transparent background; it is not shown (no ``plt.show()``).
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(
            f"gradient_diff: analytic has shape {a.shape} but numeric has shape {n.shape}; "
            "pass two versions of the same gradient"
        )
    a2, n2 = _as_grid(a, "analytic"), _as_grid(n, "numeric")
    with np.errstate(invalid="ignore", over="ignore"):
        diff = a2 - n2
    both = np.isfinite(a2) & np.isfinite(n2)
    bad = int(both.size - np.count_nonzero(both))  # cells where either is NaN or inf
    agree = both.any() and rel_error(a2[both], n2[both]) < TOLERANCE
    worst = worst_cell(a2, n2)  # (row, column) in the drawn grid
    named = None if worst is None else worst[2 - a.ndim :]  # in the arrays' own shape

    with mpl.rc_context(_RC):
        fig = _Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        fig.patch.set_alpha(0)  # transparent: the page's own background shows through
        axes = fig.subplots(1, 3 if show_inputs else 1, squeeze=False)[0]
        if show_inputs:
            lim = _limit(a2, n2)
            _heat(axes[0], a2, lim, labels[0], "analytic")
            image = _heat(axes[1], n2, lim, labels[1], "numeric")
            fig.colorbar(image, ax=list(axes[:2]), shrink=0.9, aspect=25)
            axes[1].set_yticklabels([])
        diff_lim = _limit(a2, n2) if agree else _limit(diff)  # agreeing: noise stays white
        ax = axes[-1]
        image = _heat(ax, diff, diff_lim, "difference", "diff")
        fig.colorbar(image, ax=ax, shrink=0.9, aspect=25)
        not_finite = f"{bad} not finite; " if bad else ""
        if agree:
            rest = "the rest agree" if bad else f"they agree: rel_error < {bound(TOLERANCE)}"
            ax.set_xlabel(not_finite + rest)
        elif worst is not None:
            i, j = worst
            ax.add_patch(
                Rectangle(
                    (j - 0.5, i - 0.5),
                    1,
                    1,
                    fill=False,
                    lw=2.5,
                    edgecolor=PALETTE["black"],
                    gid="worst-cell",
                )
            )
            where = f"worst at {named}: {diff[i, j]:+.3g}"
            ax.set_xlabel(not_finite + where, gid="worst-label")
        else:
            ax.set_xlabel("no finite difference")
        if xlabel and show_inputs:  # the difference panel's x label carries the verdict
            for a_ in axes[:2]:
                a_.set_xlabel(xlabel)
        if ylabel:
            axes[0].set_ylabel(ylabel)
        if title:
            fig.suptitle(title, fontsize=FONT + 1)
    return fig
