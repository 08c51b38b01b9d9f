"""Exercises for chapters 1-6, and a grader that says which mistake was made.

In a chapter::

    from backprop_tour import exercises as ex

    ex.describe("sigmoid_backward")   # the signature and the task, shapes in words

    def sigmoid_backward(z, dout):
        raise NotImplementedError     # the reader's code goes here

    ex.check("sigmoid_backward", sigmoid_backward)

``check`` runs the reader's function on five seeded cases (batch 1 and non-square shapes
among them; strides, paddings and overlapping windows where the exercise has them) and
compares every output with the reference solution and, for gradients, with central
differences (``gradcheck.numerical_gradient``).  It returns a :class:`CheckResult` that
prints as one line.  A wrong answer is compared with the right one transformed the ways
people get it wrong (sign, a factor N or 2, transposed, summed over the wrong axis, rot180,
a window shifted by one, a fan-out overwritten, a ReLU mask on the wrong side ...), and the
line names the mistake; otherwise it gives the worst index and the two values there.

The passing line is the same on every machine: a verdict against the bound
("rel_error < 1e-6"), never the digits of an error.

Public: :func:`names`, :func:`describe`, :func:`stub`, :func:`solution`,
:func:`solution_source`, :func:`show_solution`, :func:`check`, :class:`CheckResult`.
"""

from __future__ import annotations

import inspect
import os
import re
import textwrap
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import log_softmax, sigmoid
from .conv import correlate2d, pad2d
from .gradcheck import numerical_gradient, rel_error
from .layers import Conv2D, MaxPool2D

#: A relative error above this fails, against the reference and against central differences.
TOLERANCE = 1e-6
_TOL_TEXT = "1e-6"  # as printed: fixed text, the same on every machine


# ----------------------------------------------------------------------------------------
# Reference solutions: short, readable, shown to readers.  ``show_solution`` prints each
# under the exercise's own name (``_softmax`` is shown as ``softmax``).
# ----------------------------------------------------------------------------------------


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))  # shift: the largest exponent is e^0 = 1
    return e / e.sum(axis=1, keepdims=True)  # each row sums to 1


def _softmax_ce_grad(z, y):
    n = z.shape[0]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)  # softmax of each row, (N, K)
    p[np.arange(n), y] -= 1.0  # p - onehot(y)
    return p / n  # the cost is the mean over the batch


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


def _dense_backward(x, W, b, dout):
    dx = dout @ W  # (N, M) @ (M, D) -> (N, D)
    dW = dout.T @ x  # (M, N) @ (N, D) -> (M, D)
    db = dout.sum(axis=0)  # (M,): b is added to every example
    return dx, dW, db


def _relu_backward(x, dout):
    return dout * (x > 0)  # the gradient passes where the unit was active


def _conv_dw(x, dout):
    kh = x.shape[0] - dout.shape[0] + 1
    kw = x.shape[1] - dout.shape[1] + 1
    dw = np.zeros((kh, kw))
    for m in range(kh):
        for n in range(kw):  # dW[m, n] = sum_ij dY[i, j] X[i + m, j + n]
            window = x[m : m + dout.shape[0], n : n + dout.shape[1]]
            dw[m, n] = np.sum(dout * window)
    return dw


def _conv_dx(dout, w):
    kh, kw = w.shape
    padded = np.pad(dout, ((kh - 1, kh - 1), (kw - 1, kw - 1)))  # full: every partial overlap
    rot = w[::-1, ::-1]  # rot180(W)
    h, wd = padded.shape[0] - kh + 1, padded.shape[1] - kw + 1
    dx = np.zeros((h, wd))
    for i in range(h):
        for j in range(wd):  # rot180(W) slides over the zero-padded dY
            dx[i, j] = np.sum(padded[i : i + kh, j : j + kw] * rot)
    return dx


def _maxpool_backward(x, dout, size, stride):
    dx = np.zeros_like(x)
    n_batch, channels, h_out, w_out = dout.shape
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):  # output (i, j) is the max of this window:
                    rows = slice(i * stride, i * stride + size)
                    cols = slice(j * stride, j * stride + size)
                    window = x[n, c, rows, cols]
                    m, k = np.unravel_index(np.argmax(window), window.shape)
                    # route to the argmax; += because windows may overlap
                    dx[n, c, i * stride + m, j * stride + k] += dout[n, c, i, j]
    return dx


