"""The exercise grader: the references agree with the library, every common mistake is
named, nothing wrong ever passes, and the passing line is the same on every machine."""

from __future__ import annotations

import re

import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour import conv
from backprop_tour import exercises as ex
from backprop_tour.activations import sigmoid, softmax

NAMES = ex.names()


def _ref(name):
    """The reference as a function of a case's arguments (a layer class is wrapped)."""
    exercise = ex._get(name)
    return exercise.solve if exercise.adapter else exercise.reference


def _map_last(name, fn):
    """The reference with ``fn`` applied to its (last) output."""
    ref = _ref(name)
    multi = len(ex._get(name).parts) > 1

    def answer(*args):
        out = ref(*args)
        if multi:
            return (*out[:-1], fn(np.asarray(out[-1], dtype=float)))
        return fn(out)

    return answer


# -- the exercises themselves --------------------------------------------------------------


def test_names_cover_every_chapter():
    assert len(NAMES) >= 12
    for chapter in range(1, 7):
        assert len(ex.names(chapter)) >= 2, chapter
    assert ex.names("5b") == ["fix_the_layer"]


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_with_a_machine_independent_line(name):
    result = ex.check(name, ex.solution(name))
    assert result.passed, result.message
    against = "the reference and central differences" if ex._get(name).numeric else "the reference"
    cases = ex._get(name).cases()
    ruled = sum(c.rule for c in cases)
    by_rule = f", {ruled} with ties judged by the rule" if ruled else ""
    assert result.message == (
        f"✓ {name}: matches {against} on {len(cases)} cases{by_rule} (rel_error < 1e-6)"
        f" (this is ex.solution({name!r}) itself)"
    )
    assert result and bool(result) is True
    assert str(result) == repr(result) == result.message
    assert "\n" not in result.message


@pytest.mark.parametrize("name", NAMES)
def test_rounding_noise_does_not_change_the_passing_line(name):
    noise = np.random.default_rng(0)
    jitter = _map_last(name, lambda v: v * (1 + 1e-13 * noise.standard_normal(np.shape(v))))
    exact = _map_last(name, lambda v: v)  # the reference, wrapped as a reader's function
    assert ex.check(name, jitter).message == ex.check(name, exact).message


@pytest.mark.parametrize("name", NAMES)
def test_describe_stub_and_solution_source(name):
    text = ex.describe(name)
    head, _, statement = text.partition("\n\n")
    assert head.startswith(name + "(") and "->" in head and len(statement) > 80
    namespace = {"ex": ex}
    exec(ex.stub(name), namespace)  # noqa: S102 - our own generated source
    yours = "MyDense" if ex._get(name).adapter else "my_" + name
    result = ex.check(name, namespace[yours])
    assert not result.passed and "not implemented yet" in result.message
    assert "passes this check" in result.message
    source = ex.solution_source(name)
    assert source.startswith("class MyDense(" if ex._get(name).adapter else f"def {name}(")
    assert ex.show_solution(name)._repr_markdown_().startswith("```python\n")


def test_unknown_name_lists_the_exercises():
    with pytest.raises(ValueError, match="softmax_ce_grad"):
        ex.describe("sofmax")


# -- the references agree with the library ---------------------------------------------------

RNG = np.random.default_rng(10)


def test_softmax_references_match_the_library():
    z = RNG.normal(size=(4, 3))
    y = np.array([0, 2, 1, 2])
    assert np.allclose(_ref("softmax")(z), softmax(z, axis=1), rtol=1e-12)
    loss = bt.SoftmaxCrossEntropy()
    loss.forward(z, y)
    assert np.allclose(_ref("softmax_ce_grad")(z, y), loss.backward(), rtol=1e-12)


