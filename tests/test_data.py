import numpy as np
import pytest

from backprop_tour.data import load_mnist_split, load_mnist_subset, train_test_split


def test_shipped_digits():
    x, y = load_mnist_subset()
    assert x.shape == (5000, 1, 28, 28) and x.dtype == np.float64
    assert y.shape == (5000,) and y.dtype == np.int64
    assert 0.0 == x.min() and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    # real digits, not noise: the border is blank and the centre has ink
    assert x[:, 0, :2, :].mean() < 0.01 and x[:, 0, 10:18, 10:18].mean() > 0.2


def test_split_is_seeded_and_disjoint():
    a = load_mnist_split(seed=0)
    b = load_mnist_split(seed=0)
    c = load_mnist_split(seed=1)
    assert [len(t) for t in a] == [4000, 4000, 1000, 1000]
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[1], c[1])
    x = np.arange(10)[:, None]
    xtr, _, xte, _ = train_test_split(x, np.arange(10), n_train=6, n_test=4, seed=0)
    assert set(xtr[:, 0]).isdisjoint(xte[:, 0])
    with pytest.raises(ValueError, match="n_train"):
        train_test_split(x, np.arange(10), n_train=8, n_test=4)
