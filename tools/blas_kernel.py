"""Print which BLAS library and kernel set numpy uses here, e.g. `openblas 0.3.31, Haswell`.

`make nbval` prints it before each of its two runs, to show that OPENBLAS_CORETYPE took
effect (OpenBLAS ignores a name it does not know and silently keeps its own choice).
"""

from __future__ import annotations

import numpy  # noqa: F401  (loads numpy's BLAS, so threadpoolctl can see it)
from threadpoolctl import threadpool_info


def describe() -> str:
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not blas:
        return "no BLAS library found by threadpoolctl"
    return "; ".join(
        f"{i.get('internal_api')} {i.get('version')}, {i.get('architecture', 'unknown kernels')}"
        for i in blas
    )


if __name__ == "__main__":
    print(describe())
