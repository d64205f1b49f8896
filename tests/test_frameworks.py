"""symcount's framework built-ins against the layers PyTorch and Keras really build.

Each framework count here is taken straight from the framework (the sum of
`numel()` over a torch module's parameters; Keras' `count_params()`), not
through symcount's own `verify` code, which is tested separately below.
"""

import os
import random
import subprocess
import sys

import pytest
import sympy

import symcount
from conftest import m, n, same
from symcount import cli
from symcount.symbols import size_symbol

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

TORCH = {"torch.rnn": "RNN", "torch.lstm": "LSTM", "torch.gru": "GRU", "torch.lstm_proj": "LSTM"}
KERAS = {
    "keras.simple_rnn": ("SimpleRNN", {}),
    "keras.lstm": ("LSTM", {}),
    "keras.gru": ("GRU", {"reset_after": True}),
    "keras.gru_v1": ("GRU", {"reset_after": False}),
}
NETWORKS = [
    (layers, bidirectional, bias)
    for layers in (1, 2, 3)
    for bidirectional in (False, True)
    for bias in (True, False)
]


def torch_params(name, sizes, layers, bidirectional, bias):
    options = dict(num_layers=layers, bidirectional=bidirectional, bias=bias)
    if name == "torch.lstm_proj":
        options["proj_size"] = sizes["p"]
    module = getattr(torch.nn, TORCH[name])(sizes["m"], sizes["n"], **options)
    return sum(p.numel() for p in module.parameters())


def keras_params(name, sizes, layers, bidirectional, bias):
    kind, options = KERAS[name]
    model = keras.Sequential([keras.Input(shape=(None, sizes["m"]))])
    for _ in range(layers):
        layer = getattr(keras.layers, kind)(
            sizes["n"], return_sequences=True, use_bias=bias, **options
        )
        model.add(keras.layers.Bidirectional(layer) if bidirectional else layer)
    return model.count_params()


def ours(name, sizes, layers, bidirectional, bias, symbolic=False):
    cell = symcount.builtin(name)
    if not bias:
        cell = cell.without_biases()
    if symbolic:  # the closed form in a symbol L, evaluated afterwards
        return cell.stacked("L", bidirectional=bidirectional).evaluate(**sizes, L=layers)
    if layers == 1 and not bidirectional:
        return cell.evaluate(**sizes)
    return cell.stacked(layers, bidirectional=bidirectional).evaluate(**sizes)


def sizes_for(name, rng):
    sizes = {"m": rng.randint(1, 40), "n": rng.randint(2, 40)}
    if name == "torch.lstm_proj":
        sizes["p"] = rng.randint(1, sizes["n"] - 1)
    return sizes


@pytest.mark.parametrize("layers, bidirectional, bias", NETWORKS)
@pytest.mark.parametrize("name", list(TORCH))
def test_torch_layers(name, layers, bidirectional, bias):
    rng = random.Random(f"{name}{layers}{bidirectional}{bias}")
    for _ in range(3):
        sizes = sizes_for(name, rng)
        want = torch_params(name, sizes, layers, bidirectional, bias)
        assert ours(name, sizes, layers, bidirectional, bias) == want, sizes
        assert ours(name, sizes, layers, bidirectional, bias, symbolic=True) == want, sizes


@pytest.mark.parametrize("layers, bidirectional, bias", NETWORKS)
@pytest.mark.parametrize("name", list(KERAS))
def test_keras_layers(name, layers, bidirectional, bias):
    rng = random.Random(f"{name}{layers}{bidirectional}{bias}")
    for _ in range(2):
        sizes = sizes_for(name, rng)
        want = keras_params(name, sizes, layers, bidirectional, bias)
        assert ours(name, sizes, layers, bidirectional, bias) == want, sizes
        assert ours(name, sizes, layers, bidirectional, bias, symbolic=True) == want, sizes


def test_the_frameworks_really_differ():
    sizes = {"m": 3, "n": 2}
    assert torch_params("torch.lstm", sizes, 1, False, True) == 56  # two bias vectors per gate
    assert keras_params("keras.lstm", sizes, 1, False, True) == 48  # one
    assert keras_params("keras.gru", sizes, 1, False, True) == 42  # reset_after=True: two
    assert keras_params("keras.gru_v1", sizes, 1, False, True) == 36


