"""Computational graphs: values forward on top of each edge, gradients backward below.

The drawing functions consume labels and numbers; they compute nothing.
:func:`chain_frames` turns a :class:`~backprop_tour.trace.Trace` of a chain of scalars
(the library's own forward and backward pass) into the frames of a step-by-step backward
pass: at each node, in reverse topological order, upstream gradient x local gradient =
downstream gradient, every number as the library computed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

from .animation import animate
from .style import DPI, FULL_WIDTH, PALETTE, PAPER, subplots


@dataclass
class Node:
    """A node at ``xy`` (data units): ``"op"`` (a circle: an operation), ``"value"``
    (plain text: an input, a parameter or the cost) or ``"layer"`` (a box)."""

    name: str
    xy: tuple[float, float]
    text: str
    kind: str = "op"


@dataclass
class Edge:
    """An arrow ``src -> dst``: ``value`` is written above it, ``grad`` below it."""

    src: str
    dst: str
    value: str = ""
    grad: str = ""


@dataclass
class Frame:
    """What one picture shows: edge labels, nodes to emphasise, a line of explanation."""

    edges: list[Edge]
    highlight: list[str] = field(default_factory=list)
    note: str = ""


STEP = 2.5  # horizontal distance between the nodes of a chain


def _box_half_width(text: str) -> float:
    return 0.15 + 0.085 * len(text)


def _fmt(v: float) -> str:
    return f"{v:.4g}".replace("-", "\u2212")


def draw_graph(ax, nodes: list[Node], edges: list[Edge], *, highlight=(), note: str = ""):
    """Draw ``nodes`` and ``edges`` on ``ax`` (cleared first)."""
    ax.clear()
    ax.set_axis_off()
    by_name = {n.name: n for n in nodes}
    missing = ({e.src for e in edges} | {e.dst for e in edges}) - set(by_name)
    if missing:
        raise ValueError(f"draw_graph: edges name nodes that do not exist: {sorted(missing)}")
    ys = [n.xy[1] for n in nodes]
    half = [_box_half_width(n.text) if n.kind == "layer" else 0.35 for n in nodes]
    left = min(n.xy[0] - h for n, h in zip(nodes, half, strict=True))
    right = max(n.xy[0] + h for n, h in zip(nodes, half, strict=True))
    ax.set_xlim(left - 0.25, right + 0.25)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.4)
    ax.set_aspect("equal")
    radius = 0.28

    def half_extent(node: Node, ux: float, uy: float) -> float:
        """How far from a node's centre an arrow along (ux, uy) should stop."""
        if node.kind == "op":
            return radius + 0.04
        if node.kind == "layer":
            hw, hh = _box_half_width(node.text) + 0.05, 0.27
            return min(hw / max(abs(ux), 1e-9), hh / max(abs(uy), 1e-9))
        return 0.1 + 0.07 * len(node.text) * abs(ux) + 0.15 * abs(uy)

    for e in edges:
        (x0, y0), (x1, y1) = by_name[e.src].xy, by_name[e.dst].xy
        length = max(np.hypot(x1 - x0, y1 - y0), 1e-9)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        a = half_extent(by_name[e.src], ux, uy)
        b = half_extent(by_name[e.dst], ux, uy)
        ax.annotate(
            "",
            xy=(x1 - b * ux, y1 - b * uy),
            xytext=(x0 + a * ux, y0 + a * uy),
            arrowprops={
                "arrowstyle": "-|>",
                "color": PALETTE["ink"],
                "lw": 1.2,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
        # labels sit at the middle of the visible arrow, not between the centres
        mx = (x0 + a * ux + x1 - b * ux) / 2
        my = (y0 + a * uy + y1 - b * uy) / 2
        if abs(x1 - x0) < 1e-9:  # fed from above: value to the right, gradient to the left
            value_at, grad_at = (mx + 0.1, my, "left", "center"), (mx - 0.1, my, "right", "center")
        else:  # value above the arrow, gradient below
            value_at, grad_at = (
                (mx, my + 0.12, "center", "bottom"),
                (mx, my - 0.12, "center", "top"),
            )
        for text, (tx, ty, ha, va), style in (
            (e.value, value_at, {}),
            (e.grad, grad_at, {"color": PALETTE["vermillion"], "fontweight": "bold"}),
        ):
            if text:
                ax.text(tx, ty, text, ha=ha, va=va, fontsize=9.5, **style)
    for n in nodes:
        on = n.name in highlight
        edge = PALETTE["orange"] if on else PALETTE["ink"]
        lw = 3 if on else 1.2
        x, y = n.xy
        if n.kind == "op":
            ax.add_patch(Circle((x, y), radius, facecolor=PAPER, edgecolor=edge, lw=lw))
            ax.text(x, y, n.text, ha="center", va="center", fontsize=13 if len(n.text) < 2 else 9)
        elif n.kind == "layer":
            hw = _box_half_width(n.text)
            ax.add_patch(
                FancyBboxPatch(
                    (x - hw, y - 0.22),
                    2 * hw,
                    0.44,
                    boxstyle="round,pad=0.03",
                    facecolor=PAPER,
                    edgecolor=edge,
                    lw=lw,
                )
            )
            ax.text(x, y, n.text, ha="center", va="center", fontsize=10)
        else:
            ax.text(
                x,
                y,
                n.text,
                ha="center",
                va="center",
                fontsize=12,
                fontweight="bold" if on else "normal",
            )
    if note:
        ax.text(
            sum(ax.get_xlim()) / 2,
            min(ys) - 0.8,
            note,
            ha="center",
            va="bottom",
            fontsize=11,
            wrap=True,
        )
    return ax


def graph_figure(nodes, edges, *, highlight=(), note: str = "", height: float = 2.3) -> Figure:
    """A figure of the full column width holding one graph."""
    fig, ax = subplots(figsize=(FULL_WIDTH, height), dpi=DPI)
    draw_graph(ax, nodes, edges, highlight=highlight, note=note)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)
    return fig


def graph_animation(
    nodes, frames: list[Frame], *, alt: str, interval: int = 1800, height: float = 2.3
):
    """The frames as a step-through player (pause it, or step with its arrows)."""
    fig, ax = subplots(figsize=(FULL_WIDTH, height), dpi=DPI)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.99, bottom=0.01)

    def update(i):
        f = frames[i]
        draw_graph(ax, nodes, f.edges, highlight=f.highlight, note=f.note)
        return []

    return animate(fig, update, len(frames), interval=interval, alt=alt)


def chain_frames(
    tr, *, values: list[str], ops: list[str], params: dict[int, str], loss: str, target: str
) -> tuple[list[Node], list[Frame]]:
    """Nodes and frames of a chain of scalar layers from a :class:`Trace`.

    ``values[i]`` names the edge into layer ``i`` (``values[0]`` is the input) and the last
    one names the model's output; ``ops[i]`` is layer ``i``'s symbol; ``params`` maps a
    layer index to its parameter's name (its key in ``layer.params`` must be ``"W"``).
    Frame 0 is the forward pass; then one frame per node, from the loss back to the first
    layer, each showing upstream x local = downstream with the library's numbers.
    """
    n = len(tr.layers)
    if len(values) != n + 1 or len(ops) != n or not tr.locals_:
        raise ValueError(
            f"chain_frames: expected a trace of a scalar chain with {len(ops)} layers and "
            f"{len(ops) + 1} value names, got {n} layers, {len(values)} names"
            + ("" if tr.locals_ else " (the trace has no local gradients: not all scalars)")
        )
    nodes = [Node("in", (0, 0), values[0], "value")]
    for i in range(n):
        nodes.append(Node(f"op{i}", (STEP * (i + 1), 0), ops[i]))
        if i in params:
            w = tr.layers[i].params["W"].ravel()[0]
            nodes.append(Node(f"p{i}", (STEP * (i + 1), 1.3), f"{params[i]} = {_fmt(w)}", "value"))
    x_loss = STEP * (n + 1)
    # the loss is a named function (BCE, MSE): a box that fits its name, not an op circle
    nodes += [
        Node("loss", (x_loss, 0), loss, "layer"),
        Node("target", (x_loss, 1.3), target, "value"),
    ]
    nodes.append(Node("J", (x_loss + STEP, 0), "J", "value"))

    def v(i):
        return float(tr.values[i].ravel()[0])

    def g(i):
        return float(tr.grads[i].ravel()[0])

    def edges(upto: int | None) -> list[Edge]:
        """Edge labels with gradients filled in for boundaries >= ``upto`` (None: none)."""
        shown = lambda i: upto is not None and i >= upto  # noqa: E731
        out = []
        srcs = ["in"] + [f"op{i}" for i in range(n)]
        dsts = [f"op{i}" for i in range(n)] + ["loss"]
        for i in range(n + 1):
            out.append(
                Edge(
                    srcs[i], dsts[i], f"{values[i]} = {_fmt(v(i))}", _fmt(g(i)) if shown(i) else ""
                )
            )
        for i in params:
            pg = tr.param_grads[i]["W"].ravel()[0]
            out.append(Edge(f"p{i}", f"op{i}", "", _fmt(pg) if shown(i) else ""))
        out.append(Edge("target", "loss", ""))
        out.append(Edge("loss", "J", f"J = {_fmt(tr.cost)}", "1" if upto is not None else ""))
        return out

    frames = [Frame(edges(None), [], "forward pass: each edge carries a value")]
    frames.append(Frame(edges(n + 1), ["J"], "backward pass starts at the cost: dJ/dJ = 1"))
    up = g(n)
    frames.append(
        Frame(edges(n), ["loss"], f"{loss}: upstream 1 \u00d7 local dJ/d{values[n]} = {_fmt(up)}")
    )
    for i in reversed(range(n)):
        local = tr.locals_[i]
        note = (
            f"{ops[i]}: upstream {_fmt(g(i + 1))} \u00d7 local {_fmt(local['x'])} "
            f"= {_fmt(g(i))} on {values[i]}"
        )
        if i in params:
            note += (
                f";  \u00d7 local {_fmt(local['W'])} = "
                f"{_fmt(tr.param_grads[i]['W'].ravel()[0])} on {params[i]}"
            )
        frames.append(Frame(edges(i), [f"op{i}"], note))
    return nodes, frames


