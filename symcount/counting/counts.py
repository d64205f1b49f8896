"""Counting: the layers of a network → its parameter counts, in closed form.

matrix (r, c): r·c; vector d and diag(d): d; scalar: 1 (docs/language.md,
"Counting"). A layer's count is the sum over its distinct parameters; a
network's, the sum over its layer groups (`stacking.Layers`) of copies ×
the group's count, plus, for a stack whose layers widen, the closed-form
sum over the generic layer k. Every count is built as an exact `Poly` and
turned into sympy once (`symbols.to_sympy`); only the widening sum needs
sympy's `summation`.

Results: per parameter (`params`, with layer group and copies for a stack),
per gate (each parameter counted in the equation that first uses it), and in
total (`total`, `count`, `factored`); `evaluation` turns them into numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as entry
from functools import cached_property, lru_cache

import sympy

from .. import gcpause
from ..layers.stacking import Layers  # or a model's `layers.models.ModelLayers`
from ..poly import Poly
from ..shapes import ParamShape
from ..symbols import factored, to_sympy


@dataclass(frozen=True)
class Param:
    """One trainable parameter: its shape and count in the cell's size symbols.

    >>> import symcount
    >>> symcount.builtin("lstm").params[0]
    Param(name='W_i', kind='matrix', shape=(n, m), count=m*n, gate='i')
    """

    name: str
    kind: str  # an ir.Kind: "matrix", "vector", "diag", "scalar", "blockdiag" or "tensor"
    shape: tuple[sympy.Expr, ...]  # (rows, cols); (size,) for vector and diag; () for scalar
    count: sympy.Expr
    gate: str  # the equation that first uses it ("c'" for the update of state c)
    # "real", or "complex"/"quaternion" (count: 2/4 reals an entry); frozen: not trainable.
    field: str = entry(default="real", repr=False, kw_only=True)
    frozen: bool = entry(default=False, repr=False, kw_only=True)

    @property
    def numel(self) -> sympy.Expr:
        """Its count as a framework's `numel()` gives it: a complex entry once
        (docs/language.md, "Complex and quaternion parameters").

        >>> import symcount
        >>> [c] = symcount.loads("cell c(n)\\n input x : n\\n param W : complex(n, n)\\n output y\\n y = W @ x\\nend")
        >>> c.params[0].count, c.params[0].numel
        (2*n**2, n**2)
        """
        if FIELD_NUMEL[self.field] == FIELD_REALS[self.field]:
            return self.count
        return sympy.expand(self.count * sympy.Rational(FIELD_NUMEL[self.field], FIELD_REALS[self.field]))


@dataclass(frozen=True)
class StackParam(Param):
    """A parameter of a stacked network: `count` covers all its `copies`."""

    layer: str = "1"  # "1" for the first layer, "2..L" for the ones after it
    copies: sympy.Expr = sympy.Integer(1)


# Real numbers per entry of a parameter's field.
FIELD_REALS = {"real": 1, "complex": 2, "quaternion": 4}
# The elements per entry a framework's `numel()` counts (docs/language.md,
# "Complex and quaternion parameters"): a complex tensor (`torch.complex64`)
# holds an entry as one element; no framework has a quaternion dtype, and the
# quaternion packages (speechbrain's quaternion_networks, Parcollet's
# QuaternionLinear) keep the four parts as four real tensors.
FIELD_NUMEL = {"real": 1, "complex": 1, "quaternion": 4}


@lru_cache(maxsize=1024)
def param_count(shape: tuple[Poly, ...], field: str = "real", numel: bool = False) -> Poly:
    """The real numbers a parameter of this shape holds: the product of its sizes
    (a block-diagonal one's are its blocks and their rows and columns), times 2 for
    a complex and 4 for a quaternion one; with `numel`, the elements a framework's
    `numel()` counts (a complex entry once)."""
    # The parameters of a cell share a handful of shapes: each product once.
    total = Poly.const((FIELD_NUMEL if numel else FIELD_REALS)[field])
    for size in shape:
        total = total * size
    return total


@dataclass(frozen=True)
class _Tables:
    total: Poly | None  # the trainable count as a polynomial; None for a widening stack of L
    count: sympy.Expr
    frozen: sympy.Expr
    gates: dict[str, sympy.Expr]
    params: tuple[Param, ...]
    summed: tuple[StackParam, ...]  # a widening stack's layers 2..L, each summed over k


class Read:
    """An attribute read through another attribute of the same object:
    `count = Read("counts", "count")` is `self.counts.count`. One line where a
    property would take four, for objects that show what another holds."""

    def __init__(self, via: str, name: str, doc: str | None = None):
        self.via, self.name, self.__doc__ = via, name, doc

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return getattr(getattr(obj, self.via), self.name)


class Counts:
    """The counts of a network's layers, all computed together on first use."""

    def __init__(self, layers: Layers):
        self.layers = layers
        self.stacked = layers.stacked

    @cached_property
    @gcpause.paused  # counting: another stage run with the collector paused
    def _tables(self) -> _Tables:
        per_group = [
            (g, [param_count(p.shape, p.field) for p in g.typed.params])
            for g in self.layers.groups
        ]
        copied = [
            (p, g.copies * c)
            for g, counts in per_group
            for p, c in zip(g.typed.params, counts, strict=True)
        ]
        summed = self._summed()
        trainable = Poly.sum(c for p, c in copied if not p.frozen)
        frozen = Poly.sum(c for p, c in copied if p.frozen)
        per_gate: dict[str, list[Poly]] = {}
        for p, c in copied:
            if not p.frozen:
                per_gate.setdefault(p.gate, []).append(c)
        gates = {gate: to_sympy(Poly.sum(polys)) for gate, polys in per_gate.items()}
        for p in summed:
            if not p.frozen:
                gates[p.gate] = sympy.expand(gates.get(p.gate, sympy.Integer(0)) + p.count)
        return _Tables(
            None if summed else trainable,
            _with(to_sympy(trainable), (p.count for p in summed if not p.frozen)),
            _with(to_sympy(frozen), (p.count for p in summed if p.frozen)),
            gates,
            self._params(per_group) + summed,
            summed,
        )

    total = Read("_tables", "total", "The trainable count as an exact integer polynomial (fast to "
                 "evaluate); None for a widening stack of a symbolic depth, whose count is not one.")
    count = Read("_tables", "count", "The number of trainable parameters, expanded.")
    frozen = Read("_tables", "frozen", "The parameters declared `frozen`, counted apart (0 if none).")

    @cached_property
    def total_count(self) -> sympy.Expr:
        """Trainable and frozen together."""
        return sympy.expand(self.count + self.frozen)

    @cached_property
    def _numel(self) -> tuple[Poly | None, sympy.Expr]:
        """The trainable count with each entry as `numel()` counts it: as a
        polynomial (None for a widening stack of a symbolic depth) and expanded."""
        if all(FIELD_NUMEL[p.field] == FIELD_REALS[p.field] for p in self.params):
            return self.total, self.count
        polys = Poly.sum(
            g.copies * param_count(p.shape, p.field, numel=True)
            for g in self.layers.groups
            for p in g.typed.params
            if not p.frozen
        )
        summed = [p.numel for p in self._tables.summed if not p.frozen]
        return (None if summed else polys), _with(to_sympy(polys), summed)

    @property
    def numel_total(self) -> Poly | None:
        """`numel` as an exact integer polynomial; None for a widening stack of a symbolic depth."""
        return self._numel[0]

    @property
    def numel(self) -> sympy.Expr:
        """The trainable count as a framework's `numel()` gives it, expanded: a
        complex entry counted once, not as 2 reals (docs/language.md, "Complex and
        quaternion parameters"); the count itself when no parameter is complex."""
        return self._numel[1]

    @cached_property
    def factored(self) -> sympy.Expr:
        return factored(self.count)

    gates = Read("_tables", "gates", "Per-gate trainable counts: each parameter counted in the "
                 "equation that first uses it.")
    params = Read("_tables", "params", "Every parameter; a stack's as `StackParam`s, one per layer group.")

    @cached_property
    def layer_groups(self) -> tuple[tuple[str, sympy.Expr, sympy.Expr], ...]:
        """(label, copies, trainable count of all the copies) per layer group, layer 1 first.

        >>> import symcount
        >>> symcount.builtin("rnn").stacked("L").counts.layer_groups
        (('1', 1, m*n + n**2 + n), ('2..L', L - 1, 2*L*n**2 + L*n - 2*n**2 - n))
        """
        groups: dict[str, list] = {}
        for p in self.params:
            if not p.frozen:
                label = p.layer if isinstance(p, StackParam) else "1"
                copies = p.copies if isinstance(p, StackParam) else sympy.Integer(1)
                groups.setdefault(label, [copies, []])[1].append(p.count)
        return tuple(
            (label, copies, sympy.expand(sympy.Add(*counts))) for label, (copies, counts) in groups.items()
        )

    def _params(self, per_group) -> tuple[Param, ...]:
        if not self.stacked:
            return tuple(
                Param(p.name, str(p.kind), _shape(p), to_sympy(c), p.gate, **_flags(p))
                for group, counts in per_group
                for p, c in zip(group.typed.params, counts, strict=True)
            )
        out = []
        for group, counts in per_group:
            copies = to_sympy(group.copies)
            for p, c in zip(group.typed.params, counts, strict=True):
                count = to_sympy(group.copies * c)
                out.append(
                    StackParam(p.name, str(p.kind), _shape(p), count, p.gate, group.label, copies, **_flags(p))
                )
        return tuple(out)

    def _summed(self) -> tuple[StackParam, ...]:
        """The parameters of a widening stack's layers 2..L, each summed over k."""
        generic = self.layers.summed
        if generic is None:
            return ()
        copies = sympy.Integer(generic.directions)
        out = []
        for p in generic.typed.params:
            sizes = tuple(sympy.expand(generic.at(d)) for d in p.shape)
            at_k = sympy.expand(generic.at(param_count(p.shape, p.field)))
            total = sympy.expand(copies * sympy.summation(at_k, (generic.index, 2, generic.last)))
            copies_all = copies * (generic.last - 1)
            out.append(
                StackParam(p.name, str(p.kind), sizes, total, p.gate, generic.label, copies_all, **_flags(p))
            )
        return tuple(out)


def _with(poly_part: sympy.Expr, summed) -> sympy.Expr:
    """A polynomial count plus the closed-form sums of a widening stack's later layers."""
    summed = list(summed)
    return sympy.expand(poly_part + sympy.Add(*summed)) if summed else poly_part


def _flags(p: ParamShape) -> dict:
    return {"field": p.field, "frozen": p.frozen}


def _shape(p: ParamShape) -> tuple[sympy.Expr, ...]:
    return tuple(to_sympy(s) for s in p.shape)


class CountsView:
    """The counts of `self.counts`, read as attributes of the object that holds them
    (a `Cell`, a `Stack`, the renderers' `Summary`): written once, here."""

    counts: Counts

    total = Read("counts", "total", Counts.total.__doc__)
    count = Read("counts", "count", Counts.count.__doc__)
    factored = Read("counts", "factored", "The count, factored.")
    gates = Read("counts", "gates", Counts.gates.__doc__)
    frozen = Read("counts", "frozen", Counts.frozen.__doc__)
    total_count = Read("counts", "total_count", "Trainable and frozen parameters together.")
    numel = Read("counts", "numel", Counts.numel.__doc__)
