"""`symcount cost` and `latex --cost`: every format shows what `Cell.cost` gives.

The values each format prints are compared with `Cell.cost(...).values` and
`row_values` (the API, evaluated in counting/evaluation.py), the JSON and CSV
formulas with the API's formulas symbolically; LaTeX is compiled by pdflatex
when it is installed. Bad pricing flags are usage errors that list the valid
choices; a free extent (`size rows`) leaves the cost without values until
`--set rows=..` gives it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest
import sympy
from test_latex import compile_tex, needs_pdflatex

import symcount
from conftest import doc_script
from symcount import cli
from symcount.costing import CONVENTIONS, DTYPES, FIGURES
from symcount.costing.operations import KINDS
from symcount.render import Report, render
from symcount.symbols import size_symbol

# A convolutional cell over a feature map whose size the cell leaves open.
EXTENT = """\
cell convrnn(m, n, k) "a convolutional RNN over a map of any size"
    size rows
    size cols
    input x : (m, rows, cols)
    state h : (n, rows, cols)
    param b : n
    h' = tanh(conv(W, x, k) + conv(U, h, k) + b)
end
"""

# (argv after `cost`, the cell as the API builds it, sizes): built-ins, stacks,
# derived sizes, a free extent set, frozen parameters, every dtype.
CASES = [
    (["lstm", "--set", "m=3", "--set", "n=2"], lambda: symcount.builtin("lstm"), {"m": 3, "n": 2}),
    (
        ["torch.gru", "--layers", "3", "--bidirectional", "--no-bias", "--set", "m=5", "--set", "n=7", "--dtype", "fp16"],
        lambda: symcount.builtin("torch.gru").without_biases().stacked(3, bidirectional=True),
        {"m": 5, "n": 7},
    ),
    (
        ["lstm", "--layers", "L", "--set", "m=4", "--set", "n=6", "--set", "L=5", "--dtype", "int4"],
        lambda: symcount.builtin("lstm").stacked("L"),
        {"m": 4, "n": 6, "L": 5},
    ),
    (["s6", "--set", "D=100", "--set", "N=16", "--dtype", "bf16"], lambda: symcount.builtin("s6"), {"D": 100, "N": 16}),
    (
        ["mambapy.mamba_block", *(f"--set={k}={v}" for k, v in dict(D=16, E=2, N=4, K=4, R=3).items()), "--dtype", "int8"],
        lambda: symcount.builtin("mambapy.mamba_block"),
        dict(D=16, E=2, N=4, K=4, R=3),
    ),
    (
        ["keras.conv_lstm2d", *(f"--set={k}={v}" for k, v in dict(m=3, n=4, k=3, rows=8, cols=6).items())],
        lambda: symcount.builtin("keras.conv_lstm2d"),
        dict(m=3, n=4, k=3, rows=8, cols=6),
    ),
    (
        ["xlstm.mlstm_cell", "--set", "H=2", "--set", "d=8", "--dtype", "fp8"],
        lambda: symcount.builtin("xlstm.mlstm_cell"),
        {"H": 2, "d": 8},
    ),
]
IDS = [argv[0] + ("-stacked" if "--layers" in argv else "") for argv, _, _ in CASES]


def run(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as e:  # argparse's usage errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def tables(text: str) -> dict[str, list[list[str]]]:
    """The text output's tables by their first column's header (figure, gate,
    operation): each row's cells, split where two spaces part them."""
    found = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        head = lines[0].split()
        if lines[0].startswith("  ") and head[0] in ("figure", "gate", "operation"):
            found[head[0]] = [re.split(r"\s{2,}", line.strip()) for line in lines[1:]]
    return found


def dtype(argv: list[str]) -> str:
    return argv[argv.index("--dtype") + 1] if "--dtype" in argv else "fp32"


def parsed(text: str) -> sympy.Expr:
    """A formula the JSON or CSV gives, read back with every name a size symbol
    (docs/json.md, "Formulas": E, N, S are otherwise sympy's own)."""
    names = set(re.findall(r"[A-Za-z_]\w*", text)) - {"ceiling", "floor"}
    return sympy.sympify(text, locals={name: size_symbol(name) for name in names})


def same(a: sympy.Expr, b: sympy.Expr) -> bool:
    return sympy.expand(a - b) == 0


# ---- every format's values are the API's ----


