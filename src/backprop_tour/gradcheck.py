"""Numerical gradients by central differences, and checks that compare them with the
gradients backward computes.

``rel_error`` is the one definition used everywhere in the book and the tests:

    rel_error(a, b) = ||a - b|| / max(||a|| + ||b||, tiny)

(Euclidean norms over all entries).  A norm-wise ratio, unlike an entrywise one, is not
fooled by entries that are zero in theory and 1e-11 in floating point.

Two bounds, each far from the values it judges on both sides:

* ``TOLERANCE = 1e-7`` for a backward pass against central differences: in float64 with
  ``h = 1e-6`` a correct backward gives about 1e-11 to 1e-8, a wrong one 1e-3 or more.
* ``ROUNDING = 1e-12`` for one quantity computed two exact ways (a formula against the
  library, loops against the vectorised version): they differ by rounding, about 1e-16.
* ``GRADING = 1e-6`` for the exercise grader (``backprop_tour.exercises``): a reader's
  answer against the reference and central differences, whatever order of operations the
  reader chose (float32 inside, loops, FFT ...); a wrong answer is off by far more.

Every bound is printed by :func:`bound`; every comparison is an :class:`Agreement`
(:func:`compare`), whose worst entry :func:`worst_index` finds.

Reports print a *verdict against the bound* ("rel_error < 1e-7"), never the digits of
the error itself when it passes: those digits are rounding noise and change from one CPU
(one set of BLAS kernels) to another, while the verdict is fixed by the mathematics.  A
failed check prints the error, the worst index and the two values there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .network import Sequential

TOLERANCE = 1e-7  # backward vs central differences
ROUNDING = 1e-12  # the same quantity computed two exact ways
GRADING = 1e-6  # an exercise's answer vs the reference and central differences


def bound(tol: float) -> str:
    """A bound as people write it: ``1e-7``, not ``1e-07``."""
    mantissa, exponent = f"{tol:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def rel_error(a, b) -> float:
    """``||a - b|| / max(||a|| + ||b||, tiny)`` over all entries; 0 when both are zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"rel_error: expected arrays of the same shape, got {a.shape} and {b.shape}"
        )
    denom = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(np.float64).tiny)
    return float(np.linalg.norm(a - b) / denom)


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry of ``x``.

    ``x`` is perturbed **in place** (and restored), so ``f`` must read it — e.g. a closure
    over a layer whose ``params["W"]`` is ``x``.  ``x`` must be a float64 array.
    """
    if not (isinstance(x, np.ndarray) and x.dtype == np.float64):
        raise ValueError(
            f"numerical_gradient: expected a float64 numpy array, got {type(x).__name__} "
            f"{getattr(x, 'dtype', '')}"
        )
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(
    f: Callable[[], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Numerical gradient of ``sum(f() * dout)`` with respect to ``x`` — i.e. what a
    layer's backward should return when handed ``dout``."""
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def worst_index(a, b, *, finite_only: bool = False) -> tuple[int, ...] | None:
    """Where ``a`` and ``b`` differ most: the index (in their shape) of the largest
    ``|a - b|``, the first NaN or inf difference if there is one (nothing is further off).

    ``finite_only=True`` skips NaN and inf (a heat map greys them out and outlines the
    worst finite cell).  ``None`` when there is no such entry (empty arrays, or no finite
    difference with ``finite_only``); ``()`` for two 0-d arrays.
    """
    with np.errstate(all="ignore"):
        diff = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
    finite = np.isfinite(diff)
    if diff.size == 0 or (finite_only and not finite.any()):
        return None
    if not finite_only and not finite.all():
        flat = int(np.argmin(finite))  # the first non-finite difference
    else:
        flat = int(np.argmax(np.where(finite, diff, -1.0)))
    return tuple(int(i) for i in np.unravel_index(flat, diff.shape))


@dataclass
class Agreement:
    """Whether two arrays agree within the bound ``tol``: the one comparison of the library.

    ``agree`` returns one, a gradient check one per gradient (``layer`` and ``name`` set:
    which layer, which argument), and the exercise grader judges answers with them.
    ``str()`` is a verdict against the bound when they agree (``"rel_error < 1e-12"``,
    fixed by the mathematics, the same on every CPU) and otherwise the error (two
    significant digits), the worst index and the two values there.  ``bool()`` is ``ok``.
    """

    rel_error: float
    tol: float
    worst_index: tuple
    a: float  # the first array's value at worst_index (a gradient check: backward's)
    b: float  # the second's (a gradient check: the central difference)
    layer: str = ""
    name: str = ""

    @property
    def ok(self) -> bool:
        return self.rel_error < self.tol

    def __bool__(self) -> bool:
        return self.ok

    # a gradient check's names for the two values
    @property
    def analytic(self) -> float:
        return self.a

    @property
    def numeric(self) -> float:
        return self.b

    def __str__(self) -> str:
        if self.layer or self.name:  # one line of a gradient check
            head = f"{self.layer} d{self.name}: rel_error"
            if self.ok:
                return f"{head} < {bound(self.tol)} [ok]"
            return (
                f"{head} {self.rel_error:.2g} >= {bound(self.tol)} [FAIL]; worst at "
                f"{self.worst_index}: backward {self.a:.6g}, central difference {self.b:.6g}"
            )
        if self.ok:
            return f"rel_error < {bound(self.tol)}"
        return (
            f"rel_error {self.rel_error:.2g} (not < {bound(self.tol)}); worst at "
            f"{self.worst_index}: {self.a:.6g} vs {self.b:.6g}"
        )


#: A gradient check's line is an :class:`Agreement` with ``layer`` and ``name`` set.
GradCheckResult = Agreement


