"""Language v2 in every output: the paper notation of each construct, frozen and
total counts, derived sizes with their definitions, fields, block-diagonal and
tensor shapes, in text, Markdown, LaTeX and JSON (issue 10, item 1)."""

import json
import re
from pathlib import Path

import pytest
import sympy
from test_latex import compile_tex, needs_pdflatex

import symcount
from symcount import cli
from symcount.render import Report, latex, markdown, tex
from symcount.symbols import size_symbol

m, n, D, R = (size_symbol(s) for s in "m n D R".split())

HEADER = "cell t(m, n, H, d)\n input x : H*d\n state h : H*d\n"


def cell(body: str, header: str = HEADER) -> symcount.Cell:
    [found] = symcount.loads(header + body + "\nend\n")
    return found


def align_lines(body: str, header: str = HEADER) -> list[str]:
    """The lines of the `align` block that `latex --equations` prints for the cell."""
    text = latex.align(cell(body, header).summary)
    inside = text.split("\\begin{align}\n", 1)[1].split("\n\\end{align}", 1)[0]
    return [line.strip().removesuffix(" \\\\") for line in inside.splitlines()]


def run(capsys, *argv: str) -> str:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


# ---- the paper notation of each construct ----


@pytest.mark.parametrize(
    "body, expected",
    [
        # normalisations
        ("h' = layernorm(x)", r"h_t &= \mathrm{LN}(x_t)"),
        ("h' = g * rmsnorm(x) + b", r"h_t &= g \odot \mathrm{RMSNorm}(x_t) + b"),
        ("h' = batchnorm(W @ x)", r"h_t &= \mathrm{BN}(W x_t)"),
        ("h' = groupnorm(x + h, H)", r"h_t &= \mathrm{GN}_{H}(x_t + h_{t-1})"),
        # convolutions: the size argument is the kernel's, shown in the table
        ("param w : (H*d, m)\n h' = conv1d(w, x)", r"h_t &= \operatorname{conv}(w, x_t)"),
        ("param w : (H*d, 4)\n h' = conv1d(w, x, 4)", r"h_t &= \operatorname{conv}(w, x_t)"),
        # heads, flattening, sums and dot products
        ("h' = flat(heads(x, H))", r"h_t &= \operatorname{vec}(\operatorname{heads}_{H}(x_t))"),
        ("param w : H*d\n s = sum(w * x)\n h' = s * h", r"s_t &= w^\top x_t"),
        ("s = sum(x)\n h' = s * h", r"s_t &= \mathbf{1}^\top x_t"),
        ("s = sum(2 * x)\n h' = s * h", r"s_t &= \mathbf{1}^\top (2 x_t)"),
        # elementwise functions with their own notation
        ("h' = x / sqrt(d)", r"h_t &= \frac{x_t}{\sqrt{d}}"),
        ("h' = max(x, h) + min(x, 0)", r"h_t &= \max(x_t, h_{t-1}) + \min(x_t, 0)"),
        ("h' = logsigmoid(x) + leaky_relu(h)", r"h_t &= \log\sigma(x_t) + \operatorname{LeakyReLU}(h_{t-1})"),
        # a number or a size times a value is a scalar multiple, not an elementwise product
        ("h' = 8 * x * h", r"h_t &= 8 x_t \odot h_{t-1}"),
        ("h' = x * 8", r"h_t &= x_t \cdot 8"),
        ("h' = 2 * 3 * x", r"h_t &= 2 \cdot 3 x_t"),
        ("h' = d * x + sqrt(d) * h", r"h_t &= d x_t + \sqrt{d} h_{t-1}"),
        ("h' = 0.5 * x / d", r"h_t &= \frac{0.5 x_t}{d}"),
        # slices: sizes as in the counts, a colon without a relation's spacing
        ("param W : (2*H*d, H*d)\n zh = W @ x\n h' = zh[H*d:2*H*d]", r"h_t &= \mathit{zh}_t[H d{:}2 H d]"),
    ],
)
def test_notation(body, expected):
    assert expected in align_lines(body)


def test_outer_products_are_a_b_transposed():
    lines = align_lines(
        "state C : (H*d, H*d)\n param W_s : (H*d, H*d)\n s = W @ x + b\n"
        " C' = outer(x, h) + outer(s, W_s @ h) + outer(x + h, x)\n h' = C' @ x"
    )
    assert r"C_t &= x_t h_{t-1}^\top + s_t (W_{s} h_{t-1})^\top + (x_t + h_{t-1}) x_t^\top" in lines


