"""What a model costs, and what solve finds for one, against the real PyTorch modules.

A model's cost is its components' (docs/costs.md, "Models"): each priced over its
copies, an embedding's lookup 0 MACs, a tied output's product still paid, the tied
weight's bytes once. Two families of models are drawn at seeded random sizes, each
written as a `.cell` model and built as the nn.Module it describes:

- language models as AWD-LSTM builds them: nn.Embedding, a torch recurrent module
  per layer (one or two directions, a symbolic number of middle layers), an
  nn.Linear decoder with or without a bias, its weight tied to the embedding or not;
- taggers over input features: norms (nn.LayerNorm, nn.RMSNorm, nn.BatchNorm1d),
  a bidirectional recurrent layer, linear maps, a feed-forward block written in the
  language (nn.Linear, F.relu, nn.Linear) and a residual LSTM (`torch.add`).

Each is checked against thop, ptflops, calflops and torchinfo run on the module
over T steps of B sequences (what each prints is the convention's per-step figure
times the factor docs/costs.md, "Models", states per kind of module), and the
symcount convention's matrix products against PyTorch's FlopCounterMode over one
step. Solving a model's size is checked value by value and by building the module
at the answer and one past it.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass

import pytest
import tool_runs

import symcount
from symcount.costing import tools
from symcount.costing.operations import Kind, operations

torch = pytest.importorskip("torch")
nn = torch.nn

TOOLS = ("thop", "ptflops", "calflops", "torchinfo")
KINDS = {"torch.rnn": "RNN", "torch.lstm": "LSTM", "torch.gru": "GRU"}


def needs_tools() -> None:
    for tool in TOOLS:
        pytest.importorskip(tool)


def params(module) -> int:
    """`sum(p.numel() for p in module.parameters())`: a tied tensor once."""
    return sum(p.numel() for p in module.parameters())


# ---- the language models: embedding, recurrent layers, a decoder ----


@dataclass(frozen=True)
class LM:
    """A language model as AWD-LSTM writes one: an embedding (V, e), a first layer
    e → n, L - 2 middle layers n → n, a last layer back to e, a decoder (V, e)."""

    kind: str  # "torch.lstm", "torch.gru", "torch.rnn"
    directions: int
    bias: bool  # the decoder's
    tied: bool

    def text(self) -> str:
        both = " bidirectional" if self.directions == 2 else ""
        width = "2*n" if self.directions == 2 else "n"
        decoder = "(V, e)" + (" + bias" if self.bias else "") + (" tied encoder" if self.tied else "")
        return f"""model lm(V, e, n, L)
    embedding encoder : (V, e)
    layer {self.kind}(e, n){both}
    layer {self.kind}({width}, n) * (L - 2){both}
    layer {self.kind}({width}, e)
    output decoder : {decoder}
end
"""

    def model(self):
        [model] = symcount.loads(self.text(), filename="lm.cell")
        return model

    def module(self, sizes: dict[str, int]):
        V, e, n, L = (sizes[k] for k in "VenL")
        D = self.directions
        kind = getattr(nn, KINDS[self.kind])
        torch.manual_seed(0)

        class Module(nn.Module):
            def __init__(me):
                super().__init__()
                me.encoder = nn.Embedding(V, e)
                widths = [(e, n)] + [(D * n, n)] * (L - 2)
                me.layers = nn.ModuleList(kind(w, h, bidirectional=D == 2) for w, h in widths)
                me.last = kind(D * n, e)
                me.decoder = nn.Linear(e, V, bias=self.bias)
                if self.tied:  # as AWD-LSTM ties them: one Parameter in two modules
                    me.decoder.weight = me.encoder.weight

            def forward(me, ids):
                y = me.encoder(ids)
                for layer in [*me.layers, me.last]:
                    y, _ = layer(y)
                return me.decoder(y)

        return Module()


def draw_lm(rng: random.Random) -> tuple[LM, dict[str, int]]:
    lm = LM(rng.choice(list(KINDS)), rng.choice((1, 2)), rng.random() < 0.5, rng.random() < 0.5)
    sizes = {"V": rng.randint(1, 30), "e": rng.randint(1, 12), "n": rng.randint(1, 12), "L": rng.randint(2, 4)}
    return lm, sizes


# ---- the taggers: norms, linear maps, a block, a residual layer ----

TAGGER = """block ffn(d, f) "feed-forward"
    input x : d
    param W_1 : (f, d)
    param W_2 : (d, f)
    output y
    y = W_2 @ relu(W_1 @ x + b_1) + b_2
