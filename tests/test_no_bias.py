"""`--no-bias`: what it drops from the count it drops from the printed equations,
wherever the bias is (inside a slice, inside a def's body), and the count is
the one of a real module built with `bias=False`."""

import json
import random

import pytest
import sympy

import research_modules
import symcount
from symcount import cli, ir
from symcount.layers import biases
from symcount.symbols import size_symbol

# A GRU-like cell whose one Linear computes both gates' input parts: its bias
# is added before the slices, `(W @ x + b)[0:n]`.
SLICED = """
cell sliced(m, n)
    input x : m
    state h : n
    param W : (2*n, m)
    param b : 2*n
    z = sigmoid((W @ x + b)[0:n])
    g = tanh((W @ x + b)[n:2*n] + U @ h + c)
    h' = (1 - z) * h + z * g
end
"""

# One Linear (V, c) used through a def at two places: its bias is in the def's body.
DEFINED = """
cell defined(m, n)
    input x : m
    state h : n
    def lin(a) = V @ a + c
    z = sigmoid(W @ x + lin(h))
    h' = (1 - z) * h + z * tanh(lin(z * h))
end
"""

# A bias handed to a def as its argument, added in the body; a def's parameter
# spelled like the bias is the argument, not the bias.
ARGUMENT = """
cell argument(m, n)
    input x : m
    state h : n
    def plus(a, k) = a + k
    def twice(b) = b * 2
    h' = tanh(plus(W @ x, b) + twice(U @ h))
end
"""


def printed_names(net) -> set[str]:
    """The cell's names the printed equations read: the equations and the defs'
    bodies (without the defs' own parameters)."""
    exprs = [(eq.expr, ()) for eq in net.cell.equations]
    exprs += [(f.expr, f.params) for f in net.cell.functions]
    return {
        node.name
        for expr, local in exprs
        for node in ir.walk(expr)
        if isinstance(node, ir.Name) and node.name not in local
    }


@pytest.mark.parametrize("text, dropped", [(SLICED, {"b", "c"}), (DEFINED, {"c"}), (ARGUMENT, {"b"})])
def test_the_printed_equations_drop_what_the_count_drops(text, dropped):
    cell = symcount.loads(text)[0]
    assert set(biases.biases(cell.shapes)) == dropped
    net = cell.without_biases().summary
    counted = {p.name for p in net.params}
    assert counted == set(cell.scope.params) - dropped
    assert printed_names(net) & set(cell.scope.params) == counted


def align(capsys, text: str, tmp_path) -> str:
    path = tmp_path / "cell.cell"
    path.write_text(text, encoding="utf-8")
    assert cli.main(["latex", str(path), "--equations", "--no-bias"]) == 0
    out = capsys.readouterr().out
    return out[out.index(r"\begin{align}") :]


def test_latex_leaves_out_a_bias_inside_a_slice(capsys, tmp_path):
    out = align(capsys, SLICED, tmp_path)
    assert r"z_t &= \sigma((W x_t)[0{:}n])" in out
    assert r"g_t &= \tanh((W x_t)[n{:}2 n] + U h_{t-1})" in out


def test_latex_leaves_out_a_bias_inside_a_def(capsys, tmp_path):
    lines = align(capsys, DEFINED, tmp_path).splitlines()
    assert lines[1] == r"  \operatorname{lin}(a) &= V a \notag \\"
    assert lines[2] == r"  z_t &= \sigma(W x_t + \operatorname{lin}(h_{t-1})) \notag \\"


def test_a_bias_given_to_a_def_becomes_zero_and_a_parameter_of_the_def_stays():
    net = symcount.loads(ARGUMENT)[0].without_biases().summary
    plus, twice = net.cell.functions
    assert printed(plus.expr) == "a + k" and printed(twice.expr) == "b * 2"
    assert printed(net.cell.equations[0].expr) == "tanh(plus(W @ x, 0) + twice(U @ h))"


def printed(expr: ir.Expr) -> str:
    from symcount.render.equations import Printer

    return Printer().expr(expr)