def _conv_backward(x, w, dout, stride, padding):
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))  # the input the forward pass saw
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    _, _, kh, kw = w.shape
    n_batch, filters, h_out, w_out = dout.shape
    for n in range(n_batch):
        for f in range(filters):
            for i in range(h_out):
                for j in range(w_out):  # output (i, j) read xp[n, :, rows, cols] with w[f]
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    dw[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * w[f]
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    dx = dxp[:, :, p : p + x.shape[2], p : p + x.shape[3]]  # crop the padding
    return dx, dw, db


def _sgd_step(param, grad, lr):
    return param - lr * grad  # a step downhill


def _sgd_momentum_step(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity - lr * grad  # as in optim.SGD
    return param + velocity, velocity


# ----------------------------------------------------------------------------------------
# Exercises: statement, cases, central differences and the mistakes worth naming
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer: ``wrong(*args)`` computes it for one part of the output."""

    hint: str
    wrong: Callable
    part: int = 0


@dataclass(frozen=True)
class Case:
    args: tuple
    consts: dict = field(default_factory=dict)  # named sizes, for "factor N" hints


@dataclass(frozen=True)
class Exercise:
    name: str
    chapter: int
    signature: str
    statement: str
    reference: Callable
    cases: Callable[[], list]
    parts: tuple = ("out",)
    numeric: Callable | None = None  # (*args) -> tuple of central-difference arrays
    mistakes: tuple = ()
    shifts: bool = False  # test "window shifted by one" and rot180 of the right answer
    nan_hint: str = ""

    @property
    def arg_names(self) -> list[str]:
        inside = self.signature[self.signature.index("(") + 1 : self.signature.index(")")]
        return [a.strip() for a in inside.split(",")]


_EXERCISES: dict[str, Exercise] = {}


def _add(ex: Exercise) -> None:
    _EXERCISES[ex.name] = ex


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(sum(ord(c) for c in name))  # a fixed seed per exercise


def _away_from_zero(a: np.ndarray, gap: float = 0.05) -> np.ndarray:
    """No entry closer to 0 than ``gap``: kinks (ReLU) stay out of central differences."""
    return np.where(np.abs(a) < gap, a + np.where(a < 0, -gap, gap), a)


# -- chapter 1 ---------------------------------------------------------------------------


def _softmax_cases():
    r = _rng("softmax")
    big = r.normal(size=(4, 3))
    big[1] = [1000.0, 999.0, -1000.0]  # exp(1000) overflows unless the max is subtracted
    big[3] = [-800.0, -801.5, -799.0]
    shapes = [(3, 4), (1, 5), (5, 2), (3, 7)]
    cases = [Case((3.0 * r.normal(size=s),), {"N": s[0], "K": s[1]}) for s in shapes]
    cases.insert(2, Case((big,), {"N": 4, "K": 3}))
    return cases


_add(
    Exercise(
        "softmax",
        1,
        "softmax(z) -> p",
        "Turn a batch of logits z, of shape (N, K) with one row per example and one column "
        "per class, into probabilities p of the same shape: p[n, k] = exp(z[n, k]) / "
        "sum_j exp(z[n, j]), so that every row is positive and sums to 1. It must not "
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
        nan_hint="exp overflowed? Subtract each row's max before exp (chapter 1)",
    )
)


def _ce_cases():
    r = _rng("softmax_ce_grad")
    out = []
    for n, k in ((3, 4), (1, 5), (5, 3), (4, 7), (6, 5)):
        out.append(Case((r.normal(size=(n, k)), r.integers(0, k, size=n)), {"N": n, "K": k}))
    return out


def _ce_numeric(z, y):
    z0 = np.array(z, dtype=np.float64)
    n = z0.shape[0]
    return (
        numerical_gradient(lambda: float(-log_softmax(z0, axis=1)[np.arange(n), y].mean()), z0),
    )


def _onehot(y, k):
    return np.eye(k)[y]


_add(
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

# -- chapter 2 ---------------------------------------------------------------------------


def _sigmoid_cases():
    r = _rng("sigmoid_backward")
    shapes = [(3, 4), (1, 5), (6,), (4, 3), (2, 3, 5)]
    return [Case((2.0 * r.normal(size=s), r.normal(size=s))) for s in shapes]


def _sigmoid_numeric(z, dout):
    z0 = np.array(z, dtype=np.float64)
    return (numerical_gradient(lambda: float(np.sum(sigmoid(z0) * dout)), z0),)


_SIG_PRIME_SLIP = (
    "sigma' taken at a = sigma(z) instead of at z: the factor is sigma(z) (1 - sigma(z)) "
    "(source 004's slip, chapter 3)"
)
_Z_ONE_MINUS_Z = (
    "sigma' written as z (1 - z): it is sigma(z) (1 - sigma(z)), in the sigmoid's output "
    "(source 001's slip, chapter 2)"
)


def _dsig(z):
    s = sigmoid(z)
    return s * (1.0 - s)


_add(
    Exercise(
        "sigmoid_backward",
        2,
        "sigmoid_backward(z, dout) -> dz",
        "A sigmoid a = sigma(z) = 1 / (1 + exp(-z)) was applied elementwise to an array z of "
        "any shape. Given z and the upstream gradient dout = dL/da (the same shape), return "
        "dz = dL/dz, the same shape: the upstream gradient times the sigmoid's local "
        "derivative at z.",
        _sigmoid_backward,
        _sigmoid_cases,
        ("dz",),
        _sigmoid_numeric,
        mistakes=(
            Mistake(_Z_ONE_MINUS_Z, lambda z, d: d * z * (1.0 - z)),
            Mistake(_SIG_PRIME_SLIP, lambda z, d: d * _dsig(sigmoid(z))),
            Mistake("forgot to multiply by the upstream gradient dout", lambda z, d: _dsig(z)),
            Mistake(
                "multiplied by sigma(z) only: the derivative is sigma(z) (1 - sigma(z))",
                lambda z, d: d * sigmoid(z),
            ),
        ),
    )
)


def _chain_cases():
    r = _rng("chain_grads")
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


def _chain_variant(x, y, w1, w2, dsig_out=None, source_sign=False, hidden_dsig=True):
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
    return float(np.sum(delta2 * w2 * d_hidden * x)), float(np.sum(delta2 * a1))


_CHAIN_SIGN = (
    "the sign of dJ/dy_hat's first term: it is -y/y_hat + (1 - y)/(1 - y_hat) "
    "(source 001's slip, chapter 2)"
)
_add(
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
            Mistake(_Z_ONE_MINUS_Z, lambda *a: _chain_variant(*a, dsig_out="z")[0], 0),
            Mistake(_Z_ONE_MINUS_Z, lambda *a: _chain_variant(*a, dsig_out="z")[1], 1),
            Mistake(
                "dw1 is missing the hidden sigmoid's derivative a1 (1 - a1)",
                lambda *a: _chain_variant(*a, hidden_dsig=False)[0],
                0,
            ),
        ),
    )
)


def _fanout_cases():
    r = _rng("fanout_backward")
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


_OVERWRITE = (
    "gradients overwritten instead of added at the fan-out: a1 feeds both z2 and z3, so "
    "dJ/da1 = w2 dz2 + w3 dz3 (gradients add where a value branches)"
)
_add(
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
            Mistake(_OVERWRITE, lambda z1, w2, w3, d2, d3: w3 * d3 * _dsig(z1)),
            Mistake(_OVERWRITE, lambda z1, w2, w3, d2, d3: w2 * d2 * _dsig(z1)),
            Mistake(
                "returned dJ/da1: multiply by sigma'(z1) = a1 (1 - a1) to reach z1",
                lambda z1, w2, w3, d2, d3: w2 * d2 + w3 * d3,
            ),
        ),
    )
)

# -- chapter 3 ---------------------------------------------------------------------------


def _delta_cases():
    r = _rng("hidden_delta")
    out = []
    for n, h, k in ((3, 4, 5), (1, 3, 4), (5, 6, 3), (4, 3, 6), (6, 5, 7)):
        args = (r.normal(size=(n, k)), r.normal(size=(k, h)), 1.5 * r.normal(size=(n, h)))
        out.append(Case(args, {"N": n, "H": h, "K": k}))
    return out


def _delta_numeric(delta2, W2, z1):
    z0 = np.array(z1, dtype=np.float64)
    return (numerical_gradient(lambda: float(np.sum(delta2 * (sigmoid(z0) @ W2.T))), z0),)


_add(
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
        mistakes=(
            Mistake("forgot the factor sigma'(z1)", lambda d2, W2, z1: d2 @ W2),
            Mistake(_SIG_PRIME_SLIP, lambda d2, W2, z1: (d2 @ W2) * _dsig(sigmoid(z1))),
            Mistake(_Z_ONE_MINUS_Z, lambda d2, W2, z1: (d2 @ W2) * z1 * (1.0 - z1)),
        ),
    )
)


def _two_layer_cases():
    r = _rng("two_layer_grads")
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


def _two_layer_variant(a0, y, W1, b1, W2, b2, dsig=_dsig, hidden=True):
    n = a0.shape[0]
    z1 = a0 @ W1.T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = sigmoid(z2)
    delta2 = (a2 - y) * dsig(z2) / n
    delta1 = (delta2 @ W2) * (dsig(z1) if hidden else 1.0)
    return delta1.T @ a0, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0)


def _mse_factor(*args):
    return tuple(2.0 / args[1].shape[1] * g for g in _two_layer_grads(*args))


_MSE_HINT = (
    "a factor 2/K: that is the library's MSE (a mean over all N K entries); the cost here is "
    "C = 1/2 ||a2 - y||^2 averaged over the batch"
)
_add(
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
                _SIG_PRIME_SLIP,
                lambda *a, i=i: _two_layer_variant(*a, dsig=lambda z: _dsig(sigmoid(z)))[i],
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
        ),
    )
)

# -- chapter 4 ---------------------------------------------------------------------------


def _dense_cases():
    r = _rng("dense_backward")
    out = []
    for n, d, m in ((3, 4, 5), (1, 3, 4), (5, 3, 6), (4, 6, 3), (7, 5, 4)):
        args = (
            r.normal(size=(n, d)),
            r.normal(size=(m, d)),
            r.normal(size=m),
            r.normal(size=(n, m)),
        )
        out.append(Case(args, {"N": n, "D": d, "M": m}))
    return out


def _dense_numeric(x, W, b, dout):
    x0, W0, b0 = (np.array(a, dtype=np.float64) for a in (x, W, b))

    def f():
        return float(np.sum((x0 @ W0.T + b0) * dout))

    return numerical_gradient(f, x0), numerical_gradient(f, W0), numerical_gradient(f, b0)


_add(
    Exercise(
        "dense_backward",
        4,
        "dense_backward(x, W, b, dout) -> (dx, dW, db)",
        "A dense layer computed out = x W^T + b for a batch x of shape (N, D), with the "
        "library's convention W of shape (M, D) (row k: the weights into output unit k) and "
        "b of shape (M,). Given the upstream gradient dout = dL/d(out), shape (N, M), return "
        "dx (N, D), dW (M, D) and db (M,), each summed over the batch where a parameter is "
        "shared by every example.",
        _dense_backward,
        _dense_cases,
        ("dx", "dW", "db"),
        _dense_numeric,
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
    r = _rng("relu_backward")
    shapes = [(3, 4), (1, 5), (4, 3), (2, 3, 5), (6,)]
    return [Case((_away_from_zero(r.normal(size=s)), r.normal(size=s))) for s in shapes]


def _relu_numeric(x, dout):
    x0 = np.array(x, dtype=np.float64)
    return (numerical_gradient(lambda: float(np.sum(np.maximum(x0, 0.0) * dout)), x0),)


_add(
    Exercise(
        "relu_backward",
        4,
        "relu_backward(x, dout) -> dx",
        "A ReLU computed out = max(x, 0) elementwise on an array x of any shape. Given x and "
        "the upstream gradient dout = dL/d(out) of the same shape, return dx = dL/dx, the "
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

# -- chapter 5 ---------------------------------------------------------------------------


def _conv_dw_cases():
    r = _rng("conv_dw")
    out = []
    for h, w, kh, kw in ((5, 4, 2, 3), (4, 6, 3, 2), (6, 5, 3, 3), (3, 5, 2, 4), (7, 6, 4, 2)):
        out.append(Case((r.normal(size=(h, w)), r.normal(size=(h - kh + 1, w - kw + 1)))))
    return out


def _conv_dw_numeric(x, dout):
    w0 = np.zeros((x.shape[0] - dout.shape[0] + 1, x.shape[1] - dout.shape[1] + 1))
    return (numerical_gradient(lambda: float(np.sum(correlate2d(x, w0) * dout)), w0),)


def _shifted_input(axis: int, by: int):
    # x[i + m - 1] in a loop wraps round to the last row in Python: np.roll
    return lambda x, d: _conv_dw(np.roll(x, by, axis=axis), d)


_CONV_DW_SHIFT = (
    "window shifted by one: dW[m, n] = sum_ij dY[i, j] X[i + m, j + n], with the window "
    "starting at X[m, n]"
)
_add(
    Exercise(
        "conv_dw",
        5,
        "conv_dw(x, dout) -> dw",
        "A one-channel convolution layer computed the valid cross-correlation "
        "Y[i, j] = sum_mn X[i + m, j + n] W[m, n] of an input x of shape (H, W) with a "
        "filter of shape (KH, KW). Given x and dout = dL/dY, of shape (H - KH + 1, W - KW + 1), "
        "return dw = dL/dW, of shape (KH, KW), with explicit loops: each weight collects "
        "dout times the input values it multiplied.",
        _conv_dw,
        _conv_dw_cases,
        ("dw",),
        _conv_dw_numeric,
        mistakes=(
            Mistake(
                "rot180 where none belongs: you convolved (dout flipped); dW is the "
                "cross-correlation of x with dout, dW[m, n] = sum_ij dY[i, j] X[i + m, j + n]",
                lambda x, d: _conv_dw(x, d[::-1, ::-1]),
            ),
        )
        + tuple(
            Mistake(_CONV_DW_SHIFT, _shifted_input(axis, by)) for axis in (0, 1) for by in (1, -1)
        ),
        shifts=True,
    )
)


def _conv_dx_cases():
    r = _rng("conv_dx")
    out = []
    for ho, wo, kh, kw in ((3, 2, 2, 3), (2, 4, 3, 2), (4, 3, 2, 2), (1, 3, 3, 2), (3, 5, 2, 4)):
        out.append(Case((r.normal(size=(ho, wo)), r.normal(size=(kh, kw)))))
    return out


def _conv_dx_numeric(dout, w):
    x0 = np.zeros((dout.shape[0] + w.shape[0] - 1, dout.shape[1] + w.shape[1] - 1))
    return (numerical_gradient(lambda: float(np.sum(correlate2d(x0, w) * dout)), x0),)


_add(
    Exercise(
        "conv_dx",
        5,
        "conv_dx(dout, w) -> dx",
        "A one-channel convolution layer computed the valid cross-correlation "
        "Y[i, j] = sum_mn X[i + m, j + n] W[m, n] with a filter w of shape (KH, KW). Given "
        "dout = dL/dY, of shape (H_out, W_out), and w, return dx = dL/dX, of shape "
        "(H_out + KH - 1, W_out + KW - 1): the full convolution of dout with w, i.e. "
        "rot180(w) sliding over dout zero-padded by KH - 1 rows and KW - 1 columns.",
        _conv_dx,
        _conv_dx_cases,
        ("dx",),
        _conv_dx_numeric,
        mistakes=(
            Mistake(
                "rot180 missing: slide rot180(w), not w, over the zero-padded dout",
                lambda d, w: correlate2d(d, w, "full"),
            ),
            Mistake(
                "rot180 of the right answer: the operands are swapped (source 002's order); "
                "slide rot180(w) over the padded dout",
                lambda d, w: correlate2d(w[::-1, ::-1], d, "full"),
            ),
            Mistake(
                "padded by KH, KW instead of KH - 1, KW - 1 (a full convolution)",
                lambda d, w: correlate2d(pad2d(d, (1, 1)), w[::-1, ::-1], "full"),
            ),
            Mistake(
                "padded by KH - 2, KW - 2 instead of KH - 1, KW - 1 (a full convolution)",
                lambda d, w: correlate2d(d, w[::-1, ::-1], "full")[1:-1, 1:-1],
            ),
        ),
        shifts=True,
    )
)


def _pool_cases():
    r = _rng("maxpool_backward")
    out = []
    for n, c, h, w, size, stride in (
        (1, 1, 4, 6, 2, 2),
        (3, 2, 6, 4, 2, 2),
        (1, 2, 7, 5, 3, 2),  # overlapping windows
        (4, 1, 5, 6, 2, 1),  # overlapping windows
        (1, 3, 7, 8, 3, 3),  # the last row and columns are reached by no window
    ):
        x = r.normal(size=(n, c, h, w))
        h_out, w_out = (h - size) // stride + 1, (w - size) // stride + 1
        out.append(Case((x, r.normal(size=(n, c, h_out, w_out)), size, stride), {"N": n}))
    return out


def _pool_numeric(x, dout, size, stride):
    x0 = np.array(x, dtype=np.float64)
    pool = MaxPool2D(size, stride)
    return (numerical_gradient(lambda: float(np.sum(pool.forward(x0) * dout)), x0),)


def _pool_variant(x, dout, size, stride, route="max", add=True):
    dx = np.zeros_like(x)
    n_batch, channels, h_out, w_out = dout.shape
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    rows = slice(i * stride, i * stride + size)
                    cols = slice(j * stride, j * stride + size)
                    window = x[n, c, rows, cols]
                    g = dout[n, c, i, j]
                    if route in ("mean", "copy"):
                        dx[n, c, rows, cols] += g / size**2 if route == "mean" else g
                        continue
                    pick = np.argmax(window) if route == "max" else np.argmin(window)
                    m, k = np.unravel_index(pick, window.shape)
                    if add:
                        dx[n, c, i * stride + m, j * stride + k] += g
                    else:
                        dx[n, c, i * stride + m, j * stride + k] = g
    return dx


_add(
    Exercise(
        "maxpool_backward",
        5,
        "maxpool_backward(x, dout, size, stride) -> dx",
        "Max-pooling took the maximum of each size x size window of x, shape (N, C, H, W), "
        "the windows moved by stride (possibly less than size, so that windows overlap), "
        "giving an output of shape (N, C, H_out, W_out), H_out = (H - size) // stride + 1. "
        "Given x, dout = dL/d(out) of the output's shape, size and stride, return dx = dL/dx, "
        "shape (N, C, H, W): each dout entry goes to the position of its window's maximum.",
        _maxpool_backward,
        _pool_cases,
        ("dx",),
        _pool_numeric,
        mistakes=(
            Mistake(
                "gradients overwritten instead of added where windows overlap: use +=",
                lambda *a: _pool_variant(*a, add=False),
            ),
            Mistake(
                "spread evenly over the window (that is average pooling): route each "
                "gradient to the window's maximum",
                lambda *a: _pool_variant(*a, route="mean"),
            ),
            Mistake(
                "copied to the whole window: only the window's maximum gets the gradient",
                lambda *a: _pool_variant(*a, route="copy"),
            ),
            Mistake(
                "routed to the window's minimum: use argmax", lambda *a: _pool_variant(*a, "min")
            ),
        ),
        shifts=True,
    )
)


def _conv_cases():
    r = _rng("conv_backward")
    out = []
    for n, c, h, w, f, kh, kw, s, p in (
        (3, 2, 5, 6, 2, 3, 2, 1, 0),
        (1, 1, 6, 5, 3, 2, 3, 2, 1),
        (4, 2, 7, 6, 1, 3, 3, 3, 2),  # the stride does not reach the last rows
        (1, 3, 4, 5, 2, 2, 2, 2, 0),
        (5, 1, 5, 4, 2, 3, 2, 1, 1),
    ):
        h_out, w_out = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
        args = (
            r.normal(size=(n, c, h, w)),
            r.normal(size=(f, c, kh, kw)),
            r.normal(size=(n, f, h_out, w_out)),
            s,
            p,
        )
        out.append(Case(args, {"N": n}))
    return out


def _conv_numeric(x, w, dout, stride, padding):
    f, c, kh, kw = w.shape
    layer = Conv2D(c, f, (kh, kw), stride=stride, padding=padding)
    x0 = np.array(x, dtype=np.float64)
    layer.params["W"][...] = w
    layer.params["b"][...] = 0.0

    def cost():
        return float(np.sum(layer.forward(x0) * dout))

    return (
        numerical_gradient(cost, x0),
        numerical_gradient(cost, layer.params["W"]),
        numerical_gradient(cost, layer.params["b"]),
    )


def _uncropped(x, w, dout, stride, padding):
    p = padding
    dx, _, _ = _conv_backward(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), w, dout, stride, 0)
    return dx


_add(
    Exercise(
        "conv_backward",
        5,
        "conv_backward(x, w, dout, stride, padding) -> (dx, dw, db)",
        "A convolution layer (a cross-correlation, like Conv2D) with F filters w of shape "
        "(F, C, KH, KW) read a batch x of shape (N, C, H, W), zero-padded by padding on every "
        "side, with windows moved by stride: out[n, f, i, j] = b[f] + sum_cmk "
        "w[f, c, m, k] xp[n, c, i stride + m, j stride + k], of shape (N, F, H_out, W_out). "
        "Given x, w, dout = dL/d(out), stride and padding, return dx (N, C, H, W), "
        "dw (F, C, KH, KW) and db (F,), summed over the batch and over every output position.",
        _conv_backward,
        _conv_cases,
        ("dx", "dw", "db"),
        _conv_numeric,
        mistakes=(
            Mistake(
                "padding not cropped: dx must have x's shape; cut padding rows and columns "
                "off every side",
                _uncropped,
                0,
            ),
            Mistake(
                "db summed over the batch only: also sum over the output positions (axes 2, 3)",
                lambda x, w, d, s, p: d.sum(axis=0),
                2,
            ),
            Mistake(
                "db summed over the output positions only: also sum over the batch (axis 0)",
                lambda x, w, d, s, p: d.sum(axis=(2, 3)),
                2,
            ),
        ),
        shifts=True,
    )
)

# -- chapter 6 ---------------------------------------------------------------------------


def _sgd_cases():
    r = _rng("sgd_step")
    shapes = [(3, 4), (5,), (1, 6), (4, 3), (2, 3, 5)]
    lrs = [0.1, 0.05, 0.3, 0.01, 0.2]
    return [
        Case((r.normal(size=s), r.normal(size=s), lr), {"lr": lr})
        for s, lr in zip(shapes, lrs, strict=True)
    ]


_add(
    Exercise(
        "sgd_step",
        6,
        "sgd_step(param, grad, lr) -> new_param",
        "One step of plain gradient descent: given a parameter array param, its gradient grad "
        "(the same shape) and the learning rate lr (a float), return the updated parameter, "
        "the same shape, one step of length lr times the gradient downhill.",
        _sgd_step,
        _sgd_cases,
        ("new_param",),
        mistakes=(
            Mistake(
                "the sign of the step: moved uphill; subtract lr * grad",
                lambda p, g, lr: p + lr * g,
            ),
            Mistake("forgot the learning rate lr", lambda p, g, lr: p - g),
            Mistake(
                "returned the step -lr * grad, not the updated parameter",
                lambda p, g, lr: -lr * g,
            ),
        ),
    )
)


def _momentum_cases():
    r = _rng("sgd_momentum_step")
    out = []
    for s, lr, mu in (
        ((3, 4), 0.1, 0.9),
        ((5,), 0.05, 0.5),
        ((1, 6), 0.3, 0.8),
        ((4, 3), 0.01, 0.95),
        ((2, 3, 5), 0.2, 0.7),
    ):
        out.append(Case((r.normal(size=s), r.normal(size=s), r.normal(size=s), lr, mu)))
    return out


def _pytorch_momentum(p, g, v, lr, mu):
    v = mu * v + g
    return p - lr * v, v


def _old_velocity(p, g, v, lr, mu):
    return p + v, mu * v - lr * g


_PYTORCH = (
    "that is PyTorch's convention (v = momentum v + grad, param -= lr v); the book's SGD "
    "uses v = momentum v - lr grad, then param += v"
)
_add(
    Exercise(
        "sgd_momentum_step",
        6,
        "sgd_momentum_step(param, grad, velocity, lr, momentum) -> (new_param, new_velocity)",
        "One step of the library's SGD with momentum: given a parameter array param, its "
        "gradient grad and the velocity left by the previous step (all the same shape), the "
        "learning rate lr and the momentum (floats), first update the velocity, "
        "v = momentum v - lr grad, then move the parameter by it, param + v. Return the new "
        "parameter and the new velocity, both the shape of param.",
        _sgd_momentum_step,
        _momentum_cases,
        ("new_param", "new_velocity"),
        mistakes=(
            Mistake(_PYTORCH, lambda *a: _pytorch_momentum(*a)[0], 0),
            Mistake(_PYTORCH, lambda *a: _pytorch_momentum(*a)[1], 1),
            Mistake(
                "moved the parameter by the old velocity: update v first, then param += v",
                lambda *a: _old_velocity(*a)[0],
                0,
            ),
            Mistake(
                "forgot to multiply the old velocity by momentum",
                lambda p, g, v, lr, mu: p + v - lr * g,
                0,
            ),
            Mistake(
                "forgot to multiply the old velocity by momentum",
                lambda p, g, v, lr, mu: v - lr * g,
                1,
            ),
            Mistake(
                "the sign of the step: param moved uphill; v = momentum v - lr grad, param + v",
                lambda p, g, v, lr, mu: p - (mu * v - lr * g),
                0,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------


def names(chapter: int | None = None) -> list[str]:
    """The exercises' names, in chapter order (only chapter ``chapter``'s if given)."""
    return [n for n, e in _EXERCISES.items() if chapter is None or e.chapter == chapter]


def _get(name: str) -> Exercise:
    if name not in _EXERCISES:
        raise ValueError(f"no exercise named {name!r}; the exercises are {names()}")
    return _EXERCISES[name]


def _wrap(text: str, indent: str) -> str:
    """Lines of at most 88 characters; a shape such as (N, C, H, W) is never split."""
    glued = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(" ", "\0"), text)
    return textwrap.fill(glued, 88, initial_indent=indent, subsequent_indent=indent).replace(
        "\0", " "
    )


class Text(str):
    """A string that Jupyter shows as itself (no quotes, real line breaks)."""

    def __repr__(self) -> str:
        return str(self)


class Code(Text):
    """Python source: plain text, and a highlighted code block in Jupyter."""

    def _repr_markdown_(self) -> str:
        return f"```python\n{self}```"


def describe(name: str) -> Text:
    """The signature and a one-paragraph statement of the task, shapes in words."""
    ex = _get(name)
    return Text(f"{ex.signature}\n\n{_wrap(ex.statement, '')}")


def stub(name: str) -> Code:
    """Source of an empty function for the reader to fill, the task as its docstring."""
    ex = _get(name)
    head, _, ret = ex.signature.partition(" -> ")
    body = _wrap(ex.statement, "    ")
    return Code(
        f"def {head}:\n"
        f'    """Return {ret}.\n\n{body}\n    """\n'
        f"    raise NotImplementedError  # your code here\n"
    )


def solution(name: str) -> Callable:
    """The reference implementation: a plain function of NumPy arrays."""
    return _get(name).reference


def solution_source(name: str) -> str:
    """The reference implementation's source, under the exercise's own name."""
    src = inspect.getsource(_get(name).reference)
    return re.sub(r"^def _(\w+)\(", r"def \1(", src, count=1)


def show_solution(name: str) -> Code:
    """``solution_source(name)``, shown by Jupyter as highlighted code."""
    return Code(solution_source(name))


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` found: ``passed`` and a one-line ``message``."""

    name: str
    passed: bool
    message: str

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _label(ex: Exercise, case: Case, i: int, n: int) -> str:
    bits = []
    for name, a in zip(ex.arg_names, case.args, strict=True):
        if isinstance(a, np.ndarray):
            bits.append(f"{name} {a.shape}")
        else:
            bits.append(f"{name} = {_fmt(a) if isinstance(a, float) else a}")
    return f"case {i + 1} of {n}: {', '.join(bits)}"


def _copy(args: tuple) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and rel_error(a, b) < TOLERANCE


def _describe_value(v) -> str:
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape}"
    return f"a {type(v).__name__}"


