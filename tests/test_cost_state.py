"""`state_bytes` against the state real layers return and carry, at random sizes.

symcount's state is what a sequence carries from one step to the next: every
state's entries, tensor states too, and for each `conv1d` over K steps the K - 1
inputs before this one on each channel (docs/costs.md, "Memory"). In fp32 the
bytes are 4 an entry, so `state_bytes / 4` must be the entries of the state each
real layer returns after a step, per sequence of the batch: PyTorch's h_n and c_n
(layers, directions, proj_size), Keras' return_state, mambapy's step cache,
xlstm's step states, mingru-pytorch's next hidden state, speechbrain's and sru's
last states, Keras ConvLSTM2D's maps.
"""

import os
import random

import pytest

import symcount
from research_modules import build, ligru_stack

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 picks its backend at first import
torch = pytest.importorskip("torch")

TRIALS = 3


def state_entries(used, sizes: dict[str, int]) -> int:
    """symcount's state in entries: fp32's bytes over 4."""
    state = used.cost(dtype="fp32").values(sizes)["state_bytes"]
    assert state % 4 == 0
    return state // 4


def per_sequence(tensors, batch: int) -> int:
    total = sum(t.numel() if hasattr(t, "numel") else _size(t) for t in tensors)
    assert total % batch == 0
    return total // batch


def _size(tensor) -> int:
    """The entries of a Keras output (a backend tensor or an array)."""
    size = 1
    for extent in tensor.shape:
        size *= extent
    return size


def used_as(cell, layers: int, bidirectional: bool):
    if layers == 1 and not bidirectional:
        return cell
    return cell.stacked(layers, bidirectional=bidirectional)


NETWORKS = [(layers, bidirectional) for layers in (1, 2, 3) for bidirectional in (False, True)]


# ---- PyTorch ----

TORCH = {"torch.rnn": "RNN", "torch.lstm": "LSTM", "torch.gru": "GRU", "torch.lstm_proj": "LSTM"}


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("layers, bidirectional", NETWORKS)
@pytest.mark.parametrize("name", list(TORCH))
def test_torch_layers_return_the_state(name, layers, bidirectional):
    used = used_as(symcount.builtin(name), layers, bidirectional)
    rng = random.Random(f"state {name} {layers} {bidirectional}")
    for _ in range(TRIALS):
        sizes, batch = {"m": rng.randint(1, 20), "n": rng.randint(2, 20)}, rng.randint(1, 3)
        options = dict(num_layers=layers, bidirectional=bidirectional, batch_first=True)
        if name == "torch.lstm_proj":
            sizes["p"] = options["proj_size"] = rng.randint(1, sizes["n"] - 1)
        module = getattr(torch.nn, TORCH[name])(sizes["m"], sizes["n"], **options)
        with torch.no_grad():
            _, state = module(torch.randn(batch, 2, sizes["m"]))
        state = state if isinstance(state, tuple) else (state,)  # LSTM: (h_n, c_n)
        assert per_sequence(state, batch) == state_entries(used, sizes), sizes


# ---- Keras ----

KERAS = {
    "keras.simple_rnn": ("SimpleRNN", {}),
    "keras.lstm": ("LSTM", {}),
    "keras.gru": ("GRU", {"reset_after": True}),
    "keras.gru_v1": ("GRU", {"reset_after": False}),
}


def keras_states(name: str, sizes: dict[str, int], layers: int, bidirectional: bool, x):
    """Every state Keras returns (return_state=True) of every layer of the stack."""
    keras = pytest.importorskip("keras")
    kind, options = KERAS[name]
    states = []
    for _ in range(layers):
        layer = getattr(keras.layers, kind)(
            sizes["n"], return_sequences=True, return_state=True, **options
        )
        x, *returned = (keras.layers.Bidirectional(layer) if bidirectional else layer)(x)
        states += returned
    return states


@pytest.mark.parametrize("layers, bidirectional", NETWORKS)
@pytest.mark.parametrize("name", list(KERAS))
def test_keras_layers_return_the_state(name, layers, bidirectional):
    import numpy

    used = used_as(symcount.builtin(name), layers, bidirectional)
    rng = random.Random(f"state {name} {layers} {bidirectional}")
    sizes, batch = {"m": rng.randint(1, 12), "n": rng.randint(1, 12)}, rng.randint(1, 3)
    x = numpy.random.default_rng(0).random((batch, 2, sizes["m"])).astype("float32")
    states = keras_states(name, sizes, layers, bidirectional, x)
    assert per_sequence(states, batch) == state_entries(used, sizes), sizes


def test_keras_conv_lstm2d_returns_its_maps():
    # The state's maps (rows, cols) are what the valid convolution leaves of the
    # input's: side - k + 1. symcount's state is per map size, set as rows and cols.
    import numpy

    keras = pytest.importorskip("keras")
    rng = random.Random("state keras.conv_lstm2d")
    cell = symcount.builtin("keras.conv_lstm2d")
    for _ in range(TRIALS):
        m, n, k = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)
        rows, cols, batch = rng.randint(k, k + 3), rng.randint(k, k + 3), rng.randint(1, 2)
        layer = keras.layers.ConvLSTM2D(filters=n, kernel_size=k, return_state=True)
        x = numpy.random.default_rng(0).random((batch, 2, rows, cols, m)).astype("float32")
        _, *states = layer(x)
        maps = {"m": m, "n": n, "k": k, "rows": rows - k + 1, "cols": cols - k + 1}
        assert per_sequence(states, batch) == state_entries(cell, maps), maps


