"""Memory: the bytes of the weights, of the state carried between steps, and of
what training keeps per step (docs/costs.md, "Memory").

Every figure is per sequence and per layer group's copies, in entries times the
dtype's bytes; int4 packs two entries a byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .. import ir
from ..layers.models import ModelLayers
from ..layers.stacking import Layers
from ..poly import Poly
from ..shapes import TypedCell
from ..symbols import to_sympy
from .operations import ONE, ZERO, entries, operations

# Bytes per entry of each dtype a weight or a value may be stored in.
DTYPES: dict[str, sympy.Rational] = {
    "fp32": sympy.Integer(4),
    "fp16": sympy.Integer(2),
    "bf16": sympy.Integer(2),
    "fp8": sympy.Integer(1),
    "int8": sympy.Integer(1),
    "int4": sympy.Rational(1, 2),
}


@dataclass(frozen=True)
class Entries:
    """Entries per step, before a dtype turns them into bytes."""

    state: sympy.Expr  # carried between steps: every state, and each conv1d's last K - 1 inputs
    activations: sympy.Expr  # kept for backpropagation through time


def state_entries(typed: TypedCell) -> Poly:
    """What a sequence carries from one step to the next in one layer: every state's
    entries (tensor states too), and for each `conv1d` over K steps the K - 1 inputs
    before this one, on each of its channels (what mambapy's step keeps as its cache)."""
    carried = Poly.sum(
        entries(typed.shape_of(eq.expr)) for eq in typed.scope.equations if eq.is_state
    )
    for op in operations(typed):
        if op.form == "conv1d":
            channels, width = op.shape
            carried = carried + channels * (width - ONE)
    return carried


def input_entries(typed: TypedCell) -> Poly:
    """The entries of the inputs a layer reads (once, however often it reads them)."""
    inputs = {d.name for d in typed.scope.cell.declarations if isinstance(d, ir.Input)}
    read: dict[str, Poly] = {}
    for eq in typed.scope.equations:
        for node in ir.walk(eq.expr):
            if isinstance(node, ir.Name) and node.name in inputs and node.name not in read:
                read[node.name] = entries(typed.shape_of(node))
    return Poly.sum(read.values())


def result_entries(typed: TypedCell) -> Poly:
    """The entries of every equation's result in one layer: each gate, each new state."""
    return Poly.sum(entries(typed.shape_of(eq.expr)) for eq in typed.scope.equations)


def layer_entries(layers: Layers) -> Entries:
    """State and activation entries of every layer, summed over the groups' copies.

    What backpropagation through time keeps per step, under the convention of
    docs/costs.md ("Memory"): the result of every equation of every layer (each
    gate, each new state; the values inside an equation are recomputed) and the
    network's input, once (a later layer's input is the layer before's output,
    kept already; both directions read the same input).
    """
    per_layer = (state_entries, result_entries)
    totals = [sympy.Integer(0), to_sympy(input_entries(layers.groups[0].typed))]
    for group in layers.groups:
        for i, figure in enumerate(per_layer):
            totals[i] += to_sympy(group.copies * figure(group.typed))
    summed = layers.summed
    if summed is not None:  # layers 2..L of a widening stack: layer k's, summed over k
        for i, figure in enumerate(per_layer):
            totals[i] += summed.total(figure(summed.typed))
    return Entries(*(sympy.expand(total) for total in totals))


def model_entries(layers: ModelLayers) -> Entries:
    """A model's state and activation entries: every component's over its copies, as
    `layer_entries` counts a stack's (docs/costs.md, "Models"). What a residual layer
    emits, its output plus its input, is a value of its own, kept once per copy. The
    model's input is kept once: the inputs it declares, else what its first component
    reads, but for an embedding, which reads token ids, not values of the dtype."""
    state, kept = [], [_model_input(layers)]
    for part in layers.parts:
        state.append(part.copies * state_entries(part.typed))
        kept.append(part.copies * result_entries(part.typed))
        if part.component.residual:
            kept.append(part.repeat * part.emits)
    return Entries(to_sympy(Poly.sum(state)), to_sympy(Poly.sum(kept)))


def _model_input(layers: ModelLayers) -> Poly:
    if layers.inputs:
        return Poly.sum(layers.inputs.values())
    first = layers.parts[0]
    return ZERO if first.kind == "embedding" else input_entries(first.typed)
