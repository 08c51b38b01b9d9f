"""A reverse-mode automatic-differentiation engine for arrays, built from the book's rules
(chapter 7).

A :class:`Tensor` holds a float64 array, its ``parents`` (the tensors it was computed
from) and its **vector-Jacobian product** (VJP): upstream gradient in (the tensor's shape),
one gradient per parent out (each parent's shape).  Each operation below is a forward rule
with its VJP beside it, a rule an earlier chapter derived; convolution, max-pooling and
softmax cross-entropy call the library's own layers.  ``loss.backward()`` lists the graph
in topological order, walks it from the loss and adds (``+=``) what each VJP sends: a
tensor used twice receives the sum.  Elementwise operations broadcast as NumPy does; every
gradient is summed back to its parent's shape (:func:`unbroadcast`).

    W, b = Tensor(rng.normal(size=(3, 4)), "W"), Tensor(np.zeros(3), "b")
    loss = softmax_cross_entropy(x @ W.T + b, labels)     # x: (N, 4) -> logits (N, 3)
    loss.backward()                                       # W.grad, b.grad: dJ/dW, dJ/db
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import activations
from .layers import Conv2D, MaxPool2D
from .losses import SoftmaxCrossEntropy

_LAYER_RNG = np.random.default_rng(0)  # initial weights of wrapped layers, overwritten at once


def _as_float64(value, who: str) -> np.ndarray:
    """``value`` as a new float64 array; anything not real-valued is refused."""
    if isinstance(value, Tensor):
        raise ValueError(f"{who}: expected an array or a number, got a Tensor (use its .data)")
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"{who}: expected real numbers, got {arr.dtype} ({type(value).__name__})")
    return np.array(arr, dtype=np.float64)


class Tensor:
    """An array that remembers how it was computed.

    ``Tensor(data, name="W")`` makes a *leaf*: an input or a parameter.  Operations on
    tensors make new tensors with ``parents``, an ``op`` name and a VJP.  After
    ``backward()``, ``grad`` holds dJ/d(this tensor), the tensor's own shape.  A leaf's
    ``grad`` accumulates over ``backward()`` calls (set it to ``None`` between steps);
    ``requires_grad=False`` marks a constant whose gradient is never computed.
    """

    __array_ufunc__ = None  # array + Tensor calls Tensor.__radd__, not NumPy elementwise

    def __init__(self, data, name: str = "", *, requires_grad: bool = True) -> None:
        self._data = _as_float64(data, "Tensor")
        self.name = name
        self.requires_grad = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self.op = ""  # "" for a leaf
        self.parents: tuple[Tensor, ...] = ()
        self._vjp: Callable | None = None
        self._version = 0  # counts assignments to .data
        self._parent_versions: tuple[int, ...] = ()

    # -- the array ------------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        return self._data

    @data.setter
    def data(self, value) -> None:
        """``t.data = ...`` and ``t.data -= ...`` count as a change, which a graph that
        used the old value will refuse to differentiate through."""
        new = _as_float64(value, f"{self}.data")
        if new.shape != self._data.shape:
            raise ValueError(f"{self}.data: expected shape {self.shape}, got {new.shape}")
        self._data = new
        self._version += 1

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)

    @property
    def is_leaf(self) -> bool:
        return not self.parents

    def __repr__(self) -> str:
        what = f"'{self.name}'" if self.name else (f"op={self.op}" if self.op else "leaf")
        return f"Tensor({what}, shape={self.shape})"

    def item(self) -> float:
        if self.size != 1:
            raise ValueError(f"{self}.item(): expected a single number, got shape {self.shape}")
        return float(self._data.reshape(()))

    # (+, -, *, /, **, @, sum, mean, exp, log, relu, sigmoid: attached after the ops)
    def reshape(self, *shape):
        return reshape(self, shape[0] if len(shape) == 1 and not np.isscalar(shape[0]) else shape)

    def transpose(self, *axes):
        if len(axes) == 1 and not np.isscalar(axes[0]):  # t.transpose((1, 0)) as NumPy allows
            axes = tuple(axes[0])
        return transpose(self, axes or None)

    # -- the backward pass -----------------------------------------------------------------
    def backward(self, grad=None, *, retain_graph: bool = False) -> None:
        """Fill ``grad`` of every tensor this one was computed from: dJ/d(that tensor),
        with J this tensor (a single number), or ``sum(J * grad)`` when a seed ``grad`` of
        this tensor's shape is given.  The graph is freed as it is walked (the VJPs let go
        of the arrays they kept) unless ``retain_graph=True``."""
        if grad is None and self.size != 1:
            raise ValueError(
                f"{self}.backward(): only a single number (a cost) has the implied seed "
                f"gradient 1; this tensor has shape {self.shape}. Reduce it first (t.sum()), "
                f"or pass a seed of that shape: t.backward(np.ones({self.shape}))"
            )
        grad = np.ones(self.shape) if grad is None else _as_float64(grad, f"{self}.backward")
        if grad.shape != self.shape:
            raise ValueError(
                f"{self}.backward: expected a seed gradient of shape {self.shape} (the "
                f"tensor's own), got {grad.shape}"
            )
        run_backward(self, topological_order(self), grad, retain_graph=retain_graph)

    def _run_vjp(self, g: np.ndarray) -> tuple:
        if self._vjp is None:
            raise RuntimeError(
                f"{self}: its graph was freed by an earlier backward(); run the forward pass "
                "again (or pass retain_graph=True to the first backward to walk it twice)"
            )
        for parent, seen in zip(self.parents, self._parent_versions, strict=True):
            if parent._version != seen:
                raise RuntimeError(
                    f"{parent} was changed (its .data assigned) after {self.op} used it; the "
                    f"VJP would use the new value: run the forward pass again after the update"
                )
        return self._vjp(g)


def _lift(x) -> Tensor:
    """A Tensor as is; a number or an array as a constant (no gradient)."""
    return x if isinstance(x, Tensor) else Tensor(x, requires_grad=False)


def _make(data: np.ndarray, parents: tuple, vjp: Callable, op: str) -> Tensor:
    """The result of an operation: ``vjp(upstream)`` returns one gradient per parent."""
    out = Tensor.__new__(Tensor)
    out._data, out.name, out.grad, out.op = data, "", None, op
    out.parents, out._vjp, out._version = parents, vjp, 0
    out._parent_versions = tuple(p._version for p in parents)
    out.requires_grad = any(p.requires_grad for p in parents)
    return out


def topological_order(root: Tensor, *, constants: bool = False) -> list[Tensor]:
    """Every tensor ``root`` depends on through tensors that require a gradient (and the
    constants too, if ``constants``), each after all of its parents; ``root`` last.
    Iterative, so a deep graph is no problem."""
    order, seen = [], set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack += [(p, False) for p in node.parents if constants or p.requires_grad]
    return order


def run_backward(root: Tensor, order: list, grad=None, *, retain_graph: bool = False) -> None:
    """The backward pass along a given ``order`` (each tensor after its parents, ``root``
    last), walked from the end: each tensor passes on the gradient it has received so far.
    With the order :func:`topological_order` gives, that is all of it; with a wrong order a
    tensor may pass on its gradient before every user has added to it (chapter 7 shows
    the wrong number that gives)."""
    pending = {id(root): np.ones(root.shape) if grad is None else grad}
    for node in reversed(order):  # the root first; with a right order, all users before
        g = pending.pop(id(node), None)
        if g is None:  # nothing has reached it (yet)
            continue
        if node.is_leaf:
            node.grad = g if node.grad is None else node.grad + g
            continue
        node.grad = g
        for parent, pg in zip(node.parents, node._run_vjp(g), strict=True):
            if not parent.requires_grad:
                continue
            pg = unbroadcast(pg, parent.shape)  # a broadcast parent: sum its copies' shares
            # the += of a fan-out (a new array: pg may be the very array another got)
            pending[id(parent)] = pending[id(parent)] + pg if id(parent) in pending else pg
        if not retain_graph:
            node._vjp = None


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` back to ``shape``: over the leading axes broadcasting added, and over the
    axes where ``shape`` has size 1 (a broadcast copies one value to many places, a
    fan-out).  ``g`` itself when it has the shape already."""
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=ones, keepdims=True) if ones else g


