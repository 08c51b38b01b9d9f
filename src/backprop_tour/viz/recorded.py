"""The graph an autodiff engine recorded, drawn with :mod:`.graph`'s nodes and edges.

:func:`records` reads what the tensors remember (names, operations, shapes, parents) into
plain records; the drawing functions take those records and nothing else.  Nothing here
computes a gradient.  The root (the cost) sits at the right, the operations that lead
to it along one line, and every side input right above the operation it feeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..autodiff import topological_order
from .graph import Edge, Frame, Node, graph_animation, graph_figure

COLUMN = 1.9  # horizontal distance between columns
ROW = 1.25  # vertical distance between rows

#: The rule each operation's VJP applies to the upstream gradient G (chapter references
#: in the book's text); shown as the note of each frame of the backward pass.
RULES = {
    "+": "add: each input receives G (summed over any broadcast axes)",
    "\u2212": "subtract: G to the left input, \u2212G to the right",
    "\u00d7": "multiply: each input receives G times the other input",
    "\u00f7": "divide: G / b to a, \u2212G a / b\u00b2 to b",
    "@": "matmul: dA = G B\u1d40, dB = A\u1d40 G",
    "T": "transpose: G transposed back",
    "\u03a3": "sum: G copied to every entry summed",
    "reshape": "reshape: G reshaped back",
    "relu": "ReLU: G where the input was > 0, else 0",
    "\u03c3": "sigmoid: G \u03c3(z)(1 \u2212 \u03c3(z))",
    "exp": "exp: G times the output",
    "log": "log: G divided by the input",
    "CE": "softmax cross-entropy: (P \u2212 Y) / N",
    "conv": "convolution: the layer's backward (dX, dW, db)",
    "max": "max-pool: G routed to each window's maximum",
}


@dataclass
class Record:
    """One tensor of a recorded graph: ``label`` (its name or its operation), ``shape``,
    ``parents`` (indices into the list of records), whether it is a ``leaf`` and whether it
    ``requires_grad`` (receives a gradient)."""

    label: str
    shape: tuple
    parents: tuple[int, ...]
    leaf: bool
    requires_grad: bool


def records(root) -> list[Record]:
    """The graph an autodiff ``Tensor`` was computed by, constants included, in
    topological order (``root`` last)."""
    order = topological_order(root, constants=True)
    index = {id(t): i for i, t in enumerate(order)}
    return [
        Record(
            t.name or t.op or "const",
            t.shape,
            tuple(index[id(p)] for p in t.parents if id(p) in index),
            t.is_leaf,
            t.requires_grad,
        )
        for t in order
    ]


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")" if shape else "()"


def layout(records) -> dict[int, tuple[float, float]]:
    """Where each record is drawn.  The main line (the root, its first parent, that
    one's first parent ...) runs left to right on row 0, one column each; every other
    record stands above its first user, in the user's column, on the first free row, so
    every side edge is vertical and its labels never meet the main line's."""
    n = len(records)
    if not n:
        raise ValueError("layout: expected at least one record, got none")
    main, i = [], n - 1
    while True:  # the main line, from the root back
        main.append(i)
        if not records[i].parents:
            break
        i = records[i].parents[0]
    at = {j: (len(main) - 1 - k, 0) for k, j in enumerate(main)}
    taken = set(at.values())
    for i in reversed(range(n)):  # every user of a record comes after it
        if i in at:
            continue
        user = next(u for u in range(i + 1, n) if i in records[u].parents)
        col, row = at[user][0], at[user][1] + 1
        while (col, row) in taken:
            row += 1
        at[i] = (col, row)
        taken.add(at[i])
    return {i: (c * COLUMN, r * ROW) for i, (c, r) in at.items()}


def _nodes(records) -> list[Node]:
    at = layout(records)
    return [
        Node(f"t{i}", at[i], r.label, "value" if r.leaf else "op") for i, r in enumerate(records)
    ]


def _edges(records, done: set[int]) -> list[Edge]:
    """Every parent -> user edge, labelled with the value's shape; beside it, in bold, the
    gradient's shape once the user's VJP has sent it (users in ``done``; a constant
    receives none)."""

    def grad(p: int, i: int) -> str:
        return _shape(records[p].shape) if i in done and records[p].requires_grad else ""

    return [
        Edge(f"t{p}", f"t{i}", _shape(records[p].shape), grad(p, i))
        for i, r in enumerate(records)
        for p in r.parents
    ]


def recorded_graph_figure(records, *, note: str = ""):
    """The recorded graph: inputs and parameters as names, operations as circles, the
    shape of each value on its edge."""
    rows = max(y for _, y in layout(records).values()) / ROW
    return graph_figure(_nodes(records), _edges(records, set()), note=note, height=1.6 + 0.9 * rows)


def backward_frames(records) -> list[Frame]:
    """The forward picture, then one frame per operation from the root back, in the order
    a backward pass runs them (reverse topological): the operation, the rule its VJP
    applies, and the gradients it has sent so far."""
    ops = [i for i, r in enumerate(records) if not r.leaf]
    frames = [Frame(_edges(records, set()), [], "forward: every edge carries a value (its shape)")]
    done: set[int] = set()
    for step, i in enumerate(reversed(ops), start=1):
        done.add(i)
        rule = RULES.get(records[i].label, records[i].label)
        frames.append(Frame(_edges(records, done), [f"t{i}"], f"step {step} of {len(ops)}: {rule}"))
    return frames


def backward_animation(records, *, alt: str):
    """:func:`backward_frames` as a step-through player."""
    rows = max(y for _, y in layout(records).values()) / ROW
    return graph_animation(
        _nodes(records), backward_frames(records), alt=alt, height=1.6 + 0.9 * rows
    )
