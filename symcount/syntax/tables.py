"""The one module that imports lark: the grammar, the LALR parser built from it
(its tables cached on disk), and the post-lexer.

The other modules of the package take lark's names (`Token`, `Transformer`,
the exception types) from here, so lark is imported in this one place. The
reductions that build the IR (`build.ToIR`) are handed in by the caller, so
that this module needs nothing of the package's but the grammar's text
(`sources`, which the Pygments lexer reads too).
"""

from __future__ import annotations

import hashlib
import os
import sys
from contextvars import ContextVar

import lark
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..sources import grammar_text

__all__ = [
    "Lark",
    "Token",
    "Transformer",
    "UnexpectedCharacters",
    "UnexpectedInput",
    "UnexpectedToken",
    "grammar_text",
    "lalr",
    "run",
]

_OPEN = {"LPAR": "(", "LSQB": "["}
_CLOSE = {"RPAR": "LPAR", "RSQB": "LSQB"}


# The brackets still open in the parse running in this thread (see `run`).
_open_brackets: ContextVar[list[Token]] = ContextVar("symcount_open_brackets")


class _Brackets:
    """Post-lexer: newlines inside ( ) and [ ] do not end a statement.

    It also records the brackets still open (in the list `run` made for this
    parse), so that a missing `)` is reported where it was opened rather than
    lines later.
    """

    always_accept = ("_NL",)

    def process(self, stream):
        open_brackets = _open_brackets.get()
        for token in stream:
            if token.type in _OPEN:
                open_brackets.append(token)
            elif token.type in _CLOSE:
                if open_brackets and open_brackets[-1].type == _CLOSE[token.type]:
                    open_brackets.pop()
            elif token.type == "_NL" and open_brackets:
                continue
            yield token


def lalr(reductions: Transformer) -> Lark:
    """The LALR parser of the grammar, running `reductions` as it reduces each rule.

    Building the LALR tables takes as long as importing lark itself, so they
    are cached on disk (lark checks the grammar, options and versions before
    it trusts the cache); the caller keeps the parser for the process.
    """
    grammar = grammar_text()
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        postlex=_Brackets(),
        transformer=reductions,
        maybe_placeholders=True,
        cache=_cache_file(grammar) or False,
    )


def run(parser: Lark, text: str, open_brackets: list[Token]):
    """`parser.parse(text)`, with the post-lexer recording into `open_brackets`.

    lark makes the rest of a parse's state per call (lexer position, parser
    stack), but wires the one post-lexer into the shared lexer when the parser
    is built. So that post-lexer finds the list of the parse it serves in a
    context variable: each thread has its own, and setting and resetting it
    here keeps a nested parse's list apart too. Parsing is thus re-entrant and
    safe from several threads at once.
    """
    token = _open_brackets.set(open_brackets)
    try:
        return parser.parse(text)
    finally:
        _open_brackets.reset(token)


def _cache_file(grammar: str) -> str | None:
    """Where the parser tables are cached: the user's own cache directory.

    lark's own default is the shared temporary directory, where another user
    could plant the (pickled) file; a user's cache directory is theirs alone.
    None (no cache) when there is no such directory and it cannot be made.
    """
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative (invalid): the XDG default
        base = os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):  # no home directory either
        return None
    folder = os.path.join(base, "symcount")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    # The grammar's own digest in the name: installs of different symcount
    # versions (or checkouts) keep their tables apart instead of rebuilding
    # them in turn over one shared file.
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:12]
    version = f"py{sys.version_info[0]}{sys.version_info[1]}-lark{lark.__version__}-{digest}"
    return os.path.join(folder, f"parser-{version}.cache")
