"""Stacking: one typed cell and the network options → the network's layers.

The stage between shape inference and counting. It answers "which layers,
how many copies of each, and what shapes does each have": a plain cell is
one group of one layer; a stack of L layers (docs/language.md, "Stacked layers") is layer 1,
reading the input as declared, and layers 2..L, each reading the previous
layer's output (twice as wide with two directions); `--no-bias` leaves the
biases out of every layer. Counting (`counting.counts`) sums parameters over
these groups; a cost stage would walk the same groups, each with the sizes
of its own layer.

When the output's width depends on the input's (a cell that emits
`[x, h']`), every layer reads a wider input than the one before, so no two
layers are alike: an integer L gives one group per layer, a symbolic L one
generic layer k whose sizes are written in k (`Summed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy

from .. import shapes
from ..poly import Poly
from ..resolve.names import Scope
from ..shapes import TypedCell
from ..symbols import size_symbol, to_sympy
from .biases import Printed, biases, cell_without, typed_without

# The input size of a generic layer while the stack's widths are solved: not an
# identifier, so it can never be one of a cell's size symbols.
INPUT_SIZE = "$input"


@dataclass(frozen=True)
class Layout:
    """How a cell is used: alone (`layers` None) or stacked; directions; biases."""

    layers: int | str | None = None  # None: one cell, not a stack (not even of 1 layer)
    bidirectional: bool = False
    bias: bool = True

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1


@dataclass(frozen=True)
class Group:
    """Layers that are alike: their label, how many copies, the typed cell of each."""

    label: str  # "1"; "2", "2..4" or "2..L" for the later layers; "3" for one layer
    copies: Poly  # layers in the group × directions
    typed: TypedCell


@dataclass(frozen=True)
class Summed:
    """Layers 2..L of a stack whose layers widen and whose L is a symbol.

    One generic layer k: its shapes are solved for an input of the
    pseudo-size INPUT_SIZE, and `at` writes any of its sizes at layer k.
    """

    label: str  # "2..L"
    typed: TypedCell  # of the generic layer
    index: sympy.Symbol  # k, a name none of the cell's size symbols has
    width: sympy.Expr  # the input width of layer k
    last: sympy.Symbol  # L
    directions: int

    def at(self, size: Poly) -> sympy.Expr:
        """A size of the generic layer, at layer k."""
        return to_sympy(size).subs(size_symbol(INPUT_SIZE), self.width)


class Layers:
    """The layers of a cell used as `layout` says, in groups of alike layers.

    Raises a located error when the cell cannot be stacked (not one input, or
    an output of unknown size).

    >>> import symcount
    >>> cell = symcount.builtin("gru")
    >>> layers = Layers(cell.scope, cell.shapes, Layout(4, bidirectional=True))
    >>> [(g.label, str(g.copies), str(g.typed.input_sizes["x"])) for g in layers.groups]
    [('1', '2', 'm'), ('2..4', '6', '2*n')]
    """

    def __init__(self, scope: Scope, inferred: TypedCell, layout: Layout):
        self.scope = scope
        self.layout = layout
        self.dropped = () if layout.bias else biases(inferred)  # what --no-bias removes, in order
        self.first = typed_without(inferred, self.dropped)
        if layout.layers is None:
            return
        inputs = list(scope.inputs)
        if len(inputs) != 1 or inferred.output_size is None:
            problem = (
                f"it has {len(inputs)} inputs"
                if len(inputs) != 1
                else "it has no output"
                if scope.output is None
                else f"its output '{scope.output}' is not a vector (a later layer reads a vector)"
            )
            raise scope.cell.source.error(
                f"cannot stack cell '{scope.cell.name}': {problem}; stacking needs exactly one "
                "input and an output of known size",
                scope.cell.name_span,
            )
        self.input = inputs[0]
        self.directions = Poly.const(layout.directions)
        self.upper = self.derive({self.input: self.directions * inferred.output_size})
        # The output of layer 2 has the size of layer 1's exactly when the
        # output does not depend on the input; then every later layer is alike.
        self.widening = self.upper.output_size != inferred.output_size

    def derive(self, input_sizes: dict[str, Poly]) -> TypedCell:
        """The typed cell of a layer that reads inputs of the given sizes: layer 1's
        when they are its own (a cell that reads what it emits), else inferred anew."""
        if input_sizes == self.first.input_sizes:
            return self.first
        return typed_without(shapes.infer(self.scope, input_sizes), self.dropped)

    @cached_property
    def printed(self) -> Printed:
        """The cell's equations and defs as every layer computes them (a stack's layers
        all are the cell), without the biases it leaves out."""
        return cell_without(self.scope.cell, self.dropped, self.first.row_products)

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        """Layer 1 and the later layers, each group with its copies and typed cell."""
        layers = self.layout.layers
        if layers is None:
            return (Group("1", Poly.const(1), self.first),)
        first = Group("1", self.directions, self.first)
        if layers == 1 or (self.widening and isinstance(layers, str)):
            return (first,)  # a symbolic widening stack sums its later layers: `summed`
        if self.widening:
            return (first, *(Group(str(k), self.directions, s) for k, s in self._layer_shapes()))
        if isinstance(layers, int):
            label = "2" if layers == 2 else f"2..{layers}"
            return (first, Group(label, self.directions * Poly.const(layers - 1), self.upper))
        later = self.directions * (Poly.symbol(str(layers)) - Poly.const(1))
        return (first, Group(f"2..{layers}", later, self.upper))

    def _layer_shapes(self):
        """(k, typed cell of layer k) for k = 2..L, each layer reading the one before."""
        typed_k = self.upper
        for k in range(2, self.layout.layers + 1):
            if k > 2:
                width = self.directions * typed_k.output_size
                typed_k = self.derive({self.input: width})
            yield k, typed_k

    @cached_property
    def summed(self) -> Summed | None:
        """The generic later layer of a widening stack of L layers (a symbol), else None."""
        layers = self.layout.layers
        if layers is None or not (self.widening and isinstance(layers, str)):
            return None
        generic = self.derive({self.input: Poly.symbol(INPUT_SIZE)})
        index, width = self._input_width(generic.output_size)
        directions = self.layout.directions
        return Summed(f"2..{layers}", generic, index, width, size_symbol(layers), directions)

    def _input_width(self, output: Poly) -> tuple[sympy.Symbol, sympy.Expr]:
        """The layer index k and the input width of layer k in closed form.

        Sizes only ever add up (concatenation), so the output is a·s + b in the
        input size s, and layer k + 1 reads s_{k+1} = D·(a·s_k + b).
        """
        a = sum(c for m, c in output.terms if m == ((INPUT_SIZE, 1),))
        rest = output - Poly.const(a) * Poly.symbol(INPUT_SIZE)
        assert INPUT_SIZE not in rest.symbols(), f"{output} is not linear in the input size"
        directions = self.layout.directions
        ratio, step = directions * a, directions * to_sympy(rest)
        names = {d.name for d in self.scope.cell.dims} | {str(self.layout.layers)}
        index = size_symbol(next(x for x in ("k", "j", "l", "i", "layer") if x not in names))
        start = to_sympy(self.first.input_sizes[self.input])
        if ratio == 1:
            return index, start + (index - 1) * step
        grown = sympy.Integer(ratio) ** (index - 1)
        return index, grown * start + step * (grown - 1) / (ratio - 1)