end

model tagger(d, n, f, C)
    input x : d
    norm inorm : layernorm(d) + bias
    layer torch.gru(d, n) bidirectional
    linear proj : (d, 2*n) + bias
    norm rms : rmsnorm(d)
    layer ffn(d, f)
    layer torch.lstm(d, d) residual
    norm bn : batchnorm(d) + bias
    output out : (C, d)
end
"""


def tagger_module(sizes: dict[str, int]):
    d, n, f, C = (sizes[k] for k in "dnfC")
    torch.manual_seed(0)

    class Module(nn.Module):
        def __init__(me):
            super().__init__()
            me.inorm = nn.LayerNorm(d)
            me.gru = nn.GRU(d, n, bidirectional=True)
            me.proj = nn.Linear(2 * n, d)
            me.rms = nn.RMSNorm(d)
            me.W_1, me.W_2 = nn.Linear(d, f), nn.Linear(f, d)
            me.lstm = nn.LSTM(d, d)
            me.bn = nn.BatchNorm1d(d)
            me.out = nn.Linear(d, C, bias=False)

        def forward(me, x):
            y, _ = me.gru(me.inorm(x))
            y = me.rms(me.proj(y))
            y = me.W_2(torch.nn.functional.relu(me.W_1(y)))
            h, _ = me.lstm(y)
            y = torch.add(h, y)  # the residual: a torch function, as docs/costs.md writes it
            y = me.bn(y.reshape(-1, d)).reshape(y.shape)  # every step of every sequence
            return me.out(y)

    return Module()


def tagger():
    return symcount.loads(TAGGER, filename="tagger.cell")[-1]


def draw_tagger(rng: random.Random) -> dict[str, int]:
    return {"d": rng.randint(1, 10), "n": rng.randint(1, 10), "f": rng.randint(1, 10), "C": rng.randint(1, 10)}


# ---- what each tool prints for T steps of B sequences ----

RECURRENT = {"nn.RNN", "nn.LSTM", "nn.GRU"}


def module_of(part) -> str:
    """The nn module a component is to the tools: its recurrent module, nn.Embedding,
    its norm's module, else its calls (an nn.Linear, a block's calls)."""
    if part.kind == "embedding":
        return "nn.Embedding"
    if part.kind == "norm":
        return tools.NORM_MODULES[part.component.cell]
    kind = KINDS.get(part.component.cell)
    return f"nn.{kind}" if part.kind == "layer" and kind else "calls"


def printed(model, tool: str, sizes: dict[str, int], seq: int, batch: int) -> dict[str, int]:
    """What `tool` prints for the module run on (T, B, ...), from the convention's
    figures per component (docs/costs.md, "Models"): thop and calflops count every step
    of every sequence; ptflops divides what its module hooks count by the input's first
    axis (T) and not what its patched functions count (a block's F.relu, a residual's
    torch.add); torchinfo charges a recurrent module once per step and sequence, any
    other module once per entry of its output's first axis (T; a batch norm applied to
    the steps and sequences flattened, T·B)."""
    cost = model.cost(convention=tool)
    rows = {name: (macs, flops) for name, macs, flops in cost.row_values(cost.per_component, sizes)}
    total = {"macs": 0, "flops": 0}
    for part in model._layers.parts:
        macs, flops = rows[part.label]
        if tool == "ptflops":
            functions = ptflops_functions(part, sizes)
            macs = batch * (macs - functions) + seq * batch * functions
        else:
            factor = seq * batch
            if tool == "torchinfo" and module_of(part) not in RECURRENT | {"nn.BatchNorm1d"}:
                factor = seq
            macs, flops = factor * macs, factor * flops
        total["macs"] += macs
        total["flops"] += flops
    return total if tool == "calflops" else {"macs": total["macs"]}


def ptflops_functions(part, sizes: dict[str, int]) -> int:
    """The MACs ptflops counts in the torch functions it patches, for one component:
    a call-by-call component's functions, and a residual layer's torch.add."""
    total = 0
    if module_of(part) == "calls":
        for op in operations(part.typed):
            charge = tools.charge("ptflops", op)
            if charge is not None and not tools.per_batch(op):
                total += (part.copies * charge[0]).evaluate(sizes)
    if part.component.residual:
        total += (part.repeat * part.emits).evaluate(sizes)
    return total


def check_tools(model, module, x, sizes: dict[str, int]) -> None:
    seq, batch = x.shape[0], x.shape[1]
    for tool in TOOLS:
        want = printed(model, tool, sizes, seq, batch)
        assert tool_runs.run(tool, module, x) == want, (tool, sizes, seq, batch)


def check_lm(rng: random.Random) -> None:
    lm, sizes = draw_lm(rng)
    model, module = lm.model(), lm.module(sizes)
    assert model.evaluate(**sizes) == params(module), (lm, sizes)
    seq, batch = rng.randint(1, 3), rng.randint(1, 3)
    check_tools(model, module, torch.randint(0, sizes["V"], (seq, batch)), sizes)


def check_tagger(rng: random.Random) -> None:
    sizes, model = draw_tagger(rng), tagger()
    module = tagger_module(sizes)
    assert model.evaluate(**sizes) == params(module), sizes
    seq, batch = rng.randint(1, 3), rng.randint(1, 3)
    check_tools(model, module, tool_runs.inputs(seq, batch, sizes["d"]), sizes)


CHECKS = {"language models": check_lm, "taggers": check_tagger}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("family", list(CHECKS))
def test_each_tool_prints_the_conventions_figure_for_models(family, seed):
    needs_tools()
    rng = random.Random(f"{family} {seed}")
    for _ in range(3):
        CHECKS[family](rng)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_models_against_the_tools_at_many_sizes(seed):
    needs_tools()
    rng = random.Random(seed)
    for _ in range(15):
        check_lm(rng)
        check_tagger(rng)


# ---- the symcount convention: a model costs its components ----


def test_a_models_cost_is_its_components_cells_costs():
    """Each layer costs what its cell costs alone at the component's sizes, times its
    copies; the embedding's lookup nothing; the decoder V·e MACs, tied or not; the
    weights' bytes follow the count (a tied weight once); the state is every layer
    copy's; the activations every component's results, the token ids not."""
    rng = random.Random("components")
    for _ in range(8):
        lm, sizes = draw_lm(rng)
        model = lm.model()
        cost = model.cost()
        V, e, n, L = (sizes[k] for k in "VenL")
        D = lm.directions
        cell = symcount.builtin(lm.kind).cost()
        alone = [cell.values({"m": m, "n": h}) for m, h in ((e, n), (D * n, n), (D * n, e))]
        copies = [D, D * (L - 2), 1]  # the last layer one way, back to e for the decoder
        rows = {name: (macs, flops) for name, macs, flops in cost.row_values(cost.per_component, sizes)}
        assert list(rows) == ["encoder", "layer1", "layer2", "layer3", "decoder"]
        assert rows["encoder"] == (0, 0)
        assert rows["decoder"] == (V * e, 2 * V * e + V * lm.bias)
        for label, figures, k in zip(("layer1", "layer2", "layer3"), alone, copies, strict=True):
            assert rows[label] == (k * figures["macs"], k * figures["flops"]), (lm, sizes, label)
        got = cost.values(sizes)
        assert got["macs"] == sum(m for m, _ in rows.values())
        assert got["flops"] == sum(f for _, f in rows.values())
        assert got["weight_bytes"] == 4 * model.evaluate(**sizes) == 4 * params(lm.module(sizes))
        assert got["state_bytes"] == sum(k * a["state_bytes"] for a, k in zip(alone, copies, strict=True))
        widths = (e, D * n, D * n)  # what each layer reads: kept once already, as its input
        kept = sum(k * (a["activation_bytes"] - 4 * w) for a, k, w in zip(alone, copies, widths, strict=True))
        assert got["activation_bytes"] == kept + 4 * (e + V), (lm, sizes)


def test_the_breakdowns_sum_to_the_totals_under_every_convention():
    model = tagger()
    sizes = {"d": 7, "n": 5, "f": 11, "C": 3}
    for convention in ("symcount", *TOOLS):
        cost = model.cost(convention)
        assert not cost.per_gate  # a model's gates share names across components: none
        got = cost.values(sizes)
        for rows in (cost.per_component, cost.per_op):
            values = cost.row_values(rows, sizes)
            assert sum(m for _, m, _ in values) == got["macs"], convention
            assert sum(f for _, _, f in values) == got["flops"], convention


def test_a_tied_output_pays_its_product_and_stores_its_weight_once():
    tied, untied = (LM("torch.lstm", 1, True, tie).model() for tie in (True, False))
    sizes = {"V": 100, "e": 8, "n": 16, "L": 3}
    a, b = tied.cost().values(sizes), untied.cost().values(sizes)
    assert a["macs"] == b["macs"] and a["flops"] == b["flops"]
    assert b["weight_bytes"] - a["weight_bytes"] == 4 * 100 * 8
    [matrix] = [r for r in tied.cost().per_op if r.name == str(Kind.MATRIX)]
    assert str(matrix.macs).count("V*e") == 1  # the decoder's product is a matrix product


def test_a_residual_layer_adds_its_input_once_per_copy():
    text = """model res(d, K)
    input x : d
    layer torch.lstm(d, d) * K residual
    output out : (d, d)
