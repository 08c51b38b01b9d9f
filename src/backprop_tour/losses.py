"""Losses: ``forward(pred, target) -> float`` and ``backward() -> dJ/d(pred)``.

Every loss averages: over the batch (SoftmaxCrossEntropy) or over all elements
(BinaryCrossEntropy, MSE), so the gradient it returns carries the ``1/N`` factor.
Inputs are checked: NaN or inf, labels out of range, probabilities outside [0, 1] or a
target of the wrong shape raise a ValueError instead of becoming a silent NaN.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_float_array, check_finite, check_ndim

#: Probabilities are kept inside [EPS, 1 - EPS] before a log is taken, so p = 0 or 1
#: exactly gives a large but finite loss (-log(1e-12) = 27.6) instead of inf.
EPS = 1e-12


class Loss:
    def __init__(self) -> None:
        self._cache = None

    @property
    def name(self) -> str:
        return type(self).__name__

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def __repr__(self) -> str:
        return f"{self.name}()"

    def _start_backward(self):
        if self._cache is None:
            raise ValueError(f"{self.name}.backward was called before forward(pred, target)")
        return self._cache


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by cross-entropy, averaged over the batch.

    ``J = -(1/N) sum_n log softmax(z_n)[y_n]``

    Shapes: ``logits: (N, K)``, ``labels: (N,)`` integers in ``[0, K)``.
    Backward: ``dJ/dz = (softmax(z) - onehot(y)) / N`` — the famous ``p - y`` (chapter 4).
    The log-probabilities come from a stable log-softmax, so logits of +-1000 are fine.
    """

    def forward(self, logits, labels) -> float:
        who = self.name
        z = as_float_array(logits, who, "logits")
        check_ndim(z, 2, who, "(N, K)", "logits")
        if not math.isfinite(z.sum()):  # one sum first; the full check names the bad entry
            check_finite(z, who, "logits")
        y = np.asarray(labels)
        if y.ndim != 1 or y.shape[0] != z.shape[0]:
            one_hot = y.shape == z.shape  # one row of K indicators per sample
            raise ValueError(
                f"{who}: expected labels of shape ({z.shape[0]},) — one integer class per "
                f"row of logits {z.shape} — got shape {y.shape}"
                + (" (one-hot rows? pass the class indices, labels.argmax(axis=1))"
                   if one_hot else "")
            )  # fmt: skip
        if y.dtype.kind not in "iu":  # not an integer dtype
            if not (np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y))):
                raise ValueError(f"{who}: expected integer class labels, got {y.dtype} values")
            y = y.astype(np.int64)
        n, k = z.shape
        if y.size and (y.min() < 0 or y.max() >= k):
            bad = y[(y < 0) | (y >= k)][0]
            raise ValueError(f"{who}: expected labels in [0, {k}) for {k} classes, got {bad}")
        # log softmax(z)[y] = shifted[y] - log(sum exp(shifted)), shifted = z - max(z):
        # the stable form of activations.log_softmax, keeping exp(shifted) for backward
        rows = np.arange(n)
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1)
        self._cache = (e, total, y, rows)
        # the mean over the batch, as sum / N (what np.mean computes, without its wrapper)
        return float((np.log(total) - shifted[rows, y]).sum() / n)

    @property
    def probs(self) -> np.ndarray:
        """softmax of the last logits, ``(N, K)``."""
        e, total, _, _ = self._start_backward()
        return e / total[:, None]

    def backward(self) -> np.ndarray:
        e, total, y, rows = self._start_backward()
        n = e.shape[0]
        dz = e / (n * total[:, None])  # softmax probabilities p, divided by N
        dz[rows, y] -= 1.0 / n  # (p - onehot(y)) / N
        return dz


def _check_pred_target(pred, target, who: str) -> tuple[np.ndarray, np.ndarray]:
    p = as_float_array(pred, who, "pred")
    t = as_float_array(target, who, "target")
    if p.shape != t.shape:
        raise ValueError(
            f"{who}: expected target of the same shape as pred {p.shape}, got {t.shape} "
            "(no broadcasting: reshape one of them explicitly)"
        )
    if p.size == 0:
        raise ValueError(f"{who}: expected a non-empty pred, got shape {p.shape}")
    check_finite(p, who, "pred")
    check_finite(t, who, "target")
    return p, t


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on probabilities, averaged over all elements.

    ``J = -mean( y log p + (1 - y) log(1 - p) )``, ``p`` and ``y`` of the same shape,
    both in [0, 1].  Backward: ``dJ/dp = (p - y) / (p (1 - p)) / size``.

    ``p`` is clipped to ``[EPS, 1 - EPS]`` first, so probabilities of exactly 0 or 1 give
    a finite loss and gradient.  (Given logits, prefer a sigmoid inside the loss; we keep
    probabilities because that is how chapter 2's source writes it.)
    """

    def forward(self, pred, target) -> float:
        who = self.name
        p, y = _check_pred_target(pred, target, who)
        for arr, name in ((p, "pred (probabilities)"), (y, "target")):
            if arr.min() < 0.0 or arr.max() > 1.0:
                raise ValueError(
                    f"{who}: expected {name} in [0, 1], got values in "
                    f"[{arr.min():.4g}, {arr.max():.4g}] (pass probabilities, not logits)"
                )
        pc = np.clip(p, EPS, 1.0 - EPS)
        self._cache = (pc, y)
        return float(-np.mean(y * np.log(pc) + (1.0 - y) * np.log1p(-pc)))

    def backward(self) -> np.ndarray:
        pc, y = self._start_backward()
        return (pc - y) / (pc * (1.0 - pc)) / pc.size


class MSE(Loss):
    """Mean squared error over all elements: ``J = mean((pred - target)**2)``.

    Backward: ``dJ/d(pred) = 2 (pred - target) / size``.  (Chapter 3's source uses
    ``C = 1/2 sum (y - a)^2`` for one sample, whose gradient is ``a - y``; the two differ
    only by the constant factor ``size / 2``.)
    """

    def forward(self, pred, target) -> float:
        p, t = _check_pred_target(pred, target, self.name)
        self._cache = (p - t,)
        return float(np.mean((p - t) ** 2))

    def backward(self) -> np.ndarray:
        (diff,) = self._start_backward()
        return 2.0 * diff / diff.size