def test_a_row_product_rebuilt_without_its_bias_still_reads_transposed(capsys, tmp_path):
    text = "cell r(m, n)\n input x : m\n state h : n\n param w : n\n g = w @ (V @ x + b)\n h' = g * h\nend\n"
    assert r"g_t &= w^\top V x_t" in align(capsys, text, tmp_path)


def test_the_equations_are_unchanged_with_the_biases():
    cell = symcount.loads(SLICED)[0]
    assert cell.summary.cell is cell.ir


# ---- the rule (docs/language.md, "Without biases"): what is a bias, what stays ----


def cell_of(body: str, declarations: str = "", sizes: str = "m, n") -> str:
    return f"cell c({sizes})\n    input x : m\n    state h : n\n{declarations}{body}end\n"


# (name, declarations, equations, what --no-bias removes): each the cell's whole
# body after `input x : m` and `state h : n`.
RULES = [
    ("affine", "", "    h' = tanh(W @ x + U @ h + b)\n", ("b",)),
    ("negated", "", "    h' = tanh(-b + W @ x)\n", ("b",)),
    ("negated twice", "", "    h' = tanh(W @ x - (-b))\n", ("b",)),
    ("inner sum", "", "    h' = tanh(W @ x - (b + c))\n", ("b", "c")),
    ("gain", "", "    h' = layernorm(W @ x + b) * (1 + w)\n", ("b",)),
    ("norm shift", "", "    h' = tanh(g * layernorm(W @ x) + beta)\n", ()),
    ("offset on an intermediate", "", "    k = W_k @ x\n    h' = exp(k + u) * h\n", ()),
    ("sum in a call in the sum", "", "    k = W_k @ x\n    h' = tanh(U @ h + exp(k + u) + tanh(V @ h + c))\n", ("c",)),
    ("mamba2 dt", "", "    dt = W_dt @ x\n    h' = softplus(dt + dt_bias) * h\n", ()),
    ("sliced map", "    param W : (2*n, m)\n", "    h' = tanh((W @ x)[0:n] + b)\n", ("b",)),
    ("scaled by a constant", "", "    h' = tanh(W @ x / sqrt(n) + b)\n", ("b",)),
    ("gated product", "", "    r = sigmoid(W_r @ x)\n    h' = tanh(r * (U @ h) + b)\n", ()),
    ("scalar offset", "    param a : scalar\n", "    h' = tanh(W @ x + a)\n", ()),
    ("scalar map", "    param w : m\n", "    g = sigmoid(w @ x + b)\n    h' = g * h\n", ("b",)),
    ("peephole", "", "    h' = tanh(W @ x + p * h + b)\n", ("b",)),
    ("also multiplied", "", "    h' = tanh(W @ x + b) * b\n", ()),
    ("no linear map", "", "    h' = tanh(h + b) * h\n", ()),
    ("values only", "    state C : (n, n)\n", "    h' = tanh(C @ h + b)\n    C' = C\n", ()),
    ("declared", "    param beta : n bias\n", "    h' = tanh(g * layernorm(W @ x) + beta + U @ h + c)\n", ("beta",)),
    ("frozen bias", "    param b : n frozen bias\n", "    h' = tanh(W @ x + b)\n", ("b",)),
]


@pytest.mark.parametrize("name, declarations, body, removed", RULES, ids=[r[0] for r in RULES])
def test_what_no_bias_removes(name, declarations, body, removed):
    cell = symcount.loads(cell_of(body, declarations))[0]
    assert biases.biases(cell.shapes) == removed
    without = cell.without_biases()
    assert without.removed_biases == removed
    net = without.summary
    counted = {p.name for p in net.params}
    assert counted == set(cell.scope.params) - set(removed)
    assert printed_names(net) & set(cell.scope.params) == counted  # the equations match the count


