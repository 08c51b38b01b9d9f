"""Max-pooling by window taps: tap ``t = (a, b)`` of every ``size x size`` window is one
strided view of the input, so a loop over the ``size*size`` taps (never over pixels) does
the work.  ``taps`` is ``(size*size, N, C, H_out, W_out)``, taps in row-major order."""

from __future__ import annotations

import numpy as np


def _tap(x: np.ndarray, t: int, size: int, stride: int, out_size: tuple) -> np.ndarray:
    """The ``(N, C, H_out, W_out)`` view of what window tap ``t = (a, b)`` sees:
    ``x[:, :, i*stride + a, j*stride + b]`` for every output ``(i, j)``."""
    a, b = divmod(t, size)
    h_out, w_out = out_size
    return x[:, :, a : a + stride * h_out : stride, b : b + stride * w_out : stride]


def pool_taps(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Every window of ``x: (N, C, H, W)`` as its ``size*size`` taps, copied once into one
    contiguous array: ``(size*size, N, C, H_out, W_out)``.  Its maximum over the first axis
    is the pooled output (reference: ``reference.maxpool2d_forward_loops``); the copy
    makes that one reduction, and the comparisons of :func:`route_to_max` contiguous (on
    strided views they cost twice as much)."""
    _, _, h, w = x.shape
    out_size = (h - size) // stride + 1, (w - size) // stride + 1
    taps = np.empty((size * size, *x.shape[:2], *out_size))
    for t in range(size * size):
        taps[t] = _tap(x, t, size, stride, out_size)
    return taps


def route_to_max(dout: np.ndarray, taps: np.ndarray, out: np.ndarray, x_shape: tuple,
                 size: int, stride: int):  # fmt: skip
    """Each ``dout[n, c, i, j]`` routed to the input that was its window's maximum, the
    first tap in row-major order on a tie; overlapping routes add up.  ``dout: (N, C,
    H_out, W_out)``, ``taps`` from :func:`pool_taps` and ``out``, their maximum over the
    taps (the forward's result, not computed again) -> ``dx: x_shape``.
    Reference: ``reference.maxpool2d_backward_loops``."""
    _, _, h, w = x_shape
    _, _, _, h_out, w_out = taps.shape
    hit = taps == out  # hit[t]: tap t holds its window's maximum
    taken = hit[0].copy()  # windows whose maximum an earlier tap holds
    for t in range(1, size * size):  # taps in row-major order: on a tie the first one wins
        np.greater(hit[t], taken, out=hit[t])  # a hit, and no earlier hit
        taken |= hit[t]
    # Windows that tile x exactly write every pixel of dx below; otherwise start at zero.
    tiled = size == stride and h == size * h_out and w == size * w_out
    dx = np.empty(x_shape) if tiled else np.zeros(x_shape)
    for t in range(size * size):
        dx_tap = _tap(dx, t, size, stride, (h_out, w_out))
        if stride >= size:  # windows don't overlap: one tap per input pixel
            np.multiply(dout, hit[t], out=dx_tap)
        else:  # overlapping windows (stride < size): routes to one pixel add up
            dx_tap += dout * hit[t]
    return dx
