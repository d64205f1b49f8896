"""Derived sizes defined from other derived sizes (docs/language.md, "Sizes").

`size I = p*e`, `size dh = I / H` and `size nb = I / B` split one inner width
both into heads and into blocks: H*dh, B*nb and p*e are one size wherever
shapes meet, and evaluating reads I's definition. xLSTM's mLSTMLayer needs
exactly this; its cell is checked here against the real module.
"""

import random

import pytest

import symcount
from symcount import SymcountError, cli

# An inner width I split into H heads of dh and into nb blocks of B.
SIZES = """
    size I = p*e
    size dh = I / H
    size nb = I / B
    input x : e
    state h : I
    param R : blockdiag(nb, B, B)"""

SPLIT = f"""
cell split(p, e, H, B){SIZES}
    q = heads(W_q @ x, H)
    h' = flat(q) + R @ h
end
"""


def test_a_width_split_into_heads_and_into_blocks_is_one_size():
    [cell] = symcount.loads(SPLIT)
    shapes = {p.name: [str(s) for s in p.shape] for p in cell.params}
    assert shapes == {"W_q": ["e*p", "e"], "R": ["nb", "B", "B"]}
    assert cell.evaluate(p=2, e=4, H=2, B=4) == 8 * 4 + 2 * 4 * 4


def test_the_count_is_given_with_the_definitions_written_out(tmp_path, capsys):
    path = tmp_path / "split.cell"
    path.write_text(SPLIT)
    assert cli.main(["count", str(path), "--set", "p=2", "--set", "e=4", "--set", "H=2", "--set", "B=4"]) == 0
    out = capsys.readouterr().out
    assert "  where     nb = e*p/B\n" in out
    assert "  value     64  (p=2, e=4, H=2, B=4; nb=2)\n" in out


def test_sizes_where_a_split_is_not_whole_are_refused(tmp_path, capsys):
    path = tmp_path / "split.cell"
    path.write_text(SPLIT)
    assert cli.main(["count", str(path), "--set", "p=1", "--set", "e=6", "--set", "H=2", "--set", "B=4"]) == 2
    assert capsys.readouterr().err.endswith(
        "error: --set: in cell 'split', size nb = p * e / B is not a whole number (6/4) at B=4, e=6, p=1\n"
    )


def test_two_splits_of_a_header_symbol_are_tied_too():
    text = """
cell twice(e, H, B)
    size d = e / H
    size nb = e / B
    input x : e
    state h : e
    param R : blockdiag(nb, B, B)
    h' = flat(heads(x, H) * g) + R @ h
end
"""
    [cell] = symcount.loads(text)
    assert cell.evaluate(e=12, H=3, B=4) == 12 + 3 * 4 * 4


def test_slices_and_groups_read_through_the_ties():
    text = f"""
cell through(p, e, H, B){SIZES}
    v = R @ h
    h' = groupnorm(v[0:I], H) + W @ x
end
"""
    [cell] = symcount.loads(text)
    assert cell.evaluate(p=3, e=4, H=6, B=2) == 6 * 2 * 2 + 12 * 4


def test_a_size_that_is_not_the_split_is_still_a_mismatch():
    text = SPLIT.replace("state h : I", "state h : I + 1")
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename="split.cell")
    assert info.value.message.startswith("size mismatch: the block-diagonal 'R' has nb blocks of B x B")


def test_a_constant_quotient_of_sizes_is_a_size():
    """`heads(x, m + n)` of x : 2*m + 2*n has heads of size 2 (a traceback before)."""
    text = "cell c(m, n)\n  input x : 2*m + 2*n\n  state h : 2*m + 2*n\n  h' = W @ flat(heads(x, m + n))\nend\n"
    [cell] = symcount.loads(text)
    assert cell.evaluate(m=2, n=3) == 10 * 10


# ---- xLSTM's mLSTMLayer ----

