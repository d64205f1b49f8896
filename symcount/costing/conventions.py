"""Conventions: how the operations of a step are priced in MACs and FLOPs.

The symcount convention prices every `Op` as `costing.operations` does
(docs/costs.md, "The symcount convention"). The other tools' conventions
(thop, ptflops, calflops, torchinfo) reproduce what each tool reports
(docs/costs.md, "Conventions of other tools"); each is one `Convention` in
`CONVENTIONS`, handed the layers of the cell and the operations of each.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..layers.stacking import Layers
from ..poly import Poly
from ..symbols import to_sympy
from .operations import KINDS, Op, operations

ZERO, ONE = Poly.const(0), Poly.const(1)


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a gate or a kind of operation, its MACs and FLOPs."""

    name: str
    macs: sympy.Expr
    flops: sympy.Expr


@dataclass(frozen=True)
class Priced:
    """A step's MACs and FLOPs under one convention, with the breakdowns."""

    macs: sympy.Expr
    flops: sympy.Expr
    per_gate: tuple[Row, ...]
    per_op: tuple[Row, ...]
    # What the convention's tool has no rule for, and so does not count (never a silent 0):
    # "activation (sigmoid)", "elementwise product". Empty for symcount's own.
    uncounted: tuple[str, ...] = ()
    # How the tool priced the cell: "" when operation by operation, else what it applied
    # ("thop's rule for nn.LSTM").
    rule: str = ""


class Convention:
    """A way of pricing operations. Subclasses set `name` and `description` and price
    the whole cell (`price`); the default prices op by op with `op_cost`."""

    name = ""
    description = ""

    def price(self, layers: Layers, cell_name: str) -> Priced:
        return priced_by_op(self, layers)

    def op_cost(self, op: Op) -> tuple[Poly, Poly] | None:
        """(MACs, FLOPs) of one operation, or None where the convention has no rule."""
        raise NotImplementedError


class Symcount(Convention):
    name = "symcount"
    description = "every operation of the step, a multiply-accumulate as 2 FLOPs (docs/costs.md)"

    def op_cost(self, op: Op) -> tuple[Poly, Poly]:
        return op.macs, op.flops


def priced_by_op(convention: Convention, layers: Layers) -> Priced:
    """Sum `convention.op_cost` over every operation of every layer, with the
    breakdowns per gate and per kind of operation, in the order first met.

    Sums stay exact integer polynomials (fast) but for a widening stack of a
    symbolic depth, whose layers 2..L are summed over k in closed form.
    """
    gates: dict[str, list] = {}
    kinds: dict[str, list] = {}
    uncounted: dict[str, None] = {}
    groups = [(g.copies, operations(g.typed), None) for g in layers.groups]
    if layers.summed is not None:
        groups.append((ONE, operations(layers.summed.typed), layers.summed))
    for copies, step, summed in groups:
        for op in step:
            cost = convention.op_cost(op)
            if cost is None:
                uncounted[_described(op)] = None
                continue
            for table, key in ((gates, op.gate), (kinds, str(op.kind))):
                entry = table.setdefault(key, [ZERO, ZERO, [], []])
                for i, poly in enumerate(cost):
                    if summed is None:
                        entry[i] = entry[i] + copies * poly
                    else:
                        entry[2 + i].append(poly)
    per_gate = tuple(_row(gate, entry, layers) for gate, entry in gates.items())
    per_op = tuple(_row(str(kind), kinds[kind], layers) for kind in KINDS if kind in kinds)
    macs = sympy.expand(sympy.Add(*(row.macs for row in per_gate)))
    flops = sympy.expand(sympy.Add(*(row.flops for row in per_gate)))
    return Priced(macs, flops, per_gate, per_op, tuple(uncounted))


def _row(name: str, entry: list, layers: Layers) -> Row:
    """A breakdown's row: the layers' polynomial, plus the closed-form sum over the later
    layers of a widening stack of a symbolic depth."""
    macs, flops, summed_macs, summed_flops = entry
    figures = [to_sympy(macs), to_sympy(flops)]
    for i, polys in enumerate((summed_macs, summed_flops)):
        if polys:
            figures[i] = sympy.expand(figures[i] + layers.summed.total(Poly.sum(polys)))
    return Row(name, *figures)


def _described(op: Op) -> str:
    """How the output names an operation a tool does not count."""
    return f"{op.kind} ({op.form})" if op.form else str(op.kind)


CONVENTIONS: dict[str, Convention] = {c.name: c for c in (Symcount(),)}
