"""`symcount solve` and `Cell.solve`: the largest valid size within a budget.

Every answer is checked against a search value by value: on generated cells
(`cellgen`, whose counts come from the generator, language v2's derived sizes
`size dq = e / H` and `ceil` included), at random sizes and budgets; on the
built-ins' cost figures; and on counts that are not non-decreasing (a size
`m - n`, `n**2 - n`, a widening stack's 2**L), which solve must search exactly.
"""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from test_plot import HEADS  # cell mh(m, n, H), with size d = n / H

import cellgen
import symcount
from symcount import cli
from symcount.cli.main import _budget

# ---- the example of the issue, and the formats ----


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as e:  # argparse's usage errors
            code = e.code
    return code, out.getvalue(), err.getvalue()


def test_lstm_and_gru_within_a_million_parameters():
    code, out, _ = run("solve", "lstm", "gru", "--budget", "1000000", "--for", "n", "--set", "m=128")
    assert code == 0
    assert out.splitlines()[1:] == [
        "  cell  m    n    parameters  next n  parameters",
        "  lstm  128  439  997,408     440     1,001,440",
        "  gru   128  516  998,460     517     1,001,946",
    ]
    lstm, gru = symcount.builtin("lstm"), symcount.builtin("gru")
    for cell, n in ((lstm, 439), (gru, 516)):
        found = cell.solve(1_000_000, for_="n", m=128)
        assert found.sizes == {"m": 128, "n": n}
        assert found.value == cell.evaluate(m=128, n=n) <= 1_000_000 < cell.evaluate(m=128, n=n + 1)
        assert (found.next.sizes, found.next.value) == ({"m": 128, "n": n + 1}, cell.evaluate(m=128, n=n + 1))


def test_the_json_document_is_exactly_the_contract():
    code, out, _ = run("solve", "lstm", "gru", "--budget", "1M", "--for", "n", "--set", "m=128", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "schema": 1, "budget": 1000000, "metric": "params", "for": "n",
        "cells": [
            {"name": "lstm", "sizes": {"m": 128, "n": 439}, "count": 997408,
             "next": {"sizes": {"m": 128, "n": 440}, "count": 1001440}},
            {"name": "gru", "sizes": {"m": 128, "n": 516}, "count": 998460,
             "next": {"sizes": {"m": 128, "n": 517}, "count": 1001946}},
        ],
    }  # fmt: skip


def test_every_format_shows_the_same_answer():
    args = ("solve", "lstm", "mingru_pytorch.mingru", "--budget", "1M", "--for", "n", "--set", "m=128")
    outputs = {fmt: run(*args, "--format", fmt)[1] for fmt in ("text", "markdown", "latex", "csv")}
    assert "| `lstm` | 128 | 439 | 997,408 | 440 | 1,001,440 |" in outputs["markdown"]
    assert "| `mingru_pytorch.mingru` |  | 707 | 999,698 | 708 | 1,002,528 |" in outputs["markdown"]
    assert r"\caption{Largest $n$ within $1{,}000{,}000$ parameters.}" in outputs["latex"]
    rows = [" ".join(line.split()) for line in outputs["latex"].splitlines()]
    assert r"\texttt{lstm} & 128 & 439 & $997{,}408$ & 440 & $1{,}001{,}440$ \\" in rows
    assert outputs["csv"].splitlines() == [
        "cell,network,metric,convention,dtype,budget,for,multiple_of,m,n,count,next,next_count,message",
        "lstm,,params,,,1000000,n,1,128,439,997408,440,1001440,",
        "mingru_pytorch.mingru,,params,,,1000000,n,1,,707,999698,708,1002528,",
    ]


def test_a_budget_no_value_meets_is_said_and_exits_0():
    code, out, _ = run("solve", "lstm", "--budget", "500", "--for", "n", "--set", "m=128", "--format", "json")
    assert code == 0
    [cell] = json.loads(out)["cells"]
    assert cell == {
        "name": "lstm", "sizes": None, "count": None,
        "next": {"sizes": {"m": 128, "n": 1}, "count": 520},
        "message": "no n is within the budget: the smallest, n = 1, has 520 parameters",
    }  # fmt: skip
    code, out, _ = run("solve", "lstm", "--budget", "500", "--for", "n", "--set", "m=128")
    assert (code, out.splitlines()[-2:]) == (
        0,
        ["  lstm  128  -  -           1       520", "  lstm: no n is within the budget: the smallest, n = 1, has 520 parameters"],
    )