def test_sigmoid_and_chain_references_match_the_library():
    z, dout = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    layer = bt.Sigmoid()
    layer.forward(z)
    assert np.allclose(_ref("sigmoid_backward")(z, dout), layer.backward(dout), rtol=1e-12)

    x, y, w1, w2 = RNG.normal(size=5), np.array([1.0, 0, 0, 1, 1]), 0.8, -1.5
    model = bt.Sequential(bt.Dense(1, 1), bt.Sigmoid(), bt.Dense(1, 1), bt.Sigmoid())
    model[0].params["W"][...], model[2].params["W"][...] = w1, w2
    model[0].params["b"][...] = model[2].params["b"][...] = 0.0
    bce = bt.BinaryCrossEntropy()
    bce.forward(model.forward(x[:, None]), y[:, None])
    model.backward(bce.backward())
    dw1, dw2 = _ref("chain_grads")(x, y, w1, w2)
    assert np.allclose([dw1, dw2], [model.grads["0.W"][0, 0], model.grads["2.W"][0, 0]])


def test_fanout_and_delta_references_match_the_library():
    z1, w2, w3 = RNG.normal(size=4), 0.7, -1.3
    dz = RNG.normal(size=(4, 2))
    net = bt.Sequential(bt.Sigmoid(), bt.Dense(1, 2))  # a1 feeds two neurons
    net[1].params["W"][...] = [[w2], [w3]]
    net.forward(z1[:, None])
    expected = net.backward(dz)[:, 0]
    got = _ref("fanout_backward")(z1, w2, w3, dz[:, 0], dz[:, 1])
    assert np.allclose(got, expected, rtol=1e-12)

    delta2, z1 = RNG.normal(size=(3, 5)), RNG.normal(size=(3, 4))
    net = bt.Sequential(bt.Sigmoid(), bt.Dense(4, 5, rng=RNG))
    net.forward(z1)
    expected = net.backward(delta2)
    got = _ref("hidden_delta")(delta2, net[1].params["W"], z1)
    assert np.allclose(got, expected, rtol=1e-12)


def test_two_layer_reference_matches_the_library():
    net = bt.Sequential(
        bt.Dense(3, 4, rng=RNG), bt.Sigmoid(), bt.Dense(4, 5, rng=RNG), bt.Sigmoid()
    )
    a0, y = RNG.normal(size=(6, 3)), RNG.uniform(size=(6, 5))
    mse = bt.MSE()
    mse.forward(net.forward(a0), y)
    net.backward(mse.backward())
    half_k = y.shape[1] / 2  # J = (1/N) sum 1/2 ||a2 - y||^2 = MSE * K / 2
    p = net.params
    got = _ref("two_layer_grads")(a0, y, p["0.W"], p["0.b"], p["2.W"], p["2.b"])
    for g, key in zip(got, ("0.W", "0.b", "2.W", "2.b"), strict=True):
        assert np.allclose(g, half_k * net.grads[key], rtol=1e-12), key


def test_dense_and_relu_references_match_the_library():
    layer = bt.Dense(4, 3, rng=RNG)
    layer.params["b"][...] = RNG.normal(size=3)
    x, dout = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 3))
    layer.forward(x)
    dx = layer.backward(dout)
    got = _ref("dense_backward")(x, layer.params["W"], layer.params["b"], dout)
    for g, e in zip(got, (dx, layer.grads["W"], layer.grads["b"]), strict=True):
        assert np.allclose(g, e, rtol=1e-12)
    relu = bt.ReLU()
    relu.forward(x)
    assert np.array_equal(_ref("relu_backward")(x, x + 1), relu.backward(x + 1))


def test_conv_references_match_the_library():
    x, dout, w = RNG.normal(size=(5, 4)), RNG.normal(size=(4, 2)), RNG.normal(size=(2, 3))
    assert np.allclose(_ref("conv_dw")(x, dout), conv.correlate2d(x, dout), rtol=1e-12)
    assert np.allclose(_ref("conv_dx")(dout, w), conv.convolve2d(dout, w, "full"), rtol=1e-12)
    for stride, padding in ((1, 0), (2, 1), (3, 2)):
        layer = bt.Conv2D(2, 3, (3, 2), stride=stride, padding=padding, rng=RNG)
        xb = RNG.normal(size=(2, 2, 7, 6))
        d = RNG.normal(size=layer.forward(xb).shape)
        dx = layer.backward(d)
        got = _ref("conv_backward")(xb, layer.params["W"], d, stride, padding)
        for g, e in zip(got, (dx, layer.grads["W"], layer.grads["b"]), strict=True):
            assert np.allclose(g, e, rtol=1e-12)


