"""Time the book's CNN with backprop_tour: one training epoch, and the conv layer alone.

    python benchmarks/bench_cnn.py            # or: make bench

Network (source 003): (N,1,28,28) -> Conv2D 2x1x5x5 -> ReLU -> MaxPool 2 -> Flatten 288
-> Dense 60 -> ReLU -> Dense 10 -> softmax cross-entropy; SGD lr 0.05 momentum 0.5;
4,000 shipped digits, batch 32, float64.  Every figure is the median of several runs, in
this process, on this machine; `bench_torch.py` times the same network in PyTorch.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

import backprop_tour as bt
from backprop_tour import conv
from backprop_tour.data import load_mnist_split


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7, help="epochs to time (median reported)")
    args = parser.parse_args()

    x_train, y_train, _, _ = load_mnist_split(seed=0)
    rng = np.random.default_rng(0)
    model = bt.simple_cnn(rng)
    loss = bt.SoftmaxCrossEntropy()
    opt = bt.SGD(model, lr=0.05, momentum=0.5)
    fit_rng = np.random.default_rng(1)

    def one_epoch():
        bt.fit(
            model, loss, opt, x_train, y_train, epochs=1, batch_size=32, rng=fit_rng, verbose=False
        )

    one_epoch()  # warm-up
    epoch = median_seconds(one_epoch, args.epochs)

    layer = bt.Conv2D(1, 2, 5, rng=rng)
    xb = x_train[:32]
    dout = np.random.default_rng(2).standard_normal((32, 2, 24, 24))

    def fast():
        layer.forward(xb)
        layer.backward(dout)

    w, b = layer.params["W"], layer.params["b"]

    def loops():
        conv.conv2d_forward_loops(xb, w, b)
        conv.conv2d_backward_loops(xb, w, dout)

    fast_s = median_seconds(fast, 200)
    loop_s = median_seconds(loops, 3)

    print(
        f"backprop_tour benchmark  (numpy {np.__version__}, python {platform.python_version()}, "
        f"{platform.machine()})"
    )
    print(f"  one epoch, 4000 images, batch 32, float64 : {epoch:.3f} s  (median of {args.epochs})")
    print(
        f"  Conv2D(1,2,5) forward+backward, batch 32  : fast {fast_s * 1e3:.3f} ms, "
        f"plain loops {loop_s * 1e3:.1f} ms  ({loop_s / fast_s:.0f}x)"
    )


if __name__ == "__main__":
    main()
