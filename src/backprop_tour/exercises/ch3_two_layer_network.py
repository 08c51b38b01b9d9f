"""Chapter 3, a two-layer network: equation (B') and the four gradients of a sigmoid network."""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..gradcheck import numerical_gradient
from .common import SIG_PRIME_SLIP, Z_ONE_MINUS_Z, dsig, rng
from .engine import Case, Exercise, Mistake, register


def _hidden_delta(delta2, W2, z1):
    a1 = sigmoid(z1)
    return (delta2 @ W2) * a1 * (1.0 - a1)  # (N, K) @ (K, H) -> (N, H), times sigma'(z1)


def _two_layer_grads(a0, y, W1, b1, W2, b2):
    n = a0.shape[0]
    a1 = sigmoid(a0 @ W1.T + b1)  # (N, H)
    a2 = sigmoid(a1 @ W2.T + b2)  # (N, K)
    delta2 = (a2 - y) * a2 * (1.0 - a2) / n  # (N, K); 1/N: the cost is a batch mean
    delta1 = (delta2 @ W2) * a1 * (1.0 - a1)  # (N, H)
    return delta1.T @ a0, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0)


def _delta_cases():
    r = rng("hidden_delta")
    out = []
    for n, h, k in ((3, 4, 5), (1, 3, 4), (5, 6, 3), (4, 3, 6), (6, 5, 7)):
        args = (r.normal(size=(n, k)), r.normal(size=(k, h)), 1.5 * r.normal(size=(n, h)))
        out.append(Case(args, {"N": n, "H": h, "K": k}))
    return out


def _delta_numeric(delta2, W2, z1):
    z0 = np.array(z1, dtype=np.float64)
    return (numerical_gradient(lambda: float(np.sum(delta2 * (sigmoid(z0) @ W2.T))), z0),)


register(
    Exercise(
        "hidden_delta",
        3,
        "hidden_delta(delta2, W2, z1) -> delta1",
        "Equation (B') for a batch stored as rows. The output layer's error delta2 = dC/dz2 "
        "has shape (N, K); the output weights W2 have shape (K, H), row k holding the "
        "weights into output unit k; the hidden pre-activations z1 have shape (N, H) and "
        "a1 = sigma(z1). Return the hidden error delta1 = dC/dz1, shape (N, H): the output "
        "error carried back through W2, times sigma'(z1).",
        _hidden_delta,
        _delta_cases,
        ("delta1",),
        _delta_numeric,
        transpose_hint=(
            "in batch-first rows the transpose moves: the column layout's W2.T @ delta2 is "
            "delta2 @ W2 here, (N, K) @ (K, H) -> (N, H)"
        ),
        mistakes=(
            Mistake("forgot the factor sigma'(z1)", lambda d2, W2, z1: d2 @ W2),
            Mistake(SIG_PRIME_SLIP, lambda d2, W2, z1: (d2 @ W2) * dsig(sigmoid(z1))),
            Mistake(Z_ONE_MINUS_Z, lambda d2, W2, z1: (d2 @ W2) * z1 * (1.0 - z1)),
        ),
    )
)


def _two_layer_cases():
    r = rng("two_layer_grads")
    out = []
    for n, d, h, k in ((3, 2, 4, 5), (1, 3, 4, 5), (5, 3, 4, 6), (4, 5, 3, 7), (6, 4, 5, 3)):
        args = (
            r.normal(size=(n, d)),
            r.uniform(size=(n, k)),
            r.normal(size=(h, d)),
            r.normal(size=h),
            r.normal(size=(k, h)),
            r.normal(size=k),
        )
        out.append(Case(args, {"N": n, "D": d, "H": h, "K": k}))
    return out


def _two_layer_cost(a0, y, W1, b1, W2, b2):
    a2 = sigmoid(sigmoid(a0 @ W1.T + b1) @ W2.T + b2)
    return float(0.5 * np.sum((a2 - y) ** 2) / a0.shape[0])


def _two_layer_numeric(a0, y, W1, b1, W2, b2):
    ps = [np.array(p, dtype=np.float64) for p in (W1, b1, W2, b2)]
    return tuple(numerical_gradient(lambda: _two_layer_cost(a0, y, *ps), p) for p in ps)


_NO_OUTPUT_DSIG = (
    "delta2 = (a2 - y) / N is missing the output sigmoid's derivative: with the quadratic "
    "cost delta2 = (a2 - y) sigma'(z2) / N (the sigma' cancels only against a "
    "cross-entropy, chapter 3)"
)


def _two_layer_variant(a0, y, W1, b1, W2, b2, dsig=dsig, hidden=True, output=True):
    n = a0.shape[0]
    z1 = a0 @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = sigmoid(z2)
    delta2 = (a2 - y) * (dsig(z2) if output else 1.0) / n
    delta1 = (delta2 @ W2) * (dsig(z1) if hidden else 1.0)
    return delta1.T @ a0, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0)


def _mse_factor(*args):
    return tuple(2.0 / args[1].shape[1] * g for g in _two_layer_grads(*args))


_MSE_HINT = (
    "a factor 2/K: that is the library's MSE (a mean over all N K entries); the cost here is "
    "C = 1/2 ||a2 - y||^2 averaged over the batch"
)
register(
    Exercise(
        "two_layer_grads",
        3,
        "two_layer_grads(a0, y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)",
        "Chapter 3's sigmoid network on a batch stored as rows: a0 of shape (N, D), "
        "a1 = sigma(a0 W1^T + b1) with W1 (H, D) and b1 (H,), a2 = sigma(a1 W2^T + b2) with "
        "W2 (K, H) and b2 (K,), targets y (N, K). The cost is the quadratic cost averaged "
        "over the batch, J = (1/N) sum_n 1/2 ||a2_n - y_n||^2. Return dJ/dW1 (H, D), dJ/db1 "
        "(H,), dJ/dW2 (K, H) and dJ/db2 (K,): compute delta2, carry it back to delta1 with "
        "equation (B'), and sum each delta's outer products over the batch.",
        _two_layer_grads,
        _two_layer_cases,
        ("dW1", "db1", "dW2", "db2"),
        _two_layer_numeric,
        mistakes=tuple(Mistake(_MSE_HINT, lambda *a, i=i: _mse_factor(*a)[i], i) for i in range(4))
        + tuple(
            Mistake(
                SIG_PRIME_SLIP,
                lambda *a, i=i: _two_layer_variant(*a, dsig=lambda z: dsig(sigmoid(z)))[i],
                i,
            )
            for i in range(4)
        )
        + tuple(
            Mistake(
                "delta1 is missing the factor sigma'(z1)",
                lambda *a, i=i: _two_layer_variant(*a, hidden=False)[i],
                i,
            )
            for i in range(2)
        )
        + tuple(
            Mistake(_NO_OUTPUT_DSIG, lambda *a, i=i: _two_layer_variant(*a, output=False)[i], i)
            for i in range(4)
        ),
        order=(2, 3, 0, 1),  # backward: dW2 and db2 (nearest the cost), then dW1 and db1
        transpose_hint=(
            "in batch-first rows the transpose moves: the column layout's W2.T @ delta2 is "
            "delta2 @ W2 here, and its delta @ a.T is delta.T @ a (rows are examples)"
        ),
    )
)