def test_a_metric_that_does_not_grow_with_the_size_has_no_largest():
    found = symcount.builtin("lstm").solve(1000, for_="m", metric="state_bytes", n=8)
    assert (found.sizes, found.next) == (None, None)
    assert found.message == "every m is within the budget: the state bytes do not grow with it"


# ---- budgets as people write them ----


@pytest.mark.parametrize(
    "text, value",
    [("1000000", 10**6), ("1_000_000", 10**6), ("1e6", 10**6), ("1E6", 10**6), ("1M", 10**6), ("2.5k", 2500),
     ("2.5K", 2500), ("1.5G", 15 * 10**8), ("7B", 7 * 10**9), ("1T", 10**12), (".5k", 500), ("0.3k", 300),
     ("12.", 12), (" 1M ", 10**6), ("+4", 4), ("1" + "0" * 99, 10**99)],
)  # fmt: skip
def test_budgets_read_exactly(text, value):
    assert _budget(text) == value


@pytest.mark.parametrize(
    "text, message",
    [("1.5", "a budget is a whole number, got '1.5' (1.5)"), ("0.0005k", "whole number"), ("1e-3", "whole number"),
     ("0", "at least 1"), ("-5", "at least 1"), ("-1M", "at least 1"), ("abc", "expected a number"), ("", "expected"),
     ("1__000", "expected"), ("_1", "expected"), ("1m", "expected"), ("k", "expected"), ("1M5", "expected"),
     ("nan", "expected"), ("inf", "expected"), ("1e", "expected"), ("1" + "0" * 100, "100 digits"),
     ("1e1000000000", "100 digits"), ("9" * 5000, "100 digits"), ("1e-1000000000", "100 digits")],
)  # fmt: skip
def test_a_budget_that_is_not_a_positive_whole_number_is_a_usage_error(text, message):
    code, out, err = run("solve", "lstm", f"--budget={text}", "--for", "n", "--set", "m=3")
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


# ---- usage errors ----


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lstm", "--budget", "1M", "--for", "k", "--set", "m=3"], "--for k: cell 'lstm' has no size symbol 'k' (it has: m, n)"),
        (["lstm", "rglru", "--budget", "1M", "--for", "n", "--set", "m=3", "--set", "D=2"], "--for n: cell 'rglru' has no size symbol 'n'"),
        (["lstm", "--budget", "1M", "--for", "n"], "cell 'lstm' needs a value for m: add --set m=INT"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--set", "n=4"], "--set n: the size solved for (--for) cannot also be set"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--set", "q=4"], "--set q: no selected cell has a size symbol 'q'"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--metric", "bytes"], "unknown metric 'bytes'; choose from params, macs"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--dtype", "fp16"], "dtype 'fp16' prices weight_bytes and state_bytes, not params"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--metric", "macs", "--dtype", "fp16"], "not macs"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--metric", "state_bytes", "--convention", "thop"], "convention 'thop' prices macs and flops"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--dtype", "fp64"], "unknown dtype 'fp64'"),
        (["lstm", "--budget", "1M", "--match", "gru", "--at", "m=1,n=1", "--for", "n", "--set", "m=3"], "not allowed with argument --budget"),
        (["lstm", "--for", "n", "--set", "m=3"], "one of the arguments --budget --match is required"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--at", "m=1,n=2"], "--at gives the sizes of the cell --match names"),
        (["gru", "--match", "lstm", "--for", "n", "--set", "m=3"], "--match lstm: give its sizes with --at"),
        (["gru", "--match", "lstm", "--at", "m=3", "--for", "n", "--set", "m=3"], "--at: cell 'lstm' takes the sizes m, n, got m"),
        (["gru", "--match", "lstm", "--at", "m=3,n=2,k=1", "--for", "n", "--set", "m=3"], "takes the sizes m, n, got m, n, k"),
        (["gru", "--match", "lstm", "--at", "m=3,m=2", "--for", "n", "--set", "m=3"], "m given twice in 'm=3,m=2'"),
        (["gru", "--match", "lstm", "--at", "m=3;n=2", "--for", "n", "--set", "m=3"], "expected a whole number"),
        (["lstm", "--budget", "1M", "--for", "n", "--set", "m=3", "--multiple-of", "0"], "expected at least 1, got 0"),
        (["lstm", "--budget", "1M", "--for", "1n", "--set", "m=3"], "expected a size symbol, got '1n'"),
        (["lstm", "--budget", "1M", "--for", "m", "--layers", "m"], "'m' is already a size of cell 'lstm'"),
    ],
)  # fmt: skip
def test_usage_errors(argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("solve", *argv)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_sizes_at_which_no_value_is_valid_are_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "heads.cell").write_text(HEADS)
    code, _, err = run("solve", "heads.cell", "--budget", "1M", "--for", "m", "--set", "n=10", "--set", "H=3")
    assert code == 2
    assert "--set: in cell 'mh', size d = n / H is not a whole number (10/3) at H=3, n=10" in err


