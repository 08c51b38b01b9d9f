"""`make pdf` wrote the whole book as one PDF: every chapter in it, a sane length, page
numbers and bookmarks.  Runs after `make pdf` (`make test` orders it so)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from book_toc import pages

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "pdf" / "backprop-tour.pdf"


def chapter_titles() -> list[str]:
    titles = []
    for page in pages():
        path = ROOT / page
        if path.with_suffix(".ipynb").exists():
            text = nbformat.read(path.with_suffix(".ipynb"), as_version=4).cells[0].source
        else:
            text = path.with_suffix(".md").read_text()
        titles.append(re.search(r"^# (.+)$", text, re.MULTILINE).group(1).strip())
    return titles


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdf():
    from pypdf import PdfReader

    if not PDF.exists():
        pytest.fail(f"{PDF} does not exist: run `make pdf` (make test does)")
    return PdfReader(PDF)


@pytest.fixture(scope="module")
def pages_text(pdf):
    return [page.extract_text() for page in pdf.pages]


def test_every_chapter_is_in_the_pdf(pages_text):
    text = squash("".join(pages_text))
    missing = [t for t in chapter_titles() if squash(t) not in text]
    assert not missing, f"chapters missing from the PDF: {missing}"


def test_length_page_numbers_and_bookmarks(pdf, pages_text):
    n = len(pdf.pages)
    assert 60 <= n <= 300, f"{n} pages: expected a book of 60 to 300 pages"
    last = pages_text[-1]
    assert f"{n} / {n}" in last, "no page numbers in the footer"
    assert len(pdf.outline) >= 1, "no bookmarks (PDF outline)"
    assert PDF.stat().st_size < 30 * 2**20


def test_interactive_parts_are_printed_as_pictures_with_a_note(pages_text):
    text = re.sub(r"\s+", " ", " ".join(pages_text))
    assert text.count("the web version plays the animation") >= 5
    assert text.count("in the web version a slider shows") >= 8
