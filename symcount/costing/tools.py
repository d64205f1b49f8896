"""What thop, ptflops, calflops and torchinfo charge, read from their sources.

Each rule here was read from the pinned version's source and is checked against
the running tool at random sizes (tests/test_cost_tools.py); docs/costs.md,
"Conventions of other tools", states them for users. Two regimes:

- a torch built-in (torch.rnn, torch.lstm, torch.gru, torch.lstm_proj) IS one of
  the tool's recurrent modules, and gets the tool's own rule for it (`RULES`),
  for each layer and direction, errors included (thop reads every later layer
  as D·n wide and ignores the projection; ptflops and calflops leave the
  projection out);
- any other cell is priced as the tool prices it written as a PyTorch module
  (`call`: weights as nn.Linear, kernels as nn.Conv1d/nn.Conv2d, everything
  else as torch functions), call by call (`CHARGES`); a call a tool has no
  rule for is not counted by it, which the output says.

Every figure is per time step and per sequence, MACs and FLOPs. thop, ptflops
and torchinfo report MACs only: their FLOPs are shown as twice their MACs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from ..functions import TABLE
from ..poly import Poly
from .operations import Kind, Op, entries

ZERO, ONE, TWO = Poly.const(0), Poly.const(1), Poly.const(2)

# Gates of each torch recurrent module: the rows of its weight_ih / weight_hh over n.
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}

Charge = tuple[Poly, Poly]  # (MACs, FLOPs)


@dataclass(frozen=True)
class RecurrentLayer:
    """One layer and direction of torch.nn.RNN / LSTM / GRU, as a tool's rule reads it."""

    kind: str  # "RNN", "LSTM", "GRU"
    width: Poly  # its input's width: m in layer 1, D·(p or n) in a later one
    hidden: Poly  # n
    recurrent: Poly  # the hidden state h's width: p with a projection, else n
    bias: bool
    first: bool
    directions: int

    @property
    def gates(self) -> Poly:
        return Poly.const(GATES[self.kind])

    @property
    def projection(self) -> Poly:
        """The entries of weight_hr (p·n), 0 without a projection."""
        return ZERO if self.recurrent == self.hidden else self.recurrent * self.hidden

    @property
    def biases(self) -> Poly:
        """bias_ih and bias_hh: 2·G·n entries, or none."""
        return TWO * self.gates * self.hidden if self.bias else ZERO


def _mac_rows(rows: dict[Kind, Poly]) -> dict[Kind, Charge]:
    """A MACs-only tool's rows, each with FLOPs twice its MACs."""
    return {kind: (macs, TWO * macs) for kind, macs in rows.items()}


# Additions and elementwise products per hidden unit besides the biases, as the
# sources' comments count them: thop's rnn_hooks.py (`_count_lstm_cell`: the 4 adds
# of the two products, "hadamard hadamard add" for c', one hadamard for h'), ptflops'
# and calflops' `_rnn_flops` (LSTM: 4n adds, "two hadamard product and add" 3n,
# "final hadamard" 3n).
EXTRA = {
    "thop": {"RNN": (1, 0), "GRU": (4, 3), "LSTM": (5, 3)},
    "ptflops": {"RNN": (1, 0), "GRU": (4, 3), "LSTM": (5, 5)},
}


def _extra(tool: str, layer: RecurrentLayer) -> tuple[Poly, Poly]:
    adds, products = EXTRA[tool][layer.kind]
    return Poly.const(adds) * layer.hidden + layer.biases, Poly.const(products) * layer.hidden


def thop_rule(layer: RecurrentLayer) -> dict[Kind, Charge]:
    """thop's count_rnn / count_lstm / count_gru: every later layer read as D·n wide
    and h as n wide, whatever the projection; the projection not at all."""
    width = layer.width if layer.first else Poly.const(layer.directions) * layer.hidden
    matrix = layer.gates * layer.hidden * (width + layer.hidden)
    adds, products = _extra("thop", layer)
    return _mac_rows({Kind.MATRIX: matrix, Kind.ADDITION: adds, Kind.PRODUCT: products})


