"""Matrix products of tall, skinny matrices, split into blocks of rows.

At one BLAS thread, OpenBLAS (0.3.31, SkylakeX kernels here) computes a product of the row
strips' thin shape about twice as fast per multiply-add below roughly 10**6 multiply-adds as
above it (timeit of single products): 0.030 ns per multiply-add for ``(768, 60) @ (60,
16)`` (0.74 M), 0.050 at 1024 rows, 0.048-0.066 from 1088 rows up.  The book's strips are
2.2 M multiply-adds, so the same product cut into blocks of rows, each under the cliff, is
faster.  Measured with
``python benchmarks/bench_products.py`` (timeit, best of 7 x 200 calls, 1 BLAS thread, load
average 1.6, microseconds; two runs)::

    product                       M madds  whole  256 rows  512 rows  768 rows  1152 rows
    (2304, 60) @ (60, 16)            2.21    124-140   74-132   69-125   64-119   108-111
    (2304, 60).T @ (2304, 16)        2.21    166-168   99-103   86-87    82       168-170
    (4608, 60) @ (60, 16)            4.42    232-240  173-185  162-174  153-169   241-242
    (4608, 60).T @ (4608, 16)        4.42    368-376  247-345  218-223  210-216   386

So a product is cut into blocks of at most :data:`BLOCK_MADDS` = 750,000 multiply-adds
(three blocks of 768 rows for the book's strips: 64-68 and 82 us against 124-140 and 166-168
whole), and left whole below that.  Blocks of 1152 rows (1.1 M) are over the cliff again.

Both functions equal the plain products ``a @ b`` and ``a.T @ b`` (``tests/test_kernels.py``),
up to the order of a sum's terms in the second.
"""

from __future__ import annotations

import numpy as np

#: The most multiply-adds one block's product may have: under OpenBLAS's cliff near 10**6.
BLOCK_MADDS = 750_000


def row_block(m: int, madds_per_row: int) -> int:
    """How many of ``m`` rows one block holds: as few blocks as keep each at most
    :data:`BLOCK_MADDS` multiply-adds, the rows shared as evenly as they go (the last
    block may be shorter, the tail)."""
    per_block = max(1, BLOCK_MADDS // max(madds_per_row, 1))
    n_blocks = -(-m // per_block)  # ceil
    return -(-m // max(n_blocks, 1))


def matmul_by_row_blocks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a tall ``a: (M, K)`` and ``b: (K, N)``, computed block of rows by block
    of rows into one ``(M, N)`` result: ``out[rows] = a[rows] @ b``."""
    m, k = a.shape
    step = row_block(m, k * b.shape[1])
    if step >= m:
        return a @ b
    out = np.empty((m, b.shape[1]))
    for start in range(0, m, step):  # a loop over a few blocks (3 to 5 in the book's CNN)
        np.matmul(a[start : start + step], b, out=out[start : start + step])
    return out


def t_matmul_by_row_blocks(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` for tall ``a: (M, K)`` and ``b: (M, N)``, both with the same ``M`` rows:
    a sum over blocks of rows, ``sum_blocks a[rows].T @ b[rows]``, ``(K, N)``."""
    m, k = a.shape
    step = row_block(m, k * b.shape[1])
    out = a[:step].T @ b[:step]
    for start in range(step, m, step):  # a loop over a few blocks
        out += a[start : start + step].T @ b[start : start + step]
    return out
