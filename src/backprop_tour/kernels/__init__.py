"""Fast kernels: the named operations the layers call, each a short function implemented
for speed and held equal to its plain-loop reference (``backprop_tour.reference``) by one
parametrised test, ``tests/test_kernels.py``.

=====================================  ===============================  ===================================
operation (what ``layers.py`` calls)   how                              reference
=====================================  ===============================  ===================================
``windows(xp, kernel_size, stride)``   im2col                           the windows the loops slice
``correlate(xw, w, b)``                one product with the im2col      ``conv2d_forward_loops``
                                       matrix (``few_rows_matmul``)
``correlate_dout(xw, dout)``           the same matrix, transposed      ``conv2d_backward_loops``'s dw
``full_convolve(dout, w, s, shape)``   row bands (narrow inputs) or     ``conv2d_backward_loops``'s dx
                                       col2im
``pool_taps(x, size, stride)``         one copy per window tap          ``maxpool2d_forward_loops`` (max)
``route_to_max(dout, taps, ...)``      winners found tap by tap         ``maxpool2d_backward_loops``
=====================================  ===============================  ===================================

A reader learning the rules never needs this package: ``layers.py`` says what is computed,
``reference.py`` how, one term at a time.
"""

from .columns import Windows, col2im, few_rows_matmul, im2col, windows
from .conv2d import correlate, correlate_dout, full_convolve, full_convolve_col2im
from .pool import pool_taps, route_to_max
from .row_bands import band_pays, full_convolve_rows, row_bands

__all__ = [
    "Windows",
    "band_pays",
    "col2im",
    "correlate",
    "correlate_dout",
    "few_rows_matmul",
    "full_convolve",
    "full_convolve_col2im",
    "full_convolve_rows",
    "im2col",
    "pool_taps",
    "route_to_max",
    "row_bands",
    "windows",
]
