"""Sweeps: `--set n=A,B,C` and `--set n=START:STOP[:STEP]` on count, cost and latex.

Every format gives one table of cells × sizes, and every value in it is the
API's at that size (`Cell.evaluate`, `Cell.cost(...).values`): read back from
JSON and from CSV (parsed with `csv`), and from the text, Markdown and LaTeX
tables. Ranges include STOP, several swept symbols give their product (the
first varying slowest), sizes where a derived size is not whole are skipped
with a warning; bad lists and ranges are usage errors that say what is wrong
(docs/cli.md, "Sweeps"). `count --format csv` without a sweep gives records
of the count, the parameters and the gates. Counts and cost figures are
evaluated as exact polynomials (`symbols.to_poly`), never by sympy in a loop.
"""

from __future__ import annotations

import csv
import doctest
import io
import json
import random
import re

import pytest
import sympy
from test_cost_cli import run
from test_latex import compile_tex, needs_pdflatex

import symcount
from symcount import symbols
from symcount.api import verify
from symcount.counting import evaluation
from symcount.render import Report, sweep
from symcount.symbols import size_symbol, to_poly

SIZES = {name: size_symbol(name) for name in ("m", "n")}  # what JSON's and CSV's formulas are in

# A cell whose derived size is whole only where H divides n.
HEADS = """\
cell mh(m, n, H)
    size d = n / H
    input x : m
    state h : n
    param g : d
    h' = tanh(W @ x + U @ h) + flat(heads(h, H) * g)
end
"""
# Frozen and quaternion parameters: a count sweep's frozen, total and numel.
WIRED = """\
cell wired(m, n)
    input x : m
    state h : n
    param M : (n, m) frozen
    param Q : quaternion(n, n)
    h' = tanh((W * M) @ x) + Q @ h
end
"""
# Each layer wider than the one before: a stack of L layers has no polynomial
# `total`, its count a closed-form sum that `to_poly` makes one.
WIDENING = """\
cell dense(m, n)
    input x : m
    state h : n
    h' = tanh(W @ [x, h] + b)
    y = [x, h']
    output y
end
"""


