"""A slider that redraws a figure — in a live kernel and in the static HTML book.

Live (the default) the slider calls ``draw(value)`` in Python whenever it moves.  When
the book is built (``BACKPROP_TOUR_STATIC=1``) there will be no kernel behind the page,
so every frame is rendered now, each as an inline SVG inside an ``ipywidgets.Stack``, and
the slider's index is linked to the stack's ``selected_index`` in the browser
(``jslink``): moving the slider in the HTML page switches frames with no Python at all.
Under test (``BACKPROP_TOUR_SELFTEST=1``: ``make live``, ``make outputs``) a live slider's
callback is also run at the first, the default and the last value, so a slider that breaks
at an end fails the test run (the static book draws every value anyway).
For print (``BACKPROP_TOUR_PRINT=1``, ``make pdf``) the slider becomes its default frame
and a line saying that the web version is interactive.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .modes import PRINT, STATIC, flag, mode
from .style import IMAGE_DPI, png_base64, svg

SELFTEST_DPI = 30  # the self-test draws the ends only to see that they do not fail


def _render(draw: Callable, value, dpi: float = IMAGE_DPI) -> str:
    """Run ``draw(value)`` and return the figure as inline SVG (and close it)."""
    fig = draw(value)
    if not isinstance(fig, Figure):
        raise ValueError(
            f"slider: expected draw({value!r}) to return a matplotlib Figure, "
            f"got {type(fig).__name__}"
        )
    picture = svg(fig, dpi)
    plt.close(fig)
    return picture


def picture(svg_text: str, alt: str) -> str:
    """An SVG frame as one image for assistive technology: ``alt`` is its name."""
    return (
        f'<div class="bt-frame" role="img" aria-label="{html.escape(alt, quote=True)}">'
        f"{svg_text}</div>"
    )


def printed(fig, alt: str) -> str:
    """A figure for paper: a PNG at print resolution, ``alt`` its text (closes ``fig``)."""
    data = png_base64(fig)
    plt.close(fig)
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
        'style="max-width:100%;height:auto">'
    )


def print_frame(img: str, note: str):
    """A frame for the printed book: the picture (an ``<img>``) and a note under it."""
    from IPython.display import HTML

    return HTML(
        f'<figure class="bt-print-frame">{img}'
        f"<figcaption><em>{html.escape(note)}</em></figcaption></figure>"
    )


def _label(value, readout_format: str | None) -> str:
    return format(value, readout_format) if readout_format else str(value)


def slider(
    draw: Callable,
    values: Sequence,
    *,
    description: str,
    alt: str,
    value=None,
    readout_format: str | None = None,
) -> widgets.VBox:
    """A ``SelectionSlider`` over ``values`` above the figure ``draw(value)`` returns.

    ``draw(v)`` must create and return a new Figure; ``alt`` is the alt text of each
    frame and may contain ``{value}``.  ``values`` should be short (each value is a frame
    in the static book).  Returns a ``VBox`` (slider, figure) with ``.draw`` and
    ``.values`` kept on it for tests.
    """
    values = list(values)
    if not values:
        raise ValueError("slider: expected at least one value, got an empty sequence")
    if len(values) > 40:
        raise ValueError(
            f"slider: expected at most 40 values (each is a frame in the page), got {len(values)}"
        )
    if value is None:
        value = values[len(values) // 2]
    if value not in values:
        raise ValueError(f"slider: expected the default value to be one of {values}, got {value!r}")
    labels = [_label(v, readout_format) for v in values]
    control = widgets.SelectionSlider(
        options=list(zip(labels, values, strict=True)),
        value=value,
        description=description,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="95%"),
    )
    default_index = values.index(value)
    where = mode()
    if where == PRINT:
        fig = draw(value)
        if not isinstance(fig, Figure):
            raise ValueError(
                f"slider: expected draw({value!r}) to return a matplotlib Figure, "
                f"got {type(fig).__name__}"
            )
        return print_frame(
            printed(fig, alt.format(value=value)),
            f"{description} = {labels[default_index]}; in the web version a slider shows "
            f"{len(values)} settings, from {labels[0]} to {labels[-1]}.",
        )
    if where == STATIC:
        frames = [widgets.HTML(picture(_render(draw, v), alt.format(value=v))) for v in values]
        shown = widgets.Stack(frames, selected_index=default_index)
        link = widgets.jslink((control, "index"), (shown, "selected_index"))
        box = widgets.VBox([control, shown])
        box._link = link  # keep the link (and so its state in the page) alive
    else:
        if flag("BACKPROP_TOUR_SELFTEST"):
            for v in {0, default_index, len(values) - 1}:
                _render(draw, values[v], SELFTEST_DPI)
        shown = widgets.HTML(picture(_render(draw, value), alt.format(value=value)))

        def redraw(change) -> None:
            v = change["new"]
            shown.value = picture(_render(draw, v), alt.format(value=v))

        control.observe(redraw, names="value")
        box = widgets.VBox([control, shown])
    box.draw, box.values = draw, values
    return box
