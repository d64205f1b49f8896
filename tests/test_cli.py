"""The command line through main([...]) and through the installed command."""

import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

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
    assert code == 1 and "no cell or model named 'z'" in err


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


# ---- a flag given twice; --layers with a cell's own size ----


@pytest.mark.parametrize(
    "argv, message",
    [
        (["count", "lstm", "--set", "n=128", "--set", "n=256"], "--set n given twice (n=128, then n=256)"),
        (["latex", "lstm", "--set", "m=3", "--set", "m=3"], "--set m given twice (m=3, then m=3)"),
        (["count", "lstm", "--layers", "2", "--layers", "3"], "--layers given twice (2, then 3)"),
        (["count", "lstm", "--layers", "L", "--layers", "4", "--layers", "L"], "--layers given 3 times (L, then 4, then L)"),
        (["verify", "torch.lstm", "--layers", "2", "--layers", "3"], "--layers given twice"),
        (["plot", "lstm", "--vary", "n=1:5", "--vary", "m=1:5", "--set", "m=2", "-o", "x.png"], "--vary given twice (n=1:5, then m=1:5)"),
    ],
)  # fmt: skip
def test_a_flag_given_twice_is_a_usage_error(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    usage, error = err.splitlines()
    assert usage.startswith("usage: symcount")
    assert error.startswith(f"symcount: error: {message}")
    assert error.endswith("; give it once") or error.endswith("; set each size symbol once")
    assert os.listdir(tmp_path) == []


def test_set_for_each_symbol_once_is_fine(capsys):
    import symcount

    value = symcount.builtin("lstm").stacked(2).evaluate(m=3, n=2)
    code, out, _ = run(capsys, "count", "lstm", "--set", "m=3", "--set", "n=2", "--layers", "L", "--set", "L=2")
    assert code == 0 and f"value     {value:,}  (m=3, n=2, L=2)" in out


@pytest.mark.parametrize("command", [["count"], ["latex"], ["verify"], ["plot", "--vary", "m=1:4", "-o", "x.png"]])
def test_layers_named_like_a_size_of_the_cell_is_a_usage_error(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, command[0], "torch.lstm", *command[1:], "--layers", "n")
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == (
        "symcount: error: --layers n: 'n' is already a size of cell 'torch.lstm' (m, n); "
        "give the number of layers a symbol of its own, such as --layers L"
    )


def test_layers_suggests_a_symbol_the_cell_does_not_have(capsys, tmp_path):
    deep = tmp_path / "deep.cell"
    deep.write_text("cell deep(L, n)\n input x : L\n state h : n\n h' = W @ x + U @ h\nend\n")
    code, _, err = run(capsys, "count", str(deep), "--layers", "L")
    assert code == 2 and err.rstrip().endswith("such as --layers L1")
    code, out, _ = run(capsys, "count", str(deep), "--layers", "L1", "--set", "L=3", "--set", "n=2", "--set", "L1=2")
    assert code == 0 and "value" in out


def test_stacked_with_a_size_of_the_cell_is_a_value_error():
    import symcount

    lstm = symcount.builtin("lstm")
    with pytest.raises(ValueError, match=r"layers 'm' is already a size of cell 'lstm' \(m, n\).*'L'"):
        lstm.stacked("m")
    assert lstm.stacked("L").evaluate(m=3, n=2, L=1) == lstm.evaluate(m=3, n=2)


# ---- plot: huge sizes and matplotlib's warnings ----


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lstm", "--vary", "n=1:999999999999999999999", "--set", "m=3"], "--vary n=1:999999999999999999999: a plot takes sizes up to 2**53"),
        (["lstm", "--vary", "n=1:9007199254740993", "--set", "m=3"], "a plot takes sizes up to 2**53 = 9,007,199,254,740,992"),
        (["big.cell", "--vary", "n=1:10", "--set", "m=" + "9" * 99], "the count of cell 'big' has 396 digits at these sizes, too many to plot"),
        (["zero.cell", "--vary", "n=1:10", "--log"], "the count of cell 'z' is 0 at n=1, which logarithmic axes cannot show"),
    ],
)  # fmt: skip
def test_plot_sizes_it_cannot_draw_are_usage_errors(capsys, tmp_path, monkeypatch, argv, message):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.cell").write_text(
        "cell big(m, n)\n input x : m*m*m*m\n state h : n\n h' = W @ x + U @ h\nend\n"
    )
    (tmp_path / "zero.cell").write_text("cell z(n)\n state h : n\n h' = tanh(h)\nend\n")
    code, out, err = run(capsys, "plot", *argv, "-o", "x.png")
    assert code == 2 and out == "" and "Traceback" not in err
    assert message in err.splitlines()[-1]
    assert sorted(os.listdir(tmp_path)) == ["big.cell", "zero.cell"]


