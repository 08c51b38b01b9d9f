"""The reader's own working copy of the chapters, for `make lab`.

    python tools/lab_copy.py ensure              # copy every chapter missing from lab/
    python tools/lab_copy.py restore 02_chain_rule   # put back the book's version of one
    python tools/lab_copy.py restore all         # ... or of every chapter

JupyterLab autosaves every output and widget view into the notebook it has open.  Opening
the tracked chapters in book/ would make `git status` show them modified and bloat them,
so `make lab` opens lab/ (ignored by git) instead: run, edit and break things there; the
book's chapters never change.  `ensure` never overwrites a copy; it names the copies that
are older than the book's chapter, which `restore` replaces (the copy's edits are lost).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
LAB = ROOT / "lab"


def ensure(book: Path = BOOK, lab: Path = LAB) -> list[str]:
    """Copy the chapters that lab/ lacks; return notes on copies older than the book's."""
    lab.mkdir(exist_ok=True)
    notes = []
    for src in sorted(book.glob("*.ipynb")):
        dst = lab / src.name
        if not dst.exists():
            shutil.copy2(src, dst)
            print(f"lab_copy: copied {src.name} into {lab.name}/")
        elif src.stat().st_mtime > dst.stat().st_mtime and src.read_bytes() != dst.read_bytes():
            notes.append(
                f"lab_copy: the book's {src.name} is newer than your copy; "
                f"`make restore CHAPTER={src.stem}` replaces your copy (your edits are lost)"
            )
    return notes


def restore(name: str, book: Path = BOOK, lab: Path = LAB) -> list[Path]:
    """Replace lab/<name>.ipynb (or every chapter, for ``all``) with the book's version."""
    if name == "all":
        sources = sorted(book.glob("*.ipynb"))
    else:
        src = book / f"{Path(name).stem}.ipynb"
        if not src.exists():
            known = ", ".join(p.stem for p in sorted(book.glob("*.ipynb")))
            raise SystemExit(f"lab_copy: no chapter {name!r}; expected one of: {known}, or all")
        sources = [src]
    lab.mkdir(exist_ok=True)
    for src in sources:
        shutil.copy2(src, lab / src.name)
        print(f"lab_copy: restored {lab.name}/{src.name} from {book.name}/")
    return [lab / s.name for s in sources]


def main(argv: list[str]) -> int:
    if argv[:1] == ["ensure"] and len(argv) == 1:
        for note in ensure():
            print(note)
        return 0
    if argv[:1] == ["restore"] and len(argv) == 2:
        restore(argv[1])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
