"""Inlining the cell's own functions (`def g(a) = ...`): each call replaced by the
def's body, before shapes are inferred, so that no later stage meets a def."""

from __future__ import annotations

import dataclasses

from .. import ir, visit
from ..errors import Unlocated

# Inlining may nest calls inside calls and copy an argument wherever its
# parameter appears, so an expression can grow deeper and larger than any the
# parser accepted. Both are bounded: every later stage may then recurse over
# the result as safely as over parsed text (the depth is the parser's
# MAX_DEPTH), and a chain of functions that each call the one before twice
# cannot grow a cell to 2^40 nodes.
MAX_INLINED_DEPTH = 100
MAX_INLINED_NODES = 100_000


class InliningTooLarge(Unlocated):
    """Inlining a call made an expression deeper or larger than the bounds above
    (located at the outermost call)."""


def inline(expr: ir.Expr, defs: dict[str, ir.FunctionDef]) -> ir.Expr:
    """`expr` with every call of a `def` replaced by the def's body.

    The body's names that are the def's parameters become the arguments of
    the call; every other name keeps its meaning in the cell (a weight used
    in a def is one parameter, however often the def is called). Defs are
    checked to call only earlier defs with the right number of arguments
    (`resolve.calls`), so this ends; InliningTooLarge when the result would be too
    deep or too large.
    """
    if not defs:
        return expr
    return _Inliner(defs).visit(expr, {}, 1, None)


class _Inliner(visit.Transformer):
    """The tree copy: each rule is told the def parameters bound to arguments,
    the nesting depth of the result, and the outermost def call it is inside."""

    def __init__(self, defs: dict[str, ir.FunctionDef]):
        self.defs = defs
        self.nodes = 0

    def visit_Name(self, node: ir.Name, bound: dict, depth: int, call: ir.Call | None) -> ir.Expr:
        if node.name not in bound:
            return self.visit_ExprNode(node, bound, depth, call)
        # An argument is already substituted; it only moves deeper.
        argument, argument_depth = bound[node.name]
        return self.place(argument, depth + argument_depth - 1, call)

    def visit_Call(self, node: ir.Call, bound: dict, depth: int, call: ir.Call | None) -> ir.Expr:
        if node.func not in self.defs:
            return self.visit_ExprNode(node, bound, depth, call)
        outer = call or node
        definition = self.defs[node.func]
        args = {}
        for param, arg in zip(definition.params, node.args, strict=True):
            argument = self.visit(arg, bound, 1, outer)
            args[param] = (argument, ir.depth(argument))
        return self.visit(definition.expr, args, depth, outer)

    def visit_ExprNode(self, node: ir.Expr, bound: dict, depth: int, call: ir.Call | None) -> ir.Expr:
        """Any other node: counted, and rebuilt from its operands one level deeper."""
        self.count(depth, call)
        copy = visit.rebuilt(node, lambda child: self.visit(child, bound, depth + 1, call))
        if copy is node and call is not None and ir.children(node):
            # A def's body is placed at each of its call sites, and each gets
            # operations of its own: what a later stage finds per node (a shape,
            # a cost) is then per call site even where the body reads no argument.
            return dataclasses.replace(node)
        return copy

    def place(self, argument: ir.Expr, deepest: int, call: ir.Call | None) -> ir.Expr:
        """An argument used once more: its nodes count again (they are shared, not copied)."""
        if call is not None:
            self.count(deepest, call, weight=_size(argument))
        return argument

    def count(self, depth: int, call: ir.Call | None, weight: int = 1) -> None:
        self.nodes += weight
        if call is None:
            return  # outside every call: the parser has bounded it already
        if depth > MAX_INLINED_DEPTH:
            raise InliningTooLarge(
                f"calls of the cell's functions nest too deeply once inlined (more than "
                f"{MAX_INLINED_DEPTH} levels)",
                call.span,
            )
        if self.nodes > MAX_INLINED_NODES:
            raise InliningTooLarge(
                f"calls of the cell's functions grow too large once inlined (more than "
                f"{MAX_INLINED_NODES:,} operations)",
                call.span,
            )


def _size(expr: ir.Expr) -> int:
    return sum(1 for _ in ir.walk(expr))
