"""The printers: a rule for every node class and every built-in function, one printer of sizes.

The equation printers (`Printer`, the cell language; `LatexPrinter`, the
paper notation; `CellPrinter`, whole cells for `symcount fmt`) and the size
printers (`SizePrinter`, the cell language; `LatexSizes`) are visitors: a
node class or a function without a rule raises instead of printing
something else. Each printer prints the deepest expression the parser
accepts and a cell of a thousand gates.
"""

import dataclasses

import pytest

from symcount import SymcountError, functions, ir, visit
from symcount.render.cellfmt import CellPrinter, format_cells
from symcount.render.equations import LatexPrinter, Printer, call_rules
from symcount.render.tex import LatexSizes
from symcount.shapes.sizes import SizePrinter, SizeValueError, evaluate
from symcount.syntax import MAX_DEPTH, parse

EQUATION_PRINTERS = [Printer, LatexPrinter, CellPrinter]
SIZE_PRINTERS = [SizePrinter, LatexSizes]
DIM_CLASSES = [c for c in visit.NODE_CLASSES if issubclass(c, ir.DimNode)]

HEADER = "cell c(D, E, H, N, e, k, m, n, rows)\n    input x : n\n    state h : n\n"


def cell_of(*lines: str) -> ir.CellDef:
    """Only the syntax: the printers need no shapes."""
    [cell] = parse(
        ir.Document("<test>", HEADER + "".join(f"    {line}\n" for line in lines) + "end\n")
    )
    return cell


def expr_of(text: str) -> tuple[ir.CellDef, ir.Expr]:
    cell = cell_of(f"h' = {text}")
    return cell, cell.equations[0].expr


def size_of(text: str) -> ir.Dim:
    [size] = (
        d for d in cell_of(f"size s = {text}", "h' = x").declarations if isinstance(d, ir.SizeDecl)
    )
    return size.definition


def tree(node):
    """A node without its spans, to compare parses."""
    if not isinstance(node, ir.Node):
        return node
    fields = (f.name for f in dataclasses.fields(node) if f.name not in ("span", "func_span"))
    values = (getattr(node, name) for name in fields)
    return (
        type(node).__name__,
        *(tuple(map(tree, v)) if isinstance(v, tuple) else tree(v) for v in values),
    )


# ---- a rule for everything ----


@pytest.mark.parametrize("printer", EQUATION_PRINTERS, ids=lambda p: p.__name__)
def test_every_built_in_function_has_a_rule_in_every_printer(printer):
    assert set(call_rules(printer)) == set(functions.TABLE)


@pytest.mark.parametrize("printer", EQUATION_PRINTERS, ids=lambda p: p.__name__)
def test_every_expression_node_class_has_a_rule(printer):
    assert [c.__name__ for c in visit.EXPR_CLASSES if not printer.handles(c)] == []


@pytest.mark.parametrize("printer", SIZE_PRINTERS, ids=lambda p: p.__name__)
def test_every_size_node_class_has_a_rule(printer):
    assert [c.__name__ for c in DIM_CLASSES if not printer.handles(c)] == []


def test_a_function_without_a_rule_is_refused_not_printed_otherwise():
    class NoStructure(Printer):
        call_structure = None  # no rule for the category, none for its functions

    assert "flat" not in call_rules(NoStructure) and "sigmoid" in call_rules(NoStructure)
    _, expr = expr_of("tanh(flat(x))")
    with pytest.raises(visit.Unsupported, match=r"NoStructure has no rule for flat\(\)"):
        NoStructure().expr(expr)


def test_a_node_of_the_other_tree_is_refused():
    with pytest.raises(visit.Unsupported, match="Printer has no rule for DimName"):
        Printer().expr(size_of("n"))
    with pytest.raises(visit.Unsupported, match="SizePrinter has no rule for Name"):
        SizePrinter().visit(expr_of("x")[1])


# ---- every built-in function, in both notations ----

# The functions with a layout of their own in the paper notation; the others are
# `f(x)` with `functions.TABLE`'s LaTeX command, or `\operatorname{f}`.
LAYOUTS = {
    "abs": r"\left|x_t\right|",
    "sqrt": r"\sqrt{x_t}",
    "groupnorm": r"\mathrm{GN}_{k}(x_t)",
    "heads": r"\operatorname{heads}_{k}(x_t)",
    "conv1d": r"\operatorname{conv}(W, x_t)",
    "conv": r"\operatorname{conv}(W, x_t)",
    "outer": r"x_t h_{t-1}^\top",
    "sum": r"\mathbf{1}^\top x_t",
}


def call_text(function: functions.Function) -> str:
    """A call with as many arguments as it may take: sizes `k`, a kernel `W`, values x and h."""
    values = iter(["x", "h"])
    args = [
        "k" if i in function.sizes else "W" if i == function.weight else next(values)
        for i in range(function.max_args)
    ]
    return f"{function.name}({', '.join(args)})"


@pytest.mark.parametrize("name", sorted(functions.TABLE))
def test_every_built_in_function_prints_in_both_notations(name):
    function = functions.TABLE[name]
    written = call_text(function)
    cell, expr = expr_of(written)
    assert Printer(cell).expr(expr) == written
    command = function.latex or rf"\operatorname{{{name.replace('_', chr(92) + '_')}}}"
    plain = command + "(" + ", ".join(["x_t", "h_{t-1}"][: function.max_args]) + ")"
    assert LatexPrinter(cell).expr(expr) == LAYOUTS.get(name, plain)


def test_a_contraction_inside_a_transpose_is_parenthesized():
    cell, expr = expr_of("outer(outer(x, h), h)")
    assert LatexPrinter(cell).expr(expr) == r"(x_t h_{t-1}^\top) h_{t-1}^\top"


