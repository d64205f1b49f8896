"""Text → IR. The only module that imports lark.

The grammar is `grammar/symcount.lark` (shipped inside the wheel next to this
module). Parsing is LALR, and the IR is built as the parser reduces each rule
(lark's `transformer=` option): no parse tree is made, and nothing recurses,
so deep or long inputs cannot overflow the Python stack. Spans are worked out
from the tokens rather than by lark's `propagate_positions`, which would
double the parsing time. Syntax errors become `SymcountError`s with friendly
messages.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import lark
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from . import ir
from .errors import Location, Note, SymcountError

# Deeper expressions are rejected with a located error; every later stage may
# then recurse over expressions without risking Python's recursion limit.
MAX_DEPTH = 100

# An integer in a size may have at most this many digits. Python refuses to
# convert much longer ones (int_max_str_digits), and no real size comes close.
MAX_DIGITS = 100

_OPEN = {"LPAR": "(", "LSQB": "["}
_CLOSE = {"RPAR": "LPAR", "RSQB": "LSQB"}


def grammar_text() -> str:
    packaged = resources.files("symcount") / "symcount.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # Running from a source checkout (or an editable install): the grammar
    # sits at the top of the repository.
    return (Path(__file__).resolve().parent.parent / "grammar" / "symcount.lark").read_text(
        encoding="utf-8"
    )


# The brackets still open in the parse running in this thread (see `_run`).
_open_brackets: ContextVar[list[Token]] = ContextVar("symcount_open_brackets")


class _Brackets:
    """Post-lexer: newlines inside ( ) and [ ] do not end a statement.

    It also records the brackets still open (in the list `_run` made for this
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


_build_lock = threading.Lock()


def _lark() -> Lark:
    # Two threads parsing for the first time at once must not both build it.
    with _build_lock:
        return _build()


@lru_cache(maxsize=1)
def _build() -> Lark:
    # Built once per process. Building the LALR tables takes as long as
    # importing lark itself, so they are also cached on disk (lark checks the
    # grammar, options and versions before it trusts the cache).
    grammar = grammar_text()
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        postlex=_Brackets(),
        transformer=_ToIR(),
        maybe_placeholders=True,
        cache=_cache_file(grammar) or False,
    )


def _run(parser: Lark, text: str, open_brackets: list[Token]):
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


def parse(source: ir.Source) -> list[ir.Cell]:
    """Parse a whole file into cells (syntax only; no size checks).

    Safe to call from several threads at once (see `_run`).
    """
    parser = _lark()
    open_brackets: list[Token] = []
    try:
        parts = _run(parser, source.text, open_brackets)
    except UnexpectedInput as e:
        raise _syntax_error(e, source, open_brackets, parser) from None
    except _TooManyDigits as e:
        raise SymcountError(
            f"a size has at most {MAX_DIGITS} digits; this one has {len(e.token)}",
            source.location(_tspan(e.token)),
        ) from None
    cells = [ir.Cell(source=source, **cell) for cell in parts]
    if not cells:
        raise SymcountError(
            "no cell in this input (a cell starts with `cell NAME(SIZES)` and ends with `end`)",
            Location(source.filename, 1, 1, None, source.line(1)),
        )
    for cell in cells:
        _check_depth(cell, source)
    return cells


# ---- lark reductions → IR ----


def _tspan(token: Token) -> ir.Span:
    return ir.Span(token.line, token.column, token.end_line, token.end_column)


def _join(first: ir.Span, last: ir.Span) -> ir.Span:
    return ir.Span(first.line, first.column, last.end_line, last.end_column)


@dataclass(frozen=True)
class _Group:
    """`( ... )` around an expression or a size, on its way up the parser.

    The IR keeps no parentheses, but the node that contains them spans them:
    in `-(a + b)` the negation ends at `)`. A parenthesized node keeps its own
    span, as written inside the parentheses.
    """

    node: object
    span: ir.Span  # including the parentheses


class _TooManyDigits(Exception):
    """An integer in a size longer than `MAX_DIGITS` (located by `parse`)."""

    def __init__(self, token: Token):
        super().__init__(str(token)[:20])
        self.token = token