def _as_array(v, part: str, expected: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The reader's value as a float64 array, or a one-line complaint."""
    if v is None:
        return None, f"{part} is None (a missing return?)"
    if isinstance(v, bool | int | float | np.number):
        v = np.asarray(v)
    if not isinstance(v, np.ndarray):
        return None, f"{part} is {_describe_value(v)}, expected a NumPy array"
    if not (np.issubdtype(v.dtype, np.number) or v.dtype == bool):
        return None, f"{part} has dtype {v.dtype}, expected numbers"
    v = v.astype(np.float64)
    if expected.shape == () and v.size == 1:
        v = v.reshape(())
    return v, ""


def _factor_names(case: Case) -> list[tuple[str, float]]:
    """Named constants a gradient is often off by: ("N (N = 3)", 3.0), ("1/N (N = 3)", ...)."""
    out = []
    for k, v in case.consts.items():  # N first: a missing or extra 1/N is the usual slip
        shown = _fmt(v)
        out += [(f"{k} ({k} = {shown})", float(v)), (f"1/{k} ({k} = {shown})", 1.0 / v)]
    return out[:2] + [("2", 2.0), ("1/2", 0.5)] + out[2:]


def _shape_hint(ex, case, k, got, exp) -> str:
    shapes = f"expected shape {exp.shape}, got {got.shape}"
    for m in ex.mistakes:
        if m.part == k:
            wrong = np.asarray(m.wrong(*_copy(case.args)), dtype=np.float64)
            if wrong.shape == got.shape and _close(got, wrong):
                return f"{m.hint} ({shapes})"
    if exp.ndim == 2 and got.shape == exp.T.shape and _close(got, exp.T):
        return f"transposed ({shapes})"
    n = case.consts.get("N")
    if n is not None and got.shape == (n, *exp.shape):
        if _close(got.sum(axis=0), exp):
            return f"not summed over the batch: sum over axis 0 ({shapes})"
        if _close(got.mean(axis=0), exp * 1.0):
            return f"not summed over the batch ({shapes})"
    if got.size == exp.size and _close(got.reshape(exp.shape), exp):
        return f"the right values in the wrong shape: reshape ({shapes})"
    return f"wrong shape: {shapes}"


def _value_hint(ex, case, k, got, exp) -> str:
    for m in ex.mistakes:
        if m.part == k:
            wrong = np.asarray(m.wrong(*_copy(case.args)), dtype=np.float64)
            if _close(got, wrong.reshape(got.shape) if wrong.size == got.size else wrong):
                return m.hint
    denom = float(np.sum(exp * exp))
    if denom > 0:
        c = float(np.sum(got * exp)) / denom
        if abs(c - 1.0) > TOLERANCE and _close(got, c * exp):
            if abs(c + 1.0) < TOLERANCE:
                return "the sign is flipped: yours is -1 times the right one"
            named = [n for n, v in _factor_names(case) if abs(abs(c) - v) < TOLERANCE * v]
            sign = "sign flipped and " if c < 0 else ""
            if named:
                return f"{sign}off by a factor {named[0]}: yours is {_fmt(c)} times the right one"
            if exp.size > 1 and abs(abs(c) - 1.0) > 1e-3:  # any scalar is a multiple of another
                return f"{sign}off by a constant factor: yours is {_fmt(c)} times the right one"
    if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and _close(got, exp.T):
        return "transposed"
    if ex.shifts and exp.ndim >= 2:
        if _close(got, exp[..., ::-1, ::-1]):
            return "rot180 of the right answer (a kernel flipped where it should not be, or not flipped)"
        for axis in (-2, -1):
            for by in (1, -1):
                rolled = np.roll(exp, by, axis=axis)
                zeroed = rolled.copy()
                index = [slice(None)] * exp.ndim
                index[axis] = 0 if by == 1 else -1
                zeroed[tuple(index)] = 0.0
                if _close(got, rolled) or _close(got, zeroed):
                    where = "down" if axis == -2 else "right"
                    if by == -1:
                        where = "up" if axis == -2 else "left"
                    return f"a window shifted by one ({where}): check the index offsets"
    if exp.size == 1:
        return (
            f"wrong value (rel_error {rel_error(got, exp):.2g} > {_TOL_TEXT}): "
            f"yours {_fmt(float(got.flat[0]))}, expected {_fmt(float(exp.flat[0]))}"
        )
    diff = np.abs(got - exp)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    at = f"at index {worst}: " if worst else ""
    return (
        f"wrong values (rel_error {rel_error(got, exp):.2g} > {_TOL_TEXT}); worst {at}"
        f"yours {_fmt(float(got[worst]))}, expected {_fmt(float(exp[worst]))}"
    )


def _user_line(err: BaseException) -> str:
    """Where in the reader's code the exception came from, if it did."""
    here = os.path.dirname(__file__)
    frames = [
        f
        for f in traceback.extract_tb(err.__traceback__)
        if not f.filename.startswith(here) and "site-packages" not in f.filename
    ]
    if not frames or not frames[-1].line:
        return ""
    return f" (at line {frames[-1].lineno}: {frames[-1].line.strip()})"


def _run(fn: Callable, args: tuple):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*_copy(args))


