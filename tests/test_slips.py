"""Errors a slip causes (docs/errors.md, "Errors a slip causes").

A name that silently became a parameter (`oo` for the gate `o`, `x_t` for the
input `x`, `G` for `g`) often makes shape inference fail elsewhere, and the
error names the victim (`cannot infer the rows of parameter 'W_o'`). The
error then carries a note naming the slip. Every slip of every built-in's
names that makes loading fail is tried: a use of an input, state or gate
replaced by a near name (a change of case, a letter dropped, added or
doubled, a time step).
"""

import keyword
import subprocess
import sys

import pytest

import symcount
from conftest import builtin_cells
from symcount import ir
from symcount.functions import FUNCTIONS


def note_for(typo: str, line: int, kind: str, meant: str) -> str:
    return f"'{typo}' on line {line} became a parameter; did you mean the {kind} '{meant}'?"


def slipped(text: str, span: ir.Span, typo: str) -> str:
    lines = text.split("\n")
    line = lines[span.line - 1]
    lines[span.line - 1] = line[: span.column - 1] + typo + line[span.end_column - 1 :]
    return "\n".join(lines)


def error_of(text: str) -> symcount.SymcountError:
    with pytest.raises(symcount.SymcountError) as info:
        symcount.loads(text, filename="c.cell")
    return info.value


LSTM = symcount.builtin("lstm").ir.source.text


def test_the_issues_typo_names_its_cause():
    text = LSTM.replace("h' = o * tanh(c')", "h' = oo * tanh(c')")
    e = error_of(text)
    assert e.message == "cannot infer the rows of parameter 'W_o'; declare it with `param W_o : (ROWS, COLS)`"
    line = text.split("\n").index("    h' = oo * tanh(c')") + 1
    [note] = e.notes
    assert note.message == note_for("oo", line, "gate", "o")
    assert (note.location.line, note.location.column, note.location.end_column) == (line, 10, 12)


@pytest.mark.parametrize(
    "old, new, kind, meant",
    [
        ("f = sigmoid(W_f @ x +", "f = sigmoid(W_f @ x_t +", "input", "x"),
        ("o = sigmoid(W_o @ x + U_o @ h +", "o = sigmoid(W_o @ x + U_o @ h_prev +", "state", "h"),
        ("h' = o * tanh(c')", "h' = O * tanh(c')", "gate", "o"),
        ("c' = f * c + i * g", "c' = f * c + i * G", "gate", "g"),
        ("c' = f * c + i * g", "c' = f * c + ii * g", "gate", "i"),
    ],
)
def test_a_slip_of_an_input_state_or_gate_is_named(old, new, kind, meant):
    text = LSTM.replace(old, new)
    typo = next(word for word in new.replace("(", " ").split() if word not in old.replace("(", " ").split())
    line = text.split("\n").index(next(t for t in text.split("\n") if new in t)) + 1
    assert note_for(typo, line, kind, meant) in [note.message for note in error_of(text).notes]


def test_a_slip_warnings_do_not_name_is_tried_before_it_is_named():
    # `z` for the gate `xz` is no warning (one letter beside a two-letter name);
    # it is named only because `xz` there makes the cell load.
    text = "cell c(n)\n  input x : n\n  state h : n\n  xz = W @ x\n  h' = tanh(U @ h + V @ z + xz)\nend\n"
    [note] = error_of(text).notes
    assert note.message == note_for("z", 5, "gate", "xz")


def test_an_error_a_parameter_does_not_cause_gets_no_note():
    # `b` is one letter from the state `h`, but `h` in its place is no fix to look for:
    # the cell fails for the free extent, whatever `b` is called.
    text = "cell c(n)\n  size rows\n  input x : (n, rows)\n  state h : (n, rows)\n  h' = tanh(x + b)\nend\n"
    e = error_of(text)
    assert [note.message for note in e.notes] == ["declared here"]
    # and a bias beside a near name that loads either way is no cause
    text = "cell c(m, n)\n  input x : m\n  state h : n\n  h' = tanh(W @ x + U @ hh)\nend\n"
    assert [note.message for note in error_of(text).notes] == [note_for("hh", 4, "state", "h")]


def test_the_command_line_prints_the_note(tmp_path):
    path = tmp_path / "lstm.cell"
    path.write_text(LSTM.replace("h' = o * tanh(c')", "h' = oo * tanh(c')"))
    run = subprocess.run([sys.executable, "-m", "symcount", "count", str(path)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "note: 'oo' on line" in run.stderr and "did you mean the gate 'o'?" in run.stderr
    assert "        h' = oo * tanh(c')\n             ^~" in run.stderr
    assert "Traceback" not in run.stderr


# ---- every slip of every built-in's names ----


def near_names(name: str) -> set[str]:
    """Slips of `name`: a change of case, a letter dropped, doubled or added, a time step."""
    found = {name.swapcase(), name[0].swapcase() + name[1:], name + "s", name + "_t"}
    for i in range(len(name)):
        found |= {name[:i] + name[i + 1 :], name[:i] + name[i] + name[i:]}
    return {n for n in found if n.isidentifier() and not keyword.iskeyword(n) and n != name}


def slips(builtin: str, every_use: bool):
    """(text, the name, what it is, the typo, its line) for a use of each input,
    state and gate of `builtin` (its first use, or every use)."""
    cell = symcount.builtin(builtin)
    scope = cell.scope
    kinds = {**{n: "input" for n in scope.inputs}, **{n: "state" for n in scope.states},
             **{n: "gate" for n in scope.gates}}  # fmt: skip
    taken = {*kinds, *scope.params, *scope.symbols, *scope.sizes, *FUNCTIONS, *scope.functions}
    text, seen = cell.ir.source.text, set()
    for eq in scope.cell.equations:
        for node in ir.walk(eq.expr):
            if isinstance(node, ir.Name) and node.name in kinds and (every_use or node.name not in seen):
                seen.add(node.name)
                for typo in sorted(near_names(node.name) - taken):
                    yield slipped(text, node.span, typo), node.name, kinds[node.name], typo, node.span.line


def check_every_slip(builtin: str, every_use: bool) -> int:
    failed = 0
    for text, name, kind, typo, line in slips(builtin, every_use):
        try:
            symcount.loads(text, filename="c.cell")
        except symcount.SymcountError as e:
            failed += 1
            # Where the correction is ambiguous (`h` for the gates `ht` and `kh`), the
            # note names one that makes the cell load: what matters is the typo.
            named = note_for(typo, line, kind, name).partition(" did you mean")[0]
            notes = [note.message for note in e.notes]
            assert any(note.startswith(named) for note in notes), (builtin, typo, e.message, notes)
    return failed


@pytest.mark.parametrize("builtin", builtin_cells())
def test_every_slip_that_makes_a_builtin_fail_is_named(builtin):
    check_every_slip(builtin, every_use=False)


@pytest.mark.slow
@pytest.mark.parametrize("builtin", builtin_cells())
def test_every_slip_of_every_use_is_named(builtin):
    check_every_slip(builtin, every_use=True)


def test_the_slips_tried_make_builtins_fail():
    # the check above checks something: most slips of the LSTM make it fail
    assert check_every_slip("lstm", every_use=False) >= 10