def _extent(child) -> ir.Span:
    """Where a child of a rule is in the text: a token, an IR node or a group."""
    return _tspan(child) if isinstance(child, Token) else child.span


def _bare(child):
    return child.node if isinstance(child, _Group) else child


def _unquote(token: Token) -> str:
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _operands(children: list) -> tuple[tuple, tuple[str, ...], ir.Span]:
    """[a, op, b, op, c] → ((a, b, c), (op, op), the span from a to c)."""
    items = tuple(_bare(c) for c in children[0::2])
    span = _join(_extent(children[0]), _extent(children[-1]))
    return items, tuple(str(op) for op in children[1::2]), span


_NOT_DECLARATIONS = (ir.Equation, ir.LatexOverride, ir.FunctionDef)


class _ToIR(Transformer):
    """Builds IR nodes as the parser reduces rules; no semantic checks here.

    A cell comes out as the keyword arguments of `ir.Cell` but its source:
    the parser is built once per process, and `parse` adds the source.
    """

    def start(self, cells):
        return list(cells)

    def cell(self, children):
        keyword, name, dims, description, *statements, end = children
        return dict(
            name=str(name),
            dims=tuple(dims or ()),
            description=_unquote(description) if description is not None else "",
            declarations=tuple(s for s in statements if not isinstance(s, _NOT_DECLARATIONS)),
            equations=tuple(s for s in statements if isinstance(s, ir.Equation)),
            latex_overrides=tuple(s for s in statements if isinstance(s, ir.LatexOverride)),
            functions=tuple(s for s in statements if isinstance(s, ir.FunctionDef)),
            span=_join(_tspan(keyword), _tspan(end)),
            name_span=_tspan(name),
        )

    def dim_names(self, tokens):
        return [ir.DimSymbol(str(t), _tspan(t)) for t in tokens]

    # declarations

    def input_decl(self, children):
        keyword, name, (kind, dims, span, field) = children
        return ir.Input(str(name), kind, dims, _join(_tspan(keyword), span), _tspan(name))

    def state_decl(self, children):
        keyword, name, (kind, dims, span, field) = children
        return ir.State(str(name), kind, dims, _join(_tspan(keyword), span), _tspan(name))

    def output_decl(self, children):
        (name,) = children
        return ir.Output(str(name), _tspan(name))

    def param_decl(self, children):
        keyword, name, (kind, dims, span, field), frozen = children
        end = _tspan(frozen) if frozen is not None else span
        return ir.ParamDecl(
            str(name), kind, dims, _join(_tspan(keyword), end), _tspan(name), field, frozen is not None
        )

    def size_decl(self, children):
        keyword, name, definition = children
        end = _extent(definition) if definition is not None else _tspan(name)
        bare = _bare(definition) if definition is not None else None
        return ir.SizeDecl(str(name), bare, _join(_tspan(keyword), end), _tspan(name))

    def function_def(self, children):
        keyword, name, *params, rpar, expr = children
        return ir.FunctionDef(
            str(name),
            tuple(str(p) for p in params),
            tuple(_tspan(p) for p in params),
            _bare(expr),
            _join(_tspan(keyword), _extent(expr)),
            _tspan(name),
        )

    def latex_override(self, children):
        keyword, name, text = children
        span = _join(_tspan(keyword), _tspan(text))
        return ir.LatexOverride(str(name), str(text)[1:-1], span, _tspan(name), _tspan(text))

    # shapes: (kind, dims, span of the shape's text, field)

    def tuple_shape(self, children):
        lpar, *dims, rpar = children
        kind = "matrix" if len(dims) == 2 else "tensor"
        return (kind, tuple(_bare(d) for d in dims), _join(_tspan(lpar), _tspan(rpar)), "real")

    def vector_shape(self, children):
        (dim,) = children
        return ("vector", (_bare(dim),), _extent(dim), "real")

    def diag_shape(self, children):
        keyword, dim, rpar = children
        return ("diag", (_bare(dim),), _join(_tspan(keyword), _tspan(rpar)), "real")

    def blockdiag_shape(self, children):
        keyword, blocks, rows, cols, rpar = children
        dims = (_bare(blocks), _bare(rows), _bare(cols))
        return ("blockdiag", dims, _join(_tspan(keyword), _tspan(rpar)), "real")

    def complex_shape(self, children):
        return self._field_shape(children, "complex")

    def quaternion_shape(self, children):
        return self._field_shape(children, "quaternion")

    def _field_shape(self, children, field):
        keyword, *dims, rpar = children
        kind = {1: "vector", 2: "matrix"}.get(len(dims), "tensor")
        return (kind, tuple(_bare(d) for d in dims), _join(_tspan(keyword), _tspan(rpar)), field)

    def scalar_shape(self, children):
        (keyword,) = children
        return ("scalar", (), _tspan(keyword), "real")

    # sizes

    def dim_sum(self, children):
        if len(children) == 1:  # lark keeps an aliased `?rule` even with one child
            return children[0]
        terms, ops, span = _operands(children)
        signs = (1,) + tuple(1 if op == "+" else -1 for op in ops)
        return ir.DimSum(terms, signs, span)

    def dim_product(self, children):
        # `a * b / c * d` reads left to right: each `/` divides all that precedes it.
        factors, ops, span = _operands(children)
        result, run = None, [factors[0]]
        for op, factor in zip(ops, factors[1:], strict=True):
            if op == "*":
                run.append(factor)
                continue
            numerator = run[0] if len(run) == 1 else ir.DimProduct(tuple(run), _join(run[0].span, run[-1].span))
            result = ir.DimQuotient(numerator, factor, _join(numerator.span, factor.span))
            run = [result]
        if result is None:
            return ir.DimProduct(factors, span)
        return run[0] if len(run) == 1 else ir.DimProduct(tuple(run), span)

    def dim_call(self, children):
        func, arg, rpar = children
        return ir.DimCall(str(func), _bare(arg), _join(_tspan(func), _tspan(rpar)), _tspan(func))

    def dim_int(self, children):
        (token,) = children
        if len(token) > MAX_DIGITS:
            raise _TooManyDigits(token)
        return ir.DimInt(int(token), _tspan(token))

    def dim_name(self, children):
        return ir.DimName(str(children[0]), _tspan(children[0]))

    def dim_group(self, children):
        lpar, dim, rpar = children
        return _Group(_bare(dim), _join(_tspan(lpar), _tspan(rpar)))

    # equations and expressions

    def equation(self, children):
        target, expr = children
        is_state = target.type == "NEW_NAME"  # NAME, or LATEX for a gate called `latex`
        name = str(target)[:-1] if is_state else str(target)
        span = _join(_tspan(target), _extent(expr))
        return ir.Equation(name, is_state, _bare(expr), span, _tspan(target))

    def sum(self, children):
        return ir.Sum(*_operands(children))

    def product(self, children):
        return ir.Product(*_operands(children))

    def matmul(self, children):
        # `A @ B @ x` is `A @ (B @ x)`: fold from the right.
        result, extent = _bare(children[-1]), _extent(children[-1])
        for matrix in reversed(children[:-1]):
            extent = _join(_extent(matrix), extent)
            result = ir.MatMul(_bare(matrix), result, extent)
        return result

    def neg(self, children):
        minus, operand = children
        return ir.Neg(_bare(operand), _join(_tspan(minus), _extent(operand)))

    def number(self, children):
        return ir.Number(str(children[0]), _tspan(children[0]))

    def name(self, children):
        return ir.Name(str(children[0]), _tspan(children[0]))

    def new_name(self, children):
        return ir.NewName(str(children[0])[:-1], _tspan(children[0]))

    def call(self, children):
        func, args, rpar = children
        args = tuple(_bare(a) for a in args or ())
        return ir.Call(str(func), args, _join(_tspan(func), _tspan(rpar)), _tspan(func))

    def arguments(self, children):
        return list(children)

    def concat(self, children):
        lsqb, *parts, rsqb = children
        return ir.Concat(tuple(_bare(p) for p in parts), _join(_tspan(lsqb), _tspan(rsqb)))

    def slice(self, children):
        operand, lsqb, start, stop, rsqb = children
        span = _join(_extent(operand), _tspan(rsqb))
        return ir.Slice(_bare(operand), _bare(start), _bare(stop), span)

    def group(self, children):
        lpar, expr, rpar = children
        return _Group(_bare(expr), _join(_tspan(lpar), _tspan(rpar)))


