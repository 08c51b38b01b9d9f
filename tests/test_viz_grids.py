"""viz.grids and viz.charts draw what they are given: frames built from the library's
arrays, figures sized for the column."""

import matplotlib
import numpy as np
import pytest

import backprop_tour as bt
from backprop_tour.viz import DPI, FULL_WIDTH, charts, grids

matplotlib.use("Agg")


def test_sliding_frames_fill_the_result_in_order():
    x = np.arange(9.0).reshape(3, 3)
    w = np.array([[1.0, 0.0], [0.0, -1.0]])
    y = bt.conv.correlate2d(x, w)
    frames = grids.sliding_frames(x, w, y, names=("x", "w", "y"), label="y[{i},{j}]")
    assert len(frames) == 4
    third = frames[2][2]  # after three positions: (0,0), (0,1), (1,0) shown, (1,1) blank
    assert third.boxes == [(1, 0, 1, 1)]
    assert third.blank.tolist() == [[False, False], [False, True]]
    assert third.title.endswith(f"y[1,0] = {y[1, 0]:g}")
    assert frames[2][0].boxes == [(1, 0, 2, 2)]  # the window over the input


def test_pool_frames_follow_the_librarys_route():
    a = np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 5.0],
                  [0.0, 1.0, 3.0, 2.0], [2.0, 6.0, 1.0, 1.0]])  # fmt: skip
    pool = bt.MaxPool2D(2)
    pool.forward(a[None, None])
    dp = np.array([[0.1, -0.2], [0.3, 0.4]])
    da = pool.backward(dp[None, None])[0, 0]
    frames = grids.pool_frames(a, dp, da, 2)
    maxima = [f[0].boxes[1][:2] for f in frames]
    assert maxima == [(1, 0), (1, 3), (3, 1), (2, 2)]  # where 4, 5, 6 and 3 sit
    np.testing.assert_array_equal(frames[-1][2].values, da)


def test_draw_grid_refuses_a_vector():
    fig, ax = matplotlib.pyplot.subplots()
    with pytest.raises(ValueError, match="2-D matrix"):
        grids.draw_grid(ax, grids.Panel(np.ones(3), "v"))
    matplotlib.pyplot.close(fig)


def test_charts_are_drawn_at_the_column_width():
    fig = charts.bars(["a", "b"], [3, 5], ylabel="n", title="t")
    assert fig.get_size_inches()[0] == FULL_WIDTH and fig.dpi == DPI
    assert {t.get_text() for t in fig.axes[0].texts} == {"3", "5"}
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="expected 2 titles"):
        charts.image_row([np.ones((2, 2)), np.ones((2, 2))], ["only one"])


def test_cost_and_count_draws_each_run_on_both_panels():
    fig = charts.cost_and_count(
        {"a": [1.0, 0.5], "b": [2.0, 0.1]},
        {"a": [0, 0], "b": [0, 3]},
        count_label="n",
        count_max=3,
    )
    assert fig.get_size_inches()[0] == FULL_WIDTH
    left, right = fig.axes
    assert [line.get_label() for line in right.lines] == ["a", "b"]
    assert list(right.lines[1].get_ydata()) == [0, 3]
    assert left.get_yscale() == "log"
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="same runs"):
        charts.cost_and_count({"a": [1.0]}, {"b": [0]}, count_label="n", count_max=1)
