"""Small pieces shared by the grading engine and the chapters' catalogues: seeded cases,
the sigmoid's derivative, and the hints that more than one chapter gives."""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..gradcheck import GRADING, compare


def rng(name: str) -> np.random.Generator:
    """A generator with a fixed seed per exercise: the same cases on every machine."""
    return np.random.default_rng(sum(ord(c) for c in name))


def away_from_zero(a: np.ndarray, gap: float = 0.05) -> np.ndarray:
    """No entry closer to 0 than ``gap``: kinks (ReLU) stay out of central differences."""
    return np.where(np.abs(a) < gap, a + np.where(a < 0, -gap, gap), a)


def dsig(z):
    """sigma'(z) = sigma(z) (1 - sigma(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def fmt(v: float) -> str:
    return f"{v:.4g}"


def copy_args(args: tuple) -> tuple:
    """Fresh copies of a case's arrays, so that nothing a function does to them sticks."""
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Same shape and within the grader's bound (``gradcheck.GRADING``)."""
    return a.shape == b.shape and compare(a, b, GRADING).ok


# Slips the chapters' sources make, named where they recur (chapters 2 and 3).
SIG_PRIME_SLIP = (
    "sigma' taken at a = sigma(z) instead of at z: the factor is sigma(z) (1 - sigma(z)) "
    "(source 004's slip, chapter 3)"
)
Z_ONE_MINUS_Z = (
    "sigma' written as z (1 - z): it is sigma(z) (1 - sigma(z)), in the sigmoid's output "
    "(source 001's slip, chapter 2)"
)
