"""The book's everyday charts: curves, bars, descent paths, decision maps.

Each function takes arrays the chapter computed with the library and returns a new
Figure drawn at the column's width (``FULL_WIDTH`` inches at ``DPI``); none computes a
gradient, none calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .style import DPI, FULL_WIDTH, PALETTE, subplots


def _pair(height: float = 3.0):
    return subplots(1, 2, figsize=(FULL_WIDTH, height), dpi=DPI)


def bars(names, sizes, *, ylabel: str, title: str) -> Figure:
    """One bar per name, its size written on top (chapter 0: values per layer)."""
    fig, ax = subplots(figsize=(FULL_WIDTH, 3.2), dpi=DPI)
    ax.bar(range(len(sizes)), sizes, color=PALETTE["blue"])
    ax.set_xticks(range(len(sizes)), names, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    top = max(sizes)
    for i, s in enumerate(sizes):
        ax.text(i, s + 0.02 * top, str(s), ha="center", va="bottom", fontsize=10)
    ax.set_ylim(0, 1.15 * top)
    fig.tight_layout()
    return fig


def function_and_slope(x, f, slope, *, xlabel: str, f_label: str, slope_label: str,
                       slope_ylim=None) -> Figure:  # fmt: skip
    """A function (left) and its derivative (right) over ``x``."""
    fig, (ax1, ax2) = _pair()
    ax1.plot(x, f, color=PALETTE["blue"])
    ax1.set_xlabel(xlabel)
    ax1.set_ylabel(f_label)
    ax2.plot(x, slope, color=PALETTE["vermillion"])
    ax2.set_xlabel(xlabel)
    ax2.set_ylabel(slope_label)
    if slope_ylim is not None:
        ax2.set_ylim(*slope_ylim)
    fig.tight_layout()
    return fig


def class_bars(probs, grad, loss: float, labels) -> Figure:
    """Softmax probabilities with the loss (left), the gradient p - y (right)."""
    colors = [PALETTE["green"], PALETTE["orange"], PALETTE["purple"], PALETTE["sky"]]
    colors = (colors * len(labels))[: len(labels)]
    fig, (ax1, ax2) = _pair()
    ax1.bar(labels, probs, color=colors)
    ax1.set_ylim(0, 1)
    ax1.set_title(f"probabilities; loss = {loss:.3f}")
    ax2.bar(labels, grad, color=colors)
    ax2.set_ylim(-1, 1)
    ax2.axhline(0, color=PALETTE["ink"], lw=0.8)
    ax2.set_title("gradient $\\partial \\ell/\\partial z = p - y$")
    for ax in (ax1, ax2):
        ax.tick_params(axis="x", labelsize=9.5)
    fig.tight_layout()
    return fig


def descent(w_grid, cost_grid, path, costs, *, title: str, xlim=None, ylim=(0.5, 2.5)) -> Figure:
    """A descent path on a cost curve (left) and the cost at each step (right)."""
    fig, (ax1, ax2) = _pair()
    ax1.plot(w_grid, cost_grid, color=PALETTE["blue"])
    ax1.plot(path, costs, "o-", color=PALETTE["orange"], ms=4)
    ax1.plot(path[:1], costs[:1], "s", color=PALETTE["ink"], ms=6, label="start")
    if xlim is not None:
        ax1.set_xlim(*xlim)
    ax1.set_ylim(*ylim)
    ax1.set_xlabel("$w_2$")
    ax1.set_ylabel("$J$")
    ax1.set_title(title)
    ax1.legend(loc="upper left")
    ax2.plot(costs, "o-", color=PALETTE["green"], ms=4)
    ax2.axhline(np.min(cost_grid), color=PALETTE["ink"], lw=0.8, ls=":", label="minimum")
    ax2.set_ylim(*ylim)
    ax2.set_xlabel("step")
    ax2.set_ylabel("$J$")
    ax2.set_title("cost per step")
    ax2.legend(loc="upper right")
    fig.tight_layout()
    return fig


def descent_animation(w_grid, cost_grid, path, costs, slopes, *, alt: str, interval=700):
    """Gradient descent step by step: the path so far and the tangent at the last point."""
    from .animation import animate

    fig, ax = subplots(figsize=(FULL_WIDTH, 3.4), dpi=DPI)
    ax.plot(w_grid, cost_grid, color=PALETTE["blue"], label="cost $J(w_2)$")
    (trail,) = ax.plot([], [], "o-", color=PALETTE["orange"], ms=5, label="descent path")
    (tangent,) = ax.plot([], [], "--", color=PALETTE["vermillion"], lw=1.2, label="tangent")
    title = ax.set_title(" ")
    ax.set_xlabel("$w_2$")
    ax.set_ylabel("$J$")
    ax.set_ylim(0.5, 2.5)
    ax.legend(loc="upper right")
    fig.tight_layout()

    def update(i):
        trail.set_data(path[: i + 1], costs[: i + 1])
        span = np.array([path[i] - 1.5, path[i] + 1.5])
        tangent.set_data(span, costs[i] + slopes[i] * (span - path[i]))
        title.set_text(f"step {i}: $w_2$ = {path[i]:+.2f}, slope $dJ/dw_2$ = {slopes[i]:+.3f}")
        return trail, tangent, title

    return animate(fig, update, len(path), interval=interval, alt=alt)


def curve(values, *, xlabel: str, ylabel: str, title: str, logy: bool = False) -> Figure:
    """One series against its index (a training curve)."""
    fig, ax = subplots(figsize=(FULL_WIDTH, 3.0), dpi=DPI)
    ax.plot(values, color=PALETTE["blue"])
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def cost_and_count(costs: dict, counts: dict, *, count_label: str, count_max: int) -> Figure:
    """Runs side by side: each run's cost per step (left, log scale) and a count per step
    (right, from 0 to ``count_max``); ``costs`` and ``counts`` map a run's name to its
    series, in the same order."""
    if list(costs) != list(counts):
        raise ValueError(
            f"expected the same runs in costs and counts, got {list(costs)} and {list(counts)}"
        )
    colours = [PALETTE["blue"], PALETTE["vermillion"], PALETTE["green"], PALETTE["orange"]]
    fig, (ax1, ax2) = _pair(3.0)
    for colour, (name, values) in zip(colours, costs.items(), strict=False):
        ax1.plot(values, color=colour, label=name)
        ax2.plot(counts[name], color=colour, label=name)
    ax1.set_yscale("log")
    ax1.set_xlabel("step")
    ax1.set_ylabel("cost (each run's own)")
    ax1.legend(loc="upper right")
    ax2.set_ylim(-0.5, count_max + 0.5)
    ax2.set_xlabel("step")
    ax2.set_ylabel(count_label)
    ax2.legend(loc="center right")
    fig.tight_layout()
    return fig


def _bare(ax) -> None:
    """An image panel: no ticks, and a thin frame on all four sides (not the L of a plot's
    axes), so that an image whose border is white keeps its edge on a white page."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.6)


