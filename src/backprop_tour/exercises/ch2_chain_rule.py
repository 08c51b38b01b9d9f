"""Chapter 2, the chain rule: a sigmoid's backward, the two-weight chain, a fan-out."""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..gradcheck import GRADING, compare, numerical_gradient
from .common import SIG_PRIME_SLIP, Z_ONE_MINUS_Z, dsig, rng
from .engine import Case, Exercise, Mistake, register


def _sigmoid_backward(z, dout):
    s = sigmoid(z)
    return dout * s * (1.0 - s)  # sigma'(z) = sigma(z) (1 - sigma(z)), times the upstream


def _chain_grads(x, y, w1, w2):
    a1 = sigmoid(w1 * x)  # (N,)
    y_hat = sigmoid(w2 * a1)  # (N,)
    delta2 = (y_hat - y) / len(x)  # dJ/dz2: sigmoid and cross-entropy cancel; 1/N of the mean
    dw2 = np.sum(delta2 * a1)
    dw1 = np.sum(delta2 * w2 * a1 * (1.0 - a1) * x)  # reuses delta2
    return float(dw1), float(dw2)


def _fanout_backward(z1, w2, w3, dz2, dz3):
    a1 = sigmoid(z1)
    da1 = w2 * dz2 + w3 * dz3  # a1 feeds z2 and z3: the two gradients add
    return da1 * a1 * (1.0 - a1)


def _sigmoid_cases():
    r = rng("sigmoid_backward")
    shapes = [(3, 4), (1, 5), (6,), (4, 3), (2, 3, 5)]
    cases = [Case((2.0 * r.normal(size=s), r.normal(size=s))) for s in shapes]
    # saturated units: sigma'(z) is about 4.5e-5 at |z| = 10 and 9e-14 at 30, but not 0
    z = np.array([[-30.0, -12.0, -10.0, 0.5], [10.0, 11.5, 20.0, -1.0], [40.0, -2.0, 15.0, -45.0]])
    cases.insert(3, Case((z, r.normal(size=z.shape)), note="|z| >= 10"))
    return cases


def _wrong_only_where_large(z, d, got, expected):
    """Right where |z| < 4.5 and wrong where |z| is large: z clipped, or sigma' cut off."""
    large = np.abs(z) > 4.5
    if not large.any() or large.all():
        return False
    inside = compare(got[~large], expected[~large], GRADING).ok
    return inside and not compare(got[large], expected[large], GRADING).ok


def _sigmoid_numeric(z, dout):
    z0 = np.array(z, dtype=np.float64)
    return (numerical_gradient(lambda: float(np.sum(sigmoid(z0) * dout)), z0),)


register(
    Exercise(
        "sigmoid_backward",
        2,
        "sigmoid_backward(z, dout) -> dz",
        "A sigmoid a = sigma(z) = 1 / (1 + exp(-z)) was applied elementwise to an array z of "
        "any shape. Given z and the upstream gradient dout = dJ/da (the same shape), return "
        "dz = dJ/dz, the same shape: the upstream gradient times the sigmoid's local "
        "derivative at z.",
        _sigmoid_backward,
        _sigmoid_cases,
        ("dz",),
        _sigmoid_numeric,
        mistakes=(
            Mistake(Z_ONE_MINUS_Z, lambda z, d: d * z * (1.0 - z)),
            Mistake(SIG_PRIME_SLIP, lambda z, d: d * dsig(sigmoid(z))),
            Mistake("forgot to multiply by the upstream gradient dout", lambda z, d: dsig(z)),
            Mistake(
                "multiplied by sigma(z) only: the derivative is sigma(z) (1 - sigma(z))",
                lambda z, d: d * sigmoid(z),
            ),
            Mistake(
                "right for small |z| but not where |z| is large: is z clipped (np.clip), or "
                "sigma'(z) set to 0 past some bound? sigma(z) (1 - sigma(z)) needs neither",
                test=_wrong_only_where_large,
            ),
        ),
    )
)


def _chain_cases():
    r = rng("chain_grads")
    out = []
    for n in (3, 1, 5, 4, 6):
        x = r.normal(size=n)
        y = (np.arange(n) % 2).astype(np.float64)[r.permutation(n)]
        w1, w2 = (float(v) for v in r.normal(size=2) + np.array([0.5, -0.5]))
        out.append(Case((x, y, w1, w2), {"N": n}))
    return out


def _chain_cost(x, y, w1, w2):
    y_hat = sigmoid(w2 * sigmoid(w1 * x))
    return float(-np.mean(y * np.log(y_hat) + (1.0 - y) * np.log1p(-y_hat)))


def _chain_numeric(x, y, w1, w2):
    w1a, w2a = np.array(w1, dtype=np.float64), np.array(w2, dtype=np.float64)
    return (
        numerical_gradient(lambda: _chain_cost(x, y, w1a, w2a), w1a),
        numerical_gradient(lambda: _chain_cost(x, y, w1a, w2a), w2a),
    )


