"""LaTeX for papers: the equation printer, `symcount latex`, real pdflatex runs, atomic -o."""

import doctest
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy

import symcount
from symcount import cli, ir
from symcount.cli import atomic
from symcount.cli.atomic import write_atomically
from symcount.render import equations, latex, markdown, tex
from symcount.render.equations import LatexPrinter, Printer
from symcount.render.settings import points
from symcount.render.tex import latex_number, symbol, thousands
from symcount.symbols import size_symbol
from symcount.syntax import parse

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SYMCOUNT_UPDATE_GOLDEN") == "1"  # regenerate instead of compare
# The built-ins that are cells, with equations of their own (a model has none).
BUILTIN_CELLS = [name for name in symcount.builtins() if isinstance(symcount.builtin(name), symcount.Cell)]


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path}"


def cell_ir(body: str, header: str = "cell t(m, n)\n input x : m\n state h : n\n") -> ir.CellDef:
    """Only the syntax: the printers need no shapes, so odd test cells are fine."""
    [cell] = parse(ir.Document("<test>", header + body + "\nend\n"))
    return cell


def latex_of(expr: str) -> str:
    cell = cell_ir(f"h' = {expr}")
    return LatexPrinter(cell).expr(cell.equations[0].expr)


# ---- the paper notation ----

LSTM_ALIGN = r"""\begin{align}
  i_t &= \sigma(W_{i} x_t + U_{i} h_{t-1} + b_{i}) \notag \\
  f_t &= \sigma(W_{f} x_t + U_{f} h_{t-1} + b_{f}) \notag \\
  o_t &= \sigma(W_{o} x_t + U_{o} h_{t-1} + b_{o}) \notag \\
  g_t &= \tanh(W_{g} x_t + U_{g} h_{t-1} + b_{g}) \notag \\
  c_t &= f_t \odot c_{t-1} + i_t \odot g_t \notag \\
  h_t &= o_t \odot \tanh(c_t) \label{symcount:lstm:equations}
\end{align}"""


def test_lstm_equations_are_the_textbook_ones(capsys):
    code, out, _ = run(capsys, "latex", "lstm", "--equations")
    assert code == 0
    assert LSTM_ALIGN in out


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("W_hi @ x", r"W_{hi} x_t"),
        ("W_h_x @ x", r"W_{\mathrm{h\_x}} x_t"),
        ("alpha * h + beta", r"\alpha \odot h_{t-1} + \beta"),
        ("W_gamma @ h + Sigma", r"W_{\gamma} h_{t-1} + \Sigma"),
        ("bias + h", r"\mathit{bias} + h_{t-1}"),
        ("W @ [x, h]", r"W [x_t; h_{t-1}]"),
        (
            "relu(x) + hard_sigmoid(h)",
            r"\operatorname{relu}(x_t) + \operatorname{hard\_sigmoid}(h_{t-1})",
        ),
        ("sigmoid(x) * tanh(h) + exp(h)", r"\sigma(x_t) \odot \tanh(h_{t-1}) + \exp(h_{t-1})"),
        ("abs(h - x)", r"\left|h_{t-1} - x_t\right|"),
        ("(1 - h) * x", r"(1 - h_{t-1}) \odot x_t"),
        ("a - (h - x)", r"a - (h_{t-1} - x_t)"),
        ("a - h - x", r"a - h_{t-1} - x_t"),
        ("a * (h * x)", r"a \odot (h_{t-1} \odot x_t)"),
        ("r * W @ h", r"r \odot W h_{t-1}"),
        ("W @ (r * h)", r"W (r \odot h_{t-1})"),
        ("A @ B @ h", r"A B h_{t-1}"),
        ("-(h + x)", r"-(h_{t-1} + x_t)"),
        ("-h + x", r"-h_{t-1} + x_t"),
        ("h * -x", r"h_{t-1} \odot (-x_t)"),
        ("h - -x", r"h_{t-1} - (-x_t)"),
        ("W @ -x", r"W (-x_t)"),
        ("h - -x * a", r"h_{t-1} - (-x_t \odot a)"),
        ("-x * a - h", r"-x_t \odot a - h_{t-1}"),
        ("h / x", r"\frac{h_{t-1}}{x_t}"),
        ("(h + a) / (x - b)", r"\frac{h_{t-1} + a}{x_t - b}"),
        ("a * h / x", r"\frac{a \odot h_{t-1}}{x_t}"),
        ("h / x * a", r"\frac{h_{t-1}}{x_t} \odot a"),
        ("h / x / a", r"\frac{\frac{h_{t-1}}{x_t}}{a}"),
        ("W @ (h / x)", r"W \left(\frac{h_{t-1}}{x_t}\right)"),
        # A number times a value is a scalar multiple, not an elementwise product.
        ("0.5 * h + 1e-3 + .25 + 2.", r"0.5 h_{t-1} + 10^{-3} + 0.25 + 2"),
    ],
)
def test_paper_notation(expr, expected):
    assert latex_of(expr) == expected


def test_gates_states_and_new_values_carry_the_time_step():
    cell = cell_ir("z = sigmoid(x)\nh' = z * h\ny = tanh(h')")
    printer = LatexPrinter(cell)
    assert printer.equations(cell) == [
        r"z_t &= \sigma(x_t)",
        r"h_t &= z_t \odot h_{t-1}",
        r"y_t &= \tanh(h_t)",
    ]


# Cells whose own variables decide how a subscript reads (`W_xi`: x to i, or ξ).
XI = "cell t(m, n)\n input x : m\n state h : n\n i = sigmoid(W @ x)\n"
XHC = "cell t(m, n)\n input x : m\n state h : n\n state c : n\n"
BETA = "cell t(m, n)\n input x : m\n state h : n\n b = W @ x\n e = b\n t = e\n"


