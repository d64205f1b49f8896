"""`latex NAME "TEXT"`: checks of a cell's LaTeX overrides (the user's own LaTeX).

The name must be one of the cell's inputs, states, gates or parameters; the
text goes into the output verbatim, so it must not be able to leave math mode,
unbalance the document or run commands that read or write files. The cell's
display name (`cell c(m, n) "..." latex "TEXT"`) is LaTeX of the same kind,
checked the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..errors import suggest
from ..functions import FUNCTIONS

if TYPE_CHECKING:
    from .scope import ErrorFactory, Scope


def check(cell: ir.CellDef, scope: Scope, err: ErrorFactory) -> None:
    """`latex NAME "TEXT"`: a name of this cell, once, with LaTeX that is safe to paste."""
    seen: dict[str, ir.LatexOverride] = {}
    for override in cell.latex_overrides:
        _check_override_name(override, scope, err)
        if override.name in seen:
            raise err(
                f"'{override.name}' has two LaTeX overrides",
                override.name_span,
                ("first here", seen[override.name].name_span),
            )
        seen[override.name] = override
        _check_text(override.text, override.text_span, f"LaTeX override for '{override.name}'", err)


def check_display(cell: ir.CellDef, err: ErrorFactory) -> None:
    """`cell c(m, n) "..." latex "TEXT"`: the display name is LaTeX that is safe to paste."""
    if cell.display is not None:
        _check_text(cell.display, cell.display_span, f"display name of cell '{cell.name}'", err)


def _check_text(text: str, span: ir.Span, what: str, err: ErrorFactory) -> None:
    """A located error at the character of `text` (the string at `span`) that is unsafe."""
    problem = latex_problem(text)
    if problem is not None:
        offset, message = problem
        # The text is verbatim, so its characters sit one column after the quote.
        column = span.column + 1 + offset
        raise err(f"{what}: {message}", ir.Span(span.line, column, span.line, column + 1))


def _check_override_name(override: ir.LatexOverride, scope: Scope, err: ErrorFactory) -> None:
    name = override.name
    if name.endswith("'"):
        raise err(
            f"an override is for the name itself: write `latex {name[:-1]} ...` "
            f"(the new value {name} then prints as the override with the time step t)",
            override.name_span,
        )
    if name in scope.symbols:
        raise err(
            f"'{name}' is a size symbol; a LaTeX override is for an input, state, gate "
            "or parameter (size symbols print as sympy writes them)",
            override.name_span,
        )
    named = {*scope.inputs, *scope.states, *scope.gates, *scope.params, *scope.declared}
    if name not in named:
        what = "a function" if name in FUNCTIONS else f"not a name of cell '{scope.cell.name}'"
        raise err(
            f"'{name}' is {what}; a LaTeX override is for an input, state, gate or parameter"
            + suggest(name, named),
            override.name_span,
        )


# Control sequences that would end math mode, the equation, the table row or
# the document, or change how LaTeX reads everything after them: a deny list,
# since any other command is the user's LaTeX (an unknown one fails loudly).
_LATEX_DENIED = {
    "it would leave math mode": r"\( \) \[ \] \intertext \shortintertext",
    "it would end the equation or the table row": (
        r"\\ \cr \crcr \tabularnewline \newline \noalign \omit \span"
    ),
    "it would open or close an environment": r"\begin \end",
    "it would end the paragraph": r"\par",
    "it would unbalance LaTeX's groups": r"\bgroup \egroup \begingroup \endgroup",
    "it would skip part of the document": (
        r"\if \ifcat \ifnum \ifdim \ifodd \ifvmode \ifhmode \ifmmode \ifinner \ifvoid"
        r" \ifhbox \ifvbox \ifx \ifeof \iftrue \iffalse \ifcase \ifdefined \ifcsname"
        r" \iffontchar \unless \fi \else \or \newif"
    ),
    "it would change how LaTeX reads the document": (
        r"\def \edef \gdef \xdef \let \futurelet \global \chardef \mathchardef"
        r" \catcode \csname \endcsname \newcommand \renewcommand \providecommand"
        r" \everymath \everydisplay \everycr \everypar \makeatletter"
    ),
    "it would read or write files": (
        r"\input \include \endinput \openin \read \write \openout \immediate \special"
    ),
}
_LATEX_COMMANDS = {
    command: why for why, commands in _LATEX_DENIED.items() for command in commands.split()
}
_LATEX_COMMANDS['\\"'] = "a double quote cannot be written inside the quotes"

_LATEX_CHARACTERS = {
    "$": "'$' would leave math mode",
    "%": "'%' would comment out the rest of the line (write \\% for a percent sign)",
    "&": "'&' would split the equation or the table cell (write \\& for an ampersand)",
    "#": "'#' is LaTeX's macro parameter (write \\# for a hash sign)",
}


def latex_problem(text: str) -> tuple[int, str] | None:
    r"""What makes `text` unsafe as a name's LaTeX, and where (an offset), or None.

    The text goes into math mode verbatim, in `align` rows and table cells:
    it must keep its braces balanced and must not end math mode, the row or
    the document, or change how LaTeX reads the rest of the file.

    >>> latex_problem(r"W_{\xi}") is None, latex_problem("W_{x"), latex_problem("a$b")
    (True, (2, "'{' is never closed"), (1, "'$' would leave math mode"))
    """
    if not text.strip():
        return 0, "the LaTeX is empty"
    opened: list[int] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            end = index + 1
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            end = max(end, min(index + 2, len(text)))  # `\{`, `\,`: one character
            command = text[index:end]
            if command == "\\":  # a backslash at the very end would escape what follows
                return index, "a backslash must start a command"
            if command in _LATEX_COMMANDS:
                return index, f"{command} is not allowed: {_LATEX_COMMANDS[command]}"
            if not command[-1:].isascii() or not command[-1:].isprintable():
                return index + 1, _unprintable(command[-1])
            index = end
            continue
        if char in _LATEX_CHARACTERS:
            return index, _LATEX_CHARACTERS[char]
        if not (char.isascii() and (char.isprintable() or char == "\t")):
            return index, _unprintable(char)
        if char == "{":
            opened.append(index)
        elif char == "}":
            if not opened:
                return index, "unmatched '}'"
            opened.pop()
        index += 1
    if opened:
        return opened[-1], "'{' is never closed"
    return None


def _unprintable(char: str) -> str:
    if char.isascii():
        return f"control character {char!r}"
    return f"{char!r} is not ASCII; pdflatex cannot set it (write its command, such as \\xi)"
