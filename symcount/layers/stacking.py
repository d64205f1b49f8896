"""Stacking: one typed cell and the network options → the network's layers.

The stage between shape inference and counting. It answers "which layers,
how many copies of each, and what shapes does each have": a plain cell is
one group of one layer; a stack of L layers (docs/language.md, "Stacked
layers") is layer 1, reading the input as declared, and layers 2..L, each
reading the previous layer's output (twice as wide with two directions);
`--no-bias` leaves the biases out of every layer. Counting (`counting.counts`)
sums parameters over these groups; a cost stage would walk the same groups,
each with the sizes of its own layer.

A later layer is the cell at its own input width: where the input is written
with a size symbol of its own (`input x : m`), that symbol stands for the
width everywhere (declared shapes, derived sizes: R = ceil(m / 16) is
R_2 = ceil(n / 16) in layer 2). An input written otherwise (`input x : 2*m`)
gets the width only where its symbols size nothing else; else the cell cannot
be stacked, and neither can one with several inputs or a matrix input
(`CannotStack`).

When the output's width depends on the input's (a cell that emits
`[x, h']`), every layer reads a wider input than the one before, so no two
layers are alike: an integer L gives one group per layer, a symbolic L one
generic layer k whose sizes are written in k (`Summed`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property, partial

import sympy

from .. import ir, shapes
from ..errors import Note, SymcountError
from ..poly import Poly
from ..resolve.names import Scope
from ..shapes import TypedCell
from ..shapes.sizes import Check, Derived, dim_text
from ..symbols import size_symbol, to_sympy
from .biases import Printed, biases, cell_without, typed_without

# The input size of a generic layer while the stack's widths are solved: not an
# identifier, so it can never be one of a cell's size symbols.
INPUT_SIZE = "$input"

# A stack whose layers widen is inferred layer by layer: a number of layers past
# this would run for ever (the command-line fuzzer found --layers 10**20); a
# symbolic L gives the closed form instead. A closed form in r**L (each layer r
# times as wide as the one before) is evaluated up to as many layers: past
# them, its value grows by hundreds of digits a layer.
MAX_WIDENING_LAYERS = 1000


class CannotStack(SymcountError):
    """A cell that cannot be stacked (docs/language.md, "Stacked layers"), located at
    what makes it so; on the command line, a usage error of `--layers`."""


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
    ratio: int  # each layer's input is about `ratio` times as wide as the one before's

    def at(self, size: Poly) -> sympy.Expr:
        """A size of the generic layer, at layer k."""
        return to_sympy(size).subs(size_symbol(INPUT_SIZE), self.width)

    def total(self, per_layer: Poly) -> sympy.Expr:
        """A figure of the generic layer (a count, a cost) over layers 2..L and both
        directions, in closed form."""
        at_k = sympy.expand(self.at(per_layer))
        return sympy.expand(self.directions * sympy.summation(at_k, (self.index, 2, self.last)))


class Layers:
    """The layers of a cell used as `layout` says, in groups of alike layers.

    Raises `CannotStack` when the cell cannot be stacked (not one vector input,
    an output of unknown size, an input size whose symbols size other things),
    and the located error of a later layer whose shapes do not work out.

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
        self.summed: Summed | None = None
        # A later layer's own derived size → the cell's, and the layer (R_2 → R, "2").
        self.originals: dict[str, tuple[str, str]] = {}
        if layout.layers is not None:
            self._stack(inferred)
        # Every layer's, so that a later layer that cannot be is an error here.
        self.derived = self._derived()

    def _stack(self, inferred: TypedCell) -> None:
        """The later layers' input and first typed cell, and whether they widen."""
        scope, layout = self.scope, self.layout
        self.input = _the_input(scope, inferred)
        written = scope.inputs[self.input].dims[0]
        # `input x : m`: a later layer is the cell with m at its own input width.
        own = isinstance(written, ir.DimName) and written.name in scope.symbols
        self.symbol = written.name if own else None
        self.directions = Poly.const(layout.directions)
        later = layout.layers != 1
        self.upper = self.derive(self.directions * inferred.output_size, "2") if later else self.first
        # The output of layer 2 has the size of layer 1's exactly when the
        # output does not depend on the input; then every later layer is alike.
        self.widening = self.upper.output_size != self.first.output_size
        if self.widening and isinstance(layout.layers, str):
            self.summed = self._summed()
        elif self.widening and layout.layers > MAX_WIDENING_LAYERS:
            raise _cannot(
                scope,
                f"its layers widen (each reads a wider input than the one before), so it is "
                f"counted layer by layer, up to {MAX_WIDENING_LAYERS:,} layers, not "
                f"{layout.layers:,}; give the number of layers as a symbol (--layers L) for its "
                "closed form",
                scope.cell.name_span,
            )

    @property
    def stacked(self) -> bool:
        """Whether its parameters are reported per layer group (a stack's are)."""
        return self.layout.layers is not None

    def derive(self, width: Poly, label: str) -> TypedCell:
        """The typed cell of layer `label`, which reads an input of size `width`:
        layer 1's when that is layer 1's input size (a cell that reads what it
        emits), else inferred anew at that width."""
        if width == self.first.input_sizes[self.input]:
            return self.first
        if self.symbol is None:
            self._check_alone(width)
        try:
            if self.symbol is None:
                typed = shapes.infer(self.scope, {self.input: width})
            else:
                rename = partial(self._fresh, label=label)
                typed = shapes.infer(self.scope, given={self.symbol: width}, rename=rename)
        except SymcountError as e:
            raise self._in_layer(e, label, width) from None
        return typed_without(typed, self.dropped)

    def _fresh(self, name: str, label: str) -> str:
        """The name in layer `label` of the derived size `name` that reads the
        input's size: `R_2`, a name the cell does not have."""
        scope = self.scope
        taken = {*scope.symbols, *scope.sizes, *scope.inputs, *scope.states, *scope.gates}
        taken |= {*scope.params, *scope.functions, str(self.layout.layers)}
        base = f"{name}_{label}"
        candidates = itertools.chain([base], (f"{base}_{i}" for i in itertools.count(2)))
        fresh = next(c for c in candidates if c not in taken)
        self.originals[fresh] = (name, label)
        return fresh

    def _check_alone(self, width: Poly) -> None:
        """An input written without a size symbol of its own (`input x : 2*m`) is
        given a later layer's width as its size alone, which is sound only when
        its symbols size nothing else: else what m is in that layer is not defined."""
        decl = self.scope.inputs[self.input]
        read = _reads(decl.dims[0], self.scope)
        use = _used_elsewhere(self.scope, read, decl)
        if use is None:
            return
        name, span = use
        source = self.scope.cell.source
        raise _cannot(
            self.scope,
            f"its input '{self.input}' has size {dim_text(decl.dims[0])}, not a size symbol of its "
            f"own, and '{name}' also sizes '{source.snippet(span)}' (line {span.line}), so what "
            f"'{name}' stands for in a later layer, which reads an input of size {width}, is not "
            f"defined; give the input a size symbol of its own (`input {self.input} : M`, M in the "
            "header) and define the sizes read from it with `size`",
            decl.span,
        )

    def _in_layer(self, error: SymcountError, label: str, width: Poly) -> SymcountError:
        """An error in a later layer's shapes, with a note saying which layer."""
        if isinstance(error, CannotStack):
            return error
        if label == "k":
            where = "in a later layer of the stack, which reads the output of the layer before"
        else:
            where = (
                f"in layer {label} of the stack, which reads the output of layer {int(label) - 1}: "
                f"input '{self.input}' has size {width} there"
            )
        note = Note(where, self.scope.cell.source.location(self.scope.cell.name_span))
        return type(error)(error.message, error.location, (*error.notes, note))

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

    def _derived(self) -> Derived:
        """The derived sizes of every layer, layer 1's first (R; then R_2 = ceil(n / 16)
        of the layers after it), and the sizes to check positive with them."""
        typed = [group.typed for group in self.groups]
        if self.summed is not None:
            typed.append(self.summed.typed)
        definitions: dict[str, ir.Dim] = {}
        checks = {}
        if self.summed is not None and self.summed.ratio > 1:
            checks[Poly.symbol(str(self.layout.layers))] = self._depth_check()
        for layer in typed:
            definitions.update(layer.derived)
            for check in layer.checks:
                # Layer k of a widening stack of L layers: a size in k, not checked.
                if INPUT_SIZE not in check.size.symbols():
                    checks.setdefault(check.size, check)
        origins = {
            fresh: f"{name} in layer {label}"
            for fresh, (name, label) in self.originals.items()
            if fresh in definitions
        }
        return Derived(definitions, checks.values(), origins)

    def _depth_check(self) -> Check:
        """A count in r**L (each layer r times wider than the one before) is worked
        out for at most MAX_WIDENING_LAYERS layers: past that its value has
        thousands of digits more per layer, and never comes."""
        layers, ratio = str(self.layout.layers), self.summed.ratio
        what = (
            f"the number of layers {layers} (each layer reads an input {ratio} times as wide "
            f"as the one before, so the count grows as {ratio}**{layers})"
        )
        return Check(Poly.symbol(layers), what, layers, self.scope.cell.name_span, MAX_WIDENING_LAYERS)

    def _layer_shapes(self):
        """(k, typed cell of layer k) for k = 2..L, each layer reading the one before."""
        typed_k = self.upper
        for k in range(2, self.layout.layers + 1):
            if k > 2:
                width = self.directions * typed_k.output_size
                typed_k = self.derive(width, str(k))
            yield k, typed_k

    def _summed(self) -> Summed:
        """The generic later layer of a widening stack of L layers (a symbol)."""
        layers = self.layout.layers
        generic = self.derive(Poly.symbol(INPUT_SIZE), "k")
        grown = next((name for name in generic.derived if name in self.originals), None)
        if grown is not None:
            original = self.scope.sizes[self.originals[grown][0]]
            raise _cannot(
                self.scope,
                f"its layers widen (each reads the output of the one before, which grows with "
                f"its input), and size {original.name} = {dim_text(original.definition)} reads the "
                f"input's size, so the count of {layers} layers has no closed form; give the "
                "number of layers as a number (--layers 3)",
                original.span,
            )
        index, width, ratio = self._input_width(generic.output_size)
        directions = self.layout.directions
        return Summed(f"2..{layers}", generic, index, width, size_symbol(layers), directions, ratio)

    def _input_width(self, output: Poly) -> tuple[sympy.Symbol, sympy.Expr, int]:
        """The layer index k, the input width of layer k in closed form, and the
        ratio D·a of one layer's input width to the one before's.

        The output is a·s + b in the input size s (else there is no closed
        form), and layer k + 1 reads s_{k+1} = D·(a·s_k + b).
        """
        a = sum(c for m, c in output.terms if m == ((INPUT_SIZE, 1),))
        rest = output - Poly.const(a) * Poly.symbol(INPUT_SIZE)
        if INPUT_SIZE in rest.symbols():
            raise _cannot(
                self.scope,
                f"the size of its output '{self.scope.output}' is not a·s + b in the size s of "
                f"its input, so the count of {self.layout.layers} layers has no closed form; "
                "give the number of layers as a number (--layers 3)",
                self.scope.cell.name_span,
            )
        directions = self.layout.directions
        ratio, step = directions * a, directions * to_sympy(rest)
        names = {d.name for d in self.scope.cell.dims} | {str(self.layout.layers)}
        index = size_symbol(next(x for x in ("k", "j", "l", "i", "layer") if x not in names))
        start = to_sympy(self.first.input_sizes[self.input])
        if ratio == 1:
            return index, start + (index - 1) * step, ratio
        grown = sympy.Integer(ratio) ** (index - 1)
        return index, grown * start + step * (grown - 1) / (ratio - 1), ratio