# source: xlstm 2.0.6, class xlstm.blocks.mlstm.layer.mLSTMLayer (step, layer.py 138-164;
#   __init__ 40-96), its mLSTMCell (cell.py; recurrent_step_stabilized_simple in backends.py),
#   LinearHeadwiseExpand (components/linear_headwise.py), CausalConv1d (components/conv.py)
# sizes: e embedding_dim, p proj_factor (inner width I = p*e), H num_heads,
#   B qkv_proj_blocksize (I / B blocks of B x B), K conv1d_kernel_size
MLSTM_LAYER = """
cell xlstm_mlstm_layer(e, p, H, B, K)
    size I = p*e
    size dh = I / H
    size nb = I / B
    input x : e
    state C : (H, dh, dh)
    state n : (H, dh)
    state m : H
    param W_up : (2*I, e)
    param w_conv : (I, K)
    param W_q : blockdiag(nb, B, B)
    param W_k : blockdiag(nb, B, B)
    param W_v : blockdiag(nb, B, B)
    param W_down : (e, I)

    up = W_up @ x
    xm = up[0:I]
    z = up[I:2*I]
    xc = silu(conv1d(w_conv, xm) + b_conv)
    q = W_q @ xc
    k = W_k @ xc
    v = W_v @ xm
    it = W_i @ [q, k, v] + b_i
    ft = W_f @ [q, k, v] + b_f
    m' = max(logsigmoid(ft) + m, it)
    f = exp(logsigmoid(ft) + m - m')
    i = exp(it - m')
    kh = heads(k, H) / sqrt(dh)
    C' = f * C + i * outer(kh, heads(v, H))
    n' = f * n + i * kh
    ht = heads(q, H) @ C' / (max(abs(heads(q, H) @ n'), exp(-m')) + 0.000001)
    hn = groupnorm(flat(ht), H) * (1 + w_norm)
    y = W_down @ ((hn + w_skip * xc) * silu(z))
    output y
end
"""


def mlstm_layer(e: int, p: int, H: int, B: int, K: int, rounded: bool):
    """The real module; `rounded`: its default rounding of the inner width up to a multiple
    of 64 (the sizes given make p*e one), else no rounding (any p*e)."""
    from xlstm.blocks.mlstm.layer import mLSTMLayer, mLSTMLayerConfig

    multiple = {} if rounded else {"round_proj_up_to_multiple_of": 1}
    config = mLSTMLayerConfig(
        embedding_dim=e, proj_factor=p, num_heads=H, qkv_proj_blocksize=B,
        conv1d_kernel_size=K, context_length=8, **multiple,
    )  # fmt: skip
    assert config._inner_embedding_dim == p * e
    return mLSTMLayer(config)


def divisor(rng: random.Random, size: int) -> int:
    return rng.choice([k for k in range(1, size + 1) if size % k == 0])


def test_mlstm_layer_matches_xlstm_at_random_sizes():
    pytest.importorskip("xlstm")
    [cell] = symcount.loads(MLSTM_LAYER)
    assert cell.output_size is not None
    rng = random.Random("mLSTMLayer")
    for _ in range(6):
        e, p, K = rng.randint(1, 12), rng.randint(1, 3), rng.randint(1, 5)
        H, B = divisor(rng, p * e), divisor(rng, p * e)
        module = mlstm_layer(e, p, H, B, K, rounded=False)
        real = sum(w.numel() for w in module.parameters())
        assert cell.evaluate(e=e, p=p, H=H, B=B, K=K) == real, (e, p, H, B, K)
    for e, p, H, B, K in [(32, 2, 4, 4, 4), (64, 1, 8, 16, 3)]:  # xlstm's defaults, rounding too
        module = mlstm_layer(e, p, H, B, K, rounded=True)
        assert cell.evaluate(e=e, p=p, H=H, B=B, K=K) == sum(w.numel() for w in module.parameters())


def test_mlstm_layer_in_closed_form():
    """3eI + IK + 3IB + 6IH + 2H + 3I with I = p*e: the layer's parameters, by module."""
    [cell] = symcount.loads(MLSTM_LAYER)
    rng = random.Random("closed form")
    for _ in range(5):
        e, p, K = rng.randint(1, 20), rng.randint(1, 4), rng.randint(1, 6)
        inner = p * e
        H, B = divisor(rng, inner), divisor(rng, inner)
        want = 3 * e * inner + inner * K + 3 * inner * B + 6 * inner * H + 2 * H + 3 * inner
        assert cell.evaluate(e=e, p=p, H=H, B=B, K=K) == want
