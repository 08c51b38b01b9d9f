"""viz.heatmaps.gradient_diff: draws exactly the arrays it is given, outlines the true
worst cell, and refuses arrays that cannot be compared."""

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from backprop_tour.viz import gradient_diff
from backprop_tour.viz.heatmaps import worst_cell

matplotlib.use("Agg")


def panel(fig, gid):
    (ax,) = [ax for ax in fig.axes if ax.get_gid() == gid]
    return ax


def drawn(fig, gid):
    return np.ma.filled(panel(fig, gid).images[0].get_array(), np.nan)


def outlined(fig):
    """(row, column) of the cell outlined as the worst, or None."""
    patches = [p for p in panel(fig, "diff").patches if p.get_gid() == "worst-cell"]
    if not patches:
        return None
    (rect,) = patches
    x, y = rect.get_xy()
    return int(round(y + 0.5)), int(round(x + 0.5))


def pair(seed=0, shape=(4, 6)):
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=shape)
    analytic = numeric + 0.1 * rng.normal(size=shape)
    return analytic, numeric


def test_draws_exactly_the_arrays_passed():
    analytic, numeric = pair()
    before = analytic.copy(), numeric.copy()
    fig = gradient_diff(analytic, numeric, title="t")
    np.testing.assert_array_equal(drawn(fig, "analytic"), analytic)
    np.testing.assert_array_equal(drawn(fig, "numeric"), numeric)
    np.testing.assert_array_equal(drawn(fig, "diff"), analytic - numeric)
    np.testing.assert_array_equal(analytic, before[0])  # inputs untouched
    np.testing.assert_array_equal(numeric, before[1])


@pytest.mark.parametrize("seed", range(5))
def test_outlined_cell_is_the_argmax_of_the_absolute_difference(seed):
    analytic, numeric = pair(seed, shape=(3 + seed, 7 - seed))
    fig = gradient_diff(analytic, numeric)
    truth = np.unravel_index(np.argmax(np.abs(analytic - numeric)), analytic.shape)
    assert outlined(fig) == tuple(int(i) for i in truth)
    assert worst_cell(analytic, numeric) == tuple(int(i) for i in truth)
    label = panel(fig, "diff").get_xlabel()
    assert f"worst at {tuple(int(i) for i in truth)}" in label


def test_worst_cell_of_a_negative_difference():
    numeric = np.zeros((2, 3))
    analytic = np.array([[0.1, -5.0, 0.2], [0.3, 0.0, 4.0]])
    assert outlined(gradient_diff(analytic, numeric)) == (0, 1)


def test_one_dimensional_arrays_are_one_row_and_named_by_their_own_index():
    numeric = np.arange(5.0)
    analytic = numeric.copy()
    analytic[3] += 2.0
    fig = gradient_diff(analytic, numeric, show_inputs=False)
    assert len(fig.axes) == 2  # the difference and its colour bar
    np.testing.assert_array_equal(drawn(fig, "diff"), (analytic - numeric)[None, :])
    assert outlined(fig) == (0, 3)
    assert "worst at (3,)" in panel(fig, "diff").get_xlabel()


def test_agreeing_arrays_outline_nothing_and_say_so():
    numeric = np.random.default_rng(1).normal(size=(3, 4))
    fig = gradient_diff(numeric + 1e-12, numeric)
    assert outlined(fig) is None
    assert "rel_error < 1e-7" in panel(fig, "diff").get_xlabel()


def test_not_finite_cells_are_labelled_and_the_worst_finite_cell_outlined():
    numeric = np.zeros((2, 3))
    analytic = np.array([[np.nan, 0.5, 0.0], [np.inf, 0.0, -0.1]])
    fig = gradient_diff(analytic, numeric)
    texts = [t.get_text() for t in panel(fig, "diff").texts]
    assert texts.count("NaN") == 1 and texts.count("+inf") == 1
    assert outlined(fig) == (0, 1)
    assert panel(fig, "diff").get_xlabel() == "2 not finite; worst at (0, 1): +0.5"


@pytest.mark.parametrize(
    "a, b",
    [(np.zeros((3, 4)), np.zeros((4, 3))), (np.zeros(5), np.zeros((1, 5))), (np.zeros(3), 0.0)],
)
def test_shape_mismatch_is_a_clear_value_error(a, b):
    with pytest.raises(ValueError, match=r"analytic has shape .* but numeric has shape"):
        gradient_diff(a, b)


def test_more_than_two_dimensions_asks_for_a_slice():
    with pytest.raises(ValueError, match="2-D slice"):
        gradient_diff(np.zeros((2, 1, 3, 3)), np.zeros((2, 1, 3, 3)))


def test_sized_for_the_column_transparent_and_not_left_open():
    fig = gradient_diff(*pair())
    width, height = fig.get_size_inches() * fig.dpi
    assert width == pytest.approx(750) and height == pytest.approx(300)
    assert fig.patch.get_alpha() == 0
    sizes = [t.get_fontsize() for ax in fig.axes for t in ax.get_xticklabels() + [ax.title]]
    assert min(sizes) * fig.dpi / 72 >= 11  # at least 11 px as shown
    assert plt.get_fignums() == []  # not registered with pyplot: nothing to close or show


def test_not_finite_rows_where_the_rest_agree_outline_nothing():
    numeric = np.random.default_rng(2).normal(size=(3, 4))
    analytic = numeric + 1e-13
    analytic[1] = np.nan
    fig = gradient_diff(analytic, numeric)
    assert outlined(fig) is None
    assert panel(fig, "diff").get_xlabel() == "4 not finite; the rest agree"
    assert [t.get_text() for t in panel(fig, "diff").texts] == ["NaN"] * 4


def test_jupyter_shows_it_as_svg_at_the_column_width_in_the_themes_ink():
    text = gradient_diff(*pair())._repr_mimebundle_()["image/svg+xml"]
    assert text.startswith("<svg ") and "var(--bt-ink, #000000)" in text
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', text).group(1))
    assert width == pytest.approx(7.5 * 72, rel=0.03)  # 7.5 in, in points
    assert "<image " in text  # the heat maps are pixels, embedded
