"""The single-channel primitives and the identities chapter 5 teaches, against loops."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backprop_tour as bt
from backprop_tour import conv
from backprop_tour.gradcheck import rel_error


@st.composite
def image_and_kernel(draw, valid=True):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    lo_h, lo_w = (kh, kw) if valid else (1, 1)
    h, w = draw(st.integers(lo_h, 7)), draw(st.integers(lo_w, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    return rng.standard_normal((h, w)), rng.standard_normal((kh, kw))


@given(image_and_kernel(valid=True), st.sampled_from(["valid", "full"]))
def test_fast_primitives_equal_loops(xk, mode):
    x, k = xk
    np.testing.assert_allclose(
        conv.correlate2d(x, k, mode), conv.correlate2d_loops(x, k, mode), atol=1e-12
    )
    np.testing.assert_allclose(
        conv.convolve2d(x, k, mode), conv.convolve2d_loops(x, k, mode), atol=1e-12
    )


def test_correlation_by_hand():
    x = np.arange(9.0).reshape(3, 3)
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    # out[i, j] = x[i, j] - x[i+1, j+1] = -4 everywhere
    np.testing.assert_array_equal(conv.correlate2d_loops(x, k), -4 * np.ones((2, 2)))
    # convolution flips the kernel: x[i+1, j+1] - x[i, j] = +4
    np.testing.assert_array_equal(conv.convolve2d_loops(x, k), 4 * np.ones((2, 2)))
    assert conv.correlate2d(x, k, "full").shape == (4, 4)


def test_rot180_and_dilate():
    k = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(conv.rot180(k), [[4.0, 3.0], [2.0, 1.0]])
    np.testing.assert_array_equal(conv.rot180(conv.rot180(k)), k)
    np.testing.assert_array_equal(
        conv.dilate(k, 2), [[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [3.0, 0.0, 4.0]]
    )
    np.testing.assert_array_equal(conv.dilate(k, 1), k)


def _single_channel_layer(w, stride=1, padding=0):
    layer = bt.Conv2D(1, 1, w.shape, stride=stride, padding=padding)
    layer.params["W"][0, 0] = w
    layer.params["b"][...] = 0.0
    return layer


@given(image_and_kernel(valid=True), st.integers(0, 2**31))
def test_dw_is_valid_correlation_of_input_with_dout(xk, seed):
    x, w = xk
    dy = np.random.default_rng(seed).standard_normal(
        (x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1)
    )
    layer = _single_channel_layer(w)
    layer.forward(x[None, None])
    dx = layer.backward(dy[None, None])
    # dJ/dW = X (valid cross-correlation) dJ/dZ, each checked against the loop versions
    np.testing.assert_allclose(layer.grads["W"][0, 0], conv.correlate2d_loops(x, dy), atol=1e-12)
    # dJ/dX = full convolution of dJ/dZ with W = full correlation with rot180(W)
    np.testing.assert_allclose(dx[0, 0], conv.convolve2d_loops(dy, w, "full"), atol=1e-12)
    np.testing.assert_allclose(
        dx[0, 0], conv.correlate2d_loops(dy, conv.rot180(w), "full"), atol=1e-12
    )


def test_literal_reading_of_source_002_gives_rotated_dx():
    """Source 002 puts rot180(W) as the input and dL/dY as the sliding filter; with
    cross-correlation that is rot180 of the right dL/dX (chapter 5's erratum)."""
    rng = np.random.default_rng(3)
    x, w, dy = rng.standard_normal((3, 3)), rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    layer = _single_channel_layer(w)
    layer.forward(x[None, None])
    dx = layer.backward(dy[None, None])[0, 0]
    literal = conv.correlate2d_loops(conv.rot180(w), dy, "full")
    assert rel_error(literal, dx) > 0.1
    np.testing.assert_allclose(conv.rot180(literal), dx, atol=1e-12)


@pytest.mark.parametrize("stride", [2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_stride_dilates_dout(stride, padding):
    rng = np.random.default_rng(stride * 10 + padding)
    x, w = rng.standard_normal((8, 7)), rng.standard_normal((3, 2))
    layer = _single_channel_layer(w, stride, padding)
    out = layer.forward(x[None, None])
    dy = rng.standard_normal(out.shape)
    dx = layer.backward(dy)[0, 0]
    dyd = conv.dilate(dy[0, 0], stride)
    xp = conv.pad2d(x, padding)
    # dW: the padded input cross-correlated with the dilated dY (rows/cols it never reached
    # are simply not covered)
    hw = (xp.shape[0] - dyd.shape[0] + 1, xp.shape[1] - dyd.shape[1] + 1)
    dw = conv.correlate2d_loops(xp, dyd)[: hw[0], : hw[1]][: w.shape[0], : w.shape[1]]
    np.testing.assert_allclose(layer.grads["W"][0, 0], dw, atol=1e-12)
    # dX: full convolution of the dilated dY with W, zero-extended to the padded input size
    # (the last rows a stride skipped get no gradient), then the padding cropped off
    full = conv.convolve2d_loops(dyd, w, "full")
    dxp = np.zeros_like(xp)
    dxp[: full.shape[0], : full.shape[1]] = full
    crop = dxp[padding : xp.shape[0] - padding, padding : xp.shape[1] - padding]
    np.testing.assert_allclose(dx, crop, atol=1e-12)


@pytest.mark.parametrize(
    "fn", [conv.correlate2d, conv.correlate2d_loops, conv.convolve2d, conv.convolve2d_loops]
)
def test_primitive_errors_are_clear(fn):
    with pytest.raises(ValueError, match=r"kernel must fit inside the input"):
        fn(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"expected x with 2 dimensions \(H, W\), got 3"):
        fn(np.ones((1, 3, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="mode"):
        fn(np.ones((3, 3)), np.ones((2, 2)), "same")
