"""The one exception type for problems in a user's input, and its rendering.

Every stage (reading, parsing, name resolution, shape inference) raises
`SymcountError` with the file, line and column it is about; a conflict also
carries `notes` pointing at the other places involved. The CLI turns it into
`FILE:LINE:COL: error: MESSAGE` plus the source line and a caret.
"""

from __future__ import annotations

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


class _Located:
    """What an error and a warning share: a message, where, the other places involved."""

    message: str
    location: Location
    notes: tuple[Note, ...]

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


class SymcountError(_Located, Exception):
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

    def render(self) -> str:
        """The compiler-style report: error, source line, caret, then notes."""
        return _render("error", self.message, self.location, self.notes)

    def _render_traceback_(self) -> list[str]:
        """What IPython and Jupyter show in place of a traceback: the report
        `render()` gives, a line each (docs/api.md, "Jupyter")."""
        return self.render().splitlines()


@dataclass(frozen=True)
class SymcountWarning(_Located):
    """Something legal that is probably a slip (a typo that became a parameter, an
    unused gate): located like an error, but the count is still given.

    >>> import symcount
    >>> text = "cell c(m, n)\\n input x : m\\n state h : n\\n h' = tanh(U @ h + b)\\nend"
    >>> w = symcount.loads(text, filename="c.cell")[0].warnings[0]
    >>> w.filename, w.line, w.column, w.message
    ('c.cell', 2, 8, "input 'x' is never used")
    """

    message: str
    location: Location
    notes: tuple[Note, ...] = ()

    def render(self, kind: str = "warning") -> str:
        """The compiler-style report; `kind` "error" when `--strict` makes it one."""
        return _render(kind, self.message, self.location, self.notes)


class Unlocated(Exception):
    """An input problem found where the source text is not at hand (evaluating a
    size, inlining a call): the stage that has the document raises it as a
    `SymcountError` at `span`."""

    def __init__(self, message: str, span):
        super().__init__(message)
        self.span = span


def _render(kind: str, message: str, location: Location, notes: tuple[Note, ...]) -> str:
    parts = [_report(kind, message, location)]
    parts += [_report("note", note.message, note.location) for note in notes]
    return "\n".join(parts)


# A report stays readable whatever the input: a long source line (generated
# cells have 100,000-character ones) is shown as a window around the column,
# and a long message (one that quotes a huge name) is cut in the middle.
WINDOW = 100
MAX_MESSAGE = 500


def _report(kind: str, message: str, loc: Location) -> str:
    lines = [f"{loc.prefix()}: {kind}: {_shorten(message)}"]
    if loc.source_line is not None and loc.column is not None:
        shown = _printable(loc.source_line)
        width = 1
        if loc.end_column is not None and loc.end_column > loc.column:
            width = loc.end_column - loc.column
        caret_at = len(shown[: loc.column - 1])  # _printable keeps one character per character
        shown, caret_at, width = _window(shown, caret_at, width)
        lines.append("    " + shown)
        lines.append("    " + " " * caret_at + "^" + "~" * (width - 1))
    return "\n".join(lines)


def _window(text: str, at: int, width: int) -> tuple[str, int, int]:
    """At most WINDOW characters of `text` around index `at`, marked `...` where cut.

    Returns the text to show, the caret's index in it and the underline's width.
    """
    if len(text) <= WINDOW:
        return text, at, width
    start = max(0, min(at - WINDOW // 2, len(text) - WINDOW))
    end = start + WINDOW
    width = max(1, min(width, end - at))
    shown, at = text[start:end], at - start
    if start > 0:
        shown, at = "..." + shown, at + 3
    if end < len(text):
        shown += "..."
    return shown, at, width


def _shorten(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    half = MAX_MESSAGE // 2
    return message[:half] + " ... " + message[-half:]


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
    import difflib  # only when there is an error to report: start-up stays lean

    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
