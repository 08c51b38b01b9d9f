"""What a reader sees of an exercise: its statement, a stub to fill, the solution."""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable

from .engine import get


def _wrap(text: str, indent: str) -> str:
    """Lines of at most 88 characters; a shape such as (N, C, H, W) is never split."""
    glued = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(" ", "\0"), text)
    return textwrap.fill(glued, 88, initial_indent=indent, subsequent_indent=indent).replace(
        "\0", " "
    )


class Text(str):
    """A string that Jupyter shows as itself (no quotes, real line breaks)."""

    def __repr__(self) -> str:
        return str(self)


class Code(Text):
    """Python source: plain text, and a highlighted code block in Jupyter."""

    def _repr_markdown_(self) -> str:
        return f"```python\n{self}```"


def describe(name: str) -> Text:
    """The signature and a one-paragraph statement of the task, shapes in words."""
    ex = get(name)
    return Text(f"{ex.signature}\n\n{_wrap(ex.statement, '')}")


def stub(name: str) -> Code:
    """Source of an empty function for the reader to fill, the task as its docstring.
    It is named ``my_<name>`` so that it never hides a library function of that name."""
    ex = get(name)
    if ex.adapter is not None:  # a class to fix: the stub subclasses the buggy layer
        return Code(
            'class MyDense(ex.buggy_layer("weights")):  # or "bias", "input"\n'
            "    def backward(self, dout):\n"
            "        raise NotImplementedError  # your fixed backward here\n"
        )
    head, _, ret = ex.signature.partition(" -> ")
    head = "my_" + head
    body = _wrap(ex.statement, "    ")
    return Code(
        f"def {head}:\n"
        f'    """Return {ret}.\n\n{body}\n    """\n'
        f"    raise NotImplementedError  # your code here\n"
    )


def solution(name: str) -> Callable:
    """The reference implementation: a plain function of NumPy arrays."""
    return get(name).reference


def solution_source(name: str) -> str:
    """The reference implementation's source, under the exercise's own name (a library
    loop reference such as ``conv.conv2d_backward_loops`` is shown as ``conv_backward``)."""
    src = textwrap.dedent(inspect.getsource(get(name).reference))
    if src.startswith("class "):  # a fixed layer: shown as the reader's MyDense
        return re.sub(r"^class \w+", "class MyDense", src, count=1)
    return re.sub(r"^def \w+\(", f"def {name}(", src, count=1, flags=re.MULTILINE)


def show_solution(name: str) -> Code:
    """``solution_source(name)``, shown by Jupyter as highlighted code."""
    return Code(solution_source(name))
