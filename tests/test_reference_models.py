"""The reference networks of tests/reference_models.py: each runs one batch, and its
parameter count is the closed form worked out by hand from its source, at seeded
random sizes and at the sizes its paper or tutorial reports.

The closed forms (`CLOSED_FORMS`) are what symcount's example models must give;
each comment lists the parameters it adds up. The built-in models
(symcount/cells/*.cell) must count as the same networks.
"""

import math
import random

import pytest

import symcount

torch = pytest.importorskip("torch")
import reference_models as ref  # noqa: E402 (after the skip: it imports torch)


def lstm(i: int, n: int) -> int:
    """nn.LSTM(i, n), one layer one way: weight_ih (4n x i), weight_hh (4n x n), b_ih, b_hh (4n)."""
    return 4 * n * (i + n) + 8 * n


def gru(i: int, n: int) -> int:
    """nn.GRU(i, n), one layer one way: weight_ih (3n x i), weight_hh (3n x n), b_ih, b_hh (3n)."""
    return 3 * n * (i + n) + 6 * n


def zaremba_lm(V, n, L):
    # encoder V*n; L LSTM layers n -> n, 8n^2 + 8n each; decoder weight V*n and bias V
    return 2 * V * n + V + 8 * L * n**2 + 8 * L * n


def tied_lm(V, n, L):
    # as zaremba_lm, the decoder's weight the encoder's: its bias V only
    return V * n + V + 8 * L * n**2 + 8 * L * n


def awd_lstm(V, e, n, L):
    # encoder V*e (the decoder's weight too), decoder bias V; LSTM(e, n): 4ne + 4n^2 + 8n;
    # (L - 2) LSTM(n, n): 8n^2 + 8n each; LSTM(n, e): 4en + 4e^2 + 8e
    # (weight_hh_l0_raw replaces weight_hh_l0: the same 4n x n)
    return V * e + V + 4 * e**2 + 8 * e * n + 8 * e + (8 * L - 12) * n**2 + (8 * L - 8) * n


def bigru_classifier(V, e, n, L, C):
    # embedding V*e; layer 1, two directions of GRU(e, n): 2*(3ne + 3n^2 + 6n);
    # layers 2..L read both directions, 2n: 2*(9n^2 + 6n) each; Linear(2n, C): 2nC + C
    return V * e + 6 * e * n + 6 * n**2 + 12 * n + (L - 1) * (18 * n**2 + 12 * n) + 2 * n * C + C


def bahdanau(Vs, Vt, e, n, d):
    # encoder: embedding Vs*e, bidirectional GRU(e, n) 6ne + 6n^2 + 12n, fc Linear(2n, d) 2nd + d;
    # attention: attn Linear(2n + d, d) 2nd + d^2 + d, v Linear(d, 1, bias=False) d;
    # decoder: embedding Vt*e, GRU(2n + e, d) 6nd + 3de + 3d^2 + 6d,
    # fc_out Linear(2n + d + e, Vt) (2n + d + e)*Vt + Vt
    return (e * Vs + 2 * e * Vt + 2 * n * Vt + d * Vt + Vt + 6 * e * n + 6 * n**2 + 12 * n
            + 10 * n * d + 3 * d * e + 4 * d**2 + 9 * d)  # fmt: skip


def deep_lstm_skip(m, n, L):
    # hk.LSTM: one Linear(in + n -> 4n) with bias, 4n(in + n) + 4n; layer 1 in = m,
    # layers 2..L in = m + n
    return 4 * L * m * n + (8 * L - 4) * n**2 + 4 * L * n


def deep_lstm_skip_lm(V, m, n, L):
    # embedding V*m, the stack, Linear(L*n, V) with bias
    return V * m + deep_lstm_skip(m, n, L) + L * n * V + V


def up_width(factor, E: int) -> int:
    """xlstm's UpProjConfigMixin: factor*E rounded up to a multiple of 64 (xlstm/utils.py)."""
    return 64 * math.ceil(factor * E / 64)