@pytest.fixture
def cells(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, text in {"heads.cell": HEADS, "wired.cell": WIRED, "dense.cell": WIDENING}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def api(source: str, layers=None):
    """The cell as the API builds it from a built-in name or a file of one cell."""
    cell = symcount.builtin(source) if not source.endswith(".cell") else symcount.load(source)[0]
    return cell if layers is None else cell.stacked(layers)


# ---- the values are the API's at every size ----

# (argv after the sources, sources, the --layers value): built-ins, derived
# sizes, a symbolic stack, a widening stack, frozen and complex parameters.
COUNT_CASES = [
    (["--set", "m=128", "--set", "n=128:512:128"], ["lstm", "gru"], None),
    (["--set", "m=3,1,7", "--set", "n=2:11:3"], ["rnn", "mgu", "indrnn"], None),
    (["--set", "D=1:64:7", "--set", "N=16"], ["s6"], None),
    (["--layers", "L", "--set", "m=5", "--set", "n=6", "--set", "L=1:5"], ["lstm"], "L"),
    (["--layers", "L", "--set", "m=2,3", "--set", "n=4", "--set", "L=2:6:2"], ["dense.cell"], "L"),
    (["--set", "m=1:4", "--set", "n=2,5"], ["wired.cell"], None),
]


@pytest.mark.parametrize(("argv", "sources", "layers"), COUNT_CASES)
def test_json_values_are_the_apis(capsys, cells, argv, sources, layers):
    code, out, _ = run(capsys, "count", *sources, *argv, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["schema", "sweep", "cells"]
    points = sweep.points(doc["sweep"])
    for source, got in zip(sources, doc["cells"], strict=True):
        cell = api(source, layers)
        assert len(got["sweep"]) == len(points)
        for point, entry in zip(points, got["sweep"], strict=True):
            assert entry["sizes"] == {d.name: v for d, v in zip(cell.dims, map(entry["sizes"].get, map(str, cell.dims)), strict=True)}
            assert {k: v for k, v in entry["sizes"].items() if k in point} == {k: v for k, v in point.items() if k in entry["sizes"]}
            assert entry["value"] == cell.evaluate(**entry["sizes"])
            at = Report(cell.summary, entry["sizes"])  # the sizes set one by one, as without a sweep
            for key in ("frozen_value", "total_value", "numel_value", "size_values"):
                assert entry.get(key) == at_key(at, key), key


def at_key(report: Report, key: str):
    """What the JSON of one cell at one size has under `key` (None when it has not)."""
    net = report.summary
    present = {"frozen_value": net.has_frozen, "total_value": net.has_frozen, "numel_value": net.has_nonreal,
               "size_values": bool(net.used_sizes)}[key]  # fmt: skip
    return getattr(report, key) if present else None


@pytest.mark.parametrize(("argv", "sources", "layers"), COUNT_CASES)
def test_csv_values_are_the_apis(capsys, cells, argv, sources, layers):
    code, out, _ = run(capsys, "count", *sources, *argv, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    swept = [a.split("=")[0] for a in argv if re.fullmatch(r"\w+=\d+[,:].*", a)]
    header = out.splitlines()[0].split(",")
    assert header[:2] == ["cell", "network"] and header[-len(swept) - 1 : -1] != []
    assert len(rows) == len(sources) * sweep.size({name: [0] * count_values(argv, name) for name in swept})
    for row in rows:
        cell = api(next(s for s in sources if api(s, layers).name == row["cell"]), layers)
        sizes = {d.name: int(row[d.name]) for d in cell.dims}
        assert int(row["parameters"]) == cell.evaluate(**sizes)
        if cell.summary.has_frozen:
            at = Report(cell.summary, sizes)
            assert (int(row["frozen"]), int(row["total"]), int(row["numel"])) == (
                at.frozen_value, at.total_value, at.numel_value
            )


def count_values(argv: list[str], name: str) -> int:
    """How many values `--set name=...` in argv gives (a list or a range)."""
    value = next(a.split("=", 1)[1] for a in argv if a.startswith(f"{name}="))
    if "," in value:
        return len(value.split(","))
    start, stop, *step = map(int, value.split(":"))
    return len(range(start, stop + 1, *step))


# (argv, the cell, the cost's pricing): dtypes whose bytes are fractions (int4),
# totals over steps and sequences, another tool's convention, a free extent swept.
COST_CASES = [
    (["lstm", "gru", "--set", "m=3", "--set", "n=1:9:2", "--dtype", "int4"], ("symcount", "int4", 1, 1)),
    (["torch.lstm", "--set", "m=5,6", "--set", "n=7", "--convention", "thop", "--seq", "3", "--batch", "2"],
     ("thop", "fp32", 3, 2)),
    (["keras.conv_lstm2d", "--set", "m=3", "--set", "n=4", "--set", "k=3", "--set", "rows=8:32:8", "--set", "cols=8"],
     ("symcount", "fp32", 1, 1)),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "pricing"), COST_CASES)
def test_cost_values_are_the_apis(capsys, argv, pricing):
    convention, dtype, seq, batch = pricing
    sources = [a for a in argv[: argv.index("--set")]]
    for fmt in ("json", "csv"):
        code, out, _ = run(capsys, "cost", *argv, "--format", fmt)
        assert code == 0
        if fmt == "json":
            entries = [(c["name"], e["sizes"], e["cost_values"]) for c in json.loads(out)["cells"] for e in c["sweep"]]
        else:
            rows = list(csv.DictReader(io.StringIO(out)))
            assert {(r["convention"], r["dtype"], r["seq"], r["batch"]) for r in rows} == {tuple(map(str, pricing))}
            entries = [(r["cell"], r, {f: int(r[f]) for f in symcount.costing.FIGURES}) for r in rows]
        assert entries
        for name, sizes, values in entries:
            cost = symcount.builtin(name).cost(convention, dtype).over(seq, batch)
            assert values == cost.values({k: int(sizes[k]) for k in cost.sizes})
        assert {name for name, _, _ in entries} == set(sources)


def test_a_sweep_is_ordered_the_first_symbol_slowest(capsys):
    code, out, _ = run(capsys, "count", "lstm", "--set", "m=64,32", "--set", "n=3:1000:400", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["m"], r["n"]) for r in rows] == [("64", "3"), ("64", "403"), ("64", "803"), ("32", "3"), ("32", "403"), ("32", "803")]


@pytest.mark.parametrize(
    ("value", "sizes"),
    [
        ("64:512:64", [64, 128, 192, 256, 320, 384, 448, 512]),  # STOP included
        ("64:100:64", [64]),  # STOP where no step lands: not included
        ("5:5", [5]),
        ("1:4", [1, 2, 3, 4]),
        ("256,64,128", [256, 64, 128]),  # in the order given
        (" 1_000 , 2 ", [1000, 2]),
    ],
)
def test_lists_and_ranges(capsys, value, sizes):
    code, out, _ = run(capsys, "count", "lstm", "--set", "m=3", "--set", f"n={value}", "--format", "json")
    assert code == 0
    assert json.loads(out)["sweep"] == {"n": sizes}


# ---- each format's table ----


def test_text_has_a_row_per_size_and_a_column_per_cell(capsys):
    code, out, _ = run(capsys, "count", "lstm", "gru", "--set", "m=128", "--set", "n=128:512:128")
    assert code == 0
    table = out.split("\n\n")[0].splitlines()
    assert table[0] == "trainable parameters at m=128"
    assert table[1].split() == ["n", "lstm", "gru"]
    for line in table[2:]:
        n, lstm, gru = line.split()
        assert int(lstm.replace(",", "")) == symcount.builtin("lstm").evaluate(m=128, n=int(n))
        assert int(gru.replace(",", "")) == symcount.builtin("gru").evaluate(m=128, n=int(n))
    assert len(table) == 2 + 4
    assert "\nlstm(m, n): LSTM" in out and "\n  value " not in out  # the sections, without values


def test_text_cost_has_a_row_per_size_and_cell(capsys):
    code, out, _ = run(capsys, "cost", "lstm", "gru", "--set", "m=3", "--set", "n=2,4")
    assert code == 0
    table = out.split("\n\n")[0].splitlines()
    assert table[0] == "cost per time step and sequence: symcount convention, fp32, at m=3"
    assert re.split(r"\s{2,}", table[1].strip()) == ["n", "cell", "MACs", "FLOPs", "weight bytes", "state bytes", "activation bytes"]
    rows = [re.split(r"\s{2,}", line.strip()) for line in table[2:]]
    assert [row[:2] for row in rows] == [["2", "lstm"], ["2", "gru"], ["4", "lstm"], ["4", "gru"]]
    for n, name, *values in rows:
        want = symcount.builtin(name).cost().values({"m": 3, "n": int(n)})
        assert [int(v.replace(",", "")) for v in values] == [want[f] for f in ("macs", "flops", "weight_bytes", "state_bytes", "activation_bytes")]


def test_markdown_is_a_pipe_table_with_a_caption(capsys):
    code, out, _ = run(capsys, "count", "lstm", "gru", "--set", "m=3", "--set", "n=2,4", "--format", "markdown")
    assert code == 0
    table = out.split("\n\n")[0].splitlines()
    assert table == ["| $n$ | `lstm(m, n)` | `gru(m, n)` |", "| --- | ---: | ---: |", "| 2 | 48 | 36 |", "| 4 | 128 | 96 |"]
    assert "\n\nTrainable parameters at $m = 3$.\n\n### `lstm(m, n)`" in out


def latex_rows(text: str) -> list[list[str]]:
    """The rows of the first tabular: cells split at `&`, the `\\\\` dropped."""
    body = text.split(r"\begin{tabular}", 1)[1].split(r"\end{tabular}", 1)[0]
    return [[c.strip() for c in line.rstrip(" \\").split("&")] for line in body.splitlines() if "&" in line]


def latex_number(cell: str) -> int:
    """`$1{,}312{,}768$` → 1312768."""
    return int(cell.strip("$").replace("{,}", ""))


def test_latex_has_a_column_per_size(capsys):
    code, out, _ = run(capsys, "latex", "lstm", "gru", "--set", "m=128", "--set", "n=128:512:128")
    assert code == 0
    head, *rows = latex_rows(out)
    assert head == ["cell", "$n = 128$", "$n = 256$", "$n = 384$", "$n = 512$"]
    for row, name in zip(rows, ["lstm", "gru"], strict=True):
        assert row[0] == rf"\texttt{{{name}}}"
        want = [symcount.builtin(name).evaluate(m=128, n=n) for n in (128, 256, 384, 512)]
        assert [latex_number(v) for v in row[1:]] == want
    assert r"\caption{Trainable parameters at $m = 128$.}" in out
    assert out.count(r"\begin{table}") == 1 and out.count(r"\begin{equation}") == 2


def test_latex_of_several_swept_sizes_and_a_cost(capsys):
    code, out, _ = run(capsys, "latex", "lstm", "--set", "m=2,3", "--set", "n=4,5", "--cost")
    assert code == 0
    assert out.count(r"\begin{table}") == 3  # the counts, the cost, and the cell's own cost table
    head, _ = latex_rows(out)
    assert head[1:] == ["$m = 2$, $n = 4$", "$m = 2$, $n = 5$", "$m = 3$, $n = 4$", "$m = 3$, $n = 5$"]
    cost = out.split("% comparison: lstm (cost)", 1)[1]
    head, *rows = latex_rows(cost)
    assert head[:2] == ["cell", "figure"] and [row[1] for row in rows] == ["MACs", "FLOPs", "weight bytes", "state bytes", "activation bytes"]
    assert [latex_number(v) for v in rows[0][2:]] == [symcount.builtin("lstm").cost().values({"m": m, "n": n})["macs"] for m in (2, 3) for n in (4, 5)]


@needs_pdflatex
def test_latex_sweep_compiles(capsys, cells):
    code, out, _ = run(capsys, "latex", "lstm", "gru", "heads.cell", "--set", "m=128", "--set", "H=4",
                       "--set", "n=124:132:4", "--cost", "--params", "--standalone")  # fmt: skip
    assert code == 0
    compile_tex(out, cells)


# ---- skipped sizes, bad lists and ranges ----


def test_sizes_where_a_derived_size_is_not_whole_are_skipped(capsys, cells):
    code, out, err = run(capsys, "count", "heads.cell", "--set", "m=8", "--set", "H=4", "--set", "n=9:16", "--format", "json")
    assert code == 0
    entries = json.loads(out)["cells"][0]["sweep"]
    assert [e["sizes"]["n"] for e in entries if "value" in e] == [12, 16]
    assert [e["skipped"] for e in entries if "value" not in e][0] == "size d = n / H is not a whole number (9/4) at H=4, n=9"
    assert err.startswith(
        "heads.cell:2:14: warning: cell 'mh' is left out of the sweep at 6 of its 8 sizes: "
        "size d = n / H is not a positive whole number at n=9, 10, 11, 13, 14, 15 with H=4\n"
    )
    code, out, err = run(capsys, "count", "heads.cell", "--set", "m=8", "--set", "H=4", "--set", "n=9:16", "--strict")
    assert (code, out) == (1, "") and "heads.cell:2:14: error: cell 'mh' is left out" in err
    code, out, err = run(capsys, "count", "heads.cell", "--set", "m=8", "--set", "H=4", "--set", "n=9:11")
    assert (code, out) == (1, "")
    assert "error: cell 'mh' is left out at every size of the sweep: size d = n / H" in err


def test_a_cell_without_a_swept_symbol_has_the_same_value_at_each(capsys):
    code, out, _ = run(capsys, "count", "lstm", "s6", "--set", "m=3", "--set", "n=1:3", "--set", "D=32", "--set", "N=4", "--format", "csv")
    assert code == 0
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["cell"] == "s6"]
    assert [r["parameters"] for r in rows] == ["544"] * 3 and [r["n"] for r in rows] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "n=512:64"], "'n=512:64' is an empty range: STOP (64) is below START (512)"),
        (["--set", "n=1:5:0"], "'n=1:5:0': STEP: expected at least 1, got 0"),
        (["--set", "n=1:5:-2"], "'n=1:5:-2': STEP: expected at least 1, got -2"),
        (["--set", "n=1.5:4"], "'n=1.5:4': START: expected a whole number, got '1.5'"),
        (["--set", "n=0:4"], "'n=0:4': START: expected at least 1, got 0"),
        (["--set", "n=1:"], "'n=1:': STOP: expected a whole number, got ''"),
        (["--set", "n=1:2:3:4"], "expected SYM=START:STOP or SYM=START:STOP:STEP, got 'n=1:2:3:4'"),
        (["--set", "n=1,,2"], "'n=1,,2': value 2: expected a whole number, got ''"),
        (["--set", "n=2,x"], "'n=2,x': value 2: expected a whole number, got 'x'"),
        (["--set", "n=4,2,4"], "'n=4,2,4' lists 4 twice; give each size once"),
        (["--set", "n=1,2:3"], "give a list (A,B,C) or a range (START:STOP), not both"),
        (["--set", "n=1:1000000"], "'n=1:1000000' has 1,000,000 sizes; a sweep has at most 100,000 rows"),
        (["--set", "n=1:3", "--set", "n=4"], "--set n given twice (n=1:3, then n=4); set each size symbol once"),
        (["--set", "n=4", "--set", "n=1,2"], "--set n given twice (n=4, then n=1,2)"),
        (["--set", "m=1:400", "--set", "n=1:300"], "--set m=1:400 --set n=1:300: 1 cells × 120,000 sizes are 120,000 rows; a sweep has at most 100,000"),
        (["--set", "q=1,2"], "--set q: no selected cell has a size symbol 'q'"),
    ],
)  # fmt: skip
def test_bad_lists_and_ranges_are_usage_errors(capsys, argv, message):
    code, out, err = run(capsys, "count", "lstm", *argv)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["plot", "--vary", "m=1:4", "-o", "x.png"], ["check"], ["verify"]])
