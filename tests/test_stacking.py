"""Stacking a cell whose output width depends on its input (issue "Trust", item 1).

Layer k of such a stack reads a wider input than layer k - 1, so the count is
the sum of each layer's own count. Each case is checked against a stack built
by hand, layer by layer, from cells whose input width is written out.
"""

import pytest
import sympy

import symcount
from conftest import m, n, same

DENSE = """
cell dense(m, n)
    input x : {width}
    state h : n
    output y
    h' = tanh(W @ x + U @ h + b)
    y = [x, h']
end
"""

TWICE = """
cell twice(m, n)
    input x : {width}
    state h : n
    output y
    h' = tanh(W @ x + U @ h + b)
    y = [x, h', x]
end
"""


def by_hand(template: str, layers: int, directions: int, sizes: dict) -> int:
    """Each layer derived on its own from its written input width."""
    width, total = sizes["m"], 0
    for _ in range(layers):
        [cell] = symcount.loads(template.format(width=width))
        total += directions * cell.evaluate(m=sizes["m"], n=sizes["n"])
        width = directions * int(cell.output_size.subs(n, sizes["n"]))
    return total


def cell_of(template: str):
    return symcount.loads(template.format(width="m"))[0]


@pytest.mark.parametrize("template", [DENSE, TWICE])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", range(1, 9))
def test_integer_and_symbolic_stacks_sum_the_layers(template, bidirectional, layers):
    cell = cell_of(template)
    directions = 2 if bidirectional else 1
    symbolic = cell.stacked("L", bidirectional=bidirectional)
    for sizes in ({"m": 10, "n": 5}, {"m": 3, "n": 17}, {"m": 1, "n": 1}):
        want = by_hand(template, layers, directions, sizes)
        assert cell.stacked(layers, bidirectional=bidirectional).evaluate(**sizes) == want
        assert symbolic.evaluate(**sizes, L=layers) == want


def test_the_issue_example_counts_315():
    stack = cell_of(DENSE).stacked(3)
    assert stack.evaluate(m=10, n=5) == 315
    # Not P(m) + 2 P(m + n), the formula of a cell whose output width is fixed.
    assert stack.evaluate(m=10, n=5) != 50 + 30 + 2 * (75 + 30)


def test_symbolic_count_is_the_closed_form_sum():
    L, k = sympy.symbols("L k", integer=True, positive=True)
    stack = cell_of(DENSE).stacked("L")
    # layer k reads m + (k - 1) n and has n (m + (k - 1) n) + n^2 + n parameters
    want = sympy.summation(n * (m + (k - 1) * n) + n**2 + n, (k, 1, L))
    assert same(stack.count.subs(sympy.Symbol("L", integer=True, positive=True), L), want)
    assert same(sum(p.count for p in stack.params), stack.count)
    assert same(sum(stack.gates.values()), stack.count)


def test_layer_k_shapes_are_listed_per_layer():
    stack = cell_of(DENSE).stacked(3)
    widths = [p.shape[1] for p in stack.params if p.name == "W"]
    assert [p.layer for p in stack.params if p.name == "W"] == ["1", "2", "3"]
    assert all(same(w, want) for w, want in zip(widths, [m, m + n, m + 2 * n], strict=True))


def test_fixed_width_outputs_keep_the_spec_formula():
    # The output h' has size n whatever the input: D (P(m) + (L - 1) P(D n)).
    cell = symcount.builtin("lstm")
    L = sympy.Symbol("L", integer=True, positive=True)
    P = cell.count
    assert same(cell.stacked("L", bidirectional=True).count, 2 * (P + (L - 1) * P.subs(m, 2 * n)))
    assert [p.layer for p in cell.stacked(5).params][-1] == "2..5"


def test_a_widening_stack_of_too_many_layers_is_refused_not_run_for_ever(tmp_path, capsys):
    # Found by the command-line fuzzer: --layers 10**20 on a widening cell (mambapy's
    # block read bidirectionally widens too) inferred layer after layer, for ever.
    from symcount import cli
    from symcount.layers.stacking import MAX_WIDENING_LAYERS

    dense = cell_of(DENSE)
    assert dense.stacked(MAX_WIDENING_LAYERS).evaluate(m=3, n=2) == 2_010_000
    with pytest.raises(symcount.SymcountError, match="give the number of layers as a symbol"):
        dense.stacked(MAX_WIDENING_LAYERS + 1)
    path = tmp_path / "dense.cell"
    path.write_text(DENSE.format(width="m"))
    assert cli.main(["count", str(path), "--layers", "99999999999999999999"]) == 2
    err = capsys.readouterr().err
    assert "up to 1,000 layers, not 99,999,999,999,999,999,999" in err and "--layers L" in err
    # A symbol still gives the closed form at any depth.
    assert dense.stacked("L").evaluate(m=3, n=2, L=1000) == 2_010_000
