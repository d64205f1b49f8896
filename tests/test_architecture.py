"""The shape of the code (issue "Architecture"): each stage in one place.

Renderers read a `Summary` and nothing else; sympy symbols are made in one
module; what `--no-bias` drops from the count is exactly what it drops from
the printed equations.
"""

import ast
import doctest
import re
from pathlib import Path

import pytest

import symcount
from conftest import builtin_cells, same
from symcount import functions, ir, symbols, visit
from symcount.costing import operations
from symcount.counting import counts as counting
from symcount.counting import evaluation, summary
from symcount.layers import biases, stacking
from symcount.render import Report
from symcount.resolve import calls, inline, lint, names
from symcount.shapes import choices, sizes

ROOT = Path(__file__).resolve().parent.parent / "symcount"


def test_no_renderer_probes_its_input():
    for path in sorted((ROOT / "render").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(hasattr|getattr)\(", text), path.name


def test_sympy_symbols_are_made_in_one_module():
    making = re.compile(
        r"\bsympy\.(Symbol|symbols|Dummy|Wild)\(|from sympy import .*\b(Symbol|symbols|Dummy|Wild)\b"
    )
    makers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if making.search(path.read_text(encoding="utf-8"))
    )
    assert makers == ["symbols.py"]


def _names(cell: ir.CellDef) -> set[str]:
    return {
        node.name
        for eq in cell.equations
        for node in ir.walk(eq.expr)
        if isinstance(node, ir.Name)
    }


@pytest.mark.parametrize("name", builtin_cells())
@pytest.mark.parametrize("layers", [None, "L"])
def test_no_bias_drops_the_same_parameters_from_count_and_equations(name, layers):
    cell = symcount.builtin(name).without_biases()
    try:
        used = cell if layers is None else cell.stacked(layers)
    except symcount.SymcountError:  # several inputs, or a feature map out: cannot stack
        pytest.skip(f"{name} cannot be stacked")
    net = used.summary
    counted = {p.name for p in net.params}
    dropped = set(biases.biases(cell.shapes))
    assert set(net.removed_biases) == dropped
    # Every v1 built-in has a bias; of the v2 ones, minGRU and minLSTM have none, and
    # s6's offset p_Delta and SRU's b_f, b_r (added to intermediates) are none.
    assert dropped or name in ("mingru_pytorch.mingru", "mingru_pytorch.minlstm", "s6", "sru.sru_layernorm")
    assert counted == set(cell.scope.params) - dropped
    assert _names(net.cell) & set(cell.scope.params) == counted
    assert not net.bias and "no biases" in net.note


def test_a_network_says_what_it_is():
    lstm = symcount.builtin("lstm")
    plain, stack = lstm.summary, lstm.stacked(1).summary
    assert (plain.layers, plain.stacked, plain.note) == (None, False, "")
    assert (stack.layers, stack.stacked, stack.note) == (1, True, "1 layer")
    assert [p.layer for p in plain.params] == ["1"] * len(lstm.params)
    assert Report(plain, {"m": 3}).value is None and Report(plain, {"m": 3, "n": 2}).value == 48


@pytest.mark.parametrize("module", [summary, evaluation, counting, stacking, biases])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


WIDENING = """
cell dense(m, n)
    input x : m
    state h : n
    output y
    h' = tanh(W @ x + U @ h + b)
    y = [x, h']
end
"""


@pytest.mark.parametrize("layout", [(None, False), (1, False), (3, True), ("L", True)])
@pytest.mark.parametrize("cell", ["gru", "widening"])
def test_the_layer_groups_add_up_to_the_count(cell, layout):
    base = symcount.loads(WIDENING)[0] if cell == "widening" else symcount.builtin(cell)
    layers, bidirectional = layout
    layers_of = stacking.Layers(base.scope, base.shapes, stacking.Layout(layers, bidirectional))
    counts = counting.Counts(layers_of)
    groups = counts.layer_groups
    assert same(sum(total for _, _, total in groups), counts.count)
    used = base if layers is None else base.stacked(layers, bidirectional=bidirectional)
    assert same(counts.count, used.count)
    assert [label for label, _, _ in groups] == list(dict.fromkeys(p.layer for p in used.summary.params))


# ---- the import graph: no circles, a short top level ----


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module of symcount/ → the package's modules it imports, found in its
    AST: imports inside functions and under TYPE_CHECKING count as much as any.
    A package importing its own submodules (to re-export them) is no edge."""
    paths = sorted(ROOT.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        me = _module_name(path)
        package = me if path.name == "__init__.py" else me.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        graph[me] = set()
        for target in targets:
            while target and target not in modules:  # `from . import x` names a module or a name
                target = target.rpartition(".")[0]
            own_submodule = path.name == "__init__.py" and target.startswith(me + ".")
            if target and target != me and not own_submodule:
                graph[me].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another, directly or not."""
    reach = {}
    for start in graph:
        seen, stack = set(), [start]
        while stack:
            for target in graph[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        reach[start] = seen
    groups = {tuple(sorted(m for m in graph if m in reach[start] and start in reach[m])) for start in graph}
    return sorted(list(group) for group in groups if len(group) > 1)


# The one circle left on this branch: render/equations prints a slice's sizes with
# render/cellfmt's printer, which the rework of how sizes are printed removes. An
# exact comparison, so the entry must go when the circle does (and no other may come).
def test_the_import_graph_has_no_circle():
    assert _circles(_imports()) == []


def test_a_circle_would_be_found():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_package_top_level_is_short():
    # The listing shows the pipeline: a folder per stage, a few shared modules.
    assert len(list(ROOT.glob("*.py"))) <= 12


def test_renderers_read_the_summary_never_a_cell():
    graph = _imports()
    for module in sorted(m for m in graph if m.startswith("symcount.render")):
        assert not graph[module] & {"symcount.api", "symcount.api.cell", "symcount.api.reading"}, module


# ---- every walk has a rule for every node it can meet ----

EXPR = set(visit.EXPR_CLASSES)
DIM = set(visit.NODE_CLASSES) - EXPR
POLYNOMIAL = {ir.DimInt, ir.DimName, ir.DimSum, ir.DimProduct, ir.Number, ir.Name, ir.Sum, ir.Product}

WALKS = {
    names._ExprCheck: EXPR,
    names._LeftOfMatMul: EXPR,
    names._SizeCheck: DIM,
    calls._ReadsAsSize: EXPR,
    lint._Read: EXPR,
    inline._Inliner: EXPR,
    choices._Flow: EXPR,
    sizes.Sizes: POLYNOMIAL,  # division and ceil/floor keep a size a symbol of its own
    sizes._Exact: POLYNOMIAL | {ir.DimQuotient, ir.DimCall},  # a later layer's derived size
    sizes._Written: DIM,
    sizes._Fraction: DIM,
    symbols._DimExpr: DIM,
    operations._Walk: EXPR,  # the sizes of a call or a slice are read from the typed cell
}


@pytest.mark.parametrize("walk", WALKS, ids=lambda walk: walk.__name__)
def test_each_walk_has_a_rule_for_each_node_it_meets(walk):
    assert {c for c in visit.NODE_CLASSES if walk.handles(c)} >= WALKS[walk]


class _Unknown(ir.ExprNode, ir.DimNode):
    """A node class no stage has met yet (a construct being added)."""


WALKERS = {
    "dim_expr": lambda scope: symbols.dim_expr(_Unknown()),
    "Sizes": lambda scope: sizes.Sizes(scope).poly(_Unknown()),
    "is_size": lambda scope: calls.is_size(_Unknown(), scope),
    "lint": lambda scope: lint._Read(scope).visit(_Unknown()),
    "inline": lambda scope: inline.inline(_Unknown(), scope.functions or {"g": None}),
    "cost": lambda scope: operations._Walk(symcount.builtin("s6").shapes).visit(_Unknown()),
}


@pytest.mark.parametrize("walk", WALKERS)
def test_a_walk_meeting_an_unknown_node_raises(walk):
    with pytest.raises(visit.Unsupported, match="no rule for _Unknown"):
        WALKERS[walk](symcount.builtin("s6").scope)


@pytest.mark.parametrize("category", list(functions.Category))
def test_the_costing_walk_has_a_rule_for_each_function_category(category):
    assert callable(getattr(operations._Walk, f"call_{category.value}", None))


def test_a_function_category_without_a_costing_rule_raises(monkeypatch):
    monkeypatch.delattr(operations._Walk, "call_elementwise")
    with pytest.raises(visit.Unsupported, match=r"_Walk has no rule for sigmoid\(\)"):
        operations.operations(symcount.builtin("lstm").shapes)


def test_the_code_cites_the_docs_not_a_document_outside_the_repository():
    # Comments cite docs/*.md (checked to exist by test_docs); the product brief
    # the project was built from is not in the repository.
    files = [*ROOT.rglob("*.py"), *ROOT.rglob("*.cell"), ROOT.parent / "grammar" / "symcount.lark"]
    citing = sorted(
        str(path.relative_to(ROOT.parent))
        for path in files
        if re.search(r"\bSPEC\b", path.read_text(encoding="utf-8"))
    )
    assert citing == []
