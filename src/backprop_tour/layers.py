"""Layers: each one a forward rule and, right beside it, the backward rule that
differentiates it.

The contract every layer keeps:

* ``forward(x) -> out`` remembers what backward will need (``self._cache``);
* ``backward(dout) -> dx`` takes dL/d(out) and returns dL/dx, and fills ``grads``
  (same keys as ``params``) with dL/d(param).  It never changes a weight: updating
  is the optimiser's job;
* ``params`` maps ``"W"`` and ``"b"`` to the layer's own arrays, so writing into them in
  place changes the layer.

Conventions: float64, batch first, images NCHW.
"""

from __future__ import annotations

import numpy as np

from . import conv as _conv
from ._checks import as_float_array, check_dout, check_ndim, check_positive_int
from .activations import relu, sigmoid, sigmoid_grad_from_output


class Layer:
    """Base class: parameter bookkeeping and the shared input/dout checks."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._cache = None
        self._out_shape: tuple | None = None

    @property
    def name(self) -> str:
        return type(self).__name__

    def __call__(self, x):
        return self.forward(x)

    def __repr__(self) -> str:
        return f"{self.name}()"

    def forward(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout, *, need_dx: bool = True):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers for subclasses ---------------------------------------------------------
    def _start_backward(self, dout) -> np.ndarray:
        if self._cache is None:
            raise ValueError(
                f"{self!r}.backward was called before forward: call forward(x) first, "
                "so the layer has the input it must differentiate at"
            )
        return check_dout(dout, self._out_shape, self)

    def _finish_forward(self, out: np.ndarray, cache) -> np.ndarray:
        self._cache = cache
        self._out_shape = out.shape
        return out


def _missing_axes_hint(x: np.ndarray, channels: int | None = None) -> str:
    """The likely fix for images given without their batch or channel axis: a batch of
    one-channel images ``(N, H, W)`` needs ``x[:, None]``, one image ``(H, W)`` needs
    ``x[None, None]``.  Empty for other shapes (or for a layer with several channels)."""
    if channels not in (None, 1):
        return ""
    if x.ndim == 3:
        return "a batch of one-channel images? add the channel axis: x[:, None]"
    if x.ndim == 2:
        return "one image? add the batch and channel axes: x[None, None]"
    return ""


def _flatten_hint(x: np.ndarray) -> str:
    """The likely fix for images given to a Dense layer."""
    return "a Flatten missing?" if x.ndim > 2 else ""


def _init_rng(rng) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"expected rng to be a numpy Generator (np.random.default_rng(seed)), got {rng!r}"
        )
    return rng


class Dense(Layer):
    """Fully-connected layer: ``out = x @ W.T + b``.

    Shapes: ``x: (N, in_features) -> out: (N, out_features)``;
    ``W: (out_features, in_features)`` (row k holds the weights into output unit k),
    ``b: (out_features,)``.

    Backward, for ``dout = dL/d(out)`` of shape ``(N, out)``:
    ``dW = dout.T @ x``, ``db = dout.sum(0)``, ``dx = dout @ W``.
    """

    def __init__(self, in_features: int, out_features: int, *, rng=None) -> None:
        super().__init__()
        self.in_features = check_positive_int(in_features, "Dense", "in_features")
        self.out_features = check_positive_int(out_features, "Dense", "out_features")
        rng = _init_rng(rng)
        # He initialisation: keeps the activations' variance steady through ReLUs.
        scale = np.sqrt(2.0 / self.in_features)
        self.params["W"] = rng.normal(0.0, scale, (self.out_features, self.in_features))
        self.params["b"] = np.zeros(self.out_features)

    def __repr__(self) -> str:
        return f"{self.name}({self.in_features}, {self.out_features})"

    def forward(self, x):
        x = as_float_array(x, self)
        check_ndim(x, 2, self, "(N, in_features)", hint=_flatten_hint)
        if x.shape[1] != self.in_features:
            # source 003 keeps samples as columns, (in_features, N): its x is our x.T
            columns = x.shape[0] == self.in_features
            raise ValueError(
                f"{self!r}: expected x of shape (N, {self.in_features}), got {x.shape}"
                + (" (samples as columns? pass x.T, one sample per row)" if columns else "")
            )
        out = x @ self.params["W"].T + self.params["b"]
        return self._finish_forward(out, x)

    def backward(self, dout, *, need_dx: bool = True):
        dout = self._start_backward(dout)
        x = self._cache
        self.grads["W"] = dout.T @ x  # (out, N) @ (N, in) -> (out, in)
        self.grads["b"] = dout.sum(axis=0)  # (out,)
        return dout @ self.params["W"] if need_dx else None  # (N, out) @ (out, in)


class Conv2D(Layer):
    """2-D convolution layer — strictly a **cross-correlation**, as in every framework:

    ``out[n, f, i, j] = b[f] + sum_{c, m, k} W[f, c, m, k] * xp[n, c, i*s + m, j*s + k]``

    where ``xp`` is ``x`` zero-padded by ``padding`` and ``s`` is the stride.

    Shapes: ``x: (N, C, H, W) -> out: (N, F, H_out, W_out)`` with
    ``H_out = (H + 2*padding - KH) // stride + 1`` (the same for ``W_out``);
    ``W: (F, C, KH, KW)``, ``b: (F,)``.

    Backward (chapter 5): ``dW`` is the valid cross-correlation of the padded input with
    ``dout`` (dilated by the stride); ``dx`` is the full convolution of (dilated) ``dout``
    with ``W``, cropped by the padding.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int = 1,
        padding: int = 0,
        *,
        rng=None,
    ) -> None:
        super().__init__()
        who = "Conv2D"
        self.in_channels = check_positive_int(in_channels, who, "in_channels")
        self.out_channels = check_positive_int(out_channels, who, "out_channels")
        kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
        self.kernel_size = (
            check_positive_int(kh, who, "kernel height"),
            check_positive_int(kw, who, "kernel width"),
        )
        self.stride, self.padding = _conv.check_conv_args(stride, padding, who)
        rng = _init_rng(rng)
        fan_in = self.in_channels * kh * kw
        self.params["W"] = rng.normal(
            0.0, np.sqrt(2.0 / fan_in), (self.out_channels, self.in_channels, kh, kw)
        )
        self.params["b"] = np.zeros(self.out_channels)

    def __repr__(self) -> str:
        kh, kw = self.kernel_size
        k = kh if kh == kw else self.kernel_size
        return (
            f"{self.name}({self.in_channels}, {self.out_channels}, kernel_size={k}, "
            f"stride={self.stride}, padding={self.padding})"
        )

    def _axes_hint(self, x: np.ndarray) -> str:
        return _missing_axes_hint(x, self.in_channels)

    def forward(self, x):
        x = as_float_array(x, self)
        check_ndim(x, 4, self, "(N, C, H, W)", hint=self._axes_hint)
        n, c, h, w = x.shape
        if c != self.in_channels:
            channels_last = w == self.in_channels  # (N, H, W, C), as Keras stores images
            raise ValueError(
                f"{self!r}: expected x of shape (N, {self.in_channels}, H, W) "
                f"({self.in_channels} input channel(s)), got {x.shape}"
                + (" (channels last? pass x.transpose(0, 3, 1, 2))" if channels_last else "")
            )
        kh, kw = self.kernel_size
        p = self.padding
        if kh > h + 2 * p or kw > w + 2 * p:
            raise ValueError(
                f"{self!r}: kernel {kh}x{kw} is larger than the padded input "
                f"{h + 2 * p}x{w + 2 * p} (input {h}x{w}, padding {p})"
            )
        xp = _conv.pad2d(x, p) if p else x
        cols = self._cache[0] if self._cache and self._cache[1] == xp.shape else None
        out, cols = _conv.conv2d_forward(xp, self.params["W"], self.params["b"], self.stride, cols)
        return self._finish_forward(out, (cols, xp.shape))

    def backward(self, dout, *, need_dx: bool = True):
        dout = self._start_backward(dout)
        cols, xp_shape = self._cache
        dx, dw, db = _conv.conv2d_backward(
            cols, xp_shape, self.params["W"], dout, self.stride, self.padding, need_dx=need_dx
        )
        self.grads["W"], self.grads["b"] = dw, db
        return dx


