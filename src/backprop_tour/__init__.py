"""backprop_tour — the small NumPy library behind the backprop-tour book.

Modules: ``activations``, ``conv``, ``layers``, ``losses``, ``network``, ``optim``,
``train``, ``gradcheck``, ``exercises``, ``data``, ``viz``.
Conventions: float64, batch first, NCHW.
"""

from . import exercises
from .gradcheck import (
    agree,
    check_layer,
    check_loss,
    check_model,
    numerical_gradient,
    rel_error,
)
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Sigmoid
from .losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from .network import Sequential, simple_cnn
from .optim import SGD
from .trace import Trace, trace
from .train import History, accuracy, fit, predict

__all__ = [
    "exercises",
    "Layer",
    "Dense",
    "Conv2D",
    "MaxPool2D",
    "ReLU",
    "Sigmoid",
    "Flatten",
    "SoftmaxCrossEntropy",
    "BinaryCrossEntropy",
    "MSE",
    "Sequential",
    "simple_cnn",
    "trace",
    "Trace",
    "SGD",
    "fit",
    "History",
    "predict",
    "accuracy",
    "rel_error",
    "agree",
    "numerical_gradient",
    "check_layer",
    "check_loss",
    "check_model",
]
__version__ = "0.1.0"