def test_max_and_min_of_sizes_are_constants():
    # A constant times a value is juxtaposition; `max` and `min` are elementwise.
    cell, expr = expr_of("max(n, 2) * x / min(k, 3)")
    assert LatexPrinter(cell).expr(expr) == r"\frac{\max(n, 2) x_t}{\min(k, 3)}"
    cell, expr = expr_of("max(n, 2) * min(k, 3)")
    assert LatexPrinter(cell).expr(expr) == r"\max(n, 2) \min(k, 3)"


# ---- one printer of sizes ----

# As written | as `fmt` and the equations write it | in error messages | in LaTeX.
SIZES = r"""
2 * n                | 2*n                  | 2 * n                  | 2 n
k*(m + n)            | k*(m + n)            | k * (m + n)            | k (m + n)
(m + n)*k            | (m + n)*k            | (m + n) * k            | (m + n) k
m - (n + k)          | m - (n + k)          | m - (n + k)            | m - (n + k)
m + (n - k)          | m + (n - k)          | m + (n - k)            | m + (n - k)
m - n*k              | m - n*k              | m - n * k              | m - n k
e / (H*2)            | e / (H*2)            | e / (H * 2)            | e/(H \cdot 2)
e / H / 2            | e / H / 2            | e / H / 2              | e/H/2
e / (H / 2)          | e / (H / 2)          | e / (H / 2)            | e/(H/2)
e / H * k            | e / H*k              | e / H * k              | (e/H) k
k * (e / H)          | k*(e / H)            | k * (e / H)            | k (e/H)
k * (m * n)          | k*(m*n)              | k * (m * n)            | k m n
ceil(D / 16)         | ceil(D / 16)         | ceil(D / 16)           | \left\lceil D/16 \right\rceil
floor((E*D + N) / 2) | floor((E*D + N) / 2) | floor((E * D + N) / 2) | \left\lfloor (E D + N)/2 \right\rfloor
rows * n * 2 * 3     | rows*n*2*3           | rows * n * 2 * 3       | \mathit{rows}\,n \cdot 2 \cdot 3
"""


@pytest.mark.parametrize(
    "written, cell_text, message, latex",
    [[column.strip() for column in row.split("|")] for row in SIZES.strip().splitlines()],
)
def test_sizes_print_in_the_cell_language_and_in_latex(written, cell_text, message, latex):
    dim = size_of(written)
    assert SizePrinter().visit(dim) == cell_text
    assert LatexSizes().visit(dim) == latex
    assert tree(size_of(cell_text)) == tree(dim)  # what fmt writes parses to the same size
    # An error message prints the size it cannot evaluate: here over 0.
    with pytest.raises(SizeValueError) as info:
        evaluate({"s": ir.DimQuotient(dim, ir.DimInt(0, dim.span), dim.span)}, SIZE_VALUES)
    numerator = f"({message})" if isinstance(dim, ir.DimSum) else message
    assert str(info.value).startswith(f"size s = {numerator} / 0 divides by zero")


SIZE_VALUES = {"D": 16, "E": 2, "H": 2, "N": 2, "e": 8, "k": 2, "m": 3, "n": 2, "rows": 1}


def test_fmt_and_the_equations_print_sizes_alike():
    cell = cell_of("param W : (n, k*(m + n))", "h' = (W @ x)[0:k*(m + n)]")
    text = format_cells([cell])
    assert "param W : (n, k*(m + n))" in text and "h' = (W @ x)[0:k*(m + n)]" in text
    assert LatexPrinter(cell).equation(cell.equations[0]).endswith("[0{:}k (m + n)]")


# ---- at the limits ----


def nested(wrap: str, depth: int) -> str:
    text = "x"
    for _ in range(depth - 1):
        text = wrap.format(text)
    return text


def deepest(wrap: str) -> tuple[ir.CellDef, ir.Expr]:
    """`wrap` around itself as often as the parser accepts."""
    for count in range(MAX_DEPTH, 0, -1):
        try:
            return expr_of(nested(wrap, count))
        except SymcountError:  # nested too deeply
            continue
    raise AssertionError(wrap)


@pytest.mark.parametrize(
    "wrap",
    [
        "sigmoid({})",
        "x - ({})",
        "-({} + h)",
        "sum({} * x)",
        "outer({}, x)",
        "[{}, x]",
        "W @ ({} / x)",
    ],
)
def test_the_deepest_expression_prints(wrap):
    cell, expr = deepest(wrap)
    assert ir.depth(expr) >= MAX_DEPTH - 1
    assert tree(expr_of(Printer(cell).expr(expr))[1]) == tree(expr)
    assert format_cells([cell]).splitlines()[-2] == "    " + Printer().equation(cell.equations[0])
    assert LatexPrinter(cell).expr(expr)


def test_the_deepest_size_prints():
    text = nested("({} + n)*2", MAX_DEPTH // 2)
    dim = size_of(text)
    assert tree(size_of(SizePrinter().visit(dim))) == tree(dim)
    assert LatexSizes().visit(dim).count("(") == MAX_DEPTH // 2 - 1


def test_a_thousand_gates_print():
    gates = [
        f"g{k} = sigmoid(W{k} @ [x, {'h' if k == 1 else f'g{k - 1}'}] + b{k}) / 2"
        for k in range(1, 1_001)
    ]
    cell = cell_of(*gates, "h' = " + " * ".join(f"g{k}" for k in range(1, 1_001)))
    assert format_cells([cell]).count(" = ") == 1_001
    printed = LatexPrinter(cell).equations(cell)
    assert len(printed) == 1_001 and printed[-1].count(r"\odot") == 999
