"""Models (docs/language.md, "Models"): counts against real PyTorch modules at
random sizes, the composition errors located, `fmt` round trips.

The built-in example models are checked against their reference modules in
tests/test_builtin_models.py; here, each construct of the language once.
"""

from __future__ import annotations

import random

import pytest

import symcount
from symcount import cli
from symcount.api.reading import format_text

torch = pytest.importorskip("torch")
nn = torch.nn


def numel(module) -> int:
    """What PyTorch counts: every parameter once (a tied one too)."""
    return sum(p.numel() for p in module.parameters())


def draws(count: int, seed: int, **ranges: tuple[int, int]):
    rng = random.Random(seed)
    for _ in range(count):
        yield {name: rng.randint(lo, hi) for name, (lo, hi) in ranges.items()}


# ---- one construct at a time, against the module that has it ----

CLASSIFIER = """
model clf(V, e, n, L, C) "bidirectional GRU classifier"
    embedding E : (V, e)
    layer torch.gru(e, n) bidirectional
    layer torch.gru(2*n, n) * (L - 1) bidirectional
    output out : (C, 2*n) + bias
end
"""


@pytest.mark.parametrize("sizes", list(draws(6, 1, V=(5, 60), e=(1, 12), n=(1, 12), L=(1, 4), C=(2, 9))))
def test_bidirectional_layers_and_a_symbolic_depth_count_as_torch(sizes):
    [model] = symcount.loads(CLASSIFIER)
    V, e, n, L, C = (sizes[k] for k in "VenLC")
    module = nn.ModuleList([nn.Embedding(V, e), nn.GRU(e, n, L, bidirectional=True), nn.Linear(2 * n, C)])
    assert model.evaluate(**sizes) == numel(module)


def test_the_closed_form_at_L_is_the_module_with_L_layers():
    [model] = symcount.loads(CLASSIFIER)
    for layers in range(1, 6):
        module = nn.ModuleList([nn.Embedding(7, 3), nn.GRU(3, 4, layers, bidirectional=True), nn.Linear(8, 2)])
        assert model.count.subs({s: v for s, v in zip(model.dims, (7, 3, 4, layers, 2), strict=True)}) == numel(module)


class HaikuLSTM(nn.Module):
    """haiku's hk.LSTM: one linear map of [x, h] to the four gates, with a bias."""

    def __init__(self, inputs: int, hidden: int):
        super().__init__()
        self.gates = nn.Linear(inputs + hidden, 4 * hidden)


SKIP = """
model skip(m, n, L, V) "deep LSTM with skip connections (haiku)"
    input x : m
    layer first = lstm(m, n)
    layer rest = lstm(m + n, n) * (L - 1) reads [x, previous]
    output out : (V, L*n) + bias reads [first, all(rest)]
end
"""


@pytest.mark.parametrize("sizes", list(draws(6, 2, m=(1, 12), n=(1, 12), L=(1, 5), V=(2, 30))))
def test_skip_connections_change_what_each_layer_and_the_output_read(sizes):
    """Layer k ≥ 2 reads [x, h_{k-1}]; the output reads every layer's h."""
    [model] = symcount.loads(SKIP)
    m, n, L, V = (sizes[k] for k in "mnLV")
    layers = [HaikuLSTM(m, n)] + [HaikuLSTM(m + n, n) for _ in range(L - 1)]
    module = nn.ModuleList([*layers, nn.Linear(L * n, V)])
    assert model.evaluate(**sizes) == numel(module)


TOWER = """
block gated_mlp(d, f) "gated MLP (SwiGLU)"
    input x : d
    output y
    param W_down : (d, f)
    y = W_down @ (silu(W_gate @ x) * (W_up @ x))
end

model tower(V, d, f, L)
    embedding E : (V, d)
    layer torch.gru(d, d) * L residual
    norm ln : layernorm(d) + bias
    layer gated_mlp(d, f) residual
    norm rms : rmsnorm(d)
    output head : (V, d) tied E
end
"""


class GatedMLP(nn.Module):
    def __init__(self, d: int, f: int):
        super().__init__()
        self.gate, self.up = nn.Linear(d, f, bias=False), nn.Linear(d, f, bias=False)
        self.down = nn.Linear(f, d, bias=False)


def tower(V, d, f, L, bias=True):
    embedding = nn.Embedding(V, d)
    head = nn.Linear(d, V, bias=False)
    head.weight = embedding.weight  # tied: one tensor
    return nn.ModuleList([
        embedding, nn.GRU(d, d, L, bias=bias), nn.LayerNorm(d, bias=bias), GatedMLP(d, f), nn.RMSNorm(d), head,
    ])


