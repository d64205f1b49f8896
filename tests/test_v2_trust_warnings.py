"""Warnings of language v2 for readings that a count would otherwise hide
(docs/errors.md, "Warnings"), and the rules they sit beside:

- a size symbol standing where a weight may be meant (Mamba's skip `D * x` in
  a cell with a size `D`);
- a parameter whose shape was chosen among several that fit (Mamba's `A_log`
  beside an `(I, N)` state);
- a `def` that nothing calls;
- a gate that is a plain vector on the left of `@`, an error as for inputs
  and states.

The warned-about readings are checked against faithful PyTorch modules: the
count differs from the module's, and the fix the warning names gives it.
"""

import random

import pytest

import symcount
from conftest import m, n, same
from research_modules import build, count
from symcount.symbols import size_symbol

MAMBA = symcount.builtin("mambapy.mamba_block").ir.source.text


def warnings_of(text: str) -> list[tuple[str, int, int]]:
    return [(w.message, w.line, w.column) for cell in symcount.loads(text, filename="c.cell") for w in cell.warnings]


def cell(*lines: str, header: str = "m, n") -> str:
    return f"cell c({header})\n  input x : m\n  state h : n\n" + "".join(f"  {s}\n" for s in lines) + "end\n"


def sizes(rng: random.Random) -> dict[str, int]:
    return {"D": rng.randint(1, 9), "E": rng.randint(1, 3), "N": rng.randint(1, 6), "K": rng.randint(1, 4), "R": rng.randint(1, 3)}


# ---- a size symbol where a weight may be meant ----


def size_warning(name: str, role: str) -> str:
    return f"'{name}' is the size symbol {name} here, a constant; write a parameter name ({name}_{role}) if a weight is meant"


def test_mambas_skip_written_with_the_size_d_is_warned_and_differs_from_mambapy():
    text = MAMBA.replace("D_skip * x", "D * x")
    line = text.split("\n").index("    y = h' @ C + D * x") + 1
    assert warnings_of(text) == [(size_warning("D", "skip"), line, 18)]
    [warned] = symcount.loads(text)
    fixed = symcount.builtin("mambapy.mamba_block")
    rng = random.Random("size symbol as a weight")
    for _ in range(3):
        at = sizes(rng)
        module = count(build("mambapy.mamba_block", **at))
        assert fixed.evaluate(**at) == module  # the fix the warning names: `D_skip`
        assert warned.evaluate(**at) == module - at["E"] * at["D"]  # the skip vector is gone


@pytest.mark.parametrize(
    "lines, name, role",
    [
        (("h' = tanh(W @ x + U @ h) + n * h",), "n", "skip"),
        (("h' = tanh(W @ x + U @ h) * m",), "m", "scale"),
        (("h' = -n * tanh(W @ x + U @ h)",), "n", "scale"),
        (("h' = tanh(W @ x + U @ h + n)",), "n", "bias"),
        (("size r = n", "h' = tanh(W @ x + U @ h) - r",), "r", "bias"),
        (("def f(a) = a * n", "h' = f(tanh(W @ x + U @ h))"), "n", "scale"),
    ],
)
def test_a_size_standing_as_a_term_or_factor_beside_values_is_warned(lines, name, role):
    [(message, _, _)] = warnings_of(cell(*lines))
    assert message == size_warning(name, role)


@pytest.mark.parametrize(
    "lines",
    [
        ("h' = tanh(W @ x / sqrt(n) + U @ h)",),  # inside a call: scaling
        ("h' = tanh(W @ x + U @ h) / n",),  # a divisor: normalising
        ("h' = tanh(W @ x + U @ h) * (1 / n)",),
        ("h' = tanh(W @ x + U @ h) * (2 * n)",),  # beside numbers and sizes only
        ("h' = tanh(W @ x + U @ h) * exp(-n)",),
        ("h' = flat(heads(W @ x, n)) + U @ h",),  # a size argument
    ],
)
def test_a_size_as_a_constant_is_not_warned(lines):
    assert warnings_of(cell(*lines, header="m, n")) == []


# ---- a parameter shape chosen among several ----


def choice_warning(name: str, chosen: str, other: str) -> str:
    return (
        f"the shape of parameter '{name}' is a choice: it meets values of shapes {chosen} and {other} "
        f"elementwise and takes the smallest, {chosen}; if it is {other}, declare `param {name} : {other}`"
    )


def test_mambas_a_log_undeclared_is_warned_and_differs_from_mambapy():
    text = MAMBA.replace("    param A_log : (I, N)\n", "")
    line = text.split("\n").index("    A = -exp(A_log)") + 1
    assert warnings_of(text) == [(choice_warning("A_log", "I", "(I, N)"), line, 14)]
    [warned] = symcount.loads(text)
    [choice] = warned.shapes.choices
    D, E, N = (size_symbol(s) for s in "DEN")
    assert choice.name == "A_log" and [str(s) for s in choice.chosen] == ["D*E"]
    assert [[str(s) for s in shape] for shape in choice.others] == [["D*E", "N"]]
    fixed = symcount.builtin("mambapy.mamba_block")  # `param A_log : (I, N)`, as the warning says
    assert same(fixed.count - warned.count, D * E * N - D * E)
    rng = random.Random("a shape chosen")
    for _ in range(3):
        at = sizes(rng)
        assert fixed.evaluate(**at) == count(build("mambapy.mamba_block", **at))
        assert warned.evaluate(**at) != count(build("mambapy.mamba_block", **at)) or at["N"] == 1


LTC = """cell ltc_sensory(m, n)
    input x : m
    state v : n
    param w_s : (m, n)
    a = softplus(w_s) * sigmoid(sigma_s * (x - mu_s))
    v' = tanh(W @ flat(a) + U @ v)
end
"""