def _check_depth(cell: ir.Cell, source: ir.Source) -> None:
    roots: list = [eq.expr for eq in cell.equations if _may_be_deep(eq.span)]
    roots += [f.expr for f in cell.functions if _may_be_deep(f.span)]
    for decl in cell.declarations:
        if not _may_be_deep(decl.span):
            continue
        if isinstance(decl, (ir.Input, ir.State, ir.ParamDecl)):
            roots.extend(decl.dims)
        elif isinstance(decl, ir.SizeDecl) and decl.definition is not None:
            roots.append(decl.definition)
    for root in roots:
        node = ir.node_at_depth(root, MAX_DEPTH + 1)
        if node is not None:
            raise SymcountError(
                f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                source.location(node.span),
            )


def _may_be_deep(span: ir.Span) -> bool:
    # Every node is longer than the node it contains, so a one-line text of
    # at most MAX_DEPTH characters cannot nest deeper than that: most lines
    # need no walk at all.
    return span.end_line != span.line or span.end_column - span.column > MAX_DEPTH


# ---- syntax errors ----

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
    "expected `cell NAME(SIZES)` (statements must be inside a cell)": [
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
        'cell c(n)\nlatex "x"\n',
        "cell c(n)\nlatex W\n",
        "cell c(n)\nlatex W x\n",
        "cell c(n)\nlatex W (\n",
    ],
    "unmatched ')'": ["cell c(n)\ny = x)\n", "cell c(n)\ny = (x))\n", "cell c(n)\ny = f(x))\n"],
    "unmatched ']'": ["cell c(n)\ny = x]\n", "cell c(n)\ny = f(x)]\n", "cell c(n)\ny = [x]]\n"],
    "missing ')'": ["cell c(n)\ny = f(x]\n"],
    "missing ']'": ["cell c(n)\ny = [x)\n"],
}


