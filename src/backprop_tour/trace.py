"""Record one forward and backward pass of a Sequential, boundary by boundary.

``trace(model, loss, x, target)`` runs the library's own forward and backward passes and
keeps what a computational graph shows: the value on every edge going forward, the
gradient of the cost on every edge coming back, each layer's parameter gradients, and,
for a chain of scalars, each node's *local* gradient — what its ``backward`` returns when
the upstream gradient is 1.  Nothing here differentiates anything by itself: every
number comes from a layer's ``forward`` or ``backward``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Trace:
    """One forward and backward pass through ``model`` and ``loss``.

    With ``n`` layers: ``values[0]`` is the input and ``values[i + 1]`` the output of layer
    ``i``; ``grads[i]`` is ``dJ/d values[i]`` (``grads[n]`` is what the loss's backward
    returned); ``param_grads[i]`` copies layer ``i``'s ``grads``.  ``locals_[i]`` is set
    when every value is a single number: ``{"x": d out/d x, name: d out/d param}``.
    """

    layers: list
    values: list[np.ndarray]
    grads: list[np.ndarray]
    param_grads: list[dict]
    cost: float
    locals_: list[dict] = field(default_factory=list)


def trace(model, loss, x, target) -> Trace:
    """Forward through every layer of ``model`` (a Sequential), the loss, then backward.

    The model's layers are left holding this pass's caches and gradients, exactly as
    ``loss.forward(model.forward(x), target)`` followed by ``model.backward(loss.backward())``
    would leave them.
    """
    layers = list(model.layers)
    values = [np.array(x, dtype=np.float64)]
    for layer in layers:
        values.append(layer.forward(values[-1]))
    cost = float(loss.forward(values[-1], target))
    grads = [None] * (len(layers) + 1)
    grads[-1] = loss.backward()
    param_grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        grads[i] = layers[i].backward(grads[i + 1])
        param_grads[i] = {k: v.copy() for k, v in layers[i].grads.items()}
    result = Trace(layers, values, grads, param_grads, cost)
    if all(v.size == 1 for v in values):
        result.locals_ = _scalar_locals(layers, values, grads, param_grads)
    return result


def _scalar_locals(layers, values, grads, param_grads) -> list[dict]:
    """Each node's backward with an upstream gradient of 1, at this pass's values; the
    caches are then restored with the real upstream gradients, so the model is left as
    the real backward pass left it."""
    found = []
    for i, layer in enumerate(layers):
        layer.forward(values[i])
        dx = layer.backward(np.ones_like(values[i + 1]))
        local = {"x": float(np.ravel(dx)[0])}
        local.update({k: float(np.ravel(v)[0]) for k, v in layer.grads.items()})
        found.append(local)
    for i in reversed(range(len(layers))):  # leave the model as the real pass left it
        layers[i].forward(values[i])
        layers[i].backward(grads[i + 1])
    return found
