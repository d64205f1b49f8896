"""`numel`: the count as a framework's `numel()` gives it, beside the count in reals.

A complex parameter counts 2 reals an entry, but PyTorch's `numel()` counts a
`torch.complex64` tensor's entry once; quaternion parameters have no dtype of
their own, and the quaternion packages keep 4 real numbers an entry
(docs/language.md, "Complex and quaternion parameters"). Each claim is checked
against a module built here or taken from speechbrain, at random sizes.
"""

import importlib.util
import json
import random

import pytest
import sympy

import symcount
from conftest import m, n, same
from research_modules import stub_torchaudio
from symcount import cli
from symcount.render import Report, markdown
from symcount.render import json as json_format
from symcount.symbols import size_symbol

torch = pytest.importorskip("torch")

H, N, L = (size_symbol(s) for s in "HNL")

# The LRU (Orvieto et al., 2023, appendix A), one step: lambda = exp(-exp(nu_log) +
# i exp(theta_log)) is written as its real part (the language has no imaginary
# unit; the count is the same); B and C are complex.
LRU = """cell lru(H, N) "Linear recurrent unit (Orvieto et al., 2023)"
    input u : H
    state x : N
    param B : complex(N, H)
    param C : complex(H, N)
    lam = exp(-exp(nu_log)) * cos(exp(theta_log))
    x' = lam * x + exp(gamma_log) * (B @ u)
    y = C @ x' + D * u
    output y
end
"""


class TorchLRU(torch.nn.Module):
    """The LRU as the LRU-pytorch package writes it: B and C complex tensors, the rest real
    (its D is a vector here, as in the paper)."""

    def __init__(self, h: int, n: int):
        super().__init__()
        self.nu_log = torch.nn.Parameter(torch.rand(n))
        self.theta_log = torch.nn.Parameter(torch.rand(n))
        self.gamma_log = torch.nn.Parameter(torch.rand(n))
        self.B = torch.nn.Parameter(torch.randn(n, h, dtype=torch.complex64))
        self.C = torch.nn.Parameter(torch.randn(h, n, dtype=torch.complex64))
        self.D = torch.nn.Parameter(torch.randn(h))

    def forward(self, u: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        lam = torch.exp(-torch.exp(self.nu_log) + 1j * torch.exp(self.theta_log))
        x = lam * x + torch.exp(self.gamma_log) * (self.B @ u.to(torch.complex64))
        return (self.C @ x).real + self.D * u, x


def numel(module: torch.nn.Module) -> int:
    """What users sum: `numel()` over the parameters (a complex entry once)."""
    return sum(p.numel() for p in module.parameters())


def reals(module: torch.nn.Module) -> int:
    """The real numbers trained: a complex entry twice."""
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in module.parameters())


def draws(seed: str, count: int = 6) -> list[dict[str, int]]:
    rng = random.Random(seed)
    return [{"H": rng.randint(1, 40), "N": rng.randint(1, 40)} for _ in range(count)]


@pytest.fixture(scope="module")
def lru():
    [cell] = symcount.loads(LRU)
    return cell


def test_the_lru_counts_reals_and_numel_apart(lru):
    assert lru.warnings == ()
    assert same(lru.count, 4 * H * N + 3 * N + H)
    assert same(lru.numel, 2 * H * N + 3 * N + H)
    numels = {p.name: p.numel for p in lru.params}
    assert numels["B"] == numels["C"] == H * N and numels["D"] == H and numels["nu_log"] == N


@pytest.mark.parametrize("sizes", draws("lru"), ids=str)
def test_the_lru_is_the_pytorch_module(lru, sizes):
    module = TorchLRU(sizes["H"], sizes["N"])
    y, x = module(torch.randn(sizes["H"]), torch.zeros(sizes["N"], dtype=torch.complex64))
    assert y.shape == (sizes["H"],) and x.shape == (sizes["N"],)  # the module runs: its shapes are the cell's
    assert lru.evaluate_numel(**sizes) == numel(module)
    assert lru.evaluate(**sizes) == reals(module)
    [p_b] = [p for p in lru.params if p.name == "B"]
    assert int(p_b.numel.subs({H: sizes["H"], N: sizes["N"]})) == module.B.numel()