def test_a_match_source_of_several_cells_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "two.cell").write_text(HEADS + HEADS.replace("mh", "other"))
    code, _, err = run("solve", "lstm", "--match", "two.cell", "--at", "n=8,H=2,m=1", "--for", "n", "--set", "m=3")
    assert code == 2 and "--match two.cell: it holds 2 cells (mh, other)" in err


# ---- what is valid: multiples, derived sizes, --match, metrics, layers ----



def test_multiple_of():
    found = symcount.builtin("lstm").solve(10**6, for_="n", multiple_of=64, m=128)
    assert (found.sizes["n"], found.next.sizes["n"], found.multiple_of) == (384, 448, 64)
    code, out, _ = run("solve", "lstm", "--budget", "1M", "--for", "n", "--set", "m=128", "--multiple-of", "64")
    assert out.splitlines()[0] == "Largest n, a multiple of 64, within 1,000,000 parameters"
    assert json.loads(run("solve", "lstm", "--budget", "1M", "--for", "n", "--set", "m=128", "--multiple-of", "64",
                          "--format", "json")[1])["multiple_of"] == 64  # fmt: skip


def test_a_derived_size_makes_only_its_multiples_valid():
    [cell] = symcount.loads(HEADS)
    found = cell.solve(100_000, for_="n", m=16, H=8)
    assert found.sizes == {"m": 16, "n": 824, "H": 8} and found.next.sizes["n"] == 832
    assert found.value == cell.evaluate(m=16, n=824, H=8) <= 100_000 < cell.evaluate(m=16, n=832, H=8)
    # With a step too: n a multiple of both 8 and 6.
    stepped = cell.solve(100_000, for_="n", multiple_of=6, m=16, H=8)
    assert (stepped.sizes["n"], stepped.next.sizes["n"]) == (816, 840)
    # H divides n: solved for H, the count n**2 + n**2/H + ... falls as H grows, so every H is scanned.
    heads = cell.solve(10**6, for_="H", m=16, n=240)
    assert (heads.sizes["H"], heads.next, heads.message) == (240, None, "")


def test_match_takes_the_budget_from_another_cell():
    args = ("solve", "lstm", "gru", "mingru", "--match", "lstm", "--at", "m=128,n=256", "--for", "n", "--set", "m=128")
    code, out, _ = run(*args, "--format", "json")
    document = json.loads(out)
    assert document["budget"] == symcount.builtin("lstm").evaluate(m=128, n=256) == 394_240
    assert document["match"] == {"name": "lstm", "sizes": {"m": 128, "n": 256}}
    assert [c["sizes"]["n"] for c in document["cells"]] == [256, 303, 1528]
    code, out, _ = run(*args)
    assert out.splitlines()[0] == "Largest n within 394,240 parameters, as many as lstm has at m=128, n=256"
    # The matched cell is used as the others are: stacked, its --at gives L too.
    stacked = run("solve", "gru", "--match", "lstm", "--at", "m=8,n=16,L=3", "--layers", "L", "--for", "n",
                  "--set", "m=8", "--set", "L=3", "--format", "json")[1]  # fmt: skip
    budget = symcount.builtin("lstm").stacked("L").evaluate(m=8, n=16, L=3)
    assert json.loads(stacked)["budget"] == budget
    assert json.loads(stacked)["cells"][0]["layers"] == "L"


@pytest.mark.parametrize(
    "metric, dtype, convention",
    [("macs", "fp32", "symcount"), ("flops", "fp32", "symcount"), ("macs", "fp32", "thop"),
     ("weight_bytes", "fp16", "symcount"), ("weight_bytes", "int4", "symcount"), ("state_bytes", "bf16", "symcount"),
     ("state_bytes", "int4", "symcount")],
)  # fmt: skip
@pytest.mark.parametrize("name", ["torch.gru", "s6", "xlstm.mlstm_cell"])
def test_cost_metrics_against_a_search_value_by_value(name, metric, dtype, convention):
    cell = symcount.builtin(name)
    symbol = cell.dims[0].name if name in ("s6", "xlstm.mlstm_cell") else "n"
    fixed = {d.name: 5 for d in cell.dims if d.name != symbol}
    cost = cell.cost(convention, dtype)
    figure = lambda v: cost.values({**fixed, symbol: v})[metric]  # noqa: E731
    for budget in (max(1, figure(1) - 1), figure(1), figure(37) + 1, figure(100)):
        found = cell.solve(budget, for_=symbol, metric=metric, dtype=dtype, convention=convention, **fixed)
        expected = search(figure, range(1, 10_000), budget)
        assert answer(found, symbol) == expected
        assert (found.convention, found.dtype) == (
            convention if metric in ("macs", "flops") else None,
            dtype if metric.endswith("bytes") else None,
        )


