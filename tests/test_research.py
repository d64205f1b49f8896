"""The research built-ins against the real modules, built at random sizes.

tests/research_modules.py builds each module exactly as the table of
docs/builtins.md ("Cells of current research") says. At
the same seeded sizes, the module's parameter count must equal both the table's
closed form and symcount's own built-in (`symcount.builtin(NAME).evaluate`), and
the built-in's parameters must make up the module's named parameters one by one
(a module may keep several of them in one tensor), all of them trainable. A
package that is not installed skips its module's tests; the test extra installs
them all (see docs/testing.md).
"""

import random
import re
from pathlib import Path

import pytest
from test_counts import RESEARCH

import symcount
from research_modules import MODULES, build, count, ligru_stack, named_parameters, trainable_count
from symcount.symbols import size_symbol

D, E, H, K, N, R, d, k, m, n = (size_symbol(s) for s in "DEHKNRdkmn")

# The "count" column of docs/builtins.md (test_counts holds it, for the built-ins' own check).
CLOSED_FORMS = RESEARCH

# Small ranges keep every module quick to build on a CPU.
RANGES = {
    "xlstm.slstm_layer": {"H": (1, 4), "d": (1, 5), "K": (1, 5)},
    "xlstm.mlstm_cell": {"H": (1, 4), "d": (1, 6)},
    "mambapy.mamba_block": {"D": (1, 12), "E": (1, 3), "N": (1, 8), "K": (1, 5), "R": (1, 4)},
    "mingru_pytorch.mingru": {"n": (1, 24)},
    "mingru_pytorch.minlstm": {"n": (1, 24)},
    "speechbrain.ligru": {"m": (1, 12), "n": (1, 12)},
    "sru.sru_layernorm": {"m": (1, 12), "n": (1, 12)},
    "keras.conv_lstm2d": {"m": (1, 4), "n": (1, 4), "k": (1, 4)},
}
TRIALS = 6
ROOT = Path(__file__).resolve().parent.parent


def excluded(name: str, sizes: dict) -> bool:
    # SRUCell has no skip projection when m == n (the input itself is the
    # highway term): the closed form holds only for m != n. See the test below.
    return name == "sru.sru_layernorm" and sizes["m"] == sizes["n"]


def draws(name: str) -> list[dict]:
    """The smallest sizes the formula covers, then TRIALS seeded random ones."""
    rng = random.Random(f"research {name}")
    ranges = RANGES[name]
    smallest = {s: lo for s, (lo, _) in ranges.items()}
    if excluded(name, smallest):
        smallest["n"] += 1
    found = [smallest]
    while len(found) < TRIALS + 1:
        sizes = {s: rng.randint(lo, hi) for s, (lo, hi) in ranges.items()}
        if not excluded(name, sizes) and sizes not in found:
            found.append(sizes)
    return found


def spec_count(name: str, sizes: dict) -> int:
    value = CLOSED_FORMS[name].subs({size_symbol(s): v for s, v in sizes.items()})
    return int(value)


CASES = [(name, sizes) for name in MODULES for sizes in draws(name)]


def case_id(case) -> str:
    name, sizes = case
    return name + "[" + ",".join(f"{s}={v}" for s, v in sizes.items()) + "]"


def test_every_builtin_of_the_table_has_a_module_and_a_formula():
    assert set(MODULES) == set(CLOSED_FORMS) == set(RANGES)
    for name, research in MODULES.items():
        assert tuple(RANGES[name]) == research.symbols
        assert CLOSED_FORMS[name].free_symbols == {size_symbol(s) for s in research.symbols}


@pytest.mark.parametrize("name, sizes", CASES, ids=[case_id(c) for c in CASES])
def test_spec_and_builtin_counts_equal_the_real_modules(name, sizes):
    module = build(name, **sizes)
    assert count(module) == spec_count(name, sizes)
    assert symcount.builtin(name).evaluate(**sizes) == count(module)