def ptflops_rule(layer: RecurrentLayer) -> dict[Kind, Charge]:
    """ptflops' rnn_flops_counter_hook: the entries of weight_ih and weight_hh as they
    are (so a later layer's true width), the biases, no projection (weight_hr)."""
    matrix = layer.gates * layer.hidden * (layer.width + layer.recurrent)
    adds, products = _extra("ptflops", layer)
    return _mac_rows({Kind.MATRIX: matrix, Kind.ADDITION: adds, Kind.PRODUCT: products})


def calflops_rule(layer: RecurrentLayer) -> dict[Kind, Charge]:
    """calflops' _rnn_forward_hook: ptflops' rule in FLOPs, each product of a length-k
    row 2k - 1; no MACs at all (the hook adds FLOPs only)."""
    rows = layer.gates * layer.hidden
    matrix = TWO * rows * (layer.width + layer.recurrent) - TWO * rows
    adds, products = _extra("ptflops", layer)
    return {Kind.MATRIX: (ZERO, matrix), Kind.ADDITION: (ZERO, adds), Kind.PRODUCT: (ZERO, products)}


def torchinfo_rule(layer: RecurrentLayer) -> dict[Kind, Charge]:
    """torchinfo's LayerInfo.calculate_macs: every parameter (weight_hr included) once per
    output position; the biases are its parameters too."""
    weights = layer.gates * layer.hidden * (layer.width + layer.recurrent) + layer.projection
    return _mac_rows({Kind.MATRIX: weights, Kind.ADDITION: layer.biases})


RULES: dict[str, Callable[[RecurrentLayer], dict[Kind, Charge]]] = {
    "thop": thop_rule,
    "ptflops": ptflops_rule,
    "calflops": calflops_rule,
    "torchinfo": torchinfo_rule,
}

# What each tool's recurrent-module rule leaves out of a cell's operations: the
# activations (no tool counts sigmoid or tanh), and for torchinfo all but the
# weights and biases. `1 - z` of the GRU is in no tool's rule either.
RULE_OMITS: dict[str, frozenset[Kind]] = {
    "thop": frozenset({Kind.ACTIVATION}),
    "ptflops": frozenset({Kind.ACTIVATION}),
    "calflops": frozenset({Kind.ACTIVATION}),
    "torchinfo": frozenset({Kind.ACTIVATION, Kind.PRODUCT, Kind.ADDITION}),
}


# ---- a model's embeddings and norms: the tool's rule for their modules ----


def embedding_rule(tool: str, table: Poly) -> dict[Kind, Charge]:
    """nn.Embedding looks a row up: thop and ptflops have no rule for it, calflops'
    F.embedding counts 0; torchinfo charges its table's entries, as every parameter,
    once per entry of its output's first axis."""
    return _mac_rows({Kind.MATRIX: table}) if tool == "torchinfo" else {}


NORM_MODULES = {"layernorm": "nn.LayerNorm", "rmsnorm": "nn.RMSNorm", "batchnorm": "nn.BatchNorm1d"}
# Per entry of the vector a model's norm normalises, what each tool's hook for its
# module counts, read from the sources: thop's count_normalization, 2 an entry and
# twice that with an affine weight (a model's norms have one); ptflops'
# bn_flops_counter_hook, 1 an entry and twice that when the module has `affine`
# (nn.BatchNorm1d has; nn.LayerNorm's is `elementwise_affine`, so 1); calflops'
# F.layer_norm with a weight 5, F.batch_norm with one 2 (in eval mode, which
# calculate_flops sets). No tool but torchinfo has a rule for nn.RMSNorm.
NORM_ENTRIES: dict[str, dict[str, int]] = {
    "thop": {"layernorm": 4, "batchnorm": 4},
    "ptflops": {"layernorm": 1, "batchnorm": 2},
    "calflops": {"layernorm": 5, "batchnorm": 2},
}


