"""Two-dimensional cross-correlation and convolution, the way the book teaches them.

Vocabulary (as in every framework, and in the source documents):

* **cross-correlation** slides the kernel over the input as it is:
  ``out[i, j] = sum_{m, n} x[i + m, j + n] * k[m, n]``.  The forward pass of a
  "convolution layer" is this operation.
* **convolution** flips the kernel first:
  ``convolve2d(x, k) == correlate2d(x, rot180(k))``.
* **valid** mode keeps only positions where the kernel fits inside the input:
  ``(H, W), (KH, KW) -> (H - KH + 1, W - KW + 1)``.
* **full** mode also keeps every partial overlap, i.e. the input is zero-padded by
  ``KH - 1`` rows and ``KW - 1`` columns on each side:
  ``(H, W), (KH, KW) -> (H + KH - 1, W + KW - 1)``.

The identities of chapter 5, for ``Y = correlate2d(X, W, "valid")`` and an upstream
gradient ``dY = dL/dY``:

* ``dL/dW = correlate2d(X, dY, "valid")``  (the input, with dY as the kernel)
* ``dL/dX = convolve2d(dY, W, "full") == correlate2d(dY, rot180(W), "full")``

Each single-channel primitive comes twice: a ``*_loops`` version that spells the sum out
with Python loops, and a vectorised version; ``tests/test_conv.py`` holds them equal.

The second half of the module holds the batched, multi-channel kernels used by
:class:`backprop_tour.layers.Conv2D`: a loop reference and the fast versions, each tested
equal to it.  im2col turns the forward pass and the weight gradient into products with a
matrix of unrolled receptive fields; the input gradient of a narrow input such as the
book's 28-pixel digits is one product with a band matrix per kernel row (the width
direction of the convolution as a matrix; ``band_pays`` decides), of a wide one the
adjoint col2im.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ._checks import as_float_array, check_ndim, check_positive_int

_MODES = ("valid", "full")


# ----------------------------------------------------------------------------------------
# Single-channel primitives (H, W) x (KH, KW)
# ----------------------------------------------------------------------------------------


def _check_2d_pair(x, k, mode: str, who: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(x, who, "x")
    k = as_float_array(k, who, "k")
    check_ndim(x, 2, who, "(H, W)", "x")
    check_ndim(k, 2, who, "(KH, KW)", "k")
    if mode not in _MODES:
        raise ValueError(f"{who}: expected mode to be one of {_MODES}, got {mode!r}")
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError(
            f"{who}: in 'valid' mode the kernel must fit inside the input; "
            f"got kernel {k.shape} for input {x.shape}"
        )
    return x, k


def rot180(k: np.ndarray) -> np.ndarray:
    """Rotate the last two axes by 180 degrees: ``rot180(k)[m, n] = k[KH-1-m, KW-1-n]``."""
    k = np.asarray(k)
    return k[..., ::-1, ::-1].copy()


def pad2d(x: np.ndarray, p: int | tuple[int, int]) -> np.ndarray:
    """Zero-pad the last two axes by ``p`` (or ``(ph, pw)``) on every side."""
    ph, pw = (p, p) if np.isscalar(p) else p
    pad = [(0, 0)] * (np.ndim(x) - 2) + [(ph, ph), (pw, pw)]
    return np.pad(x, pad)


def dilate(x: np.ndarray, stride: int) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring entries of the last two axes.

    ``(..., H, W) -> (..., (H - 1) * stride + 1, (W - 1) * stride + 1)``.  A strided
    forward pass skips positions; dilating dL/dY puts zeros where nothing was computed,
    so the stride-1 backward identities apply unchanged.
    """
    x = np.asarray(x, dtype=np.float64)
    stride = check_positive_int(stride, "dilate", "stride")
    *lead, h, w = x.shape
    out = np.zeros((*lead, (h - 1) * stride + 1, (w - 1) * stride + 1))
    out[..., ::stride, ::stride] = x
    return out