def test_a_convolutions_bias_runs_over_its_channels():
    text = """
cell conv_cell(m, n, k)
    size rows
    input x : (m, rows, rows)
    state h : (n, rows, rows)
    param b : n
    param a : scalar
    h' = tanh(conv(W, x, k) + conv(U, h, k) + b + a)
end
"""
    assert biases.biases(symcount.loads(text)[0].shapes) == ("b",)


def test_a_bias_per_head_is_a_linear_maps_and_an_offset_per_head_is_not():
    text = """
cell heads_cell(H, d)
    input x : H*d
    state h : (H, d)
    param W : (d, d)
    param b : (H, d)
    param a : H
    h' = tanh(W @ heads(x, H) + b) + tanh(W @ heads(x, H) + a)
end
"""
    assert biases.biases(symcount.loads(text)[0].shapes) == ("b",)


def test_a_negated_bias_leaves_the_equations():
    net = symcount.loads(cell_of("    h' = tanh(-b + W @ x - (c + d))\n"))[0].without_biases().summary
    assert printed(net.cell.equations[0].expr) == "tanh(W @ x)"


def test_a_negated_bias_given_to_a_def_becomes_zero():
    text = cell_of("    def plus(a, k) = a + k\n    h' = tanh(plus(W @ x, -b) + U @ h)\n")
    net = symcount.loads(text)[0].without_biases().summary
    assert net.removed_biases == ("b",)
    assert printed(net.cell.equations[0].expr) == "tanh(plus(W @ x, 0) + U @ h)"


def test_the_xlstm_gains_stay():
    for name, gain in (("xlstm.mlstm_cell", "w_norm"), ("xlstm.slstm_layer", "w_norm")):
        cell = symcount.builtin(name).without_biases()
        assert gain not in cell.removed_biases and gain in {p.name for p in cell.params}
        assert f"(1 + {gain})" in printed(cell.summary.cell.equations[-1].expr)


@pytest.mark.parametrize(
    "name, removed",
    [
        ("mlstm", ("b_q", "b_k", "b_v", "b_i", "b_f", "b_o")),
        ("ln_lstm", ("b",)),
        ("s6", ()),
        ("mambapy.mamba_block", ("b_conv",)),
        ("speechbrain.ligru", ("beta",)),
        ("sru.sru_layernorm", ()),
        ("xlstm.mlstm_cell", ("b_i", "b_f")),
        ("xlstm.slstm_layer", ("b_conv", "b_i", "b_f", "b_z", "b_o")),
        ("keras.conv_lstm2d", ("b_i", "b_f", "b_c", "b_o")),
    ],
)
def test_the_builtins_remove_what_their_frameworks_switch_off(name, removed):
    assert symcount.builtin(name).without_biases().removed_biases == removed


# ---- the bias marker ----


def test_the_marker_takes_either_order_and_fmt_writes_one():
    text = cell_of("    h' = tanh(W @ x + b)\n", "    param b : n bias frozen\n")
    assert "    param b : n frozen bias\n" in symcount.format_text(text)
    again = cell_of("    h' = tanh(W @ x + b)\n", "    param b : complex(n) bias\n")
    assert "    param b : complex(n) bias\n" in symcount.format_text(again)
    assert symcount.format_text(symcount.format_text(text)) == symcount.format_text(text)


def test_a_frozen_bias_is_frozen_with_the_biases_and_gone_without():
    cell = symcount.loads(cell_of("    h' = tanh(W @ x + b)\n", "    param b : n frozen bias\n"))[0]
    assert cell.evaluate(m=3, n=2) == 6 and cell.summary.frozen == size_symbol("n")
    assert cell.without_biases().evaluate(m=3, n=2) == 6 and not cell.without_biases().summary.has_frozen


def test_a_parameter_may_be_called_bias():
    cell = symcount.loads(cell_of("    h' = tanh(W @ x + bias)\n", "    param bias : n bias\n"))[0]
    assert cell.without_biases().removed_biases == ("bias",)


