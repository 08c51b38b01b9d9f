"""The grading engine: what an exercise is, the registry the chapters' catalogues fill,
and :func:`check`, which runs a reader's function on an exercise's cases and says which
mistake it made."""

from __future__ import annotations

import os
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..gradcheck import GRADING, bound, compare
from .common import copy_args, fmt
from .hints import shape_hint, value_hint


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer: ``wrong(*args)`` computes it for one part of the output."""

    hint: str
    wrong: Callable
    part: int = 0


@dataclass(frozen=True)
class Case:
    args: tuple
    consts: dict = field(default_factory=dict)  # named sizes, for "factor N" hints


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: its statement, reference solution, cases and named mistakes.

    ``chapter`` is the chapter's number as the book writes it (``3``, or ``"5b"``);
    ``cases()`` returns the seeded :class:`Case` list; ``numeric(*args)``, when given,
    returns the central-difference gradients, one per part of the output.
    """

    name: str
    chapter: int | str
    signature: str
    statement: str
    reference: Callable
    cases: Callable[[], list]
    parts: tuple = ("out",)
    numeric: Callable | None = None  # (*args) -> tuple of central-difference arrays
    mistakes: tuple = ()
    shifts: bool = False  # test "window shifted by one" and rot180 of the right answer
    nan_hint: str = ""

    @property
    def arg_names(self) -> list[str]:
        inside = self.signature[self.signature.index("(") + 1 : self.signature.index(")")]
        return [a.strip() for a in inside.split(",")]


_EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the grader (a chapter's catalogue calls this once per exercise)."""
    if exercise.name in _EXERCISES:
        raise ValueError(f"an exercise named {exercise.name!r} is already registered")
    _EXERCISES[exercise.name] = exercise
    return exercise


def _chapter_key(chapter: int | str) -> tuple[int, str]:
    text = str(chapter)
    digits = re.match(r"\d*", text).group(0)
    return (int(digits) if digits else 0, text[len(digits) :])


def names(chapter: int | str | None = None) -> list[str]:
    """The exercises' names, in chapter order (only chapter ``chapter``'s if given)."""
    ordered = sorted(_EXERCISES.values(), key=lambda e: _chapter_key(e.chapter))
    return [e.name for e in ordered if chapter is None or str(e.chapter) == str(chapter)]


def get(name: str) -> Exercise:
    """The registered exercise ``name``; a ValueError listing the names otherwise."""
    if name not in _EXERCISES:
        raise ValueError(f"no exercise named {name!r}; the exercises are {names()}")
    return _EXERCISES[name]


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` found: ``passed`` and a one-line ``message``."""

    name: str
    passed: bool
    message: str

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message


def _label(ex: Exercise, case: Case, i: int, n: int) -> str:
    bits = []
    for name, a in zip(ex.arg_names, case.args, strict=True):
        if isinstance(a, np.ndarray):
            bits.append(f"{name} {a.shape}")
        else:
            bits.append(f"{name} = {fmt(a) if isinstance(a, float) else a}")
    return f"case {i + 1} of {n}: {', '.join(bits)}"


def _describe_value(v) -> str:
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape}"
    return f"a {type(v).__name__}"


def _as_array(v, part: str, expected: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The reader's value as a float64 array, or a one-line complaint."""
    if v is None:
        return None, f"{part} is None (a missing return?)"
    if isinstance(v, bool | int | float | np.number):
        v = np.asarray(v)
    if not isinstance(v, np.ndarray):
        return None, f"{part} is {_describe_value(v)}, expected a NumPy array"
    if not (np.issubdtype(v.dtype, np.number) or v.dtype == bool):
        return None, f"{part} has dtype {v.dtype}, expected numbers"
    v = v.astype(np.float64)
    if expected.shape == () and v.size == 1:
        v = v.reshape(())
    return v, ""


def _user_line(err: BaseException) -> str:
    """Where in the reader's code the exception came from, if it did."""
    here = os.path.dirname(os.path.dirname(__file__))  # backprop_tour/
    frames = [
        f
        for f in traceback.extract_tb(err.__traceback__)
        if not f.filename.startswith(here) and "site-packages" not in f.filename
    ]
    if not frames or not frames[-1].line:
        return ""
    return f" (at line {frames[-1].lineno}: {frames[-1].line.strip()})"


def _run(fn: Callable, args: tuple):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*copy_args(args))


def _grade_case(ex: Exercise, case: Case, answer: Callable) -> str:
    """'' if ``answer`` is right on ``case``, else what is wrong (without the case label)."""
    expected = ex.reference(*copy_args(case.args))
    expected = expected if len(ex.parts) > 1 else (expected,)
    expected = [np.asarray(e, dtype=np.float64) for e in expected]
    numeric = ex.numeric(*copy_args(case.args)) if ex.numeric else None
    try:
        got = _run(answer, case.args)
    except Exception as err:  # the reader's code: report it, never a traceback wall
        text = str(err).strip().splitlines()[0] if str(err).strip() else ""
        text = text if len(text) <= 160 else text[:157] + "..."
        return f"raised {type(err).__name__}{': ' + text if text else ''}{_user_line(err)}"
    if len(ex.parts) > 1:
        if got is None:
            return f"returned None (a missing return?); expected a tuple ({', '.join(ex.parts)})"
        if not isinstance(got, tuple | list) or len(got) != len(ex.parts):
            count = f"{len(got)} values" if isinstance(got, tuple | list) else _describe_value(got)
            return f"returned {count}; expected a tuple of {len(ex.parts)}: ({', '.join(ex.parts)})"
    else:
        got = (got,)
    for k, (part, g, e) in enumerate(zip(ex.parts, got, expected, strict=True)):
        where = f"{part}: " if len(ex.parts) > 1 else ""
        g, complaint = _as_array(g, part, e)
        if g is None:
            return complaint if len(ex.parts) > 1 else complaint.replace(part, "the result", 1)
        if not np.all(np.isfinite(g)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0])
            kind = "NaN" if np.isnan(g[bad]) else "inf"
            hint = f"; {ex.nan_hint}" if ex.nan_hint else ""
            at = f" at index {bad}" if bad else ""
            return f"{where}contains {kind}{at}{hint}"
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # huge values: no noise
            warnings.simplefilter("ignore")
            if g.shape != e.shape:
                return where + shape_hint(ex, case, k, g, e)
            ok = compare(g, e, GRADING).ok
            if ok and numeric is not None:
                ok = compare(g, numeric[k], GRADING).ok
            if not ok:
                return where + value_hint(ex, case, k, g, e)
    return ""


def _verdict(ex: Exercise, n: int) -> str:
    against = "the reference and central differences" if ex.numeric else "the reference"
    return f"matches {against} on {n} cases (rel_error < {bound(GRADING)})"


def check(name: str, answer: Callable) -> CheckResult:
    """Grade ``answer`` against exercise ``name`` on its seeded cases; never raises for
    anything the reader's function does.  See the package docstring."""
    ex = get(name)
    if not callable(answer):
        return CheckResult(
            name, False, f"✗ {name}: expected a function, got {_describe_value(answer)}"
        )
    cases = ex.cases()
    for i, case in enumerate(cases):
        problem = _grade_case(ex, case, answer)
        if problem.startswith("raised NotImplementedError"):
            verdict = "passes this check" if check(name, ex.reference).passed else "FAILS (a bug)"
            return CheckResult(
                name,
                False,
                f"… {name}: not implemented yet (the stub raises NotImplementedError); "
                f"the reference solution, ex.solution({name!r}), {verdict}",
            )
        if problem:
            label = _label(ex, case, i, len(cases))
            return CheckResult(name, False, f"✗ {name}: {problem} [{label}]")
    return CheckResult(name, True, f"✓ {name}: {_verdict(ex, len(cases))}")
