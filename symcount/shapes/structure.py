"""Shape rules for structure: concatenation, slices, norms, `outer`, `heads`,
`flat`, `sum` and the convolutions (and their kernels)."""

from __future__ import annotations

from .. import ir
from ..errors import SymcountError
from ..poly import Poly
from .unify import nonnegative


class Structure:
    """A part of the inference (see `shapes`): mixed into `_Inference`."""

    def visit_Concat(self, node: ir.Concat) -> int:
        parts, refs = [], []
        for part in node.parts:
            shape = self.expr(part)
            if self.scalar(shape):
                raise self.error(
                    f"cannot concatenate the scalar {self.text(part)}{self.why_scalar(part)}; "
                    "parts of [...] must be vectors",
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

    def visit_Slice(self, node: ir.Slice) -> int:
        shape = self.expr(node.operand)
        if self.scalar(shape):
            raise self.error(
                f"cannot slice the scalar {self.text(node.operand)}{self.why_scalar(node.operand)}",
                node.span,
            )
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

    # ---- functions: a rule per category (`functions.TABLE`), or per function where they differ ----

    def size_arg(self, node: ir.Expr) -> Poly:
        """A size given to a function (`H` in heads(v, H)); like a declared one, positive."""
        size = self.sizes.of_expr(node)
        if all(coeff <= 0 for _, coeff in size.terms):
            raise self.error(f"a size must be positive, but {size} never is", node.span)
        self.scalars(node)
        return size

    def call_normalisation(self, node: ir.Call) -> int:
        """A normalisation keeps its argument's shape."""
        return self._value(node.args[0], node.func)

    def call_groupnorm(self, node: ir.Call) -> int:
        """groupnorm(v, G) keeps v's shape; its G groups divide the channels, the first
        axis (a feature map's, as PyTorch's GroupNorm reads (C, *); a vector's only one)."""
        shape = self.call_normalisation(node)
        groups = self.size_arg(node.args[1])
        self.deferred.append(("divides", self.vector(shape)[0], groups, node))
        return shape

    def call_outer(self, node: ir.Call) -> int:
        refs = [self._value(arg, "outer") for arg in node.args]
        a, b = (self.vector(ref) for ref in refs)
        qa, qb = self.quote(node.args[0]), self.quote(node.args[1])
        why = "outer() pairs the entries of the last axes per leading entry, so the axes before them must be equal"
        lead = self._batch(a[:-1], b[:-1], *refs, node.span, qa, qb, why)
        return self.new_shape(lead + (a[-1], b[-1]))

    def call_heads(self, node: ir.Call) -> int:
        axes = self.vector(self._value(node.args[0], "heads"))
        count = self.size_arg(node.args[1])
        heads, each = self.fixed(count, node.args[1].span), self.new()
        self.deferred.append(("product", axes[-1], heads, each, node))
        return self.new_shape(axes[:-1] + (heads, each))

    def call_flat(self, node: ir.Call) -> int:
        axes = self.vector(self._value(node.args[0], "flat"))
        if len(axes) < 2:
            raise self.error(f"flat() needs a value of rank 2 or more, not {self.text(node.args[0])}", node.span)
        joined = self.new()
        self.deferred.append(("product", joined, axes[-2], axes[-1], node))
        return self.new_shape(axes[:-2] + (joined,))

    def call_sum(self, node: ir.Call) -> int:
        axes = self.vector(self._value(node.args[0], "sum"))
        return self.new_shape(axes[:-1])

    def _value(self, node: ir.Expr, func: str) -> int:
        shape = self.expr(node)
        if self.scalar(shape):
            raise self.error(
                f"{func}() needs a vector or tensor, not the scalar {self.text(node)}{self.why_scalar(node)}",
                node.span,
            )
        return shape

    def call_conv1d(self, node: ir.Call) -> int:
        """Depthwise causal convolution over time: one row of K weights per channel, and
        every entry of the operand is a channel (a per-head value (H, d) has H*d, as
        nn.Conv1d(groups=H*d) over the flattened heads has)."""
        shape = self._value(node.args[1], "conv1d")
        self._kernel(node, (self.entries(self.vector(shape), node),), 1)
        return shape

    def entries(self, axes: tuple[int, ...], node: ir.Call) -> int:
        """A size for the number of entries of a value with `axes`: their product."""
        whole = axes[0]
        for axis in axes[1:]:
            product = self.new()
            self.deferred.append(("product", product, whole, axis, node))
            whole = product
        return whole

    def call_conv(self, node: ir.Call) -> int:
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
        if decl is not None and (decl.kind in (ir.Kind.DIAG, ir.Kind.BLOCKDIAG, ir.Kind.SCALAR) or len(decl.dims) != len(axes)):
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
        self.types.record(weight, self.params[name])

    # ---- deferred relations ----
