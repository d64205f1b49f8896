"""Warnings (SPEC §5): legal cells that are probably slips, reported with their place."""

import pytest

import symcount
from conftest import m, n, same
from symcount import cli
from symcount.errors import SymcountWarning

PEEPHOLE = symcount.builtin("peephole_lstm").ir.source.text
TYPO = PEEPHOLE.replace("h' = o * tanh(c')", "h' = oo * tanh(c')")


def body(*lines: str, dims: str = "m, n") -> str:
    return f"cell c({dims})\n  input x : m\n  state h : n\n" + "".join(f"  {s}\n" for s in lines) + "end\n"


def warnings_of(text: str) -> list[tuple[str, int, int]]:
    [cell] = symcount.loads(text, filename="c.cell")
    return [(w.message, w.line, w.column) for w in cell.warnings]


def test_the_issue_typo_is_a_warning_with_a_suggestion():
    [cell] = symcount.loads(TYPO, filename="p.cell")
    messages = [w.message for w in cell.warnings]
    assert "'oo' becomes a parameter; did you mean the gate 'o'?" in messages
    assert "gate 'o' is never used" in messages
    # still counted, as written: one vector more than the peephole LSTM
    assert same(cell.count - symcount.builtin("peephole_lstm").count, n)
    [typo] = [w for w in cell.warnings if "oo" in w.message]
    assert (typo.filename, typo.line) == ("p.cell", TYPO.splitlines().index("    h' = oo * tanh(c')") + 1)
    assert typo.column == 10
    assert isinstance(typo, SymcountWarning)


@pytest.mark.parametrize(
    "lines, message",
    [
        (("g = tanh(U @ h)", "h' = G * g"), "'G' becomes a parameter; did you mean the gate 'g'?"),
        (("h' = tanh(U @ h + W @ x) * hh",), "'hh' becomes a parameter; did you mean the state 'h'?"),
        (("forget = sigmoid(U @ h)", "h' = forgte * h + W @ x + forget"),
         "'forgte' becomes a parameter; did you mean the gate 'forget'?"),
        (("h' = tanh(U @ h + W @ x) + xx",), "'xx' becomes a parameter; did you mean the input 'x'?"),
        (("h' = tanh(U @ h + W @ x) * Tanh",), "'Tanh' becomes a parameter; did you mean the function 'tanh'?"),
    ],
)
def test_near_misses_of_the_cells_names(lines, message):
    assert message in [w[0] for w in warnings_of(body(*lines))]


@pytest.mark.parametrize(
    "lines",
    [
        # weights named after what they connect, one-letter weights and biases
        ("i = sigmoid(W_i @ x + U_i @ h + b_i)", "h' = i * tanh(Wi @ x + Ui @ h + bi)"),
        ("o = sigmoid(W @ x + U @ h + b)", "h' = o * tanh(V @ x + R @ h + c)"),
        # a parameter used twice is deliberate, however close its name
        ("g = tanh(U @ h)", "h' = gg * g + gg * (W @ x)"),
    ],
)
def test_ordinary_parameter_names_do_not_warn(lines):
    assert warnings_of(body(*lines)) == []


@pytest.mark.parametrize("name", symcount.builtins())
def test_no_builtin_warns(name):
    assert symcount.builtin(name).warnings == ()


def test_unused_gate_input_and_size_symbol():
    text = "cell c(m, n, k)\n  input x : m\n  input z : m\n  state h : n\n  g = tanh(W @ x)\n  h' = U @ h + W @ x\nend\n"
    assert warnings_of(text) == [
        ("size symbol 'k' is not used by any size", 1, 14),
        ("input 'z' is never used", 3, 9),
        ("gate 'g' is never used", 5, 3),
    ]


def test_the_output_gate_counts_as_used():
    assert warnings_of(body("h' = U @ h + W @ x", "y = tanh(h')", "output y")) == []


def test_a_declared_unused_parameter_is_counted_and_warned():
    [cell] = symcount.loads(body("param P : (n, m)", "h' = U @ h + W @ x"), filename="c.cell")
    assert [(w.message, w.line, w.column) for w in cell.warnings] == [
        ("parameter 'P' is declared but never used (it is still counted)", 4, 9)
    ]
    assert same(cell.count, 2 * m * n + n**2)
    [p] = [p for p in cell.params if p.name == "P"]
    assert (p.kind, p.gate) == ("matrix", "(unused)")


def test_the_library_never_prints(capsys):
    symcount.loads(TYPO)
    assert capsys.readouterr() == ("", "")


def test_stacks_and_bias_free_cells_keep_the_warnings():
    [cell] = symcount.loads(TYPO)
    assert cell.without_biases().warnings == cell.warnings
    assert cell.stacked("L").warnings == cell.warnings


@pytest.fixture
def typo_file(tmp_path):
    path = tmp_path / "p.cell"
    path.write_text(TYPO)
    return str(path)


def test_cli_prints_warnings_and_the_count(typo_file, capsys):
    assert cli.main(["count", typo_file, "--set", "m=2", "--set", "n=3"]) == 0
    out, err = capsys.readouterr()
    assert "value" in out
    line = TYPO.splitlines().index("    h' = oo * tanh(c')") + 1
    assert f"{typo_file}:{line}:10: warning: 'oo' becomes a parameter; did you mean the gate 'o'?" in err
    assert "        h' = oo * tanh(c')\n             ^~" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["count", "check", "latex", "verify"])
def test_strict_makes_warnings_errors(typo_file, capsys, command):
    assert cli.main([command, typo_file, "--strict"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert ": error: 'oo' becomes a parameter" in err
    assert "warning:" not in err


def test_check_says_how_many_warnings(typo_file, capsys):
    assert cli.main(["check", typo_file]) == 0
    assert "ok with 2 warnings" in capsys.readouterr().out


def test_strict_passes_clean_cells(capsys):
    assert cli.main(["count", "lstm", "--strict"]) == 0
    assert capsys.readouterr().err == ""


def test_weights_numbered_after_their_gates_do_not_warn():
    # `W10`, `U10`, `b10` beside a gate `g10` (the benchmark's naming) were
    # reported as slips for the gate: one substitution away, at the first letter.
    lines = ["g10 = sigmoid(W10 @ x + U10 @ h + b10)", "h' = g10 * h"]
    assert warnings_of(body(*lines)) == []
