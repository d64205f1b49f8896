"""The typed cell: shape inference gives every node of the equations a shape,
keyed by the node itself, and the later stages read it instead of inferring again."""

import doctest

import pytest

import symcount
from conftest import builtin_cells
from symcount import functions, ir, shapes, visit
from symcount.poly import Poly
from symcount.shapes import results

m, n = Poly.symbol("m"), Poly.symbol("n")

HEADER = "cell t(m, n)\n input x : m\n state h : n\n"


def load(body: str, header: str = HEADER) -> symcount.Cell:
    return symcount.loads(header + body + "\nend\n")[0]


def nodes(cell: symcount.Cell):
    """Every node of the equations shapes are inferred from (the defs inlined)."""
    for eq in cell.scope.equations:
        yield from ir.walk(eq.expr)


def check_every_node_typed(cell: symcount.Cell) -> None:
    """Every node has its sizes; a parameter's name has the parameter's shape
    (test_properties checks this on generated cells too)."""
    typed = cell.shapes
    declared = cell.scope.declared
    params = {p.name: p for p in typed.params}
    for node in nodes(cell):
        shape = typed.shape_of(node)
        assert isinstance(shape, tuple) and all(isinstance(size, Poly) for size in shape)
        if isinstance(node, ir.Name) and node.name in params:
            kind = declared[node.name].kind if node.name in declared else None
            if kind not in (ir.Kind.DIAG, ir.Kind.BLOCKDIAG):  # those as applied: (n, n)
                assert shape == params[node.name].shape, node.name


@pytest.mark.parametrize("name", builtin_cells())
def test_every_node_of_every_builtin_has_a_shape(name):
    check_every_node_typed(symcount.builtin(name))


def test_shapes_of_values_weights_and_scalars():
    cell = load("param D : diag(n)\n g = sum(D @ h) * 2\n h' = tanh(W @ x + g * h + b)")
    typed = cell.shapes
    g, update = (eq.expr for eq in cell.scope.equations)
    assert typed.shape_of(g) == () and typed.shape_of(g.factors[1]) == ()
    matmul = g.factors[0].args[0]
    assert typed.shape_of(matmul) == (n,) and typed.shape_of(matmul.matrix) == (n, n)
    weighted, product, bias = update.args[0].terms
    assert typed.shape_of(weighted.matrix) == (n, m) and typed.shape_of(weighted.vector) == (m,)
    assert typed.shape_of(product) == (n,) and typed.shape_of(bias) == (n,)


def test_heads_and_a_tensor_state():
    cell = symcount.builtin("xlstm.mlstm_cell")
    H, d = Poly.symbol("H"), Poly.symbol("d")
    typed = cell.shapes
    found = {}
    for node in nodes(cell):
        if isinstance(node, ir.Call) and node.func in ("heads", "outer", "flat"):
            found.setdefault(node.func, typed.shape_of(node))
            if node.func == "heads":
                assert typed.shape_of(node.args[1]) == ()  # a size argument is a number
    assert found == {"heads": (H, d), "outer": (H, d, d), "flat": (H * d,)}


def test_a_def_called_on_values_of_two_sizes_has_a_shape_per_call_site():
    cell = load("def g(a) = tanh(a) * 2\n y = g(x)\n h' = g(h)")
    typed = cell.shapes
    at_x, at_h = (eq.expr for eq in cell.scope.equations)
    assert at_x.span == at_h.span  # both copies of the body keep its place in the text
    assert typed.shape_of(at_x) == (m,) and typed.shape_of(at_h) == (n,)
    assert typed.shape_of(at_x.factors[0]) == (m,) and typed.shape_of(at_h.factors[0]) == (n,)
    assert at_x.factors[1] is at_h.factors[1]  # a leaf may be shared: one shape
    with pytest.raises(KeyError, match="shapes were not inferred for it"):
        typed.shape_of(cell.scope.functions["g"].expr)  # the body as written: never inferred