def correlate2d_loops(x, k, mode: str = "valid") -> np.ndarray:
    """Cross-correlation with explicit loops: ``out[i, j] = sum_{m,n} x[i+m, j+n] k[m, n]``."""
    x, k = _check_2d_pair(x, k, mode, "correlate2d_loops")
    kh, kw = k.shape
    if mode == "full":
        x = pad2d(x, (kh - 1, kw - 1))
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            total = 0.0
            for m in range(kh):
                for n in range(kw):
                    total += x[i + m, j + n] * k[m, n]
            out[i, j] = total
    return out


def correlate2d(x, k, mode: str = "valid") -> np.ndarray:
    """Vectorised cross-correlation: every window at once, one tensor contraction."""
    x, k = _check_2d_pair(x, k, mode, "correlate2d")
    if mode == "full":
        x = pad2d(x, (k.shape[0] - 1, k.shape[1] - 1))
    windows = sliding_window_view(x, k.shape)  # (H_out, W_out, KH, KW), a view: no copy
    return np.einsum("ijmn,mn->ij", windows, k)


def convolve2d_loops(x, k, mode: str = "valid") -> np.ndarray:
    """Convolution with explicit loops, the kernel index running backwards:

    ``out[i, j] = sum_{m,n} xp[i + m, j + n] * k[KH-1-m, KW-1-n]``
    (``xp`` is ``x`` zero-padded by ``KH-1, KW-1`` in full mode).
    """
    x, k = _check_2d_pair(x, k, mode, "convolve2d_loops")
    kh, kw = k.shape
    if mode == "full":
        x = pad2d(x, (kh - 1, kw - 1))
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            total = 0.0
            for m in range(kh):
                for n in range(kw):
                    total += x[i + m, j + n] * k[kh - 1 - m, kw - 1 - n]
            out[i, j] = total
    return out


def convolve2d(x, k, mode: str = "valid") -> np.ndarray:
    """Vectorised convolution: cross-correlation with the kernel rotated by 180 degrees."""
    x, k = _check_2d_pair(x, k, mode, "convolve2d")
    return correlate2d(x, rot180(k), mode)


# ----------------------------------------------------------------------------------------
# Batched, multi-channel kernels behind Conv2D
#   x: (N, C, H, W), w: (F, C, KH, KW), b: (F,)  ->  out: (N, F, H_out, W_out)
#   H_out = (H + 2 * padding - KH) // stride + 1   (the same for W_out)
# ----------------------------------------------------------------------------------------


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """``(size + 2 * padding - kernel) // stride + 1``."""
    return (size + 2 * padding - kernel) // stride + 1


