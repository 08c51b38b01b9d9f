"""Chapter 5b, the bug gallery: find the bug planted in a dense layer's backward pass,
then fix it.

``buggy_layer(variant)`` hands out a ``Dense`` whose ``backward`` has one planted bug
(``BUG_VARIANTS`` names them).  The reader locates it with ``check_layer`` and a heat
map, writes a fixed subclass, and ``check("fix_the_layer", MyDense)`` grades it: the
class is built for each case, given the case's weights, run forward and backward.
"""

from __future__ import annotations

import numpy as np

from ..layers import Dense, Layer
from .ch4_fully_connected import dense_cases, dense_numeric
from .engine import Exercise, Mistake, register


class _BiasBug(Dense):
    def backward(self, dout):
        dout = self._start_backward(dout)
        x = self._cache
        self.grads["W"] = dout.T @ x  # (out, N) @ (N, in) -> (out, in)
        self.grads["b"] = dout.mean(axis=0)  # (out,)
        return dout @ self.params["W"]  # (N, out) @ (out, in)


class _WeightsBug(Dense):
    def backward(self, dout):
        dout = self._start_backward(dout)
        x = self._cache
        for n in range(len(x)):  # one outer product per example
            self.grads["W"] = np.outer(dout[n], x[n])  # (out,) x (in,) -> (out, in)
        self.grads["b"] = dout.sum(axis=0)  # (out,)
        return dout @ self.params["W"]  # (N, out) @ (out, in)


class _InputBug(Dense):
    def backward(self, dout):
        dout = self._start_backward(dout)
        x = self._cache
        self.grads["W"] = dout.T @ x  # (out, N) @ (N, in) -> (out, in)
        self.grads["b"] = dout.sum(axis=0)  # (out,)
        dx = dout @ self.params["W"]  # (N, out) @ (out, in)
        return dx * (x > 0)  # only where the input was active


#: The planted bugs, by name: which gradient each one spoils.
BUG_VARIANTS = {"bias": _BiasBug, "weights": _WeightsBug, "input": _InputBug}


def buggy_layer(variant: str) -> type:
    """A ``Dense`` subclass whose ``backward`` has one planted bug; ``variant`` is one of
    ``"bias"``, ``"weights"``, ``"input"`` (the names say where to start looking, not what
    the bug is)."""
    if variant not in BUG_VARIANTS:
        raise ValueError(f"buggy_layer: expected one of {sorted(BUG_VARIANTS)}, got {variant!r}")
    cls = BUG_VARIANTS[variant]
    return type(f"BuggyDense_{variant}", (cls,), {"__module__": __name__})


class FixedDense(Dense):
    def backward(self, dout):
        dout = self._start_backward(dout)
        x = self._cache
        self.grads["W"] = dout.T @ x  # every example's outer product, summed
        self.grads["b"] = dout.sum(axis=0)  # b is added to every example: sum, not mean
        return dout @ self.params["W"]  # no mask: Dense is linear


def _as_backward(answer):
    """A layer class (or a layer) -> a function (x, W, b, dout) -> (dx, dW, db)."""
    if not (isinstance(answer, type) or isinstance(answer, Layer)):
        return answer  # already a function of the case's arguments

    def run(x, W, b, dout):
        layer = answer(W.shape[1], W.shape[0]) if isinstance(answer, type) else answer
        layer.params["W"], layer.params["b"] = W, b
        layer.forward(x)
        dx = layer.backward(dout)
        return dx, layer.grads.get("W"), layer.grads.get("b")

    return run


def _layer_cases():
    return dense_cases("fix_the_layer", ((5, 4, 3), (1, 3, 4), (6, 5, 2), (3, 6, 6), (8, 3, 5)))


def _planted(variant: str, part: int):
    return lambda *a: _as_backward(BUG_VARIANTS[variant])(*a)[part]


_STILL = "the planted bug is still there: "
register(
    Exercise(
        "fix_the_layer",
        "5b",
        "fix_the_layer(x, W, b, dout) -> (dx, dW, db)",
        "ex.buggy_layer(variant) is a Dense layer, out = x W^T + b with x (N, D), W (M, D) "
        "and b (M,), whose backward has one planted bug. Find it with check_layer and a "
        "heat map of the failing gradient, then write a subclass MyDense whose backward "
        "is right: it fills self.grads['W'] (M, D) and self.grads['b'] (M,) and returns "
        "dx (N, D), and pass the class to check.",
        FixedDense,
        _layer_cases,
        ("dx", "dW", "db"),
        dense_numeric,
        mistakes=(
            Mistake(
                _STILL + "db averages dout over the batch; b is added to every "
                "example, so db = dout.sum(axis=0)",
                _planted("bias", 2),
                2,
            ),
            Mistake(
                _STILL + "dW is overwritten in the loop over examples, so only the "
                "last one counts; the outer products add up: dW = dout.T @ x",
                _planted("weights", 1),
                1,
            ),
            Mistake(
                _STILL + "dx is masked by x > 0, a ReLU's rule; a dense layer is "
                "linear in x: dx = dout @ W",
                _planted("input", 0),
                0,
            ),
        ),
        order=(1, 2, 0),
        adapter=_as_backward,
    )
)
