"""Shape inference: every value's and parameter's shape in a cell, solved at once.

Values have shapes of any rank: a scalar, a vector (n), a matrix (H, d), a
tensor (H, d, d). Each expression node gets a shape variable (see `unify`):

- elementwise operations (`+ - * /`, functions) line shapes up from the left;
  a shape that is the start of the other repeats over the axes it lacks, a
  scalar broadcasts everywhere, and a parameter takes the whole shape of the
  value beside it;
- `W @ v` applies a weight to the last axis of v; between two values, `@`
  multiplies a matrix and a vector per leading (batch) axes (`C @ q`, `q @ C`),
  or takes a dot product of two values of equal rank (2 or more);
- concatenation, slicing, `outer`, `heads`, `flat`, `sum`, the norms and the
  convolutions each have their rule below.

Declarations pin sizes to polynomials; relations that are not equalities
(concatenation, splitting into heads) are deferred and solved after. What
comes out is every parameter's shape as a tuple of `Poly`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import ir
from .errors import Note, SymcountError
from .names import Scope
from .poly import Poly
from .sizes import SizeProblem, Sizes
from .unify import Solver, divide, nonnegative

# The gate of a declared parameter that no equation uses.
UNUSED = "(unused)"

# Real numbers per entry of a parameter's field.
FIELD_REALS = {"real": 1, "complex": 2, "quaternion": 4}


@dataclass(frozen=True)
class ParamShape:
    name: str
    kind: str  # "matrix", "vector", "diag", "scalar", "blockdiag" or "tensor"
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


def infer(scope: Scope, input_sizes: Mapping[str, Poly] | None = None) -> Shapes:
    """Solve the shapes of `scope`'s cell.

    `input_sizes` overrides declared input sizes: a stacked layer reads the
    previous layer's output instead of the declared input.
    """
    try:
        sizes = Sizes(scope)
        return _Inference(scope, sizes, dict(input_sizes or {})).run()
    except SizeProblem as e:
        raise scope.cell.source.error(str(e), e.span) from None
    except SymcountError as e:
        if scope.functions:
            raise _with_call_site(e, scope) from None
        raise


def _with_call_site(error: SymcountError, scope: Scope) -> SymcountError:
    """An error inside a `def`'s body gains a note at an equation that calls it:
    the body alone does not say which arguments made it wrong."""
    inside = next((d for d in scope.functions.values() if _contains(d.span, error.location)), None)
    if inside is None:
        return error
    reaching = {inside.name}  # the def and every def that calls it, however indirectly
    grew = True
    while grew:
        grew = False
        for definition in scope.functions.values():
            if definition.name not in reaching and any(
                isinstance(n, ir.Call) and n.func in reaching for n in ir.walk(definition.expr)
            ):
                reaching.add(definition.name)
                grew = True
    for eq in scope.cell.equations:
        for node in ir.walk(eq.expr):
            if isinstance(node, ir.Call) and node.func in reaching:
                source = scope.cell.source
                note = Note(f"in '{inside.name}', called here", source.location(node.span))
                return SymcountError(error.message, error.location, (*error.notes, note))
    return error


def _contains(span: ir.Span, location) -> bool:
    start, end = (span.line, span.column), (span.end_line, span.end_column)
    return location.line is not None and start <= (location.line, location.column) < end


class _Inference(Solver):
    def __init__(self, scope: Scope, sizes: Sizes, overrides: dict[str, Poly]):
        super().__init__(scope.cell.source)
        self.scope = scope
        self.sizes = sizes
        self.deferred: list = []  # (kind, ...) relations solved after the equalities
        self.values: dict[str, int | None] = {}  # inputs and states → shape (None: scalar)
        self.gates: dict[str, int | None] = {}
        self.params: dict[str, int] = {}  # parameter → shape (its matrix shape if used with @)
        self.first_use: dict[str, tuple[ir.Span, str]] = {}  # param → where, "matrix"/"vector"
        self.input_sizes: dict[str, Poly] = {}
        self.row_products: set[ir.Span] = set()
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
            if decl.kind not in ("scalar",):
                self.params[name] = self.declared_shape(decl)

    def text(self, node) -> str:
        return f"'{self.source.snippet(node.span)}'"

    def quote(self, node):
        """A callable naming a node, for messages made only on error."""
        return lambda: self.text(node) if not isinstance(node, str) else node

    def declared(self, dim: ir.Dim) -> Poly:
        """A written size; sizes are positive, so one that never is (0, -n) is an error."""
        size = self.sizes.poly(dim)
        if all(coeff <= 0 for _, coeff in size.terms):
            raise self.error(f"a size must be positive, but {size} never is", dim.span)
        return size

    def declared_shape(self, decl) -> int | None:
        """The shape a declaration gives (as a weight is applied, for diag and blockdiag)."""
        if decl.kind == "scalar":
            return None
        polys = [self.declared(d) for d in decl.dims]
        if decl.kind == "diag":
            polys = [polys[0], polys[0]]
        elif decl.kind == "blockdiag":
            blocks, rows, cols = polys
            polys = [blocks * rows, blocks * cols]
        return self.new_shape(tuple(self.fixed(p, decl.span) for p in polys))

    # ---- equations ----

    def run(self) -> Shapes:
        for eq in self.scope.equations:
            self.gate = f"{eq.target}'" if eq.is_state else eq.target
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
        return Shapes(
            tuple(self.param_shape(name) for name in self.scope.params),
            self.input_sizes,
            self.output_size(),
            frozenset(self.row_products),
        )

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

    def expr(self, node: ir.Expr) -> int | None:
        rule = _RULES.get(type(node))
        return rule(self, node) if rule is not None else self.elementwise(node)

    def number(self, node: ir.Number) -> None:
        return None

    def name(self, node: ir.Name) -> int | None:
        name = node.name
        if name in self.values:
            return self.values[name]
        if name in self.gates:
            return self.gates[name]
        if name in self.scope.symbols or name in self.scope.sizes:
            return None  # a size as a value is a constant
        decl = self.scope.declared.get(name)
        if decl is not None and decl.kind == "scalar":
            return None
        if decl is not None and decl.kind in ("diag", "blockdiag"):
            raise self.error(
                f"'{name}' is declared as a {decl.kind} matrix; use it on the left of @, as in {name} @ x",
                node.span,
                ("declared here", decl.span),
            )
        self._use(name, "vector", node.span)
        if name not in self.params:
            self.params[name] = self.new_shape()
        return self.params[name]

    def new_name(self, node: ir.NewName) -> int | None:
        return self.values[node.name]

    def passthrough(self, node) -> int | None:
        return self.expr(ir.children(node)[0])

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

    # ---- @ ----

    def matmul(self, node: ir.MatMul) -> int:
        vector = self.expr(node.vector)
        if vector is None:
            raise self.error(
                f"the right operand of @ must be a vector, but {self.text(node.vector)} is a scalar",
                node.vector.span,
            )
        left = node.matrix
        if isinstance(left, ir.Name) and self.scope.kind(left.name) == "parameter":
            return self.weight(left, node, vector)
        return self.value_product(node, self.expr(left), vector)

    def weight(self, left: ir.Name, node: ir.MatMul, vector: int) -> int:
        name = left.name
        decl = self.scope.declared.get(name)
        if decl is not None and decl.kind == "vector":
            return self.row(left, node, vector)
        if decl is not None and decl.kind not in ("matrix", "diag", "blockdiag"):
            raise self.error(
                f"'{name}' is declared as a {decl.kind}; the left operand of @ must be a matrix, "
                "diag, blockdiag or (a row) vector",
                left.span,
                ("declared here", decl.span),
            )
        self._use(name, "matrix", left.span)
        if name not in self.params:
            self.params[name] = self.new_shape((self.new(), self.new()))
        rows, cols = self.axes(self.params[name])
        axes = self.vector(vector)
        if decl is not None and decl.kind == "blockdiag":
            self._blocks_fit(decl, cols, axes[-1], node)
        self.unify(cols, axes[-1], node.vector.span, f"the columns of '{name}'", self.quote(node.vector))
        result = self.new()
        self.unify(rows, result, node.span, f"the rows of '{name}'", self.quote(node))
        return self.new_shape(axes[:-1] + (result,))

    def row(self, left: ir.Name, node: ir.MatMul, vector: int) -> int:
        """`w @ x` with `param w : e`: a row vector, wᵀx, one number per leading entry."""
        (size,) = self.axes(self.params[left.name])
        axes = self.vector(vector)
        self.row_products.add(node.span)
        self.unify(size, axes[-1], node.vector.span, f"the size of '{left.name}'", self.quote(node.vector))
        return self.new_shape(axes[:-1])

    def _blocks_fit(self, decl: ir.ParamDecl, cols: int, last: int, node: ir.MatMul) -> None:
        """A block-diagonal weight takes a vector of exactly blocks times block columns."""
        wanted, size = self.size(cols), self.size(last)
        if wanted is None or size is None or wanted == size:
            return
        blocks, block_rows, block_cols = (self.sizes.poly(d) for d in decl.dims)
        why = ""
        if divide(size, blocks) is None:
            why = f" (not a multiple of {blocks})"
        raise self.error(
            f"size mismatch: the block-diagonal '{decl.name}' has {blocks} blocks of {block_rows} x "
            f"{block_cols}, so it takes a vector of size {wanted}, but {self.text(node.vector)} "
            f"has size {size}{why}",
            node.vector.span,
            ("declared here", decl.span),
            *((f"size {size} comes from here", self.origin(last)),) if self.origin(last) else (),
        )

    def value_product(self, node: ir.MatMul, left: int | None, right: int) -> int:
        # A parameter on the right whose shape nothing has fixed yet is a vector.
        a, b = self.axes(left) if left is not None else (), self.vector(right)
        if a is None or b is None or len(a) < 1 or (len(a) == 1 and len(b) == 1):
            what = self.describe_operand(node.matrix)
            raise self.error(f"the left operand of @ must be a parameter (a weight), not {what}", node.matrix.span)
        at, qa, qb = node.span, self.quote(node.matrix), self.quote(node.vector)
        why = f"{self.text(node)} multiplies per leading (batch) axis, so those must be equal"
        if len(a) == len(b) + 1:  # (..., i, j) @ (..., j) → (..., i)
            batch, kept = self._batch(a[:-2], b[:-1], left, right, at, qa, qb, why), a[-2]
            self._contract(a[-1], b[-1], node, ("last", "last"))
        elif len(b) == len(a) + 1:  # (..., j) @ (..., j, k) → (..., k)
            batch, kept = self._batch(a[:-1], b[:-2], left, right, at, qa, qb, why), b[-1]
            self._contract(a[-1], b[-2], node, ("last", "second to last"))
            self.row_products.add(node.span)
        elif len(a) == len(b):  # (..., j) @ (..., j) → (...): a dot product per batch entry
            batch, kept = self._batch(a[:-1], b[:-1], left, right, at, qa, qb, why), None
            self._contract(a[-1], b[-1], node, ("last", "last"))
            self.row_products.add(node.span)
        else:
            raise self.error(
                f"cannot multiply {qa()} of shape {self.describe(left)} by {qb()} of shape "
                f"{self.describe(right)}: @ needs ranks that differ by one (a matrix per batch "
                "entry times a vector), or are equal (a dot product per batch entry)",
                at,
            )
        return self.new_shape(batch + ((kept,) if kept is not None else ()))

    def _contract(self, u: int, v: int, node: ir.MatMul, which: tuple[str, str]) -> None:
        """The axes `@` sums over must have one length."""
        left = lambda: f"the {which[0]} axis of {self.text(node.matrix)}"  # noqa: E731
        right = lambda: f"the {which[1]} axis of {self.text(node.vector)}"  # noqa: E731
        try:
            self.unify(u, v, node.span, left, right)
        except SymcountError as e:
            raise SymcountError(
                f"{e.message}; {self.text(node)} sums over these two axes", e.location, e.notes
            ) from None

    def _batch(self, a: tuple[int, ...], b: tuple[int, ...], ref_a, ref_b, at, qa, qb, why) -> tuple[int, ...]:
        """Leading axes that must be equal (`why` says what needs them so)."""
        try:
            if len(a) != len(b):
                raise SymcountError("", self.source.location(at))
            for u, v in zip(a, b, strict=True):
                self.unify(u, v, at, qa, qb)
        except SymcountError as e:
            message = f"shape mismatch: {qa()} {self.shaped(ref_a)} but {qb()} {self.shaped(ref_b)}; {why}"
            raise SymcountError(message, self.source.location(at), e.notes) from None
        return a

    def describe_operand(self, node: ir.Expr) -> str:
        if isinstance(node, ir.Name):
            return f"{self.scope.kind(node.name)} '{node.name}'"
        if isinstance(node, ir.NewName):
            return f"state value {node.name}'"
        return "an expression"

    # ---- concatenation and slicing ----

    def concat(self, node: ir.Concat) -> int:
        parts, refs = [], []
        for part in node.parts:
            shape = self.expr(part)
            if shape is None:
                raise self.error(
                    f"cannot concatenate the scalar {self.text(part)}; parts of [...] must be vectors",
                    part.span,
                )
            parts.append(self.vector(shape))
            refs.append(shape)
        lead, first = parts[0][:-1], refs[0]
        why = "[...] joins the last axis, so the axes before it must be equal"
        for axes, ref, part in zip(parts[1:], refs[1:], node.parts[1:], strict=True):
            self._batch(lead, axes[:-1], first, ref, part.span, self.quote(node.parts[0]), self.quote(part), why)
        last = self.new()
        self.deferred.append(("concat", last, [a[-1] for a in parts], node))
        return self.new_shape(lead + (last,))

    def slice(self, node: ir.Slice) -> int:
        shape = self.expr(node.operand)
        if shape is None:
            raise self.error(f"cannot slice the scalar {self.text(node.operand)}", node.span)
        axes = self.vector(shape)
        start, stop = self.sizes.poly(node.start), self.sizes.poly(node.stop)
        if not nonnegative(start):
            raise self.error(
                f"the slice {start}:{stop} may start before 0, the first index of "
                f"{self.text(node.operand)}",
                node.start.span,
            )
        if not nonnegative(stop - start - Poly.const(1)):
            raise self.error(
                f"the slice {start}:{stop} is empty or reversed: it takes the entries from "
                f"{start} up to, not including, {stop}, so the end must exceed the start",
                node.span,
            )
        self.deferred.append(("slice", axes[-1], start, stop, node))
        return self.new_shape(axes[:-1] + (self.fixed(stop - start, node.span),))

    # ---- functions ----

    def call(self, node: ir.Call) -> int | None:
        special = _CALLS.get(node.func)
        if special is not None:
            return special(self, node)
        if node.func in ("max", "min"):
            return self.elementwise(node)
        return self.expr(node.args[0])  # elementwise: the argument's shape

    def size_arg(self, node: ir.Expr) -> Poly:
        """A size given to a function (`H` in heads(v, H)); like a declared one, positive."""
        size = self.sizes.of_expr(node)
        if all(coeff <= 0 for _, coeff in size.terms):
            raise self.error(f"a size must be positive, but {size} never is", node.span)
        return size

    def norm(self, node: ir.Call) -> int:
        """A normalisation keeps its argument's shape; groupnorm's groups divide the last axis."""
        shape = self._value(node.args[0], node.func)
        if node.func == "groupnorm":
            groups = self.size_arg(node.args[1])
            self.deferred.append(("divides", self.vector(shape)[-1], groups, node))
        return shape

    def outer(self, node: ir.Call) -> int:
        refs = [self._value(arg, "outer") for arg in node.args]
        a, b = (self.vector(ref) for ref in refs)
        qa, qb = self.quote(node.args[0]), self.quote(node.args[1])
        why = "outer() pairs the entries of the last axes per leading entry, so the axes before them must be equal"
        lead = self._batch(a[:-1], b[:-1], *refs, node.span, qa, qb, why)
        return self.new_shape(lead + (a[-1], b[-1]))

    def heads(self, node: ir.Call) -> int:
        axes = self.vector(self._value(node.args[0], "heads"))
        count = self.size_arg(node.args[1])
        heads, each = self.fixed(count, node.args[1].span), self.new()
        self.deferred.append(("product", axes[-1], heads, each, node))
        return self.new_shape(axes[:-1] + (heads, each))

    def flat(self, node: ir.Call) -> int:
        axes = self.vector(self._value(node.args[0], "flat"))
        if len(axes) < 2:
            raise self.error(f"flat() needs a value of rank 2 or more, not {self.text(node.args[0])}", node.span)
        joined = self.new()
        self.deferred.append(("product", joined, axes[-2], axes[-1], node))
        return self.new_shape(axes[:-2] + (joined,))

    def sum(self, node: ir.Call) -> int:
        axes = self.vector(self._value(node.args[0], "sum"))
        return self.new_shape(axes[:-1])

    def _value(self, node: ir.Expr, func: str) -> int:
        shape = self.expr(node)
        if shape is None:
            raise self.error(f"{func}() needs a vector or tensor, not the scalar {self.text(node)}", node.span)
        return shape

    def conv1d(self, node: ir.Call) -> int:
        """Depthwise causal convolution over time: one row of K weights per channel."""
        shape = self._value(node.args[1], "conv1d")
        channels = self.vector(shape)[-1]
        self._kernel(node, (channels,), 1)
        return shape

    def conv(self, node: ir.Call) -> int:
        """Spatial convolution: (c_in, s_1..s_r) → (c_out, s_1..s_r), kernel k^r per pair."""
        axes = self.vector(self._value(node.args[1], "conv"))
        if len(axes) < 2:
            raise self.error(
                f"conv() reads a feature map (channels, then spatial axes), not the vector "
                f"{self.text(node.args[1])}; use conv1d() for a convolution over time",
                node.args[1].span,
            )
        out = self.new()
        self._kernel(node, (out, axes[0]), len(axes) - 1)
        return self.new_shape((out,) + axes[1:])

    def _kernel(self, node: ir.Call, lead: tuple[int, ...], spatial: int) -> None:
        weight = node.args[0]
        name = weight.name
        self._use(name, "kernel", weight.span)
        width = None
        if len(node.args) == 3:
            width = self.size_arg(node.args[2])
        axes = lead + tuple(
            self.fixed(width, node.args[2].span) if width is not None else self.new()
            for _ in range(spatial)
        )
        decl = self.scope.declared.get(name)
        if decl is not None and (decl.kind in ("diag", "blockdiag", "scalar") or len(decl.dims) != len(axes)):
            raise self.error(
                f"'{name}' is the kernel of {node.func}(): it needs {len(axes)} sizes, as in "
                f"`param {name} : ({', '.join(['C'] * len(lead) + ['K'] * spatial)})`",
                weight.span,
                ("declared here", decl.span),
            )
        if name not in self.params:
            self.params[name] = self.new_shape(axes)
        else:
            before, here = self.params[name], self.new_shape(axes)
            shown = self.describe(before)
            try:
                self.same_shape(before, here, weight.span, f"the kernel '{name}'", self.quote(node))
            except SymcountError as e:
                raise SymcountError(
                    f"the kernel '{name}' has shape {shown} where it is first used, but "
                    f"{self.text(node)} needs shape {self.describe(here)}; a kernel has one shape",
                    e.location,
                    e.notes,
                ) from None

    # ---- deferred relations ----

    def solve_deferred(self) -> None:
        # Repeated passes: each relation fires once enough of its sizes are
        # known. Cells rarely have more than a few.
        pending = list(self.deferred)
        while pending:
            still = [item for item in pending if not self._apply(item)]
            if len(still) == len(pending):
                break  # no progress; what stays unknown is reported per parameter
            pending = still
        for item in self.deferred:
            self._check(item)

    def _apply(self, item) -> bool:
        kind = item[0]
        if kind == "concat":
            _, whole, parts, node = item
            sizes = [self.size(p) for p in parts]
            unknown = [p for p, s in zip(parts, sizes, strict=True) if s is None]
            total = self.size(whole)
            if not unknown:
                self.pin(whole, Poly.sum(sizes), node.span, self.quote(node))
                return True
            if total is not None and len(unknown) == 1:
                rest = Poly.sum(s for s in sizes if s is not None)
                self.pin(unknown[0], total - rest, node.span, lambda: "a part of " + self.text(node))
                return True
            return False
        if kind == "product":  # whole = a * b
            _, whole, a, b, node = item
            sw, sa, sb = self.size(whole), self.size(a), self.size(b)
            if sa is not None and sb is not None:
                if sw is not None and sw != sa * sb:
                    raise self._product_mismatch(item)
                self.pin(whole, sa * sb, node.span, self.quote(node))
                return True
            if sw is not None and (sa is not None or sb is not None):
                known, other = (sa, b) if sa is not None else (sb, a)
                quotient = divide(sw, known)
                if quotient is None:
                    raise self._not_a_multiple(item, sw, known)
                self.pin(other, quotient, node.span, self.quote(node))
                return True
            return False
        return True  # checks only

    def _product_mismatch(self, item) -> SymcountError:
        """heads() or flat() whose sizes are all known and do not multiply up."""
        _, whole, a, b, node = item
        sw, sa, sb = self.size(whole), self.size(a), self.size(b)
        notes = [(f"size {sw} comes from here", self.origin(whole))]
        if node.func == "heads":
            notes.append((f"the head size {sb} comes from here", self.origin(b)))
            message = (
                f"size mismatch: {self.text(node)} makes {sa} heads of size {sb}, which needs "
                f"{self.text(node.args[0])} of size {sa * sb}, but it has size {sw}"
            )
        else:
            notes.append((f"size {sw} comes from here", self.origin(whole)))
            message = (
                f"size mismatch: {self.text(node)} has size {sa * sb} ({sa} times {sb}), but "
                f"it is used where size {sw} is needed"
            )
            notes = notes[1:]
        return self.error(message, node.span, *((t, at) for t, at in notes if at is not None))

    def _not_a_multiple(self, item, size: Poly, known: Poly) -> SymcountError:
        _, whole, a, b, node = item
        if node.func == "heads":
            operand = self.text(node.args[0])
            message = (
                f"size {size} is not a multiple of {known}, so {self.text(node)} cannot split "
                f"{operand} into {known} heads (give {operand} a size that is a multiple of "
                f"{known}, such as {known * Poly.symbol('d')} for heads of size d)"
            )
        else:
            message = f"size {size} is not a multiple of {known}, so {self.text(node)} cannot have it"
        origin = self.origin(whole)
        notes = ((f"size {size} comes from here", origin),) if origin else ()
        return self.error(message, node.span, *notes)

    def _check(self, item) -> None:
        kind = item[0]
        if kind == "slice":
            _, axis, start, stop, node = item
            size = self.size(axis)
            if size is not None and not nonnegative(size - stop):
                origin = self.origin(axis)
                raise self.error(
                    f"the slice {start}:{stop} may reach past the end of "
                    f"{self.text(node.operand)}, which has size {size}",
                    node.span,
                    *((f"size {size} comes from here", origin),) if origin else (),
                )
        elif kind == "divides":
            _, axis, groups, node = item
            size = self.size(axis)
            if size is not None and divide(size, groups) is None:
                origin = self.origin(axis)
                raise self.error(
                    f"size {size} is not a multiple of {groups}, so {self.text(node)} cannot "
                    f"split {self.text(node.args[0])} into {groups} groups",
                    node.span,
                    *((f"size {size} comes from here", origin),) if origin else (),
                )

    # ---- results ----

    def check_free(self) -> None:
        """No parameter may depend on a free extent (`size rows`): the header must list it."""
        free = {n for n, d in self.scope.sizes.items() if d.definition is None}
        if not free:
            return
        for name in self.scope.params:
            shape = self.param_shape(name)
            used = sorted(free & {sym for size in shape.shape for sym in size.symbols()})
            if used:
                raise self.error(
                    f"parameter '{name}' has shape ({', '.join(map(str, shape.shape))}), which "
                    f"depends on '{used[0]}', a size the header does not list; add it to the "
                    "header to count it",
                    shape.span,
                    ("declared here", self.scope.sizes[used[0]].span),
                )

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
        kind = {0: "scalar", 1: "vector", 2: "matrix"}.get(len(shape), "tensor")
        if role == "kernel":
            kind = "matrix" if len(shape) == 2 else "tensor"
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


_RULES = {
    ir.Number: _Inference.number,
    ir.Name: _Inference.name,
    ir.NewName: _Inference.new_name,
    ir.Neg: _Inference.passthrough,
    ir.MatMul: _Inference.matmul,
    ir.Concat: _Inference.concat,
    ir.Slice: _Inference.slice,
    ir.Call: _Inference.call,
}

_CALLS = {
    "layernorm": _Inference.norm,
    "rmsnorm": _Inference.norm,
    "batchnorm": _Inference.norm,
    "groupnorm": _Inference.norm,
    "outer": _Inference.outer,
    "heads": _Inference.heads,
    "flat": _Inference.flat,
    "sum": _Inference.sum,
    "conv1d": _Inference.conv1d,
    "conv": _Inference.conv,
}
