"""Running a reader's function safely: a time limit, guarded ``str()``, and what an
exception says about the reader's code (its own line, its own message)."""

from __future__ import annotations

import os
import signal
import threading
import traceback
import warnings
from collections.abc import Callable

import numpy as np

#: Seconds one call of a reader's function may take before it is stopped.
TIME_LIMIT = 5.0


class TimeUp(BaseException):  # noqa: N818 - not an error of the reader's code
    """Raised into a reader's function that ran past the time limit.  A BaseException,
    so that a reader's ``except Exception`` does not swallow it."""


def safe_str(obj, limit: int = 160) -> str:
    """``str(obj)``, first line, shortened; never raises (a reader's ``__str__`` may)."""
    try:
        text = str(obj)
    except Exception:
        return f"<a {type(obj).__name__} whose str() raised>"
    lines = text.strip().splitlines()
    text = lines[0] if lines else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _quiet(fn: Callable, args: tuple):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


def call_with_limit(fn: Callable, args: tuple, seconds: float):
    """``fn(*args)`` with floating-point warnings silenced; raises :class:`TimeUp` after
    ``seconds``.

    On the main thread (a Jupyter kernel runs cells there) a ``SIGALRM`` timer interrupts
    the function where it is, and the previous timer and handler are put back.  Elsewhere
    (another thread, or Windows without ``setitimer``) the function runs in a daemon
    thread that is abandoned at the limit: the grader returns, the loop may run on.
    """
    main = threading.current_thread() is threading.main_thread()
    if main and hasattr(signal, "setitimer"):

        def on_alarm(signum, frame):
            raise TimeUp

        old_handler = signal.signal(signal.SIGALRM, on_alarm)
        old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return _quiet(fn, args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
            if old_timer[0] > 0:  # someone else's timer: let it run on
                signal.setitimer(signal.ITIMER_REAL, max(old_timer[0] - seconds, 1e-3))
    box: dict = {}

    def target():
        try:
            box["value"] = _quiet(fn, args)
        except BaseException as err:  # handed back to the grading thread
            box["error"] = err

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeUp
    if "error" in box:
        raise box["error"]
    return box.get("value")


def user_line(err: BaseException) -> str:
    """Where in the reader's code the exception came from, if it did."""
    here = os.path.dirname(os.path.dirname(__file__))  # backprop_tour/
    try:
        frames = [
            f
            for f in traceback.extract_tb(err.__traceback__)
            if not f.filename.startswith(here) and "site-packages" not in f.filename
        ]
    except Exception:
        return ""
    if not frames or not frames[-1].line:
        return ""
    return f" (at line {frames[-1].lineno}: {frames[-1].line.strip()})"


def is_shape_error_of_a_product(err: BaseException) -> bool:
    """A matmul / dot whose inner dimensions do not fit."""
    text = safe_str(err, 1000)
    return isinstance(err, ValueError) and (
        ("matmul" in text and "core dimension" in text) or "not aligned" in text
    )


def describe_exception(err: BaseException, transpose_hint: str = "") -> str:
    """One line for an exception from a reader's function: its type, its own message,
    its line, and for a product whose shapes do not fit, how the transpose moves."""
    name = type(err).__name__
    line = user_line(err)
    if transpose_hint and is_shape_error_of_a_product(err):
        return f"raised {name}: the shapes of a product do not fit{line}; {transpose_hint}"
    text = safe_str(err)
    return f"raised {name}{': ' + text if text else ''}{line}"
