"""Time the book's CNN with backprop_tour: per layer, per epoch, two ways of training.

    python benchmarks/bench_cnn.py [--blas-threads 1] [--epochs 5] [--json]   # or: make bench

Network (source 003): (N,1,28,28) -> Conv2D 2x1x5x5 -> ReLU -> MaxPool 2 -> Flatten 288
-> Dense 60 -> ReLU -> Dense 10 -> softmax cross-entropy; SGD lr 0.05 momentum 0.5;
4,000 shipped digits, batch 32, float64.  Printed, each a median over repeats in this
process, BLAS capped at ``--blas-threads`` throughout:

* a per-layer table: forward and backward milliseconds per batch for every layer, timed
  one layer at a time inside real training epochs.  The Conv2D backward is timed both
  ways: without the input gradient (as ``fit`` runs it) in the even epochs, which every
  other row also comes from; with it (as ``model.backward(dout)`` runs it) in the odd
  epochs.  So each row is timed as a training loop runs it, never as a second backward
  repeated on the arrays the first one just left in cache;
* one epoch with ``bt.fit``;
* one epoch with a reader's plain loop: ``model.forward``, ``loss.forward``,
  ``model.backward(loss.backward())`` (input gradient included), then every parameter
  updated in place, ``v = 0.5 v - lr g; p += v``; and the same loop with
  ``need_dx=False`` (no input gradient, the work ``fit`` and PyTorch do);
* the conv layer alone, fast path against the plain-loop reference.

``compare_torch.py`` runs this and ``bench_torch.py`` in alternating processes.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import backprop_tour as bt
from backprop_tour import reference
from backprop_tour.data import load_mnist_split

BATCH, LR, MOMENTUM = 32, 0.05, 0.5


def blas_config() -> str:
    """numpy's version and every BLAS/OpenMP pool threadpoolctl sees (library, threads)."""
    pools = [
        f"{p['internal_api']} {p.get('version')} ({p['user_api']}, {p['num_threads']} threads, "
        f"{p.get('architecture')}, {p.get('threading_layer')})"
        for p in threadpool_info()
    ]
    return f"numpy {np.__version__}; " + "; ".join(pools)


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def new_model():
    model = bt.simple_cnn(np.random.default_rng(0))
    return model, bt.SoftmaxCrossEntropy(), bt.SGD(model, lr=LR, momentum=MOMENTUM)


def layer_table(x, y, epochs: int) -> list[tuple[str, float, float]]:
    """``[(layer, forward ms, backward ms), ...]``: each layer's forward and backward timed
    alone, batch by batch, while the network trains (medians over every batch).

    Epochs alternate: the even ones train as ``fit`` does (no input gradient) and give every
    row; the odd ones train as ``model.backward(dout)`` does and give only the Conv2D
    backward with the input gradient.  ``epochs`` must be at least 2."""
    if epochs < 2:
        raise ValueError(f"layer_table: expected epochs >= 2 (one of each kind), got {epochs}")
    model, loss, opt = new_model()
    layers = model.layers
    fwd = [[] for _ in layers]
    bwd = [[] for _ in layers]
    conv_dx, loss_t, step_t = [], [], []
    rng = np.random.default_rng(1)
    clock = time.perf_counter
    for epoch in range(epochs):
        with_dx = epoch % 2 == 1  # odd epochs: the first layer returns dL/d(images) too
        order = rng.permutation(len(x))
        for i in range(0, len(x) - BATCH + 1, BATCH):
            idx = order[i : i + BATCH]
            a, yb = x[idx], y[idx]
            f_times, b_times = [], []
            for layer in layers:
                t = clock()
                a = layer.forward(a)
                f_times.append(clock() - t)
            t = clock()
            loss.forward(a, yb)
            d = loss.backward()
            loss_time = clock() - t
            for k in reversed(range(len(layers))):
                t = clock()
                if k > 0 or with_dx:
                    d = layers[k].backward(d)
                else:  # as fit runs the first layer: no input gradient
                    layers[k].backward_params(d)
                b_times.append(clock() - t)
            b_times.reverse()  # timed last layer first; now in layer order
            t = clock()
            opt.step()
            step_time = clock() - t
            if with_dx:
                conv_dx.append(b_times[0])
                continue
            for k in range(len(layers)):
                fwd[k].append(f_times[k])
                bwd[k].append(b_times[k])
            loss_t.append(loss_time)
            step_t.append(step_time)

    def ms(v):
        return statistics.median(v) * 1e3

    rows = [(repr(layer), ms(f), ms(b)) for layer, f, b in zip(layers, fwd, bwd, strict=True)]
    rows[0] = (rows[0][0] + " (no dx)", rows[0][1], rows[0][2])
    rows.insert(1, (repr(layers[0]) + " (with dx)", float("nan"), ms(conv_dx)))
    rows.append(("SoftmaxCrossEntropy (forward+backward)", ms(loss_t), float("nan")))
    rows.append(("SGD.step", float("nan"), ms(step_t)))
    return rows


