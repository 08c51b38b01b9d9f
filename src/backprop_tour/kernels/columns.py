"""im2col: every receptive field of the input unrolled into a column, so that a
convolution becomes one matrix product; and col2im, its adjoint.  (For narrow inputs,
:func:`windows` keeps row strips instead, ``row_bands.stack_rows``: a smaller copy.)

Layout (the batch innermost, so each row is copied in long contiguous runs):
``cols[(c, q, r), (i, j, n)] = xp[n, c, i*stride + q, j*stride + r]``,
a ``(C*KH*KW, H_out*W_out*N)`` matrix for a padded input ``xp: (N, C, Hp, Wp)``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from .row_bands import band_pays, stack_rows, strip_width
from .views import strided_view


@dataclass(frozen=True)
class Windows:
    """The receptive fields of a padded input, unrolled by :func:`windows`: what the
    forward pass correlates with the weights, kept for the weight gradient.  One of two
    layouts: im2col's ``cols``, or ``rows``, the row strips of ``row_bands.stack_rows``."""

    cols: np.ndarray | None  # (C*KH*KW, H_out*W_out*N), see the module docstring
    padded_shape: tuple[int, int, int, int]  # (N, C, Hp, Wp)
    kernel_size: tuple[int, int]  # (KH, KW)
    stride: int
    rows: np.ndarray | None = None  # (N*H_out*n_B, KH*C*Wb), see stack_rows

    @property
    def out_size(self) -> tuple[int, int]:
        """``(H_out, W_out)``: how many window positions fit down and across."""
        _, _, hp, wp = self.padded_shape
        kh, kw = self.kernel_size
        return (hp - kh) // self.stride + 1, (wp - kw) // self.stride + 1


