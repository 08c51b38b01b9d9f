"""The three networks of the source documents, end to end, gradient-checked."""

import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour.activations import sigmoid
from backprop_tour.gradcheck import TOLERANCE, check_model


def test_chain_of_one_neuron_sigmoid_layers_with_bce():
    """Source 001: x -> z1 = w1 x -> a1 = s(z1) -> z2 = w2 a1 -> y_hat = s(z2) -> J (BCE)."""
    w1, w2, x, y = 0.7, -1.3, 1.5, 1.0
    model = bt.Sequential(bt.Dense(1, 1), bt.Sigmoid(), bt.Dense(1, 1), bt.Sigmoid())
    model[0].params["W"][...] = w1
    model[2].params["W"][...] = w2
    for layer in (model[0], model[2]):
        layer.params["b"][...] = 0.0
    loss = bt.BinaryCrossEntropy()
    loss.forward(model.forward(np.array([[x]])), np.array([[y]]))
    model.backward(loss.backward())
    # the chain rule written out by hand, with the corrected signs
    a1 = sigmoid(w1 * x)
    y_hat = sigmoid(w2 * a1)
    dj_dyhat = -y / y_hat + (1 - y) / (1 - y_hat)
    dj_dw2 = dj_dyhat * y_hat * (1 - y_hat) * a1
    dj_dw1 = dj_dyhat * y_hat * (1 - y_hat) * w2 * a1 * (1 - a1) * x
    assert model.grads["2.W"][0, 0] == pytest.approx(dj_dw2, rel=1e-12)
    assert model.grads["0.W"][0, 0] == pytest.approx(dj_dw1, rel=1e-12)
    report = check_model(model, loss, np.array([[x], [-0.4]]), np.array([[1.0], [0.0]]))
    assert report.max_error < TOLERANCE, str(report)


def test_two_layer_sigmoid_network_equations_a_and_b():
    """Source 004: quadratic cost, sigmoid layers; equations (A) and (B) in delta form."""
    rng = np.random.default_rng(4)
    model = bt.Sequential(
        bt.Dense(3, 4, rng=rng), bt.Sigmoid(), bt.Dense(4, 2, rng=rng), bt.Sigmoid()
    )
    for layer in (model[0], model[2]):
        layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)
    a0, y = rng.standard_normal((1, 3)), rng.uniform(0, 1, (1, 2))
    loss = bt.MSE()
    loss.forward(model.forward(a0), y)
    model.backward(loss.backward())
    # by hand, one sample, C = 1/2 ||y - a2||^2  (= MSE * size / 2)
    w1, b1, w2, b2 = (
        model[0].params["W"],
        model[0].params["b"],
        model[2].params["W"],
        model[2].params["b"],
    )
    a1 = sigmoid(a0[0] @ w1.T + b1)
    a2 = sigmoid(a1 @ w2.T + b2)
    delta2 = (a2 - y[0]) * a2 * (1 - a2)  # (A): dC/dz2
    delta1 = (w2.T @ delta2) * a1 * (1 - a1)  # (B): dC/dz1
    scale = 2 / y.size  # MSE mean vs the source's 1/2 sum
    np.testing.assert_allclose(model.grads["2.W"], scale * np.outer(delta2, a1), rtol=1e-12)
    np.testing.assert_allclose(model.grads["0.W"], scale * np.outer(delta1, a0[0]), rtol=1e-12)
    report = check_model(
        model, loss, rng.standard_normal((5, 3)), rng.uniform(0, 1, (5, 2)), check_input=True
    )
    assert report.max_error < TOLERANCE, str(report)


def test_source_cnn_shapes_and_gradients():
    rng = np.random.default_rng(7)
    model = bt.simple_cnn(rng)
    x = rng.uniform(0, 1, (2, 1, 28, 28))
    shapes = []
    out = x
    for layer in model.layers:
        out = layer.forward(out)
        shapes.append(out.shape)
    assert shapes == [
        (2, 2, 24, 24),
        (2, 2, 24, 24),
        (2, 2, 12, 12),
        (2, 288),
        (2, 60),
        (2, 60),
        (2, 10),
    ]
    report = check_model(model, bt.SoftmaxCrossEntropy(), x, np.array([3, 8]))
    assert [r.name for r in report] == ["0.W", "0.b", "4.W", "4.b", "6.W", "6.b"]
    assert report.max_error < TOLERANCE, str(report)


def test_source_cnn_fully_connected_deltas_in_source_layout():
    """Source 003's column-layout formulas, transposed into ours (the sum-over-batch form
    divided by N, because our loss is a mean)."""
    rng = np.random.default_rng(8)
    model = bt.simple_cnn(rng)
    x, y = rng.uniform(0, 1, (4, 1, 28, 28)), np.array([1, 2, 3, 4])
    loss = bt.SoftmaxCrossEntropy()
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    flat = model[3].forward(model[2].forward(model[1].forward(model[0].forward(x)))).T  # (288, N)
    w1, b0, w2 = model[4].params["W"], model[4].params["b"], model[6].params["W"]
    z1 = w1 @ flat + b0[:, None]
    fc1 = np.maximum(z1, 0)
    delta_2 = (loss.probs.T - np.eye(10)[y].T) / len(y)  # (10, N)
    delta_1 = (w2.T @ delta_2) * (z1 > 0)  # (60, N)
    np.testing.assert_allclose(model.grads["6.W"], delta_2 @ fc1.T, atol=1e-14)
    np.testing.assert_allclose(model.grads["6.b"], delta_2.sum(axis=1), atol=1e-14)
    np.testing.assert_allclose(model.grads["4.W"], delta_1 @ flat.T, atol=1e-14)
    np.testing.assert_allclose(model.grads["4.b"], delta_1.sum(axis=1), atol=1e-14)