end
"""
    [model] = symcount.loads(text)
    plain = symcount.loads(text.replace(" residual", ""))[0]
    sizes = {"d": 6, "K": 3}
    extra = {k: model.cost().values(sizes)[k] - plain.cost().values(sizes)[k] for k in ("macs", "flops")}
    assert extra == {"macs": 0, "flops": 3 * 6}
    # thop and torchinfo have no rule for torch.add: the output says so
    assert "addition (+ residual)" in model.cost("thop").uncounted


def test_state_bytes_are_the_states_the_modules_return():
    rng = random.Random("states")
    for _ in range(6):
        lm, sizes = draw_lm(rng)
        module = lm.module(sizes)
        y = module.encoder(torch.randint(0, sizes["V"], (1, 1)))
        carried = 0
        for layer in [*module.layers, module.last]:
            y, state = layer(y)
            carried += sum(s.numel() for s in (state if isinstance(state, tuple) else (state,)))
        assert lm.model().cost().values(sizes)["state_bytes"] == 4 * carried, (lm, sizes)


def test_awd_lstm_keeps_what_the_docs_say():
    """docs/costs.md, "Models": per step, the embedded row e, each LSTM layer's six
    results (four gates, c', h') of its hidden width, and the V logits."""
    cost = symcount.builtin("awd_lstm").cost()
    for V, e, n, L in ((10000, 400, 1150, 3), (7, 3, 5, 2), (50, 4, 9, 6)):
        sizes = {"V": V, "e": e, "n": n, "L": L}
        assert cost.values(sizes)["activation_bytes"] == 4 * (V + e + 6 * n * (L - 1) + 6 * e)


# ---- the symcount convention's products against PyTorch's FlopCounterMode ----

MATMUL = {"aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm"}


def matmul_flops(step, batch: int) -> int:
    """What FlopCounterMode counts in the matrix products of `step()` (oneDNN off, so
    that PyTorch computes a recurrent step with addmm), per sequence."""
    from torch.utils.flop_counter import FlopCounterMode

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.backends.mkldnn.flags(enabled=False), torch.no_grad():
            with FlopCounterMode(display=False) as counter:
                step()
    counts = {str(op): flops for op, flops in counter.get_flop_counts().get("Global", {}).items()}
    assert set(counts) <= MATMUL, counts
    total = sum(counts.values())
    assert total % batch == 0
    return total // batch


def matrix_macs(model, sizes: dict[str, int]) -> int:
    cost = model.cost()
    return {name: macs for name, macs, _ in cost.row_values(cost.per_op, sizes)}[str(Kind.MATRIX)]


def test_the_products_are_what_pytorchs_flop_counter_measures():
    rng = random.Random("flop counter")
    for _ in range(8):
        lm, sizes = draw_lm(rng)
        module, batch = lm.module(sizes), rng.randint(1, 3)
        ids = torch.randint(0, sizes["V"], (1, batch))
        assert matmul_flops(lambda: module(ids), batch) == 2 * matrix_macs(lm.model(), sizes), (lm, sizes)  # noqa: B023
        sizes = draw_tagger(rng)
        module, x = tagger_module(sizes).eval(), torch.randn(1, batch, sizes["d"])
        assert matmul_flops(lambda: module(x), batch) == 2 * matrix_macs(tagger(), sizes), sizes  # noqa: B023


# ---- solve: a model's size within a budget ----

LM3 = """model lm3(V, n) "3-layer LSTM LM, softmax tied to the embedding"
    embedding encoder : (V, n)
    layer torch.lstm(n, n) * 3
    output decoder : (V, n) + bias tied encoder
