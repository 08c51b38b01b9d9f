"""Elementwise activations and the softmax, written to be numerically stable.

The sigmoid has its derivative beside it; the layers in `layers.py` call these (ReLU's
derivative, 1 where z > 0, is one comparison written in `ReLU.backward`).
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + exp(-z)), without overflow for large |z|.

    exp is only ever taken of -|z| <= 0, so it lies in (0, 1].
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad_from_output(s: np.ndarray) -> np.ndarray:
    """d sigma/dz written in terms of the output s = sigma(z): s (1 - s)."""
    return s * (1.0 - s)


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0) elementwise."""
    return np.maximum(z, 0.0)


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z)_k = z_k - max(z) - log sum_k' exp(z_k' - max(z)).

    Subtracting the max changes nothing mathematically but keeps exp from overflowing,
    and the log is never taken of a probability that rounded to 0.
    """
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_k = exp(z_k) / sum_k' exp(z_k'), computed stably."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
