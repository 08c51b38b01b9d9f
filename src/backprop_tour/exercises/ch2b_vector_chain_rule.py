"""Chapter 2b, the vector chain rule: max routes, and a vector-Jacobian product."""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from .common import rng
from .engine import Case, Exercise, Mistake, register


def _max_backward(a, b, dout):
    return dout * (a > b), dout * (b > a)  # the larger input takes the whole gradient


def _jacobian_vjp(jacobian, upstream):
    return upstream @ jacobian  # (M,) @ (M, D): the sum over outputs, sum_k g_k du_k/dx_j


def _max_cases():
    r = rng("max_backward")
    out = []
    for shape in ((3, 4), (1, 5), (4, 3), (2, 3, 2), (6,)):
        a = r.normal(size=shape)
        b = a + r.choice([-1.0, 1.0], size=shape) * r.uniform(0.1, 1.0, size=shape)  # no ties
        out.append(Case((a, b, r.normal(size=shape))))
    return out


def _max_numeric(a, b, dout):
    a0, b0 = np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)

    def f():
        return float(np.sum(np.maximum(a0, b0) * dout))

    return numerical_gradient(f, a0), numerical_gradient(f, b0)


_BOTH = "max routes: only the larger input receives dout, the other gets 0"
register(
    Exercise(
        "max_backward",
        "2b",
        "max_backward(a, b, dout) -> (da, db)",
        "An operation computed u = max(a, b) entry by entry, for arrays a and b of the same "
        "shape with no ties. Given the upstream gradient dout = dJ/du (the same shape), "
        "return da = dJ/da and db = dJ/db, each the shape of its input.",
        _max_backward,
        _max_cases,
        ("da", "db"),
        _max_numeric,
        mistakes=(
            Mistake(_BOTH, lambda a, b, d: d, 0),
            Mistake(_BOTH, lambda a, b, d: d, 1),
            Mistake(
                "routed to the smaller input: the gradient goes where the input won",
                lambda a, b, d: d * (a < b),
                0,
            ),
            Mistake(
                "routed to the smaller input: the gradient goes where the input won",
                lambda a, b, d: d * (b < a),
                1,
            ),
            Mistake(
                "the mask without dout: multiply it by the upstream gradient",
                lambda a, b, d: (a > b).astype(float),
                0,
            ),
            Mistake(
                "the mask without dout: multiply it by the upstream gradient",
                lambda a, b, d: (b > a).astype(float),
                1,
            ),
        ),
    )
)


def _vjp_cases():
    r = rng("jacobian_vjp")
    return [
        Case((r.normal(size=(m, d)), r.normal(size=m)), {"M": m, "D": d})
        for m, d in ((3, 4), (2, 5), (4, 2), (1, 3), (3, 3))
    ]


def _vjp_numeric(jacobian, upstream):
    # u = jacobian @ x is the linear function with this Jacobian; dJ/dx of sum(u * upstream)
    x0 = np.zeros(jacobian.shape[1])
    return (numerical_gradient(lambda: float(np.sum((jacobian @ x0) * upstream)), x0),)


register(
    Exercise(
        "jacobian_vjp",
        "2b",
        "jacobian_vjp(jacobian, upstream) -> downstream",
        "Given the Jacobian of some u = psi(x), shape (M, D) (row k: how u_k responds to each "
        "input), and the upstream gradient dJ/du, shape (M,), return the downstream gradient "
        "dJ/dx, shape (D,): for each input, the sum over the outputs of upstream times the "
        "Jacobian's entry.",
        _jacobian_vjp,
        _vjp_cases,
        ("downstream",),
        _vjp_numeric,
        mistakes=(
            Mistake(
                "summed over the inputs instead of the outputs: the upstream multiplies the "
                "Jacobian from the left, upstream @ jacobian (or jacobian.T @ upstream)",
                lambda jac, g: jac.sum(axis=1) * g,
            ),
            Mistake(
                "summed the Jacobian's rows without weighting them by the upstream gradient",
                lambda jac, g: jac.sum(axis=0),
            ),
        ),
    )
)