def ltc_module(m_: int, n_: int):
    """LTC's sensory synapses as ncps computes them: `sigmoid((x[..., None] - mu) * sigma)`
    with mu, sigma and w of shape (inputs, units)."""
    import torch

    class Sensory(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.rand(m_, n_))
            self.mu = torch.nn.Parameter(torch.rand(m_, n_))
            self.sigma = torch.nn.Parameter(torch.rand(m_, n_))
            self.W = torch.nn.Linear(m_ * n_, n_, bias=False)
            self.U = torch.nn.Linear(n_, n_, bias=False)

        def forward(self, x, v):
            a = torch.nn.functional.softplus(self.w) * torch.sigmoid(self.sigma * (x[..., None] - self.mu))
            return torch.tanh(self.W(a.flatten(-2)) + self.U(v))

    module = Sensory()
    module(torch.rand(2, m_), torch.rand(2, n_))  # the shapes are the module's
    return module


def test_ltcs_sensory_mu_and_sigma_are_warned_and_the_fix_gives_the_modules_count():
    warned = warnings_of(LTC)
    assert [message for message, _, _ in warned] == [
        choice_warning("sigma_s", "m", "(m, n)"),
        choice_warning("mu_s", "m", "(m, n)"),
    ]
    [cell_] = symcount.loads(LTC)
    fixed_text = LTC.replace("    param w_s : (m, n)\n", "    param w_s : (m, n)\n    param mu_s : (m, n)\n    param sigma_s : (m, n)\n")
    [fixed] = symcount.loads(fixed_text)
    assert fixed.warnings == ()
    pytest.importorskip("torch")
    for m_, n_ in ((2, 3), (5, 1), (4, 7)):
        module = sum(p.numel() for p in ltc_module(m_, n_).parameters())
        assert fixed.evaluate(m=m_, n=n_) == module
        assert cell_.evaluate(m=m_, n=n_) == module - 2 * (m_ * n_ - m_)


def test_a_parameter_beside_values_of_two_ranks_is_warned():
    text = "cell c(m, n)\n  input x : n\n  state M : (n, m)\n  M' = b * M + tanh(b * x)\nend\n"
    assert warnings_of(text) == [(choice_warning("b", "n", "(n, m)"), 4, 8)]


@pytest.mark.parametrize(
    "text",
    [
        # a layer's bias has the layer's output shape, wherever the gate goes
        "cell c(m, n)\n  input x : m\n  state C : (n, n)\n  f = sigmoid(W @ x + b)\n  C' = f * C + outer(V @ x, V @ x)\nend\n",
        "cell c(m, n)\n  input x : m\n  state C : (n, n)\n  f = sigmoid(sum(w * x) + b)\n  C' = f * C + outer(V @ x, V @ x)\nend\n",
        # the larger shape would not infer: the gate also updates a vector state
        "cell c(n)\n  input x : n\n  state C : (n, n)\n  state s : n\n  f = exp(x * a)\n  C' = f * C\n  s' = f * s\nend\n",
        # one shape met, however large
        "cell c(n)\n  input x : n\n  state C : (n, n)\n  C' = exp(A) * C + outer(x, x)\nend\n",
        # declared: the user chose
        "cell c(n)\n  input x : n\n  state C : (n, n)\n  param a : n\n  C' = exp(x * a) * C\nend\n",
    ],
)
def test_no_choice_is_warned_where_there_is_none(text):
    assert warnings_of(text) == []


# ---- a def that nothing calls ----


def test_an_unused_def_is_warned():
    text = cell("def act(a) = tanh(a)", "def gate(a) = sigmoid(a)", "h' = gate(W @ x + U @ h)")
    assert warnings_of(text) == [("function 'act' is never called", 4, 7)]


def test_a_def_called_only_by_another_def_is_used():
    text = cell("def act(a) = tanh(a)", "def both(a) = act(a) * a", "h' = both(W @ x + U @ h)")
    assert warnings_of(text) == []


# ---- a plain vector on the left of @ ----


@pytest.mark.parametrize(
    "lines, column, what",
    [
        (("g = tanh(W @ x)", "h' = tanh(g @ h)"), 13, "gate 'g'"),
        # a matrix on the right: a row vector of a gate is as plain as an input's
        (("g = tanh(W @ x)", "C = outer(h, h)", "h' = tanh(g @ C)"), 13, "gate 'g'"),
        (("h' = tanh(x @ outer(h, h))",), 13, "input 'x'"),
    ],
)
def test_a_plain_vector_left_of_at_is_an_error_whatever_it_is(lines, column, what):
    text = cell(*lines, header="n, m").replace("input x : m", "input x : n")
    with pytest.raises(symcount.SymcountError) as info:
        symcount.loads(text)
    assert info.value.message == f"the left operand of @ must be a parameter (a weight), not {what}"
    assert (info.value.line, info.value.column) == (3 + len(lines), column)


def test_a_gate_of_rank_two_may_be_left_of_at():
    text = "cell c(H, d)\n  input q : H*d\n  state C : (H, d, d)\n  k = heads(W @ q, H)\n  C' = C + outer(k, k)\n  y = k @ C'\n  output y\nend\n"
    [c] = symcount.loads(text)
    H, d = size_symbol("H"), size_symbol("d")
    assert same(c.count, (H * d) ** 2) and c.warnings == ()


def test_no_builtin_warns():
    assert [name for name in symcount.builtins() if symcount.builtin(name).warnings] == []


def test_lstm_counts_are_unchanged():
    assert same(symcount.builtin("lstm").count, 4 * m * n + 4 * n**2 + 4 * n)
