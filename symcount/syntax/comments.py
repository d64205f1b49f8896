"""Where a text's comments are: the grammar folds them into line breaks, so
the IR has none, and `symcount fmt` (render/cellfmt.py) finds them here.

A comment runs from a `#` outside a string to the end of its line (the
grammar's COMMENT). Each is told by what surrounds it: alone on its line or
after code, and inside brackets (a statement that goes on over more lines)
or not.

    >>> for c in comments('# top\\ncell c(n) "a # b"  # why\\nh\\' = f(h,  # inner\\n  h)\\n'):
    ...     print(c)
    Comment(line=1, text='# top', alone=True, nested=False)
    Comment(line=2, text='# why', alone=False, nested=False)
    Comment(line=3, text='# inner', alone=False, nested=True)
"""

from __future__ import annotations

import re
from typing import NamedTuple

# What can hold a `#` or a bracket that is not one: a string (as the grammar's
# STRING: no line break inside), a comment; then the brackets and line breaks.
_PIECE = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[(\[]|[)\]]|\n')


class Comment(NamedTuple):
    """One comment: its line (counted as the parser counts), its text from
    `#` on without trailing blanks, whether only blanks precede it on its
    line, and whether it is inside ( ) or [ ]."""

    line: int
    text: str
    alone: bool
    nested: bool


def comments(text: str) -> list[Comment]:
    """Every comment of `text`, in order."""
    found: list[Comment] = []
    line, line_start, depth = 1, 0, 0
    for match in _PIECE.finditer(text):
        piece = match.group()
        first = piece[0]  # a string's is `"`, which needs nothing
        if first == "\n":
            line, line_start = line + 1, match.end()
        elif first == "#":
            alone = not text[line_start : match.start()].strip()
            found.append(Comment(line, piece.rstrip(), alone, depth > 0))
        elif first in "([":
            depth += 1
        elif first in ")]":
            depth = max(depth - 1, 0)
    return found