@pytest.mark.parametrize("sizes", draws("lru stacked", 4), ids=str)
@pytest.mark.parametrize("layers", [2, 3, "L"])
def test_a_stack_of_lrus_is_the_pytorch_stack(lru, sizes, layers):
    depth = 3 if layers == "L" else layers
    stack = lru.stacked(layers)
    modules = torch.nn.ModuleList(TorchLRU(sizes["H"], sizes["N"]) for _ in range(depth))
    at = sizes | ({"L": depth} if layers == "L" else {})
    assert stack.evaluate_numel(**at) == numel(modules)
    assert stack.evaluate(**at) == reals(modules)
    assert sum(int(p.numel.subs({size_symbol(k): v for k, v in at.items()})) for p in stack.params) == numel(modules)


# A cell that emits its input beside its state: each layer of a stack reads a wider
# input, and a symbolic depth's count is a closed-form sum over the layers.
WIDENING = """cell widening(m, n)
    input x : m
    state h : n
    param U : complex(n, n)
    h' = tanh(W @ x + U @ h)
    y = [x, h']
    output y
end
"""


def test_a_widening_stack_sums_numel_over_its_layers():
    [cell] = symcount.loads(WIDENING)
    stack = cell.stacked("L")
    assert stack.counts.numel_total is None  # the closed-form sum, not a polynomial
    for layers in range(1, 5):
        layer_k = [cell.evaluate_numel(m=3 + (k - 1) * 2, n=2) for k in range(1, layers + 1)]
        assert stack.evaluate_numel(m=3, n=2, L=layers) == sum(layer_k)
        assert cell.stacked(layers).evaluate_numel(m=3, n=2) == sum(layer_k)
    assert same(stack.count - stack.numel, L * n**2)  # U, the one complex parameter, an n x n in each layer


def test_frozen_parameters_stay_out_of_numel():
    [cell] = symcount.loads(
        "cell c(m, n)\n input x : m\n state h : n\n param M : complex(n, m) frozen\n"
        " param W_c : complex(n, n)\n h' = tanh((W * M) @ x + W_c @ h)\nend\n"
    )
    assert same(cell.numel, m * n + n**2) and same(cell.count, m * n + 2 * n**2)
    assert same(cell.frozen, 2 * m * n)  # in reals, as `count`
    assert [p.numel for p in cell.params if p.name == "M"] == [m * n]


def test_a_real_cell_has_numel_equal_to_its_count():
    lstm = symcount.builtin("lstm")
    assert lstm.numel is lstm.count and lstm.counts.numel_total is lstm.counts.total
    assert lstm.evaluate_numel(m=3, n=2) == lstm.evaluate(m=3, n=2) == 48
    with pytest.raises(ValueError, match="missing n"):
        lstm.evaluate_numel(m=3)
    with pytest.raises(ValueError, match="positive integer"):
        lstm.evaluate_numel(m=3, n=0)


# ---- quaternion and complex parameters kept as real tensors ----

QRNN = """cell qrnn(m, n)
    input x : m
    state h : n
    param W : quaternion(n, m)
    param U : quaternion(n, n)
    param b : quaternion(n)
    param c : quaternion(n)
    h' = tanh(W @ x + b + U @ h + c)
end
"""

CRNN = """cell crnn(m, n)
    input x : m
    state h : n
    param W : complex(n, m)
    param U : complex(n, n)
    h' = tanh(W @ x + U @ h)
end
"""


def speechbrain_layer(name: str):
    if importlib.util.find_spec("speechbrain"):
        stub_torchaudio()
    module = pytest.importorskip(f"speechbrain.nnet.{name}")
    return module


@pytest.mark.parametrize("sizes", [{"m": 1, "n": 1}, {"m": 3, "n": 5}, {"m": 7, "n": 2}], ids=str)
def test_quaternion_numel_is_four_reals_an_entry_as_speechbrain_keeps_them(sizes):
    # QLinear keeps r, i, j and k weights: four real tensors; sizes in reals are 4x the quaternion ones.
    layer = speechbrain_layer("quaternion_networks.q_RNN").QRNN_Layer(4 * sizes["m"], 4 * sizes["n"], 1, 2)
    assert all(not p.is_complex() for p in layer.parameters())
    [cell] = symcount.loads(QRNN)
    assert cell.numel is cell.count
    assert cell.evaluate_numel(**sizes) == cell.evaluate(**sizes) == numel(layer)


