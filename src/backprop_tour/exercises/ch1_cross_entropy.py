"""Chapter 1, the cross-entropy: a softmax that never overflows and the gradient of the mean
softmax cross-entropy."""

from __future__ import annotations

import numpy as np

from ..activations import log_softmax
from ..gradcheck import numerical_gradient
from .common import rng
from .engine import Case, Exercise, Mistake, register


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shift: the largest exponent is e^0 = 1
    return e / e.sum(axis=1, keepdims=True)  # each row sums to 1


def _softmax_ce_grad(z, y):
    n = z.shape[0]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)  # softmax of each row, (N, K)
    p[np.arange(n), y] -= 1.0  # p - onehot(y)
    return p / n  # the cost is the mean over the batch


def _softmax_cases():
    r = rng("softmax")
    big = r.normal(size=(6, 3))
    big[1] = [1000.0, 999.0, -1000.0]  # exp(1000) overflows unless the max is subtracted
    big[3] = [-800.0, -801.5, -799.0]
    # only the maximum keeps every exponent <= 0: a shift by the row's mean, median or
    # first logit leaves 1333, 2000 or 2000 here, and exp overflows
    big[4] = [1000.0, -1000.0, -1000.0]
    big[5] = [-1000.0, -1000.0, 1000.0]
    shapes = [(3, 4), (1, 5), (5, 2), (3, 7)]
    cases = [Case((3.0 * r.normal(size=s),), {"N": s[0], "K": s[1]}) for s in shapes]
    cases.insert(2, Case((big,), {"N": 6, "K": 3}, note="logits of ±1000"))
    return cases


register(
    Exercise(
        "softmax",
        1,
        "softmax(z) -> p",
        "Turn a batch of logits z, of shape (N, K) with one row per example and one column "
        "per class, into probabilities p of the same shape: p[n, k] = exp(z[n, k]) / "
        "sum_k' exp(z[n, k']), so that every row is positive and sums to 1. It must not "
        "overflow for logits of +-1000: subtract each row's largest logit before exp.",
        _softmax,
        _softmax_cases,
        ("p",),
        mistakes=(
            Mistake(
                "normalised over the wrong axis: each column (axis 0, the batch) sums to 1; "
                "normalise each row (axis=1, keepdims=True)",
                lambda z: np.exp(log_softmax(z, axis=0)),
            ),
            Mistake(
                "normalised over the whole batch at once: each row must sum to 1 (axis=1)",
                lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
            ),
            Mistake(
                "not normalised: divide exp(z - max) by its row sums",
                lambda z: np.exp(z - z.max(axis=1, keepdims=True)),
            ),
        ),
        nan_hint=(
            "exp overflowed? Subtract each row's max before exp (chapter 1): only the "
            "maximum keeps every exponent <= 0 (a row's mean, median or first logit does not)"
        ),
    )
)


def _ce_cases():
    r = rng("softmax_ce_grad")
    out = []
    for n, k in ((3, 4), (1, 5), (5, 3), (4, 7), (6, 5)):
        out.append(Case((r.normal(size=(n, k)), r.integers(0, k, size=n)), {"N": n, "K": k}))
    z = r.normal(size=(4, 3))
    z[0] = [1000.0, -1000.0, -1000.0]  # the true class (1) has probability e^-2000 = 0
    z[2] = [-1000.0, -1000.0, 1000.0]
    # exact references; central differences of costs near 2000 would only add noise
    extreme = Case((z, np.array([1, 2, 0, 2])), {"N": 4, "K": 3}, False, note="logits of ±1000")
    out.insert(2, extreme)
    return out


def _ce_numeric(z, y):
    z0 = np.array(z, dtype=np.float64)
    n = z0.shape[0]
    return (
        numerical_gradient(lambda: float(-log_softmax(z0, axis=1)[np.arange(n), y].mean()), z0),
    )


def _onehot(y, k):
    return np.eye(k)[y]


register(
    Exercise(
        "softmax_ce_grad",
        1,
        "softmax_ce_grad(z, y) -> dz",
        "The cost is the mean softmax cross-entropy J = -(1/N) sum_n log softmax(z_n)[y_n] of "
        "a batch of logits z, shape (N, K), with integer labels y, shape (N,), each in "
        "[0, K). Return dz = dJ/dz, shape (N, K): the probabilities minus the one-hot "
        "targets, divided by the batch size N.",
        _softmax_ce_grad,
        _ce_cases,
        ("dz",),
        _ce_numeric,
        nan_hint=(
            "exp overflowed, or log 0? Subtract each row's max before exp (chapter 1), and "
            "write dz as (p - onehot(y)) / N rather than through 1 / p of the true class"
        ),
        mistakes=(
            Mistake(
                "forgot to subtract the one-hot target: dz = (p - onehot(y)) / N",
                lambda z, y: _softmax(z) / len(y),
            ),
            Mistake(
                "softmax normalised over the wrong axis (axis 0, the batch): use axis=1",
                lambda z, y: (np.exp(log_softmax(z, axis=0)) - _onehot(y, z.shape[1])) / len(y),
            ),
        ),
    )
)
