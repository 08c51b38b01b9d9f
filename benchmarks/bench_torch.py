"""The same CNN and epoch as bench_cnn.py, in PyTorch (CPU, float64), for comparison.

    make bench-torch    # creates .venv-torch with torch==2.13.0 + numpy, then compares
    .venv-torch/bin/python benchmarks/bench_torch.py [--threads 2] [--json]

Printed: a per-layer table (forward and backward ms per batch, each layer timed alone:
its input detached, its backward one ``autograd`` call, so every backward figure carries
the per-call overhead that a whole-network backward pays once), and one training epoch,
the real comparison: shuffled batches of 32, forward, cross-entropy, backward, SGD with
momentum; the input images need no gradient, as in ``fit``.  The same epoch once more with
the images requiring a gradient (``requires_grad_``): the like-for-like partner of a loop
that calls ``model.backward(dout)``, which returns dL/d(images) too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from backprop_tour.data import load_mnist_split  # noqa: E402  (numpy only; no other deps)

BATCH = 32


def new_model():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(288, 60),
        nn.ReLU(),
        nn.Linear(60, 10),
    ).double()
    return model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)


def layer_table(x, y) -> list[tuple[str, float, float]]:
    model, opt = new_model()
    loss_fn = nn.CrossEntropyLoss()
    fwd = [[] for _ in model]
    bwd = [[] for _ in model]
    loss_t = []
    gen = torch.Generator().manual_seed(1)
    clock = time.perf_counter
    for _ in range(2):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x) - BATCH + 1, BATCH):
            idx = order[i : i + BATCH]
            a, yb = x[idx], y[idx]
            outs, ins = [], []
            opt.zero_grad(set_to_none=True)
            for k, layer in enumerate(model):
                a = a.detach().requires_grad_(k > 0)
                ins.append(a)
                t = clock()
                a = layer(a)
                fwd[k].append(clock() - t)
                outs.append(a)
            logits = a.detach().requires_grad_(True)
            t = clock()
            loss = loss_fn(logits, yb)
            loss.backward()
            loss_t.append(clock() - t)
            d = logits.grad
            for k in reversed(range(len(model))):
                t = clock()
                outs[k].backward(d)
                bwd[k].append(clock() - t)
                d = ins[k].grad
            opt.step()

    def ms(v):
        return statistics.median(v) * 1e3

    rows = [(repr(layer), ms(f), ms(b)) for layer, f, b in zip(model, fwd, bwd, strict=True)]
    rows.append(("CrossEntropyLoss (forward+backward)", ms(loss_t), float("nan")))
    return rows


def epoch_seconds(x, y, epochs: int, image_grad: bool = False) -> float:
    """Median seconds per epoch; ``image_grad``: autograd also computes dL/d(images)."""
    model, opt = new_model()
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)

    def one_epoch():
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), BATCH):
            idx = order[i : i + BATCH]
            opt.zero_grad(set_to_none=True)
            xb = x[idx].requires_grad_(True) if image_grad else x[idx]
            loss = loss_fn(model(xb), y[idx])
            loss.backward()
            opt.step()

    one_epoch()  # warm-up
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        one_epoch()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (2)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs to time (median reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x_train, y_train, _, _ = load_mnist_split(seed=0)
    x = torch.from_numpy(x_train)  # float64
    y = torch.from_numpy(y_train)
    layers = layer_table(x, y)
    epoch = epoch_seconds(x, y, args.epochs)
    epoch_image_grad = epoch_seconds(x, y, args.epochs, image_grad=True)
    config = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    if args.json:
        result = {"config": config, "layers": layers, "epoch": epoch}
        result["epoch_image_grad"] = epoch_image_grad
        print(json.dumps(result))
        return
    print(f"PyTorch benchmark  ({config})")
    print(f"    {'layer':<52} {'forward':>8} {'backward':>9}")
    for name, f, b in layers:
        print(f"    {name:<52} {f:>8.3f} {b:>9.3f}")
    print(f"  one epoch, 4000 images, batch 32, float64 : {epoch:.3f} s  (median of {args.epochs})")
    print(f"  the same, the images requiring a gradient  : {epoch_image_grad:.3f} s")


if __name__ == "__main__":
    main()
