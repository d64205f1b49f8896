"""What shape inference gives: every parameter's shape, the inputs' sizes, the output's."""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir
from ..poly import Poly

# The gate of a declared parameter that no equation uses.
UNUSED = "(unused)"


@dataclass(frozen=True)
class ParamShape:
    name: str
    kind: ir.Kind
    shape: tuple[Poly, ...]  # (rows, cols), (size,), (size,), (), (blocks, rows, cols), (...)
    gate: str  # the equation that first uses it: "i", or "c'" for a state update
    span: ir.Span  # its declaration, else its first use
    field: str = "real"
    frozen: bool = False


@dataclass(frozen=True)
class Shapes:
    params: tuple[ParamShape, ...]
    input_sizes: dict[str, Poly]
    output_size: Poly | None  # None unless the output is a vector of known size
    # Where `a @ B` reads aᵀB (a row vector per leading entry: `w @ x` with `param w : e`,
    # `heads(q, H) @ C`, a dot product): the paper notation writes the transpose.
    row_products: frozenset[ir.Span] = frozenset()
