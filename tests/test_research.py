"""SPEC §6's built-in counts against the real modules, built at random sizes.

Today this checks the closed forms of SPEC §6's built-ins table against the
packages themselves (tests/research_modules.py builds each module exactly as the
table says); once the built-ins exist, the same sizes will check symcount's
counts. A package that is not installed skips its module's tests; the test
extra installs them all (see README, Testing).
"""

import random
import re
from pathlib import Path

import pytest

from research_modules import MODULES, build, count, trainable_count
from symcount.count import size_symbol

D, E, H, K, N, R, d, k, m, n = (size_symbol(s) for s in "DEHKNRdkmn")

# SPEC §6's "count" column, copied term by term.
SPEC = {
    "xlstm.slstm_layer": 8 * H * d**2 + H * d * K + 6 * H * d,
    "xlstm.mlstm_cell": 6 * H**2 * d + H * d + 2 * H,
    "mambapy.mamba_block": 3 * E * D**2 + E * D * K + 2 * E * D * R + 3 * E * D * N + 3 * E * D,
    "mingru_pytorch.mingru": 2 * n**2,
    "mingru_pytorch.minlstm": 3 * n**2,
    "speechbrain.ligru": 2 * m * n + 2 * n**2 + 4 * n,
    "sru.sru_layernorm": 4 * m * n + 4 * n + 2 * m,
    "keras.conv_lstm2d": 4 * n * k**2 * (m + n) + 4 * n,
}

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
    # highway term): SPEC's formula holds only for m != n. See the test below.
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
    value = SPEC[name].subs({size_symbol(s): v for s, v in sizes.items()})
    return int(value)


CASES = [(name, sizes) for name in MODULES for sizes in draws(name)]


def case_id(case) -> str:
    name, sizes = case
    return name + "[" + ",".join(f"{s}={v}" for s, v in sizes.items()) + "]"


def test_every_builtin_of_the_table_has_a_module_and_a_formula():
    assert set(MODULES) == set(SPEC) == set(RANGES)
    for name, research in MODULES.items():
        assert tuple(RANGES[name]) == research.symbols
        assert SPEC[name].free_symbols == {size_symbol(s) for s in research.symbols}


@pytest.mark.parametrize("name, sizes", CASES, ids=[case_id(c) for c in CASES])
def test_spec_count_equals_the_real_modules(name, sizes):
    module = build(name, **sizes)
    assert count(module) == spec_count(name, sizes)


@pytest.mark.parametrize("name", list(MODULES))
def test_every_parameter_is_trainable(name):
    # The built-ins report no frozen parameters; this holds the packages to it.
    sizes = draws(name)[1]
    module = build(name, **sizes)
    assert trainable_count(module) == count(module) > 0


def test_sru_with_equal_sizes_drops_the_skip_projection():
    # SRUCell (sru 2.6.0, modules.py) uses num_matrices = 4 only when
    # has_skip_term and input_size != output_size; when m == n the highway term is
    # the input itself and W has 3 blocks: 3*m*n + 4*n + 2*m, not SPEC's 4*m*n + ...
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
