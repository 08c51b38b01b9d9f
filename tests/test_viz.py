"""The viz helpers: sliders in both modes, animations that refuse to be truncated."""

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import pytest

from backprop_tour.viz import PALETTE, animate, mode, slider, use_style

matplotlib.use("Agg")


def draw_line(slope):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, slope])
    return fig


def test_palette_is_eight_distinct_colours():
    use_style()
    assert len(set(PALETTE.values())) == 8
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in cycle[:2]] == [PALETTE["blue"].upper(), PALETTE["orange"].upper()]


def test_static_slider_has_one_frame_per_value_and_a_browser_link(monkeypatch):
    monkeypatch.setenv("BACKPROP_TOUR_STATIC", "1")
    box = slider(draw_line, [0.5, 1.0, 2.0], description="slope", alt="slope {value}", value=1.0)
    control, stack = box.children
    assert isinstance(control, widgets.SelectionSlider) and isinstance(stack, widgets.Stack)
    assert len(stack.children) == 3 and stack.selected_index == 1
    assert 'alt="slope 2.0"' in stack.children[2].value
    assert len({frame.value for frame in stack.children}) == 3  # three different pictures
    link = box._link
    assert link.source == (control, "index") and link.target == (stack, "selected_index")
    assert plt.get_fignums() == []  # frames closed after rendering


def test_live_slider_redraws_in_python(monkeypatch):
    monkeypatch.delenv("BACKPROP_TOUR_STATIC", raising=False)
    calls = []

    def draw(v):
        calls.append(v)
        return draw_line(v)

    box = slider(draw, [1, 2, 3], description="slope", alt="slope {value}")
    control, shown = box.children
    first = shown.value
    control.value = 3
    assert calls[-1] == 3 and shown.value != first and 'alt="slope 3"' in shown.value


def test_selftest_calls_min_default_max(monkeypatch):
    monkeypatch.delenv("BACKPROP_TOUR_STATIC", raising=False)
    monkeypatch.setenv("BACKPROP_TOUR_SELFTEST", "1")
    calls = []

    def draw(v):
        calls.append(v)
        if v == 9:
            raise RuntimeError("breaks at the maximum")
        return draw_line(v)

    with pytest.raises(RuntimeError, match="maximum"):
        slider(draw, [1, 5, 9], description="x", alt="x")
    assert calls[0] == 1


def test_slider_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least one value"):
        slider(draw_line, [], description="x", alt="x")
    with pytest.raises(ValueError, match=r"default value to be one of \[1, 2\], got 3"):
        slider(draw_line, [1, 2], description="x", alt="x", value=3)
    with pytest.raises(
        ValueError, match="expected draw\\(1\\) to return a matplotlib Figure, got int"
    ):
        slider(lambda v: 1, [1], description="x", alt="x")


def test_animate_embeds_every_frame_or_raises():
    use_style()
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([0, 1], [0, 0])
    player = animate(fig, lambda i: line.set_ydata([0, i]), 4, alt="a rising line")
    assert (
        player.data.count('= "data:image/png') == 4 and 'aria-label="a rising line"' in player.data
    )
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([0, 1], [0, 0])
    with pytest.raises(ValueError, match="over max_mb"):
        animate(fig, lambda i: line.set_ydata([0, i]), 4, alt="x", max_mb=0.001)
    with matplotlib.rc_context({"animation.embed_limit": 0.005}):
        fig, ax = plt.subplots(figsize=(2, 2))
        (line,) = ax.plot([0, 1], [0, 0])
        with pytest.raises(ValueError, match=r"only \d+ of 30 frames were embedded"):
            animate(fig, lambda i: line.set_ydata([0, i]), 30, alt="x")


def test_print_mode_slider_is_its_default_frame_with_a_note(monkeypatch):
    monkeypatch.setenv("BACKPROP_TOUR_PRINT", "1")
    shown = slider(draw_line, [0.5, 1.0, 2.0], description="slope", alt="slope {value}")
    html = shown.data
    assert html.count("<img") == 1 and 'alt="slope 1.0"' in html
    assert "web version a slider shows 3 settings, from 0.5 to 2.0" in html


def test_print_mode_animation_is_a_strip_of_key_frames(monkeypatch):
    monkeypatch.setenv("BACKPROP_TOUR_PRINT", "1")
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([], [])
    seen = []

    def update(i):
        seen.append(i)
        line.set_data([0, 1], [0, i])
        return (line,)

    html = animate(fig, update, 10, alt="a line").data
    assert seen == [0, 3, 6, 9] and html.count("<img") == 4
    assert "Key frames 1, 4, 7, 10 of 10" in html and "(frame 10 of 10)" in html


@pytest.mark.parametrize(
    "static, printed, expected",
    [
        ("", "", "live"),
        ("1", "", "static"),
        ("", "1", "print"),
        ("1", "1", "print"),
        ("0", "false", "live"),
    ],
)
def test_mode_is_read_from_the_build_flags(monkeypatch, static, printed, expected):
    monkeypatch.setenv("BACKPROP_TOUR_STATIC", static)
    monkeypatch.setenv("BACKPROP_TOUR_PRINT", printed)
    assert mode() == expected