@pytest.mark.parametrize(("argv", "cell", "sizes"), CASES, ids=IDS)
def test_json_is_the_apis_cost(capsys, argv, cell, sizes):
    code, out, err = run(capsys, "cost", *argv, "--format", "json")
    assert code == 0 and err == ""
    [doc] = json.loads(out)["cells"]
    cost = cell().cost(dtype=dtype(argv))
    got = doc["cost"]
    assert (got["convention"], got["dtype"], got["seq"], got["batch"]) == ("symcount", dtype(argv), 1, 1)
    assert got["values"] == cost.values(sizes)
    assert all(same(parsed(got[figure]), formula) for figure, formula in cost.figures.items())
    for key, rows in (("per_gate", cost.per_gate), ("per_op", cost.per_op)):
        assert [r["name"] for r in got[key]] == [row.name for row in rows]
        expected = cost.row_values(rows, sizes)
        assert [(r["name"], r["values"]["macs"], r["values"]["flops"]) for r in got[key]] == expected
        assert all(same(parsed(r["macs"]), row.macs) for r, row in zip(got[key], rows, strict=True))
    assert got["uncounted"] == [] and got["rule"] == ""
    # The rest of the cell's document is count's.
    count_argv = [a for i, a in enumerate(argv) if "--dtype" not in argv[max(i - 1, 0) : i + 1]]
    count_argv = [a for a in count_argv if not a.startswith(("--set=rows", "--set=cols"))]  # free extents
    _, counted, _ = run(capsys, "count", *count_argv, "--format", "json")
    assert {k: v for k, v in doc.items() if k != "cost"} == json.loads(counted)["cells"][0]


@pytest.mark.parametrize(("argv", "cell", "sizes"), CASES, ids=IDS)
def test_csv_rows_are_the_apis_cost(capsys, argv, cell, sizes):
    code, out, _ = run(capsys, "cost", *argv, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0] == "cell,network,convention,dtype,seq,batch,of,name,figure,formula,value"
    cost = cell().cost(dtype=dtype(argv))
    totals = {r["figure"]: r for r in rows if r["of"] == "total"}
    assert list(totals) == list(FIGURES)
    assert {figure: int(r["value"]) for figure, r in totals.items()} == cost.values(sizes)
    assert all(same(parsed(totals[f]["formula"]), formula) for f, formula in cost.figures.items())
    for of, breakdown in (("gate", cost.per_gate), ("operation", cost.per_op)):
        mine = [r for r in rows if r["of"] == of]
        expected = [(name, fig, value) for name, macs, flops in cost.row_values(breakdown, sizes)
                    for fig, value in (("macs", macs), ("flops", flops))]  # fmt: skip
        assert [(r["name"], r["figure"], int(r["value"])) for r in mine] == expected
    assert {r["cell"] for r in rows} == {cell().name}
    assert {(r["convention"], r["dtype"], r["seq"], r["batch"]) for r in rows} == {("symcount", dtype(argv), "1", "1")}
    assert len(rows) == len(FIGURES) + 2 * (len(cost.per_gate) + len(cost.per_op))


def test_csv_integers_are_plain_and_formulas_strings(capsys):
    _, out, _ = run(capsys, "cost", "lstm", "--set", "m=1000", "--set", "n=2000", "--format", "csv")
    macs = out.splitlines()[1]
    assert macs == "lstm,,symcount,fp32,1,1,total,,macs,4*m*n + 4*n**2,24000000"
    _, out, _ = run(capsys, "cost", "lstm", "--layers", "2", "--bidirectional", "--format", "csv")
    row = next(csv.reader(io.StringIO(out.splitlines()[1])))
    assert row[1] == "2 layers, bidirectional" and row[-1] == ""  # no values without sizes


@pytest.mark.parametrize(("argv", "cell", "sizes"), CASES, ids=IDS)
def test_text_and_markdown_show_the_apis_values(capsys, argv, cell, sizes):
    cost = cell().cost(dtype=dtype(argv))
    values = cost.values(sizes)
    _, text, _ = run(capsys, "cost", *argv)
    shown = tables(text)
    labels = {"macs": "MACs", "flops": "FLOPs"}
    figures = [(labels.get(f, f.replace("_", " ")), f"{v:,}") for f, v in values.items() if f != "frozen_bytes"]
    assert [(row[0], row[-1]) for row in shown["figure"]] == figures
    for table, rows in (("gate", cost.per_gate), ("operation", cost.per_op)):
        expected = [[name, f"{macs:,}", f"{flops:,}"] for name, macs, flops in cost.row_values(rows, sizes)]
        assert [[row[0], row[2], row[4]] for row in shown[table]] == expected
    assert f"  cost      per time step and sequence: symcount convention, {dtype(argv)}" in text
    _, markdown, _ = run(capsys, "cost", *argv, "--format", "markdown")
    assert "**Cost** per time step and sequence: symcount convention" in markdown
    for label, value in figures:
        assert re.search(rf"^\| {label} \| \$.*\$ \| {value} \|$", markdown, re.M), label
    for name, macs, flops in cost.row_values(cost.per_gate, sizes):
        assert re.search(rf"^\| `{re.escape(name)}` \| \$.*\$ \| {macs:,} \| \$.*\$ \| {flops:,} \|$", markdown, re.M)


