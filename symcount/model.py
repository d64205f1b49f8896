"""The public result objects: `Cell` and `Param`, built from the pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy

from . import count, ir
from .names import Scope
from .poly import Poly
from .shapes import ParamShape, Shapes


@dataclass(frozen=True)
class Param:
    """One trainable parameter: its shape and count in the cell's size symbols.

    >>> import symcount
    >>> symcount.builtin("lstm").params[0]
    Param(name='W_i', kind='matrix', shape=(n, m), count=m*n, gate='i')
    """

    name: str
    kind: str  # "matrix", "vector", "diag" or "scalar"
    shape: tuple[sympy.Expr, ...]  # (rows, cols); (size,) for vector and diag; () for scalar
    count: sympy.Expr
    gate: str  # the equation that first uses it ("c'" for the update of state c)


class Cell:
    """A derived cell: its closed-form parameter count and breakdowns.

    >>> import symcount
    >>> cell = symcount.builtin("lstm")
    >>> cell.name, cell.dims
    ('lstm', (m, n))
    >>> cell.count
    4*m*n + 4*n**2 + 4*n
    >>> cell.factored
    4*n*(m + n + 1)
    >>> cell.evaluate(m=3, n=2)
    48
    """

    def __init__(self, ir_cell: ir.Cell, scope: Scope, shapes: Shapes):
        self.ir = ir_cell
        self.scope = scope
        self.shapes = shapes
        self.name: str = ir_cell.name
        self.description: str = ir_cell.description
        self.source: str = ir_cell.source.filename
        self.dims: tuple[sympy.Symbol, ...] = tuple(count.size_symbol(d.name) for d in ir_cell.dims)

    def __repr__(self) -> str:
        return f"<Cell {self.name}({', '.join(map(str, self.dims))}): {self.count}>"

    @cached_property
    def total(self) -> Poly:
        """The count as an exact integer polynomial (fast to evaluate)."""
        return count.total(p.count for p in self.shapes.params)

    @cached_property
    def count(self) -> sympy.Expr:
        """The total number of trainable parameters, expanded."""
        return count.to_sympy(self.total)

    @cached_property
    def factored(self) -> sympy.Expr:
        return count.factored(self.count)

    @cached_property
    def params(self) -> tuple[Param, ...]:
        return tuple(_param(p) for p in self.shapes.params)

    @cached_property
    def gates(self) -> dict[str, sympy.Expr]:
        """Per-gate counts: each parameter counted in the equation that first uses it."""
        per_gate: dict[str, Poly] = {}
        for p in self.shapes.params:
            per_gate[p.gate] = per_gate.get(p.gate, Poly(())) + p.count
        return {gate: count.to_sympy(poly) for gate, poly in per_gate.items()}

    @property
    def output_size(self) -> sympy.Expr | None:
        size = self.shapes.output_size
        return None if size is None else count.to_sympy(size)

    def evaluate(self, **sizes: int) -> int:
        """The count at concrete sizes; every size symbol must be given.

        >>> import symcount
        >>> symcount.builtin("lstm").evaluate(m=25, n=100)
        50400
        """
        return evaluate_poly(self.total, [d.name for d in self.ir.dims], sizes)


def evaluate_poly(poly: Poly, names: list[str], sizes: dict[str, int]) -> int:
    missing = [n for n in names if n not in sizes]
    unknown = [k for k in sizes if k not in names]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if unknown:
            problems.append("unknown " + ", ".join(unknown))
        raise ValueError(f"sizes must be exactly {', '.join(names)}: {'; '.join(problems)}")
    for key, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"size {key} must be a positive integer, got {value!r}")
    return poly.evaluate(sizes)


def _param(p: ParamShape) -> Param:
    shape = tuple(count.to_sympy(s) for s in p.shape)
    return Param(p.name, p.kind, shape, count.to_sympy(p.count), p.gate)
