"""Every built-in's cost under the symcount convention, against its own equations.

The matrix products of a step are read here from the cell's equations directly,
not through `symcount.costing`: each `W @ v` with W a parameter applies W's
entries as applied (dense r·c, `diag(d)` d, `blockdiag(H, a, b)` H·a·b, a row
vector of e entries e) once for every leading entry of v (docs/costs.md, "The
symcount convention"). Their sum must be the "matrix product" row of
`cell.cost()` at random sizes: for the cell, for a stack of 3 bidirectional
layers (worked out layer by layer here, each later layer reading twice the
layer before's output) and without biases. Every built-in also costs under
every dtype, with its weights' bytes the count times the dtype's size.
"""

import math
import random
from fractions import Fraction

import pytest

import symcount
from conftest import accepted_sizes
from symcount import ir
from symcount.counting import evaluation
from symcount.symbols import size_symbol

NAMES = sorted(symcount.builtins())
# The built-in cells: their equations are read here (a model's components are checked
# in tests/test_model_costs.py).
CELLS = [name for name in NAMES if not isinstance(symcount.builtin(name), symcount.Model)]
# Bytes per entry, as docs/costs.md ("Memory") gives them: int4 packs two a byte.
BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1, "int4": Fraction(1, 2)}
TRIALS = 4
LAYERS = 3


def draw_sizes(cell, rng: random.Random) -> dict[str, int]:
    """Random sizes for every size symbol of the cell's cost (free extents too), which the cell accepts."""
    first = {name: rng.randint(1, 9) for name in cell.cost().sizes}
    return accepted_sizes(cell, first, f"{cell.name} {first}")


def at(expr, values: dict[str, int]) -> int:
    """A sympy size or count at `values` (the derived sizes included)."""
    return int(expr.subs({size_symbol(k): v for k, v in values.items()}))


def applied_entries(param, values: dict[str, int]) -> int:
    """The entries a weight multiplies into each vector it is applied to."""
    shape = [at(s, values) for s in param.shape]
    if param.kind == "diag":
        return shape[0]  # d entries on the diagonal
    return math.prod(shape)  # dense r·c, blockdiag H·a·b, a row vector's e


def matrix_macs(cell, sizes: dict[str, int]) -> int:
    """Σ over the cell's `W @ v` (W a parameter): W's entries as applied × v's leading entries."""
    values = cell.size_values(sizes)
    params = {p.name: p for p in cell.params}
    total = 0
    for eq in cell.scope.equations:  # the defs inlined: a body counts at each call
        for node in ir.walk(eq.expr):
            if not (isinstance(node, ir.MatMul) and isinstance(node.matrix, ir.Name)):
                continue
            param = params.get(node.matrix.name)
            if param is None:  # a product of values: a contraction, not a weight
                continue
            leading = cell.shapes.shape_of(node.vector)[:-1]
            total += applied_entries(param, values) * math.prod(p.evaluate(values) for p in leading)
    return total


def input_symbol(cell) -> str | None:
    """The size symbol a stack's later layers set to the layer before's output."""
    [x] = [d for d in cell.scope.cell.declarations if isinstance(d, ir.Input)]
    [dim] = x.dims
    return dim.name if isinstance(dim, ir.DimName) else None


def stacked_matrix_macs(cell, sizes: dict[str, int], layers: int, directions: int) -> int:
    """Layer by layer: each later layer is the cell with its input's symbol at the
    width of the layer before's output, in every direction (an input written
    otherwise, `H*d`, stacks only where that width is its own)."""
    symbol = input_symbol(cell)
    total, layer_sizes = 0, dict(sizes)
    for _ in range(layers):
        total += directions * matrix_macs(cell, layer_sizes)
        if symbol is not None:
            width = at(cell.output_size, cell.size_values(layer_sizes))
            layer_sizes = {**layer_sizes, symbol: directions * width}
    return total


def stack_or_none(cell, layers, directions: int):
    """The stack, or None where symcount refuses it (with a located error)."""
    try:
        return cell.stacked(layers, bidirectional=directions == 2)
    except symcount.SymcountError:
        return None


def matrix_row(cost, sizes: dict[str, int]) -> int:
    """The cost's "matrix product" MACs at `sizes` (0 for a cell without one)."""
    rows = {name: macs for name, macs, _ in cost.row_values(cost.per_op, sizes)}
    return rows.get("matrix product", 0)


def stackable(cell) -> bool:
    try:
        cell.stacked(2)
    except symcount.SymcountError:  # a tensor input, several inputs
        return False
    return True


@pytest.mark.parametrize("name", CELLS)
def test_matrix_product_macs_are_the_weights_applied(name):
    cell = symcount.builtin(name)
    rng = random.Random(f"matrix products of {name}")
    for _ in range(TRIALS):
        sizes = draw_sizes(cell, rng)
        want = matrix_macs(cell, sizes)
        assert matrix_row(cell.cost(), sizes) == want, sizes
        assert matrix_row(cell.without_biases().cost(), sizes) == want, sizes


@pytest.mark.parametrize("name", [n for n in CELLS if stackable(symcount.builtin(n))])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
def test_a_stacks_matrix_products_are_each_layers(name, bias):
    cell = symcount.builtin(name)
    cell = cell if bias else cell.without_biases()
    rng = random.Random(f"stacked matrix products of {name} {bias}")
    for directions in (1, 2):
        stacks = [stack_or_none(cell, LAYERS, directions), stack_or_none(cell, "L", directions)]
        # Refused only where a later layer cannot read its input: an input not
        # written as a symbol (xLSTM's H*d, read at 2*H*d), or, for a symbolic
        # depth, a derived size that grows with the layers (s6's R = ceil(D / 16)).
        assert stacks[0] is not None or input_symbol(cell) is None
        assert stacks[1] is not None or stacks[0] is None or directions == 2
        for _ in range(TRIALS):
            sizes = draw_sizes(cell, rng)
            want = stacked_matrix_macs(cell, sizes, LAYERS, directions)
            for stack, extra in zip(stacks, ({}, {"L": LAYERS}), strict=True):
                if stack is not None:
                    assert matrix_row(stack.cost(), {**sizes, **extra}) == want, (sizes, directions)


@pytest.mark.parametrize("name", NAMES)
def test_every_dtype_prices_the_weights_and_flops_cover_the_macs(name):
    cell = symcount.builtin(name)
    sizes = draw_sizes(cell, random.Random(f"dtypes of {name}"))
    values = cell.size_values({str(d): sizes[str(d)] for d in cell.dims})
    trainable = evaluation.trainable(cell.counts, values)
    frozen = evaluation.value(cell.counts.frozen, values)
    assert set(BYTES) == set(symcount.costing.DTYPES)
    for dtype, width in BYTES.items():
        cost = cell.cost(dtype=dtype)
        got = cost.values(sizes)
        assert got["weight_bytes"] == math.ceil(trainable * width), dtype
        assert got["frozen_bytes"] == math.ceil(frozen * width), dtype
        assert got["flops"] >= 2 * got["macs"] >= 0
        for row, macs, flops in cost.row_values(cost.per_op + cost.per_gate, sizes):
            assert flops >= 2 * macs >= 0, (dtype, row)