@pytest.mark.parametrize(
    "header, expr, expected",
    [
        (XI, "W_xi @ x + W_hi @ h", r"W_{xi} x_t + W_{hi} h_{t-1}"),  # x to i, h to i
        (XHC, "W_xi @ x", r"W_{\xi} x_t"),  # no i in this cell: ξ
        (XHC, "W_hc @ h + W_xh @ x + W_hxc @ h", r"W_{hc} h_{t-1} + W_{xh} x_t + W_{hxc} h_{t-1}"),
        (
            XHC,
            "W_pi @ h + b_nu + W_mu @ x + W_eta @ h",
            r"W_{\pi} h_{t-1} + b_{\nu} + W_{\mu} x_t + W_{\eta} h_{t-1}",
        ),
        (XI, "b_xi + W_beta @ x", r"b_{xi} + W_{\beta} x_t"),
        # b, e and t are gates, but without an `a` `beta` cannot be spelled.
        (BETA, "W_beta @ x + W_bet @ x", r"W_{\beta} x_t + W_{bet} x_t"),
        (BETA + " a = t\n", "W_beta @ x", r"W_{beta} x_t"),
        # Names of several letters, and the fewest names that spell the subscript.
        # A variable of several letters is a word there, upright.
        (XHC + " in = W @ x\n", "W_xin @ x + W_hin @ h", r"W_{x\mathrm{in}} x_t + W_{h\mathrm{in}} h_{t-1}"),
        # A variable named after a Greek letter prints as that letter everywhere.
        (
            XHC + " eta = W @ x\n",
            "W_xeta @ x + W_etah @ h + eta",
            r"W_{x\eta} x_t + W_{\eta h} h_{t-1} + \eta_t",
        ),
        # A whole name is Greek whatever the cell's variables spell.
        (XI, "alpha * h + xi", r"\alpha \odot h_{t-1} + \xi"),
        # Accents, unless the subscript spells variables.
        (XHC, "h_tilde + c_hat + W_bar + b_vec", r"\tilde{h} + \hat{c} + \bar{W} + \vec{b}"),
        (XHC + " b = W @ x\n a = b\n r = a\n", "W_bar @ x", r"W_{bar} x_t"),
        (XHC, "alpha_hat * h", r"\hat{\alpha} \odot h_{t-1}"),
    ],
)
def test_subscripts_spelled_by_the_cells_own_variables_stay_letters(header, expr, expected):
    cell = cell_ir(f"y = {expr}", header)
    assert LatexPrinter(cell).expr(cell.equations[-1].expr) == expected


GRU = "cell t(m, n)\n input x : m\n state h : n\n r = sigmoid(W_ir @ x + W_hr @ h)\n"


@pytest.mark.parametrize(
    "header, expr, expected",
    [
        # A subscript of several letters is a word, upright; one letter (and digits) italic.
        (XHC, "W_in @ x + D_skip + w_norm", r"W_{\mathrm{in}} x_t + D_{\mathrm{skip}} + w_{\mathrm{norm}}"),
        (XHC, "W_i @ x + W_h1 @ h + W_12 @ c", r"W_{i} x_t + W_{h1} h_{t-1} + W_{12} c_{t-1}"),
        (XHC, "W_h_x @ x + W_ab2 @ x", r"W_{\mathrm{h\_x}} x_t + W_{\mathrm{ab2}} x_t"),
        # A function LaTeX sets as an operator is that operator.
        (XHC, "-exp(A_log) + W_max + b_exp + b_tanh", r"-\exp(A_{\log}) + W_{\max} + b_{\exp} + b_{\tanh}"),
        # ... but a name of the cell's own variables stays: a word of several letters upright.
        (XHC + " out = W @ x\n log = out\n", "W_out @ h + W_log @ h", r"W_{\mathrm{out}} h_{t-1} + W_{\log} h_{t-1}"),
        (XHC + " l = W @ x\n o = l\n g = o\n", "W_log @ h", r"W_{log} h_{t-1}"),
        # Index letters: a base with a two-letter subscript holding a one-letter variable
        # (r) reads its other two-letter subscripts as letters too (PyTorch's W_in).
        (GRU, "W_in @ x + W_hn @ h + b_in + b_conv", r"W_{in} x_t + W_{hn} h_{t-1} + b_{\mathrm{in}} + b_{\mathrm{conv}}"),
        (GRU, "W_out @ h + W_xi @ x + W_log", r"W_{\mathrm{out}} h_{t-1} + W_{\xi} x_t + W_{\log}"),
        # Accents and Greek letters as before.
        (XHC, "h_tilde + W_beta @ x", r"\tilde{h} + W_{\beta} x_t"),
    ],
)
def test_word_subscripts_are_upright(header, expr, expected):
    cell = cell_ir(f"y = {expr}", header)
    assert LatexPrinter(cell).expr(cell.equations[-1].expr) == expected


def test_an_override_still_wins_over_the_subscript_rules():
    cell = cell_ir('y = W_in @ x + A_log\n latex W_in "W_{in}"\n latex A_log "a"', XHC)
    assert LatexPrinter(cell).expr(cell.equations[-1].expr) == r"W_{in} x_t + a"


def test_builtins_print_word_subscripts_upright_and_index_letters_as_letters(capsys):
    mamba = symcount.builtin("mambapy.mamba_block").latex(equations=True)
    assert r"W_{\mathrm{in}} u_t" in mamba and r"-\exp(A_{\log})" in mamba and r"D_{\mathrm{skip}}" in mamba
    gru = symcount.builtin("torch.gru").latex(equations=True)
    assert r"W_{in} x_t + b_{in}" in gru and r"W_{ir} x_t + b_{ir}" in gru  # as PyTorch's documentation
    assert r"W_{ih} x_t + b_{ih}" in symcount.builtin("torch.rnn").latex(equations=True)


@pytest.mark.parametrize(
    "name, expected",
    [("d_model", r"d_{\mathrm{model}}"), ("dt_rank", r"\mathit{dt}_{\mathrm{rank}}"), ("n_log", r"n_{\log}"),
     ("n_i", "n_{i}"), ("n1", "n_{1}"), ("d_alpha", r"d_{\alpha}"), ("rows", r"\mathit{rows}")],
)
def test_size_names_set_word_subscripts_upright(name, expected):
    assert tex.size_name(name) == expected


@pytest.mark.parametrize(
    "number, expected",
    [
        ("0.000001", "10^{-6}"),
        ("1e-5", "10^{-5}"),
        ("1E-05", "10^{-5}"),
        ("2.5e-3", r"2.5 \cdot 10^{-3}"),
        ("25e-4", r"2.5 \cdot 10^{-3}"),
        ("2.50e-3", r"2.5 \cdot 10^{-3}"),
        ("0.00025", r"2.5 \cdot 10^{-4}"),
        ("0.001", "10^{-3}"),
        ("0.009", r"9 \cdot 10^{-3}"),
        ("1e3", "10^{3}"),
        ("3e+0", "3"),
        ("0e-5", "0"),
        # Any other number as written.
        ("0.5", "0.5"),
        (".5", "0.5"),
        ("0.05", "0.05"),
        ("0.0123", "0.0123"),
        ("2.", "2"),
        ("100000", "100000"),
        ("0.0", "0.0"),
    ],
)
def test_constants_as_papers_write_them(number, expected):
    assert latex_number(number) == expected


def test_constants_in_an_equation():
    assert latex_of("h * 1e-5 + 0.000001 * x + 0.5 * h") == r"h_{t-1} \cdot 10^{-5} + 10^{-6} x_t + 0.5 h_{t-1}"


def test_accented_gates_and_states_carry_the_time_step():
    cell = cell_ir("h_tilde = tanh(W @ x)\nh' = h_tilde * h", XHC)
    assert LatexPrinter(cell).equations(cell)[0] == r"\tilde{h}_t &= \tanh(W x_t)"


