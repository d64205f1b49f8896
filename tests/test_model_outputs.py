"""A model in every output and command, as a cell is (docs/cli.md, "Models").

Each format is run on the built-in awd_lstm and on a file with a block and a
model, and what it prints is read back: numbers are checked against
`Model.evaluate` (and each component's against its parameters), the JSON and
the CSV are parsed, the LaTeX is compiled by pdflatex in a column of a
two-column paper.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sympy
from test_latex import COLUMN, compile_tex, needs_pdflatex, overfull

import symcount
from symcount import cli
from symcount.symbols import size_symbol

TAGGER = """\
# A feed-forward block and a bidirectional GRU tagger that uses it.
block ffn(d, f) "feed-forward"
    input x : d
    param W_1 : (f, d)
    param W_2 : (d, f)
    output y
    y = W_2 @ relu(W_1 @ x + b_1) + b_2
end

model tagger(V, e, n, L, T) "bidirectional GRU tagger"
    embedding words : (V, e)
    layer torch.gru(e, n) bidirectional
    layer torch.gru(2*n, n) * (L - 1) bidirectional
    norm ln : layernorm(2*n) + bias
    layer head = ffn(2*n, 4*n) residual
    output tags : (T, 2*n) + bias
end
"""
AWD = {"V": 10000, "e": 400, "n": 1150, "L": 3}
TAG = {"V": 1000, "e": 64, "n": 128, "L": 3, "T": 17}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def sets(sizes: dict[str, int]) -> list[str]:
    return [arg for name, value in sizes.items() for arg in ("--set", f"{name}={value}")]


@pytest.fixture
def tagger(tmp_path) -> str:
    path = tmp_path / "tagger.cell"
    path.write_text(TAGGER)
    return str(path)


@pytest.fixture
def models(tagger) -> list[tuple[list[str], symcount.Model, dict[str, int]]]:
    """(the command line's sources, the model, sizes) for each model tested."""
    [_, model] = symcount.load(tagger)
    return [(["awd_lstm"], symcount.builtin("awd_lstm"), AWD), ([tagger, "--cell", "tagger"], model, TAG)]


def component_values(model: symcount.Model, sizes: dict[str, int]) -> dict[str, int]:
    """Each component's count at `sizes`: the sum of its parameters' there."""
    values: dict[str, int] = {}
    for p in model.params:
        values[p.layer] = values.get(p.layer, 0) + int(p.count.subs({size_symbol(k): v for k, v in sizes.items()}))
    return values


def same(text: str, expr: sympy.Expr) -> bool:
    """A formula of the JSON equals `expr`: read in the size symbols, compared symbolically."""
    return sympy.expand(sympy.sympify(text, locals={s.name: s for s in expr.free_symbols}) - expr) == 0


# ---- text ----


def test_text_shows_the_formula_then_the_components_in_order(capsys, models):
    for sources, model, sizes in models:
        code, out, err = run(capsys, "count", *sources, *sets(sizes))
        assert code == 0 and err == ""
        assert f"  count     {model.count}\n" in out and f"  factored  {model.factored}\n" in out
        assert f"  value     {model.evaluate(**sizes):,}  (" in out
        rows = out.split("\n\n")[-1].splitlines()
        assert rows[0].split() == ["component", "kind", "what", "copies", "reads", "emits", "count", "value"]
        labels = [c.label for c in model.components]
        assert [row.split()[0] for row in rows[1:]] == labels
        each = component_values(model, sizes)
        for row, label in zip(rows[1:], labels, strict=True):
            assert row.endswith(f"{each.get(label, 0):,}"), row
        assert sum(each.values()) == model.evaluate(**sizes)


def test_text_writes_each_component_as_its_statement(capsys, tagger):
    _, out, _ = run(capsys, "count", "awd_lstm")
    assert re.search(r"layer2 +layer +torch\.lstm\(n, n\) \* \(L - 2\) +L - 2 +n +n +8\*n\*\(L - 2\)\*\(n \+ 1\)", out)
    assert re.search(r"decoder +output +\(V, e\) \+ bias tied encoder +1 +e +V +V\n", out)
    assert re.search(r"encoder +embedding +\(V, e\) +1 +token ids +e +V\*e", out)
    _, out, _ = run(capsys, "count", tagger, "--cell", "tagger")
    assert re.search(r"layer2 +layer +torch\.gru\(2\*n, n\) \* \(L - 1\) bidirectional +2\*\(L - 1\) +2\*n +2\*n", out)


def test_check_lists_each_parameter_in_its_component_and_the_tie(capsys, models):
    for sources, model, _ in models:
        code, out, _ = run(capsys, "check", *sources[:1])
        assert code == 0
        named = [f"{p.layer}.{p.name}" for p in model.params]
        assert f"{model.name}({', '.join(map(str, model.dims))}): ok, {len(named)} parameters, {model.count}\n" in out
        listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ") and "." in line.split()[0]]
        assert named == [n for n in listed if n in named] and set(named) <= set(listed)
    _, out, _ = run(capsys, "check", "awd_lstm")
    assert "  decoder.bias    vector  V       1\n" in out and "decoder.weight" not in out.split("tied")[0]
    assert out.endswith("  tied: decoder.weight is encoder.weight, counted once (in encoder)\n")


# ---- JSON ----


def test_json_is_the_cell_document_with_a_kind_and_components(capsys, models):
    for sources, model, sizes in models:
        code, out, _ = run(capsys, "count", *sources, "--format", "json", *sets(sizes))
        assert code == 0
        document = json.loads(out)
        assert document["schema"] == 1
        [doc] = document["cells"]
        assert doc["name"] == model.name and doc["kind"] == "model"
        assert doc["dims"] == [str(d) for d in model.dims]
        assert same(doc["count"], model.count) and doc["value"] == model.evaluate(**sizes)
        assert doc["bias"] is True and "layers" not in doc and "gates" not in doc
        assert [(p["component"], p["name"]) for p in doc["params"]] == [(p.layer, p.name) for p in model.params]
        assert all("gate" not in p and "copies" in p for p in doc["params"])
        each = component_values(model, sizes)
        components = doc["components"]
        assert [c["label"] for c in components] == [c.label for c in model.components]
        assert sum(c["value"] for c in components) == doc["value"]
        for entry, row in zip(components, model.components, strict=True):
            assert entry["value"] == each.get(row.label, 0)
            assert same(entry["count"], row.count)
            assert set(entry) == {"label", "kind", "what", "copies", "bidirectional", "residual", "reads", "emits",
                                  "count", "value", "tied", "line"}  # fmt: skip
    decoder = components[-1]
    assert (decoder["kind"], decoder["tied"], decoder["emits"]) == ("output", None, "T")
    assert components[1]["bidirectional"] and components[1]["copies"] == "2"
    assert components[0]["reads"] == [] and components[1]["reads"] == [{"input": "x", "width": "e"}]


def test_json_of_awd_lstm_names_the_tie_and_the_lines(capsys):
    _, out, _ = run(capsys, "count", "awd_lstm", "--format", "json")
    [doc] = json.loads(out)["cells"]
    assert "value" not in doc and all("value" not in c for c in doc["components"])
    decoder = doc["components"][-1]
    assert decoder["tied"] == "encoder" and decoder["count"] == "V" and decoder["line"] == 18
    assert doc["components"][2]["copies"] == "L - 2"


def test_no_bias_is_the_model_without_biases(capsys):
    model = symcount.builtin("awd_lstm").without_biases()
    _, out, _ = run(capsys, "count", "awd_lstm", "--no-bias", "--format", "json", *sets(AWD))
    [doc] = json.loads(out)["cells"]
    assert doc["bias"] is False and doc["value"] == model.evaluate(**AWD)
    assert doc["removed_biases"][0] == "layer1.b_ii" and doc["removed_biases"][-1] == "decoder.bias"
    _, text, _ = run(capsys, "count", "awd_lstm", "--no-bias")
    assert "  network   no biases\n  removed   layer1.b_ii, " in text


# ---- CSV ----


def test_csv_has_a_row_per_component(capsys, models):
    for sources, model, sizes in models:
        _, out, _ = run(capsys, "count", *sources, "--format", "csv", *sets(sizes))
        rows = list(csv.DictReader(io.StringIO(out)))
        [total] = [r for r in rows if r["of"] == "total"]
        assert int(total["value"]) == model.evaluate(**sizes)
        components = [r for r in rows if r["of"] == "component"]
        assert [r["name"] for r in components] == [c.label for c in model.components]
        assert sum(int(r["value"]) for r in components) == int(total["value"])
        params = [r["name"] for r in rows if r["of"] == "parameter"]
        assert params == [f"{p.layer}.{p.name}" for p in model.params]
        assert not [r for r in rows if r["of"] == "gate"]


def test_sweeps_of_a_model(capsys):
    model = symcount.builtin("awd_lstm")
    fixed = sets({"V": 10000, "e": 400, "L": 3})
    _, out, _ = run(capsys, "count", "awd_lstm", *fixed, "--set", "n=100:400:100", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(int(r["n"]), int(r["parameters"])) for r in rows] == [
        (n, model.evaluate(V=10000, e=400, L=3, n=n)) for n in (100, 200, 300, 400)
    ]
    _, out, _ = run(capsys, "count", "awd_lstm", *fixed, "--set", "n=100:400:100", "--format", "json")
    [doc] = json.loads(out)["cells"]
    assert [point["value"] for point in doc["sweep"]] == [int(r["parameters"]) for r in rows]
    for fmt in ("text", "markdown", "latex"):
        code, out, _ = run(capsys, "count", "awd_lstm", *fixed, "--set", "n=100:400:100", "--format", fmt)
        assert code == 0 and "awd" in out
    # L = 1 has -1 copies of the repeated layer: left out of the sweep, with a located note.
    code, _, err = run(capsys, "count", "awd_lstm", *sets({"V": 10, "e": 4, "n": 8}), "--set", "L=1:3")
    assert code == 0 and "warning: model 'awd_lstm' is left out of the sweep at 1 of its 3 sizes" in err
    assert "builtin:awd_lstm:16:" in err


# ---- Markdown ----


def test_markdown_has_a_components_table_and_the_parameters(capsys, models):
    for sources, model, sizes in models:
        _, out, _ = run(capsys, "count", *sources, "--format", "markdown", *sets(sizes))
        assert out.startswith(f"### `{model.name}({', '.join(map(str, model.dims))})`\n")
        assert f"— **{model.evaluate(**sizes):,}** at " in out
        tables = [block for block in out.split("\n\n") if block.startswith("| ")]
        components, params = tables
        assert components.startswith("| component | kind | what | copies | reads | emits | count | value |")
        assert "| **total** |" in components and f"**{model.evaluate(**sizes):,}** |" in components
        assert params.startswith("| component | parameter | kind | copies | shape | count | value |")
        assert len(components.splitlines()) == 2 + len(model.components) + 1
        assert len(params.splitlines()) == 2 + len(model.params) + 1
    _, out, _ = run(capsys, "count", "awd_lstm", "--format", "markdown")
    assert "| `layer2` | layer | `torch.lstm(n, n) * (L - 2)` | $L - 2$ | $n$ | $n$ |" in out
    assert "Tied: `decoder.weight` is `encoder.weight`, counted once." in out


# ---- LaTeX ----


def test_latex_is_the_closed_form_and_a_table_of_components(capsys):
    code, out, _ = run(capsys, "latex", "awd_lstm")
    assert code == 0
    assert r"P_{\mathrm{awd\_lstm}}(V, e, n, L) = 8 L n^{2}" in out
    assert r"\label{symcount:awd_lstm:count}" in out and r"\label{symcount:awd_lstm:components}" in out
    table = out[out.index(r"\begin{table}") :]
    assert table.index(r"\caption{Components of \texttt{awd\_lstm}") < table.index(r"\begin{tabular}")
    assert r"\toprule" in table and r"\bottomrule" in table
    assert r"\texttt{layer2}  & \texttt{torch.lstm(n, n)} & $L - 2$ & $8 n \left(L - 2\right) \left(n + 1\right)$" in table
    assert r"\texttt{decoder.weight} is \texttt{encoder.weight}" in table
    assert ":params}" not in out and r"\begin{align}" not in out
    assert symcount.builtin("awd_lstm").latex() == out


def test_latex_values_params_and_equations(capsys, models):
    for sources, model, sizes in models:
        _, out, _ = run(capsys, "latex", *sources, *sets(sizes), "--params", "--equations")
        value = f"{model.evaluate(**sizes):,}".replace(",", "{,}")
        assert f"= {value}" in out and f"${value}$ \\\\" in out  # the equation's line and the tables' totals
        assert rf"\label{{symcount:{model.name}:params}}" in out and "by component" in out
    # The parameters grouped by component: its label on its first row only.
    _, out, _ = run(capsys, "latex", "awd_lstm", "--only", "params")
    rows = [line.strip() for line in out.splitlines() if line.strip().endswith(r"\\")]
    assert rows[1].startswith(r"\texttt{encoder} & \texttt{weight}")
    assert rows[2].startswith(r"\texttt{layer1}  & $W_{ii}$") and rows[3].startswith(r"& $b_{ii}$")


def test_latex_equations_of_each_cell_once(capsys, tagger):
    _, out, _ = run(capsys, "latex", "awd_lstm", "--only", "equations")
    assert out.count(r"\begin{align}") == 1 and "% awd_lstm: layer1, layer2, layer3\n% torch.lstm: equations" in out
    assert r"\label{symcount:awd_lstm:equations:torch.lstm}" in out
    _, out, _ = run(capsys, "latex", tagger, "--cell", "tagger", "--only", "equations", "--number-lines")
    assert out.count(r"\begin{align}") == 2 and "% tagger: layer1, layer2\n" in out and "% tagger: head\n" in out
    assert r"\label{symcount:tagger:equations:ffn:y}" in out
    text = "model lm(V, e)\n embedding E : (V, e)\n output o : (V, e) tied E\nend\n"
    [lm] = symcount.loads(text)
    assert "% lm: no equations (no layer is a cell or a block)" in lm.latex(equations=True)


def test_latex_only_components_needs_a_model(capsys):
    code, out, _ = run(capsys, "latex", "lstm", "awd_lstm", "--only", "components")
    assert code == 0 and out.count(r"\begin{table}") == 1 and "lstm(m, n)" not in out
    code, _, err = run(capsys, "latex", "lstm", "--only", "components")
    assert code == 2 and "only a model has components" in err


@needs_pdflatex
@pytest.mark.parametrize("values", [False, True])
def test_latex_of_models_compiles_in_one_column(capsys, tmp_path, models, values):
    for sources, _, sizes in models:
        argv = ["latex", *sources, "--standalone", "--equations", "--params", *(sets(sizes) if values else [])]
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert overfull(compile_tex(out, tmp_path, COLUMN)) == []


# ---- the command line ----


@pytest.mark.parametrize("flags", [["--layers", "2"], ["--layers", "L"], ["--bidirectional"]])
def test_stacking_flags_on_a_model_are_usage_errors(capsys, flags):
    for command in ("count", "latex", "cost"):
        code, out, err = run(capsys, command, "awd_lstm", *flags)
        assert code == 2 and out == ""
        assert "'awd_lstm' is a model, whose layers are written in it" in err and flags[0] in err


def test_cell_selects_a_model_and_a_block(capsys, tagger):
    _, out, _ = run(capsys, "count", tagger)
    assert out.startswith("ffn(d, f): feed-forward\n") and "\n\ntagger(V, e, n, L, T): " in out
    _, out, _ = run(capsys, "count", tagger, "--cell", "tagger", "--format", "json")
    assert [c["name"] for c in json.loads(out)["cells"]] == ["tagger"]
    code, _, err = run(capsys, "count", tagger, "--cell", "tagge")
    assert code == 1 and "no cell or model named 'tagge' (did you mean 'tagger'?)" in err


def test_list_shows_the_models_apart_and_show_prints_one(capsys):
    _, out, _ = run(capsys, "list")
    cells, _, models = out.partition("\nmodels:\n")
    assert "awd_lstm" not in cells and "lstm(m, n)" in cells
    assert re.search(r"^awd_lstm\(V, e, n, L\) +AWD-LSTM language model", models, re.M)
    _, out, _ = run(capsys, "show", "awd_lstm")
    assert "model awd_lstm(V, e, n, L)" in out and out.endswith("end\n")


def test_plot_of_a_model(capsys, tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    target = tmp_path / "awd.svg"
    code, _, err = run(capsys, "plot", "awd_lstm", "--vary", "n=100:1000", *sets({"V": 10000, "e": 400, "L": 3}),
                       "-o", str(target))  # fmt: skip
    assert code == 0 and err == "" and "awd" in target.read_text()
    code, _, err = run(capsys, "plot", "awd_lstm", "--vary", "L=1:4", *sets({"V": 10, "e": 4, "n": 8}),
                       "-o", str(target))  # fmt: skip
    assert code == 0 and "warning: model 'awd_lstm' is not drawn at 1 of the 4 sizes" in err
