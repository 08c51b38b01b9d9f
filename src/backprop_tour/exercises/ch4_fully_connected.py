"""Chapter 4, fully connected backprop: the dense layer and the ReLU."""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from .common import away_from_zero, rng
from .engine import Case, Exercise, Mistake, register


def _dense_backward(x, W, b, dout):
    dx = dout @ W  # (N, M) @ (M, D) -> (N, D)
    dW = dout.T @ x  # (M, N) @ (N, D) -> (M, D)
    db = dout.sum(axis=0)  # (M,): b is added to every example
    return dx, dW, db


def _relu_backward(x, dout):
    return dout * (x > 0)  # the gradient passes where the unit was active


def dense_cases(name: str, sizes) -> list:
    """Seeded cases ``(x, W, b, dout)`` of a dense layer, one per ``(N, D, M)`` in ``sizes``
    (chapter 5b's planted-bug exercise grades a dense layer on these too)."""
    r = rng(name)
    out = []
    for n, d, m in sizes:
        args = (
            r.normal(size=(n, d)),
            r.normal(size=(m, d)),
            r.normal(size=m),
            r.normal(size=(n, m)),
        )
        out.append(Case(args, {"N": n, "D": d, "M": m}))
    return out


def _dense_cases():
    return dense_cases("dense_backward", ((3, 4, 5), (1, 3, 4), (5, 3, 6), (4, 6, 3), (7, 5, 4)))


def dense_numeric(x, W, b, dout):
    """Central differences of ``sum((x W^T + b) * dout)`` in x, W and b."""
    x0, W0, b0 = (np.array(a, dtype=np.float64) for a in (x, W, b))

    def f():
        return float(np.sum((x0 @ W0.T + b0) * dout))

    return numerical_gradient(f, x0), numerical_gradient(f, W0), numerical_gradient(f, b0)


register(
    Exercise(
        "dense_backward",
        4,
        "dense_backward(x, W, b, dout) -> (dx, dW, db)",
        "A dense layer computed out = x W^T + b for a batch x of shape (N, D), with the "
        "library's convention W of shape (M, D) (row k: the weights into output unit k) and "
        "b of shape (M,). Given the upstream gradient dout = dJ/d(out), shape (N, M), return "
        "dx (N, D), dW (M, D) and db (M,), each summed over the batch where a parameter is "
        "shared by every example.",
        _dense_backward,
        _dense_cases,
        ("dx", "dW", "db"),
        dense_numeric,
        transpose_hint=(
            "in batch-first rows the transpose moves: with x (N, D), W (M, D) and dout "
            "(N, M), dx = dout @ W and dW = dout.T @ x (a column layout's W.T @ delta and "
            "delta @ x.T)"
        ),
        mistakes=(
            Mistake(
                "summed over the wrong axis: sum dout over the batch, axis 0",
                lambda x, W, b, d: d.sum(axis=1),
                2,
            ),
        ),
    )
)


def _relu_cases():
    r = rng("relu_backward")
    shapes = [(3, 4), (1, 5), (4, 3), (2, 3, 5), (6,)]
    return [Case((away_from_zero(r.normal(size=s)), r.normal(size=s))) for s in shapes]


def _relu_numeric(x, dout):
    x0 = np.array(x, dtype=np.float64)
    return (numerical_gradient(lambda: float(np.sum(np.maximum(x0, 0.0) * dout)), x0),)


register(
    Exercise(
        "relu_backward",
        4,
        "relu_backward(x, dout) -> dx",
        "A ReLU computed out = max(x, 0) elementwise on an array x of any shape. Given x and "
        "the upstream gradient dout = dJ/d(out) of the same shape, return dx = dJ/dx, the "
        "same shape: the gradient passes where the unit was active and is 0 elsewhere.",
        _relu_backward,
        _relu_cases,
        ("dx",),
        _relu_numeric,
        mistakes=(
            Mistake(
                "ReLU mask on the wrong side of zero: pass the gradient where x > 0",
                lambda x, d: d * (x < 0),
            ),
            Mistake(
                "masked by the sign of dout: the mask comes from the input, x > 0",
                lambda x, d: d * (d > 0),
            ),
            Mistake("no mask: dout passes only where x > 0", lambda x, d: d),
            Mistake("forgot to multiply the mask by dout", lambda x, d: (x > 0).astype(float)),
        ),
    )
)