# Which of the built-in's parameters make up each of the real module's (torch:
# named_parameters(); Keras: each weight's name). A module may keep several in one
# tensor: xLSTM's recurrent kernel holds the four gates' blocks, Keras' kernel the
# four gates' kernels. Each built-in parameter belongs to exactly one module's.
PARTS = {
    "xlstm.slstm_layer": {
        "conv1d.conv.weight": ("w_conv",),
        "conv1d.conv.bias": ("b_conv",),
        "fgate.weight": ("W_i",),  # the module named fgate makes the input gate
        "igate.weight": ("W_f",),  # and igate the forget gate (layer.py 106-111)
        "zgate.weight": ("W_z",),
        "ogate.weight": ("W_o",),
        "slstm_cell._recurrent_kernel_": ("R_i", "R_f", "R_z", "R_o"),
        "slstm_cell._bias_": ("b_i", "b_f", "b_z", "b_o"),
        "group_norm.weight": ("w_norm",),
    },
    "xlstm.mlstm_cell": {
        "igate.weight": ("W_i",),
        "igate.bias": ("b_i",),
        "fgate.weight": ("W_f",),
        "fgate.bias": ("b_f",),
        "outnorm.weight": ("w_norm",),
    },
    "mambapy.mamba_block": {
        "A_log": ("A_log",),
        "D": ("D_skip",),
        "in_proj.weight": ("W_in",),
        "conv1d.weight": ("w_conv",),
        "conv1d.bias": ("b_conv",),
        "x_proj.weight": ("W_x",),
        "dt_proj.weight": ("W_dt",),
        "dt_proj.bias": ("b_dt",),
        "out_proj.weight": ("W_out",),
    },
    "mingru_pytorch.mingru": {"to_hidden_and_gate.weight": ("W",)},
    "mingru_pytorch.minlstm": {"to_hidden_and_f_i_gate.weight": ("W",)},
    "speechbrain.ligru": {
        "rnn.0.w.weight": ("W",),
        "rnn.0.u.weight": ("U",),
        "rnn.0.norm.weight": ("gamma",),
        "rnn.0.norm.bias": ("beta",),
    },
    "sru.sru_layernorm": {
        "weight": ("W",),
        "weight_c": ("v_f", "v_r"),
        "bias": ("b_f", "b_r"),
        "layer_norm.weight": ("gamma",),
        "layer_norm.bias": ("beta",),
    },
    "keras.conv_lstm2d": {
        "kernel": ("W_i", "W_f", "W_c", "W_o"),
        "recurrent_kernel": ("U_i", "U_f", "U_c", "U_o"),
        "bias": ("b_i", "b_f", "b_c", "b_o"),
    },
}


def builtin_parameters(name: str, sizes: dict) -> dict[str, tuple[int, bool]]:
    """The built-in's parameters by name: (count at `sizes`, trainable)."""
    cell = symcount.builtin(name)
    values = {size_symbol(s): v for s, v in cell.size_values(sizes).items()}
    counts = {p.name: int(p.count.subs(values)) for p in cell.params}
    # Whether a parameter is frozen is the solved shape's (the public Param has no field for it).
    frozen = {shape.name: shape.frozen for shape in cell.shapes.params}
    return {p: (counts[p], not frozen[p]) for p in counts}


def test_every_builtin_parameter_belongs_to_one_module_parameter():
    for name, parts in PARTS.items():
        listed = [p for group in parts.values() for p in group]
        assert sorted(listed) == sorted(p.name for p in symcount.builtin(name).params), name


@pytest.mark.parametrize("name, sizes", CASES, ids=[case_id(c) for c in CASES])
def test_builtin_parameters_make_up_the_modules_named_parameters(name, sizes):
    mine = builtin_parameters(name, sizes)
    theirs = named_parameters(build(name, **sizes))
    assert set(theirs) == set(PARTS[name])
    for module_name, (numel, trainable) in theirs.items():
        parts = PARTS[name][module_name]
        assert sum(mine[p][0] for p in parts) == numel, (module_name, parts)
        assert all(mine[p][1] == trainable for p in parts), (module_name, "trainable")
    # So the totals agree too, split as the API reports them: trainable and frozen.
    for flag in (True, False):
        assert sum(c for c, t in mine.values() if t == flag) == sum(
            c for c, t in theirs.values() if t == flag
        )


def test_stacked_ligru_is_speechbrains_layers():
    # LiGRU(num_layers=L): layer 1 reads m, every later layer the n outputs of the
    # one before, which is what stacking the built-in gives.
    cell = symcount.builtin("speechbrain.ligru")
    for m_, n_, layers in ((3, 5, 2), (4, 2, 3), (1, 1, 2), (6, 3, 4)):
        assert cell.stacked(layers).evaluate(m=m_, n=n_) == count(ligru_stack(m_, n_, layers))


def test_bidirectional_ligru_shares_one_set_of_weights():
    # speechbrain runs both directions through the same W and U (LiGRU_Layer.forward
    # puts the reversed sequence beside the batch), so bidirectional=True holds one
    # direction's weights, whose later layers read 2n: not symcount's --bidirectional,
    # which gives each direction its own.
    cell = symcount.builtin("speechbrain.ligru")
    for m_, n_, layers in ((3, 5, 1), (3, 5, 2), (2, 4, 3)):
        one_way = cell.evaluate(m=m_, n=n_) + (layers - 1) * cell.evaluate(m=2 * n_, n=n_)
        assert count(ligru_stack(m_, n_, layers, bidirectional=True)) == one_way
        assert cell.stacked(layers, bidirectional=True).evaluate(m=m_, n=n_) == 2 * one_way


