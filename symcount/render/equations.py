"""Printing a cell's equations from the IR: one traversal, a hook per notation.

`Printer` walks an expression once and asks a hook for every node
(`print_sum`, `print_matmul`, ...) and for every token it writes (`SUM_OPS`,
`MATMUL_OP`, `variable`, `function`, ...). Left alone, the hooks write the
cell language itself, so the base class is already a plain-text printer of
equations; a notation subclasses it and overrides only what differs, as a
sqlglot dialect does with the base generator. `LatexPrinter` is the paper
notation of `symcount latex --equations`; how each name prints as a symbol
is `tex.symbol`'s rule.

The parser drops parentheses; a printer puts back exactly those the
precedence of the operators needs (`ir.precedence`), so what it prints parses
to the same tree (up to flattening `(a + b) + c` into `a + b + c`).

    >>> from symcount import builtin
    >>> cell = builtin("gru").ir
    >>> Printer(cell).equation(cell.equations[2])
    'g = tanh(W_h @ x + U_h @ (r * h) + b_h)'
    >>> LatexPrinter(cell).equation(cell.equations[2])
    'g_t &= \\\\tanh(W_{h} x_t + U_{h} (r_t \\\\odot h_{t-1}) + b_{h})'
"""

from __future__ import annotations

from .. import ir
from .tex import escape_math, latex_number, symbol, with_step


class Printer:
    """The cell language's own notation: `W @ x + b`, `h'`, `[x, h]`.

    `cell` tells the printer what each name is (input, state, gate or
    parameter); notations such as the paper's need that, the cell language
    does not.

        >>> from symcount import builtin
        >>> cell = builtin("lstm").ir
        >>> [Printer(cell).equation(eq) for eq in cell.equations][-2:]
        ["c' = f * c + i * g", "h' = o * tanh(c')"]
    """

    SUM_OPS = {"+": " + ", "-": " - "}
    PRODUCT_OPS = {"*": " * ", "/": " / "}
    MATMUL_OP = " @ "
    NEG = "-"
    CONCAT = ("[", ", ", "]")
    ASSIGN = " = "

    def __init__(self, cell: ir.Cell | None = None):
        self.roles: dict[str, str] = roles(cell) if cell is not None else {}
        # The hook for each node type, bound here so that a notation's overrides win.
        self.hooks = {
            ir.Number: self.print_number,
            ir.Name: self.print_name,
            ir.NewName: self.print_new_name,
            ir.Call: self.print_call,
            ir.Concat: self.print_concat,
            ir.Neg: self.print_neg,
            ir.Sum: self.print_sum,
            ir.Product: self.print_product,
            ir.MatMul: self.print_matmul,
            ir.Slice: self.print_slice,
        }

    # ---- the traversal: shared by every notation ----

    def expr(self, node: ir.Expr) -> str:
        """An expression, with parentheses only where precedence needs them."""
        return self.hooks[type(node)](node)

    def operand(self, child: ir.Expr, parent: ir.Expr, index: int) -> str:
        """The `index`-th child of `parent`, parenthesized if it binds too loosely."""
        text = self.expr(child)
        return self.parens(text) if self.needs_parens(child, parent, index) else text

    def needs_parens(self, child: ir.Expr, parent: ir.Expr, index: int) -> bool:
        mine, theirs = ir.precedence(child), ir.precedence(parent)
        if isinstance(parent, ir.MatMul):
            # `@` groups to the right: `A @ (B @ x)` needs none, `(A @ B) @ x` would.
            return mine < theirs if index == 1 else mine <= theirs
        if isinstance(parent, ir.Neg):
            return mine < theirs
        # `+ -` and `* /` group to the left: `a - (b - c)` keeps its parentheses.
        return mine < theirs if index == 0 else mine <= theirs

    def equation(self, eq: ir.Equation) -> str:
        return self.target(eq) + self.ASSIGN + self.expr(eq.expr)

    def equations(self, cell: ir.Cell) -> list[str]:
        return [self.equation(eq) for eq in cell.equations]

    # ---- hooks: one per node type ----

    def print_number(self, node: ir.Number) -> str:
        return node.text

    def print_name(self, node: ir.Name) -> str:
        return self.variable(node.name, self.roles.get(node.name, "parameter"), new=False)

    def print_new_name(self, node: ir.NewName) -> str:
        return self.variable(node.name, "state", new=True)

    def print_call(self, node: ir.Call) -> str:
        args = ", ".join(self.expr(a) for a in node.args)
        return self.function(node.func) + self.parens(args)

    def print_concat(self, node: ir.Concat) -> str:
        start, sep, end = self.CONCAT
        return start + sep.join(self.expr(p) for p in node.parts) + end

    def print_neg(self, node: ir.Neg) -> str:
        return self.NEG + self.operand(node.operand, node, 0)

    def print_sum(self, node: ir.Sum) -> str:
        return self._chain(node, node.terms, node.ops, self.SUM_OPS)

    def print_product(self, node: ir.Product) -> str:
        return self._chain(node, node.factors, node.ops, self.PRODUCT_OPS)

    def print_matmul(self, node: ir.MatMul) -> str:
        return (
            self.operand(node.matrix, node, 0) + self.MATMUL_OP + self.operand(node.vector, node, 1)
        )

    def print_slice(self, node: ir.Slice) -> str:
        from .cellfmt import size  # the sizes as the cell language writes them

        return f"{self.operand(node.operand, node, 0)}[{size(node.start)}:{size(node.stop)}]"

    def _chain(self, node: ir.Expr, items, ops, symbols: dict[str, str]) -> str:
        text = self.operand(items[0], node, 0)
        for index, (op, item) in enumerate(zip(ops, items[1:], strict=True), start=1):
            text += symbols[op] + self.operand(item, node, index)
        return text

    # ---- hooks: tokens ----

    def variable(self, name: str, role: str, new: bool) -> str:
        """A name; `role` is input, state, gate or parameter; `new` for `h'`."""
        return name + ("'" if new else "")

    def function(self, name: str) -> str:
        return name

    def parens(self, text: str) -> str:
        return f"({text})"

    def target(self, eq: ir.Equation) -> str:
        """The left-hand side: a gate, or the new value of a state."""
        return self.variable(eq.target, "state" if eq.is_state else "gate", new=eq.is_state)


