"""Input validation shared by the library: every bad input becomes a ValueError that says
who complained, what was expected and what was received.

``who`` is a name, or the layer itself: it is formatted (``f"{who}"``, a layer's repr)
only when an error is raised, so a check that passes costs no string formatting.
"""

from __future__ import annotations

import numpy as np


def as_float_array(x, who: object, name: str = "x") -> np.ndarray:
    """Return `x` as a float64 array; refuse anything that is not numeric."""
    if type(x) is np.ndarray and x.dtype == np.float64:  # the common case, checked first
        return x
    if callable(x):  # e.g. loss.backward instead of loss.backward()
        raise ValueError(
            f"{who}: expected {name} to be a numeric array, got the function {x!r} "
            "(call it: add the parentheses)"
        )
    arr = np.asarray(x)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == bool
    ):
        raise ValueError(f"{who}: expected {name} to be a numeric array, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_ndim(
    x: np.ndarray, ndim: int, who: object, layout: str, name: str = "x", hint=None
) -> None:
    """``hint``: a function of ``x`` naming the likely fix (or ""), called only when the
    check fails, so a passing check costs nothing more; its text ends the message."""
    if x.ndim != ndim:
        fix = hint(x) if hint else ""
        raise ValueError(
            f"{who}: expected {name} with {ndim} dimensions {layout}, "
            f"got {x.ndim} dimensions with shape {x.shape}" + (f" ({fix})" if fix else "")
        )


def check_finite(x: np.ndarray, who: object, name: str) -> None:
    if not np.all(np.isfinite(x)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(
            f"{who}: expected finite values in {name}, got {x[bad]} at index {bad} "
            "(a NaN or inf upstream: check the learning rate and the inputs)"
        )


def check_dout(dout, expected_shape: tuple, who: object) -> np.ndarray:
    dout = as_float_array(dout, who, "dout")
    if dout.shape != tuple(expected_shape):
        scalar = dout.ndim == 0  # e.g. the loss value passed instead of its gradient
        raise ValueError(
            f"{who}.backward: expected dout of shape {tuple(expected_shape)} "
            f"(the shape forward returned), got {dout.shape}"
            + (" (one number: pass the loss's gradient, loss.backward(), not its value)"
               if scalar else "")
        )  # fmt: skip
    return dout


def check_positive_int(value, who: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{who}: expected {name} to be an integer >= {minimum}, got {value!r}")
    return int(value)
