"""Run bench_cnn.py and bench_torch.py alternately and compare their epoch times.

    python benchmarks/compare_torch.py --torch-python .venv-torch/bin/python [--rounds 3]

The two run as separate processes, one after the other, several rounds, so a noisy
neighbour slows both rather than one; the medians of the rounds are compared.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EPOCH = re.compile(r"one epoch.*?: ([0-9.]+) s")


def epoch_seconds(python: str, script: str) -> float:
    out = subprocess.run(
        [python, str(HERE / script)], check=True, capture_output=True, text=True
    ).stdout
    match = EPOCH.search(out)
    if not match:
        raise RuntimeError(f"no epoch time in the output of {script}:\n{out}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", required=True, help="a python that has torch installed")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ours, theirs = [], []
    for r in range(1, args.rounds + 1):
        ours.append(epoch_seconds(sys.executable, "bench_cnn.py"))
        theirs.append(epoch_seconds(args.torch_python, "bench_torch.py"))
        print(f"round {r}: backprop_tour {ours[-1]:.3f} s   PyTorch {theirs[-1]:.3f} s", flush=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(
        f"median epoch: backprop_tour {a:.3f} s, PyTorch {b:.3f} s -> backprop_tour takes "
        f"{a / b:.2f}x PyTorch's time ({(1 - a / b):+.0%} faster)"
    )


if __name__ == "__main__":
    main()
