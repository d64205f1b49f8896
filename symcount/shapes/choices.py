"""Parameter shapes that were a choice (docs/errors.md, "Warnings").

An undeclared parameter that only meets values elementwise takes the shape
of the smallest value it meets (`unify.Solver.settle`). Where it meets values
of several shapes, directly (`b * x` and `b * M`) or through the values
computed elementwise from it (Mamba's `deltaA = exp(delta * A)`, a vector I,
times the state `h : (I, N)`), a larger shape would fit as well, and a
faithful module may have either: `A_log` is (I, N) in Mamba. Each shape that
the cell also infers with is reported, so that the user declares the one meant.

A bias or gain of a product that sums (`W @ x + b`, `sum(w * x) + b`,
`conv1d(w, v) + b`, `g * (W @ x)`) has that product's shape, as a layer's
bias does: only the values it meets directly count for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functions, ir, visit
from ..poly import Poly
from .results import ShapeChoice

if TYPE_CHECKING:
    from .core import Core

ELEMENTWISE = functions.Category.ELEMENTWISE


def shape_choices(core: Core) -> tuple[ShapeChoice, ...]:
    """The parameters `core` (solved) chose a shape for among several that fit."""
    chosen = _chosen(core)
    if not chosen:
        return ()
    flow = _Flow(core, chosen)
    for eq in core.scope.equations:
        carried = flow.visit(eq.expr)
        if eq.is_state:
            flow.meet(carried, core.values[eq.target])
        else:
            flow.gates[eq.target] = carried
    size_names = tuple(core.sizes.abbreviations.items())
    found = []
    for name, direct in chosen.items():
        shape = _sizes(core, core.params[name])
        met = direct if name in flow.anchored else direct | flow.met.get(name, set())
        # A smaller shape always fits (it repeats): the choice is among the larger ones.
        larger = sorted((m for m in met if len(m) > len(shape)), key=_order)
        others = [other for other in larger if core.fits(name, other)]
        if others:
            span = core.scope.first_use[name][1]
            found.append(ShapeChoice(name, shape, tuple(others), span, size_names))
    return tuple(found)


def _chosen(core: Core) -> dict[str, set[tuple[Poly, ...]]]:
    """Each undeclared parameter `settle` gave a shape → the shapes it met directly."""
    met = {core.find_shape(root): known for root, known in core.settled_among.items()}
    found = {}
    for name in core.scope.params:
        if name in core.scope.declared or name not in core.params:
            continue
        known = met.get(core.find_shape(core.params[name]))
        if known is not None:
            found[name] = {_sizes(core, ref) for ref in known}
    return found


def _sizes(core: Core, ref: int | None) -> tuple[Poly, ...]:
    if ref is None:
        return ()
    return tuple(core.size(axis) for axis in core.axes(ref))


def _order(shape: tuple[Poly, ...]) -> tuple[int, str]:
    return len(shape), str(shape)


class _Flow(visit.Visitor):
    """Which chosen parameters each value is computed from elementwise (a rule per
    node returns them), and the shapes those values meet on the way (`met`)."""

    def __init__(self, core: Core, chosen: dict):
        self.core, self.chosen = core, chosen
        self.gates: dict[str, frozenset[str]] = {}  # a gate → the parameters it carries
        self.met: dict[str, set[tuple[Poly, ...]]] = {}
        self.anchored: set[str] = set()  # biases and gains of a product that sums

    def meet(self, carried: frozenset[str], state: int | None) -> None:
        """A state's new value carrying parameters meets the state's shape."""
        if state is not None:
            for name in carried:
                self.met.setdefault(name, set()).add(_sizes(self.core, state))

    def visit_Name(self, node: ir.Name) -> frozenset[str]:
        if node.name in self.chosen:
            return frozenset((node.name,))
        return self.gates.get(node.name, frozenset())

    def visit_Neg(self, node: ir.Neg) -> frozenset[str]:
        return self.visit(node.operand)

    def visit_Sum(self, node: ir.Sum) -> frozenset[str]:
        return self.operands(node.terms)

    def visit_Product(self, node: ir.Product) -> frozenset[str]:
        return self.operands(node.factors)

    def visit_Call(self, node: ir.Call) -> frozenset[str]:
        if functions.TABLE[node.func].category != ELEMENTWISE:
            self.apart(node)
            return frozenset()
        return self.operands(node.args)

    def visit_ExprNode(self, node: ir.Expr) -> frozenset[str]:
        """Any other node (`@`, a slice, a concatenation, a number, a new state
        value) reshapes what it reads, or reads none: it carries nothing."""
        self.apart(node)
        return frozenset()

    def apart(self, node: ir.Expr) -> None:
        """Walk the operands of a node that carries nothing, for the values inside it."""
        for child in ir.children(node):
            self.visit(child)

    def operands(self, operands) -> frozenset[str]:
        """An elementwise operation: what an operand carries meets the others' shapes."""
        carried = [self.visit(operand) for operand in operands]
        names = frozenset().union(*carried)
        if not names:
            return names
        if any(map(_linear, operands)):
            self.anchored |= {self._name(o) for o in operands} & names
        # Scalars (numbers, sizes) broadcast: they are no shape to meet.
        shapes = {self.core.types.shape_of(o) for o in operands} - {()}
        for name in names:
            self.met.setdefault(name, set()).update(shapes)
        return names

    @staticmethod
    def _name(node: ir.Expr) -> str | None:
        while isinstance(node, ir.Neg):
            node = node.operand
        return node.name if isinstance(node, ir.Name) else None


LINEAR = (functions.Category.CONTRACTION, functions.Category.CONVOLUTION)


def _linear(node: ir.Expr) -> bool:
    """Whether `node` is a product that sums (`W @ x`, `sum(w * x)`, `conv1d(w, v)`):
    what a bias is added to, and a gain multiplies, in a layer."""
    if isinstance(node, ir.MatMul):
        return True
    return isinstance(node, ir.Call) and functions.TABLE[node.func].category in LINEAR
