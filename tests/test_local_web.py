"""tools/local_web.py: the one local server and off-machine rule the browser tests and the
PDF printer share."""

import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import local_web  # noqa: E402


def test_serve_answers_on_this_machine_and_stops_after(tmp_path):
    (tmp_path / "page.html").write_text("<p>hello</p>")
    with local_web.serve(tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/page.html", timeout=5) as r:
            assert r.read() == b"<p>hello</p>"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/page.html", timeout=2)


@pytest.mark.parametrize(
    "url, local",
    [
        ("http://127.0.0.1:8000/book/index.html", True),
        ("http://localhost:9999/x.js", True),
        ("data:image/png;base64,AAAA", True),
        ("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js", False),
        ("http://127.0.0.1.example.com/x", False),
        ("blob:http://127.0.0.1/abc", False),  # only when the caller allows blob:
    ],
)
def test_is_local_admits_only_this_machine_and_inline_data(url, local):
    assert local_web.is_local(url) is local


def test_blob_urls_are_local_when_the_caller_says_so():
    assert local_web.is_local("blob:http://127.0.0.1/abc", ("data:", "blob:"))