def test_maxpool_reference_matches_the_library():
    for size, stride in ((2, 2), (3, 2), (2, 1), (3, 3)):
        pool = bt.MaxPool2D(size, stride)
        x = RNG.normal(size=(2, 3, 7, 8))
        d = RNG.normal(size=pool.forward(x).shape)
        got = _ref("maxpool_backward")(x, d, size, stride)
        assert np.allclose(got, pool.backward(d), rtol=1e-12)


def test_sgd_references_match_the_library():
    class Model:  # the two dicts SGD needs
        def __init__(self, w):
            self.params, self.grads = {"w": w.copy()}, {}

    w, g1, g2 = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    model = Model(w)
    model.grads["w"] = g1
    bt.SGD(model, lr=0.1).step()
    assert np.allclose(model.params["w"], _ref("sgd_step")(w, g1, 0.1), rtol=1e-12)

    model = Model(w)
    opt = bt.SGD(model, lr=0.1, momentum=0.9)
    step = _ref("sgd_momentum_step")
    p, v = w, np.zeros_like(w)
    for g in (g1, g2):  # the second step starts from a non-zero velocity
        model.grads["w"] = g
        opt.step()
        p, v = step(p, g, v, 0.1, 0.9)
        assert np.allclose(model.params["w"], p, rtol=1e-12)


# -- every mistake the grader knows is named --------------------------------------------------


def _mistake_answer(name, mistake):
    ref, multi = _ref(name), len(ex._get(name).parts) > 1

    def answer(*args):
        wrong = mistake.wrong(*args)
        if not multi:
            return wrong
        out = list(ref(*args))
        out[mistake.part] = wrong
        return tuple(out)

    return answer


