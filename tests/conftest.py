import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# tools/ on the path: the tests read the chapter list through tools/book_toc.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

# Property-based tests are derandomised: the same examples on every run and machine, so a
# failure is reproducible and CI never flakes on a lucky draw.
settings.register_profile("repo", derandomize=True, deadline=None, max_examples=40)
settings.load_profile("repo")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def away_from_zero(x: np.ndarray, gap: float = 0.05) -> np.ndarray:
    """Push values off the ReLU kink so a central difference never straddles it."""
    return np.where(x >= 0, x + gap, x - gap)


def distinct_values(rng: np.random.Generator, shape) -> np.ndarray:
    """Values with no ties and gaps >> h, so every max-pool window has a clear winner."""
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape) * 0.01 + rng.uniform(0, 1e-3, shape)