def norm_rule(tool: str, norm: str, size: Poly, params: Poly) -> dict[Kind, Charge] | None:
    """What `tool` charges a model's norm of `size` entries holding `params` parameters;
    None where it has no rule for the module. torchinfo charges the parameters, once
    per entry of the output's first axis, as every module's."""
    if tool == "torchinfo":
        return _mac_rows({Kind.NORMALISATION: params})
    per_entry = NORM_ENTRIES[tool].get(norm)
    if per_entry is None:
        return None
    charged = Poly.const(per_entry) * size
    if tool == "calflops":  # FLOPs only
        return {Kind.NORMALISATION: (ZERO, charged)}
    return _mac_rows({Kind.NORMALISATION: charged})


# ---- any other cell: written as a PyTorch module, priced call by call ----

LINEAR, LINEAR_BIAS = "nn.Linear", "nn.Linear bias"

_MATRIX_CALLS = {"dense": LINEAR, "row": LINEAR, "diag": "torch.mul", "blockdiag": "torch.matmul"}
_PRODUCT_CALLS = {"*": "torch.mul", "/": "torch.div"}


def call(op: Op) -> str:
    """The PyTorch call a module computes `op` with (docs/costs.md, "Conventions of other
    tools"): a dense or row weight is an nn.Linear and a bias added beside it that Linear's
    bias; a diagonal weight torch.mul; a block-diagonal one and every product of values
    torch.matmul; `+`, `-`, `*`, `/` and negation torch.add, sub, mul, div and neg; each
    function the call functions.TABLE names. "" computes nothing."""
    if op.kind is Kind.MATRIX:
        return _MATRIX_CALLS[op.form]
    if op.kind is Kind.PRODUCT:
        return _PRODUCT_CALLS[op.form]
    if op.kind is Kind.ADDITION:
        return _addition_call(op.form)
    if op.kind is Kind.CONTRACTION and op.form == "values":
        return "torch.matmul"
    return TABLE[op.form].torch  # activations, normalisations, convolutions, outer, sum


def _addition_call(form: str) -> str:
    if form == "+ bias":
        return LINEAR_BIAS
    if form == "negation":
        return "torch.neg"
    return "torch.sub" if "-" in form else "torch.add"


# Per call, what each tool charges per step and sequence (MACs, FLOPs); a call a tool
# has no rule for is missing from its table. thop hooks modules only (nn.Linear: in ×
# out entries, bias not; convolutions); ptflops hooks modules (nn.Linear with its
# bias) and patches torch.matmul/mul/add and F.relu/elu/gelu/silu, its numbers MACs;
# calflops patches F.linear (bias not), F.conv*, torch.matmul/mul/add, the relu family
# and F.layer_norm/group_norm/batch_norm, a MAC as 2 FLOPs and the rest FLOPs only;
# torchinfo charges a module's parameters once per entry of its output's first axis
# (the batch): an nn.Linear its weight and bias, a convolution its kernel at every position.
def _applied(op: Op) -> Poly:
    """The products as symcount counts them: in × out entries of an nn.Linear, the
    kernel at every position of a convolution, a torch.matmul's."""
    return op.macs


def _entries(op: Op) -> Poly:
    return op.entries


def _larger(a: Poly, b: Poly) -> Poly | None:
    """The larger of two sizes at every positive value of their symbols; None when that
    depends on the values (H against d)."""
    if a == b or b == ONE:
        return a
    if a == ONE:
        return b
    signs = {coeff > 0 for _, coeff in (a - b).terms}
    return {frozenset({True}): a, frozenset({False}): b}.get(frozenset(signs))


def _seen(op: Op) -> list[tuple[Poly, Poly]]:
    """The sizes ptflops and calflops compare on each axis of an elementwise call: the
    operands' shapes lined up from the left (torch lines them up from the right), a
    value of the sequence with its batch axis first (1: one sequence), a missing axis 1."""
    left, right = (((ONE, *o.shape) if o.per_sequence else o.shape) for o in op.operands)
    return list(itertools.zip_longest(left, right, fillvalue=ONE))


def incomparable(op: Op) -> tuple[Poly, Poly] | None:
    """An axis whose two sizes `_seen` cannot order in closed form, if any."""
    return next(((a, b) for a, b in _seen(op) if _larger(a, b) is None), None)


