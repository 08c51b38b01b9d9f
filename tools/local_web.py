"""The built book served on this machine, and Chromium cut off from every other: one
implementation for the browser tests (tests/browser/conftest.py) and the PDF printer
(tools/print_pdf.py).

Python's own ``http.server`` serves the files: a maintained static server (nginx, a Node
package) would be one more thing to install for a folder served to one local browser for
a few minutes.  The guard is Playwright's own request routing; what is ours is only the
rule, "127.0.0.1, localhost and inline data, nothing else".
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

#: How Chromium is started for the book: headless as root in a container, and with none of
#: its background connections (this machine's network is closed; CI's too).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the callers' output readable
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) while the block runs; yields the
    base URL, ``http://127.0.0.1:PORT``."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def is_local(url: str, local_schemes: tuple[str, ...] = ("data:",)) -> bool:
    """True for this machine's addresses and for inline ``local_schemes``."""
    return urlparse(url).hostname in ("127.0.0.1", "localhost") or url.startswith(local_schemes)


def cut_off(page, blocked: list, local_schemes: tuple[str, ...] = ("data:",)):
    """Abort every request of ``page`` that would leave the machine, appending its URL to
    ``blocked``.  Returns the page."""

    def route(r):
        if is_local(r.request.url, local_schemes):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page
