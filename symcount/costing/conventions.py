"""Conventions: how the operations of a step are priced in MACs and FLOPs.

The symcount convention prices every `Op` as `costing.operations` does
(docs/costs.md, "The symcount convention"). The other tools' conventions
(thop, ptflops, calflops, torchinfo) reproduce what each tool reports
(docs/costs.md, "Conventions of other tools"); each is one `Convention` in
`CONVENTIONS`, handed the layers of the cell and the operations of each. A
model is priced component by component (`price_part`), each over all its
copies, as its own PyTorch module would be (docs/costs.md, "Models").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from ..layers.frameworks import LAYERS
from ..layers.models import ModelLayers, Part
from ..layers.stacking import Layers
from ..poly import Poly
from ..resolve.names import Scope
from ..shapes import TypedCell
from ..shapes.sizes import polynomial
from ..symbols import to_sympy
from . import tools
from .operations import KINDS, Kind, Op, Operand, entries, operations

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
    # A model's MACs and FLOPs per component, over all its copies (docs/costs.md,
    # "Models"); empty for a cell or a stack.
    per_component: tuple[Row, ...] = ()


@dataclass(frozen=True)
class PartPrice:
    """One component of a model priced over all its copies: (MACs, FLOPs) per kind of
    operation, what the convention does not count, and the module whose rule priced
    it ("nn.LSTM"; "" when priced operation by operation)."""

    rows: dict[Kind, tuple[Poly, Poly]]
    uncounted: tuple[str, ...] = ()
    module: str = ""


class Convention:
    """A way of pricing operations. Subclasses set `name` and `description` and price
    the whole cell (`price`); the default prices op by op with `op_cost`."""

    name = ""
    description = ""

    def price(self, layers: Layers | ModelLayers, cell_name: str) -> Priced:
        if isinstance(layers, ModelLayers):
            return priced_model(self, layers)
        return priced_by_op(self, layers)

    def price_part(self, part: Part) -> PartPrice:
        """One component of a model, all its copies: operation by operation."""
        return part_by_op(self, part)

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


def priced_model(convention: Convention, layers: ModelLayers) -> Priced:
    """A model's step: each component priced by `convention.price_part`, summed, with
    the breakdowns per component and per kind of operation (no per-gate one: gates of
    different components share names, `y`, and nothing else)."""
    kinds: dict[Kind, list[tuple[Poly, Poly]]] = {}
    per_component, uncounted, modules = [], {}, {}
    for part in layers.parts:
        price = convention.price_part(part)
        if part.component.residual:
            price = _with_residual(convention, part, price)
        for kind, cost in price.rows.items():
            kinds.setdefault(kind, []).append(cost)
        costs = price.rows.values()
        per_component.append(Row(part.label, *(to_sympy(Poly.sum(c[i] for c in costs)) for i in (0, 1))))
        uncounted.update(dict.fromkeys(price.uncounted))
        if price.module:
            modules.setdefault(price.module, []).append(part.label)
    per_op = tuple(
        Row(str(kind), *(to_sympy(Poly.sum(c[i] for c in kinds[kind])) for i in (0, 1)))
        for kind in KINDS
        if kind in kinds
    )
    macs, flops = (sympy.expand(sympy.Add(*(getattr(row, f) for row in per_op))) for f in ("macs", "flops"))
    return Priced(macs, flops, (), per_op, tuple(uncounted), _model_rule(convention.name, modules),
                  tuple(per_component))


def _model_rule(tool: str, modules: dict[str, list[str]]) -> str:
    """'thop's rules for nn.Embedding (encoder) and nn.LSTM (layer1, layer2)'; '' if none."""
    if not modules:
        return ""
    named = [f"{module} ({', '.join(labels)})" for module, labels in modules.items()]
    if len(named) == 1:
        return f"{tool}'s rule for {named[0]}"
    return f"{tool}'s rules for {', '.join(named[:-1])} and {named[-1]}"


def part_by_op(convention: Convention, part: Part) -> PartPrice:
    """A component's operations, each priced by `convention.op_cost`, times its copies."""
    rows: dict[Kind, tuple[Poly, Poly]] = {}
    uncounted: dict[str, None] = {}
    for op in operations(part.typed):
        cost = convention.op_cost(op)
        if cost is None:
            uncounted[convention.unpriced(op)] = None
            continue
        _add(rows, op.kind, (part.copies * cost[0], part.copies * cost[1]))
    return PartPrice(rows, tuple(uncounted))


def _with_residual(convention: Convention, part: Part, price: PartPrice) -> PartPrice:
    """A residual layer's price with the addition of its input to its output, once per
    copy (on both directions' output together): 1 FLOP an entry under symcount's
    convention; in a PyTorch module, a `torch.add` of two values of one sequence."""
    width = part.emits
    operand = Operand((width,), True)
    op = Op(part.label, Kind.ADDITION, "+ residual", width, ZERO, width, None, operands=(operand, operand))
    cost = convention.op_cost(op)
    if cost is None:
        return replace(price, uncounted=(*price.uncounted, convention.unpriced(op)))
    rows = dict(price.rows)
    _add(rows, op.kind, (part.repeat * cost[0], part.repeat * cost[1]))
    return replace(price, rows=rows)


