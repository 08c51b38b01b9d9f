"""Grading one case: call the reader's function on fresh copies, compare every part of
its result (in backward order), then make sure it left its inputs alone, that a second
call with new values is right too, and that the first result did not change with it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gradcheck import GRADING, compare
from .common import close, copy_args
from .hints import dtype_note, shape_hint, value_hint
from .running import TimeUp, call_with_limit, describe_exception, safe_str


@dataclass
class Outcome:
    """What happened on one case: ``kind`` is ok, wrong, raised, unfinished or timeout."""

    kind: str
    problem: str = ""
    expected: tuple = ()


def describe_value(v) -> str:
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape}"
    return f"a {type(v).__name__}"


def as_array(v, part: str, expected: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The reader's value as a float64 array, or a one-line complaint."""
    if v is None:
        return None, f"{part} is None (a missing return?)"
    if isinstance(v, bool | int | float | complex | np.number):
        v = np.asarray(v)
    if not isinstance(v, np.ndarray):
        return None, f"{part} is {describe_value(v)}, expected a NumPy array"
    if np.iscomplexobj(v):
        return None, (
            f"{part} has the complex dtype {v.dtype}: a gradient here is real; where does "
            "an imaginary part come from (1j, np.sqrt of a negative number, np.fft)?"
        )
    if not (np.issubdtype(v.dtype, np.number) or v.dtype == bool):
        return None, f"{part} has dtype {v.dtype}, expected numbers"
    out = v.astype(np.float64)
    if expected.shape == () and out.size == 1:
        out = out.reshape(())
    return out, ""


def _wrong_order(ex, got: tuple, expected: list) -> str:
    """'' unless the parts are all right but returned in another order."""
    arrays = []
    for g in got:
        a, _ = as_array(g, "", np.zeros(0))
        if a is None:
            return ""
        arrays.append(a)
    where = []
    for a in arrays:
        hits = [j for j, e in enumerate(expected) if a.shape == e.shape and close(a, e)]
        if not hits:
            return ""
        where.append(hits[0])
    if sorted(where) != list(range(len(expected))) or where == list(range(len(expected))):
        return ""
    yours = ", ".join(ex.parts[j] for j in where)
    return f"the right values in the wrong order: you returned ({yours}); return ({', '.join(ex.parts)})"