def test_stack_formula_matches_the_spec():
    # SPEC §2: P(m) + (L - 1)·P(2n), twice, for --layers L --bidirectional.
    L = size_symbol("L")
    cell = symcount.builtin("gru")
    P = cell.count
    want = 2 * (P + (L - 1) * P.subs(m, 2 * n))
    assert same(cell.stacked("L", bidirectional=True).count, want)
    assert same(cell.stacked("L").count, P + (L - 1) * P.subs(m, n))


def test_projection_feeds_the_next_layer():
    p, L = size_symbol("p"), size_symbol("L")
    cell = symcount.builtin("torch.lstm_proj")
    P = cell.count
    assert same(cell.stacked("L", bidirectional=True).count, 2 * (P + (L - 1) * P.subs(m, 2 * p)))


def test_no_bias_drops_exactly_the_biases():
    assert same(symcount.builtin("torch.lstm").without_biases().count, 4 * n * (m + n))
    # a peephole is multiplied, not added: it stays
    assert same(symcount.builtin("peephole_lstm").without_biases().count, 4 * n * (m + n) + 3 * n)
    assert same(symcount.builtin("indrnn").without_biases().count, n * m + n)


def test_stacking_a_cell_with_two_inputs_is_an_error():
    [cell] = symcount.loads(
        "cell two(m, n)\n input x : m\n input y : m\n state h : n\n h' = tanh(W @ x + V @ y)\nend\n",
        filename="two.cell",
    )
    with pytest.raises(symcount.SymcountError, match="it has 2 inputs") as info:
        cell.stacked(2)
    assert (info.value.line, info.value.column) == (1, 6)


def test_cli_count_with_stacking_flags(capsys):
    assert (
        cli.main(
            [
                "count",
                "torch.lstm",
                "--layers",
                "2",
                "--bidirectional",
                "--set",
                "m=10",
                "--set",
                "n=20",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "network   2 layers, bidirectional" in out
    assert "value     15,040" in out
    assert 15_040 == torch_params("torch.lstm", {"m": 10, "n": 20}, 2, True, True)


def test_cli_json_stacked(capsys):
    import json

    cli.main(["count", "keras.gru", "--layers", "L", "--no-bias", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)["cells"][0]
    assert (doc["layers"], doc["bidirectional"], doc["bias"]) == ("L", False, False)
    assert doc["dims"] == ["m", "n", "L"]
    L = size_symbol("L")
    want = 3 * n * (m + n) + (L - 1) * 3 * n * (2 * n)
    assert same(sympy.sympify(doc["count"], locals={"m": m, "n": n, "L": L}), want)


def test_verify_command_passes(capsys):
    code = cli.main(["verify", "--trials", "2", "--layers", "L", "--bidirectional", "--seed", "7"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "16 checks: all match" in out
    assert out.count("yes") == 16


def test_verify_reports_a_mismatch(capsys, tmp_path):
    wrong = tmp_path / "mine.cell"  # claims to be PyTorch's LSTM, but with Keras' single bias
    wrong.write_text(
        symcount.sources.builtin_text("keras.lstm").replace("cell keras.lstm", "cell torch.lstm")
    )
    code = cli.main(["verify", str(wrong), "--trials", "3"])
    out = capsys.readouterr().out
    assert code == 1
    assert "3 checks: 3 MISMATCHED" in out


def test_verify_rejects_cells_without_a_framework_layer(capsys):
    assert cli.main(["verify", "lstm"]) == 1
    assert "cell 'lstm' has no framework layer" in capsys.readouterr().err


def test_verify_without_the_frameworks_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("torch", "keras") else real(name, *a),
    )
    assert cli.main(["verify", "torch.rnn"]) == 1
    assert "pip install 'symcount[verify]'" in capsys.readouterr().err


def test_frameworks_are_not_imported_by_counting(tmp_path):
    probe = "import sys\nfrom symcount import cli\ncli.main(['count', 'torch.lstm'])\nprint('LOADED', [m for m in ('torch', 'keras') if m in sys.modules])\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True
    )
    assert "LOADED []" in result.stdout, result.stderr


def test_verify_needs_the_frameworks_size_symbols(capsys, tmp_path):
    odd = tmp_path / "odd.cell"
    odd.write_text("cell torch.rnn(a, b)\n input x : a\n state h : b\n h' = tanh(W @ x + U @ h + c)\nend\n")
    assert cli.main(["verify", str(odd)]) == 1
    assert "must have the size symbols (m, n)" in capsys.readouterr().err
