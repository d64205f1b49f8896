"""The symcount convention's products against PyTorch's own FLOP counter, one step.

`torch.utils.flop_counter.FlopCounterMode` counts the FLOPs of the operators it
has a formula for: the matrix products (aten.mm, addmm, bmm, baddbmm: 2 per
multiply-accumulate, a bias added by addmm not counted) and convolutions,
nothing elementwise. Where it can run ONE recurrent step of a real module, the
matrix-product FLOPs it measures must be twice symcount's MACs of the same
products (docs/costs.md, "The symcount convention"): the weight products, and
the products of values that the module computes with a matmul. Each module is
run at random sizes on a random batch, whose FLOPs are divided by the batch:
symcount's cost is per sequence.

- nn.RNNCell, nn.LSTMCell, nn.GRUCell against torch.rnn, torch.lstm, torch.gru,
  with and without biases; and the whole layers nn.RNN, nn.LSTM (proj_size too,
  against torch.lstm_proj) and nn.GRU with 1 to 3 layers, one or two directions,
  over a sequence of one step, against the built-in's stack. With oneDNN on, the
  counter sees no operator of nn.LSTM (it runs as one fused kernel), so these run
  with it off, where PyTorch computes the step with addmm.
- The research modules with a step: mambapy's MambaBlock.step, xlstm's
  sLSTMLayer.step (backend "vanilla") and mLSTMCell.step, mingru-pytorch's minGRU
  and minLSTM on a sequence of one step (their sequential mode), speechbrain's
  LiGRU and sru's SRUCell on one step with a state given.
"""

import random
import warnings

import pytest

import symcount
from research_modules import build
from symcount.costing.operations import Kind, operations

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402 (after the skip)

# The counter's operators for a product of matrices, and those it also counts
# that are no matrix product (a convolution: compared below where it is comparable).
MATMUL = {"aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm"}
OTHER = {"aten.convolution"}
TRIALS = 4