@pytest.mark.parametrize(
    "name, mistake",
    [(n, m) for n in NAMES for m in ex._get(n).mistakes if m.wrong is not None],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_listed_mistake_fails_with_its_hint(name, mistake):
    result = ex.check(name, _mistake_answer(name, mistake))
    assert not result.passed
    assert mistake.hint in result.message, result.message


# Deliberately wrong functions, written out as a reader would, with the word the line must say.
sig = sigmoid
WRONG = [
    ("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), "NaN"),
    ("softmax", lambda z: softmax(z, axis=0), "wrong axis"),
    ("softmax_ce_grad", lambda z, y: np.eye(z.shape[1])[y] - softmax(z, axis=1), "sign"),
    ("softmax_ce_grad", lambda z, y: softmax(z, axis=1) - np.eye(z.shape[1])[y], "factor N"),
    (
        "softmax_ce_grad",
        lambda z, y: ((softmax(z, axis=1) - np.eye(z.shape[1])[y]) / len(y)).T,
        "transposed",
    ),
    ("sigmoid_backward", lambda z, d: -d * sig(z) * (1 - sig(z)), "sign"),
    ("sigmoid_backward", lambda z, d: 2 * d * sig(z) * (1 - sig(z)), "factor 2"),
    ("sigmoid_backward", lambda z, d: d * z * (1 - z), "z (1 - z)"),
    (
        "chain_grads",
        lambda x, y, w1, w2: tuple(len(x) * g for g in ex.solution("chain_grads")(x, y, w1, w2)),
        "factor N",
    ),
    (
        "chain_grads",
        lambda x, y, w1, w2: (
            (sig(w2 * sig(w1 * x)) - y) * w2 * sig(w1 * x) * (1 - sig(w1 * x)) * x / len(x),
            np.sum((sig(w2 * sig(w1 * x)) - y) * sig(w1 * x)) / len(x),
        ),
        "not summed over the batch",
    ),
    (
        "fanout_backward",
        lambda z1, w2, w3, d2, d3: w3 * d3 * sig(z1) * (1 - sig(z1)),
        "overwritten",
    ),
    (
        "hidden_delta",
        lambda d2, W2, z1: (d2 @ W2) * sig(sig(z1)) * (1 - sig(sig(z1))),
        "instead of at z",
    ),
    ("hidden_delta", lambda d2, W2, z1: ((d2 @ W2) * sig(z1) * (1 - sig(z1))).T, "transposed"),
    (
        "two_layer_grads",
        lambda *a: tuple(a[0].shape[0] * g for g in ex.solution("two_layer_grads")(*a)),
        "factor N",
    ),
    ("dense_backward", lambda x, W, b, d: (d @ W, x.T @ d, d.sum(axis=0)), "dW: transposed"),
    ("dense_backward", lambda x, W, b, d: (d @ W, d.T @ x, d.sum(axis=1)), "wrong axis"),
    ("dense_backward", lambda x, W, b, d: (d @ W, d.T @ x, d), "not summed over the batch"),
    ("dense_backward", lambda x, W, b, d: (d @ W, d.T @ x / len(x), d.sum(0)), "factor 1/N"),
    ("dense_backward", lambda x, W, b, d: (d @ W.T, d.T @ x, d.sum(0)), "raised ValueError"),
    ("relu_backward", lambda x, d: d * (x < 0), "wrong side of zero"),
    ("relu_backward", lambda x, d: d * (x <= 0), "wrong side of zero"),
    ("conv_dw", lambda x, d: conv.convolve2d(x, d), "rot180"),
    ("conv_dw", lambda x, d: conv.correlate2d(np.roll(x, 1, axis=1), d), "shifted by one"),
    ("conv_dx", lambda d, w: conv.correlate2d(d, w, "full"), "rot180"),
    ("conv_dx", lambda d, w: np.roll(conv.convolve2d(d, w, "full"), -1, axis=0), "shifted by one"),
    (
        "conv_dx",
        lambda d, w: conv.convolve2d(conv.pad2d(d, 1), w, "full"),
        "expected shape",
    ),
    ("maxpool_backward", lambda *a: -ex.solution("maxpool_backward")(*a), "sign"),
    (
        "maxpool_backward",
        lambda x, d, size, stride: np.roll(
            ex.solution("maxpool_backward")(x, d, size, stride), 1, 3
        ),
        "shifted by one",
    ),
    (
        "conv_backward",
        lambda *a: (lambda dx, dw, db: (dx, dw[..., ::-1, ::-1], db))(
            *ex.solution("conv_backward")(*a)
        ),
        "dw: rot180",
    ),
    ("sgd_step", lambda p, g, lr: p + lr * g, "sign"),
    ("sgd_step", lambda p, g, lr: p - 2 * lr * g, "wrong values"),
    ("fanout_backward", lambda *a: ex.solution("fanout_backward")(*a)[:, None], "wrong shape"),
]


def _overwriting_pool(x, dout, size, stride):
    dx = np.zeros_like(x)
    n_batch, channels, h_out, w_out = dout.shape
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    win = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    m, k = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * stride + m, j * stride + k] = dout[n, c, i, j]  # = not +=
    return dx


WRONG.append(("maxpool_backward", _overwriting_pool, "overwritten"))


@pytest.mark.parametrize("name, answer, word", WRONG, ids=[f"{n}-{w}" for n, _, w in WRONG])
def test_written_out_mistakes_are_named(name, answer, word):
    result = ex.check(name, answer)
    assert not result.passed
    assert word in result.message, result.message
    assert "\n" not in result.message


# -- nothing wrong ever passes, and every failure is one clear line ---------------------------


@pytest.mark.parametrize("name", NAMES)
def test_random_wrong_answer_reports_the_worst_index(name):
    noise = np.random.default_rng(1)
    wrong = _map_last(name, lambda v: v + noise.standard_normal(np.shape(v)))
    result = ex.check(name, wrong)
    assert not result.passed
    scalar = name == "chain_grads"  # floats: no index to name
    assert scalar or "worst at index" in result.message, result.message
    assert "yours" in result.message and "expected" in result.message


@pytest.mark.parametrize("name", NAMES)
def test_near_miss_fails(name):
    noise = np.random.default_rng(2)
    near = _map_last(
        name, lambda v: v + 1e-4 * np.abs(v).max() * noise.standard_normal(np.shape(v))
    )
    result = ex.check(name, near)
    assert not result.passed, result.message
    assert "rel_error" in result.message


@pytest.mark.parametrize("name", NAMES)
def test_wrong_shape_names_both_shapes(name):
    result = ex.check(name, _map_last(name, lambda v: np.zeros(np.shape(v) + (2,))))
    assert not result.passed
    assert re.search(r"expected shape \(.*\), got \(.*\)", result.message), result.message


@pytest.mark.parametrize("name", NAMES)
def test_nan_none_raise_and_wrong_type_are_clear(name):
    nan = _map_last(name, lambda v: np.full(np.shape(v), np.nan))
    assert "contains NaN" in ex.check(name, nan).message

    def none(*args):
        return None

    assert "None" in ex.check(name, none).message

    def raises(*args):
        raise KeyError("no such thing")

    message = ex.check(name, raises).message
    assert "raised KeyError: 'no such thing'" in message and "Traceback" not in message
    text = _map_last(name, lambda v: "oops")
    assert "expected a NumPy array" in ex.check(name, text).message
    for result in (ex.check(name, nan), ex.check(name, raises), ex.check(name, 42)):
        assert not result.passed and "\n" not in result.message


def test_exception_message_points_at_the_readers_line():
    def answer(z, dout):
        return dout * undefined_name  # noqa: F821

    message = ex.check("sigmoid_backward", answer).message
    assert "raised NameError" in message and "at line" in message and "undefined_name" in message


def test_checking_does_not_let_the_answer_change_the_cases():
    def vandal(z, dout):
        z[...] = 0.0  # writes into its inputs
        dout[...] = 0.0
        return np.zeros_like(z)

    assert not ex.check("sigmoid_backward", vandal).passed
    assert ex.check("sigmoid_backward", ex.solution("sigmoid_backward")).passed


def test_right_only_without_stride_and_padding_still_fails():
    def no_stride(x, w, dout, stride, padding):  # assumes stride 1, padding 0
        return ex.solution("conv_backward")(x, w, dout, 1, 0)

    result = ex.check("conv_backward", no_stride)
    assert not result.passed and "stride = 2" in result.message, result.message


def test_in_place_answers_are_named():
    def relu_backward(x, dout):
        dout[x <= 0] = 0.0  # writes into dout: the caller's dout is changed
        return dout

    result = ex.check("relu_backward", relu_backward)
    assert not result and "wrote into its input dout" in result.message, result.message


def test_a_new_chapter_registers_its_exercises_the_same_way():
    from backprop_tour.exercises import engine

    exercise = ex.Exercise(
        "double_it",
        "99",
        "double_it(x) -> y",
        "Return twice x, an array of any shape, as a new array of the same shape.",
        lambda x: 2.0 * x,
        lambda: [ex.Case((np.arange(3.0),)), ex.Case((np.ones((2, 2)),))],
        ("y",),
    )
    ex.register(exercise)
    try:
        assert ex.names(99) == ["double_it"] and ex.names()[-1] == "double_it"
        assert ex.check("double_it", lambda x: x + x).passed
        assert "factor 2" in ex.check("double_it", lambda x: 4.0 * x).message
        with pytest.raises(ValueError, match="already registered"):
            ex.register(exercise)
    finally:
        del engine._EXERCISES["double_it"]


def test_library_loop_references_are_the_solutions():
    from backprop_tour import layers

    assert ex.solution("conv_backward") is conv.conv2d_backward_loops
    assert ex.solution("maxpool_backward") is layers.maxpool2d_backward_loops
    assert ex.solution_source("conv_backward").startswith("def conv_backward(")