class MaxPool2D(Layer):
    """Max-pooling over ``size x size`` windows moved by ``stride`` (default: ``size``).

    Shapes: ``x: (N, C, H, W) -> out: (N, C, H_out, W_out)``,
    ``H_out = (H - size) // stride + 1``.  Rows or columns that no window reaches are
    ignored by forward and get zero gradient.

    Backward routes each ``dout[n, c, i, j]`` to the one input that was the maximum of
    its window (the first one, if several tie); every other input gets nothing from
    that window.  With overlapping windows (stride < size) the routes add up.
    """

    def __init__(self, size: int, stride: int | None = None) -> None:
        super().__init__()
        self.size = check_positive_int(size, "MaxPool2D", "size")
        self.stride = check_positive_int(
            self.size if stride is None else stride, "MaxPool2D", "stride"
        )

    def __repr__(self) -> str:
        return f"{self.name}(size={self.size}, stride={self.stride})"

    def forward(self, x):
        x = as_float_array(x, self)
        check_ndim(x, 4, self, "(N, C, H, W)", hint=_missing_axes_hint)
        _, _, h, w = x.shape
        k, s = self.size, self.stride
        if k > h or k > w:
            raise ValueError(f"{self!r}: window {k}x{k} is larger than the input {h}x{w}")
        h_out, w_out = (h - k) // s + 1, (w - k) // s + 1
        # Window tap t = (a, b) sees x[:, :, i*s + a, j*s + b] for every output (i, j).  The
        # k*k taps are copied once into one contiguous array (a loop over taps, never over
        # pixels): the maximum is one reduction over its first axis, and backward finds the
        # winners in it with contiguous comparisons (on strided views they cost twice as much).
        taps = np.empty((k * k, *x.shape[:2], h_out, w_out))
        for t in range(k * k):
            taps[t] = self._tap(x, t, h_out, w_out)
        return self._finish_forward(taps.max(axis=0), (taps, x.shape))

    def _tap(self, x: np.ndarray, t: int, h_out: int, w_out: int) -> np.ndarray:
        """The ``(N, C, H_out, W_out)`` view of what window tap ``t = (a, b)`` sees."""
        a, b = divmod(t, self.size)
        s = self.stride
        return x[:, :, a : a + s * h_out : s, b : b + s * w_out : s]

    def backward(self, dout, *, need_dx: bool = True):
        dout = self._start_backward(dout)
        if not need_dx:
            return None
        taps, x_shape = self._cache
        _, _, h, w = x_shape
        _, _, _, h_out, w_out = taps.shape
        k, s = self.size, self.stride
        hit = taps == taps.max(axis=0)  # hit[t]: tap t holds its window's maximum
        taken = hit[0].copy()  # windows whose maximum an earlier tap holds
        for t in range(1, k * k):  # taps in row-major order: on a tie the first one wins
            np.greater(hit[t], taken, out=hit[t])  # a hit, and no earlier hit
            taken |= hit[t]
        # Windows that tile x exactly write every pixel of dx below; otherwise start at zero.
        tiled = k == s and h == k * h_out and w == k * w_out
        dx = np.empty(x_shape) if tiled else np.zeros(x_shape)
        for t in range(k * k):
            if s >= k:  # windows don't overlap: one tap per input pixel
                np.multiply(dout, hit[t], out=self._tap(dx, t, h_out, w_out))
            else:  # overlapping windows (stride < size): routes to one pixel add up
                self._tap(dx, t, h_out, w_out)[...] += dout * hit[t]
        return dx