def compare(a, b, tol: float, *, layer: str = "", name: str = "") -> Agreement:
    """``rel_error(a, b)`` judged against ``tol``, with the worst index and both values
    there.  ``a`` and ``b`` must have the same shape."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    err = rel_error(a, b)
    worst = worst_index(a, b)
    if worst is None:  # empty arrays: nothing to point at
        return Agreement(err, tol, (), 0.0, 0.0, layer, name)
    return Agreement(err, tol, worst, float(a[worst]), float(b[worst]), layer, name)


def agree(a, b, tol: float = ROUNDING) -> Agreement:
    """Compare ``a`` and ``b`` with :func:`rel_error` against the bound ``tol``.

    The default bound, ``ROUNDING = 1e-12``, is for two exact ways to the same number;
    use ``tol=TOLERANCE`` against central differences.  Use it in a printed line::

        print("formula vs library:", agree(by_hand, library))   # rel_error < 1e-12
        assert agree(by_hand, library)
    """
    return compare(a, b, tol)


def _compare(layer: str, name: str, analytic: np.ndarray, numeric: np.ndarray) -> Agreement:
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"{layer}: gradient for {name} has shape {analytic.shape}, expected {numeric.shape}"
        )
    return compare(analytic, numeric, TOLERANCE, layer=layer, name=name)


class GradCheckReport(list):
    """A list of :class:`Agreement`, one per gradient; one line each, ``raise_if_failed()``."""

    @property
    def max_error(self) -> float:
        return max((r.rel_error for r in self), default=0.0)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self)

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self)

    def summary(self) -> str:
        """One line: ``rel_error < 1e-7 for all 4 gradients [ok]``, or the failures."""
        if self.ok:
            n = len(self)
            which = "" if n == 1 else f" for all {n} gradients"
            return f"rel_error < {bound(TOLERANCE)}{which} [ok]"
        return "\n".join(str(r) for r in self if not r.ok)

    def raise_if_failed(self) -> GradCheckReport:
        bad = [r for r in self if not r.ok]
        if bad:
            raise AssertionError(
                f"gradient check failed (tolerance {bound(TOLERANCE)}):\n"
                + "\n".join(str(r) for r in bad)
            )
        return self


def check_layer(
    layer, x, *, dout=None, rng=None, h: float = 1e-6, check_input: bool = True
) -> GradCheckReport:
    """Compare ``layer.backward`` with central differences, for the input and every
    parameter.  ``dout`` (default: random normal) is the upstream gradient; the scalar
    checked is ``sum(layer.forward(x) * dout)``.  Works on a Sequential too."""
    rng = np.random.default_rng(0) if rng is None else rng
    x = np.array(x, dtype=np.float64)  # our own copy: we perturb it
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape) if dout is None else np.asarray(dout, dtype=np.float64)
    dx = layer.backward(dout)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    name = repr(layer).replace("\n", "")
    report = GradCheckReport()
    if check_input:
        num_dx = numerical_gradient_array(lambda: layer.forward(x), x, dout, h)
        report.append(_compare(name, "x", dx, num_dx))
    for key, p in layer.params.items():
        num = numerical_gradient_array(lambda: layer.forward(x), p, dout, h)
        report.append(_compare(name, key, grads[key], num))
    return report


def check_loss(loss, pred, target, *, h: float = 1e-6) -> GradCheckReport:
    """Compare ``loss.backward()`` with central differences of ``loss.forward`` in ``pred``."""
    pred = np.array(pred, dtype=np.float64)
    loss.forward(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(pred, target), pred, h)
    return GradCheckReport([_compare(repr(loss), "pred", analytic, numeric)])


def check_model(
    model, loss, x, target, *, h: float = 1e-6, check_input: bool = False
) -> GradCheckReport:
    """End-to-end check of ``loss(model(x), target)``: every parameter (and optionally x).

    Each central difference runs the forward pass again.  In a ``Sequential`` the layers
    before the one whose parameter is nudged see the same input and the same parameters
    every time, so their output is computed once and each pass starts from it: the same
    numbers as the whole pass, sooner (chapter 6's CNN: its 17,950 parameters after the
    convolution no longer run the convolution 35,900 times)."""
    x = np.array(x, dtype=np.float64)

    def total() -> float:
        return loss.forward(model.forward(x), target)

    total()
    dx = model.backward(loss.backward())
    grads = {k: v.copy() for k, v in model.grads.items()}
    report = GradCheckReport()
    if check_input:
        report.append(_compare("model", "x", dx, numerical_gradient(total, x, h)))
    for key, (p, f) in _parameters_and_passes(model, loss, x, target, total).items():
        report.append(_compare("model", key, grads[key], numerical_gradient(f, p, h)))
    return report


def _parameters_and_passes(model, loss, x, target, total) -> dict:
    """Every parameter of ``model`` with the forward pass (to the loss) that reads it:
    ``total`` for a model that is not a ``Sequential``; in a ``Sequential``, the pass from
    the parameter's layer on, given that layer's input (computed once, unperturbed)."""
    if not isinstance(model, Sequential):
        return {key: (p, total) for key, p in model.params.items()}

    def rest_of_pass(layers, a) -> Callable[[], float]:
        def f() -> float:
            out = a
            for layer in layers:
                out = layer.forward(out)
            return loss.forward(out, target)

        return f

    found, a = {}, x
    for i, layer in enumerate(model.layers):
        if layer.params:
            f = rest_of_pass(model.layers[i:], a)
            for name, p in layer.params.items():
                found[f"{i}.{name}"] = (p, f)
        a = layer.forward(a)
    return found
