"""The grading engine: what an exercise is, the registry the chapters' catalogues fill,
and :func:`check`, which runs a reader's function on an exercise's cases and says which
mistake it made."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..gradcheck import GRADING, bound
from .common import copy_args, fmt
from .grading import Outcome, describe_value, grade_case
from .running import TIME_LIMIT, safe_str


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer: ``wrong(*args)`` computes it for one part of the output,
    or, for a mistake with no single wrong value, ``test(*args, got, expected)`` says
    whether ``got`` shows it."""

    hint: str
    wrong: Callable | None = None
    part: int = 0
    test: Callable | None = None


@dataclass(frozen=True)
class Case:
    """One graded input.  ``consts``: named sizes, for "factor N" hints; ``numeric``:
    also compare with central differences (off at kinks, ties and logits of 1000);
    ``rule``: judged by the exercise's ``rule`` instead of the reference (exact ties,
    where several answers are right); ``note``: what the case is for, in its label."""

    args: tuple
    consts: dict = field(default_factory=dict)
    numeric: bool = True
    rule: bool = False
    note: str = ""


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
    order: tuple | None = None  # parts in backward order, the gradient nearest the loss first
    rule: Callable | None = None  # (*args, part) -> '' or what is wrong, for rule cases
    new_array: str = ""  # how the statement asks for a new array (in-place is then wrong)
    transpose_hint: str = ""  # said when a product's shapes do not fit
    adapter: Callable | None = None  # the reader's object -> a function of the case's args

    def solve(self, *args):
        """The right output for one case (through ``adapter`` if the answer is a class)."""
        return (self.adapter(self.reference) if self.adapter else self.reference)(*args)

    def in_place_message(self, changed: list[str]) -> str:
        names = " and ".join(changed)
        if self.new_array:
            return f"changed {names} in place: {self.new_array}"
        return (
            f"right values, but it wrote into its input {names} (an in-place -=, *=, or "
            "x[...] = ...): a backward pass must leave its inputs as they were, the caller "
            "may still use them; work on a copy or build a new array"
        )

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
class FailedCase:
    """The first case an answer got wrong: its inputs by name and the expected output."""

    index: int
    label: str
    args: dict
    expected: object


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` found: ``passed`` and a one-line ``message``; ``bool(result)`` is
    ``passed``, so ``assert ex.check(...)`` works.  ``case`` is the first failing case
    (``None`` when it passed), ``right`` the numbers of the cases it got right."""

    name: str
    passed: bool
    message: str
    case: FailedCase | None = None
    right: tuple = ()
    total: int = 0

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return self.message


def reproduce(result: CheckResult) -> tuple[dict, object]:
    """The failing case of ``result`` as ``(args, expected)``: fresh copies of its inputs
    by name, and the right output, so that ``my_fn(**args)`` can be run and compared."""
    if result.case is None:
        raise ValueError(f"reproduce: {result.name!r} has no failing case (it passed)")
    args = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in result.case.args.items()}
    return args, result.case.expected


def _label(ex: Exercise, case: Case, i: int, n: int) -> str:
    bits = []
    for name, a in zip(ex.arg_names, case.args, strict=True):
        if isinstance(a, np.ndarray):
            bits.append(f"{name} {a.shape}")
        else:
            bits.append(f"{name} = {fmt(a) if isinstance(a, float) else a}")
    note = f" ({case.note})" if case.note else ""
    return f"case {i + 1} of {n}{note}: {', '.join(bits)}"


def _is_library_own(ex: Exercise, answer) -> str:
    """The name of the library function ``answer`` is, if it is one (a chapter imports
    ``softmax`` and a skipped stub cell leaves it in place)."""
    module = getattr(answer, "__module__", None) or ""
    if answer is ex.reference or module.startswith("backprop_tour.exercises"):
        return ""
    if module.startswith("backprop_tour") or any(
        answer is e.reference for e in _EXERCISES.values()
    ):
        return f"{module}.{getattr(answer, '__qualname__', '?')}"
    return ""


def _summary(cases: list, outcomes: list) -> str:
    right = [i for i, o in enumerate(outcomes) if o.kind == "ok"]
    if not right:
        return ""
    n_of = [c.consts.get("N") for c in cases]
    wrong_n = {n_of[i] for i, o in enumerate(outcomes) if o.kind != "ok"}
    if {n_of[i] for i in right} == {1} and wrong_n and None not in wrong_n and 1 not in wrong_n:
        return "; right for a single example (N = 1), wrong for every batch (N > 1): what happens along the batch axis?"
    which = ", ".join(str(i + 1) for i in right)
    return f"; right on {len(right)} of {len(cases)} cases ({which})"


def _stub_line(ex: Exercise, texts: list[str]) -> str:
    ok = _check(ex, ex.reference, TIME_LIMIT).passed
    verdict = "passes this check" if ok else "FAILS (a bug)"
    said = f" ({texts[0]})" if texts and texts[0] else ""
    return (
        f"… {ex.name}: not implemented yet (the stub raises NotImplementedError{said}); "
        f"the reference solution, ex.solution({ex.name!r}), {verdict}"
    )


def _check(ex: Exercise, answer, limit: float) -> CheckResult:
    name = ex.name
    if not callable(answer) and ex.adapter is None:
        return CheckResult(
            name, False, f"✗ {name}: expected a function, got {describe_value(answer)}"
        )
    own = _is_library_own(ex, answer)
    if own:
        return CheckResult(
            name,
            False,
            f"⚠ {name}: that is the library's own {own}, not an answer of yours: run the "
            f"cell that defines yours ({'MyDense' if ex.adapter else 'my_' + name}) and check that",
        )
    fn = ex.adapter(answer) if ex.adapter else answer
    cases = ex.cases()
    outcomes: list[Outcome] = []
    for case in cases:
        outcomes.append(grade_case(ex, case, fn, limit))
        if outcomes[-1].kind == "timeout":
            break
    if all(o.kind == "unfinished" for o in outcomes):
        return CheckResult(name, False, _stub_line(ex, [o.problem for o in outcomes]))
    bad = [i for i, o in enumerate(outcomes) if o.kind != "ok"]
    if not bad:
        against = "the reference and central differences" if ex.numeric else "the reference"
        ruled = sum(c.rule for c in cases)
        by_rule = f", {ruled} with ties judged by the rule" if ruled else ""
        line = (
            f"✓ {name}: matches {against} on {len(cases)} cases{by_rule} "
            f"(rel_error < {bound(GRADING)})"
        )
        if answer is ex.reference:
            line += f" (this is ex.solution({name!r}) itself)"
        right = tuple(range(1, len(cases) + 1))
        return CheckResult(name, True, line, right=right, total=len(cases))
    i = bad[0]
    o, case = outcomes[i], cases[i]
    problem = o.problem
    if o.kind == "unfinished":
        problem = f"not finished: raised NotImplementedError{': ' + o.problem if o.problem else ''}"
    if o.kind == "timeout" and i + 1 < len(cases):
        problem += f" (stopped at case {i + 1}; cases after it not run)"
    label = _label(ex, case, i, len(cases))
    failed = FailedCase(
        i + 1,
        label,
        dict(zip(ex.arg_names, copy_args(case.args), strict=True)),
        o.expected if len(ex.parts) > 1 else (o.expected[0] if o.expected else None),
    )
    right = tuple(j + 1 for j, x in enumerate(outcomes) if x.kind == "ok")
    summary = _summary(cases[: len(outcomes)], outcomes)
    rerun = "; its inputs and the right output: ex.reproduce(result)"
    message = f"✗ {name}: {problem} [{label}]{summary}{rerun}"
    return CheckResult(name, False, message, failed, right, len(cases))


def check(name: str, answer: Callable, *, time_limit: float = TIME_LIMIT) -> CheckResult:
    """Grade ``answer`` against exercise ``name`` on every one of its seeded cases, then
    report; never raises for anything the reader's function does, and stops a call that
    runs longer than ``time_limit`` seconds.  See the package docstring."""
    ex = get(name)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return _check(ex, answer, time_limit)
        except Exception as err:  # the grader's own bug: say so, do not crash the notebook
            return CheckResult(
                name, False, f"✗ {name}: the grader failed ({type(err).__name__}: {safe_str(err)})"
            )