def xlstm_stack(E, B, ratio=7, Hm=4, Hs=4, K=4, p=2, Q=4):
    # I = up_width(p, E). An mLSTM block: xlstm_norm E; proj_up 2EI, proj_down EI;
    # q, k, v I/Q blocks of Q x Q: 3QI; conv1d IK + I; igate, fgate 3I*Hm + Hm each;
    # outnorm I; learnable_skip I. No bias anywhere else (the stack's bias=False).
    inner = up_width(p, E)
    mlstm_block = E + 3 * E * inner + 3 * Q * inner + K * inner + 6 * Hm * inner + 3 * inner + 2 * Hm
    # An sLSTM block, d = E/Hs, F = up_width(1.3, E): xlstm_norm E; conv1d EK + E;
    # i, f, z, o gates Hs blocks of d x d: 4Ed; recurrent kernel 4Ed; bias 4E; group
    # norm E; ffn_norm E; proj_up 2EF, proj_down EF (bias=False).
    d, F = E // Hs, up_width(1.3, E)
    slstm_block = 8 * E + 8 * E * d + E * K + 3 * E * F
    # ratio*B mLSTM blocks, B sLSTM blocks, post_blocks_norm E
    return ratio * B * mlstm_block + B * slstm_block + E


# name -> (the builder, the closed form, each size's range)
CLOSED_FORMS = {
    "zaremba_lm": (ref.build_zaremba_lm, zaremba_lm, {"V": (1, 60), "n": (1, 16), "L": (1, 4)}),
    "tied_lm": (ref.build_tied_lm, tied_lm, {"V": (1, 60), "n": (1, 16), "L": (1, 4)}),
    "awd_lstm": (ref.build_awd_lstm, awd_lstm, {"V": (1, 60), "e": (1, 12), "n": (1, 16), "L": (2, 5)}),
    "bigru_classifier": (
        ref.build_bigru_classifier,
        bigru_classifier,
        {"V": (1, 60), "e": (1, 12), "n": (1, 16), "L": (1, 4), "C": (1, 6)},
    ),
    "bahdanau": (ref.build_bahdanau, bahdanau, {"Vs": (1, 60), "Vt": (1, 60), "e": (1, 12), "n": (1, 12), "d": (1, 12)}),
    "deep_lstm_skip": (ref.build_deep_lstm_skip, deep_lstm_skip, {"m": (1, 12), "n": (1, 16), "L": (1, 5)}),
    "deep_lstm_skip_lm": (
        ref.build_deep_lstm_skip_lm,
        deep_lstm_skip_lm,
        {"V": (1, 60), "m": (1, 12), "n": (1, 16), "L": (1, 5)},
    ),
}
TRIALS = 5


def draws(name: str) -> list[dict]:
    rng = random.Random(f"reference {name}")
    ranges = CLOSED_FORMS[name][2]
    return [{s: rng.randint(lo, hi) for s, (lo, hi) in ranges.items()} for _ in range(TRIALS)]


CASES = [(name, sizes) for name in CLOSED_FORMS for sizes in draws(name)]


@pytest.mark.parametrize("name, sizes", CASES, ids=[f"{n}{s}" for n, s in CASES])
def test_the_count_is_the_closed_form(name, sizes):
    build, formula, _ = CLOSED_FORMS[name]
    assert ref.numel(build(**sizes)) == formula(**sizes)


