"""The input gradient of the book's Conv2D, five ways, against the arithmetic it needs.

    python benchmarks/bench_input_grad.py [--blas-threads 1] [--number 300]   # or: make bench-dx

``dL/dx`` of the first layer is the one piece of work that separates a reader's loop calling
``model.backward(dout)`` from ``fit`` (which skips it: nothing upstream of the images needs
it).  For the book's shapes, ``dout (32, 2, 24, 24)`` and ``W (2, 1, 5, 5)`` giving
``dx (32, 1, 28, 28)``, every way below is first checked equal to the loop reference
``reference.conv2d_backward_loops``, then timed with ``timeit`` (best of 7 runs of ``--number``
calls), each from ``dout`` as the layer receives it, so its own layout copies count:

* ``row strips``: the library's way for narrow inputs (``kernels.full_convolve_strips``):
  each strip of 8 output columns times the transposed band matrix of 8 columns gives the
  12 x 5 pixels it read; those are added back, one strip position and kernel row at a time;
* ``row bands``: the library's way for narrow inputs before the strips
  (``kernels.full_convolve_rows``): one product per kernel row with a band matrix as wide
  as the image, whose zeros cost arithmetic (5.6 times the useful multiply-adds);
* ``col2im``: the library's way for wide inputs (``kernels.full_convolve_col2im``):
  ``W_mat.T @ dout_mat`` holds every tap's share, added back onto the input one tap at a
  time (including its own transpose of dout);
* ``shift and add``: one scaled copy of dout per filter and kernel tap, added in place;
* ``FFT``: the full convolution as a product of zero-padded spectra.

The last line is the floor: the multiply-adds a convolution needs (N*F*C*H_out*W_out*KH*KW)
at the rate this core reaches in a large square matrix product, timed the same way.  The
``x floor`` column says how far each way is from it.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
from threadpoolctl import threadpool_limits

from backprop_tour import kernels, reference

SHAPES = {"N": 32, "F": 2, "C": 1, "H_out": 24, "W_out": 24, "K": 5}  # the book's CNN


def dx_row_strips(dout: np.ndarray, w: np.ndarray) -> np.ndarray:
    n, _, h, wd = dout.shape
    _, c, kh, kw = w.shape
    return kernels.full_convolve_strips(dout, w, (n, c, h + kh - 1, wd + kw - 1), stride=1)


def dx_row_bands(dout: np.ndarray, w: np.ndarray) -> np.ndarray:
    n, _, h, wd = dout.shape
    _, c, kh, kw = w.shape
    return kernels.full_convolve_rows(dout, w, (n, c, h + kh - 1, wd + kw - 1), stride=1)


def dx_col2im(dout: np.ndarray, w: np.ndarray) -> np.ndarray:
    n, _, h, wd = dout.shape
    _, c, kh, kw = w.shape
    return kernels.full_convolve_col2im(dout, w, (n, c, h + kh - 1, wd + kw - 1), stride=1)


def dx_shift_add(dout: np.ndarray, w: np.ndarray) -> np.ndarray:
    n, f_out, h, wd = dout.shape
    _, c, kh, kw = w.shape
    dx = np.zeros((n, c, h + kh - 1, wd + kw - 1))
    for f in range(f_out):
        for m in range(kh):
            for k in range(kw):  # output pixel (i, j) reached input pixel (i + m, j + k)
                dx[:, :, m : m + h, k : k + wd] += w[f, :, m, k, None, None] * dout[:, f, None]
    return dx


def dx_fft(dout: np.ndarray, w: np.ndarray) -> np.ndarray:
    _, _, h, wd = dout.shape
    _, _, kh, kw = w.shape
    size = (h + kh - 1, wd + kw - 1)  # the full convolution's size: no wrap-around
    spectra = np.fft.rfft2(dout, size)[:, :, None] * np.fft.rfft2(w, size)  # (N, F, C, ...)
    return np.fft.irfft2(spectra.sum(axis=1), size)


WAYS = {
    "row strips (library, narrow inputs)": dx_row_strips,
    "row bands (narrow inputs, before)": dx_row_bands,
    "col2im (library, wide inputs)": dx_col2im,
    "shift and add, one tap at a time": dx_shift_add,
    "FFT": dx_fft,
}


def useful_madds(dout: np.ndarray, w: np.ndarray) -> int:
    """Multiply-adds of the full convolution: every output's gradient times every weight."""
    n, f_out, h, wd = dout.shape
    _, c, kh, kw = w.shape
    return n * f_out * c * h * wd * kh * kw


def best_seconds(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number


def gemm_flops_per_second(size: int = 500) -> float:
    a = np.random.default_rng(3).standard_normal((size, size))
    return 2 * size**3 / best_seconds(lambda: a @ a, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--number", type=int, default=300, help="calls per timed run")
    args = parser.parse_args()

    s = SHAPES
    rng = np.random.default_rng(0)
    w = rng.standard_normal((s["F"], s["C"], s["K"], s["K"]))
    dout = rng.standard_normal((s["N"], s["F"], s["H_out"], s["W_out"]))
    x = np.zeros((s["N"], s["C"], s["H_out"] + s["K"] - 1, s["W_out"] + s["K"] - 1))
    expected, _, _ = reference.conv2d_backward_loops(x, w, dout)  # dx does not depend on x
    madds = useful_madds(dout, w)

    print(f"dL/dx of Conv2D({s['C']}, {s['F']}, {s['K']}): dout {dout.shape} -> dx {x.shape}, "
          f"{madds / 1e6:.2f} M useful multiply-adds; {args.blas_threads} BLAS thread(s), "
          f"best of 7 x {args.number} calls")  # fmt: skip
    with threadpool_limits(args.blas_threads, "blas"):
        floor = 2 * madds / gemm_flops_per_second()
        print(f"  {'way':<38} {'us':>8} {'x floor':>8}")
        for name, way in WAYS.items():
            if not np.allclose(way(dout, w), expected):
                raise AssertionError(f"{name}: differs from conv2d_backward_loops")
            t = best_seconds(lambda way=way: way(dout, w), args.number)
            print(f"  {name:<38} {t * 1e6:>8.0f} {t / floor:>8.1f}")
        print(f"  {'floor: useful work at large-GEMM rate':<38} {floor * 1e6:>8.0f} {1.0:>8.1f}")


if __name__ == "__main__":
    main()
