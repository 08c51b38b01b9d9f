"""The checker itself: it must catch a wrong backward and say where."""

import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour.gradcheck import check_layer, numerical_gradient, rel_error


class WrongDense(bt.Dense):
    """A Dense whose dW forgets a transpose-free detail: the bias gradient is doubled."""

    def backward(self, dout, *, need_dx=True):
        dx = super().backward(dout, need_dx=need_dx)
        self.grads["b"] = 2 * self.grads["b"]
        return dx


def test_rel_error_definition():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert rel_error([1.0], [-1.0]) == pytest.approx(1.0)
    assert rel_error([3.0, 4.0], [3.0, 4.0 + 1e-6]) == pytest.approx(1e-6 / 10, rel=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.ones(2), np.ones(3))


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 0.5])
    g = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(g, 3 * x**2, rtol=1e-9)
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])  # restored


def test_check_layer_catches_a_wrong_backward_and_names_it():
    rng = np.random.default_rng(0)
    layer = WrongDense(3, 2, rng=rng)
    report = check_layer(layer, rng.standard_normal((4, 3)), rng=rng)
    bad = [r for r in report if not r.ok]
    assert [r.name for r in bad] == ["b"]
    with pytest.raises(
        AssertionError, match=r"WrongDense|Dense\(3, 2\) db: rel_error .* worst at \("
    ):
        report.raise_if_failed()