def _add(rows: dict[Kind, tuple[Poly, Poly]], kind: Kind, cost: tuple[Poly, Poly]) -> None:
    macs, flops = rows.get(kind, (ZERO, ZERO))
    rows[kind] = (macs + cost[0], flops + cost[1])


def _described(op: Op) -> str:
    """How the output names an operation a tool does not count."""
    return f"{op.kind} ({op.form})" if op.form else str(op.kind)


class Tool(Convention):
    """A counting tool's convention (docs/costs.md, "Conventions of other tools"): a torch
    built-in priced by the tool's rule for its module, any other cell call by call as
    the tool prices it written as a PyTorch module (`costing.tools`); in a model, an
    embedding and a norm by the tool's rule for nn.Embedding and the norm's module."""

    def __init__(self, name: str, description: str):
        self.name = name
        self.description = description

    def price(self, layers: Layers | ModelLayers, cell_name: str) -> Priced:
        if isinstance(layers, ModelLayers):
            return priced_model(self, layers)
        module = _torch_module(layers.scope, cell_name)
        if module is None:
            return priced_by_op(self, layers)
        return self._module(layers, module)

    def price_part(self, part: Part) -> PartPrice:
        if part.kind == "norm":
            return self._norm(part)
        if part.kind == "embedding":
            rows = tools.embedding_rule(self.name, Poly.sum(entries(p.shape) for p in part.typed.params))
            return PartPrice(rows, module="nn.Embedding" if rows else "")
        module = _torch_module(part.scope, part.component.cell) if part.kind == "layer" else None
        if module is None:
            return part_by_op(self, part)
        hidden = polynomial(part.component.args[1])
        # Each copy and direction a module of one layer, as AWD-LSTM builds them: a first layer.
        # A torch built-in has biases, so it has them unless --no-bias dropped them.
        layer = _recurrent(part.typed, module, hidden, not part.dropped, True, part.directions)
        rows = {row: (part.copies * m, part.copies * f) for row, (m, f) in tools.RULES[self.name](layer).items()}
        return PartPrice(rows, self._omitted(part.typed, hidden), f"nn.{module}")

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
        hidden = _hidden(layers.scope)
        for group in layers.groups:
            first = group.label == "1"
            layer = _recurrent(group.typed, kind, hidden, layers.layout.bias, first, layers.layout.directions)
            for row, (macs, flops) in tools.RULES[self.name](layer).items():
                _add(rows, row, (group.copies * macs, group.copies * flops))
        per_op = tuple(Row(str(k), to_sympy(rows[k][0]), to_sympy(rows[k][1])) for k in KINDS if k in rows)
        macs = sympy.expand(sympy.Add(*(row.macs for row in per_op)))
        flops = sympy.expand(sympy.Add(*(row.flops for row in per_op)))
        rule = f"{self.name}'s rule for nn.{kind}"
        return Priced(macs, flops, (), per_op, self._omitted(layers.groups[0].typed, hidden), rule)

    def _omitted(self, first: TypedCell, hidden: Poly) -> tuple[str, ...]:
        """What the cell computes that the tool's module rule leaves out."""
        omits = tools.RULE_OMITS[self.name]
        left = {_described(op): None for op in operations(first) if op.kind in omits and op.form != "+ bias"}
        if self.name != "torchinfo" and first.output_size != hidden:
            left["matrix product (the projection weight_hr)"] = None
        return tuple(left)

    def _norm(self, part: Part) -> PartPrice:
        """A model's norm: the tool's rule for its module (nn.LayerNorm, ...), else not counted."""
        norm = part.component.cell
        [size] = part.typed.input_sizes.values()
        params = Poly.sum(entries(p.shape) for p in part.typed.params)
        rows = tools.norm_rule(self.name, norm, size, params)
        if rows is None:
            return PartPrice({}, (f"{Kind.NORMALISATION} ({norm})",))
        return PartPrice({row: (part.copies * m, part.copies * f) for row, (m, f) in rows.items()},
                         module=tools.NORM_MODULES[norm])


def _torch_module(scope: Scope, cell_name: str) -> str | None:
    """The torch.nn class a torch built-in is (`layers.frameworks.LAYERS`), None for any
    other cell, a file's cell of the same name included."""
    layer = LAYERS.get(cell_name)
    if layer is None or layer.framework != "torch":
        return None
    return layer.kind if scope.cell.source.filename == f"builtin:{cell_name}" else None


def _hidden(scope: Scope) -> Poly:
    """n: the torch built-ins' headers are (m, n) or (m, n, p), input, hidden and projection sizes."""
    return Poly.symbol(scope.cell.dims[1].name)


def _recurrent(
    typed: TypedCell, kind: str, hidden: Poly, bias: bool, first: bool, directions: int
) -> tools.RecurrentLayer:
    """One layer and direction, as the tools' rules read it."""
    [width] = typed.input_sizes.values()
    return tools.RecurrentLayer(kind, width, hidden, typed.output_size, bias, first, directions)


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