def test_weight_bytes_on_the_command_line():
    code, out, _ = run("solve", "lstm", "--budget", "2M", "--for", "n", "--set", "m=128", "--metric", "weight_bytes",
                       "--dtype", "fp16")  # fmt: skip
    assert out.splitlines() == [
        "Largest n within 2,000,000 weight bytes (fp16)",
        "  cell  m    n    weight bytes  next n  weight bytes",
        "  lstm  128  439  1,994,816     440     2,002,880",
    ]


@pytest.mark.parametrize("bidirectional", [False, True])
def test_the_number_of_layers(bidirectional):
    stack = symcount.builtin("torch.lstm").stacked("L", bidirectional=bidirectional)
    figure = lambda layers: stack.evaluate(m=128, n=512, L=layers)  # noqa: E731
    found = stack.solve(10**7, for_="L", m=128, n=512)
    assert answer(found, "L") == search(figure, range(1, 200), 10**7)
    flags = ["--bidirectional"] if bidirectional else []
    code, out, _ = run("solve", "torch.lstm", "--layers", "L", *flags, "--budget", "10M", "--for", "L",
                       "--set", "m=128", "--set", "n=512", "--format", "json")  # fmt: skip
    [cell] = json.loads(out)["cells"]
    assert (cell["sizes"]["L"], cell["count"], cell["layers"]) == (found.sizes["L"], found.value, "L")


# ---- counts that are not non-decreasing: searched exactly ----

NOT_MONOTONE = {
    # n (m - n): rises, then falls; m - n must be positive, so n < m.
    "check": ("cell c(m, n)\n size k = m - n\n state c : k\n state h : n\n c' = tanh(c)\n h' = tanh(W @ c + h)\nend\n",
              "n", {"m": 60}),
    # n**2 - n + ...: past the Cauchy bound of its derivative, it rises.
    "square": ("cell c(n)\n state h : n\n param W : (n - 1, n)\n h' = tanh([W @ h, h[0:1]])\nend\n", "n", {}),
    # 2**L: each layer twice as wide as the one before (the count is not a polynomial in L).
    "widening": ("cell dense(m, n)\n input x : m\n state h : n\n h' = tanh(W @ [x, h] + b)\n y = [x, h']\n"
                 " output y\nend\n", "L", {"m": 2, "n": 3}),
}  # fmt: skip


@pytest.mark.parametrize("case", NOT_MONOTONE)
def test_a_count_that_is_not_non_decreasing_is_searched_exactly(case):
    text, symbol, fixed = NOT_MONOTONE[case]
    [cell] = symcount.loads(text)
    if case == "widening":
        cell = cell.stacked("L", bidirectional=True)
    def figure(v):
        try:
            return cell.evaluate(**fixed, **{symbol: v})
        except ValueError:  # not valid there
            return None
    tried = range(1, 40 if case == "widening" else 300)
    values = sorted({figure(v) for v in tried} - {None})
    for budget in values[:-1:3]:  # each answer, and the next value, within the values tried
        found = cell.solve(budget, for_=symbol, **fixed)
        assert answer(found, symbol) == search(figure, tried, budget, monotone=False), budget
        assert found.message == ""  # bounded: by m - n, by the Cauchy bound, by the 1,000 layers of 2**L


# ---- against a search value by value, on generated cells ----


def search(figure, values, budget: int, monotone: bool = True):
    """(the largest value within the budget and its figure, the next valid value and
    its figure), value by value: a figure of None is a value that is not valid; a
    non-decreasing figure is searched until it first goes over."""
    best, points = None, []
    for v in values:
        at = figure(v)
        if at is None:
            continue
        points.append((v, at))
        if monotone and at > budget:
            break
    within = [p for p in points if p[1] <= budget]
    best = max(within) if within else None
    after = next((p for p in points if best is None or p[0] > best[0]), None)
    return best, after


def answer(found, symbol: str):
    best = None if found.sizes is None else (found.sizes[symbol], found.value)
    after = None if found.next is None else (found.next.sizes[symbol], found.next.value)
    return best, after