def roles(cell: ir.Cell) -> dict[str, str]:
    """What each variable of a cell is: input, state or gate (the rest are parameters)."""
    found: dict[str, str] = {}
    for decl in cell.declarations:
        if isinstance(decl, ir.Input):
            found[decl.name] = "input"
        elif isinstance(decl, ir.State):
            found[decl.name] = "state"
    for eq in cell.equations:
        if not eq.is_state:
            found[eq.target] = "gate"
    return found


# ---- the paper notation ----

# Functions with a LaTeX command of their own; the others are \operatorname{...}.
FUNCTIONS = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "exp": r"\exp",
    "log": r"\log",
    "sin": r"\sin",
    "cos": r"\cos",
}


class LatexPrinter(Printer):
    r"""The notation of papers: `W_{i} x_t + U_{i} h_{t-1} + b_{i}`, `\odot`, `\sigma`.

    Inputs and gates carry the time step (`x_t`, `i_t`), a state its previous
    (`h_{t-1}`) or new (`h_t`) value; a matrix product is juxtaposition, an
    elementwise product `\odot`, a division a fraction. Names print as
    `symbol` says, with the cell's own variables for reading subscripts, or
    as the cell's `latex` overrides give them.

        >>> from symcount import builtin
        >>> cell = builtin("lstm").ir
        >>> print(LatexPrinter(cell).equation(cell.equations[0]))
        i_t &= \sigma(W_{i} x_t + U_{i} h_{t-1} + b_{i})
    """

    PRODUCT_OPS = {"*": r" \odot ", "/": " / "}  # `/` never printed: see print_product
    MATMUL_OP = " "
    CONCAT = ("[", "; ", "]")
    ASSIGN = " &= "

    def __init__(self, cell: ir.Cell | None = None):
        super().__init__(cell)
        self.variables = frozenset(self.roles)
        self.overrides = {o.name: o.text for o in cell.latex_overrides} if cell is not None else {}

    def symbol(self, name: str, step: str | None = None) -> str:
        """A name of the cell, everywhere it is printed: equations, tables, comments."""
        text = self.overrides.get(name)
        if text is None:
            return symbol(name, step, self.variables)
        return with_step(text, step)

    def needs_parens(self, child: ir.Expr, parent: ir.Expr, index: int) -> bool:
        # `a \odot -b`, `W -x_t` and `a - -b \odot c` read as subtractions on paper.
        if index > 0 and _starts_with_minus(child):
            return True
        return super().needs_parens(child, parent, index)

    def print_number(self, node: ir.Number) -> str:
        return latex_number(node.text)

    def print_call(self, node: ir.Call) -> str:
        if node.func == "abs" and len(node.args) == 1:
            return r"\left|" + self.expr(node.args[0]) + r"\right|"
        return super().print_call(node)

    def print_product(self, node: ir.Product) -> str:
        # `a * b / c` is `(a * b) / c`: each `/` puts everything on its left over
        # the next factor. Inside a fraction neither side needs parentheses.
        run: list[ir.Expr | str] = [node.factors[0]]  # factors, or fractions already printed
        for op, factor in zip(node.ops, node.factors[1:], strict=True):
            if op == "*":
                run.append(factor)
                continue
            numerator = self._odot(run, node) if len(run) > 1 else self._bare(run[0])
            run = [rf"\frac{{{numerator}}}{{{self.expr(factor)}}}"]
        return self._odot(run, node)

    def _bare(self, item: ir.Expr | str) -> str:
        return item if isinstance(item, str) else self.expr(item)

    def _odot(self, run: list[ir.Expr | str], parent: ir.Product) -> str:
        parts = [
            item if isinstance(item, str) else self.operand(item, parent, index)
            for index, item in enumerate(run)
        ]
        return self.PRODUCT_OPS["*"].join(parts)

    def variable(self, name: str, role: str, new: bool) -> str:
        step = {"input": "t", "gate": "t", "state": "t" if new else "t-1"}.get(role)
        return self.symbol(name, step)

    def function(self, name: str) -> str:
        return FUNCTIONS.get(name) or rf"\operatorname{{{escape_math(name)}}}"

    def parens(self, text: str) -> str:
        # Fractions are tall: let the parentheses grow with them.
        if r"\frac" in text:
            return rf"\left({text}\right)"
        return f"({text})"


def _starts_with_minus(node: ir.Expr) -> bool:
    """Whether the printed expression would begin with a unary minus."""
    while isinstance(node, (ir.Sum, ir.Product, ir.MatMul)):
        node = ir.children(node)[0]
    return isinstance(node, ir.Neg)
