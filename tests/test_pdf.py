"""`make pdf` wrote the whole book as one PDF: every chapter in it, a sane length, page
numbers and bookmarks.  Runs after `make pdf` (`make test` orders it so)."""

from __future__ import annotations

import json
import multiprocessing
import re
import unicodedata
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
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


def plain(text: str) -> str:
    """Text as a reader reads it: ligatures (ﬁ) as letters, curly quotes straight."""
    text = unicodedata.normalize("NFKC", text)
    return text.translate(str.maketrans("‘’“”", "''\"\""))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdf():
    from pypdf import PdfReader

    if not PDF.exists():
        pytest.fail(f"{PDF} does not exist: run `make pdf` (make test does)")
    return PdfReader(PDF)


def _read_pages(every: tuple[int, int]) -> list[dict]:
    """page_items of every ``step``-th page from ``start``: ``every`` = (start, step)."""
    from pypdf import PdfReader

    start, step = every
    pages = PdfReader(PDF).pages
    return [page_items(pages[i]) for i in range(start, len(pages), step)]


@pytest.fixture(scope="module")
def extracted(pdf):
    """Each page read once: its text, and what page_items records on the way.  pypdf's
    text extraction is most of this module's time, so the odd and the even pages are read
    side by side, in two processes."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        even, odd = pool.map(_read_pages, [(0, 2), (1, 2)])
    pages = [None] * len(pdf.pages)
    pages[0::2], pages[1::2] = even, odd
    return pages


@pytest.fixture(scope="module")
def pages_text(extracted):
    return [page["text"] for page in extracted]


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


# --- A PDF a reader would print: where things land on the page ----------------------------
#
# The checks below read what each page draws (pypdf's visitors): text with its position,
# pictures and filled shapes with their boxes, in PDF points with y upwards.  The page is
# A4, 595.9 by 842.9 pt; print_pdf's margins leave the column between y = 51 and y = 792.

PRINT_HTML = ROOT / "_build" / "print" / "_build" / "singlehtml" / "print.html"
TOP, BOTTOM = 842.88 - 51.0, 51.0
#: The background of a code cell's input box and of a code block (pydata-sphinx-theme's
#: light theme, printed): a box in one of these with no text in it is an empty code box.
CODE_BOXES = {(0.969, 0.969, 0.969), (0.953, 0.957, 0.961)}


def _apply(m, x, y):
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _box(points):
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def page_items(page) -> dict:
    """One page read once: ``text``, pypdf's extracted text; ``layout``, the (texts,
    pictures, fills) drawn on it: texts as (x, y, text) at their start (each run of glyphs
    also as (x, y, "")), pictures as boxes (x0, y0, x1, y1), fills as (box, rgb, rounded),
    rounded when the shape has a curved corner; ``drawn``, each XObject drawn, as (its
    name, its box)."""
    texts, pictures, fills, drawn = [], [], [], []
    path: list = []
    state = {"rgb": (0.0, 0.0, 0.0), "rounded": False}

    def operator(op, args, cm, tm):
        if op == b"rg":
            state["rgb"] = tuple(round(float(a), 3) for a in args)
        elif op == b"g":
            state["rgb"] = (round(float(args[0]), 3),) * 3
        elif op == b"re":
            x, y, w, h = (float(a) for a in args)
            path.extend([_apply(cm, x, y), _apply(cm, x + w, y + h)])
        elif op in (b"m", b"l", b"c"):
            state["rounded"] |= op == b"c"
            path.extend(
                _apply(cm, float(args[i]), float(args[i + 1])) for i in range(0, len(args), 2)
            )
        elif op in (b"f", b"f*", b"F", b"B", b"B*", b"b", b"b*"):
            if path:
                fills.append((_box(path), state["rgb"], state["rounded"]))
            path.clear()
            state["rounded"] = False
        elif op in (b"n", b"S", b"s"):
            path.clear()
            state["rounded"] = False
        elif op in (b"Tj", b"TJ", b"'", b'"'):
            # every run of glyphs where it starts (the text visitor below reports only the
            # start of the text it gathers, which may span several runs)
            texts.append((*_apply(cm, tm[4], tm[5]), ""))
        elif op == b"Do":
            pictures.append(_box([_apply(cm, x, y) for x in (0, 1) for y in (0, 1)]))
            drawn.append((args[0], pictures[-1]))

    def text(t, cm, tm, font, size):
        if t.strip():
            x, y = _apply(cm, tm[4], tm[5])
            texts.append((x, y, t))

    full = page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return {"text": full, "layout": (texts, pictures, fills), "drawn": drawn}


@pytest.fixture(scope="module")
def layout(extracted):
    return [page["layout"] for page in extracted]


@pytest.fixture(scope="module")
def printed_page():
    from bs4 import BeautifulSoup

    if not PRINT_HTML.exists():
        pytest.fail(f"{PRINT_HTML} does not exist: run `make pdf` (make test does)")
    return BeautifulSoup(PRINT_HTML.read_text(encoding="utf-8"), "html.parser")


#: The code exercises' solutions: hidden on screen until opened, printed open.
SOLUTIONS = "div.cell:is(.tag_remove-input.tag_hide-output, .tag_hide-cell) > details.hide"


def printed_code_lines(soup) -> list[str]:
    """Every line of code and of text output the PDF prints (hidden cells are not printed;
    the solutions are)."""
    solutions = soup.select(SOLUTIONS)
    lines = []
    for pre in soup.select("article div.highlight pre"):
        hidden = pre.find_parent("details", class_="hide")
        if hidden is not None and hidden not in solutions:
            continue
        lines += [line for line in pre.get_text().splitlines() if line.strip()]
    return lines


def test_every_solution_is_printed(printed_page, pages_text):
    """A paper reader cannot open a solution: the code exercises' solutions print open
    under their titles, as the prose exercises' do (print_pdf opens them).  Every title
    is in the PDF, as a line of its own (after its icon), as often as on the page."""
    code = [d.select_one("summary p.admonition-title") for d in printed_page.select(SOLUTIONS)]
    prose = [d.select_one("p.admonition-title") for d in printed_page.select("div.dropdown")]
    titles = Counter(t.get_text(strip=True) for t in code + prose if t is not None)
    titles = Counter({k: n for k, n in titles.items() if k.startswith("Solution")})
    assert sum(titles.values()) >= 20, f"only {titles} solutions found in {PRINT_HTML.name}"
    lines = [re.sub("[\ue000-\uf8ff]", "", line).strip()  # icons: private-use glyphs
             for text in pages_text for line in text.splitlines()]  # fmt: skip
    printed = Counter(line for line in lines if line in titles)
    assert printed == titles, f"solutions on the page {dict(titles)}, in the PDF {dict(printed)}"


def body_texts(pages_text) -> list[str]:
    """Each page's text without its page-number footer, whitespace removed."""
    return [squash(re.sub(r"\d+ / \d+\s*$", "", text)) for text in pages_text]