def test_text_output(capsys):
    code, out, err = run(capsys, "cost", "lstm", "--set", "m=3", "--set", "n=2")
    assert code == 0 and err == ""
    assert out.startswith(
        "lstm(m, n): LSTM with forget gate (Gers et al., 2000)\n"
        "  source    builtin:lstm\n"
        "  cost      per time step and sequence: symcount convention, fp32\n"
        "  values    at m=3, n=2\n"
        "\n"
        "  figure            formula                  value\n"
        "  MACs              4*m*n + 4*n**2           40\n"
    )
    assert "\n  gate  MACs        value  FLOPs                 value\n" in out
    assert "\n  operation            MACs            value  FLOPs           value\n" in out


def test_derived_sizes_are_defined_and_valued(capsys):
    _, out, _ = run(capsys, "cost", "s6", "--set", "D=32", "--set", "N=4")
    assert "  where     R = ceiling(D/16)\n  values    at D=32, N=4; R=2\n" in out
    _, out, _ = run(capsys, "cost", "s6", "--set", "D=32", "--set", "N=4", "--format", "json")
    assert json.loads(out)["cells"][0]["cost"]["sizes"] == {"R": "ceiling(D/16)"}


def test_frozen_bytes_are_shown_apart_only_when_a_parameter_is_frozen(capsys, tmp_path):
    path = tmp_path / "wired.cell"
    path.write_text("cell wired(m, n)\n input x : m\n state h : n\n param M : (n, m) frozen\n"
                    " h' = tanh((W * M) @ x + U @ h)\nend\n")  # fmt: skip
    _, out, _ = run(capsys, "cost", str(path), "--set", "m=3", "--set", "n=2", "--dtype", "fp16")
    [cell] = symcount.load(str(path))
    frozen = {row[0]: row[1:] for row in tables(out)["figure"]}["frozen bytes"]
    assert frozen == [str(cell.cost(dtype="fp16").frozen_bytes), "12"]  # M's 6 entries, 2 bytes each
    _, out, _ = run(capsys, "cost", "lstm")
    assert "frozen" not in out


# ---- totals over a sequence and a batch ----


def test_seq_and_batch_give_the_totals(capsys):
    argv = ["lstm", "--set", "m=3", "--set", "n=2", "--seq", "100", "--batch", "8"]
    _, out, _ = run(capsys, "cost", *argv)
    assert "  cost      in total over 100 steps of 8 sequences: symcount convention, fp32\n" in out
    _, out, _ = run(capsys, "cost", *argv, "--format", "json")
    got = json.loads(out)["cells"][0]["cost"]
    total = symcount.builtin("lstm").cost().over(100, 8)
    assert (got["seq"], got["batch"]) == (100, 8)
    assert got["values"] == total.values({"m": 3, "n": 2})
    assert got["values"]["macs"] == 800 * symcount.builtin("lstm").cost().values({"m": 3, "n": 2})["macs"]
    _, out, _ = run(capsys, "cost", "lstm", "--seq", "1", "--batch", "1000")
    assert "in total over 1 step of 1,000 sequences" in out


# ---- several cells: one section each ----


def test_several_cells_get_a_section_each(capsys):
    for fmt, marker in (("text", "\n  source    "), ("markdown", "### `"), ("latex", "cost, symcount convention")):
        _, out, _ = run(capsys, "cost", "lstm", "gru", "rnn", "--set", "m=3", "--set", "n=2", "--format", fmt)
        assert out.count(marker) == 3, fmt
    _, out, _ = run(capsys, "cost", "lstm", "gru", "--format", "markdown")
    assert "| cell |" not in out  # the parameters' comparison table is count's
    _, out, _ = run(capsys, "cost", "lstm", "gru", "--format", "json")
    assert [c["name"] for c in json.loads(out)["cells"]] == ["lstm", "gru"]


def test_a_size_only_one_cell_has_gives_that_cell_values(capsys):
    _, out, _ = run(capsys, "cost", "lstm", "s6", "--set", "m=3", "--set", "n=2", "--format", "json")
    lstm, s6 = json.loads(out)["cells"]
    assert "values" in lstm["cost"] and "values" not in s6["cost"]


# ---- free extents ----


@pytest.fixture
def extent(tmp_path):
    (tmp_path / "convrnn.cell").write_text(EXTENT)
    return str(tmp_path / "convrnn.cell")


