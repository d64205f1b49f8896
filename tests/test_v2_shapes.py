"""Shape inference for the language v2: values of any rank, and what each construct does.

Every expected shape below is worked out by hand from the rules in
HELPERS-V2.md (shapes line up from the left; `W @ v` applies W to v's last
axis; a parameter takes the whole shape of the value beside it; ...).
"""

import pytest
import sympy

import symcount
from conftest import same
from symcount.symbols import size_symbol

H, d, e, n, m, K, N, D, R = (size_symbol(s) for s in "H d e n m K N D R".split())


def cell(header, *lines):
    text = f"cell c({header})\n" + "".join(f"  {line}\n" for line in lines) + "end\n"
    [c] = symcount.loads(text)
    return c


def shapes(c):
    return {p.name: (p.kind, p.shape) for p in c.params}


# ---- elementwise: shapes line up from the left ----


def test_a_per_head_scalar_spreads_over_its_head():
    # f is (H): one forget value per head, over each head's (d, d) memory.
    c = cell(
        "H, d",
        "input x : H*d",
        "state C : (H, d, d)",
        "f = sigmoid(W_f @ x)",
        "C' = f * C",
        "output C",
    )
    assert shapes(c) == {"W_f": ("matrix", (H, H * d))}


def test_a_parameter_beside_a_matrix_value_takes_its_whole_shape():
    # Mamba's A_log: used elementwise next to an (I, N) value, it is (I, N).
    c = cell("D, N", "input u : D", "state h : (D, N)", "h' = exp(A_log) * h + u")
    assert shapes(c) == {"A_log": ("matrix", (D, N))}
    assert same(c.count, D * N)


def test_a_declared_per_channel_bias_repeats_over_a_feature_map():
    c = cell(
        "n, rows",
        "input x : (n, rows, rows)",
        "state h : (n, rows, rows)",
        "param b : n",
        "h' = tanh(x + b)",
    )
    assert shapes(c) == {"b": ("vector", (n,))}


def test_a_vector_value_beside_a_state_of_higher_rank():
    # (H) is the start of (H, d): it repeats over d.
    c = cell("H, d", "input g : H", "state h : (H, d)", "h' = g * h + b")
    assert shapes(c) == {"b": ("matrix", (H, d))}


# ---- @ ----


def test_a_weight_applies_to_the_last_axis():
    c = cell("H, d, n", "input q : (H, n)", "state o : (H, d)", "o' = W @ q")
    assert shapes(c) == {"W": ("matrix", (d, n))}


def test_a_block_diagonal_weight_with_rectangular_blocks():
    # blockdiag(H, a, b) maps H*b to H*a and has H*a*b entries.
    c = cell(
        "H, a, b",
        "input x : H*b",
        "state h : H*a",
        "param R : blockdiag(H, a, b)",
        "h' = tanh(R @ x + U @ h)",
    )
    a, b = size_symbol("a"), size_symbol("b")
    assert shapes(c)["R"] == ("blockdiag", (H, a, b))
    assert same(c.count, H * a * b + (H * a) ** 2)


@pytest.mark.parametrize(
    "equation, shape",
    [
        ("o = C @ heads(x, H)", "(H, d)"),  # (H, d, d) @ (H, d) → (H, d)
        ("o = heads(x, H) @ C", "(H, d)"),  # (H, d) @ (H, d, d) → (H, d)
        ("o = heads(x, H) @ heads(x, H)", "H"),  # a dot product per head
    ],
)
def test_products_of_values(equation, shape):
    # The result's shape shows through the bias beside it.
    c = cell(
        "H, d",
        "input x : H*d",
        "state C : (H, d, d)",
        equation,
        "C' = C",
        "y = o + b",
        "output y",
    )
    expected = tuple(size_symbol(s) for s in shape.strip("()").split(", "))
    assert shapes(c)["b"][1] == expected


# ---- structure ----


def test_outer_heads_flat_and_sum():
    c = cell(
        "H, d",
        "input k : H*d",
        "state C : (H, d, d)",
        "state s : H",
        "kh = heads(k, H)",
        "C' = C + outer(kh, kh * a)",
        "s' = sum(kh) + s",
        "y = flat(C') * w",
        "output y",
    )
    # flat((H, d, d)) is (H, d*d).
    assert shapes(c) == {"a": ("matrix", (H, d)), "w": ("matrix", (H, d**2))}


def test_concatenation_of_matrices_joins_the_last_axis():
    c = cell(
        "H, d",
        "input a : (H, d)",
        "input b : (H, 2*d)",
        "state h : (H, d)",
        "h' = W @ [a, b]",
    )
    assert shapes(c) == {"W": ("matrix", (d, 3 * d))}


def test_slices_have_the_length_between_their_ends():
    c = cell(
        "n, R",
        "input x : n",
        "state h : n",
        "param W_x : (R + 2*n, n)",
        "dbc = W_x @ x",
        "h' = tanh(W_dt @ dbc[0:R] + dbc[R:R + n] * dbc[R + n:R + 2*n])",
    )
    assert shapes(c)["W_dt"] == ("matrix", (n, R))


def test_a_slice_does_not_fix_the_length_of_what_it_slices():
    # The slices' ends say only how long g must at least be; without a
    # declaration W's rows stay unknown.
    with pytest.raises(symcount.SymcountError, match="cannot infer the rows of parameter 'W'"):
        cell("n", "input x : n", "state h : n", "g = W @ x", "h' = g[0:n] + g[n:2*n]")


