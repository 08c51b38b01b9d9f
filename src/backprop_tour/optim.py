"""Optimisers update parameters in place from the gradients backward left in ``grads``."""

from __future__ import annotations

import numpy as np


class SGD:
    """Stochastic gradient descent, optionally with momentum.

    ``v = momentum * v - lr * grad;  param += v``  (momentum 0: ``param -= lr * grad``).

    ``model`` is anything with ``params`` and ``grads`` dicts of the same keys (a layer or
    a Sequential).  Parameters are updated in place, so the model sees the change.
    """

    def __init__(self, model, lr: float = 0.01, momentum: float = 0.0) -> None:
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"SGD: expected a learning rate lr > 0, got {lr!r}")
        if not (0.0 <= momentum < 1.0):
            raise ValueError(f"SGD: expected momentum in [0, 1), got {momentum!r}")
        self.model, self.lr, self.momentum = model, float(lr), float(momentum)
        self._velocity: dict[str, np.ndarray] = {}

    def step(self) -> None:
        params, grads = self.model.params, self.model.grads
        missing = [key for key in params if key not in grads]
        if missing:
            raise ValueError(
                f"SGD.step: no gradient for {sorted(missing)}; call loss.backward() and "
                "model.backward(...) before step()"
            )
        for key, p in params.items():
            step = self.lr * grads[key]
            if self.momentum:
                v = self._velocity.get(key)
                if v is None:
                    v = self._velocity[key] = np.zeros_like(p)
                v *= self.momentum
                v -= step
                p += v
            else:
                p -= step
