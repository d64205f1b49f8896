"""The cell as written: frozen dataclasses with source spans, syntax only.

The parser builds these as it parses; nothing here knows about sizes or
sympy. Later stages (resolve, shapes, counting) read them and point errors at
their spans.
"""

from __future__ import annotations

import operator
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


class Node:
    """Every node of an expression or a size. Visitors (`visit.Visitor`) look a
    node's rule up along its class's MRO, so a rule for `Node` covers them all."""

    __slots__ = ()


class DimNode(Node):
    """A node of a size."""

    __slots__ = ()


class ExprNode(Node):
    """A node of an expression."""

    __slots__ = ()


# ---- sizes: polynomials in the header's size symbols (docs/language.md, "Sizes") ----


@dataclass(frozen=True)
class DimInt(DimNode):
    """An integer in a size: `2` in `2*n`."""

    value: int
    span: Span


@dataclass(frozen=True)
class DimName(DimNode):
    """A size symbol in a size: `n`."""

    name: str
    span: Span


@dataclass(frozen=True)
class DimSum(DimNode):
    """`m + n - 1`: terms added or subtracted."""

    terms: tuple[Dim, ...]
    signs: tuple[int, ...]  # +1 or -1 for each term; the first is always +1
    span: Span


@dataclass(frozen=True)
class DimProduct(DimNode):
    """`k*k*c`: factors multiplied."""

    factors: tuple[Dim, ...]
    span: Span


@dataclass(frozen=True)
class DimQuotient(DimNode):
    """`e / H`: exact division (only in a `size` definition)."""

    numerator: Dim
    denominator: Dim
    span: Span


@dataclass(frozen=True)
class DimCall(DimNode):
    """`ceil(D / 16)`, `floor(...)` (only in a `size` definition)."""

    func: str
    arg: Dim
    span: Span
    func_span: Span


Dim = DimInt | DimName | DimSum | DimProduct | DimQuotient | DimCall


# ---- expressions ----


@dataclass(frozen=True)
class Number(ExprNode):
    """A number, kept as written (`0.5`, `1e-3`): a broadcasting constant."""

    text: str
    span: Span


@dataclass(frozen=True)
class Name(ExprNode):
    """A plain name: input, state (previous value), gate or parameter."""

    name: str
    span: Span


@dataclass(frozen=True)
class NewName(ExprNode):
    """`h'`: the new value of state `h`."""

    name: str
    span: Span


@dataclass(frozen=True)
class Call(ExprNode):
    """`f(x)`: an elementwise function (checked in `resolve.calls` to exist, with its arguments)."""

    func: str
    args: tuple[Expr, ...]
    span: Span
    func_span: Span


@dataclass(frozen=True)
class Concat(ExprNode):
    """`[a, b]`: a vector as long as its parts together."""

    parts: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class Neg(ExprNode):
    """`-x`."""

    operand: Expr
    span: Span


@dataclass(frozen=True)
class Sum(ExprNode):
    """`a + b - c`: one flat node however many terms."""

    terms: tuple[Expr, ...]
    ops: tuple[str, ...]  # "+" or "-" before terms[1:], so len(ops) == len(terms) - 1
    span: Span


@dataclass(frozen=True)
class Product(ExprNode):
    """`a * b / c`: elementwise, one flat node however many factors."""

    factors: tuple[Expr, ...]
    ops: tuple[str, ...]  # "*" or "/" before factors[1:]
    span: Span


@dataclass(frozen=True)
class MatMul(ExprNode):
    """`W @ x`: `A @ B @ x` is `A @ (B @ x)`."""

    matrix: Expr  # must turn out to be a parameter; checked in `resolve.names`
    vector: Expr
    span: Span


@dataclass(frozen=True)
class Slice(ExprNode):
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


# The fields of each node class that hold its operands, in order: what `children`
# returns and what `visit.rebuilt` rebuilds. A slice's bounds are sizes as written,
# not operands.
CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    Call: ("args",),
    Concat: ("parts",),
    Neg: ("operand",),
    Sum: ("terms",),
    Product: ("factors",),
    MatMul: ("matrix", "vector"),
    Slice: ("operand",),
    DimSum: ("terms",),
    DimProduct: ("factors",),
    DimQuotient: ("numerator", "denominator"),
    DimCall: ("arg",),
}


