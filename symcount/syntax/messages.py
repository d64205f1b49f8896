"""Syntax errors as people read them: labels learned from example inputs, the
bracket that was never closed, what was found and what could come instead."""

from __future__ import annotations

from functools import lru_cache

from .. import ir
from ..errors import Location, Note, SymcountError
from . import tables
from .tables import Lark, Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

# Example inputs for lark's `match_examples`: an error in the same parser
# state as one of these gets that label instead of a bare "unexpected token".
_EXAMPLES = {
    "expected an expression": [
        "cell c(n)\ny =\n",
        "cell c(n)\ny = x +\n",
        "cell c(n)\ny = x *\n",
        "cell c(n)\ny = W @\n",
        "cell c(n)\ny = -\n",
        "cell c(n)\ny = x + )\n",
        "cell c(n)\ny = [x,]\n",
    ],
    "missing '=' in equation": ["cell c(n)\ny x\n", "cell c(n)\nh' x\n"],
    "expected the end of the line (one equation or declaration per line)": [
        "cell c(n)\ny = x z\n",
        "cell c(n)\ny = x h'\n",
        "cell c(n)\ny = x (\n",
        "cell c(n)\ny = f(x) z\n",
    ],
    "missing 'end' to close the cell": [
        "cell c(n)\n",
        "cell c(n)\ny = x\n",
    ],
    "missing 'end' to close the model": [
        "model m(n)\n",
        "model m(n)\nlayer c(n)\n",
        "model m(n)\nembedding E : (n, n)\n",
    ],
    "a model holds components (`embedding`, `layer`, `linear`, `norm`, `output`) and its "
    "`input`; write states, parameters and equations in a cell or a block": [
        "model m(n)\nstate h : n\n",
        "model m(n)\ny = x\n",
        "model m(n)\nparam W : n\n",
    ],
    "expected `cell NAME(SIZES)` (statements must be inside a cell, a block or a model)": [
        "y = x\n",
        "input x : n\n",
        "end\n",
    ],
    "expected the size symbols in parentheses, as in `cell lstm(m, n)`": ["cell c\n", "cell c n\n"],
    "expected ':' and a size, as in `input x : m`": [
        "cell c(n)\ninput x\n",
        "cell c(n)\nstate h n\n",
        "cell c(n)\nparam W\n",
    ],
    "expected a size: a polynomial in the size symbols, such as `n`, `2*n` or `n + m`": [
        "cell c(n)\ninput x :\n",
        "cell c(n)\ninput x : n +\n",
        "cell c(n)\nparam W : (n,\n",
        "cell c(n)\ninput x : 1.5\n",
    ],
    'expected a name and its LaTeX in double quotes, as in `latex W_xi "W_{\\xi}"`': [
        "cell c(n)\nlatex\n",
        "cell c(n)\nlatex W\n",
        "cell c(n)\nlatex W x\n",
        "cell c(n)\nlatex W (\n",
    ],
    # After the one above, which labels the state's other tokens: only the string is this.
    "a cell's display name goes on its first line, as in "
    '`cell c(n) "description" latex "\\mathrm{C}"` (a name\'s LaTeX is `latex NAME "..."`)': [
        'cell c(n)\nlatex "x"\n',
    ],
    'expected the display name in double quotes, as in `cell c(n) "description" latex "\\mathrm{C}"`': [
        "cell c(n) latex\n",
        'cell c(n) "d" latex\n',
        'cell c(n) "d" latex x\n',
    ],
    # Before the one below, which labels only a string after the display name.
    'expected the end of the line after the header `cell c(n) "description" latex "\\mathrm{C}"`': [
        'cell c(n) latex "x" y\n',
        'cell c(n) "d" latex "x" y\n',
    ],
    'the description comes before the display name: `cell c(n) "description" latex "\\mathrm{C}"`': [
        'cell c(n) latex "x" "d"\n',
    ],
    "unmatched ')'": ["cell c(n)\ny = x)\n", "cell c(n)\ny = (x))\n", "cell c(n)\ny = f(x))\n"],
    "unmatched ']'": ["cell c(n)\ny = x]\n", "cell c(n)\ny = f(x)]\n", "cell c(n)\ny = [x]]\n"],
    "missing ')'": ["cell c(n)\ny = f(x]\n"],
    "missing ']'": ["cell c(n)\ny = [x)\n"],
}