@pytest.mark.parametrize("sizes", list(draws(6, 3, V=(5, 60), d=(1, 16), f=(1, 30), L=(1, 4))))
def test_residual_blocks_norms_and_a_tied_output_count_as_torch(sizes):
    [_, model] = symcount.loads(TOWER)
    assert model.evaluate(**sizes) == numel(tower(**sizes))


@pytest.mark.parametrize("sizes", list(draws(3, 4, V=(5, 60), d=(1, 16), f=(1, 30), L=(1, 4))))
def test_without_biases_every_component_drops_what_bias_false_drops(sizes):
    [_, model] = symcount.loads(TOWER)
    assert model.without_biases().evaluate(**sizes) == numel(tower(**sizes, bias=False))


PROJECTED = """
model projected(m, n, p)
    input x : m
    layer torch.lstm(m, n)
    linear proj : (p, n)
    layer torch.lstm(p, n)
    linear back : (m, n) + bias
end
"""


def test_projections_between_layers_count_as_linear_maps():
    [model] = symcount.loads(PROJECTED)
    for sizes in draws(5, 5, m=(1, 20), n=(1, 20), p=(1, 20)):
        m, n, p = sizes["m"], sizes["n"], sizes["p"]
        module = nn.ModuleList(
            [nn.LSTM(m, n), nn.Linear(n, p, bias=False), nn.LSTM(p, n), nn.Linear(n, m)]
        )
        assert model.evaluate(**sizes) == numel(module)


def test_a_tied_weight_is_counted_once_and_said_to_be_tied():
    [_, model] = symcount.loads(TOWER)
    head = next(c for c in model.components if c.label == "head")
    assert (head.tied, str(head.count)) == ("E", "0")
    assert [p.name for p in model.params if p.layer == "head"] == []
    assert "tied E" in head.what


def test_no_copies_of_a_layer_count_nothing():
    """`* (L - 2)` at L = 2: AWD-LSTM with two layers."""
    awd = symcount.builtin("awd_lstm")
    two = nn.ModuleList([nn.Embedding(9, 3), nn.LSTM(3, 5), nn.LSTM(5, 3), nn.Linear(3, 9)])
    two[-1].weight = two[0].weight
    assert awd.evaluate(V=9, e=3, n=5, L=2) == numel(two)
    with pytest.raises(ValueError, match="the copies of 'layer2', L - 2 is -1; it must be at least 0"):
        awd.evaluate(V=9, e=3, n=5, L=1)


def test_components_list_what_each_reads_and_emits():
    [model] = symcount.loads(SKIP)
    rows = {c.label: c for c in model.components}
    assert [str(rows["rest"].copies), str(rows["rest"].reads[0][1]), str(rows["rest"].emits)] == ["L - 1", "m + n", "n"]
    assert str(rows["out"].reads[0][1]) == "L*n"


def test_a_cell_of_the_file_can_be_defined_after_the_model():
    text = "model m(n)\n    input x : n\n    layer mine(n)\nend\ncell mine(n)\n    input x : n\n    state h : n\n    h' = W @ x + U @ h\nend\n"
    model, cell = symcount.loads(text)
    assert (model.count, cell.count) == (cell.count, cell.count)


# ---- errors: every composition error is located, with notes at both ends ----

