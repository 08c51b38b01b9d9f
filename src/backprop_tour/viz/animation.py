"""Matplotlib animations as self-contained JavaScript players (no ffmpeg needed)."""

from __future__ import annotations

import html
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib.animation import FuncAnimation

# each embedded frame is a line `frames[i] = "data:image/png;base64,...` in the player
_FRAME = re.compile(r'frames\[\d+\] = "data:image')


def animate(fig, update, frames, *, interval: int = 500, alt: str, max_mb: float = 2.0) -> HTML:
    """Turn ``update(i)`` over ``frames`` into an HTML player; closes ``fig``.

    matplotlib silently drops frames (it only logs a warning) once the embedded movie
    passes ``animation.embed_limit``; here every frame must make it in, and the player
    must stay under ``max_mb`` megabytes, or a ValueError says so — the book build fails
    rather than shipping a truncated animation or an over-heavy page.
    """
    n_frames = frames if isinstance(frames, int) else len(list(frames))
    anim = FuncAnimation(fig, update, frames=frames, interval=interval, blit=False)
    player = anim.to_jshtml(default_mode="once")
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
    return HTML(f'<figure class="bt-animation" role="img" aria-label="{label}">{player}</figure>')