@pytest.mark.parametrize(
    "declaration, body, message, column",
    [
        ("    param b : n bias bias\n", "    h' = tanh(W @ x + b)\n", "unexpected 'bias'", 22),
        ("    param b : n frozen bias frozen\n", "    h' = tanh(W @ x + b)\n", "unexpected 'frozen'", 29),
        ("    param b : n bias\n", "    h' = tanh(W @ x + b * h)\n", "'b' is declared `bias`, but here it is not added", 23),
        ("    param W : (n, m) bias\n", "    h' = tanh(W @ x)\n", "'W' is declared `bias`, but here it is not added", 15),
        ("    param b : n bias\n", "    h' = b\n", "'b' is declared `bias`", 10),
    ],
)
def test_a_wrong_marker_is_a_located_error(declaration, body, message, column):
    with pytest.raises(symcount.SymcountError) as caught:
        symcount.loads(cell_of(body, declaration))
    assert message in caught.value.message and caught.value.column == column


# ---- the outputs name what --no-bias removed ----


def test_every_format_names_the_removed_biases(capsys):
    def run(*argv):
        assert cli.main(list(argv)) == 0
        return capsys.readouterr().out

    assert "  removed   b_i, b_f\n" in run("count", "xlstm.mlstm_cell", "--no-bias")
    assert "  removed   none (no parameter is a bias)\n" in run("count", "s6", "--no-bias")
    assert "removed" not in run("count", "xlstm.mlstm_cell")
    assert "Removed biases: `b_i`, `b_f`.\n" in run("count", "xlstm.mlstm_cell", "--no-bias", "--format", "markdown")
    assert "% removed biases: b_i, b_f\n" in run("latex", "xlstm.mlstm_cell", "--no-bias")
    [doc] = json.loads(run("count", "xlstm.mlstm_cell", "--no-bias", "--format", "json"))["cells"]
    assert doc["removed_biases"] == ["b_i", "b_f"]
    [doc] = json.loads(run("count", "xlstm.mlstm_cell", "--format", "json"))["cells"]
    assert "removed_biases" not in doc


def test_a_stack_names_them_too():
    assert symcount.builtin("torch.gru").without_biases().stacked("L").removed_biases == (
        "b_ir", "b_hr", "b_iz", "b_hz", "b_in", "b_hn"
    )  # fmt: skip


# ---- against PyTorch modules built with bias=False ----

torch = pytest.importorskip("torch")
nn = torch.nn


class Sliced(nn.Module):
    """SLICED: one Linear for both gates' input parts, sliced after its bias."""

    def __init__(self, m: int, n: int, bias: bool):
        super().__init__()
        self.n = n
        self.input = nn.Linear(m, 2 * n, bias=bias)  # W, b
        self.hidden = nn.Linear(n, n, bias=bias)  # U, c

    def forward(self, x, h):
        both = self.input(x)
        z = torch.sigmoid(both[..., : self.n])
        g = torch.tanh(both[..., self.n :] + self.hidden(h))
        return (1 - z) * h + z * g


class Defined(nn.Module):
    """DEFINED: `lin` is one Linear (V, c) applied at two places."""

    def __init__(self, m: int, n: int, bias: bool):
        super().__init__()
        self.input = nn.Linear(m, n, bias=False)  # W: the cell adds no bias to it
        self.lin = nn.Linear(n, n, bias=bias)  # V, c

    def forward(self, x, h):
        z = torch.sigmoid(self.input(x) + self.lin(h))
        return (1 - z) * h + z * torch.tanh(self.lin(z * h))


# A leading bias, negated: the module's Linear computes W x + b and the cell
# subtracts all of it, -(W x + b) = -b - W x.
NEGATED = """
cell negated(m, n)
    input x : m
    state h : n
    h' = tanh(-b - W @ x + U @ h)
end
"""


class Negated(nn.Module):
    def __init__(self, m: int, n: int, bias: bool):
        super().__init__()
        self.input = nn.Linear(m, n, bias=bias)  # W, b
        self.hidden = nn.Linear(n, n, bias=False)  # U

    def forward(self, x, h):
        return torch.tanh(-self.input(x) + self.hidden(h))


