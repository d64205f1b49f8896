"""The shape of the code (issue "Architecture"): each stage in one place.

Renderers read a `Summary` and nothing else; sympy symbols are made in one
module; what `--no-bias` drops from the count is exactly what it drops from
the printed equations.
"""

import doctest
import re
from pathlib import Path

import pytest

import symcount
from conftest import same
from symcount import ir
from symcount.counting import counts as counting
from symcount.counting import evaluation, summary
from symcount.layers import biases, stacking
from symcount.render import Report

ROOT = Path(__file__).resolve().parent.parent / "symcount"


def test_no_renderer_probes_its_input():
    for path in sorted((ROOT / "render").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(hasattr|getattr)\(", text), path.name


def test_sympy_symbols_are_made_in_one_module():
    making = re.compile(
        r"\bsympy\.(Symbol|symbols|Dummy|Wild)\(|from sympy import .*\b(Symbol|symbols|Dummy|Wild)\b"
    )
    makers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if making.search(path.read_text(encoding="utf-8"))
    )
    assert makers == ["symbols.py"]


def _names(cell: ir.CellDef) -> set[str]:
    return {
        node.name
        for eq in cell.equations
        for node in ir.walk(eq.expr)
        if isinstance(node, ir.Name)
    }


@pytest.mark.parametrize("name", sorted(symcount.builtins()))
@pytest.mark.parametrize("layers", [None, "L"])
def test_no_bias_drops_the_same_parameters_from_count_and_equations(name, layers):
    cell = symcount.builtin(name).without_biases()
    try:
        used = cell if layers is None else cell.stacked(layers)
    except symcount.SymcountError:  # several inputs, or a feature map out: cannot stack
        pytest.skip(f"{name} cannot be stacked")
    net = used.summary
    counted = {p.name for p in net.params}
    dropped = biases.biases(cell.scope)
    # Every v1 built-in has a bias; of the v2 ones, minGRU and minLSTM have none.
    assert dropped or name.startswith("mingru_pytorch.")
    assert counted == set(cell.scope.params) - dropped
    assert _names(net.cell) & set(cell.scope.params) == counted
    assert not net.bias and "no biases" in net.note


def test_a_network_says_what_it_is():
    lstm = symcount.builtin("lstm")
    plain, stack = lstm.summary, lstm.stacked(1).summary
    assert (plain.layers, plain.stacked, plain.note) == (None, False, "")
    assert (stack.layers, stack.stacked, stack.note) == (1, True, "1 layer")
    assert [p.layer for p in plain.params] == ["1"] * len(lstm.params)
    assert Report(plain, {"m": 3}).value is None and Report(plain, {"m": 3, "n": 2}).value == 48


@pytest.mark.parametrize("module", [summary, evaluation, counting, stacking, biases])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


WIDENING = """
cell dense(m, n)
    input x : m
    state h : n
    output y
    h' = tanh(W @ x + U @ h + b)
    y = [x, h']
end
"""


@pytest.mark.parametrize("layout", [(None, False), (1, False), (3, True), ("L", True)])
@pytest.mark.parametrize("cell", ["gru", "widening"])
def test_the_layer_groups_add_up_to_the_count(cell, layout):
    base = symcount.loads(WIDENING)[0] if cell == "widening" else symcount.builtin(cell)
    layers, bidirectional = layout
    layers_of = stacking.Layers(base.scope, base.shapes, stacking.Layout(layers, bidirectional))
    counts = counting.Counts(layers_of)
    groups = counts.layer_groups
    assert same(sum(total for _, _, total in groups), counts.count)
    used = base if layers is None else base.stacked(layers, bidirectional=bidirectional)
    assert same(counts.count, used.count)
    assert [label for label, _, _ in groups] == list(dict.fromkeys(p.layer for p in used.summary.params))
