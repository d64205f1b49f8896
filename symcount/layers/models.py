"""Models: cells and blocks composed into a network (docs/language.md, "Models").

The stage beside stacking: a `model` (`ir.ModelDef`) → `ModelLayers`, the
groups that counting and costing walk, one per component, each with its
copies and its typed cell at the component's sizes. What connects the
components is checked here: every component reads a vector as wide as its
input (`reads`, by default the component before), a repeated layer's later
copies too, a residual layer emits what it reads, a tied output has its
embedding's shape.

Components that are not cells (an embedding, a linear map, a norm) are cells
written in the language (`PARTS`), so every later stage reads them as any
cell: their parameters are named as PyTorch names them (`weight`, `bias`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property

from .. import ir, shapes, syntax
from ..document import Document
from ..errors import Note, SymcountError, suggest
from ..poly import Poly
from ..resolve.names import Scope, resolve
from ..shapes import TypedCell
from ..shapes.sizes import (
    Check,
    Derived,
    SizePrinter,
    SizeProblem,
    dim_text,
    never_positive,
    polynomial,
    positive,
)
from ..shapes.unify import nonnegative
from ..sources import builtin_names
from .biases import biases, typed_without
from .stacking import Group, Layout

# The cells of the components that are not cells. An embedding's lookup
# multiplies nothing: its cell passes the row it looks up through, and declares
# the table it looks it up in (counted, as every declared parameter is).
PARTS = {
    "embedding": """cell embedding(rows, width)
    input row : width
    param weight : (rows, width)
    output y
    y = row
end
""",
    "linear": """cell linear(rows, cols)
    input x : cols
    param weight : (rows, cols)
    {bias}output y
    y = weight @ x{plus}
end
""",
}
NORMS = ("layernorm", "rmsnorm", "batchnorm")
# A norm with its gain (and bias): nn.LayerNorm, nn.RMSNorm, nn.BatchNorm1d.
PARTS.update({
    norm: f"""cell {norm}(size)
    input x : size
    param weight : size
    {{bias}}output y
    y = weight * {norm}(x){{plus}}
end
"""
    for norm in NORMS
})
# Sizes in a component's description as the language writes them (`2*n`), as `fmt` does.
_WRITTEN = SizePrinter()
# What a component reads when it says nothing: the output of the one before.
PREVIOUS = "previous"


@cache
def part_scope(kind: str, bias: bool) -> Scope:
    """The resolved cell of a component that is not a cell (made once per process)."""
    text = PARTS[kind].format(
        bias="param bias : {} bias\n    ".format("rows" if kind == "linear" else "size") if bias else "",
        plus=" + bias" if bias else "",
    )
    [cell] = syntax.parse(Document(f"<{kind}>", text))
    return resolve(cell)


@dataclass(frozen=True, eq=False)
class Part:
    """One component of a model, at the model's sizes."""

    component: ir.Component
    label: str  # its name; an unnamed layer's `layer2` (the second component that is a layer)
    what: str  # the cell and its arguments, as written: "torch.lstm(e, n)", "(V, e) + bias"
    scope: Scope
    typed: TypedCell  # at the component's sizes, without what --no-bias or a tie leaves out
    repeat: Poly  # `* K`: copies, each reading the one before
    directions: int
    emits: Poly | None  # the width of its output (both directions); None: not a vector
    tied: str | None = None  # the embedding whose weight it shares
    dropped: tuple[str, ...] = ()  # the biases --no-bias left out

    @property
    def kind(self) -> str:
        return self.component.kind

    @property
    def copies(self) -> Poly:
        return self.repeat * Poly.const(self.directions)

    @property
    def inputs(self) -> list[str]:
        return list(self.scope.inputs)