def decision_map(grid_x, grid_y, values, points, labels, *, title: str) -> Figure:
    """A network's output over the plane, its 0.5 contour, and the labelled points."""
    fig, ax = subplots(figsize=(FULL_WIDTH * 0.62, FULL_WIDTH * 0.58), dpi=DPI)
    ax.set_facecolor("white")  # the map is data: the same colours in both themes
    ax.contourf(
        grid_x,
        grid_y,
        values,
        levels=np.linspace(0, 1, 11),
        cmap="PuOr",
        alpha=0.6,
        rasterized=True,
    )  # fmt: skip  (pixels: far lighter than 10 bands of paths)
    ax.contour(grid_x, grid_y, values, levels=[0.5], colors=PALETTE["black"])
    inside = labels > 0.5
    ax.scatter(*points[inside].T, s=10, color=PALETTE["vermillion"], label="label 1")
    ax.scatter(*points[~inside].T, s=10, color=PALETTE["blue"], label="label 0")
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def image_row(images, titles, *, signed=(), height: float = 2.7) -> Figure:
    """Images side by side.  Those whose index is in ``signed`` (gradients, weights) use
    the diverging map centred on 0 with a shared symmetric range; the others grey ink."""
    from .style import DIVERGING

    images = [np.asarray(im) for im in images]
    if len(titles) != len(images):
        raise ValueError(f"image_row: expected {len(images)} titles, got {len(titles)}")
    lim = max((np.abs(images[i]).max() for i in signed), default=1.0) or 1.0
    fig, axes = subplots(1, len(images), figsize=(FULL_WIDTH, height), dpi=DPI)
    axes = np.atleast_1d(axes)
    for i, (ax, im, title) in enumerate(zip(axes, images, titles, strict=True)):
        if i in signed:
            ax.imshow(im, cmap=DIVERGING, vmin=-lim, vmax=lim)
        else:
            ax.imshow(im, cmap="gray_r")
        ax.set_title(title, fontsize=10)
        _bare(ax)
        ax.grid(False)
    fig.tight_layout()
    return fig