def test_a_size_of_more_than_100_digits_is_a_usage_error(capsys):
    # Before, on plot: OverflowError (310 digits); past 4,300 digits, on any
    # command: Python's ValueError for printing so long a number.
    for digits in (310, 5_000):
        with pytest.raises(SystemExit) as info:
            cli.main(["plot", "lstm", "--vary", "n=1:10", "--set", "m=" + "9" * digits, "-o", "x.png"])
        assert info.value.code == 2
        error = capsys.readouterr().err.splitlines()[-1]
        assert error == f"symcount plot: error: argument --set: a size has at most 100 digits; this one has {digits:,}"
    code, out, _ = run(capsys, "count", "lstm", "--set", "m=" + "9" * 100, "--set", "n=2")
    assert code == 0 and "value     " in out


def test_plot_of_huge_counts_draws_them_without_warnings(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    target, dense = tmp_path / "huge.pdf", tmp_path / "dense.cell"
    dense.write_text(
        "cell dense(m, n)\n input x : m\n state h : n\n h' = tanh(W @ [x, h] + b)\n"
        " y = [x, h']\n output y\nend\n"
    )
    argv = ["plot", str(dense), "lstm", "--vary", "m=1:5000", "--layers", "L",
            "--set", "n=" + "9" * 30, "--set", "L=3", "-o", str(target)]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escaped would now be an exception
        code, out, err = run(capsys, *argv)
    assert (code, out, err) == (0, "", "")  # before: a matplotlib UserWarning on stderr
    assert target.read_bytes().startswith(b"%PDF")


def test_plot_prints_a_remaining_matplotlib_warning_as_one_line(capsys, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from symcount.render import plot

    drawn = plot.figure

    def squeezed(*args, **kwargs):
        warnings.warn("constrained_layout not applied because\n  axes sizes collapsed", stacklevel=2)
        return drawn(*args, **kwargs)

    monkeypatch.setattr(plot, "figure", squeezed)
    target = tmp_path / "x.png"
    code, out, err = run(capsys, "plot", "lstm", "--vary", "n=1:5", "--set", "m=3", "-o", str(target))
    assert (code, out) == (0, "") and target.exists()
    assert err == "symcount: warning: constrained_layout not applied because axes sizes collapsed\n"


def test_plot_keeps_matplotlibs_cache_notes_off_stderr(tmp_path):
    pytest.importorskip("matplotlib")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env.update(HOME=str(blocker), XDG_CONFIG_HOME=str(blocker), XDG_CACHE_HOME=str(blocker))
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "symcount", "plot", "lstm", "--vary", "n=1:5", "--set", "m=3", "-o", "x.png"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")  # before: "Matplotlib created a temporary cache directory..."


# ---- fmt --check and --in-place ----

MESSY = "# the cell\ncell c(n)  # one size\nstate h:n\nh' = tanh(U@h)   # why\nend\n"
TIDY = "# the cell\ncell c(n)  # one size\n    state h : n\n\n    h' = tanh(U @ h)  # why\nend\n"


def test_fmt_check_prints_the_diff_and_exits_1(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("messy.cell").write_text(MESSY)
    Path("tidy.cell").write_text(TIDY)
    code, out, err = run(capsys, "fmt", "--check", "tidy.cell", "messy.cell")
    assert (code, err) == (1, "")
    assert out == (
        "--- messy.cell\n+++ messy.cell\n@@ -1,5 +1,6 @@\n # the cell\n cell c(n)  # one size\n"
        "-state h:n\n-h' = tanh(U@h)   # why\n+    state h : n\n+\n+    h' = tanh(U @ h)  # why\n end\n"
    )
    assert Path("messy.cell").read_text() == MESSY  # nothing changed
    # The diff is a patch that makes the file canonical.
    if shutil.which("patch"):
        subprocess.run(["patch", "-s", "-p0"], input=out, text=True, check=True)
        assert Path("messy.cell").read_text() == TIDY


def test_fmt_check_of_canonical_files_prints_nothing(capsys, tmp_path, monkeypatch):
    (tmp_path / "tidy.cell").write_text(TIDY)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TIDY.encode())))
    assert run(capsys, "fmt", "--check", str(tmp_path / "tidy.cell"), "-") == (0, "", "")


