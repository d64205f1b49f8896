"""What every output format is handed: one cell or stack, derived and counted.

A `Summary` is built once from a `Cell` or a `Stack` (their `.summary`) and
holds everything a renderer shows: the cell's name and sizes, how it is used
(layers, directions, biases), its counts, and its equations, already without
the biases where `--no-bias` asked. Renderers read this (with the sizes set,
`render.Report`) and nothing else; the values at those sizes come from
`evaluation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import sympy

from .. import ir
from ..errors import SymcountWarning
from ..layers.biases import Printed, cell_without
from ..shapes import NodeSet
from ..symbols import dim_expr, to_sympy
from . import evaluation
from .counts import Counts, CountsView, StackParam

if TYPE_CHECKING:
    from ..costing import Cost


@dataclass(frozen=True)
class ComponentRow:
    """One component of a model as the outputs show it: what it is, what it reads and
    emits, and its trainable count over all its copies.

    >>> import symcount
    >>> row = symcount.builtin("awd_lstm").summary.components[-1]
    >>> row.label, row.kind, row.what, row.count
    ('decoder', 'output', '(V, e) + bias tied encoder', V)
    """

    label: str
    kind: str  # "embedding", "layer", "linear", "norm" or "output"
    what: str  # "torch.lstm(e, n)", "(V, e) + bias tied encoder", "layernorm(n) + bias"
    copies: sympy.Expr  # `* K`, times 2 when bidirectional
    directions: int
    reads: tuple[tuple[str, sympy.Expr | None], ...]  # each input and its width (None: not known)
    emits: sympy.Expr | None
    count: sympy.Expr
    tied: str | None
    line: int  # where it is written
    # A layer's cell or block as its equations print (without the biases --no-bias
    # drops); None for an embedding, a linear map, a norm: they are no cell of the user's.
    printed: Printed | None = field(default=None, compare=False, repr=False)
    residual: bool = False  # written `residual`: it adds its input to its output


def component_rows(layers, counts: Counts) -> tuple[ComponentRow, ...]:
    """The rows of a model's components (`layers.models.ModelLayers`), counted."""
    per_label: dict[str, list[sympy.Expr]] = {}
    for p in counts.params:
        if not p.frozen:
            per_label.setdefault(p.layer, []).append(p.count)
    rows = []
    for part in layers.parts:
        reads = tuple((name, to_sympy(size)) for name, size in part.typed.input_sizes.items())
        rows.append(
            ComponentRow(
                part.label,
                part.kind,
                part.what,
                to_sympy(part.copies),
                part.directions,
                reads if part.kind != "embedding" else (),
                None if part.emits is None else to_sympy(part.emits),
                sympy.expand(sympy.Add(*per_label.get(part.label, ()))),
                part.tied,
                part.component.span.line,
                cell_without(part.scope.cell, part.dropped, part.typed.row_products) if part.kind == "layer" else None,
                residual=part.component.residual,
            )
        )
    return tuple(rows)


