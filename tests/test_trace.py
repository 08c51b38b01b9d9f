"""trace(): the values and gradients a computational graph shows are the library's own."""

import matplotlib
import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour.gradcheck import agree
from backprop_tour.viz.graph import Edge, Node, chain_frames, draw_graph, graph_figure

matplotlib.use("Agg")


def chain(w1=0.8, w2=-1.5):
    """Chapter 2's chain: x -> w1 -> sigma -> w2 -> sigma, no biases."""
    model = bt.Sequential(bt.Dense(1, 1), bt.Sigmoid(), bt.Dense(1, 1), bt.Sigmoid())
    for dense, w in ((model[0], w1), (model[2], w2)):
        dense.params["W"][...] = w
        dense.params["b"][...] = 0.0
    return model


def test_trace_equals_a_fresh_forward_and_backward_pass():
    x, y = np.array([[1.2]]), np.array([[1.0]])
    tr = bt.trace(chain(), bt.BinaryCrossEntropy(), x, y)
    fresh, loss = chain(), bt.BinaryCrossEntropy()
    assert tr.cost == loss.forward(fresh.forward(x), y)
    dx = fresh.backward(loss.backward())
    assert agree(tr.grads[0], dx)
    assert agree(tr.param_grads[0]["W"], fresh.grads["0.W"])
    assert agree(tr.param_grads[2]["W"], fresh.grads["2.W"])
    assert agree(tr.values[-1], fresh.forward(x))


def test_scalar_locals_multiply_to_the_downstream_gradients():
    tr = bt.trace(chain(), bt.BinaryCrossEntropy(), np.array([[1.2]]), np.array([[1.0]]))
    for i, local in enumerate(tr.locals_):
        upstream = tr.grads[i + 1].item()
        assert upstream * local["x"] == pytest.approx(tr.grads[i].item(), rel=1e-12)
    # the local gradients are the textbook ones: dz/dw = input, sigma' = a(1 - a)
    assert tr.locals_[0]["W"] == pytest.approx(1.2)
    a1 = tr.values[2].item()
    assert tr.locals_[1]["x"] == pytest.approx(a1 * (1 - a1))


def test_trace_leaves_the_model_as_a_real_backward_pass_does():
    model, x, y = chain(), np.array([[1.2]]), np.array([[1.0]])
    bt.trace(model, bt.BinaryCrossEntropy(), x, y)
    after_trace = dict(model.grads)
    fresh = chain()
    loss = bt.BinaryCrossEntropy()
    loss.forward(fresh.forward(x), y)
    fresh.backward(loss.backward())
    for key, value in fresh.grads.items():
        assert agree(after_trace[key], value), key


def test_batch_trace_has_no_scalar_locals():
    model = bt.Sequential(bt.Dense(3, 2, rng=np.random.default_rng(0)), bt.Sigmoid())
    x = np.random.default_rng(1).normal(size=(4, 3))
    tr = bt.trace(model, bt.MSE(), x, np.zeros((4, 2)))
    assert tr.locals_ == []
    assert tr.grads[0].shape == x.shape


def test_the_graph_shows_the_numbers_of_the_trace():
    tr = bt.trace(chain(), bt.BinaryCrossEntropy(), np.array([[1.2]]), np.array([[1.0]]))
    nodes, frames = chain_frames(
        tr, values=["x", "z1", "a1", "z2", "y_hat"], ops=["*", "s", "*", "s"],
        params={0: "w1", 2: "w2"}, loss="BCE", target="y",
    )  # fmt: skip
    assert len(frames) == 2 + 1 + 4  # forward, dJ/dJ, the loss, four layers
    last = frames[-1]
    grads = {(e.src, e.dst): e.grad for e in last.edges}
    assert grads[("in", "op0")] == f"{tr.grads[0].item():.4g}".replace("-", "\u2212")
    assert grads[("p0", "op0")] == f"{tr.param_grads[0]['W'].item():.4g}".replace("-", "\u2212")
    assert all(e.grad == "" for e in frames[0].edges)  # the forward frame shows no gradient
    fig = graph_figure(nodes, last.edges, highlight=last.highlight, note=last.note)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"{tr.param_grads[2]['W'].item():.4g}".replace("-", "\u2212") in texts
    matplotlib.pyplot.close(fig)


def test_draw_graph_names_missing_nodes():
    fig, ax = matplotlib.pyplot.subplots()
    with pytest.raises(ValueError, match=r"do not exist: \['b'\]"):
        draw_graph(ax, [Node("a", (0, 0), "a")], [Edge("a", "b")])
    matplotlib.pyplot.close(fig)
