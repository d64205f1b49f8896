"""What one step of a cell computes: every arithmetic operation, read off the typed cell.

A walk over `scope.equations` (the `def`s inlined, so a def's body is priced at
each call site) that turns each node into an `Op`: its kind, its gate (the
equation it is in), how many entries its result has, and its multiply-accumulates
and FLOPs under the symcount convention (docs/costs.md, "The symcount
convention"). Every size comes from `TypedCell.shape_of`: nothing is inferred
again. The other tools' conventions price the same `Op`s their own way
(`costing.conventions`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from weakref import WeakKeyDictionary

from .. import ir
from ..functions import TABLE
from ..poly import Poly
from ..shapes import TypedCell
from ..visit import Unsupported, Visitor

ZERO, ONE = Poly.const(0), Poly.const(1)


class Kind(str, Enum):
    """What an operation is: the per-operation breakdown's rows, in the order shown."""

    MATRIX = "matrix product"  # a weight applied to a vector: dense, diagonal, block-diagonal, row
    CONVOLUTION = "convolution"  # conv1d over time, a spatial conv
    CONTRACTION = "contraction"  # products of values: `a @ B`, outer(a, b), sum(v)
    PRODUCT = "elementwise product"  # `*` and `/`
    ADDITION = "addition"  # `+`, `-` and a negation
    ACTIVATION = "activation"  # an elementwise function
    NORMALISATION = "normalisation"

    __str__ = str.__str__
    __format__ = str.__format__


KINDS = tuple(Kind)


@dataclass(frozen=True)
class Operand:
    """One of the two operands of an elementwise `+`, `-`, `*` or `/`: the terms before
    it combined, or the next term (a sum or a product of k terms is k - 1 of them)."""

    shape: tuple[Poly, ...]
    # Whether it reads the sequence (an input, a state, a gate) or parameters and
    # constants alone, which a PyTorch module holds without a batch axis.
    per_sequence: bool


@dataclass(frozen=True)
class Op:
    """One operation of a step, on every entry of its result at once.

    `form` says more than the kind, for the conventions that price forms apart:
    a matrix product's "dense", "diag", "blockdiag" or "row" weight; a contraction's
    "values", "outer" or "sum"; an addition's operands ("+ bias" when it adds a
    parameter to a sum holding a dense or row weight product, "+ parameter" to any other sum;
    "constant -" for `1 - z`); the function's name for an
    activation, a normalisation or a convolution.
    """

    gate: str  # the equation it is in: "i", or "c'" for a state's update
    kind: Kind
    form: str
    entries: Poly  # of its result
    macs: Poly
    flops: Poly  # under the symcount convention: a MAC is 2
    node: ir.Node | None  # None: a model's residual addition, written in no equation
    # For a weight or a kernel: its name and shape as applied (rows, cols) or the kernel's;
    # for an addition of a parameter (a bias), the parameter and its shape.
    weight: str | None = None
    shape: tuple[Poly, ...] = ()
    # For an elementwise `+`, `-`, `*`, `/` between two operands, and a diagonal weight's
    # product: the two (the tools that broadcast them by their own rule count by their
    # shapes, docs/costs.md, "Conventions of other tools").
    operands: tuple[Operand, ...] = ()


def entries(shape: tuple[Poly, ...]) -> Poly:
    """How many entries a value of `shape` has (a scalar: 1)."""
    total = ONE
    for size in shape:
        total = total * size
    return total


# The operations of each typed cell, walked once: pricing and the state's memory
# both read them, for every layer group and convention (the typed cell is immutable).
_WALKED: WeakKeyDictionary[TypedCell, tuple[Op, ...]] = WeakKeyDictionary()


def operations(typed: TypedCell) -> tuple[Op, ...]:
    """Every operation of one step of `typed`, equation by equation, in source order."""
    ops = _WALKED.get(typed)
    if ops is None:
        walk = _Walk(typed)
        for eq in typed.scope.equations:
            walk.gate = f"{eq.target}'" if eq.is_state else eq.target
            walk.visit(eq.expr)
        ops = _WALKED[typed] = tuple(walk.ops)
    return ops