def test_a_free_extent_without_a_value_leaves_formulas_and_is_named(capsys, extent):
    sizes = ["--set", "m=2", "--set", "n=3", "--set", "k=3"]
    code, out, _ = run(capsys, "cost", extent, *sizes)
    assert code == 0 and "  values " not in out
    assert (
        "  rows and cols are free extents (a feature map's size, which the cell leaves open): "
        "--set rows=INT --set cols=INT gives the values for one map of that size\n"
    ) in out
    assert "  MACs              cols*k**2*m*n*rows + cols*k**2*n**2*rows\n" in out
    _, out, _ = run(capsys, "cost", extent, *sizes, "--set", "cols=5")
    assert "  rows is a free extent " in out and "--set rows=INT gives the values" in out
    _, out, _ = run(capsys, "cost", extent, *sizes, "--format", "json")
    got = json.loads(out)["cells"][0]
    assert got["cost"]["free_extents"] == ["rows", "cols"] and "values" not in got["cost"]
    assert got["value"] == symcount.load(extent)[0].evaluate(m=2, n=3, k=3)  # the count needs none


def test_set_gives_a_free_extent_and_the_values_per_map(capsys, extent):
    argv = [extent, *(f"--set={k}={v}" for k, v in dict(m=2, n=3, k=3, rows=4, cols=5).items())]
    _, out, _ = run(capsys, "cost", *argv, "--format", "json")
    [cell] = symcount.load(extent)
    values = cell.cost().values(dict(m=2, n=3, k=3, rows=4, cols=5))
    assert json.loads(out)["cells"][0]["cost"]["values"] == values
    assert values["macs"] == 4 * 5 * (3 * 3 * 2 * 3 + 3 * 3 * 3 * 3)  # k·k·c_in·c_out at each of the 20 positions
    _, out, _ = run(capsys, "cost", *argv)
    assert "  values    at m=2, n=3, k=3, rows=4, cols=5\n" in out and "free extent" not in out


def test_count_takes_no_free_extent(capsys, extent):
    code, _, err = run(capsys, "count", extent, "--set", "rows=4")
    assert code == 2 and "no selected cell has a size symbol 'rows'" in err


def test_a_free_extent_is_not_checked_for_another_cell(capsys, extent):
    code, out, err = run(capsys, "cost", extent, "lstm", "--set", "rows=4", "--set", "m=3", "--set", "n=2")
    assert code == 0, err
    assert "  cols is a free extent" in out


# ---- LaTeX: `cost --format latex` is `latex --cost` ----


def test_cost_format_latex_is_latex_with_the_cost_table(capsys):
    argv = ["lstm", "--set", "m=3", "--set", "n=2", "--dtype", "fp16"]
    _, latex, _ = run(capsys, "latex", *argv, "--cost")
    _, cost, _ = run(capsys, "cost", *argv, "--format", "latex")
    _, plain, _ = run(capsys, "latex", *argv[:4])
    assert latex == cost and latex.startswith(plain.rstrip("\n"))
    values = symcount.builtin("lstm").cost(dtype="fp16").values({"m": 3, "n": 2})
    assert "% lstm(m, n): cost, symcount convention, fp16\n\\begin{table}[htbp]" in latex
    assert r"\caption{Cost of \texttt{lstm} per time step and sequence: symcount convention, fp16, at $m = 3$, $n = 2$.}" in latex
    assert r"  \begin{tabular}{@{}llr@{}}" in latex and r"\toprule" in latex and r"\hline" not in latex
    macs = next(line for line in latex.splitlines() if line.lstrip().startswith("MACs"))
    assert [cell.strip() for cell in macs.split("&")] == ["MACs", "$4 m n + 4 n^{2}$", f"${values['macs']}$ \\\\"]


def test_latex_cost_sits_beside_the_parameter_table(capsys):
    _, out, _ = run(capsys, "latex", "s6", "--cost", "--params", "--set", "D=32", "--set", "N=4")
    assert out.index("Trainable parameters of") < out.index("Cost of")
    assert r"where $R = \left\lceil D/16 \right\rceil$, at $D = 32$, $N = 4$; $R = 2$." in out


@needs_pdflatex
@pytest.mark.parametrize(
    "argv",
    [
        ["lstm", "gru", "--set", "m=3", "--set", "n=2"],
        ["mambapy.mamba_block", "--dtype", "int4", "--seq", "1000", "--batch", "32"],
        ["keras.conv_lstm2d", "--no-bias", "--set", "rows=32"],
        ["s6", "xlstm.slstm_layer", "--set", "D=64", "--set", "N=8"],
    ],
)
def test_cost_tables_compile(capsys, tmp_path, argv):
    code, out, err = run(capsys, "latex", *argv, "--cost", "--standalone", "--equations", "--params")
    assert code == 0, err
    compile_tex(out, tmp_path)


