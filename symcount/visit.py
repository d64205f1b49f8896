"""One way to walk the tree: a rule per node class, looked up once per class.

A visitor names its rules after the node classes they handle: `visit_Sum`,
`visit_MatMul`, `visit_DimName`. The table from node class to rule is built
once per visitor class, along each node class's MRO (so `visit_ExprNode`, or
`visit_Node`, is one rule for many classes, written down on purpose), as
sqlglot's generator builds its `<node>_sql` table and sympy's printers look up
`_print_<Class>`. A node class with no rule is never skipped: `unsupported`
raises, naming the visitor and the class, so a stage that a new construct has
not reached yet fails loudly instead of counting or printing something else.

`Transformer` is the one helper for tree copies (inlining a `def`, leaving
biases out): its default rule rebuilds a node from its transformed children.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

from . import ir

# Every node class a visitor may meet, so the tables cover them all up front.
NODE_CLASSES: tuple[type, ...] = (
    ir.Number, ir.Name, ir.NewName, ir.Call, ir.Concat, ir.Neg, ir.Sum, ir.Product, ir.MatMul,
    ir.Slice, ir.DimInt, ir.DimName, ir.DimSum, ir.DimProduct, ir.DimQuotient, ir.DimCall,
)  # fmt: skip
EXPR_CLASSES = tuple(c for c in NODE_CLASSES if issubclass(c, ir.ExprNode))


class Unsupported(NotImplementedError):
    """A visitor met a node class it has no rule for: a gap in a stage, not an input error."""


class Visitor:
    """Dispatch on the node's class: `visit(node)` calls `visit_<Class>(node)`.

    The table is built when the subclass is defined; extra arguments of
    `visit` are passed on to the rule.
    """

    # Node class -> the rule's function, called with the visitor: a dict lookup per
    # node, no attribute lookup by name (the printers walk every node of a cell).
    _rules: ClassVar[dict[type, Callable[..., Any]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._rules = {}
        for node_class in NODE_CLASSES:
            for base in node_class.__mro__:
                rule = getattr(cls, f"visit_{base.__name__}", None)
                if callable(rule):
                    cls._rules[node_class] = rule
                    break

    def visit(self, node: ir.Node, *args: Any) -> Any:
        rule = self._rules.get(type(node))
        if rule is None:
            return self.unsupported(node)
        return rule(self, node, *args)

    def unsupported(self, node: ir.Node) -> Any:
        raise Unsupported(f"{type(self).__name__} has no rule for {type(node).__name__}")

    @classmethod
    def handles(cls, node_class: type) -> bool:
        """Whether the visitor has a rule for `node_class` (the architecture tests ask)."""
        return node_class in cls._rules


def rebuilt(node: ir.Node, change) -> ir.Node:
    """`node` with `change` applied to each child (a new node if any changed).

    Only the operands are rebuilt: a slice's bounds and a call's size arguments
    are sizes and expressions as written, and a node without children is kept.
    """
    fields = ir.CHILD_FIELDS.get(type(node), ())
    updates = {}
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, tuple):
            new = tuple(change(v) for v in value)
            if any(a is not b for a, b in zip(new, value, strict=True)):
                updates[name] = new
        else:
            new = change(value)
            if new is not value:
                updates[name] = new
    return dataclasses.replace(node, **updates) if updates else node


class Transformer(Visitor):
    """A tree copy: every rule returns the node that takes the visited one's place.

    By default a node is rebuilt from its transformed children; a subclass
    overrides the rules for the nodes it changes.
    """

    def visit_Node(self, node: ir.Node, *args: Any) -> ir.Node:
        return rebuilt(node, lambda child: self.visit(child, *args))
