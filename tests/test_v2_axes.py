"""Axes (docs/language.md, "Shape inference"): which axes a convolution, a group
norm and a weight of lower rank act on, each checked against a faithful PyTorch
module at random sizes.

- `conv1d` is depthwise over every entry of its operand: a per-head value
  (H, d) has H*d channels, as nn.Conv1d(groups=H*d) over the flattened heads;
- `groupnorm` groups the channels of a feature map, its first axis, as
  nn.GroupNorm reads (N, C, *);
- a weight that matches the trailing axes of a value (a head-size gain
  `g : d` on (H, d)) is shared over the leading ones, as PyTorch broadcasts;
  where both ends fit and the count depends on which, a warning says so.
"""

import random

import pytest

import symcount
from symcount import SymcountError, cli

torch = pytest.importorskip("torch")
nn = torch.nn


def numel(module) -> int:
    return sum(p.numel() for p in module.parameters())


def error_of(text: str) -> tuple[str, tuple[int, int], list[tuple[int, str]]]:
    """The error loading `text` gives: its message, line and column, and its notes' lines."""
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename="axes.cell")
    error = info.value
    return error.message, (error.line, error.column), [(n.location.line, n.message) for n in error.notes]


def sizes(seed: str, count: int = 5):
    rng = random.Random(seed)
    return [rng for _ in range(count)]


# ---- conv1d over per-head values ----

SHORT_CONV = """
cell short_conv(m, H, d, K)
    input x : m
    state h : (H, d)
    q = heads(W_q @ x, H)
    h' = h + silu(conv1d(w, q, K))
end
"""


class ShortConv(nn.Module):
    """A query projection split into heads, then a short causal convolution over
    its H*d channels (flash-linear-attention's ShortConvolution is this Conv1d)."""

    def __init__(self, m: int, H: int, d: int, K: int):
        super().__init__()
        self.H, self.d = H, d
        self.q = nn.Linear(m, H * d, bias=False)
        self.conv = nn.Conv1d(H * d, H * d, K, groups=H * d, padding=K - 1, bias=False)

    def forward(self, x):  # (B, T, m) -> (B, T, H, d)
        q = self.q(x)
        length = q.shape[1]
        q = self.conv(q.transpose(1, 2))[..., :length].transpose(1, 2)
        return nn.functional.silu(q).view(*q.shape[:2], self.H, self.d)


def test_conv1d_over_heads_has_a_filter_per_entry():
    [cell] = symcount.loads(SHORT_CONV)
    [w] = [p for p in cell.params if p.name == "w"]
    assert [str(s) for s in w.shape] == ["H*d", "K"]
    for rng in sizes("conv1d"):
        m, H, d, K = (rng.randint(1, 9) for _ in range(4))
        module = ShortConv(m, H, d, K)
        assert module(torch.zeros(2, 5, m)).shape == (2, 5, H, d)  # it runs: sizes agree
        assert cell.evaluate(m=m, H=H, d=d, K=K) == numel(module) == H * d * (m + K)


def test_conv1d_before_or_after_the_split_counts_the_same():
    [after] = symcount.loads(SHORT_CONV)
    [before] = symcount.loads(SHORT_CONV.replace("conv1d(w, q, K)", "heads(conv1d(w, W_q @ x, K), H)"))
    assert after.count == before.count


def test_a_kernel_with_a_row_per_head_size_is_a_size_mismatch():
    text = SHORT_CONV.replace("    q =", "    param w : (d, K)\n    q =")
    message = (
        "size mismatch: the kernel 'w' has d rows, one per channel, but 'conv1d(w, q, K)' "
        "convolves every entry of 'q', of shape (H, d): H*d channels (a depthwise convolution "
        "has a filter per channel, as nn.Conv1d(groups=channels) over the flattened value has)"
    )
    assert error_of(text) == (message, (7, 19), [(5, "size d comes from here")])


def test_a_declared_kernel_of_every_channel_gives_the_head_size():
    """The kernel's rows H*d and the heads H fix the head size d of an open projection."""
    text = """
cell c(m, H, d, K)
    input x : m
    state h : (H, d)
    param w : (H*d, K)
    h' = h + conv1d(w, heads(W @ x, H))
end
"""
    [cell] = symcount.loads(text)
    assert cell.evaluate(m=3, H=2, d=5, K=4) == 2 * 5 * 3 + 2 * 5 * 4


# ---- groupnorm on a feature map ----

