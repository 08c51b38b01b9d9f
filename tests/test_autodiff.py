"""The autodiff engine: every operation's VJP against central differences on random shapes
(broadcasting included), fan-out accumulation, the graph's order, its errors, and the
engine's gradients against the hand-written layers on the book's three seed networks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import backprop_tour as bt
from backprop_tour import autodiff as ad
from backprop_tour.gradcheck import ROUNDING, TOLERANCE, agree, numerical_gradient
from conftest import away_from_zero, distinct_values

seeds = st.integers(0, 2**16)
shapes = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


def assert_vjps_match_central_differences(f, *arrays, seed=0):
    """Run ``f`` on tensors of ``arrays``, backward with a random seed gradient, and compare
    every input's gradient with central differences of ``sum(f(...) * seed)``."""
    tensors = [ad.Tensor(a, name=f"in{i}") for i, a in enumerate(arrays)]
    out = f(*tensors)
    g = np.random.default_rng(seed).normal(size=out.shape)
    out.backward(g)
    for t in tensors:
        numeric = numerical_gradient(lambda: float(np.sum(f(*tensors).data * g)), t.data)
        assert t.grad is not None and t.grad.shape == t.shape
        verdict = agree(t.grad, numeric, TOLERANCE)
        assert verdict, f"{t.name}: {verdict}"


def normal(seed, shape, positive=False):
    a = np.random.default_rng(seed).normal(size=shape)
    return np.abs(a) + 0.5 if positive else away_from_zero(a, 0.1)


# -- every operation's VJP against central differences ----------------------------------
@pytest.mark.parametrize(
    "op",
    [ad.add, ad.sub, ad.mul, ad.div, lambda a, b: a + b, lambda a, b: a / b],
    ids=["add", "sub", "mul", "div", "+", "/"],
)
@given(pair=pairs, seed=seeds)
def test_binary_ops_broadcast_and_their_vjps_sum_over_the_broadcast_axes(op, pair, seed):
    a_shape, b_shape = pair.input_shapes
    a, b = normal(seed, a_shape), normal(seed + 1, b_shape, positive=True)
    assert_vjps_match_central_differences(op, a, b, seed=seed)


@pytest.mark.parametrize(
    "op",
    [
        lambda a: -a,
        lambda a: a**2,
        lambda a: a**3,
        lambda a: (a * a + 1.0) ** 0.5,
        lambda a: 1.0 / (a * a + 1.0),
        lambda a: 2 * a - 3,
        lambda a: 10.0 - a / 4,
        lambda a: a.exp(),
        lambda a: (a * a + 0.1).log(),
        lambda a: a.relu(),
        lambda a: a.sigmoid(),
        lambda a: a.sum(),
        lambda a: a.sum(axis=0),
        lambda a: a.sum(axis=-1, keepdims=True),
        lambda a: a.mean(),
        lambda a: a.mean(axis=0),
        lambda a: a.reshape(-1),
        lambda a: a.T,
        lambda a: ad.log_softmax(a),
        lambda a: ad.log_softmax(a, axis=0),
        lambda a: a * a,
    ],
)
@given(shape=shapes, seed=seeds)
def test_unary_ops_vjps(op, shape, seed):
    assert_vjps_match_central_differences(op, normal(seed, shape), seed=seed)


@given(n=st.integers(1, 4), d=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_matmul_vjp(n, d, m, seed):
    assert_vjps_match_central_differences(
        ad.matmul, normal(seed, (n, d)), normal(seed + 1, (d, m)), seed=seed
    )


@given(shape=array_shapes(min_dims=3, max_dims=3, max_side=3), seed=seeds)
def test_transpose_with_axes_vjp(shape, seed):
    assert_vjps_match_central_differences(
        lambda a: a.transpose(2, 0, 1), normal(seed, shape), seed=seed
    )


@given(n=st.integers(1, 4), k=st.integers(2, 5), seed=seeds)
def test_softmax_cross_entropy_vjp(n, k, seed):
    labels = np.random.default_rng(seed).integers(0, k, n)
    assert_vjps_match_central_differences(
        lambda z: ad.softmax_cross_entropy(z, labels), normal(seed, (n, k)), seed=seed
    )


@given(
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
    channels=st.integers(1, 2),
    filters=st.integers(1, 2),
    seed=seeds,
)
def test_conv2d_vjp_is_the_layers_backward(stride, padding, channels, filters, seed):
    x = normal(seed, (2, channels, 5, 4))
    w = normal(seed + 1, (filters, channels, 3, 2))
    b = normal(seed + 2, (filters,))
    assert_vjps_match_central_differences(
        lambda x, w, b: ad.conv2d(x, w, b, stride, padding), x, w, b, seed=seed
    )


@given(size=st.integers(1, 3), stride=st.integers(1, 3), seed=seeds)
def test_maxpool2d_vjp(size, stride, seed):
    x = distinct_values(np.random.default_rng(seed), (2, 2, 5, 6))
    assert_vjps_match_central_differences(lambda x: ad.maxpool2d(x, size, stride), x, seed=seed)


def test_conv2d_on_constant_images_skips_their_gradient_and_keeps_the_weights():
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(2, 1, 6, 6)), rng.normal(size=(2, 1, 3, 3)), rng.normal(size=2)
    grads = []
    for images in (ad.Tensor(x), ad.Tensor(x, requires_grad=False)):
        wt, bt_ = ad.Tensor(w), ad.Tensor(b)
        ad.conv2d(images, wt, bt_, padding=1).sum().backward()
        grads.append((images.grad, wt.grad, bt_.grad))
    (dx, dw, db), (no_dx, dw2, db2) = grads
    assert dx is not None and no_dx is None
    np.testing.assert_array_equal(dw, dw2)
    np.testing.assert_array_equal(db, db2)