def test_commands_that_do_not_sweep_refuse_a_list(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    name, *rest = command
    code, _, err = run(capsys, name, "lstm", "--set", "n=1,2", *rest)
    assert code == 2 and "Traceback" not in err
    if name == "plot":
        assert "--set n=1,2: only count, cost and latex sweep a list or range of sizes; plot takes one value" in err


def test_the_cap_counts_cells_times_sizes(capsys):
    code, _, err = run(capsys, "count", "lstm", "gru", "--set", "m=1:1000", "--set", "n=1:60")
    assert code == 2 and "2 cells × 60,000 sizes are 120,000 rows; a sweep has at most 100,000" in err
    code, out, _ = run(capsys, "count", "lstm", "--set", "m=1:1000", "--set", "n=1:100", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 1 + 100_000


# ---- CSV without a sweep ----


def test_count_csv_without_a_sweep_has_the_count_parameters_and_gates(capsys, cells):
    code, out, _ = run(capsys, "count", "lstm", "wired.cell", "--set", "m=1000", "--set", "n=2000", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0] == "cell,network,of,name,figure,formula,value"
    lstm = [r for r in rows if r["cell"] == "lstm"]
    assert lstm[0] == {"cell": "lstm", "network": "", "of": "total", "name": "", "figure": "parameters",
                       "formula": "4*m*n + 4*n**2 + 4*n", "value": "24008000"}  # fmt: skip
    assert [r["of"] for r in lstm] == ["total"] + ["parameter"] * 12 + ["gate"] * 4
    wired = symcount.load("wired.cell")[0]
    got = {(r["of"], r["name"], r["figure"]): r for r in rows if r["cell"] == "wired"}
    assert set(got) >= {("total", "", f) for f in ("parameters", "frozen", "total", "numel")}
    assert got[("parameter", "M", "frozen")]["formula"] == "m*n"
    for (of, _, figure), row in got.items():
        if of == "total":
            want = {"parameters": wired.count, "frozen": wired.frozen, "total": wired.total_count, "numel": wired.numel}[figure]
            assert sympy.expand(sympy.sympify(row["formula"], locals=SIZES) - want) == 0
            assert int(row["value"]) == evaluation.value(want, {"m": 1000, "n": 2000})
    code, out, _ = run(capsys, "count", "lstm", "--layers", "2", "--format", "csv")
    row = next(csv.reader(io.StringIO(out.splitlines()[1])))
    assert row == ["lstm", "2 layers", "total", "", "parameters", "4*m*n + 12*n**2 + 8*n", ""]  # no value, no sizes


def test_verify_csv_has_a_row_per_check(capsys, monkeypatch):
    checks = [verify.Check("torch.lstm_proj", {"m": 3, "n": 4, "p": 2}, 2, True, True, 1_234_567, 1_234_567),
              verify.Check("keras.gru", {"m": 5, "n": 6}, 1, False, False, 9, 8)]  # fmt: skip
    monkeypatch.setattr(verify, "run", lambda *args: checks)
    code, out, _ = run(capsys, "verify", "--format", "csv")
    assert code == 1  # a mismatch, as in text
    assert out == (
        "cell,m,n,p,layers,bidirectional,bias,symcount,framework,match\n"
        "torch.lstm_proj,3,4,2,2,true,true,1234567,1234567,true\n"
        "keras.gru,5,6,,1,false,false,9,8,false\n"
    )


# ---- exact polynomials ----


def test_figures_are_evaluated_as_polynomials_not_by_sympy(monkeypatch):
    cost = symcount.builtin("rnn").cost(dtype="int4")
    cost.values({"m": 1, "n": 1})  # each figure's polynomial made once
    monkeypatch.setattr(sympy.Expr, "subs", lambda *a, **k: pytest.fail("substituted by sympy"))
    for n in range(1, 50):  # n (m + n + 1) parameters, two a byte: odd ones rounded up
        got = cost.values({"m": 3, "n": n})
        assert got["weight_bytes"] == (n * (3 + n + 1) + 1) // 2


def test_to_poly_reads_back_what_to_sympy_writes():
    rng = random.Random(0)
    m, n, L = (size_symbol(s) for s in "mnL")
    for _ in range(200):
        expr = sum(sympy.Rational(rng.randint(-9, 9), rng.choice([1, 2, 4])) * m ** rng.randint(0, 3) * n ** rng.randint(0, 2) * L ** rng.randint(0, 1) for _ in range(4))
        exact = to_poly(sympy.expand(expr))
        assert exact is not None
        numerator, denominator = exact
        sizes = {"m": rng.randint(1, 99), "n": rng.randint(1, 99), "L": rng.randint(1, 9)}
        want = expr.subs({size_symbol(k): v for k, v in sizes.items()})
        assert sympy.Rational(numerator.evaluate(sizes), denominator) == want
    assert to_poly(sympy.ceiling(m / 16) * n) is None and to_poly(n * (m + 1)) is None and to_poly(m / n) is None


@pytest.mark.parametrize("module", [sweep, symbols])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_latex_only_table_prints_a_sweeps_tables_even_of_one_cell(capsys):
    code, out, _ = run(capsys, "latex", "lstm", "--set", "m=3", "--set", "n=2,4", "--cost", "--only", "table")
    assert code == 0
    assert out.count(r"\begin{table}") == 2 and r"\begin{equation}" not in out
    assert r"\label{symcount:comparison}" in out and r"\label{symcount:comparison:cost}" in out