CONV_LSTM_GN = """
cell conv_lstm_gn(m, n, G, k)
    size c = n / G
    size rows
    size cols
    input x : (m, rows, cols)
    state h : (n, rows, cols)
    state s : (n, rows, cols)
    param g_i : n
    param g_f : n
    param g_o : n
    param g_z : n
    param a_i : n
    param a_f : n
    param a_o : n
    param a_z : n
    i = sigmoid(g_i * groupnorm(conv(W_i, x, k) + conv(U_i, h, k), G) + a_i)
    f = sigmoid(g_f * groupnorm(conv(W_f, x, k) + conv(U_f, h, k), G) + a_f)
    o = sigmoid(g_o * groupnorm(conv(W_o, x, k) + conv(U_o, h, k), G) + a_o)
    z = tanh(g_z * groupnorm(conv(W_z, x, k) + conv(U_z, h, k), G) + a_z)
    s' = f * s + i * z
    h' = o * tanh(s')
end
"""


class ConvLSTMGroupNorm(nn.Module):
    """A ConvLSTM whose gates are group-normalised over their channels: per gate a
    convolution of the input and of the state, then nn.GroupNorm(G, n) (its affine
    gain and shift are the cell's g and a)."""

    def __init__(self, m: int, n: int, G: int, k: int):
        super().__init__()
        self.inputs = nn.ModuleList(nn.Conv2d(m, n, k, padding="same", bias=False) for _ in range(4))
        self.states = nn.ModuleList(nn.Conv2d(n, n, k, padding="same", bias=False) for _ in range(4))
        self.norms = nn.ModuleList(nn.GroupNorm(G, n) for _ in range(4))

    def forward(self, x, h, s):
        i, f, o, z = (
            norm(conv_x(x) + conv_h(h)) for conv_x, conv_h, norm in zip(self.inputs, self.states, self.norms, strict=True)
        )
        s = torch.sigmoid(f) * s + torch.sigmoid(i) * torch.tanh(z)
        return torch.sigmoid(o) * torch.tanh(s), s


def test_groupnorm_groups_the_channels_of_a_feature_map():
    [cell] = symcount.loads(CONV_LSTM_GN)
    for rng in sizes("groupnorm"):
        m, G, c, k = rng.randint(1, 6), rng.randint(1, 4), rng.randint(1, 4), rng.choice([1, 3, 5])
        n = G * c
        module = ConvLSTMGroupNorm(m, n, G, k)
        h, _ = module(torch.zeros(2, m, 7, 6), torch.zeros(2, n, 7, 6), torch.zeros(2, n, 7, 6))
        assert h.shape == (2, n, 7, 6)
        assert cell.evaluate(m=m, n=n, G=G, k=k) == numel(module)


def test_groupnorm_of_channels_that_are_no_multiple_names_the_channels():
    text = CONV_LSTM_GN.replace("groupnorm(conv(W_i, x, k) + conv(U_i, h, k), G)", "groupnorm(conv(W_i, x, k), 3)")
    message, _, _ = error_of(text)
    assert message == (
        "size G*c is not a multiple of 3, so 'groupnorm(conv(W_i, x, k), 3)' cannot split the "
        "channels (the first axis) of 'conv(W_i, x, k)' into 3 groups"
    )


# ---- a weight on the trailing axes ----

GATED_NORM = """
cell gated_norm(m, H, d)
    input x : m
    state h : (H, d)
    param g : d
    o = heads(W_o @ x, H)
    h' = g * rmsnorm(o) + h
end
"""


class GatedNorm(nn.Module):
    """An output projection split into heads, normalised per head with a gain of the
    head size (flash-linear-attention's o_norm, RMSNorm(head_dim), over (B, H, d))."""

    def __init__(self, m: int, H: int, d: int):
        super().__init__()
        self.H, self.d = H, d
        self.o = nn.Linear(m, H * d, bias=False)
        self.norm = nn.RMSNorm(d)

    def forward(self, x, h):
        return self.norm(self.o(x).view(-1, self.H, self.d)) + h


@pytest.mark.parametrize(
    "form",
    ["g * rmsnorm(o)", "rmsnorm(o) * g", "(1 + g) * rmsnorm(o)", "rmsnorm(o) / exp(-g)"],
)
def test_a_head_size_gain_is_shared_over_the_heads(form):
    [cell] = symcount.loads(GATED_NORM.replace("g * rmsnorm(o)", form))
    assert cell.warnings == ()
    for rng in sizes(form):
        m, H, d = (rng.randint(1, 9) for _ in range(3))
        module = GatedNorm(m, H, d)
        assert module(torch.zeros(3, m), torch.zeros(3, H, d)).shape == (3, H, d)
        assert cell.evaluate(m=m, H=H, d=d) == numel(module) == H * d * m + d


