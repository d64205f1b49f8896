"""The inference's core: the values of a cell, names, elementwise operations,
the equations in order, and the results (the typed cell)."""

from __future__ import annotations

from .. import ir
from ..errors import SymcountError, Unlocated
from ..poly import Poly
from ..resolve.names import Scope
from .results import UNUSED, ParamShape, TypedCell
from .sizes import Check, Sizes, dim_text, never_positive, positive, size_text
from .typemap import NodeSet, TypeMap
from .unify import Solver


class Core(Solver):
    def __init__(self, scope: Scope, sizes: Sizes, overrides: dict[str, Poly]):
        super().__init__(scope.cell.source)
        self.scope = scope
        self.sizes = sizes
        self.overrides = overrides
        self.deferred: list = []  # (kind, ...) relations solved after the equalities
        self.values: dict[str, int | None] = {}  # inputs and states → shape (None: scalar)
        self.gates: dict[str, int | None] = {}
        self.params: dict[str, int] = {}  # parameter → shape (its matrix shape if used with @)
        self.first_use: dict[str, tuple[ir.Span, str]] = {}  # param → where, "matrix"/"vector"
        self.input_sizes: dict[str, Poly] = {}
        self.types = TypeMap(self)  # every node's shape: the typed cell's
        self.row_products: list[ir.MatMul] = []  # the `a @ B` that read aᵀB
        for name, decl in scope.inputs.items():
            if name in overrides and len(decl.dims) == 1:
                self.input_sizes[name] = overrides[name]
                self.values[name] = self.new_shape((self.fixed(overrides[name], decl.span),))
            else:
                self.values[name] = self.declared_shape(decl)
                if len(decl.dims) == 1:
                    self.input_sizes[name] = self.size(self.axes(self.values[name])[0])
        for name, decl in scope.states.items():
            self.values[name] = self.declared_shape(decl)
        for name, decl in scope.declared.items():
            if decl.kind not in (ir.Kind.SCALAR,):
                self.params[name] = self.declared_shape(decl)

    def text(self, node) -> str:
        return f"'{self.source.snippet(node.span)}'"

    def quote(self, node):
        """A callable naming a node, for messages made only on error."""
        return lambda: self.text(node) if not isinstance(node, str) else node

    def declared(self, dim: ir.Dim) -> Poly:
        """A written size; sizes are positive, so one that never is (0, -n) is an error."""
        size = self.sizes.poly(dim)
        if never_positive(size):
            raise self.error(f"a size must be positive, but {size} never is", dim.span)
        return size

    def declared_shape(self, decl) -> int | None:
        """The shape a declaration gives (as a weight is applied, for diag and blockdiag)."""
        if decl.kind == ir.Kind.SCALAR:
            return None
        polys = [self.declared(d) for d in decl.dims]
        if decl.kind == ir.Kind.DIAG:
            polys = [polys[0], polys[0]]
        elif decl.kind == ir.Kind.BLOCKDIAG:
            blocks, rows, cols = polys
            polys = [blocks * rows, blocks * cols]
        return self.new_shape(tuple(self.fixed(p, decl.span) for p in polys))

    # ---- equations ----

    def expr(self, node: ir.Expr) -> int | None:
        """The shape variable of `node` (None: a scalar), recorded in the type map.

        Inlining puts a def's argument, the same node, wherever the body reads
        the parameter: its shape does not depend on where it is, so it is typed once.
        """
        if node in self.types:
            return self.types.variable(node)
        shape = self.visit(node)
        self.types.record(node, shape)
        return shape

    def scalars(self, node: ir.Expr) -> None:
        """A function's size argument (`H` in heads(v, H)): a number, every node of it."""
        for part in ir.walk(node):
            self.types.record(part, None)

    def run(self) -> TypedCell:
        params = self.solve()
        return TypedCell(
            params,
            self.input_sizes,
            self.output_size(),
            self.types,
            NodeSet(self.row_products),
            self.scope,
            self.sizes.definitions,
            self.checks(),
        )

    def solve(self) -> tuple[ParamShape, ...]:
        """Every shape of the cell: the equations read, then solved; the parameters' shapes."""
        for eq in self.scope.equations:
            shape = self.expr(eq.expr)
            if eq.is_state:
                state = self.values[eq.target]
                if state is None or shape is None:
                    if shape is not None:  # a scalar state takes only scalars
                        self.same_shape(self.new_shape(()), shape, eq.expr.span,
                                        f"state '{eq.target}'", self.quote(eq.expr))
                    continue
                self.broadcast_into(eq.target, shape)
            else:
                self.gates[eq.target] = shape
        self.settle()  # the parameters that only met values elementwise
        self.solve_deferred()
        self.check_free()
        self.types.settle()
        return tuple(self.param_shape(name) for name in self.scope.params)

    def fits(self, name: str, shape: tuple[Poly, ...]) -> bool:
        """Whether the cell also infers with the undeclared parameter `name` of `shape`."""
        again = type(self)(self.scope, self.sizes, self.overrides)
        span = self.scope.first_use[name][1]
        again.params[name] = again.new_shape(tuple(again.fixed(size, span) for size in shape))
        try:
            again.solve()
        except (SymcountError, Unlocated):
            return False
        return True

    def broadcast_into(self, state: str, shape: int) -> None:
        """A state's new value has the state's shape, or one that repeats into it."""
        eq = self.scope.updates[state]
        target = self.values[state]
        what = f"state '{state}'"
        result = self.broadcast(target, shape, eq.expr.span, what, self.quote(eq.expr))
        if self.axes(result) is not None and len(self.axes(result)) != len(self.axes(target)):
            raise self.error(
                f"shape mismatch: {what} {self.shaped(target)} but {self.text(eq.expr)} "
                f"{self.shaped(shape)}; a new value has the state's shape, or the start of it "
                "(which repeats over the axes it lacks)",
                eq.expr.span,
            )

    def visit_Number(self, node: ir.Number) -> None:
        return None

    def visit_Name(self, node: ir.Name) -> int | None:
        name = node.name
        if name in self.values:
            return self.values[name]
        if name in self.gates:
            return self.gates[name]
        if name in self.scope.symbols or name in self.scope.sizes:
            return None  # a size as a value is a constant
        decl = self.scope.declared.get(name)
        if decl is not None and decl.kind == ir.Kind.SCALAR:
            return None
        if decl is not None and decl.kind in (ir.Kind.DIAG, ir.Kind.BLOCKDIAG):
            raise self.error(
                f"'{name}' is declared as a {decl.kind} matrix; use it on the left of @, as in {name} @ x",
                node.span,
                ("declared here", decl.span),
            )
        self._use(name, "vector", node.span)
        if name not in self.params:
            self.params[name] = self.new_shape()
        return self.params[name]

    def visit_NewName(self, node: ir.NewName) -> int | None:
        return self.values[node.name]

    def visit_Neg(self, node: ir.Neg) -> int | None:
        return self.expr(node.operand)

    def _use(self, name: str, kind: str, span: ir.Span) -> None:
        first = self.first_use.setdefault(name, (span, kind))
        if first[1] != kind and name not in self.scope.declared:
            raise self.error(
                f"'{name}' is used as a {kind} here but as a {first[1]} before",
                span,
                (f"used as a {first[1]} here", first[0]),
            )

    def elementwise(self, node) -> int | None:
        result, first = None, None
        for operand in ir.children(node):
            shape = self.expr(operand)
            if shape is None:
                continue
            if result is None:
                result, first = shape, operand
            else:
                result = self.broadcast(result, shape, operand.span, self.quote(first), self.quote(operand))
        return result

    # A sum, a product and an elementwise function (`max(a, b)` too) broadcast their operands.
    visit_Sum = visit_Product = call_elementwise = elementwise

    # ---- @ ----

    def check_free(self) -> None:
        """No parameter may depend on a free extent (`size rows`), directly or through a
        size defined from one (`size half = ceil(rows / 2)`): the header must list it."""
        extents = self.sizes.extents
        if not extents:
            return
        for name in self.scope.params:
            shape = self.param_shape(name)
            used = sorted(set(extents) & {sym for size in shape.shape for sym in size.symbols()})
            if used:
                free = extents[used[0]]
                definition = self.scope.sizes[used[0]].definition
                through = "" if definition is None else f" through size {used[0]} = {dim_text(definition)}"
                raise self.error(
                    f"parameter '{name}' has shape ({', '.join(map(str, shape.shape))}), which "
                    f"depends on '{free}'{through}, a size the header does not list; add it "
                    "to the header to count it",
                    shape.span,
                    ("declared here", self.scope.sizes[free].span),
                )

    def checks(self) -> tuple[Check, ...]:
        """The sizes positive at some sizes only (docs/language.md, "Sizes"): the
        written ones (`size k = m - n`), then the parameters' and every other
        inferred one (`b : m - n` from `[h, b]` against `x : m`). A size of a free
        extent never has a value, and is not checked."""
        found = {check.size: check for check in self.sizes.checks}
        extents = set(self.sizes.extents)

        def add(size: Poly, of: str, span: ir.Span) -> None:
            if size not in found and not size.symbols() & extents and not positive(size):
                text = size_text(size)
                found[size] = Check(size, f"size {text} (of {of})", text, span)

        for name in self.scope.params:
            shape = self.param_shape(name)
            for size in shape.shape:
                add(size, f"parameter '{name}'", shape.span)
        for size, span in self.known.values():
            add(size, f"'{self.source.snippet(span)}', line {span.line}", span)
        return tuple(found.values())

    def param_shape(self, name: str) -> ParamShape:
        decl = self.scope.declared.get(name)
        gate, span = self.scope.first_use.get(name, (UNUSED, None))
        if decl is not None:
            shape = tuple(self.sizes.poly(d) for d in decl.dims)
            return ParamShape(name, decl.kind, shape, gate, decl.span, decl.field, decl.frozen)
        role = self.first_use.get(name, (span, "vector"))[1]
        axes = self.axes(self.params[name])
        if axes is None:
            raise self.error(
                f"cannot infer the size of parameter '{name}'; declare it with `param {name} : SIZE`",
                span,
            )
        what = ("rows", "columns") if role == "matrix" and len(axes) == 2 else ("size",) * len(axes)
        shape = tuple(self._need(v, name, span, w, role) for v, w in zip(axes, what, strict=True))
        kind = {0: ir.Kind.SCALAR, 1: ir.Kind.VECTOR, 2: ir.Kind.MATRIX}.get(len(shape), ir.Kind.TENSOR)
        if role == "kernel":
            kind = ir.Kind.MATRIX if len(shape) == 2 else ir.Kind.TENSOR
        return ParamShape(name, kind, shape, gate, span)

    def _need(self, var: int, name: str, span: ir.Span, what: str, role: str) -> Poly:
        size = self.size(var)
        if size is None:
            if role == "kernel":
                raise self.error(
                    f"cannot infer the kernel width of '{name}'; give it as the third argument "
                    f"(conv1d(w, v, K)) or declare the parameter with its sizes",
                    span,
                )
            hint = "param {0} : (ROWS, COLS)" if what != "size" else "param {0} : SIZE"
            raise self.error(
                f"cannot infer the {what} of parameter '{name}'; declare it with `{hint.format(name)}`",
                span,
            )
        return size

    def output_size(self) -> Poly | None:
        name = self.scope.output
        if name is None:
            return None
        shape = self.values.get(name) if name in self.scope.states else self.gates.get(name)
        axes = None if shape is None else self.axes(shape)
        if axes is None or len(axes) != 1:
            return None
        return self.size(axes[0])