ERRORS = [
    ("unknown cell", "model m(n)\n    layer lsmt(n, n)\nend\n", "no cell or block named 'lsmt'", (2, 11), "did you mean 'lstm'"),
    ("sizes of a cell", "model m(n)\n    layer lstm(n)\nend\n", "cell 'lstm' takes 2 sizes (m, n), given 1", (2, 11), None),
    ("unknown size", "model m(n)\n    layer lstm(n, k)\nend\n", "'k' is not a size symbol of model 'm'", (2, 19), None),
    ("width", "model m(V, e, n)\n    embedding E : (V, e)\n    layer lstm(n, n)\nend\n",
     "'layer1' reads e, but its input 'x' is n", (3, 5), "2:5: note: what it reads, e wide"),
    ("copies widen", "model m(V, e, n)\n    embedding E : (V, e)\n    layer lstm(e, n) * 3\nend\n",
     "the copies of 'layer1' after the first read n", (3, 5), None),
    ("bidirectional copies", "model m(V, n)\n    embedding E : (V, n)\n    layer lstm(n, n) * 2 bidirectional\nend\n",
     "after the first read 2*n", (3, 5), None),
    ("residual", "model m(n, k)\n    input x : n\n    layer lstm(n, k) residual\nend\n",
     "adds its input (n) to its output (k)", (3, 5), None),
    ("tied to a layer", "model m(V, n)\n    embedding E : (V, n)\n    layer a = lstm(n, n)\n    output o : (V, n) tied a\nend\n",
     "'a' is a layer, not an embedding", (4, 28), "3:11: note: 'a' is defined here"),
    ("tied shape", "model m(V, e, n)\n    embedding E : (V, e)\n    layer lstm(e, n)\n    output o : (V, n) tied E\nend\n",
     "whose table is (V, e), but its weight is (V, n)", (4, 5), "2:5: note: embedding 'E' is (V, e)"),
    ("unknown source", "model m(V, n)\n    embedding E : (V, n)\n    layer lstm(n, n) reads EE\nend\n",
     "'EE' is no input or component of model 'm'", (3, 28), "did you mean 'E'"),
    ("all of an embedding", "model m(V, n)\n    embedding E : (V, n)\n    layer lstm(n, n) reads all(E)\nend\n",
     "all(E): 'E' is an embedding, not a repeated layer", (3, 32), None),
    ("inputs unbound", "block b(k)\n    input h : k\n    input s : k\n    output y\n    y = h * s\nend\nmodel m(n)\n    input x : n\n    layer b(n)\nend\n",
     "block 'b' has 2 inputs (h, s); say what each reads: `reads h = ..., s = ...`", (9, 5), None),
    ("no such input", "block b(k)\n    input h : k\n    input s : k\n    output y\n    y = h * s\nend\nmodel m(n)\n    input x : n\n    layer b(n) reads h = x, q = x\nend\n",
     "block 'b' has no input 'q' (its inputs: h, s)", (9, 29), None),
    ("input said twice", "block b(k)\n    input h : k\n    input s : k\n    output y\n    y = h * s\nend\nmodel m(n)\n    input x : n\n    layer b(n) reads h = x, h = x\nend\n",
     "input 'h' is bound twice", (9, 29), "9:22: note: first bound here"),
    ("input not said", "block b(k)\n    input h : k\n    input s : k\n    output y\n    y = h * s\nend\nmodel m(n)\n    input x : n\n    layer b(n) reads h = x\nend\n",
     "what input 's' of 'b' reads is not said", (9, 5), None),
    ("a name twice", "model m(n)\n    input x : n\n    layer x = lstm(n, n)\nend\n",
     "'x' is already the model's input", (3, 11), "2:11: note: 'x' first defined here"),
    ("previous as a name", "model m(n)\n    layer previous = lstm(n, n)\nend\n", "cannot be called 'previous'", (2, 11), None),
    ("two outputs", "model m(n)\n    input x : n\n    output a : (n, n)\n    output b : (n, n)\nend\n",
     "has a second output 'b'", (4, 5), "3:5: note: the first output"),
    ("a block with state", "block b(n)\n    input x : n\n    state h : n\n    h' = x\nend\n",
     "block 'b' declares state 'h'", (3, 5), None),
    ("a model as a layer", "model a(n)\n    input x : n\n    linear l : (n, n)\nend\nmodel m(n)\n    layer a(n)\nend\n",
     "'a' is a model; a layer is a cell or a block", (6, 11), None),
    ("division", "model m(n)\n    layer lstm(n / 2, n)\nend\n", "a model's sizes are polynomials", (2, 16), None),
    ("negative copies", "model m(n)\n    layer lstm(n, n) * (0 - 1)\nend\n", "a number of copies is at least 0", (2, 25), None),
    ("unknown norm", "model m(n)\n    input x : n\n    norm a : layrnorm(n)\nend\n", "unknown norm 'layrnorm'", (3, 14), "did you mean 'layernorm'"),
    ("norm width", "model m(n, k)\n    input x : n\n    norm a : layernorm(k)\nend\n", "'a' reads n, but its size is k", (3, 5), None),
    ("linear width", "model m(n, k)\n    input x : n\n    linear a : (n, k)\nend\n", "'a' reads n, but its weight's columns is k", (3, 5), None),
    ("no components", "model m(n)\nend\n", "model 'm' has no components", (1, 7), None),
    ("an error in a layer's cell at its sizes",
     "cell c(a, b)\n    input x : a\n    state h : b\n    size k = b - a\n    param w : (k, b)\n"
     "    h' = W @ x + U @ h + V @ (w @ h)\nend\nmodel m(n)\n    input x : n\n    layer c(n, n)\nend\n",
     "size k = n - n is 0, which is never positive", (4, 14), "10:5: note: in component 'layer1' of model 'm'"),
    ("statement of a cell", "model m(n)\n    state h : n\nend\n", "a model holds components", (2, 5), None),
    ("a size too large", "model m(n)\n    input x : n\n    layer lstm(n, " + "*".join(["(n + 1)"] * 10) + ")\nend\n",
     "this size has degree 9", (3, 19), None),
    ("copies too large", "model m(n)\n    input x : n\n    layer lstm(n, n) * (" + "*".join(["(n + 1)"] * 10) + ")\nend\n",
     "this size has degree 9", (3, 25), None),
    ("copies of an unknown size", "model m(n)\n    input x : n\n    layer lstm(n, n) * K\nend\n",
     "'K' is not a size symbol of model 'm'", (3, 24), None),
    ("which input comes first", "model m(a, b)\n    input x : a\n    input y : b\n    layer lstm(a, b)\nend\n",
     "comes first in a model of 2 inputs (x, y); say which it reads: `reads x`", (4, 5), None),
    ("after no vector", "cell c(n)\n    input x : n\n    state C : (n, n)\n    C' = C + outer(x, x)\nend\n"
     "model m(n)\n    input x : n\n    layer c(n)\n    layer lstm(n, n)\nend\n",
     "'layer2' reads the component before, 'layer1', which emits no vector", (9, 5), "8:5: note: the component before"),
    ("missing end", "model m(n)\n    layer lstm(n, n)\n", "missing 'end' to close the model", None, None),
]


