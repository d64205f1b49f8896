"""`symcount fmt`: cells printed back from the IR in canonical form."""

import io
import sys
from pathlib import Path

import pytest

import symcount
from conftest import same
from symcount import SymcountError, cli, sources

GOLDEN = Path(__file__).parent / "golden"


def fmt_rhs(rhs, decls=""):
    """The canonical form of one right-hand side."""
    text = symcount.format_text(f"cell c(m, n)\n{decls}y = {rhs}\nend\n")
    return text.splitlines()[-2].removeprefix("    y = ")


def test_golden_file():
    source = (GOLDEN / "fmt_input.cell").read_text()
    expected = (GOLDEN / "fmt_expected.cell").read_text()
    assert symcount.format_text(source) == expected
    assert symcount.format_text(expected) == expected


@pytest.mark.parametrize("name", symcount.builtins())
def test_builtins_print_back_to_the_same_cell(name):
    cell = symcount.builtin(name)
    printed = symcount.format_text(sources.builtin_text(name))
    assert printed.startswith(f'cell {name}({", ".join(map(str, cell.dims))}) "')
    assert "#" not in printed  # comments are dropped
    assert symcount.format_text(printed) == printed
    [again] = symcount.loads(printed)
    assert same(again.count, cell.count)
    assert again.params == cell.params
    assert again.description == cell.description


@pytest.mark.parametrize(
    "rhs, canonical",
    [
        ("a+b*c", "a + b * c"),
        ("(a + b) + c", "a + b + c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a - (b + c)", "a - (b + c)"),
        ("(a * b) * c", "a * b * c"),
        ("a / (b / c)", "a / (b / c)"),
        ("(a + b) * c", "(a + b) * c"),
        ("r * (W @ h)", "r * W @ h"),
        ("(r * W) @ h", "(r * W) @ h"),
        ("A @ (B @ x)", "A @ B @ x"),
        ("(A @ B) @ x", "(A @ B) @ x"),
        ("(-W) @ h", "-W @ h"),
        ("-(W @ h)", "-(W @ h)"),
        ("-(-a)", "--a"),
        ("a + (-b)", "a + -b"),
        ("a * (-b)", "a * -b"),
        ("-(a * b)", "-(a * b)"),
        ("W @ (-h)", "W @ -h"),
        ("sigmoid(((x)))", "sigmoid(x)"),
        ("[ x ,h,(1) ]", "[x, h, 1]"),
        ("f(x, (y))", "f(x, y)"),
        ("g( )", "g()"),
        ("h'+ 1e-3 - .5 * 2.", "h' + 1e-3 - .5 * 2."),
    ],
)
def test_parentheses_only_where_precedence_needs_them(rhs, canonical):
    assert fmt_rhs(rhs) == canonical


@pytest.mark.parametrize(
    "size, canonical",
    [
        ("n+m", "n + m"),
        ("(n + m)*k", "(n + m)*k"),
        ("k*(n + m)", "k*(n + m)"),
        ("n - (m - k)", "n - (m - k)"),
        ("(n - m) - k", "n - m - k"),
        ("2*(n*m)", "2*(n*m)"),
        ("(2*n)*m", "2*n*m"),
        ("((n))", "n"),
        ("007", "7"),
    ],
)
def test_sizes(size, canonical):
    text = symcount.format_text(f"cell c(m, n, k)\n  input x : {size}\nend\n")
    assert text.splitlines()[1] == f"    input x : {canonical}"


@pytest.mark.parametrize(
    "description",
    ["", "plain", 'say "hi"', "back\\slash", "tab\there", "new\nline", 'all "\\\t\n', "\\"],
)
def test_descriptions_survive(description):
    escaped = description.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\t", "\\t").replace("\n", "\\n")
    text = symcount.format_text(f'cell c(n) "{escaped}"\n  state h : n\n  h\' = h\nend\n')
    assert symcount.format_text(text) == text
    [cell] = symcount.loads(text)
    assert cell.description == description
    assert text.startswith(f'cell c(n) "{escaped}"\n' if description else "cell c(n)\n")