def _cannot(scope: Scope, problem: str, span: ir.Span) -> CannotStack:
    location = scope.cell.source.location(span)
    return CannotStack(f"cannot stack cell '{scope.cell.name}': {problem}", location)


def _the_input(scope: Scope, inferred: TypedCell) -> str:
    """The one input a layer reads, a vector, when the output is one too (else CannotStack)."""
    inputs = list(scope.inputs)
    if len(inputs) != 1:
        problem = "it has no input" if not inputs else f"it has {len(inputs)} inputs ({', '.join(inputs)})"
        raise _cannot(
            scope,
            f"{problem}; a layer of a stack reads one input, the output of the layer before",
            scope.cell.name_span,
        )
    decl = scope.inputs[inputs[0]]
    if len(decl.dims) != 1:
        sizes = ", ".join(dim_text(d) for d in decl.dims)
        kind = "a scalar" if not decl.dims else f"a {'matrix' if len(decl.dims) == 2 else 'tensor'} ({sizes})"
        raise _cannot(
            scope,
            f"its input '{decl.name}' is {kind}, but a later layer reads the output of the layer "
            "before, a vector",
            decl.span,
        )
    if inferred.output_size is None:
        problem = (
            "it has no output"
            if scope.output is None
            else f"its output '{scope.output}' is not a vector (a later layer reads it as its input)"
        )
        raise _cannot(scope, f"{problem}; stacking needs an output of known size", scope.cell.name_span)
    return decl.name