def fit_epoch_seconds(x, y, epochs: int, threads: int) -> float:
    model, loss, opt = new_model()
    rng = np.random.default_rng(1)

    def one_epoch():
        bt.fit(model, loss, opt, x, y, epochs=1, batch_size=BATCH, rng=rng, verbose=False,
               blas_threads=threads)  # fmt: skip

    one_epoch()  # warm-up
    return median_seconds(one_epoch, epochs)


def plain_epoch_seconds(x, y, epochs: int, need_dx: bool) -> float:
    """A reader's loop: forward, loss, backward, then the parameters updated in place.

    ``need_dx=True`` is ``model.backward(dout)`` as chapter 2 calls it: the gradient with
    respect to the images is computed too (one more full convolution per batch, which
    ``fit`` and PyTorch skip: nothing needs it).
    """
    model, loss, _ = new_model()
    velocity = {key: np.zeros_like(p) for key, p in model.params.items()}
    rng = np.random.default_rng(1)

    def one_epoch():
        order = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            loss.forward(model.forward(x[idx]), y[idx])
            model.backward(loss.backward(), need_dx=need_dx)
            grads = model.grads
            for key, p in model.params.items():
                v = velocity[key]
                v *= MOMENTUM
                v -= LR * grads[key]
                p += v

    one_epoch()  # warm-up
    return median_seconds(one_epoch, epochs)


def conv_alone(x) -> tuple[float, float]:
    """Conv2D(1, 2, 5) forward + backward on one batch: fast path and plain loops (ms)."""
    layer = bt.Conv2D(1, 2, 5, rng=np.random.default_rng(0))
    xb = x[:BATCH]
    dout = np.random.default_rng(2).standard_normal((BATCH, 2, 24, 24))
    w, b = layer.params["W"], layer.params["b"]

    def fast():
        layer.forward(xb)
        layer.backward(dout)

    def loops():
        reference.conv2d_forward_loops(xb, w, b)
        reference.conv2d_backward_loops(xb, w, dout)

    return median_seconds(fast, 200) * 1e3, median_seconds(loops, 3) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs to time (median reported)")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead")
    args = parser.parse_args()

    x, y, _, _ = load_mnist_split(seed=0)
    with threadpool_limits(args.blas_threads, "blas"):
        config = blas_config()
        layers = layer_table(x, y, epochs=4)  # 2 without dx, 2 with
        fit_s = fit_epoch_seconds(x, y, args.epochs, args.blas_threads)
        plain_s = plain_epoch_seconds(x, y, args.epochs, need_dx=True)
        plain_nodx_s = plain_epoch_seconds(x, y, args.epochs, need_dx=False)
        conv_fast, conv_loops = conv_alone(x)
    if args.json:
        times = {"fit": fit_s, "plain": plain_s, "plain_nodx": plain_nodx_s}
        print(json.dumps({"config": config, "layers": layers, **times}))
        return

    print(f"backprop_tour benchmark  (python {platform.python_version()}, {platform.machine()})")
    print(f"  {config}")
    print(f"  per batch of {BATCH}, ms (median over the batches of 2 epochs):")
    print(f"    {'layer':<52} {'forward':>8} {'backward':>9}")
    for name, f, b in layers:
        print(f"    {name:<52} {f:>8.3f} {b:>9.3f}")
    print(f"  one epoch, 4000 images, batch 32, float64, fit        : {fit_s:.3f} s  "
          f"(median of {args.epochs})")  # fmt: skip
    print(f"  one epoch, 4000 images, batch 32, float64, plain loop : {plain_s:.3f} s  "
          f"(median of {args.epochs}; with need_dx=False: {plain_nodx_s:.3f} s)")  # fmt: skip
    print(
        f"  Conv2D(1,2,5) forward+backward, batch 32  : fast {conv_fast:.3f} ms, "
        f"plain loops {conv_loops:.1f} ms  ({conv_loops / conv_fast:.0f}x)"
    )


if __name__ == "__main__":
    main()