# -- broadcasting: the VJP sums over the broadcast axes ---------------------------------------
def test_broadcast_bias_gradient_is_the_batch_sum_and_keeps_the_bias_shape():
    rng = np.random.default_rng(0)
    x = ad.Tensor(rng.normal(size=(5, 3)))
    b = ad.Tensor(rng.normal(size=(3,)))
    c = ad.Tensor(rng.normal(size=(5, 1)))
    g = rng.normal(size=(5, 3))
    (x + b + c).backward(g)
    assert b.grad.shape == (3,) and c.grad.shape == (5, 1)
    np.testing.assert_array_equal(b.grad, g.sum(axis=0))
    np.testing.assert_array_equal(c.grad, g.sum(axis=1, keepdims=True))


def test_unbroadcast_sums_leading_axes_and_size_one_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ad.unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(ad.unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(ad.unbroadcast(g, ()), g.sum())
    assert ad.unbroadcast(g, (2, 3, 4)) is g


# -- the graph: fan-out sums, the order, the seeds ------------------------------------------
def test_a_value_used_twice_receives_the_sum_of_both_gradients():
    x = ad.Tensor([1.5, -2.0])
    y = x * x + 3 * x  # x fans out three times: dy/dx = 2x + 3
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 3)


def test_diamond_graph_adds_the_two_paths():
    a = ad.Tensor(0.3)
    h = a.sigmoid()
    out = h * 2.0 + h.exp()  # two paths from h
    out.backward()
    s = 1 / (1 + np.exp(-0.3))
    assert a.grad == pytest.approx((2.0 + np.exp(s)) * s * (1 - s), rel=1e-14)


def test_topological_order_puts_every_tensor_after_its_parents_and_root_last():
    x, w = ad.Tensor(np.ones((2, 3)), "x"), ad.Tensor(np.ones((3, 2)), "w")
    h = (x @ w).relu()
    out = (h * h + h).sum()
    order = ad.topological_order(out)
    position = {id(t): i for i, t in enumerate(order)}
    assert order[-1] is out and len(order) == len({id(t) for t in order})
    for t in order:
        assert all(position[id(p)] < position[id(t)] for p in t.parents)


def test_a_wrong_order_loses_a_fan_out_term():
    """h feeds out twice; walking h before out has added both terms loses one."""
    x = ad.Tensor(2.0)
    h = x * 3.0
    out = h * h + h  # dout/dh = 2h + 1 = 13, dout/dx = 39
    right = ad.topological_order(out)
    ad.run_backward(out, right, retain_graph=True)
    assert x.grad == 39.0
    x.grad = None
    square = out.parents[0]  # h * h
    wrong = [x, square, h, out]  # h * h walked after h: its term reaches h too late
    ad.run_backward(out, wrong, retain_graph=True)
    assert x.grad == 3.0  # only the "+ h" path arrived before h passed its gradient on


def test_a_deep_chain_needs_no_recursion():
    x = ad.Tensor(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_leaf_gradients_accumulate_and_retain_graph_allows_a_second_walk():
    x = ad.Tensor([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * (2 * x.data))


def test_constants_get_no_gradient():
    x = ad.Tensor([1.0, 2.0])
    c = ad.Tensor([5.0, 6.0], requires_grad=False)
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [5.0, 6.0])


def test_numbers_and_arrays_on_either_side():
    x = ad.Tensor([2.0, 4.0])
    for y in (2 * x, x * 2, 10.0 / x, x / 10.0, 1 - x, np.ones(2) + x, np.eye(2) @ x.reshape(2, 1)):
        assert isinstance(y, ad.Tensor)
    np.testing.assert_array_equal((10.0 / x).data, [5.0, 2.5])
    np.testing.assert_array_equal((np.array([1.0, 1.0]) - x).data, [-1.0, -3.0])


# -- errors that say what was expected -------------------------------------------------------
@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: ad.Tensor(np.ones((2, 3))) + ad.Tensor(np.ones(2)), ["(2, 3)", "(2,)"]),
        (lambda: ad.Tensor(np.ones((2, 3))) @ ad.Tensor(np.ones((2, 3))), ["(2, 3) @ (2, 3)"]),
        (lambda: ad.Tensor(np.ones(3)) @ ad.Tensor(np.ones(3)), ["2-D", "(3,)"]),
        (lambda: ad.Tensor(np.ones((2, 2))).backward(), ["(2, 2)", "seed"]),
        (lambda: ad.Tensor(np.ones(2)).backward(np.ones(3)), ["(2,)", "(3,)"]),
        (lambda: ad.Tensor([0.0, 1.0]).log(), ["positive", "0.0"]),
        (lambda: ad.Tensor([1 + 2j]), ["complex"]),
        (lambda: 1.0 / ad.Tensor([0.0, 1.0]), ["zero"]),
        (lambda: ad.Tensor(np.ones(6)).reshape(4, 2), ["(6,)", "(4, 2)"]),
        (lambda: ad.Tensor(2.0) ** ad.Tensor(2.0), ["constant"]),
        (lambda: ad.conv2d(np.ones((1, 1, 4, 4)), np.ones((3, 3)), np.ones(1)), ["(F, C, KH, KW)"]),
    ],
)
def test_bad_input_names_what_was_expected(make, words):
    with pytest.raises(ValueError) as info:
        make()
    for w in words:
        assert w in str(info.value), str(info.value)


