"""`--no-bias`: which parameters are biases, and a cell without them.

One rule says what a bias is (`biases`, docs/language.md, "Without biases");
the count (`typed_without`) and the printed equations (`cell_without`) both
follow from it, so that a parameter left out of the count is never still
printed, nor the other way round. The rule is what a framework's `bias=False`
(PyTorch) or `use_bias=False` (Keras) switches off: the bias of a linear map,
`W @ x + b`, and nothing else that is added (a gain `(1 + w)`, an offset
`exp(k + u)` on an intermediate).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable

from .. import functions, ir, visit
from ..shapes import NodeSet, TypedCell


def biases(typed: TypedCell) -> tuple[str, ...]:
    """The parameters `--no-bias` removes, in the order of the cell's parameters.

    Those declared `bias`; in a cell that declares none, each parameter that
    is the bias of a linear map somewhere (`_Uses`) and is never used but as a
    term of a sum.

    >>> import symcount
    >>> biases(symcount.builtin("indrnn").shapes)
    ('b',)
    >>> biases(symcount.builtin("xlstm.mlstm_cell").shapes)  # not the gain (1 + w_norm)
    ('b_i', 'b_f')
    """
    scope = typed.scope
    declared = {name for name, decl in scope.declared.items() if decl.bias}
    if declared:
        return tuple(name for name in scope.params if name in declared)
    uses = _Uses(typed)
    return tuple(name for name in scope.params if name in uses.affine and name not in uses.other)


class _Uses(visit.Visitor):
    """How the parameters of a typed cell are used, from one walk over its equations
    (defs inlined, so a def's body is seen at each call with its arguments).

    `affine`: a parameter that is a term of a sum which also adds a linear map
    whose output it fits: `W @ x + b`, `-b + W @ x`, `(W @ x)[0:n] + b`. The
    sum is the one the term is in, with the sums in it (`W @ x + (b + c)`), not
    a sum around a call or a product that holds it: in `W @ x + exp(k + u)`,
    u is added to k only. `other`: a parameter used anywhere but as a term of
    a sum (a weight, a factor, a call's argument, a whole right-hand side).
    """

    def __init__(self, typed: TypedCell):
        self.typed = typed
        scope = typed.scope
        self.params = set(scope.params)
        self.sizes = set(scope.symbols) | set(scope.sizes)
        self.affine: set[str] = set()
        self.other: set[str] = set()
        for eq in scope.equations:
            stack: list[ir.Expr] = [eq.expr]
            while stack:  # each rule returns the nodes to walk next
                stack.extend(self.visit(stack.pop()))

    def visit_Sum(self, node: ir.Sum) -> Iterable[ir.Expr]:
        terms = ir.summands(node)
        maps = [(term, axis) for term in terms if (axis := self.linear(term)) is not None]
        rest = []
        for term in terms:
            if isinstance(term, ir.Name) and term.name in self.params:
                if any(self.fits(term, m, axis) for m, axis in maps):
                    self.affine.add(term.name)
            else:
                rest.append(term)
        return rest

    def visit_Name(self, node: ir.Name) -> Iterable[ir.Expr]:
        if node.name in self.params:
            self.other.add(node.name)
        return ()

    def visit_ExprNode(self, node: ir.Expr) -> Iterable[ir.Expr]:
        return ir.children(node)

    def linear(self, term: ir.Expr) -> str | None:
        """Whether a term of a sum is a linear map with weights, and along which axis
        its bias runs: "last" for a weight applied with `@` (its left operand holds a
        parameter: `q @ C` between values is none), "first" (the channels) for a
        convolution with its kernel, whose bias frameworks switch off too. A slice
        of one is one, and so is one scaled by a constant (`W_k @ x / sqrt(d)`, the
        bias comes after the scaling either way); one multiplied by a value
        (`g * (W @ x)`, `r * (U @ h)`) is not: the bias is added to the product.
        """
        while True:
            if isinstance(term, (ir.Slice, ir.Neg)):
                term = term.operand
            elif isinstance(term, ir.Product) and (scaled := self.scaled(term)) is not None:
                term = scaled
            else:
                break
        if isinstance(term, ir.MatMul):
            held = any(isinstance(n, ir.Name) and n.name in self.params for n in ir.walk(term.matrix))
            return "last" if held else None
        if isinstance(term, ir.Call) and functions.TABLE[term.func].weight is not None:
            return "first"
        return None

    def scaled(self, product: ir.Product) -> ir.Expr | None:
        """The one factor of `product` that is not a constant, if it multiplies (not divides)."""
        others = [i for i, factor in enumerate(product.factors) if not self.constant(factor)]
        if len(others) != 1 or (others[0] > 0 and product.ops[others[0] - 1] != "*"):
            return None
        return product.factors[others[0]]

    def constant(self, expr: ir.Expr) -> bool:
        """Numbers and size symbols only (`sqrt(d)`, `0.5`): no value, no parameter."""
        for node in ir.walk(expr):
            if isinstance(node, ir.NewName) or (isinstance(node, ir.Name) and node.name not in self.sizes):
                return False
        return True

    def fits(self, bias: ir.Name, linear: ir.Expr, axis: str) -> bool:
        """Whether `bias` has the shape of a linear map's bias: its output features,
        the last axis of `W @ v` (shared over leading ones, per head) or the
        channels of a convolution (shared over the positions). A scalar only where
        the map gives one (`w @ x`): a scalar offset beside a vector is none."""
        own, out = self.typed.shape_of(bias), self.typed.shape_of(linear)
        if not own:
            return not out
        if len(own) > len(out):
            return False
        return own == (out[len(out) - len(own) :] if axis == "last" else out[: len(own)])


def typed_without(typed: TypedCell, names: Collection[str]) -> TypedCell:
    """The typed cell with the parameters `names` left out.

    Every node keeps its shape: a bias has the shape of what it is added to, so
    leaving it out changes no other value's.
    """
    if not names:
        return typed
    kept = tuple(p for p in typed.params if p.name not in names)
    return dataclasses.replace(typed, params=kept)


@dataclasses.dataclass(frozen=True)
class Printed:
    """The cell as the equations show it: its IR without the dropped biases, and
    which of its `a @ B` read aᵀB (the nodes of `cell`, see `TypedCell.row_products`)."""

    cell: ir.CellDef
    row_products: NodeSet


def cell_without(cell: ir.CellDef, names: Collection[str], row_products: NodeSet) -> Printed:
    """The cell's IR with every term `names` left out of its equations and of its
    defs' bodies, wherever it is (in a slice, a call, a def), and `row_products`
    carried over to the nodes rebuilt.

    An expression whose every term was one of them computes 0, and so does a
    def's argument that was one of them (it is only ever added in the body).

    >>> from symcount import builtin
    >>> from symcount.render.equations import Printer
    >>> rnn = builtin("rnn")
    >>> printed = cell_without(rnn.ir, {"b"}, rnn.shapes.row_products)
    >>> Printer(printed.cell).equations(printed.cell)
    ["h' = tanh(W @ x + U @ h)"]
    """
    if not names:
        return Printed(cell, row_products)
    copy = _WithoutTerms(frozenset(names), row_products)
    equations = tuple(dataclasses.replace(eq, expr=copy.expression(eq.expr)) for eq in cell.equations)
    defs = tuple(
        dataclasses.replace(f, expr=copy.expression(f.expr, frozenset(f.params))) for f in cell.functions
    )
    return Printed(
        dataclasses.replace(cell, equations=equations, functions=defs),
        row_products | NodeSet(copy.rebuilt_rows),
    )


class _WithoutTerms(visit.Transformer):
    """A copy of an expression without the terms that are one of `names`.

    How `--no-bias` shows in the equations: `W @ x + b` becomes `W @ x`. A
    term dropped at the front of a sum hands its sign to the next one (`b - x`
    becomes `-x`); a sum with nothing left is None, which becomes 0 anywhere
    but in a sum (which drops it).
    """

    def __init__(self, names: frozenset[str], row_products: NodeSet):
        self.names = names
        self.locals: frozenset[str] = frozenset()  # a def's parameters while its body is copied
        self.row_products = row_products
        self.rebuilt_rows: list[ir.MatMul] = []  # copies of the `a @ B` that read aᵀB

    def expression(self, expr: ir.Expr, params: frozenset[str] = frozenset()) -> ir.Expr:
        """`expr` without the terms; `params`: a def's parameters, never dropped
        (they name its arguments, even one spelled as a parameter of the cell)."""
        self.locals = params
        return self.operand(expr)

    def dropped(self, node: ir.Expr) -> bool:
        while isinstance(node, ir.Neg):  # `-b + W @ x`: the bias goes with its sign
            node = node.operand
        return isinstance(node, ir.Name) and node.name in self.names and node.name not in self.locals

    def operand(self, node: ir.Expr) -> ir.Expr:
        # Only a sum of nothing but biases can vanish; it leaves a zero behind,
        # which is what the network computes there.
        return self.visit(node) or ir.Number("0", node.span)

    def visit_Node(self, node: ir.Node) -> ir.Node:
        return visit.rebuilt(node, self.operand)

    def visit_Name(self, node: ir.Name) -> ir.Expr:
        # Outside a sum, a bias can only be a def's argument, added in the body.
        return ir.Number("0", node.span) if self.dropped(node) else node

    def visit_Neg(self, node: ir.Neg) -> ir.Expr | None:
        if self.dropped(node):  # outside a sum: a def's argument `-b`, added in the body
            return ir.Number("0", node.span)
        copy = self.visit(node.operand)  # `-(b + c)` with both dropped: nothing left to negate
        return None if copy is None else visit.rebuilt(node, lambda _: copy)

    def visit_MatMul(self, node: ir.MatMul) -> ir.MatMul:
        copy = self.visit_Node(node)
        if copy is not node and node in self.row_products:
            self.rebuilt_rows.append(copy)
        return copy

    def visit_Sum(self, node: ir.Sum) -> ir.Expr | None:
        kept = []
        for op, term in zip(("+", *node.ops), node.terms, strict=True):
            copy = None if self.dropped(term) else self.visit(term)
            if copy is not None:  # a term dropped, or a sum in it with nothing left
                kept.append((op, copy))
        if len(kept) == len(node.terms) and all(c is t for (_, c), t in zip(kept, node.terms, strict=True)):
            return node
        if not kept:
            return None
        (first_op, first), rest = kept[0], kept[1:]
        if first_op == "-":
            first = ir.Neg(first, first.span)
        if not rest:
            return first
        return ir.Sum((first, *(term for _, term in rest)), tuple(op for op, _ in rest), node.span)