def test_symbols():
    assert symbol("W_hi", variables={"h", "i"}) == "W_{hi}" and symbol("W_hi") == r"W_{\mathrm{hi}}"
    assert symbol("W_xi") == r"W_{\xi}" and symbol("W_xi", variables={"x", "i"}) == "W_{xi}"
    assert symbol("h", "t-1") == "h_{t-1}"
    assert symbol("c_f", "t") == "c_{f,t}"
    assert symbol("lambda", "t") == r"\lambda_t"
    assert symbol("_x") == r"\mathit{\_x}" and symbol("x_") == r"\mathit{x\_}"
    assert latex_number("1E+03") == "10^{3}"


# ---- the base printer writes the cell language, and it parses back the same ----


def _tree(node):
    """An expression without its spans, for comparing parses."""
    if isinstance(node, (ir.Name, ir.NewName)):
        return (type(node).__name__, node.name)
    if isinstance(node, ir.Number):
        return ("Number", node.text)
    ops = getattr(node, "ops", None) or getattr(node, "func", None)
    return (type(node).__name__, ops, tuple(_tree(c) for c in ir.children(node)))


@pytest.mark.parametrize(
    "expr",
    [
        "a - (b - c)",
        "a - b - c",
        "(a + b) * c",
        "a * (b * c)",
        "a / (b * c)",
        "a / b / c",
        "-(a + b)",
        "--a",
        "a * -b",
        "-W @ h",
        "-(W @ h)",
        "W @ U @ h",
        "r * W @ h",
        "(r * W) @ h",
        "tanh(a + b) * c",
        "[a, b + c] * f(x)",
        "1e-3 * a + .5",
        "W @ (r * h) + b",
    ],
)
def test_cell_language_printer_round_trips(expr):
    tree = cell_ir(f"h' = {expr}").equations[0].expr
    printed = Printer().expr(tree)
    assert _tree(cell_ir(f"h' = {printed}").equations[0].expr) == _tree(tree)


def test_every_builtin_prints_back_to_the_same_equations():
    for name in BUILTIN_CELLS:
        cell = symcount.builtin(name).ir
        for eq in cell.equations:
            target, _, rhs = Printer(cell).equation(eq).partition(" = ")
            assert target == eq.target + ("'" if eq.is_state else "")
            assert _tree(cell_ir(f"h' = {rhs}").equations[0].expr) == _tree(eq.expr)


# ---- symcount latex ----


def test_default_is_one_equation_per_cell(capsys):
    code, out, err = run(capsys, "latex", "lstm", "gru")
    assert code == 0 and err == ""
    assert out.count(r"\begin{equation}") == 2
    assert "P_{\\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n\n" in out
    assert "P_{\\mathrm{gru}}(m, n) = 3 m n + 3 n^{2} + 3 n\n" in out
    assert "table" not in out and "align" not in out and "documentclass" not in out


def test_count_format_latex_is_the_same_renderer(capsys):
    _, latex, _ = run(capsys, "latex", "lstm", "torch.gru", "--set", "m=3")
    _, count, _ = run(capsys, "count", "lstm", "torch.gru", "--set", "m=3", "--format", "latex")
    assert latex == count


def test_factored_form(capsys):
    _, out, _ = run(capsys, "latex", "lstm", "--form", "factored")
    assert r"P_{\mathrm{lstm}}(m, n) = 4 n \left(m + n + 1\right)" in out


def test_value_when_every_size_is_set(capsys):
    _, out, _ = run(capsys, "latex", "lstm", "--set", "m=25", "--set", "n=100")
    assert r"P_{\mathrm{lstm}}(25, 100) = 50{,}400" in out


def table_rows(out: str) -> list[list[str]]:
    """The cells of every tabular row, stripped of the column padding."""
    rows = [line.removesuffix("\\\\").split("&") for line in out.splitlines() if "&" in line]
    return [[c.strip() for c in row] for row in rows if not row[0].lstrip().startswith("%")]


def test_params_table(capsys):
    _, out, _ = run(capsys, "latex", "peephole_lstm", "--params", "--set", "m=3", "--set", "n=2")
    assert r"\begin{tabular}{@{}lllr@{}}" in out
    rows = table_rows(out)
    assert rows[0] == ["parameter", "shape", "count", "value"]
    assert rows[1] == ["$W_{i}$", r"$n \times m$", "$m n$", "$6$"]
    assert rows[3] == ["$P_{i}$", r"$\operatorname{diag}(n)$", "$n$", "$2$"]
    assert rows[-1] == ["total", "", "$4 m n + 4 n^{2} + 7 n$", "$54$"]
    cell = symcount.builtin("peephole_lstm")
    assert len(rows) == len(cell.params) + 2 and cell.evaluate(m=3, n=2) == 54
    assert r"\caption{Trainable parameters of \texttt{peephole\_lstm} at $m = 3$, $n = 2$.}" in out


def test_shapes_of_concatenations_are_parenthesized(capsys, tmp_path):
    spec = tmp_path / "cat.cell"
    spec.write_text("cell cat(m, n)\n input x : m\n state h : n\n h' = tanh(W @ [x, h])\nend\n")
    _, out, _ = run(capsys, "latex", str(spec), "--params", "--equations")
    assert r"h_t &= \tanh(W [x_t; h_{t-1}])" in out
    assert ["$W$", r"$n \times (m + n)$", "$m n + n^{2}$"] in table_rows(out)


def test_comparison_table_for_several_cells(capsys):
    _, out, _ = run(
        capsys, "latex", "lstm", "gru", "torch.lstm_proj", "--set", "m=25", "--set", "n=100"
    )
    assert out.count(r"\begin{table}") == 1
    assert r"\caption{Trainable parameters at $m = 25$, $n = 100$.}" in out
    assert table_rows(out) == [
        ["cell", "parameters", "value"],
        [r"\texttt{lstm}", "$4 m n + 4 n^{2} + 4 n$", "$50{,}400$"],
        [r"\texttt{gru}", "$3 m n + 3 n^{2} + 3 n$", "$37{,}800$"],
        [r"\texttt{torch.lstm\_proj}", "$4 m n + 5 n p + 8 n$", ""],  # p is not set
    ]
    _, out, _ = run(capsys, "latex", "lstm", "gru")
    assert "table" not in out  # nothing to compare without values