def test_fmt_check_says_when_the_last_line_has_no_end(capsys, tmp_path):
    (tmp_path / "c.cell").write_text(TIDY.removesuffix("\n"))
    code, out, _ = run(capsys, "fmt", "--check", str(tmp_path / "c.cell"))
    assert code == 1 and out.endswith("-end\n\\ No newline at end of file\n+end\n")


def test_fmt_in_place_rewrites_what_changes(capsys, tmp_path):
    messy, tidy = tmp_path / "messy.cell", tmp_path / "tidy.cell"
    messy.write_text(MESSY)
    tidy.write_text(TIDY)
    messy.chmod(0o640)
    os.symlink("messy.cell", tmp_path / "link.cell")
    before = tidy.stat().st_mtime_ns
    time.sleep(0.01)
    assert run(capsys, "fmt", "--in-place", str(tmp_path / "link.cell"), str(tidy)) == (0, "", "")
    assert messy.read_text() == TIDY and stat.S_IMODE(messy.stat().st_mode) == 0o640
    assert (tmp_path / "link.cell").is_symlink()
    assert tidy.stat().st_mtime_ns == before  # already canonical: not touched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.cell", "messy.cell", "tidy.cell"]


def test_fmt_in_place_of_dev_stdin_rewrites_the_file_it_reads(tmp_path):
    # /dev/stdin names a descriptor (written to, it would be appended to); the
    # file behind it is what is rewritten.
    messy = tmp_path / "messy.cell"
    messy.write_text(MESSY)
    with messy.open("rb") as stdin:
        result = subprocess.run(
            [sys.executable, "-m", "symcount", "fmt", "--in-place", "/dev/stdin"],
            stdin=stdin, capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert messy.read_text() == TIDY


def test_fmt_in_place_writes_nothing_when_any_source_fails(capsys, tmp_path):
    messy, broken = tmp_path / "messy.cell", tmp_path / "broken.cell"
    messy.write_text(MESSY)
    broken.write_text("cell c(n)\nstate h:n\nh' = (h\nend\n")
    code, out, err = run(capsys, "fmt", "--in-place", str(messy), str(broken))
    assert (code, out) == (1, "") and "error: '(' was never closed" in err
    assert messy.read_text() == MESSY


@pytest.mark.parametrize(
    "argv, message",
    [
        (["fmt", "--in-place", "-"], "--in-place: standard input ('-') cannot be rewritten"),
        (["fmt", "--in-place", "messy.cell", "lstm"], "--in-place: 'lstm' is a built-in cell"),
        (["fmt", "--in-place", "builtin:gru"], "--in-place: 'builtin:gru' is a built-in cell"),
        (["fmt", "--in-place", "PIPE"], "--in-place: 'PIPE' is not a regular file"),
        (["fmt", "--in-place", "messy.cell", "broken.cell", "lstm"], "--in-place: 'lstm' is a built-in"),
    ],
)
def test_fmt_in_place_refuses_what_is_no_file(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    Path("messy.cell").write_text(MESSY)
    Path("broken.cell").write_text("cell c(n)\nh' = (h\nend\n")  # the usage error comes first
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MESSY.encode())))
    read, write = os.pipe()  # a source that can be read, by the name of its descriptor
    os.write(write, MESSY.encode())
    os.close(write)
    pipe = f"/dev/fd/{read}"
    try:
        code, out, err = run(capsys, *(pipe if arg == "PIPE" else arg for arg in argv))
    finally:
        os.close(read)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith(f"symcount: error: {message.replace('PIPE', pipe)}")
    assert Path("messy.cell").read_text() == MESSY
    assert sorted(os.listdir()) == ["broken.cell", "messy.cell"]


