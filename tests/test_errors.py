"""Bad input gets a ValueError that names the layer, what it expected and what it got."""

import numpy as np
import pytest

import backprop_tour as bt


@pytest.fixture
def conv():
    return bt.Conv2D(1, 2, 5, rng=np.random.default_rng(0))


def test_wrong_ndim(conv):
    with pytest.raises(
        ValueError,
        match=r"Conv2D\(1, 2, kernel_size=5.*expected x with 4 "
        r"dimensions \(N, C, H, W\), got 3 dimensions with shape \(1, 28, 28\)",
    ):
        conv.forward(np.zeros((1, 28, 28)))
    with pytest.raises(
        ValueError,
        match=r"Dense\(288, 60\): expected x with 2 dimensions "
        r"\(N, in_features\), got 4 .*\(a Flatten missing\?\)$",
    ):
        bt.Dense(288, 60).forward(np.zeros((1, 2, 12, 12)))
    with pytest.raises(ValueError, match=r"MaxPool2D\(size=2, stride=2\): expected x with 4"):
        bt.MaxPool2D(2).forward(np.zeros((2, 24, 24)))


def test_missing_image_axes_name_the_fix(conv):
    """The most common slip with digits: the channel (or batch) axis left out."""
    with pytest.raises(ValueError, match=r"\(a batch of one-channel images\? add the channel "
                       r"axis: x\[:, None\]\)$"):  # fmt: skip
        conv.forward(np.zeros((4, 28, 28)))
    with pytest.raises(ValueError, match=r"\(one image\? add the batch and channel axes: "
                       r"x\[None, None\]\)$"):  # fmt: skip
        bt.MaxPool2D(2).forward(np.zeros((24, 24)))
    # the suggested fix is accepted
    assert conv.forward(np.zeros((4, 28, 28))[:, None]).shape == (4, 2, 24, 24)
    # no channel hint where a missing channel axis cannot be the reason
    with pytest.raises(ValueError, match=r"got 3 dimensions with shape \(4, 28, 28\)$"):
        bt.Conv2D(3, 2, 5).forward(np.zeros((4, 28, 28)))
    with pytest.raises(ValueError, match=r"got 5 dimensions with shape \(1, 1, 1, 28, 28\)$"):
        conv.forward(np.zeros((1, 1, 1, 28, 28)))


def test_wrong_feature_or_channel_count(conv):
    with pytest.raises(
        ValueError,
        match=r"expected x of shape \(N, 1, H, W\) \(1 input channel\(s\)\), "
        r"got \(2, 3, 28, 28\)",
    ):
        conv.forward(np.zeros((2, 3, 28, 28)))
    with pytest.raises(
        ValueError, match=r"Dense\(288, 60\): expected x of shape \(N, 288\), got \(4, 290\)"
    ):
        bt.Dense(288, 60).forward(np.zeros((4, 290)))


def test_layout_slips_name_the_fix(conv):
    """Samples as columns (source 003's layout) and channels-last images (Keras's)."""
    with pytest.raises(ValueError, match=r"got \(288, 32\) \(samples as columns\? pass x\.T, "
                       r"one sample per row\)$"):  # fmt: skip
        bt.Dense(288, 60).forward(np.zeros((288, 32)))
    assert bt.Dense(288, 60).forward(np.zeros((288, 32)).T).shape == (32, 60)
    with pytest.raises(ValueError, match=r"got \(4, 28, 28, 1\) \(channels last\? "
                       r"pass x\.transpose\(0, 3, 1, 2\)\)$"):  # fmt: skip
        conv.forward(np.zeros((4, 28, 28, 1)))
    assert conv.forward(np.zeros((4, 28, 28, 1)).transpose(0, 3, 1, 2)).shape == (4, 2, 24, 24)
    with pytest.raises(ValueError, match=r"got \(2, 3, 28, 28\)$"):  # no hint: just wrong
        conv.forward(np.zeros((2, 3, 28, 28)))


