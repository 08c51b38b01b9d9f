"""Drawing the graph an autodiff engine recorded: layout, labels, frames."""

import numpy as np

from backprop_tour import autodiff as ad
from backprop_tour.viz import recorded
from backprop_tour.viz.recorded import Record


def two_layer_records():
    # X @ W.T + b, then a cost: X a constant, W through a transpose, b a side input
    return [
        Record("W", (3, 2), (), True, True),
        Record("T", (2, 3), (0,), False, True),
        Record("X", (4, 2), (), True, False),
        Record("@", (4, 3), (2, 1), False, True),
        Record("b", (3,), (), True, True),
        Record("+", (4, 3), (3, 4), False, True),
        Record("CE", (), (5,), False, True),
    ]


def test_main_line_runs_left_to_right_and_side_inputs_stand_above_their_user():
    at = recorded.layout(two_layer_records())
    main = [2, 3, 5, 6]  # X -> @ -> + -> CE
    assert [at[i][1] for i in main] == [0, 0, 0, 0]
    assert [at[i][0] for i in main] == sorted(at[i][0] for i in main)
    assert at[1][0] == at[3][0] and at[1][1] > 0  # T above @
    assert at[0][0] == at[1][0] and at[0][1] > at[1][1]  # W above T
    assert at[4][0] == at[5][0] and at[4][1] > 0  # b above +
    assert len(set(at.values())) == len(at)  # no two records in one place


def test_backward_frames_follow_the_reverse_topological_order_and_skip_constants():
    frames = recorded.backward_frames(two_layer_records())
    assert len(frames) == 1 + 4  # the forward picture, then one frame per operation
    assert [f.highlight for f in frames[1:]] == [["t6"], ["t5"], ["t3"], ["t1"]]
    assert "softmax cross-entropy" in frames[1].note and "matmul" in frames[3].note
    last = {(e.src, e.dst): e.grad for e in frames[-1].edges}
    assert last[("t2", "t3")] == ""  # X is a constant: no gradient reaches it
    assert last[("t1", "t3")] == "(2, 3)" and last[("t0", "t1")] == "(3, 2)"
    first = {(e.src, e.dst): e.grad for e in frames[0].edges}
    assert not any(first.values())


def test_records_are_plain_data_in_topological_order_constants_included():
    x = ad.Tensor(np.ones((1, 2)), "x", requires_grad=False)
    w = ad.Tensor(np.ones((2, 1)), "w")
    nodes = recorded.records((x @ w).sum())
    assert [n.label for n in nodes][-2:] == ["@", "\u03a3"]
    assert nodes[-1].parents == (len(nodes) - 2,) and nodes[-1].shape == ()
    assert {n.label: n.requires_grad for n in nodes if n.leaf} == {"x": False, "w": True}
