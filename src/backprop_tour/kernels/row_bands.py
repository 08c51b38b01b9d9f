"""A convolution layer's three operations by row strips and row bands, for narrow inputs
(the book's 28-pixel digits), where they are faster than im2col and col2im.

The width direction of the convolution becomes a product with a band matrix per kernel row
q (:func:`row_bands`); the height direction is a sum over kernel rows.  A row strip is the
``KH`` input rows one output row reads, cut to the columns its ``B`` output columns read:
the forward pass (:func:`correlate_rows`), the weight gradient
(:func:`correlate_dout_rows`) and the input gradient (:func:`full_convolve_strips`) are
products with the strips and the bands of ``B`` columns.  :func:`full_convolve_rows`
computes the input gradient with bands as wide as the image instead (the library's way
before the strips; ``benchmarks/bench_input_grad.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .views import strided_view


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

    ``T[q, (f, j), (c, x)] = w[f, c, q, x - j*stride]`` where ``0 <= x - j*stride < KW``,
    else 0: output column ``j`` of filter ``f`` reads input columns ``j*stride ...
    j*stride + KW - 1`` of channel ``c`` in kernel row ``q``.  A band of KW diagonals
    (a Toeplitz matrix, for stride 1), written as one strided view of those diagonals.
    """
    f_out, c_in, kh, kw = w.shape
    bands = np.zeros((kh, f_out, w_out, c_in, wp))
    s = bands.strides
    # diagonal r of block (q, f, c): the entries (j, x = j*stride + r), j = 0 .. W_out-1;
    # x stays below Wp and no two (r, j) name the same entry, so writing through it is safe
    diagonals = strided_view(
        bands, (kh, f_out, c_in, kw, w_out), (s[0], s[1], s[3], s[4], s[2] + stride * s[4])
    )
    diagonals[...] = w.transpose(2, 0, 1, 3)[..., None]  # w[f, c, q, r], the same along j
    return bands.reshape(kh, f_out * w_out, c_in * wp)