@pytest.mark.parametrize(
    "name, sizes, reported",
    [
        # Zaremba et al. 2014, PTB (10,000 words): medium (650 units) ~20M, large (1500) ~66M
        ("zaremba_lm", {"V": 10_000, "n": 650, "L": 2}, 19_780_400),
        ("zaremba_lm", {"V": 10_000, "n": 1500, "L": 2}, 66_034_000),
        # AWD-LSTM on WikiText-2 (33,278 words): main.py's "Model total parameters: 33556078"
        # (salesforce/awd-lstm-lm issue #88); on PTB (10,000 words), the paper's 24M
        ("awd_lstm", {"V": 33_278, "e": 400, "n": 1150, "L": 3}, 33_556_078),
        ("awd_lstm", {"V": 10_000, "e": 400, "n": 1150, "L": 3}, 24_221_600),
        # the notebook's "The model has 20,518,405 trainable parameters"
        ("bahdanau", {"Vs": 7853, "Vt": 5893, "e": 256, "n": 512, "d": 512}, 20_518_405),
    ],
    ids=["zaremba-medium", "zaremba-large", "awd-wt2", "awd-ptb", "bahdanau-notebook"],
)
def test_the_counts_their_sources_report(name, sizes, reported):
    build, formula, _ = CLOSED_FORMS[name]
    assert formula(**sizes) == reported
    with torch.device("meta"):  # shapes only: no memory for 66M parameters
        assert ref.numel(build(**sizes)) == reported


def tokens(vocabulary: int, *shape: int):
    return torch.randint(0, vocabulary, shape)


def test_the_language_models_run_and_tie():
    for build in (ref.build_zaremba_lm, ref.build_tied_lm):
        model = build(V=11, n=6, L=2).eval()
        out, _ = model(tokens(11, 5, 3), model.init_hidden(3))
        assert out.shape == (15, 11)
    tied = ref.build_tied_lm(V=11, n=6, L=2)
    assert tied.decoder.weight is tied.encoder.weight
    assert ref.numel(tied) == ref.numel(ref.build_zaremba_lm(V=11, n=6, L=2)) - 11 * 6
    with pytest.raises(ValueError, match="nhid must be equal to emsize"):
        ref.WordLanguageModel("LSTM", 11, 4, 6, 2, tie_weights=True)


def test_awd_lstm_runs_with_its_raw_recurrent_weights():
    model = ref.build_awd_lstm(V=13, e=4, n=7, L=3)
    names = [name for name, _ in model.named_parameters()]
    assert "rnns.0.module.weight_hh_l0_raw" in names and "rnns.0.module.weight_hh_l0" not in names
    before = ref.numel(model)
    out, _ = model.train()(tokens(13, 5, 2), model.init_hidden(2))
    assert out.shape == (10, 4) and model.decoder(out).shape == (10, 13)
    # In eval mode dropout returns the raw Parameter itself, which setattr registers as
    # weight_hh_l0: the same tensor, so the count stays (and a later train() forward
    # raises TypeError, awd-lstm-lm issue #114, on any PyTorch since 1.0).
    model.eval()(tokens(13, 5, 2), model.init_hidden(2))
    assert ref.numel(model) == before
    with pytest.raises(ValueError, match="L >= 2"):
        ref.build_awd_lstm(V=13, e=4, n=7, L=1)


def test_the_classifier_and_the_translator_run():
    classifier = ref.build_bigru_classifier(V=17, e=5, n=6, L=2, C=3).eval()
    assert classifier(tokens(17, 4, 7)).shape == (4, 3)
    translator = ref.build_bahdanau(Vs=17, Vt=19, e=5, n=6, d=7).eval()
    assert translator(tokens(17, 6, 2), tokens(19, 4, 2)).shape == (4, 2, 19)


def test_the_skip_stack_reads_the_input_at_every_layer():
    stack = ref.build_deep_lstm_skip(m=3, n=5, L=3)
    assert [layer.linear.in_features for layer in stack.layers] == [3 + 5, 3 + 5 + 5, 3 + 5 + 5]
    out, state = stack(torch.randn(2, 3), stack.initial_state(2))
    assert out.shape == (2, 15) and len(state) == 3
    model = ref.build_deep_lstm_skip_lm(V=11, m=3, n=5, L=3)
    assert model(tokens(11, 2, 4)).shape == (2, 4, 11)


# ---- the xLSTM stack: the real package ----