end
"""


def lm3_module(V: int, n: int):
    """nn.Embedding(V, n), nn.LSTM(n, n, num_layers=3), a decoder tied to it; on the meta
    device: parameters with shapes, no memory."""
    with torch.device("meta"):
        module = nn.ModuleDict(
            {"encoder": nn.Embedding(V, n), "lstm": nn.LSTM(n, n, num_layers=3), "decoder": nn.Linear(n, V)}
        )
    module["decoder"].weight = module["encoder"].weight
    return module


def awd_module(V: int, e: int, n: int, L: int):
    """salesforce/awd-lstm-lm's RNNModel("LSTM", V, e, n, L, tie_weights=True), on the meta device."""
    widths = [(e, n)] + [(n, n)] * (L - 2) + [(n, e)]
    with torch.device("meta"):
        module = nn.ModuleDict(
            {
                "encoder": nn.Embedding(V, e),
                "rnns": nn.ModuleList(nn.LSTM(w, h) for w, h in widths),
                "decoder": nn.Linear(e, V),
            }
        )
    module["decoder"].weight = module["encoder"].weight
    return module


def largest(evaluate, budget: int, start: int = 1) -> int | None:
    """Value by value from `start`: the last value within the budget before the first
    past it (the counts here grow with the size)."""
    value, best = start, None
    while evaluate(value) <= budget:
        best, value = value, value + 1
    return best


