"""Optimiser, training loop, and the issue's bar: the source CNN learns the digits."""

import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour.data import load_mnist_split


def test_sgd_step_is_minus_lr_times_grad():
    layer = bt.Dense(2, 1)
    layer.params["W"][...] = [[1.0, 2.0]]
    layer.params["b"][...] = 0.5
    layer.forward(np.array([[3.0, 4.0]]))
    layer.backward(np.array([[1.0]]))  # dW = x = [3, 4], db = 1
    bt.SGD(layer, lr=0.1).step()
    np.testing.assert_allclose(layer.params["W"], [[0.7, 1.6]])
    np.testing.assert_allclose(layer.params["b"], [0.4])


def test_sgd_momentum_accumulates_velocity():
    layer = bt.Dense(1, 1)
    layer.params["W"][...] = 0.0
    opt = bt.SGD(layer, lr=1.0, momentum=0.5)
    for _ in range(2):  # constant gradient 1: v = -1, then -1.5
        layer.forward(np.ones((1, 1)))
        layer.backward(np.ones((1, 1)))
        opt.step()
    np.testing.assert_allclose(layer.params["W"], [[-2.5]])


def test_fit_history_and_determinism(capsys):
    x, y, xv, yv = load_mnist_split(seed=0, n_train=200, n_test=50)
    histories = []
    for _ in range(2):
        rng = np.random.default_rng(3)
        model = bt.simple_cnn(rng)
        histories.append(
            bt.fit(
                model,
                bt.SoftmaxCrossEntropy(),
                bt.SGD(model, lr=0.01, momentum=0.9),
                x,
                y,
                epochs=2,
                batch_size=32,
                x_val=xv,
                y_val=yv,
                rng=np.random.default_rng(4),
                verbose=True,
            )
        )
    h = histories[0]
    assert len(h.batch_loss) == 2 * 7 and len(h.train_acc) == 2 and len(h.val_acc) == 2
    assert h.batches_per_epoch == 7
    assert h.batch_loss == histories[1].batch_loss  # seeded: bit-for-bit the same run
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch  1/2  loss ")


def test_source_cnn_reaches_93_percent_on_held_out_digits():
    """Issue bar: SGD on 4,000 shipped digits, >= 93% on 1,000 held-out ones within 15
    epochs, seeded.  (Measured here: 94.0% after epoch 15; seeds 0-3 all give 94.0-94.1%.)"""
    x, y, xv, yv = load_mnist_split(seed=0)
    rng = np.random.default_rng(0)
    model = bt.simple_cnn(rng)
    history = bt.fit(
        model,
        bt.SoftmaxCrossEntropy(),
        bt.SGD(model, lr=0.05, momentum=0.5),
        x,
        y,
        epochs=15,
        batch_size=32,
        x_val=xv,
        y_val=yv,
        rng=np.random.default_rng(1),
        verbose=False,
    )
    assert history.val_acc[-1] >= 0.93, history.val_acc
    assert history.val_acc[-1] == pytest.approx(bt.accuracy(model, xv, yv))
    assert np.mean(history.batch_loss[-125:]) < 0.25 * np.mean(history.batch_loss[:125])


class ThreadProbe(bt.Layer):
    """Passes x through and records how many threads BLAS may use meanwhile."""

    seen: list = []

    def forward(self, x):
        from threadpoolctl import threadpool_info

        ThreadProbe.seen += [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        return self._finish_forward(x, True)

    def backward(self, dout):
        return self._start_backward(dout)


def test_fit_caps_blas_threads_and_can_leave_them():
    from threadpoolctl import threadpool_info, threadpool_limits

    model = bt.Sequential(ThreadProbe(), bt.Dense(3, 2))
    x, y = np.ones((4, 3)), np.array([0, 1, 0, 1])
    with threadpool_limits(2, "blas"):  # a known starting point, whatever the machine
        before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        ThreadProbe.seen = []
        bt.fit(model, bt.SoftmaxCrossEntropy(), bt.SGD(model), x, y, epochs=1, verbose=False)
        assert ThreadProbe.seen and set(ThreadProbe.seen) == {1}
        ThreadProbe.seen = []
        bt.fit(
            model,
            bt.SoftmaxCrossEntropy(),
            bt.SGD(model),
            x,
            y,
            epochs=1,
            verbose=False,
            blas_threads=None,
        )
        assert ThreadProbe.seen == before
