"""Closed-form counts: the worked examples people ask about, and every built-in."""

import pytest
import sympy

import symcount
from conftest import m, n, p, same

TEXTBOOK = {
    "rnn": n * m + n**2 + n,
    "lstm": 4 * (n * m + n**2 + n),
    "peephole_lstm": 4 * (n * m + n**2 + n) + 3 * n,
    "cifg": 3 * (n * m + n**2 + n),
    "gru": 3 * (n * m + n**2 + n),
    "mgu": 2 * (n * m + n**2 + n),
    "indrnn": n * m + 2 * n,
}

FRAMEWORK = {
    "torch.rnn": n * m + n**2 + 2 * n,
    "torch.lstm": 4 * (n * m + n**2 + 2 * n),
    "torch.gru": 3 * (n * m + n**2 + 2 * n),
    "torch.lstm_proj": 4 * n * m + 4 * n * p + 8 * n + p * n,
    "keras.simple_rnn": n * m + n**2 + n,
    "keras.lstm": 4 * (n * m + n**2 + n),
    "keras.gru": 3 * (n * m + n**2 + 2 * n),
    "keras.gru_v1": 3 * (n * m + n**2 + n),
}


H, d, K, D, E, N, R, k = sympy.symbols("H d K D E N R k", integer=True, positive=True)

# Language v2 (SPEC §6): research cells, each checked against its real module in
# tests/test_research.py; these are the closed forms SPEC's table gives.
RESEARCH = {
    "xlstm.slstm_layer": 8 * H * d**2 + H * d * K + 6 * H * d,
    "xlstm.mlstm_cell": 6 * H**2 * d + H * d + 2 * H,
    "mambapy.mamba_block": 3 * E * D**2 + E * D * K + 2 * E * D * R + 3 * E * D * N + 3 * E * D,
    "mingru_pytorch.mingru": 2 * n**2,
    "mingru_pytorch.minlstm": 3 * n**2,
    "speechbrain.ligru": 2 * m * n + 2 * n**2 + 4 * n,
    "sru.sru_layernorm": 4 * m * n + 4 * n + 2 * m,
    "keras.conv_lstm2d": 4 * n * k**2 * (m + n) + 4 * n,
}


@pytest.mark.parametrize("name, expected", {**TEXTBOOK, **FRAMEWORK, **RESEARCH}.items())
def test_builtin_formula(name, expected):
    cell = symcount.builtin(name)
    assert same(cell.count, expected)
    assert same(cell.factored, expected)
    assert same(sum(q.count for q in cell.params), cell.count)
    assert same(sum(cell.gates.values()), cell.count)


def test_every_builtin_is_covered():
    assert set(symcount.builtins()) == set(TEXTBOOK) | set(FRAMEWORK) | set(RESEARCH)


def test_keras_lstm_two_units_three_inputs_has_48():
    assert symcount.builtin("keras.lstm").evaluate(m=3, n=2) == 48
    assert symcount.builtin("lstm").evaluate(m=3, n=2) == 48


def test_lstm_m25_n100_is_50400():
    assert symcount.builtin("lstm").evaluate(m=25, n=100) == 50_400


def test_textbook_lstm_and_gru_forms():
    assert same(symcount.builtin("lstm").count, 4 * (n * m + n**2 + n))
    assert same(symcount.builtin("gru").count, 3 * (n * m + n**2 + n))


def test_peephole_adds_3n():
    diff = symcount.builtin("peephole_lstm").count - symcount.builtin("lstm").count
    assert same(diff, 3 * n)


def test_expanded_and_factored_forms():
    cell = symcount.builtin("lstm")
    assert cell.count == sympy.expand(cell.count)
    assert cell.factored == 4 * n * (m + n + 1)
    assert str(cell.count) == "4*m*n + 4*n**2 + 4*n"


def test_symbols_are_positive_integers():
    m_sym, n_sym = symcount.builtin("lstm").dims
    assert m_sym.is_integer and m_sym.is_positive
    # a user's own symbols are the same objects, so formulas cancel
    mine = sympy.Symbol("n", integer=True, positive=True)
    assert (
        sympy.expand(
            symcount.builtin("rnn").count.subs(mine, 1) - symcount.builtin("rnn").count.subs(n, 1)
        )
        == 0
    )


def test_evaluate_agrees_with_substitution_at_several_points():
    for name in symcount.builtins():
        cell = symcount.builtin(name)
        for value in (1, 7, 64):
            sizes = {str(d): value + i for i, d in enumerate(cell.dims)}
            by_subs = cell.count.subs({d: sizes[str(d)] for d in cell.dims})
            assert cell.evaluate(**sizes) == int(by_subs)


def test_evaluate_rejects_bad_sizes():
    cell = symcount.builtin("lstm")
    with pytest.raises(ValueError, match="missing n"):
        cell.evaluate(m=3)
    with pytest.raises(ValueError, match="unknown k"):
        cell.evaluate(m=3, n=2, k=1)
    with pytest.raises(ValueError, match="positive integer"):
        cell.evaluate(m=0, n=2)


def test_custom_cell_from_text():
    [cell] = symcount.loads(
        'cell mine(m, n) "two-gate toy"\n'
        "  input x : m\n  state h : n\n"
        "  a = sigmoid(W_a @ [x, h] + b_a)\n"
        "  h' = a * h + (1 - a) * tanh(W_h @ x)\n"
        "end\n"
    )
    assert cell.description == "two-gate toy"
    assert same(cell.count, n * (m + n) + n + n * m)
    assert cell.evaluate(m=4, n=3) == 3 * 7 + 3 + 12
