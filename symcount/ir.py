"""The cell as written: frozen dataclasses with source spans, syntax only.

The parser builds these as it parses; nothing here knows about sizes or
sympy. Later stages (resolve, shapes, counting) read them and point errors at
their spans.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from .document import Document, Span


class Kind(str, Enum):
    """What a declared shape, and so a parameter, is. A `str` as well, so that the
    JSON output and the API's `Param.kind` keep the plain words ("matrix")."""

    VECTOR = "vector"
    MATRIX = "matrix"
    TENSOR = "tensor"
    DIAG = "diag"
    BLOCKDIAG = "blockdiag"
    SCALAR = "scalar"

    __str__ = str.__str__  # "matrix", not "Kind.MATRIX", in messages and tables
    __format__ = str.__format__


# Kinds a value (an input or a state) may have; the others are weights' only.
VALUE_KINDS = (Kind.VECTOR, Kind.MATRIX, Kind.TENSOR, Kind.SCALAR)


# ---- sizes (DIM in the SPEC): polynomials in the header's size symbols ----


@dataclass(frozen=True)
class DimInt:
    """An integer in a size: `2` in `2*n`."""

    value: int
    span: Span


@dataclass(frozen=True)
class DimName:
    """A size symbol in a size: `n`."""

    name: str
    span: Span


@dataclass(frozen=True)
class DimSum:
    """`m + n - 1`: terms added or subtracted."""

    terms: tuple[Dim, ...]
    signs: tuple[int, ...]  # +1 or -1 for each term; the first is always +1
    span: Span


@dataclass(frozen=True)
class DimProduct:
    """`k*k*c`: factors multiplied."""

    factors: tuple[Dim, ...]
    span: Span


@dataclass(frozen=True)
class DimQuotient:
    """`e / H`: exact division (only in a `size` definition)."""

    numerator: Dim
    denominator: Dim
    span: Span


@dataclass(frozen=True)
class DimCall:
    """`ceil(D / 16)`, `floor(...)` (only in a `size` definition)."""

    func: str
    arg: Dim
    span: Span
    func_span: Span


Dim = DimInt | DimName | DimSum | DimProduct | DimQuotient | DimCall


# ---- expressions ----


@dataclass(frozen=True)
class Number:
    """A number, kept as written (`0.5`, `1e-3`): a broadcasting constant."""

    text: str
    span: Span


@dataclass(frozen=True)
class Name:
    """A plain name: input, state (previous value), gate or parameter."""

    name: str
    span: Span


@dataclass(frozen=True)
class NewName:
    """`h'`: the new value of state `h`."""

    name: str
    span: Span


@dataclass(frozen=True)
class Call:
    """`f(x)`: an elementwise function (checked in `names` to exist, with one argument)."""

    func: str
    args: tuple[Expr, ...]
    span: Span
    func_span: Span


@dataclass(frozen=True)
class Concat:
    """`[a, b]`: a vector as long as its parts together."""

    parts: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class Neg:
    """`-x`."""

    operand: Expr
    span: Span


@dataclass(frozen=True)
class Sum:
    """`a + b - c`: one flat node however many terms."""

    terms: tuple[Expr, ...]
    ops: tuple[str, ...]  # "+" or "-" before terms[1:], so len(ops) == len(terms) - 1
    span: Span


@dataclass(frozen=True)
class Product:
    """`a * b / c`: elementwise, one flat node however many factors."""

    factors: tuple[Expr, ...]
    ops: tuple[str, ...]  # "*" or "/" before factors[1:]
    span: Span


@dataclass(frozen=True)
class MatMul:
    """`W @ x`: `A @ B @ x` is `A @ (B @ x)`."""

    matrix: Expr  # must turn out to be a parameter; checked in `names`
    vector: Expr
    span: Span


@dataclass(frozen=True)
class Slice:
    """`v[a:b]`: entries a to b - 1 of the last axis."""

    operand: Expr
    start: Dim
    stop: Dim
    span: Span


Expr = Number | Name | NewName | Call | Concat | Neg | Sum | Product | MatMul | Slice


def children(node: Expr | Dim) -> tuple[Expr | Dim, ...]:
    """The operands of an expression or a size (so depth limits cover both)."""
    # One lookup by type: most nodes are names and numbers, which a chain of
    # isinstance tests would reach only after all the others.
    operands = _OPERANDS.get(type(node))
    return operands(node) if operands is not None else ()


