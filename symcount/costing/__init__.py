"""The cost stage: what one step of a cell costs in compute and memory, in closed form.

Beside counting, and like it a reader of the layers (`layers.Layers`: groups of
alike layers, each with its typed cell): `operations` prices every node of a
step, a `conventions.Convention` sums the prices (symcount's own, or what thop,
ptflops, calflops or torchinfo would report), `memory` gives the bytes of the
weights, the state and what training keeps. `Cost` holds the result, per time
step and per sequence; `Cost.over(seq, batch)` the totals (docs/costs.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy

from .. import gcpause
from ..counting import evaluation
from ..counting.counts import Counts
from ..layers.models import ModelLayers
from ..layers.stacking import Layers
from ..shapes.sizes import Derived
from .conventions import CONVENTIONS, Convention, Priced, Row
from .memory import DTYPES, layer_entries, model_entries

__all__ = ["CONVENTIONS", "DTYPES", "Cost", "Row", "cost"]

# The figures of a cost, in the order every format shows them.
FIGURES = ("macs", "flops", "weight_bytes", "frozen_bytes", "state_bytes", "activation_bytes")


@dataclass(frozen=True)
class Cost:
    """One cell's (or stack's, or model's) cost under a convention, per time step and
    per sequence.

    Every figure is a sympy expression in the size symbols. `seq` and `batch`
    are 1 per step and sequence; `over(seq, batch)` scales them: compute and
    the activations kept by T·B, the state by B, the weights not at all.
    """

    convention: str
    dtype: str
    macs: sympy.Expr
    flops: sympy.Expr
    weight_bytes: sympy.Expr  # the trainable parameters
    frozen_bytes: sympy.Expr  # the frozen ones, shown apart (0 if none)
    state_bytes: sympy.Expr
    activation_bytes: sympy.Expr
    per_gate: tuple[Row, ...]
    per_op: tuple[Row, ...]
    # What the convention's tool does not count (docs/costs.md, "Conventions of other tools").
    uncounted: tuple[str, ...] = ()
    rule: str = ""  # the tool's own rule it applied ("thop's rule for nn.LSTM"), else ""
    seq: int = 1
    batch: int = 1
    # The derived sizes (`size R = ceil(D / 16)`) the figures may be written in.
    derived: Derived = field(default_factory=Derived, repr=False)
    # A model's MACs and FLOPs per component, each over all its copies (docs/costs.md,
    # "Models"); empty for a cell or a stack.
    per_component: tuple[Row, ...] = ()

    def over(self, seq: int = 1, batch: int = 1) -> Cost:
        """The totals over `seq` steps of `batch` sequences (both positive integers)."""
        steps = sympy.Integer(seq * batch)
        scale = lambda row: Row(row.name, row.macs * steps, row.flops * steps)  # noqa: E731
        return replace(
            self,
            macs=self.macs * steps,
            flops=self.flops * steps,
            state_bytes=self.state_bytes * batch,
            activation_bytes=self.activation_bytes * steps,
            per_gate=tuple(map(scale, self.per_gate)),
            per_op=tuple(map(scale, self.per_op)),
            per_component=tuple(map(scale, self.per_component)),
            seq=self.seq * seq,
            batch=self.batch * batch,
        )

    @property
    def breakdowns(self) -> tuple[tuple[str, tuple[Row, ...]], ...]:
        """Each breakdown there is, (what a row is, the rows), in the order the outputs
        show them: per component (a model), per gate, per kind of operation."""
        given = (("component", self.per_component), ("gate", self.per_gate), ("operation", self.per_op))
        return tuple((label, rows) for label, rows in given if rows)

    @property
    def figures(self) -> dict[str, sympy.Expr]:
        """Every figure by name, in the order of `FIGURES` (what the outputs show)."""
        return {figure: getattr(self, figure) for figure in FIGURES}

    @cached_property
    def sizes(self) -> tuple[str, ...]:
        """Every size symbol the figures are written in, derived sizes excepted: the
        header's sizes, a symbolic number of layers, and any free extent (`size rows`).
        A size that only a derived size reads is one too (xlstm.mlstm_block's p, read by
        I = 64*ceiling(e*p/64)): `values` works the derived sizes out from it."""
        derived = set(self.derived)
        names = {s.name for figure in FIGURES for s in getattr(self, figure).free_symbols}
        names |= {name for key in derived for name in self.derived.described(key).reads}
        return tuple(sorted(names - derived))

    def values(self, sizes: dict[str, int]) -> dict[str, int]:
        """Every figure at `sizes` (which must give each of `self.sizes`), as integers:
        int4's half bytes are rounded up to whole bytes. Each figure is evaluated as
        its exact polynomial, made once (`evaluation.polynomial`): a sweep asks for
        thousands of sizes."""
        missing = [name for name in self.sizes if name not in sizes]
        if missing:
            raise ValueError(f"the cost needs {', '.join(missing)} set")
        known = evaluation.size_values(self.derived, sizes)
        return {figure: evaluation.value_up(getattr(self, figure), known) for figure in FIGURES}

    def row_values(self, rows: tuple[Row, ...], sizes: dict[str, int]) -> list[tuple[str, int, int]]:
        """A breakdown at `sizes`: (name, MACs, FLOPs) per row."""
        known = evaluation.size_values(self.derived, sizes)
        return [(r.name, evaluation.value(r.macs, known), evaluation.value(r.flops, known)) for r in rows]


@gcpause.paused  # costing: a stage entry point, run with the collector paused as counting is
def cost(
    layers: Layers | ModelLayers, counts: Counts, cell_name: str, convention: str = "symcount", dtype: str = "fp32"
) -> Cost:
    """What one step of `layers` (a cell's, a stack's, a model's) costs per sequence,
    priced by `convention`, stored as `dtype`.

    An unknown convention or dtype is a ValueError naming the ones there are.
    """
    rules = _convention(convention)
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
    priced: Priced = rules.price(layers, cell_name)
    width = DTYPES[dtype]
    held = model_entries(layers) if isinstance(layers, ModelLayers) else layer_entries(layers)
    return Cost(
        convention,
        dtype,
        priced.macs,
        priced.flops,
        sympy.expand(counts.count * width),
        sympy.expand(counts.frozen * width),
        sympy.expand(held.state * width),
        sympy.expand(held.activations * width),
        priced.per_gate,
        priced.per_op,
        priced.uncounted,
        priced.rule,
        derived=layers.derived,
        per_component=priced.per_component,
    )


def _convention(name: str) -> Convention:
    if name not in CONVENTIONS:
        raise ValueError(f"unknown convention {name!r}; choose from {', '.join(CONVENTIONS)}")
    return CONVENTIONS[name]

