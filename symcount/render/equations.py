"""Printing a cell's equations from the IR: one traversal, a rule per node class.

`Printer` is a `visit.Visitor`: a rule per node class (`visit_Sum`,
`visit_MatMul`, ...), a rule per category of built-in function or per
function for calls (`call_rules`), and a method for every token it writes
(`SUM_OPS`, `MATMUL_OP`, `variable`, `function`, `size`, ...). Left alone,
they write the cell language itself, so the base class is already a
plain-text printer of equations; a notation subclasses it and overrides only
what differs, as a sqlglot dialect does with the base generator. A node class
or a built-in function without a rule raises `visit.Unsupported`: nothing is
skipped. `LatexPrinter` is the paper notation of `symcount latex
--equations`; how each name prints as a symbol is `tex.symbol`'s rule.

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

from collections.abc import Callable, Container
from functools import cache
from typing import ClassVar, NamedTuple

from .. import functions, ir
from ..functions import ELEMENTWISE
from ..resolve.inline import inline
from ..shapes.sizes import SizePrinter
from ..visit import Unsupported, Visitor
from .notation import CallNotation
from .tex import LatexSizes, index_bases, juxtapose, latex_number, size_name, symbol, with_step


class Printer(Visitor):
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
    SLICE = ("[", ":", "]")
    ASSIGN = " = "
    SIZES: ClassVar[SizePrinter] = SizePrinter()  # the sizes in slices

    def __init__(self, cell: ir.CellDef | None = None):
        self.roles: dict[str, str] = roles(cell) if cell is not None else {}

    # ---- the traversal: shared by every notation ----

    def expr(self, node: ir.Expr) -> str:
        """An expression, with parentheses only where precedence needs them."""
        return self.visit(node)

    def operand(self, child: ir.Expr, parent: ir.Expr, index: int) -> str:
        """The `index`-th child of `parent`, parenthesized if it binds too loosely."""
        text = self.visit(child)
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

    def equations(self, cell: ir.CellDef) -> list[str]:
        return [self.equation(eq) for eq in cell.equations]

    # ---- rules: one per node class ----

    def visit_Number(self, node: ir.Number) -> str:
        return node.text

    def visit_Name(self, node: ir.Name) -> str:
        return self.variable(node.name, self.roles.get(node.name, "parameter"), new=False)

    def visit_NewName(self, node: ir.NewName) -> str:
        return self.variable(node.name, "state", new=True)

    def visit_Call(self, node: ir.Call) -> str:
        if node.func not in functions.TABLE:  # the cell's own `def` (resolve checked the name)
            return self.call(node)
        rule = call_rules(type(self)).get(node.func)
        if rule is None:
            raise Unsupported(f"{type(self).__name__} has no rule for {node.func}()")
        return rule(self, node)

    def visit_Concat(self, node: ir.Concat) -> str:
        start, sep, end = self.CONCAT
        return start + sep.join(self.visit(p) for p in node.parts) + end

    def visit_Neg(self, node: ir.Neg) -> str:
        return self.NEG + self.operand(node.operand, node, 0)

    def visit_Sum(self, node: ir.Sum) -> str:
        return self._chain(node, node.terms, node.ops, self.SUM_OPS)

    def visit_Product(self, node: ir.Product) -> str:
        return self._chain(node, node.factors, node.ops, self.PRODUCT_OPS)

    def visit_MatMul(self, node: ir.MatMul) -> str:
        return (
            self.operand(node.matrix, node, 0) + self.MATMUL_OP + self.operand(node.vector, node, 1)
        )

    def visit_Slice(self, node: ir.Slice) -> str:
        start, colon, end = self.SLICE
        bounds = self.size(node.start) + colon + self.size(node.stop)
        return self.operand(node.operand, node, 0) + start + bounds + end

    def _chain(self, node: ir.Expr, items, ops, symbols: dict[str, str]) -> str:
        text = self.operand(items[0], node, 0)
        for index, (op, item) in enumerate(zip(ops, items[1:], strict=True), start=1):
            text += symbols[op] + self.operand(item, node, index)
        return text

    # ---- calls: a rule per category of built-in function, or per function ----

    def call(self, node: ir.Call) -> str:
        """`f(a, b)`: how the cell language writes every call."""
        return self.function(node.func) + self.parens(", ".join(self.visit(a) for a in node.args))

    # Every category as written; a notation overrides a category's rule
    # (`call_convolution`) or one function's (`call_sqrt`): see `call_rules`.
    call_elementwise = call_normalisation = call_convolution = call
    call_contraction = call_structure = call

    # ---- tokens ----

    def variable(self, name: str, role: str, new: bool) -> str:
        """A name; `role` is input, state, gate or parameter; `new` for `h'`."""
        return name + ("'" if new else "")

    def function(self, name: str) -> str:
        return name

    def parens(self, text: str) -> str:
        return f"({text})"

    def target(self, eq: ir.Equation) -> str:
        """The left-hand side: a gate, or the new value of a state."""
        if eq.is_state:
            return self.variable(eq.target, "state", new=True)
        return self.variable(eq.target, self.roles.get(eq.target, "gate"), new=False)

    def size(self, dim: ir.Dim) -> str:
        """A size in a slice's bounds."""
        return self.SIZES.visit(dim)


