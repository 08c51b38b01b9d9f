"""Chapter 7, from rules to an engine: the VJPs of an elementwise product, a broadcast add
and a matrix product."""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from .common import rng
from .engine import Case, Exercise, Mistake, register


def _mul_vjp(a, b, g):
    return g * b, g * a  # each input receives G times the other


def _sum_back(g, shape, reduce=np.sum):
    """``g`` reduced to ``shape`` over the axes broadcasting added or stretched from 1."""
    extra = g.ndim - len(shape)
    g = reduce(g, axis=tuple(range(extra))) if extra else g
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return reduce(g, axis=ones, keepdims=True) if ones else g


def _broadcast_add_vjp(a, b, g):
    return _sum_back(g, a.shape), _sum_back(g, b.shape)  # a copy's gradients add up


def _matmul_vjp(a, b, g):
    return g @ b.T, a.T @ g  # (N, M) @ (M, D) -> (N, D); (D, N) @ (N, M) -> (D, M)


def _numeric(forward):
    """Central differences of sum(forward(a, b) * g) with respect to a and to b."""

    def numeric(a, b, g):
        a0, b0 = np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)

        def f():
            return float(np.sum(forward(a0, b0) * g))

        return numerical_gradient(f, a0), numerical_gradient(f, b0)

    return numeric


def _mul_cases():
    r = rng("mul_vjp")
    shapes = [(3, 4), (1, 5), (4, 3), (2, 3, 2), (6,)]
    return [Case(tuple(r.normal(size=s) for _ in range(3))) for s in shapes]


_SWAPPED = "each input receives G times the *other* input: da = g * b, db = g * a"
register(
    Exercise(
        "mul_vjp",
        7,
        "mul_vjp(a, b, g) -> (da, db)",
        "An operation computed u = a * b elementwise, for arrays a and b of the same shape. "
        "Given the upstream gradient g = dJ/du (the same shape), return da = dJ/da and "
        "db = dJ/db, each the shape of its input.",
        _mul_vjp,
        _mul_cases,
        ("da", "db"),
        _numeric(lambda a, b: a * b),
        mistakes=(
            Mistake(_SWAPPED, lambda a, b, g: g * a, 0),
            Mistake(_SWAPPED, lambda a, b, g: g * b, 1),
            Mistake("forgot the upstream g: multiply the local gradient by it", lambda a, b, g: b),
            Mistake(
                "forgot the upstream g: multiply the local gradient by it", lambda a, b, g: a, 1
            ),
            Mistake("returned g unchanged: that is the VJP of a + b, not a * b", lambda a, b, g: g),
            Mistake(
                "returned g unchanged: that is the VJP of a + b, not a * b", lambda a, b, g: g, 1
            ),
        ),
    )
)


def _broadcast_cases():
    r = rng("broadcast_add_vjp")
    pairs = [
        ((4, 3), (3,)),
        ((2, 5), (1, 5)),
        ((3, 4), (3, 1)),
        ((1, 4), (3, 4)),
        ((2, 3, 4), (4,)),
    ]
    out = []
    for a_shape, b_shape in pairs:
        g_shape = np.broadcast_shapes(a_shape, b_shape)
        out.append(Case((r.normal(size=a_shape), r.normal(size=b_shape), r.normal(size=g_shape))))
    return out


_SUM_BACK = (
    "a broadcast input copied to many places gets the sum of their gradients: sum g over "
    "the axes broadcasting added or stretched from size 1"
)
_MEAN = "averaged the copies' gradients: they add up, sum over the broadcast axes"
_KEEPDIMS = "the sum dropped a size-1 axis: keep it (keepdims=True), so db has b's shape"
register(
    Exercise(
        "broadcast_add_vjp",
        7,
        "broadcast_add_vjp(a, b, g) -> (da, db)",
        "An operation computed u = a + b, where NumPy broadcast a and b against each other "
        "(for example a of shape (N, M) and b of shape (M,), (1, M) or (N, 1)). Given the "
        "upstream gradient g = dJ/du, of the broadcast shape, return da and db, each the "
        "shape of its input: what every copy of an entry received, added up.",
        _broadcast_add_vjp,
        _broadcast_cases,
        ("da", "db"),
        _numeric(lambda a, b: a + b),
        mistakes=tuple(
            Mistake(hint, wrong, part)
            for part in (0, 1)
            for hint, wrong in (
                (_SUM_BACK, lambda a, b, g: g),
                (_MEAN, lambda a, b, g, p=part: _sum_back(g, (a, b)[p].shape, np.mean)),
                (_KEEPDIMS, lambda a, b, g, p=part: _broadcast_add_vjp(a, b, g)[p].reshape(-1)),
                (
                    "summed over the wrong axis: an input is copied along the axes where it "
                    "is missing or has size 1",
                    lambda a, b, g: g.sum(axis=-1),
                ),
            )
        ),
    )
)


def _matmul_cases():
    r = rng("matmul_vjp")
    out = []
    for n, d, m in ((3, 4, 5), (1, 3, 4), (5, 3, 2), (4, 6, 3), (2, 2, 2)):
        args = (r.normal(size=(n, d)), r.normal(size=(d, m)), r.normal(size=(n, m)))
        out.append(Case(args, {"N": n, "D": d, "M": m}))
    return out


_SWAPPED_OUT = "da and db swapped: return (da, db), da = g @ b.T first"
register(
    Exercise(
        "matmul_vjp",
        7,
        "matmul_vjp(a, b, g) -> (da, db)",
        "An operation computed u = a @ b for a of shape (N, D) and b of shape (D, M). Given "
        "the upstream gradient g = dJ/du, shape (N, M), return da = dJ/da, shape (N, D), and "
        "db = dJ/db, shape (D, M).",
        _matmul_vjp,
        _matmul_cases,
        ("da", "db"),
        _numeric(lambda a, b: a @ b),
        mistakes=(
            Mistake(_SWAPPED_OUT, lambda a, b, g: a.T @ g, 0),
            Mistake(_SWAPPED_OUT, lambda a, b, g: g @ b.T, 1),
        ),
    )
)
