"""The checker itself: it must catch a wrong backward and say where."""

import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour.gradcheck import TOLERANCE, agree, check_layer, numerical_gradient, rel_error


class WrongDense(bt.Dense):
    """A Dense whose dW forgets a transpose-free detail: the bias gradient is doubled."""

    def backward(self, dout):
        dx = super().backward(dout)
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


def test_a_passing_check_prints_a_verdict_not_noise():
    # printed text of a passing check must not depend on the CPU's rounding: no digits
    rng = np.random.default_rng(1)
    report = check_layer(bt.Dense(3, 2, rng=rng), rng.standard_normal((4, 3)), rng=rng)
    assert report.ok
    for line in str(report).splitlines():
        assert line.endswith("rel_error < 1e-7 [ok]"), line
        assert "worst" not in line
    assert report.summary() == "rel_error < 1e-7 for all 3 gradients [ok]"


def test_a_failing_check_prints_the_error_and_where():
    rng = np.random.default_rng(0)
    report = check_layer(WrongDense(3, 2, rng=rng), rng.standard_normal((4, 3)), rng=rng)
    (bad,) = [r for r in report if not r.ok]
    text = str(bad)
    assert "[FAIL]" in text and "worst at (" in text and "central difference" in text
    assert report.summary() == text


def test_agree_is_a_verdict_against_a_bound():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    same = agree(a, a + 1e-15)
    assert same and same.ok and str(same) == "rel_error < 1e-12"
    off = agree(a, a + np.array([[0.0, 0.0], [0.0, 1e-3]]))
    assert not off
    assert (
        str(off).startswith("rel_error 9.")
        and "(not < 1e-12)" in str(off)
        and "worst at (1, 1): 4 vs 4.001" in str(off)
    )
    # the bound is a parameter: central differences are judged against 1e-7
    assert agree(a, a * (1 + 1e-9), tol=TOLERANCE) and not agree(a, a * (1 + 1e-9))
    with pytest.raises(ValueError, match="same shape"):
        agree(np.ones(2), np.ones(3))


def test_one_comparison_for_agree_and_gradient_checks():
    from backprop_tour.gradcheck import Agreement, GradCheckResult, compare

    assert GradCheckResult is Agreement
    rng = np.random.default_rng(0)
    report = check_layer(WrongDense(3, 2, rng=rng), rng.standard_normal((4, 3)), rng=rng)
    assert all(isinstance(r, Agreement) for r in report)
    line = compare([1.0, 2.0], [1.0, 2.5], TOLERANCE, layer="L", name="W")
    # 0.5 / (sqrt(5) + sqrt(7.25)) = 0.101...
    assert str(line) == (
        "L dW: rel_error 0.1 >= 1e-7 [FAIL]; worst at (1,): backward 2, central difference 2.5"
    )


def test_worst_index_points_at_the_largest_difference_or_the_first_nan():
    from backprop_tour.gradcheck import worst_index

    a = np.array([[0.0, 1.0], [2.0, 3.0]])
    b = a + np.array([[0.1, -0.5], [0.2, 0.0]])
    assert worst_index(a, b) == (0, 1)
    b[1, 1] = np.nan
    assert worst_index(a, b) == (1, 1)  # nothing is further off than a NaN
    assert worst_index(a, b, finite_only=True) == (0, 1)  # a heat map outlines finite cells
    assert worst_index(np.full(2, np.nan), np.zeros(2), finite_only=True) is None
    assert worst_index(np.zeros(0), np.zeros(0)) is None
    assert worst_index(np.float64(1.0), np.float64(2.0)) == ()


class Whole:
    """A model that is not a Sequential: check_model runs the whole forward pass for every
    central difference (the plain definition the shortcut must agree with)."""

    def __init__(self, model):
        self.model = model

    def forward(self, x):
        return self.model.forward(x)

    def backward(self, dout):
        return self.model.backward(dout)

    @property
    def params(self):
        return self.model.params

    @property
    def grads(self):
        return self.model.grads


def _small_cnn(rng):
    return bt.Sequential(
        bt.Conv2D(1, 2, 3, rng=rng), bt.ReLU(), bt.MaxPool2D(2), bt.Flatten(),
        bt.Dense(8, 5, rng=rng), bt.Sigmoid(), WrongDense(5, 3, rng=rng),
    )  # fmt: skip


def test_check_model_restarts_each_pass_at_the_nudged_layer_with_the_same_numbers():
    """In a Sequential the layers before the nudged one run once, not twice per
    parameter; every line of the report (error, worst index, both values there) is the
    one the whole pass gives, the wrong bias gradient of the last layer included."""
    from backprop_tour.gradcheck import check_model

    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(2, 1, 6, 6)), np.array([0, 2])
    model = _small_cnn(np.random.default_rng(5))
    first = model.layers[0]
    calls = []
    first.forward = lambda a: calls.append(1) or type(first).forward(first, a)
    short = check_model(model, bt.SoftmaxCrossEntropy(), x, y)
    n_conv = model.params["0.W"].size + model.params["0.b"].size
    # one pass for backward, one for the inputs of the later layers, two per conv parameter
    assert len(calls) == 2 + 2 * n_conv
    del first.forward
    whole = check_model(Whole(model), bt.SoftmaxCrossEntropy(), x, y)
    assert short == whole
    assert [r.name for r in short if not r.ok] == ["6.b"]
