"""Sequential: layers applied one after another — itself a layer."""

from __future__ import annotations

import numpy as np

from .layers import Layer


class Sequential(Layer):
    """``Sequential(l1, l2, ...)``: forward runs the layers in order, backward in reverse.

    ``params`` / ``grads`` gather every layer's arrays under ``"<index>.<name>"``, e.g.
    ``"0.W"`` for the first layer's weights (the same arrays, not copies).
    """

    # No Layer.__init__: a Sequential has no cache and no arrays of its own; its params and
    # grads are read-only views over its layers' (properties below).
    def __init__(self, *layers: Layer) -> None:
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

    @property
    def grads(self) -> dict[str, np.ndarray]:  # type: ignore[override]
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()
        }

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout, *, need_dx: bool = True):
        """Backpropagate ``dout`` through every layer, last to first; return dJ/dx.

        With ``need_dx=False`` the first layer fills its ``grads`` by ``backward_params``
        and nothing is returned: nothing upstream needs the gradient of the images, and
        for a Conv2D that is a whole full convolution saved (chapter 6)."""
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        if not self.layers:
            return dout
        if need_dx:
            return self.layers[0].backward(dout)
        self.layers[0].backward_params(dout)
        return None

    def backward_params(self, dout) -> None:
        self.backward(dout, need_dx=False)


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