def fanout_figure(
    *,
    a: float,
    w: tuple[float, float],
    from_each: tuple[float, float],
    total: float,
    note: str = "",
) -> Figure:
    """A value ``a`` that feeds two branches (``w[0] a`` and ``w[1] a``), the gradient each
    branch sends back (``from_each``) and their sum (``total``) on the edge that brings
    ``a`` in.  The numbers are the caller's, computed with the library."""
    nodes = [
        Node("in", (-2.4, 0), "z\u2081", "value"),
        Node("s", (-0.6, 0), "\u03c3"),
        Node("a", (1.4, 0), "a\u2081", "value"),
        Node("m1", (3.6, 0.9), "\u00d7"),
        Node("m2", (3.6, -0.9), "\u00d7"),
        Node("w1", (3.6, 2.0), f"w\u2082 = {_fmt(w[0])}", "value"),
        Node("w2", (3.6, -2.0), f"w\u2083 = {_fmt(w[1])}", "value"),
        Node("l1", (5.8, 0.9), "\u2192 \u2113\u2082", "value"),
        Node("l2", (5.8, -0.9), "\u2192 \u2113\u2083", "value"),
    ]
    edges = [
        Edge("in", "s"),
        Edge("s", "a", f"{_fmt(a)}", f"{_fmt(total)} (sum)"),
        Edge("a", "m1", "", _fmt(from_each[0])),
        Edge("a", "m2", "", _fmt(from_each[1])),
        Edge("w1", "m1"),
        Edge("w2", "m2"),
        Edge("m1", "l1"),
        Edge("m2", "l2"),
    ]
    return graph_figure(nodes, edges, highlight=["a"], note=note, height=3.2)


def layer_chain_figure(names: list[str], shapes: list[tuple], *, per_row: int = 3) -> Figure:
    """A network as a chain of layer boxes in rows, each arrow labelled with the shape of
    the tensor it carries (``shapes[0]`` the input, ``shapes[i + 1]`` layer ``i``'s
    output).  The caller takes the shapes from a real forward pass."""
    if len(shapes) != len(names) + 1:
        raise ValueError(
            f"layer_chain_figure: expected {len(names) + 1} shapes for {len(names)} layers, "
            f"got {len(shapes)}"
        )
    rows = -(-len(names) // per_row)
    nodes = [Node("in", (0.3, 0), "x", "value")]
    for i, name in enumerate(names):
        r, c = divmod(i, per_row)
        nodes.append(Node(f"l{i}", (3.3 * (c + 1), -1.1 * r), name, "layer"))
    edges = []
    prev = "in"
    for i in range(len(names)):
        shape = "(" + ", ".join(str(s) for s in shapes[i]) + ")"
        edges.append(Edge(prev, f"l{i}", shape))
        prev = f"l{i}"
    last = nodes[-1].xy
    nodes.append(Node("out", (last[0] + 2.2, last[1]), "J", "value"))
    out_shape = "(" + ", ".join(str(s) for s in shapes[-1]) + ")" if shapes[-1] else "scalar"
    edges.append(Edge(prev, "out", out_shape))
    return graph_figure(nodes, edges, height=0.7 + 0.8 * rows)
