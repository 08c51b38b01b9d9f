"""Layers: each one a forward rule and, right beside it, the backward rule that
differentiates it.

The contract every layer keeps:

* ``forward(x) -> out`` remembers what backward will need (``self._cache``);
* ``backward(dout) -> dx`` takes dJ/d(out) and returns dJ/dx, and fills ``grads``
  (same keys as ``params``) with dJ/d(param).  It never changes a weight: updating
  is the optimiser's job;
* ``params`` maps ``"W"`` and ``"b"`` to the layer's own arrays, so writing into them in
  place changes the layer.

``backward_params(dout)`` fills ``grads`` only: what a network's first layer does, whose
input gradient nothing upstream needs (chapter 6).  By default it is ``backward``;
``Conv2D`` skips the full convolution that dJ/dx would cost.

Conventions: float64, batch first, images NCHW.  The convolution and max-pool layers say
what they compute in the words of chapter 5; the fast kernels that compute it live in
``kernels/``, and the plain loops that define it in ``reference.py``.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_dout, check_ndim, check_positive_int
from .activations import relu, sigmoid, sigmoid_grad_from_output
from .conv import check_conv_args, crop2d, pad2d
from .kernels import correlate, correlate_dout, full_convolve, pool_taps, route_to_max, windows

# The max-pool loop references moved to reference.py; importable here too, where the
# tests and the grader have always found them.
from .reference import maxpool2d_backward_loops, maxpool2d_forward_loops  # noqa: F401


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

    def backward(self, dout):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward_params(self, dout) -> None:
        """Fill ``grads`` without returning dJ/dx, for a layer with nothing upstream.
        Layers whose input gradient costs real work override it to skip that work."""
        self.backward(dout)

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

    Backward, for ``dout = dJ/d(out)`` of shape ``(N, out)``:
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

    def backward(self, dout):
        dout = self._start_backward(dout)
        x = self._cache
        self.grads["W"] = dout.T @ x  # (out, N) @ (N, in) -> (out, in)
        self.grads["b"] = dout.sum(axis=0)  # (out,)
        return dout @ self.params["W"]  # (N, out) @ (out, in)


class Conv2D(Layer):
    """2-D convolution layer — strictly a **cross-correlation**, as in every framework:

    ``out[n, f, i, j] = b[f] + sum_{c, q, r} W[f, c, q, r] * xp[n, c, i*s + q, j*s + r]``

    where ``xp`` is ``x`` zero-padded by ``padding`` and ``s`` is the stride.

    Shapes: ``x: (N, C, H, W) -> out: (N, F, H_out, W_out)`` with
    ``H_out = (H + 2*padding - KH) // stride + 1`` (the same for ``W_out``);
    ``W: (F, C, KH, KW)``, ``b: (F,)``.

    Backward (chapter 5): ``dW`` is the valid cross-correlation of the padded input with
    ``dout`` (dilated by the stride); ``dx`` is the full convolution of (dilated) ``dout``
    with ``W``, cropped by the padding; ``db`` sums ``dout``.
    Reference loops: ``reference.conv2d_forward_loops``, ``reference.conv2d_backward_loops``.
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
        self.stride, self.padding = check_conv_args(stride, padding, who)
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
        xp = pad2d(x, p) if p else x
        xw = windows(xp, self.kernel_size, self.stride)  # every receptive field of xp
        out = correlate(xw, self.params["W"], self.params["b"])  # b[f] + sum_c xp[n,c] ⋆ W[f,c]
        return self._finish_forward(out, xw)

    def backward(self, dout):
        dout = self._start_backward(dout)
        self._weight_grads(dout)  # dW and db, below
        # dxp[n, c] = sum_f dilate(dout[n, f]) (*full) W[f, c]; then the padding cropped off
        dxp = full_convolve(dout, self.params["W"], self.stride, self._cache.padded_shape)
        return crop2d(dxp, self.padding)

    def backward_params(self, dout) -> None:
        """``dW`` and ``db`` only: the full convolution for ``dx`` is skipped."""
        self._weight_grads(self._start_backward(dout))

    def _weight_grads(self, dout) -> None:
        xw = self._cache  # the padded input's windows, from forward
        self.grads["W"] = correlate_dout(xw, dout)  # dW[f, c] = sum_n xp[n, c] ⋆ dout[n, f]
        self.grads["b"] = dout.sum(axis=(0, 2, 3))  # db[f] = sum over n, i, j of dout[n, f]


class MaxPool2D(Layer):
    """Max-pooling over ``size x size`` windows moved by ``stride`` (default: ``size``).

    Shapes: ``x: (N, C, H, W) -> out: (N, C, H_out, W_out)``,
    ``H_out = (H - size) // stride + 1``.  Rows or columns that no window reaches are
    ignored by forward and get zero gradient.

    Backward routes each ``dout[n, c, i, j]`` to the one input that was the maximum of
    its window (the first one, if several tie); every other input gets nothing from
    that window.  With overlapping windows (stride < size) the routes add up.
    Reference loops: ``reference.maxpool2d_forward_loops``, ``reference.maxpool2d_backward_loops``.
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
        taps = pool_taps(x, k, s)  # taps[t]: what position t of every window sees
        out = taps.max(axis=0)  # the maximum of each window
        return self._finish_forward(out, (taps, out, x.shape))

    def backward(self, dout):
        dout = self._start_backward(dout)
        taps, out, x_shape = self._cache
        # route each dout to its window's maximum (the first one on a tie); others get 0
        return route_to_max(dout, taps, out, x_shape, self.size, self.stride)


class ReLU(Layer):
    """``out = max(x, 0)``; backward: ``dx = dout * (x > 0)``.  Any shape."""

    def forward(self, x):
        x = as_float_array(x, self)
        return self._finish_forward(relu(x), x)

    def backward(self, dout):
        dout = self._start_backward(dout)
        return dout * (self._cache > 0)  # d max(x, 0)/dx: 1 where x > 0, 0 (taken) at the kink


class Sigmoid(Layer):
    """``out = sigma(x) = 1 / (1 + exp(-x))``; backward: ``dx = dout * out * (1 - out)``."""

    def forward(self, x):
        x = as_float_array(x, self)
        out = sigmoid(x)
        return self._finish_forward(out, out)

    def backward(self, dout):
        dout = self._start_backward(dout)
        return dout * sigmoid_grad_from_output(self._cache)


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

    def backward(self, dout):
        dout = self._start_backward(dout)
        return dout.reshape(self._cache)
