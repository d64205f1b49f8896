r"""A cell's display name, `cell c(m, n) "..." latex "\mathrm{C}"` (docs/latex.md, "Display
names"): parsed and checked, printed back by fmt, and naming the cell in every output."""

import importlib.util
import io
import json
import re

import pytest
from test_latex import compile_tex, needs_pdflatex

import symcount
from symcount import SymcountError, cli, ir
from symcount.render import Report, render, tex
from symcount.syntax import parse

BODY = " input x : m\n state h : n\n h' = tanh(W @ x + U @ h + b)\nend\n"
KRAUSE = 'cell mlstm_krause(m, n) "multiplicative" latex "\\mathrm{mLSTM}"\n' + BODY


def load(text: str) -> symcount.Cell:
    [cell] = symcount.loads(text, filename="d.cell")
    return cell


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- syntax ----


@pytest.mark.parametrize(
    "header, description, display",
    [
        ('cell c(m, n) "d" latex "\\mathrm{C}"', "d", r"\mathrm{C}"),
        ('cell c(m, n) latex "\\alpha\\text{-RNN}"', "", r"\alpha\text{-RNN}"),
        ('cell c(m, n) "d\\n2"   latex   "C_{\\mathrm{x}}"  # a comment', "d\n2", r"C_{\mathrm{x}}"),
        ('cell c(m, n) "d"', "d", None),
    ],
)
def test_the_header_holds_the_display_name_verbatim(header, description, display):
    [cell] = parse(ir.Document("<d>", header + "\n" + BODY))
    assert (cell.description, cell.display) == (description, display)
    if display is not None:  # the span is the string's, quotes included
        span = cell.display_span
        assert header[span.column - 1 : span.end_column - 1] == f'"{display}"'


@pytest.mark.parametrize(
    "text, where, message",
    [
        ('cell c(m, n) "desc\n' + BODY, (1, 14), "this string is never closed"),
        ('cell c(m, n) "d" latex "\\mathrm{C}\n' + BODY, (1, 24), "this string is never closed"),
        ('cell c(m, n) "d"\n latex "\\mathrm{C}"\n' + BODY, (2, 8), "a cell's display name goes on its first line"),
        ('cell c(m, n) "d"\n input x : m\n latex "C"\n' + BODY[13:], (3, 8), "display name goes on its first line"),
        ('cell c(m, n) "d" latex\n' + BODY, (1, 23), "expected the display name in double quotes"),
        ("cell c(m, n) latex C\n" + BODY, (1, 20), "expected the display name in double quotes"),
        ('cell c(m, n) latex "C" "d"\n' + BODY, (1, 24), "the description comes before the display name"),
        ('cell c(m, n) "d" latex "C" x\n' + BODY, (1, 28), "expected the end of the line after the header"),
        # The LaTeX is checked as a name's override is, at the character.
        ('cell c(m, n) "d" latex "\\mathrm{C"\n' + BODY, (1, 32), "display name of cell 'c': '{' is never closed"),
        ('cell c(m, n) latex "C$"\n' + BODY, (1, 22), "'$' would leave math mode"),
        ('cell c(m, n) latex "\\input{x}"\n' + BODY, (1, 21), "\\input is not allowed"),
        ('cell c(m, n) latex ""\n' + BODY, (1, 21), "the LaTeX is empty"),
        ('cell c(m, n) latex "C\\"x"\n' + BODY, (1, 22), "a double quote cannot be written"),
    ],
)
def test_bad_headers_are_located_errors(text, where, message):
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename="d.cell")
    error = info.value
    assert message in str(error)
    assert (error.location.line, error.location.column) == where


def test_fmt_prints_the_display_name_back(capsys, tmp_path):
    text = 'cell c(m, n)   "say \\"hi\\""  latex  "\\mathrm{C}_{\\%}"\n' + BODY
    printed = symcount.format_text(text)
    assert printed.splitlines()[0] == 'cell c(m, n) "say \\"hi\\"" latex "\\mathrm{C}_{\\%}"'
    assert symcount.format_text(printed) == printed
    assert load(printed).display == r"\mathrm{C}_{\%}"
    no_description = symcount.format_text('cell c(m, n) latex "C"\n' + BODY)
    assert no_description.startswith('cell c(m, n) latex "C"\n')


# ---- every output ----


def test_latex_names_the_cell_by_it_everywhere_papers_read(capsys, tmp_path):
    path = tmp_path / "k.cell"
    path.write_text(KRAUSE)
    argv = ["--set", "m=3", "--set", "n=2", "--params", "--standalone"]
    code, out, _ = run(capsys, "latex", str(path), "lstm", *argv)
    assert code == 0
    assert r"P_{\mathrm{mLSTM}}(m, n) = " in out and r"P_{\mathrm{mLSTM}}(3, 2) = " in out
    assert re.search(r"\n +\$\\mathrm\{mLSTM\}\$ +& \$m n ", out)  # the comparison's row
    assert r"\caption{Trainable parameters of $\mathrm{mLSTM}$ at" in out
    assert r"\section*{\boldmath$\mathrm{mLSTM}$}" in out
    assert "mlstm\\_krause" not in out  # the identifier stays in the comments only
    assert "% mlstm_krause(m, n): multiplicative" in out
    assert r"\texttt{lstm}" in out and r"P_{\mathrm{lstm}}" in out  # without one: as before
    cost = run(capsys, "cost", str(path), "--format", "latex")[1]
    assert r"\caption{Cost of $\mathrm{mLSTM}$" in cost