def _grade_case(ex: Exercise, case: Case, answer: Callable) -> str:
    """'' if ``answer`` is right on ``case``, else what is wrong (without the case label)."""
    expected = ex.reference(*_copy(case.args))
    expected = expected if len(ex.parts) > 1 else (expected,)
    expected = [np.asarray(e, dtype=np.float64) for e in expected]
    numeric = ex.numeric(*_copy(case.args)) if ex.numeric else None
    try:
        got = _run(answer, case.args)
    except Exception as err:  # the reader's code: report it, never a traceback wall
        text = str(err).strip().splitlines()[0] if str(err).strip() else ""
        text = text if len(text) <= 160 else text[:157] + "..."
        return f"raised {type(err).__name__}{': ' + text if text else ''}{_user_line(err)}"
    if len(ex.parts) > 1:
        if got is None:
            return f"returned None (a missing return?); expected a tuple ({', '.join(ex.parts)})"
        if not isinstance(got, tuple | list) or len(got) != len(ex.parts):
            count = f"{len(got)} values" if isinstance(got, tuple | list) else _describe_value(got)
            return f"returned {count}; expected a tuple of {len(ex.parts)}: ({', '.join(ex.parts)})"
    else:
        got = (got,)
    for k, (part, g, e) in enumerate(zip(ex.parts, got, expected, strict=True)):
        where = f"{part}: " if len(ex.parts) > 1 else ""
        g, complaint = _as_array(g, part, e)
        if g is None:
            return complaint if len(ex.parts) > 1 else complaint.replace(part, "the result", 1)
        if not np.all(np.isfinite(g)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
            kind = "NaN" if np.isnan(g[bad]) else "inf"
            hint = f"; {ex.nan_hint}" if ex.nan_hint else ""
            at = f" at index {bad}" if bad else ""
            return f"{where}contains {kind}{at}{hint}"
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # huge values: no noise
            warnings.simplefilter("ignore")
            if g.shape != e.shape:
                return where + _shape_hint(ex, case, k, g, e)
            ok = rel_error(g, e) < TOLERANCE
            if ok and numeric is not None:
                ok = rel_error(g, numeric[k]) < TOLERANCE
            if not ok:
                return where + _value_hint(ex, case, k, g, e)
    return ""


def _verdict(ex: Exercise, n: int) -> str:
    against = "the reference and central differences" if ex.numeric else "the reference"
    return f"matches {against} on {n} cases (rel_error < {_TOL_TEXT})"


def check(name: str, answer: Callable) -> CheckResult:
    """Grade ``answer`` against exercise ``name`` on its seeded cases; never raises for
    anything the reader's function does.  See the module docstring."""
    ex = _get(name)
    if not callable(answer):
        return CheckResult(
            name, False, f"✗ {name}: expected a function, got {_describe_value(answer)}"
        )
    cases = ex.cases()
    for i, case in enumerate(cases):
        problem = _grade_case(ex, case, answer)
        if problem.startswith("raised NotImplementedError"):
            verdict = "passes this check" if check(name, ex.reference).passed else "FAILS (a bug)"
            return CheckResult(
                name,
                False,
                f"… {name}: not implemented yet (the stub raises NotImplementedError); "
                f"the reference solution, ex.solution({name!r}), {verdict}",
            )
        if problem:
            label = _label(ex, case, i, len(cases))
            return CheckResult(name, False, f"✗ {name}: {problem} [{label}]")
    return CheckResult(name, True, f"✓ {name}: {_verdict(ex, len(cases))}")
