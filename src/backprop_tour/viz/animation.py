"""Matplotlib animations as self-contained JavaScript players (no ffmpeg needed)."""

from __future__ import annotations

import html
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib.animation import FuncAnimation

from .modes import PRINT, mode

# matplotlib's player fetches Font Awesome from a CDN for its button icons; the book must
# read offline, so the stylesheet link goes and each icon becomes a plain Unicode symbol.
_ICON_LINK = re.compile(r'<link rel="stylesheet"\s+href="https://[^"]*font-awesome[^"]*">')
_ICONS = {  # symbols every common sans-serif font has (DejaVu, Liberation, Arial)
    "fa fa-play fa-flip-horizontal": "\u25c0",  # play backwards
    "fa fa-fast-backward": "\u21e4",  # first frame
    "fa fa-step-backward": "\u2190",  # previous frame
    "fa fa-step-forward": "\u2192",  # next frame
    "fa fa-fast-forward": "\u21e5",  # last frame
    "fa fa-pause": "||",
    "fa fa-play": "\u25b6",
    "fa fa-minus": "\u2212",  # slower
    "fa fa-plus": "+",  # faster
}


def _offline_player(player: str) -> str:
    player = _ICON_LINK.sub("", player)
    for css, symbol in _ICONS.items():  # exact `<i class="...">` tags: order does not matter
        player = player.replace(f'<i class="{css}"></i>', symbol)
    return player


# each embedded frame is a line `frames[i] = "data:image/png;base64,...` in the player
_FRAME = re.compile(r'frames\[\d+\] = "data:image')


def _key_frames(n: int, count: int = 4) -> list[int]:
    """``count`` frames spread evenly from the first to the last."""
    if n <= count:
        return list(range(n))
    return sorted({round(k * (n - 1) / (count - 1)) for k in range(count)})


def _print_strip(fig, update, frames, alt: str) -> HTML:
    """The printed book's version of an animation: a few key frames, one under another."""
    import base64
    import io

    frames = list(range(frames)) if isinstance(frames, int) else list(frames)
    n_frames = len(frames)
    pictures = []
    for k in _key_frames(n_frames):
        update(frames[k])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        label = html.escape(f"{alt} (frame {k + 1} of {n_frames})", quote=True)
        pictures.append(f'<img src="data:image/png;base64,{data}" alt="{label}">')
    plt.close(fig)
    note = (
        f"Key frames {', '.join(str(k + 1) for k in _key_frames(n_frames))} of {n_frames}; "
        "the web version plays the animation."
    )
    return HTML(
        f'<figure class="bt-print-strip">{"".join(pictures)}'
        f"<figcaption><em>{html.escape(note)}</em></figcaption></figure>"
    )


def animate(fig, update, frames, *, interval: int = 500, alt: str, max_mb: float = 2.0) -> HTML:
    """Turn ``update(i)`` over ``frames`` into an HTML player; closes ``fig``.

    matplotlib silently drops frames (it only logs a warning) once the embedded movie
    passes ``animation.embed_limit``; here every frame must make it in, and the player
    must stay under ``max_mb`` megabytes, or a ValueError says so — the book build fails
    rather than shipping a truncated animation or an over-heavy page.  The player needs no
    network: its icon font link is replaced by Unicode symbols.
    """
    n_frames = frames if isinstance(frames, int) else len(list(frames))
    if mode() == PRINT:
        return _print_strip(fig, update, frames, alt)
    anim = FuncAnimation(fig, update, frames=frames, interval=interval, blit=False)
    player = _offline_player(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    embedded = len(_FRAME.findall(player))
    size_mb = len(player.encode()) / 1e6
    limit = mpl.rcParams["animation.embed_limit"]
    if embedded < n_frames:
        raise ValueError(
            f"animate: only {embedded} of {n_frames} frames were embedded: the movie passed "
            f"animation.embed_limit ({limit} MB). Use fewer frames, a smaller figure or a "
            "lower dpi."
        )
    if size_mb > max_mb:
        raise ValueError(
            f"animate: the player is {size_mb:.2f} MB, over max_mb={max_mb} MB; "
            "use fewer frames, a smaller figure or a lower dpi"
        )
    label = html.escape(alt, quote=True)
    player = player.replace('<img id="_anim_img', f'<img alt="{label}" id="_anim_img', 1)
    return HTML(f'<figure class="bt-animation" role="img" aria-label="{label}">{player}</figure>')