_OPERANDS = {
    Call: lambda node: node.args,
    Concat: lambda node: node.parts,
    Neg: lambda node: (node.operand,),
    Sum: lambda node: node.terms,
    Product: lambda node: node.factors,
    MatMul: lambda node: (node.matrix, node.vector),
    Slice: lambda node: (node.operand,),
    DimSum: lambda node: node.terms,
    DimProduct: lambda node: node.factors,
    DimQuotient: lambda node: (node.numerator, node.denominator),
    DimCall: lambda node: (node.arg,),
}


# Binding strength for printers that must put parentheses back (the parser
# drops them): a child needs parentheses when it binds more loosely than its
# parent's operator requires.
PRECEDENCE = {Sum: 1, Product: 2, MatMul: 3, Neg: 4}  # Slice binds like an atom
ATOM = 5


def precedence(node: Expr) -> int:
    return PRECEDENCE.get(type(node), ATOM)


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of an expression, parents before children, left to right.

    Iterative, so even a pathological input cannot exhaust the Python stack.
    """
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def depth(expr: Expr) -> int:
    """The nesting depth of an expression (a lone name is 1)."""
    deepest, stack = 0, [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest


def node_at_depth(expr: Expr, level: int) -> Expr | None:
    """The first node (in source order) nested `level` deep, if any."""
    stack = [(expr, 1)]
    while stack:
        node, at = stack.pop()
        if at == level:
            return node
        stack.extend((child, at + 1) for child in reversed(children(node)))
    return None


# ---- declarations and the cell ----


@dataclass(frozen=True)
class DimSymbol:
    """A size symbol as the cell's header lists it."""

    name: str
    span: Span


@dataclass(frozen=True)
class Input:
    """`input x : m`, `input x : (m, rows, cols)`, `input t : scalar`."""

    name: str
    kind: Kind  # one of VALUE_KINDS (`resolve` refuses the others)
    dims: tuple[Dim, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True)
class State:
    """`state h : n`, `state C : (H, d, d)`."""

    name: str
    kind: str
    dims: tuple[Dim, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True)
class Output:
    """`output h`: the name as written (a prime included)."""

    name: str
    span: Span


@dataclass(frozen=True)
class ParamDecl:
    """`param W : (n, m)`, `param b : n`, `param D : diag(n)`, `param a : scalar`,
    `param R : blockdiag(H, a, b)`, `param K : (n, m, k, k)`, `param W : complex(n, m)`,
    `param M : (n, m) frozen`."""

    name: str
    kind: Kind
    dims: tuple[Dim, ...]  # (rows, cols), (size,), (size,), (), (blocks, rows, cols), (...)
    span: Span
    name_span: Span
    field: str = "real"  # "real", "complex" (2 reals an entry) or "quaternion" (4)
    frozen: bool = False  # not trainable: counted apart


@dataclass(frozen=True)
class SizeDecl:
    """`size R = ceil(D / 16)` (a derived size) or `size rows` (a free extent)."""

    name: str
    definition: Dim | None
    span: Span
    name_span: Span


@dataclass(frozen=True)
class FunctionDef:
    """`def g(a) = a + 0.5`: the cell's own function, inlined where it is called."""

    name: str
    params: tuple[str, ...]
    param_spans: tuple[Span, ...]
    expr: Expr
    span: Span
    name_span: Span


Declaration = Input | State | Output | ParamDecl | SizeDecl


@dataclass(frozen=True)
class LatexOverride:
    """`latex W_xi "W_{\\xi}"`: the LaTeX for one name, verbatim as written.

    Presentation only: it changes no count. `names` checks that the name is
    the cell's and that the text cannot break the document.
    """

    name: str
    text: str  # between the quotes, without escape processing
    span: Span
    name_span: Span
    text_span: Span  # the string, quotes included


@dataclass(frozen=True)
class Equation:
    """`g = ...` (a gate) or `h' = ...` (the new value of a state)."""

    target: str
    is_state: bool  # `h' = ...` rather than `g = ...`
    expr: Expr
    span: Span
    target_span: Span


@dataclass(frozen=True, eq=False)
class CellDef:
    """One `cell ... end` block, declarations and equations each in their order."""

    name: str
    dims: tuple[DimSymbol, ...]
    description: str
    declarations: tuple[Declaration, ...]
    equations: tuple[Equation, ...]
    span: Span
    name_span: Span
    source: Document
    latex_overrides: tuple[LatexOverride, ...] = ()  # kept apart: they are not declarations
    functions: tuple[FunctionDef, ...] = ()