@pytest.mark.parametrize("sizes", draws("speechbrain.ligru"), ids=str)
def test_the_papers_ligru_has_speechbrains_count(sizes):
    # Ravanelli et al.'s equations (the `ligru` built-in: W_z, W_h, U_z, U_h and a
    # batch norm per gate) hold the same parameters as speechbrain's fused W, U and
    # one norm over both gates.
    module = build("speechbrain.ligru", **sizes)
    assert symcount.builtin("ligru").evaluate(**sizes) == count(module)


@pytest.mark.parametrize("name", list(MODULES))
def test_every_parameter_is_trainable(name):
    # The built-ins report no frozen parameters; this holds the packages to it.
    sizes = draws(name)[1]
    module = build(name, **sizes)
    assert trainable_count(module) == count(module) > 0


def test_sru_with_equal_sizes_drops_the_skip_projection():
    # SRUCell (sru 2.6.0, modules.py) uses num_matrices = 4 only when
    # has_skip_term and input_size != output_size; when m == n the highway term is
    # the input itself and W has 3 blocks: 3*m*n + 4*n + 2*m, not the closed form's 4*m*n + ...
    for size in (1, 2, 5, 9):
        module = build("sru.sru_layernorm", m=size, n=size)
        assert module.num_matrices == 3
        assert count(module) == 3 * size * size + 4 * size + 2 * size
        assert count(module) != spec_count("sru.sru_layernorm", {"m": size, "n": size})


# Feature widths of the input and of the output sequence, per module.
WIDTHS = {
    "xlstm.slstm_layer": lambda s: (s["H"] * s["d"], s["H"] * s["d"]),
    "xlstm.mlstm_cell": lambda s: (s["H"] * s["d"], s["H"] * s["d"]),
    "mambapy.mamba_block": lambda s: (s["D"], s["D"]),
    "mingru_pytorch.mingru": lambda s: (s["n"], s["n"]),
    "mingru_pytorch.minlstm": lambda s: (s["n"], s["n"]),
    "speechbrain.ligru": lambda s: (s["m"], s["n"]),
    "sru.sru_layernorm": lambda s: (s["m"], s["n"]),
}


def torch_forward(name: str, module, x):
    """The output sequence (batch, time, features) for x of the same layout."""
    if name == "xlstm.mlstm_cell":
        return module(x, x, x)  # queries, keys and values
    if name == "sru.sru_layernorm":
        return module(x.transpose(0, 1))[0].transpose(0, 1)  # SRU is time-major
    if name == "speechbrain.ligru":
        module.eval()  # the training path samples dropout masks
        return module(x)[0]
    return module(x)


@pytest.mark.parametrize("name", list(MODULES))
def test_the_built_module_runs_on_cpu(name):
    # The builders give working modules on a CPU torch (xlstm's vanilla backend,
    # sru's compiled CPU op, speechbrain beside the torchaudio stub), not just shapes.
    sizes = draws(name)[1]
    module = build(name, **sizes)
    batch, steps = 2, 3
    if name == "keras.conv_lstm2d":
        import numpy

        side = sizes["k"] + 1  # as built: the valid convolution leaves 2 by 2
        x = numpy.random.default_rng(0).random((batch, steps, side, side, sizes["m"]))
        assert tuple(module(x.astype("float32")).shape) == (batch, 2, 2, sizes["n"])
        return
    import torch

    width_in, width_out = WIDTHS[name](sizes)
    with torch.no_grad():
        y = torch_forward(name, module, torch.randn(batch, steps, width_in))
    assert tuple(y.shape) == (batch, steps, width_out)


def test_the_test_command_installs_every_package_pinned_beside_torch():
    # CI installs through the README's command: the research packages must come
    # with the test extra at exact versions, and torch must stay the CPU 2.13.0.
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = extras["optional-dependencies"]
    assert "symcount[research]" in extras["test"]
    pins = [re.fullmatch(r"([\w-]+)==([\w.]+)", spec) for spec in extras["research"]]
    assert all(pins), extras["research"]
    packages = {"xlstm", "mambapy", "mingru-pytorch", "speechbrain", "sru", "keras"}
    assert {pin.group(1) for pin in pins} == packages
    held = (ROOT / "tests" / "constraints.txt").read_text().split()
    assert "torch==2.13.0" in held
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"```sh\n(pip install '\.\[test\]'.*)\n```", readme).group(1)
    assert "-c tests/constraints.txt" in command