def test_equal_nodes_at_two_places_are_two_entries():
    cell = load("def g(a) = a + U @ h\n y = g(W @ x)\n h' = g(V @ h)")
    first, second = (eq.expr.terms[1] for eq in cell.scope.equations)
    assert first == second and first is not second  # equal values, two nodes
    assert first in cell.shapes.types and second in cell.shapes.types
    assert len(cell.shapes.types) == len({id(node) for node in nodes(cell)})  # U, h: shared leaves


def test_a_node_of_another_cell_has_no_shape():
    cell, other = load("h' = tanh(W @ x)"), load("h' = tanh(W @ x)")
    with pytest.raises(KeyError):
        cell.shapes.shape_of(other.scope.equations[0].expr)


# ---- which `a @ B` read aᵀB, by node ----

ROWS = "cell t(H, d)\n input q : H*d\n state C : (H, d, d)\n state v : (H, d)\n C' = 0.5 * C\n"


def test_a_def_reads_transposed_per_call_site():
    cell = load("def dot(a, b) = a @ b\n r = dot(heads(q, H), C)\n s = dot(C, heads(q, H))\n v' = r + s", ROWS)
    typed = cell.shapes
    row, column = (eq.expr for eq in cell.scope.equations[1:3])
    assert typed.reads_transposed(row) and not typed.reads_transposed(column)
    # The body, as printed, reads aᵀb only where every call does.
    assert not typed.reads_transposed(cell.scope.functions["dot"].expr)


def test_a_def_that_reads_transposed_at_every_call_prints_the_transpose():
    cell = load("def dot(a, b) = a @ b\n r = dot(heads(q, H), C)\n v' = r + dot(v, C)", ROWS)
    assert cell.shapes.reads_transposed(cell.scope.functions["dot"].expr)
    assert r"\operatorname{dot}(a, b) &= a^\top b" in cell.latex(equations=True)


def test_a_row_product_beside_a_def_call_reads_transposed():
    cell = load("param w : m\n def f(a) = 2 * a\n g = w @ x + f(sum(h))\n h' = g * h")
    written = cell.ir.equations[0].expr.terms[0]
    assert cell.shapes.reads_transposed(written)
    assert r"g_t &= w^\top x_t + f(\mathbf{1}^\top h_{t-1})" in cell.latex(equations=True)


# ---- the rules: a visitor, a rule per function or category ----


@pytest.mark.parametrize("name", sorted(functions.TABLE))
def test_every_function_has_a_shape_rule(name):
    assert shapes.handles(name)


def test_a_function_without_a_rule_is_unsupported(monkeypatch):
    monkeypatch.delitem(shapes._CALL_RULES, "outer")
    with pytest.raises(visit.Unsupported, match=r"outer\(\)"):
        load("h' = tanh(W @ sum(outer(x, x)))")


# ---- inference runs once per cell and sizes ----


@pytest.fixture
def inferences(monkeypatch):
    calls = []
    infer = shapes.infer

    def counting(scope, input_sizes=None, given=None, rename=None):
        calls.append({**(input_sizes or {}), **(given or {})})
        return infer(scope, input_sizes, given, rename)

    monkeypatch.setattr(shapes, "infer", counting)
    return calls


def test_no_stage_infers_again_for_the_same_sizes(inferences):
    cell = load("h' = tanh(W @ x + U @ h + b)", "cell same(n)\n input x : n\n state h : n\n")
    assert len(inferences) == 1
    for used in (cell, cell.without_biases(), cell.stacked(3), cell.without_biases().stacked("L")):
        used.count, used.summary, used.latex(equations=True, params=True)
    assert len(inferences) == 1  # layer 2 reads n, as layer 1 does: layer 1's typed cell


def test_a_stack_infers_once_more_for_a_layer_that_reads_another_size(inferences):
    stack = load("h' = tanh(W @ x + U @ h + b)").stacked("L", bidirectional=True)
    stack.count, stack.summary, stack.latex(equations=True)
    assert inferences == [{}, {"m": Poly.const(2) * n}]  # the input's size symbol m, at 2*n


def test_docstring_examples():
    result = doctest.testmod(results)
    assert result.failed == 0 and result.attempted > 0
