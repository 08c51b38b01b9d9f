"""The three operations of a convolution layer, on a batch of multi-channel images:

* :func:`correlate`: the forward pass, ``out[n, f] = b[f] + sum_c xp[n, c] ⋆ w[f, c]``;
* :func:`correlate_dout`: the weight gradient, ``dw[f, c] = sum_n xp[n, c] ⋆ dout[n, f]``;
* :func:`full_convolve`: the input gradient, ``dxp[n, c] = sum_f dout[n, f] (*full) w[f, c]``

(``⋆`` valid cross-correlation, strided by the layer's stride; ``(*full)`` full convolution,
of ``dout`` dilated by the stride).  The first two are products with the windows: row
strips for narrow inputs, the im2col matrix otherwise (whichever :func:`windows` kept);
the third is row strips for narrow inputs (each strip's share of the input gradient
added back where the strip was read from), col2im otherwise.  Each equals its part of
``reference.conv2d_forward_loops`` / ``reference.conv2d_backward_loops``
(``tests/test_kernels.py``).

Shapes: ``xp: (N, C, Hp, Wp)`` (already padded), ``w: (F, C, KH, KW)``, ``b: (F,)``,
``dout: (N, F, H_out, W_out)``.
"""

from __future__ import annotations

import numpy as np

from .columns import Windows, col2im, few_rows_matmul
from .row_bands import band_pays, correlate_dout_rows, correlate_rows, full_convolve_strips


def _dout_matrix(dout: np.ndarray) -> np.ndarray:
    """``(N, F, H_out, W_out) -> (F, H_out*W_out*N)``: dout in the column order of im2col."""
    return np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(dout.shape[1], -1)


def correlate(xw: Windows, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The forward pass ``out[n, f] = b[f] + sum_c xp[n, c] ⋆ w[f, c]``:
    ``(N, F, H_out, W_out)``, computed as ``w.reshape(F, C*KH*KW) @ cols + b`` (or by
    ``correlate_rows`` from row strips).  Reference: ``reference.conv2d_forward_loops``."""
    if xw.rows is not None:
        return correlate_rows(xw.rows, w, b, xw.out_size, xw.stride)
    n_batch = xw.padded_shape[0]
    f_out = w.shape[0]
    h_out, w_out = xw.out_size
    out_cols = few_rows_matmul(w.reshape(f_out, -1), xw.cols)  # (F, H_out*W_out*N)
    # (F, H_out, W_out, N) -> (N, F, H_out, W_out), the bias added in the same pass
    out = np.empty((n_batch, f_out, h_out, w_out))
    np.add(out_cols.reshape(f_out, h_out, w_out, n_batch).transpose(3, 0, 1, 2),
           b[:, None, None], out=out)  # fmt: skip
    return out


def correlate_dout(xw: Windows, dout: np.ndarray) -> np.ndarray:
    """The weight gradient ``dw[f, c] = sum_n xp[n, c] ⋆ dout[n, f]`` (dout dilated by the
    stride): ``(F, C, KH, KW)``, computed as ``dout_mat @ cols.T``, every tap's input
    plane against dout (or by ``correlate_dout_rows`` from row strips).
    Reference: ``dw`` of ``reference.conv2d_backward_loops``."""
    if xw.rows is not None:
        return correlate_dout_rows(xw.rows, dout, xw.kernel_size, xw.stride)
    c_in = xw.padded_shape[1]
    f_out = dout.shape[1]
    # dw = dout_mat @ cols.T, computed as (cols @ dout_mat.T).T to reuse the few-rows trick
    dw = few_rows_matmul(_dout_matrix(dout), xw.cols.T)
    return dw.reshape(f_out, c_in, *xw.kernel_size)


def full_convolve(dout: np.ndarray, w: np.ndarray, stride: int, padded_shape: tuple):
    """The input gradient ``dxp[n, c] = sum_f dilate(dout[n, f]) (*full) w[f, c]``, as
    large as the padded input ``(N, C, Hp, Wp)`` (rows and columns a stride never reached
    get 0).  By row strips when the input is narrow (:func:`band_pays`, the book's digits:
    ``full_convolve_strips``), otherwise through col2im.  (``full_convolve_rows``, by row
    bands, computes the same; ``benchmarks/bench_input_grad.py`` times the ways.)
    Reference: ``dx`` of ``reference.conv2d_backward_loops``, before its crop."""
    if band_pays(padded_shape[3], w.shape[3]):
        return full_convolve_strips(dout, w, padded_shape, stride)
    return full_convolve_col2im(dout, w, padded_shape, stride)


def full_convolve_col2im(dout: np.ndarray, w: np.ndarray, padded_shape: tuple, stride: int):
    """:func:`full_convolve` through the columns: ``W_mat.T @ dout_mat`` gives every kernel
    tap's share of every output's gradient, in the layout of im2col; col2im adds each share
    back onto the pixel it came from.  ``(N, F, H_out, W_out) -> (N, C, Hp, Wp)``."""
    f_out, _, kh, kw = w.shape
    return col2im(w.reshape(f_out, -1).T @ _dout_matrix(dout), padded_shape, kh, kw, stride)
