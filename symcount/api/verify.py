"""`symcount verify`: symcount's count against the layer the framework builds.

For each framework built-in (`torch.*`, `keras.*`), build the real layer at
random sizes, sum its parameter tensors, and compare with the closed form.
PyTorch and Keras are imported here only, on first use, never by the rest of
symcount.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass

from ..layers.frameworks import LAYERS, Layer

EXTRA_HINT = "pip install 'symcount[verify]'"


class FrameworkMissing(Exception):
    """torch or keras is not installed; the message says what to install."""


@dataclass(frozen=True)
class Check:
    cell: str
    sizes: dict[str, int]
    layers: int
    bidirectional: bool
    bias: bool
    symcount: int
    framework: int

    @property
    def match(self) -> bool:
        return self.symcount == self.framework


def random_sizes(dims: list[str], rng: random.Random) -> dict[str, int]:
    """Sizes for one trial; PyTorch wants a projection smaller than the hidden size."""
    sizes = {d: rng.randint(1, 48) for d in dims}
    if "p" in sizes:
        sizes["n"] = max(sizes["n"], 2)
        sizes["p"] = rng.randint(1, sizes["n"] - 1)
    return sizes


def run(
    cells: list,
    trials: int,
    layers: int | str | None,
    bidirectional: bool,
    bias: bool,
    seed: int = 0,
) -> list[Check]:
    """Compare every cell at `trials` random sizes.

    A symbolic `layers` (such as "L") is drawn from 1..3 in each trial.
    """
    rng = random.Random(seed)
    checks = []
    for cell in cells:
        layer = LAYERS[cell.name]
        count_fn = _counter(layer.framework)
        for _ in range(trials):
            sizes = random_sizes([str(d) for d in cell.dims], rng)
            depth = layers if isinstance(layers, int) else (rng.randint(1, 3) if layers else 1)
            ours = _symcount_value(cell, sizes, layers, depth, bidirectional, bias)
            theirs = count_fn(layer, sizes, depth, bidirectional, bias)
            checks.append(Check(cell.name, sizes, depth, bidirectional, bias, ours, theirs))
    return checks


def _symcount_value(cell, sizes, layers, depth, bidirectional, bias) -> int:
    network = cell if bias else cell.without_biases()
    if layers is None and not bidirectional:
        return network.evaluate(**sizes)
    stack = network.stacked(layers if layers is not None else 1, bidirectional=bidirectional)
    values = dict(sizes)
    if isinstance(layers, str) and layers not in values:
        values[layers] = depth
    return stack.evaluate(**values)


def _counter(framework: str) -> Callable:
    return {"torch": torch_count, "keras": keras_count}[framework]


def torch_count(
    layer: Layer, sizes: dict[str, int], layers: int, bidirectional: bool, bias: bool
) -> int:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        raise FrameworkMissing(f"PyTorch is not installed; {EXTRA_HINT}")
    import torch

    options = {"num_layers": layers, "bidirectional": bidirectional, "bias": bias}
    if "p" in sizes:
        options["proj_size"] = sizes["p"]
    module = getattr(torch.nn, layer.kind)(sizes["m"], sizes["n"], **options)
    return sum(p.numel() for p in module.parameters())


def keras_count(
    layer: Layer, sizes: dict[str, int], layers: int, bidirectional: bool, bias: bool
) -> int:
    keras = _import_keras()
    stack = []
    for _ in range(layers):
        cell_layer = getattr(keras.layers, layer.kind)(
            sizes["n"], return_sequences=True, use_bias=bias, **dict(layer.options)
        )
        stack.append(keras.layers.Bidirectional(cell_layer) if bidirectional else cell_layer)
    model = keras.Sequential([keras.Input(shape=(None, sizes["m"])), *stack])
    return int(model.count_params())


def _import_keras():
    import importlib.util

    if importlib.util.find_spec("keras") is None:
        raise FrameworkMissing(f"Keras is not installed; {EXTRA_HINT}")
    # Keras 3 needs a backend; torch is the one the verify extra brings. The
    # parameter count does not depend on the backend; a choice made in the
    # environment is kept.
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    return keras