def test_norms_keep_the_shape_and_count_nothing():
    c = cell(
        "H, d",
        "input x : H*d",
        "state h : H*d",
        "h' = g * layernorm(x) + rmsnorm(h) + batchnorm(x) + groupnorm(h, H) + b",
    )
    assert shapes(c) == {"g": ("vector", (H * d,)), "b": ("vector", (H * d,))}


def test_a_causal_convolution_has_one_row_of_K_per_channel():
    c = cell("n, K", "input x : n", "state h : n", "h' = silu(conv1d(w, x, K) + b)")
    assert shapes(c)["w"] == ("matrix", (n, K))


def test_a_spatial_convolution_kernel():
    c = cell(
        "m, n, k, rows",
        "input x : (m, rows, rows)",
        "state h : (n, rows, rows)",
        "param b : n",
        "h' = tanh(conv(W, x, k) + conv(U, h, k) + b)",
    )
    k = size_symbol("k")
    assert shapes(c)["W"] == ("tensor", (n, m, k, k))
    assert same(c.count, k**2 * n * (m + n) + n)


# ---- sizes ----


def test_an_abbreviation_is_substituted():
    c = cell("E, D", "size I = E*D", "input x : D", "state h : I", "h' = W @ x")
    assert shapes(c) == {"W": ("matrix", (size_symbol("E") * D, D))}


def test_a_derived_size_stays_a_symbol_with_its_definition():
    c = cell("D", "size R = ceil(D / 16)", "input x : D", "state h : R", "h' = W @ x")
    assert same(c.count, R * D)
    assert c.evaluate(D=17) == 2 * 17
    assert c.explicit_count == sympy.ceiling(D / 16) * D


def test_an_exact_division_makes_the_head_size_fit_the_width():
    # size d = e / H means H*d = e: the block-diagonal weight takes x of size
    # e, heads(x, H) are of size d, and x[0:d] fits inside x.
    c = cell(
        "e, H",
        "size d = e / H",
        "input x : e",
        "state h : e",
        "state C : (H, d, d)",
        "param R : blockdiag(H, d, d)",
        "q = heads(x, H)",
        "C' = C + outer(q, q)",
        "h' = tanh(R @ h + W @ x[0:d] + b)",
    )
    assert shapes(c)["R"] == ("blockdiag", (H, d, d))
    assert c.evaluate(e=12, H=3) == 3 * 4 * 4 + 12 * 4 + 12


def test_a_size_symbol_is_a_constant_in_an_expression():
    c = cell("n, d", "input x : n", "state h : n", "h' = tanh(W @ x / sqrt(d) + d * b)")
    assert shapes(c) == {"W": ("matrix", (n, n)), "b": ("vector", (n,))}


def test_a_scalar_input():
    c = cell("n", "input t : scalar", "input x : n", "state h : n", "h' = exp(-t * a) * h + W @ x")
    assert shapes(c) == {"a": ("vector", (n,)), "W": ("matrix", (n, n))}


# ---- parameters of every field ----


def test_complex_and_quaternion_entries_count_as_several_reals():
    c = cell(
        "n, m",
        "input x : m",
        "state h : n",
        "param W : complex(n, m)",
        "param Q : quaternion(n, n)",
        "param c : complex(n)",
        "h' = tanh(W @ x + Q @ h) * c",
    )
    counts = {p.name: p.count for p in c.params}
    assert counts == {"W": 2 * m * n, "Q": 4 * n**2, "c": 2 * n}


# ---- the cell's own functions ----


def test_a_function_is_inlined_and_its_weights_are_shared():
    # `U` inside the def is one parameter however often g is called.
    c = cell(
        "n",
        "input x : n",
        "state h : n",
        "def g(a) = sigmoid(U @ a + b)",
        "h' = g(x) * g(h)",
    )
    assert shapes(c) == {"U": ("matrix", (n, n)), "b": ("vector", (n,))}


def test_a_function_may_call_the_ones_above_it():
    c = cell(
        "H, d",
        "input x : H*d",
        "state C : (H, d, d)",
        "def split(v, k) = heads(v, k)",
        "def mem(v) = outer(split(v, H), split(v, H))",
        "C' = f * C + mem(x)",
    )
    assert shapes(c) == {"f": ("tensor", (H, d, d))}


# ---- the order of the equations never changes a shape ----

ORDERS = [
    # b beside x (n) and beside M (n, m): the smallest, n, repeating over m beside M.
    (
        "n, m",
        ("input x : n", "input M : (n, m)", "state h : (n, m)"),
        ("g1 = b * x", "g2 = b * M"),
        "h' = g2 + g1",
        {"b": ("vector", (n,))},
    ),
    # b is the operand of a diagonal weight (H) and divides a matrix (H, d).
    (
        "H, d",
        ("input M : (H, d)", "state h : (H, d)", "param D : diag(H)"),
        ("g2 = M / b", "g1 = D @ b"),
        "h' = g2 + g1",
        {"D": ("diag", (H,)), "b": ("vector", (H,))},
    ),
    # A per-head gate beside the memory and beside another per-head value.
    (
        "H, d",
        ("input x : H*d", "input f : H", "state C : (H, d, d)"),
        ("g1 = a * C", "g2 = a + f"),
        "C' = g1 * g2",
        {"a": ("vector", (H,))},
    ),
]


@pytest.mark.parametrize("header, declarations, gates, update, expected", ORDERS)
def test_a_parameter_has_one_shape_whatever_the_order(header, declarations, gates, update, expected):
    forward = cell(header, *declarations, *gates, update)
    backward = cell(header, *declarations, *reversed(gates), update)
    assert shapes(forward) == shapes(backward) == expected