def test_a_row_times_a_value_is_written_with_its_transpose():
    # heads(q) @ C is q^T C per head (mLSTM); heads(q) @ n a dot product; C @ q stays C q.
    header = "cell t(H, d)\n input q : H*d\n state C : (H, d, d)\n state n : (H, d)\n"
    lines = align_lines(
        " C' = C + outer(heads(q, H), heads(q, H))\n n' = n + heads(q, H)\n"
        " a = heads(q, H) @ C'\n b = heads(q, H) @ n'\n c = C' @ heads(q, H)",
        header,
    )
    assert r"a_t &= \operatorname{heads}_{H}(q_t)^\top C_t" in lines
    assert r"b_t &= \operatorname{heads}_{H}(q_t)^\top n_t" in lines
    assert r"c_t &= C_t \operatorname{heads}_{H}(q_t)" in lines
    # A declared vector on the left of @ is a row: w^T x.
    assert r"g_t &= w^\top x_t" in align_lines("param w : H*d\n g = w @ x\n h' = g * h")


def test_the_mlstm_reads_like_the_paper():
    text = symcount.builtin("mlstm").latex(equations=True)
    assert r"i_t &= \exp(w_{i}^\top x_t + b_{i})" in text
    assert r"C_t &= f_t \odot C_{t-1} + i_t \odot v_t k_t^\top" in text
    assert r"\tilde{h}_t &= \frac{C_t q_t}{\max(\left|n_t^\top q_t\right|, 1)}" in text
    assert r"k_t &= \frac{W_{k} x_t}{\sqrt{d}} + b_{k}" in text


def test_a_gate_of_parameters_alone_has_no_time_step():
    text = symcount.builtin("mambapy.mamba_block").latex(equations=True)
    assert r"  A &= -\exp(A_{\log}) \notag \\" in text
    assert r"\exp(\delta_t \odot A)" in text
    # A gate reading an input, a state or a gate that does carry one keeps its step.
    lines = align_lines("c = exp(a_log)\n g = c * x\n h' = g + h")
    assert lines[:2] == [r"c &= \exp(a_{\log})", r"g_t &= c \odot x_t"]


def test_the_cells_own_functions_are_defined_then_called():
    body = "def g(x) = max(x + 0.5, sigmoid(x))\n def gate(a) = 2 * a\n z = g(W @ x)\n h' = gate(z) * h"
    lines = align_lines(body)
    # The function's parameter `x` is its own: no time step, though the cell has an input x.
    assert lines[:2] == [r"g(x) &= \max(x + 0.5, \sigma(x))", r"\operatorname{gate}(a) &= 2 a"]
    assert lines[2:] == [r"z_t &= g(W x_t)", r"h_t &= \operatorname{gate}(z_t) \odot h_{t-1}"]


def test_a_transposed_name_with_a_superscript_is_braced():
    lines = align_lines("state C : (H*d, H*d)\n C' = outer(x, h)\n h' = C' @ x\n latex h \"h^{(1)}\"")
    assert r"C_t &= x_t {h^{(1)}_{t-1}}^\top" in lines


def test_a_slice_is_not_called_a_concatenation():
    text = symcount.builtin("mingru_pytorch.mingru").latex(equations=True)
    assert "stacks vectors" not in text and "entries a to b-1" in text
    assert "stacks vectors" in symcount.builtin("xlstm.mlstm_cell").latex(equations=True)


# ---- sizes of several letters ----


def test_a_size_of_several_letters_is_one_symbol():
    conv = cell(
        " param M : (rows, H*d)\n h' = x * h\n y = M @ h'\n output y",
        "cell t(rows, H, d)\n input x : H*d\n state h : H*d\n",
    )
    net = conv.summary
    assert tex.math(net.count) == r"H\,d\,\mathit{rows}"  # not `H d rows`: r·o·w·s
    assert r"P_{\mathrm{t}}(\mathit{rows}, H, d)" in conv.latex()
    table = conv.latex(params=True)
    assert r"$\mathit{rows} \times H d$" in table
    assert r"$\mathit{rows} = 3$" in conv.latex(sizes={"rows": 3, "H": 2, "d": 4}, params=True)


def test_a_size_as_a_value_prints_as_in_the_counts():
    lines = align_lines(
        " h' = x / sqrt(hd) + x * rows", "cell t(hd, rows)\n input x : hd\n state h : hd\n"
    )
    assert lines == [r"h_t &= \frac{x_t}{\sqrt{\mathit{hd}}} + x_t \cdot \mathit{rows}"]