def test_an_inferred_gain_shaped_elsewhere_is_shared_too():
    """`g` is a vector of size d by `W_g @ g`; beside (H, d) it is shared over the heads."""
    text = GATED_NORM.replace("    param g : d\n", "").replace("+ h\n", "+ h + heads(W_g @ g, H)\n")
    text = text.replace("state h : (H, d)", "state h : (H, d)\n    state y : d\n    y' = y * g")
    [cell] = symcount.loads(text)
    assert cell.evaluate(m=2, H=3, d=4) == 3 * 4 * 2 + 4 + 3 * 4 * 4


def test_a_gain_on_a_feature_map_stays_one_per_channel():
    """`param b : n` on (n, rows, cols) fits the leading axis only: one entry per channel."""
    [cell] = symcount.loads(CONV_LSTM_GN)
    [g_i] = [p for p in cell.params if p.name == "g_i"]
    assert [str(s) for s in g_i.shape] == ["G*c"]


def test_a_gain_that_fits_both_ends_alike_is_no_choice():
    text = "cell sq(n)\n    input x : (n, n)\n    state h : (n, n)\n    param g : n\n    h' = g * x + h\nend\n"
    [cell] = symcount.loads(text)
    assert cell.warnings == ()
    assert cell.evaluate(n=5) == 5


def test_a_weight_that_fits_neither_end_is_a_shape_mismatch():
    text = "cell c(m, H, d)\n    input o : (H, d)\n    state h : (H, d)\n    param g : m\n    h' = g * o + h\nend\n"
    message = (
        "shape mismatch: 'g' has shape m but 'o' has shape (H, d); a weight of lower rank must "
        "be the start of the other shape (as a gain n is of (n, rows, cols)) or its end (as a "
        "gain d is of (H, d)), and it repeats over the axes it lacks"
    )
    notes = [(4, "size m comes from here"), (2, "size H comes from here")]
    assert error_of(text) == (message, (5, 14), notes)


# Where both ends fit and the sizes they leave decide other parameters: lined
# up with the rows of outer(u, v), u is d and v is e; with its columns, the other way.
EITHER_END = """
cell either(m, k, d, e)
    input x : m
    input z : k
    state r : d + e
    param g : d
    u = W @ x
    v = V @ z
    r' = [u, v] + sum(sum(g * outer(u, v)))
end
"""

EITHER_END_WARNING = (
    "'g' fits either end of 'outer(u, v)', and the count depends on which: e*k + d*m + d "
    "with 'g' lined up with the leading axes (an entry per leading entry), e*m + d*k + d with "
    "the trailing ones (shared over the leading axes); symcount takes the leading axes; "
    "declare 'W' or 'V' to choose (`param W : (d, m)` keeps this count)"
)


def test_where_the_choice_of_end_changes_the_count_it_is_a_warning():
    [cell] = symcount.loads(EITHER_END, filename="either.cell")
    [warning] = [w for w in cell.warnings if "either end" in w.message]
    assert (warning.message, warning.line, warning.column) == (EITHER_END_WARNING, 9, 31)
    assert cell.evaluate(m=2, k=3, d=4, e=5) == 4 * 2 + 5 * 3 + 4


def test_declaring_a_parameter_settles_the_choice():
    [cell] = symcount.loads(EITHER_END.replace("    u =", "    param W : (e, m)\n    u ="))
    assert not [w for w in cell.warnings if "either end" in w.message]
    assert cell.evaluate(m=2, k=3, d=4, e=5) == 5 * 2 + 4 * 3 + 4


def test_the_warning_on_the_command_line_and_under_strict(tmp_path, capsys):
    path = tmp_path / "either.cell"
    path.write_text(EITHER_END.replace("V @ z", "V_z @ z"))  # no typo warning beside it
    message = EITHER_END_WARNING.replace("'V'", "'V_z'")
    assert cli.main(["count", str(path), "--set", "m=2", "--set", "k=3", "--set", "d=4", "--set", "e=5"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == f"{path}:9:31: warning: {message}"
    assert "value     27  (m=2, k=3, d=4, e=5)" in out
    assert cli.main(["check", "--strict", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"{path}:9:31: error: {message}"
