"""xLSTM's mLSTM layer and its two blocks against the xlstm package, at seeded random sizes.

`xlstm.mlstm_layer`, `xlstm.mlstm_block` and `xlstm.slstm_block` must count what
xlstm 2.0.6's mLSTMLayer, mLSTMBlock and sLSTMBlock allocate, parameter by
parameter (each of the module's `named_parameters()` is made of the built-in's
parameters named beside it), and the blocks, stacked as xLSTMBlockStack stacks
them, must count the whole stack. The sLSTM runs on the "vanilla" backend, as
tests/research_modules.py builds xlstm.slstm_layer: the default "cuda" compiles
CUDA kernels.
"""

import random

import pytest

import symcount
from symcount.symbols import size_symbol

pytest.importorskip("torch")
xlstm = pytest.importorskip("xlstm")
import reference_models as ref  # noqa: E402 (after the skips: it imports torch)

TRIALS = 6


def mlstm_config(e: int, p: int, H: int, B: int, K: int):
    return xlstm.mLSTMLayerConfig(
        embedding_dim=e, proj_factor=p, num_heads=H, qkv_proj_blocksize=B, conv1d_kernel_size=K, context_length=8
    )


def mlstm_layer(e: int, p: int, H: int, B: int, K: int):
    from xlstm.blocks.mlstm.layer import mLSTMLayer

    return mLSTMLayer(mlstm_config(e, p, H, B, K))


def mlstm_block(e: int, p: int, H: int, B: int, K: int):
    # _num_blocks and _block_idx are the stack's to set (they only scale initial values).
    return xlstm.mLSTMBlock(xlstm.mLSTMBlockConfig(mlstm=mlstm_config(e, p, H, B, K), _num_blocks=1, _block_idx=0))


def slstm_block(H: int, d: int, K: int):
    layer = xlstm.sLSTMLayerConfig(embedding_dim=H * d, num_heads=H, conv1d_kernel_size=K, backend="vanilla")
    config = xlstm.sLSTMBlockConfig(slstm=layer, feedforward=xlstm.FeedForwardConfig(), _num_blocks=1, _block_idx=0)
    return xlstm.sLSTMBlock(config)


