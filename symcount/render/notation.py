r"""How the paper notation writes calls: a rule per category of function, or per function.

`LatexPrinter` (in `equations`) mixes `CallNotation` in, and finds the rule
for a call of a built-in function as every printer does (`equations.call_rules`):
`call_<name>`, else `call_<category>`. Most functions keep the printer's
rule, `f(x)`, with the command papers write from `functions.TABLE`'s `latex`
column (`\sigma`, `\tanh`, `\mathrm{LN}`, `\operatorname{vec}`; without one,
`\operatorname{softplus}`). The rest have a layout of their own, the one
their papers write:

    groupnorm(v, G)    \mathrm{GN}_{G}(v)             outer(a, b)    a b^\top
    heads(v, H)        \operatorname{heads}_{H}(v)    sum(a * b)     a^\top b
    conv1d(w, v, K)    \operatorname{conv}(w, v)      sum(v)         \mathbf{1}^\top v
    sqrt(a)            \sqrt{a}                       abs(a)         \left|a\right|

A convolution's size argument (`conv(W, x, k)`) is the kernel's, which the
table of parameters shows: the equation leaves it out. A cell's own function
prints as a function of its name, `g(a)`.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from ..functions import TABLE, Category
from .tex import escape_math, has_superscript, juxtapose, symbol


class CallNotation:
    """The paper notation of calls; mixed into `LatexPrinter`, whose traversal it uses."""

    # Provided by the printer this is mixed into.
    expr: Callable[[ir.Expr], str]
    parens: Callable[[str], str]
    constant: Callable[[ir.Expr], bool]  # a number, or made of numbers and sizes
    own_functions: frozenset[str]

    def function(self, name: str) -> str:
        if name in self.own_functions:
            # The cell's own `def g(a)`: a letter as a letter, a longer name upright.
            text = symbol(name)
            return text if not text.startswith(r"\mathit") else rf"\operatorname{{{escape_math(name)}}}"
        builtin = TABLE.get(name)
        command = builtin.latex if builtin is not None else None
        return command or rf"\operatorname{{{escape_math(name)}}}"

    # ---- rules: one per function or category with a layout of its own ----

    def call_abs(self, node: ir.Call) -> str:
        return r"\left|" + self.expr(node.args[0]) + r"\right|"

    def call_sqrt(self, node: ir.Call) -> str:
        return rf"\sqrt{{{self.expr(node.args[0])}}}"

    def call_convolution(self, node: ir.Call) -> str:
        kernel, value = node.args[:2]  # the kernel's size is the kernel's shape
        return self.function(node.func) + self.parens(f"{self.expr(kernel)}, {self.expr(value)}")

    def call_outer(self, node: ir.Call) -> str:
        left, right = self.juxtaposed(node.args[0]), self.transposed(node.args[1])
        return left + juxtapose(left, right) + right

    def call_sum(self, node: ir.Call) -> str:
        value = node.args[0]
        if (
            isinstance(value, ir.Product)
            and value.ops == ("*",)
            and not any(self.constant(f) for f in value.factors)
        ):
            # The sum of a product is a dot product.
            left, right = self.transposed(value.factors[0]), self.juxtaposed(value.factors[1])
            return left + juxtapose(left, right) + right
        return rf"\mathbf{{1}}^\top {self.juxtaposed(value)}"

    def subscripted(self, node: ir.Call) -> str:
        r"""`f(v, n)` with its size argument as a subscript: `\mathrm{GN}_{G}(v)`."""
        value, count = node.args
        return rf"{self.function(node.func)}_{{{self.expr(count)}}}" + self.parens(self.expr(value))

    call_groupnorm = call_heads = subscripted

    # ---- operands of juxtapositions ----

    def juxtaposed(self, node: ir.Expr) -> str:
        """An operand written beside another: a sum or product in parentheses."""
        text = self.expr(node)
        return self.parens(text) if _loose(node) else text

    def transposed(self, node: ir.Expr) -> str:
        r"""`v^\top`: `(a + b)^\top`, and `{h^{(1)}_t}^\top` where a superscript is already there."""
        text = self.expr(node)
        if _loose(node) or isinstance(node, ir.MatMul):  # `(W_s s_t)^\top`, not `W_s s_t^\top`
            text = self.parens(text)
        elif has_superscript(text):  # `x^{(1)}^\top` would be a double superscript
            text = f"{{{text}}}"
        return text + r"^\top"


def _loose(node: ir.Expr) -> bool:
    r"""Binds more loosely than a juxtaposition: a sum, a product, a negation, or
    a contraction, which prints as a juxtaposition itself (`a b^\top`, `\mathbf{1}^\top v`)."""
    if isinstance(node, ir.Call):
        builtin = TABLE.get(node.func)
        return builtin is not None and builtin.category is Category.CONTRACTION
    return isinstance(node, (ir.Sum, ir.Product, ir.Neg))