# RWKV-4's time mixing, one step without the stabiliser (BlinkDL/RWKV-LM,
# RWKV-v4/src/model.py, RWKV_TimeMix): its Linears have no bias, and the bonus u
# (time_first) is added to the intermediate k, so `bias=False` changes nothing.
RWKV = """
cell rwkv_time_mix(n)
    input x : n
    state s : n
    state a : n
    state q : n
    param W_o : (n, n)
    xk = mu_k * x + (1 - mu_k) * s
    xv = mu_v * x + (1 - mu_v) * s
    xr = mu_r * x + (1 - mu_r) * s
    k = W_k @ xk
    v = W_v @ xv
    r = sigmoid(W_r @ xr)
    wkv = (a + exp(u + k) * v) / (q + exp(u + k))
    a' = exp(-exp(w)) * a + exp(k) * v
    q' = exp(-exp(w)) * q + exp(k)
    s' = x
    out = W_o @ (r * wkv)
    output out
end
"""


class RwkvTimeMix(nn.Module):
    def __init__(self, m: int, n: int, bias: bool):
        super().__init__()
        assert m == n  # the input is the embedding
        self.time_mix_k, self.time_mix_v, self.time_mix_r = (nn.Parameter(torch.rand(n)) for _ in range(3))
        self.time_first = nn.Parameter(torch.rand(n))  # u
        self.time_decay = nn.Parameter(torch.rand(n))  # w
        self.key, self.value, self.receptance, self.output = (nn.Linear(n, n, bias=False) for _ in range(4))

    def forward(self, x, h):
        s, a, q = h, torch.zeros_like(h), torch.ones_like(h)  # the states, as one step reads them
        k = self.key(x * self.time_mix_k + s * (1 - self.time_mix_k))
        v = self.value(x * self.time_mix_v + s * (1 - self.time_mix_v))
        r = torch.sigmoid(self.receptance(x * self.time_mix_r + s * (1 - self.time_mix_r)))
        wkv = (a + torch.exp(self.time_first + k) * v) / (q + torch.exp(self.time_first + k))
        return self.output(r * wkv)


@pytest.mark.parametrize(
    "text, module", [(SLICED, Sliced), (DEFINED, Defined), (NEGATED, Negated), (RWKV, RwkvTimeMix)]
)
@pytest.mark.parametrize("bias", [True, False])
def test_the_count_is_the_modules(text, module, bias):
    cell = symcount.loads(text)[0]
    used = cell if bias else cell.without_biases()
    rng = random.Random(f"{cell.name}{bias}")
    for _ in range(5):
        sizes = {str(d): rng.randint(1, 40) for d in cell.dims}
        m, n = sizes.get("m", sizes["n"]), sizes["n"]  # RWKV's input is its embedding: m is n
        built = module(m, n, bias)
        assert built(torch.zeros(3, m), torch.zeros(3, n)).shape == (3, n)  # it runs: sizes agree
        assert used.evaluate(**sizes) == sum(p.numel() for p in built.parameters())


# ---- against the research packages, with their biases switched off ----


def mlstm_cell(H: int, d: int):
    """xlstm's mLSTMCell with bias-free gate Linears (the package has no switch:
    the real cell, its igate and fgate replaced)."""
    module = research_modules.build("xlstm.mlstm_cell", H=H, d=d)
    module.igate = nn.Linear(3 * H * d, H, bias=False)
    module.fgate = nn.Linear(3 * H * d, H, bias=False)
    q = torch.randn(2, 3, H * d)
    assert module(q, q, q).shape == (2, 3, H * d)  # it still runs
    return module


