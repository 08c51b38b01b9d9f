"""Two-dimensional cross-correlation and convolution, the way the book teaches them.

Vocabulary (as in every framework, and in the source documents):

* **cross-correlation** slides the kernel over the input as it is:
  ``out[i, j] = sum_{q, r} x[i + q, j + r] * k[q, r]``.  The forward pass of a
  "convolution layer" is this operation.
* **convolution** flips the kernel first:
  ``convolve2d(x, k) == correlate2d(x, rot180(k))``.
* **valid** mode keeps only positions where the kernel fits inside the input:
  ``(H, W), (KH, KW) -> (H - KH + 1, W - KW + 1)``.
* **full** mode also keeps every partial overlap, i.e. the input is zero-padded by
  ``KH - 1`` rows and ``KW - 1`` columns on each side:
  ``(H, W), (KH, KW) -> (H + KH - 1, W + KW - 1)``.

The identities of chapter 5, for ``Z = correlate2d(X, W, "valid")`` and an upstream
gradient ``G = dJ/dZ``:

* ``dJ/dW = correlate2d(X, G, "valid")``  (the input, with G as the kernel)
* ``dJ/dX = convolve2d(G, W, "full") == correlate2d(G, rot180(W), "full")``

Each primitive comes twice: a ``*_loops`` version that spells the sum out with Python
loops, and a vectorised version; ``tests/test_conv.py`` holds them equal.

The batched, multi-channel layer built on these identities is ``layers.Conv2D``; its
plain-loop reference is ``reference.py`` and its fast kernels are in ``kernels/``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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
    """Rotate the last two axes by 180 degrees: ``rot180(k)[q, r] = k[KH-1-q, KW-1-r]``."""
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
    forward pass skips positions; dilating dJ/dZ puts zeros where nothing was computed,
    so the stride-1 backward identities apply unchanged.
    """
    x = np.asarray(x, dtype=np.float64)
    stride = check_positive_int(stride, "dilate", "stride")
    *lead, h, w = x.shape
    out = np.zeros((*lead, (h - 1) * stride + 1, (w - 1) * stride + 1))
    out[..., ::stride, ::stride] = x
    return out


def correlate2d_loops(x, k, mode: str = "valid") -> np.ndarray:
    """Cross-correlation with explicit loops: ``out[i, j] = sum_{q,r} x[i+q, j+r] k[q, r]``."""
    x, k = _check_2d_pair(x, k, mode, "correlate2d_loops")
    kh, kw = k.shape
    if mode == "full":
        x = pad2d(x, (kh - 1, kw - 1))
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            total = 0.0
            for q in range(kh):
                for r in range(kw):
                    total += x[i + q, j + r] * k[q, r]
            out[i, j] = total
    return out


def correlate2d(x, k, mode: str = "valid") -> np.ndarray:
    """Vectorised cross-correlation: every window at once, one tensor contraction."""
    x, k = _check_2d_pair(x, k, mode, "correlate2d")
    if mode == "full":
        x = pad2d(x, (k.shape[0] - 1, k.shape[1] - 1))
    windows = sliding_window_view(x, k.shape)  # (H_out, W_out, KH, KW), a view: no copy
    return np.einsum("ijqr,qr->ij", windows, k)


def convolve2d_loops(x, k, mode: str = "valid") -> np.ndarray:
    """Convolution with explicit loops, the kernel index running backwards:

    ``out[i, j] = sum_{q,r} xp[i + q, j + r] * k[KH-1-q, KW-1-r]``
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
            for q in range(kh):
                for r in range(kw):
                    total += x[i + q, j + r] * k[kh - 1 - q, kw - 1 - r]
            out[i, j] = total
    return out


def convolve2d(x, k, mode: str = "valid") -> np.ndarray:
    """Vectorised convolution: cross-correlation with the kernel rotated by 180 degrees."""
    x, k = _check_2d_pair(x, k, mode, "convolve2d")
    return correlate2d(x, rot180(k), mode)


# ----------------------------------------------------------------------------------------
# Sizes and padding for a layer: (N, C, H, W) images, stride and padding
# ----------------------------------------------------------------------------------------


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """``(size + 2 * padding - kernel) // stride + 1``."""
    return (size + 2 * padding - kernel) // stride + 1


def crop2d(xp: np.ndarray, p: int) -> np.ndarray:
    """Undo :func:`pad2d`: drop ``p`` rows and columns on every side of the last two axes."""
    if not p:
        return xp
    return xp[..., p : xp.shape[-2] - p, p : xp.shape[-1] - p]


def check_conv_args(stride, padding, who: str) -> tuple[int, int]:
    stride = check_positive_int(stride, who, "stride", 1)
    padding = check_positive_int(padding, who, "padding", 0)
    return stride, padding


# The batched loop references moved to reference.py; importable here too, where the
# chapters and the grader have always found them.
from .reference import conv2d_backward_loops, conv2d_forward_loops  # noqa: E402, F401
