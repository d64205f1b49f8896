"""Printing a cell's equations from the IR: one traversal, a hook per notation.

`Printer` walks an expression once and asks a hook for every node
(`print_sum`, `print_matmul`, ...) and for every token it writes (`SUM_OPS`,
`MATMUL_OP`, `variable`, `function`, ...). Left alone, the hooks write the
cell language itself, so the base class is already a plain-text printer of
equations; a notation subclasses it and overrides only what differs, as a
sqlglot dialect does with the base generator. `LatexPrinter` is the paper
notation of `symcount latex --equations`.

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

import dataclasses
from collections.abc import Collection
from functools import lru_cache

from .. import ir


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

    # ---- the traversal: shared by every notation ----

    def expr(self, node: ir.Expr) -> str:
        """An expression, with parentheses only where precedence needs them."""
        return getattr(self, _HOOKS[type(node)])(node)

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


_HOOKS = {
    ir.Number: "print_number",
    ir.Name: "print_name",
    ir.NewName: "print_new_name",
    ir.Call: "print_call",
    ir.Concat: "print_concat",
    ir.Neg: "print_neg",
    ir.Sum: "print_sum",
    ir.Product: "print_product",
    ir.MatMul: "print_matmul",
    ir.Slice: "print_slice",
}


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

GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon phi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)

# A subscript naming an accent puts it on the base: `h_tilde` is \tilde{h}.
ACCENTS = frozenset("tilde hat bar dot ddot vec check breve".split())

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


def symbol(name: str, step: str | None = None, variables: Collection[str] = ()) -> str:
    r"""A name in paper notation, with an optional time step in its subscript.

    The name splits at its first underscore into a base and a subscript. A
    subscript that spells names of the cell's own `variables` (inputs,
    states, gates) stays those names: `W_xi` is the weight from x to i. Only
    where that reading is impossible is a Greek letter's name Greek, and an
    accent's name an accent on the base.

    >>> symbol("W_hi"), symbol("W_xi", variables={"x", "i"}), symbol("W_xi")
    ('W_{hi}', 'W_{xi}', 'W_{\\xi}')
    >>> symbol("h", "t-1"), symbol("x", "t"), symbol("c_f", "t")
    ('h_{t-1}', 'x_t', 'c_{f,t}')
    >>> symbol("alpha"), symbol("W_beta"), symbol("bias"), symbol("h_tilde", "t")
    ('\\alpha', 'W_{\\beta}', '\\mathit{bias}', '\\tilde{h}_t')
    """
    base, _, sub = name.partition("_")
    if not base or not sub:  # `_x`, `x_`: no sensible split
        base, sub = name, ""
    text = _piece(base)
    subscripts = []
    if sub:
        reading = own_names(sub, variables)
        if reading is None and sub in ACCENTS:
            return with_step(rf"\{sub}{{{text}}}", step)
        subscripts.append(_subscript(sub) if reading is None else _spelled(reading))
    if step:
        subscripts.append(step)
    if not subscripts:
        return text
    joined = ",".join(subscripts)
    # `x_t` as papers write it, but `W_{i}` (braced) for a name's own subscript.
    return f"{text}_{joined}" if joined == step and len(step) == 1 else f"{text}_{{{joined}}}"


def own_names(text: str, variables: Collection[str]) -> list[str] | None:
    """`text` spelled as names of `variables`, the fewest that do; None if none do.

    >>> own_names("xi", {"x", "i", "xi"}), own_names("hc", {"h", "c"}), own_names("beta", {"b"})
    (['xi'], ['h', 'c'], None)
    """
    variables = variables if isinstance(variables, frozenset) else frozenset(variables)
    # Breadth first over positions in the text: the first way to reach the
    # end uses the fewest names. Trying only the lengths the names have keeps
    # it fast for a cell of 5,000 gates and for 3,000-character names.
    previous: dict[int, tuple[int, str]] = {}
    frontier = [0]
    while frontier and len(text) not in previous:
        following = []
        for start in frontier:
            for length in _lengths(variables):
                end = start + length
                if end > len(text):
                    break
                if end not in previous and text[start:end] in variables:
                    previous[end] = (start, text[start:end])
                    following.append(end)
        frontier = following
    if len(text) not in previous:
        return None
    names, at = [], len(text)
    while at:
        at, name = previous[at]
        names.append(name)
    return names[::-1]


@lru_cache(maxsize=8)
def _lengths(variables: frozenset[str]) -> tuple[int, ...]:
    return tuple(sorted({len(name) for name in variables if name}))


def _piece(text: str) -> str:
    """A whole name or a base: Greek letters; several letters are one symbol."""
    if text in GREEK:
        return "\\" + text
    if len(text) == 1:
        return escape_math(text)
    # A multi-letter name is one symbol, not a product of letters.
    return rf"\mathit{{{escape_math(text)}}}"


def _subscript(text: str) -> str:
    return "\\" + text if text in GREEK else escape_math(text)


def _spelled(names: list[str]) -> str:
    """Variables in a subscript, each as its own name prints (`eta` is \\eta)."""
    out, command = "", False
    for name in names:
        piece = _subscript(name)
        if command and piece[:1].isalpha():
            out += " "  # `\eta x`, not the undefined `\etax`
        out, command = out + piece, piece.startswith("\\")
    return out


def with_step(text: str, step: str | None) -> str:
    r"""LaTeX (an override) with a time step added to its subscript.

    A step joins a subscript that ends the text, as `c_f` becomes `c_{f,t}`;
    with no subscript the step is one; elsewhere the text is braced first, so
    a subscript in the middle never makes a double subscript.

    >>> with_step(r"\tilde{h}", "t-1"), with_step("h_{enc}", "t"), with_step("h^{(1)}", "t")
    ('\\tilde{h}_{t-1}', 'h_{enc,t}', 'h^{(1)}_t')
    >>> with_step(r"h_\alpha^{(1)}", "t-1"), with_step("h_{a}b", "t")
    ('h_{\\alpha,t-1}^{(1)}', '{h_{a}b}_t')
    """
    if not step:
        return text
    tokens = _tex_tokens(text)
    subs = [i for i, (start, end) in enumerate(tokens) if text[start:end] == "_"]
    if subs and subs[-1] + 1 < len(tokens):
        after = [text[start:end] for start, end in tokens[subs[-1] + 2 :]]
        if len(subs) == 1 and (not after or (len(after) == 2 and after[0] == "^")):
            start, end = tokens[subs[-1] + 1]
            argument = text[start + 1 : end - 1] if text[start] == "{" else text[start:end]
            return f"{text[: tokens[subs[-1]][0]]}_{{{argument},{step}}}{text[end:]}"
    braced = step if len(step) == 1 else f"{{{step}}}"
    if subs:
        return f"{{{text}}}_{braced}"
    return f"{text}_{braced}"


def _tex_tokens(text: str) -> list[tuple[int, int]]:
    """The top-level pieces of LaTeX as (start, end): a command, a {group} or a character."""
    tokens, index = [], 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        start = index
        if text[index] == "\\":
            index += 1
            while index < len(text) and text[index].isascii() and text[index].isalpha():
                index += 1
            index = max(index, start + 2)  # `\{`: one character
        elif text[index] == "{":
            depth = 0
            while index < len(text):
                if text[index] == "\\":
                    index += 2
                    continue
                depth += {"{": 1, "}": -1}.get(text[index], 0)
                index += 1
                if depth == 0:
                    break
        else:
            index += 1
        tokens.append((start, min(index, len(text))))
    return tokens


def escape_math(text: str) -> str:
    return text.replace("_", r"\_")


def latex_number(text: str) -> str:
    r"""A number of the cell language in LaTeX.

    >>> latex_number("0.5"), latex_number(".5"), latex_number("2."), latex_number("1e-3")
    ('0.5', '0.5', '2', '1 \\cdot 10^{-3}')
    """
    mantissa, _, exponent = text.lower().partition("e")
    if mantissa.startswith("."):
        mantissa = "0" + mantissa
    mantissa = mantissa.rstrip(".")
    if not exponent:
        return mantissa
    # `+03` → `3`, without int(): Python refuses to convert more than 4,300
    # digits, and the language puts no bound on an exponent.
    digits = exponent.lstrip("+-").lstrip("0") or "0"
    power = ("-" if exponent.startswith("-") and digits != "0" else "") + digits
    return rf"{mantissa} \cdot 10^{{{power}}}"


def without_terms(expr: ir.Expr, names: Collection[str]) -> ir.Expr | None:
    """The expression with every term of a sum that is one of `names` left out.

    How `--no-bias` shows in the equations: `W @ x + b` becomes `W @ x`.
    None when nothing is left. A term dropped at the front of a sum hands its
    sign to the next one (`b - x` becomes `-x`).
    """
    if not names:
        return expr
    if isinstance(expr, ir.Sum):
        kept = [
            (op, term)
            for op, term in zip(("+", *expr.ops), expr.terms, strict=True)
            if not (isinstance(term, ir.Name) and term.name in names)
        ]
        kept = [(op, t) for op, t in ((op, without_terms(t, names)) for op, t in kept) if t]
        if not kept:
            return None
        (first_op, first), rest = kept[0], kept[1:]
        if first_op == "-":
            first = ir.Neg(first, first.span)
        if not rest:
            return first
        return ir.Sum((first, *(t for _, t in rest)), tuple(op for op, _ in rest), expr.span)
    keep = lambda e: _kept(e, names)  # noqa: E731
    if isinstance(expr, ir.Call):
        return dataclasses.replace(expr, args=tuple(map(keep, expr.args)))
    if isinstance(expr, ir.Concat):
        return dataclasses.replace(expr, parts=tuple(map(keep, expr.parts)))
    if isinstance(expr, ir.Product):
        return dataclasses.replace(expr, factors=tuple(map(keep, expr.factors)))
    if isinstance(expr, ir.Neg):
        return dataclasses.replace(expr, operand=keep(expr.operand))
    if isinstance(expr, ir.MatMul):
        return dataclasses.replace(expr, vector=keep(expr.vector))
    return expr


def _kept(expr: ir.Expr, names: Collection[str]) -> ir.Expr:
    # Only a sum of nothing but biases can vanish; inside an expression it
    # leaves a zero behind, which is what the network computes there.
    return without_terms(expr, names) or ir.Number("0", expr.span)
