"""The conventions of thop, ptflops, calflops and torchinfo, against the tools themselves.

Every check runs the real tool (tests/tool_runs.py) at seeded random sizes and
compares its number with symcount's figure for the same cell under that tool's
convention (docs/costs.md, "Conventions of other tools"): the torch built-ins
against torch.nn.RNN / LSTM / GRU with layers, directions, a projection and no
biases; the cell modules nn.RNNCell / LSTMCell / GRUCell; and five other
built-ins written as PyTorch modules, priced call by call.

symcount's figures are per time step and per sequence; what each tool prints
for a run over T steps of B sequences is that figure times `printed`'s factor,
which the docs state per tool.
"""

from __future__ import annotations

import random
import re

import pytest
import sympy
import tool_runs
from hypothesis import given

import cellgen
import symcount
from conftest import doc_script, same
from symcount.costing import tools
from symcount.costing.operations import operations
from symcount.sources import builtin_names, builtin_text
from symcount.symbols import size_symbol

TOOLS = ("thop", "ptflops", "calflops", "torchinfo")
MODULES = {"torch.rnn": "RNN", "torch.lstm": "LSTM", "torch.gru": "GRU", "torch.lstm_proj": "LSTM"}

pytest.importorskip("torch")


def needs(tool: str) -> None:
    pytest.importorskip(tool)


def printed(tool: str, seq: int, batch: int) -> int:
    """How many times its per-step, per-sequence figure a tool prints for a recurrent
    module run on an input (T, B, m): ptflops divides by the first axis of the input,
    which is T when batch_first is False; the others count every step of every sequence."""
    return batch if tool == "ptflops" else seq * batch


def reported(tool: str, values: dict[str, int], factor: int) -> dict[str, int]:
    """What `tool_runs.run` returns for a convention's values scaled by `factor`."""
    figures = ("macs", "flops") if tool == "calflops" else ("macs",)
    return {figure: values[figure] * factor for figure in figures}


def module_sizes(name: str, rng: random.Random) -> dict[str, int]:
    sizes = {"m": rng.randint(1, 40), "n": rng.randint(2, 40)}
    if name == "torch.lstm_proj":
        sizes["p"] = rng.randint(1, sizes["n"] - 1)  # PyTorch wants p < n
    return sizes


def built_in(name: str, layers: int, bidirectional: bool, bias: bool):
    cell = symcount.builtin(name)
    if not bias:
        cell = cell.without_biases()
    return cell.stacked(layers, bidirectional) if layers > 1 or bidirectional else cell


def check_module(name: str, layers: int, bidirectional: bool, bias: bool, rng: random.Random) -> None:
    stack = built_in(name, layers, bidirectional, bias)
    sizes = module_sizes(name, rng)
    seq, batch = rng.randint(1, 4), rng.randint(1, 4)
    module = tool_runs.sequence_module(
        MODULES[name], sizes["m"], sizes["n"], layers=layers, bidirectional=bidirectional,
        proj=sizes.get("p", 0), bias=bias,
    )  # fmt: skip
    x = tool_runs.inputs(seq, batch, sizes["m"])
    for tool in TOOLS:
        cost = stack.cost(convention=tool)
        want = reported(tool, cost.values(sizes), printed(tool, seq, batch))
        got = tool_runs.run(tool, module, x)
        assert got == want, (tool, name, layers, bidirectional, bias, sizes, seq, batch)


CONFIGURATIONS = [
    (name, layers, bidirectional, bias)
    for name in MODULES
    for layers in (1, 2, 3)
    for bidirectional in (False, True)
    for bias in (True, False)
]


@pytest.mark.parametrize("name, layers, bidirectional, bias", CONFIGURATIONS)
def test_each_tool_prints_the_conventions_figure_for_torch_modules(name, layers, bidirectional, bias):
    for tool in TOOLS:
        needs(tool)
    rng = random.Random(f"{name}/{layers}/{bidirectional}/{bias}")
    for _ in range(2):
        check_module(name, layers, bidirectional, bias, rng)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_torch_modules_at_many_sizes(seed):
    for tool in TOOLS:
        needs(tool)
    rng = random.Random(seed)
    for _ in range(40):
        name, layers, bidirectional, bias = rng.choice(CONFIGURATIONS)
        check_module(name, layers, bidirectional, bias, rng)


