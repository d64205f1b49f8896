"""Warnings: what is legal in a cell but probably a slip of the keyboard.

Runs on a resolved `Scope`, after the errors of `resolve.names`. Every name that is
not declared becomes a parameter, so a typo (`oo` for the gate `o`) would
silently add one; an unused gate or input usually means an equation lost a
term. Each finding is a located `SymcountWarning`; the count is still given
(docs/errors.md, "Warnings"), and `--strict` makes them errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ir, visit
from ..errors import SymcountWarning
from ..functions import FUNCTIONS
from .scope import Scope


def warnings(scope: Scope) -> list[SymcountWarning]:
    read = _Read(scope)
    found = [slip.warning(scope) for slip in _typos(scope, read)]
    found += read.sizes_as_weights + _unused(scope, read)
    return in_order(found)


def in_order(found: list[SymcountWarning]) -> list[SymcountWarning]:
    """Warnings in the order of their places in the text."""
    return sorted(found, key=lambda w: (w.line or 0, w.column or 0))


@dataclass(frozen=True)
class Slip:
    """A name that became a parameter and may be a slip for a value's name:
    `oo` for the gate `o`, `x_t` for the input `x`."""

    name: str
    meant: str
    kind: str  # what `meant` is: "gate", "state", "input" or "function"
    spans: tuple[ir.Span, ...]  # its uses
    warned: bool  # whether `warnings` reports it; else only a suspect when loading fails

    def warning(self, scope: Scope) -> SymcountWarning:
        return scope.cell.source.warning(
            f"'{self.name}' becomes a parameter; did you mean the {self.kind} '{self.meant}'?",
            self.spans[0],
        )

    def note(self) -> str:
        """What an error's note says of it (docs/errors.md, "Errors a slip causes")."""
        return (
            f"'{self.name}' on line {self.spans[0].line} became a parameter; "
            f"did you mean the {self.kind} '{self.meant}'?"
        )


def slips(scope: Scope) -> list[Slip]:
    """Every would-be parameter that may be a slip: those `warnings` reports,
    then the names one edit from an input, state or gate that it does not
    (a dropped letter of a two-letter name, a name used twice). Loading asks
    for them only when inference fails, to name the cause with the error."""
    read = _Read(scope)
    warned = _typos(scope, read)
    return warned + _near_values(scope, read, {slip.name for slip in warned})


class _Read(visit.Visitor):
    """What the equations read, from one walk over them: every name (with the
    places of each parameter's uses), the sizes of the slices, and each size
    symbol that stands where a weight may be meant."""

    def __init__(self, scope: Scope):
        self.params = set(scope.params)
        self.size_names = {*scope.symbols, *scope.sizes}
        self.source = scope.cell.source
        self.names: set[str] = set()
        self.uses: dict[str, dict[ir.Span, None]] = {}  # parameter → the places it is read
        self.slice_sizes: list[ir.Dim] = []
        self.sizes_as_weights: list[SymcountWarning] = []
        self._warned: set[ir.Span] = set()  # a def's body is inlined at every call
        self._terms: set[int] = set()  # the products that are terms of a sum (by id)
        for eq in scope.equations:
            for node in ir.walk(eq.expr):
                self.visit(node)

    def visit_Name(self, node: ir.Name) -> None:
        self.names.add(node.name)
        if node.name in self.params:
            # A place once, however often: a def's argument is read wherever its body reads it.
            self.uses.setdefault(node.name, {})[node.span] = None

    def visit_Slice(self, node: ir.Slice) -> None:
        self.slice_sizes += (node.start, node.stop)

    def visit_Sum(self, node: ir.Sum) -> None:
        self._terms |= {id(term) for term in node.terms if isinstance(term, ir.Product)}
        self._size_beside_values(node.terms, node.terms, "bias")

    def visit_Product(self, node: ir.Product) -> None:
        # A divisor (`x / D`) is a constant as normalising is; a factor may be a weight.
        factors = [f for i, f in enumerate(node.factors) if i == 0 or node.ops[i - 1] == "*"]
        role = "skip" if id(node) in self._terms else "scale"  # `... + D * x`: a skip connection
        self._size_beside_values(factors, node.factors, role)

    def _size_beside_values(self, candidates, operands, role: str) -> None:
        """A size symbol that is itself a term or factor (not inside a call, as in
        `sqrt(d)`) beside a value: `D * x`, `W @ x + n` (docs/errors.md, "Warnings")."""
        sizes = [name for name in map(self._size_name, candidates) if name is not None]
        if not sizes or not any(self._holds_value(o) for o in operands if self._size_name(o) is None):
            return
        for name in sizes:
            if name.span not in self._warned:
                self._warned.add(name.span)
                self.sizes_as_weights.append(
                    self.source.warning(
                        f"'{name.name}' is the size symbol {name.name} here, a constant; write a "
                        f"parameter name ({name.name}_{role}) if a weight is meant",
                        name.span,
                    )
                )

    def _size_name(self, node: ir.Expr) -> ir.Name | None:
        while isinstance(node, ir.Neg):
            node = node.operand
        return node if isinstance(node, ir.Name) and node.name in self.size_names else None

    def _holds_value(self, node: ir.Expr) -> bool:
        """Whether `node` reads a value or a parameter: not only numbers and sizes."""
        return any(
            isinstance(n, ir.NewName) or (isinstance(n, ir.Name) and n.name not in self.size_names)
            for n in ir.walk(node)
        )

    def _nothing(self, node: ir.Expr) -> None:
        """Nothing read of its own: a new state value is no name read, and the
        walk reads an operator's operands in turn."""

    visit_Number = visit_NewName = visit_Call = visit_Concat = _nothing
    visit_Neg = visit_MatMul = _nothing


