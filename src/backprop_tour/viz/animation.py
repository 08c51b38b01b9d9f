"""Animations as a small self-contained player: every frame an inline SVG, one shown.

The player is plain HTML with a few lines of JavaScript of the book's own, so it works
in the static book (no kernel), in JupyterLab and offline: buttons for the first, the
previous, the next and the last frame, play and pause, and a range slider over the
frames, each with an accessible name and usable from the keyboard.  Each frame is an SVG
whose ink follows the page's theme (see :mod:`.style`).  For print, an animation becomes
a strip of key frames, PNGs at print resolution.
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
from IPython.display import HTML

from .modes import PRINT, mode
from .sliders import picture
from .style import png_base64, svg

# One function for every player on a page, defined by the first; each player's own
# script hands it its <figure>.  Frames are <div hidden>; the slider and the buttons
# set the shown one; play steps every `data-interval` ms and stops at the last frame.
_PLAYER_JS = """(function (figure) {
  if (!window.btPlayer) {
    window.btPlayer = function (fig) {
      var frames = fig.querySelectorAll('.bt-frames > .bt-frame');
      var slider = fig.querySelector('input.bt-anim-slider');
      var readout = fig.querySelector('output');
      var play = fig.querySelector('button[data-act="play"]');
      var n = frames.length, at = 0, timer = null;
      var wait = parseInt(fig.getAttribute('data-interval'), 10) || 500;
      function show(k) {
        at = Math.max(0, Math.min(n - 1, k));
        for (var i = 0; i < n; i++) { frames[i].hidden = i !== at; }
        slider.value = at;
        readout.textContent = (at + 1) + ' / ' + n;
      }
      function stop() {
        if (timer) { clearInterval(timer); timer = null; }
        play.textContent = '\\u25b6'; play.setAttribute('aria-pressed', 'false');
        play.setAttribute('aria-label', 'Play');
      }
      function start() {
        if (at === n - 1) { show(0); }
        play.textContent = '\\u2016'; play.setAttribute('aria-pressed', 'true');
        play.setAttribute('aria-label', 'Pause');
        timer = setInterval(function () {
          if (at >= n - 1) { stop(); } else { show(at + 1); }
        }, wait);
      }
      var acts = {
        first: function () { stop(); show(0); },
        prev: function () { stop(); show(at - 1); },
        next: function () { stop(); show(at + 1); },
        last: function () { stop(); show(n - 1); },
        play: function () { if (timer) { stop(); } else { start(); } }
      };
      fig.querySelectorAll('button[data-act]').forEach(function (b) {
        b.addEventListener('click', acts[b.getAttribute('data-act')]);
      });
      slider.addEventListener('input', function () { stop(); show(+slider.value); });
      show(0);
    };
  }
  window.btPlayer(figure);
})(document.currentScript.parentNode);"""

_BUTTONS = (  # symbols every common sans-serif font has (DejaVu, Liberation, Arial)
    ("first", "First frame", "\u21e4"),
    ("prev", "Previous frame", "\u2190"),
    ("play", "Play", "\u25b6"),
    ("next", "Next frame", "\u2192"),
    ("last", "Last frame", "\u21e5"),
)


def _key_frames(n: int, count: int = 4) -> list[int]:
    """``count`` frames spread evenly from the first to the last."""
    if n <= count:
        return list(range(n))
    return sorted({round(k * (n - 1) / (count - 1)) for k in range(count)})


def _print_strip(fig, update, frames: list, alt: str) -> HTML:
    """The printed book's version of an animation: a few key frames, one under another."""
    n_frames = len(frames)
    pictures = []
    for k in _key_frames(n_frames):
        update(frames[k])
        label = html.escape(f"{alt} (frame {k + 1} of {n_frames})", quote=True)
        pictures.append(f'<img src="data:image/png;base64,{png_base64(fig)}" alt="{label}">')
    plt.close(fig)
    note = (
        f"Key frames {', '.join(str(k + 1) for k in _key_frames(n_frames))} of {n_frames}; "
        "the web version plays the animation."
    )
    return HTML(
        f'<figure class="bt-print-strip">{"".join(pictures)}'
        f"<figcaption><em>{html.escape(note)}</em></figcaption></figure>"
    )


def player(pictures: list[str], *, alt: str, interval: int = 500) -> str:
    """The HTML of a player over ``pictures`` (inline SVG frames), the first one shown."""
    n = len(pictures)
    label = html.escape(alt, quote=True)
    frames = "".join(
        picture(p, f"{alt} (frame {k + 1} of {n})").replace(
            'class="bt-frame"', 'class="bt-frame"' + (" hidden" if k else ""), 1
        )
        for k, p in enumerate(pictures)
    )
    buttons = "".join(
        f'<button type="button" data-act="{act}" aria-label="{name}" title="{name}"'
        + (' aria-pressed="false"' if act == "play" else "")
        + f">{symbol}</button>"
        for act, name, symbol in _BUTTONS
    )
    controls = (
        f'<div class="bt-controls">{buttons}'
        f'<input type="range" class="bt-anim-slider" min="0" max="{n - 1}" value="0" '
        f'step="1" aria-label="Frame of the animation">'
        f'<output aria-live="off">1 / {n}</output></div>'
    )
    return (
        f'<figure class="bt-animation" role="group" aria-label="{label}" '
        f'data-interval="{int(interval)}"><div class="bt-frames">{frames}</div>{controls}'
        f"<script>{_PLAYER_JS}</script></figure>"
    )


def animate(fig, update, frames, *, interval: int = 500, alt: str, max_mb: float = 2.0) -> HTML:
    """Turn ``update(i)`` over ``frames`` (a count or a sequence) into a player; closes
    ``fig``.  Every frame is drawn now and embedded; the player must stay under
    ``max_mb`` megabytes, or a ValueError says so: the book build fails rather than
    ship an over-heavy page."""
    frames = list(range(frames)) if isinstance(frames, int) else list(frames)
    if not frames:
        raise ValueError("animate: expected at least one frame, got none")
    if mode() == PRINT:
        return _print_strip(fig, update, frames, alt)
    pictures = []
    for f in frames:
        update(f)
        pictures.append(svg(fig))
    plt.close(fig)
    page = player(pictures, alt=alt, interval=interval)
    size_mb = len(page.encode()) / 1e6
    if size_mb > max_mb:
        raise ValueError(
            f"animate: the player is {size_mb:.2f} MB, over max_mb={max_mb} MB; "
            "use fewer frames, a smaller figure or fewer points"
        )
    return HTML(page)