def test_walking_a_freed_graph_twice_is_refused():
    x = ad.Tensor([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="freed"):
        y.backward()


def test_a_parameter_changed_after_use_is_refused():
    w = ad.Tensor([1.0, 2.0], "w")
    y = (w * w).sum()
    w.data -= 0.1 * np.ones(2)  # an update between forward and backward
    with pytest.raises(RuntimeError, match="changed"):
        y.backward()


# -- the engine against the hand-written layers, on the book's three seed networks --------
_OPS = {
    bt.Dense: lambda layer, p, h: h @ p["W"].T + p["b"],
    bt.ReLU: lambda layer, p, h: h.relu(),
    bt.Sigmoid: lambda layer, p, h: h.sigmoid(),
    bt.Flatten: lambda layer, p, h: h.reshape(h.shape[0], -1),
    bt.Conv2D: lambda layer, p, h: ad.conv2d(h, p["W"], p["b"], layer.stride, layer.padding),
    bt.MaxPool2D: lambda layer, p, h: ad.maxpool2d(h, layer.size, layer.stride),
}


def engine_gradients(model, cost, x):
    """The model's layers written as engine operations on copies of its parameters."""
    params = {k: ad.Tensor(v, k) for k, v in model.params.items()}
    h = ad.Tensor(x, "x")
    for i, layer in enumerate(model.layers):
        mine = {k.split(".", 1)[1]: t for k, t in params.items() if k.startswith(f"{i}.")}
        h = _OPS[type(layer)](layer, mine, h)
    cost(h).backward()
    return {k: t.grad for k, t in params.items()}


def library_gradients(model, loss, x, target):
    loss.forward(model.forward(x), target)
    model.backward(loss.backward())
    return model.grads


def bce(p, y):  # mean binary cross-entropy, as engine operations
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()


def test_engine_equals_layers_on_the_chain_of_sigmoid_neurons_with_bce():
    rng = np.random.default_rng(1)
    model = bt.Sequential(
        bt.Dense(1, 1, rng=rng), bt.Sigmoid(), bt.Dense(1, 1, rng=rng), bt.Sigmoid()
    )
    x, y = np.array([[1.5], [-0.4]]), np.array([[1.0], [0.0]])
    mine = engine_gradients(model, lambda p: bce(p, y), x)
    theirs = library_gradients(model, bt.BinaryCrossEntropy(), x, y)
    for k in theirs:
        assert agree(mine[k], theirs[k], ROUNDING), k


def test_engine_equals_layers_on_the_two_layer_sigmoid_network_with_mse():
    rng = np.random.default_rng(4)
    model = bt.Sequential(
        bt.Dense(3, 4, rng=rng), bt.Sigmoid(), bt.Dense(4, 2, rng=rng), bt.Sigmoid()
    )
    x, y = rng.standard_normal((5, 3)), rng.uniform(0, 1, (5, 2))
    mine = engine_gradients(model, lambda p: ((p - y) ** 2).mean(), x)
    theirs = library_gradients(model, bt.MSE(), x, y)
    for k in theirs:
        assert agree(mine[k], theirs[k], ROUNDING), k


def test_engine_equals_layers_on_the_cnn():
    rng = np.random.default_rng(7)
    model = bt.simple_cnn(rng)
    model[0].params["b"][...] = 0.1
    x, y = rng.uniform(0, 1, (4, 1, 28, 28)), np.array([3, 8, 0, 1])
    mine = engine_gradients(model, lambda z: ad.softmax_cross_entropy(z, y), x)
    theirs = library_gradients(model, bt.SoftmaxCrossEntropy(), x, y)
    assert sorted(mine) == sorted(theirs) == ["0.W", "0.b", "4.W", "4.b", "6.W", "6.b"]
    for k in theirs:
        assert agree(mine[k], theirs[k], ROUNDING), k
