"""Where cell text comes from: files, standard input and the built-in cells;
and the grammar of the language, shipped beside them.

Cheap on purpose (no sympy, no lark): `symcount list` and `show` use it, and
the Pygments lexer (render/lexer.py) reads the grammar's keywords from here.
"""

from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path

from .errors import Location, SymcountError, suggest

BUILTIN_SUFFIX = ".cell"
# How a built-in cell is named as a source: the JSON output's "source" and
# `cell.source` say `builtin:lstm`, and that spelling is accepted back.
BUILTIN_PREFIX = "builtin:"
# A definition's header: its kind, name, size symbols and description.
_HEADER = re.compile(r'^\s*(cell|block|model)\s+([\w.]+)\s*\(([^)]*)\)\s*(?:"((?:[^"\\]|\\.)*)")?', re.M)


def builtin_names() -> list[str]:
    folder = resources.files("symcount") / "cells"
    names = [
        p.name[: -len(BUILTIN_SUFFIX)] for p in folder.iterdir() if p.name.endswith(BUILTIN_SUFFIX)
    ]
    # Textbook cells first, then framework forms grouped by framework.
    return sorted(names, key=lambda n: ("." in n, n))


def builtin_name(name: str) -> str:
    """`lstm` or `builtin:lstm` → `lstm`."""
    return name[len(BUILTIN_PREFIX) :] if name.startswith(BUILTIN_PREFIX) else name


def builtin_text(name: str) -> str:
    """The text of a built-in cell, named `lstm` or `builtin:lstm`."""
    given, name = name, builtin_name(name)
    if name not in builtin_names():
        raise SymcountError(
            f"no built-in cell named '{name}'"
            + suggest(name, builtin_names())
            + "; `symcount list` shows them all",
            Location(given),
        )
    return (resources.files("symcount") / "cells" / f"{name}{BUILTIN_SUFFIX}").read_text(
        encoding="utf-8"
    )


def builtin_summary(name: str) -> tuple[str, str]:
    """(size symbols, description) read from the header without parsing."""
    match = _header(name)
    if not match:
        return "", ""
    dims = ", ".join(d.strip() for d in match.group(3).split(","))
    return dims, (match.group(4) or "")


def builtin_kind(name: str) -> str:
    """What a built-in is, read from its header: "cell", "block" or "model"."""
    match = _header(name)
    return match.group(1) if match else "cell"


def _header(name: str) -> re.Match | None:
    """The header of the definition a built-in's file is named after (a model's file
    holds the blocks it uses too), else its first."""
    headers = list(_HEADER.finditer(builtin_text(name)))
    return next((h for h in headers if h.group(2) == builtin_name(name)), headers[0] if headers else None)


def grammar_text() -> str:
    """The language's grammar (grammar/symcount.lark)."""
    packaged = resources.files("symcount") / "symcount.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # Running from a source checkout (or an editable install): the grammar
    # sits at the top of the repository.
    return (Path(__file__).resolve().parents[1] / "grammar" / "symcount.lark").read_text(
        encoding="utf-8"
    )


def decode(data: bytes, filename: str) -> str:
    """UTF-8 (a leading BOM is dropped); anything else is a located error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(data[line_start : e.start].decode("utf-8", errors="replace")) + 1
        line_end = data.find(b"\n", e.start)
        text = data[line_start : None if line_end < 0 else line_end].decode(
            "utf-8", errors="replace"
        )
        raise SymcountError(
            f"the file is not valid UTF-8 (byte 0x{data[e.start]:02x})",
            Location(filename, line, column, None, text),
        ) from None


def read(spec: str) -> tuple[str, str]:
    """A SOURCE argument → (name to report, text).

    `builtin:NAME` is always the built-in; otherwise a path that exists wins
    over a built-in name, except a directory (it cannot be a cell file, so
    `mkdir lstm` does not hide the built-in `lstm`); `-` is standard input.
    Anything else that exists is read, not only regular files: `/dev/null`,
    `/dev/stdin` and fifos are sources too.
    """
    if spec == "-":
        return "<stdin>", decode(sys.stdin.buffer.read(), "<stdin>")
    if spec.startswith(BUILTIN_PREFIX):
        return spec, builtin_text(spec)
    if _is_dir(spec):
        if spec in builtin_names():
            return BUILTIN_PREFIX + spec, builtin_text(spec)
        raise SymcountError("is a directory, not a .cell file", Location(spec))
    data = _read_if_exists(spec)
    if data is not None:
        return spec, decode(data, spec)
    if spec.endswith(BUILTIN_SUFFIX) or "/" in spec or "\\" in spec:
        raise SymcountError("no such file", Location(spec))
    if spec not in builtin_names():
        raise SymcountError(
            f"no such file or built-in cell '{spec}'"
            + suggest(spec, builtin_names())
            + "; `symcount list` shows the built-in cells",
            Location(spec),
        )
    return BUILTIN_PREFIX + spec, builtin_text(spec)


def _is_dir(spec: str) -> bool:
    try:
        return Path(spec).is_dir()
    except OSError:  # a name too long for the system, say: no directory by that name
        return False


def _read_if_exists(spec: str) -> bytes | None:
    """The bytes at a path, or None when there is nothing there."""
    try:
        with open(spec, "rb") as file:
            return file.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise SymcountError(f"cannot read the file: {e.strerror}", Location(spec)) from None