def test_stacks_show_in_the_formula(capsys):
    _, out, _ = run(capsys, "latex", "lstm", "--layers", "L", "--bidirectional", "--params", "--width", "6.5in")
    stack = symcount.builtin("lstm").stacked("L", bidirectional=True)
    structure = r"2\,P(m) + 2 \left(L - 1\right)\,P(2 n)"
    assert rf"P_{{\mathrm{{lstm}}}}(m, n, L) = {structure} = {sympy.latex(stack.count)}," in out
    assert r"\text{($L$ layers, bidirectional)}" in out
    rows = table_rows(out)
    assert rows[0] == ["parameter", "layers", "copies", "shape", "count"]
    first, later = rows[1], rows[1 + len(stack.params) // 2]
    assert first == ["$W_{i}$", "1", "$2$", r"$n \times m$", "$2 m n$"]
    assert later == [
        "$W_{i}$",
        r"$2, \ldots, L$",
        r"$2 \left(L - 1\right)$",
        r"$n \times 2 n$",
        r"$4 n^{2} \left(L - 1\right)$",
    ]
    _, out, _ = run(capsys, "latex", "gru", "--layers", "3", "--set", "m=10", "--set", "n=20")
    assert r"\text{(3 layers)}" in out
    assert symcount.builtin("gru").stacked(3).evaluate(m=10, n=20) == 6780
    assert r"P_{\mathrm{gru}}(10, 20) = 6{,}780" in out


def test_no_bias_drops_biases_from_the_equations_too(capsys):
    _, out, _ = run(capsys, "latex", "torch.lstm", "--no-bias", "--equations", "--params")
    assert "b_{" not in out
    assert r"i_t &= \sigma(W_{ii} x_t + W_{hi} h_{t-1})" in out
    assert r"\text{(no biases)}" in out


def test_standalone_escapes_text(capsys, tmp_path):
    spec = tmp_path / "odd.cell"
    spec.write_text(
        'cell my_rnn(m, n) "50% of {W} & b_1 #1 ~ x^2 \\\\ <σ> — Schmidhuber, Müller"\n'
        " input x : m\n state h : n\n h' = tanh(W @ x + U @ h + b)\nend\n",
        encoding="utf-8",
    )
    _, out, _ = run(capsys, "latex", str(spec), "--standalone")
    heading = out.split(r"\section*{\texttt{my\_rnn}}")[1].splitlines()[1]
    assert heading == (
        r"50\% of \{W\} \& b\_1 \#1 \textasciitilde{} x\textasciicircum{}2 "
        r"\textbackslash{} \textless{}\ensuremath{\sigma}\textgreater{} — Schmidhuber, Müller"
    )


def test_a_line_break_in_a_description_stays_in_the_comment(capsys, tmp_path):
    spec = tmp_path / "two.cell"
    spec.write_text('cell two(n) "first\\n\\\\section{oops}"\n state h : n\n h\' = U @ h\nend\n')
    assert symcount.load(spec)[0].description == "first\n\\section{oops}"
    _, out, _ = run(capsys, "latex", str(spec), "--standalone")
    assert "% two(n): first \\section{oops}\n" in out
    assert "\nfirst \\textbackslash{}section\\{oops\\}\n" in out
    assert "\n\\section{oops}" not in out


def test_output_is_stable(capsys):
    _, first, _ = run(capsys, "latex", "gru", "--standalone", "--equations", "--params")
    _, second, _ = run(capsys, "latex", "gru", "--standalone", "--equations", "--params")
    assert first == second


@pytest.mark.parametrize(
    "name, argv",
    [
        ("lstm.tex", ["lstm"]),
        ("gru.tex", ["gru", "--set", "m=25", "--set", "n=100"]),
        # v2: heads, outer products, transposes, norms, max and logsigmoid, vec
        ("xlstm.mlstm_cell.tex", ["xlstm.mlstm_cell", "--set", "H=4", "--set", "d=8"]),
        # v2: slices, a convolution, a gate of parameters alone (no time step), outer
        ("mambapy.mamba_block.tex", ["mambapy.mamba_block"]),
    ],
)
def test_golden_documents(capsys, name, argv):
    _, out, _ = run(capsys, "latex", *argv, "--standalone", "--equations", "--params")
    golden(name, out)


@pytest.mark.parametrize(
    "argv",
    [
        ["latex"],
        ["latex", "lstm", "--form", "pretty"],
        ["latex", "lstm", "--set", "k=3"],
        ["latex", "lstm", "--layers", "0"],
        ["latex", "lstm", "-o"],
        ["latex", "lstm", "--only", "nope"],
        ["latex", "lstm", "--only", "table", "--set", "m=3", "--set", "n=2"],  # one cell: no comparison
        ["latex", "lstm", "gru", "--only", "table"],  # no values: no comparison
        ["latex", "lstm", "--only", "cost"],  # no --cost
        ["latex", "lstm", "--width", "3"],
        ["latex", "lstm", "--width", "0.5in"],
        ["latex", "lstm", "--width", "wide"],
        ["latex", "lstm", "--label-prefix", "a b"],
        ["latex", "lstm", "--label-prefix", "sec{1}"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        raise SystemExit(cli.main(argv))
    assert info.value.code == 2


# ---- paper layout: booktabs, labels, numbers, pieces, line breaking, stacks ----

PIECES = ["lstm", "gru", "--set", "m=3", "--set", "n=2", "--equations", "--params", "--cost"]
LABEL = re.compile(r"\\label\{([^}]*)\}")
BLOCK = re.compile(r"\\begin\{(equation|align|table)\}.*?\\end\{\1\}", re.S)


def test_tables_are_booktabs_with_the_caption_above(capsys):
    _, out, _ = run(capsys, "latex", *PIECES)
    assert r"\hline" not in out
    tables = [m.group() for m in BLOCK.finditer(out) if m.group(1) == "table"]
    assert len(tables) == 5  # the comparison, and a parameter and a cost table per cell
    for table in tables:
        order = [r"\setlength{\belowcaptionskip}{6pt}", r"\caption{", r"\label{", r"\begin{tabular}{@{}"]
        order += [r"\toprule", r"\midrule", r"\bottomrule"]
        assert [table.index(part) for part in order] == sorted(table.index(part) for part in order)


def test_standalone_loads_only_what_it_uses(capsys):
    _, plain, _ = run(capsys, "latex", "lstm", "--standalone", "--equations")
    assert r"\usepackage{amsmath}" in plain and "booktabs" not in plain and "graphicx" not in plain
    _, tables, _ = run(capsys, "latex", "lstm", "--standalone", "--params")
    assert r"\usepackage{booktabs}" in tables and "graphicx" not in tables
    # Only a table that no smaller size fits is scaled, which needs graphicx.
    squeezed = ["--layers", "L", "--bidirectional", "--set", "m=1000000", "--set", "n=1000000", "--set", "L=99"]
    _, scaled, _ = run(capsys, "latex", "lstm", "--standalone", "--params", *squeezed, "--width", "1in")
    assert r"\resizebox{\linewidth}{!}{%" in scaled and r"\usepackage{graphicx}" in scaled


def test_every_table_and_equation_has_a_label(capsys):
    _, out, _ = run(capsys, "latex", "lstm", *PIECES)
    labels = LABEL.findall(out)
    pieces = ["count", "equations", "params", "cost"]
    expected = ["symcount:comparison"] + [
        f"symcount:{cell}:{piece}" for cell in ("lstm", "lstm-2", "gru") for piece in pieces
    ]
    assert labels == expected  # one each, and a second cell of a name apart
    assert len(BLOCK.findall(out)) == len(labels)
    _, out, _ = run(capsys, "latex", *PIECES, "--label-prefix", "paper:rnn/")
    assert LABEL.findall(out)[:2] == ["paper:rnn/comparison", "paper:rnn/lstm:count"]
    _, out, _ = run(capsys, "latex", "lstm", "--label-prefix", "")
    assert LABEL.findall(out) == ["lstm:count"]


def align_rows(out: str) -> list[str]:
    inside = out.split("\\begin{align}\n", 1)[1].split("\n\\end{align}", 1)[0]
    return [row.strip() for row in inside.split(" \\\\\n")]


def test_one_number_per_align_block_unless_number_lines(capsys):
    _, out, _ = run(capsys, "latex", "lstm", "--only", "equations")
    rows = align_rows(out)
    assert all(row.endswith(r" \notag") for row in rows[:-1])
    assert rows[-1].endswith(r"\tanh(c_t) \label{symcount:lstm:equations}")
    _, out, _ = run(capsys, "latex", "lstm", "--only", "equations", "--number-lines")
    assert r"\notag" not in out
    assert LABEL.findall(out) == [f"symcount:lstm:equations:{gate}" for gate in "ifogch"]
    # An equation broken over rows keeps one number, on its last row.
    _, out, _ = run(capsys, "latex", "conv_lstm", "--only", "equations", "--number-lines")
    rows = align_rows(out)
    assert len(rows) > len(symcount.builtin("conv_lstm").ir.equations) == len(LABEL.findall(out))
    assert all((r"\label" in row) != row.endswith(r"\notag") for row in rows)
    # ... the row before the next equation's first.
    ends = [row for row, after in zip(rows, [*rows[1:], "next"], strict=True) if not after.startswith("&")]
    assert all(r"\label" in row for row in ends)


def test_large_numbers_are_grouped_in_latex(capsys, tmp_path):
    _, out, _ = run(capsys, "latex", "lstm", "gru", "--set", "m=1000", "--set", "n=4096", "--params")
    assert symcount.builtin("lstm").evaluate(m=1000, n=4096) == 83_509_248
    assert r"P_{\mathrm{lstm}}(1{,}000, 4{,}096) = 83{,}509{,}248" in out
    assert r"at $m = 1{,}000$, $n = 4{,}096$." in out  # the captions
    assert ["total", "", "$4 m n + 4 n^{2} + 4 n$", "$83{,}509{,}248$"] in table_rows(out)
    assert [r"\texttt{lstm}", "$4 m n + 4 n^{2} + 4 n$", "$83{,}509{,}248$"] in table_rows(out)
    # In the formulas too; the other formats write numbers as they did.
    spec = tmp_path / "wide.cell"
    spec.write_text("cell wide(n)\n input x : n\n state h : 1000\n h' = tanh(W @ x)\nend\n")
    _, out, _ = run(capsys, "latex", str(spec))
    assert r"P_{\mathrm{wide}}(n) = 1{,}000 n" in out
    _, out, _ = run(capsys, "count", str(spec), "--format", "markdown")
    assert "$1000 n$" in out
    assert thousands(1001440, math=True) == "1{,}001{,}440"


def _blocks(text: str) -> list[str]:
    return [m.group() for m in BLOCK.finditer(text)]


def test_only_prints_one_piece_and_the_pieces_make_the_whole(capsys):
    _, whole, _ = run(capsys, "latex", *PIECES)
    found = []
    for piece in ("table", "count", "equations", "params", "cost"):
        code, out, err = run(capsys, "latex", *PIECES, "--only", piece)
        assert code == 0, err
        assert {label.rsplit(":", 1)[-1] for label in LABEL.findall(out)} == {
            "comparison" if piece == "table" else piece
        }
        found += _blocks(out)
    assert sorted(found) == sorted(_blocks(whole))  # nothing twice, nothing left out
    # A piece needs no flag of its own, and the comparison comes without the equations.
    _, out, _ = run(capsys, "latex", "lstm", "gru", "--set", "m=3", "--set", "n=2", "--only", "table")
    assert out.startswith("% comparison: lstm, gru\n") and r"\begin{equation}" not in out
    _, out, _ = run(capsys, "latex", "lstm", "--only", "params", "--standalone")
    assert r"\begin{table}" in out and r"\begin{equation}" not in out and r"\section*{\texttt{lstm}}" in out
    assert run(capsys, "latex", "lstm", "--only", "table")[2].endswith(
        "symcount: error: --only table: no comparison table: it needs several cells, "
        "and --set for every size of one of them\n"
    )


def test_long_counts_break_into_rows_that_fit(capsys):
    _, narrow, _ = run(capsys, "latex", "mambapy.mamba_block")
    assert "\\begin{aligned}\n    &P_{\\mathrm{mambapy.mamba\\_block}}(D, E, N, K, R) = 3 D^{2} E \\\\\n" in narrow
    assert "\n    &\\qquad + D E K + 3 D E N + 2 D E R + 3 D E\n  \\end{aligned}" in narrow
    _, wide, _ = run(capsys, "latex", "mambapy.mamba_block", "--width", "6.5in")
    assert "aligned" not in wide
    assert r"(D, E, N, K, R) = 3 D^{2} E + D E K + 3 D E N + 2 D E R + 3 D E" in wide
    # A short head stays on the left of `=`, and the rows align at it.
    _, out, _ = run(capsys, "latex", "lstm", "--layers", "L", "--bidirectional")
    assert r"P_{\mathrm{lstm}}(m, n, L) &= 2\,P(m) + 2 \left(L - 1\right)\,P(2 n) \\" in out
    assert r"&= 24 L n^{2} + 8 L n + 8 m n - 16 n^{2}," in out


def test_equations_break_before_an_operator_outside_parentheses_first(capsys):
    _, out, _ = run(capsys, "latex", "conv_lstm", "--only", "equations", "--width", "4.5in")
    rows = align_rows(out)
    c_rows = rows[[row.startswith("c_t &=") for row in rows].index(True) :][:2]
    assert c_rows == [
        r"c_t &= f_t \odot c_{t-1} \notag",
        r"&\quad + i_t \odot \tanh(\operatorname{conv}(W_{xc}, x_t) + \operatorname{conv}(W_{hc}, h_{t-1}) + b_{c}) \notag",
    ]


def test_table_formulas_break_in_their_cells_and_a_total_spans_the_empty_cells(capsys):
    argv = ["lstm", "gru", "mambapy.mamba_block", "--set", "m=128", "--set", "n=256"]
    argv += [arg for d in "DENKR" for arg in ("--set", f"{d}=4")]
    _, out, _ = run(capsys, "latex", *argv, "--only", "table")
    [mamba] = [row for row in table_rows(out) if "mamba" in row[0]]
    assert mamba[1].startswith(r"\begin{tabular}[t]{@{}l@{}}$3 D^{2} E") and r"\\ $\quad {}+ " in mamba[1]
    _, out, _ = run(capsys, "latex", "mambapy.mamba_block", "--only", "params")
    assert r"total & \multicolumn{2}{l}{\begin{tabular}[t]{@{}l@{}}$3 D^{2} E + D E K" in out
    _, wide, _ = run(capsys, "latex", "mambapy.mamba_block", "--only", "params", "--width", "6.5in")
    assert r"\multicolumn" not in wide and "small" not in wide


def _formulas(cell: symcount.Cell | symcount.Model) -> list[str]:
    """The cell's count and the right-hand sides of its equations, in LaTeX (a model
    has no equations of its own)."""
    lines = [] if isinstance(cell, symcount.Model) else LatexPrinter(cell.ir).equations(cell.ir)
    return [tex.math(cell.count, grouped=True), *(line.split(" &= ", 1)[1] for line in lines)]


BUILTIN_FORMULAS = sorted({text for name in symcount.builtins() for text in _formulas(symcount.builtin(name))})


def test_formulas_break_only_where_a_display_may():
    for text in BUILTIN_FORMULAS:
        parts = tex.pieces(text)
        assert tex.joined(parts) == text
        for part in parts:
            assert part.text.count("{") == part.text.count("}"), (text, part)
            assert part.text.count(r"\left") == part.text.count(r"\right"), (text, part)
        for line in tex.wrap(text, 120, 110):
            assert tex.width(line) <= 120 or len(tex.pieces(line)) == 1, (text, line)


def test_a_width_is_a_tex_length():
    assert points("3.3in") == pytest.approx(238.491) and points("252pt") == 252
    assert points("1in") == points("72.27pt") == points("2.54cm") == points("6.0225pc")
    for bad in ("3", "3.3 inch", "-4in", "0.9in", "1e3pt", ""):
        with pytest.raises(ValueError, match="width must be"):
            points(bad)


def test_stacked_counts_show_their_structure(capsys, tmp_path):
    _, out, _ = run(capsys, "latex", "lstm", "--layers", "L", "--bidirectional", "--width", "6.5in")
    assert r"P_{\mathrm{lstm}}(m, n, L) = 2\,P(m) + 2 \left(L - 1\right)\,P(2 n) = 24 L n^{2}" in out
    assert r"\text{where } P(m) = 4 m n + 4 n^{2} + 4 n" in out
    m, n, L = (size_symbol(s) for s in "mnL")
    cell = symcount.builtin("lstm")

    def one(width):
        return cell.count.subs(m, width)

    assert sympy.expand(2 * one(m) + 2 * (L - 1) * one(2 * n) - cell.stacked("L", bidirectional=True).count) == 0
    _, out, _ = run(capsys, "latex", "gru", "--layers", "3", "--form", "factored", "--width", "6.5in")
    assert r"P_{\mathrm{gru}}(m, n) = P(m) + 2\,P(n) = " in out
    assert r"\text{where } P(m) = 3 n \left(m + n + 1\right)" in out
    # Layers that widen: each its own P, where the depth is a number.
    dense = tmp_path / "dense.cell"
    dense.write_text("cell dense(m, n)\n input x : m\n state h : n\n h' = tanh(W @ [x, h] + b)\n"
                     " y = [x, h']\n output y\nend\n")  # fmt: skip
    _, out, _ = run(capsys, "latex", str(dense), "--layers", "3", "--width", "6.5in")
    assert r"= P(m) + P(m + n) + P(m + 2 n) = " in out
    # None where it would not be exact, or would say nothing.
    for argv in ([str(dense), "--layers", "L"], ["lstm", "--layers", "1"], ["lstm"]):
        _, out, _ = run(capsys, "latex", *argv)
        assert "P(" not in out, argv
    twice = tmp_path / "twice.cell"
    twice.write_text("cell twice(m, n)\n input x : 2*m\n state h : n\n h' = tanh(W @ x + U @ h)\nend\n")
    _, out, _ = run(capsys, "latex", str(twice), "--layers", "L")
    assert "P(" not in out and r"\text{($L$ layers)}" in out


# ---- -o writes atomically ----


def test_output_file(capsys, tmp_path):
    target = tmp_path / "lstm.tex"
    code, out, _ = run(capsys, "latex", "lstm", "--params", "-o", str(target))
    assert code == 0 and out == ""
    _, printed, _ = run(capsys, "latex", "lstm", "--params")
    assert target.read_text() == printed
    assert os.listdir(tmp_path) == ["lstm.tex"]
    _, dash, _ = run(capsys, "latex", "lstm", "--params", "-o", "-")
    assert dash == printed


def test_a_failing_run_leaves_the_existing_file_alone(capsys, tmp_path):
    target = tmp_path / "paper.tex"
    target.write_text("precious\n")
    bad = tmp_path / "bad.cell"
    bad.write_text("cell c(m, n)\n  input x : m\n  state h : n\n  h' = tanh(x + h)\nend\n")
    code, out, err = run(capsys, "latex", str(bad), "-o", str(target))
    assert code == 1 and out == "" and "size mismatch" in err
    code, _, _ = run(capsys, "latex", "lstn", "-o", str(target))
    assert code == 1
    assert target.read_text() == "precious\n"
    assert sorted(os.listdir(tmp_path)) == ["bad.cell", "paper.tex"]


def test_an_error_while_writing_leaves_no_trace(tmp_path):
    target = tmp_path / "paper.tex"
    target.write_text("precious\n")
    os.chmod(target, 0o640)

    def half_then_fail(out):
        out.write(b"\\begin{equ")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically(target, half_then_fail)
    assert target.read_text() == "precious\n"
    assert os.listdir(tmp_path) == ["paper.tex"]
    write_atomically(target, b"new\n")
    assert target.read_text() == "new\n"
    assert os.stat(target).st_mode & 0o777 == 0o640  # permissions kept


def test_an_unwritable_place_is_an_error_not_a_traceback(capsys, tmp_path):
    code, _, err = run(capsys, "latex", "lstm", "-o", str(tmp_path / "no" / "such" / "x.tex"))
    assert code == 1
    assert err.startswith(f"{tmp_path / 'no' / 'such' / 'x.tex'}: error: cannot write the file")


# ---- the Python API and Jupyter ----


def test_cell_latex_api():
    cell = symcount.builtin("lstm")
    assert cell.latex() == cell.latex(form="expanded")
    assert cell.latex().endswith("= 4 m n + 4 n^{2} + 4 n\n  \\label{symcount:lstm:count}\n\\end{equation}\n")
    text = cell.latex(equations=True, params=True, sizes={"m": 3, "n": 2})
    assert LSTM_ALIGN in text and r"P_{\mathrm{lstm}}(3, 2) = 48" in text
    assert cell.latex(standalone=True).startswith("% Generated by symcount")
    stack = cell.stacked(2, bidirectional=True)
    assert r"\text{(2 layers, bidirectional)}" in stack.latex(params=True)
    with pytest.raises(ValueError):
        cell.latex(form="pretty")
    with pytest.raises(ValueError):
        cell.latex(sizes={"k": 3})


# ---- `latex NAME "TEXT"` overrides ----

OVERRIDES = r"""cell ov(m, n) "overrides"
    input x : m
    state h : n
    state c : n
    param beta : scalar

    i = sigmoid(W_xi @ x + W_hi @ h + b_i)
    f = sigmoid(W_xf @ x + W_beta @ h)
    c' = f * c + i * tanh(W_xc @ x)
    h' = beta * tanh(c')

    latex W_xf "W_{\xi}"
    latex x "\mathbf{x}"
    latex h "h_{\mathrm{enc}}"
    latex c "c^{(1)}"
    latex i "\iota"
    latex beta "\varsigma"
end
"""


def test_overrides_apply_everywhere_the_name_prints(capsys, tmp_path):
    spec = tmp_path / "ov.cell"
    spec.write_text(OVERRIDES)
    code, out, err = run(capsys, "latex", str(spec), "--equations", "--params")
    assert (code, err) == (0, "")
    assert (
        r"""
  \iota_t &= \sigma(W_{xi} \mathbf{x}_t + W_{hi} h_{\mathrm{enc},t-1} + b_{i}) \notag \\
  f_t &= \sigma(W_{\xi} \mathbf{x}_t + W_{\beta} h_{\mathrm{enc},t-1}) \notag \\
  c^{(1)}_t &= f_t \odot c^{(1)}_{t-1} + \iota_t \odot \tanh(W_{xc} \mathbf{x}_t) \notag \\
  h_{\mathrm{enc},t} &= \varsigma \odot \tanh(c^{(1)}_t) \label{symcount:ov:equations}
"""
        in out
    )
    # An override names one name: subscripts that mention it keep their letters.
    rows = [line.split("&")[0].strip() for line in out.splitlines() if line.startswith("    $")]
    assert rows == [
        "$W_{xi}$",
        "$W_{hi}$",
        "$b_{i}$",
        r"$W_{\xi}$",
        r"$W_{\beta}$",
        "$W_{xc}$",
        r"$\varsigma$",
    ]
    assert r"% ov: equations (\mathbf{x}_t input, h_{\mathrm{enc},t-1} previous and" in out
    code, stacked, _ = run(capsys, "latex", str(spec), "--params", "--layers", "2")
    assert r"$W_{\xi}$" in stacked and r"$\varsigma$" in stacked


@pytest.mark.parametrize(
    "override, step, expected",
    [
        (r"\tilde{h}", "t-1", r"\tilde{h}_{t-1}"),
        (r"\mathbf{x}", "t", r"\mathbf{x}_t"),
        ("h^{(1)}", "t-1", "h^{(1)}_{t-1}"),
        # A subscript at the end takes the step, as `c_f` does: `c_{f,t}`.
        ("h_{enc}", "t-1", "h_{enc,t-1}"),
        ("h_e", "t", "h_{e,t}"),
        (r"h_\alpha^{(2)}", "t", r"h_{\alpha,t}^{(2)}"),
        # Anywhere else a subscript would make a double subscript: brace the whole.
        ("h_{e} + k", "t", "{h_{e} + k}_t"),
        ("a_{b}c_{d}", "t-1", "{a_{b}c_{d}}_{t-1}"),
        ("h_{a_b}", "t", "h_{a_b,t}"),
        ("x", None, "x"),
    ],
)
def test_an_override_takes_the_time_step(override, step, expected):
    assert tex.with_step(override, step) == expected


def test_markdown_shows_an_override_beside_the_name():
    [cell] = symcount.loads(OVERRIDES.replace(r"\varsigma", r"\|\beta|"))
    text = markdown.render([latex.Report(cell.summary)])
    assert r"| `W_xf` ($W_{\xi}$) | matrix |" in text
    assert r"| `beta` ($\Vert \beta\vert$) | scalar |" in text  # a `|` would end the cell
    assert "| `W_xi` | matrix |" in text


def test_the_documented_override_example_is_what_latex_prints(capsys, tmp_path, monkeypatch):
    page = (Path(__file__).resolve().parent.parent / "docs" / "latex.md").read_text(encoding="utf-8")
    block = page.split("$ cat enc.cell\n", 1)[1].split("```", 1)[0]
    source, printed = block.split("$ symcount latex enc.cell --equations\n")
    monkeypatch.chdir(tmp_path)
    Path("enc.cell").write_text(source, encoding="utf-8")
    assert run(capsys, "latex", "enc.cell", "--equations") == (0, printed, "")


def test_no_builtin_has_a_subscript_that_reads_as_greek():
    # The own-variable rule changed no built-in's output (the golden files stay).
    # A subscript that spells a Greek letter is letters where the cell's own
    # variables spell it (conv_lstm's W_xi, Shi et al., has its x and i), and Greek
    # only where it names a Greek variable of the cell (s6's W_Delta makes Delta).
    for name in BUILTIN_CELLS:
        cell = symcount.builtin(name)
        printer = equations.LatexPrinter(cell.ir)
        for p in cell.params:
            _, _, sub = p.name.partition("_")
            if sub in tex.GREEK and sub not in printer.variables:
                assert "\\" + sub not in printer.symbol(p.name), (name, p.name)


def test_jupyter_display():
    cell = symcount.builtin("gru")
    assert cell._repr_latex_() == (
        r"$$P_{\mathrm{gru}}(m, n) = 3 m n + 3 n^{2} + 3 n = 3 n \left(m + n + 1\right)$$"
    )
    assert cell._repr_markdown_().startswith("### `gru(m, n)`")
    stack = cell.stacked("L")
    assert r"\text{($L$ layers)}" in stack._repr_latex_()
    assert "Network: L layers." in stack._repr_markdown_()
    rnn = symcount.loads("cell u(n)\n state h : n\n h' = U @ h\nend\n")[0]
    assert rnn._repr_latex_() == r"$$P_{\mathrm{u}}(n) = n^{2}$$"  # no `= n^2` twice


# ---- real pdflatex ----

PDFLATEX = shutil.which("pdflatex")


def _has_booktabs() -> bool:
    found = shutil.which("kpsewhich") and subprocess.run(
        ["kpsewhich", "booktabs.sty"], capture_output=True, text=True
    ).stdout.strip()
    return bool(found)


needs_pdflatex = pytest.mark.skipif(
    PDFLATEX is None or not _has_booktabs(),
    reason="pdflatex with booktabs is not installed (Debian: texlive-latex-recommended)",
)
COLUMN = "3.3in"  # one column of a two-column paper: what --width is by default


def compile_tex(text: str, folder: Path, width: str | None = None) -> str:
    """Run plain pdflatex on a document, its text `width` wide if given (as a
    paper's column); return its log. Fails the test on an error."""
    if width is not None:
        geometry = f"\\documentclass{{article}}\n\\usepackage[textwidth={width}]{{geometry}}\n"
        text = text.replace("\\documentclass{article}\n", geometry, 1)
    (folder / "doc.tex").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
    )
    log = (folder / "doc.log").read_text(errors="replace")
    assert result.returncode == 0, result.stdout[-3000:]
    assert (folder / "doc.pdf").stat().st_size > 0
    assert "Missing character" not in log  # a glyph the font lacks would silently vanish
    return log


def overfull(log: str) -> list[str]:
    """pdflatex's complaints of lines set wider than the column, with what was on them."""
    return re.findall(r"^Overfull \\hbox .*\n.*", log, re.M)


@needs_pdflatex
@pytest.mark.parametrize("name", symcount.builtins())
def test_every_builtin_document_fits_one_column(capsys, tmp_path, name):
    # Equations, count and parameter table, in a column of a two-column paper.
    code, out, _ = run(capsys, "latex", name, "--standalone", "--equations", "--params")
    assert code == 0
    assert overfull(compile_tex(out, tmp_path, COLUMN)) == []


def _every_size(name: str, value: int) -> list[str]:
    return [arg for d in symcount.builtin(name).dims for arg in ("--set", f"{d}={value}")]


@needs_pdflatex
@pytest.mark.slow
@pytest.mark.parametrize("name", symcount.builtins())
@pytest.mark.parametrize(
    "extra",
    [
        ["--cost", "--set-every-size"],  # values in every table and a line of them
        ["--layers", "L", "--bidirectional", "--set-every-size"],  # the widest tables
        ["--layers", "3", "--form", "factored"],
    ],
)
def test_every_builtin_document_fits_one_column_with_values_stacks_and_costs(capsys, tmp_path, name, extra):
    argv = [a for a in extra if a != "--set-every-size"]
    if "--set-every-size" in extra:
        argv += _every_size(name, 4096) + (["--set", "L=12"] if "L" in argv else [])
    code, out, err = run(capsys, "latex", name, "--standalone", "--equations", "--params", *argv)
    if code == 2:
        pytest.skip(err.splitlines()[-1])  # a cell that cannot be stacked
    assert code == 0, err
    assert overfull(compile_tex(out, tmp_path, COLUMN)) == []


@needs_pdflatex
def test_a_document_made_for_a_wider_column_overfills_a_narrow_one(capsys, tmp_path):
    # The check above can fail: a page's width is what --width fits.
    _, out, _ = run(capsys, "latex", "mambapy.mamba_block", "--standalone", "--params", "--width", "6.5in")
    assert overfull(compile_tex(out, tmp_path, COLUMN)) != []
    _, out, _ = run(capsys, "latex", "mambapy.mamba_block", "--standalone", "--only", "params", "--width", "2in")
    # Too narrow for any size of it: scaled, the last resort, which needs graphicx.
    assert r"\resizebox" in out and overfull(compile_tex(out, tmp_path, "2in")) == []


@needs_pdflatex
def test_estimated_widths_are_what_pdflatex_sets(tmp_path):
    samples = BUILTIN_FORMULAS[::3]
    measure = "".join(
        rf"\settowidth{{\w}}{{$\displaystyle {text}$}}\typeout{{WIDTH {i} \the\w}}" + "\n"
        for i, text in enumerate(samples)
    )
    document = "\\documentclass{article}\n\\usepackage{amsmath}\n\\newlength{\\w}\n"
    log = compile_tex(document + f"\\begin{{document}}\n{measure}x\n\\end{{document}}\n", tmp_path)
    measured = {int(i): float(w) for i, w in re.findall(r"^WIDTH (\d+) ([\d.]+)pt", log, re.M)}
    assert len(measured) == len(samples)
    for i, text in enumerate(samples):
        assert tex.width(text) == pytest.approx(measured[i], rel=0.1, abs=3), text


@needs_pdflatex
def test_stacks_comparisons_and_odd_cells_compile(capsys, tmp_path):
    spec = tmp_path / "odd.cell"
    spec.write_text(
        'cell odd_one(m, n) "50% & {odd} $cell$ — σ, Müller, «quotes», ħ, 中"\n'
        " input x : m\n state h : n\n param alpha : scalar\n"
        " z = hard_sigmoid(W_z @ [x, h] + b_z)\n"
        " g = abs(W_g @ x) / (1 + exp(-(U_g @ h))) + 1e-3\n"
        " h' = alpha * z * h - -(1 - z) * g\nend\n",
        encoding="utf-8",
    )
    argv = ["--standalone", "--equations", "--params", "--set", "m=3", "--set", "n=2"]
    _, out, _ = run(capsys, "latex", str(spec), "lstm", "torch.gru", *argv, "--layers", "L")
    assert r"\frac{\left|W_{z}" not in out and r"\frac{\left|W_{g} x_t\right|}" in out
    compile_tex(out, tmp_path)
    _, out, _ = run(capsys, "latex", "keras.gru", "--no-bias", "--bidirectional", *argv)
    compile_tex(out, tmp_path)


@needs_pdflatex
def test_overrides_accents_and_greek_compile(capsys, tmp_path):
    spec = tmp_path / "ov.cell"
    spec.write_text(
        OVERRIDES.replace("end\n", '    latex b_i "b_{\\iota}"\nend\n')
        + "cell acc(m, n)\n input x : m\n state h : n\n h_tilde = tanh(W_eta @ x + b_bar)\n"
        " h' = alpha_hat * h_tilde + W_xi @ x\nend\n"
    )
    argv = ["--standalone", "--equations", "--params", "--set", "m=3", "--set", "n=2"]
    code, out, _ = run(capsys, "latex", str(spec), *argv, "--layers", "L")
    assert code == 0 and r"\hat{\alpha}" in out and r"W_{\xi}" in out and r"b_{\iota}" in out
    compile_tex(out, tmp_path)


@pytest.mark.parametrize("module", [equations, tex, latex, markdown, atomic])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