def measured(step, onednn: bool = True) -> dict[str, int]:
    """The counter's FLOPs per operator for `step()`, with PyTorch's oneDNN on or off."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # oneDNN's notes on LSTM projections and on TF32
        with torch.backends.mkldnn.flags(enabled=onednn), torch.no_grad():
            with FlopCounterMode(display=False) as counter:
                step()
    counts = {str(op): flops for op, flops in counter.get_flop_counts().get("Global", {}).items()}
    assert set(counts) <= MATMUL | OTHER, counts  # an operator this test does not know
    return counts


def matmul_flops(counts: dict[str, int], batch: int) -> int:
    total = sum(flops for op, flops in counts.items() if op in MATMUL)
    assert total % batch == 0
    return total // batch


def product_macs(cell, sizes: dict[str, int], contractions: tuple[str, ...] = ()) -> int:
    """symcount's MACs of the matrix products, and of the contractions of the given
    forms ("values", "outer"), of one step of `cell` at `sizes`."""
    values = cell.size_values(sizes)
    return sum(
        op.macs.evaluate(values)
        for op in operations(cell.shapes)
        if op.kind is Kind.MATRIX or (op.kind is Kind.CONTRACTION and op.form in contractions)
    )


def matrix_row(cost, sizes: dict[str, int]) -> int:
    rows = {name: macs for name, macs, _ in cost.row_values(cost.per_op, sizes)}
    return rows["matrix product"]


# ---- PyTorch's cells and layers ----

CELLS = {"torch.rnn": "RNNCell", "torch.lstm": "LSTMCell", "torch.gru": "GRUCell"}
LAYERS = {"torch.rnn": "RNN", "torch.lstm": "LSTM", "torch.gru": "GRU", "torch.lstm_proj": "LSTM"}


def torch_sizes(name: str, rng: random.Random) -> dict[str, int]:
    sizes = {"m": rng.randint(1, 24), "n": rng.randint(2, 24)}
    if name == "torch.lstm_proj":
        sizes["p"] = rng.randint(1, sizes["n"] - 1)  # PyTorch needs p < n
    return sizes


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("name", list(CELLS))
def test_torch_cells(name, bias):
    cell = symcount.builtin(name)
    cell = cell if bias else cell.without_biases()
    rng = random.Random(f"flop counter {name} {bias}")
    for _ in range(TRIALS):
        sizes, batch = torch_sizes(name, rng), rng.randint(1, 4)
        module = getattr(torch.nn, CELLS[name])(sizes["m"], sizes["n"], bias=bias)
        x, h = torch.randn(batch, sizes["m"]), torch.randn(batch, sizes["n"])
        state = (h, torch.randn(batch, sizes["n"])) if name == "torch.lstm" else h
        got = matmul_flops(measured(lambda: module(x, state)), batch)  # noqa: B023
        assert got == 2 * matrix_row(cell.cost(), sizes) == 2 * product_macs(cell, sizes), sizes


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("name", list(LAYERS))
def test_torch_layers_over_one_step(name, layers, bidirectional):
    cell = symcount.builtin(name)
    stacks = {
        bias: (cell if bias else cell.without_biases()).stacked(layers, bidirectional=bidirectional)
        for bias in (True, False)
    }
    rng = random.Random(f"flop counter {name} {layers} {bidirectional}")
    for trial in range(TRIALS):
        sizes, batch, bias = torch_sizes(name, rng), rng.randint(1, 4), trial % 2 == 0
        options = dict(num_layers=layers, bidirectional=bidirectional, bias=bias, batch_first=True)
        if name == "torch.lstm_proj":
            options["proj_size"] = sizes["p"]
        module = getattr(torch.nn, LAYERS[name])(sizes["m"], sizes["n"], **options)
        x = torch.randn(batch, 1, sizes["m"])
        got = matmul_flops(measured(lambda: module(x), onednn=False), batch)  # noqa: B023
        assert got == 2 * matrix_row(stacks[bias].cost(), sizes), (sizes, bias)


# ---- the research modules that have a step ----

# Small ranges keep every module quick on a CPU (as tests/test_research.py's). xlstm's
# per-head group norm refuses a head of one entry when run: d from 2.
RANGES = {
    "mambapy.mamba_block": {"D": (1, 12), "E": (1, 3), "N": (1, 8), "K": (1, 5), "R": (1, 4)},
    "xlstm.slstm_layer": {"H": (1, 4), "d": (2, 5), "K": (1, 5)},
    "xlstm.mlstm_cell": {"H": (1, 4), "d": (2, 6)},
    "mingru_pytorch.mingru": {"n": (1, 24)},
    "mingru_pytorch.minlstm": {"n": (1, 24)},
    "speechbrain.ligru": {"m": (1, 12), "n": (1, 12)},
    "sru.sru_layernorm": {"m": (1, 12), "n": (1, 12)},
}


def mamba_step(module, sizes, batch):
    # The step's cache: the state h (E*D, N) and the conv's last K - 1 inputs.
    inner = sizes["E"] * sizes["D"]
    cache = (torch.randn(batch, inner, sizes["N"]), torch.randn(batch, inner, sizes["K"] - 1))
    return lambda: module.step(torch.randn(batch, sizes["D"]), cache)


def slstm_step(module, sizes, batch):
    width = sizes["H"] * sizes["d"]
    return lambda: module.step(torch.randn(batch, 1, width))


def mlstm_step(module, sizes, batch):
    q, k, v = (torch.randn(batch, 1, sizes["H"] * sizes["d"]) for _ in range(3))
    return lambda: module.step(q, k, v)


def min_step(module, sizes, batch):
    # A sequence of one step with the hidden state before it: the sequential mode.
    x, h = torch.randn(batch, 1, sizes["n"]), torch.rand(batch, 1, sizes["n"])
    return lambda: module(x, h, return_next_prev_hidden=True)


def ligru_step(module, sizes, batch):
    module.eval()  # batch norm with the running statistics: one step of one sequence is fine
    x, h = torch.randn(batch, 1, sizes["m"]), torch.randn(1, batch, sizes["n"])
    return lambda: module(x, h)


def sru_step(module, sizes, batch):
    x, c = torch.randn(1, batch, sizes["m"]), torch.randn(batch, sizes["n"])  # time-major
    return lambda: module(x, c)


# Each module's step, and the forms of symcount's contractions it computes with a
# matmul. The others it computes elementwise, which the counter does not count:
# mambapy's outer(delta, B) is `delta.unsqueeze(-1) * B.unsqueeze(1)`, a broadcast
# product; xlstm's and mambapy's conv1d over K steps are compared apart below.
STEPS = {
    "mambapy.mamba_block": (mamba_step, ("values",)),  # y = h' @ C, a bmm
    "xlstm.slstm_layer": (slstm_step, ()),  # block-diagonal gates: einsum and matmul, bmm
    "xlstm.mlstm_cell": (mlstm_step, ("values", "outer")),  # k v^T, q^T C', q^T n': bmm
    "mingru_pytorch.mingru": (min_step, ()),
    "mingru_pytorch.minlstm": (min_step, ()),
    "speechbrain.ligru": (ligru_step, ()),
    "sru.sru_layernorm": (sru_step, ()),
}


def draws(name: str) -> list[dict[str, int]]:
    rng = random.Random(f"flop counter {name}")
    found = []
    while len(found) < TRIALS:
        sizes = {s: rng.randint(lo, hi) for s, (lo, hi) in RANGES[name].items()}
        if name == "sru.sru_layernorm" and sizes["m"] == sizes["n"]:
            continue  # SRUCell drops a projection when m == n (tests/test_research.py)
        found.append(sizes)
    return found


CASES = [(name, sizes) for name in STEPS for sizes in draws(name)]


@pytest.mark.parametrize("name, sizes", CASES, ids=[f"{n}{s}" for n, s in CASES])
def test_research_module_steps(name, sizes):
    step, contractions = STEPS[name]
    batch = random.Random(f"{name}{sizes}").randint(1, 3)
    counts = measured(step(build(name, **sizes), sizes, batch))
    cell = symcount.builtin(name)
    assert matmul_flops(counts, batch) == 2 * product_macs(cell, sizes, contractions)


@pytest.mark.parametrize("sizes", draws("mambapy.mamba_block"), ids=str)
def test_mambapy_convolves_its_whole_padded_window(sizes):
    # The step runs nn.Conv1d(padding=K-1) over its K inputs and keeps one of the
    # 2K - 1 outputs: the counter sees 2K - 1 times symcount's conv1d, which
    # prices the one output the step uses (docs/costs.md, "The symcount convention").
    batch = 2
    counts = measured(mamba_step(build("mambapy.mamba_block", **sizes), sizes, batch))
    cell = symcount.builtin("mambapy.mamba_block")
    values = cell.size_values(sizes)
    ops = operations(cell.shapes)
    conv = sum(op.macs.evaluate(values) for op in ops if op.kind is Kind.CONVOLUTION)
    assert counts["aten.convolution"] == batch * 2 * conv * (2 * sizes["K"] - 1)