@pytest.mark.parametrize("name, text, message, where, note", ERRORS, ids=[e[0] for e in ERRORS])
def test_composition_errors_are_located(name, text, message, where, note, tmp_path):
    path = tmp_path / "model.cell"
    path.write_text(text)
    with pytest.raises(symcount.SymcountError) as caught:
        symcount.load(path)
    error = caught.value
    rendered = error.render()
    if message is not None:
        assert message in error.message
    if where is not None:
        assert (error.line, error.column) == where
    if note is not None:
        assert note in rendered
    assert error.filename == str(path) or error.filename.startswith("builtin:")


def test_a_cli_error_in_a_model_is_printed_with_its_caret(tmp_path, capsys):
    path = tmp_path / "m.cell"
    path.write_text(ERRORS[3][1])
    code = cli.main(["count", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"{path}:3:5: error: 'layer1' reads e, but its input 'x' is n\n        layer lstm(n, n)\n        ^~~")
    assert f"{path}:2:5: note: what it reads, e wide" in err


def test_an_input_nothing_reads_is_a_warning():
    [model] = symcount.loads("model m(V, n)\n    input x : n\n    embedding E : (V, n)\n    layer lstm(n, n)\nend\n")
    [warning] = model.warnings
    assert (warning.line, warning.column, warning.message) == (2, 11, "input 'x' is never read (no component reads it)")


# ---- fmt ----

@pytest.mark.parametrize("text", [CLASSIFIER, SKIP, TOWER, PROJECTED])
def test_fmt_prints_a_model_back_to_the_same_counts(text):
    formatted = format_text(text)
    assert format_text(formatted) == formatted
    before = [d.count for d in symcount.loads(text)]
    after = [d.count for d in symcount.loads(formatted)]
    assert before == after


def test_fmt_writes_models_canonically():
    text = "model  m(V,n)  # lm\n  embedding E:(V,n)\n  layer a=lstm(n,n)*(V-1) bidirectional reads [E,previous]\n  output o:(V,n)+bias tied E\nend\n"
    assert format_text(text) == (
        "model m(V, n)  # lm\n"
        "    embedding E : (V, n)\n"
        "    layer a = lstm(n, n) * (V - 1) bidirectional reads [E, previous]\n"
        "    output o : (V, n) + bias tied E\n"
        "end\n"
    )


# ---- Keras: a model of Keras layers, against keras.Sequential.count_params ----

KERAS = """
model keras_clf(V, e, n, L, C) "Keras text classifier"
    embedding E : (V, e)
    layer keras.lstm(e, n) bidirectional
    layer keras.gru(2*n, n) * (L - 1) bidirectional
    norm ln : layernorm(2*n) + bias
    output out : (C, 2*n) + bias
end
"""


@pytest.mark.parametrize("sizes", list(draws(3, 6, V=(5, 40), e=(1, 8), n=(1, 8), L=(1, 3), C=(2, 6))))
def test_a_model_of_keras_layers_counts_as_keras(sizes):
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    V, e, n, L, C = (sizes[k] for k in "VenLC")
    layers = keras.layers
    stack = [keras.Input(shape=(None,)), layers.Embedding(V, e)]
    stack.append(layers.Bidirectional(layers.LSTM(n, return_sequences=True)))
    stack += [layers.Bidirectional(layers.GRU(n, return_sequences=True)) for _ in range(L - 1)]
    stack += [layers.LayerNormalization(), layers.Dense(C)]
    reference = keras.Sequential(stack)
    [model] = symcount.loads(KERAS)
    assert model.evaluate(**sizes) == reference.count_params()


# ---- generated models: random chains of components against the modules they are ----

TORCH_LAYERS = {"torch.rnn": nn.RNN, "torch.lstm": nn.LSTM, "torch.gru": nn.GRU}


def generated(rng: random.Random, sizes: dict[str, int]) -> tuple[str, list]:
    """A model of 2 to 7 components whose widths fit, and the PyTorch modules it is.

    Widths are polynomials in the model's sizes a, b, c; each component's value
    at `sizes` builds its module."""
    names = list(sizes)
    width, text, modules = None, [], []
    if rng.random() < 0.5:
        text.append("    embedding E : (V, a)")
        width = "a"
        modules.append(nn.Embedding(sizes["V"], sizes["a"]))
    else:
        text.append("    input x : a")
        width = "a"

    def value(size: str) -> int:  # a width here is `b` or `2*b`
        return 2 * sizes[size[2:]] if size.startswith("2*") else sizes[size]

    for k in range(rng.randint(1, 6)):
        kind = rng.choice(["layer", "layer", "linear", "norm"])
        out = rng.choice([s for s in names if s != "V"])
        if kind == "layer":
            cell = rng.choice(list(TORCH_LAYERS))
            bidirectional = rng.random() < 0.3
            copies = rng.choice([1, 1, 2, 3])
            directions = 2 if bidirectional else 1
            line = f"    layer {cell}({width}, {out})" + " bidirectional" * bidirectional
            modules.append(TORCH_LAYERS[cell](value(width), sizes[out], bidirectional=bidirectional))
            width = f"{directions}*{out}" if bidirectional else out
            if copies > 1:
                line2 = f"    layer {cell}({width}, {out}) * {copies - 1}" + " bidirectional" * bidirectional
                text += [line, line2]
                modules.append(
                    TORCH_LAYERS[cell](value(width), sizes[out], copies - 1, bidirectional=bidirectional)
                )
                continue
            text.append(line)
        elif kind == "linear":
            bias = rng.random() < 0.5
            text.append(f"    linear p{k} : ({out}, {width})" + " + bias" * bias)
            modules.append(nn.Linear(value(width), sizes[out], bias=bias))
            width = out
        else:
            norm = rng.choice(["layernorm", "rmsnorm"])
            bias = norm == "layernorm" and rng.random() < 0.5
            text.append(f"    norm n{k} : {norm}({width})" + " + bias" * bias)
            modules.append(nn.LayerNorm(value(width), bias=bias) if norm == "layernorm" else nn.RMSNorm(value(width)))
    if "embedding" in text[0] and rng.random() < 0.5 and width == "a":
        text.append("    output out : (V, a) + bias tied E")
        head = nn.Linear(sizes["a"], sizes["V"])
        head.weight = modules[0].weight
        modules.append(head)
    else:
        text.append(f"    output out : (V, {width})")
        modules.append(nn.Linear(value(width), sizes["V"], bias=False))
    return f"model g({', '.join(names)})\n" + "\n".join(text) + "\nend\n", modules


@pytest.mark.parametrize("seed", range(40))
def test_generated_models_count_as_their_modules(seed):
    rng = random.Random(seed)
    sizes = {"V": rng.randint(2, 30), "a": rng.randint(1, 9), "b": rng.randint(1, 9), "c": rng.randint(1, 9)}
    text, modules = generated(rng, sizes)
    [model] = symcount.loads(text)
    assert model.evaluate(**sizes) == numel(nn.ModuleList(modules)), text
    assert format_text(format_text(text)) == format_text(text)


def test_a_size_symbol_no_size_uses_is_a_warning():
    [model] = symcount.loads("model m(V, n, k)\n    embedding E : (V, n)\n    layer lstm(n, n)\nend\n")
    assert [(w.line, w.column, w.message) for w in model.warnings] == [
        (1, 15, "size symbol 'k' is not used by any size")
    ]