def _getter(fields: tuple[str, ...]):
    if len(fields) > 1:
        return operator.attrgetter(*fields)
    field_name = fields[0]
    sequences = ("args", "parts", "terms", "factors")
    if field_name in sequences:
        return operator.attrgetter(field_name)
    return lambda node: (getattr(node, field_name),)


_OPERANDS = {cls: _getter(fields) for cls, fields in CHILD_FIELDS.items()}


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


def summands(node: Sum) -> list[Expr]:
    """What a sum adds up, each term without its sign: `-b + (c - W @ x)` adds b,
    c and W @ x. Through negations and the sums inside it (parenthesized), not
    through anything else (a call, a product, a slice)."""
    found: list[Expr] = []
    stack: list[Expr] = list(reversed(node.terms))
    while stack:
        term = stack.pop()
        while isinstance(term, Neg):
            term = term.operand
        if isinstance(term, Sum):
            stack.extend(reversed(term.terms))
        else:
            found.append(term)
    return found


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
    `param M : (n, m) frozen`, `param b : n bias` (markers in either order)."""

    name: str
    kind: Kind
    dims: tuple[Dim, ...]  # (rows, cols), (size,), (size,), (), (blocks, rows, cols), (...)
    span: Span
    name_span: Span
    field: str = "real"  # "real", "complex" (2 reals an entry) or "quaternion" (4)
    frozen: bool = False  # not trainable: counted apart
    bias: bool = False  # what `--no-bias` removes (docs/language.md, "Without biases")


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

    Presentation only: it changes no count. `resolve.overrides` checks that the name is
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
    # `cell c(m, n) "..." latex "\mathrm{C}"`: the cell's name as papers write it, LaTeX
    # verbatim as an override's (None: its identifier); presentation only, checked by
    # `resolve.overrides`. The span is the string's, quotes included.
    display: str | None = None
    display_span: Span | None = None
    # `block ffn(d, f) ... end`: a cell without state, a component of models.
    block: bool = False

    @property
    def kind(self) -> str:
        """How messages name it: "cell" or "block"."""
        return "block" if self.block else "cell"


# ---- models: components composed by name (docs/language.md, "Models") ----


@dataclass(frozen=True)
class SourceName:
    """`enc` in `reads enc`: a component, the model's input, or `previous`."""

    name: str
    span: Span


@dataclass(frozen=True)
class SourceConcat:
    """`[x, previous]`: the sources' outputs concatenated."""

    parts: tuple[Source, ...]
    span: Span


@dataclass(frozen=True)
class SourceAll:
    """`all(rest)`: the outputs of every copy of a repeated layer, concatenated."""

    name: str
    span: Span
    name_span: Span


Source = SourceName | SourceConcat | SourceAll


@dataclass(frozen=True)
class Binding:
    """What one input of a component reads: `h = enc`; `input` None for a component's
    only input (`reads enc`)."""

    input: str | None
    source: Source
    span: Span


@dataclass(frozen=True)
class ModelInput:
    """`input x : m`: the vector a model reads."""

    name: str
    dim: Dim
    span: Span
    name_span: Span


@dataclass(frozen=True)
class Component:
    """One statement of a model that holds parameters (docs/language.md, "Models").

    `kind` is "embedding" (`args` = (rows, width)), "layer" (`cell` the cell or
    block, `args` its sizes), "linear" or "output" (`args` = (out, in)), "norm"
    (`cell` the norm: layernorm, rmsnorm, batchnorm; `args` = (size,)).
    """

    kind: str
    name: str | None  # None for a layer written without `NAME =`
    cell: str | None
    args: tuple[Dim, ...]
    span: Span
    name_span: Span  # the name's, else the cell's
    cell_span: Span | None = None
    repeat: Dim | None = None  # `* K`
    bidirectional: bool = False
    residual: bool = False
    bias: bool = False  # `+ bias`
    tied: str | None = None  # `tied E`
    tied_span: Span | None = None
    reads: tuple[Binding, ...] = ()  # empty: the component before


@dataclass(frozen=True, eq=False)
class ModelDef:
    """One `model ... end` block: its inputs and components in order."""

    name: str
    dims: tuple[DimSymbol, ...]
    description: str
    inputs: tuple[ModelInput, ...]
    components: tuple[Component, ...]
    span: Span
    name_span: Span
    source: Document
    display: str | None = None
    display_span: Span | None = None
    kind = "model"


Definition = CellDef | ModelDef