# ---- docs/json.md documents every key ----


def test_json_md_documents_every_cost_key_in_order(capsys, extent):
    pages = doc_script("pages")
    rows = re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", pages.section("json.md", "Cost keys"), re.M)
    documented = [key for row in rows for key in row if key]
    keys: dict[str, None] = {}
    for argv in (["s6", "--set", "D=32", "--set", "N=4"], [extent], ["lstm"], ["awd_lstm"]):
        _, out, _ = run(capsys, "cost", *argv, "--format", "json")
        keys.update(dict.fromkeys(json.loads(out)["cells"][0]["cost"]))
    assert sorted(keys, key=documented.index) == documented
    kinds = re.search(r"^\| `per_op` \|.*$", pages.section("json.md", "Cost keys"), re.M).group()
    assert re.findall(r'`"([a-z ]+)"`', kinds) == list(KINDS)


# ---- the notes of a convention: what its tool does not count, and its rule ----


def test_what_a_tool_does_not_count_is_said(capsys):
    cell = symcount.builtin("lstm")
    cost = replace(cell.cost(), convention="thop", uncounted=("activation (sigmoid)", "elementwise product"),
                   rule="thop's rule for nn.LSTM")  # fmt: skip
    reports = [Report(replace(cell.summary, cost=cost), {"m": 3, "n": 2})]
    text = render("text", reports)
    assert "\n  rule      thop's rule for nn.LSTM\n" in text
    assert "\n  not counted by thop: activation (sigmoid), elementwise product\n" in text
    assert "Not counted by thop: activation (sigmoid), elementwise product." in render("markdown", reports)
    assert "not counted by thop: activation (sigmoid), elementwise product" in render("latex", reports)
    got = json.loads(render("json", reports))["cells"][0]["cost"]
    assert got["uncounted"] == ["activation (sigmoid)", "elementwise product"]
    assert got["rule"] == "thop's rule for nn.LSTM"


def test_csv_takes_no_settings():
    # Counts have CSV too since issue 17 (tests/test_sweeps.py).
    with pytest.raises(ValueError, match="unknown setting 'form' for the csv writer; it takes none"):
        render("csv", [Report(symcount.builtin("lstm").summary)], form="factored")


# ---- bad input: usage errors that list the valid choices ----


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--convention", "fvcore"], f"unknown convention 'fvcore'; choose from {', '.join(CONVENTIONS)}"),
        (["--dtype", "fp64"], f"unknown dtype 'fp64'; choose from {', '.join(DTYPES)}"),
        (["--dtype", "FP16"], "unknown dtype 'FP16'; choose from fp32, fp16, bf16, fp8, int8, int4"),
        (["--seq", "0"], "argument --seq: expected at least 1, got 0"),
        (["--seq", "-3"], "argument --seq: expected at least 1, got -3"),
        (["--batch", "two"], "argument --batch: expected a whole number, got 'two'"),
        (["--batch", "9" * 101], "argument --batch: a size has at most 100 digits"),
        (["--format", "tsv"], "argument --format: invalid choice: 'tsv'"),
        (["--set", "rows=3"], "--set rows: no selected cell has a size symbol 'rows' (they have: m, n)"),
    ],
)
def test_bad_pricing_is_a_usage_error(capsys, argv, message):
    code, out, err = run(capsys, "cost", "lstm", *argv)
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_the_pricing_is_checked_before_the_sources_are_read(capsys):
    code, _, err = run(capsys, "cost", "no-such-cell", "--convention", "fvcore")
    assert code == 2 and "unknown convention 'fvcore'" in err


@pytest.mark.parametrize("flag", [["--dtype", "fp16"], ["--convention", "thop"], ["--seq", "10"], ["--batch", "4"]])
def test_latex_pricing_needs_cost(capsys, flag):
    code, _, err = run(capsys, "latex", "lstm", *flag)
    assert code == 2 and f"symcount: error: {flag[0]} {flag[1]}: it prices the cost table; add --cost" in err


def test_the_valid_conventions_and_dtypes_are_the_tables(capsys):
    _, _, err = run(capsys, "latex", "lstm", "--cost", "--convention", "none")
    assert err.rstrip().endswith(f"choose from {', '.join(CONVENTIONS)}")
    assert "symcount" in CONVENTIONS and list(DTYPES) == ["fp32", "fp16", "bf16", "fp8", "int8", "int4"]
