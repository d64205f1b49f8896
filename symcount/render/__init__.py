"""Output formats behind one registry: `render(format, reports) -> str`.

Each format is its own module, imported only when asked for. A report is one
cell (or stacked network) with the sizes the user set; every renderer reads
the same `Report`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

FORMATS = ("text", "json", "latex", "markdown")


@dataclass
class Report:
    cell: object  # symcount.Cell, or anything with the same attributes (a stack)
    sizes: dict[str, int] = field(default_factory=dict)  # the --set values this cell uses

    @property
    def value(self) -> int | None:
        """The count at the set sizes, when every size symbol is set."""
        names = [str(d) for d in self.cell.dims]
        if all(n in self.sizes for n in names):
            return self.cell.evaluate(**{n: self.sizes[n] for n in names})
        return None

    def param_value(self, count) -> int | None:
        if self.value is None:
            return None
        from ..count import size_symbol

        values = self.cell.size_values(self.sizes)
        return int(count.subs({size_symbol(k): v for k, v in values.items()}))


def network(cell) -> str:
    """'L layers, bidirectional, no biases': what differs from one plain cell ('' if nothing).

    Every format shows it, so that a stacked count is never mistaken for one cell's.
    """
    parts = []
    layers = getattr(cell, "layers", 1)
    if layers != 1:
        parts.append(f"{layers} layers")
    elif hasattr(cell, "layers"):
        parts.append("1 layer")
    if getattr(cell, "bidirectional", False):
        parts.append("bidirectional")
    if cell.no_bias:
        parts.append("no biases")
    return ", ".join(parts)


def render(fmt: str, reports: list[Report], **options) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f".{fmt}", __name__)
    return module.render(reports, **options)
