"""Shape rules for `@`: a weight applied to the last axis, a row vector, and
products of values per leading (batch) axes."""

from __future__ import annotations

from .. import ir
from ..errors import SymcountError


class Products:
    """A part of the inference (see `shapes`): mixed into `_Inference`."""

    def visit_MatMul(self, node: ir.MatMul) -> int:
        vector = self.expr(node.vector)
        if self.scalar(vector):
            raise self.error(
                f"the right operand of @ must be a vector, but {self.text(node.vector)} is a "
                f"scalar{self.why_scalar(node.vector)}",
                node.vector.span,
            )
        left = node.matrix
        if isinstance(left, ir.Name) and self.scope.kind(left.name) == "parameter":
            shape = self.weight(left, node, vector)
            self.types.record(left, self.params[left.name])  # the weight as applied
            return shape
        return self.value_product(node, self.expr(left), vector)

    def weight(self, left: ir.Name, node: ir.MatMul, vector: int) -> int:
        name = left.name
        decl = self.scope.declared.get(name)
        if decl is not None and decl.kind == ir.Kind.VECTOR:
            return self.row(left, node, vector)
        if decl is not None and decl.kind not in (ir.Kind.MATRIX, ir.Kind.DIAG, ir.Kind.BLOCKDIAG):
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
        if decl is not None and decl.kind == ir.Kind.BLOCKDIAG:
            self._blocks_fit(decl, cols, axes[-1], node)
        self.unify(cols, axes[-1], node.vector.span, f"the columns of '{name}'", self.quote(node.vector))
        result = self.new()
        self.unify(rows, result, node.span, f"the rows of '{name}'", self.quote(node))
        return self.new_shape(axes[:-1] + (result,))

    def row(self, left: ir.Name, node: ir.MatMul, vector: int) -> int:
        """`w @ x` with `param w : e`: a row vector, wᵀx, one number per leading entry."""
        (size,) = self.axes(self.params[left.name])
        axes = self.vector(vector)
        self.row_products.append(node)
        self.unify(size, axes[-1], node.vector.span, f"the size of '{left.name}'", self.quote(node.vector))
        return self.new_shape(axes[:-1])

    def _blocks_fit(self, decl: ir.ParamDecl, cols: int, last: int, node: ir.MatMul) -> None:
        """A block-diagonal weight takes a vector of exactly blocks times block columns."""
        wanted, size = self.size(cols), self.size(last)
        if wanted is None or size is None or self.same_size(wanted, size):
            return
        blocks, block_rows, block_cols = (self.sizes.poly(d) for d in decl.dims)
        why = ""
        if self.sizes.divide(size, blocks) is None:
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
        if self.scalar(left):
            raise self.error(
                f"the left operand of @ must be a weight or a value with axes, but "
                f"{self.text(node.matrix)} is a scalar{self.why_scalar(node.matrix)}; a scalar "
                "multiplies with *",
                node.matrix.span,
            )
        a, b = self.axes(left), self.vector(right)
        # A named vector (a gate: `resolve.names` refuses inputs and states by
        # their declarations) is a plain vector, whatever the right operand.
        plain = len(a or ()) == 1 and (len(b or ()) == 1 or isinstance(node.matrix, ir.Name))
        if a is None or b is None or len(a) < 1 or plain:
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
            self.row_products.append(node)
        elif len(a) == len(b):  # (..., j) @ (..., j) → (...): a dot product per batch entry
            batch, kept = self._batch(a[:-1], b[:-1], left, right, at, qa, qb, why), None
            self._contract(a[-1], b[-1], node, ("last", "last"))
            self.row_products.append(node)
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

    def why_scalar(self, node: ir.Expr) -> str:
        """Why a value that looks like one is a scalar, where its form says (else nothing)."""
        if isinstance(node, ir.Call) and node.func == "sum":
            return f" (sum() adds up the last axis of {self.text(node.args[0])}, its only one)"
        if isinstance(node, ir.MatMul):
            return " (a row times a vector is one number)"
        return ""

    def describe_operand(self, node: ir.Expr) -> str:
        if isinstance(node, ir.Name):
            return f"{self.scope.kind(node.name)} '{node.name}'"
        if isinstance(node, ir.NewName):
            return f"state value {node.name}'"
        return "an expression"

    # ---- concatenation and slicing ----