def _elementwise(a, b, op: str) -> tuple[Tensor, Tensor]:
    a, b = _lift(a), _lift(b)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a.shape} and {b.shape} do not broadcast (compared from the last "
            "axis, each pair of sizes must be equal or one of them 1)"
        ) from None
    return a, b


# -- elementwise arithmetic (chapter 2b's patterns: add distributes, multiply swaps) -------
def add(a, b) -> Tensor:
    a, b = _elementwise(a, b, "add")
    return _make(a.data + b.data, (a, b), lambda g: (g, g), "+")


def sub(a, b) -> Tensor:
    a, b = _elementwise(a, b, "subtract")
    return _make(a.data - b.data, (a, b), lambda g: (g, -g), "\u2212")


def mul(a, b) -> Tensor:
    a, b = _elementwise(a, b, "multiply")
    return _make(a.data * b.data, (a, b), lambda g: (g * b.data, g * a.data), "\u00d7")


def div(a, b) -> Tensor:
    a, b = _elementwise(a, b, "divide")
    if np.any(b.data == 0):
        raise ValueError(f"divide: the divisor {b} holds a zero; the result would be inf or NaN")
    quotient = a.data / b.data
    return _make(quotient, (a, b), lambda g: (g / b.data, -g * quotient / b.data), "\u00f7")


