"""Shape inference: every size in a cell solved at once, by unification.

Each vector-valued node gets a size variable; `+ - * /` between vectors and a
gate's use next to a state say "these sizes are equal" (union-find), and
declarations pin sizes to polynomials. A concatenation's size is the sum of
its parts, solved after the equalities. Numbers and scalar parameters
broadcast and take part in nothing. What comes out is every parameter's
shape as a `Poly`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import ir
from .errors import SymcountError
from .names import Scope
from .poly import Poly

# The gate of a declared parameter that no equation uses.
UNUSED = "(unused)"


@dataclass(frozen=True)
class ParamShape:
    name: str
    kind: str  # "matrix", "vector", "diag" or "scalar"
    shape: tuple[Poly, ...]  # (rows, cols), (size,), (size,) or ()
    gate: str  # the equation that first uses it: "i", or "c'" for a state update
    span: ir.Span  # its declaration, else its first use


@dataclass(frozen=True)
class Shapes:
    params: tuple[ParamShape, ...]
    input_sizes: dict[str, Poly]
    output_size: Poly | None


# Sizes of real cells are small polynomials (`k*k*c` has degree 3). Bounding
# them keeps every count, and sympy's factoring of it, quick on any input:
# `(m + n + 1)*(m + n + 1)*...` thirty times over would take minutes.
MAX_SIZE_DEGREE = 8
MAX_SIZE_TERMS = 100


class _SizeTooLarge(Exception):
    def __init__(self, dim: ir.Dim, size: Poly):
        super().__init__(
            f"this size has degree {size.degree()} and {len(size.terms)} terms; a size may have "
            f"degree at most {MAX_SIZE_DEGREE} and at most {MAX_SIZE_TERMS} terms"
        )
        self.span = dim.span


def dim_poly(dim: ir.Dim) -> Poly:
    if isinstance(dim, ir.DimInt):
        return Poly.const(dim.value)
    if isinstance(dim, ir.DimName):
        return Poly.symbol(dim.name)
    if isinstance(dim, ir.DimProduct):
        result = Poly.const(1)
        for factor in dim.factors:
            result = _bounded(result * dim_poly(factor), dim)
        return result
    result = Poly(())
    for term, sign in zip(dim.terms, dim.signs, strict=True):
        result = result + dim_poly(term) if sign > 0 else result - dim_poly(term)
        result = _bounded(result, dim)
    return result


def _bounded(size: Poly, dim: ir.Dim) -> Poly:
    # Checked after every step, so no product ever grows past the bound first.
    if size.degree() > MAX_SIZE_DEGREE or len(size.terms) > MAX_SIZE_TERMS:
        raise _SizeTooLarge(dim, size)
    return size


def infer(scope: Scope, input_sizes: Mapping[str, Poly] | None = None) -> Shapes:
    """Solve the sizes of `scope`'s cell.

    `input_sizes` overrides declared input sizes: a stacked layer reads the
    previous layer's output instead of the declared input.
    """
    try:
        return _Inference(scope, dict(input_sizes or {})).run()
    except _SizeTooLarge as e:
        raise scope.cell.source.error(str(e), e.span) from None


class _Inference:
    def __init__(self, scope: Scope, overrides: dict[str, Poly]):
        self.scope = scope
        self.source = scope.cell.source
        self.parent: list[int] = []
        self.known: dict[int, tuple[Poly, ir.Span]] = {}  # root → size and where it came from
        self.concats: list[tuple[int, list[int], ir.Concat]] = []
        self.vars: dict[str, int] = {}  # inputs and states
        self.gates: dict[str, int | None] = {}  # None: a scalar-valued gate
        self.matrices: dict[str, tuple[int, int]] = {}  # param → (rows var, cols var)
        self.vectors: dict[str, int] = {}  # param → size var
        self.first_use: dict[
            str, tuple[str, ir.Span, str]
        ] = {}  # param → gate, span, "matrix"/"vector"
        self.input_sizes: dict[str, Poly] = {}
        for name, decl in scope.inputs.items():
            size = overrides.get(name) or self.declared(decl.dim)
            self.input_sizes[name] = size
            self.vars[name] = self.fixed(size, decl.span)
        for name, decl in scope.states.items():
            self.vars[name] = self.fixed(self.declared(decl.dim), decl.span)
        for name, decl in scope.declared.items():
            self._declare(name, decl)

    # ---- union-find ----

    def new(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def fixed(self, size: Poly, origin: ir.Span) -> int:
        var = self.new()
        self.known[var] = (size, origin)
        return var

    def find(self, var: int) -> int:
        root = var
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[var] != root:  # path compression keeps this near O(1)
            self.parent[var], var = root, self.parent[var]
        return root

    def size(self, var: int) -> Poly | None:
        entry = self.known.get(self.find(var))
        return entry[0] if entry else None

    def unify(self, a: int, b: int, at: ir.Span, left: str | ir.Expr, right: str | ir.Expr) -> None:
        """Sizes `a` and `b` are equal; `left` and `right` name them (a node is quoted)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ka, kb = self.known.get(ra), self.known.get(rb)
        if ka and kb and ka[0] != kb[0]:
            # Nodes are quoted only now: quoting the source for every
            # unification was a tenth of the time of a large cell.
            left, right = (x if isinstance(x, str) else self.text(x) for x in (left, right))
            raise self.error(
                f"size mismatch: {left} has size {ka[0]} but {right} has size {kb[0]}",
                at,
                (f"size {ka[0]} comes from here", ka[1]),
                (f"size {kb[0]} comes from here", kb[1]),
            )
        self.parent[rb] = ra
        if kb and not ka:
            self.known[ra] = kb
        self.known.pop(rb, None)

    def pin(self, var: int, size: Poly, origin: ir.Span, what: str) -> None:
        self.unify(self.fixed(size, origin), var, origin, f"the size {size}", what)

    def error(self, message: str, span: ir.Span, *notes) -> SymcountError:
        return self.source.error(message, span, *notes)

    def text(self, node) -> str:
        return f"'{self.source.snippet(node.span)}'"

    def declared(self, dim: ir.Dim) -> Poly:
        """A written size; sizes are positive, so one that never is (0, -n) is an error."""
        size = dim_poly(dim)
        if all(coeff <= 0 for _, coeff in size.terms):
            raise self.error(f"a size must be positive, but {size} never is", dim.span)
        return size

    # ---- declarations ----

    def _declare(self, name: str, decl: ir.ParamDecl) -> None:
        if decl.kind == "matrix":
            rows, cols = (self.fixed(self.declared(d), decl.span) for d in decl.dims)
            self.matrices[name] = (rows, cols)
        elif decl.kind == "diag":
            var = self.fixed(self.declared(decl.dims[0]), decl.span)
            self.matrices[name] = (var, var)
        elif decl.kind == "vector":
            self.vectors[name] = self.fixed(self.declared(decl.dims[0]), decl.span)

    # ---- expressions: each returns a size variable, or None for a broadcasting scalar ----

    def run(self) -> Shapes:
        for eq in self.scope.cell.equations:
            self.gate = f"{eq.target}'" if eq.is_state else eq.target
            var = self.expr(eq.expr)
            if eq.is_state:
                if var is not None:
                    state = self.vars[eq.target]
                    self.unify(state, var, eq.expr.span, f"state '{eq.target}'", eq.expr)
            else:
                self.gates[eq.target] = var
        self._solve_concats()
        return Shapes(
            tuple(self._param(name) for name in self.scope.params),
            self.input_sizes,
            self._output_size(),
        )

    def expr(self, node: ir.Expr) -> int | None:
        if isinstance(node, ir.Number):
            return None
        if isinstance(node, ir.Name):
            return self.name(node)
        if isinstance(node, ir.NewName):
            return self.vars[node.name]
        if isinstance(node, (ir.Call, ir.Neg)):
            return self.expr(ir.children(node)[0])
        if isinstance(node, ir.MatMul):
            return self.matmul(node)
        if isinstance(node, ir.Concat):
            return self.concat(node)
        return self.elementwise(node)

    def name(self, node: ir.Name) -> int | None:
        name = node.name
        if name in self.vars:
            return self.vars[name]
        if name in self.gates:
            return self.gates[name]
        decl = self.scope.declared.get(name)
        if decl is not None and decl.kind == "scalar":
            return None
        if decl is not None and decl.kind in ("matrix", "diag"):
            raise self.error(
                f"'{name}' is declared as a {decl.kind} matrix; use it on the left of @, as in {name} @ x",
                node.span,
                ("declared here", decl.span),
            )
        self._use(name, "vector", node.span)
        if name not in self.vectors:
            self.vectors[name] = self.new()
        return self.vectors[name]

    def _use(self, name: str, kind: str, span: ir.Span) -> None:
        first = self.first_use.setdefault(name, (self.gate, span, kind))
        if first[2] != kind and name not in self.scope.declared:
            raise self.error(
                f"'{name}' is used as a {kind} here but as a {first[2]} before",
                span,
                (f"used as a {first[2]} here", first[1]),
            )

    def elementwise(self, node: ir.Sum | ir.Product) -> int | None:
        operands = ir.children(node)
        result, first = None, None
        for operand in operands:
            var = self.expr(operand)
            if var is None:
                continue
            if result is None:
                result, first = var, operand
            else:
                self.unify(result, var, operand.span, first, operand)
        return result

    def matmul(self, node: ir.MatMul) -> int:
        name = node.matrix.name
        vector = self.expr(node.vector)
        if vector is None:
            raise self.error(
                f"the right operand of @ must be a vector, but {self.text(node.vector)} is a scalar",
                node.vector.span,
            )
        decl = self.scope.declared.get(name)
        if decl is not None and decl.kind in ("vector", "scalar"):
            raise self.error(
                f"'{name}' is declared as a {decl.kind}; the left operand of @ must be a matrix or diag",
                node.matrix.span,
                ("declared here", decl.span),
            )
        self._use(name, "matrix", node.matrix.span)
        if name not in self.matrices:
            self.matrices[name] = (self.new(), self.new())
        rows, cols = self.matrices[name]
        self.unify(
            cols, vector, node.vector.span, f"the columns of '{name}'", node.vector
        )
        result = self.new()
        self.unify(rows, result, node.span, f"the rows of '{name}'", node)
        return result

    def concat(self, node: ir.Concat) -> int:
        parts = []
        for part in node.parts:
            var = self.expr(part)
            if var is None:
                raise self.error(
                    f"cannot concatenate the scalar {self.text(part)}; parts of [...] must be vectors",
                    part.span,
                )
            parts.append(var)
        var = self.new()
        self.concats.append((var, parts, node))
        return var

    def _solve_concats(self) -> None:
        # [a, b] has size |a| + |b|. Solve by repeated passes: a concat whose
        # parts are known fixes its size; a known concat with one unknown part
        # fixes that part. Cells rarely have more than a few concats.
        pending = list(self.concats)
        while pending:
            still = []
            for var, parts, node in pending:
                sizes = [self.size(p) for p in parts]
                unknown = [p for p, s in zip(parts, sizes, strict=True) if s is None]
                total = self.size(var)
                if not unknown:
                    whole = sum((s for s in sizes), Poly(()))
                    self.pin(var, whole, node.span, self.text(node))
                elif total is not None and len(unknown) == 1:
                    rest = sum((s for s in sizes if s is not None), Poly(()))
                    self.pin(unknown[0], total - rest, node.span, "a part of " + self.text(node))
                else:
                    still.append((var, parts, node))
            if len(still) == len(pending):
                break  # no progress; what stays unknown is reported per parameter
            pending = still

    # ---- results ----

    def _param(self, name: str) -> ParamShape:
        decl = self.scope.declared.get(name)
        # A declared parameter that nothing uses belongs to no gate.
        gate, span = self.scope.first_use.get(name, (UNUSED, None))
        if decl is not None:
            shape = tuple(dim_poly(d) for d in decl.dims)
            return ParamShape(name, decl.kind, shape, gate, decl.span)
        if name in self.matrices:
            rows, cols = self.matrices[name]
            return ParamShape(
                name,
                "matrix",
                (self._need(rows, name, span, "rows"), self._need(cols, name, span, "columns")),
                gate,
                span,
            )
        size = self._need(self.vectors[name], name, span, "size")
        return ParamShape(name, "vector", (size,), gate, span)

    def _need(self, var: int, name: str, span: ir.Span, what: str) -> Poly:
        size = self.size(var)
        if size is None:
            hint = "param {0} : (ROWS, COLS)" if what != "size" else "param {0} : SIZE"
            raise self.error(
                f"cannot infer the {what} of parameter '{name}'; declare it with `{hint.format(name)}`",
                span,
            )
        return size

    def _output_size(self) -> Poly | None:
        name = self.scope.output
        if name is None:
            return None
        var = self.vars.get(name) if name in self.scope.states else self.gates.get(name)
        return None if var is None else self.size(var)