# ---- block-diagonal and tensor shapes ----


def test_block_diagonal_and_tensor_shapes():
    slstm = symcount.builtin("xlstm.slstm_layer")
    text = run_text(slstm)
    assert "W_i        blockdiag  blockdiag(H, d, d)  H*d**2" in text
    md = markdown.render([Report(slstm.summary)])
    assert r"| `R_i` | blockdiag | $\operatorname{blockdiag}_{H}(d \times d)$ | $H d^{2}$ | `it` |" in md
    assert re.search(r"\$R_\{i\}\$ +& \$\\operatorname\{blockdiag\}_\{H\}\(d \\times d\)\$", slstm.latex(params=True))
    params = {p["name"]: p for p in json.loads(slstm_json())["cells"][0]["params"]}
    assert params["R_i"]["kind"] == "blockdiag" and params["R_i"]["shape"] == ["H", "d", "d"]
    conv = symcount.builtin("keras.conv_lstm2d")
    assert re.search(r"\$W_\{i\}\$ +& \$n \\times m \\times k \\times k\$", conv.latex(params=True))
    [kernel] = [p for p in json.loads(_json(conv))["cells"][0]["params"] if p["name"] == "W_i"]
    assert kernel["kind"] == "tensor" and kernel["shape"] == ["n", "m", "k", "k"]


def run_text(c) -> str:
    from symcount.render import text

    return text.render([Report(c.summary)])


def _json(c, sizes=None) -> str:
    from symcount.render import json as json_format

    return json_format.render([Report(c.summary, sizes or {})])


def slstm_json() -> str:
    return _json(symcount.builtin("xlstm.slstm_layer"))


# ---- frozen, complex and quaternion parameters ----

WIRED = """cell wired(m, n)
    input x : m
    state h : n
    param M : (n, m) frozen
    param W_c : complex(n, n)
    param Q : quaternion(n, m)
    h' = tanh((W * M) @ x + abs(W_c @ h) + Q @ x)
end
"""
SIZES = {"m": 3, "n": 2}


@pytest.fixture
def wired():
    [found] = symcount.loads(WIRED)
    return found


def test_frozen_and_total_in_text(wired):
    out = run_text_at(wired)
    assert "  frozen    m*n (not trainable)" in out
    assert "  total     6*m*n + 2*n**2 (trainable + frozen)" in out
    assert "  value     38 trainable (numel 34), 6 frozen, 44 total  (m=3, n=2)" in out
    assert "  M          matrix, frozen" in out
    assert "  W_c        matrix, complex" in out and "  Q          matrix, quaternion" in out


def run_text_at(c) -> str:
    from symcount.render import text

    return text.render([Report(c.summary, SIZES)])


def test_frozen_and_total_in_json(wired):
    [doc] = json.loads(_json(wired, SIZES))["cells"]
    assert sympy.sympify(doc["count"], locals={"m": m, "n": n}) == 5 * m * n + 2 * n**2
    assert sympy.expand(sympy.sympify(doc["frozen"], locals={"m": m, "n": n}) - m * n) == 0
    assert sympy.expand(sympy.sympify(doc["total"], locals={"m": m, "n": n}) - 6 * m * n - 2 * n**2) == 0
    assert (doc["value"], doc["frozen_value"], doc["total_value"]) == (38, 6, 44)
    params = {p["name"]: p for p in doc["params"]}
    assert params["M"]["frozen"] is True and "field" not in params["M"]
    assert params["W_c"]["field"] == "complex" and "frozen" not in params["W_c"]
    assert params["Q"]["field"] == "quaternion"
    assert "field" not in params["W"] and "frozen" not in params["W"]


def test_frozen_and_total_in_markdown(wired):
    out = markdown.render([Report(wired.summary, SIZES)])
    assert "**Parameters:** $5 m n + 2 n^{2} = n \\left(5 m + 2 n\\right)$ trainable — **38**" in out
    assert "**Frozen:** $m n$ (not trainable) — **6**; **total:** $6 m n + 2 n^{2}$ — **44**" in out
    assert "| `M` | matrix, frozen | $n \\times m$ | $m n$ | `h'` | 6 |" in out
    assert "| **trainable** |  |  | $5 m n + 2 n^{2}$ |  | **38** |" in out
    assert "| **frozen** |  |  | $m n$ |  | **6** |" in out
    assert "| **total** |  |  | $6 m n + 2 n^{2}$ |  | **44** |" in out


