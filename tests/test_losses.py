"""Losses: values against hand computations, gradients against central differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backprop_tour as bt
from backprop_tour.gradcheck import TOLERANCE, check_loss


def test_softmax_cross_entropy_value_by_hand():
    logits = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
    labels = np.array([0, 2])
    p0 = np.exp(2.0) / (np.exp(2.0) + np.exp(1.0) + np.exp(0.1))
    expected = (-np.log(p0) - np.log(1 / 3)) / 2
    loss = bt.SoftmaxCrossEntropy()
    assert loss.forward(logits, labels) == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(loss.probs.sum(axis=1), 1.0)


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_n():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    loss = bt.SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss.backward(), (p - np.eye(4)[labels]) / 5, atol=1e-15)


@given(n=st.integers(1, 6), k=st.integers(2, 10), seed=st.integers(0, 2**31))
def test_softmax_cross_entropy_gradcheck(n, k, seed):
    rng = np.random.default_rng(seed)
    report = check_loss(
        bt.SoftmaxCrossEntropy(), 3 * rng.standard_normal((n, k)), rng.integers(0, k, n)
    )
    assert report.max_error < TOLERANCE, str(report)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 2**31))
def test_binary_cross_entropy_gradcheck(shape, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.95, shape)
    y = rng.uniform(0, 1, shape)  # soft targets are allowed
    report = check_loss(bt.BinaryCrossEntropy(), p, y)
    assert report.max_error < TOLERANCE, str(report)


def test_binary_cross_entropy_value_by_hand():
    loss = bt.BinaryCrossEntropy()
    value = loss.forward(np.array([0.9, 0.2]), np.array([1.0, 0.0]))
    assert value == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-14)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), seed=st.integers(0, 2**31))
def test_mse_gradcheck(shape, seed):
    rng = np.random.default_rng(seed)
    report = check_loss(bt.MSE(), rng.standard_normal(shape), rng.standard_normal(shape))
    assert report.max_error < TOLERANCE, str(report)


def test_mse_is_mean_over_all_elements_and_relates_to_half_sum():
    pred, target = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[0.0, 2.0], [1.0, 1.0]])
    loss = bt.MSE()
    assert loss.forward(pred, target) == pytest.approx((1 + 0 + 4 + 16) / 4)
    # the two-layer source's C = 1/2 sum (a - y)^2 has gradient a - y: ours times size/2
    np.testing.assert_allclose(loss.backward() * pred.size / 2, pred - target)
