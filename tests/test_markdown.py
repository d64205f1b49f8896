"""Markdown (`count --format markdown`, `Cell._repr_markdown_`): GitHub-renderable tables."""

import os
import re
from pathlib import Path

import pytest

import symcount
from symcount import cli
from symcount.render.markdown import escape

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SYMCOUNT_UPDATE_GOLDEN") == "1"


def markdown(capsys, *argv) -> str:
    code = cli.main(["count", *argv, "--format", "markdown"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    return out


def test_golden_comparison(capsys):
    out = markdown(capsys, "lstm", "gru", "--set", "m=25", "--set", "n=100")
    path = GOLDEN / "lstm_gru.md"
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


def test_golden_v2(capsys):
    # A derived size with its definition and value; block-diagonal weights.
    out = markdown(capsys, "s6", "xlstm.slstm_layer", "--set", "D=32", "--set", "N=4", "--set", "H=4",
                   "--set", "d=8", "--set", "K=4")
    path = GOLDEN / "s6_slstm_layer.md"
    if UPDATE:
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


def table(out: str, header: str) -> list[list[str]]:
    """The rows (cells stripped) of the table whose header row starts with `header`."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


def test_comparison_table_first_for_several_cells(capsys):
    out = markdown(capsys, "lstm", "gru", "torch.lstm_proj", "--set", "m=25", "--set", "n=100")
    assert out.startswith("| cell |")
    rows = table(out, "cell")
    assert rows[0] == ["cell", "parameters", "factored", "value"]
    assert rows[1] == ["---", "---", "---", "---:"]
    assert rows[2] == [
        "`lstm(m, n)`",
        "$4 m n + 4 n^{2} + 4 n$",
        r"$4 n \left(m + n + 1\right)$",
        "50,400",
    ]
    assert rows[4][0] == "`torch.lstm_proj(m, n, p)`" and rows[4][3] == ""  # p not set
    assert "Values at $m = 25$, $n = 100$." in out


def test_one_cell_has_no_comparison(capsys):
    out = markdown(capsys, "lstm")
    assert out.startswith("### `lstm(m, n)`")
    assert "| cell |" not in out
    assert r"**Parameters:** $4 m n + 4 n^{2} + 4 n = 4 n \left(m + n + 1\right)$" in out


def test_parameter_values_and_total(capsys):
    out = markdown(capsys, "peephole_lstm", "--set", "m=3", "--set", "n=2")
    rows = table(out, "parameter")
    assert rows[0] == ["parameter", "kind", "shape", "count", "gate", "value"]
    assert ["`P_i`", "diag", r"$\operatorname{diag}(n)$", "$n$", "`i`", "2"] in rows
    assert rows[-1] == ["**total**", "", "", "$4 m n + 4 n^{2} + 7 n$", "", "**54**"]
    cell = symcount.builtin("peephole_lstm")
    assert sum(int(r[-1]) for r in rows[2:-1]) == cell.evaluate(m=3, n=2) == 54


def test_stacks_say_what_the_network_is(capsys):
    out = markdown(capsys, "lstm", "--layers", "L", "--bidirectional", "--no-bias")
    assert out.startswith("### `lstm(m, n, L)`")
    assert "Network: L layers, bidirectional, no biases." in out
    rows = table(out, "parameter")
    assert rows[0] == ["parameter", "kind", "layers", "copies", "shape", "count", "gate"]
    assert rows[-2][2:6] == [
        r"$2, \dots, L$",
        r"$2 \left(L - 1\right)$",
        r"$n \times n$",
        r"$2 n^{2} \left(L - 1\right)$",
    ]


@pytest.mark.parametrize(
    "argv",
    [
        ["lstm", "gru", "--set", "m=25", "--set", "n=100"],
        ["torch.lstm", "--layers", "3", "--bidirectional"],
        ["peephole_lstm", "keras.gru", "indrnn"],
    ],
)
def test_renders_on_github(capsys, argv):
    """What GitHub needs to see math in `$...$`, and tables whose cells stay cells."""
    out = markdown(capsys, *argv)
    for line in out.splitlines():
        spans = re.findall(r"\$([^$]*)\$", line)
        assert line.count("$") % 2 == 0, line
        for math in spans:
            assert math == math.strip() and math, line  # `$ x$` is not math on GitHub
            assert "|" not in math, line  # would split the table cell
        if line.startswith("|"):
            assert line.endswith("|")


def test_descriptions_are_escaped(capsys, tmp_path):
    spec = tmp_path / "odd.cell"
    spec.write_text(
        'cell odd(n) "costs $5 | *a lot* of <b>_ink_</b>"\n state h : n\n h\' = U @ h\nend\n'
    )
    out = markdown(capsys, str(spec))
    assert r"costs \$5 \| \*a lot\* of \<b\>\_ink\_\</b\>" in out
    assert escape("a_b") == r"a\_b"


def test_jupyter_markdown_is_what_count_prints(capsys):
    assert symcount.builtin("gru")._repr_markdown_() == markdown(capsys, "gru")