def test_declarations_keep_their_order_and_equations_follow_a_blank_line():
    text = symcount.format_text(
        "cell c(n)\nparam D:diag(n)\nstate h:n\noutput h'\nh'=D@h\nparam a:scalar\nend"
    )
    assert text == (
        "cell c(n)\n"
        "    param D : diag(n)\n"
        "    state h : n\n"
        "    output h'\n"
        "    param a : scalar\n"
        "\n"
        "    h' = D @ h\n"
        "end\n"
    )


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_command_formats_files_builtins_and_stdin(capsys, tmp_path, monkeypatch):
    path = tmp_path / "messy.cell"
    path.write_text((GOLDEN / "fmt_input.cell").read_text())
    code, out, err = run(capsys, "fmt", str(path))
    assert (code, err) == (0, "")
    assert out == (GOLDEN / "fmt_expected.cell").read_text()

    code, out, _ = run(capsys, "fmt", str(path), "gru")
    assert code == 0
    assert out.startswith((GOLDEN / "fmt_expected.cell").read_text() + "\ncell gru(m, n)")

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"cell c(n)\nstate h:n\nend")))
    code, out, _ = run(capsys, "fmt", "-")
    assert (code, out) == (0, "cell c(n)\n    state h : n\nend\n")


def test_command_checks_the_syntax_only(capsys, tmp_path):
    mismatch = tmp_path / "mismatch.cell"
    mismatch.write_text("cell c(m, n)\ninput x:m\nstate h:n\nh'=x+h\nend\n")
    code, out, _ = run(capsys, "fmt", str(mismatch))
    assert code == 0 and "    h' = x + h\n" in out
    with pytest.raises(SymcountError):
        symcount.load(mismatch)

    broken = tmp_path / "broken.cell"
    broken.write_text("cell c(n)\nstate h:n\nh' = (h\nend\n")
    code, out, err = run(capsys, "fmt", str(broken))
    assert (code, out) == (1, "")
    assert err.startswith(f"{broken}:3:6: error: '(' was never closed")


def test_docstring_example():
    import doctest

    from symcount.render import cellfmt

    result = doctest.testmod(cellfmt)
    assert result.failed == 0 and result.attempted > 0


def test_the_documented_example_is_what_fmt_prints():
    page = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    block = page.split("$ cat messy.cell\n", 1)[1].split("```", 1)[0]
    source, printed = block.split("$ symcount fmt messy.cell\n")
    assert symcount.format_text(source) == printed


def test_latex_overrides_print_back_verbatim_after_the_equations():
    source = (
        'cell c(m, n)\n latex W_xi   "W_{\\xi}"\ninput x:m\nstate h:n\n'
        'latex = sigmoid(W_xi@x)\nh\'=latex*h\n  latex h "\\tilde{h}^{(1)}\\," # c\n'
        'latex latex "\\ell"\nend\n'
    )
    text = symcount.format_text(source)
    assert text == (
        "cell c(m, n)\n"
        "    input x : m\n"
        "    state h : n\n"
        "\n"
        "    latex = sigmoid(W_xi @ x)\n"
        "    h' = latex * h\n"
        "\n"
        '    latex W_xi "W_{\\xi}"\n'
        '    latex h "\\tilde{h}^{(1)}\\,"\n'
        '    latex latex "\\ell"\n'
        "end\n"
    )
    assert symcount.format_text(text) == text
    [before], [after] = symcount.loads(source), symcount.loads(text)
    assert same(before.count, after.count) and before.params == after.params
    assert [(o.name, o.text) for o in after.ir.latex_overrides] == [
        (o.name, o.text) for o in before.ir.latex_overrides
    ]
    assert before.latex(equations=True, params=True) == after.latex(equations=True, params=True)
