r"""How the paper notation writes the functions that are not plain `f(x)`.

`LatexPrinter` (in `equations`) asks `CallNotation.print_call` for every
call. The elementwise functions print as `f(x)` with the command papers use
(`\sigma`, `\tanh`, `\max`, `\operatorname{softplus}`); the rest have a
notation of their own, the one their papers write:

    layernorm(v)       \mathrm{LN}(v)          outer(a, b)     a b^\top
    rmsnorm(v)         \mathrm{RMSNorm}(v)     sum(a * b)      a^\top b
    batchnorm(v)       \mathrm{BN}(v)          sum(v)          \mathbf{1}^\top v
    groupnorm(v, G)    \mathrm{GN}_{G}(v)      heads(v, H)     \operatorname{heads}_{H}(v)
    conv1d(w, v, K)    \operatorname{conv}(w, v)   flat(T)     \operatorname{vec}(T)
    sqrt(a)            \sqrt{a}                abs(a)          \left|a\right|
    logsigmoid(a)      \log\sigma(a)           leaky_relu(a)   \operatorname{LeakyReLU}(a)

A convolution's size argument (`conv(W, x, k)`) is the kernel's, which the
table of parameters shows: the equation leaves it out. A cell's own function
prints as a function of its name, `g(a)`.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from .tex import escape_math, has_superscript, juxtapose, symbol

# Functions with a LaTeX command of their own; the others are \operatorname{...}.
FUNCTIONS = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "exp": r"\exp",
    "log": r"\log",
    "sin": r"\sin",
    "cos": r"\cos",
    "max": r"\max",
    "min": r"\min",
    "logsigmoid": r"\log\sigma",
    "leaky_relu": r"\operatorname{LeakyReLU}",
}

# Normalisations, parameter-free: the gains and shifts are written around them.
NORMS = {"layernorm": r"\mathrm{LN}", "rmsnorm": r"\mathrm{RMSNorm}", "batchnorm": r"\mathrm{BN}"}

# Calls that print as juxtapositions (`a b^\top`, `\mathbf{1}^\top v`): inside a
# transpose or beside another product they need parentheses, as a product would.
JUXTAPOSED = frozenset({"outer", "sum"})


class CallNotation:
    """The paper notation of calls; mixed into `LatexPrinter`, whose traversal it uses."""

    # Provided by the printer this is mixed into.
    expr: Callable[[ir.Expr], str]
    parens: Callable[[str], str]
    constant: Callable[[ir.Expr], bool]  # a number, or made of numbers and sizes
    own_functions: frozenset[str]

    def print_call(self, node: ir.Call) -> str:
        special = self.SPECIAL.get(node.func)
        if special is not None:
            return special(self, node)
        if node.func in NORMS:
            return NORMS[node.func] + self.parens(self.expr(node.args[0]))
        args = ", ".join(self.expr(a) for a in node.args)
        return self.function(node.func) + self.parens(args)

    def function(self, name: str) -> str:
        if name in self.own_functions:
            # The cell's own `def g(a)`: a letter as a letter, a longer name upright.
            text = symbol(name)
            return text if not text.startswith(r"\mathit") else rf"\operatorname{{{escape_math(name)}}}"
        return FUNCTIONS.get(name) or rf"\operatorname{{{escape_math(name)}}}"

    # ---- one method per notation ----

    def _abs(self, node: ir.Call) -> str:
        return r"\left|" + self.expr(node.args[0]) + r"\right|"

    def _sqrt(self, node: ir.Call) -> str:
        return rf"\sqrt{{{self.expr(node.args[0])}}}"

    def _groupnorm(self, node: ir.Call) -> str:
        value, groups = node.args
        return rf"\mathrm{{GN}}_{{{self.expr(groups)}}}" + self.parens(self.expr(value))

    def _heads(self, node: ir.Call) -> str:
        value, count = node.args
        return rf"\operatorname{{heads}}_{{{self.expr(count)}}}" + self.parens(self.expr(value))

    def _flat(self, node: ir.Call) -> str:
        return r"\operatorname{vec}" + self.parens(self.expr(node.args[0]))

    def _conv(self, node: ir.Call) -> str:
        kernel, value = node.args[:2]  # the kernel's size is the kernel's shape
        return r"\operatorname{conv}" + self.parens(f"{self.expr(kernel)}, {self.expr(value)}")

    def _outer(self, node: ir.Call) -> str:
        left, right = self.juxtaposed(node.args[0]), self.transposed(node.args[1])
        return left + juxtapose(left, right) + right

    def _sum(self, node: ir.Call) -> str:
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

    SPECIAL = {
        "abs": _abs,
        "sqrt": _sqrt,
        "groupnorm": _groupnorm,
        "heads": _heads,
        "flat": _flat,
        "conv1d": _conv,
        "conv": _conv,
        "outer": _outer,
        "sum": _sum,
    }

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
    """Binds more loosely than a juxtaposition: a sum, a product, a negation, or
    a call that prints as a juxtaposition itself."""
    return isinstance(node, (ir.Sum, ir.Product, ir.Neg)) or (
        isinstance(node, ir.Call) and node.func in JUXTAPOSED
    )