def test_kernel_larger_than_padded_input(conv):
    with pytest.raises(
        ValueError,
        match=r"kernel 5x5 is larger than the padded input 4x6 "
        r"\(input 4x6, padding 0\)",
    ):
        conv.forward(np.zeros((1, 1, 4, 6)))
    # padding makes room: 3 + 2*1 = 5 fits
    assert bt.Conv2D(1, 1, 5, padding=1).forward(np.zeros((1, 1, 3, 3))).shape == (1, 1, 1, 1)
    with pytest.raises(ValueError, match=r"window 3x3 is larger than the input 2x5"):
        bt.MaxPool2D(3).forward(np.zeros((1, 1, 2, 5)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"stride": 0}, r"Conv2D: expected stride to be an integer >= 1, got 0"),
        ({"stride": 1.5}, r"expected stride to be an integer >= 1, got 1.5"),
        ({"padding": -1}, r"expected padding to be an integer >= 0, got -1"),
    ],
)
def test_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bt.Conv2D(1, 2, 3, **kwargs)


def test_bad_pool_and_dense_hyperparameters():
    with pytest.raises(
        ValueError, match=r"MaxPool2D: expected stride to be an integer >= 1, got 0"
    ):
        bt.MaxPool2D(2, stride=0)
    with pytest.raises(
        ValueError, match=r"Dense: expected in_features to be an integer >= 1, got 0"
    ):
        bt.Dense(0, 3)


