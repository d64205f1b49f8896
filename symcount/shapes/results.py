"""What shape inference gives, the typed cell: every node's shape and every
parameter's, the inputs' sizes, the output's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as entry
from functools import cached_property

from .. import ir
from ..errors import SymcountWarning
from ..poly import Poly
from ..resolve.scope import Scope
from .sizes import Check
from .typemap import NodeSet, TypeMap

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
class ShapeChoice:
    """An undeclared parameter whose shape inference chose among several that fit:
    it met values of several shapes elementwise (directly or through the values
    computed from it), took the smallest, and each of `others` would also infer."""

    name: str
    chosen: tuple[Poly, ...]
    others: tuple[tuple[Poly, ...], ...]
    span: ir.Span  # its first use
    # The cell's names of sizes (`size I = E*D`), to write the shapes as the user does.
    size_names: tuple[tuple[str, Poly], ...] = entry(default=(), repr=False)

    def warning(self, source: ir.Document) -> SymcountWarning:
        """The warning (docs/errors.md, "Warnings"): the shape chosen, the others, the fix."""
        chosen, *others = (self.written(shape) for shape in (self.chosen, *self.others))
        fix = f"`param {self.name} : {others[0]}`"
        return source.warning(
            f"the shape of parameter '{self.name}' is a choice: it meets values of shapes "
            f"{_listed([chosen, *others])} elementwise and takes the smallest, {chosen}; "
            + (f"if it is {others[0]}, declare {fix}" if len(others) == 1 else f"if it is larger, declare it, as {fix}"),
            self.span,
        )

    def written(self, shape: tuple[Poly, ...]) -> str:
        """A shape as a `param` declaration writes it: `n`, `(I, N)`."""
        names = dict((poly, name) for name, poly in self.size_names)
        sizes = [names.get(size, str(size)) for size in shape]
        if not sizes:
            return "scalar"
        return sizes[0] if len(sizes) == 1 else f"({', '.join(sizes)})"


def _listed(texts: list[str]) -> str:
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


@dataclass(frozen=True, eq=False)
class TypedCell:
    """The typed cell: what shape inference hands every later stage.

    `types` holds the shape of every node of `scope.equations` (the equations
    with the cell's `def`s inlined, so a def's body has nodes of its own at
    each call site), keyed by the node. Stacking, `--no-bias`, counting and
    the renderers read this; none infers again. A stacked layer that reads an
    input of another size is another typed cell.

    >>> import symcount
    >>> cell = symcount.builtin("lstm")
    >>> typed = cell.shapes
    >>> eq = cell.scope.equations[0]  # i = sigmoid(W_i @ x + U_i @ h + b_i)
    >>> weight = eq.expr.args[0].terms[0].matrix
    >>> [str(size) for size in typed.shape_of(eq.expr)], [str(size) for size in typed.shape_of(weight)]
    (['n'], ['n', 'm'])
    """

    params: tuple[ParamShape, ...]
    input_sizes: dict[str, Poly]
    output_size: Poly | None  # None unless the output is a vector of known size
    types: TypeMap = entry(repr=False)
    # The `a @ B` of `scope.equations` that read aᵀB (a row vector per leading
    # entry: `w @ x` with `param w : e`, `heads(q, H) @ C`, a dot product).
    transposed: NodeSet = entry(repr=False)
    scope: Scope = entry(repr=False)
    # The derived sizes that stay symbols, with their definitions in the header's
    # symbols (a later layer's own: R_2 = ceil(n / 16)), and the sizes positive at
    # some sizes only (`m - n`), checked where sizes are given (`shapes.sizes`).
    derived: dict[str, ir.Dim] = entry(default_factory=dict, repr=False)
    checks: tuple[Check, ...] = entry(default=(), repr=False)
    # Readings the shapes chose among several (docs/errors.md, "Warnings").
    warnings: tuple[SymcountWarning, ...] = ()
    # The undeclared parameters whose shape was one of several that fit.
    choices: tuple[ShapeChoice, ...] = ()

    def shape_of(self, node: ir.Node) -> tuple[Poly, ...]:
        """The sizes of a node of `scope.equations`: () for a scalar. A weight left of
        `@` has its shape as applied: `diag(n)` is (n, n). KeyError for any other node."""
        return self.types.shape_of(node)

    def reads_transposed(self, node: ir.Node) -> bool:
        """Whether `node` is an `a @ B` that reads aᵀB, where the paper notation writes
        the transpose; of `scope.equations` or of the cell as written (`row_products`)."""
        return node in self.row_products

    @cached_property
    def row_products(self) -> NodeSet:
        """The `a @ B` that read aᵀB, of `scope.equations` and of the cell as written
        (`scope.cell`'s equations and its defs' bodies, what `latex --equations` prints).

        An equation that calls no def is the same tree in both. One that does was
        copied by inlining: each of its nodes is found in the copy by walking the two
        side by side. A node of a def's body stands for its copy at every call site,
        whose shapes may differ: it reads aᵀB where every copy does, and in a def
        that no equation calls, nowhere.
        """
        copies: dict[int, list[ir.Node]] = {}
        written: dict[int, ir.MatMul] = {}
        for eq, inlined in zip(self.scope.cell.equations, self.scope.equations, strict=True):
            if eq.expr is inlined.expr:
                continue
            for node, copy in _copies(eq.expr, inlined.expr, self.scope.functions):
                if isinstance(node, ir.MatMul):
                    written[id(node)] = node
                    copies.setdefault(id(node), []).append(copy)
        rows = [node for key, node in written.items() if all(c in self.transposed for c in copies[key])]
        return self.transposed | NodeSet(rows)


def _copies(
    written: ir.Expr, inlined: ir.Expr, defs: dict[str, ir.FunctionDef]
) -> Iterator[tuple[ir.Expr, ir.Expr]]:
    """(node as written, its copy) for each node of `written` that inlining
    (`resolve.inline`) copied into `inlined`, a def's body once per call.

    The inliner replaces a call of a def by the def's body, and each of the
    body's parameters by the call's argument; every other node keeps its
    place. An argument whose parameter the body never reads has no copy.
    """
    stack: list[tuple[ir.Expr, ir.Expr, dict]] = [(written, inlined, {})]
    while stack:
        node, copy, arguments = stack.pop()  # arguments: a def parameter → (argument, its arguments)
        if isinstance(node, ir.Name) and node.name in arguments:
            argument, outer = arguments[node.name]
            stack.append((argument, copy, outer))
        elif isinstance(node, ir.Call) and node.func in defs:
            definition = defs[node.func]
            bound = {p: (a, arguments) for p, a in zip(definition.params, node.args, strict=True)}
            stack.append((definition.expr, copy, bound))
        else:
            yield node, copy
            stack.extend((n, c, arguments) for n, c in zip(ir.children(node), ir.children(copy), strict=True))