def _reads(dim: ir.Dim, scope: Scope) -> set[str]:
    """The size symbols `dim` reads, and the derived sizes it reads with theirs."""
    read: set[str] = set()
    stack = [dim]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.DimName) and node.name not in read:
            read.add(node.name)
            definition = scope.sizes[node.name].definition if node.name in scope.sizes else None
            if definition is not None:
                stack.append(definition)
        stack.extend(ir.children(node))
    return read


def _used_elsewhere(scope: Scope, names: set[str], decl: ir.Input) -> tuple[str, ir.Span] | None:
    """The first of `names` written anywhere but in the input `decl` and the sizes it
    reads (a declaration, a size definition, a slice, a size argument), and where."""
    dims = [(d, state.span) for state in scope.states.values() for d in state.dims]
    dims += [(d, param.span) for param in scope.declared.values() for d in param.dims]
    dims += [
        (size.definition, size.span)
        for size in scope.sizes.values()
        if size.definition is not None and size.name not in names
    ]
    for eq in scope.equations:
        for node in ir.walk(eq.expr):
            if isinstance(node, ir.Name) and node.name in names:
                return node.name, node.span
            if isinstance(node, ir.Slice):
                dims += [(node.start, node.span), (node.stop, node.span)]
    for dim, span in dims:
        used = sorted(names & _reads(dim, scope))
        if used:
            return used[0], span
    return None
