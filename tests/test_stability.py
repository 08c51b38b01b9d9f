"""Extreme inputs give finite losses and gradients, and no overflow warnings.

pyproject's filterwarnings turns every RuntimeWarning (overflow, divide by zero, invalid
value) into an error, so a warning anywhere here fails the test.
"""

import warnings

import numpy as np

import backprop_tour as bt
from backprop_tour.activations import log_softmax, sigmoid, softmax


def _finite(*arrays):
    return all(np.all(np.isfinite(a)) for a in arrays)


def test_softmax_cross_entropy_with_huge_logits():
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    loss = bt.SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss.forward(logits, np.array([1, 0]))
        grad = loss.backward()
    assert _finite(value, grad)
    # a confident wrong answer costs about the logit gap: 2000 and 2000 + log(2)
    assert value == np.float64((2000.0 + 2000.0 + np.log(2.0)) / 2)
    np.testing.assert_allclose(softmax(logits).sum(axis=1), 1.0)
    assert _finite(log_softmax(logits))


def test_binary_cross_entropy_at_exactly_zero_and_one():
    loss = bt.BinaryCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        worst = loss.forward(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
        grad_worst = loss.backward()
        best = loss.forward(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
        grad_best = loss.backward()
    assert _finite(worst, grad_worst, best, grad_best)
    assert 20 < worst < 40  # -log(1e-12) = 27.6: large, bounded
    assert best < 1e-11
    assert grad_worst[0] < 0 < grad_worst[1]


def test_sigmoid_of_plus_minus_1000():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
        layer = bt.Sigmoid()
        out = layer.forward(np.array([[-1000.0, 1000.0]]))
        dx = layer.backward(np.ones((1, 2)))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert 0 < s[1] < 1e-17 and 1 - 1e-15 < s[3] <= 1
    assert _finite(s, out, dx)
    np.testing.assert_array_equal(dx, [[0.0, 0.0]])


def test_sigmoid_then_bce_saturated_chain_stays_finite():
    model = bt.Sequential(bt.Dense(1, 1), bt.Sigmoid())
    model[0].params["W"][...] = 1000.0
    loss = bt.BinaryCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss.forward(model.forward(np.array([[1.0]])), np.array([[0.0]]))
        model.backward(loss.backward())
    assert _finite(value, *model.grads.values())