def conv2d_forward_loops(x, w, b, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Reference forward pass, one output pixel at a time (slow; for tests and the book)."""
    n_batch, _, _, _ = x.shape
    f_out, _, kh, kw = w.shape
    xp = pad2d(x, padding)
    h_out = conv_output_size(x.shape[2], kh, stride, padding)
    w_out = conv_output_size(x.shape[3], kw, stride, padding)
    out = np.zeros((n_batch, f_out, h_out, w_out))
    for n in range(n_batch):
        for f in range(f_out):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[n, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def conv2d_backward_loops(x, w, dout, stride: int = 1, padding: int = 0):
    """Reference backward pass: every output pixel hands its gradient back to the input
    window and the weights that produced it.  Returns ``(dx, dw, db)``."""
    f_out, _, kh, kw = w.shape
    xp = pad2d(x, padding)
    dxp = np.zeros_like(xp)
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


def im2col(xp: np.ndarray, kh: int, kw: int, stride: int, out=None) -> np.ndarray:
    """Unroll every receptive field into a column: ``(N, C, Hp, Wp) -> (C*KH*KW, H_out*W_out*N)``.

    Row ``(c, m, k)`` of the result holds, for every output position ``(i, j)`` of every
    image, the input value that kernel tap ``(m, k)`` of channel ``c`` sees there:
    ``cols[(c, m, k), (i, j, n)] = xp[n, c, i*stride + m, j*stride + k]``.  The columns
    run over the batch innermost, so each row is copied from the input in long contiguous
    runs; the whole matrix is one copy of a sliding-window view, with no Python loop.
    It makes the convolution a single matrix product.

    ``out``: an array of the result's size to write into (a buffer reused from the last
    batch of the same shape saves allocating, and faulting in, megabytes per batch).
    """
    n_batch, c_in, hp, wp = xp.shape
    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    xt = np.ascontiguousarray(xp.transpose(1, 2, 3, 0))  # (N, C, Hp, Wp) -> (C, Hp, Wp, N)
    # windows[c, m, k, i, j, n] = xt[c, i*stride + m, j*stride + k, n]: a view, no copy
    s_c, s_h, s_w, s_n = xt.strides
    shape = (c_in, kh, kw, h_out, w_out, n_batch)
    windows = as_strided(xt, shape, (s_c, s_h, s_w, stride * s_h, stride * s_w, s_n))
    cols = np.empty(shape) if out is None else out.reshape(shape)
    cols[...] = windows  # the one copy
    return cols.reshape(c_in * kh * kw, h_out * w_out * n_batch)


def col2im(dcols: np.ndarray, xp_shape: tuple, kh: int, kw: int, stride: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column entry back onto the input pixel it
    was copied from.  ``(C*KH*KW, H_out*W_out*N) -> (N, C, Hp, Wp)``.

    One addition per kernel tap (a loop over the KH*KW taps, never over pixels): tap
    ``(m, k)`` adds its ``(H_out, W_out)`` plane, shifted by ``(m, k)``, onto the input.
    """
    n_batch, c_in, hp, wp = xp_shape
    h_out, w_out = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    dcols = dcols.reshape(c_in, kh, kw, h_out, w_out, n_batch)
    dxt = np.zeros((c_in, hp, wp, n_batch))  # the batch innermost, like the columns
    for m in range(kh):
        for k in range(kw):
            rows = slice(m, m + stride * h_out, stride)
            cols = slice(k, k + stride * w_out, stride)
            dxt[:, rows, cols] += dcols[:, m, k]
    return dxt.transpose(3, 0, 1, 2)  # (C, Hp, Wp, N) -> (N, C, Hp, Wp), a view


def input_grad_col2im(dout_mat: np.ndarray, w: np.ndarray, xp_shape: tuple, stride: int):
    """dL/d(padded input) through the columns: ``(F, H_out*W_out*N) -> (N, C, Hp, Wp)``.

    ``W_mat.T @ dout_mat`` gives every kernel tap's share of every output's gradient, in
    the layout of :func:`im2col`; :func:`col2im` adds each share back onto the pixel it
    came from.  ``dout_mat`` is dout with the batch innermost, as the weight gradient uses it.
    """
    f_out, _, kh, kw = w.shape
    return col2im(w.reshape(f_out, -1).T @ dout_mat, xp_shape, kh, kw, stride)


def _few_rows_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
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


def conv2d_forward(xp: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, cols=None):
    """Fast forward pass on an already padded input ``xp: (N, C, Hp, Wp)``.

    ``out = W_mat @ cols + b`` with ``W_mat = w.reshape(F, C*KH*KW)`` and
    ``cols = im2col(xp)``.  Returns ``(out, cols)``; backward reuses ``cols``.
    """
    n_batch = xp.shape[0]
    f_out, _, kh, kw = w.shape
    h_out = (xp.shape[2] - kh) // stride + 1
    w_out = (xp.shape[3] - kw) // stride + 1
    cols = im2col(xp, kh, kw, stride, out=cols)
    out_cols = _few_rows_matmul(w.reshape(f_out, -1), cols)  # (F, H_out*W_out*N)
    # (F, H_out, W_out, N) -> (N, F, H_out, W_out), the bias added in the same pass
    out = np.empty((n_batch, f_out, h_out, w_out))
    np.add(out_cols.reshape(f_out, h_out, w_out, n_batch).transpose(3, 0, 1, 2),
           b[:, None, None], out=out)  # fmt: skip
    return out, cols


