"""Exercises for the chapters, and a grader that says which mistake was made.

In a chapter::

    from backprop_tour import exercises as ex

    ex.describe("sigmoid_backward")   # the signature and the task, shapes in words

    def my_sigmoid_backward(z, dout):
        raise NotImplementedError     # the reader's code goes here

    ex.check("sigmoid_backward", my_sigmoid_backward)

``check`` runs the reader's function on seeded cases (batch 1 and non-square shapes
among them; strides, paddings and overlapping windows where the exercise has them) and
compares every output with the reference solution and, for gradients, with central
differences (``gradcheck.numerical_gradient``).  It returns a :class:`CheckResult` that
prints as one line.  A wrong answer is compared with the right one transformed the ways
people get it wrong (sign, a factor N or 2, transposed, summed over the wrong axis, rot180,
a window shifted by one, a fan-out overwritten, a ReLU mask on the wrong side ...), and the
line names the mistake; otherwise it gives the worst index and the two values there.

The passing line is the same on every machine: a verdict against the bound
(``gradcheck.GRADING``, printed "rel_error < 1e-6"), never the digits of an error.

Every case is graded, then reported: how many passed, the first failing one (checked in
backward order, the gradient nearest the loss first), and ``result.case`` /
:func:`reproduce` to run it again.  Each call gets fresh copies of the inputs, which must
be left as they were; a second call with the same shapes and new values must be right
too and must not change the first result.  A call that runs past ``time_limit`` seconds
is stopped.  ``bool(result)`` is ``result.passed``.

Layout: ``engine`` (what an exercise is, the registry, ``check``, ``reproduce``),
``grading`` (one case), ``running`` (time limit, guarded ``str()``), ``hints`` (naming a
wrong answer), ``text`` (statement, stub, solution), ``common`` (shared pieces), and one
catalogue per chapter, ``chN_topic.py``: its reference solutions, seeded cases and named
mistakes (``ch5b_bug_gallery`` also hands out the buggy layers of :func:`buggy_layer`).

Adding a chapter's exercises: create ``exercises/chN_topic.py`` (for example
``ch7_autodiff.py``) that builds each exercise as an :class:`Exercise` (name, chapter,
signature, statement, reference, cases, parts, numeric, mistakes) and passes it to
:func:`register`, as ``ch1_cross_entropy.py`` does.  Every module of this package whose
name starts with ``ch`` is imported below, so nothing else needs editing; ``names()``
lists exercises by chapter, in the order each catalogue registers them.

Public: :func:`names`, :func:`describe`, :func:`stub`, :func:`solution`,
:func:`solution_source`, :func:`show_solution`, :func:`check`, :class:`CheckResult`,
:func:`reproduce`, :func:`buggy_layer`;
for catalogues: :class:`Exercise`, :class:`Case`, :class:`Mistake`, :func:`register`.
"""

from __future__ import annotations

import importlib
import pkgutil

from .engine import (
    Case,
    CheckResult,
    Exercise,
    FailedCase,
    Mistake,
    check,
    get,
    names,
    register,
    reproduce,
)
from .text import Code, Text, describe, show_solution, solution, solution_source, stub

_get = get  # the name the tests have always used

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ch")):
    importlib.import_module(f"{__name__}.{_module}")

from .ch5b_bug_gallery import BUG_VARIANTS, buggy_layer  # noqa: E402 - after the catalogues

__all__ = [
    "BUG_VARIANTS",
    "buggy_layer",
    "Case",
    "CheckResult",
    "Code",
    "Exercise",
    "FailedCase",
    "Mistake",
    "Text",
    "check",
    "describe",
    "get",
    "names",
    "register",
    "reproduce",
    "show_solution",
    "solution",
    "solution_source",
    "stub",
]
