"""The parser's reductions: IR nodes built as each rule is reduced (no parse tree).

Spans are worked out from the tokens rather than by lark's
`propagate_positions`, which would double the parsing time. No semantic checks
here: lark wraps exceptions raised in reductions, and `resolve.names` checks meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from .limits import MAX_DIGITS
from .tables import Token, Transformer


def tspan(token: Token) -> ir.Span:
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


class TooManyDigits(Exception):
    """An integer in a size longer than `MAX_DIGITS` (located by `parse`)."""

    def __init__(self, token: Token):
        super().__init__(str(token)[:20])
        self.token = token


def _extent(child) -> ir.Span:
    """Where a child of a rule is in the text: a token, an IR node or a group."""
    return tspan(child) if isinstance(child, Token) else child.span


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


def _header(children: list) -> tuple[dict, list]:
    """A cell's, a block's or a model's header fields (`NAME(SIZES) "description" latex
    "display"`, its span from keyword to `end`) and its statements."""
    keyword, name, dims, description, _latex, display, *statements, end = children
    fields = dict(
        name=str(name),
        dims=tuple(dims or ()),
        description=_unquote(description) if description is not None else "",
        span=_join(tspan(keyword), tspan(end)),
        name_span=tspan(name),
        # Verbatim, as a name's override: LaTeX's backslashes are not escapes.
        display=str(display)[1:-1] if display is not None else None,
        display_span=tspan(display) if display is not None else None,
    )
    return fields, statements


class ToIR(Transformer):
    """Builds IR nodes as the parser reduces rules; no semantic checks here.

    A cell comes out as the keyword arguments of `ir.CellDef` but its source:
    the parser is built once per process, and `parse` adds the source.
    """

    def start(self, definitions):
        return list(definitions)

    def block(self, children):
        return {**self.cell(children), "block": True}

    def cell(self, children):
        fields, statements = _header(children)
        return dict(
            kind=ir.CellDef,
            **fields,
            declarations=tuple(s for s in statements if not isinstance(s, _NOT_DECLARATIONS)),
            equations=tuple(s for s in statements if isinstance(s, ir.Equation)),
            latex_overrides=tuple(s for s in statements if isinstance(s, ir.LatexOverride)),
            functions=tuple(s for s in statements if isinstance(s, ir.FunctionDef)),
        )

    def dim_names(self, tokens):
        return [ir.DimSymbol(str(t), tspan(t)) for t in tokens]

    # declarations

    def input_decl(self, children):
        keyword, name, (kind, dims, span, field) = children
        return ir.Input(str(name), kind, dims, _join(tspan(keyword), span), tspan(name))

    def state_decl(self, children):
        keyword, name, (kind, dims, span, field) = children
        return ir.State(str(name), kind, dims, _join(tspan(keyword), span), tspan(name))

    def output_decl(self, children):
        _keyword, name = children
        return ir.Output(str(name), tspan(name))

    # models

    def model(self, children):
        fields, statements = _header(children)
        return dict(
            kind=ir.ModelDef,
            **fields,
            inputs=tuple(s for s in statements if isinstance(s, ir.ModelInput)),
            components=tuple(s for s in statements if isinstance(s, ir.Component)),
        )

    def model_input(self, children):
        keyword, name, dim = children
        return ir.ModelInput(str(name), _bare(dim), _join(tspan(keyword), _extent(dim)), tspan(name))

    def embedding(self, children):
        keyword, name, _lpar, rows, width, rpar = children
        args = (_bare(rows), _bare(width))
        return ir.Component("embedding", str(name), None, args, _join(tspan(keyword), tspan(rpar)), tspan(name))

    def layer(self, children):
        keyword, first, cell, *rest = children
        *args, rpar, star, repeat, bidirectional, residual, reads = rest
        name, cell = (first, cell) if cell is not None else (None, first)
        last = reads[-1].span if reads else next(
            _extent(t) for t in (residual, bidirectional, repeat, rpar) if t is not None
        )
        return ir.Component(
            "layer",
            str(name) if name is not None else None,
            str(cell),
            tuple(_bare(a) for a in args if a is not None),
            _join(tspan(keyword), last),
            tspan(name if name is not None else cell),
            tspan(cell),
            _bare(repeat) if repeat is not None else None,
            bidirectional is not None,
            residual is not None,
            reads=tuple(reads or ()),
        )

    def linear(self, children):
        keyword, name, _lpar, rows, cols, rpar, plus, bias, tied_keyword, tied, reads = children
        last = reads[-1].span if reads else next(
            tspan(t) for t in (tied, bias, rpar) if t is not None
        )
        return ir.Component(
            str(keyword),  # "linear" or "output"
            str(name),
            None,
            (_bare(rows), _bare(cols)),
            _join(tspan(keyword), last),
            tspan(name),
            bias=bias is not None,
            tied=str(tied) if tied is not None else None,
            tied_span=tspan(tied) if tied is not None else None,
            reads=tuple(reads or ()),
        )

    def norm(self, children):
        keyword, name, kind, size, rpar, plus, bias, reads = children
        last = reads[-1].span if reads else tspan(bias if bias is not None else rpar)
        return ir.Component(
            "norm",
            str(name),
            str(kind),
            (_bare(size),),
            _join(tspan(keyword), last),
            tspan(name),
            tspan(kind),
            bias=bias is not None,
            reads=tuple(reads or ()),
        )

    def reads(self, children):
        _keyword, *items = children
        if len(items) == 1 and not isinstance(items[0], ir.Binding):
            (source,) = items
            return [ir.Binding(None, source, source.span)]
        return items

    def binding(self, children):
        name, source = children
        return ir.Binding(str(name), source, _join(tspan(name), source.span))

    def source_name(self, children):
        (name,) = children
        return ir.SourceName(str(name), tspan(name))

    def source_concat(self, children):
        lsqb, *parts, rsqb = children
        return ir.SourceConcat(tuple(parts), _join(tspan(lsqb), tspan(rsqb)))

    def source_all(self, children):
        keyword, name, rpar = children
        return ir.SourceAll(str(name), _join(tspan(keyword), tspan(rpar)), tspan(name))

    def param_decl(self, children):
        # The grammar lets each marker (`frozen`, `bias`) come at most once.
        keyword, name, (kind, dims, span, field), *markers = children
        end = tspan(markers[-1]) if markers else span
        words = {m.type for m in markers}
        return ir.ParamDecl(
            str(name),
            kind,
            dims,
            _join(tspan(keyword), end),
            tspan(name),
            field,
            frozen="FROZEN" in words,
            bias="BIAS" in words,
        )

    def size_decl(self, children):
        keyword, name, definition = children
        end = _extent(definition) if definition is not None else tspan(name)
        bare = _bare(definition) if definition is not None else None
        return ir.SizeDecl(str(name), bare, _join(tspan(keyword), end), tspan(name))

    def function_def(self, children):
        keyword, name, *params, rpar, expr = children
        return ir.FunctionDef(
            str(name),
            tuple(str(p) for p in params),
            tuple(tspan(p) for p in params),
            _bare(expr),
            _join(tspan(keyword), _extent(expr)),
            tspan(name),
        )

    def latex_override(self, children):
        keyword, name, text = children
        span = _join(tspan(keyword), tspan(text))
        return ir.LatexOverride(str(name), str(text)[1:-1], span, tspan(name), tspan(text))

    # shapes: (kind, dims, span of the shape's text, field)

    def tuple_shape(self, children):
        lpar, *dims, rpar = children
        kind = ir.Kind.MATRIX if len(dims) == 2 else ir.Kind.TENSOR
        return (kind, tuple(_bare(d) for d in dims), _join(tspan(lpar), tspan(rpar)), "real")

    def vector_shape(self, children):
        (dim,) = children
        return (ir.Kind.VECTOR, (_bare(dim),), _extent(dim), "real")

    def diag_shape(self, children):
        keyword, dim, rpar = children
        return (ir.Kind.DIAG, (_bare(dim),), _join(tspan(keyword), tspan(rpar)), "real")

    def blockdiag_shape(self, children):
        keyword, blocks, rows, cols, rpar = children
        dims = (_bare(blocks), _bare(rows), _bare(cols))
        return (ir.Kind.BLOCKDIAG, dims, _join(tspan(keyword), tspan(rpar)), "real")

    def complex_shape(self, children):
        return self._field_shape(children, "complex")

    def quaternion_shape(self, children):
        return self._field_shape(children, "quaternion")

    def _field_shape(self, children, field):
        keyword, *dims, rpar = children
        kind = {1: ir.Kind.VECTOR, 2: ir.Kind.MATRIX}.get(len(dims), ir.Kind.TENSOR)
        return (kind, tuple(_bare(d) for d in dims), _join(tspan(keyword), tspan(rpar)), field)

    def scalar_shape(self, children):
        (keyword,) = children
        return (ir.Kind.SCALAR, (), tspan(keyword), "real")

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
        # Spans from the children as written, so that `e / (H - 1)` ends at `)`.
        extents = [_extent(c) for c in children[0::2]]
        result, run, start, last = None, [factors[0]], extents[0], extents[0]
        for op, factor, extent in zip(ops, factors[1:], extents[1:], strict=True):
            if op == "*":
                run.append(factor)
                last = extent
                continue
            numerator = run[0] if len(run) == 1 else ir.DimProduct(tuple(run), _join(start, last))
            result = ir.DimQuotient(numerator, factor, _join(start, extent))
            run, last = [result], extent
        if result is None:
            return ir.DimProduct(factors, span)
        return run[0] if len(run) == 1 else ir.DimProduct(tuple(run), span)

    def dim_call(self, children):
        func, arg, rpar = children
        return ir.DimCall(str(func), _bare(arg), _join(tspan(func), tspan(rpar)), tspan(func))

    def dim_int(self, children):
        (token,) = children
        if len(token) > MAX_DIGITS:
            raise TooManyDigits(token)
        return ir.DimInt(int(token), tspan(token))

    def dim_name(self, children):
        return ir.DimName(str(children[0]), tspan(children[0]))

    def dim_group(self, children):
        lpar, dim, rpar = children
        return _Group(_bare(dim), _join(tspan(lpar), tspan(rpar)))

    # equations and expressions

    def equation(self, children):
        target, expr = children
        is_state = target.type == "NEW_NAME"  # NAME, or LATEX for a gate called `latex`
        name = str(target)[:-1] if is_state else str(target)
        span = _join(tspan(target), _extent(expr))
        return ir.Equation(name, is_state, _bare(expr), span, tspan(target))

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
        return ir.Neg(_bare(operand), _join(tspan(minus), _extent(operand)))

    def number(self, children):
        return ir.Number(str(children[0]), tspan(children[0]))

    def name(self, children):
        return ir.Name(str(children[0]), tspan(children[0]))

    def new_name(self, children):
        return ir.NewName(str(children[0])[:-1], tspan(children[0]))

    def call(self, children):
        func, args, rpar = children
        args = tuple(_bare(a) for a in args or ())
        return ir.Call(str(func), args, _join(tspan(func), tspan(rpar)), tspan(func))

    def arguments(self, children):
        return list(children)

    def concat(self, children):
        lsqb, *parts, rsqb = children
        return ir.Concat(tuple(_bare(p) for p in parts), _join(tspan(lsqb), tspan(rsqb)))

    def slice(self, children):
        operand, lsqb, start, stop, rsqb = children
        span = _join(_extent(operand), tspan(rsqb))
        return ir.Slice(_bare(operand), _bare(start), _bare(stop), span)

    def group(self, children):
        lpar, expr, rpar = children
        return _Group(_bare(expr), _join(tspan(lpar), tspan(rpar)))