def test_labels_out_of_range_or_wrong_length():
    loss = bt.SoftmaxCrossEntropy()
    logits = np.zeros((3, 10))
    with pytest.raises(ValueError, match=r"expected labels in \[0, 10\) for 10 classes, got 10"):
        loss.forward(logits, np.array([0, 10, 2]))
    with pytest.raises(ValueError, match=r"expected labels in \[0, 10\) for 10 classes, got -1"):
        loss.forward(logits, np.array([0, -1, 2]))
    with pytest.raises(ValueError, match=r"expected labels of shape \(3,\) .* got shape \(2,\)"):
        loss.forward(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"expected labels of shape \(3,\) .* got shape \(3, 10\)"):
        loss.forward(logits, np.eye(10)[[0, 1, 2]])  # one-hot instead of integers
    with pytest.raises(ValueError, match=r"\(one-hot rows\? pass the class indices, "
                       r"labels\.argmax\(axis=1\)\)$"):  # fmt: skip
        loss.forward(logits, np.eye(10)[[0, 1, 2]])
    assert np.isfinite(loss.forward(logits, np.eye(10)[[0, 1, 2]].argmax(axis=1)))
    with pytest.raises(ValueError, match=r"got shape \(2,\)$"):  # no one-hot hint here
        loss.forward(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match="integer class labels"):
        loss.forward(logits, np.array([0.5, 1.0, 2.0]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_reaching_a_loss(bad):
    logits = np.zeros((2, 3))
    logits[1, 2] = bad
    with pytest.raises(
        ValueError,
        match=r"SoftmaxCrossEntropy: expected finite values in logits, "
        r"got .* at index \(1, 2\)",
    ):
        bt.SoftmaxCrossEntropy().forward(logits, np.array([0, 1]))
    pred = np.full((2, 2), 0.5)
    pred[0, 1] = bad
    for loss in (bt.MSE(), bt.BinaryCrossEntropy()):
        with pytest.raises(ValueError, match=rf"{loss.name}: expected finite values in pred"):
            loss.forward(pred, np.zeros((2, 2)))


def test_probabilities_outside_unit_interval():
    with pytest.raises(
        ValueError,
        match=r"BinaryCrossEntropy: expected pred \(probabilities\) in "
        r"\[0, 1\], got values in \[-0.1, 0.5\] \(pass probabilities, not logits\)",
    ):
        bt.BinaryCrossEntropy().forward(np.array([-0.1, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"expected target in \[0, 1\]"):
        bt.BinaryCrossEntropy().forward(np.array([0.1, 0.5]), np.array([0.0, 2.0]))


def test_target_shape_never_broadcasts():
    with pytest.raises(
        ValueError,
        match=r"MSE: expected target of the same shape as pred \(4, 1\), "
        r"got \(4,\)",
    ):
        bt.MSE().forward(np.zeros((4, 1)), np.zeros(4))


def test_dout_shape_must_match(conv):
    out = conv.forward(np.zeros((2, 1, 28, 28)))
    with pytest.raises(
        ValueError,
        match=r"Conv2D\(1, 2, kernel_size=5, stride=1, padding=0\)\.backward: "
        r"expected dout of shape \(2, 2, 24, 24\) \(the shape forward "
        r"returned\), got \(2, 2, 24\)",
    ):
        conv.backward(np.zeros(out.shape[:-1]))
    relu = bt.ReLU()
    relu.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"ReLU\(\)\.backward: expected dout of shape \(3, 4\)"):
        relu.backward(np.zeros((1, 4)))  # would broadcast silently without the check


@pytest.mark.parametrize(
    "layer",
    [bt.Dense(2, 2), bt.Conv2D(1, 1, 2), bt.MaxPool2D(2), bt.ReLU(), bt.Sigmoid(), bt.Flatten()],
)
def test_backward_before_forward(layer):
    with pytest.raises(ValueError, match=r"backward was called before forward"):
        layer.backward(np.zeros((1, 2)))


def test_loss_backward_before_forward():
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy.backward was called before forward"):
        bt.SoftmaxCrossEntropy().backward()


def test_non_numeric_input():
    with pytest.raises(ValueError, match=r"expected x to be a numeric array, got dtype <U1"):
        bt.ReLU().forward(np.array(["a", "b"]))


def test_loss_value_or_uncalled_backward_as_dout():
    """Two slips in a first training loop, each named: the loss's value passed where its
    gradient belongs, and ``loss.backward`` passed without being called."""
    model = bt.Sequential(bt.Dense(3, 2))
    loss = bt.SoftmaxCrossEntropy()
    value = loss.forward(model.forward(np.ones((4, 3))), np.array([0, 1, 1, 0]))
    with pytest.raises(
        ValueError,
        match=r"Dense\(3, 2\)\.backward: expected dout of shape \(4, 2\) \(the shape "
        r"forward returned\), got \(\) \(one number: pass the loss's gradient, "
        r"loss\.backward\(\), not its value\)$",
    ):
        model.backward(value)
    with pytest.raises(
        ValueError,
        match=r"Dense\(3, 2\): expected dout to be a numeric array, got the function "
        r"<bound method SoftmaxCrossEntropy\.backward .*\(call it: add the parentheses\)$",
    ):
        model.backward(loss.backward)
    assert model.backward(loss.backward()).shape == (4, 3)  # the fix works
    with pytest.raises(ValueError, match=r"got \(4,\)$"):  # a wrong shape gets no hint
        model.backward(np.zeros(4))


def test_optimizer_and_fit_arguments():
    model = bt.Sequential(bt.Dense(2, 2))
    with pytest.raises(ValueError, match=r"SGD: expected a learning rate lr > 0, got -0.1"):
        bt.SGD(model, lr=-0.1)
    with pytest.raises(ValueError, match=r"SGD.step: no gradient for \['0.W', '0.b'\]"):
        bt.SGD(model, lr=0.1).step()
    with pytest.raises(
        ValueError, match=r"fit: expected one label per sample, got 3 samples and 2 labels"
    ):
        bt.fit(
            model,
            bt.SoftmaxCrossEntropy(),
            bt.SGD(model),
            np.zeros((3, 2)),
            np.zeros(2, int),
            epochs=1,
        )
    with pytest.raises(ValueError, match=r"Sequential: expected layers .* got 3 at position 1"):
        bt.Sequential(bt.ReLU(), 3)


def test_a_subclass_is_named_as_itself_in_messages():
    class DenseTransposed(bt.Dense):
        pass

    layer = DenseTransposed(3, 2)
    assert repr(layer) == "DenseTransposed(3, 2)"
    with pytest.raises(ValueError, match=r"DenseTransposed\(3, 2\): expected x of shape"):
        layer.forward(np.zeros((4, 5)))
