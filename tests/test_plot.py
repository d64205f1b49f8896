"""`symcount plot`: one line per cell with the right values, files by extension, the extra."""

import doctest
import os
import sys

import pytest

import symcount
from symcount import cli
from symcount.render import Report

pytest.importorskip("matplotlib", reason="the plot extra is not installed")
pytest.importorskip("numpy", reason="the plot extra is not installed")

from symcount.render import plot  # noqa: E402  (after the skip: it needs the extra)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_one_line_per_cell_with_the_counts():
    cells = ["lstm", "gru", "torch.lstm_proj"]
    used = [symcount.builtin(c) for c in cells]
    # only the sizes each cell has, as the CLI sets them
    sizes = [{k: v for k, v in {"m": 256, "p": 64}.items() if k in map(str, c.dims)} for c in used]
    reports = [Report(c.summary, s) for c, s in zip(used, sizes, strict=True)]
    fig = plot.figure(reports, "n", 1, 1024)
    [ax] = fig.axes
    lines = ax.get_lines()
    assert [line.get_label().split(":")[0] for line in lines] == cells
    assert lines[0].get_label() == r"lstm: $4 n \left(m + n + 1\right)$"
    for line, cell, report in zip(lines, used, reports, strict=True):
        x, y = line.get_xdata(), line.get_ydata()
        assert list(x) == list(range(1, 1025))  # every size when there are few enough
        for n in (1, 2, 100, 777, 1024):
            assert y[n - 1] == cell.evaluate(n=n, **report.sizes)
    assert ax.get_xlabel() == "size $n$"
    assert ax.get_ylabel() == "trainable parameters"
    assert ax.get_title() == "Trainable parameters against $n$ at $m = 256$, $p = 64$"


def test_large_ranges_are_sampled_and_log_axes():
    lstm = symcount.builtin("lstm")
    report = Report(lstm.summary, {"m": 10})
    fig = plot.figure([report], "n", 1, 10**6, log=True)
    [ax] = fig.axes
    [line] = ax.get_lines()
    x, y = line.get_xdata(), line.get_ydata()
    assert len(x) <= plot.MAX_POINTS and x[0] == 1 and x[-1] == 10**6
    assert all(v == int(v) for v in x)  # sizes are whole numbers
    for i in (0, len(x) // 2, len(x) - 1):
        assert y[i] == lstm.evaluate(m=10, n=int(x[i]))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_a_cell_without_the_varied_size_is_a_flat_line():
    [flat] = symcount.loads("cell f(m)\n input x : m\n state h : 4\n h' = W @ x + b\nend\n")
    fig = plot.figure([Report(flat.summary, {"m": 3})], "n", 1, 50)
    [line] = fig.axes[0].get_lines()
    assert set(line.get_ydata()) == {flat.evaluate(m=3)}


def test_stacks_are_plotted_as_stacks(capsys, tmp_path):
    stack = symcount.builtin("torch.lstm").stacked("L", bidirectional=True)
    fig = plot.figure([Report(stack.summary, {"m": 10, "n": 20})], "L", 1, 8)
    [line] = fig.axes[0].get_lines()
    assert list(line.get_ydata()) == [stack.evaluate(m=10, n=20, L=k) for k in range(1, 9)]
    assert "(L layers, bidirectional)" in line.get_label()


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_cli_writes_the_format_of_the_extension(capsys, tmp_path, ext, magic):
    target = tmp_path / f"counts.{ext}"
    argv = ["plot", "lstm", "gru", "--vary", "n=1:64", "--set", "m=32", "-o", str(target)]
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (0, "", "")
    assert target.read_bytes().startswith(magic)
    assert os.listdir(tmp_path) == [target.name]
    first = target.read_bytes()
    run(capsys, *argv)
    assert target.read_bytes() == first  # no date or version: same input, same file


def test_cli_with_stacking_flags(capsys, tmp_path):
    target = tmp_path / "stack.svg"
    code, _, err = run(
        capsys, "plot", "gru", "--layers", "L", "--vary", "L=1:6", "--set", "m=8",
        "--set", "n=16", "--log", "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert b"gru" in target.read_bytes()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lstm", "--vary", "n=1:10", "-o", "x.png"], "needs a value for m: add --set m=INT"),
        (["lstm", "--vary", "k=1:10", "--set", "m=3", "-o", "x.png"], "no selected cell has a size symbol 'k'"),
        (["lstm", "--vary", "n=1:10", "--set", "m=3", "-o", "x.gif"], "must end in .png, .svg or .pdf"),
        (["lstm", "--vary", "n=1:10", "--set", "n=3", "-o", "x.png"], "cannot also be set"),
        (["lstm", "--vary", "n=1:10", "--set", "m=3", "--set", "q=3", "-o", "x.png"], "--set q"),
    ],
)  # fmt: skip
def test_usage_errors(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "plot", *argv)
    assert code == 2 and message in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("vary", ["n", "n=5", "n=1:", "n=0:5", "n=10:2", "=1:5", "n=a:b"])
def test_bad_ranges(capsys, vary):
    with pytest.raises(SystemExit) as info:
        cli.main(["plot", "lstm", "--vary", vary, "-o", "x.png"])
    assert info.value.code == 2


def test_a_failing_run_leaves_the_existing_file_alone(capsys, tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"precious")
    code, _, err = run(capsys, "plot", "lstn", "--vary", "n=1:10", "-o", str(target))
    assert code == 1 and "did you mean 'lstm'" in err
    assert target.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["fig.png"]


def test_without_matplotlib_it_names_the_extra(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    code, out, err = run(capsys, "plot", "lstm", "--vary", "n=1:10", "-o", "x.png")
    assert code == 1 and out == ""
    assert err == "symcount plot needs matplotlib: pip install 'symcount[plot]'\n"


def test_docstring_examples():
    result = doctest.testmod(plot)
    assert result.failed == 0 and result.attempted > 0