def xlstm_draws() -> list[dict]:
    """E a multiple of the sLSTM's 4 heads; mLSTM heads Hm and q/k/v blocks Q powers of
    two up to 8, which divide every inner width (a multiple of 64)."""
    rng = random.Random("reference xlstm_stack")
    found = []
    for _ in range(TRIALS):
        E, B, K = 4 * rng.randint(1, 24), rng.randint(1, 2), rng.randint(1, 4)
        found.append({"E": E, "B": B, "Hm": 2 ** rng.randint(0, 3), "K": K, "Q": 2 ** rng.randint(0, 3)})
    return found


@pytest.mark.parametrize("sizes", xlstm_draws(), ids=str)
def test_the_xlstm_stack_is_the_closed_form(sizes):
    pytest.importorskip("xlstm")
    assert ref.numel(ref.build_xlstm_stack(**sizes)) == xlstm_stack(**sizes)


def test_the_xlstm_stack_has_its_block_ratio_and_runs():
    pytest.importorskip("xlstm")
    from xlstm import mLSTMBlock, sLSTMBlock

    stack = ref.build_xlstm_stack(E=16, B=2, ratio=3)
    kinds = [type(block) for block in stack.blocks]
    assert kinds == ([mLSTMBlock] * 3 + [sLSTMBlock]) * 2
    assert ref.numel(stack) == xlstm_stack(E=16, B=2, ratio=3)
    with torch.no_grad():
        assert stack(torch.randn(2, 5, 16)).shape == (2, 5, 16)


def test_the_feed_forward_width_rounds_as_xlstm_does():
    # 1.3*E in floating point, then ceil: for every E up to 200,000 the same as the
    # exact ceil(13*E/640) that a .cell file's `size F = 64 * ceil(13 * H * d / 640)` computes.
    assert all(math.ceil(1.3 * E / 64) == -(-13 * E // 640) for E in range(1, 200_001))


# ---- the built-in models (symcount/cells/*.cell) count as the reference networks ----


@pytest.mark.parametrize("name, sizes", CASES, ids=[f"{n}{s}" for n, s in CASES])
def test_the_builtin_model_counts_as_the_network(name, sizes):
    """Each example model at random sizes, a symbolic number of layers included: the
    closed form at L = k is the network with k layers."""
    assert symcount.builtin(name).evaluate(**sizes) == ref.numel(CLOSED_FORMS[name][0](**sizes))


@pytest.mark.parametrize("name", list(CLOSED_FORMS))
def test_the_builtin_model_is_the_closed_form(name):
    """Symbolically: the model's count minus the hand-derived closed form is 0."""
    import sympy

    model = symcount.builtin(name)
    symbols = {str(d): d for d in model.dims}
    assert sympy.expand(model.count - CLOSED_FORMS[name][1](**symbols)) == 0


@pytest.mark.parametrize(
    "name, sizes, reported",
    [
        ("zaremba_lm", {"V": 10_000, "n": 650, "L": 2}, 19_780_400),
        ("awd_lstm", {"V": 33_278, "e": 400, "n": 1150, "L": 3}, 33_556_078),
        ("awd_lstm", {"V": 10_000, "e": 400, "n": 1150, "L": 3}, 24_221_600),
        ("bahdanau", {"Vs": 7853, "Vt": 5893, "e": 256, "n": 512, "d": 512}, 20_518_405),
    ],
)
def test_the_builtin_models_give_the_counts_their_sources_report(name, sizes, reported):
    assert symcount.builtin(name).evaluate(**sizes) == reported


@pytest.mark.parametrize("sizes", [{"H": 4, "d": 8, "B": 1}, {"H": 2, "d": 16, "B": 2}, {"H": 4, "d": 24, "B": 1}])
def test_the_builtin_xlstm_stack_counts_as_the_package(sizes):
    """xLSTM[7:1]: 7B mLSTM blocks and B sLSTM blocks and the post-blocks norm."""
    stack = ref.build_xlstm_stack(E=sizes["H"] * sizes["d"], B=sizes["B"], Hs=sizes["H"])
    assert symcount.builtin("xlstm_stack").evaluate(**sizes) == ref.numel(stack)