@cache
def call_rules(printer: type[Printer]) -> dict[str, Callable[[Printer, ir.Call], str]]:
    """The rule for each built-in function in `printer`, looked up once per class.

    `call_<name>` (`call_sqrt`) if the class or a base has one, else
    `call_<category>` (`call_convolution`), each along the MRO as
    `visit.Visitor` looks up node classes. A function with neither is left
    out, and printing a call of it raises; tests/test_printers.py checks that
    every printer has a rule for every function in `functions.TABLE`.
    """
    rules = {}
    for name, function in functions.TABLE.items():
        rule = _method(printer, f"call_{name}") or _method(printer, f"call_{function.category.value}")
        if rule is not None:
            rules[name] = rule
    return rules


def _method(cls: type, name: str) -> Callable | None:
    """The function called `name` in `cls` or its nearest base, unbound: the table is per class."""
    return next((vars(base)[name] for base in cls.__mro__ if name in vars(base)), None)


def roles(cell: ir.CellDef) -> dict[str, str]:
    """What each variable of a cell is: input, state, gate, or a gate computed from
    parameters and constants alone ("constant", the same at every step: Mamba's
    `A = -exp(A_log)`). The rest are parameters."""
    found: dict[str, str] = {}
    for decl in cell.declarations:
        if isinstance(decl, ir.Input):
            found[decl.name] = "input"
        elif isinstance(decl, ir.State):
            found[decl.name] = "state"
    gates = {eq.target for eq in cell.equations if not eq.is_state}
    defs = {f.name: f for f in cell.functions}
    for eq in cell.equations:
        if not eq.is_state:
            # Through the cell's functions, whose bodies may read the cell's names too.
            steady = _steady(inline(eq.expr, defs), found, gates)
            found[eq.target] = "constant" if steady else "gate"
    return found


def _steady(expr: ir.Expr, found: dict[str, str], gates: set[str]) -> bool:
    """Whether `expr` reads only parameters, sizes, numbers and constant gates."""
    for node in ir.walk(expr):
        if isinstance(node, ir.NewName):
            return False
        if isinstance(node, ir.Name) and (node.name in gates or node.name in found):
            # A gate used is defined above (names checks it): its role is known.
            if found.get(node.name) != "constant":
                return False
    return True


# ---- the paper notation ----


