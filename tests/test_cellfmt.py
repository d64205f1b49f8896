"""`symcount fmt`: cells printed back from the IR in canonical form, with
their comments."""

import io
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import cellgen
import symcount
from conftest import same
from symcount import SymcountError, cli, sources
from symcount.syntax.comments import comments

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


def texts(text: str) -> Counter:
    return Counter(c.text for c in comments(text))


@pytest.mark.parametrize("name", symcount.builtins())
def test_builtins_print_back_to_the_same_cell(name):
    cell = symcount.builtin(name)
    source = sources.builtin_text(name)
    printed = symcount.format_text(source)
    kind = sources.builtin_kind(name)
    assert f'\n{kind} {name}({", ".join(map(str, cell.dims))}) "' in "\n" + printed
    assert texts(printed) == texts(source) and len(texts(source)) > 2  # every comment kept
    # Their header comments stay where they are, in their order, above the cell.
    header = [c.text for c in comments(source) if c.line < cell.ir.span.line]
    assert [c.text for c in comments(printed)][: len(header)] == header
    assert symcount.format_text(printed) == printed
    again = {d.name: d for d in symcount.loads(printed)}[name]
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
    assert out.startswith((GOLDEN / "fmt_expected.cell").read_text() + "\n# Source: K. Cho")

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
        '    latex h "\\tilde{h}^{(1)}\\,"  # c\n'
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


# ---- comments ----


@pytest.mark.parametrize(
    "source, printed",
    [
        # Alone on its line: with the next item, indented inside a cell.
        ("# top\ncell c(n)\n# about h\nstate h : n\nend\n",
         "# top\ncell c(n)\n    # about h\n    state h : n\nend\n"),
        # After code: on its line, two spaces after it.
        ("cell c(n) # h\nstate h:n    # s\nh'=h#u\nend#e\n",
         "cell c(n)  # h\n    state h : n  # s\n\n    h' = h  #u\nend  #e\n"),
        # Blank lines between comments, and before what they go with: one for any number.
        ("\n\n# a\n\n\n# b\n\ncell c(n)\n\n# c\nend\n",
         "# a\n\n# b\n\ncell c(n)\n    # c\nend\n"),
        # Inside brackets: above the statement fmt joins, in order; the last line's stays after.
        ("cell c(n)\nh' = f(h, # one\n# two\n h) # three\nend\n",
         "cell c(n)\n    # one\n    # two\n    h' = f(h, h)  # three\nend\n"),
        ("cell c(m, # the input\n n)\nparam W : (n, # rows\n m)\nend\n",
         "# the input\ncell c(m, n)\n    # rows\n    param W : (n, m)\nend\n"),
        # A declaration among the equations moves up with its comments; before `end`,
        # between cells and after the last one.
        ("cell c(n)\nh' = h\n# the state\nstate h : n # n wide\n# last\nend\n# next\ncell d(n)\nend\n# bye\n",
         "cell c(n)\n    # the state\n    state h : n  # n wide\n\n    h' = h\n    # last\nend\n\n"
         "# next\ncell d(n)\nend\n\n# bye\n"),
        # A `#` in a string is none; `end` and the next header on one line.
        ('cell c(n) "a # b"\nlatex h "#"  # yes\nend cell d(n) # d\nend\n',
         'cell c(n) "a # b"\n    latex h "#"  # yes\nend\n\ncell d(n)  # d\nend\n'),
        # Windows line ends; trailing blanks are no part of a comment.
        ("cell c(n)\r\n# a \t\r\nstate h : n # b\r\nend\r\n",
         "cell c(n)\n    # a\n    state h : n  # b\nend\n"),
    ],
)  # fmt: skip
def test_each_comment_stays_with_what_it_was_written_beside(source, printed):
    assert symcount.format_text(source) == printed
    assert symcount.format_text(printed) == printed


COMMENT = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=12)


@st.composite
def commented(draw, text: str) -> tuple[str, list[str]]:
    """`text` with comments put in at random (alone before a line, after a line's
    code, after a line break inside brackets) and blank lines; and the comments."""
    added, lines = [], []

    def comment() -> str:
        added.append("#" + draw(COMMENT))
        return added[-1]

    for line in text.split("\n")[:-1]:  # lines as the parser counts them
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "  ", "\t"])) + comment())
        if draw(st.integers(0, 3)) == 0:
            lines.append("")
        bracket = line.find("(") if '"' not in line else -1  # not in a header's description
        if bracket >= 0 and draw(st.booleans()):
            lines.append(f"{line[: bracket + 1]} {comment()}")
            line = "      " + line[bracket + 1 :]
        if draw(st.booleans()):
            line += draw(st.sampled_from([" ", "", "    "])) + comment()
        lines.append(line)
    if draw(st.booleans()):
        lines.append(comment())
    return "\n".join(lines) + "\n", added


def without_comments(text: str) -> list[str]:
    """The lines of printed cells with the comments cut and the blank lines left out."""
    lines = text.split("\n")
    for c in comments(text):
        line = lines[c.line - 1]
        lines[c.line - 1] = "" if c.alone else line[: line.rindex("  " + c.text)]
    return [line for line in lines if line]


@given(cellgen.cells(), st.data())
def test_comments_are_kept_and_change_nothing_else(gen, data):
    plain = gen.text()
    source, added = data.draw(commented(plain))
    printed = symcount.format_text(source)
    assert symcount.format_text(printed) == printed
    assert texts(printed) == Counter(c.rstrip() for c in added)
    assert without_comments(printed) == without_comments(symcount.format_text(plain))
    [original], [again] = symcount.loads(plain), symcount.loads(printed)
    assert same(original.count, again.count) and original.params == again.params
