"""`--no-bias`: what it drops from the count it drops from the printed equations,
wherever the bias is (inside a slice, inside a def's body), and the count is
the one of a real module built with `bias=False`."""

import random

import pytest

import symcount
from symcount import cli, ir
from symcount.layers import biases

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
    assert lines[1] == r"  \operatorname{lin}(a) &= V a \\"
    assert lines[2] == r"  z_t &= \sigma(W x_t + \operatorname{lin}(h_{t-1})) \\"


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


@pytest.mark.parametrize("text, module", [(SLICED, Sliced), (DEFINED, Defined)])
@pytest.mark.parametrize("bias", [True, False])
def test_the_count_is_the_modules(text, module, bias):
    cell = symcount.loads(text)[0]
    used = cell if bias else cell.without_biases()
    rng = random.Random(f"{cell.name}{bias}")
    for _ in range(5):
        m, n = rng.randint(1, 40), rng.randint(1, 40)
        built = module(m, n, bias)
        assert built(torch.zeros(3, m), torch.zeros(3, n)).shape == (3, n)  # it runs: sizes agree
        assert used.evaluate(m=m, n=n) == sum(p.numel() for p in built.parameters())