def run_cli(*argv: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "symcount", *argv], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_the_hidden_size_of_a_3_layer_lstm_lm_within_24m(tmp_path):
    """The issue's example: a 3-layer LSTM LM with a tied softmax over 10,000 words
    within 24M parameters. The count is quadratic in n; the answer is checked value by
    value and on the PyTorch module at n and n + 1."""
    import sympy

    [model] = symcount.loads(LM3)
    assert sympy.degree(model.count, symcount.symbols.size_symbol("n")) == 2
    found = model.solve(24_000_000, for_="n", V=10000)
    n = found.sizes["n"]
    assert n == largest(lambda k: model.evaluate(V=10000, n=k), 24_000_000)
    assert found.value == params(lm3_module(10000, n)) <= 24_000_000 < params(lm3_module(10000, n + 1))
    assert found.next.value == params(lm3_module(10000, n + 1))
    path = tmp_path / "lm3.cell"
    path.write_text(LM3)
    code, out, _ = run_cli("solve", str(path), "--budget", "24M", "--for", "n", "--set", "V=10000")
    assert code == 0 and re.search(rf"\b{n}\b.*\b{n + 1}\b", out), out


def test_awd_lstms_hidden_size_within_24m():
    code, out, err = run_cli(
        "solve", "awd_lstm", "--budget", "24M", "--for", "n", "--set", "V=10000", "--set", "e=400", "--set", "L=3"
    )
    assert code == 0, err
    model = symcount.builtin("awd_lstm")
    n = model.solve(24_000_000, "n", V=10000, e=400, L=3).sizes["n"]
    assert n == largest(lambda k: model.evaluate(V=10000, e=400, n=k, L=3), 24_000_000)
    assert params(awd_module(10000, 400, n, 3)) <= 24_000_000 < params(awd_module(10000, 400, n + 1, 3))
    assert f"  awd_lstm  10000  400  {n}  3" in out


@pytest.mark.parametrize("budget", [5_000_000, 24_000_000, 100_000_000])
def test_solving_for_a_models_number_of_layers(budget):
    """`* (L - 2)` has no copy at L = 2, which is a model (two layers): an answer, not
    a size refused."""
    model = symcount.builtin("awd_lstm")
    sizes = {"V": 10000, "e": 400, "n": 1150}
    found = model.solve(budget, "L", **sizes)
    want = largest(lambda L: model.evaluate(**sizes, L=L), budget, start=2)
    if want is None:
        assert found.sizes is None and found.next.sizes["L"] == 2
        return
    L = found.sizes["L"]
    assert L == want
    assert params(awd_module(10000, 400, 1150, L)) <= budget < params(awd_module(10000, 400, 1150, L + 1))