def test_frozen_and_total_in_latex(wired):
    out = wired.latex(params=True, sizes=SIZES, width="6.5in")  # the value on one line
    assert r"\text{frozen: } m n, \quad \text{total: } 6 m n + 2 n^{2}" in out
    assert r"P_{\mathrm{wired}}(3, 2) = 38, \quad \text{numel: } 34, \quad \text{frozen: } 6, \quad \text{total: } 44" in out
    assert "$M$ (frozen)" in out and r"$n \times n$ (complex)" in out
    assert "trainable unless marked frozen" in out
    for label, count in [("trainable", r"$5 m n + 2 n^{2}$"), ("frozen", "$m n$"), ("total", r"$6 m n + 2 n^{2}$")]:
        assert any(row.split("&")[0].strip() == label and count in row for row in out.splitlines())
    factored = wired.latex(form="factored")
    assert r"\text{frozen: } m n, \quad \text{total: } 2 n \left(3 m + n\right)" in factored
    assert r"\text{frozen: } m n" in wired._repr_latex_()


def test_check_counts_frozen_apart(capsys, tmp_path):
    path = tmp_path / "wired.cell"
    path.write_text(WIRED)
    out = run(capsys, "check", str(path))
    assert "3 parameters" not in out and "4 parameters (1 frozen), 5*m*n + 2*n**2 trainable + m*n frozen" in out


def test_a_stack_counts_frozen_parameters_per_layer():
    [same] = symcount.loads(WIRED.replace("input x : m", "input x : n").replace("(n, m)", "(n, n)"))
    net = same.stacked(2).summary
    assert sympy.expand(net.frozen - 2 * n**2) == 0
    doc = json.loads(_json(same.stacked(2)))["cells"][0]
    assert sympy.expand(sympy.sympify(doc["frozen"], locals={"n": n}) - 2 * n**2) == 0


def test_nothing_frozen_nothing_derived_means_v1_documents():
    [doc] = json.loads(_json(symcount.builtin("lstm"), SIZES))["cells"]
    assert not {"frozen", "total", "frozen_value", "total_value", "sizes", "size_values"} & set(doc)
    assert all(set(p) == {"name", "kind", "shape", "count", "gate"} for p in doc["params"])
    assert "frozen" not in run_text(symcount.builtin("lstm"))
    assert "where" not in run_text(symcount.builtin("lstm"))


# ---- derived sizes ----

S6 = {"D": 32, "N": 4}


def test_derived_sizes_in_text(capsys):
    out = run(capsys, "count", "s6", "--set", "D=32", "--set", "N=4")
    assert "  where     R = ceiling(D/16)\n" in out
    assert "  value     544  (D=32, N=4; R=2)\n" in out
    check = run(capsys, "check", "s6")
    assert check.splitlines()[0].endswith(", where R = ceiling(D/16)")


def test_derived_sizes_in_json():
    [doc] = json.loads(_json(symcount.builtin("s6"), S6))["cells"]
    assert list(doc["sizes"]) == ["R"]
    assert sympy.sympify(doc["sizes"]["R"], locals={"D": D}) == sympy.ceiling(D / 16)
    assert doc["size_values"] == {"R": 2}
    # The count is in R; with R's definition it is the count of the sizes set.
    count = sympy.sympify(doc["count"], locals={"D": D, "N": size_symbol("N"), "R": R})
    assert count.subs({D: 32, size_symbol("N"): 4, R: 2}) == doc["value"] == 544


def test_derived_sizes_in_markdown():
    out = markdown.render([Report(symcount.builtin("s6").summary, S6), Report(symcount.builtin("lstm").summary)])
    assert r"where $R = \left\lceil D/16 \right\rceil$ — **544** at $D = 32$, $N = 4$ ($R = 2$)" in out
    assert r"In `s6(D, N)`: $R = \left\lceil D/16 \right\rceil$ ($R = 2$)." in out


def test_derived_sizes_in_latex():
    s6 = symcount.builtin("s6")
    out = s6.latex(params=True, sizes=S6)
    assert r"\text{where } R = \left\lceil D/16 \right\rceil \\" in out
    assert r"P_{\mathrm{s6}}(32, 4) = 544 \quad (R = 2)" in out
    assert r"where $R = \left\lceil D/16 \right\rceil$ ($R = 2$)" in out  # the table's caption
    assert r"\text{where } R = \left\lceil D/16 \right\rceil" in s6._repr_latex_()
    two = latex.render([Report(s6.summary, S6), Report(symcount.builtin("lstm").summary, {"m": 2, "n": 3})])
    assert r"in \texttt{s6}, $R = \left\lceil D/16 \right\rceil$" in two