def full_convolve_rows(dout: np.ndarray, w: np.ndarray, padded_shape: tuple, stride: int):
    """The full convolution of (dilated) ``dout`` with ``w`` by row bands:
    ``(N, F, H_out, W_out) -> (N, C, Hp, Wp)``, the gradient of the padded input.  Laid
    out rows first, then the batch, ``(Hp, N, C, Wp)``, so that each kernel row's add below
    is one contiguous block of memory.

    With ``d[(i, n), (f, j)] = dout[n, f, i, j]``, the product ``d @ T[q]`` holds in row
    ``(i, n)`` the gradient that output row ``i`` sends to input row ``i*stride + q``
    through kernel row ``q`` (every channel, every column); adding those blocks up is the
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
    for q in range(kh):  # a loop over kernel rows: output row i feeds input row i*s + q
        dxr[q : q + stride * h_out : stride] += sent[q]
    return dxr.reshape(hp, n_batch, c_in, wp).transpose(1, 2, 0, 3)  # (N, C, Hp, Wp), a view


# -- the forward pass and the weight gradient by row strips ------------------------------
#
# im2col copies every input pixel KH*KW times, to feed a product with only F rows.  A row
# strip copies it about KH times: strip (n, i, jb) is the KH input rows that output row i
# reads, cut to the columns that its B output columns jb*B ... jb*B + B - 1 read, and one
# product with the row bands of those B columns gives all of them.


def strip_width(w_out: int, kw: int) -> int:
    """How many output columns ``B`` one strip holds: the largest divisor of ``W_out``
    up to ``2*KW`` (8 for the book's 24 columns and 5-wide kernel).

    A band row spans ``(B - 1)*stride + KW`` input columns of which ``KW`` hold weights:
    narrower strips waste less arithmetic, but give smaller products, each less efficient
    (measured at 1 BLAS thread: B = 8 beats B = 24 by a quarter, B = 4 is slower again).
    """
    return max(d for d in range(1, min(w_out, 2 * kw) + 1) if w_out % d == 0)


def stack_rows(xp: np.ndarray, kh: int, kw: int, stride: int, out=None) -> np.ndarray:
    """The row strips of ``xp: (N, C, Hp, Wp)``, one per row: ``(N*H_out*n_B, KH*C*Wb)``,

    ``rows[(n, i, jb), (q, c, x)] = xp[n, c, i*stride + q, jb*B*stride + x]``, ``x < Wb =
    (B - 1)*stride + KW``, ``B = strip_width(W_out, KW)``, ``n_B = W_out // B``: one copy
    of a strided view.  ``out``: a C-contiguous array of that shape to write into."""
    n_batch, c_in, hp, wp = xp.shape
    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    b = strip_width(w_out, kw)
    wb = (b - 1) * stride + kw
    s_n, s_c, s_h, s_w = xp.strides
    shape = (n_batch, h_out, w_out // b, kh, c_in, wb)
    view = strided_view(xp, shape, (s_n, stride * s_h, b * stride * s_w, s_h, s_c, s_w))
    rows = np.empty(shape) if out is None else out.reshape(shape)  # a view of out, no copy
    rows[...] = view  # the one copy
    return rows.reshape(n_batch * h_out * (w_out // b), kh * c_in * wb)


def correlate_rows(rows: np.ndarray, w: np.ndarray, b: np.ndarray, out_size: tuple, stride: int):
    """The forward pass ``out[n, f] = b[f] + sum_c xp[n, c] ⋆ w[f, c]`` from the row strips
    of :func:`stack_rows`: ``rows @ T``, ``T[(q, c, x), (f, jj)] = w[f, c, q, x - jj*stride]``
    (the :func:`row_bands` of B columns, stacked over the kernel rows), computed image by
    image and filter by filter so that each strip's ``B`` outputs land in place.
    ``(N, F, H_out, W_out)``.
    Reference: ``reference.conv2d_forward_loops``."""
    f_out, c_in, kh, kw = w.shape
    h_out, w_out = out_size
    b_cols = strip_width(w_out, kw)
    wb = (b_cols - 1) * stride + kw
    bands = row_bands(w, b_cols, wb, stride)  # (KH, F*B, C*Wb)
    # T split by filter: t[f, (q, c, x), jj] = T[(q, c, x), (f, jj)]
    t = bands.reshape(kh, f_out, b_cols, c_in * wb).transpose(1, 0, 3, 2)
    t = t.reshape(f_out, kh * c_in * wb, b_cols)
    n_batch = rows.shape[0] // (h_out * (w_out // b_cols))
    # One image's strips, in order (i, jb), times filter f's columns of T are its
    # (H_out*n_B, B) outputs in place: out[n, f, i, jb*B + jj], as W_out = n_B*B.  So one
    # batched product, an (H_out*n_B, KH*C*Wb) @ (KH*C*Wb, B) product per (n, f), writes
    # the (N, F, H_out, W_out) result in its final layout, with no copy to reorder it
    # (measured 130 us against 155 for one product then that copy, the book's CNN)
    out = np.matmul(rows.reshape(n_batch, 1, -1, rows.shape[1]), t)  # (N, F, H_out*n_B, B)
    out = out.reshape(n_batch, f_out, h_out, w_out)
    out += b[:, None, None]
    return out


def correlate_dout_rows(rows: np.ndarray, dout: np.ndarray, kernel_size: tuple, stride: int):
    """The weight gradient ``dw[f, c] = sum_n xp[n, c] ⋆ dout[n, f]`` from the row strips of
    :func:`stack_rows`: ``M = rows.T @ d``, ``d[(n, i, jb), (f, jj)] = dout[n, f, i, jb*B +
    jj]``, sums over every strip what tap ``(q, c, x)`` met output ``(f, jj)`` (computed image
    by image and filter by filter, then summed over the images); the tap ``(q, r)`` of
    filter ``f`` met it where ``x = jj*stride + r``, so
    ``dw[f, c, q, r] = sum_jj M[(q, c, jj*stride + r), (f, jj)]``, a sum along a diagonal.
    ``(F, C, KH, KW)``.  Reference: ``dw`` of ``reference.conv2d_backward_loops``."""
    n_batch, f_out, h_out, w_out = dout.shape
    kh, kw = kernel_size
    b_cols = strip_width(w_out, kw)
    wb = (b_cols - 1) * stride + kw
    c_in = rows.shape[1] // (kh * wb)
    # d[n, f, (i, jb), jj] = dout[n, f, i, jb*B + jj]: dout as it lies (W_out = n_B*B), no
    # copy; per (n, f) one product of the image's strips with it, then summed over n
    # (measured 95 us against 143 for dout reordered into the strips' order and one product)
    d = dout.reshape(n_batch, f_out, -1, b_cols)
    strips = rows.reshape(n_batch, 1, -1, rows.shape[1])  # (N, 1, H_out*n_B, KH*C*Wb)
    met = np.matmul(strips.transpose(0, 1, 3, 2), d).sum(axis=0)  # (F, KH*C*Wb, B)
    s_f, s_q, s_c, s_x, s_j = met.reshape(f_out, kh, c_in, wb, b_cols).strides
    # diagonal[f, c, q, r, jj] = M[f, (q, c, jj*stride + r), jj], a view
    diagonal = strided_view(met, (f_out, c_in, kh, kw, b_cols),
                          (s_f, s_c, s_q, s_x, stride * s_x + s_j))  # fmt: skip
    return diagonal.sum(axis=-1)


# -- the input gradient by row strips ----------------------------------------------------
#
# The mirror of the forward's strips.  Strip (n, i, jb)'s dout, its F*B values, times the
# transposed band matrix of B columns gives the gradient of the KH*C*Wb input pixels that
# strip read (rows i*stride + q, columns jb*B*stride + x); adding those back where
# stack_rows copied them from is the full convolution.  Laid out with the batch innermost,
# the strips at one column position jb and one kernel row q land on one contiguous run of
# the input gradient's memory, so the adds are a few long ones.


def dx_strip_width(w_out: int, kw: int) -> int:
    """How many output columns ``B`` one strip of the input gradient holds: the forward's
    :func:`strip_width` (8 for the book's 24 columns and 5-wide kernel) when it is at
    least ``KW``; else (a ``W_out`` with no such divisor, a prime say) ``min(W_out, 2*KW)``,
    the last strip part zeros.

    A strip's product spends ``Wb = (B - 1)*stride + KW`` band entries on each output
    column where ``KW`` hold weights; its put-back adds ``Wb`` input columns for every
    ``B*stride`` it owns.  Wider strips waste arithmetic, narrower ones add more back."""
    b = strip_width(w_out, kw)
    return b if b >= min(w_out, kw) else min(w_out, 2 * kw)


def full_convolve_strips(dout: np.ndarray, w: np.ndarray, padded_shape: tuple, stride: int,
                         b_cols: int | None = None):  # fmt: skip
    """The full convolution of (dilated) ``dout`` with ``w`` by row strips:
    ``(N, F, H_out, W_out) -> (N, C, Hp, Wp)``, the gradient of the padded input.

    ``d[jb, (f, jj), (y, n)] = dout[n, f, i, jb*B + jj]`` where ``y = i*stride`` (0 on the
    rows no output row starts at, and past ``W_out``): strip ``(n, i, jb)``'s dout as a
    column.  ``T[(q, c, x), (f, jj)] = w[f, c, q, x - jj*stride]``, the row bands of ``B``
    columns (:func:`row_bands`, those of :func:`correlate_rows`); ``T @ d[jb]`` is then
    every pixel's share that strip read, which :func:`strip_put_back` adds up.  ``B``:
    :func:`dx_strip_width` unless given.  Returned as a view.  (The product is wide, ``(60,
    16) @ (16, 896)`` per strip position for the book's CNN: OpenBLAS keeps its pace in that
    shape, 0.044-0.048 ns per multiply-add from 768 to 2304 columns, so it is not split.)
    Reference: ``dx`` of ``reference.conv2d_backward_loops`` (before its crop)."""
    n_batch, c_in, hp, _ = padded_shape
    f_out, _, kh, kw = w.shape
    _, _, h_out, w_out = dout.shape
    b = dx_strip_width(w_out, kw) if b_cols is None else b_cols
    n_b = -(-w_out // b)  # strips per output row (ceil)
    wb = (b - 1) * stride + kw
    if n_b * b != w_out:  # the last strip's columns past W_out: zeros
        dout = np.concatenate([dout, np.zeros((n_batch, f_out, h_out, n_b * b - w_out))], 3)
    d = np.zeros((n_b, f_out, b, hp, n_batch))
    # (N, F, H_out, n_B, B) -> (n_B, F, B, H_out, N): one copy, onto every stride-th row
    strips = dout.reshape(n_batch, f_out, h_out, n_b, b).transpose(3, 1, 4, 2, 0)
    d[:, :, :, 0 : stride * h_out : stride] = strips
    bands = row_bands(w, b, wb, stride)  # (KH, F*B, C*Wb)
    t = bands.transpose(0, 2, 1).reshape(kh * c_in * wb, f_out * b)
    # T @ d[jb] for each strip position, each added back while it is still in cache (in
    # training, 0.48 against 0.53 ms for the whole conv backward with all three products
    # made first: bench_cnn, 6 alternating rounds)
    grad = (t @ d_jb for d_jb in d.reshape(n_b, f_out * b, hp * n_batch))  # (KH*C*Wb, Hp*N)
    return strip_put_back(grad, padded_shape, (kh, kw), stride, b)


def strip_put_back(grad: Iterable[np.ndarray], padded_shape: tuple, kernel_size: tuple,
                   stride: int, b_cols: int) -> np.ndarray:  # fmt: skip
    """Add every strip's gradient back onto the pixels it stands for:
    ``grad[jb, (q, c, x), (y, n)]`` onto ``dxp[n, c, y + q, jb*B*stride + x]``, for
    ``grad: (n_B, KH*C*Wb, Hp*N)`` (rows ``y + q >= Hp`` must hold zeros; or any iterable
    of the ``n_B`` strip positions' ``(KH*C*Wb, Hp*N)``, in order) -> ``dxp: (N, C, Hp,
    Wp)``, a view; pixels no strip reached get 0.  The adjoint of :func:`stack_rows`
    (strips of ``b_cols`` output columns), in the layout :func:`full_convolve_strips` makes.

    Neighbouring strips overlap (a strip reads ``Wb`` columns, the next starts ``B*stride``
    further on), and so do kernel rows.  In ``dxp`` laid out ``(C, columns, Hp, N)``, the
    pixels of one strip position ``jb`` and kernel row ``q`` are one run of memory, as long
    as ``grad[jb, q]``: a loop over strip positions and kernel rows adds each whole
    (15 adds for the book's CNN), every pixel of it at once."""
    n_batch, c_in, hp, wp = padded_shape
    kh, kw = kernel_size
    n_b = -(-((wp - kw) // stride + 1) // b_cols)  # strip positions: ceil(W_out / B)
    step = b_cols * stride  # from one strip's first column to the next's
    wb = (b_cols - 1) * stride + kw
    run = wb * hp * n_batch  # what one (strip position, kernel row, channel) adds
    # one more column than the last strip reaches: the run of kernel row q ends q rows
    # into it (zeros, rows y + q >= Hp)
    dxt = np.zeros((c_in, max(wp, (n_b - 1) * step + wb + 1), hp, n_batch))
    flat = dxt.reshape(c_in, -1)
    for jb, strip_grad in enumerate(grad):  # a loop over strip positions and kernel rows,
        by_row = strip_grad.reshape(kh, c_in, run)  # never over pixels
        for q in range(kh):
            start = (jb * step * hp + q) * n_batch  # pixel (row q, column jb*B*stride)
            flat[:, start : start + run] += by_row[q]
    return dxt[:, :wp].transpose(3, 0, 2, 1)  # (C, Wp, Hp, N) -> (N, C, Hp, Wp), a view
