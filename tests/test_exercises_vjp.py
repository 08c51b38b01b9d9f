"""Chapters 2b and 7's graded exercises (vector-Jacobian products): each plausible wrong
answer fails with its mistake named, and answers written differently but right pass."""

import numpy as np
import pytest

from backprop_tour import exercises as ex


def _keepdims_lost(a, b, g):
    """Sums over the right axes but lets NumPy drop the size-1 ones."""

    def back(shape):
        extra = g.ndim - len(shape)
        ones = tuple(extra + i for i, n in enumerate(shape) if n == 1)
        return g.sum(axis=tuple(range(extra)) + ones)

    return back(a.shape), back(b.shape)


WRONG = {
    "max_backward": [
        (lambda a, b, g: (g, g), "max routes"),
        (lambda a, b, g: (g * (a < b), g * (b < a)), "wrong order"),  # that is (db, da)
        (lambda a, b, g: (g * (a < b), g * (b > a)), "smaller input"),
        (lambda a, b, g: ((a > b) * 1.0, (b > a) * 1.0), "without dout"),
        (lambda a, b, g: (g * (a > b), g * (a > b)), "db: "),
        (lambda a, b, g: (-g * (a > b), -g * (b > a)), "sign"),
        (lambda a, b, g: (g * (a > b) / 2, g * (b > a) / 2), "factor 1/2"),
    ],
    "jacobian_vjp": [
        (lambda jac, g: jac.sum(axis=1) * g, "summed over the inputs"),
        (lambda jac, g: jac.sum(axis=0), "without weighting"),
        (lambda jac, g: jac @ g, "raised ValueError"),
        (lambda jac, g: -(g @ jac), "sign"),
        (lambda jac, g: 2 * (g @ jac), "factor 2"),
        (lambda jac, g: (g @ jac)[:, None], "wrong shape"),
    ],
    "mul_vjp": [
        (lambda a, b, g: (g * a, g * b), "wrong order"),  # that is (db, da)
        (lambda a, b, g: (g * a, g * a), "the *other* input"),
        (lambda a, b, g: (b, a), "forgot the upstream g"),
        (lambda a, b, g: (g, g), "the VJP of a + b"),
        (lambda a, b, g: (-g * b, -g * a), "sign"),
        (lambda a, b, g: (2 * g * b, 2 * g * a), "factor 2"),
        (lambda a, b, g: (g * b,), "expected a tuple of 2"),
        (lambda a, b, g: None, "None"),
    ],
    "broadcast_add_vjp": [
        (lambda a, b, g: (g, g), "sum of their gradients"),
        (lambda a, b, g: (g, g.mean(axis=0)), "averaged"),
        (lambda a, b, g: (g, g.sum(axis=1)), "wrong axis"),
        (_keepdims_lost, "keepdims=True"),
        (lambda a, b, g: (g, -g.sum(axis=0)), "sign"),
        (lambda a, b, g: (g, g.sum(axis=0)), "case 2 of 5"),  # right only for b of shape (M,)
    ],
    "matmul_vjp": [
        (lambda a, b, g: (g @ b.T, g.T @ a), "transposed"),
        (lambda a, b, g: (a.T @ g, g @ b.T), "wrong order"),
        (lambda a, b, g: (g @ b, a.T @ g), "raised ValueError"),
        (lambda a, b, g: (g @ b.T / len(a), a.T @ g / len(a)), "factor 1/N"),
        (lambda a, b, g: (-(g @ b.T), -(a.T @ g)), "sign"),
        (lambda a, b, g: (g @ b.T, a.T @ g * 2), "db: off by a factor 2"),
    ],
}

RIGHT = {
    "max_backward": [
        lambda a, b, g: (np.where(a > b, g, 0.0), np.where(a > b, 0.0, g)),
        lambda a, b, g: (g * (np.maximum(a, b) == a), g * (np.maximum(a, b) == b)),
    ],
    "jacobian_vjp": [
        lambda jac, g: jac.T @ g,
        lambda jac, g: np.einsum("k,ki->i", g, jac),
    ],
    "mul_vjp": [
        lambda a, b, g: (np.multiply(g, b), np.multiply(a, g)),
        lambda a, b, g: tuple(g * other for other in (b, a)),
    ],
    "broadcast_add_vjp": [
        lambda a, b, g: tuple(
            np.add.reduce(
                g,
                axis=tuple(
                    i
                    for i in range(g.ndim)
                    if i < g.ndim - x.ndim or x.shape[i - (g.ndim - x.ndim)] == 1
                ),
            ).reshape(x.shape)
            for x in (a, b)
        ),
        # the gradient of sum(g * (a + b)) by broadcasting ones and summing back
        lambda a, b, g: tuple(
            (g * np.ones_like(x))
            .sum(axis=tuple(range(g.ndim - x.ndim)))
            .sum(axis=tuple(i for i, n in enumerate(x.shape) if n == 1), keepdims=True)
            for x in (a, b)
        ),
    ],
    "matmul_vjp": [
        lambda a, b, g: (np.einsum("nm,dm->nd", g, b), np.einsum("nd,nm->dm", a, g)),
        lambda a, b, g: (np.dot(g, b.T), np.tensordot(a, g, axes=(0, 0))),
    ],
}


@pytest.mark.parametrize(
    "name, answer, words",
    [(name, answer, words) for name, wrongs in WRONG.items() for answer, words in wrongs],
)
def test_a_wrong_vjp_fails_and_its_mistake_is_named(name, answer, words):
    result = ex.check(name, answer)
    assert not result.passed
    assert words in str(result), str(result)


@pytest.mark.parametrize(
    "name, answer", [(name, answer) for name, rights in RIGHT.items() for answer in rights]
)
def test_a_right_vjp_written_differently_passes(name, answer):
    result = ex.check(name, answer)
    assert result.passed, str(result)


def test_every_new_exercise_is_listed_and_its_reference_passes():
    assert ex.names("2b") == ["max_backward", "jacobian_vjp"]
    assert ex.names(7) == ["mul_vjp", "broadcast_add_vjp", "matmul_vjp"]
    for name in ex.names("2b") + ex.names(7):
        assert ex.check(name, ex.solution(name)).passed
