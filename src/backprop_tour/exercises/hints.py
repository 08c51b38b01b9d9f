"""What a wrong answer is probably: its shape or its values compared with the right one
transformed the ways people get it wrong (the exercise's named mistakes first, then a
sign, a named factor, a transpose, rot180, a window shifted by one)."""

from __future__ import annotations

import numpy as np

from ..gradcheck import GRADING, bound, compare
from .common import close, copy_args, fmt


def factor_names(case) -> list[tuple[str, float]]:
    """Named constants a gradient is often off by, simplest first: ("N (N = 3)", 3.0),
    ("1/N (N = 3)", ...), 2 and 1/2, then products such as 2N and N/K."""
    singles = [(k, float(v)) for k, v in case.consts.items() if float(v) not in (0.0, 1.0)]
    said = {k: f"{k} = {fmt(v)}" for k, v in singles}
    out = []
    for k, v in singles[:1]:  # N first: a missing or extra 1/N is the usual slip
        out += [(f"{k} ({said[k]})", v), (f"1/{k} ({said[k]})", 1.0 / v)]
    out += [("2", 2.0), ("1/2", 0.5)]
    for k, v in singles[1:]:
        out += [(f"{k} ({said[k]})", v), (f"1/{k} ({said[k]})", 1.0 / v)]
    for k, v in singles:
        out += [(f"2{k} ({said[k]})", 2.0 * v), (f"1/(2{k}) ({said[k]})", 0.5 / v)]
    for i, (k, v) in enumerate(singles):
        for m, w in singles[i + 1 :]:
            both = f"{said[k]}, {said[m]}"
            out += [
                (f"{k}/{m} ({both}: divided by {m} where {k} belongs?)", v / w),
                (f"{m}/{k} ({both}: divided by {k} where {m} belongs?)", w / v),
                (f"{k}{m} ({both})", v * w),
                (f"1/({k}{m}) ({both})", 1.0 / (v * w)),
            ]
    return out


def dtype_note(value, part: str) -> str:
    """What to say of a result of integer dtype: its values were cut to whole numbers."""
    kind = getattr(getattr(value, "dtype", None), "kind", "")
    if kind and kind in "iu":
        return (
            f"{part} has the integer dtype {value.dtype}: its values were cut to whole "
            "numbers (np.zeros_like of an int array, or dtype=int?); build it as float64"
        )
    return ""


def _digits(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` with just enough significant digits to tell them apart (4 at
    least); -0 is written 0."""
    a, b = a + 0.0, b + 0.0
    for d in range(4, 18):
        x, y = f"{a:.{d}g}", f"{b:.{d}g}"
        if x != y:
            return x, y
    return x, y


def shape_hint(ex, case, k, got, exp) -> str:
    shapes = f"expected shape {exp.shape}, got {got.shape}"
    for m in ex.mistakes:
        if m.part == k and m.wrong is not None:
            wrong = np.asarray(m.wrong(*copy_args(case.args)), dtype=np.float64)
            if wrong.shape == got.shape and close(got, wrong):
                return f"{m.hint} ({shapes})"
    if exp.ndim == 2 and got.shape == exp.T.shape and close(got, exp.T):
        return f"transposed ({shapes})"
    n = case.consts.get("N")
    if n is not None and got.shape == (n, *exp.shape):
        if close(got.sum(axis=0), exp):
            return f"not summed over the batch: sum over axis 0 ({shapes})"
        if close(got.mean(axis=0), exp * 1.0):
            return f"not summed over the batch ({shapes})"
    if got.size == exp.size and close(got.reshape(exp.shape), exp):
        return f"the right values in the wrong shape: reshape ({shapes})"
    return f"wrong shape: {shapes}"


def _shift_hint(got, exp) -> str:
    if close(got, exp[..., ::-1, ::-1]):
        return (
            "rot180 of the right answer (a kernel flipped where it should not be, or not flipped)"
        )
    for axis in (-2, -1):
        for by in (1, -1):
            rolled = np.roll(exp, by, axis=axis)
            zeroed = rolled.copy()
            index = [slice(None)] * exp.ndim
            index[axis] = 0 if by == 1 else -1
            zeroed[tuple(index)] = 0.0
            if close(got, rolled) or close(got, zeroed):
                where = "down" if axis == -2 else "right"
                if by == -1:
                    where = "up" if axis == -2 else "left"
                return f"a window shifted by one ({where}): check the index offsets"
    return ""


def value_hint(ex, case, k, got, exp) -> str:
    for m in ex.mistakes:
        if m.part != k:
            continue
        if m.test is not None:
            if m.test(*copy_args(case.args), got, exp):
                return m.hint
            continue
        wrong = np.asarray(m.wrong(*copy_args(case.args)), dtype=np.float64)
        if close(got, wrong.reshape(got.shape) if wrong.size == got.size else wrong):
            return m.hint
    if not np.any(got) and np.any(exp):
        return (
            "all zeros: nothing reached the result (a loop that never ran, values written "
            "into a copy, or a result computed but never stored?)"
        )
    denom = float(np.sum(exp * exp))
    if denom > 0:
        c = float(np.sum(got * exp)) / denom
        if abs(c - 1.0) > GRADING and close(got, c * exp):
            if abs(c + 1.0) < GRADING:
                return "the sign is flipped: yours is -1 times the right one"
            named = [n for n, v in factor_names(case) if abs(abs(c) - v) < GRADING * v]
            sign = "sign flipped and " if c < 0 else ""
            if named:
                return f"{sign}off by a factor {named[0]}: yours is {fmt(c)} times the right one"
            if exp.size > 1 and abs(abs(c) - 1.0) > 1e-3:  # any scalar is a multiple of another
                return f"{sign}off by a constant factor: yours is {fmt(c)} times the right one"
    if exp.ndim == 2 and exp.shape[0] == exp.shape[1] and close(got, exp.T):
        return "transposed"
    if ex.shifts and exp.ndim >= 2:
        shifted = _shift_hint(got, exp)
        if shifted:
            return shifted
    found = compare(got, exp, GRADING)
    yours, expected = _digits(found.a, found.b)
    if exp.size == 1:
        return (
            f"wrong value (rel_error {found.rel_error:.2g} > {bound(GRADING)}): "
            f"yours {yours}, expected {expected}"
        )
    at = f"at index {found.worst_index}: " if found.worst_index else ""
    return (
        f"wrong values (rel_error {found.rel_error:.2g} > {bound(GRADING)}); worst {at}"
        f"yours {yours}, expected {expected}"
    )
