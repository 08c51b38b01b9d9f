"""Every layer's backward against central differences, over many shapes."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backprop_tour as bt
from backprop_tour.gradcheck import TOLERANCE, check_layer
from backprop_tour.reference import (
    conv2d_backward_loops,
    conv2d_forward_loops,
    maxpool2d_backward_loops,
    maxpool2d_forward_loops,
)
from conftest import away_from_zero, distinct_values


def assert_grads_ok(report):
    assert len(report) >= 1
    for r in report:
        assert r.rel_error < TOLERANCE, str(r)


@st.composite
def conv_case(draw):
    n = draw(st.integers(1, 3))
    c = draw(st.integers(1, 3))
    f = draw(st.integers(1, 3))
    kh = draw(st.integers(1, 5))
    kw = draw(st.integers(1, 5))
    stride = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), 9))
    w = draw(st.integers(max(1, kw - 2 * padding), 9))
    seed = draw(st.integers(0, 2**31))
    return n, c, f, (kh, kw), stride, padding, h, w, seed


@settings(max_examples=100)
@given(conv_case())
def test_conv2d_backward_matches_central_differences(case):
    n, c, f, k, stride, padding, h, w, seed = case
    rng = np.random.default_rng(seed)
    layer = bt.Conv2D(c, f, k, stride=stride, padding=padding, rng=rng)
    layer.params["b"][...] = rng.standard_normal(f)
    x = rng.standard_normal((n, c, h, w))
    report = check_layer(layer, x, rng=rng)
    assert [r.name for r in report] == ["x", "W", "b"]
    assert_grads_ok(report)


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_grid_of_kernels_strides_paddings(kernel, stride, padding):
    """Every combination the book mentions, on a batch-1, non-square, 2-channel image."""
    rng = np.random.default_rng(100 * kernel + 10 * stride + padding)
    layer = bt.Conv2D(2, 3, kernel, stride=stride, padding=padding, rng=rng)
    layer.params["b"][...] = rng.standard_normal(3)
    assert_grads_ok(check_layer(layer, rng.standard_normal((1, 2, 7, 6)), rng=rng))


@pytest.mark.parametrize(
    "shape, stride, padding",
    [((1, 1, 28, 28), 1, 0), ((2, 3, 7, 5), 2, 1), ((1, 2, 6, 9), 3, 2), ((3, 1, 5, 5), 1, 2)],
)
def test_conv2d_fast_equals_loops(rng, shape, stride, padding):
    layer = bt.Conv2D(shape[1], 4, (3, 5), stride=stride, padding=padding, rng=rng)
    layer.params["b"][...] = rng.standard_normal(4)
    x = rng.standard_normal(shape)
    out = layer.forward(x)
    expected = conv2d_forward_loops(x, layer.params["W"], layer.params["b"], stride, padding)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    dx_l, dw_l, db_l = conv2d_backward_loops(x, layer.params["W"], dout, stride, padding)
    np.testing.assert_allclose(dx, dx_l, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dw_l, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db_l, rtol=1e-12, atol=1e-12)


def test_conv2d_many_channels(rng):
    layer = bt.Conv2D(5, 6, 3, padding=1, rng=rng)
    x = rng.standard_normal((2, 5, 6, 7))
    out = layer.forward(x)
    np.testing.assert_allclose(
        out, conv2d_forward_loops(x, layer.params["W"], layer.params["b"], 1, 1), atol=1e-12
    )
    assert_grads_ok(check_layer(layer, x, rng=rng))


def test_conv2d_skips_input_gradient_on_request(rng, monkeypatch):
    layer = bt.Conv2D(1, 2, 5, rng=rng)
    x = rng.standard_normal((3, 1, 12, 12))
    dout = rng.standard_normal(layer.forward(x).shape)
    layer.backward(dout)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    layer.grads.clear()

    def no_full_convolution(*args):
        raise AssertionError("backward_params computed the input gradient")

    monkeypatch.setattr("backprop_tour.layers.full_convolve", no_full_convolution)
    assert layer.backward_params(dout) is None
    assert set(layer.grads) == {"W", "b"}
    for k in grads:
        np.testing.assert_array_equal(layer.grads[k], grads[k], err_msg=k)


@pytest.mark.parametrize("need_dx", [True, False])
def test_sequential_skips_only_the_first_layers_input_gradient(rng, need_dx):
    model = bt.simple_cnn(rng=rng)
    x = rng.standard_normal((2, 1, 28, 28))
    out = model.forward(x)
    calls = []
    for i, layer in enumerate(model.layers):
        real = layer.backward
        layer.backward = lambda d, i=i, real=real: calls.append(i) or real(d)
    dx = model.backward(np.ones_like(out), need_dx=need_dx)
    assert (dx is None) == (not need_dx)
    assert calls == [6, 5, 4, 3, 2, 1] + ([0] if need_dx else [])
    assert set(model.grads) == {"0.W", "0.b", "4.W", "4.b", "6.W", "6.b"}


@given(
    n=st.integers(1, 3),
    fin=st.integers(1, 12),
    fout=st.integers(1, 12),
    seed=st.integers(0, 2**31),
)
def test_dense_backward_matches_central_differences(n, fin, fout, seed):
    rng = np.random.default_rng(seed)
    layer = bt.Dense(fin, fout, rng=rng)
    layer.params["b"][...] = rng.standard_normal(fout)
    assert_grads_ok(check_layer(layer, rng.standard_normal((n, fin)), rng=rng))


def test_dense_computes_x_times_w_transpose_plus_b(rng):
    layer = bt.Dense(288, 60, rng=rng)
    assert layer.params["W"].shape == (60, 288)  # the source's W1 is 60 x 288
    x = rng.standard_normal((4, 288))
    expected = np.array(
        [[layer.params["W"][k] @ x[i] + layer.params["b"][k] for k in range(60)] for i in range(4)]
    )
    np.testing.assert_allclose(layer.forward(x), expected, atol=1e-12)


@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    size=st.sampled_from([1, 2, 3, 5]),
    stride=st.sampled_from([None, 1, 2, 3]),
    seed=st.integers(0, 2**31),
)
def test_maxpool_backward_matches_central_differences(n, c, h, w, size, stride, seed):
    assume(size <= min(h, w))  # larger windows: covered by the error tests
    rng = np.random.default_rng(seed)
    layer = bt.MaxPool2D(size, stride)
    assert_grads_ok(check_layer(layer, distinct_values(rng, (n, c, h, w)), rng=rng))


def test_maxpool_routes_to_the_argmax_only():
    x = np.array([[[[1.0, 3.0, 0.0], [2.0, -1.0, 5.0], [0.5, 4.0, 1.0]]]])
    layer = bt.MaxPool2D(2, stride=1)
    out = layer.forward(x)
    np.testing.assert_array_equal(out, [[[[3.0, 5.0], [4.0, 5.0]]]])
    dx = layer.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    # 5.0 wins two overlapping windows, so it receives 20 + 40
    np.testing.assert_array_equal(dx, [[[[0.0, 10.0, 0.0], [0.0, 0.0, 60.0], [0.0, 30.0, 0.0]]]])


@pytest.mark.parametrize(
    "shape, size, stride",
    [
        ((3, 2, 24, 24), 2, 2),  # the book's CNN: windows tile the input
        ((2, 1, 7, 9), 2, 2),  # a row and a column that no window reaches
        ((2, 2, 6, 6), 3, 1),  # overlapping windows
        ((1, 3, 9, 8), 3, 2),  # overlapping, untiled
        ((2, 1, 5, 5), 2, 3),  # gaps between windows
    ],
)
def test_maxpool_equals_loops_with_ties(rng, shape, size, stride):
    """Values in {0, 1, 2}: most windows tie, and the first maximum (row-major) must win,
    as in the loop reference; the fast path uses it whether windows overlap or not."""
    x = rng.integers(0, 3, shape).astype(float)
    layer = bt.MaxPool2D(size, stride)
    out = layer.forward(x)
    np.testing.assert_array_equal(out, maxpool2d_forward_loops(x, size, stride))
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(
        layer.backward(dout), maxpool2d_backward_loops(x, dout, size, stride), atol=1e-15
    )


@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), seed=st.integers(0, 2**31))
def test_relu_sigmoid_flatten_backward(shape, seed):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.standard_normal(shape))
    assert_grads_ok(check_layer(bt.ReLU(), x, rng=rng))
    assert_grads_ok(check_layer(bt.Sigmoid(), 3 * x, rng=rng))
    if len(shape) >= 2:
        assert_grads_ok(check_layer(bt.Flatten(), x, rng=rng))


def test_params_are_the_layers_own_arrays(rng):
    layer = bt.Dense(3, 2, rng=rng)
    layer.params["W"][...] = 0.0
    layer.params["b"][...] = [1.0, 2.0]
    np.testing.assert_array_equal(layer.forward(np.ones((1, 3))), [[1.0, 2.0]])


def test_backward_does_not_update_weights(rng):
    for layer, x in [
        (bt.Dense(4, 3, rng=rng), rng.standard_normal((2, 4))),
        (bt.Conv2D(1, 2, 3, rng=rng), rng.standard_normal((2, 1, 5, 5))),
    ]:
        before = {k: v.copy() for k, v in layer.params.items()}
        out = layer.forward(x)
        layer.backward(np.ones_like(out))
        assert set(layer.grads) == set(layer.params)
        for k in before:
            np.testing.assert_array_equal(before[k], layer.params[k])
            assert layer.grads[k].shape == layer.params[k].shape
