"""Small matrices drawn as grids of numbers, and windows sliding over them (chapter 5).

A *panel* is one matrix with a title and optional outlined boxes; a *frame* is a row of
panels.  :func:`grid_frames` draws one frame as a figure and :func:`grid_animation` a
list of frames as a step-through player.  The functions only draw what they are given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .animation import animate
from .style import DIVERGING, DPI, FULL_WIDTH, PALETTE, subplots


@dataclass
class Panel:
    """A matrix to draw: ``boxes`` are ``(row, col, height, width)`` outlines, the first in
    orange and the rest in vermillion; ``blank`` entries (a boolean mask) stay empty."""

    values: np.ndarray
    title: str
    boxes: list = field(default_factory=list)
    blank: np.ndarray | None = None
    fmt: str = "{:g}"


def draw_grid(ax, panel: Panel) -> None:
    """One panel on ``ax``: tinted cells (blue < 0 < orange), each value written in it."""
    a = np.asarray(panel.values, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"draw_grid: expected a 2-D matrix, got shape {a.shape}")
    h, w = a.shape
    lim = max(1.0, float(np.abs(a).max()))
    ax.clear()
    ax.imshow(a, cmap=DIVERGING, vmin=-lim, vmax=lim, alpha=0.35)
    for i in range(h):
        for j in range(w):
            if panel.blank is not None and panel.blank[i, j]:
                continue
            ax.text(j, i, panel.fmt.format(a[i, j]), ha="center", va="center", fontsize=11)
    for k, (r, c, bh, bw) in enumerate(panel.boxes):
        color = PALETTE["orange"] if k == 0 else PALETTE["vermillion"]
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), bw, bh, fill=False, lw=3, ec=color))
    ax.set_title(panel.title, fontsize=11)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlim(-0.6, w - 0.4)
    ax.set_ylim(h - 0.4, -0.6)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _figure(n: int, height: float):
    fig, axes = subplots(1, n, figsize=(FULL_WIDTH, height), dpi=DPI)
    return fig, np.atleast_1d(axes)


def grid_frames(panels: list[Panel], *, height: float = 2.9) -> Figure:
    """One row of panels as a figure."""
    fig, axes = _figure(len(panels), height)
    for ax, panel in zip(axes, panels, strict=True):
        draw_grid(ax, panel)
    fig.tight_layout()
    return fig


def grid_animation(frames: list[list[Panel]], *, alt: str, interval: int = 1000,
                   height: float = 2.9):  # fmt: skip
    """Frames of panels (the same number in each) as a step-through player."""
    n = len(frames[0])
    if any(len(f) != n for f in frames):
        raise ValueError("grid_animation: every frame needs the same number of panels")
    fig, axes = _figure(n, height)

    def update(k):
        for ax, panel in zip(axes, frames[k], strict=True):
            draw_grid(ax, panel)
        return []

    update(0)
    fig.tight_layout()
    return animate(fig, update, len(frames), interval=interval, alt=alt)


def windows_over(shape: tuple[int, int], windows, *, title: str, pixel=None,
                 padding: int = 0) -> Figure:  # fmt: skip
    """Outline ``windows`` ``(row, col, height, width)`` on a grid of ``shape`` (in padded
    coordinates); shade the real input when ``padding`` > 0 and mark ``pixel``."""
    h, w = shape
    fig, ax = subplots(figsize=(FULL_WIDTH * 0.66, FULL_WIDTH * 0.66), dpi=DPI)
    base = np.zeros(shape)
    base[padding : h - padding, padding : w - padding] = 1
    ax.imshow(base, cmap="Greys", vmin=0, vmax=4)
    colors = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky")]
    for k, (r, c, bh, bw) in enumerate(windows):
        inset = 0.05 + 0.05 * (k % 3)  # overlapping outlines stay visible
        ax.add_patch(
            Rectangle(
                (c - 0.5 + inset, r - 0.5 + inset),
                bw - 2 * inset,
                bh - 2 * inset,
                fill=False,
                lw=2.2,
                ec=colors[k % len(colors)],
            )  # fmt: skip
        )
    if pixel is not None:
        ax.add_patch(Rectangle((pixel[1] - 0.5, pixel[0] - 0.5), 1, 1,
                               color=PALETTE["black"], alpha=0.75))  # fmt: skip
    ax.set_xlim(-0.6, w - 0.4)
    ax.set_ylim(h - 0.4, -0.6)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=11)
    ax.set_xticks(range(w))
    ax.set_yticks(range(h))
    ax.tick_params(labelsize=9)
    ax.grid(False)
    fig.tight_layout()
    return fig


def _filled(values: np.ndarray, order, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``values`` with only the first ``k + 1`` positions of ``order`` shown."""
    blank = np.ones(values.shape, dtype=bool)
    for pos in order[: k + 1]:
        blank[pos] = False
    return np.where(blank, 0.0, values), blank


def sliding_frames(scanned, window, result, *, names: tuple[str, str, str],
                   label: str) -> list[list[Panel]]:  # fmt: skip
    """A window (``window``, drawn whole) sliding over ``scanned``: at position ``(i, j)``
    the scanned block under it gives ``result[i, j]``; ``result`` fills in as it goes.
    ``label`` names one entry of the result, e.g. ``"Y[{i},{j}]"``."""
    scanned, window, result = (np.asarray(a, dtype=float) for a in (scanned, window, result))
    kh, kw = window.shape
    order = [(i, j) for i in range(result.shape[0]) for j in range(result.shape[1])]
    frames = []
    for k, (i, j) in enumerate(order):
        shown, blank = _filled(result, order, k)
        title = f"{label.format(i=i, j=j)} = {result[i, j]:g}"
        frames.append([
            Panel(scanned, names[0], [(i, j, kh, kw)]),
            Panel(window, names[1], [(0, 0, kh, kw)]),
            Panel(shown, f"{names[2]}: {title}", [(i, j, 1, 1)], blank),
        ])  # fmt: skip
    return frames


def pool_frames(a, dpooled, da, size: int) -> list[list[Panel]]:
    """Max-pool backward, one window at a time: each window of ``a`` and where the
    library's input gradient ``da`` put that window's gradient ``dpooled[i, j]``."""
    a, dpooled, da = (np.asarray(x, dtype=float) for x in (a, dpooled, da))
    order = [(i, j) for i in range(dpooled.shape[0]) for j in range(dpooled.shape[1])]
    frames = []
    for k, (i, j) in enumerate(order):
        block = da[size * i : size * (i + 1), size * j : size * (j + 1)]
        r, c = np.unravel_index(int(np.argmax(np.abs(block))), block.shape)
        r, c = size * i + r, size * j + c
        routed = np.zeros_like(da)
        for ii, jj in order[: k + 1]:
            sl = (slice(size * ii, size * (ii + 1)), slice(size * jj, size * (jj + 1)))
            routed[sl] = da[sl]
        frames.append([
            Panel(a, "input A (window, its max)",
                  [(size * i, size * j, size, size), (r, c, 1, 1)]),
            Panel(dpooled, "gradient at the output", [(i, j, 1, 1)], fmt="{:.1f}"),
            Panel(routed, f"dJ/dA: {dpooled[i, j]:.1f} to ({r},{c})", [(r, c, 1, 1)],
                  fmt="{:.1f}"),
        ])  # fmt: skip
    return frames
