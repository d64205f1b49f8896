"""Shape inference: sizes solved across the whole cell, parameters read from use."""

import symcount
from conftest import m, n, p


def one(text):
    [cell] = symcount.loads(text)
    return cell


def shapes(cell):
    return {q.name: (q.kind, q.shape) for q in cell.params}


def test_lstm_shapes():
    got = shapes(symcount.builtin("lstm"))
    assert got["W_i"] == ("matrix", (n, m))
    assert got["U_f"] == ("matrix", (n, n))
    assert got["b_o"] == ("vector", (n,))


def test_gate_size_comes_from_a_later_equation():
    # Nothing in f's own equation fixes its size: W's rows are unknown until
    # `c' = f * c` says f has the size of c.
    cell = one("cell c(m, n)\n input x : m\n state c : n\n f = sigmoid(W @ x)\n c' = f * c\nend\n")
    assert shapes(cell)["W"] == ("matrix", (n, m))


def test_shared_parameter_is_counted_once():
    cell = one(
        "cell tied(m, n)\n input x : m\n state h : n\n"
        " a = sigmoid(W @ x + b)\n"
        " g = tanh(W @ x + b)\n"
        " h' = a * g\n"
        "end\n"
    )
    assert [q.name for q in cell.params] == ["W", "b"]
    assert cell.count == m * n + n


def test_concatenation_sizes_add_up():
    cell = one("cell cat(m, n)\n input x : m\n state h : n\n h' = tanh(W @ [x, h, x] + b)\nend\n")
    assert shapes(cell)["W"] == ("matrix", (n, 2 * m + n))


def test_unknown_part_of_a_concatenation_is_solved():
    # [x, g] is pinned to 3n by the declared W; x is n, so g must be 2n,
    # which in turn gives V its rows.
    cell = one(
        "cell part(n)\n input x : n\n state h : n\n param W : (n, 3*n)\n"
        " g = V @ h\n"
        " h' = W @ [x, g]\n"
        "end\n"
    )
    assert shapes(cell)["V"] == ("matrix", (2 * n, n))


def test_declarations_fix_shapes_and_kinds():
    cell = one(
        "cell decl(m, n)\n input x : m\n state h : n\n"
        " param D : diag(n)\n param a : scalar\n param W : (n, m)\n"
        " h' = a * tanh(W @ x) + D @ h\n"
        "end\n"
    )
    got = shapes(cell)
    assert got["a"] == ("scalar", ())
    assert got["D"] == ("diag", (n,))
    assert cell.count == m * n + n + 1


def test_numbers_and_scalars_broadcast():
    cell = one(
        "cell gru_like(m, n)\n input x : m\n state h : n\n param a : scalar\n"
        " z = sigmoid(W @ x)\n"
        " h' = (1 - z) * h + 0.5 * a * z\n"
        "end\n"
    )
    assert shapes(cell)["W"] == ("matrix", (n, m))


def test_polynomial_sizes():
    cell = one("cell conv(k, c)\n input x : k*k*c\n state h : 2*c\n h' = relu(W @ x + b)\nend\n")
    k, c = cell.dims
    assert shapes(cell)["W"] == ("matrix", (2 * c, k**2 * c))


def test_matrix_chain_is_right_associative():
    cell = one(
        "cell low_rank(m, n, p)\n input x : m\n state h : n\n param A : (n, p)\n"
        " h' = tanh(A @ B @ x)\n"
        "end\n"
    )
    assert shapes(cell)["B"] == ("matrix", (p, m))


def test_projection_output_size():
    cell = symcount.builtin("torch.lstm_proj")
    assert cell.output_size == p


def test_gate_attribution():
    cell = symcount.builtin("peephole_lstm")
    gates = {q.name: q.gate for q in cell.params}
    assert gates["P_o"] == "o" and gates["P_i"] == "i"
    rnn = symcount.builtin("rnn")
    assert {q.gate for q in rnn.params} == {"h'"}