def maxpool2d_forward_loops(x, size: int, stride: int) -> np.ndarray:
    """Reference max-pooling, one window at a time (slow; for tests):
    ``out[n, c, i, j] = max of x[n, c, i*stride : i*stride + size, j*stride : j*stride + size]``.
    """
    n_batch, c_in, h, w = x.shape
    h_out, w_out = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((n_batch, c_in, h_out, w_out))
    for n in range(n_batch):
        for c in range(c_in):
            for i in range(h_out):
                for j in range(w_out):
                    r, q = i * stride, j * stride
                    out[n, c, i, j] = x[n, c, r : r + size, q : q + size].max()
    return out


def maxpool2d_backward_loops(x, dout, size: int, stride: int) -> np.ndarray:
    """Reference max-pooling backward: each ``dout[n, c, i, j]`` goes to the first maximum
    of its window in row-major order (``np.argmax``'s rule); overlapping routes add up."""
    dx = np.zeros(x.shape)
    _, _, h_out, w_out = dout.shape
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(h_out):
                for j in range(w_out):
                    r, q = i * stride, j * stride
                    a, b = divmod(int(np.argmax(x[n, c, r : r + size, q : q + size])), size)
                    dx[n, c, r + a, q + b] += dout[n, c, i, j]
    return dx


class ReLU(Layer):
    """``out = max(x, 0)``; backward: ``dx = dout * (x > 0)``.  Any shape."""

    def forward(self, x):
        x = as_float_array(x, self)
        return self._finish_forward(relu(x), x)

    def backward(self, dout, *, need_dx: bool = True):
        dout = self._start_backward(dout)
        # dout * relu_grad(x), without materialising the float mask
        return dout * (self._cache > 0) if need_dx else None


class Sigmoid(Layer):
    """``out = sigma(x) = 1 / (1 + exp(-x))``; backward: ``dx = dout * out * (1 - out)``."""

    def forward(self, x):
        x = as_float_array(x, self)
        out = sigmoid(x)
        return self._finish_forward(out, out)

    def backward(self, dout, *, need_dx: bool = True):
        dout = self._start_backward(dout)
        return dout * sigmoid_grad_from_output(self._cache) if need_dx else None


class Flatten(Layer):
    """``(N, d1, d2, ...) -> (N, d1*d2*...)`` in C order; backward reshapes back.

    (The CNN source flattens to ``(288, N)``, samples as columns; we keep the batch
    first, so our ``(N, 288)`` is its transpose.)
    """

    def forward(self, x):
        x = as_float_array(x, self)
        if x.ndim < 2:
            raise ValueError(
                f"{self!r}: expected x with a batch axis and at least one more, (N, ...), "
                f"got shape {x.shape}"
            )
        return self._finish_forward(x.reshape(x.shape[0], -1), x.shape)

    def backward(self, dout, *, need_dx: bool = True):
        dout = self._start_backward(dout)
        return dout.reshape(self._cache) if need_dx else None