def whole(line: str, pages: list[str]) -> bool:
    """The line is in the PDF whole: on one page, or wrapped over a page break (its start
    ends one page's text, the rest is on the next page).  A page's text may end with a
    few words drawn after the line (the title of a box the code sits in, repeated), so
    "ends" allows up to ``TAIL`` characters after it."""
    line = squash(line)
    if any(line in page for page in pages):
        return True
    return any(
        line[:i] in page[-(i + TAIL) :] and line[i:] in after
        for page, after in zip(pages, pages[1:], strict=False)
        for i in range(1, len(line))
    )


# characters (whitespace removed): room for the longest box title drawn after a line that
# a page break splits ("Common mistake: three slips in a hand derivation", 42, in chapter 2)
TAIL = 60


def test_no_code_line_is_cut_at_the_margin(printed_page, pages_text):
    """Printed code wraps: every line is in the PDF whole (a line run off the right margin
    is clipped, and its clipped end is not in the PDF's text)."""
    lines = printed_code_lines(printed_page)
    assert len(lines) > 1000, f"only {len(lines)} printed code lines found in {PRINT_HTML}"
    pages = body_texts(pages_text)
    cut = [line for line in lines if not whole(line, pages)]
    assert not cut, f"{len(cut)} of {len(lines)} code lines not whole in the PDF, e.g. {cut[:5]}"


def _inside(x, y, box, pad=2.0):
    return box[0] - pad <= x <= box[2] + pad and box[1] - pad <= y <= box[3] + pad


def test_no_code_box_is_left_empty(layout):
    """No code box (or piece of one) on a page without a line of code in it: a cell's box
    never starts at the foot of a page whose text went on to the next."""
    boxes, empty = 0, []
    for number, (texts, _, fills) in enumerate(layout, start=1):
        for box, rgb, rounded in fills:
            if rgb not in CODE_BOXES or not rounded or box[2] - box[0] < 100:
                continue  # (an inline code span is a small box of that grey, a table row a square one)
            # (Chromium paints a split box whole and clips it to the column: count what shows)
            box = (box[0], max(box[1], BOTTOM), box[2], min(box[3], TOP))
            if box[3] - box[1] < 4:
                continue
            boxes += 1
            if not any(_inside(x, y, box) for x, y, _ in texts):
                empty.append((number, round(box[3] - box[1])))
    assert boxes > 200, f"only {boxes} code boxes found: has the code's background changed?"
    assert not empty, f"{len(empty)} empty code boxes (page, height in pt): {empty}"


