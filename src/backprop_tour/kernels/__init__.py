"""Fast kernels: the named operations the layers call, each a short function implemented
for speed and held equal to its plain-loop reference (``backprop_tour.reference``) by one
parametrised test, ``tests/test_kernels.py``.

=====================================  ===============================  ===================================
operation (what ``layers.py`` calls)   how                              reference
=====================================  ===============================  ===================================
``windows(xp, kernel_size, stride)``   row strips (narrow inputs) or    the windows the loops slice
                                       im2col
``correlate(xw, w, b)``                one product per image and filter ``conv2d_forward_loops``
                                       with the strips and row bands,
                                       or one with the im2col matrix
                                       (``few_rows_matmul``)
``correlate_dout(xw, dout)``           the same matrices, transposed    ``conv2d_backward_loops``'s dw
                                       (row strips: then a diagonal sum)
``full_convolve(dout, w, s, shape)``   row strips, their shares added   ``conv2d_backward_loops``'s dx
                                       back (narrow inputs), or col2im
``pool_taps(x, size, stride)``         one copy per window tap          ``maxpool2d_forward_loops`` (max)
``route_to_max(dout, taps, ...)``      winners found tap by tap         ``maxpool2d_backward_loops``
=====================================  ===============================  ===================================

``views.py`` (strided views of an array's memory) is a helper of the operations above, not
an operation.

A reader learning the rules never needs this package: ``layers.py`` says what is computed,
``reference.py`` how, one term at a time.
"""

from .columns import Windows, col2im, few_rows_matmul, im2col, windows
from .conv2d import correlate, correlate_dout, full_convolve, full_convolve_col2im
from .pool import pool_taps, route_to_max
from .row_bands import (
    band_pays,
    correlate_dout_rows,
    correlate_rows,
    dx_strip_width,
    full_convolve_rows,
    full_convolve_strips,
    row_bands,
    stack_rows,
    strip_put_back,
    strip_width,
)

__all__ = [
    "Windows",
    "band_pays",
    "col2im",
    "correlate",
    "correlate_dout",
    "correlate_dout_rows",
    "correlate_rows",
    "dx_strip_width",
    "few_rows_matmul",
    "full_convolve",
    "full_convolve_col2im",
    "full_convolve_rows",
    "full_convolve_strips",
    "im2col",
    "pool_taps",
    "route_to_max",
    "row_bands",
    "stack_rows",
    "strip_put_back",
    "strip_width",
    "windows",
]