class ModelLayers:
    """A model's components as the groups counting and costing walk.

    `find(name)` gives the resolved cell or block a layer names (the file's own,
    else a built-in), or None. Raises a located `SymcountError` for a component
    that cannot be: an unknown cell, wrong sizes, a width that does not fit what
    it reads (with a note at what it reads).
    """

    stacked = True  # its parameters are reported per component, as a stack's per layer
    summed = None  # no component is a stack of widening layers

    def __init__(self, model: ir.ModelDef, find: Callable[[str], Scope | None], layout: Layout):
        self.model = model
        self.layout = layout
        self.source = model.source
        self.symbols = {d.name for d in model.dims}
        self._find = find
        self._checks: list[Check] = []
        if not model.components:
            raise self.source.error(
                f"model '{model.name}' has no components (a model holds at least one `embedding`, "
                "`layer`, `linear`, `norm` or `output`)",
                model.name_span,
            )
        self.inputs = {i.name: self._size(i.dim, i.name) for i in model.inputs}
        self._names = self._check_names()
        self.parts = tuple(self._parts())
        self.by_name = {p.label: p for p in self.parts} | {
            p.component.name: p for p in self.parts if p.component.name
        }
        self._read: set[str] = set()  # the inputs something reads
        self._connect()
        self.derived = self._derived()
        self.warnings = tuple(self._warnings())

    def _warnings(self):
        """Legal slips (docs/errors.md, "Warnings"): an input nothing reads, a size
        symbol no size uses."""
        for decl in self.model.inputs:
            if decl.name not in self._read:
                yield self.source.warning(f"input '{decl.name}' is never read (no component reads it)", decl.name_span)
        dims = [i.dim for i in self.model.inputs]
        dims += [d for c in self.model.components for d in (*c.args, *([c.repeat] if c.repeat else []))]
        used = {node.name for dim in dims for node in ir.walk(dim) if isinstance(node, ir.DimName)}
        for symbol in self.model.dims:
            if symbol.name not in used:
                yield self.source.warning(f"size symbol '{symbol.name}' is not used by any size", symbol.span)

    # ---- names ----

    def _check_names(self) -> dict[str, ir.Span]:
        """Every name a model defines once: size symbols, inputs, components."""
        seen: dict[str, tuple[str, ir.Span]] = {}
        named = [("size symbol", d.name, d.span) for d in self.model.dims]
        named += [("input", i.name, i.name_span) for i in self.model.inputs]
        named += [("component", c.name, c.name_span) for c in self.model.components if c.name]
        for what, name, span in named:
            if name in seen:
                first, at = seen[name]
                raise self.source.error(
                    f"'{name}' is already the model's {first}; each name in a model names one thing",
                    span,
                    (f"'{name}' first defined here", at),
                )
            if name == PREVIOUS or "." in name:
                why = "is the component before" if name == PREVIOUS else "has a dot (cells' names do)"
                raise self.source.error(f"a {what} cannot be called '{name}': it {why}", span)
            seen[name] = (what, span)
        return {name: span for name, (_, span) in seen.items()}

    def _size(self, dim: ir.Dim, owner: str) -> Poly:
        """A size of the model, positive: a polynomial in the model's own size symbols."""
        size = self._polynomial(dim, "a model's sizes are")
        if never_positive(size):
            raise self.source.error(f"{dim_text(dim)} is {size}, which is never positive", dim.span)
        if not positive(size):
            self._checks.append(Check(size, f"size {dim_text(dim)} (of {owner})", str(size), dim.span))
        return size

    def _polynomial(self, dim: ir.Dim, what: str) -> Poly:
        """A size or a number of copies as written in a model: a polynomial in its size
        symbols (no division, ceil or floor), of bounded degree as every size is."""
        for node in ir.walk(dim):
            if isinstance(node, (ir.DimQuotient, ir.DimCall)):
                raise self.source.error(
                    f"{what} polynomials in its size symbols (no division, ceil or floor); define "
                    "sizes that need them in the cell",
                    node.span,
                )
            if isinstance(node, ir.DimName) and node.name not in self.symbols:
                raise self.source.error(
                    f"'{node.name}' is not a size symbol of model '{self.model.name}' (its sizes: "
                    f"{', '.join(d.name for d in self.model.dims) or 'none'}; add it to the header)"
                    + suggest(node.name, sorted(self.symbols)),
                    node.span,
                )
        try:
            return polynomial(dim)
        except SizeProblem as e:  # a degree or a length past the bounds of every size
            raise self.source.error(str(e), e.span) from None

    # ---- components ----

    def _parts(self) -> Iterator[Part]:
        layers = 0
        outputs = [c for c in self.model.components if c.kind == "output"]
        if len(outputs) > 1:
            raise self.source.error(
                f"model '{self.model.name}' has a second output '{outputs[1].name}'; a model emits "
                "one output (write the others as `linear`)",
                outputs[1].span,
                ("the first output", outputs[0].span),
            )
        for component in self.model.components:
            if component.kind == "layer":
                layers += 1
                yield self._layer(component, component.name or f"layer{layers}")
            elif component.kind == "norm":
                yield self._norm(component)
            else:
                yield self._affine(component)

    def _layer(self, component: ir.Component, label: str) -> Part:
        scope = self._cell(component)
        dims = scope.cell.dims
        if len(component.args) != len(dims):
            raise self.source.error(
                f"{scope.cell.kind} '{component.cell}' takes {len(dims)} size"
                f"{'s' if len(dims) != 1 else ''} ({', '.join(d.name for d in dims)}), "
                f"given {len(component.args)}",
                component.cell_span,
            )
        given = {d.name: self._size(a, f"'{label}'") for d, a in zip(dims, component.args, strict=True)}
        typed = self._infer(scope, given, label, component)
        for name, decl in scope.inputs.items():
            if len(decl.dims) != 1:
                raise self.source.error(
                    f"{scope.cell.kind} '{component.cell}' cannot be a layer: its input '{name}' is not "
                    "a vector, and a model's components pass vectors",
                    component.cell_span,
                )
        repeat = Poly.const(1)
        if component.repeat is not None:
            repeat = self._repeat(component.repeat, label)
        directions = 2 if component.bidirectional else 1
        output = typed.output_size
        emits = None if output is None else Poly.const(directions) * output
        if component.residual:
            emits = self._residual(component, scope, typed, emits)
        args = ", ".join(_WRITTEN.visit(a) for a in component.args)
        typed, dropped = self._without_biases(typed)
        return Part(component, label, f"{component.cell}({args})", scope, typed, repeat, directions, emits,
                    dropped=dropped)

    def _cell(self, component: ir.Component) -> Scope:
        found = self._find(component.cell)
        if isinstance(found, str):  # the name of something that cannot be a component
            raise self.source.error(
                f"'{component.cell}' is a {found}; a layer is a cell or a block", component.cell_span
            )
        if found is None:
            raise self.source.error(
                f"no cell or block named '{component.cell}' in this file or among the built-ins"
                + suggest(component.cell, builtin_names()),
                component.cell_span,
            )
        return found

    def _infer(self, scope: Scope, given: dict[str, Poly], label: str, component: ir.Component) -> TypedCell:
        """The cell at the component's sizes; an error in it gains a note at the component."""
        try:
            return shapes.infer(scope, given=given, rename=lambda name: f"{name}_{label}")
        except SymcountError as e:
            note = Note(f"in component '{label}' of model '{self.model.name}'", self.source.location(component.span))
            raise type(e)(e.message, e.location, (*e.notes, note)) from None

    def _repeat(self, dim: ir.Dim, label: str) -> Poly:
        """`* K`: copies, K ≥ 0 (`* (L - 2)` is no copy at L = 2)."""
        size = self._polynomial(dim, "a model's numbers of copies are")
        if not size.symbols() and size.terms and size.terms[0][1] < 0:
            raise self.source.error(f"{dim_text(dim)} copies: a number of copies is at least 0", dim.span)
        if not nonnegative(size):
            what = f"the copies of '{label}', {dim_text(dim)}"
            self._checks.append(Check(size, what, f"{label} copies", dim.span, least=0))
        return size

    def _residual(self, component: ir.Component, scope: Scope, typed: TypedCell, emits: Poly | None) -> Poly:
        """A residual layer adds its input to its output: the two are as wide."""
        [name] = _one_input(scope, component, self.source, "a residual layer adds its input to its output")
        width = typed.input_sizes[name]
        if emits != width:
            raise self.source.error(
                f"residual layer '{component.name or component.cell}' adds its input ({width}) to its "
                f"output ({emits if emits is not None else 'not a vector'}), which must be as wide",
                component.span,
            )
        return width

    def _affine(self, component: ir.Component) -> Part:
        """An embedding, a linear map or the output: a (rows, cols) table or matrix."""
        rows, cols = (self._size(a, f"'{component.name}'") for a in component.args)
        kind = "embedding" if component.kind == "embedding" else "linear"
        scope = part_scope(kind, component.bias)
        given = {"rows": rows, "cols": cols} if kind == "linear" else {"rows": rows, "width": cols}
        typed = self._infer(scope, given, component.name, component)
        if kind == "embedding":  # its table is read by the lookup, which no equation writes
            params = tuple(dataclasses.replace(p, gate="lookup") for p in typed.params)
            typed = dataclasses.replace(typed, params=params)
        shape = f"({_WRITTEN.visit(component.args[0])}, {_WRITTEN.visit(component.args[1])})"
        what = shape + (" + bias" if component.bias and self.layout.bias else "")
        tied = None
        if component.tied is not None:
            tied = self._tie(component, rows, cols)
            typed = typed_without(typed, ("weight",))
            what += f" tied {component.tied}"
        typed, dropped = self._without_biases(typed)
        emits = cols if kind == "embedding" else rows
        return Part(component, component.name, what, scope, typed, Poly.const(1), 1, emits, tied, dropped)

    def _tie(self, component: ir.Component, rows: Poly, cols: Poly) -> str:
        """`tied E`: the weight is embedding E's table, as `decoder.weight = encoder.weight`
        shares it in PyTorch: the same shape, counted once (in E)."""
        target = next((c for c in self.model.components if c.name == component.tied), None)
        if target is None or target.kind != "embedding":
            what = f"no embedding of model '{self.model.name}'" if target is None else f"a {target.kind}, not an embedding"
            embeddings = [c.name for c in self.model.components if c.kind == "embedding"]
            notes = [] if target is None else [(f"'{target.name}' is defined here", target.name_span)]
            raise self.source.error(
                f"'{component.tied}' is {what}; a weight is tied to an embedding"
                + suggest(component.tied, embeddings),
                component.tied_span,
                *notes,
            )
        shape = tuple(polynomial(a) for a in target.args)
        if shape != (rows, cols):
            raise self.source.error(
                f"'{component.name}' is tied to embedding '{target.name}', whose table is "
                f"({shape[0]}, {shape[1]}), but its weight is ({rows}, {cols}); a tied weight is the "
                "same matrix",
                component.span,
                (f"embedding '{target.name}' is ({shape[0]}, {shape[1]})", target.span),
            )
        return target.name

    def _norm(self, component: ir.Component) -> Part:
        if component.cell not in NORMS:
            raise self.source.error(
                f"unknown norm '{component.cell}' (norms: {', '.join(NORMS)}; any other is a block)"
                + suggest(component.cell, list(NORMS)),
                component.cell_span,
            )
        [dim] = component.args
        size = self._size(dim, f"'{component.name}'")
        scope = part_scope(component.cell, component.bias)
        typed = self._infer(scope, {"size": size}, component.name, component)
        typed, dropped = self._without_biases(typed)
        what = f"{component.cell}({_WRITTEN.visit(dim)})" + (" + bias" if component.bias and self.layout.bias else "")
        return Part(component, component.name, what, scope, typed, Poly.const(1), 1, size, dropped=dropped)

    def _without_biases(self, typed: TypedCell) -> tuple[TypedCell, tuple[str, ...]]:
        """--no-bias: every component without its biases (docs/language.md, "Without biases")."""
        if self.layout.bias:
            return typed, ()
        dropped = biases(typed)
        return typed_without(typed, dropped), dropped

    # ---- what each component reads ----

    def _connect(self) -> None:
        """Each component's inputs against what they read (docs/language.md, "Models")."""
        previous: Poly | None = None
        before: ir.Span | None = None
        first: str | None = None  # the input the first component reads by default
        if len(self.model.inputs) == 1:
            [decl] = self.model.inputs
            previous, before, first = self.inputs[decl.name], decl.span, decl.name
        for index, part in enumerate(self.parts):
            if part.kind != "embedding":
                for name, binding in self._bindings(part):
                    if _reads_previous(binding):
                        if first is not None:
                            self._read.add(first)
                        if previous is None:
                            self._no_previous(part, index, binding)
                    self._check_read(part, name, binding, previous, before)
            previous, before, first = part.emits, part.component.span, None

    def _no_previous(self, part: Part, index: int, binding: ir.Binding | None) -> None:
        """A component that reads the one before where that is no vector: the first of a
        model of several inputs (which one?), or one after a layer whose output is none.
        The first of a model without `input` reads what its cell declares, unchecked."""
        span = binding.span if binding is not None else part.component.span
        names = [i.name for i in self.model.inputs]
        if index == 0 and len(names) > 1:
            raise self.source.error(
                f"'{part.label}' reads the component before, but it comes first in a model of "
                f"{len(names)} inputs ({', '.join(names)}); say which it reads: `reads {names[0]}`",
                span,
            )
        if index > 0:
            before = self.parts[index - 1]
            raise self.source.error(
                f"'{part.label}' reads the component before, '{before.label}', which emits no vector "
                f"(the output of {before.scope.cell.kind} '{before.component.cell}' is not one)",
                span,
                ("the component before", before.component.span),
            )

    def _bindings(self, part: Part) -> list[tuple[str, ir.Binding | None]]:
        """(input, what it reads) for each input of the component; None: the one before."""
        component, inputs = part.component, part.inputs
        reads = component.reads
        if not reads or reads[0].input is None:
            why = "say what each reads: `reads " + ", ".join(f"{i} = ..." for i in inputs) + "`"
            [name] = _one_input(part.scope, component, self.source, why)
            return [(name, reads[0] if reads else None)]
        bound: dict[str, ir.Binding] = {}
        for binding in reads:
            if binding.input not in inputs:
                raise self.source.error(
                    f"{part.scope.cell.kind} '{component.cell}' has no input '{binding.input}' "
                    f"(its inputs: {', '.join(inputs)})" + suggest(binding.input, inputs),
                    binding.span,
                )
            if binding.input in bound:
                raise self.source.error(
                    f"input '{binding.input}' is bound twice", binding.span,
                    ("first bound here", bound[binding.input].span),
                )
            bound[binding.input] = binding
        missing = [i for i in inputs if i not in bound]
        if missing:
            raise self.source.error(
                f"what input{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} of "
                f"'{component.cell}' read{'s' if len(missing) == 1 else ''} is not said "
                f"(add `{missing[0]} = SOURCE` to `reads`)",
                component.span,
            )
        return [(name, bound[name]) for name in inputs]

    def _check_read(
        self, part: Part, name: str, binding: ir.Binding | None, previous: Poly | None, before: ir.Span | None
    ) -> None:
        """The width `name` reads equals its size; for a repeated layer, in every copy."""
        needed = part.typed.input_sizes[name]
        source = binding.source if binding is not None else None
        width, at = self._width(source, previous, before, part)
        if width is not None and width != needed:
            raise self._mismatch(part, name, needed, width, at, binding)
        if part.repeat != Poly.const(1) and part.emits is not None:
            again, at = self._width(source, part.emits, part.component.span, part)
            if again is not None and again != needed:
                raise self.source.error(
                    f"the copies of '{part.label}' after the first read {again} (each reads the copy "
                    f"before, which emits {part.emits}), but its input '{name}' is {needed}; write the "
                    "first copy as a layer of its own",
                    part.component.span,
                )

    def _mismatch(self, part: Part, name: str, needed: Poly, width: Poly, at, binding) -> SymcountError:
        what = {"layer": f"its input '{name}'", "norm": "its size"}.get(part.kind, "its weight's columns")
        notes = [(text, span) for text, span in at]
        span = binding.span if binding is not None else part.component.span
        return self.source.error(
            f"'{part.label}' reads {width}, but {what} is {needed}", span, *notes
        )

    def _width(
        self, source: ir.Source | None, previous: Poly | None, before: ir.Span | None, part: Part
    ) -> tuple[Poly | None, list[tuple[str, ir.Span]]]:
        """The width of what `source` reads (None: not known, the first component of a
        model without an input) and the places that make it, for notes."""
        if source is None or isinstance(source, ir.SourceName) and source.name == PREVIOUS:
            if previous is None:
                return None, []
            return previous, [] if before is None else [(f"what it reads, {previous} wide", before)]
        if isinstance(source, ir.SourceConcat):
            total, notes = Poly(()), []
            for piece in source.parts:
                width, at = self._width(piece, previous, before, part)
                if width is None:
                    return None, []
                total, notes = total + width, notes + at
            return total, notes
        name = source.name
        span = source.name_span if isinstance(source, ir.SourceAll) else source.span
        if name in self.inputs:
            self._read.add(name)
            decl = next(i for i in self.model.inputs if i.name == name)
            return self.inputs[name], [(f"input '{name}' is {self.inputs[name]}", decl.span)]
        read = self.by_name.get(name)
        if read is None:
            known = [*self.inputs, *(c.name for c in self.model.components if c.name), PREVIOUS]
            raise self.source.error(
                f"'{name}' is no input or component of model '{self.model.name}'" + suggest(name, known),
                span,
            )
        if read.emits is None:
            raise self.source.error(
                f"'{name}' emits no vector (the output of {read.scope.cell.kind} '{read.component.cell}' "
                "is not one)",
                span,
                ("defined here", read.component.span),
            )
        if isinstance(source, ir.SourceAll):
            if read.kind != "layer":
                raise self.source.error(f"all({name}): '{name}' is {_a(read.kind)}, not a repeated layer", span)
            return read.repeat * read.emits, [(f"each copy of '{name}' emits {read.emits}", read.component.span)]
        return read.emits, [(f"'{name}' emits {read.emits}", read.component.span)]

    # ---- what counting and costing walk ----

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        return tuple(Group(p.label, p.copies, p.typed) for p in self.parts)

    def _derived(self) -> Derived:
        """The derived sizes of every component (R_layer2 = ceil(n / 16)), and the sizes
        to check at given sizes: arguments, copies, the components' own."""
        definitions: dict[str, ir.Dim] = {}
        checks = {check.key: check for check in self._checks}
        origins = {}
        for part in self.parts:
            for name, dim in part.typed.derived.items():
                definitions[name] = dim
                original = name.removesuffix(f"_{part.label}")
                if original != name:
                    origins[name] = f"{original} in '{part.label}'"
            for check in part.typed.checks:
                checks.setdefault(str(check.size), check)
        return Derived(definitions, checks.values(), origins)


def _one_input(scope: Scope, component: ir.Component, source: Document, why: str) -> list[str]:
    inputs = list(scope.inputs)
    if len(inputs) == 1:
        return inputs
    has = "no input" if not inputs else f"{len(inputs)} inputs ({', '.join(inputs)})"
    raise source.error(f"{scope.cell.kind} '{component.cell}' has {has}; {why}", component.span)


def _reads_previous(binding: ir.Binding | None) -> bool:
    """Whether a binding reads the component before (anywhere in a concatenation)."""
    if binding is None:
        return True
    stack = [binding.source]
    while stack:
        source = stack.pop()
        if isinstance(source, ir.SourceConcat):
            stack.extend(source.parts)
        elif isinstance(source, ir.SourceName) and source.name == PREVIOUS:
            return True
    return False


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"