def inner(e: int, p: int) -> int:
    """The mLSTM's inner width: p*e rounded up to a multiple of 64 (xlstm/utils.py)."""
    return 64 * -(-p * e // 64)


def mlstm_sizes(rng: random.Random) -> dict[str, int]:
    """Heads and q/k/v blocks that divide the inner width, as the package needs."""
    e, p, K = rng.randint(1, 100), rng.randint(1, 3), rng.randint(1, 5)
    divisors = [k for k in range(1, 17) if inner(e, p) % k == 0]
    return {"e": e, "p": p, "H": rng.choice(divisors), "B": rng.choice(divisors), "K": K}


def slstm_sizes(rng: random.Random) -> dict[str, int]:
    return {"H": rng.randint(1, 4), "d": rng.randint(1, 40), "K": rng.randint(1, 5)}


MODULES = {
    "xlstm.mlstm_layer": (mlstm_layer, mlstm_sizes),
    "xlstm.mlstm_block": (mlstm_block, mlstm_sizes),
    "xlstm.slstm_block": (slstm_block, slstm_sizes),
}

# The module's parameters, each made of the built-in's parameters beside it.
MLSTM_LAYER = {
    "proj_up.weight": ("W_up",),
    "q_proj.weight": ("W_q",),
    "k_proj.weight": ("W_k",),
    "v_proj.weight": ("W_v",),
    "conv1d.conv.weight": ("w_conv",),
    "conv1d.conv.bias": ("b_conv",),
    "mlstm_cell.igate.weight": ("W_i",),
    "mlstm_cell.igate.bias": ("b_i",),
    "mlstm_cell.fgate.weight": ("W_f",),
    "mlstm_cell.fgate.bias": ("b_f",),
    "mlstm_cell.outnorm.weight": ("w_norm",),
    "learnable_skip": ("w_skip",),
    "proj_down.weight": ("W_down",),
}
PARTS = {
    "xlstm.mlstm_layer": MLSTM_LAYER,
    "xlstm.mlstm_block": {"xlstm_norm.weight": ("w_xlstm_norm",), **{f"xlstm.{k}": v for k, v in MLSTM_LAYER.items()}},
    "xlstm.slstm_block": {
        "xlstm_norm.weight": ("w_xlstm_norm",),
        "xlstm.conv1d.conv.weight": ("w_conv",),
        "xlstm.conv1d.conv.bias": ("b_conv",),
        "xlstm.fgate.weight": ("W_i",),  # the module named fgate makes the input gate
        "xlstm.igate.weight": ("W_f",),  # and igate the forget gate (as in xlstm.slstm_layer)
        "xlstm.zgate.weight": ("W_z",),
        "xlstm.ogate.weight": ("W_o",),
        "xlstm.slstm_cell._recurrent_kernel_": ("R_i", "R_f", "R_z", "R_o"),
        "xlstm.slstm_cell._bias_": ("b_i", "b_f", "b_z", "b_o"),
        "xlstm.group_norm.weight": ("w_norm",),
        "ffn_norm.weight": ("w_ffn_norm",),
        "ffn.proj_up.weight": ("W_up",),
        "ffn.proj_down.weight": ("W_down",),
    },
}


def draws(name: str) -> list[dict[str, int]]:
    rng = random.Random(f"xlstm blocks {name}")
    return [MODULES[name][1](rng) for _ in range(TRIALS)]


CASES = [(name, sizes) for name in MODULES for sizes in draws(name)]
IDS = [name + "[" + ",".join(f"{s}={v}" for s, v in sizes.items()) + "]" for name, sizes in CASES]


@pytest.mark.parametrize("name, sizes", CASES, ids=IDS)
def test_the_builtin_counts_the_real_module(name, sizes):
    module = MODULES[name][0](**sizes)
    assert symcount.builtin(name).evaluate(**sizes) == ref.numel(module)


@pytest.mark.parametrize("name, sizes", CASES, ids=IDS)
def test_the_builtins_parameters_make_up_the_modules(name, sizes):
    cell = symcount.builtin(name)
    values = {size_symbol(s): v for s, v in cell.size_values(sizes).items()}
    mine = {p.name: int(p.count.subs(values)) for p in cell.params}
    theirs = dict(MODULES[name][0](**sizes).named_parameters())
    assert set(theirs) == set(PARTS[name])
    for module_name, tensor in theirs.items():
        assert sum(mine[p] for p in PARTS[name][module_name]) == tensor.numel(), module_name
        assert tensor.requires_grad
    assert sorted(p for parts in PARTS[name].values() for p in parts) == sorted(mine)


def test_the_widths_round_up_to_64():
    # e=33, p=2: 66 rounds up to I = 128; H*d = 100: 130 rounds up to F = 192.
    assert symcount.builtin("xlstm.mlstm_layer").size_values({"e": 33, "p": 2, "H": 4, "B": 4, "K": 4})["I"] == 128
    assert symcount.builtin("xlstm.slstm_block").size_values({"H": 4, "d": 25, "K": 4})["F"] == 192
    assert mlstm_layer(33, 2, 4, 4, 4).config._inner_embedding_dim == 128
    assert slstm_block(4, 25, 4).ffn.config._proj_up_dim == 192


def test_heads_that_do_not_divide_the_inner_width_are_refused():
    # I = 64 at e=32, p=2: 3 heads do not divide it (nor would the package's group norm).
    with pytest.raises(ValueError, match="not a whole number"):
        symcount.builtin("xlstm.mlstm_layer").evaluate(e=32, p=2, H=3, B=4, K=4)


@pytest.mark.parametrize("name", list(MODULES))
def test_the_block_runs_on_cpu(name):
    import torch

    sizes = draws(name)[0]
    module = MODULES[name][0](**sizes)
    width = sizes["e"] if "e" in sizes else sizes["H"] * sizes["d"]
    with torch.no_grad():
        assert module(torch.randn(2, 5, width)).shape == (2, 5, width)


@pytest.mark.parametrize("E, B, ratio", [(16, 1, 7), (32, 2, 7), (48, 1, 3), (8, 3, 1)])
def test_the_blocks_stacked_count_xlstms_block_stack(E, B, ratio):
    # xLSTMBlockStack: ratio*B mLSTM blocks (proj_factor 2, 4 heads, blocks of 4, conv 4),
    # B sLSTM blocks (4 heads, conv 4) and the post-blocks norm's E weights.
    m = symcount.builtin("xlstm.mlstm_block").evaluate(e=E, p=2, H=4, B=4, K=4)
    s = symcount.builtin("xlstm.slstm_block").evaluate(H=4, d=E // 4, K=4)
    assert ratio * B * m + B * s + E == ref.numel(ref.build_xlstm_stack(E, B, ratio=ratio))