def _captions(texts):
    """The captions on a page, as (y, text, pictures it needs directly above it)."""
    found = []
    for _, y, t in texts:
        t = t.strip()
        frames = re.match(r"Key frames ([\d, ]+) of \d+", t)
        if frames:
            found.append((y, t, len(frames.group(1).split(","))))
        elif re.match(r"(Fig\.|Figure) \d+\b", t) or "in the web version a slider shows" in t:
            found.append((y, t, 1))
        elif re.match(r"Animation \d+:", t):
            found.append((y, t, 0))  # under a key-frame strip: its "Key frames" caption above
    return found


def test_figures_and_captions_share_a_page(layout):
    """A caption is on its figure's page, right under it; a key-frame strip is whole on one
    page (as many pictures above its caption as it lists frames); an "Animation N:"
    paragraph is on the page of the strip it describes."""
    apart, count = [], 0
    for number, (texts, pictures, _) in enumerate(layout, start=1):
        for y, caption, needs in _captions(texts):
            count += 1
            if needs == 0:
                if not any(t.strip().startswith("Key frames") and ty > y for _, ty, t in texts):
                    apart.append((number, caption[:40]))
                continue
            above = [ty for _, ty, _ in texts if ty > y + 14]  # past the caption's own lines
            ceiling = min(above, default=TOP + 1)
            # (a strip's frames sit one under another with no text between them)
            stacked = [p for p in pictures if p[1] >= y - 2 and p[3] <= ceiling + 2]
            if len(stacked) < needs:
                apart.append((number, caption[:40]))
    assert count >= 30, f"only {count} captions found"
    assert not apart, f"{len(apart)} captions away from their figure (page, caption): {apart}"


def fill(texts, pictures, fills) -> float:
    """How far down the column a page's content reaches, as a fraction of the column."""
    lows = [y for _, y, _ in texts if y > BOTTOM - 4]
    lows += [p[1] for p in pictures]
    lows += [b[1] for b, rgb, _ in fills if rgb != (1.0, 1.0, 1.0)]
    lowest = max(BOTTOM, min(lows, default=TOP))
    return (TOP - lowest) / (TOP - BOTTOM)


def test_no_near_blank_page(layout, pages_text):
    """Every page is at least a quarter full, except a chapter's last page (the next
    chapter starts on a new page) and the book's last, which still hold more than a
    stray line or two."""
    starts = [squash(t) for t in chapter_titles()]
    blank = []
    for i, items in enumerate(layout):
        last = i + 1 == len(layout)
        ends_chapter = last or any(squash(pages_text[i + 1]).startswith(t) for t in starts)
        if fill(*items) < (0.08 if ends_chapter else 0.25):
            blank.append((i + 1, f"{fill(*items):.0%}"))
    assert not blank, f"{len(blank)} near-blank pages (page, filled): {blank}"


def page_headings(page: str) -> list[tuple[int, str]]:
    """A page's headings in its source, as (level, text): level 0 for its title ("#"), 1
    for its sections ("##"), 2 below them; fenced code is skipped."""
    path = ROOT / page
    if path.with_suffix(".ipynb").exists():
        cells = nbformat.read(path.with_suffix(".ipynb"), as_version=4).cells
        sources = [c.source for c in cells if c.cell_type == "markdown"]
    else:
        sources = [path.with_suffix(".md").read_text()]
    headings, fence = [], None
    for source in sources:
        for line in source.splitlines():
            marker = re.match(r"\s*(`{3,}|~{3,})", line)
            if marker:
                if fence is None:
                    fence = marker.group(1)
                elif marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                    fence = None
            elif fence is None and (found := re.match(r"(#{1,4}) (.+?)\s*#*$", line)):
                headings.append((len(found.group(1)) - 1, found.group(2)))
    return headings


def heading_pattern(heading: str) -> re.Pattern:
    """The bookmark a heading should give: its words as written, one space (or more)
    wherever the heading has one, and each $math$ as some text without TeX commands."""
    pieces = []
    for i, piece in enumerate(re.split(r"\$([^$]+)\$", heading)):
        if i % 2:
            pieces.append(r"([^\\$]+?)")
        else:
            words = [re.escape(w) for w in piece.split()]
            edge_left = r"\s*" if piece[:1].isspace() or not piece else ""
            edge_right = r"\s*" if piece[-1:].isspace() or not piece else ""
            pieces.append(edge_left + r"\s+".join(words) + edge_right)
    return re.compile("".join(pieces))


