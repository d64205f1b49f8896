"""The real modules behind SPEC §6's built-ins, built at given sizes, and counted.

Each entry of `MODULES` names a built-in, the package that holds its real module,
the size symbols in the built-in's order, and a builder `sizes -> module` that
constructs the module exactly as SPEC §6's "real module" column says. `count`
gives what the tests compare with: `sum(p.numel() for p in module.parameters())`
for a torch module, `count_params()` for a built Keras layer.

The packages are imported inside the builders, so this file imports without them;
`prepare(name)` readies an entry's import and skips the calling test when its
package is not installed. docs/research-cells.md describes every module's
parameters and equations.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import importlib.util
import math
import os
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Research:
    package: str  # the import name, for pytest.importorskip
    symbols: tuple[str, ...]  # the built-in's size symbols, in SPEC §6's order
    build: Callable[..., object]


def slstm_layer(H: int, d: int, K: int):
    from xlstm import sLSTMLayer, sLSTMLayerConfig

    # The default backend is "cuda", which compiles CUDA kernels: CPU needs "vanilla".
    config = sLSTMLayerConfig(embedding_dim=H * d, num_heads=H, conv1d_kernel_size=K, backend="vanilla")
    return sLSTMLayer(config)


def mlstm_cell(H: int, d: int):
    from xlstm.blocks.mlstm.cell import mLSTMCell, mLSTMCellConfig

    return mLSTMCell(mLSTMCellConfig(context_length=8, embedding_dim=H * d, num_heads=H))


def mamba_block(D: int, E: int, N: int, K: int, R: int):
    from mambapy.mamba import MambaBlock, MambaConfig

    config = MambaConfig(d_model=D, n_layers=1, d_state=N, expand_factor=E, d_conv=K, dt_rank=R)
    return MambaBlock(config)


def mingru(n: int):
    import minGRU_pytorch

    return minGRU_pytorch.minGRU(n)


def minlstm(n: int):
    from minGRU_pytorch.minLSTM import minLSTM

    return minLSTM(n)


def ligru(m: int, n: int):
    from speechbrain.nnet.RNN import LiGRU

    return LiGRU(hidden_size=n, input_shape=(4, 10, m))


def ligru_stack(m: int, n: int, layers: int, bidirectional: bool = False):
    """speechbrain's LiGRU with `layers` layers (the built-in is its one-layer form)."""
    prepare("speechbrain.ligru")
    from speechbrain.nnet.RNN import LiGRU

    return LiGRU(hidden_size=n, input_shape=(4, 10, m), num_layers=layers, bidirectional=bidirectional)


def sru_layernorm(m: int, n: int):
    import sru

    return sru.SRUCell(m, n, layer_norm=True)


def conv_lstm2d(m: int, n: int, k: int):
    import keras

    layer = keras.layers.ConvLSTM2D(filters=n, kernel_size=k)
    # Keras creates the weights when it learns the input's channels (m). The
    # spatial size must be static but does not change the count: k+1 by k+1,
    # which the valid convolution turns into 2 by 2.
    layer.build((None, None, k + 1, k + 1, m))
    return layer


MODULES: dict[str, Research] = {
    "xlstm.slstm_layer": Research("xlstm", ("H", "d", "K"), slstm_layer),
    "xlstm.mlstm_cell": Research("xlstm", ("H", "d"), mlstm_cell),
    "mambapy.mamba_block": Research("mambapy", ("D", "E", "N", "K", "R"), mamba_block),
    "mingru_pytorch.mingru": Research("minGRU_pytorch", ("n",), mingru),
    "mingru_pytorch.minlstm": Research("minGRU_pytorch", ("n",), minlstm),
    "speechbrain.ligru": Research("speechbrain", ("m", "n"), ligru),
    "sru.sru_layernorm": Research("sru", ("m", "n"), sru_layernorm),
    "keras.conv_lstm2d": Research("keras", ("m", "n", "k"), conv_lstm2d),
}


def stub_torchaudio() -> None:
    """Put an empty `torchaudio` module in place of the installed one.

    speechbrain imports torchaudio, and the package index only serves CUDA builds
    of it, which cannot load beside the CPU torch (OSError on its .so). Nothing in
    speechbrain.nnet.RNN uses it. The stub reports the installed distribution's
    version, so speechbrain's version check takes its quiet path. Never done in
    symcount itself: only these tests need speechbrain.
    """
    if "torchaudio" in sys.modules:
        return
    stub = types.ModuleType("torchaudio", "stand-in: the CUDA build cannot load beside CPU torch")
    # A spec, as an imported module has: transformers (which calflops imports) asks
    # importlib.util.find_spec("torchaudio"), which refuses a module without one.
    stub.__spec__ = importlib.machinery.ModuleSpec("torchaudio", None)
    try:
        stub.__version__ = importlib.metadata.version("torchaudio")
    except importlib.metadata.PackageNotFoundError:
        pass
    sys.modules["torchaudio"] = stub


def prepare(name: str) -> Research:
    """The entry for `name`; skips the calling test when its package is missing."""
    research = MODULES[name]
    if research.package == "speechbrain" and importlib.util.find_spec("speechbrain"):
        stub_torchaudio()
    if research.package == "keras":
        # Keras 3 picks its backend at first import; torch is the one installed.
        os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip(research.package)
    return research


def build(name: str, **sizes: int):
    """The real module of built-in `name` at `sizes` (keyword per size symbol)."""
    research = prepare(name)
    return research.build(*(sizes[s] for s in research.symbols))


def count(module) -> int:
    """All parameters: numel summed over a torch module's, Keras' count_params()."""
    if hasattr(module, "count_params"):
        return module.count_params()
    return sum(p.numel() for p in module.parameters())


def trainable_count(module) -> int:
    """The trainable parameters only (requires_grad; Keras' trainable weights)."""
    if hasattr(module, "count_params"):
        return sum(math.prod(w.shape) for w in module.trainable_weights)
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def named_parameters(module) -> dict[str, tuple[int, bool]]:
    """Each parameter's (count, trainable) by name: torch's named_parameters(),
    Keras' weights by their own name (`kernel`, `recurrent_kernel`, `bias`)."""
    if hasattr(module, "count_params"):
        trainable = {id(w) for w in module.trainable_weights}
        return {w.name: (math.prod(w.shape), id(w) in trainable) for w in module.weights}
    return {name: (p.numel(), p.requires_grad) for name, p in module.named_parameters()}
