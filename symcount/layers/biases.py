"""`--no-bias`: which parameters are biases, and a cell without them.

One rule says what a bias is (`biases`); the count (`shapes_without`) and the
printed equations (`cell_without`) both follow from it, so that a parameter
left out of the count is never still printed, nor the other way round.
PyTorch's `bias=False` and Keras' `use_bias=False` drop exactly these.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from .. import ir
from ..resolve.names import Scope
from ..shapes import Shapes


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


def shapes_without(shapes: Shapes, names: Collection[str]) -> Shapes:
    """The inferred shapes with the parameters `names` left out."""
    if not names:
        return shapes
    kept = tuple(p for p in shapes.params if p.name not in names)
    return dataclasses.replace(shapes, params=kept)


def cell_without(cell: ir.CellDef, names: Collection[str]) -> ir.CellDef:
    """The cell's IR with every term `names` left out of its equations.

    An equation whose every term was one of them computes 0.

    >>> from symcount import builtin
    >>> from symcount.render.equations import Printer
    >>> cell = builtin("rnn").ir
    >>> Printer(cell).equations(cell_without(cell, {"b"}))
    ["h' = tanh(W @ x + U @ h)"]
    """
    if not names:
        return cell
    equations = tuple(
        dataclasses.replace(eq, expr=_kept(eq.expr, names)) for eq in cell.equations
    )
    return dataclasses.replace(cell, equations=equations)


def without_terms(expr: ir.Expr, names: Collection[str]) -> ir.Expr | None:
    """The expression with every term of a sum that is one of `names` left out.

    How `--no-bias` shows in the equations: `W @ x + b` becomes `W @ x`.
    None when nothing is left. A term dropped at the front of a sum hands its
    sign to the next one (`b - x` becomes `-x`).
    """
    if not names:
        return expr
    if isinstance(expr, ir.Sum):
        kept = [
            (op, term)
            for op, term in zip(("+", *expr.ops), expr.terms, strict=True)
            if not (isinstance(term, ir.Name) and term.name in names)
        ]
        kept = [(op, t) for op, t in ((op, without_terms(t, names)) for op, t in kept) if t]
        if not kept:
            return None
        (first_op, first), rest = kept[0], kept[1:]
        if first_op == "-":
            first = ir.Neg(first, first.span)
        if not rest:
            return first
        return ir.Sum((first, *(t for _, t in rest)), tuple(op for op, _ in rest), expr.span)
    keep = lambda e: _kept(e, names)  # noqa: E731
    if isinstance(expr, ir.Call):
        return dataclasses.replace(expr, args=tuple(map(keep, expr.args)))
    if isinstance(expr, ir.Concat):
        return dataclasses.replace(expr, parts=tuple(map(keep, expr.parts)))
    if isinstance(expr, ir.Product):
        return dataclasses.replace(expr, factors=tuple(map(keep, expr.factors)))
    if isinstance(expr, ir.Neg):
        return dataclasses.replace(expr, operand=keep(expr.operand))
    if isinstance(expr, ir.MatMul):
        return dataclasses.replace(expr, vector=keep(expr.vector))
    return expr


def _kept(expr: ir.Expr, names: Collection[str]) -> ir.Expr:
    # Only a sum of nothing but biases can vanish; it leaves a zero behind,
    # which is what the network computes there.
    return without_terms(expr, names) or ir.Number("0", expr.span)