# ---- a would-be parameter that is a near miss of a name the cell has ----


def _typos(scope: Scope, read: _Read) -> list[Slip]:
    uses = read.uses
    candidates = _candidates(scope)
    index = _Index(candidates)
    found = []
    for name, spans in uses.items():
        if len(spans) != 1 or name in scope.declared:
            continue
        match = _at_time(name, candidates)
        if match is None and not _conventional(name, candidates):
            match = index.closest(name)
        if match is not None:
            found.append(Slip(name, match, candidates[match], tuple(spans), warned=True))
    return found


def _near_values(scope: Scope, read: _Read, warned: set[str]) -> list[Slip]:
    """Each would-be parameter not warned about that is one slip from an input,
    state or gate (case, a doubled, dropped or added letter, a time step), with
    each name it may have meant: too weak a hint for a warning (a bias `bh` is
    no slip for a state `h`), enough to try when loading fails."""
    values = {name: kind for name, kind in _candidates(scope).items() if kind != "function"}
    order = {name: i for i, name in enumerate(values)}
    keys: dict[str, list[str]] = {}
    for name in values:
        for key in _near_keys(name, value=True):
            keys.setdefault(key, []).append(name)
    found = []
    for name, spans in read.uses.items():
        if name in warned or name in scope.declared:
            continue
        near = {c for key in _near_keys(name, value=False) for c in keys.get(key, ()) if c != name}
        at_time = _at_time(name, values)
        # A slip keeps the first letter more often than not: `h` is `ht` before `kh`.
        meant = [at_time] if at_time else sorted(near, key=lambda c: (c[0] != name[0], order[c]))
        found += [Slip(name, m, values[m], tuple(spans), warned=False) for m in meant]
    return found


def _near_keys(name: str, value: bool) -> set[str]:
    """What a value's name (`value`) and a parameter's one slip from it share:
    the lower case, the squeezed form, and for a letter the parameter dropped
    (`hz` → `z`) or added (`x` → `xs`), the shorter name."""
    deletions = {name[:i] + name[i + 1 :] for i in range(len(name))}
    dropped, added = (deletions, {name}) if value else ({name}, deletions)
    return {"=" + name.lower(), "~" + _squeeze(name), *("-" + d for d in dropped), *("+" + a for a in added)}


# `x_t`, `h_prev`: a value written with its time step, as papers subscript it.
TIME_SUFFIXES = ("t", "t1", "tm1", "t_1", "prev")


def _at_time(name: str, candidates: dict[str, str]) -> str | None:
    """The value `name` writes at a time step (`x` for `x_t`), if it is one."""
    for suffix in TIME_SUFFIXES:
        base = name.removesuffix("_" + suffix)
        if base != name and candidates.get(base) in ("gate", "state", "input"):
            return base
    return None


def _candidates(scope: Scope) -> dict[str, str]:
    """The names a typo may have meant, each with what it is (first kind wins)."""
    found: dict[str, str] = {}
    for kind, names in (
        ("gate", scope.gates),
        ("state", scope.states),
        ("input", scope.inputs),
        ("function", sorted(FUNCTIONS)),
    ):
        for name in names:
            found.setdefault(name, kind)
    return found


def _conventional(name: str, candidates: dict[str, str]) -> bool:
    """`W_i`, `b_xh`: a weight named after the variables it connects, not a typo."""
    base, _, sub = name.partition("_")
    return bool(base and sub) and (sub in candidates or base in candidates)