def syntax_error(
    e: UnexpectedInput, source: ir.Document, open_brackets: list[Token], parser: Lark
) -> SymcountError:
    line, column = e.line, e.column
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        line = len(source.lines)
        column = len(source.line(line)) + 1
    if line is None or line < 1:
        line, column = 1, 1

    # A bracket left open swallows the following lines (newlines inside
    # brackets are not line ends); the useful place to point at is the bracket.
    if open_brackets and open_brackets[-1].line < line:
        tok = open_brackets[-1]
        return SymcountError(
            f"'{tok}' was never closed",
            Location(source.filename, tok.line, tok.column, None, source.line(tok.line)),
            (Note("the input is unreadable from here", _loc(source, line, column)),),
        )

    if isinstance(e, UnexpectedCharacters):
        ch = source.text[e.pos_in_stream] if e.pos_in_stream < len(source.text) else ""
        message = f"unexpected character {ch!r}"
        if ch == "'":
            message += " (a prime belongs right after a state's name, as in h')"
        elif ch == '"':  # STRING matches only up to a closing quote on the same line
            message = "this string is never closed (it ends with '\"' on the same line)"
        return SymcountError(message, _loc(source, line, column))

    label = _label(e, parser)
    found = _describe(e.token) if isinstance(e, UnexpectedToken) else "input"
    message = f"{label} (found {found})" if label else f"unexpected {found}"
    if not label and isinstance(e, UnexpectedToken):
        expected = sorted(_readable(t, parser) for t in e.accepts or e.expected)
        if expected:
            message += "; expected " + _either(expected)
    return SymcountError(message, _loc(source, line, column))


# What may start an expression: a state that wants exactly one of these wants
# an expression, in whichever of the many such states the parser is.
_EXPRESSION_START = frozenset({"LPAR", "LSQB", "MINUS", "NAME", "NEW_NAME", "NUMBER"})


def _label(e: UnexpectedInput, parser: Lark) -> str | None:
    if not isinstance(e, UnexpectedToken) or e.state is None:
        return None
    table = _label_table(parser)
    position = e.state.position
    label = table.get((position, e.token.type)) or table.get((position, None))
    if label is None and set(e.accepts or e.expected) == _EXPRESSION_START:
        label = "expected an expression"
    return label


@lru_cache(maxsize=1)  # one parser per process
def _label_table(lalr: Lark) -> dict:
    """(LALR state, token type) → label, learned from `_EXAMPLES`.

    Unlike lark's `match_examples`, only the parser's current state counts,
    not the depth of its stack, so one example covers an error at any
    nesting level and after any number of statements. Built on the first
    syntax error only.
    """
    table: dict = {}
    for label, examples in _EXAMPLES.items():
        for example in _variants(examples):
            try:
                tables.run(lalr, example, [])
            except UnexpectedToken as ut:
                table.setdefault((ut.state.position, ut.token.type), label)
                table.setdefault((ut.state.position, None), label)
            except UnexpectedInput:
                pass
    return table


# LALR states differ with context (an equation for a gate or for a state, the
# first statement or a later one); each example is tried in all of them.
_CONTEXTS = [("\ny ", "\nh' "), ("input x", "state h"), ("cell c(n)\n", "cell c(n)\nstate s : n\n")]


def _variants(examples: list[str]):
    for example in examples:
        texts = {example}
        for old, new in _CONTEXTS:
            texts |= {t.replace(old, new) for t in texts}
        yield from sorted(texts)


def _loc(source: ir.Document, line: int, column: int) -> Location:
    return Location(source.filename, line, column, None, source.line(line))


_TERMINAL_NAMES = {
    "$END": "end of input",
    "_NL": "end of line",
    "NAME": "a name",
    "NEW_NAME": "a new state value such as h'",
    "CELL_NAME": "a cell name",
    "NUMBER": "a number",
    "INT": "an integer",
    "STRING": 'a "description"',
}


def _readable(terminal: str, parser: Lark) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    pattern = parser.get_terminal(terminal).pattern
    return f"'{pattern.value}'" if pattern.type == "str" else terminal.lower()


def _describe(token: Token) -> str:
    if token.type in ("$END", "_NL"):
        return _TERMINAL_NAMES[token.type]
    if token.type in ("NAME", "CELL_NAME", "NEW_NAME"):
        return f"name '{token}'"
    if token.type in ("NUMBER", "INT"):
        return f"number {token}"
    return f"'{token}'"


def _either(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]