def valid(gen: cellgen.GenCell, env: dict[str, int]) -> bool:
    """Whether every derived size is whole: `size dq = e / H`, H divides e."""
    return "dq" not in gen.size_decls or env["e"] % env["H"] == 0


@st.composite
def questions(draw):
    """A generated cell, the size to solve for, the other sizes, a step and a budget."""
    # Half of them cells with `size dq = e / H`, solved for e or H half the time.
    gen = draw(st.one_of(cellgen.cells(), cellgen.cells().filter(lambda g: "H" in g.dims)))
    split = "H" in gen.dims and draw(st.booleans())
    symbol = draw(st.sampled_from(["e", "H"] if split else gen.dims))
    fixed = {d: draw(st.integers(1, 12)) for d in gen.dims if d != symbol}
    if "H" in gen.dims and symbol != "H":
        fixed["H"] = draw(st.integers(1, 6))
    if "e" in fixed:  # e = H * dq: a valid e
        fixed["e"] = fixed["H"] * draw(st.integers(1, 6)) if "H" in fixed else draw(st.integers(1, 36))
    step = draw(st.sampled_from([1, 1, 1, 2, 3, 8]))
    top = draw(st.integers(1, 40)) * step
    reach = gen.count(gen.environment({**fixed, symbol: top}))
    budget = draw(st.integers(1, max(1, reach)))
    return gen, symbol, fixed, step, budget


@given(questions())
def test_solve_is_a_search_value_by_value(question):
    gen, symbol, fixed, step, budget = question
    [cell] = symcount.loads(gen.text(), filename="generated.cell")

    def figure(v):
        env = {**fixed, symbol: v}
        return gen.count(gen.environment(env)) if valid(gen, env) else None

    found = cell.solve(budget, for_=symbol, multiple_of=step, **fixed)
    if symbol == "H":  # dq = e / H shrinks as H grows: every valid H (a divisor of e) is tried
        expected = search(figure, range(step, fixed["e"] + 1, step), budget, monotone=False)
        assert answer(found, symbol) == expected
        return
    # Every generated count grows with the sizes (products of sizes, ceil's included),
    # within 48 values (the ceil divisors) unless it does not grow at all.
    reach = (budget + 1) * step * 48 * math.prod(fixed.values())
    expected = search(figure, range(step, min(reach, 200_000), step), budget)
    if expected[1] is None:  # never over: the count does not read the size
        assert found.sizes is None and found.message.startswith(f"every {symbol} is within the budget")
    else:
        assert answer(found, symbol) == expected
        assert found.message == ("" if expected[0] else found.message)  # no note on an answer


# ---- sympy.solve on the count in real symbols ----


def test_count_real_is_what_sympy_solve_works_on():
    lstm = symcount.builtin("lstm")
    m, n = lstm.dims
    assert sympy.solve(sympy.Eq(lstm.count.subs(m, 128), 10**6), n) == []  # integer symbols
    count = lstm.count_real
    real_m, real_n = sorted(count.free_symbols, key=str)
    assert real_n.is_positive and real_n.is_integer is None
    [root] = sympy.solve(sympy.Eq(count.subs(real_m, 128), 10**6), real_n)
    assert math.floor(root) == lstm.solve(10**6, for_="n", m=128).sizes["n"] == 439
    # Derived sizes are written out, in real symbols too.
    assert str(symcount.builtin("s6").count_real) == "3*D*N + 2*D*ceiling(D/16) + D"


def test_the_api_refuses_what_it_cannot_solve():
    lstm = symcount.builtin("lstm")
    for call, message in [
        (lambda: lstm.solve(10**6, for_="k", m=1), "cell 'lstm' has no size symbol 'k' (it has m, n)"),
        (lambda: lstm.solve(10**6, for_="n"), "sizes must be exactly m: missing m"),
        (lambda: lstm.solve(10**6, for_="n", m=1, k=2), "unknown k"),
        (lambda: lstm.solve(0, for_="n", m=1), "budget must be a positive integer, got 0"),
        (lambda: lstm.solve(1.5, for_="n", m=1), "budget must be a positive integer, got 1.5"),
        (lambda: lstm.solve(10, for_="n", m=1, multiple_of=0), "multiple_of must be a positive integer"),
        (lambda: lstm.solve(10, for_="n", m=1, metric="weights"), "unknown metric 'weights'"),
        (lambda: lstm.solve(10, for_="n", m=1, dtype="fp16"), "dtype 'fp16' prices weight_bytes and state_bytes"),
    ]:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            call()
