"""A later layer of a stack is the cell at its own input width (issue "Trust v2",
class 4; docs/language.md, "Stacked layers").

Where the input size appears in a derived size (`size R = ceil(m / 16)`, a
Mamba-like dt_rank computed from the layer's input width) or a declared shape
(`param W_up : (n, 2*m)`), layer k reads the previous layer's output there
too. Each stack is checked against PyTorch modules built layer by layer, each
layer constructed at the width its input has, at random sizes.
"""

import math
import random

import pytest

import symcount
from symcount import cli
from symcount.layers.stacking import MAX_WIDENING_LAYERS, CannotStack
from symcount.render import Report
from symcount.shapes.sizes import SizeValueError
from symcount.symbols import dim_expr

torch = pytest.importorskip("torch")
nn = torch.nn

# The rank of the low-rank projection is computed from the layer's input width,
# as Mamba's dt_rank="auto" is from d_model.
DT_RANK = """
cell dt_rank(m, n)
    size R = ceil(m / 16)
    input x : m
    state h : n
    param W_R : (R, m)
    delta = softplus(W_delta @ (W_R @ x) + p_delta)
    h' = tanh(W @ x + U @ h + b) * sigmoid(delta)
end
"""


class DtRank(nn.Module):
    def __init__(self, m: int, n: int):
        super().__init__()
        self.down = nn.Linear(m, math.ceil(m / 16), bias=False)  # W_R
        self.up = nn.Linear(math.ceil(m / 16), n)  # W_delta, p_delta
        self.input = nn.Linear(m, n)  # W, b
        self.recurrent = nn.Linear(n, n, bias=False)  # U

    def forward(self, x, h):
        delta = nn.functional.softplus(self.up(self.down(x)))
        return torch.tanh(self.input(x) + self.recurrent(h)) * torch.sigmoid(delta)


# A weight declared in the input size: twice as wide, for [x, x * x].
UP = """
cell up(m, n)
    input x : m
    state h : n
    param W_up : (n, 2*m)
    h' = tanh(W_up @ [x, x * x] + U @ h + b)
end
"""


class Up(nn.Module):
    def __init__(self, m: int, n: int):
        super().__init__()
        self.up = nn.Linear(2 * m, n)  # W_up, b
        self.recurrent = nn.Linear(n, n, bias=False)  # U

    def forward(self, x, h):
        return torch.tanh(self.up(torch.cat([x, x * x], -1)) + self.recurrent(h))


# Densely connected, with a rank from the input width: every layer is wider.
DENSE_RANK = """
cell dense_rank(m, n)
    size R = ceil(m / 16)
    input x : m
    state h : n
    output y
    param P : (R, m)
    h' = tanh(W @ x + U @ h + V @ (P @ x) + b)
    y = [x, h']
end
"""


class DenseRank(nn.Module):
    def __init__(self, m: int, n: int):
        super().__init__()
        self.rank = nn.Linear(m, math.ceil(m / 16), bias=False)  # P
        self.back = nn.Linear(math.ceil(m / 16), n, bias=False)  # V
        self.input = nn.Linear(m, n)  # W, b
        self.recurrent = nn.Linear(n, n, bias=False)  # U

    def forward(self, x, h):
        h = torch.tanh(self.input(x) + self.recurrent(h) + self.back(self.rank(x)))
        return torch.cat([x, h], -1)


# The input split into H heads of size d = e / H: layer 2's heads have n / H.
HEADS = """
cell heads(e, H, n)
    size d = e / H
    input x : e
    state h : n
    param g : (H, d)
    q = heads(x, H) * g
    h' = tanh(W @ flat(q) + U @ h + b)
end
"""