def neg(a) -> Tensor:
    a = _lift(a)
    return _make(-a.data, (a,), lambda g: (-g,), "\u2212")


def power(a, c) -> Tensor:
    """``a ** c`` for a constant number ``c``; VJP ``g * c * a**(c - 1)``."""
    a = _lift(a)
    if isinstance(c, Tensor) or not np.isscalar(c):
        raise ValueError(f"power: expected a constant number as the exponent, got {c!r}")
    return _make(a.data**c, (a,), lambda g: (g * c * a.data ** (c - 1),), f"^{c:g}")


def matmul(a, b) -> Tensor:
    """``(N, D) @ (D, M) -> (N, M)``; VJP ``G @ b.T`` and ``a.T @ G`` (chapter 4)."""
    a, b = _lift(a), _lift(b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(
            f"matmul: expected two 2-D arrays, (N, D) @ (D, M), got {a.shape} @ {b.shape} "
            "(a vector? reshape it to one row (1, D) or one column (D, 1))"
        )
    if a.shape[1] != b.shape[0]:
        raise ValueError(
            f"matmul: (N, D) @ (D, M) needs the inner sizes equal, got {a.shape} @ {b.shape}"
            " (a column layout's habit? in batch-first rows the transpose moves: x @ W.T)"
        )
    return _make(a.data @ b.data, (a, b), lambda g: (g @ b.data.T, a.data.T @ g), "@")


# -- reductions and shape changes (sum fans out; reshape and transpose pass through) -------
def sum_(a, axis=None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (all axes when None).  VJP: every input entry receives the upstream
    gradient of the sum it went into."""
    a = _lift(a)
    out = a.data.sum(axis=axis, keepdims=keepdims)

    def vjp(g):
        if not keepdims and axis is not None:
            g = np.expand_dims(g, axis)
        return (np.broadcast_to(g, a.shape).copy(),)

    return _make(np.asarray(out, dtype=np.float64), (a,), vjp, "\u03a3")


def mean(a, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``: the sum, divided by the number of entries summed."""
    a = _lift(a)
    count = a.size if axis is None else int(np.prod([a.shape[i] for i in np.atleast_1d(axis)]))
    return sum_(a, axis, keepdims) / count


def reshape(a, shape) -> Tensor:
    a = _lift(a)
    try:
        out = a.data.reshape(shape)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape {a.shape} ({a.size} entries) to "
            f"{tuple(int(n) for n in np.atleast_1d(shape))}"
        ) from None
    return _make(out, (a,), lambda g: (g.reshape(a.shape),), "reshape")


def transpose(a, axes=None) -> Tensor:
    """Axes permuted (reversed when None); VJP: the inverse permutation."""
    a = _lift(a)
    axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(axes)
    if sorted(axes) != list(range(a.ndim)):
        raise ValueError(f"transpose: expected a permutation of {a.ndim} axes, got {axes}")
    back = tuple(np.argsort(axes))
    return _make(a.data.transpose(axes), (a,), lambda g: (g.transpose(back),), "T")


# -- elementwise functions (chapters 1-3) -----------------------------------------------------
def exp(a) -> Tensor:
    a = _lift(a)
    out = np.exp(a.data)
    return _make(out, (a,), lambda g: (g * out,), "exp")


def log(a) -> Tensor:
    a = _lift(a)
    if np.any(a.data <= 0):
        bad = tuple(int(i) for i in np.argwhere(a.data <= 0)[0])
        raise ValueError(
            f"log: expected positive inputs, got {a.data[bad]} at index {bad} "
            "(for probabilities from logits use log_softmax, which never takes log 0)"
        )
    return _make(np.log(a.data), (a,), lambda g: (g / a.data,), "log")


def relu(a) -> Tensor:
    """``max(a, 0)``; VJP routes the upstream to the entries that were positive."""
    a = _lift(a)
    return _make(np.maximum(a.data, 0.0), (a,), lambda g: (g * (a.data > 0),), "relu")


def sigmoid(a) -> Tensor:
    """``1 / (1 + exp(-a))``; VJP ``g * s * (1 - s)`` (chapter 2)."""
    a = _lift(a)
    s = activations.sigmoid(a.data)
    return _make(s, (a,), lambda g: (g * s * (1.0 - s),), "\u03c3")


def log_softmax(a, axis: int = -1) -> Tensor:
    """``a - log(sum(exp(a)))`` along ``axis``, computed stably (chapter 1).  VJP:
    ``g - softmax(a) * sum(g)`` along the axis."""
    a = _lift(a)
    out = activations.log_softmax(a.data, axis=axis)
    return _make(out, (a,), lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),), "logsm")