class _Index:
    """The candidates, looked up by what a slip keeps of them.

    Comparing every parameter with every name was quadratic (seconds for a
    cell of 400 gates). A slip of at most two edits leaves the two names a
    common string after at most two deletions from each, so candidates are
    indexed by those strings (and by lower case and squeezed form), and only
    the few that share one are compared. Every slip keeps the first letter (up
    to case), so the names are grouped by it and a group is indexed only when
    a parameter starting that way asks: `W12` never looks at gates `g1..g5000`.
    """

    def __init__(self, candidates: dict[str, str]):
        self.order = {name: i for i, name in enumerate(candidates)}
        self.groups: dict[str, list[str]] = {}
        for name in candidates:
            self.groups.setdefault(name[0].lower(), []).append(name)
        self.indexed: dict[str, dict[str, list[str]]] = {}

    def closest(self, name: str) -> str | None:
        keys = self._index(name[0].lower())
        if not keys:
            return None
        near = {c for key in _keys(name) for c in keys.get(key, ()) if _close(name, c)}
        return min(near, key=self.order.__getitem__) if near else None

    def _index(self, first: str) -> dict[str, list[str]]:
        if first not in self.indexed:
            keys: dict[str, list[str]] = {}
            for name in self.groups.get(first, ()):
                for key in _keys(name):
                    keys.setdefault(key, []).append(name)
            self.indexed[first] = keys
        return self.indexed[first]


def _keys(name: str) -> set[str]:
    """What `name` and a slip of it have in common: its lower case, its squeezed
    form, or one of its deletions after the same first letter (see `_close`)."""
    first = name[0]
    return {name.lower(), "~" + _squeeze(name), *(first + "|" + d for d in _deletions(name))}


def _deletions(name: str) -> set[str]:
    """`name` with as many letters removed as `_close` allows edits at its length
    (one below six letters, two from six), for names of three letters or more."""
    if len(name) < 3:
        return set()
    found = {name}
    for _ in range(1 if len(name) < 6 else 2):
        found |= {s[:i] + s[i + 1 :] for s in found for i in range(len(s))}
    return found


def _close(name: str, other: str) -> bool:
    """Whether `name` reads as a slip for `other`.

    Case-only differences and doubled letters (`oo` for `o`) at any length;
    other edits (a dropped, swapped or wrong letter) only between names of
    three letters or more that start alike, where they cannot be a different
    name on purpose: a one-letter parameter `W` is one substitution away from
    every one-letter gate, and `W10`, `b10` are the weights of a gate `g10`.
    """
    if name == other:
        return False
    if name.lower() == other.lower() or _squeeze(name) == _squeeze(other):
        return True
    if min(len(name), len(other)) < 3 or name[0] != other[0]:
        return False
    return _distance(name, other) <= (1 if min(len(name), len(other)) < 6 else 2)


def _squeeze(text: str) -> str:
    """`ooo` → `o`: runs of one letter as one."""
    return "".join(ch for i, ch in enumerate(text) if i == 0 or ch != text[i - 1])


def _distance(a: str, b: str) -> int:
    """Edit distance with adjacent swaps (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, previous2[j - 2] + 1)
            row.append(best)
        previous2, previous = previous, row
    return previous[-1]


# ---- things declared or computed that nothing uses ----


def _unused(scope: Scope, reading: _Read) -> list[SymcountWarning]:
    source = scope.cell.source
    read = reading.names
    found = []
    for name, eq in scope.gates.items():
        if name not in read and name != scope.output:
            found.append(source.warning(f"gate '{name}' is never used", eq.target_span))
    for name, decl in scope.inputs.items():
        if name not in read:
            found.append(source.warning(f"input '{name}' is never used", decl.name_span))
    for name, decl in scope.declared.items():
        if name not in scope.first_use:
            found.append(
                source.warning(
                    f"parameter '{name}' is declared but never used (it is still counted)",
                    decl.name_span,
                )
            )
    called = _called(scope)
    for name, definition in scope.functions.items():
        if name not in called:
            found.append(source.warning(f"function '{name}' is never called", definition.name_span))
    sized = _size_symbols_used(scope, reading)
    for sym in scope.cell.dims:
        if sym.name not in sized:
            found.append(
                source.warning(f"size symbol '{sym.name}' is not used by any size", sym.span)
            )
    return found


def _size_symbols_used(scope: Scope, read: _Read) -> set[str]:
    decls = (*scope.inputs.values(), *scope.states.values(), *scope.declared.values())
    dims: list = [dim for decl in decls for dim in decl.dims]
    dims += [s.definition for s in scope.sizes.values() if s.definition is not None]
    dims += read.slice_sizes
    # a size used as a value (`k / sqrt(d)`) or as a function's size argument counts too
    used: set[str] = set(read.names)
    for dim in dims:
        used |= {node.name for node in ir.walk(dim) if isinstance(node, ir.DimName)}
    return used


def _called(scope: Scope) -> set[str]:
    """The cell's own functions that an equation or another function calls."""
    exprs = [eq.expr for eq in scope.cell.equations] + [d.expr for d in scope.functions.values()]
    return {node.func for expr in exprs for node in ir.walk(expr) if isinstance(node, ir.Call)}
