"""The built-in functions a cell may call: one table, read by every stage.

Each row says how a function is called (its arguments, which of them are
sizes, which one is a kernel parameter), its category, and the LaTeX command
papers write for it. Every stage has a rule for every category, and for the
functions of a category that behave apart (a norm with a group count, a
convolution's kernel), a rule per function; a test checks that each function
has one in each stage (tests/test_architecture.py).

- elementwise: keeps its argument's shape (`max`, `min`: two values, broadcast);
- normalisation: parameter-free over the last axis (groupnorm: the channels);
  gains and biases are written as vectors around it;
- convolution: `conv1d(w, v[, K])` depthwise over time, `conv(W, x[, k])` spatial;
- contraction: a product of values, `outer(a, b)`, or a sum over an axis, `sum(v)`;
- structure: moves entries without arithmetic, `heads(v, H)`, `flat(T)`.

The language reference (docs/language.md, "Functions") lists them for users.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Category(str, Enum):
    ELEMENTWISE = "elementwise"
    NORMALISATION = "normalisation"
    CONVOLUTION = "convolution"
    CONTRACTION = "contraction"
    STRUCTURE = "structure"

    __str__ = str.__str__


@dataclass(frozen=True)
class Function:
    """One built-in function: how it is called, what it is, how papers write it."""

    name: str
    category: Category
    min_args: int = 1
    max_args: int = 1
    sizes: tuple[int, ...] = ()  # argument positions that are sizes (`H` in heads(v, H))
    weight: int | None = None  # the argument position that must be a parameter (a kernel)
    # The LaTeX command a paper writes (`\sigma`); None: `\operatorname{name}`.
    latex: str | None = None
    # FLOPs per entry of the result under the symcount convention, for an elementwise
    # function or a normalisation (docs/costs.md, "Activations and normalisations"):
    # each operation of the formula written out (sigmoid: -x, exp, 1 + ., 1 / .).
    flops: int = 0
    # The call a PyTorch module computes it with, as the counting tools see it (docs/costs.md,
    # "Conventions of other tools"): "torch.sigmoid", "F.relu", "nn.Conv1d"; "" moves entries only.
    torch: str = ""


_E, _N, _V, _C, _S = (
    Category.ELEMENTWISE, Category.NORMALISATION, Category.CONVOLUTION, Category.CONTRACTION,
    Category.STRUCTURE,
)  # fmt: skip

TABLE: dict[str, Function] = {
    f.name: f
    for f in (
        Function("sigmoid", _E, latex=r"\sigma", flops=4, torch="torch.sigmoid"),
        Function("tanh", _E, latex=r"\tanh", flops=5, torch="torch.tanh"),
        Function("relu", _E, flops=1, torch="F.relu"),
        Function("softplus", _E, flops=3, torch="F.softplus"),
        Function("softsign", _E, flops=3, torch="F.softsign"),
        Function("exp", _E, latex=r"\exp", flops=1, torch="torch.exp"),
        Function("log", _E, latex=r"\log", flops=1, torch="torch.log"),
        Function("hard_sigmoid", _E, flops=4, torch="F.hardsigmoid"),
        Function("identity", _E, flops=0),
        Function("elu", _E, flops=4, torch="F.elu"),
        Function("gelu", _E, flops=5, torch="F.gelu"),
        Function("silu", _E, flops=5, torch="F.silu"),
        Function("swish", _E, flops=5, torch="F.silu"),
        Function("sin", _E, latex=r"\sin", flops=1, torch="torch.sin"),
        Function("cos", _E, latex=r"\cos", flops=1, torch="torch.cos"),
        Function("abs", _E, flops=1, torch="torch.abs"),
        Function("sqrt", _E, flops=1, torch="torch.sqrt"),
        Function("leaky_relu", _E, latex=r"\operatorname{LeakyReLU}", flops=2, torch="F.leaky_relu"),
        Function("logsigmoid", _E, latex=r"\log\sigma", flops=5, torch="F.logsigmoid"),
        Function("max", _E, 2, 2, latex=r"\max", flops=1, torch="torch.maximum"),
        Function("min", _E, 2, 2, latex=r"\min", flops=1, torch="torch.minimum"),
        Function("layernorm", _N, latex=r"\mathrm{LN}", flops=5, torch="F.layer_norm"),
        Function("rmsnorm", _N, latex=r"\mathrm{RMSNorm}", flops=3, torch="F.rms_norm"),
        Function("batchnorm", _N, latex=r"\mathrm{BN}", flops=5, torch="F.batch_norm"),
        Function("groupnorm", _N, 2, 2, sizes=(1,), latex=r"\mathrm{GN}", flops=5, torch="F.group_norm"),
        Function("conv1d", _V, 2, 3, sizes=(2,), weight=0, latex=r"\operatorname{conv}", torch="nn.Conv1d"),
        Function("conv", _V, 2, 3, sizes=(2,), weight=0, latex=r"\operatorname{conv}", torch="nn.Conv2d"),
        Function("outer", _C, 2, 2, torch="torch.matmul"),
        Function("sum", _C, torch="torch.sum"),
        Function("heads", _S, 2, 2, sizes=(1,), latex=r"\operatorname{heads}"),
        Function("flat", _S, latex=r"\operatorname{vec}"),
    )
}

FUNCTIONS = frozenset(TABLE)

# The functions that keep their argument's shape entry by entry.
ELEMENTWISE = frozenset(name for name, f in TABLE.items() if f.category is Category.ELEMENTWISE)


def arity_text(function: Function) -> str:
    name, low, high = function.name, function.min_args, function.max_args
    if low == high:
        return f"{name}() takes exactly {number_text(low)} argument{'s' if low > 1 else ''}"
    return f"{name}() takes {number_text(low)} or {number_text(high)} arguments"


def number_text(count: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(count, str(count))