def windows(xp: np.ndarray, kernel_size: tuple[int, int], stride: int, by_rows=None) -> Windows:
    """Every ``KH x KW`` window of the padded input ``xp: (N, C, Hp, Wp)``, unrolled into a
    buffer no live ``Windows`` holds (see :class:`_Buffers`): as row strips
    (``row_bands.stack_rows``) if ``by_rows``, else by :func:`im2col`.  ``by_rows=None``:
    row strips for narrow inputs (``band_pays``, the book's digits), where they copy about
    KW times less than im2col."""
    kh, kw = kernel_size
    n_batch, c_in, hp, wp = xp.shape
    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    if band_pays(wp, kw) if by_rows is None else by_rows:
        b = strip_width(w_out, kw)
        rows = _BUFFERS.take((n_batch * h_out * (w_out // b), kh * c_in * ((b - 1) * stride + kw)))
        return Windows(None, xp.shape, (kh, kw), stride, stack_rows(xp, kh, kw, stride, rows))
    cols = _BUFFERS.take((c_in * kh * kw, h_out * w_out * n_batch))
    return Windows(im2col(xp, kh, kw, stride, out=cols), xp.shape, (kh, kw), stride)


class _Buffers:
    """im2col buffers kept for reuse, by shape.  A fresh multi-megabyte array per batch
    pays its page faults again every time; in training the same shapes come back batch
    after batch, so a buffer that nothing holds any more is filled again instead.

    "Nothing holds it": its only references are this pool's list and the count's own
    argument (``sys.getrefcount``; the Windows a layer caches, or any view of the array,
    adds one).  A layer's forward fills a second buffer while its cache still holds the
    first, so two per shape suffice; the pool keeps at most ``per_shape`` per shape, and
    only buffers up to ``max_bytes`` (an evaluation on a large batch is not kept).  Meant
    for one thread, as the library is: two threads could take the same free buffer."""

    def __init__(self, per_shape: int = 4, max_bytes: int = 32 * 2**20) -> None:
        self.per_shape, self.max_bytes = per_shape, max_bytes
        self.kept: dict[tuple, list[np.ndarray]] = {}
        self.unused = self._refs([np.empty(0)], 0)  # the count of a buffer only we hold

    @staticmethod
    def _refs(buffers: list, i: int) -> int:
        return sys.getrefcount(buffers[i])

    def take(self, shape: tuple) -> np.ndarray:
        buffers = self.kept.setdefault(shape, [])
        for i in range(len(buffers)):
            if self._refs(buffers, i) <= self.unused:
                return buffers[i]
        buffer = np.empty(shape)
        if len(buffers) < self.per_shape and buffer.nbytes <= self.max_bytes:
            buffers.append(buffer)
        return buffer


_BUFFERS = _Buffers()


def im2col(xp: np.ndarray, kh: int, kw: int, stride: int, out=None) -> np.ndarray:
    """Unroll every receptive field into a column: ``(N, C, Hp, Wp) -> (C*KH*KW, H_out*W_out*N)``.

    ``cols[(c, q, r), (i, j, n)] = xp[n, c, i*stride + q, j*stride + r]``: the whole matrix
    is one copy of a sliding-window view of the input, with no Python loop.
    Reference: the window ``xp[n, :, i*s : i*s + KH, j*s : j*s + KW]`` of
    ``reference.conv2d_forward_loops``.  ``out``: a C-contiguous array of the result's
    shape to write into.
    """
    n_batch, c_in, hp, wp = xp.shape
    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    xt = np.ascontiguousarray(xp.transpose(1, 2, 3, 0))  # (N, C, Hp, Wp) -> (C, Hp, Wp, N)
    # view[c, q, r, i, j, n] = xt[c, i*stride + q, j*stride + r, n]: a view, no copy
    s_c, s_h, s_w, s_n = xt.strides
    shape = (c_in, kh, kw, h_out, w_out, n_batch)
    view = strided_view(xt, shape, (s_c, s_h, s_w, stride * s_h, stride * s_w, s_n))
    cols = np.empty(shape) if out is None else out.reshape(shape)  # a view of out, no copy
    cols[...] = view  # the one copy
    return cols.reshape(c_in * kh * kw, h_out * w_out * n_batch) if out is None else out


def col2im(dcols: np.ndarray, padded_shape: tuple, kh: int, kw: int, stride: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column entry back onto the input pixel it
    was copied from.  ``(C*KH*KW, H_out*W_out*N) -> (N, C, Hp, Wp)``.

    One addition per kernel tap (a loop over the KH*KW taps, never over pixels): tap
    ``(q, r)`` adds its ``(H_out, W_out)`` plane, shifted by ``(q, r)``, onto the input.
    """
    n_batch, c_in, hp, wp = padded_shape
    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    dcols = dcols.reshape(c_in, kh, kw, h_out, w_out, n_batch)
    dxt = np.zeros((c_in, hp, wp, n_batch))  # the batch innermost, like the columns
    for q in range(kh):
        for r in range(kw):
            rows = slice(q, q + stride * h_out, stride)
            cols = slice(r, r + stride * w_out, stride)
            dxt[:, rows, cols] += dcols[:, q, r]
    return dxt.transpose(3, 0, 1, 2)  # (C, Hp, Wp, N) -> (N, C, Hp, Wp), a view


def few_rows_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for ``a: (F, K)``, ``b: (K, P)`` with very few rows F (filters).

    A GEMM first packs all of ``b`` (here the whole im2col matrix) into a scratch buffer;
    with two filters that copy costs more than the arithmetic.  F matrix-vector products
    read ``b`` in place instead (measured with timeit at 1 BLAS thread: 146 us against
    279 us for one GEMM, for the book's 2 x 25 filters on a batch of 32 digits).
    """
    if a.shape[0] > 4:
        return a @ b
    out = np.empty((a.shape[0], b.shape[1]))
    for f in range(a.shape[0]):  # a loop over filters: 2 in the book's CNN
        np.dot(a[f], b, out=out[f])
    return out