def test_fmt_check_and_in_place_do_not_go_together(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["fmt", "--check", "--in-place", "lstm"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# ---- names that are not UTF-8 (as a shell passes them) ----


def test_a_file_name_that_is_not_utf8_is_printed_and_written_as_given(capsys, tmp_path):
    name = os.fsdecode(b"\xff-lstm.cell")  # '\udcff-lstm.cell'
    (tmp_path / name).write_text(LSTM_FILE)
    target = tmp_path / "out.tex"
    code, _, err = run(capsys, "latex", str(tmp_path / name), "-o", str(target))
    assert code == 0, err
    assert b"% source: " + os.fsencode(tmp_path) + b"/\xff-lstm.cell\n" in target.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}  # a strict stdout
    result = subprocess.run(
        [sys.executable, "-m", "symcount", "count", os.fsencode(name)],
        cwd=tmp_path, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert b"  source    \xff-lstm.cell\n" in result.stdout


# ---- Ctrl-C ----

ROOT = Path(__file__).resolve().parent.parent
# What pip's `symcount` script does (pyproject: symcount = "symcount.__main__:main").
SCRIPT = "import sys\n{hook}\nfrom symcount.__main__ import main\nsys.exit(main())\n"
# Hooks that hold the command at one moment and say so with a file "started".
PAUSE_IMPORT = (
    "import pathlib, time\n"
    "class Pause:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == {module!r}:\n"
    "            pathlib.Path('started').write_text(name)\n"
    "            time.sleep(60)\n"
    "sys.meta_path.insert(0, Pause())\n"
)
SLOW_WRITE = (
    "import os, pathlib, time\n"
    "def slow_fsync(handle):\n"
    "    pathlib.Path('started').write_text('writing')\n"
    "    time.sleep(60)\n"
    "os.fsync = slow_fsync\n"
)
INTERRUPTED = (130, b"", b"symcount: interrupted\n")


def _start(tmp_path, args, hook=""):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(hook=hook), *args],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_for(condition, process) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never got there"
        time.sleep(0.01)


def _interrupt(process, times=1):
    for _ in range(times):
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_the_installed_command_is_the_entry_that_handles_ctrl_c():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '\nsymcount = "symcount.__main__:main"\n' in pyproject


@pytest.mark.parametrize("module", ["symcount.cli", "sympy"])
def test_ctrl_c_during_the_imports(tmp_path, module):
    process = _start(tmp_path, ["count", "lstm"], PAUSE_IMPORT.format(module=module))
    _wait_for((tmp_path / "started").exists, process)
    assert _interrupt(process) == INTERRUPTED


@pytest.mark.parametrize("command", [["latex", "lstm"], ["plot", "lstm", "--vary", "n=1:9", "--set", "m=3"]])
def test_ctrl_c_twice_during_a_slow_write_leaves_the_old_file(tmp_path, command):
    if command[0] == "plot":
        pytest.importorskip("matplotlib")
    target = tmp_path / ("out.tex" if command[0] == "latex" else "out.png")
    target.write_bytes(b"precious")
    process = _start(tmp_path, [*command, "-o", target.name], SLOW_WRITE)
    _wait_for((tmp_path / "started").exists, process)
    assert len(os.listdir(tmp_path)) == 3  # the temporary file is there, full
    assert _interrupt(process, times=2) == INTERRUPTED
    assert target.read_bytes() == b"precious"
    assert sorted(os.listdir(tmp_path)) == sorted([target.name, "started"])


def test_ctrl_c_twice_during_fmt_in_place_leaves_the_file(tmp_path):
    (tmp_path / "messy.cell").write_text(MESSY)
    process = _start(tmp_path, ["fmt", "--in-place", "messy.cell"], SLOW_WRITE)
    _wait_for((tmp_path / "started").exists, process)
    assert _interrupt(process, times=2) == INTERRUPTED
    assert (tmp_path / "messy.cell").read_text() == MESSY
    assert sorted(os.listdir(tmp_path)) == ["messy.cell", "started"]


def test_ctrl_c_while_a_fifo_waits_for_its_reader(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    process = _start(tmp_path, ["latex", "lstm", "-o", "pipe"])
    wchan = Path(f"/proc/{process.pid}/wchan")
    if not wchan.exists():
        process.kill()
        pytest.skip("no /proc/PID/wchan to see the command wait")
    _wait_for(lambda: wchan.read_text() == "wait_for_partner", process)
    assert _interrupt(process) == INTERRUPTED
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_ctrl_c_at_any_moment(tmp_path, request):
    """Whenever it comes: one line and 130, or done (0); and never a partial file.

    Only a Ctrl-C that comes while the Python interpreter itself starts, before
    any of symcount's code runs, is Python's to report (killed by the signal,
    or Python's own traceback, which then shows none of symcount's files).
    The moments are fractions of a whole run, so that a slow machine still
    sees all of them.
    """
    started = time.monotonic()
    expected = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(hook=""), "latex", "lstm"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120,
    ).stdout  # fmt: skip
    whole = time.monotonic() - started
    fractions = [0, 0.001, 0.05, 0.2, 0.4, 0.6, 0.8, 1.5]
    if request.config.getoption("--slow"):
        fractions += [k / 50 for k in range(1, 60)]
    ours = str(ROOT / "symcount")
    outcomes = []
    for delay in (whole * fraction for fraction in fractions):
        target = tmp_path / "out.tex"
        target.write_bytes(b"precious")
        process = _start(tmp_path, ["latex", "lstm", "-o", "out.tex"])
        time.sleep(delay)
        code, out, err = _interrupt(process)
        content = target.read_bytes()
        where = (delay, code, err.decode(errors="replace")[-2000:])
        if code == 130:
            assert err == b"symcount: interrupted\n", where
            assert content in (b"precious", expected), where
        elif code == 0:
            assert (err, content) == (b"", expected), where
        else:  # before symcount started
            assert ours not in err.decode(errors="replace") and b"symcount:" not in err, where
            assert content == b"precious", where
        assert os.listdir(tmp_path) == ["out.tex"], where
        outcomes.append(code)
    assert 130 in outcomes, outcomes  # some of them came while symcount ran


def test_ctrl_c_inside_a_callback_python_cannot_raise_from(tmp_path):
    # Found by the Ctrl-C timing test in CI: a Ctrl-C that landed in one of
    # importlib's weakref callbacks was printed as "Exception ignored" and lost.
    code = (
        "import sys, time\n"
        "from symcount import __main__ as entry, cli\n"
        "class Dropped:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt  # as the signal handler would, inside a callback\n"
        "original = cli.main\n"
        "def run(argv):\n"
        "    Dropped()\n"
        "    time.sleep(5)\n"
        "    return original(argv)\n"
        "cli.main = run\n"
        "sys.exit(entry.main(['count', 'lstm']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=60,
    )  # fmt: skip
    assert (result.returncode, result.stderr, result.stdout) == (130, b"symcount: interrupted\n", b"")
