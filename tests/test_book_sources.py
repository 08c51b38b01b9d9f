"""The chapters' sources follow the book's teaching conventions (README: how a chapter
teaches): every page in the table of contents, glossary terms defined and used, exercises
graded by the library's grader, a recap and a sources note in every chapter."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from book_toc import notebooks, pages

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
TERM = re.compile(r"\{term\}`(?:[^`<]*<)?([^`>]+)>?`")
# Every numbered notebook chapter of the toc teaches with exercises, but the introduction
# (the root page) and the bug gallery (a chapter of worked mistakes); markdown pages and
# unnumbered pages (glossary, notes) have none.
WITHOUT_EXERCISES = {"05b_bug_gallery"}
CHAPTERS_WITH_EXERCISES = [
    p.stem for p in notebooks()[1:] if p.stem[0].isdigit() and p.stem not in WITHOUT_EXERCISES
]


def toc_pages() -> list[str]:
    return pages()


def text_of(page: str) -> tuple[str, list[str]]:
    """(all markdown, the code cells' sources) of a page, notebook or MyST markdown."""
    path = ROOT / page
    if (nb_path := path.with_suffix(".ipynb")).exists():
        nb = nbformat.read(nb_path, as_version=4)
        md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        return md, [c.source for c in nb.cells if c.cell_type == "code"]
    return path.with_suffix(".md").read_text(), []


def glossary_terms() -> set[str]:
    text = (BOOK / "glossary.md").read_text()
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return {line.strip().lower() for line in block.splitlines() if line and not line[0].isspace()}


def test_every_chapter_in_book_is_in_the_toc():
    """nbval runs every notebook in book/ and the build every page of the toc: a chapter
    missing from _toc.yml would be tested but never shown."""
    listed = {Path(p).name for p in toc_pages()}
    on_disk = {p.stem for p in BOOK.glob("*.ipynb")} | {p.stem for p in BOOK.glob("*.md")}
    assert not on_disk - listed, f"in book/ but not in _toc.yml: {sorted(on_disk - listed)}"
    assert CHAPTERS_WITH_EXERCISES[0] == "01_cross_entropy", CHAPTERS_WITH_EXERCISES


def test_glossary_terms_are_defined_and_each_is_used_in_a_chapter():
    terms = glossary_terms()
    assert len(terms) >= 30
    used = set()
    for page in toc_pages():
        md, _ = text_of(page)
        found = {t.strip().lower() for t in TERM.findall(md)}
        assert found <= terms, f"{page}: terms not in the glossary: {sorted(found - terms)}"
        if not page.endswith("glossary"):
            used |= found
    assert not terms - used, f"glossary entries no chapter uses: {sorted(terms - used)}"


@pytest.mark.parametrize("name", CHAPTERS_WITH_EXERCISES)
def test_chapter_has_graded_exercises_a_recap_and_sources(name):
    md, code = text_of(f"book/{name}")
    exercises = re.findall(r"```\{admonition\} Exercise", md)
    graded = [c for c in code if re.search(r'ex\.check\("\w+", (?!ex\.solution)', c)]
    assert len(exercises) >= 3, f"{name}: {len(exercises)} exercises, expected >= 3"
    assert len(graded) >= 2, f"{name}: {len(graded)} graded exercises, expected >= 2"
    assert "```{admonition} Recap" in md, f"{name}: no Recap"
    assert "## Sources" in md, f"{name}: no Sources note"


def test_graded_exercises_name_real_exercises():
    from backprop_tour import exercises

    names = set(exercises.names())
    for page in toc_pages():
        _, code = text_of(page)
        for cell in code:
            for name in re.findall(r'ex\.check\("(\w+)"', cell):
                assert name in names, f"{page}: no exercise {name!r}"


def test_code_lines_fit_the_column():
    """At 1280 px the code column holds 78 characters of the theme's 14 px monospace;
    `ruff format --line-length 78 book/*.ipynb` does most of the wrapping."""
    long = []
    for page in toc_pages():
        _, code = text_of(page)
        for cell in code:
            long += [f"{page}: {line}" for line in cell.splitlines() if len(line) > 78]
    assert not long, "code lines over 78 characters:\n" + "\n".join(long)


# Every chapter reads as one argument in the book's own voice (issue 23, item 1): a source
# is named only in a "Common mistake" box, an "In the source: ..." dropdown (at most one
# per section) or the Sources note at the end.
MAIN_LINE = CHAPTERS_WITH_EXERCISES
SOURCE_NAMED = re.compile(r"source 00\d", re.IGNORECASE)
ALLOWED_BOX = re.compile(
    r"```\{admonition\} (Common mistake|In the source)[^\n]*\n(.*?)\n```", re.DOTALL
)


def main_line_text(markdown: str) -> str:
    """The markdown without the Sources note and the boxes allowed to name a source."""
    markdown = markdown.split("\n## Sources\n")[0]
    return ALLOWED_BOX.sub("", markdown)


@pytest.mark.parametrize("chapter", MAIN_LINE)
def test_sources_are_named_only_in_their_boxes_and_the_sources_note(chapter):
    md, code = text_of(f"book/{chapter}")
    assert "\n## Sources\n" in md and "<sources_and_errata>" in md.split("\n## Sources\n")[1]
    stray = [m.group(0) for m in SOURCE_NAMED.finditer(main_line_text(md) + "\n".join(code))]
    assert not stray, f"{chapter}: a source named outside its boxes: {stray}"
    for match in ALLOWED_BOX.finditer(md):
        if match.group(1) == "In the source":
            assert ":class: dropdown" in match.group(2), f"{chapter}: {match.group(0)[:60]}"
    for section in re.split(r"\n#{1,3} ", md):
        dropdowns = section.count("```{admonition} In the source")
        assert dropdowns <= 1, f"{chapter}: {dropdowns} source dropdowns in one section"


def test_main_line_filter_can_fail():
    # the filter keeps a source named in ordinary text or in another box
    text = (
        "A line on source 003.\n```{admonition} Erratum: source 001\nx\n```\n## Sources\nsource 004"
    )
    assert SOURCE_NAMED.findall(main_line_text(text)) == ["source 003", "source 001"]
    boxed = (
        "```{admonition} Common mistake: x\nsource 002\n```\n"
        "```{admonition} In the source: y\n:class: dropdown\nsource 000\n```"
    )
    assert SOURCE_NAMED.findall(main_line_text(boxed)) == []


# One letter per meaning (issue 23, item 6): chapter 0's notation lists every symbol once,
# and the letters chapters 1 to 4 give a meaning (K the number of classes, p a probability,
# P a batch of them) are not reused for the kernel size, the padding or a pixel's index.
NOTATION_END = "Each source's own symbols"
MATH = re.compile(r"\$([^$]+)\$")


def defined_symbols(term: str) -> list[str]:
    """The symbols a notation entry defines: each formula's left-hand side (before any
    '='), sub- and superscripts dropped; a named operator counts as its name, a hatted
    letter as its own symbol."""
    found = []
    for formula in MATH.findall(term):
        if named := re.search(r"\\operatorname\{(\w+)\}", formula):
            found.append(named.group(1))
            continue
        lhs = formula.split("=")[0]
        lhs = re.sub(r"[_^]\{[^{}]*\}|[_^]\S", "", lhs)
        found += [f"hat {c}" for c in re.findall(r"\\hat\s*\{?([A-Za-z])", lhs)]
        lhs = re.sub(r"\\hat\s*\{?[A-Za-z]\}?", "", lhs)
        found += re.findall(
            r"\\(ell|Delta|[a-z]*(?:xi|eta|delta|sigma|alpha|mu|tau|phi|psi|kappa))\b", lhs
        )
        lhs = re.sub(r"\\[A-Za-z]+", "", lhs)
        found += re.findall(r"(?<![A-Za-z])[A-Za-z](?![A-Za-z])", lhs)
    return found


def notation_entries(markdown: str) -> list[str]:
    """The terms of the notation's definition lists, one line each."""
    section = markdown.split("## Notation", 1)[1].split(NOTATION_END, 1)[0]
    lines = section.splitlines()
    return [
        line
        for line, nxt in zip(lines, lines[1:] + [""], strict=True)
        if nxt.startswith(": ") and "$" in line
    ]


def duplicated_symbols(entries: list[str]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for entry in entries:
        for symbol in dict.fromkeys(defined_symbols(entry)):
            where.setdefault(symbol, []).append(entry)
    return {s: e for s, e in where.items() if len(e) > 1}


def test_notation_lists_each_symbol_once():
    md, _ = text_of("book/00_introduction")
    entries = notation_entries(md)
    assert len(entries) >= 20, entries
    symbols = {s for e in entries for s in defined_symbols(e)}
    assert {"K", "p", "R", "E", "s", "U", "xi", "eta", "rot180"} <= symbols, symbols
    assert {"Z", "G", "t", "m", "n", "k", "q", "r", "tau", "g"} <= symbols, symbols
    assert not duplicated_symbols(entries), duplicated_symbols(entries)
    # the paragraph that explained the old double duty is gone
    assert "double duty" not in md and "kernel size, $K" not in md


def test_notation_check_can_fail():
    clash = ["$K$", "$K \\times K$", "$p = \\operatorname{softmax}(z)$", "$W^{(l)}$, $b$"]
    assert defined_symbols(clash[0]) == ["K"] == defined_symbols(clash[1])[:1]
    assert defined_symbols(clash[2]) == ["softmax"]
    assert defined_symbols(clash[3]) == ["W", "b"]
    assert defined_symbols("$\\delta^{(l)} = x$") == ["delta"]
    assert defined_symbols("$\\hat y$") == ["hat y"]
    assert defined_symbols("$\\tau$") == ["tau"] and defined_symbols("$g_{\\tau}$") == ["g"]
    assert list(duplicated_symbols(["$Y = X \\star W$", "$y$", "$Y$"])) == ["Y"]
    assert list(duplicated_symbols(clash)) == ["K"]
    assert list(duplicated_symbols(["$(p, q)$", "$p$"])) == ["p"]


# Patterns of the retired letters: K as a kernel size, p as a padding, (p, q) as a pixel.
RETIRED = {
    "K as a kernel size": re.compile(r"K \\times K|K_H|K - 1|- K\b|\bK\s*=\s*\d"),
    "p as the padding": re.compile(r"padding \$p\$|2p\b|\$p = [0-9]|\bp = \d"),
    "(p, q) as a pixel": re.compile(r"\(p,\s*q\)|_\{[a-z]*pq\}|p\s*-\s*i\b|q\s*-\s*j\b|p\^\*"),
}
# chapters 1 to 4 give K and p their one meaning (classes, probabilities): where K x K is
# the softmax Jacobian's size, and p = ... a probability
OWN_MEANING = {
    "book/01_cross_entropy",
    "book/02_chain_rule",
    "book/02b_vector_chain_rule",
    "book/03_two_layer_network",
    "book/04_fully_connected_backprop",
}


def hits(patterns: dict, text: str) -> list[str]:
    """Every match in ``text`` of each named pattern, as "name: 'match'"."""
    return [f"{why}: {m.group(0)!r}" for why, rx in patterns.items() for m in rx.finditer(text)]


def printed_of(page: str) -> str:
    """What a chapter's code cells print (its stored outputs); "" for a Markdown page."""
    nb_path = (ROOT / page).with_suffix(".ipynb")
    if not nb_path.exists():
        return ""
    nb = nbformat.read(nb_path, as_version=4)
    return "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )


def retired_uses(text: str) -> list[str]:
    return hits(RETIRED, text)


@pytest.mark.parametrize("page", [p for p in toc_pages() if p not in OWN_MEANING])
def test_retired_letters_are_not_used(page):
    md, _ = text_of(page)
    printed = printed_of(page)
    assert not retired_uses(md + "\n" + printed), retired_uses(md + "\n" + printed)


def test_retired_letters_check_can_fail():
    old = "a $K \\times K$ kernel, padding $p$, $H + 2p - K$, pixel $(p, q)$, $X_{ncpq}$"
    assert len(retired_uses(old)) == 6
    assert retired_uses("H = 8, K = 3, s = 2, p = 0") != []
    assert not retired_uses("a $R \\times R$ kernel, padding $E$, pixel $(\\xi, \\eta)$")


# The second pass (issue 23, item 6): letters the whole book gives one meaning are not
# reused anywhere, chapters 1 to 4 included. Y is the target batch ((P - Y)/N), so the
# output of a convolution or a matrix product is Z (a pre-activation, like z), and a
# convolution's target is Y, not T; m is the softmax's maximum, n an example's index and k
# a class's, so a kernel's entry is (q, r); t is the true class, so an optimiser's step
# is tau.
RETIRED_EVERYWHERE = {
    "Y as an output": re.compile(
        r"Y_\{[a-z]*\}\s*=\s*(?:\\sum|b_|\\dots)|Y_\{nf|Y_\{\d\d\}\s*&?=|(?<!L / )\\partial\s*Y"
        r"|\bY\s*=\s*(?:X|AB)|\bdY\b|dJ/dY|Y \(library\)|Y\[\{i\}"
    ),
    "T as a target": re.compile(r"T_\{ij\}|target \$T\$|Y - T\b"),
    "m, n or k in a kernel": re.compile(
        r"W_\{[a-z]*(?:mn|mk|m'n'|dm)\}|\b[ij]\s*\+\s*[mnk]\b|\\sum_\{m,?\s*n\}|\\sum_\{mn\}"
        r"|\\sum_m\s*\\sum_k|\[m, n\]|sum_mn|\(m, n\)|G_\{n'?m\}"
        r"|\b[ij]\s*\*?\s*(?:s|stride)\s*\+\s*[mnk]\b|\[f, c, m, k\]|sum_\{?c,?\s*m,?\s*k\}?"
    ),
    "t as a step": re.compile(r"g_\{?t(?![a-z])"),
    "q as a dummy": re.compile(r"q \\log q"),
}


def retired_everywhere(text: str) -> list[str]:
    return hits(RETIRED_EVERYWHERE, text)


@pytest.mark.parametrize("page", toc_pages())
def test_letters_retired_everywhere_are_not_used(page):
    md, _ = text_of(page)
    printed = printed_of(page)
    found = retired_everywhere(md + "\n" + printed)
    assert not found, f"{page}: {found}"


def test_graders_use_the_books_letters():
    """The graders' texts are printed in the book (descriptions, hints, shown solutions)."""
    for path in sorted((ROOT / "src/backprop_tour/exercises").glob("*.py")):
        found = retired_everywhere(path.read_text())
        assert not found, f"{path.name}: {found}"


def test_library_docstrings_write_a_kernel_entry_as_q_r():
    """The layers', the teaching primitives', the loop references' and the fast kernels'
    docstrings and loops write a convolution in the book's letters: ``W[f, c, q, r] *
    xp[n, c, i*s + q, j*s + r]``."""
    kernel = {"kernel": RETIRED_EVERYWHERE["m, n or k in a kernel"]}
    kernels = sorted((ROOT / "src/backprop_tour/kernels").glob("*.py"))
    assert len(kernels) >= 5, kernels
    found = {p.name: hits(kernel, p.read_text()) for p in library_sources() + kernels}
    assert not any(found.values()), {name: f for name, f in found.items() if f}


def test_retired_everywhere_check_can_fail():
    old = (
        "$Y = X \\star W$, $Y_{ij} = \\sum_{m}\\sum_{n} X_{i+m,\\,j+n}\\, W_{mn}$, "
        "$Y_{00} &= X_{00}W_{00}$, $J = \\frac{1}{4}\\sum_{ij}(Y_{ij} - T_{ij})^2$, "
        "$\\partial J / \\partial Y_{nfij}$, $\\sum_c \\sum_m \\sum_k X_{nc,\\,i+m,\\,j+k}$, "
        "$W_{fcmk}$, $Y = XW$, $W_{dm}$, $v = -\\alpha\\,(g_t + \\mu g_{t-1})$, "
        "$\\lim_{q \\to 0} q \\log q$, G = dJ/dY = 2 (Y - T) / 4, Y (library), "
        "dW[m, n] = sum_ij dY[i, j] X[i + m, j + n]"
    )
    kinds = {hit.split(":")[0] for hit in retired_everywhere(old)}
    assert kinds == set(RETIRED_EVERYWHERE), kinds
    assert len(retired_everywhere(old)) >= 20, retired_everywhere(old)
    new = (
        "$Z = X \\star W$, $Z_{ij} = \\sum_{q}\\sum_{r} X_{i+q,\\,j+r}\\, W_{qr}$, "
        "$J = \\frac{1}{4}\\sum_{ij}(Z_{ij} - Y_{ij})^2$, $\\partial J / \\partial Z = (P - Y)/N$, "
        "$W_{fcqr}$, $Z = XW$, $W_{dk}$, $g_\\tau + \\mu g_{\\tau-1}$, $p_t$, $y_k$, "
        "$\\sum_n G_n$, the source's $\\partial L / \\partial Y$"
    )
    assert not retired_everywhere(new), retired_everywhere(new)


# The third pass (issue 23, item 6): y is the target everywhere, so a function's or an
# operation's output is u (u = f(x), its Jacobian du/dx); the cost is J everywhere, L the
# number of layers, so no grader text or docstring writes dL/d... (the quoted source keeps
# its own dL/dX in its "In the source" box and the errata); epsilon has no meaning left
# (a central difference's nudge is h, machine epsilon is written out, a clip bound is a
# number); any two arrays a convolution takes are its operands' own letters, not A (the
# activation batch) and B; an intermediate value is u or Z, not h (the nudge) or H (a
# height).
RETIRED_THIRD_PASS = {
    "y as an output": re.compile(
        r"\\partial\s*y(?![A-Za-z])|\by\s*=\s*(?:f\(|\\sigma\(|\\max\(|max\(|a\s*(?:\+|\*|@"
        r"|\\odot|\\,))|dJ/dy\b|\bdy_k|computed y\b|\bu = g\(y\)"
    ),
    "L as the cost": re.compile(r"\bdL/d|\\partial\s*L(?![A-Za-z])|``L = "),
    "epsilon": re.compile(r"\\(?:var)?epsilon\b|\u03b5"),
    "A and B as any two arrays": re.compile(r"A\s*\\(?:ast|star)\s*B|H_[AB]\b"),
    "h or H as a value": re.compile(r"\bh = 3x|2h\^2|\bH = XW|\\delta\^\\top h\b"),
}
# the quoted source's own symbols stay where the book quotes it
QUOTES_THE_SOURCE = {"book/sources_and_errata"}


def retired_third_pass(text: str) -> list[str]:
    return hits(RETIRED_THIRD_PASS, text)


def source_boxes_removed(markdown: str) -> str:
    return re.sub(r"```\{admonition\} In the source[^\n]*\n.*?\n```", "", markdown, flags=re.DOTALL)


@pytest.mark.parametrize("page", [p for p in toc_pages() if p not in QUOTES_THE_SOURCE])
def test_third_pass_letters_are_not_used(page):
    md, code = text_of(page)
    printed = printed_of(page)
    found = retired_third_pass(source_boxes_removed(md) + "\n" + "\n".join(code) + "\n" + printed)
    assert not found, f"{page}: {found}"


def library_sources() -> list[Path]:
    """The graders (their texts are printed in the book) and the library's docstrings;
    the figures (viz/) name no derivative."""
    src = ROOT / "src/backprop_tour"
    return sorted(src.glob("*.py")) + sorted((src / "exercises").glob("*.py"))


def test_graders_and_docstrings_use_the_third_pass_letters():
    assert len(library_sources()) > 20
    for path in library_sources():
        found = retired_third_pass(path.read_text())
        assert not found, f"{path.name}: {found}"


def test_third_pass_check_can_fail():
    old = (
        "Let $y = f(x)$, $\\frac{\\partial y}{\\partial x}$, $\\partial y_k / \\partial x_i$, "
        "$u = g(y)$, $y = a \\odot b$, $y = \\max(a, b)$, $y = a + b$, $y = a\\,b$, "
        "$\\partial J / \\partial y$, An operation computed y = a @ b, g = dJ/dy, "
        "sum_k g_k dy_k/dx_i, dout = dL/d(out), ``dL/dW = ...``, ``L = mean(...)``, "
        "nudge $a_1$ by $\\varepsilon$, about $\\varepsilon / h$, $[\\epsilon, 1 - \\epsilon]$, "
        "$(A \\ast B)_{\\xi\\eta}$, $H_A + H_B - 1$, $h = 3x$, $u + 2h^2$, $H = XW$, "
        "$\\delta^\\top h$"
    )
    kinds = {hit.split(":")[0] for hit in retired_third_pass(old)}
    assert kinds == set(RETIRED_THIRD_PASS), kinds
    assert len(retired_third_pass(old)) >= 22, retired_third_pass(old)
    new = (
        "Let $u = f(x)$, $\\frac{\\partial u}{\\partial x}$, $\\partial u_k / \\partial x_j$, "
        "$\\partial \\hat y_k / \\partial u_j$, $u = a \\odot b$, $\\partial \\ell / \\partial "
        "\\hat y$, $y_t = 1$, $\\hat y - y$, dJ/dy_hat, g = dJ/du, dout = dJ/d(out), "
        "``J = mean(...)``, $\\partial J / \\partial a^{(L)}$, nudge $a_1$ by $h$, machine "
        "epsilon over $h$, $(X \\ast W)_{ij}$, $H + R - 1$, $G \\ast W$, $u = 3x$, $Z = XW$"
    )
    assert not retired_third_pass(new), retired_third_pass(new)
    # the source's own dL/dX is left where the book quotes it
    boxed = "```{admonition} In the source: $\\partial L/\\partial X$\n:class: dropdown\nx\n```"
    assert retired_third_pass(boxed) and not retired_third_pass(source_boxes_removed(boxed))


def test_notation_defines_the_third_pass_letters():
    md, _ = text_of("book/00_introduction")
    symbols = {s for e in notation_entries(md) for s in defined_symbols(e)}
    assert {"u", "w", "h", "D", "M", "L", "i", "j"} <= symbols, symbols
    # A is the activation batch (fourth pass), never an operand; B means nothing
    assert "B" not in symbols, symbols


# The fourth pass (issue 23, item 6): f is a filter's index (f over F, as c over C and n
# over N), so a generic function is psi (u = psi(x); phi is a layer's activation
# function) and a central difference is written on the cost, J(w + h); c is a channel's
# index, so chapter 2's curvature is kappa and chapter 7's power rule is shown for a
# number. Every letter the book uses in formulas has its entry: A and Delta (batches of
# a and delta), sigma, phi, e, S, alpha, kappa, mu and v, c and f.
RETIRED_FOURTH_PASS = {
    "f as a function": re.compile(
        r"\bu\s*=\s*f\(|\bf\(x\s*[+-]\s*h\)|Jacobian`? of \$f\$|values of \$f\$|function \$f\$"
    ),
    "c as a curvature or a constant": re.compile(
        r"\\frac\{c\}|curvature \$?c\b|\\alpha c\b|2/c\b|a \*\* c\b|constant \$c\$"
    ),
    # g is a parameter's gradient at a step; what a layer receives is G
    "g as an upstream gradient": re.compile(r"\bg\^\\top|upstream \$g\$"),
}


def retired_fourth_pass(text: str) -> list[str]:
    return hits(RETIRED_FOURTH_PASS, text)


@pytest.mark.parametrize("page", toc_pages())
def test_fourth_pass_letters_are_not_used(page):
    md, code = text_of(page)
    printed = printed_of(page)
    found = retired_fourth_pass(md + "\n" + "\n".join(code) + "\n" + printed)
    assert not found, f"{page}: {found}"


def test_graders_and_docstrings_use_the_fourth_pass_letters():
    """No grader text or docstring writes u = f(x); autodiff.power(a, c) keeps its
    argument's name (an API name, like max_backward(a, b, dout)), so only f is checked."""
    for path in library_sources():
        found = [hit for hit in retired_fourth_pass(path.read_text()) if "function" in hit]
        assert not found, f"{path.name}: {found}"


def test_fourth_pass_check_can_fail():
    old = (
        "Let $u = f(x)$ take, the {term}`Jacobian` of $f$, given the Jacobian of some "
        "u = f(x), $\\bigl(f(x + h) - f(x - h)\\bigr) / 2h$, the two values of $f$, "
        "function $f$ of an array, $J^* + \\frac{c}{2}(w - w^*)^2$ with curvature $c$, "
        "$(1 - \\alpha c)$, $0 < \\alpha < 2/c$, curvature c = 0.073, "
        "| `a ** c` (constant $c$) |, $g^\\top = \\partial J / \\partial a^{(L)}$, "
        "the upstream $g$"
    )
    kinds = {hit.split(":")[0] for hit in retired_fourth_pass(old)}
    assert kinds == set(RETIRED_FOURTH_PASS), kinds
    assert len(retired_fourth_pass(old)) >= 14, retired_fourth_pass(old)
    new = (
        "Let $u = \\psi(x)$ take, the {term}`Jacobian` of $\\psi$, u = psi(x), "
        "$\\bigl(J(w + h) - J(w - h)\\bigr) / 2h$, $\\frac{\\kappa}{2}$, curvature $\\kappa$, "
        "$(1 - \\alpha \\kappa)$, curvature kappa = 0.073, | `a ** 2` | $2\\,G \\odot a$, "
        "$b_f$, filter $f$, $\\sum_c X_{nc}$, numerical_gradient(f, p), f(*inputs), f(), "
        "$G = \\partial J / \\partial a^{(L)}$, $g_\\tau$, the upstream `g`"
    )
    assert not retired_fourth_pass(new), retired_fourth_pass(new)


def test_notation_defines_the_fourth_pass_letters():
    md, _ = text_of("book/00_introduction")
    entries = notation_entries(md)
    symbols = {s for e in entries for s in defined_symbols(e)}
    wanted = {"A", "Delta", "sigma", "varphi", "e", "S", "alpha", "kappa", "mu", "v", "c", "f"}
    assert wanted <= symbols, wanted - symbols
    # a generic function is psi, named in u's entry, and f is defined once, as an index
    assert any(e.startswith("$u = \\psi(x)$") for e in entries), entries
    assert [e for e in entries if "f" in defined_symbols(e)] == ["$c$, $f$"]


# The fourth pass, item 3: a is an activation and b a bias, so the math never makes them
# any two operands. The patterns of chapter 2b take an operation's two inputs x and x'
# (x is an input; the prime a second one, as n' a second example); chapter 7's table,
# its exercises and the cheat sheet write the engine's operations and their VJPs in code,
# with the functions' own argument names (a, b, g), and the relative error names its two
# gradients.
OPERANDS = re.compile(
    r"u\s*=\s*a\s*(?:\+|\\odot|\\,)\s*b\b|\\max\(a,\s*b\)|G\s*\\odot\s*[ab]\b|G\\,b\^\\top"
    r"|a\^\\top\s*G|\\lVert a - b|\(a, b\) =|\bd[ab]\s*=\s*G|\\odot e\^a|G / a\b"
)
CODE_OPERANDS = re.compile(r"\bdA = G\b|\bdB = A")


def math_of(markdown: str) -> str:
    return "\n".join(
        a or b for a, b in re.findall(r"\$\$(.+?)\$\$|\$([^$\n]+)\$", markdown, re.DOTALL)
    )


def operand_uses(markdown: str, code: str = "") -> list[str]:
    found = [m.group(0) for m in OPERANDS.finditer(math_of(markdown))]
    return found + [m.group(0) for m in CODE_OPERANDS.finditer(code)]


@pytest.mark.parametrize("page", [p for p in toc_pages() if p not in QUOTES_THE_SOURCE])
def test_a_and_b_are_not_any_two_operands(page):
    md, code = text_of(page)
    found = operand_uses(source_boxes_removed(md), "\n".join(code))
    assert not found, f"{page}: {found}"


def test_docstrings_write_no_two_operands_as_capitals():
    for path in library_sources():
        found = operand_uses("", path.read_text())
        assert not found, f"{path.name}: {found}"


def test_operand_check_can_fail():
    old = (
        "$u = a + b$, $u = a \\odot b$: $a$ receives $G \\odot b$, $u = \\max(a, b)$, "
        "$u = a\\,b$, $G\\,b^\\top$ and $a^\\top G$, $G \\odot e^a$; $G / a$, "
        "$da = G \\odot b$, $db = a^\\top G$, "
        "$$\\operatorname{rel\\_error}(a, b) = \\frac{\\lVert a - b \\rVert}{1}$$"
    )
    assert len(operand_uses(old, "def matmul(a, b):  # chapter 4: dA = G B^T, dB = A^T G")) >= 13
    new = (
        "$u = x + x'$, $u = x \\odot x'$: $x$ receives $G \\odot x'$, `u = a * b`, "
        "`G @ b.T` and `a.T @ G`, `da = G * b`, $a = \\sigma(Wx + b)$, $z = Wa + b$, "
        "$dW = \\delta a^\\top$, $dz = da \\odot a(1 - a)$, `rel_error(a, b)`, "
        "$\\lVert \\text{backward} - \\text{central} \\rVert$"
    )
    assert not operand_uses(new, "def matmul(a, b):  # chapter 4: G @ b.T for a"), operand_uses(new)


def test_notation_defines_a_second_input():
    """x' has its meaning in x's entry (an input; x' a second one)."""
    md, _ = text_of("book/00_introduction")
    x_entry = md.split("$x = a^{(0)}$\n: ", 1)[1].split("\n\n", 1)[0]
    assert "$x'$ its second input" in x_entry, x_entry


# The fifth pass (issue 23, item 6): k numbers the classes, so a second class is k' (as n'
# is a second example), never j, which numbers a layer's or an operation's inputs
# (W_{kj}, du_k/dx_j); d is the differential, so chapter 7's input index is j (X_{n'j},
# W_{jk}), not d; n numbers the examples of a batch of N, so chapter 2's mean is
# (1/N) sum_n, not (1/n) sum_i, and a node's input in chapter 2 is j, like a layer's.
RETIRED_FIFTH_PASS = {
    "j as a class or an output": re.compile(
        r"(?<![A-Za-z])d?[zpy]_\{?j\b|\bmax_j\b|\bsum_j\s*(?:e\b|e\^|exp)|\[j\s*=\s*[kt]\]"
        r"|\$j = k\$|\bj\s*(?:\\neq|!=|==)\s*k\b|z\[n, j\]"
    ),
    "d as an index": re.compile(r"_\{[a-z']*d[a-z']*\}|\[n2?, d\]|W\[d, k\]|W\[k, d\]"),
    "i as an example": re.compile(
        r"\\frac\{1\}\{n\}|\\frac1n\b|\\sum_i\s*\\(?:ell|partial)|\\ell_i\b|\\hat y_i\b"
        r"|the 1/n\b"
    ),
    "i as a node's input": re.compile(r"\\text\{input\}_i\b|downstream\$_i"),
}


def retired_fifth_pass(text: str) -> list[str]:
    return hits(RETIRED_FIFTH_PASS, text)


@pytest.mark.parametrize("page", [p for p in toc_pages() if p not in QUOTES_THE_SOURCE])
def test_fifth_pass_letters_are_not_used(page):
    """Book pages, their code and printed outputs; the quoted source keeps its own
    symbols (chapter 2's box on its mean's 1/n, the errata's (1/n) sum_i L)."""
    md, code = text_of(page)
    printed = printed_of(page)
    found = retired_fifth_pass(source_boxes_removed(md) + "\n" + "\n".join(code) + "\n" + printed)
    assert not found, f"{page}: {found}"


def test_graders_and_docstrings_use_the_fifth_pass_letters():
    for path in library_sources():
        found = retired_fifth_pass(path.read_text())
        assert not found, f"{path.name}: {found}"


def test_fifth_pass_check_can_fail():
    old = (
        "$S = \\sum_j e^{z_j}$, $m = \\max_j z_j$, $\\partial p_k / \\partial z_j = "
        "p_k(\\mathbb{1}[j = k] - p_j)$, if $j = k$, $-\\mathbb{1}[j = t] = -y_j$, "
        "sum_j exp(z[n, j]), # dp_k/dz_j, (1/2) sum_j (a_j - y_j)^2, for $j \\neq k$, "
        "$\\partial Z_{nk} / \\partial X_{n'd} = [n = n']\\, W_{dk}$, $(G\\,W^\\top)_{n'd}$, "
        "$X_{nd}$, dZ[n, k] / dX[n2, d] = [n == n2] * W[d, k], "
        "$J = \\frac{1}{n}\\sum_i \\ell(\\hat y_i, y_i)$, $\\frac1n \\sum_i \\partial \\ell_i$, "
        "dropping the 1/n, downstream$_i = \\sum_k$ upstream$_k$, "
        "$\\partial\\,\\text{output}_k / \\partial\\,\\text{input}_i$"
    )
    kinds = {hit.split(":")[0] for hit in retired_fifth_pass(old)}
    assert kinds == set(RETIRED_FIFTH_PASS), kinds
    assert len(retired_fifth_pass(old)) >= 30, retired_fifth_pass(old)
    new = (
        "$S = \\sum_{k'} e^{z_{k'}}$, $m = \\max_{k'} z_{k'}$, $\\partial p_k / \\partial "
        "z_{k'} = p_k(\\mathbb{1}[k = k'] - p_{k'})$, if $k' = k$, $-y_{k'} + p_{k'}$, "
        "sum_k' exp(z[n, k']), (1/2) sum_k (a_k - y_k)^2, $(p_t - 1)\\,a_j$, $W_{kj}$, "
        "$\\partial u_k / \\partial x_j$, $z^{(1)}_j = \\sum_i W^{(1)}_{ji}\\, a^{(0)}_i$, "
        "$\\partial Z_{nk} / \\partial X_{n'j} = [n = n']\\, W_{jk}$, $(G\\,W^\\top)_{n'j}$, "
        "dX[n2, j] = [n == n2] * W[j, k], $(N, D)$, $J = \\frac{1}{N}\\sum_n \\ell_n$, "
        "$\\sum_{ij} G_{ij}$, $G^{\\text{dil}}_{i'j'}$, $X^{\\text{pad}}$, $dJ/dw$, "
        "downstream$_j$, $\\partial\\,\\text{output}_k / \\partial\\,\\text{input}_j$"
    )
    assert not retired_fifth_pass(new), retired_fifth_pass(new)


def test_notation_gives_k_prime_and_i_j_their_meanings():
    """k' is defined with k; i and j in one entry that tells both of their uses."""
    md, _ = text_of("book/00_introduction")
    entries = notation_entries(md)
    assert "$S = \\sum_{k'} e^{z_{k'}}$" in entries and "$m = \\max_{k'} z_{k'}$" in entries
    assert [e for e in entries if "k" in defined_symbols(e)] == ["$k$, $k'$"], entries
    assert [e for e in entries if "j" in defined_symbols(e)] == ["$i$, $j$"], entries
    ij = md.split("$i$, $j$\n: ", 1)[1].split("\n\n", 1)[0]
    for use in ("$W_{kj}$", "$\\partial u_k / \\partial x_j$", "W^{(1)}_{ji}", "$Z_{ij}$"):
        assert use in ij, (use, ij)


# Inline fractions are slashed (issue 25): MathJax sets a stacked fraction inside a line of
# text at about 10 px, so a formula in a sentence, a table or a box writes dJ/dw, (1/N) sum_n,
# y/(1 - p); display math ($$ blocks, {math} directives) keeps its stacked fractions.
STACKED = re.compile(r"\\[dt]?frac(?![A-Za-z])")
FENCE = re.compile(r"\s*(`{3,}|~{3,}|:{3,})\s*(\{[\w-]+\}|[\w+-]*)(.*)")
# fenced blocks whose lines are not prose: math, code, raw
NOT_PROSE = {"{math}", "{code-cell}", "{code-block}", "{code}", "{eval-rst}", "{raw}"}
DISPLAY_END = re.compile(r".*\$\$\s*(?:\([^)$]+\))?\s*$")  # $$, or $$ (label)
BLANK_LINE = re.compile(r"\n\s*\n")
CLOSING_DOLLAR = re.compile(r"(?<!\\)\$")


def prose_of(markdown: str) -> str:
    """The markdown with its display math, code blocks and directive options blanked (one
    line out per line in, so line numbers hold); a directive's title and body stay prose.
    A $$ block opens only where a paragraph may end (MyST's rule: a $$ line straight after
    a line of text is inline math, not display)."""
    lines = markdown.splitlines()
    out = list(lines)
    boxes: list[str] = []  # the fences of the open directives (admonitions, glossary)
    skip, paragraph, options = "", False, False
    i = 0
    while i < len(lines):
        line, fence = lines[i], FENCE.fullmatch(lines[i])
        bare = fence and not fence.group(2) and not fence.group(3).strip()
        if skip:  # inside a code or {math} fence until its closing fence
            if bare and fence.group(1)[0] == skip[0] and len(fence.group(1)) >= len(skip):
                skip = ""
            out[i] = ""
        elif options and re.match(r":[\w-]+:", line):
            out[i] = ""
        elif fence:
            chars = fence.group(1)
            if bare and boxes and chars[0] == boxes[-1][0] and len(chars) >= len(boxes[-1]):
                boxes.pop()
                out[i] = ""
            elif fence.group(2).startswith("{") and fence.group(2) not in NOT_PROSE:
                boxes.append(chars)
                out[i] = fence.group(3)  # the title
                options = True
            else:
                skip, out[i] = chars, ""
            paragraph = False
            i += 1
            continue
        elif line.lstrip().startswith("$$") and not paragraph:
            first = line.strip()
            end = i if len(first) > 3 and DISPLAY_END.fullmatch(first[2:]) else None
            j = i + 1
            while end is None and j < len(lines) and lines[j].strip():
                end = j if DISPLAY_END.fullmatch(lines[j]) else None
                j += 1
            if end is not None:
                out[i : end + 1] = [""] * (end + 1 - i)
                i, paragraph, options = end + 1, False, False
                continue
        options = False
        paragraph = bool(line.strip()) and not re.match(r"\s*#{1,6}\s", line) and not skip
        i += 1
    return "\n".join(out)


def inline_math(markdown: str) -> list[tuple[int, str]]:
    """(line, formula) of every inline formula, $...$ or {math}`...`, outside code spans."""
    text = prose_of(markdown)
    found, i = [], 0
    while i < len(text):
        blank = BLANK_LINE.search(text, i)
        paragraph_end = blank.start() if blank else len(text)
        if text[i] == "\\":
            i += 2
        elif text[i] == "`":
            ticks = re.match(r"`+", text[i:]).group(0)
            end = re.compile(rf"(?<!`){ticks}(?!`)").search(text, i + len(ticks), paragraph_end)
            if end and text[:i].endswith("{math}"):
                found.append((text.count("\n", 0, i) + 1, text[i + len(ticks) : end.start()]))
            i = end.end() if end else i + len(ticks)
        elif text[i] == "$":
            end = CLOSING_DOLLAR.search(text, i + 1, paragraph_end)
            if end and end.start() > i + 1:
                found.append((text.count("\n", 0, i) + 1, text[i + 1 : end.start()]))
                i = end.end()
            else:
                i += 1
        else:
            i += 1
    return found


def stacked_inline(markdown: str) -> list[tuple[int, str]]:
    return [(line, formula) for line, formula in inline_math(markdown) if STACKED.search(formula)]


def markdown_cells(page: str) -> list[tuple[str, str]]:
    """(where, source) of each markdown cell of a page ("book/x.ipynb cell 3"); a MyST
    markdown page is one cell ("book/x.md")."""
    path = ROOT / page
    if (nb_path := path.with_suffix(".ipynb")).exists():
        nb = nbformat.read(nb_path, as_version=4)
        cells = enumerate(nb.cells)
        return [(f"{page}.ipynb cell {i}", c.source) for i, c in cells if c.cell_type == "markdown"]
    return [(f"{page}.md", path.with_suffix(".md").read_text())]


@pytest.mark.parametrize("page", toc_pages())
def test_inline_math_has_no_stacked_fractions(page):
    spans = [(where, *span) for where, md in markdown_cells(page) for span in inline_math(md)]
    # every page writes formulas in its text: a scan that finds none has lost its way
    assert len(spans) > 20, f"{page}: only {len(spans)} inline formulas found"
    found = [
        f"{where}, line {line}: ${formula}$"
        for where, line, formula in spans
        if STACKED.search(formula)
    ]
    assert not found, f"{len(found)} inline stacked fractions (write a/b):\n" + "\n".join(found)


def test_stacked_fraction_check_can_fail():
    text = (
        "A rate $\\frac{dJ}{dw}$ in a sentence, and $a/b$, $(1/N)\\sum_n$.\n"
        "\n"
        "$$\n\\begin{aligned}\nJ &= \\frac{1}{N}\\sum_n \\ell_n \\\\\n"
        "\\frac{\\partial J}{\\partial z} &= \\tfrac{1}{N}\\,(p - y)\n\\end{aligned}\n$$\n"
        "\n"
        "$$\\dfrac{a}{b}$$\n"
        "\n"
        "$$ \\frac{x}{y} $$ (eq-label)\n"
        "\n"
        "```{math}\n\\frac{c}{d}\n```\n"
        "\n"
        'Code `$\\frac{1}{2}$` and ``s = "`$\\tfrac12$`"`` is not math, nor \\$\\frac12.\n'
        "\n"
        "```python\nprint('$\\frac{1}{2}$')\n```\n"
    )
    assert stacked_inline(text) == [(1, "\\frac{dJ}{dw}")]
    assert [f for _, f in inline_math(text)] == ["\\frac{dJ}{dw}", "a/b", "(1/N)\\sum_n"]
    # inline in a box, its title, a table, a definition, across a line break; and a $$ line
    # straight after a line of text, which MyST reads as inline math
    boxed = (
        "```{admonition} Recap: $\\tfrac{1}{N}$\n:class: tip\n- a mean puts $\\frac1N$ in\n```\n"
        "| cost | $J = \\frac{1}{N}\\sum_n$ |\n"
        "\n"
        "term\n: $\\dfrac{dJ}{dw} =\n  \\frac{dJ}{dz}\\frac{dz}{dw}$ and {math}`\\frac{a}{b}`\n"
        "\n"
        "The chain is\n$$\n\\frac{dJ}{dw}\n$$\n"
    )
    assert [line for line, _ in stacked_inline(boxed)] == [1, 3, 5, 8, 9, 12]


def stray_dollars(markdown: str) -> list[str]:
    """The text runs that still hold a ``$`` after MyST's own parser (markdown-it-py with
    the dollarmath rule) has read ``markdown``: each one is a formula the reader sees as
    raw TeX, for example because a line inside ``$...$`` starts with ``+``, which opens a
    list.  The bodies of directives (``{admonition}`` boxes, dropdowns) are read too."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)
    found, todo = [], [markdown]
    while todo:
        for token in md.parse(todo.pop()):
            if token.type == "fence" and token.info.startswith("{") and "math" not in token.info:
                body = [line for line in token.content.splitlines() if not line.startswith(":")]
                todo.append("\n".join(body))
            for child in token.children or []:
                if child.type == "text" and "$" in child.content:
                    found.append(child.content)
    return found


@pytest.mark.parametrize("page", toc_pages())
def test_every_formula_is_read_as_math(page):
    found = [
        f"{where}: {text!r}" for where, md in markdown_cells(page) for text in stray_dollars(md)
    ]
    assert not found, "text that MyST leaves as raw TeX:\n" + "\n".join(found)


def test_stray_dollar_check_can_fail():
    good = "A sum $a +\nb + c$ with $x$.\n\n```{admonition} Box\n:class: tip\nIt is $y$.\n```\n"
    assert stray_dollars(good) == []  # a formula across lines, one in a box
    broken = "A sum $a + b\n+ c$ with $x$.\n"  # the second line opens a list
    assert stray_dollars(broken)
    assert stray_dollars("```{admonition} Box\n:class: tip\nA sum $a + b\n- c$.\n```\n")
    assert stray_dollars("Code `$x$` is code, not text.") == []
