"""The reference implementation: convolution and max-pooling as plain loops, one output
at a time, exactly as chapter 5 writes the sums in index form.

Slow (hundreds of times slower than the layers), and that is the point: every line is one
term of a formula a reader can check by hand.  The layers in ``layers.py`` compute the
same numbers through the fast kernels in ``kernels/``, and ``tests/test_kernels.py``
holds each kernel equal to the function here on many shapes, strides, paddings and ties.

Only numpy is used (no function of this package), so the reference shares no code with
what it checks.

Shapes: ``x: (N, C, H, W)``, ``w: (F, C, KH, KW)``, ``b: (F,)``,
``out, dout: (N, F, H_out, W_out)`` with ``H_out = (H + 2 * padding - KH) // stride + 1``.
"""

from __future__ import annotations

import numpy as np


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    """Zero-pad the last two axes by ``padding`` on every side."""
    return np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])


def conv2d_forward_loops(x, w, b, stride: int = 1, padding: int = 0) -> np.ndarray:
    """``out[n, f, i, j] = b[f] + sum_{c, q, r} w[f, c, q, r] * xp[n, c, i*s + q, j*s + r]``
    (``xp``: ``x`` zero-padded; ``s``: the stride), one output pixel at a time."""
    n_batch = x.shape[0]
    f_out, _, kh, kw = w.shape
    xp = _pad(x, padding)
    h_out = (xp.shape[2] - kh) // stride + 1
    w_out = (xp.shape[3] - kw) // stride + 1
    out = np.zeros((n_batch, f_out, h_out, w_out))
    for n in range(n_batch):
        for f in range(f_out):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[n, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def conv2d_backward_loops(x, w, dout, stride: int = 1, padding: int = 0):
    """The chain rule term by term: output pixel ``(n, f, i, j)`` received ``dout[n, f, i, j]``
    and hands it back to the window of the input and to the weights that produced it:

    * ``dw[f] += dout[n, f, i, j] * xp[n, :, window]``  (summed: the input correlated with dout)
    * ``dxp[n, :, window] += dout[n, f, i, j] * w[f]``  (summed: the full convolution)
    * ``db[f] += dout[n, f, i, j]``

    then the padding is cropped off ``dxp``.  Returns ``(dx, dw, db)``."""
    f_out, _, kh, kw = w.shape
    xp = _pad(x, padding)
    dxp = np.zeros_like(xp, dtype=np.float64)
    dw = np.zeros_like(w, dtype=np.float64)
    db = np.zeros(f_out)
    n_batch, _, h_out, w_out = dout.shape
    for n in range(n_batch):
        for f in range(f_out):
            for i in range(h_out):
                for j in range(w_out):
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    g = dout[n, f, i, j]
                    dw[f] += g * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += g * w[f]
                    db[f] += g
    dx = dxp[:, :, padding : dxp.shape[2] - padding, padding : dxp.shape[3] - padding]
    return dx, dw, db


def maxpool2d_forward_loops(x, size: int, stride: int) -> np.ndarray:
    """``out[n, c, i, j] = max of x[n, c, i*s : i*s + size, j*s : j*s + size]``, one window
    at a time."""
    n_batch, c_in, h, w = x.shape
    h_out, w_out = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((n_batch, c_in, h_out, w_out))
    for n in range(n_batch):
        for c in range(c_in):
            for i in range(h_out):
                for j in range(w_out):
                    r, q = i * stride, j * stride
                    out[n, c, i, j] = x[n, c, r : r + size, q : q + size].max()
    return out


def maxpool2d_backward_loops(x, dout, size: int, stride: int) -> np.ndarray:
    """Route each ``dout[n, c, i, j]`` to the maximum of its window: the first one in
    row-major order when several tie (``np.argmax``'s rule); overlapping routes add up."""
    dx = np.zeros(x.shape)
    _, _, h_out, w_out = dout.shape
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(h_out):
                for j in range(w_out):
                    r, q = i * stride, j * stride
                    a, b = divmod(int(np.argmax(x[n, c, r : r + size, q : q + size])), size)
                    dx[n, c, r + a, q + b] += dout[n, c, i, j]
    return dx
