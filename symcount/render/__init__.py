"""Output formats behind one registry: `render(format, reports) -> str`.

Each format is its own module, imported only when asked for, and a writer
class on `base.Writer` (plain text) that overrides only what differs. A
report is what counting hands the renderers, a `counting.summary.Summary`,
with the sizes the user set (and, in a sweep, the values swept: `sweep.py`);
every format reads those and nothing else, and the values at the sizes come
from `counting.evaluation`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported at run time: `symcount --help` must not load sympy
    import sympy

    from .. import ir
    from ..costing import Row
    from ..counting.solving import Solved
    from ..counting.summary import Summary
    from ..shapes.sizes import SizeValueError

FORMATS = ("text", "json", "latex", "markdown", "csv")
# Cells × combinations of sizes a sweep may have (render/sweep.py): a table
# longer than this is no table to read, and a mistyped range (`n=1:10000000`)
# would run for minutes. Here, not there: the command line checks it, and must
# not load sympy to do so.
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Report:
    """One cell or stack as the formats show it, at the sizes set."""

    summary: Summary
    sizes: dict[str, int] = field(default_factory=dict)  # the --set values this cell uses
    # A sweep (`--set n=128,256`, `--set n=64:512:64`): each swept symbol's values, the
    # same for every cell of the table, whether the cell has the symbol or not.
    swept: dict[str, tuple[int, ...]] = field(default_factory=dict)
    solved: Solved | None = None  # what `symcount solve` found for it (`Cell.solve`)

    @cached_property
    def sweep(self) -> list[Report | SizeValueError]:
        """The cell at each point of the sweep (`sweep.points(swept)`), or why it has
        no values there: a derived size that is no size (docs/cli.md, "Sweeps")."""
        from . import sweep

        return sweep.evaluated(self)

    @cached_property
    def values(self) -> dict[str, int] | None:
        """Every size's value, the derived ones too, when the sizes set every
        size symbol; else None (the formats then show no values)."""
        from ..counting import evaluation  # here: `symcount --help` must not load sympy

        names = [d.name for d in self.summary.dims]
        if not all(n in self.sizes for n in names):
            return None
        return evaluation.size_values(self.summary.derived, {n: self.sizes[n] for n in names})

    @property
    def value(self) -> int | None:
        """The count at the set sizes, when every size symbol is set."""
        from ..counting import evaluation

        if self.values is None:
            return None
        return evaluation.trainable(self.summary.counts, self.values)

    @property
    def solution_sizes(self) -> dict[str, int | None]:
        """The sizes of what `solve` found, in the cell's order: at the answer; without
        one, those given, and None for the size solved for."""
        found = self.solved
        order = found.sizes or (found.next.sizes if found.next else None)
        if order is None:  # the header's order, free extents after
            dims = [d.name for d in self.summary.dims]
            order = sorted([*self.sizes, found.for_], key=lambda k: dims.index(k) if k in dims else len(dims))
        return {name: (found.sizes or self.sizes).get(name) for name in order}

    @property
    def numel_value(self) -> int | None:
        """`numel` (a complex entry once) at the set sizes, when every size symbol is set."""
        from ..counting import evaluation

        if self.values is None:
            return None
        return evaluation.numel(self.summary.counts, self.values)

    @property
    def frozen_value(self) -> int | None:
        """The frozen parameters at the set sizes (None unless every size is set)."""
        return self.param_value(self.summary.frozen)

    @property
    def total_value(self) -> int | None:
        """Trainable and frozen together at the set sizes."""
        return self.param_value(self.summary.total_count)

    @property
    def size_values(self) -> dict[str, int]:
        """The derived sizes the counts use, at the set sizes ({} unless every size is set)."""
        if self.values is None:
            return {}
        return {name: self.values[name] for name in self.summary.used_sizes}

    @cached_property
    def cost_values(self) -> dict[str, int] | None:
        """The cost's figures at the set sizes (`costing.FIGURES`), when every size is
        set and every free extent it is written in too; else None."""
        cost = self.summary.cost
        if cost is None or self.values is None or self.unset_extents:
            return None
        return cost.values(self.sizes)

    def cost_rows(self, rows: tuple[Row, ...]) -> list[tuple[str, int, int]] | None:
        """A breakdown of the cost (`per_gate`, `per_op`) at the set sizes, as
        (name, MACs, FLOPs), when the figures have values; else None."""
        if self.cost_values is None:
            return None
        return self.summary.cost.row_values(rows, self.sizes)

    @property
    def unset_extents(self) -> list[str]:
        """The free extents the cost is written in that no `--set` gave."""
        return [name for name in self.summary.extents if name not in self.sizes]

    @property
    def cost_sizes(self) -> dict[str, ir.Dim]:
        """The derived sizes the cost's figures are written in, with their definitions."""
        return self.summary.sizes_in(*self.summary.cost.figures.values())

    def param_value(self, count: sympy.Expr) -> int | None:
        """A count (a parameter's, the frozen one) at the set sizes, when every size symbol is set."""
        from ..counting import evaluation

        if self.values is None:
            return None
        return evaluation.value(count, self.values)


def render(fmt: str, reports: list[Report], **settings: object) -> str:
    """`reports` in the format `fmt`, with its writer's settings (declared in
    `render.settings`; the rest keep their defaults). An unknown format or
    setting is a ValueError naming it and the ones there are."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f".{fmt}", __name__)
    return module.render(reports, **settings)
