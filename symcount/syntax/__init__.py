"""Text → IR: the cell language's syntax, one stage of the pipeline.

The grammar is `grammar/symcount.lark` (shipped inside the wheel next to the
package). Parsing is LALR, and the IR is built as the parser reduces each rule
(lark's `transformer=` option): no parse tree is made, and nothing recurses,
so deep or long inputs cannot overflow the Python stack. Syntax errors become
`SymcountError`s with friendly messages.

- `tables`: the one module that imports lark (grammar, parser, post-lexer);
- `build`: the reductions that make IR nodes;
- `limits`: nesting depth and integer length;
- `messages`: syntax errors;
- `comments`: where the comments are, which the IR leaves out (for `fmt`).
"""

from __future__ import annotations

import threading
from functools import lru_cache

from .. import ir
from ..errors import Location, SymcountError
from .build import ToIR, TooManyDigits, tspan
from .limits import MAX_DEPTH, MAX_DIGITS, check_depth
from .messages import syntax_error
from .tables import Lark, UnexpectedInput, grammar_text, lalr, run

__all__ = ["MAX_DEPTH", "MAX_DIGITS", "grammar_text", "parse"]

_build_lock = threading.Lock()


def parser() -> Lark:
    """The parser, built once per process; its reductions build the IR as it goes."""
    # Two threads parsing for the first time at once must not both build it.
    with _build_lock:
        return _built()


@lru_cache(maxsize=1)
def _built() -> Lark:
    return lalr(ToIR())


def parse(source: ir.Document) -> list[ir.Definition]:
    """Parse a whole file into cells, blocks and models (syntax only; no size checks).

    Safe to call from several threads at once (see `tables.run`).
    """
    lalr = parser()
    open_brackets: list = []
    try:
        parts = run(lalr, source.text, open_brackets)
    except UnexpectedInput as e:
        raise syntax_error(e, source, open_brackets, lalr) from None
    except TooManyDigits as e:
        raise SymcountError(
            f"a size has at most {MAX_DIGITS} digits; this one has {len(e.token)}",
            source.location(tspan(e.token)),
        ) from None
    definitions = [part.pop("kind")(source=source, **part) for part in parts]
    if not definitions:
        raise SymcountError(
            "no cell in this input (a cell starts with `cell NAME(SIZES)` and ends with `end`)",
            Location(source.filename, 1, 1, None, source.line(1)),
        )
    for definition in definitions:
        check_depth(definition, source)
    return definitions