def test_solving_a_models_cost():
    model = symcount.builtin("awd_lstm")
    found = model.solve(10**7, "n", metric="macs", V=10000, e=400, L=3)
    n = found.sizes["n"]
    macs = lambda k: model.cost().values({"V": 10000, "e": 400, "n": k, "L": 3})["macs"]  # noqa: E731
    assert n == largest(macs, 10**7) and found.value == macs(n)


@pytest.mark.parametrize("command", ["count", "cost", "solve"])
@pytest.mark.parametrize("flag", [["--layers", "2"], ["--bidirectional"]])
def test_a_models_layers_are_written_in_it_not_flagged(command, flag):
    extra = ["--budget", "1M", "--for", "n", "--set", "V=100", "--set", "e=4", "--set", "L=3"]
    code, out, err = run_cli(command, "awd_lstm", *flag, *(extra if command == "solve" else []))
    assert code == 2 and not out
    assert f"{flag[0]}" in err and "'awd_lstm' is a model" in err and "Traceback" not in err


def test_a_size_at_which_a_model_has_fewer_than_no_copies_is_a_usage_error():
    code, _, err = run_cli("solve", "awd_lstm", "--budget", "24M", "--for", "n", "--set", "V=10000",
                           "--set", "e=400", "--set", "L=1")  # fmt: skip
    assert code == 2 and "the copies of 'layer2', L - 2 is -1" in err and "Traceback" not in err


def test_the_json_cost_has_a_row_per_component():
    import json

    code, out, _ = run_cli("cost", "awd_lstm", "--set", "V=100", "--set", "e=4", "--set", "n=8", "--set", "L=3",
                           "--format", "json")  # fmt: skip
    assert code == 0
    cost = json.loads(out)["cells"][0]["cost"]
    assert [row["name"] for row in cost["per_component"]] == ["encoder", "layer1", "layer2", "layer3", "decoder"]
    assert cost["per_component"][0]["values"] == {"macs": 0, "flops": 0}
    assert cost["per_gate"] == []


@pytest.mark.parametrize("tool", TOOLS)
def test_what_a_tool_does_not_count_in_a_model_is_named(tool):
    """Every operation of a component priced call by call that the tool does not
    charge, and a norm it has no rule for (nn.RMSNorm), is in `uncounted`."""
    for model in (tagger(), symcount.builtin("awd_lstm"), LM("torch.gru", 2, False, False).model()):
        uncounted = model.cost(convention=tool).uncounted
        for part in model._layers.parts:
            if module_of(part) == "calls":
                for op in operations(part.typed):
                    if tools.charge(tool, op) is None:
                        assert f"{op.kind} ({op.form})" in uncounted, (tool, part.label, op)
            elif part.kind == "norm" and tools.norm_rule(tool, part.component.cell, part.emits, part.emits) is None:
                assert f"normalisation ({part.component.cell})" in uncounted, (tool, part.label)


def test_the_docs_table_of_a_models_modules_is_the_tools():
    """docs/costs.md, "Models": what each tool charges nn.Embedding and each norm per
    entry ("4d", "—" for no rule), and torchinfo its parameters."""
    from conftest import doc_script

    section = doc_script("pages").section("costs.md", "Models")
    table = re.findall(r"^\| `nn\.(\w+)\(.*?\)` \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$", section, re.M)
    rows = {module: cells for module, *cells in table}
    assert rows["Embedding"][:3] == ["0", "0", "0"] and rows["Embedding"][3] == "V·e"
    assert tools.embedding_rule("thop", tools.ONE) == {} and tools.embedding_rule("torchinfo", tools.ONE)
    for norm, module in tools.NORM_MODULES.items():
        for tool, text in zip(TOOLS[:3], rows[module.removeprefix("nn.")][:3], strict=True):
            per_entry = tools.NORM_ENTRIES[tool].get(norm)
            assert text == ("—" if per_entry is None else f"{per_entry if per_entry > 1 else ''}d"), (norm, tool)
        assert rows[module.removeprefix("nn.")][3].startswith("its parameters")