@dataclass(frozen=True, eq=False)
class Summary(CountsView):
    """One cell, alone or stacked, as the outputs show it.

    >>> import symcount
    >>> summary = symcount.builtin("lstm").stacked("L", bidirectional=True).summary
    >>> summary.note, summary.stacked, summary.factored
    ('L layers, bidirectional', True, 8*n*(3*L*n + L + m - 2*n))
    """

    name: str
    description: str
    source: str  # where the cell was read from: a file name, `<stdin>`, `builtin:lstm`
    dims: tuple[sympy.Symbol, ...]  # the size symbols, a symbolic number of layers last
    layers: int | str | None  # None: one cell, not a stack
    bidirectional: bool
    bias: bool
    cell: ir.CellDef | None  # the cell's IR, its equations without the biases when `bias` is False; None: a model
    warnings: tuple[SymcountWarning, ...]
    counts: Counts
    # Sizes defined with division or ceil/floor (`size R = ceil(D / 16)`): symbols of
    # their own in the counts, shown with their definitions.
    derived: Mapping[str, ir.Dim] = field(default_factory=dict)
    # The `a @ B` of `cell` (its equations and defs) that read aᵀB, by node
    # (see `shapes.TypedCell.row_products`).
    row_products: NodeSet = field(default_factory=NodeSet)
    # What `--no-bias` removed, in the order of the parameters (empty with the biases).
    removed_biases: tuple[str, ...] = ()
    # What a step costs, when it was asked for (`symcount cost`, `latex --cost`): the
    # formats then show it. Set with `dataclasses.replace(summary, cost=cell.cost(...))`.
    cost: Cost | None = None
    # A model's components in order (docs/language.md, "Models"); empty for a cell,
    # whose `cell` the formats show instead.
    components: tuple[ComponentRow, ...] = ()
    model: ir.ModelDef | None = None  # a model's IR (its name, display name, source)

    @property
    def is_model(self) -> bool:
        return self.cell is None

    @property
    def definition(self) -> ir.CellDef | ir.ModelDef:
        """The cell's or the model's IR: what names it (`name`, `display`) and where it is written."""
        return self.model if self.cell is None else self.cell

    @property
    def has_frozen(self) -> bool:
        """Whether any parameter is frozen: the outputs then show frozen and total too."""
        return any(p.frozen for p in self.params)

    @property
    def has_nonreal(self) -> bool:
        """Whether any parameter is complex or quaternion: the outputs then show
        `numel` too, the count as a framework's `numel()` gives it."""
        return any(p.field != "real" for p in self.params)

    @cached_property
    def used_sizes(self) -> dict[str, ir.Dim]:
        """The derived sizes the counts are written in, with their definitions, in order.

        >>> import symcount
        >>> {name: str(dim_expr(dim)) for name, dim in symcount.builtin("s6").summary.used_sizes.items()}
        {'R': 'ceiling(D/16)'}
        """
        return self.sizes_in(self.total_count)

    def sizes_in(self, *figures: sympy.Expr) -> dict[str, ir.Dim]:
        """The derived sizes `figures` (counts, costs) are written in, with their
        definitions, in order.

        A definition may use an earlier derived size (`size S = ceil(R / 2)`):
        that one is given too, so every symbol a reader meets is defined.
        """
        derived = dict(self.derived)
        needed = {s.name for figure in figures for s in figure.free_symbols} & set(derived)
        for name in reversed(derived):  # a definition only uses sizes defined before it
            if name in needed:
                needed |= {s.name for s in dim_expr(derived[name]).free_symbols} & set(derived)
        return {name: dim for name, dim in derived.items() if name in needed}

    @property
    def extents(self) -> tuple[str, ...]:
        """The free extents (`size rows`) the cost is written in: sizes that values have
        and no count depends on, which `--set` may give to evaluate the cost
        (docs/costs.md, "Free extents"). Empty without a cost."""
        if self.cost is None:
            return ()
        dims = {d.name for d in self.dims}
        cells = [self.cell] if self.cell is not None else []
        declared = [d.name for c in cells for d in c.declarations if isinstance(d, ir.SizeDecl)]
        extents = [name for name in self.cost.sizes if name not in dims]
        # In the cell's order (rows before cols), rather than the cost's alphabetical one.
        return tuple(sorted(extents, key=lambda name: declared.index(name) if name in declared else len(declared)))

    @cached_property
    def explicit_count(self) -> sympy.Expr:
        """The count with every derived size written out (R as ceiling(D/16))."""
        return evaluation.written_out(self.count, self.derived)

    @property
    def stacked(self) -> bool:
        """Whether it is a stack (even of one layer): its parameters then have layers and copies."""
        return self.layers is not None

    @cached_property
    def params(self) -> tuple[StackParam, ...]:
        """Every parameter with its layer group and copies (layer 1, one copy in a plain cell)."""
        return tuple(
            p
            if isinstance(p, StackParam)
            else StackParam(
                p.name, p.kind, p.shape, p.count, p.gate, field=p.field, frozen=p.frozen
            )
            for p in self.counts.params
        )

    @property
    def note(self) -> str:
        """'L layers, bidirectional, no biases': what differs from one plain cell ('' if nothing).

        Every format shows it, so that a stacked count is never mistaken for one cell's.
        """
        parts = []
        if self.layers is not None:
            parts.append("1 layer" if self.layers == 1 else f"{self.layers} layers")
        if self.bidirectional:
            parts.append("bidirectional")
        if not self.bias:
            parts.append("no biases")
        return ", ".join(parts)