def digit_prediction(image, label, probs, onehot, grad_row) -> Figure:
    """One digit, its softmax probabilities against the one-hot label, and ``p - y``."""
    fig, (ax0, ax1, ax2) = subplots(
        1, 3, figsize=(FULL_WIDTH, 2.8), dpi=DPI, gridspec_kw={"width_ratios": [1, 2, 2]}
    )
    ax0.imshow(image, cmap="gray_r")
    _bare(ax0)
    ax0.grid(False)
    ax0.set_title(f"label {label}")
    k = np.arange(len(probs))
    ax1.bar(k, probs, color=PALETTE["blue"], label="p")
    ax1.bar(k, onehot, color="none", edgecolor=PALETTE["vermillion"], lw=1.5, label="y")
    ax1.set_xticks(k)
    ax1.set_title("softmax p, one-hot y")
    ax1.legend(loc="upper right")
    colors = [PALETTE["green"] if v < 0 else PALETTE["orange"] for v in grad_row]
    ax2.bar(k, grad_row, color=colors)
    ax2.set_xticks(k)
    ax2.set_ylim(-1, 0.3)
    ax2.set_title("p - y")
    fig.tight_layout()
    return fig


def descent_paths_2d(grid_x, grid_y, values, paths: dict, *, title: str) -> Figure:
    """Contours of a function of two weights and optimiser paths over them."""
    fig, ax = subplots(figsize=(FULL_WIDTH, 3.4), dpi=DPI)
    ax.contour(grid_x, grid_y, values, levels=12, colors=PALETTE["ink"], linewidths=0.5,
               alpha=0.5)  # fmt: skip
    colors = [PALETTE["vermillion"], PALETTE["blue"], PALETTE["green"]]
    for (name, path), color in zip(paths.items(), colors, strict=False):
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1.5, color=color, label=name)
    ax.plot([0], [0], "*", ms=12, color=PALETTE["ink"], label="minimum")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title)
    ax.legend(loc="upper right")
    ax.grid(False)
    fig.tight_layout()
    return fig


def training_curves(batch_loss, train_acc, test_acc) -> Figure:
    """Loss per mini-batch with its running mean (left); accuracy per epoch (right)."""
    batch_loss = np.asarray(batch_loss)
    epochs = len(train_acc)
    per_epoch = len(batch_loss) // epochs
    running = np.convolve(batch_loss, np.ones(per_epoch) / per_epoch, mode="valid")
    steps = np.arange(len(batch_loss))
    fig, (ax1, ax2) = _pair(3.2)
    ax1.plot(steps, batch_loss, color=PALETTE["sky"], lw=0.6, label="batch")
    ax1.plot(steps[per_epoch - 1 :], running, color=PALETTE["blue"], lw=2, label="running mean")
    ax1.set_yscale("log")
    ax1.set_xlabel("mini-batch")
    ax1.set_ylabel("cross-entropy")
    ax1.legend(loc="lower left")
    e = np.arange(1, epochs + 1)
    ax2.plot(e, train_acc, "o-", color=PALETTE["orange"], label="train (during epoch)")
    ax2.plot(e, test_acc, "s-", color=PALETTE["green"], label="test (after epoch)")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.set_ylim(0.8, 1.0)
    ax2.legend(loc="lower right")
    fig.tight_layout()
    return fig