def test_markdown_text_json_and_the_notebook(capsys):
    cell = load(KRAUSE)
    markdown = render("markdown", [Report(cell.summary), Report(symcount.builtin("rnn").summary)])
    assert r"| $\mathrm{mLSTM}$ (`mlstm_krause(m, n)`) | $" in markdown
    assert r"### $\mathrm{mLSTM}$ (`mlstm_krause(m, n)`)" in markdown
    assert "| `rnn(m, n)` |" in markdown
    assert symcount.Cells([cell])._repr_markdown_().splitlines()[2].startswith(r"| $\mathrm{mLSTM}$ (")
    assert cell._repr_latex_().startswith(r"$$P_{\mathrm{mLSTM}}(m, n) = ")
    text = render("text", [Report(cell.summary)])
    assert text.splitlines()[:3] == ["mlstm_krause(m, n): multiplicative", "  source    d.cell", "  display   mLSTM"]
    [document] = json.loads(render("json", [Report(cell.summary)]))["cells"]
    assert list(document)[:3] == ["name", "description", "display"]
    assert document["display"] == {"latex": r"\mathrm{mLSTM}", "text": "mLSTM"}
    assert "display" not in json.loads(render("json", [Report(symcount.builtin("rnn").summary)]))["cells"][0]
    assert "display" not in render("text", [Report(symcount.builtin("rnn").summary)])


def test_a_stack_and_a_cell_without_biases_keep_it():
    cell = load(KRAUSE)
    for used in (cell.stacked("L", bidirectional=True), cell.without_biases()):
        assert used.display == r"\mathrm{mLSTM}"
        assert render("latex", [Report(used.summary)]).count(r"P_{\mathrm{mLSTM}}") == 1


@pytest.mark.parametrize(
    "latex, text",
    [
        (r"\mathrm{mLSTM}", "mLSTM"),
        (r"\text{Linear RNN}", "Linear RNN"),
        (r"\alpha\text{-RNN}", "α-RNN"),
        (r"\Lambda \mathbf{x}", "Λx"),  # TeX drops the space after a command's name
        (r"\mathrm{LSTM}_{\mathrm{proj}}^{+}", "LSTM_proj^+"),
        (r"\mathrm{a}\,\mathrm{b}~c", "a b c"),
        (r"\mathrm{W\&B}\_2", "W&B_2"),
        (r"\widetilde{\mathrm{GRU}}", None),
        (r"\frac{1}{2}", None),
        ("{}", None),
    ],
)
def test_the_plain_text_of_a_display_name(latex, text):
    assert tex.plain_text(latex) == text
    cell = load(f'cell mine(m, n) latex "{latex}"\n' + BODY)
    assert tex.cell_text(cell.ir) == (text or "mine")  # the identifier where there is none


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="the plot extra is not installed")
@pytest.mark.parametrize(
    "display, legend",
    [
        (r"\mathrm{mLSTM}", r"$\mathrm{mLSTM}$"),  # mathtext sets it
        (r"\textbf{big}", "big"),  # mathtext has no \textbf: the text
        (r"\textbf{\$}", r"\$"),  # a dollar in the text is not mathtext
        (None, "mine"),
    ],
)
def test_the_plot_legend(display, legend):
    from symcount.render import plot

    header = "cell mine(m, n)" + (f' latex "{display}"' if display else "")
    cell = load(header + "\n" + BODY)
    assert plot.legend_name(cell.summary) == legend
    assert plot.label(cell.summary).startswith(legend + ": $")
    plot.figure([Report(cell.summary, {"m": 4})], "n", 1, 8).savefig(io.BytesIO(), format="png")


@needs_pdflatex
def test_display_names_and_the_names_of_mamba_and_xlstm_compile(capsys, tmp_path):
    path = tmp_path / "k.cell"
    path.write_text(KRAUSE.replace(r"\mathrm{mLSTM}", r"\mathrm{mLSTM}_{\alpha}\text{-}2"))
    argv = ["--standalone", "--equations", "--params", "--set", "m=3", "--set", "n=2"]
    more = ["--set", "H=2", "--set", "d=4", "--set", "D=8", "--set", "E=2", "--set", "N=4"]
    code, out, _ = run(capsys, "latex", str(path), "xlstm.mlstm_cell", "mambapy.mamba_block", *argv, *more,
                       "--set", "K=4", "--set", "R=1")
    assert code == 0
    for piece in (r"P_{\mathrm{mLSTM}_{\alpha}\text{-}2}", r"A_{\log}", r"W_{\mathrm{in}}", "10^{-6}"):
        assert piece in out
    compile_tex(out, tmp_path)
