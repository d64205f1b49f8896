"""A source text as the pipeline reads it: its lines, and places in it.

`Span` is where a node is; `Document` is a whole input text with the name to
report it under, and makes the located errors and warnings of every stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from .errors import Location, Note, SymcountError, SymcountWarning


class Span(NamedTuple):
    """Where a node is: lines and columns count from 1; the end is exclusive.

    A named tuple rather than a dataclass: every token and node has one, and
    a tuple is made in a third of the time.
    """

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, eq=False)
class Document:
    """A whole input text and the name to report it under."""

    filename: str
    text: str

    @cached_property
    def lines(self) -> list[str]:
        # Lines as the parser counts them: only "\n" ends one. str.splitlines
        # also breaks at \r, \f, \x85, \u2028 and more, which put an error's
        # caret under the wrong line.
        lines = self.text.split("\n")
        if len(lines) > 1 and not lines[-1]:
            lines.pop()  # a final newline ends the last line; it starts none
        return [line.removesuffix("\r") for line in lines]

    def line(self, number: int) -> str:
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""

    def location(self, span: Span) -> Location:
        end = span.end_column if span.end_line == span.line else None
        return Location(self.filename, span.line, span.column, end, self.line(span.line))

    def error(self, message: str, span: Span, *notes: tuple[str, Span]) -> SymcountError:
        """An input error at `span`; each note is (message, span) of another place involved."""
        return SymcountError(
            message, self.location(span), tuple(Note(text, self.location(s)) for text, s in notes)
        )

    def warning(self, message: str, span: Span, *notes: tuple[str, Span]) -> SymcountWarning:
        """A warning at `span`, with notes like `error`'s."""
        return SymcountWarning(
            message, self.location(span), tuple(Note(text, self.location(s)) for text, s in notes)
        )

    def snippet(self, span: Span, limit: int = 40) -> str:
        """The source text of a span (one line), shortened for messages."""
        text = self.line(span.line)
        end = span.end_column - 1 if span.end_line == span.line else len(text)
        piece = text[span.column - 1 : end].strip()
        return piece if len(piece) <= limit else piece[: limit - 3] + "..."