# The cell modules: one step of B sequences, input (B, m). Each tool's rule for them is
# its rule for one layer of the module (docs/costs.md), but for what it does with B:
# ptflops divides by it, and torchinfo multiplies by the output's first two axes, (B, n).
CELL_FACTORS = {"thop": lambda b, n: b, "ptflops": lambda b, n: 1, "calflops": lambda b, n: b, "torchinfo": lambda b, n: b * n}


@pytest.mark.parametrize("name", ["torch.rnn", "torch.lstm", "torch.gru"])
@pytest.mark.parametrize("bias", [True, False])
def test_each_tool_on_the_cell_modules(name, bias):
    rng = random.Random(f"cell/{name}/{bias}")
    cell = built_in(name, 1, False, bias)
    for _ in range(3):
        sizes, batch = module_sizes(name, rng), rng.randint(1, 4)
        module = tool_runs.cell_module(MODULES[name], sizes["m"], sizes["n"], bias=bias)
        x = tool_runs.inputs(batch, sizes["m"])
        for tool in TOOLS:
            needs(tool)
            factor = CELL_FACTORS[tool](batch, sizes["n"])
            want = reported(tool, cell.cost(convention=tool).values(sizes), factor)
            assert tool_runs.run(tool, module, x) == want, (tool, name, sizes, batch)


def test_the_issues_example_is_what_thop_reports():
    """`symcount cost torch.lstm --set m=256 --set n=256 --convention thop`: thop's MACs for
    that layer on one step of one sequence."""
    needs("thop")
    macs = symcount.builtin("torch.lstm").cost(convention="thop").values({"m": 256, "n": 256})["macs"]
    module = tool_runs.sequence_module("LSTM", 256, 256)
    assert macs == tool_runs.thop_macs(module, tool_runs.inputs(1, 1, 256))


# ---- any other cell: written as a PyTorch module (tool_runs.WRITTEN), priced call by call ----


def ptflops_printed(cell, sizes: dict[str, int], batch: int) -> int:
    """ptflops averages what its module hooks count over the batch and adds what its
    patched torch functions count for the whole batch (docs/costs.md)."""
    per_batch = divided = 0
    for op in operations(cell.shapes):
        charge = tools.charge("ptflops", op)
        if charge is None:
            continue
        macs = charge[0].evaluate(sizes)
        divided, per_batch = (divided + macs, per_batch) if tools.per_batch(op) else (divided, per_batch + macs)
    return divided + batch * per_batch


# Cells whose elementwise calls mix a parameter with a batch of values, which ptflops and
# calflops count by a rule not linear in B (docs/costs.md): checked for one sequence.
ONE_SEQUENCE = {"indrnn", "ln_lstm", "ligru"}


@pytest.mark.parametrize("name", sorted(tool_runs.WRITTEN))
def test_each_tool_on_a_cell_written_as_a_module(name):
    rng = random.Random(f"written/{name}")
    cell = symcount.builtin(name)
    for _ in range(3):
        sizes = {"m": rng.randint(1, 12), "n": rng.randint(1, 12)}
        batch = 1 if name in ONE_SEQUENCE else rng.randint(1, 4)
        module = tool_runs.WRITTEN[name](sizes["m"], sizes["n"], batch)
        x = tool_runs.inputs(batch, sizes["m"])
        for tool in TOOLS:
            needs(tool)
            want = reported(tool, cell.cost(convention=tool).values(sizes), batch)
            if tool == "ptflops":
                want = {"macs": ptflops_printed(cell, sizes, batch)}
            assert tool_runs.run(tool, module, x) == want, (tool, name, sizes, batch)


# ---- what a tool does not count is said, never a silent zero ----


@pytest.mark.parametrize("tool", TOOLS)
def test_what_a_tool_does_not_count_is_named(tool):
    """Every operation of every built-in is charged by the tool or named as not counted."""
    for name in builtin_names():
        cell = symcount.builtin(name)
        if isinstance(cell, symcount.Model):  # component by component: tests/test_model_costs.py
            continue
        cost = cell.cost(convention=tool)
        if cost.rule:  # a torch built-in: the tool's own rule for the module
            continue
        for op in operations(cell.shapes):
            if tools.charge(tool, op) is None:
                assert any(text.startswith(f"{op.kind} ({op.form})") for text in cost.uncounted), (name, op)