class LatexPrinter(CallNotation, Printer):
    r"""The notation of papers: `W_{i} x_t + U_{i} h_{t-1} + b_{i}`, `\odot`, `\sigma`.

    Inputs and gates carry the time step (`x_t`, `i_t`), a state its previous
    (`h_{t-1}`) or new (`h_t`) value; a gate computed from parameters alone
    has none. A matrix product is juxtaposition, an elementwise product `\odot`
    (a number or a size times a value is juxtaposition, `8 r_t`), a division
    a fraction. Names print as `symbol` says, with the cell's own variables for
    reading subscripts, or as the cell's `latex` overrides give them; calls
    as `notation` says.

        >>> from symcount import builtin
        >>> cell = builtin("lstm").ir
        >>> print(LatexPrinter(cell).equation(cell.equations[0]))
        i_t &= \sigma(W_{i} x_t + U_{i} h_{t-1} + b_{i})
    """

    PRODUCT_OPS = {"*": r" \odot ", "/": " / "}  # `/` never printed: see visit_Product
    MATMUL_OP = " "
    CONCAT = ("[", "; ", "]")
    SLICE = ("[", "{:}", "]")  # `{:}`: a colon between sizes, without the spacing of a relation
    ASSIGN = " &= "
    SIZES = LatexSizes()

    def __init__(self, cell: ir.CellDef | None = None, row_products: Container[ir.Expr] = frozenset()):
        super().__init__(cell)
        self.row_products = row_products  # where `a @ B` is aᵀB (`Summary.row_products`)
        self.variables = frozenset(self.roles)
        self.indexed = index_bases(_names(cell), self.variables) if cell is not None else frozenset()
        self.overrides = {o.name: o.text for o in cell.latex_overrides} if cell is not None else {}
        self.sizes = _size_names(cell) if cell is not None else frozenset()
        self.own_functions = frozenset(f.name for f in cell.functions) if cell is not None else frozenset()
        self.locals: frozenset[str] = frozenset()  # a `def`'s parameters while its body prints
        self._constant = _Constant(self)

    def symbol(self, name: str, step: str | None = None) -> str:
        """A name of the cell, everywhere it is printed: equations, tables, comments."""
        text = self.overrides.get(name)
        if text is None:
            return symbol(name, step, self.variables, self.indexed)
        return with_step(text, step)

    def function_def(self, definition: ir.FunctionDef) -> str:
        r"""The cell's own function as a line of the `align` block: `g(a) &= \max(a + 0.5, \sigma(a))`."""
        self.locals = frozenset(definition.params)
        try:
            head = self.function(definition.name)
            args = ", ".join(symbol(p) for p in definition.params)
            return f"{head}({args}){self.ASSIGN}{self.expr(definition.expr)}"
        finally:
            self.locals = frozenset()

    def needs_parens(self, child: ir.Expr, parent: ir.Expr, index: int) -> bool:
        # `a \odot -b`, `W -x_t` and `a - -b \odot c` read as subtractions on paper.
        if index > 0 and _starts_with_minus(child):
            return True
        return super().needs_parens(child, parent, index)

    def visit_Number(self, node: ir.Number) -> str:
        return latex_number(node.text)

    def visit_Name(self, node: ir.Name) -> str:
        if node.name in self.locals:  # a function's parameter: no role, no time step
            return symbol(node.name)
        if node.name in self.sizes and node.name not in self.roles:
            return size_name(node.name)  # a size as a value prints as in the counts
        return super().visit_Name(node)

    def visit_MatMul(self, node: ir.MatMul) -> str:
        if node in self.row_products:  # a row times the rest: `q_t^\top C_t`, `w^\top x_t`
            left = self.transposed(node.matrix)
        else:
            left = self.operand(node.matrix, node, 0)
        right = self.operand(node.vector, node, 1)
        return left + juxtapose(left, right) + right

    def visit_Product(self, node: ir.Product) -> str:
        # `a * b / c` is `(a * b) / c`: each `/` puts everything on its left over
        # the next factor. Inside a fraction neither side needs parentheses.
        run: list[ir.Expr | _Printed] = [node.factors[0]]  # factors, or fractions already printed
        for op, factor in zip(node.ops, node.factors[1:], strict=True):
            if op == "*":
                run.append(factor)
                continue
            numerator = self._odot(run, node) if len(run) > 1 else self._bare(run[0])
            constant = all(self._is_constant(item) for item in run) and self.constant(factor)
            run = [_Printed(rf"\frac{{{numerator}}}{{{self.expr(factor)}}}", constant)]
        return self._odot(run, node)

    def _bare(self, item: ir.Expr | _Printed) -> str:
        return item.text if isinstance(item, _Printed) else self.expr(item)

    def _is_constant(self, item: ir.Expr | _Printed) -> bool:
        return item.constant if isinstance(item, _Printed) else self.constant(item)

    def _odot(self, run: list[ir.Expr | _Printed], parent: ir.Product) -> str:
        text = previous = ""
        for index, item in enumerate(run):
            piece = item.text if isinstance(item, _Printed) else self.operand(item, parent, index)
            if index:
                text += self._times(run[index - 1], item, previous, piece)
            text += piece
            previous = piece
        return text

    def _times(self, left: ir.Expr | _Printed, right: ir.Expr | _Printed, before: str, piece: str) -> str:
        r"""Between two factors: `\odot`, but `8 r_t` after a number or a size, and
        `r_t \cdot 8` (or `2 \cdot 3`) where juxtaposition would misread."""
        if self._is_constant(left):
            return r" \cdot " if piece[:1].isdigit() else juxtapose(before, piece)
        return r" \cdot " if self._is_constant(right) else self.PRODUCT_OPS["*"]

    def constant(self, node: ir.Expr) -> bool:
        """Whether `node` is a scalar constant: numbers and sizes, through elementwise functions."""
        return self._constant.visit(node)

    def variable(self, name: str, role: str, new: bool) -> str:
        step = {"input": "t", "gate": "t", "state": "t" if new else "t-1"}.get(role)
        return self.symbol(name, step)

    def parens(self, text: str) -> str:
        # Fractions are tall: let the parentheses grow with them.
        if r"\frac" in text:
            return rf"\left({text}\right)"
        return f"({text})"