def _syntax_error(
    e: UnexpectedInput, source: ir.Source, open_brackets: list[Token], parser: Lark
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
        return SymcountError(message, _loc(source, line, column))

    label = _label(e)
    found = _describe(e.token) if isinstance(e, UnexpectedToken) else "input"
    message = f"{label} (found {found})" if label else f"unexpected {found}"
    if not label and isinstance(e, UnexpectedToken):
        expected = sorted(_readable(t) for t in e.accepts or e.expected)
        if expected:
            message += "; expected " + _either(expected)
    return SymcountError(message, _loc(source, line, column))


# What may start an expression: a state that wants exactly one of these wants
# an expression, in whichever of the many such states the parser is.
_EXPRESSION_START = frozenset({"LPAR", "LSQB", "MINUS", "NAME", "NEW_NAME", "NUMBER"})


def _label(e: UnexpectedInput) -> str | None:
    if not isinstance(e, UnexpectedToken) or e.state is None:
        return None
    table = _label_table()
    position = e.state.position
    label = table.get((position, e.token.type)) or table.get((position, None))
    if label is None and set(e.accepts or e.expected) == _EXPRESSION_START:
        label = "expected an expression"
    return label


@lru_cache(maxsize=1)
def _label_table() -> dict:
    """(LALR state, token type) → label, learned from `_EXAMPLES`.

    Unlike lark's `match_examples`, only the parser's current state counts,
    not the depth of its stack, so one example covers an error at any
    nesting level and after any number of statements. Built on the first
    syntax error only.
    """
    parser = _lark()
    table: dict = {}
    for label, examples in _EXAMPLES.items():
        for example in _variants(examples):
            try:
                _run(parser, example, [])
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


def _loc(source: ir.Source, line: int, column: int) -> Location:
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


def _readable(terminal: str) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    pattern = _lark().get_terminal(terminal).pattern
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
