"""The command line through main([...]) and through the installed command."""

import json
import os
import subprocess
import sys

import pytest
import sympy

from conftest import same
from symcount import cli

LSTM_FILE = """\
# LSTM with a forget gate, one bias per gate (the textbook / Keras form)
cell lstm(m, n) "LSTM with forget gate (Gers et al., 2000)"
    input x : m
    state h : n
    state c : n

    i = sigmoid(W_i @ x + U_i @ h + b_i)
    f = sigmoid(W_f @ x + U_f @ h + b_f)
    o = sigmoid(W_o @ x + U_o @ h + b_o)
    g = tanh(W_g @ x + U_g @ h + b_g)
    c' = f * c + i * g
    h' = o * tanh(c')
end
"""


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lstm_file(tmp_path):
    path = tmp_path / "lstm.cell"
    path.write_text(LSTM_FILE)
    return str(path)


def test_count_text(capsys):
    code, out, err = run(capsys, "count", "lstm", "--set", "m=3", "--set", "n=2")
    assert code == 0 and err == ""
    assert "count     4*m*n + 4*n**2 + 4*n" in out
    assert "factored  4*n*(m + n + 1)" in out
    assert "value     48  (m=3, n=2)" in out
    assert "W_i        matrix  (n, m)  m*n    i     6" in out


def test_count_json_follows_the_spec(capsys, lstm_file):
    code, out, _ = run(
        capsys, "count", lstm_file, "--format", "json", "--set", "m=3", "--set", "n=2"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == 1
    [cell] = doc["cells"]
    spec_keys = ["name", "description", "source", "dims", "count", "factored", "latex", "value", "params"]
    assert [k for k in cell if k in spec_keys] == spec_keys
    assert (cell["layers"], cell["bidirectional"], cell["bias"]) == (1, False, True)
    assert cell["name"] == "lstm"
    assert cell["description"] == "LSTM with forget gate (Gers et al., 2000)"
    assert cell["source"] == lstm_file
    assert cell["dims"] == ["m", "n"]
    assert cell["count"] == "4*m*n + 4*n**2 + 4*n"
    assert cell["factored"] == "4*n*(m + n + 1)"
    assert cell["latex"] == "4 m n + 4 n^{2} + 4 n"
    assert cell["value"] == 48
    assert cell["params"][0] == {
        "name": "W_i",
        "kind": "matrix",
        "shape": ["n", "m"],
        "count": "m*n",
        "gate": "i",
    }
    # the strings are sympy's str() syntax
    assert same(
        sympy.sympify(cell["count"]), sum(sympy.sympify(q["count"]) for q in cell["params"])
    )


def test_value_only_when_every_symbol_is_set(capsys):
    _, out, _ = run(capsys, "count", "lstm", "--format", "json", "--set", "m=3")
    assert "value" not in json.loads(out)["cells"][0]


def test_several_sources_and_cell_selection(capsys, lstm_file, tmp_path):
    two = tmp_path / "two.cell"
    two.write_text(
        "cell a(n)\n state h : n\n h' = U @ h\nend\ncell b(n)\n state h : n\n h' = h + c\nend\n"
    )
    _, out, _ = run(capsys, "count", str(two), "gru", "--format", "json")
    assert [c["name"] for c in json.loads(out)["cells"]] == ["a", "b", "gru"]
    _, out, _ = run(capsys, "count", str(two), "--cell", "b", "--format", "json")
    assert [c["count"] for c in json.loads(out)["cells"]] == ["n"]
    code, _, err = run(capsys, "count", str(two), "--cell", "z")
    assert code == 1 and "no cell named 'z'" in err


def test_markdown_and_latex_formats(capsys):
    _, out, _ = run(capsys, "count", "lstm", "--format", "markdown")
    assert "| `W_i` | matrix | $n \\times m$ | $m n$ | `i` |" in out
    _, out, _ = run(capsys, "count", "lstm", "--format", "latex")
    assert "P_{\\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n" in out


def test_stdin_source(capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(LSTM_FILE.encode())))
    code, out, _ = run(capsys, "count", "-", "--format", "json")
    assert code == 0
    assert json.loads(out)["cells"][0]["source"] == "<stdin>"


def test_a_file_wins_over_a_builtin_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lstm").write_text("cell lstm(n)\n state h : n\n h' = U @ h\nend\n")
    _, out, _ = run(capsys, "count", "lstm", "--format", "json")
    assert json.loads(out)["cells"][0]["count"] == "n**2"


def test_check_lists_shapes_and_gates(capsys):
    code, out, _ = run(capsys, "check", "peephole_lstm")
    assert code == 0
    assert "ok, 15 parameters" in out
    assert "P_o        diag    diag(n)  o" in out


def test_list_and_show(capsys):
    _, out, _ = run(capsys, "list")
    assert "lstm(m, n)" in out and "torch.lstm_proj(m, n, p)" in out
    _, out, _ = run(capsys, "show", "gru")
    assert out.startswith("#") and "cell gru(m, n)" in out
    code, _, err = run(capsys, "show", "lstn")
    assert code == 1 and "did you mean 'lstm'" in err


def test_input_error_format_and_exit_1(capsys, tmp_path):
    bad = tmp_path / "bad.cell"
    bad.write_text("cell c(m, n)\n  input x : m\n  state h : n\n  h' = tanh(x + h)\nend\n")
    code, out, err = run(capsys, "count", str(bad))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{bad}:4:17: error: size mismatch: 'x' has size m but 'h' has size n"
    assert lines[1] == "      h' = tanh(x + h)"
    assert lines[2] == "                    ^"
    assert lines[3] == f"{bad}:2:3: note: size m comes from here"
    assert "Traceback" not in err


def test_unknown_source(capsys):
    code, _, err = run(capsys, "count", "lstn")
    assert code == 1
    assert err.startswith(
        "lstn: error: no such file or built-in cell 'lstn' (did you mean 'lstm'?)"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["count"],
        ["count", "lstm", "--set", "m"],
        ["count", "lstm", "--set", "m=x"],
        ["count", "lstm", "--set", "m=0"],
        ["count", "lstm", "--format", "pdf"],
        ["count", "lstm", "--set", "k=3"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        code = cli.main(argv)
        raise SystemExit(code)
    assert info.value.code == 2


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("symcount ")


def _command(tmp_path, *args, stdin=None):
    """The installed package, run from a directory with no source tree in it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "symcount", *args],
        cwd=tmp_path,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_installed_command_from_another_directory(tmp_path):
    result = _command(
        tmp_path, "count", "lstm", "--set", "m=25", "--set", "n=100", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["cells"][0]["value"] == 50_400
    result = _command(tmp_path, "count", "-", stdin=LSTM_FILE)
    assert result.returncode == 0 and "4*n*(m + n + 1)" in result.stdout
    result = _command(tmp_path, "count", "-", stdin="cell c(n)\n h' = h\nend\n")
    assert result.returncode == 1 and "<stdin>:2:2: error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_does_not_import_sympy_or_lark(tmp_path):
    probe = (
        "import sys\n"
        "from symcount import cli\n"
        "for argv in (['--help'], ['latex', '--help'], ['plot', '--help']):\n"
        "    try:\n        cli.main(argv)\n    except SystemExit:\n        pass\n"
        "cli.main(['list'])\n"
        "heavy = ('sympy', 'lark', 'matplotlib', 'numpy')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout
