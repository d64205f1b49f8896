"""The Pygments lexer for `.cell` files (symcount/render/lexer.py): what it
colours, that it reads every cell there is without an error token, and that
the real `pygmentize` finds it through the installed package's entry point."""

import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("pygments")  # the `pygments` extra, part of the `test` extra

from pygments.token import STANDARD_TYPES, Token

from conftest import doc_script
from symcount import sources, syntax
from symcount.functions import TABLE
from symcount.render.lexer import KEYWORDS, CellLexer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
pages = doc_script("pages")
Comment, Error, Keyword, Name = Token.Comment, Token.Error, Token.Keyword, Token.Name
Number, Operator, Punctuation, String = Token.Number, Token.Operator, Token.Punctuation, Token.String


def tokens(text: str) -> list[tuple[object, str]]:
    """The tokens that show (blanks left out)."""
    return [(kind, value) for kind, value in CellLexer().get_tokens(text) if value.strip()]


def kind_of(text: str, value: str) -> object:
    """The token type of the first token `value` of `text`."""
    return next(kind for kind, v in tokens(text) if v == value)


# ---- the words are the language's ----


def test_the_keywords_are_the_grammars_words():
    words = {
        terminal.pattern.value
        for terminal in syntax.parser().terminals
        if terminal.pattern.type == "str" and terminal.pattern.value.isalpha()
    }
    assert set(KEYWORDS) == words
    assert {"cell", "def", "output", "frozen", "bias", "quaternion"} <= words


def test_every_builtin_function_is_a_builtin_name():
    for name in TABLE:
        assert kind_of(f"cell c(n)\n y = {name}(x, n)\nend\n", name) is Name.Builtin, name
    assert kind_of("cell c(n)\n def g(a) = a\n y = g(x)\nend\n", "g") is Name.Function
    assert kind_of("cell c(n)\n y = tanhh(x)\nend\n", "tanhh") is Name.Function  # not a built-in


# ---- what each piece is ----

SAMPLE = r'''# a comment
cell demo.rnn(m, n) "a \"demo\"\tcell"  # trailing
    size d = 2*n
    input x : m
    state h : n
    state C : (n, d)
    param D : diag(n) frozen
    param B : blockdiag(2, d, d)
    param Z : complex(n, m) bias
    param Q : quaternion(n)
    param a : scalar
    output h'
    def g(v) = v + 0.5

    latex = sigmoid(W @ [x,
                         h])
    size = bias * latex
    h' = g(h) * 1e-3 + 3 - .5 + C[0:n] @ h
    latex W "W_{\mathrm{in}}"
end
'''


# What each token of SAMPLE is: its first occurrence.
PIECES = {
    Comment.Single: ["# a comment", "# trailing"],
    Keyword: ["cell", "size", "input", "state", "param", "output", "def", "end"],
    Keyword.Type: ["diag", "frozen", "blockdiag", "complex", "bias", "quaternion", "scalar"],
    Name.Class: ["demo.rnn"],
    Name.Variable: ["x", "h", "D"],  # declared
    Name.Function: ["g"],
    Name.Builtin: ["sigmoid"],
    String.Double: ["a ", '"W_{\\mathrm{in}}"'],  # a `latex` text is verbatim: no escapes
    String.Escape: ['\\"', "\\t"],
    Number.Float: ["0.5", "1e-3", ".5"],
    Number.Integer: ["3", "2"],
    Operator: ["@", "*", "+", "-", "=", ":", "'"],
}


@pytest.mark.parametrize("value, kind", [(v, kind) for kind, values in PIECES.items() for v in values])
def test_each_piece_has_its_token(value, kind):
    assert kind_of(SAMPLE, value) is kind


def test_keywords_are_names_where_the_grammar_reads_names():
    # `latex = ...` and `size = ...` are gates; `bias` in an equation is a parameter.
    shown = [(k, v) for k, v in tokens(SAMPLE) if v in ("latex", "size")]
    assert shown == [
        (Keyword, "size"), (Name.Variable, "latex"), (Name.Variable, "size"), (Name, "latex"),
        (Keyword, "latex"),
    ]  # fmt: skip
    equation = tokens("cell c(n)\n h' = bias * h\nend\n")
    assert (Name, "bias") in equation and (Keyword.Type, "bias") not in equation


def test_a_new_state_value_is_the_name_and_its_prime():
    assert tokens("cell c(n)\n h' = tanh(c')\nend\n")[5:-1] == [
        (Name.Variable, "h"), (Operator, "'"), (Operator, "="), (Name.Builtin, "tanh"),
        (Punctuation, "("), (Name.Variable, "c"), (Operator, "'"), (Punctuation, ")"),
    ]  # fmt: skip


# ---- every cell there is, without an error token ----


