"""The public result objects, `Cell` and `Stack`: thin faces on the pipeline.

A `Cell` holds what the stages before it made (the IR, the resolved names,
the inferred shapes) and how it is used (`stacking.Layout`); what it answers
comes from the stages after: `stacking` (the layers), `counting` (every
count, `evaluation` at concrete sizes) and `summary.Summary` (what the output
formats show), each computed on first use and kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from typing import SupportsIndex

import sympy

from .. import costing, ir
from ..costing import Cost
from ..counting import evaluation, solving
from ..counting.counts import Counts, CountsView, Param, StackParam
from ..counting.evaluation import positive_size
from ..counting.solving import PRICED_BY, Figure, Solved
from ..counting.summary import Summary
from ..layers.stacking import Layers, Layout
from ..render.settings import LATEX
from ..resolve.names import Scope
from ..shapes import TypedCell
from ..shapes.sizes import Derived
from ..symbols import real, size_symbol, to_sympy

__all__ = ["Cell", "Cells", "Param", "Stack", "StackParam"]


class _Counted(CountsView):
    """What a cell and a stack share: their counts, their evaluation, their outputs."""

    name: str
    description: str
    display: str | None  # the name papers write, LaTeX (`cell c(n) "..." latex "..."`)
    source: str
    dims: tuple[sympy.Symbol, ...]
    warnings: tuple
    layout: Layout
    _layers: Layers  # the network's layers: made by each subclass

    def _named(self, definition: ir.Definition) -> None:
        """Its name, description, display name, source and size symbols, from its header."""
        self.name: str = definition.name
        self.description: str = definition.description
        self.display: str | None = definition.display
        self.source: str = definition.source.filename
        self.dims: tuple[sympy.Symbol, ...] = tuple(size_symbol(d.name) for d in definition.dims)

    @cached_property
    def counts(self) -> Counts:
        """Every count of its layers (`counting.Counts`), computed on first use."""
        return Counts(self._layers)

    def cost(self, convention: str = "symcount", dtype: str = "fp32") -> Cost:
        """What one step costs per sequence: MACs, FLOPs and bytes, in closed form,
        priced by `convention` ("symcount", or a tool's: "thop", ...) with weights,
        state and activations stored as `dtype` (docs/costs.md). An unknown
        convention or dtype is a ValueError naming the ones there are.

        >>> import symcount
        >>> cost = symcount.builtin("lstm").cost(dtype="fp16")
        >>> cost.macs, cost.state_bytes, cost.values({"m": 3, "n": 2})["macs"]
        (4*m*n + 4*n**2, 4*n, 40)
        """
        key = (convention, dtype)
        if key not in self._costs:
            self._costs[key] = costing.cost(self._layers, self.counts, self.name, convention, dtype)
        return self._costs[key]

    @cached_property
    def _costs(self) -> dict[tuple[str, str], Cost]:
        return {}

    def solve(
        self,
        budget: int,
        /,
        for_: str = "n",
        metric: str = "params",
        dtype: str = "fp32",
        convention: str = "symcount",
        multiple_of: int = 1,
        sizes: Mapping[str, int] | None = None,
        **more: int,
    ) -> Solved:
        """The largest valid value of the size `for_` whose `metric` stays within
        `budget`, every other size given, as keywords or in `sizes` (a size named
        as an argument, `metric`) (docs/api.md, "Budgets"): a `Solved` with the
        sizes there, the metric's value and the next valid value above.

        `metric` is "params" (trainable parameters), or a cost figure priced by
        `convention` ("macs", "flops") or stored as `dtype` ("weight_bytes",
        "state_bytes"); the value is a multiple of `multiple_of`, and one at which
        every derived size is whole. A cell that cannot meet the budget gives
        `sizes` None and a `message`.

        >>> import symcount
        >>> found = symcount.builtin("lstm").solve(1_000_000, for_="n", m=128)
        >>> found.sizes, found.value, found.next.sizes["n"], found.next.value
        ({'m': 128, 'n': 439}, 997408, 440, 1001440)
        """
        figure, names = self._metric(metric, convention, dtype)
        if for_ not in names:
            raise ValueError(f"cell '{self.name}' has no size symbol {for_!r} (it has {', '.join(names)})")
        fixed = evaluation.check_sizes([n for n in names if n != for_], {**(sizes or {}), **more})
        priced = {key: value for key, value in (("convention", convention), ("dtype", dtype)) if PRICED_BY.get(metric) == key}
        budget, step = _whole("budget", budget), _whole("multiple_of", multiple_of)
        return solving.solve(figure, self.derived, fixed, names, for_, budget, step, metric, **priced)

    def metric_sizes(self, metric: str = "params", convention: str = "symcount", dtype: str = "fp32") -> list[str]:
        """The sizes `metric` takes, as `solve` takes them: the size symbols, and a
        cost's free extents (docs/costs.md, "Free extents").

        >>> import symcount
        >>> symcount.builtin("keras.conv_lstm2d").metric_sizes("macs")
        ['m', 'n', 'k', 'rows', 'cols']
        """
        return list(self._metric(metric, convention, dtype)[1])

    def _metric(self, metric: str, convention: str, dtype: str) -> tuple[Figure, list[str]]:
        """The figure a budget bounds, exact, and the sizes it takes."""
        solving.check_metric(metric, convention, dtype)
        names = [d.name for d in self.dims]
        key = (metric, convention, dtype)
        if key not in self._figures:
            if metric == "params":
                counts = self.counts
                self._figures[key] = Figure.of(counts.count if counts.total is None else counts.total), names
            else:
                cost = self.cost(convention, dtype)
                extents = replace(self.summary, cost=cost).extents  # in the cell's order
                self._figures[key] = Figure.of(getattr(cost, metric)), names + list(extents)
        return self._figures[key]

    @cached_property
    def _figures(self) -> dict[tuple[str, str, str], tuple[Figure, list[str]]]:
        return {}

    @cached_property
    def count_real(self) -> sympy.Expr:
        """The count with every derived size written out and every size a real positive
        symbol (a sympy Symbol with `positive=True`), not an integer one: what
        `sympy.solve` can solve for a size (docs/api.md, "Budgets").

        >>> import sympy, symcount
        >>> count = symcount.builtin("rnn").count_real
        >>> m, n = sorted(count.free_symbols, key=str)
        >>> sympy.solve(count.subs(m, 3) - 40, n)
        [4]
        """
        return real(self.explicit_count)

    def evaluate(self, **sizes: int) -> int:
        """The count at concrete sizes; every size symbol must be given, as a
        positive integer (an int, a numpy integer: anything `operator.index` takes).

        >>> import symcount
        >>> symcount.builtin("lstm").evaluate(m=25, n=100)
        50400
        """
        return evaluation.trainable(self.counts, self._values(sizes))

    def evaluate_numel(self, **sizes: int) -> int:
        """`numel` at concrete sizes, given as to `evaluate`: what
        `sum(p.numel() for p in module.parameters())` gives for a module that
        keeps its complex parameters as complex tensors (a complex entry once).

        >>> import symcount
        >>> [c] = symcount.loads("cell c(n)\\n input x : n\\n param W : complex(n, n)\\n output y\\n y = W @ x\\nend")
        >>> c.evaluate(n=3), c.evaluate_numel(n=3)
        (18, 9)
        """
        return evaluation.numel(self.counts, self._values(sizes))

    def _values(self, sizes: dict[str, object]) -> dict[str, int]:
        """Every size's value, derived ones too, from the sizes given (checked)."""
        names = [d.name for d in self.dims]  # not str(d): sympy's printer, most of the time here
        return self.size_values(evaluation.check_sizes(names, sizes))

    @property
    def derived(self) -> Derived:
        """The derived sizes (defined with division or ceil/floor) of every layer,
        with their definitions, and the sizes to check positive with them."""
        return self._layers.derived

    def size_values(self, sizes: dict[str, int]) -> dict[str, int]:
        """The header's sizes and the derived ones (`size R = ceil(D / 16)`) they give."""
        return evaluation.size_values(self.derived, sizes)

    @cached_property
    def derived_exprs(self) -> dict[str, sympy.Expr]:
        """Each derived size's definition as a sympy expression, in order."""
        return evaluation.derived_exprs(self.derived)

    @cached_property
    def explicit_count(self) -> sympy.Expr:
        """The count with every derived size written out (R as ceiling(D/16))."""
        return evaluation.written_out(self.count, self.derived)

    @cached_property
    def summary(self) -> Summary:
        """Everything the output formats show of it (see `summary.Summary`)."""
        layers = self._layers
        return Summary(
            self.name,
            self.description,
            self.source,
            self.dims,
            self.layout.layers,
            self.layout.bidirectional,
            self.layout.bias,
            layers.printed.cell,
            self.warnings,
            self.counts,
            self.derived,
            layers.printed.row_products,
            layers.dropped,
        )

    @property
    def removed_biases(self) -> tuple[str, ...]:
        """The parameters `without_biases()` removed, in order (docs/language.md,
        "Without biases"); empty with the biases.

        >>> import symcount
        >>> symcount.builtin("xlstm.mlstm_cell").without_biases().removed_biases
        ('b_i', 'b_f')
        """
        return self._layers.dropped

    def latex(
        self,
        form: str = LATEX["form"].default,
        equations: bool = LATEX["equations"].default,
        params: bool = LATEX["params"].default,
        standalone: bool = LATEX["standalone"].default,
        only: str | None = LATEX["only"].default,
        label_prefix: str = LATEX["label_prefix"].default,
        number_lines: bool = LATEX["number_lines"].default,
        width: str = LATEX["width"].default,
        sizes: dict[str, int] | None = None,
    ) -> str:
        r"""LaTeX for a paper, exactly as `symcount latex` writes it.

        `form` is "expanded" or "factored"; `equations` adds the cell's
        equations, `params` a table of parameters (with values when `sizes`
        sets every size symbol), `standalone` makes a whole document; `only`,
        `label_prefix`, `number_lines` and `width` are the flags of the same
        names (docs/latex.md).

        >>> import symcount
        >>> print(symcount.builtin("rnn").latex(form="factored"), end="")
        % rnn(m, n): Elman recurrent network (Elman, 1990)
        % source: builtin:rnn
        \begin{equation}
          P_{\mathrm{rnn}}(m, n) = n \left(m + n + 1\right)
          \label{symcount:rnn:count}
        \end{equation}
        """
        from ..render import Report, render

        # The settings are checked first: a wrong `form` is named before wrong sizes.
        given = {"form": form, "equations": equations, "params": params, "standalone": standalone}
        given |= {"only": only, "label_prefix": label_prefix, "number_lines": number_lines, "width": width}
        settings = LATEX.merged(given)
        sizes = dict(sizes or {})
        names = [str(d) for d in self.dims]
        if set(sizes) - set(names):
            raise ValueError(f"sizes must be among {', '.join(names)}, got {', '.join(sizes)}")
        sizes = {key: positive_size(key, value) for key, value in sizes.items()}
        return render("latex", [Report(self.summary, sizes)], **settings)

    def _repr_latex_(self) -> str:
        """How a Jupyter notebook shows the cell: its formula, expanded and factored."""
        from ..render.latex import notebook

        return notebook(self.summary)

    def _repr_markdown_(self) -> str:
        """The Markdown of `count --format markdown`: formula and parameter table."""
        from ..render import Report, render

        return render("markdown", [Report(self.summary)])


class Cell(_Counted):
    """A derived cell: its closed-form parameter count and breakdowns.

    >>> import symcount
    >>> cell = symcount.builtin("lstm")
    >>> cell.name, cell.dims
    ('lstm', (m, n))
    >>> cell.count
    4*m*n + 4*n**2 + 4*n
    >>> cell.factored
    4*n*(m + n + 1)
    >>> cell.evaluate(m=3, n=2)
    48
    """

    def __init__(self, ir_cell: ir.CellDef, scope: Scope, inferred: TypedCell, no_bias: bool = False):
        self.ir = ir_cell
        self.scope = scope
        self.shapes = inferred  # with the biases: `--no-bias` drops them in `stacking`
        self.no_bias = no_bias
        self.layout = Layout(bias=not no_bias)
        self._named(ir_cell)
        # Slips that are legal (docs/errors.md, "Warnings"): SymcountWarnings, never printed by the library.
        self.warnings: tuple = tuple(scope.warnings) + inferred.warnings

    def __repr__(self) -> str:
        return f"<Cell {self.name}({', '.join(map(str, self.dims))}): {self.count}>"

    @cached_property
    def _layers(self) -> Layers:
        return Layers(self.scope, self.shapes, self.layout)

    @property
    def params(self) -> tuple[Param, ...]:
        return self.counts.params

    @property
    def output_size(self) -> sympy.Expr | None:
        size = self.shapes.output_size
        return None if size is None else to_sympy(size)

    def without_biases(self) -> Cell:
        """The cell without its biases, as PyTorch's `bias=False` and Keras'
        `use_bias=False` leave them out: the parameters declared `bias`, else the
        bias of each linear map (docs/language.md, "Without biases"); which ones,
        `removed_biases` says.

        >>> import symcount
        >>> symcount.builtin("torch.lstm").without_biases().factored
        4*n*(m + n)
        """
        return Cell(self.ir, self.scope, self.shapes, no_bias=True)

    def stacked(self, layers: int | str, bidirectional: bool = False) -> Stack:
        """`layers` copies of the cell, each later one reading the one before.

        `layers` is a positive integer or the name of a size symbol; with
        `bidirectional`, each layer has two directions whose outputs are
        concatenated.

        >>> import symcount
        >>> symcount.builtin("lstm").stacked("L", bidirectional=True).factored
        8*n*(3*L*n + L + m - 2*n)

        The symbol must be new to the cell: `stacked("m")` would tie the depth
        to the input size, and is refused.
        """
        dims = [str(d) for d in self.dims]
        if isinstance(layers, str) and layers in dims:
            fresh = next(s for s in (f"L{k}" if k else "L" for k in range(len(dims) + 1)) if s not in dims)
            raise ValueError(
                f"layers {layers!r} is already a size of cell '{self.name}' ({', '.join(dims)}); "
                f"give the number of layers a symbol of its own, such as {fresh!r}"
            )
        return Stack(self, layers, bidirectional)


class Stack(_Counted):
    """A cell stacked in layers, optionally bidirectional (docs/language.md, "Stacked layers").

    Layer 1 reads the cell's input as declared; every later layer reads the
    previous layer's output (twice its size when bidirectional). With P(m) the
    cell's count and n its output size, the total is
    D·(P(m) + (L − 1)·P(D·n)) with D = 2 directions or 1.

    When the output's size depends on the input's (a cell that emits
    `[x, h']`), each layer reads a wider input than the one before, and the
    total is the sum of each layer's own count: for a symbolic L, the sum in
    closed form.

    >>> import symcount
    >>> stack = symcount.builtin("torch.lstm").stacked(2, bidirectional=True)
    >>> stack.evaluate(m=10, n=20)
    15040
    """

    def __init__(self, cell: Cell, layers: int | str, bidirectional: bool = False):
        self.cell = cell
        self.bidirectional = bidirectional
        self.no_bias = cell.no_bias
        self.name, self.description, self.source = cell.name, cell.description, cell.source
        self.display = cell.display
        self.warnings = cell.warnings
        self.layers = _checked_layers(layers)
        self.layout = Layout(self.layers, bidirectional, bias=not cell.no_bias)
        # Built now, every layer: a cell that cannot be stacked is an error here, not later.
        self._layers = Layers(cell.scope, cell.shapes, self.layout)
        symbolic = isinstance(self.layers, str) and self.layers not in map(str, cell.dims)
        extra = (size_symbol(self.layers),) if symbolic else ()
        self.dims: tuple[sympy.Symbol, ...] = cell.dims + extra

    def __repr__(self) -> str:
        return f"<Stack {self.name} x {self.layers_text}: {self.count}>"

    @property
    def layers_text(self) -> str:
        return str(self.layers) + (" bidirectional" if self.bidirectional else "")

    @property
    def params(self) -> tuple[StackParam, ...]:
        return self.counts.params


class Cells(list):
    r"""The cells of a text or a file, as `loads` and `load` return them: a list
    (equal to a list of the same cells, pickled as one) that a notebook shows as
    one table comparing their counts (docs/api.md, "Jupyter").

    >>> import symcount
    >>> cells = symcount.Cells([symcount.builtin("rnn"), symcount.builtin("gru")])
    >>> print(cells._repr_markdown_())
    | cell | parameters | factored |
    | --- | --- | --- |
    | `rnn(m, n)` | $m n + n^{2} + n$ | $n \left(m + n + 1\right)$ |
    | `gru(m, n)` | $3 m n + 3 n^{2} + 3 n$ | $3 n \left(m + n + 1\right)$ |
    """

    # Slices and sums stay `Cells`, so that `cells[1:]` or `a + b` still shows as a table.
    def __getitem__(self, index: SupportsIndex | slice):
        item = super().__getitem__(index)
        return Cells(item) if isinstance(index, slice) else item

    def __add__(self, other: list) -> Cells:
        if not isinstance(other, list):
            return NotImplemented  # as a list does: `cells + (x,)` is a TypeError
        return Cells([*self, *other])

    def __radd__(self, other: list) -> Cells:
        if not isinstance(other, list):
            return NotImplemented
        return Cells([*other, *self])

    def copy(self) -> Cells:
        return Cells(self)

    def _repr_markdown_(self) -> str | None:
        """The comparison table of `count --format markdown`; nothing (the plain
        list shows instead) when the list is empty or holds something else."""
        if not self or not all(isinstance(item, _Counted) for item in self):
            return None
        from ..render import Report
        from ..render.markdown import MarkdownWriter

        return MarkdownWriter().comparison([Report(item.summary) for item in self])


def _whole(name: str, value: object) -> int:
    """A positive integer the API takes (anything `operator.index` takes), else a ValueError."""
    number = evaluation.integer(value)
    if number is None or number < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return number


def _checked_layers(layers: int | str) -> int | str:
    """A number of layers as the API takes it: a positive integer (anything
    `operator.index` takes, numpy's included) or a symbol's name."""
    if isinstance(layers, str):
        if not layers.isidentifier():
            raise ValueError(f"layers must be a positive integer or a symbol name, got {layers!r}")
        return layers
    number = evaluation.integer(layers)
    if number is None:
        raise ValueError(f"layers must be a positive integer or a symbol name, got {layers!r}")
    if number < 1:
        raise ValueError(f"layers must be at least 1, got {number}")
    return number
