"""Output formats behind one registry: `render(format, reports) -> str`.

Each format is its own module, imported only when asked for, and a writer
class on `base.Writer` (plain text) that overrides only what differs. A
report is one cell or stack with the sizes the user set; what every format
reads of it is `report.network` (a `network.Network`) and those sizes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported at run time: `symcount --help` must not load sympy
    import sympy

    from ..api.cell import Cell, Stack
    from ..counting.summary import Network

FORMATS = ("text", "json", "latex", "markdown")


@dataclass
class Report:
    cell: Cell | Stack
    sizes: dict[str, int] = field(default_factory=dict)  # the --set values this cell uses

    @property
    def network(self) -> Network:
        """What the formats show of the cell, built once per cell."""
        return self.cell.network

    @property
    def value(self) -> int | None:
        """The count at the set sizes, when every size symbol is set."""
        return self.network.value(self.sizes)

    @property
    def frozen_value(self) -> int | None:
        """The frozen parameters at the set sizes (None unless every size is set)."""
        return self.network.evaluate(self.network.frozen, self.sizes)

    @property
    def total_value(self) -> int | None:
        """Trainable and frozen together at the set sizes."""
        return self.network.evaluate(self.network.all_params, self.sizes)

    @property
    def size_values(self) -> dict[str, int]:
        """The derived sizes the counts use, at the set sizes ({} unless every size is set)."""
        if self.value is None:
            return {}
        values = self.network.size_values({str(d): self.sizes[str(d)] for d in self.network.dims})
        return {name: values[name] for name in self.network.used_sizes}

    def param_value(self, count: sympy.Expr) -> int | None:
        """A parameter's count at the set sizes, when every size symbol is set."""
        if self.value is None:
            return None
        return self.network.param_value(count, self.sizes)


def render(fmt: str, reports: list[Report], **settings: object) -> str:
    """`reports` in the format `fmt`, with its writer's settings (declared in
    `render.settings`; the rest keep their defaults). An unknown format or
    setting is a ValueError naming it and the ones there are."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f".{fmt}", __name__)
    return module.render(reports, **settings)
