"""The full convolution of the input gradient by row bands: for narrow inputs (the book's
28-pixel digits), where it is faster than col2im.

The width direction of the convolution becomes a product with one band matrix per kernel
row m; the height direction an add of whole row blocks, output row i onto input row
i*stride + m.  The arrays are laid out rows first, then the batch: (H, N, C, W), so that
every one of those adds is one contiguous block of memory.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def band_pays(wp: int, kw: int) -> bool:
    """Use the row bands when the padded width ``wp`` is at most 8 kernel widths.

    Of the ``wp`` columns a band row spans, only ``kw`` hold weights: the product spends
    ``wp / kw`` times the arithmetic of col2im (5.6 for the book's CNN), but in one call of
    large matrix products, with no 25-fold matrix of columns to write and add back.
    """
    return wp <= 8 * kw


def row_bands(w: np.ndarray, w_out: int, wp: int, stride: int) -> np.ndarray:
    """The width direction of a convolution, one band matrix per kernel row:
    ``(KH, F*W_out, C*Wp)`` with

    ``T[m, (f, j), (c, x)] = w[f, c, m, x - j*stride]`` where ``0 <= x - j*stride < KW``,
    else 0: output column ``j`` of filter ``f`` reads input columns ``j*stride ...
    j*stride + KW - 1`` of channel ``c`` in kernel row ``m``.  A band of KW diagonals
    (a Toeplitz matrix, for stride 1), written as one strided view of those diagonals.
    """
    f_out, c_in, kh, kw = w.shape
    bands = np.zeros((kh, f_out, w_out, c_in, wp))
    s = bands.strides
    # diagonal k of block (m, f, c): the entries (j, x = j*stride + k), j = 0 .. W_out-1;
    # x stays below Wp and no two (k, j) name the same entry, so writing through it is safe
    diagonals = as_strided(
        bands, (kh, f_out, c_in, kw, w_out), (s[0], s[1], s[3], s[4], s[2] + stride * s[4])
    )
    diagonals[...] = w.transpose(2, 0, 1, 3)[..., None]  # w[f, c, m, k], the same along j
    return bands.reshape(kh, f_out * w_out, c_in * wp)


def full_convolve_rows(dout: np.ndarray, w: np.ndarray, padded_shape: tuple, stride: int):
    """The full convolution of (dilated) ``dout`` with ``w`` by row bands:
    ``(N, F, H_out, W_out) -> (N, C, Hp, Wp)``, the gradient of the padded input.

    With ``d[(i, n), (f, j)] = dout[n, f, i, j]``, the product ``d @ T[m]`` holds in row
    ``(i, n)`` the gradient that output row ``i`` sends to input row ``i*stride + m``
    through kernel row ``m`` (every channel, every column); adding those blocks up is the
    full convolution.  Returned as a view of the ``(Hp, N, C, Wp)`` array it is computed in.
    Reference: ``dx`` of ``reference.conv2d_backward_loops`` (before its crop).
    """
    n_batch, c_in, hp, wp = padded_shape
    _, _, kh, _ = w.shape
    _, f_out, h_out, w_out = dout.shape
    d = dout.transpose(2, 0, 1, 3).reshape(h_out * n_batch, f_out * w_out)  # one copy
    sent = np.matmul(d, row_bands(w, w_out, wp, stride))  # (KH, H_out*N, C*Wp)
    sent = sent.reshape(kh, h_out, n_batch, c_in * wp)
    dxr = np.zeros((hp, n_batch, c_in * wp))
    for m in range(kh):  # a loop over kernel rows: output row i feeds input row i*s + m
        dxr[m : m + stride * h_out : stride] += sent[m]
    return dxr.reshape(hp, n_batch, c_in, wp).transpose(1, 2, 0, 3)  # (N, C, Hp, Wp), a view