def slstm_layer(H: int, d: int, K: int):
    """xlstm's sLSTMLayer with a bias-free convolution (causal_conv_bias=False); the
    cell's own bias, which the package cannot switch off, is left out by `counted`."""
    from xlstm.components.conv import CausalConv1d, CausalConv1dConfig

    module = research_modules.build("xlstm.slstm_layer", H=H, d=d, K=K)
    module.conv1d = CausalConv1d(CausalConv1dConfig(feature_dim=H * d, kernel_size=K, causal_conv_bias=False))
    if K > 1:  # xlstm's CausalConv1d cuts its padding with [:-pad], all of it when K is 1
        assert module(torch.randn(2, 3, H * d)).shape == (2, 3, H * d)
    return module


def mamba_block(D: int, E: int, N: int, K: int, R: int):
    from mambapy.mamba import MambaBlock, MambaConfig

    research_modules.prepare("mambapy.mamba_block")
    config = MambaConfig(
        d_model=D, n_layers=1, d_state=N, expand_factor=E, d_conv=K, dt_rank=R, bias=False, conv_bias=False
    )
    return MambaBlock(config)


def ligru(m: int, n: int):
    research_modules.prepare("speechbrain.ligru")
    from speechbrain.nnet.RNN import LiGRU

    return LiGRU(hidden_size=n, input_shape=(4, 10, m), bias=False)


def conv_lstm2d(m: int, n: int, k: int):
    research_modules.prepare("keras.conv_lstm2d")
    import keras

    layer = keras.layers.ConvLSTM2D(filters=n, kernel_size=k, use_bias=False)
    layer.build((None, None, k + 1, k + 1, m))
    return layer


WITHOUT_BIASES = {
    "xlstm.mlstm_cell": (mlstm_cell, ("igate.bias", "fgate.bias")),
    "xlstm.slstm_layer": (slstm_layer, ("conv1d.conv.bias", "slstm_cell._bias_")),
    "mambapy.mamba_block": (mamba_block, ("conv1d.bias",)),
    "speechbrain.ligru": (ligru, ("rnn.0.norm.bias",)),  # frozen by bias=False, not trained
    "keras.conv_lstm2d": (conv_lstm2d, ("bias",)),
    "sru.sru_layernorm": (None, ()),  # SRUCell has no bias switch: nothing goes
}


def counted(module, removed: tuple[str, ...]) -> int:
    """The trainable parameters of `module` but those named `removed`."""
    named = research_modules.named_parameters(module)
    return sum(numel for name, (numel, trainable) in named.items() if trainable and name not in removed)


@pytest.mark.parametrize("name", list(WITHOUT_BIASES))
def test_the_research_builtins_without_biases_are_their_modules_without_biases(name):
    from test_research import PARTS, draws

    builder, removed = WITHOUT_BIASES[name]
    research = research_modules.prepare(name)
    cell = symcount.builtin(name).without_biases()
    # What --no-bias removed is exactly the built-in's part of the module's biases.
    assert set(cell.removed_biases) == {p for module_name in removed for p in PARTS[name][module_name]}
    for sizes in draws(name)[:4]:
        module = (builder or research.build)(*(sizes[s] for s in research.symbols))
        assert cell.evaluate(**sizes) == counted(module, removed), sizes


@pytest.mark.parametrize("name", [n for n in symcount.builtins() if isinstance(symcount.builtin(n), symcount.Cell)])
def test_a_cell_without_biases_costs_what_its_equations_without_them_cost(name):
    """--no-bias prices no addition of a bias it removed: the cost is that of the cell
    written without them (the equations `latex --no-bias` prints), figure by figure."""
    from symcount.render.cellfmt import format_cells

    cell = symcount.builtin(name).without_biases()
    if not cell.removed_biases:
        pytest.skip("no bias to remove")
    written = format_cells([cell._layers.printed.cell])
    try:
        [again] = symcount.loads(written)
    except symcount.SymcountError as e:  # a shape only the bias gave (`alpha_1 + b`)
        pytest.skip(f"written without its biases, the cell does not load: {e.message}")
    ours, theirs = cell.cost(), again.cost()
    # The weights: the written cell still declares the biases (`param b : n bias`).
    for figure in ("macs", "flops"):
        assert sympy.expand(getattr(ours, figure) - getattr(theirs, figure)) == 0, figure