# ---- the research modules ----


def draw(ranges: dict[str, tuple[int, int]], rng: random.Random) -> dict[str, int]:
    return {s: rng.randint(lo, hi) for s, (lo, hi) in ranges.items()}


def test_mambapy_steps_carry_h_and_the_convolutions_last_inputs():
    rng = random.Random("state mambapy")
    cell = symcount.builtin("mambapy.mamba_block")
    for _ in range(TRIALS):
        sizes = draw({"D": (1, 8), "E": (1, 3), "N": (1, 6), "K": (1, 5), "R": (1, 4)}, rng)
        batch, inner = rng.randint(1, 3), sizes["E"] * sizes["D"]
        module = build("mambapy.mamba_block", **sizes)
        cache = (None, torch.zeros(batch, inner, sizes["K"] - 1))  # as mambapy starts one
        with torch.no_grad():
            for _ in range(2):
                _, cache = module.step(torch.randn(batch, sizes["D"]), cache)
        assert per_sequence(cache, batch) == state_entries(cell, sizes), sizes


def test_xlstm_slstm_layer_carries_its_states_and_k_minus_1_inputs():
    # xlstm keeps K inputs in its conv state, but the next step rolls the oldest out
    # before it reads any (conv1d_step): only K - 1 are carried, as a change to the
    # oldest shows, which leaves the next step's output as it was.
    rng = random.Random("state xlstm.slstm_layer")
    cell = symcount.builtin("xlstm.slstm_layer")
    for _ in range(TRIALS):
        sizes = draw({"H": (1, 3), "d": (2, 4), "K": (1, 4)}, rng)
        batch, width = rng.randint(1, 3), sizes["H"] * sizes["d"]
        module = build("xlstm.slstm_layer", **sizes)
        x = torch.randn(batch, 1, width)
        with torch.no_grad():
            _, state = module.step(x)
            [conv], cell_state = state["conv_state"], state["slstm_state"]
            assert tuple(conv.shape) == (batch, sizes["K"], width)
            outputs = []
            for oldest in (0.0, 1.0):
                changed = conv.clone()
                changed[:, 0] = oldest  # `step` rolls the conv state in place: a copy each
                outputs.append(module.step(x, (changed,), cell_state.clone())[0])
        assert torch.equal(*outputs)
        carried = cell_state.numel() + conv[:, 1:].numel()
        assert carried // batch == state_entries(cell, sizes), sizes


def test_xlstm_mlstm_cell_steps_carry_c_n_and_m():
    rng = random.Random("state xlstm.mlstm_cell")
    cell = symcount.builtin("xlstm.mlstm_cell")
    for _ in range(TRIALS):
        sizes = draw({"H": (1, 3), "d": (2, 5)}, rng)
        batch = rng.randint(1, 3)
        module = build("xlstm.mlstm_cell", **sizes)
        q, k, v = (torch.randn(batch, 1, sizes["H"] * sizes["d"]) for _ in range(3))
        with torch.no_grad():
            _, state = module.step(q, k, v)
        assert per_sequence(state, batch) == state_entries(cell, sizes), sizes


@pytest.mark.parametrize("name", ["mingru_pytorch.mingru", "mingru_pytorch.minlstm"])
def test_mingru_steps_carry_the_hidden_state(name):
    rng = random.Random(f"state {name}")
    cell = symcount.builtin(name)
    for _ in range(TRIALS):
        sizes, batch = {"n": rng.randint(1, 16)}, rng.randint(1, 3)
        module = build(name, **sizes)
        x, h = torch.randn(batch, 1, sizes["n"]), torch.rand(batch, 1, sizes["n"])
        with torch.no_grad():
            _, carried = module(x, h, return_next_prev_hidden=True)
        assert per_sequence([carried], batch) == state_entries(cell, sizes), sizes


@pytest.mark.parametrize("layers, bidirectional", NETWORKS)
def test_speechbrain_ligru_returns_each_layers_state(layers, bidirectional):
    # Both directions share their weights in speechbrain, but each keeps its state.
    rng = random.Random(f"state ligru {layers} {bidirectional}")
    used = used_as(symcount.builtin("speechbrain.ligru"), layers, bidirectional)
    for _ in range(TRIALS):
        sizes, batch = {"m": rng.randint(1, 10), "n": rng.randint(1, 10)}, rng.randint(1, 3)
        module = ligru_stack(sizes["m"], sizes["n"], layers, bidirectional).eval()
        with torch.no_grad():
            _, state = module(torch.randn(batch, 2, sizes["m"]))
        assert per_sequence([state], batch) == state_entries(used, sizes), sizes


def test_sru_returns_the_cell_state():
    rng = random.Random("state sru")
    cell = symcount.builtin("sru.sru_layernorm")
    for _ in range(TRIALS):
        sizes = {"m": rng.randint(1, 10), "n": rng.randint(1, 10)}
        sizes["m"] += sizes["m"] == sizes["n"]  # the built-in is SRUCell with m != n
        batch = rng.randint(1, 3)
        module = build("sru.sru_layernorm", **sizes)
        with torch.no_grad():
            _, c = module(torch.randn(2, batch, sizes["m"]))  # time-major
        assert per_sequence([c], batch) == state_entries(cell, sizes), sizes