def conv2d_backward(cols, xp_shape, w, dout, stride: int, padding: int, need_dx: bool = True):
    """Fast backward pass from the ``cols`` saved by :func:`conv2d_forward`.

    * ``dw = dout_mat @ cols.T`` — every tap's input plane against dout: the valid
      cross-correlation of the input with (dilated) dout;
    * ``db[f] = sum dout[:, f]``;
    * ``dx``: each output's gradient sent back through every tap, the full convolution of
      (dilated) dout with ``w``; then the padding is cropped.  For narrow inputs
      (:func:`band_pays`, the book's digits) by row bands (:func:`input_grad_rows`), otherwise
      through the columns (:func:`input_grad_col2im`).

    Returns ``(dx or None, dw, db)``.
    """
    f_out, _, _, kw = w.shape
    # (N, F, H_out, W_out) -> (F, H_out, W_out, N): the column order of cols
    dout_mat = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(f_out, -1)
    # dw = dout_mat @ cols.T, computed as (cols @ dout_mat.T).T to reuse the few-rows trick
    dw = _few_rows_matmul(dout_mat, cols.T).reshape(w.shape)
    db = dout_mat.sum(axis=1)
    if not need_dx:
        return None, dw, db
    if band_pays(xp_shape[3], kw):
        dxp = input_grad_rows(dout, w, xp_shape, stride)
    else:
        dxp = input_grad_col2im(dout_mat, w, xp_shape, stride)
    return _crop(dxp, padding), dw, db


def _crop(xp: np.ndarray, padding: int) -> np.ndarray:
    """Undo :func:`pad2d`: ``(N, C, H + 2p, W + 2p) -> (N, C, H, W)``."""
    if not padding:
        return xp
    return xp[:, :, padding : xp.shape[2] - padding, padding : xp.shape[3] - padding]


# ----------------------------------------------------------------------------------------
# The input gradient by row bands: for narrow inputs (the book's 28-pixel digits), where
# it is faster than col2im.
#   The width direction of the convolution becomes a product with one band matrix per
#   kernel row m; the height direction an add of whole row blocks, output row i onto
#   input row i*stride + m.  The arrays are laid out rows first, then the batch:
#   (H, N, C, W), so that every one of those adds is one contiguous block of memory.
# ----------------------------------------------------------------------------------------


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


def input_grad_rows(dout: np.ndarray, w: np.ndarray, xp_shape: tuple, stride: int):
    """dL/d(padded input) by row bands: ``(N, F, H_out, W_out) -> (N, C, Hp, Wp)``.

    With ``d[(i, n), (f, j)] = dout[n, f, i, j]``, the product ``d @ T[m]`` holds in row
    ``(i, n)`` the gradient that output row ``i`` sends to input row ``i*stride + m``
    through kernel row ``m`` (every channel, every column).  Adding those blocks up is the
    full convolution of dout with ``w``.  Returned as a view of the ``(Hp, N, C, Wp)``
    array it is computed in.
    """
    n_batch, c_in, hp, wp = xp_shape
    _, _, kh, _ = w.shape
    _, f_out, h_out, w_out = dout.shape
    d = dout.transpose(2, 0, 1, 3).reshape(h_out * n_batch, f_out * w_out)  # one copy
    sent = np.matmul(d, row_bands(w, w_out, wp, stride))  # (KH, H_out*N, C*Wp)
    sent = sent.reshape(kh, h_out, n_batch, c_in * wp)
    dxr = np.zeros((hp, n_batch, c_in * wp))
    for m in range(kh):  # a loop over kernel rows: output row i feeds input row i*s + m
        dxr[m : m + stride * h_out : stride] += sent[m]
    return dxr.reshape(hp, n_batch, c_in, wp).transpose(1, 2, 0, 3)  # (N, C, Hp, Wp), a view


def check_conv_args(stride, padding, who: str) -> tuple[int, int]:
    stride = check_positive_int(stride, who, "stride", 1)
    padding = check_positive_int(padding, who, "padding", 0)
    return stride, padding
