"""Chapter 6, putting it together: one step of SGD, with and without momentum."""

from __future__ import annotations

from .common import rng
from .engine import Case, Exercise, Mistake, register


def _sgd_step(param, grad, lr):
    return param - lr * grad  # a step downhill


def _sgd_momentum_step(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity - lr * grad  # as in optim.SGD
    return param + velocity, velocity


def _sgd_cases():
    r = rng("sgd_step")
    shapes = [(3, 4), (5,), (1, 6), (4, 3), (2, 3, 5)]
    lrs = [0.1, 0.05, 0.3, 0.01, 0.2]
    return [
        Case((r.normal(size=s), r.normal(size=s), lr), {"lr": lr})
        for s, lr in zip(shapes, lrs, strict=True)
    ]


_NEW_ARRAY = (
    "chapter 6 asks for new arrays (param - lr * grad) and leaves the inputs as they "
    "were: an in-place param -= ... changes the caller's array, the one the optimiser owns"
)


register(
    Exercise(
        "sgd_step",
        6,
        "sgd_step(param, grad, lr) -> new_param",
        "One step of plain gradient descent: given a parameter array param, its gradient grad "
        "(the same shape) and the learning rate lr (a float), return the updated parameter, "
        "the same shape, one step of length lr times the gradient downhill.",
        _sgd_step,
        _sgd_cases,
        ("new_param",),
        new_array=_NEW_ARRAY,
        mistakes=(
            Mistake(
                "the sign of the step: moved uphill; subtract lr * grad",
                lambda p, g, lr: p + lr * g,
            ),
            Mistake("forgot the learning rate lr", lambda p, g, lr: p - g),
            Mistake(
                "returned the step -lr * grad, not the updated parameter",
                lambda p, g, lr: -lr * g,
            ),
        ),
    )
)


def _momentum_cases():
    r = rng("sgd_momentum_step")
    out = []
    for s, lr, mu in (
        ((3, 4), 0.1, 0.9),
        ((5,), 0.05, 0.5),
        ((1, 6), 0.3, 0.8),
        ((4, 3), 0.01, 0.95),
        ((2, 3, 5), 0.2, 0.7),
    ):
        out.append(Case((r.normal(size=s), r.normal(size=s), r.normal(size=s), lr, mu)))
    return out


def _pytorch_momentum(p, g, v, lr, mu):
    v = mu * v + g
    return p - lr * v, v


def _old_velocity(p, g, v, lr, mu):
    return p + v, mu * v - lr * g


_PYTORCH = (
    "that is PyTorch's convention (v = momentum v + grad, param -= lr v); the book's SGD "
    "uses v = momentum v - lr grad, then param += v"
)
register(
    Exercise(
        "sgd_momentum_step",
        6,
        "sgd_momentum_step(param, grad, velocity, lr, momentum) -> (new_param, new_velocity)",
        "One step of the library's SGD with momentum: given a parameter array param, its "
        "gradient grad and the velocity left by the previous step (all the same shape), the "
        "learning rate lr and the momentum (floats), first update the velocity, "
        "v = momentum v - lr grad, then move the parameter by it, param + v. Return the new "
        "parameter and the new velocity, both the shape of param.",
        _sgd_momentum_step,
        _momentum_cases,
        ("new_param", "new_velocity"),
        new_array=_NEW_ARRAY,
        order=(1, 0),  # the velocity is updated first, then the parameter moves by it
        mistakes=(
            Mistake(_PYTORCH, lambda *a: _pytorch_momentum(*a)[0], 0),
            Mistake(_PYTORCH, lambda *a: _pytorch_momentum(*a)[1], 1),
            Mistake(
                "moved the parameter by the old velocity: update v first, then param += v",
                lambda *a: _old_velocity(*a)[0],
                0,
            ),
            Mistake(
                "forgot to multiply the old velocity by momentum",
                lambda p, g, v, lr, mu: p + v - lr * g,
                0,
            ),
            Mistake(
                "forgot to multiply the old velocity by momentum",
                lambda p, g, v, lr, mu: v - lr * g,
                1,
            ),
            Mistake(
                "the sign of the step: param moved uphill; v = momentum v - lr grad, param + v",
                lambda p, g, v, lr, mu: p - (mu * v - lr * g),
                0,
            ),
        ),
    )
)
