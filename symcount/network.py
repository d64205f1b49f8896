"""What every output format is handed: one cell or stack, derived and counted.

A `Network` is built once from a `Cell` or a `Stack` (their `.network`) and
holds everything a renderer shows: the cell's name and sizes, how it is used
(layers, directions, biases), its counts, and its equations, already without
the biases where `--no-bias` asked. Renderers read this and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import sympy

from . import ir
from .counting import Counts, StackParam
from .errors import SymcountWarning
from .poly import Poly
from .symbols import size_symbol


@dataclass(frozen=True, eq=False)
class Network:
    """One cell, alone or stacked, as the outputs show it.

    >>> import symcount
    >>> net = symcount.builtin("lstm").stacked("L", bidirectional=True).network
    >>> net.note, net.stacked, net.factored
    ('L layers, bidirectional', True, 8*n*(3*L*n + L + m - 2*n))
    """

    name: str
    description: str
    source: str  # where the cell was read from: a file name, `<stdin>`, `builtin:lstm`
    dims: tuple[sympy.Symbol, ...]  # the size symbols, a symbolic number of layers last
    layers: int | str | None  # None: one cell, not a stack
    bidirectional: bool
    bias: bool
    cell: ir.Cell  # the cell's IR; its equations without the biases when `bias` is False
    warnings: tuple[SymcountWarning, ...]
    counts: Counts

    @property
    def stacked(self) -> bool:
        """Whether it is a stack (even of one layer): its parameters then have layers and copies."""
        return self.layers is not None

    @property
    def count(self) -> sympy.Expr:
        return self.counts.count

    @property
    def factored(self) -> sympy.Expr:
        return self.counts.factored

    @property
    def total(self) -> Poly | None:
        return self.counts.total

    @property
    def gates(self) -> Mapping[str, sympy.Expr]:
        return self.counts.gates

    @cached_property
    def params(self) -> tuple[StackParam, ...]:
        """Every parameter with its layer group and copies (layer 1, one copy in a plain cell)."""
        return tuple(
            p if isinstance(p, StackParam) else StackParam(p.name, p.kind, p.shape, p.count, p.gate)
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

    def value(self, sizes: Mapping[str, int]) -> int | None:
        """The count at `sizes` when they set every size symbol, else None."""
        names = [str(d) for d in self.dims]
        if all(n in sizes for n in names):
            return self.counts.evaluate(names, {n: sizes[n] for n in names})
        return None

    def param_value(self, count: sympy.Expr, sizes: Mapping[str, int]) -> int:
        """A parameter's `count` at `sizes` (which set every size symbol)."""
        return int(count.subs({size_symbol(k): v for k, v in sizes.items()}))