@pytest.mark.parametrize("sizes", [{"m": 1, "n": 1}, {"m": 3, "n": 5}, {"m": 7, "n": 2}], ids=str)
def test_complex_weights_kept_as_real_pairs_are_the_count(sizes):
    # speechbrain's CLinear keeps real_weight and imag_weight: numel() gives 2 reals an entry.
    layer = speechbrain_layer("complex_networks.c_RNN").CRNN_Layer(2 * sizes["m"], 2 * sizes["n"], 1, 2)
    [cell] = symcount.loads(CRNN)
    assert cell.evaluate(**sizes) == numel(layer)
    assert 2 * cell.evaluate_numel(**sizes) == numel(layer)


# ---- the outputs ----


def run(capsys, *argv: str) -> str:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_text_gives_numel_and_its_value(capsys, tmp_path):
    (tmp_path / "lru.cell").write_text(LRU)
    out = run(capsys, "count", str(tmp_path / "lru.cell"), "--set", "H=4", "--set", "N=8")
    assert "  numel     2*H*N + H + 3*N (a complex entry once, as numel() counts it)\n" in out
    assert "  value     156 (numel 92)  (H=4, N=8)\n" in out
    assert numel(TorchLRU(4, 8)) == 92


def test_json_gives_numel_per_cell_and_per_complex_parameter(lru):
    [doc] = json.loads(json_format.render([Report(lru.summary, {"H": 4, "N": 8})]))["cells"]
    keys = list(doc)
    assert keys.index("latex") < keys.index("numel") < keys.index("value") < keys.index("numel_value") < keys.index("layers")
    assert same(sympy.sympify(doc["numel"], locals={"H": H, "N": N}), 2 * H * N + 3 * N + H)
    assert doc["numel_value"] == 92 and doc["value"] == 156
    params = {p["name"]: p for p in doc["params"]}
    assert params["B"]["field"] == "complex" and params["B"]["numel"] == "H*N"
    assert "numel" not in params["D"]


def test_a_stack_gives_numel_in_json(lru):
    [doc] = json.loads(json_format.render([Report(lru.stacked("L").summary, {"H": 4, "N": 8, "L": 3})]))["cells"]
    assert doc["numel_value"] == 3 * 92 and doc["value"] == 3 * 156
    numels = [sympy.sympify(p["numel"], locals={"H": H, "N": N, "L": L}) for p in doc["params"] if "numel" in p]
    assert [sympy.factor(e) for e in numels] == [H * N, H * N, H * N * (L - 1), H * N * (L - 1)]


def test_markdown_and_latex_give_numel(lru):
    out = markdown.render([Report(lru.summary, {"H": 4, "N": 8})])
    assert "**`numel()`:** $2 H N + H + 3 N$ — **92** (a complex entry once)" in out
    assert "| **`numel()`** |  |  | $2 H N + H + 3 N$ |  | **92** |" in out
    tex = lru.latex(params=True, sizes={"H": 4, "N": 8}, width="6.5in")  # each line whole
    assert r"\text{numel (a complex entry once): } 2 H N + H + 3 N" in tex
    assert r"P_{\mathrm{lru}}(4, 8) = 156, \quad \text{numel: } 92" in tex
    assert any(row.split("&")[0].strip() == r"\texttt{numel()}" and "92" in row for row in tex.splitlines())
    assert r"\text{numel (a complex entry once): } 2 H N + H + 3 N" in lru._repr_latex_()


def test_a_real_cell_shows_no_numel(capsys):
    lstm = symcount.builtin("lstm")
    [doc] = json.loads(json_format.render([Report(lstm.summary, {"m": 3, "n": 2})]))["cells"]
    assert not {"numel", "numel_value"} & set(doc)
    assert all("numel" not in p for p in doc["params"])
    assert "numel" not in run(capsys, "count", "lstm", "--set", "m=3", "--set", "n=2")
    assert "numel" not in markdown.render([Report(lstm.summary, {"m": 3, "n": 2})])
    assert "numel" not in lstm.latex(params=True, equations=True, sizes={"m": 3, "n": 2})