# -- the library's layers as operations (their backward is the VJP) ----------------------
def softmax_cross_entropy(logits, labels) -> Tensor:
    """Mean cross-entropy of ``softmax(logits)`` against integer ``labels: (N,)``, a single
    number; VJP: the upstream times ``SoftmaxCrossEntropy.backward()``, (P - Y) / N."""
    z = _lift(logits)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(z.data, labels)
    return _make(np.array(value), (z,), lambda g: (g * loss.backward(),), "CE")


def conv2d(x, w, b, stride: int = 1, padding: int = 0) -> Tensor:
    """``Conv2D``'s cross-correlation: ``x: (N, C, H, W)``, ``w: (F, C, KH, KW)``,
    ``b: (F,)`` -> ``(N, F, H_out, W_out)``.  VJP: the layer's own backward (chapter 5);
    for a constant ``x`` (images) only ``backward_params``, as ``fit`` does."""
    x, w, b = _lift(x), _lift(w), _lift(b)
    if w.ndim != 4 or b.shape != (w.shape[0],):
        raise ValueError(
            f"conv2d: expected w of shape (F, C, KH, KW) and b of shape (F,), got {w.shape} "
            f"and {b.shape}"
        )
    f, c, kh, kw = w.shape
    layer = Conv2D(c, f, (kh, kw), stride, padding, rng=_LAYER_RNG)
    layer.params["W"], layer.params["b"] = w.data, b.data
    out = layer.forward(x.data)

    def vjp(g):
        if not x.requires_grad:  # images: skip the full convolution nobody needs
            layer.backward_params(g)
            return None, layer.grads["W"], layer.grads["b"]
        return layer.backward(g), layer.grads["W"], layer.grads["b"]

    return _make(out, (x, w, b), vjp, "conv")


def maxpool2d(x, size: int, stride: int | None = None) -> Tensor:
    """``MaxPool2D``: ``(N, C, H, W) -> (N, C, H_out, W_out)``.  VJP: the layer's backward,
    which routes each upstream entry to its window's maximum (chapter 5)."""
    x = _lift(x)
    layer = MaxPool2D(size, stride)
    out = layer.forward(x.data)
    return _make(out, (x,), lambda g: (layer.backward(g),), "max")


# Operators and methods, so that engine code reads like NumPy: Python numbers and arrays
# may stand on either side (2 * x, 10.0 / x, images @ W).
Tensor.__add__, Tensor.__radd__ = add, lambda t, other: add(other, t)
Tensor.__sub__, Tensor.__rsub__ = sub, lambda t, other: sub(other, t)
Tensor.__mul__, Tensor.__rmul__ = mul, lambda t, other: mul(other, t)
Tensor.__truediv__, Tensor.__rtruediv__ = div, lambda t, other: div(other, t)
Tensor.__matmul__, Tensor.__rmatmul__ = matmul, lambda t, other: matmul(other, t)
Tensor.__neg__, Tensor.__pow__, Tensor.T = neg, power, property(transpose)
Tensor.sum, Tensor.mean, Tensor.exp, Tensor.log = sum_, mean, exp, log
Tensor.relu, Tensor.sigmoid = relu, sigmoid
