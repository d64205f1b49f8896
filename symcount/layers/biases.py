"""`--no-bias`: which parameters are biases, and a cell without them.

One rule says what a bias is (`biases`); the count (`typed_without`) and the
printed equations (`cell_without`) both follow from it, so that a parameter
left out of the count is never still printed, nor the other way round.
PyTorch's `bias=False` and Keras' `use_bias=False` drop exactly these.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from .. import ir, visit
from ..resolve.names import Scope
from ..shapes import NodeSet, TypedCell


def biases(scope: Scope) -> frozenset[str]:
    """Parameters that are only ever added (`... + b`): what `bias=False` drops.

    A parameter counts as added where it is a whole term of a sum; one that
    is also multiplied or used with `@` anywhere (a peephole, a weight) is
    not a bias.

    >>> import symcount
    >>> sorted(biases(symcount.builtin("indrnn").scope))
    ['b']
    """
    added: set[str] = set()
    other: set[str] = set()
    params = set(scope.params)
    for eq in scope.equations:
        for node in ir.walk(eq.expr):
            for child in ir.children(node):
                if isinstance(child, ir.Name) and child.name in params:
                    (added if isinstance(node, ir.Sum) else other).add(child.name)
        if isinstance(eq.expr, ir.Name) and eq.expr.name in params:
            other.add(eq.expr.name)
    return frozenset(added - other)


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
