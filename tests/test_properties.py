"""Properties of counting, checked on random valid cells (hypothesis).

The cells come from `cellgen.cells()`, which knows every parameter's shape,
so the expected numbers are the generator's, not symcount's. How many
examples run is set by the hypothesis profile (conftest.py): a quick one by
default, a long one with --slow.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_typed_cell import check_every_node_typed

import cellgen
import symcount
from conftest import same
from symcount.shapes.sizes import SizeValueError
from symcount.symbols import size_symbol


def load(text):
    [cell] = symcount.loads(text, filename="generated.cell")
    return cell


def sizes_for(gen):
    """The header's sizes (where the cell divides e by H, a multiple of H for e)."""
    return cellgen.environments(gen)


def shapes(cell):
    """Each parameter's (kind, shape) with sympy sizes, by name."""
    return {p.name: (p.kind, p.shape) for p in cell.params}


@given(cellgen.cells())
def test_the_total_is_the_sum_of_the_parameters_and_of_the_gates(gen):
    cell = load(gen.text())
    assert same(cell.count, sum(p.count for p in cell.params))
    assert same(cell.count, sum(cell.gates.values()))
    assert {p.name: p.kind for p in cell.params} == {n: p.kind for n, p in gen.params.items()}


@given(cellgen.cells(), st.data())
def test_evaluate_is_the_direct_count(gen, data):
    cell = load(gen.text())
    env = data.draw(sizes_for(gen))
    assert cell.evaluate(**env) == gen.count(env)
    assert cell.evaluate_numel(**env) == gen.numel(env)
    full = gen.environment(env)  # with the derived sizes (ceil, e / H), as the generator knows them
    at = {size_symbol(d): v for d, v in full.items()}
    for p in cell.params:
        expected = gen.params[p.name]
        assert [int(s.subs(at)) for s in p.shape] == [
            cellgen.size_value(s, full) for s in expected.shape
        ]
        assert int(p.count.subs(at)) == expected.count(full)
        assert int(p.numel.subs(at)) == expected.numel(full)


@given(cellgen.cells(), st.data())
def test_renaming_and_reordering_keep_the_count(gen, data):
    rename = data.draw(cellgen.renamings(gen))
    order = data.draw(cellgen.orders(gen))
    original, variant = load(gen.text()), load(gen.text(rename, order))
    assert same(original.count, variant.count)
    # Parameter for parameter, under the renaming.
    assert shapes(variant) == {rename[name]: ks for name, ks in shapes(original).items()}
    assert same(original.output_size or 0, variant.output_size or 0)


@given(cellgen.cells())
def test_a_printed_cell_reads_back_the_same(gen):
    text = gen.text()
    printed = symcount.format_text(text)
    assert symcount.format_text(printed) == printed
    original, again = load(text), load(printed)
    assert same(original.count, again.count)
    assert original.params == again.params  # names, kinds, shapes, counts and gates
    assert original.gates.keys() == again.gates.keys()
    assert (again.name, again.description, again.dims) == (gen.name, gen.description, original.dims)
    assert again.display == gen.display


@given(cellgen.cells())
def test_every_node_has_a_shape(gen):
    # Here, not in test_typed_cell: hypothesis reads every imported module's
    # constants, and speechbrain's lazy modules (imported by test_research) raise.
    check_every_node_typed(load(gen.text()))


@given(cellgen.cells(), st.data())
def test_no_bias_removes_exactly_the_declared_biases(gen, data):
    declared = [name for name, p in gen.params.items() if p.bias]
    cell = load(gen.text())
    env = data.draw(sizes_for(gen))
    if not declared:  # the rule for undeclared biases: at most what the count has
        assert cell.without_biases().evaluate(**env) <= gen.count(env)
        return
    without = cell.without_biases()
    assert set(without.removed_biases) == set(declared)
    full = gen.environment(env)
    assert without.evaluate(**env) == gen.count(env) - sum(gen.params[b].count(full) for b in declared)


def _output(gen) -> str | None:
    """The output: declared, else the first state declared (docs/language.md)."""
    if gen.output is not None:
        return gen.output
    states = [name for name in gen.declaration_order if name in gen.states or name in gen.tensor_states]
    return states[0] if states else None


@given(cellgen.cells(), st.data())
def test_a_later_layer_is_the_cell_at_its_input_width(gen, data):
    # A cell with one input written with a header symbol and a vector state out:
    # layer 2 is the cell with that symbol at the output's size, everywhere
    # (declared shapes, `size` declarations: docs/language.md, "Stacked layers").
    output = _output(gen)
    [(name, size)] = gen.inputs.items() if len(gen.inputs) == 1 else [(None, None)]
    if name is None or output not in gen.states or gen.dim(size) not in gen.dims:
        return
    symbol = gen.dim(size)
    cell = load(gen.text())
    env = data.draw(sizes_for(gen))
    width = cellgen.size_value(gen.states[output], gen.environment(env))
    later = {**env, symbol: width}
    stack = cell.stacked(2)
    # The splits layer 2 computes anew: those of the input's symbol, as the width
    # split (e / H with e the input's) or as the number of parts (e / H with H it).
    splits = [d for d in gen.size_decls.values() if d[0] == "split" and symbol in d[1:]]
    if any(later[numerator] % later[heads] for _, numerator, heads in splits):
        with pytest.raises(SizeValueError):  # layer 2 cannot split its sizes so
            stack.evaluate(**env)
        return
    assert stack.evaluate(**env) == gen.count(env) + gen.count(later)