class Heads(nn.Module):
    def __init__(self, e: int, H: int, n: int):
        super().__init__()
        self.H = H
        self.g = nn.Parameter(torch.randn(H, e // H))
        self.input = nn.Linear(e, n)  # W, b
        self.recurrent = nn.Linear(n, n, bias=False)  # U

    def forward(self, x, h):
        q = x.reshape(*x.shape[:-1], self.H, -1) * self.g
        return torch.tanh(self.input(q.flatten(-2)) + self.recurrent(h))


# docs/language.md's frozen wiring mask and complex recurrent weight.
WIRED = """
cell wired(m, n)
    input x : m
    state h : n
    param M : (n, m) frozen
    param W_c : complex(n, n)
    h' = tanh((W * M) @ x + abs(W_c @ h))
end
"""


class Wired(nn.Module):
    def __init__(self, m: int, n: int):
        super().__init__()
        self.W = nn.Parameter(torch.randn(n, m))
        self.M = nn.Parameter(torch.randint(0, 2, (n, m)).float(), requires_grad=False)
        self.W_c = nn.Parameter(torch.randn(n, n, dtype=torch.cfloat))

    def forward(self, x, h):
        return torch.tanh(x @ (self.W * self.M).T + (h.to(torch.cfloat) @ self.W_c.T).abs())


def stack_of(make, width: int, hidden: int, layers: int, directions: int) -> list:
    """The torch layers of a stack, each built at the width of its input and run on
    the output of the layer before (its directions' outputs side by side), so the
    widths are the ones a real stack has."""
    built = []
    x = torch.randn(2, width)
    for _ in range(layers):
        cells = [make(x.shape[-1], hidden) for _ in range(directions)]
        built += cells
        with torch.no_grad():
            x = torch.cat([cell(x, torch.zeros(2, hidden)) for cell in cells], -1)
    return built


def reals(modules, trainable: bool = True) -> int:
    """What the count counts: a complex entry is 2 reals (docs/language.md, "Counting")."""
    return sum(
        p.numel() * (2 if p.is_complex() else 1)
        for module in modules
        for p in module.parameters()
        if p.requires_grad == trainable
    )


def cell(text):
    return symcount.loads(text)[0]


SIZES = [(random.Random(seed).randint(1, 120), random.Random(seed + 99).randint(1, 120)) for seed in range(6)]


@pytest.mark.parametrize(("text", "make"), [(DT_RANK, DtRank), (UP, Up), (WIRED, Wired)])
@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize(("m", "n"), SIZES)
def test_a_later_layer_reads_its_own_input_width_everywhere(text, make, layers, bidirectional, m, n):
    directions = 2 if bidirectional else 1
    modules = stack_of(make, m, n, layers, directions)
    c = cell(text)
    for stack in (c.stacked(layers, bidirectional), c.stacked("L", bidirectional)):
        sizes = {"m": m, "n": n} | ({"L": layers} if "L" in map(str, stack.dims) else {})
        assert stack.evaluate(**sizes) == reals(modules)
    summary = c.stacked(layers, bidirectional).summary
    assert Report(summary, {"m": m, "n": n}).frozen_value == reals(modules, trainable=False)


def test_the_rank_of_a_later_layer_is_its_own():
    stack = cell(DT_RANK).stacked(3)
    assert {str(p.shape[0]) for p in stack.params if p.name == "W_R"} == {"R", "R_2"}
    assert stack.size_values({"m": 200, "n": 40}) == {"m": 200, "n": 40, "R": 13, "R_2": 3}
    assert [str(dim_expr(d)) for d in stack.derived.values()] == [
        "ceiling(m/16)",
        "ceiling(n/16)",
    ]
    # Layer 1's rank kept in layers 2 and 3 would count 2*(13 + 13)*40 here, not 2*(3 + 3)*40.
    assert cell(DT_RANK).stacked(3).evaluate(m=200, n=40) == reals(stack_of(DtRank, 200, 40, 3, 1))


@pytest.mark.parametrize("layers", [2, 3, 4])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_widening_stack_has_a_rank_per_layer(layers, bidirectional):
    directions = 2 if bidirectional else 1
    c = cell(DENSE_RANK)
    for m, n in SIZES:
        modules = stack_of(DenseRank, m, n, layers, directions)
        assert c.stacked(layers, bidirectional).evaluate(m=m, n=n) == reals(modules)


def test_a_widening_stack_with_a_rank_from_its_input_has_no_closed_form_in_L(tmp_path, capsys):
    with pytest.raises(CannotStack, match="no closed form") as info:
        cell(DENSE_RANK).stacked("L")
    assert (info.value.line, info.value.column) == (3, 5)  # at `size R = ceil(m / 16)`
    path = tmp_path / "dense.cell"
    path.write_text(DENSE_RANK)
    assert cli.main(["count", str(path), "--layers", "L"]) == 2
    assert f"--layers L: {path}:3:5: cannot stack cell 'dense_rank'" in capsys.readouterr().err


@pytest.mark.parametrize("bidirectional", [False, True])
def test_heads_of_a_later_layer_split_its_own_input(bidirectional):
    directions = 2 if bidirectional else 1
    rng = random.Random(14)
    c = cell(HEADS)
    for _ in range(6):
        H = rng.randint(1, 6)
        e, n = H * rng.randint(1, 20), H * rng.randint(1, 20)
        modules = stack_of(lambda width, hidden, H=H: Heads(width, H, hidden), e, n, 3, directions)
        assert c.stacked(3, bidirectional).evaluate(e=e, H=H, n=n) == reals(modules)
    # Layer 2 splits n into H heads: at an n that H does not divide, it is no layer.
    with pytest.raises(SizeValueError, match=r"size d_2 = n / H \(d in layer 2\) is not a whole number"):
        c.stacked(2).evaluate(e=12, H=3, n=7)


def test_a_cell_whose_input_is_a_matrix_is_not_stacked(tmp_path, capsys):
    text = "cell mat(m, n)\n  input X : (m, m)\n  state h : n\n  h' = tanh(W @ flat(X) + U @ h)\nend\n"
    with pytest.raises(CannotStack) as info:
        cell(text).stacked(2)
    assert info.value.message == (
        "cannot stack cell 'mat': its input 'X' is a matrix (m, m), but a later layer reads "
        "the output of the layer before, a vector"
    )
    assert (info.value.line, info.value.column) == (2, 3)
    path = tmp_path / "mat.cell"
    path.write_text(text)
    for flags in (["--layers", "2"], ["--layers", "1"], ["--bidirectional"]):
        assert cli.main(["count", str(path), *flags]) == 2  # a usage error (docs/cli.md)
        err = capsys.readouterr().err
        assert "its input 'X' is a matrix (m, m)" in err and "Traceback" not in err


def test_a_cell_with_several_inputs_is_not_stacked(capsys):
    assert cli.main(["count", "xlstm.mlstm_cell", "--layers", "2"]) == 2
    err = capsys.readouterr().err
    assert "cannot stack cell 'xlstm.mlstm_cell': it has 3 inputs (q, k, v)" in err


# An input written `2*m`: m is not the input's size, only half of it.
HALVES = """
cell halves(m, n)
    input x : 2*m
    state h : n
    h' = tanh(P @ x[0:m] + Q @ x[m:2*m] + U @ h)
end
"""


def test_an_input_size_that_is_no_symbol_of_its_own_and_sizes_more_is_refused():
    with pytest.raises(CannotStack) as info:
        cell(HALVES).stacked(2)
    assert "its input 'x' has size 2 * m, not a size symbol of its own, and 'm' also sizes" in (
        info.value.message
    )
    # Written with a size of its own, the same cell stacks: m is M / 2 in every layer.
    own = HALVES.replace("halves(m, n)", "halves(M, n)").replace("x : 2*m", "x : M")
    own = own.replace("state h : n", "state h : n\n    size m = M / 2")
    stack = cell(own).stacked(3)
    assert stack.evaluate(M=10, n=8) == (5 * 8 * 2 + 64) + 2 * (4 * 8 * 2 + 64)
    with pytest.raises(SizeValueError, match="m_2"):
        stack.evaluate(M=10, n=7)  # layer 2 would split 7 in halves


def test_an_input_size_whose_symbols_size_nothing_else_is_given_the_width():
    text = "cell c(m, n)\n  input x : 2*m\n  state h : n\n  h' = tanh(P @ x + U @ h)\nend\n"
    assert cell(text).stacked(3).evaluate(m=3, n=4) == (6 * 4 + 16) + 2 * (4 * 4 + 16)


def test_a_layer_that_cannot_be_says_which_layer():
    # [h, b] has the input's size: in layer 2 the input is h's size, and b would be empty.
    text = "cell c(m, n)\n  input x : m\n  state h : n\n  h' = tanh(U @ h) * (W @ (x * [h, b]))\nend\n"
    with pytest.raises(symcount.SymcountError) as info:
        cell(text).stacked(2)
    assert "so 'b' would have size 0" in info.value.message
    assert info.value.notes[-1].message == (
        "in layer 2 of the stack, which reads the output of layer 1: input 'x' has size n there"
    )


def test_a_cell_whose_hidden_size_is_its_input_size_grows_with_it():
    # One symbol for both (minGRU's dim): layer 2 of a bidirectional stack is the cell at 2n.
    c = symcount.builtin("mingru_pytorch.mingru")
    assert c.stacked(2, bidirectional=True).evaluate(n=5) == 2 * c.evaluate(n=5) + 2 * c.evaluate(n=10)
    assert c.stacked("L", bidirectional=True).evaluate(n=5, L=3) == 2 * sum(
        c.evaluate(n=5 * 2**k) for k in range(3)
    )


def test_a_count_in_r_to_the_L_is_evaluated_for_a_bounded_number_of_layers(capsys):
    # A count in 4**L has hundreds of digits more per layer: --set L=10**20 would run
    # for ever, as --layers 10**20 would (test_stacking).
    c = symcount.builtin("mingru_pytorch.mingru")  # bidirectional: each layer twice as wide
    most = MAX_WIDENING_LAYERS
    assert c.stacked("L", bidirectional=True).evaluate(n=1, L=most) == 4 * (4**most - 1) // 3
    with pytest.raises(SizeValueError, match=rf"grows as 2\*\*L\) is {most + 1}; it is at most {most:,} here$"):
        c.stacked("L", bidirectional=True).evaluate(n=1, L=most + 1)
    assert cli.main(["count", "mingru_pytorch.mingru", "--layers", "L", "--bidirectional",
                     "--set", "n=3", "--set", "L=99999999999999999999"]) == 2  # fmt: skip
    assert f"is 99999999999999999999; it is at most {most:,} here" in capsys.readouterr().err
    # A stack whose layers widen by adding (densely connected) has a polynomial count in L.
    dense = cell("cell dense(m, n)\n input x : m\n state h : n\n output y\n h' = tanh(W @ x + U @ h)\n y = [x, h']\nend\n")
    assert dense.stacked("L").evaluate(m=1, n=1, L=10**20) > 0
