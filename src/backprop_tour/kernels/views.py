"""Strided views: the same memory read with other strides, as the kernels' sliding windows
and band diagonals are.

:func:`strided_view` is ``numpy.lib.stride_tricks.as_strided`` for what the kernels pass
it, made cheap: ``as_strided`` builds its view through a Python object exposing
``__array_interface__`` (5.8 us a call, timeit, against 0.55 us for the ``ndarray``
constructor on the array's own buffer).  Three such views per training batch of the book's
CNN; replacing them took a plain training loop from 1.433 to 1.365 ms per batch (medians
over 15 interleaved epochs each, 1 BLAS thread, load average 0.4; ``need_dx=False``).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def strided_view(a: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """A view of ``a``'s memory with ``shape`` and ``strides`` (bytes), starting at ``a[0,
    ..., 0]``; writable if ``a`` is.  Unlike ``as_strided``, a view that would reach past
    ``a``'s memory raises a ValueError (for a C-contiguous ``a``, the kernels' case; any
    other ``a`` goes through ``as_strided``)."""
    if a.flags.c_contiguous:
        return np.ndarray(shape, a.dtype, a, 0, strides)
    return as_strided(a, shape, strides)
