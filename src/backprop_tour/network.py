"""Sequential: layers applied one after another — itself a layer."""

from __future__ import annotations

import numpy as np

from .layers import Layer


class Sequential(Layer):
    """``Sequential(l1, l2, ...)``: forward runs the layers in order, backward in reverse.

    ``params`` / ``grads`` gather every layer's arrays under ``"<index>.<name>"``, e.g.
    ``"0.W"`` for the first layer's weights (the same arrays, not copies).
    """

    def __init__(self, *layers: Layer) -> None:  # no Layer.__init__: nothing of its own to store
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ValueError(
                    f"Sequential: expected layers (Dense, Conv2D, ...), got {layer!r} at position {i}"
                )
        self.layers = list(layers)

    def __repr__(self) -> str:
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner}\n)"

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def params(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()
        }

    @params.setter
    def params(self, value) -> None:  # the base __init__ assigns {}; nothing to store
        pass

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()
        }

    @grads.setter
    def grads(self, value) -> None:
        pass

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout, *, need_dx: bool = True):
        """Backpropagate ``dout`` through every layer.  With ``need_dx=False`` the first
        layer skips its input gradient (nothing upstream needs it: for a Conv2D on
        images that is a whole full convolution saved)."""
        for i, layer in enumerate(reversed(self.layers)):
            last = i == len(self.layers) - 1
            dout = layer.backward(dout, need_dx=need_dx or not last)
        return dout


def simple_cnn(rng=None) -> Sequential:
    """The CNN of chapters 4 to 6 (source 003), for ``(N, 1, 28, 28)`` digits:

    Conv2D 2x1x5x5 -> ReLU -> MaxPool 2 -> Flatten (288) -> Dense 60 -> ReLU -> Dense 10.
    Returns logits ``(N, 10)``; pair it with ``SoftmaxCrossEntropy``.
    """
    from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU

    return Sequential(
        Conv2D(1, 2, 5, rng=rng),
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(288, 60, rng=rng),
        ReLU(),
        Dense(60, 10, rng=rng),
    )
