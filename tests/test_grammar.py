"""The language's syntax: every construct of SPEC §1 parses to the IR it should."""

import pytest

import symcount
from symcount import ir, syntax


def parse(text):
    return syntax.parse(ir.Document("t.cell", text))


def expr_of(rhs, decls="input x : m\nstate h : n\n"):
    [cell] = parse(f"cell c(m, n)\n{decls}y = {rhs}\nh' = h\nend\n")
    return cell.equations[0].expr


def shape(node):
    """A compact structural rendering for assertions."""
    if isinstance(node, ir.Name):
        return node.name
    if isinstance(node, ir.NewName):
        return node.name + "'"
    if isinstance(node, ir.Number):
        return node.text
    if isinstance(node, ir.MatMul):
        return f"({shape(node.matrix)} @ {shape(node.vector)})"
    if isinstance(node, ir.Neg):
        return f"(-{shape(node.operand)})"
    if isinstance(node, ir.Call):
        return f"{node.func}({', '.join(map(shape, node.args))})"
    if isinstance(node, ir.Concat):
        return "[" + ", ".join(map(shape, node.parts)) + "]"
    items = ir.children(node)
    text = shape(items[0])
    for op, item in zip(node.ops, items[1:], strict=True):
        text += f" {op} {shape(item)}"
    return f"({text})"


def test_header_declarations_and_description():
    [cell] = parse(
        'cell lstm(m, n) "LSTM with \\"forget\\" gate"\n'
        "  input x : m\n  state h : n\n  output h\n"
        "  param W : (n, m + n)\n  param b : 2*n\n  param D : diag(n)\n  param a : scalar\n"
        "  h' = tanh(W @ [x, h] + b) * a + D @ h\nend\n"
    )
    assert cell.name == "lstm"
    assert [d.name for d in cell.dims] == ["m", "n"]
    assert cell.description == 'LSTM with "forget" gate'
    kinds = [(d.name, d.kind) for d in cell.declarations if isinstance(d, ir.ParamDecl)]
    assert kinds == [("W", "matrix"), ("b", "vector"), ("D", "diag"), ("a", "scalar")]
    assert any(isinstance(d, ir.Output) and d.name == "h" for d in cell.declarations)


@pytest.mark.parametrize(
    "rhs, expected",
    [
        ("a + b * c", "(a + (b * c))"),
        ("a - b - c", "(a - b - c)"),
        ("r * W @ h", "(r * (W @ h))"),
        ("A @ B @ x", "(A @ (B @ x))"),
        ("-a * b", "((-a) * b)"),
        ("a / b * c", "(a / b * c)"),
        ("(a + b) * c", "((a + b) * c)"),
        ("sigmoid(W @ x + b)", "sigmoid(((W @ x) + b))"),
        ("[x, h, 1]", "[x, h, 1]"),
        ("1 - z", "(1 - z)"),
        ("0.5 * h + 1e-3", "((0.5 * h) + 1e-3)"),
        ("tanh(h')", "tanh(h')"),
        ("- - a", "(-(-a))"),
    ],
)
def test_precedence_and_atoms(rhs, expected):
    assert shape(expr_of(rhs)) == expected


def test_comments_blank_lines_and_several_cells():
    text = (
        "# a file of two cells\n\n"
        "cell a(n)  # trailing comment\n"
        "  state h : n   # the state\n"
        "  # a comment line inside\n\n"
        "  h' = W @ h\n"
        "end\n"
        "cell b(n)\n  state h : n\n  h' = h\nend"  # no final newline
    )
    cells = parse(text)
    assert [c.name for c in cells] == ["a", "b"]


def test_expressions_may_continue_inside_brackets():
    [cell] = parse(
        "cell c(m, n)\n input x : m\n state h : n\n h' = tanh(W @ [x,\n   h]\n   + b)\nend\n"
    )
    assert shape(cell.equations[0].expr) == "tanh(((W @ [x, h]) + b))"


def test_crlf_line_endings_and_bom():
    [cell] = parse("cell c(n)\r\n  state h : n\r\n  h' = U @ h\r\nend\r\n")
    assert cell.equations[0].target == "h"


def test_dotted_cell_names_and_state_primes():
    [cell] = parse(
        "cell torch.rnn(m, n)\n input x : m\n state h : n\n h' = tanh(W @ x)\n y = h'\nend\n"
    )
    assert cell.name == "torch.rnn"
    eq = cell.equations[0]
    assert eq.is_state and eq.target == "h"


def test_spans_are_one_based_line_and_column():
    [cell] = parse("cell c(m, n)\n  input x : m\n  state h : n\n  h' = tanh(W_h @ x)\nend\n")
    matmul = cell.equations[0].expr.args[0]
    assert (matmul.span.line, matmul.span.column) == (4, 13)
    assert (matmul.matrix.span.line, matmul.matrix.span.column, matmul.matrix.span.end_column) == (
        4,
        13,
        16,
    )


def test_sum_of_many_terms_is_flat():
    terms = " + ".join(["h"] * 10_000)
    [cell] = parse(f"cell c(n)\n state h : n\n h' = {terms}\nend\n")
    expr = cell.equations[0].expr
    assert isinstance(expr, ir.Sum) and len(expr.terms) == 10_000
    assert ir.depth(expr) == 2


def test_grammar_file_is_the_packaged_one():
    assert "start:" in syntax.grammar_text()


# ---- `latex NAME "TEXT"`: a name's LaTeX ----


def test_latex_override_keeps_its_text_verbatim():
    [cell] = parse(
        "cell c(m, n)\n input x : m\n state h : n\n h' = W_xi @ x\n"
        ' latex W_xi "W_{\\xi}"  # a comment\n latex h "\\nu\\\\"\nend\n'
    )
    first, second = cell.latex_overrides
    assert (first.name, first.text, second.text) == ("W_xi", r"W_{\xi}", "\\nu\\\\")
    assert first.name_span == ir.Span(5, 8, 5, 12)
    assert first.text_span == ir.Span(5, 13, 5, 22)
    # Presentation, not a declaration: nothing downstream has to know about it.
    assert all(not isinstance(d, ir.LatexOverride) for d in cell.declarations)


@pytest.mark.parametrize(
    "text",
    [
        # A gate called `latex`: at the start of a statement the contextual
        # lexer reads the keyword, and the grammar takes it as a target too.
        "input x : m\nstate h : n\nlatex = sigmoid(W @ x)\nh' = latex * h",
        "input x : m\nstate latex : n\nlatex' = tanh(W @ x + U @ latex)",
        "input latex : m\nstate h : n\nh' = tanh(W @ latex)",
        "input x : m\nstate h : n\nparam latex : scalar\nh' = latex * h + W @ x",
        'input x : m\nstate h : n\nlatex = W @ x\nh\' = latex\nlatex latex "\\ell"',
    ],
)
def test_latex_is_still_a_name(text):
    [cell] = parse(f"cell c(m, n)\n{text}\nend\n")
    names = {eq.target for eq in cell.equations} | {d.name for d in cell.declarations}
    assert "latex" in names
    [counted] = symcount.loads(f"cell c(m, n)\n{text}\nend\n")
    assert counted.count != 0
