"""benchmarks/bench_autodiff.py: it checks its premise (the engine's gradients are the
library's) before timing, and prints both epochs and their ratio."""

import importlib.util
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_autodiff.py"


def load():
    spec = importlib.util.spec_from_file_location("bench_autodiff", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_engine_and_the_layers_agree_before_anything_is_timed():
    bench = load()
    x, y = np.random.default_rng(0).uniform(0, 1, (40, 1, 28, 28)), np.arange(40) % 10
    assert bench.same_gradients(x, y)


def test_a_wrong_engine_is_caught_before_timing(monkeypatch):
    bench = load()
    x, y = np.random.default_rng(0).uniform(0, 1, (40, 1, 28, 28)), np.arange(40) % 10
    right = bench.cnn_cost

    def doubled(p, images, labels):  # a cost twice as large: every gradient doubles
        return 2 * right(p, images, labels)

    monkeypatch.setattr(bench, "cnn_cost", doubled)
    assert not bench.same_gradients(x, y)


def test_main_times_both_ways_and_prints_the_ratio(capsys, monkeypatch):
    bench = load()
    x, y = np.random.default_rng(1).uniform(0, 1, (64, 1, 28, 28)), np.arange(64) % 10
    monkeypatch.setattr(bench, "load_mnist_split", lambda seed: (x, y, None, None))
    result = bench.main(["--rounds", "1"])
    out = capsys.readouterr().out
    assert set(result) == {"fit", "engine"} and all(v > 0 for v in result.values())
    assert "round 1: fit" in out and "the engine takes" in out
