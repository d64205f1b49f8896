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

from ..layers.frameworks import LAYERS
from ..layers.stacking import Group, Layers
from ..poly import Poly
from ..symbols import to_sympy
from . import tools
from .operations import KINDS, Kind, Op, operations

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

    def unpriced(self, op: Op) -> str:
        """How the output names an operation `op_cost` leaves out."""
        return _described(op)


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
    # Per row: the layers' (MACs, FLOPs) polynomials, and the generic later layer's.
    gates: dict[str, _Sums] = {}
    kinds: dict[str, _Sums] = {}
    uncounted: dict[str, None] = {}
    groups = [(g.copies, operations(g.typed), False) for g in layers.groups]
    if layers.summed is not None:
        groups.append((ONE, operations(layers.summed.typed), True))
    for copies, step, summed in groups:
        for op in step:
            cost = convention.op_cost(op)
            if cost is None:
                uncounted[convention.unpriced(op)] = None
                continue
            cost = cost if summed else (copies * cost[0], copies * cost[1])
            for table, key in ((gates, op.gate), (kinds, op.kind)):
                table.setdefault(key, _Sums()).add(cost, summed)
    over = _Summed(layers)
    per_gate = tuple(sums.row(gate, over) for gate, sums in gates.items())
    per_op = tuple(kinds[kind].row(str(kind), over) for kind in KINDS if kind in kinds)
    total = _Sums()
    for sums in gates.values():
        total.merge(sums)
    totals = total.row("", over)
    return Priced(totals.macs, totals.flops, per_gate, per_op, tuple(uncounted))


class _Sums:
    """The polynomials of one row, added up once at the end (`Poly.sum`, one dictionary)."""

    def __init__(self):
        self.polys: tuple[list[Poly], ...] = ([], [], [], [])  # MACs, FLOPs; summed MACs, FLOPs

    def add(self, cost: tuple[Poly, Poly], summed: bool) -> None:
        for i, poly in enumerate(cost):
            self.polys[2 * summed + i].append(poly)

    def merge(self, other: _Sums) -> None:
        for mine, theirs in zip(self.polys, other.polys, strict=True):
            mine.extend(theirs)

    def row(self, name: str, over: _Summed) -> Row:
        """The layers' polynomial, plus the closed-form sum over the later layers of a
        widening stack of a symbolic depth."""
        figures = []
        for layered, summed in ((self.polys[0], self.polys[2]), (self.polys[1], self.polys[3])):
            figure = to_sympy(Poly.sum(layered))
            if summed:
                figure = sympy.expand(figure + over.total(Poly.sum(summed)))
            figures.append(figure)
        return Row(name, *figures)


class _Summed:
    """A widening stack's later layers summed over k, one sympy summation per monomial:
    the sum is linear, and the rows of both breakdowns share their monomials."""

    def __init__(self, layers: Layers):
        self.summed = layers.summed
        self.done: dict[tuple, sympy.Expr] = {}

    def total(self, poly: Poly) -> sympy.Expr:
        terms = []
        for monomial, coefficient in poly.terms:
            if monomial not in self.done:
                self.done[monomial] = self.summed.total(Poly(((monomial, 1),)))
            terms.append(coefficient * self.done[monomial])
        return sympy.expand(sympy.Add(*terms))


def _described(op: Op) -> str:
    """How the output names an operation a tool does not count."""
    return f"{op.kind} ({op.form})" if op.form else str(op.kind)


class Tool(Convention):
    """A counting tool's convention (docs/costs.md, "Conventions of other tools"): a torch
    built-in priced by the tool's rule for its module, any other cell call by call as
    the tool prices it written as a PyTorch module (`costing.tools`)."""

    def __init__(self, name: str, description: str):
        self.name = name
        self.description = description

    def price(self, layers: Layers, cell_name: str) -> Priced:
        module = _torch_module(layers, cell_name)
        if module is None:
            return priced_by_op(self, layers)
        return self._module(layers, module)

    def op_cost(self, op: Op) -> tuple[Poly, Poly] | None:
        return tools.charge(self.name, op)

    def unpriced(self, op: Op) -> str:
        sizes = tools.uncharged(self.name, op)
        if sizes is None:
            return _described(op)
        a, b = (to_sympy(size) for size in sizes)
        return f"{_described(op)}: {self.name} counts max({a}, {b}) on an axis, not a closed form"

    def _module(self, layers: Layers, kind: str) -> Priced:
        """The tool's rule for torch.nn.`kind`, summed over the layers and directions.
        No per-gate breakdown: the rule prices the module, not its gates."""
        rows: dict[Kind, tuple[Poly, Poly]] = {}
        for group in layers.groups:
            for row, (macs, flops) in tools.RULES[self.name](_recurrent(layers, group, kind)).items():
                total = rows.get(row, (ZERO, ZERO))
                rows[row] = (total[0] + group.copies * macs, total[1] + group.copies * flops)
        per_op = tuple(Row(str(k), to_sympy(rows[k][0]), to_sympy(rows[k][1])) for k in KINDS if k in rows)
        macs = sympy.expand(sympy.Add(*(row.macs for row in per_op)))
        flops = sympy.expand(sympy.Add(*(row.flops for row in per_op)))
        rule = f"{self.name}'s rule for nn.{kind}"
        return Priced(macs, flops, (), per_op, self._omitted(layers), rule)

    def _omitted(self, layers: Layers) -> tuple[str, ...]:
        """What the cell computes that the tool's module rule leaves out."""
        first = layers.groups[0].typed
        omits = tools.RULE_OMITS[self.name]
        left = {_described(op): None for op in operations(first) if op.kind in omits and op.form != "+ bias"}
        if self.name != "torchinfo" and first.output_size != _hidden(layers):
            left["matrix product (the projection weight_hr)"] = None
        return tuple(left)


def _torch_module(layers: Layers, cell_name: str) -> str | None:
    """The torch.nn class a torch built-in is (`layers.frameworks.LAYERS`), None for any
    other cell, a file's cell of the same name included."""
    layer = LAYERS.get(cell_name)
    if layer is None or layer.framework != "torch":
        return None
    return layer.kind if layers.scope.cell.source.filename == f"builtin:{cell_name}" else None


def _hidden(layers: Layers) -> Poly:
    """n: the torch built-ins' headers are (m, n) or (m, n, p), input, hidden and projection sizes."""
    return Poly.symbol(layers.scope.cell.dims[1].name)


def _recurrent(layers: Layers, group: Group, kind: str) -> tools.RecurrentLayer:
    """One layer and direction of the group, as the tools' rules read it."""
    [width] = group.typed.input_sizes.values()
    return tools.RecurrentLayer(
        kind,
        width,
        _hidden(layers),
        group.typed.output_size,
        layers.layout.bias,
        group.label == "1",
        layers.layout.directions,
    )


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in (
        Symcount(),
        Tool("thop", "thop 0.1.1.post2209072238's profile(): MACs of nn modules only"),
        Tool("ptflops", "ptflops 0.7.5's get_model_complexity_info(), pytorch backend: MACs"),
        Tool("calflops", "calflops 0.3.2's calculate_flops(): FLOPs and MACs"),
        Tool("torchinfo", "torchinfo 1.8.0's summary().total_mult_adds: parameters × output positions"),
    )
}
