"""The resolved names of one cell (`Scope`): what every name is.

Made by `names.resolve`, read by every later stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .. import ir
from ..errors import SymcountError

ErrorFactory = Callable[..., SymcountError]  # ir.Document.error: (message, span, *notes)


@dataclass
class Scope:
    """The resolved names of one cell."""

    cell: ir.CellDef
    symbols: dict[str, ir.DimSymbol] = field(default_factory=dict)
    sizes: dict[str, ir.SizeDecl] = field(default_factory=dict)  # `size R = ...`, `size rows`
    functions: dict[str, ir.FunctionDef] = field(default_factory=dict)  # the cell's own `def`s
    # The equations with the cell's own functions inlined: what shapes are inferred from.
    equations: list[ir.Equation] = field(default_factory=list)
    inputs: dict[str, ir.Input] = field(default_factory=dict)
    states: dict[str, ir.State] = field(default_factory=dict)
    declared: dict[str, ir.ParamDecl] = field(default_factory=dict)
    gates: dict[str, ir.Equation] = field(default_factory=dict)
    updates: dict[str, ir.Equation] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)  # in order of first use
    first_use: dict[str, tuple[str, ir.Span]] = field(default_factory=dict)  # param → gate, where
    output: str | None = None
    warnings: list = field(default_factory=list)  # SymcountWarnings, from `lint`

    def kind(self, name: str) -> str:
        for kind, table in (
            ("input", self.inputs),
            ("state", self.states),
            ("gate", self.gates),
            ("size symbol", self.symbols),
            ("size symbol", self.sizes),
        ):
            if name in table:
                return kind
        return "parameter"