def _broadcast(op: Op) -> Poly | None:
    """ptflops' `_elementwise_tensor_flops_hook` and calflops' `_elementwise_flops_compute`:
    the larger size on each axis `_seen` lines up, multiplied: a gain (n) times a state
    (1, n) is n·n, not n. None where two sizes cannot be ordered (`incomparable`)."""
    total = ONE
    for a, b in _seen(op):
        larger = _larger(a, b)
        if larger is None:
            return None
        total = total * larger
    return total


def _parameter(op: Op) -> Poly:
    """The entries of the weight as applied, or of the bias added."""
    return entries(op.shape)


def _mac(rule: Callable[[Op], Poly | None]) -> Callable[[Op], Charge | None]:
    """A MACs-only tool's charge, shown with FLOPs twice its MACs."""

    def charge(op: Op) -> Charge | None:
        macs = rule(op)
        return None if macs is None else (macs, TWO * macs)

    return charge


def _flops(rule: Callable[[Op], Poly | None]) -> Callable[[Op], Charge | None]:
    """calflops' charge for an elementwise call: FLOPs only."""

    def charge(op: Op) -> Charge | None:
        flops = rule(op)
        return None if flops is None else (ZERO, flops)

    return charge


def _times(per_entry: int) -> Callable[[Op], Poly]:
    return lambda op: Poly.const(per_entry) * op.entries


def _product(op: Op) -> Charge:
    """calflops' charge for a product: its MACs, 2 FLOPs each."""
    return op.macs, TWO * op.macs


CONVOLUTIONS = ("nn.Conv1d", "nn.Conv2d")
BROADCAST = ("torch.mul", "torch.add")  # counted by the operands' shapes (`_broadcast`)
CHARGES: dict[str, dict[str, Callable[[Op], Charge | None]]] = {
    "thop": dict.fromkeys((LINEAR, *CONVOLUTIONS), _mac(_applied)),
    "ptflops": {
        **dict.fromkeys((LINEAR, *CONVOLUTIONS, "torch.matmul"), _mac(_applied)),
        **dict.fromkeys((LINEAR_BIAS, "F.relu", "F.elu", "F.gelu", "F.silu"), _mac(_entries)),
        **dict.fromkeys(BROADCAST, _mac(_broadcast)),
    },
    "calflops": {
        **dict.fromkeys((LINEAR, *CONVOLUTIONS, "torch.matmul"), _product),
        **dict.fromkeys(BROADCAST, _flops(_broadcast)),
        **dict.fromkeys(("F.relu", "F.elu", "F.leaky_relu", "F.gelu", "F.silu"), _flops(_entries)),
        # An entry costs 4 without an affine weight (symcount's norms have none);
        # batch_norm in eval mode 1.
        **dict.fromkeys(("F.layer_norm", "F.group_norm"), _flops(_times(4))),
        "F.batch_norm": _flops(_entries),
    },
    "torchinfo": {
        **dict.fromkeys((LINEAR, LINEAR_BIAS), _mac(_parameter)),
        **dict.fromkeys(CONVOLUTIONS, _mac(_applied)),
    },
}


def charge(tool: str, op: Op) -> Charge | None:
    """What `tool` charges for `op` per step and sequence; None where it has no rule."""
    name = call(op)
    if not name:
        return ZERO, ZERO  # identity: no call, nothing to count
    rule = CHARGES[tool].get(name)
    return None if rule is None else rule(op)


def uncharged(tool: str, op: Op) -> tuple[Poly, Poly] | None:
    """For an `op` that `charge` leaves at None although `tool` counts its call: the two
    sizes on an axis it takes the larger of, which no closed form can say (H against d)."""
    return incomparable(op) if call(op) in BROADCAST and call(op) in CHARGES[tool] else None


def per_batch(op: Op) -> bool:
    """Whether ptflops divides `op`'s count by the batch: what its module hooks count
    is averaged over the first axis of the model's input; what its patched torch
    functions count is added after, not divided."""
    return call(op).startswith("nn.")
