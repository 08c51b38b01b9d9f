"""The viz helpers: sliders in both modes, animations that refuse to be truncated."""

import re

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import pytest

from backprop_tour.viz import PALETTE, animate, mode, slider, use_style
from backprop_tour.viz.style import subplots, svg

matplotlib.use("Agg")


def draw_line(slope):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, slope])
    return fig


def test_palette_is_eight_distinct_colours_and_the_themes_ink():
    use_style()
    assert len(set(PALETTE.values())) == 9  # eight colours and the theme's ink
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in cycle[:2]] == [PALETTE["blue"].upper(), PALETTE["orange"].upper()]


def test_static_slider_has_one_frame_per_value_and_a_browser_link(monkeypatch):
    monkeypatch.setenv("BACKPROP_TOUR_STATIC", "1")
    box = slider(draw_line, [0.5, 1.0, 2.0], description="slope", alt="slope {value}", value=1.0)
    control, stack = box.children
    assert isinstance(control, widgets.SelectionSlider) and isinstance(stack, widgets.Stack)
    assert len(stack.children) == 3 and stack.selected_index == 1
    assert 'aria-label="slope 2.0"' in stack.children[2].value
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
    assert calls[-1] == 3 and shown.value != first and 'aria-label="slope 3"' in shown.value


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


def test_animate_embeds_every_frame_as_svg_shows_the_first_or_raises():
    use_style()
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([0, 1], [0, 0])
    player = animate(fig, lambda i: line.set_ydata([0, i]), 4, alt="a rising line").data
    assert player.count('class="bt-frame"') == 4 and player.count("<svg") == 4
    assert player.count('class="bt-frame" hidden') == 3  # only the first frame is shown
    assert 'aria-label="a rising line"' in player and "(frame 4 of 4)" in player
    for name in ("First frame", "Previous frame", "Play", "Next frame", "Last frame"):
        assert f'aria-label="{name}"' in player  # every control has a name
    assert 'max="3"' in player and "1 / 4" in player
    assert plt.get_fignums() == []  # the figure was closed
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([0, 1], [0, 0])
    with pytest.raises(ValueError, match="over max_mb"):
        animate(fig, lambda i: line.set_ydata([0, i]), 4, alt="x", max_mb=0.001)
    with pytest.raises(ValueError, match="at least one frame"):
        animate(fig, lambda i: None, [], alt="x")


def test_svg_ink_and_paper_follow_the_theme_and_data_colours_do_not():
    use_style()
    fig, ax = subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], color=PALETTE["black"])  # data drawn in black stays black
    ax.axhline(0.5, color=PALETTE["ink"])  # a neutral line follows the theme
    ax.set_title("title")
    text = svg(fig)
    assert text.startswith("<svg ") and "<?xml" not in text and "<metadata" not in text
    assert "#010101" not in text and "#fefefe" not in text  # no sentinel left
    assert "fill: var(--bt-ink, #000000)" in text  # text in the theme's ink
    assert "stroke: var(--bt-ink, #000000)" in text  # axes, ticks, the neutral line
    assert "fill: var(--bt-paper, #ffffff)" in text  # the background
    assert "stroke: #000000" in text  # the data line
    assert ">title</text>" in text  # real text, not glyph outlines
    assert svg(fig) == text  # the same page on every build


def test_svg_ids_never_collide_between_figures_on_one_page():
    use_style()
    pictures = []
    for k in range(2):
        fig, ax = subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, k + 1])
        pictures.append(svg(fig))
    ids = [re.findall(r'id="([^"]+)"', p) for p in pictures]
    assert ids[0] and not set(ids[0]) & set(ids[1])
    for p, own in zip(pictures, ids, strict=True):  # every reference points inside
        assert set(re.findall(r"url\(#([^)]+)\)", p)) <= set(own)


def test_print_mode_slider_is_its_default_frame_with_a_note(monkeypatch):
    monkeypatch.setenv("BACKPROP_TOUR_PRINT", "1")
    shown = slider(draw_line, [0.5, 1.0, 2.0], description="slope", alt="slope {value}")
    html = shown.data
    assert html.count("<img") == 1 and 'alt="slope 1.0"' in html
    assert "data:image/png;base64," in html and "<svg" not in html  # pixels for paper
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
    assert seen == [0, 3, 6, 9] and html.count('<img src="data:image/png') == 4
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


def test_a_figure_is_svg_on_screen_and_a_print_resolution_png_on_paper(monkeypatch):
    import base64
    import io

    use_style()
    fig, ax = subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    monkeypatch.delenv("BACKPROP_TOUR_PRINT", raising=False)
    assert list(fig._repr_mimebundle_()) == ["image/svg+xml"]
    monkeypatch.setenv("BACKPROP_TOUR_PRINT", "1")
    bundle = fig._repr_mimebundle_()
    assert list(bundle) == ["image/png"]
    from IPython.core.formatters import DisplayFormatter

    shown, _ = DisplayFormatter().format(fig)  # what Jupyter sends: no SVG beside the PNG
    assert "image/png" in shown and "image/svg+xml" not in shown
    image = plt.imread(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert image.shape[1] >= 1600 * 0.9  # as wide as the printed column at >= 200 ppi
