"""The training loop: mini-batches, forward, loss, backward, step — and a history."""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ._checks import as_float_array, check_positive_int


@dataclass
class History:
    """What ``fit`` records.

    * ``batch_loss``: the loss of every mini-batch, in order (epochs * batches values);
    * ``train_acc``: per epoch, the accuracy on the batches as they were trained on
      (a running figure, free to compute);
    * ``val_acc``: per epoch, the accuracy on the validation set after the epoch
      (empty if none was given);
    * ``epoch_seconds``: wall time of each epoch's training pass (validation excluded).
    """

    batch_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)

    @property
    def batches_per_epoch(self) -> int:
        return len(self.batch_loss) // max(len(self.train_acc), 1)


def predict(model, x, batch_size: int = 500) -> np.ndarray:
    """Class predictions ``argmax(model(x))`` for ``x: (N, ...)`` -> ``(N,)``, in batches."""
    x = as_float_array(x, "predict")
    return np.concatenate(
        [model.forward(x[i : i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)]
    )


def accuracy(model, x, y, batch_size: int = 500) -> float:
    """Fraction of ``x`` that ``model`` classifies as ``y``."""
    return float(np.mean(predict(model, x, batch_size) == np.asarray(y)))


def fit(
    model,
    loss,
    optimizer,
    x,
    y,
    *,
    epochs: int,
    batch_size: int = 32,
    x_val=None,
    y_val=None,
    rng=None,
    verbose: bool = True,
    blas_threads: int | None = 1,
) -> History:
    """Train ``model`` with mini-batch SGD and return a :class:`History`.

    Each epoch shuffles ``x: (N, ...)``, ``y: (N,)`` with ``rng`` (pass a seeded
    ``np.random.default_rng`` for repeatable runs), then for every batch:
    ``loss.forward(model.forward(xb), yb)``, ``model.backward(loss.backward())``,
    ``optimizer.step()``.  The first layer's input gradient is never computed: nothing
    needs it.  With ``verbose`` a progress line is printed per epoch.

    ``blas_threads`` caps the BLAS library's threads while training (``None``: leave it).
    For a small network's matrices (at most 60 x 288 here) one thread is faster: the
    threads cost more to coordinate than they save (benchmarks/bench_cnn.py measures it).
    """
    x = as_float_array(x, "fit")
    y = np.asarray(y)
    epochs = check_positive_int(epochs, "fit", "epochs")
    batch_size = check_positive_int(batch_size, "fit", "batch_size")
    if len(x) != len(y):
        raise ValueError(
            f"fit: expected one label per sample, got {len(x)} samples and {len(y)} labels"
        )
    if (x_val is None) != (y_val is None):
        raise ValueError("fit: pass both x_val and y_val, or neither")
    rng = np.random.default_rng() if rng is None else rng
    history = History()
    n = len(x)
    blas = nullcontext() if blas_threads is None else threadpool_limits(blas_threads, "blas")
    with blas:
        for epoch in range(1, epochs + 1):
            _train_epoch(model, loss, optimizer, x, y, batch_size, rng, history)
            if x_val is not None:
                history.val_acc.append(accuracy(model, x_val, y_val))
            if verbose:
                batches = (n + batch_size - 1) // batch_size
                val = f"  val acc {history.val_acc[-1]:.2%}" if history.val_acc else ""
                print(
                    f"epoch {epoch:>2}/{epochs}  loss {np.mean(history.batch_loss[-batches:]):.4f}  "
                    f"train acc {history.train_acc[-1]:.2%}{val}  ({history.epoch_seconds[-1]:.2f} s)",
                    flush=True,
                )
    return history


def _train_epoch(model, loss, optimizer, x, y, batch_size, rng, history) -> None:
    """One pass over ``x`` in shuffled mini-batches; appends to ``history``."""
    start = time.perf_counter()
    n = len(x)
    order = rng.permutation(n)
    correct = 0
    for i in range(0, n, batch_size):
        idx = order[i : i + batch_size]
        xb, yb = x[idx], y[idx]
        scores = model.forward(xb)
        history.batch_loss.append(loss.forward(scores, yb))
        model.backward_params(loss.backward())  # no dJ/d(images): nothing upstream uses it
        optimizer.step()
        correct += int((scores.argmax(axis=1) == yb).sum())
    history.train_acc.append(correct / n)
    history.epoch_seconds.append(time.perf_counter() - start)
