"""Chapter 5, convolution backprop: a filter's gradient, the input's (a full convolution),
max-pooling and the whole convolution layer. The last two are graded against the
library's plain-loop references, ``layers.maxpool2d_backward_loops`` and
``conv.conv2d_backward_loops``."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward_loops, correlate2d, pad2d
from ..gradcheck import numerical_gradient
from ..layers import Conv2D, MaxPool2D, maxpool2d_backward_loops
from .common import rng
from .engine import Case, Exercise, Mistake, register


def _conv_dw(x, dout):
    kh = x.shape[0] - dout.shape[0] + 1
    kw = x.shape[1] - dout.shape[1] + 1
    dw = np.zeros((kh, kw))
    for q in range(kh):
        for r in range(kw):  # dW[q, r] = sum_ij dZ[i, j] X[i + q, j + r]
            window = x[q : q + dout.shape[0], r : r + dout.shape[1]]
            dw[q, r] = np.sum(dout * window)
    return dw


def _conv_dx(dout, w):
    kh, kw = w.shape
    padded = np.pad(dout, ((kh - 1, kh - 1), (kw - 1, kw - 1)))  # full: every partial overlap
    rot = w[::-1, ::-1]  # rot180(W)
    h, wd = padded.shape[0] - kh + 1, padded.shape[1] - kw + 1
    dx = np.zeros((h, wd))
    for i in range(h):
        for j in range(wd):  # rot180(W) slides over the zero-padded dZ
            dx[i, j] = np.sum(padded[i : i + kh, j : j + kw] * rot)
    return dx


def _conv_dw_cases():
    r = rng("conv_dw")
    out = []
    for h, w, kh, kw in ((5, 4, 2, 3), (4, 6, 3, 2), (6, 5, 3, 3), (3, 5, 2, 4), (7, 6, 4, 2)):
        out.append(Case((r.normal(size=(h, w)), r.normal(size=(h - kh + 1, w - kw + 1)))))
    return out


def _conv_dw_numeric(x, dout):
    w0 = np.zeros((x.shape[0] - dout.shape[0] + 1, x.shape[1] - dout.shape[1] + 1))
    return (numerical_gradient(lambda: float(np.sum(correlate2d(x, w0) * dout)), w0),)


def _shifted_input(axis: int, by: int):
    # x[i + q - 1] in a loop wraps round to the last row in Python: np.roll
    return lambda x, d: _conv_dw(np.roll(x, by, axis=axis), d)


_CONV_DW_SHIFT = (
    "window shifted by one: dW[q, r] = sum_ij dZ[i, j] X[i + q, j + r], with the window "
    "starting at X[q, r]"
)
register(
    Exercise(
        "conv_dw",
        5,
        "conv_dw(x, dout) -> dw",
        "A one-channel convolution layer computed the valid cross-correlation "
        "Z[i, j] = sum_qr X[i + q, j + r] W[q, r] of an input x of shape (H, W) with a "
        "filter of shape (KH, KW). Given x and dout = dJ/dZ, of shape (H - KH + 1, W - KW + 1), "
        "return dw = dJ/dW, of shape (KH, KW), with explicit loops: each weight collects "
        "dout times the input values it multiplied.",
        _conv_dw,
        _conv_dw_cases,
        ("dw",),
        _conv_dw_numeric,
        mistakes=(
            Mistake(
                "rot180 where none belongs: you convolved (dout flipped); dW is the "
                "cross-correlation of x with dout, dW[q, r] = sum_ij dZ[i, j] X[i + q, j + r]",
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
    r = rng("conv_dx")
    out = []
    for ho, wo, kh, kw in ((3, 2, 2, 3), (2, 4, 3, 2), (4, 3, 2, 2), (1, 3, 3, 2), (3, 5, 2, 4)):
        out.append(Case((r.normal(size=(ho, wo)), r.normal(size=(kh, kw)))))
    return out


def _conv_dx_numeric(dout, w):
    x0 = np.zeros((dout.shape[0] + w.shape[0] - 1, dout.shape[1] + w.shape[1] - 1))
    return (numerical_gradient(lambda: float(np.sum(correlate2d(x0, w) * dout)), x0),)


register(
    Exercise(
        "conv_dx",
        5,
        "conv_dx(dout, w) -> dx",
        "A one-channel convolution layer computed the valid cross-correlation "
        "Z[i, j] = sum_qr X[i + q, j + r] W[q, r] with a filter w of shape (KH, KW). Given "
        "dout = dJ/dZ, of shape (H_out, W_out), and w, return dx = dJ/dX, of shape "
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
    r = rng("maxpool_backward")
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
    # exact ties, as after a ReLU (zeros) or on 8-bit pixels: any one tied maximum may take
    # the gradient, so these cases are judged by the rule, not against the reference
    for n, c, h, w, size in ((2, 3, 6, 6, 2), (1, 2, 6, 9, 3)):
        x = np.maximum(r.integers(-2, 3, size=(n, c, h, w)), 0).astype(np.float64)
        dout = r.normal(size=(n, c, h // size, w // size))
        out.append(Case((x, dout, size, size), {"N": n}, False, True, "tied maxima"))
    return out


def _pool_rule(x, dout, size, stride, dx):
    """'' if ``dx`` routes each window's ``dout`` to that window's maxima only, adding up
    to ``dout``; else the first window where it does not.  Windows do not overlap here."""
    reached = np.zeros(x.shape, dtype=bool)
    for n, c, i, j in np.ndindex(*dout.shape):
        rows = slice(i * stride, i * stride + size)
        cols = slice(j * stride, j * stride + size)
        win, got, g = x[n, c, rows, cols], dx[n, c, rows, cols], dout[n, c, i, j]
        reached[n, c, rows, cols] = True
        is_max = win == win.max()
        where = f"window ({n}, {c}, {i}, {j})"
        if np.any(got[~is_max] != 0.0):
            return f"{where}: gradient on an entry that is not the window's maximum"
        total = float(got.sum())
        if abs(total - g) > 1e-9 * (1.0 + abs(g)):
            ties = int(is_max.sum())
            if ties > 1 and np.allclose(got[is_max], g, rtol=1e-9, atol=0.0):
                return (
                    f"every tied maximum got the full gradient ({where} has {ties} equal "
                    "maxima; a mask win == win.max() gives each of them dout): the gradient "
                    "goes to one of them (chapter 5), e.g. the first, as np.argmax picks it"
                )
            return f"{where}: its gradient adds up to {total:.4g}, not to its dout {g:.4g}"
    if np.any(dx[~reached] != 0.0):
        bad = tuple(int(k) for k in np.argwhere((dx != 0.0) & ~reached)[0])
        return f"gradient at index {bad}, which no window reads"
    return ""


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
                    q, r = np.unravel_index(pick, window.shape)
                    if add:
                        dx[n, c, i * stride + q, j * stride + r] += g
                    else:
                        dx[n, c, i * stride + q, j * stride + r] = g
    return dx


register(
    Exercise(
        "maxpool_backward",
        5,
        "maxpool_backward(x, dout, size, stride) -> dx",
        "Max-pooling took the maximum of each size x size window of x, shape (N, C, H, W), "
        "the windows moved by stride (possibly less than size, so that windows overlap), "
        "giving an output of shape (N, C, H_out, W_out), H_out = (H - size) // stride + 1. "
        "Given x, dout = dJ/d(out) of the output's shape, size and stride, return dx = dJ/dx, "
        "shape (N, C, H, W): each dout entry goes to the position of its window's maximum "
        "(when several entries tie for the maximum, to one of them).",
        maxpool2d_backward_loops,
        _pool_cases,
        ("dx",),
        _pool_numeric,
        rule=_pool_rule,
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
    r = rng("conv_backward")
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
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dx, _, _ = conv2d_backward_loops(xp, w, dout, stride, 0)
    return dx


register(
    Exercise(
        "conv_backward",
        5,
        "conv_backward(x, w, dout, stride, padding) -> (dx, dw, db)",
        "A convolution layer (a cross-correlation, like Conv2D) with F filters w of shape "
        "(F, C, KH, KW) read a batch x of shape (N, C, H, W), zero-padded by padding on every "
        "side, with windows moved by stride: out[n, f, i, j] = b[f] + sum_cqr "
        "w[f, c, q, r] xp[n, c, i stride + q, j stride + r], of shape (N, F, H_out, W_out). "
        "Given x, w, dout = dJ/d(out), stride and padding, return dx (N, C, H, W), "
        "dw (F, C, KH, KW) and db (F,), summed over the batch and over every output position.",
        conv2d_backward_loops,
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
