"""Properties of the cost stage, checked on random valid cells (hypothesis).

The cells come from `cellgen.cells()`, as for the properties of counting
(tests/test_properties.py): every cell the language can write that counts also
costs, its breakdowns add up to its totals, and a stack of a symbolic depth L at
L = k costs what the stack of k layers does.
"""

from hypothesis import given
from hypothesis import strategies as st

import cellgen
import symcount
from conftest import same
from symcount.costing import DTYPES, FIGURES
from symcount.shapes.sizes import SizeValueError


def load(text):
    [cell] = symcount.loads(text, filename="generated.cell")
    return cell


def used(gen, data):
    """The generated cell, with or without its biases (a draw)."""
    cell = load(gen.text())
    return cell.without_biases() if data.draw(st.booleans(), label="no bias") else cell


@given(cellgen.cells(), st.data())
def test_a_cell_that_counts_costs(gen, data):
    cell = used(gen, data)
    cell.count  # noqa: B018 (it counts)
    cost = cell.cost(dtype=data.draw(st.sampled_from(sorted(DTYPES)), label="dtype"))
    env = data.draw(cellgen.environments(gen), label="sizes")
    if set(cost.sizes) <= set(env):  # else a free extent, which the generator does not set
        values = cost.values(env)
        assert values["flops"] >= 2 * values["macs"] >= 0
        assert min(values.values()) >= 0


@given(cellgen.cells(), st.data())
def test_the_breakdowns_add_up_to_the_totals(gen, data):
    cost = used(gen, data).cost()
    for rows in (cost.per_gate, cost.per_op):
        assert same(sum(row.macs for row in rows), cost.macs)
        assert same(sum(row.flops for row in rows), cost.flops)
    assert len({row.name for row in cost.per_op}) == len(cost.per_op)


@given(cellgen.cells(), st.data())
def test_a_symbolic_depth_costs_what_that_many_layers_do(gen, data):
    cell = used(gen, data)
    layers = data.draw(st.integers(1, 4), label="layers")
    bidirectional = data.draw(st.booleans(), label="bidirectional")
    try:
        symbolic = cell.stacked("L", bidirectional=bidirectional)
        whole = cell.stacked(layers, bidirectional=bidirectional)
    except symcount.SymcountError:  # not one vector input; a derived size that widens
        return
    env = data.draw(cellgen.environments(gen), label="sizes")
    want, got = _values(whole.cost(), env), _values(symbolic.cost(), {**env, "L": layers})
    if got is None:
        # A symbolic depth sizes a generic layer 2 even at L = 1, whose split may
        # not be whole at these sizes: the count is refused so too.
        assert want is None or layers == 1
        return
    assert got == want
    assert set(got) == set(FIGURES)


def _values(cost, sizes):
    """Every figure at `sizes`, None where a layer cannot split its sizes so
    (tests/test_properties.py's later-layer property), or a free extent is unset."""
    if not set(cost.sizes) <= set(sizes):
        return None
    try:
        return cost.values(sizes)
    except SizeValueError:
        return None