def compare_parts(ex, case, got, expected: list, numeric) -> str:
    """'' if every part of ``got`` is right, else what is wrong with the first wrong part,
    taking the parts in backward order (the gradient nearest the loss first)."""
    n_parts = len(ex.parts)
    if n_parts > 1:
        if got is None:
            return f"returned None (a missing return?); expected a tuple ({', '.join(ex.parts)})"
        if not isinstance(got, tuple | list) or len(got) != n_parts:
            count = f"{len(got)} values" if isinstance(got, tuple | list) else describe_value(got)
            return f"returned {count}; expected a tuple of {n_parts}: ({', '.join(ex.parts)})"
        swapped = _wrong_order(ex, tuple(got), expected)
        if swapped:
            return swapped
    else:
        got = (got,)
    for k in ex.order or range(n_parts):
        part, e = ex.parts[k], expected[k]
        where = f"{part}: " if n_parts > 1 else ""
        g, complaint = as_array(got[k], part, e)
        if g is None:
            return complaint if n_parts > 1 else complaint.replace(part, "the result", 1)
        if not np.all(np.isfinite(g)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
            kind = "NaN" if np.isnan(g[bad]) else "inf"
            hint = f"; {ex.nan_hint}" if ex.nan_hint else ""
            at = f" at index {bad}" if bad else ""
            return f"{where}contains {kind}{at}{hint}"
        if g.shape != e.shape:
            return where + shape_hint(ex, case, k, g, e)
        if case.rule:
            problem = ex.rule(*case.args, g)
            if problem:
                return where + problem
            continue
        ok = compare(g, e, GRADING).ok
        if ok and numeric is not None and case.numeric:
            ok = compare(g, numeric[k], GRADING).ok
        if not ok:
            cut = dtype_note(got[k], part)  # whole numbers where the right ones are not
            if cut and not np.array_equal(e, np.round(e)):
                return cut
            return where + value_hint(ex, case, k, g, e)
    return ""


def _changed_inputs(ex, given: tuple, pristine: tuple) -> list[str]:
    changed = []
    for name, a, p in zip(ex.arg_names, given, pristine, strict=True):
        if isinstance(p, np.ndarray):
            same = isinstance(a, np.ndarray) and a.shape == p.shape
            same = same and bool(np.array_equal(a, p, equal_nan=p.dtype.kind in "fc"))
            if not same:
                changed.append(name)
    return changed


def _twin(args: tuple) -> tuple:
    """The same shapes with new values: each array's entries moved round by one (labels
    stay valid labels, inputs kept off a kink stay off it)."""
    return tuple(
        np.roll(a.ravel(), 1).reshape(a.shape)
        if isinstance(a, np.ndarray) and a.size > 1
        else (a.copy() if isinstance(a, np.ndarray) else a)
        for a in args
    )


def _call(ex, fn, args: tuple, limit: float) -> tuple[object, Outcome | None]:
    try:
        return call_with_limit(fn, args, limit), None
    except TimeUp:
        return None, Outcome("timeout", f"took longer than {limit:g} s: an infinite loop?")
    except NotImplementedError as err:
        return None, Outcome("unfinished", safe_str(err))
    except Exception as err:  # the reader's code: report it, never a traceback wall
        return None, Outcome("raised", describe_exception(err, ex.transpose_hint))


def _snapshot(got) -> list:
    parts = got if isinstance(got, tuple | list) else (got,)
    return [np.array(p, dtype=np.float64) if isinstance(p, np.ndarray) else None for p in parts]


def grade_case(ex, case, fn, limit: float) -> Outcome:
    """Run ``fn`` on ``case`` and judge it (see the module docstring)."""
    expected = ex.solve(*copy_args(case.args))
    expected = expected if len(ex.parts) > 1 else (expected,)
    expected = [np.asarray(e, dtype=np.float64) for e in expected]
    numeric = ex.numeric(*copy_args(case.args)) if ex.numeric and case.numeric else None
    pristine, given = copy_args(case.args), copy_args(case.args)
    got, failed = _call(ex, fn, given, limit)
    if failed:
        failed.expected = tuple(expected)
        return failed
    changed = _changed_inputs(ex, given, pristine)
    problem = compare_parts(ex, case, got, expected, numeric)
    if problem:
        if changed:
            problem += f"; it also changed its input {', '.join(changed)} in place"
        return Outcome("wrong", problem, tuple(expected))
    if changed:
        return Outcome("wrong", ex.in_place_message(changed), tuple(expected))
    if case.rule:  # ties: a second call's answer has no single right value to compare
        return Outcome("ok", "", tuple(expected))
    first = _snapshot(got)
    twin = _twin(case.args)
    got2, failed = _call(ex, fn, copy_args(twin), limit)
    if failed and failed.kind != "raised":
        failed.expected = tuple(expected)
        return failed
    again = "right on this case, but a second call with the same shapes and new values"
    if failed:
        return Outcome("wrong", f"{again} {failed.problem}", tuple(expected))
    expected2 = ex.solve(*copy_args(twin))
    expected2 = expected2 if len(ex.parts) > 1 else (expected2,)
    expected2 = [np.asarray(e, dtype=np.float64) for e in expected2]
    if compare_parts(ex, case, got2, expected2, None):
        return Outcome(
            "wrong",
            f"{again} gets a wrong answer: does it keep something from an earlier call "
            "(a cache, a global, a default argument)?",
            tuple(expected),
        )
    parts = got if isinstance(got, tuple | list) else (got,)
    for name, p, snap in zip(ex.parts, parts, first, strict=True):
        if snap is not None and not np.array_equal(np.asarray(p, np.float64), snap):
            return Outcome(
                "wrong",
                f"{name} changed when the function was called again: it returns an array "
                "it reuses (a buffer made once, outside the function); return a new array",
                tuple(expected),
            )
    return Outcome("ok", "", tuple(expected))