class _Constant(Visitor):
    """Whether an expression is a scalar constant (`8`, `2*n`, `sqrt(d)`): numbers
    and the cell's sizes, through sums, products, negations and elementwise functions."""

    def __init__(self, printer: LatexPrinter):
        self.printer = printer  # its sizes, roles and, while a `def` prints, locals

    def visit_Number(self, node: ir.Number) -> bool:
        return True

    def visit_Name(self, node: ir.Name) -> bool:
        printer = self.printer
        return node.name in printer.sizes and node.name not in printer.roles and node.name not in printer.locals

    def visit_Call(self, node: ir.Call) -> bool:
        return node.func in ELEMENTWISE and self.of_constants(node)

    def of_constants(self, node: ir.Expr) -> bool:
        return all(self.visit(child) for child in ir.children(node))

    visit_Neg = visit_Sum = visit_Product = of_constants

    def value(self, node: ir.Expr) -> bool:
        """A new state, a concatenation, a matrix product or a slice: never a scalar constant."""
        return False

    visit_NewName = visit_Concat = visit_MatMul = visit_Slice = value


class _Printed(NamedTuple):
    """A fraction already printed, in a run of factors; `constant` if only numbers and sizes."""

    text: str
    constant: bool


def _size_names(cell: ir.CellDef) -> frozenset[str]:
    """The cell's size symbols: the header's and its own `size`s."""
    own = (d.name for d in cell.declarations if isinstance(d, ir.SizeDecl))
    return frozenset(d.name for d in cell.dims) | frozenset(own)


def _names(cell: ir.CellDef) -> set[str]:
    """Every name the cell's declarations, equations and functions use."""
    found = {d.name for d in cell.declarations if not isinstance(d, ir.SizeDecl)}
    for expr in [eq.expr for eq in cell.equations] + [f.expr for f in cell.functions]:
        found.update(node.name for node in ir.walk(expr) if isinstance(node, ir.Name))
    return found | {eq.target for eq in cell.equations}


def _starts_with_minus(node: ir.Expr) -> bool:
    """Whether the printed expression would begin with a unary minus."""
    while isinstance(node, (ir.Sum, ir.Product, ir.MatMul)):
        node = ir.children(node)[0]
    return isinstance(node, ir.Neg)