def filters_and_maps(digit, filters, maps, *, title: str, lim: float) -> Figure:
    """A digit, each filter (diverging colours, shared range ``lim``) and its pooled map."""
    from .style import DIVERGING

    n = len(filters)
    fig, axes = subplots(1, 1 + 2 * n, figsize=(FULL_WIDTH, 2.3), dpi=DPI)
    axes[0].imshow(digit, cmap="gray_r")
    axes[0].set_title("test digit", fontsize=10)
    for f in range(n):
        axes[1 + f].imshow(filters[f], cmap=DIVERGING, vmin=-lim, vmax=lim)
        axes[1 + f].set_title(f"filter {f}", fontsize=10)
        axes[1 + n + f].imshow(maps[f], cmap="viridis")
        axes[1 + n + f].set_title(f"pooled map {f}", fontsize=10)
    for ax in axes:
        _bare(ax)
        ax.grid(False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def feature_stages(digit, label, stages: list[tuple[str, np.ndarray]]) -> Figure:
    """One row per filter: the input, then each stage's map for that filter."""
    n_filters = stages[0][1].shape[0]
    fig, axes = subplots(n_filters, 1 + len(stages), figsize=(FULL_WIDTH, 3.8), dpi=DPI)
    for f in range(n_filters):
        axes[f, 0].imshow(digit, cmap="gray_r")
        axes[f, 0].set_title(f"input (label {label})" if f == 0 else "", fontsize=10)
        for k, (name, maps) in enumerate(stages):
            axes[f, k + 1].imshow(maps[f], cmap="viridis")
            h, w = maps[f].shape
            axes[f, k + 1].set_title(f"filter {f}: {name} {h}x{w}", fontsize=9.5)
    for ax in axes.ravel():
        _bare(ax)
        ax.grid(False)
    fig.tight_layout()
    return fig


def confusion(matrix) -> Figure:
    """A confusion matrix (rows: true class, columns: predicted), counts written in."""
    matrix = np.asarray(matrix)
    fig, ax = subplots(figsize=(FULL_WIDTH * 0.66, FULL_WIDTH * 0.6), dpi=DPI)
    ax.imshow(matrix, cmap="Blues")
    for t in range(matrix.shape[0]):
        for p in range(matrix.shape[1]):
            if matrix[t, p]:
                dark = matrix[t, p] > matrix.max() / 2
                ax.text(p, t, matrix[t, p], ha="center", va="center", fontsize=9,
                        color="white" if dark else "black")  # fmt: skip
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.grid(False)
    fig.tight_layout()
    return fig


def mistake(image, true: int, predicted: int, probs) -> Figure:
    """A misclassified digit and the network's probabilities (true class green,
    predicted class vermillion)."""
    fig, (ax0, ax1) = subplots(
        1, 2, figsize=(FULL_WIDTH, 2.8), dpi=DPI, gridspec_kw={"width_ratios": [1, 2]}
    )
    ax0.imshow(image, cmap="gray_r")
    _bare(ax0)
    ax0.grid(False)
    ax0.set_title(f"true {true}, predicted {predicted}")
    colors = [
        PALETTE["green"] if k == true else PALETTE["vermillion"] if k == predicted
        else PALETTE["sky"]
        for k in range(len(probs))
    ]  # fmt: skip
    ax1.bar(range(len(probs)), probs, color=colors)
    ax1.set_xticks(range(len(probs)))
    ax1.set_ylim(0, 1)
    ax1.set_title("softmax probabilities")
    fig.tight_layout()
    return fig