def _chain_variant(x, y, w1, w2, dsig_out=None, source_sign=False, hidden_dsig=True, hidden=""):
    """The chain's gradients with one of the slips of chapter 2's sources."""
    a1 = sigmoid(w1 * x)
    y_hat = sigmoid(w2 * a1)
    if source_sign:
        dj_dyhat = y / y_hat + (1.0 - y) / (1.0 - y_hat)
    else:
        dj_dyhat = -y / y_hat + (1.0 - y) / (1.0 - y_hat)
    z2 = w2 * a1
    d_out = z2 * (1.0 - z2) if dsig_out == "z" else y_hat * (1.0 - y_hat)
    delta2 = dj_dyhat * d_out / len(x)
    d_hidden = a1 * (1.0 - a1) if hidden_dsig else 1.0
    if hidden == "z":  # source 001's z (1 - z), in the hidden unit
        d_hidden = w1 * x * (1.0 - w1 * x)
    return float(np.sum(delta2 * w2 * d_hidden * x)), float(np.sum(delta2 * a1))


_CHAIN_SIGN = (
    "the sign of dJ/dy_hat's first term: it is -y/y_hat + (1 - y)/(1 - y_hat) "
    "(source 001's slip, chapter 2)"
)
register(
    Exercise(
        "chain_grads",
        2,
        "chain_grads(x, y, w1, w2) -> (dw1, dw2)",
        "The chain of chapter 2 on a batch: inputs x and labels y (0 or 1), both of shape "
        "(N,), and two weights, the floats w1 and w2. Each example goes through "
        "a1 = sigma(w1 x) and y_hat = sigma(w2 a1); the cost is the mean binary cross-entropy "
        "J = -(1/N) sum_n [y log y_hat + (1 - y) log(1 - y_hat)]. Return the two floats "
        "dJ/dw1 and dJ/dw2.",
        _chain_grads,
        _chain_cases,
        ("dw1", "dw2"),
        _chain_numeric,
        mistakes=(
            Mistake("dw1 and dw2 swapped", lambda x, y, w1, w2: _chain_grads(x, y, w1, w2)[1], 0),
            Mistake("dw1 and dw2 swapped", lambda x, y, w1, w2: _chain_grads(x, y, w1, w2)[0], 1),
            Mistake(_CHAIN_SIGN, lambda *a: _chain_variant(*a, source_sign=True)[0], 0),
            Mistake(_CHAIN_SIGN, lambda *a: _chain_variant(*a, source_sign=True)[1], 1),
            Mistake(Z_ONE_MINUS_Z, lambda *a: _chain_variant(*a, dsig_out="z")[0], 0),
            Mistake(Z_ONE_MINUS_Z, lambda *a: _chain_variant(*a, dsig_out="z")[1], 1),
            Mistake(
                "dw1 is missing the hidden sigmoid's derivative a1 (1 - a1)",
                lambda *a: _chain_variant(*a, hidden_dsig=False)[0],
                0,
            ),
            Mistake(
                "the hidden sigmoid's derivative " + Z_ONE_MINUS_Z[len("sigma' ") :],
                lambda *a: _chain_variant(*a, hidden="z")[0],
                0,
            ),
        ),
        order=(1, 0),  # dw2 is nearer the cost: a slip there shows up in dw1 as well
    )
)


def _fanout_cases():
    r = rng("fanout_backward")
    out = []
    for n in (4, 1, 3, 6, 5):
        w2, w3 = (float(v) for v in r.normal(size=2) + np.array([1.0, -1.0]))
        out.append(Case((r.normal(size=n), w2, w3, r.normal(size=n), r.normal(size=n)), {"N": n}))
    return out


def _fanout_numeric(z1, w2, w3, dz2, dz3):
    z0 = np.array(z1, dtype=np.float64)

    def f():
        a1 = sigmoid(z0)
        return float(np.sum(w2 * a1 * dz2 + w3 * a1 * dz3))

    return (numerical_gradient(f, z0),)


_SOURCE_FANOUT = (
    "the branches' local derivatives added without their upstream gradients, "
    "dz2/da1 + dz3/da1 = w2 + w3 (source 001's slip, chapter 2): each branch carries its "
    "own gradient, dJ/da1 = w2 dz2 + w3 dz3"
)
_OVERWRITE = (
    "gradients overwritten instead of added at the fan-out: a1 feeds both z2 and z3, so "
    "dJ/da1 = w2 dz2 + w3 dz3 (gradients add where a value branches)"
)
register(
    Exercise(
        "fanout_backward",
        2,
        "fanout_backward(z1, w2, w3, dz2, dz3) -> dz1",
        "A hidden neuron a1 = sigma(z1) feeds two output neurons, z2 = w2 a1 and z3 = w3 a1. "
        "For a batch, z1, dz2 = dJ/dz2 and dz3 = dJ/dz3 have shape (N,); w2 and w3 are "
        "floats. Return dz1 = dJ/dz1, shape (N,): first dJ/da1, collecting what comes back "
        "along both branches, then through the sigmoid.",
        _fanout_backward,
        _fanout_cases,
        ("dz1",),
        _fanout_numeric,
        mistakes=(
            Mistake(_OVERWRITE, lambda z1, w2, w3, d2, d3: w3 * d3 * dsig(z1)),
            Mistake(_OVERWRITE, lambda z1, w2, w3, d2, d3: w2 * d2 * dsig(z1)),
            Mistake(
                "returned dJ/da1: multiply by sigma'(z1) = a1 (1 - a1) to reach z1",
                lambda z1, w2, w3, d2, d3: w2 * d2 + w3 * d3,
            ),
            Mistake(
                _SOURCE_FANOUT,
                lambda z1, w2, w3, d2, d3: (w2 + w3) * dsig(z1),
            ),
            Mistake(
                _SOURCE_FANOUT,
                lambda z1, w2, w3, d2, d3: (w2 + w3) * (d2 + d3) * dsig(z1),
            ),
        ),
    )
)
