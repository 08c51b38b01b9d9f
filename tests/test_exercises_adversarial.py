"""The grader attacked as a tester would: for every exercise, plausible wrong answers of
the kinds students write (every former false pass of issue 22 among them) must fail and
say which mistake they made, and differently written correct answers must pass."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour import conv
from backprop_tour import exercises as ex
from backprop_tour.activations import sigmoid, softmax

sig = sigmoid


def _dsig(z):
    return sig(z) * (1.0 - sig(z))


def _onehot(y, k):
    return np.eye(k)[y]


def _softmax_shift(by):
    def answer(z):
        e = np.exp(z - by(z))
        return e / e.sum(axis=1, keepdims=True)

    return answer


def _ce_from(p_of):
    def answer(z, y):
        p = p_of(z)
        p[np.arange(len(y)), y] -= 1.0
        return p / len(y)

    return answer


def _ce_through_p(z, y):  # chapter 5b's exhibit 5: right except where p_t underflows
    n, k = z.shape
    p = softmax(z, axis=1)
    p_t = p[np.arange(n), y][:, None]
    return -1.0 / (n * p_t) * p_t * (_onehot(y, k) - p)


def _by_shape_cache(fn):
    """An answer that remembers its first result for each input shape."""
    seen = {}

    def answer(*args):
        key = tuple(np.shape(a) for a in args)
        if key not in seen:
            seen[key] = fn(*args)
        return seen[key]

    return answer


_BUFFER = {}


def _relu_into_buffer(x, dout):  # returns a view of a buffer made once per shape
    buf = _BUFFER.setdefault(x.shape, np.empty(x.shape))
    np.multiply(dout, x > 0, out=buf)
    return buf


def _relu_in_place(x, dout):
    dout[x <= 0] = 0.0
    return dout


def _sigmoid_into_z(z, dout):
    s = sig(z)
    z[...] = s * (1.0 - s)  # reuses z's memory
    return dout * z


def _sigmoid_int(z, dout):
    dz = np.zeros_like(z, dtype=int)
    dz[...] = dout * _dsig(z)
    return dz


def _chain_variant(x, y, w1, w2, out="s", hidden="s", sign=-1.0, mean=True):
    a1 = sig(w1 * x)
    yh = sig(w2 * a1)
    z2 = w2 * a1
    d_out = z2 * (1 - z2) if out == "z" else yh * (1 - yh)
    dj = sign * y / yh + (1 - y) / (1 - yh)
    delta2 = dj * d_out / (len(x) if mean else 1)
    dh = {"s": a1 * (1 - a1), "z": w1 * x * (1 - w1 * x), "none": 1.0}[hidden]
    return float(np.sum(delta2 * w2 * dh * x)), float(np.sum(delta2 * a1))


def _chain_loops(x, y, w1, w2):
    dw1 = dw2 = 0.0
    for xi, yi in zip(x, y, strict=True):
        a1 = sig(w1 * xi)
        yh = sig(w2 * a1)
        dz2 = (yh - yi) / len(x)
        dw2 += dz2 * a1
        dw1 += dz2 * w2 * a1 * (1 - a1) * xi
    return dw1, dw2


def _two_layer(a0, y, W1, b1, W2, b2, out=True, hidden=True, at_a=False, mean=True):
    n = a0.shape[0] if mean else 1
    a1 = sig(a0 @ W1.T + b1)
    z2 = a1 @ W2.T + b2
    a2 = sig(z2)
    d2 = (a2 - y) / n * ((_dsig(a2) if at_a else _dsig(z2)) if out else 1.0)
    d1 = (d2 @ W2) * ((_dsig(a1) if at_a else a1 * (1 - a1)) if hidden else 1.0)
    return d1.T @ a0, d1.sum(0), d2.T @ a1, d2.sum(0)


def _two_layer_columns(a0, y, W1, b1, W2, b2):  # source 003's layout, one column per example
    n = a0.shape[0]
    grads = [np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)]
    for a, t in zip(a0, y, strict=True):
        a, t = a[:, None], t[:, None]
        a1 = sig(W1 @ a + b1[:, None])
        a2 = sig(W2 @ a1 + b2[:, None])
        d2 = (a2 - t) * a2 * (1 - a2) / n
        d1 = (W2.T @ d2) * a1 * (1 - a1)
        for g, v in zip(grads, (d1 @ a.T, d1[:, 0], d2 @ a1.T, d2[:, 0]), strict=True):
            g += v
    return tuple(grads)


def _dense_int(x, W, b, d):
    dx = np.zeros(x.shape, dtype=int)
    dx[...] = d @ W
    return dx, d.T @ x, d.sum(0)


def _conv_dw_loops(x, d, as_int=False):
    kh, kw = x.shape[0] - d.shape[0] + 1, x.shape[1] - d.shape[1] + 1
    dw = np.zeros((kh, kw), dtype=int if as_int else float)
    for m in range(kh):
        for n in range(kw):
            dw[m, n] = np.sum(d * x[m : m + d.shape[0], n : n + d.shape[1]])
    return dw


def _conv_dw_unfinished(x, d):
    if x.shape[0] > 5:
        raise NotImplementedError("inputs taller than 5 not done yet")
    return conv.correlate2d(x, d)


def _conv_dx_scatter(d, w):
    kh, kw = w.shape
    dx = np.zeros((d.shape[0] + kh - 1, d.shape[1] + kw - 1))
    for i, j in np.ndindex(*d.shape):
        dx[i : i + kh, j : j + kw] += d[i, j] * w
    return dx


def _pool(x, d, size, stride, pick="first", op="add"):
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(*d.shape):
        r, q = i * stride, j * stride
        win = x[n, c, r : r + size, q : q + size]
        g = d[n, c, i, j]
        if pick == "mask":
            dx[n, c, r : r + size, q : q + size] += (win == win.max()) * g
            continue
        if pick == "last":
            k = win.size - 1 - int(np.argmax(win.ravel()[::-1]))
        else:
            k = int(np.argmax(win) if pick == "first" else np.argmin(win))
        a, b = divmod(k, size)
        if op == "add":
            dx[n, c, r + a, q + b] += g
        else:
            dx[n, c, r + a, q + b] = g
    return dx


def _conv_layer(x, w, d, stride, padding):
    f, c, kh, kw = w.shape
    layer = bt.Conv2D(c, f, (kh, kw), stride=stride, padding=padding)
    layer.params["W"][...] = w
    layer.params["b"][...] = 0.0
    layer.forward(x)
    dx = layer.backward(d)
    return dx, layer.grads["W"], layer.grads["b"]


def _conv_unfinished(x, w, d, stride, padding):
    if padding:
        raise NotImplementedError("padding not done yet")
    return conv.conv2d_backward_loops(x, w, d, stride, 0)


def _sgd_in_place(p, g, lr):
    p -= lr * g
    return p


def _sgd_int(p, g, lr):
    out = np.zeros_like(p, dtype=int)
    out[...] = p - lr * g
    return out


def _momentum_in_place(p, g, v, lr, mu):
    v *= mu
    v -= lr * g
    p += v
    return p, v


class _NoDx(bt.Dense):
    def backward(self, dout):
        super().backward(dout)  # the gradients are filled, dx is forgotten


class _MyDense(bt.Dense):
    def backward(self, dout):
        x = self._cache
        self.grads["W"] = np.einsum("nm,nd->md", dout, x)
        self.grads["b"] = np.einsum("nm->m", dout)
        return np.einsum("nm,md->nd", dout, self.params["W"])


def _fanout_in_place(z1, w2, w3, d2, d3):
    d2 *= w2
    d2 += w3 * d3
    return d2 * _dsig(z1)


# name -> [(label, wrong answer, words its message must contain)]
WRONG = {
    "softmax": [
        ("shift by the mean", _softmax_shift(lambda z: z.mean(1, keepdims=True)), "overflow"),
        (
            "shift by the median",
            _softmax_shift(lambda z: np.median(z, 1, keepdims=True)),
            "overflow",
        ),
        ("shift by the first logit", _softmax_shift(lambda z: z[:, :1]), "overflow"),
        ("no shift", _softmax_shift(lambda z: 0.0), "overflow"),
        ("axis 0", lambda z: softmax(z, axis=0), "wrong axis"),
        (
            "whole batch",
            lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
            "whole batch",
        ),
        ("not normalised", lambda z: np.exp(z - z.max(1, keepdims=True)), "not normalised"),
        ("all zeros", lambda z: np.zeros_like(z), "all zeros"),
        ("transposed", lambda z: softmax(z, axis=1).T, "transposed"),
    ],
    "softmax_ce_grad": [
        (
            "unshifted softmax inside",
            _ce_from(lambda z: np.exp(z) / np.exp(z).sum(1, keepdims=True)),
            "overflow",
        ),
        ("through 1/p_t", _ce_through_p, "log 0"),
        ("no 1/N", lambda z, y: softmax(z, axis=1) - _onehot(y, z.shape[1]), "factor N"),
        (
            "divided by K",
            lambda z, y: (softmax(z, axis=1) - _onehot(y, z.shape[1])) / z.shape[1],
            "divided by K where N belongs",
        ),
        ("no one-hot", lambda z, y: softmax(z, axis=1) / len(y), "one-hot"),
        ("sign", lambda z, y: (_onehot(y, z.shape[1]) - softmax(z, axis=1)) / len(y), "sign"),
        ("complex", lambda z, y: ex.solution("softmax_ce_grad")(z, y) + 5j, "complex"),
        ("transposed", lambda z, y: ex.solution("softmax_ce_grad")(z, y).T, "transposed"),
    ],
    "sigmoid_backward": [
        ("z clipped to +-5", lambda z, d: d * _dsig(np.clip(z, -5, 5)), "clipped"),
        ("z (1 - z)", lambda z, d: d * z * (1 - z), "z (1 - z)"),
        ("sigma' at a", lambda z, d: d * _dsig(sig(z)), "instead of at z"),
        ("no upstream", lambda z, d: _dsig(z), "upstream"),
        ("sigma only", lambda z, d: d * sig(z), "sigma(z) only"),
        ("sign", lambda z, d: -d * _dsig(z), "sign"),
        ("cached by shape", _by_shape_cache(lambda z, d: d * _dsig(z)), "second call"),
        ("int dtype", _sigmoid_int, "integer dtype"),
        ("writes into z", _sigmoid_into_z, "wrote into its input z"),
    ],
    "chain_grads": [
        ("swapped", lambda *a: _chain_variant(*a)[::-1], "wrong order"),
        ("source 001's sign", lambda *a: _chain_variant(*a, sign=1.0), "source 001"),
        ("z (1 - z) at the output", lambda *a: _chain_variant(*a, out="z"), "z (1 - z)"),
        (
            "z (1 - z) in the hidden unit",
            lambda *a: _chain_variant(*a, hidden="z"),
            "hidden sigmoid's derivative written as z (1 - z)",
        ),
        (
            "no hidden sigma'",
            lambda *a: _chain_variant(*a, hidden="none"),
            "missing the hidden sigmoid",
        ),
        ("no 1/N", lambda *a: _chain_variant(*a, mean=False), "factor N"),
        (
            "not summed",
            lambda x, y, w1, w2: (
                (sig(w2 * sig(w1 * x)) - y) * w2 * _dsig(w1 * x) * x / len(x),
                float(np.sum((sig(w2 * sig(w1 * x)) - y) * sig(w1 * x)) / len(x)),
            ),
            "not summed over the batch",
        ),
    ],
    "fanout_backward": [
        (
            "overwritten by z3's branch",
            lambda z1, w2, w3, d2, d3: w3 * d3 * _dsig(z1),
            "overwritten",
        ),
        (
            "overwritten by z2's branch",
            lambda z1, w2, w3, d2, d3: w2 * d2 * _dsig(z1),
            "overwritten",
        ),
        ("source 001's w2 + w3", lambda z1, w2, w3, d2, d3: (w2 + w3) * _dsig(z1), "source 001"),
        (
            "(w2 + w3)(dz2 + dz3)",
            lambda z1, w2, w3, d2, d3: (w2 + w3) * (d2 + d3) * _dsig(z1),
            "source 001",
        ),
        ("stops at a1", lambda z1, w2, w3, d2, d3: w2 * d2 + w3 * d3, "returned dJ/da1"),
        ("sign", lambda z1, w2, w3, d2, d3: -(w2 * d2 + w3 * d3) * _dsig(z1), "sign"),
        ("writes into dz2", _fanout_in_place, "wrote into its input dz2"),
    ],
    "hidden_delta": [
        (
            "column habit W2.T @ delta2",
            lambda d2, W2, z1: (W2.T @ d2) * _dsig(z1),
            "transpose moves",
        ),
        ("no sigma'", lambda d2, W2, z1: d2 @ W2, "forgot the factor sigma'(z1)"),
        ("sigma' at a", lambda d2, W2, z1: (d2 @ W2) * _dsig(sig(z1)), "instead of at z"),
        ("z (1 - z)", lambda d2, W2, z1: (d2 @ W2) * z1 * (1 - z1), "z (1 - z)"),
        ("transposed", lambda d2, W2, z1: ((d2 @ W2) * _dsig(z1)).T, "transposed"),
        ("sign", lambda d2, W2, z1: -(d2 @ W2) * _dsig(z1), "sign"),
        ("all zeros", lambda d2, W2, z1: np.zeros(z1.shape), "all zeros"),
    ],
    "two_layer_grads": [
        (
            "delta2 = a2 - y",
            lambda *a: _two_layer(*a, out=False),
            "dW2: delta2 = (a2 - y) / N is missing the output sigmoid's derivative",
        ),
        (
            "MSE's 2/K",
            lambda *a: tuple(2 / a[1].shape[1] * g for g in _two_layer(*a)),
            "factor 2/K",
        ),
        ("sigma' at a", lambda *a: _two_layer(*a, at_a=True), "instead of at z"),
        ("no hidden sigma'", lambda *a: _two_layer(*a, hidden=False), "delta1 is missing"),
        ("no 1/N", lambda *a: _two_layer(*a, mean=False), "factor N"),
        (
            "column habit",
            lambda a0, y, W1, b1, W2, b2: (lambda d2: ((d2 @ W2.T), 0, 0, 0))(
                sig(sig(a0 @ W1.T + b1) @ W2.T + b2) - y
            ),
            "transpose moves",
        ),
        (
            "backward order returned",
            lambda *a: (lambda g: (g[2], g[3], g[0], g[1]))(_two_layer(*a)),
            "wrong order",
        ),
    ],
    "dense_backward": [
        (
            "column habit dout @ W.T",
            lambda x, W, b, d: (d @ W.T, x.T @ d, d.sum(0)),
            "transpose moves",
        ),
        ("(dW, dx, db)", lambda x, W, b, d: (d.T @ x, d @ W, d.sum(0)), "wrong order"),
        ("db over axis 1", lambda x, W, b, d: (d @ W, d.T @ x, d.sum(1)), "wrong axis"),
        ("db not summed", lambda x, W, b, d: (d @ W, d.T @ x, d), "not summed over the batch"),
        ("dW / N", lambda x, W, b, d: (d @ W, d.T @ x / len(x), d.sum(0)), "factor 1/N"),
        ("dW transposed", lambda x, W, b, d: (d @ W, x.T @ d, d.sum(0)), "dW: transposed"),
        ("int dx", _dense_int, "integer dtype"),
        ("complex dx", lambda x, W, b, d: (d @ W + 5j, d.T @ x, d.sum(0)), "complex"),
    ],
    "relu_backward": [
        ("mask x < 0", lambda x, d: d * (x < 0), "wrong side of zero"),
        ("mask by dout", lambda x, d: d * (d > 0), "mask comes from the input"),
        ("no mask", lambda x, d: d + 0.0, "no mask"),
        ("mask only", lambda x, d: (x > 0).astype(float), "forgot to multiply the mask"),
        ("writes into dout", _relu_in_place, "wrote into its input dout"),
        ("a buffer reused", _relu_into_buffer, "changed when the function was called again"),
        ("cached by shape", _by_shape_cache(lambda x, d: d * (x > 0)), "second call"),
    ],
    "conv_dw": [
        ("convolved", lambda x, d: conv.convolve2d(x, d), "rot180"),
        (
            "window shifted",
            lambda x, d: conv.correlate2d(np.roll(x, 1, axis=1), d),
            "shifted by one",
        ),
        ("sign", lambda x, d: -conv.correlate2d(x, d), "sign"),
        ("factor 2", lambda x, d: 2 * conv.correlate2d(x, d), "factor 2"),
        (
            "all zeros",
            lambda x, d: np.zeros((x.shape[0] - d.shape[0] + 1, x.shape[1] - d.shape[1] + 1)),
            "all zeros",
        ),
        ("unfinished", _conv_dw_unfinished, "inputs taller than 5 not done yet"),
        ("int dw", lambda x, d: _conv_dw_loops(x, d, as_int=True), "integer dtype"),
    ],
    "conv_dx": [
        ("no rot180", lambda d, w: conv.correlate2d(d, w, "full"), "rot180 missing"),
        (
            "operands swapped",
            lambda d, w: conv.correlate2d(w[::-1, ::-1], d, "full"),
            "operands are swapped",
        ),
        (
            "padded by KH",
            lambda d, w: conv.correlate2d(conv.pad2d(d, (1, 1)), w[::-1, ::-1], "full"),
            "padded by KH, KW",
        ),
        (
            "padded by KH - 2",
            lambda d, w: conv.correlate2d(d, w[::-1, ::-1], "full")[1:-1, 1:-1],
            "KH - 2",
        ),
        (
            "window shifted",
            lambda d, w: np.roll(conv.convolve2d(d, w, "full"), -1, axis=0),
            "shifted by one",
        ),
        ("sign", lambda d, w: -conv.convolve2d(d, w, "full"), "sign"),
        (
            "all zeros",
            lambda d, w: np.zeros((d.shape[0] + w.shape[0] - 1, d.shape[1] + w.shape[1] - 1)),
            "all zeros",
        ),
    ],
    "maxpool_backward": [
        ("tie mask", lambda *a: _pool(*a, pick="mask"), "every tied maximum got the full gradient"),
        ("overwritten", lambda *a: _pool(*a, op="set"), "overwritten"),
        (
            "spread evenly",
            lambda x, d, s, t: ex.get("maxpool_backward").mistakes[1].wrong(x, d, s, t),
            "spread evenly",
        ),
        (
            "copied to the window",
            lambda x, d, s, t: ex.get("maxpool_backward").mistakes[2].wrong(x, d, s, t),
            "copied to the whole window",
        ),
        ("argmin", lambda *a: _pool(*a, pick="min"), "minimum"),
        ("shifted", lambda *a: np.roll(_pool(*a), 1, 3), "shifted by one"),
        ("sign", lambda *a: -_pool(*a), "sign"),
    ],
    "conv_backward": [
        (
            "padding not cropped",
            lambda x, w, d, s, p: (
                conv.conv2d_backward_loops(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), w, d, s, 0)[
                    0
                ],
                *conv.conv2d_backward_loops(x, w, d, s, p)[1:],
            ),
            "padding not cropped",
        ),
        (
            "db over the batch only",
            lambda x, w, d, s, p: (*conv.conv2d_backward_loops(x, w, d, s, p)[:2], d.sum(0)),
            "db summed over the batch only",
        ),
        (
            "db over positions only",
            lambda x, w, d, s, p: (*conv.conv2d_backward_loops(x, w, d, s, p)[:2], d.sum((2, 3))),
            "output positions only",
        ),
        (
            "dw flipped",
            lambda *a: (lambda dx, dw, db: (dx, dw[..., ::-1, ::-1], db))(
                *conv.conv2d_backward_loops(*a)
            ),
            "dw: rot180",
        ),
        (
            "dw / N",
            lambda *a: (lambda dx, dw, db: (dx, dw / a[0].shape[0], db))(
                *conv.conv2d_backward_loops(*a)
            ),
            "dw: off by a factor 1/N",
        ),
        (
            "(dw, dx, db)",
            lambda *a: (lambda dx, dw, db: (dw, dx, db))(*conv.conv2d_backward_loops(*a)),
            "wrong order",
        ),
        ("padding unfinished", _conv_unfinished, "padding not done yet"),
    ],
    "sgd_step": [
        ("param -= ...", _sgd_in_place, "changed param in place"),
        ("uphill", lambda p, g, lr: p + lr * g, "sign"),
        ("no lr", lambda p, g, lr: p - g, "forgot the learning rate"),
        ("the step only", lambda p, g, lr: -lr * g, "returned the step"),
        ("all zeros", lambda p, g, lr: np.zeros_like(p), "all zeros"),
        ("int result", _sgd_int, "integer dtype"),
    ],
    "sgd_momentum_step": [
        (
            "PyTorch's convention",
            lambda p, g, v, lr, mu: (p - lr * (mu * v + g), mu * v + g),
            "PyTorch",
        ),
        ("old velocity", lambda p, g, v, lr, mu: (p + v, mu * v - lr * g), "old velocity"),
        (
            "no momentum",
            lambda p, g, v, lr, mu: (p + v - lr * g, v - lr * g),
            "forgot to multiply the old velocity",
        ),
        ("uphill", lambda p, g, v, lr, mu: (p - (mu * v - lr * g), mu * v - lr * g), "sign"),
        ("(v, p)", lambda p, g, v, lr, mu: (mu * v - lr * g, p + mu * v - lr * g), "wrong order"),
        ("in place", _momentum_in_place, "in place"),
    ],
    "fix_the_layer": [
        ("planted: bias", ex.buggy_layer("bias"), "planted bug is still there: db"),
        ("planted: weights", ex.buggy_layer("weights"), "planted bug is still there: dW"),
        ("planted: input", ex.buggy_layer("input"), "planted bug is still there: dx"),
        ("the library's Dense", bt.Dense, "library's own"),
        ("no dx returned", _NoDx, "dx is None"),
        (
            "a sign",
            type(
                "Neg",
                (bt.Dense,),
                {"backward": lambda self, d: -bt.Dense.backward(self, d)},
            ),
            "sign",
        ),
    ],
}

CORRECT = {
    "softmax": [
        lambda z: np.exp(
            z
            - z.max(1, keepdims=True)
            - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
        ),
        lambda z: np.stack([np.exp(r - r.max()) / np.exp(r - r.max()).sum() for r in z]),
    ],
    "softmax_ce_grad": [
        lambda z, y: (softmax(z, axis=1) - _onehot(y, z.shape[1])) / len(y),
        lambda z, y: (lambda loss: (loss.forward(z, y), loss.backward())[1])(
            bt.SoftmaxCrossEntropy()
        ),
    ],
    "sigmoid_backward": [
        lambda z, d: d * 0.25 * (1 - np.tanh(z / 2) ** 2),
        lambda z, d: d * np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2,
    ],
    "chain_grads": [_chain_loops, lambda *a: _chain_variant(*a)],
    "fanout_backward": [
        lambda z1, w2, w3, d2, d3: w2 * d2 * _dsig(z1) + w3 * d3 * _dsig(z1),
        lambda z1, w2, w3, d2, d3: np.einsum("n,n->n", w2 * d2 + w3 * d3, _dsig(z1)),
    ],
    "hidden_delta": [
        lambda d2, W2, z1: np.einsum("nk,kh->nh", d2, W2) * _dsig(z1),
        lambda d2, W2, z1: ((W2.T @ d2.T) * _dsig(z1).T).T,  # column layout, transposed back
    ],
    "two_layer_grads": [_two_layer_columns, lambda *a: _two_layer(*a)],
    "dense_backward": [
        lambda x, W, b, d: (np.einsum("nm,md->nd", d, W), np.einsum("nm,nd->md", d, x), d.sum(0)),
        lambda x, W, b, d: (
            (W.T @ d.T).T,
            sum(np.outer(d[n], x[n]) for n in range(len(x))),
            d.T @ np.ones(len(x)),
        ),
    ],
    "relu_backward": [
        lambda x, d: np.where(x > 0, d, 0.0),
        lambda x, d: d * np.heaviside(x, 0.0),
    ],
    "conv_dw": [lambda x, d: conv.correlate2d(x, d), _conv_dw_loops],
    "conv_dx": [lambda d, w: conv.convolve2d(d, w, "full"), _conv_dx_scatter],
    "maxpool_backward": [lambda *a: _pool(*a), lambda *a: _pool(*a, pick="last")],
    "conv_backward": [
        _conv_layer,
        lambda *a: tuple(np.array(v) for v in conv.conv2d_backward_loops(*a)),
    ],
    "sgd_step": [
        lambda p, g, lr: np.subtract(p, lr * g),
        lambda p, g, lr: (lambda q: (q.__isub__(lr * g), q)[1])(p.copy()),
    ],
    "sgd_momentum_step": [
        lambda p, g, v, lr, mu: (p + mu * v - lr * g, mu * v - lr * g),
        lambda p, g, v, lr, mu: (lambda nv: (p + nv, nv))(mu * v - lr * g),
    ],
    "fix_the_layer": [_MyDense, type("Plain", (bt.Dense,), {})],
}

CASES = [(n, label, fn, word) for n, items in WRONG.items() for label, fn, word in items]


def test_every_exercise_is_attacked():
    from test_exercises_vjp import RIGHT as VJP_RIGHT  # chapters 2b and 7, tested there
    from test_exercises_vjp import WRONG as VJP_WRONG

    wrong, correct = {**WRONG, **VJP_WRONG}, {**CORRECT, **VJP_RIGHT}
    assert set(wrong) == set(correct) == set(ex.names())
    for name in ex.names():
        assert len(wrong[name]) >= 6, name
        assert len(correct[name]) >= 2, name


@pytest.mark.parametrize("name, label, answer, word", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_wrong_answer_fails_with_its_named_mistake(name, label, answer, word):
    result = ex.check(name, answer)
    assert not result.passed and not result
    assert word in result.message, result.message
    assert "\n" not in result.message
    assert "worst at index" not in result.message, result.message  # named, not generic


@pytest.mark.parametrize(
    "name, answer",
    [(n, a) for n, items in CORRECT.items() for a in items],
    ids=[f"{n}-{i}" for n, items in CORRECT.items() for i in range(len(items))],
)
def test_differently_written_correct_answer_passes(name, answer):
    result = ex.check(name, answer)
    assert result.passed and result, result.message


# -- never raise, never hang ------------------------------------------------------------------


def _overflowing_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def test_check_raises_nothing_under_seterr_raise():
    old = np.seterr(all="raise")
    try:
        for name in ex.names():
            assert ex.check(name, ex.solution(name)).passed, name
        result = ex.check("softmax", _overflowing_softmax)
        assert not result and "overflow" in result.message
    finally:
        np.seterr(**old)


def test_check_raises_nothing_when_warnings_are_errors():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        complex_answer = WRONG["softmax_ce_grad"][6][1]
        assert "complex" in ex.check("softmax_ce_grad", complex_answer).message
        assert "overflow" in ex.check("softmax", _overflowing_softmax).message
        assert ex.check("sigmoid_backward", ex.solution("sigmoid_backward")).passed


def test_an_infinite_loop_is_stopped_and_named():
    import time

    def forever(x, dout):
        while True:
            pass

    start = time.monotonic()
    result = ex.check("relu_backward", forever, time_limit=0.3)
    assert time.monotonic() - start < 5.0
    assert not result and "took longer than 0.3 s: an infinite loop?" in result.message
    assert "stopped at case 1" in result.message
    # the grader put everything back: a later check runs normally
    assert ex.check("relu_backward", ex.solution("relu_backward")).passed


def test_an_infinite_loop_off_the_main_thread_is_stopped_too():
    import threading
    import time

    def forever(x, dout):
        while True:
            time.sleep(0.01)

    box = {}
    worker = threading.Thread(
        target=lambda: box.setdefault("r", ex.check("relu_backward", forever, time_limit=0.3))
    )
    worker.start()
    worker.join(10.0)
    assert not worker.is_alive() and "took longer than 0.3 s" in box["r"].message


def test_an_exception_whose_str_raises_is_reported():
    class Nasty(Exception):
        def __str__(self):
            raise RuntimeError("no str for you")

    def answer(z, dout):
        raise Nasty

    result = ex.check("sigmoid_backward", answer)
    assert not result and "raised Nasty: <a Nasty whose str() raised>" in result.message

    class Weird:
        def __str__(self):
            raise RuntimeError("no str")

    assert "expected a NumPy array" in ex.check("sigmoid_backward", lambda z, d: Weird()).message


# -- the report: counts, the failing case, bool ------------------------------------------------


def test_every_case_is_graded_and_the_report_says_which_passed():
    def right_only_for_one(z, y):  # a sum where the mean belongs: right when N = 1
        return softmax(z, axis=1) - _onehot(y, z.shape[1])

    result = ex.check("softmax_ce_grad", right_only_for_one)
    assert "right for a single example (N = 1), wrong for every batch" in result.message
    assert result.right == (2,) and result.total == len(ex.get("softmax_ce_grad").cases())

    half = ex.check("conv_backward", _conv_unfinished)
    assert "not finished: raised NotImplementedError: padding not done yet" in half.message
    assert "right on 2 of 5 cases (1, 4)" in half.message


def test_the_failing_case_can_be_reproduced():
    result = ex.check("softmax", WRONG["softmax"][0][1])
    assert result.message.endswith("; its inputs and the right output: ex.reproduce(result)")
    assert result.case is not None and result.case.index == 3
    args, expected = ex.reproduce(result)
    assert set(args) == {"z"} and args["z"].shape == (6, 3)
    np.testing.assert_allclose(expected, softmax(args["z"], axis=1), rtol=1e-12)
    with np.errstate(all="ignore"):
        assert np.isnan(WRONG["softmax"][0][1](**args)).any()  # the learner sees the NaN again
    args["z"][...] = 0.0  # a copy: the case itself is untouched
    assert ex.reproduce(result)[0]["z"].max() == 1000.0
    with pytest.raises(ValueError, match="no failing case"):
        ex.reproduce(ex.check("softmax", CORRECT["softmax"][0]))


def test_assert_on_a_result_works_as_learners_expect():
    assert ex.check("relu_backward", CORRECT["relu_backward"][0])
    with pytest.raises(AssertionError):
        assert ex.check("relu_backward", WRONG["relu_backward"][0][1])


def test_multi_output_answers_are_checked_in_backward_order():
    # delta2 without sigma' spoils all four gradients; the line names dW2, where it starts
    message = ex.check("two_layer_grads", WRONG["two_layer_grads"][0][1]).message
    assert message.startswith("✗ two_layer_grads: dW2:"), message
    # a momentum step with the sign of the velocity wrong: new_velocity is named first
    wrong_v = ex.check(
        "sgd_momentum_step", lambda p, g, v, lr, mu: (p + mu * v + lr * g, mu * v + lr * g)
    )
    assert wrong_v.message.startswith("✗ sgd_momentum_step: new_velocity:"), wrong_v.message


# -- the new hints, one test each --------------------------------------------------------------


def test_values_that_print_equal_get_enough_digits():
    import re

    def nearly(x, y, w1, w2):
        dw1, dw2 = ex.solution("chain_grads")(x, y, w1, w2)
        return dw1, dw2 * (1 + 3e-6)

    message = ex.check("chain_grads", nearly).message
    yours, expected = re.search(r"yours (\S+), expected (\S+?)[ \[]", message).groups()
    assert yours != expected, message
    from backprop_tour.exercises.hints import _digits

    assert _digits(-0.0, 1e-9) == ("0", "1e-09")  # never "-0"


def test_compound_factors_are_named():
    message = ex.check("sgd_step", lambda p, g, lr: p - lr * g).message
    assert message.startswith("✓")
    k_for_n = WRONG["softmax_ce_grad"][3][1]
    assert "off by a factor N/K (N = 3, K = 4" in ex.check("softmax_ce_grad", k_for_n).message
    twice_n = lambda z, y: 2 * (softmax(z, axis=1) - _onehot(y, z.shape[1]))  # noqa: E731
    assert "off by a factor 2N (N = 3)" in ex.check("softmax_ce_grad", twice_n).message


def test_the_library_function_and_the_reference_are_recognised():
    result = ex.check("softmax", softmax)  # a skipped stub cell leaves the library's softmax
    assert not result and result.message.startswith("⚠ softmax: that is the library's own")
    assert "my_softmax" in result.message
    assert (
        "this is ex.solution('softmax') itself"
        in ex.check("softmax", ex.solution("softmax")).message
    )
    assert "my_softmax(z)" in ex.stub("softmax")


def test_a_stub_that_says_why_keeps_its_message():
    def my_conv_dw(x, dout):
        raise NotImplementedError("loops to come")

    message = ex.check("conv_dw", my_conv_dw).message
    assert message.startswith("… conv_dw: not implemented yet") and "loops to come" in message


def test_the_planted_bug_variants_are_picked_by_name():
    assert sorted(ex.BUG_VARIANTS) == ["bias", "input", "weights"]
    with pytest.raises(
        ValueError, match=r"expected one of \['bias', 'input', 'weights'\], got 'wieghts'"
    ):
        ex.buggy_layer("wieghts")
    rng = np.random.default_rng(0)
    for variant, gradient in (("bias", "db"), ("weights", "dW"), ("input", "dx")):
        report = bt.check_layer(
            ex.buggy_layer(variant)(4, 3, rng=rng), rng.normal(size=(5, 4)), rng=rng
        )
        failing = [r.name for r in report if not r.ok]
        assert failing == [gradient[1:]], (variant, str(report))
