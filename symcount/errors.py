"""The one exception type for problems in a user's input, and its rendering.

Every stage (reading, parsing, name resolution, shape inference) raises
`SymcountError` with the file, line and column it is about; a conflict also
carries `notes` pointing at the other places involved. The CLI turns it into
`FILE:LINE:COL: error: MESSAGE` plus the source line and a caret.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a source text; line and column count from 1."""

    filename: str
    line: int | None = None
    column: int | None = None
    end_column: int | None = None  # exclusive; for underlining a span on one line
    source_line: str | None = None  # the text of `line`, for the caret display

    def prefix(self) -> str:
        if self.line is None:
            return self.filename
        return f"{self.filename}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Note:
    message: str
    location: Location


class SymcountError(Exception):
    """Base of every input error; knows the file, line and column it is about.

    >>> import symcount
    >>> try:
    ...     symcount.loads("cell c(n)\\n  state h : n\\nend\\n", filename="c.cell")
    ... except symcount.SymcountError as e:
    ...     print(e.filename, e.line, e.column, e.message)
    c.cell 2 9 state 'h' is never updated (add an equation h' = ...)
    """

    def __init__(self, message: str, location: Location, notes: tuple[Note, ...] = ()):
        super().__init__(message)
        self.message = message
        self.location = location
        self.notes = tuple(notes)

    @property
    def filename(self) -> str:
        return self.location.filename

    @property
    def line(self) -> int | None:
        return self.location.line

    @property
    def column(self) -> int | None:
        return self.location.column

    def __str__(self) -> str:
        return f"{self.location.prefix()}: {self.message}"

    def render(self) -> str:
        """The compiler-style report: error, source line, caret, then notes."""
        parts = [_report("error", self.message, self.location)]
        parts += [_report("note", note.message, note.location) for note in self.notes]
        return "\n".join(parts)


def _report(kind: str, message: str, loc: Location) -> str:
    lines = [f"{loc.prefix()}: {kind}: {message}"]
    if loc.source_line is not None and loc.column is not None:
        shown = _printable(loc.source_line)
        lines.append("    " + shown)
        width = 1
        if loc.end_column is not None and loc.end_column > loc.column:
            width = loc.end_column - loc.column
        caret_at = len(_printable(loc.source_line[: loc.column - 1]))
        lines.append("    " + " " * caret_at + "^" + "~" * (width - 1))
    return "\n".join(lines)


def _printable(text: str) -> str:
    # Tabs would misalign the caret; control characters (NUL, escape codes)
    # must not reach the terminal raw.
    out = []
    for ch in text:
        if ch == "\t":
            out.append(" ")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def suggest(name: str, candidates) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
