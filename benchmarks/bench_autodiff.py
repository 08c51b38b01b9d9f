"""One training epoch of the book's CNN through the autodiff engine (chapter 7) against the
hand-written library's ``fit``: what the engine's bookkeeping costs.

    python benchmarks/bench_autodiff.py [--rounds 5] [--blas-threads 1]   # or: make bench-engine

Both train the same network from the same weights on the same shuffles (SGD, lr 0.05,
momentum 0.5, batch 32, 4,000 digits, float64).  The two are timed alternately, round by
round, so that a noisy neighbour slows both alike; printed are every round, the medians and
the ratio of medians.  Before timing, one batch checks that the engine's gradients are the
library's (rel_error < 1e-12): a fast engine that computed something else would be no
comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

import backprop_tour as bt
from backprop_tour import autodiff as ad
from backprop_tour.data import load_mnist_split
from backprop_tour.gradcheck import ROUNDING, agree

BATCH, LR, MOMENTUM = 32, 0.05, 0.5


def cnn_cost(p: dict, images: ad.Tensor, labels: np.ndarray) -> ad.Tensor:
    """simple_cnn's layers as engine operations; ``p`` holds its parameters by key."""
    h = ad.maxpool2d(ad.conv2d(images, p["0.W"], p["0.b"]).relu(), 2)
    h = h.reshape(h.shape[0], -1)
    h = (h @ p["4.W"].T + p["4.b"]).relu()
    return ad.softmax_cross_entropy(h @ p["6.W"].T + p["6.b"], labels)


class _Arrays:
    """What ``bt.SGD`` needs of a model: ``params`` and ``grads`` as dicts of arrays."""

    def __init__(self, tensors: dict) -> None:
        self.tensors = tensors

    @property
    def params(self) -> dict:
        return {k: t.data for k, t in self.tensors.items()}

    @property
    def grads(self) -> dict:
        return {k: t.grad for k, t in self.tensors.items()}


def engine_epoch(x, y, seed: int = 1) -> None:
    tensors = {
        k: ad.Tensor(v, k) for k, v in bt.simple_cnn(np.random.default_rng(0)).params.items()
    }
    optimizer = bt.SGD(_Arrays(tensors), lr=LR, momentum=MOMENTUM)
    order = np.random.default_rng(seed).permutation(len(x))
    for i in range(0, len(x), BATCH):
        batch = order[i : i + BATCH]
        for t in tensors.values():
            t.grad = None
        cnn_cost(tensors, ad.Tensor(x[batch], requires_grad=False), y[batch]).backward()
        optimizer.step()


def fit_epoch(x, y, seed: int = 1) -> None:
    model = bt.simple_cnn(np.random.default_rng(0))
    optimizer = bt.SGD(model, lr=LR, momentum=MOMENTUM)
    bt.fit(
        model,
        bt.SoftmaxCrossEntropy(),
        optimizer,
        x,
        y,
        epochs=1,
        batch_size=BATCH,
        rng=np.random.default_rng(seed),
        verbose=False,
        blas_threads=None,  # the caller caps BLAS for both ways alike
    )


def same_gradients(x, y) -> bool:
    """The engine's gradients on one batch against the layers' (the comparison's premise)."""
    model = bt.simple_cnn(np.random.default_rng(0))
    model[0].params["b"][...] = 0.1  # off the ReLU's kink
    tensors = {k: ad.Tensor(v, k) for k, v in model.params.items()}
    cnn_cost(tensors, ad.Tensor(x[:BATCH], requires_grad=False), y[:BATCH]).backward()
    loss = bt.SoftmaxCrossEntropy()
    loss.forward(model.forward(x[:BATCH]), y[:BATCH])
    model.backward(loss.backward())
    return all(agree(tensors[k].grad, g, ROUNDING) for k, g in model.grads.items())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=1)
    args = parser.parse_args(argv)
    x, y, _, _ = load_mnist_split(seed=0)
    if not same_gradients(x, y):
        raise SystemExit("bench_autodiff: the engine's gradients differ from the layers'")
    times = {"fit": [], "engine": []}
    with threadpool_limits(args.blas_threads, "blas"):
        for r in range(1, args.rounds + 1):
            for name, epoch in (("fit", fit_epoch), ("engine", engine_epoch)):
                start = time.perf_counter()
                epoch(x, y)
                times[name].append(time.perf_counter() - start)
            print(f"round {r}: fit {times['fit'][-1]:.3f} s, engine {times['engine'][-1]:.3f} s")
    fit_s, engine_s = (statistics.median(times[k]) for k in ("fit", "engine"))
    print(
        f"one epoch, median of {args.rounds} rounds at {args.blas_threads} BLAS thread(s): "
        f"fit {fit_s:.3f} s, engine {engine_s:.3f} s; the engine takes "
        f"{engine_s / fit_s:.2f}x fit's time"
    )
    return {"fit": fit_s, "engine": engine_s}


if __name__ == "__main__":
    main()