def outline_tree(pdf, items=None) -> list:
    """The PDF's bookmarks as [(title, page index, [children...]), ...]."""
    tree = []
    for item in pdf.outline if items is None else items:
        if isinstance(item, list):
            tree[-1][2].extend(outline_tree(pdf, item))
        else:
            tree.append((item.title, pdf.get_destination_page_number(item), []))
    return tree


def test_bookmarks_are_the_headings(pdf, pages_text):
    """One bookmark per heading and nothing else: each page's title at the top level (the
    introduction and every chapter side by side), its sections below, in order; each
    bookmark reads as its heading (no words doubled or run together, math as text) and
    opens the page that shows it."""
    expected = []
    for page in pages():
        for level, text in page_headings(page):
            siblings = expected
            for _ in range(level):
                siblings = siblings[-1][1]
            siblings.append((text, []))

    problems = []

    def compare(want, got, where):
        if len(want) != len(got):
            problems.append(f"{where}: {len(got)} bookmarks for {len(want)} headings")
        for (heading, children), (title, index, below) in zip(want, got, strict=False):
            if not heading_pattern(plain(heading)).fullmatch(plain(title)):
                problems.append(f"bookmark {title!r} for heading {heading!r}")
            words = squash(plain(re.sub(r"\$[^$]+\$", " ", heading)))[:20]
            if words not in squash(plain(pages_text[index])):
                problems.append(f"{title!r} opens page {index + 1}, which does not show it")
            compare(children, below, f"under {heading!r}")

    compare(expected, outline_tree(pdf), "top level")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])


def test_display_formulas_fit_the_column(printed_page):
    """Laid out as print_pdf printed it (it records each display formula's fit beside the
    PDF, from the page it printed), every display formula fits its column: a wider one is
    clipped at the margin on paper.  Every display formula of the page was measured."""
    import print_pdf

    record = print_pdf.layout_file(PDF)
    if not record.exists():
        pytest.fail(f"{record} does not exist: run `make pdf` (make test does)")
    formulas = json.loads(record.read_text(encoding="utf-8"))["formulas"]
    expected = len(printed_page.select("div.math"))
    assert expected > 50 and len(formulas) == expected, (
        f"{len(formulas)} display formulas measured, {expected} in {PRINT_HTML.name}"
    )
    wide = [(round(f["over"], 1), f["text"]) for f in formulas if f["over"] > 0.5]
    assert not wide, f"{len(wide)} display formulas wider than the column: {wide}"


def test_dropdowns_were_laid_out_open_and_print_no_button():
    """Every dropdown (a prose exercise's solution, a note on a source) was open when the
    page was laid out for print, as it is when Chromium prints it, and none shows its
    chevron button on paper (print_pdf records both, from the page it printed)."""
    import print_pdf

    record = print_pdf.layout_file(PDF)
    if not record.exists():
        pytest.fail(f"{record} does not exist: run `make pdf` (make test does)")
    dropdowns = json.loads(record.read_text(encoding="utf-8"))["dropdowns"]
    assert dropdowns["total"] >= 20, f"only {dropdowns['total']} dropdowns on the page"
    assert dropdowns["closed"] == 0, f"{dropdowns['closed']} dropdowns laid out closed"
    assert dropdowns["buttons"] == 0, f"{dropdowns['buttons']} toggle buttons printed"


def test_figures_print_at_200_ppi_or_more(pdf, extracted):
    """Figures go to paper as PNGs at PRINT_DPI (backprop_tour.viz.style): each picture
    drawn on a page has at least 200 of its pixels per inch of its printed width."""
    checked, low = 0, []
    for number, (page, items) in enumerate(zip(pdf.pages, extracted, strict=True), start=1):
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for name, (x0, _, x1, _) in items["drawn"]:
            image = xobjects[name].get_object() if name in xobjects else None
            if image is None or image.get("/Subtype") != "/Image" or x1 - x0 < 72:
                continue  # forms and icons: only pictures at least an inch wide
            checked += 1
            ppi = float(image["/Width"]) / ((x1 - x0) / 72)
            if ppi < 200:
                low.append(f"p. {number}: {ppi:.0f} ppi")
    assert checked >= 30, f"only {checked} pictures found in the PDF: is the check blind?"
    assert not low, f"pictures below 200 ppi: {low[:10]}"
