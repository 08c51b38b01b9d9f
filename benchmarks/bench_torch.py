"""The same CNN and epoch as bench_cnn.py, in PyTorch (CPU, float64), for comparison.

    make bench-torch    # creates .venv-torch with torch==2.13.0 + numpy, then runs this

Only the training loop is timed: the data are the same shipped digits, as tensors.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from backprop_tour.data import load_mnist_split  # noqa: E402  (numpy only; no other deps)


def main() -> None:
    threads = os.environ.get("BENCH_TORCH_THREADS")
    if threads:  # e.g. 1: small matrices often run faster on one thread
        torch.set_num_threads(int(threads))
    torch.manual_seed(0)
    x_train, y_train, _, _ = load_mnist_split(seed=0)
    x = torch.from_numpy(x_train)  # float64
    y = torch.from_numpy(y_train)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(288, 60),
        nn.ReLU(),
        nn.Linear(60, 10),
    ).double()
    # like backprop_tour.fit: no gradient for the input images
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)

    def one_epoch():
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 32):
            idx = order[i : i + 32]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()

    one_epoch()
    times = []
    for _ in range(7):
        start = time.perf_counter()
        one_epoch()
        times.append(time.perf_counter() - start)
    print(f"PyTorch {torch.__version__} benchmark  (threads {torch.get_num_threads()})")
    print(
        f"  one epoch, 4000 images, batch 32, float64 : {statistics.median(times):.3f} s  "
        f"(median of 7)"
    )


if __name__ == "__main__":
    main()