def test_a_definition_that_uses_another_derived_size_brings_it_along():
    chained = cell(
        " size hd = e / H\n size R = ceil(hd / 4)\n param W_r : (R, e)\n h' = tanh(W_u @ (W_r @ x))",
        "cell t(e, H)\n input x : e\n state h : e\n",
    )
    net = chained.summary
    assert list(net.used_sizes) == ["hd", "R"]
    assert r"\mathit{hd} = e/H, \ R = \left\lceil \mathit{hd}/4 \right\rceil" in chained.latex()
    [doc] = json.loads(_json(chained, {"e": 8, "H": 2}))["cells"]
    assert doc["size_values"] == {"hd": 4, "R": 1}
    assert doc["value"] == chained.evaluate(e=8, H=2) == 16


def test_a_derived_size_only_in_the_header_sizes_is_not_listed():
    # `size I = E*D` is an abbreviation: substituted, never a symbol of the count.
    assert symcount.builtin("mambapy.mamba_block").summary.used_sizes == {}


# ---- documents that compile ----

ODD = r"""cell odd(rows, d_model, H)
    size hd = d_model / H
    size R = ceil(hd / 4)
    input x : d_model
    state h : d_model
    param M : (d_model, rows) frozen
    param Q : quaternion(rows, d_model)
    param W_r : (R, d_model)
    def gate(a) = min(sigmoid(a), 0.5 * a)
    u = Q @ x
    g = gate(W_u @ (W_r @ x)) * hd
    k = heads(x, H) / sqrt(hd)
    s = sum(k * heads(h, H))
    C = -exp(C_log)
    h' = tanh(M @ u + g) + 2 * leaky_relu(h[0:d_model]) + flat(outer(W_s @ s, s)) + C * x
    latex s "s^{(1)}"
end
"""


@needs_pdflatex
def test_every_v2_construct_compiles(capsys, tmp_path):
    spec = tmp_path / "odd.cell"
    spec.write_text(ODD + WIRED)
    argv = ["--standalone", "--equations", "--params", "--set", "rows=3", "--set", "d_model=8"]
    out = run(capsys, "latex", str(spec), "s6", *argv, "--set", "H=2", "--set", "m=3", "--set", "n=2")
    assert r"W_{s} s^{(1)}_t {s^{(1)}_t}^\top" in out  # no double superscript
    compile_tex(out, tmp_path)


# ---- the documentation says what the tool prints ----

DOCS = Path(__file__).resolve().parent.parent / "docs"
LANGUAGE, CLI, LATEX = (
    (DOCS / page).read_text(encoding="utf-8") for page in ("language.md", "cli.md", "latex.md")
)
WIRED_DOC = re.search(r"```\n(cell wired.*?\nend)\n```", LANGUAGE, re.S).group(1)


def test_the_documented_mlstm_is_what_latex_prints():
    shown = LATEX.split("prints xLSTM's mLSTM as the", 1)[1].split("```\n", 2)[1]
    shown = "\\begin{align}" + shown.split("\\begin{align}", 1)[1]  # after the command and `...`
    assert shown.strip() in symcount.builtin("xlstm.mlstm_cell").latex(equations=True)


def test_the_documented_frozen_lines_are_what_the_tool_prints(capsys, tmp_path):
    path = tmp_path / "wired.cell"
    path.write_text(WIRED_DOC + "\n")
    out = run(capsys, "count", str(path), "--set", "m=3", "--set", "n=2")
    for line in ["frozen    m*n (not trainable)", "total     2*m*n + 2*n**2 (trainable +",
                 "value     14 trainable (numel 10), 6 frozen, 20 total"]:
        assert line in out and " ".join(line.split()) in " ".join(CLI.split())
    assert "3 parameters (1 frozen), m*n + 2*n**2 trainable + m*n frozen" in run(capsys, "check", str(path))
    tex = run(capsys, "latex", str(path), "--set", "m=3", "--set", "n=2", "--width", "6.5in")
    assert r"P_{\mathrm{wired}}(3, 2) = 14, \quad \text{numel: } 10, \quad \text{frozen: } 6, \quad \text{total: } 20" in tex
