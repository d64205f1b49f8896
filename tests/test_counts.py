"""Closed-form counts: the worked examples people ask about, and every built-in."""

import re

import pytest
import sympy

import symcount
from conftest import accepted_sizes, doc_script, m, n, p, same

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


H, d, K, D, E, N, R, k, e = sympy.symbols("H d K D E N R k e", integer=True, positive=True)
rows, cols = sympy.symbols("rows cols", integer=True, positive=True)

# Language v2: research cells, each checked against its real module in
# tests/test_research.py; these are the closed forms of docs/builtins.md's table.
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


# Textbook forms of the same families, each counted by hand from its paper's
# equations (the .cell file names them), parameter by parameter.
PAPERS = {
    # W_z, W_i, W_f, W_o (H*d x e); R_* block-diagonal, H blocks of d x d; b_* (H*d)
    "slstm": 4 * H * d * e + 4 * H * d**2 + 4 * H * d,
    # W_q, W_k, W_v, W_o (d x e) and their biases; scalar gates: w_i, w_f (e), b_i, b_f (1)
    "mlstm": 4 * d * e + 4 * d + 2 * e + 2,
    # W_B, W_C (N x D); A (D x N); Delta's rank-R projection W_R (R x D), W_Delta (D x R)
    # and its bias (D). R = ceil(D/16) stays a symbol of its own in the count.
    "s6": 3 * D * N + 2 * D * R + D,
    # W_z, W_h (n x m) and their biases
    "mingru": 2 * (n * m + n),
    # W_f, W_i, W_h (n x m) and their biases
    "minlstm": 3 * (n * m + n),
    # W_h (4n x n), W_x (4n x m), b (4n); two LNs over 4n (gain, bias), one over n
    "ln_lstm": 4 * n * m + 4 * n**2 + 4 * n + 2 * 2 * 4 * n + 2 * n,
    # 4 input kernels (n, m, k, k), 4 recurrent ones (n, n, k, k), 3 per-pixel
    # peepholes (n, rows, cols), 4 per-channel biases
    "conv_lstm": 4 * k**2 * m * n + 4 * k**2 * n**2 + 3 * n * rows * cols + 4 * n,
    # W_a, W_x (D x D), b_a, b_x, Lambda (D)
    "rglru": 2 * D**2 + 3 * D,
    # W_z, W_h (n x m), U_z, U_h (n x n), batch-norm gains and shifts (n each, per gate)
    "ligru": 2 * n * m + 2 * n**2 + 4 * n,
}

# xLSTM's mLSTM layer and its blocks, as the package builds them, each checked against
# the real module in tests/test_xlstm_blocks.py. Their widths are derived sizes (below):
# I, p*e rounded up to a multiple of 64, split into nb = I/B blocks of B x B (q, k, v);
# F, the sLSTM block's feed-forward width, 1.3*H*d rounded up to a multiple of 64.
B, F, inner, nb = sympy.symbols("B F I nb", integer=True, positive=True)
MLSTM_LAYER = 3 * inner * e + 3 * B**2 * nb + inner * K + 6 * H * inner + 3 * inner + 2 * H
BLOCKS = {
    # proj_up (2I x e), proj_down (e x I), q, k, v (nb blocks of B x B), conv1d (I x K and
    # its bias I), igate and fgate (H x 3I and H each), outnorm I, learnable_skip I
    "xlstm.mlstm_layer": MLSTM_LAYER,
    # the layer and the pre-norm's weight (e)
    "xlstm.mlstm_block": MLSTM_LAYER + e,
    # xlstm.slstm_layer, the two norms' weights (H*d each), proj_up (2F x H*d), proj_down (H*d x F)
    "xlstm.slstm_block": RESEARCH["xlstm.slstm_layer"] + 2 * H * d + 3 * F * H * d,
}
ROUNDED = 64 * sympy.ceiling(e * p / 64)  # I, as the definitions of dh and nb write it out
MLSTM_SIZES = {"I": ROUNDED, "dh": ROUNDED / H, "nb": ROUNDED / B}

# Derived sizes (`size R = ceil(D / 16)`) and their definitions, per built-in.
DERIVED = {
    "s6": {"R": sympy.ceiling(D / 16)},
    "xlstm.mlstm_layer": MLSTM_SIZES,
    "xlstm.mlstm_block": MLSTM_SIZES,
    "xlstm.slstm_block": {"F": 64 * sympy.ceiling(13 * H * d / 640)},
}


@pytest.mark.parametrize("name, expected", {**TEXTBOOK, **FRAMEWORK, **RESEARCH, **PAPERS, **BLOCKS}.items())
def test_builtin_formula(name, expected):
    cell = symcount.builtin(name)
    assert same(cell.count, expected)
    assert same(cell.factored, expected)
    assert same(sum(q.count for q in cell.params), cell.count)
    assert same(sum(cell.gates.values()), cell.count)


# The built-in models, each counted against its reference network and its closed form
# in tests/test_reference_models.py.
MODELS = {
    "zaremba_lm", "tied_lm", "awd_lstm", "bigru_classifier", "bahdanau", "deep_lstm_skip",
    "deep_lstm_skip_lm", "xlstm_stack",
}


def test_every_builtin_is_covered():
    cells = set(TEXTBOOK) | set(FRAMEWORK) | set(RESEARCH) | set(PAPERS) | set(BLOCKS)
    assert set(symcount.builtins()) == cells | MODELS


@pytest.mark.parametrize("name", [*PAPERS, *BLOCKS])
def test_v2_forms_have_their_derived_sizes(name):
    cell = symcount.builtin(name)
    want = DERIVED.get(name, {})
    assert set(cell.derived_exprs) == set(want)
    for size, definition in want.items():
        assert same(cell.derived_exprs[size], definition)


def test_documented_table_of_v2_builtins_gives_their_counts():
    # docs/builtins.md, "Cells of current research": one row per research and
    # textbook v2 built-in, its count in sympy syntax (parsed here with the
    # cell's own symbols: E and N would otherwise be sympy's constant and function).
    section = doc_script("pages").section("builtins.md", "Cells of current research")
    rows = re.findall(r"^\| `([\w.]+)` \| [^|]+ \| [^|]+ \| `([^`|]+)` \|$", section, re.M)
    listed = dict(rows)
    assert len(listed) == len(rows)
    assert set(listed) == set(RESEARCH) | set(PAPERS) | set(BLOCKS)
    for name, formula in listed.items():
        cell = symcount.builtin(name)
        symbols = {str(sym): sym for sym in cell.count.free_symbols}
        assert same(sympy.sympify(formula, locals=symbols), cell.count), name


def test_s6_counts_dt_rank_from_its_definition():
    # R = ceil(D/16): D = 16 gives R = 1, D = 17 gives R = 2 (the rank rounds up).
    s6 = symcount.builtin("s6")
    for D_, N_, R_ in ((16, 4, 1), (17, 4, 2), (64, 16, 4), (1, 1, 1)):
        assert s6.evaluate(D=D_, N=N_) == 3 * D_ * N_ + 2 * D_ * R_ + D_


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
            sizes = accepted_sizes(cell, {str(d): value + i for i, d in enumerate(cell.dims)}, f"{name} {value}")
            # explicit_count writes derived sizes out (R as ceiling(D/16)).
            by_subs = cell.explicit_count.subs({d: sizes[str(d)] for d in cell.dims})
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