class _Walk(Visitor):
    """Prices each node of an equation, children first (the order they are computed in)."""

    def __init__(self, typed: TypedCell):
        self.typed = typed
        self.scope = typed.scope
        self.params = {p.name: p for p in typed.params}
        self.ops: list[Op] = []
        self.gate = ""
        self._reads: dict[int, bool] = {}  # id(node) → whether it reads the sequence
        self._sequence = {*self.scope.inputs, *self.scope.states, *self.scope.gates}
        self._entries: dict[int, Poly] = {}  # by node: a sum's k - 1 additions share one

    def _out(self, node: ir.Node) -> Poly:
        """The entries of `node`'s result."""
        out = self._entries.get(id(node))
        if out is None:
            out = self._entries[id(node)] = entries(self.typed.shape_of(node))
        return out

    def _add(self, node: ir.Node, kind: Kind, form: str, macs: Poly, flops: Poly, **details) -> None:
        self.ops.append(Op(self.gate, kind, form, self._out(node), macs, flops, node, **details))

    def _children(self, node: ir.Node) -> None:
        for child in ir.children(node):
            self.visit(child)

    # ---- leaves and moves: no arithmetic ----

    def visit_Number(self, node: ir.Number) -> None:
        pass

    def visit_Name(self, node: ir.Name) -> None:
        pass

    def visit_NewName(self, node: ir.NewName) -> None:
        pass

    def visit_Concat(self, node: ir.Concat) -> None:
        self._children(node)

    def visit_Slice(self, node: ir.Slice) -> None:
        self._children(node)

    # ---- elementwise arithmetic: one operation per entry of the result ----

    def visit_Neg(self, node: ir.Neg) -> None:
        self._children(node)
        self._elementwise(node, Kind.ADDITION, "negation", 1)

    def visit_Sum(self, node: ir.Sum) -> None:
        self._children(node)
        # A sum of k terms is k - 1 additions per entry, each priced apart so that a
        # convention can tell a bias added from two products added. A bias that
        # --no-bias left out (a parameter the typed cell does not hold) adds nothing.
        started = not self._left_out(node.terms[0])
        for index, (op, operands) in enumerate(zip(node.ops, self._operands(node.terms), strict=True)):
            if self._left_out(node.terms[index + 1]):
                continue
            if not started:  # the first term kept: nothing added to it yet
                started = True
                continue
            form, bias = self._addend(node, index, op)
            # The bias it adds, whose entries a tool may charge (torchinfo: as a Linear's).
            weight = {} if bias is None else {"weight": bias.name, "shape": self.typed.shape_of(bias)}
            self._elementwise(node, Kind.ADDITION, form, 1, operands=operands, **weight)

    def _left_out(self, term: ir.Expr) -> bool:
        """Whether a term of a sum is a parameter (or its negation) that the typed cell
        does not hold: a bias `--no-bias` removed (docs/language.md, "Without biases")."""
        while isinstance(term, ir.Neg):
            term = term.operand
        return (
            isinstance(term, ir.Name)
            and self.scope.kind(term.name) == "parameter"
            and term.name not in self.params
        )

    def _operands(self, terms: tuple[ir.Expr, ...]) -> Iterator[tuple[Operand, Operand]]:
        """The two operands of each of the k - 1 operations between k terms, computed
        left to right: the terms so far (their widest shape) and the next term."""
        shape, reads = self.typed.shape_of(terms[0]), self._per_sequence(terms[0])
        for term in terms[1:]:
            right = Operand(self.typed.shape_of(term), self._per_sequence(term))
            yield Operand(shape, reads), right
            shape = shape if len(shape) >= len(right.shape) else right.shape
            reads = reads or right.per_sequence

    def _per_sequence(self, node: ir.Node) -> bool:
        """Whether `node` reads an input, a state or a gate, not parameters and constants alone."""
        if isinstance(node, ir.Name):
            return node.name in self._sequence
        key = id(node)
        reads = self._reads.get(key)
        if reads is None:
            reads = isinstance(node, ir.NewName) or any(map(self._per_sequence, ir.children(node)))
            self._reads[key] = reads
        return reads

    def _addend(self, node: ir.Sum, index: int, op: str) -> tuple[str, ir.Name | None]:
        """The form of the `index`-th addition of a sum, for the conventions that tell
        them apart: "+ bias" adds a parameter to a sum that holds a dense or row weight
        product (a PyTorch module writes it as that nn.Linear's bias), "+ parameter" adds one to any
        other sum (the parameter is returned too), "constant -" is `1 - z`."""
        added = [node.terms[index + 1]] + ([node.terms[0]] if index == 0 else [])
        for term in added:
            if isinstance(term, ir.Name) and self.scope.kind(term.name) == "parameter":
                linear = any(self._linear(t) for t in node.terms)
                return f"{op} {'bias' if linear else 'parameter'}", term
        if index == 0 and isinstance(node.terms[0], ir.Number):
            return f"constant {op}", None
        return op, None

    def visit_Product(self, node: ir.Product) -> None:
        self._children(node)
        for op, operands in zip(node.ops, self._operands(node.factors), strict=True):
            self._elementwise(node, Kind.PRODUCT, op, 1, operands=operands)

    def _elementwise(self, node: ir.Node, kind: Kind, form: str, per_entry: int, **details) -> None:
        self._add(node, kind, form, ZERO, Poly.const(per_entry) * self._out(node), **details)

    # ---- products ----

    def _weight(self, node: ir.Node) -> str | None:
        """The weight's name when `node` is a weight applied to a value (`W @ x`)."""
        if not isinstance(node, ir.MatMul):
            return None
        left = node.matrix
        if isinstance(left, ir.Name) and self.scope.kind(left.name) == "parameter":
            return left.name
        return None

    def _kind(self, name: str) -> ir.Kind:
        """A weight's kind. A weight the typed cell does not hold is a model's tied
        weight (`output P : (V, e) tied E`): a dense matrix, counted in the embedding
        it shares, still applied here (docs/costs.md, "Models")."""
        param = self.params.get(name)
        return ir.Kind.MATRIX if param is None else param.kind

    def _linear(self, node: ir.Node) -> bool:
        """Whether `node` is a dense or row weight applied to a value: an nn.Linear."""
        weight = self._weight(node)
        return weight is not None and self._kind(weight) not in (ir.Kind.DIAG, ir.Kind.BLOCKDIAG)

    def visit_MatMul(self, node: ir.MatMul) -> None:
        left = node.matrix
        weight = self._weight(node)
        if weight is not None:
            self.visit(node.vector)
            self._weight_product(node, weight)
            return
        self._children(node)
        # (..., i, j) @ (..., j), (..., j) @ (..., j, k), (..., j) @ (..., j): the
        # contraction's length is the left operand's last axis, once per entry of the result.
        macs = self.typed.shape_of(left)[-1] * self._out(node)
        self._add(node, Kind.CONTRACTION, "values", macs, Poly.const(2) * macs)

    def _weight_product(self, node: ir.MatMul, name: str) -> None:
        """A weight applied to the last axis of a value: its entries as applied, once per
        leading entry of the value (docs/costs.md, "The symcount convention")."""
        kind = self._kind(name)
        out = self._out(node)
        applied = self.typed.shape_of(node.matrix)
        shape = self.params[name].shape if name in self.params else applied
        details = {}
        if kind == ir.Kind.DIAG:
            form, macs = "diag", out
            # The diagonal times the value, entry by entry: a tool sees that product.
            vector = Operand(self.typed.shape_of(node.vector), self._per_sequence(node.vector))
            details["operands"] = (Operand(shape, False), vector)
        elif kind == ir.Kind.BLOCKDIAG:
            form, macs = "blockdiag", shape[2] * out
        elif len(shape) == 1:
            form, macs = "row", shape[0] * out
        else:
            form, macs = "dense", applied[-1] * out
        self._add(node, Kind.MATRIX, form, macs, Poly.const(2) * macs, weight=name, shape=applied, **details)

    # ---- calls: by the function table's category ----

    def visit_Call(self, node: ir.Call) -> None:
        function = TABLE[node.func]
        # A rule per category of the function table; a category without one is a gap
        # in this stage, refused as a node class without a rule is (`visit`).
        rule = getattr(self, f"call_{function.category.value}", None)
        if rule is None:
            raise Unsupported(f"{type(self).__name__} has no rule for {node.func}()")
        sizes = set(function.sizes)
        for position, arg in enumerate(node.args):
            if position not in sizes and position != function.weight:
                self.visit(arg)
        rule(node, function)

    def call_elementwise(self, node: ir.Call, function) -> None:
        self._elementwise(node, Kind.ACTIVATION, node.func, function.flops)

    def call_normalisation(self, node: ir.Call, function) -> None:
        self._elementwise(node, Kind.NORMALISATION, node.func, function.flops)

    def call_convolution(self, node: ir.Call, function) -> None:
        """conv1d: every entry of the value is a channel convolved over K steps, the
        kernel's entries; a spatial conv: c_out·c_in·k^r at every output position."""
        kernel = node.args[function.weight]
        shape = self.typed.shape_of(kernel)
        if node.func == "conv1d":
            macs = entries(shape)
        else:
            positions = entries(self.typed.shape_of(node)[1:])
            macs = entries(shape) * positions
        self._add(node, Kind.CONVOLUTION, node.func, macs, Poly.const(2) * macs, weight=kernel.name, shape=shape)

    def call_contraction(self, node: ir.Call, function) -> None:
        if node.func == "outer":
            out = self._out(node)
            self._add(node, Kind.CONTRACTION, "outer", out, Poly.const(2) * out)
            return
        # sum(v) over the last axis: one addition per entry, less one per result entry.
        adds = entries(self.typed.shape_of(node.args[0])) - self._out(node)
        self._add(node, Kind.CONTRACTION, "sum", ZERO, adds)

    def call_structure(self, node: ir.Call, function) -> None:
        pass  # heads() and flat() move entries: no arithmetic