def _documented_cells():
    for page in ["README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]:
        for number, (info, block) in enumerate(pages.blocks(page), 1):
            if info == "" and re.match(r"(#.*\n)*cell ", block):
                yield pytest.param(block, id=f"{page}-{number}")


CELLS = [
    *(pytest.param(sources.builtin_text(name), id=name) for name in sources.builtin_names()),
    *_documented_cells(),
    pytest.param((GOLDEN / "fmt_input.cell").read_text(), id="fmt_input"),
    pytest.param((GOLDEN / "fmt_input.cell").read_text().replace("\n", "\r\n"), id="crlf"),
    pytest.param(SAMPLE, id="sample"),
]


@pytest.mark.parametrize("text", CELLS)
def test_no_error_token(text):
    every = list(CellLexer().get_tokens(text))
    assert [(k, v) for k, v in every if k in Error] == []
    assert "".join(v for _, v in every) == text.replace("\r\n", "\n") + ("" if text.endswith("\n") else "\n")


def test_a_broken_cell_shows_its_error_token():
    assert (Error, "$") in tokens("cell c(n)\n h' = $h\nend\n")


# ---- Pygments loads it: no sympy, no lark; the real pygmentize, installed ----


def test_the_lexer_module_loads_neither_sympy_nor_lark(tmp_path):
    code = (
        "import sys\n"
        "import symcount.render.lexer\n"
        "print(sorted(m for m in ('sympy', 'lark', 'symcount.syntax') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """symcount's wheel, built from this tree and unpacked as pip would install it:
    a folder that, first on PYTHONPATH, is the installed symcount, entry points and all."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(folder)],
        check=True, timeout=300,
    )  # fmt: skip
    [wheel] = folder.glob("symcount-*.whl")
    site = folder / "site"
    zipfile.ZipFile(wheel).extractall(site)
    return site


def pygmentize(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    scripts = Path(sysconfig.get_path("scripts"))  # where pip put Pygments' command
    exe = scripts / "pygmentize" if (scripts / "pygmentize").exists() else "pygmentize"
    return subprocess.run(
        [str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(site)},
    )  # fmt: skip


def test_the_installed_package_registers_the_lexer(installed):
    entry = next(installed.glob("symcount-*.dist-info")) / "entry_points.txt"
    assert "[pygments.lexers]\nsymcount = symcount.render.lexer:CellLexer\n" in entry.read_text()
    code = (
        "from pygments.lexers import get_lexer_by_name, get_lexer_for_filename\n"
        "for lexer in (get_lexer_by_name('symcount'), get_lexer_by_name('cell'),\n"
        "              get_lexer_for_filename('lstm.cell')):\n"
        "    print(type(lexer).__module__, type(lexer).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(installed)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "symcount.render.lexer CellLexer\n" * 3


def test_pygmentize_colours_every_builtin(installed, tmp_path):
    # One file of every built-in, so that pygmentize starts once per formatter.
    everything = tmp_path / "builtins.cell"
    everything.write_text("\n".join(sources.builtin_text(n) for n in sources.builtin_names()))
    html = pygmentize(installed, "-l", "symcount", "-f", "html", str(everything), cwd=tmp_path)
    assert html.returncode == 0, html.stderr
    assert 'class="err"' not in html.stdout
    for css in ('class="k"', 'class="nc"', 'class="nb"', 'class="c1"', 'class="kt"'):
        assert css in html.stdout, css
    terminal = pygmentize(installed, "-l", "symcount", "-f", "terminal", str(everything), cwd=tmp_path)
    assert terminal.returncode == 0, terminal.stderr
    assert "\x1b[" in terminal.stdout
    assert re.sub(r"\x1b\[[0-9;]*m", "", terminal.stdout) == everything.read_text()
    listed = pygmentize(installed, "-l", "symcount", "-f", "tokens", str(everything), cwd=tmp_path)
    assert listed.returncode == 0 and "Token.Error" not in listed.stdout
    assert "Token.Name.Class\t'lstm'" in listed.stdout


def test_pygmentize_knows_a_cell_file_by_its_name(installed, tmp_path):
    guessed = pygmentize(installed, "-N", "x.cell", cwd=tmp_path)
    assert (guessed.returncode, guessed.stdout) == (0, "symcount\n")
    (tmp_path / "lstm.cell").write_text(sources.builtin_text("lstm"))
    shown = pygmentize(installed, "-f", "html", "lstm.cell", cwd=tmp_path)
    assert shown.returncode == 0 and '<span class="nc">lstm</span>' in shown.stdout


def test_the_docstring_example():
    import doctest

    from symcount.render import lexer

    result = doctest.testmod(lexer)
    assert result.failed == 0 and result.attempted > 0


def test_the_token_types_are_pygments_standard_ones():
    # Styles colour the standard types; a type of our own would show uncoloured.
    used = {kind for text in (SAMPLE, sources.builtin_text("mlstm")) for kind, _ in CellLexer().get_tokens(text)}
    assert used <= set(STANDARD_TYPES) and Token.Error not in used


def test_a_display_name_is_a_keyword_and_a_verbatim_string():
    # The header's `latex "..."` (docs/language.md, "Files and cells"): a backslash in
    # it is LaTeX, not an escape, and no token of the header is an error.
    found = tokens('cell mlstm_krause(m, n) "an \\"LSTM\\"" latex "\\mathrm{mLSTM}"\nend\n')
    assert (Keyword, "latex") in found
    assert (String.Double, '"\\mathrm{mLSTM}"') in found
    assert not any(kind in Error for kind, _ in found)
