"""The row strips' products, whole against split into blocks of rows (kernels/products.py).

    python benchmarks/bench_products.py [--blas-threads 1] [--number 200]

For the book's CNN (batch 32, 24 x 24 outputs in strips of 8 columns, a 5 x 5 kernel: 2304
strips of 60 pixels, 2 filters x 8 columns), the forward's ``rows @ T``, ``(2304, 60) @ (60,
16)``, and the weight gradient's ``rows.T @ d``, ``(2304, 60).T @ (2304, 16)``, each 2.2 M
multiply-adds; then the same two at twice the batch.  Each is timed with ``timeit`` (best of
7 runs of ``--number`` calls) whole, and in blocks of a few sizes of rows, block by block
into one result as ``products.matmul_by_row_blocks`` and ``t_matmul_by_row_blocks`` do.
The last column is the library's own choice of blocks (``products.BLOCK_MADDS``).
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
from threadpoolctl import threadpool_limits

from backprop_tour.kernels import products

BLOCK_ROWS = (256, 512, 768, 1152)
SHAPES = [(2304, 60, 16), (4608, 60, 16)]  # (strips, pixels per strip, filters x columns)


def by_blocks(a: np.ndarray, b: np.ndarray, rows: int) -> np.ndarray:
    out = np.empty((a.shape[0], b.shape[1]))
    for start in range(0, a.shape[0], rows):
        np.matmul(a[start : start + rows], b, out=out[start : start + rows])
    return out


def t_by_blocks(a: np.ndarray, b: np.ndarray, rows: int) -> np.ndarray:
    out = a[:rows].T @ b[:rows]
    for start in range(rows, a.shape[0], rows):
        out += a[start : start + rows].T @ b[start : start + rows]
    return out


def best_us(fn, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=7)) / number * 1e6


def row(name: str, madds: int, whole, blocks, library, number: int) -> str:
    """One line of the table: ``whole()``, ``blocks(rows)`` for each size, ``library()``."""
    cells = [best_us(whole, number)] + [best_us(lambda r=r: blocks(r), number) for r in BLOCK_ROWS]
    cells.append(best_us(library, number))
    return f"  {name:<30} {madds / 1e6:>8.2f}" + "".join(f"{c:>10.1f}" for c in cells)


def both_products(m: int, k: int, n: int, number: int) -> list[str]:
    """The table's two lines for ``m`` strips of ``k`` pixels and ``n`` outputs each."""
    rng = np.random.default_rng(0)
    a, t, d = rng.standard_normal((m, k)), rng.standard_normal((k, n)), rng.standard_normal((m, n))
    mul, tmul = products.matmul_by_row_blocks, products.t_matmul_by_row_blocks
    return [
        row(f"({m}, {k}) @ ({k}, {n})", m * k * n, lambda: a @ t,
            lambda r: by_blocks(a, t, r), lambda: mul(a, t), number),
        row(f"({m}, {k}).T @ ({m}, {n})", m * k * n, lambda: a.T @ d,
            lambda r: t_by_blocks(a, d, r), lambda: tmul(a, d), number),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--number", type=int, default=200, help="calls per timed run")
    args = parser.parse_args()
    print(f"microseconds, best of 7 x {args.number} calls, {args.blas_threads} BLAS thread(s)")
    head = "".join(f"{f'{r} rows':>10}" for r in BLOCK_ROWS)
    print(f"  {'product':<30} {'M madds':>8} {'whole':>10}{head} {'library':>10}")
    with threadpool_limits(args.blas_threads, "blas"):
        for m, k, n in SHAPES:
            print(*both_products(m, k, n, args.number), sep="\n")
    print(f"  library: blocks of at most {products.BLOCK_MADDS:,} multiply-adds "
          f"({products.row_block(2304, 60 * 16)} rows of 2304)")  # fmt: skip


if __name__ == "__main__":
    main()