@given(cellgen.cells())
def test_every_generated_cells_operations_are_charged_or_named(gen):
    [cell] = symcount.loads(gen.text(), filename="generated.cell")
    ops = operations(cell.shapes)
    for tool in TOOLS:
        uncounted = cell.cost(convention=tool).uncounted
        for op in ops:
            if tools.charge(tool, op) is None:
                assert any(text.startswith(f"{op.kind} ({op.form})") for text in uncounted), (tool, op)


def test_the_tools_rule_names_what_it_leaves_out():
    """ptflops prices nn.LSTM without its projection and no tool counts an activation:
    the cost says so."""
    cost = symcount.builtin("torch.lstm_proj").cost(convention="ptflops")
    assert cost.rule == "ptflops's rule for nn.LSTM"
    assert "matrix product (the projection weight_hr)" in cost.uncounted
    assert {"activation (sigmoid)", "activation (tanh)"} <= set(cost.uncounted)
    assert not symcount.builtin("torch.lstm").cost(convention="symcount").uncounted


def test_a_file_cell_named_like_a_torch_built_in_is_priced_call_by_call():
    [cell] = symcount.loads(builtin_text("torch.lstm"))
    assert symcount.builtin("torch.lstm").cost(convention="thop").rule
    assert not cell.cost(convention="thop").rule


# ---- the docs' table of the recurrent rules is the conventions ----


def documented_rules() -> dict[tuple[str, str], sympy.Expr]:
    """docs/costs.md, "Recurrent modules": (module, tool) → the formula per layer and
    direction, in w, n, h, p and b."""
    from sympy.parsing.sympy_parser import (
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    section = doc_script("pages").section("costs.md", "Recurrent modules")
    names = {s: sympy.Symbol(s) for s in "wnhpb"}
    rules = {}
    for kind, *cells in re.findall(r"^\| `nn\.(\w+)` \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$", section, re.M):
        for tool, text in zip(TOOLS, cells, strict=True):
            transformations = (*standard_transformations, implicit_multiplication_application)
            rules[kind, tool] = parse_expr(text.replace("−", "-"), names, transformations=transformations)
    return rules


@pytest.mark.parametrize("name", sorted(MODULES))
@pytest.mark.parametrize("bias", [True, False])
def test_the_docs_rules_are_the_conventions(name, bias):
    """Layer 1 reads w = m; a later layer w = D·h (thop: D·n); L layers of D directions
    are D times their sum."""
    rules = documented_rules()
    m, n, p = (size_symbol(s) for s in "mnp")
    h = p if name == "torch.lstm_proj" else n
    for tool in TOOLS:
        figure = "flops" if tool == "calflops" else "macs"
        rule = rules[MODULES[name], tool].subs({"b": int(bias), "p": h if h == p else 0})

        def layer(w, rule=rule, tool=tool):
            return rule.subs({"w": w, "h": n if tool == "thop" else h, "n": n})

        one = built_in(name, 1, False, bias).cost(convention=tool)
        assert same(getattr(one, figure), layer(m)), (tool, name)
        stack = built_in(name, 3, True, bias).cost(convention=tool)
        later = layer(2 * (n if tool == "thop" else h))
        assert same(getattr(stack, figure), 2 * (layer(m) + 2 * later)), (tool, name)


def test_the_docs_table_of_calls_is_the_tools():
    """docs/costs.md, "Other cells, call by call": each row's calls, and "—" exactly
    where the tool has no rule for them; every call of functions.TABLE that no row
    names is one no tool counts (the last row)."""
    from symcount.functions import TABLE

    section = doc_script("pages").section("costs.md", "Other cells, call by call")
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$", section, re.M)[2:]
    named = set()
    for construct, written, *charges in rows:
        calls = [tools.LINEAR_BIAS] if construct.startswith("a bias") else re.findall(r"`([\w.]+)", written)
        named.update(calls)
        for tool, text in zip(TOOLS, charges, strict=True):
            counted = [call in tools.CHARGES[tool] for call in calls]
            assert counted == [text != "—"] * len(calls), (construct, tool)
    others = {f.torch for f in TABLE.values() if f.torch} - named
    assert others and not any(call in tools.CHARGES[tool] for call in others for tool in TOOLS)
