"""The base writer: reports laid out as plain text, with a hook for each piece.

`Writer` writes what `symcount count` prints on a terminal; every other
format subclasses it and overrides only the hooks where it differs, the way
sqlglot's dialect generators override the base generator:

- layout: `render` (a comparison of several reports, then a section each),
  `section`, `params_table`, `comparison`, and `table`, how any table looks;
- pieces: `signature`, `shape`, `layers` (a layer group's label), `copies`,
  `param_count`, `param_names`, `gate`, `math` (a formula), `number`, `note`,
  `sizes`;
- a cost (a report whose summary has one: `symcount cost`): `cost_section`
  instead of `section`, built from `priced`, `cost_notes`, `figure_cells` and
  `breakdown_cells`, which every format lays out with its own `table`.

`MathWriter` is the base of the formats whose formulas are LaTeX math
(Markdown and LaTeX): shapes, sizes and counts as math, names as the paper
notation prints them. A writer reads a report's `summary` and `sizes` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import sympy

from .. import ir
from ..costing import FIGURES, Cost, Row
from ..counting.counts import StackParam
from ..counting.solving import Solved
from ..counting.summary import ComponentRow, Summary
from ..symbols import dim_expr
from . import Report, sweep, tex
from .equations import LatexPrinter
from .settings import Settings

# Columns of the parameter table that only a stack has.
STACK_COLUMNS = frozenset({"layer", "layers", "copies"})


class Writer:
    """Plain text: the formula, the factored form, parameter and gate tables."""

    # The parameter table's columns, in order, by header ("value" is added
    # when every size is set).
    PARAM_COLUMNS: tuple[str, ...] = ("parameter", "kind", "shape", "count", "gate", "layer", "copies")
    # A model's parameter table: by component; the gates are its cells' own, not shown.
    MODEL_PARAM_COLUMNS: tuple[str, ...] = ("component", "parameter", "kind", "copies", "shape", "count")
    # A model's table of components (docs/cli.md, "Models").
    COMPONENT_COLUMNS: tuple[str, ...] = ("component", "kind", "what", "copies", "reads", "emits", "count")
    form = "expanded"  # which form of the count the formats with one total show
    # What `render(format, reports, **settings)` may set: each becomes an
    # attribute of the writer (render/settings.py). Plain text takes none.
    SETTINGS = Settings("text")

    def __init__(self, **settings: object) -> None:
        for name, value in self.SETTINGS.merged(settings).items():
            setattr(self, name, value)

    # ---- layout ----

    def render(self, reports: list[Report]) -> str:
        if reports and reports[0].solved is not None:  # `symcount solve`: one table of every cell
            return self.solutions(reports) + "\n"
        parts = []
        if any(r.swept for r in reports):  # a sweep's table instead of the comparison
            parts += self.sweep_tables(reports)
        elif len(reports) > 1:
            comparison = self.comparison(reports)
            if comparison is not None:
                parts.append(comparison)
        parts += [self.section(r) if r.summary.cost is None else self.cost_section(r) for r in reports]
        return "\n\n".join(parts) + "\n"

    def comparison(self, reports: list[Report]) -> str | None:
        """A table comparing several cells, before their sections; plain text has none."""
        return None

    # ---- sweeps (docs/cli.md, "Sweeps") ----

    def sweep_tables(self, reports: list[Report]) -> list[str]:
        """A sweep's table, before the cells' sections: of their costs when they have
        one, else of their counts."""
        if reports[0].summary.cost is not None:
            return [self.captioned(self.sweep_cost_cells(reports), self.sweep_caption(reports, "cost"))]
        return [self.captioned(self.sweep_count_cells(reports), self.sweep_caption(reports, "count"))]

    def captioned(self, cells: tuple[list[str], list[list[str]], list[bool]], caption: str) -> str:
        """A table with what it holds: in text, a line above it."""
        return caption + "\n" + self.laid_out(cells)

    def sweep_count_cells(self, reports: list[Report]) -> tuple[list[str], list[list[str]], list[bool]]:
        """A row per combination of the swept sizes, a column for each swept size,
        then one for each cell: its trainable count there (empty where it has none)."""
        symbols = list(reports[0].swept)
        head = [*map(self.size_label, symbols), *(self.sweep_name(r.summary) for r in reports)]
        values = [[sweep.count_values(there, ["parameters"])["parameters"] for there in r.sweep] for r in reports]
        rows = [
            [*map(str, point.values()), *(self.maybe(column[index]) for column in values)]
            for index, point in enumerate(sweep.points(reports[0].swept))
        ]
        return head, rows, [False] * len(symbols) + [True] * len(reports)

    def sweep_cost_cells(self, reports: list[Report]) -> tuple[list[str], list[list[str]], list[bool]]:
        """A row per combination of the swept sizes and cell, each figure of the cost
        a column (frozen bytes only when some cell has frozen parameters)."""
        symbols = list(reports[0].swept)
        figures = sweep_figures(reports)
        head = [*map(self.size_label, symbols), subject(reports), *map(self.figure, figures)]
        at = [r.sweep for r in reports]
        rows = []
        for index, point in enumerate(sweep.points(reports[0].swept)):
            for report, cell in zip(reports, at, strict=True):
                values = sweep.cost_values(cell[index]) or {}
                shown = [self.maybe(values.get(figure)) for figure in figures]
                rows.append([*map(str, point.values()), self.sweep_name(report.summary), *shown])
        return head, rows, [False] * (len(symbols) + 1) + [True] * len(figures)

    def sweep_caption(self, reports: list[Report], what: str) -> str:
        """What a sweep's table holds: 'trainable parameters at m=128', 'cost per
        time step and sequence: symcount convention, fp32, at m=128'."""
        fixed = merged_sizes(reports)
        if what == "cost":
            return "cost " + self.priced(reports[0].summary.cost) + (f", at {self.sizes(fixed)}" if fixed else "")
        return "trainable parameters" + (f" at {self.sizes(fixed)}" if fixed else "")

    def sweep_name(self, net: Summary) -> str:
        """A cell as a sweep's table names it: 'lstm', 'lstm (2 layers)'."""
        return net.name + (f" ({self.note(net)})" if net.note else "")

    def size_label(self, name: str) -> str:
        """A swept size as a column's header: `n`."""
        return name

    def maybe(self, value: int | None) -> str:
        """A value in a sweep's table; empty where the cell has none."""
        return "" if value is None else self.number(value)

    def section(self, report: Report) -> str:
        net = report.summary
        lines = self.heading(net) + self.count_lines(report)
        if net.is_model:  # its parameters are its components' (`check` lists them)
            return "\n".join([*lines, "", self.components_table(report)])
        lines += ["", self.params_table(report), ""]
        lines.append(self.table(["gate", "count"], [[g, self.math(c)] for g, c in net.gates.items()]))
        return "\n".join(lines)

    def count_lines(self, report: Report) -> list[str]:
        """The count expanded and factored, the other counts a cell has, the derived
        sizes they are written in and the value at the set sizes."""
        net = report.summary
        lines = [f"  count     {self.math(net.count)}", f"  factored  {self.math(net.factored)}"]
        if net.has_nonreal:  # what `sum(p.numel())` gives a module of complex tensors
            lines.append(f"  numel     {self.math(net.numel)} (a complex entry once, as numel() counts it)")
        if net.has_frozen:
            lines.append(f"  frozen    {self.math(net.frozen)} (not trainable)")
            lines.append(f"  total     {self.math(net.total_count)} (trainable + frozen)")
        if net.used_sizes:
            lines.append(f"  where     {self.definitions(net)}")
        if report.value is not None:
            lines.append(f"  value     {self.values(report)}  ({self.set_sizes(report)})")
        return lines

    def heading(self, net: Summary) -> list[str]:
        """A section's first lines: the cell, where it was read from, how it is used."""
        head = self.signature(net) + (f": {net.description}" if net.description else "")
        lines = [head, f"  source    {net.source}"]
        if net.definition.display is not None:  # as text (docs/latex.md, "Display names")
            lines.append(f"  display   {tex.cell_text(net.definition)}")
        if net.note:
            lines.append(f"  network   {self.note(net)}")
        if not net.bias:
            lines.append(f"  removed   {self.removed(net)}")
        return lines

    def values(self, report: Report) -> str:
        """The count's value; with frozen parameters, also theirs and the total;
        with complex or quaternion ones, `numel`'s beside the count's."""
        net = report.summary
        text = self.number(report.value) + (" trainable" if net.has_frozen else "")
        if net.has_nonreal:
            text += f" (numel {self.number(report.numel_value)})"
        if not net.has_frozen:
            return text
        return f"{text}, {self.number(report.frozen_value)} frozen, {self.number(report.total_value)} total"

    def set_sizes(self, report: Report) -> str:
        """The sizes a value is at: 'D=32, N=4; R=2' (the derived sizes they give last)."""
        net = report.summary
        text = self.sizes({str(d): report.sizes[str(d)] for d in net.dims})
        derived = report.size_values
        return text + ("; " + self.sizes(derived) if derived else "")

    def params_table(self, report: Report) -> str:
        head, rows, right = self.param_cells(report)
        return self.table(head, rows, self.total_row(report, head), right)

    def param_cells(self, report: Report) -> tuple[list[str], list[list[str]], list[bool]]:
        """The parameter table's header, rows and which columns are numbers (right-aligned).
        A model's parameters go by component, each named once, on its first row."""
        net = report.summary
        if net.is_model:
            head = list(self.MODEL_PARAM_COLUMNS)
        else:
            head = [h for h in self.PARAM_COLUMNS if net.stacked or h not in STACK_COLUMNS]
        if report.value is not None:
            head.append("value")
        name = self.param_names(net)  # once per table: it may build a printer of the cell
        cells: dict[str, Callable[[StackParam], str]] = {
            "parameter": lambda p: self.param_label(p, name(p)),
            "component": lambda p: self.component(p.layer),
            "kind": self.kind,
            "layer": lambda p: self.layers(p.layer),
            "layers": lambda p: self.layers(p.layer),
            "copies": self.copies,
            "shape": self.shape,
            "count": lambda p: self.param_count(p, net),
            "gate": self.gate,
            "value": lambda p: self.number(report.param_value(p.count)),
        }
        columns = [cells[h] for h in head]
        rows = [[cell(p) for cell in columns] for p in net.params]
        if "component" in head:
            at = head.index("component")
            for row, p, before in zip(rows[1:], net.params[1:], net.params, strict=False):
                if p.layer == before.layer:
                    row[at] = ""
        return head, rows, [h == "value" for h in head]

    # ---- a model's components (docs/cli.md, "Models") ----

    def components_table(self, report: Report) -> str:
        head, rows, right = self.component_cells(report)
        return self.table(head, rows, self.total_row(report, head), right)

    def component_cells(self, report: Report) -> tuple[list[str], list[list[str]], list[bool]]:
        """A row per component in order (its label, kind, what it is, copies, the
        widths it reads and emits, its count over every copy), the header and which
        columns are numbers."""
        net = report.summary
        head = list(self.COMPONENT_COLUMNS) + (["value"] if report.value is not None else [])
        cells: dict[str, Callable[[ComponentRow], str]] = {
            "component": lambda c: self.component(c.label),
            "kind": lambda c: c.kind,
            "what": self.what,
            "copies": lambda c: self.math(sympy.factor(c.copies)),  # 2*(L - 1), a layer's directions in sight
            "reads": self.reads,
            "emits": lambda c: self.MISSING if c.emits is None else self.math(c.emits),
            "count": lambda c: self.param_count(c, net),
            "value": lambda c: self.number(report.param_value(c.count)),
        }
        rows = [[cells[h](c) for h in head] for c in net.components]
        return head, rows, [h == "value" for h in head]

    def component(self, label: str) -> str:
        """A component's label: 'encoder', 'layer2'."""
        return label

    def what(self, c: ComponentRow) -> str:
        """What a component is, as its statement writes it: 'torch.lstm(n, n) * (L - 2)'."""
        return statement(c)

    def reads(self, c: ComponentRow) -> str:
        """The width a component reads: 'n'; each input's with several ('h: n, s: m');
        an embedding reads token ids."""
        if c.kind == "embedding":
            return "token ids"
        if len(c.reads) == 1:
            return self.math(c.reads[0][1])
        return ", ".join(f"{name}: {self.math(width)}" for name, width in c.reads)

    def tied(self, net: Summary) -> list[tuple[str, str]]:
        """(the tied weight, the embedding's it is): ('decoder.weight', 'encoder.weight')."""
        return [(f"{c.label}.weight", f"{c.tied}.weight") for c in net.components if c.tied is not None]

    def total_row(self, report: Report, head: list[str]) -> list[list[str]]:
        """The rows under the parameter table (the total); plain text has the gate table instead."""
        return []

    def table(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        foot: Sequence[Sequence[str]] = (),
        right: Sequence[bool] = (),
        caption: str = "",
    ) -> str:
        """Columns padded to their widest cell, indented two spaces (no caption in text)."""
        everything = [head, *rows, *foot]
        widths = [max(len(row[i]) for row in everything) for i in range(len(head))]
        return "\n".join(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in everything
        )

    # ---- costs (docs/costs.md) ----

    def cost_section(self, report: Report) -> str:
        """A cell's cost (`symcount cost`): how it is priced, the figures with their
        formulas (and values), then the breakdowns: per component (a model's), per
        gate and per kind of operation."""
        cost = report.summary.cost
        labelled = {
            "cost": self.priced(cost),
            "rule": cost.rule,
            "where": report.cost_sizes and self.definitions(report.summary, report.cost_sizes),
            "values": report.cost_values is not None and f"at {self.cost_set_sizes(report)}",
        }
        lines = self.heading(report.summary)
        lines += [f"  {label.ljust(9)} {text}" for label, text in labelled.items() if text]
        lines += ["  " + note for note in self.cost_notes(report)]
        lines += ["", self.laid_out(self.figure_cells(report))]
        for label, rows in cost.breakdowns:  # a tool's rule for a whole module has no per-gate figures
            lines += ["", self.laid_out(self.breakdown_cells(report, label, rows))]
        return "\n".join(lines)

    def laid_out(self, cells: tuple[list[str], list[list[str]], list[bool]], caption: str = "") -> str:
        """A table of (header, rows, which columns are numbers), as `table` lays one out."""
        head, rows, right = cells
        return self.table(head, rows, right=right, caption=caption)

    def priced(self, cost: Cost) -> str:
        """'per time step and sequence: symcount convention, fp32', or the totals'
        span: 'in total over 100 steps of 8 sequences: ...'."""
        if (cost.seq, cost.batch) == (1, 1):
            span = "per time step and sequence"
        else:
            steps = f"{self.number(cost.seq)} step{'s' * (cost.seq != 1)}"
            span = f"in total over {steps} of {self.number(cost.batch)} sequence{'s' * (cost.batch != 1)}"
        return f"{span}: {cost.convention} convention, {cost.dtype}"

    def cost_set_sizes(self, report: Report) -> str:
        """The sizes the cost's values are at: the cell's, its free extents', then the
        derived sizes the figures use."""
        net = report.summary
        text = self.sizes({name: report.sizes[name] for name in (*map(str, net.dims), *net.extents)})
        derived = {name: report.values[name] for name in report.cost_sizes}
        return text + ("; " + self.sizes(derived) if derived else "")

    def cost_notes(self, report: Report) -> list[str]:
        """What the convention's tool leaves out, and the free extents that no `--set`
        gave (the figures then have no values: docs/costs.md, "Free extents")."""
        cost = report.summary.cost
        notes = []
        if cost.uncounted:
            notes.append(f"not counted by {cost.convention}: {', '.join(cost.uncounted)}")
        unset = report.unset_extents
        if unset:
            named = " and ".join(", ".join(unset).rsplit(", ", 1))
            are = "are free extents" if len(unset) > 1 else "is a free extent"
            given = " ".join(f"--set {name}=INT" for name in unset)
            notes.append(
                f"{named} {are} (a feature map's size, which the cell leaves open): "
                f"{given} gives the values for one map of that size"
            )
        return notes

    def figure_cells(self, report: Report) -> tuple[list[str], list[list[str]], list[bool]]:
        """The cost's figures: header, rows (a figure, its formula, its value) and which
        columns are numbers. Frozen bytes only when some parameter is frozen."""
        cost, values = report.summary.cost, report.cost_values
        head = ["figure", "formula"] + (["value"] if values is not None else [])
        rows = []
        for figure, formula in cost.figures.items():
            if figure == "frozen_bytes" and formula == 0:
                continue
            row = [self.figure(figure), self.math(formula)]
            rows.append(row + ([self.number(values[figure])] if values is not None else []))
        return head, rows, [h == "value" for h in head]

    def breakdown_cells(
        self, report: Report, label: str, rows: tuple[Row, ...]
    ) -> tuple[list[str], list[list[str]], list[bool]]:
        """A breakdown of MACs and FLOPs (per component, per gate, per kind of
        operation), each followed by its value when every size is set."""
        values = report.cost_rows(rows)
        macs, flops = self.figure("macs"), self.figure("flops")
        head = [label, macs, flops] if values is None else [label, macs, "value", flops, "value"]
        cells = []
        for index, row in enumerate(rows):
            name = self.gate_name(row.name) if label == "gate" else row.name
            if values is None:
                cells.append([name, self.math(row.macs), self.math(row.flops)])
            else:
                _, mac_value, flop_value = values[index]
                cells.append(
                    [name, self.math(row.macs), self.number(mac_value), self.math(row.flops), self.number(flop_value)]
                )
        return head, cells, [h == "value" for h in head]

    def figure(self, name: str) -> str:
        """How a figure of the cost is named: 'MACs', 'weight bytes'."""
        return {"macs": "MACs", "flops": "FLOPs"}.get(name, name.replace("_", " "))

    def gate_name(self, name: str) -> str:
        """A gate as a breakdown names it: `i`, `c'`."""
        return name

    # ---- budgets (`symcount solve`: docs/cli.md, "solve") ----

    MISSING = "-"  # a table's cell where there is no value (no size within the budget, none above)

    def solutions(self, reports: list[Report]) -> str:
        """What `solve` found for every cell: what was asked, a table (each cell's sizes,
        the metric there, the next valid value and its metric), then each cell's note."""
        return self.solution_layout(reports, self.solution_title(reports[0].solved), self.solution_cells(reports))

    def solution_layout(
        self, reports: list[Report], title: str, cells: tuple[list[str], list[list[str]], list[bool]]
    ) -> str:
        """The title, the table, a line per note."""
        lines = [title, self.laid_out(cells)]
        return "\n".join(lines + [f"  {self.solved_name(net)}: {note}" for net, note in solution_notes(reports)])

    def solution_title(self, solved: Solved) -> str:
        """'Largest n within 1,000,000 parameters': what was asked, how it was priced
        and where the budget came from (`--match`)."""
        symbol = self.symbol(solved.for_)
        step = f", a multiple of {solved.multiple_of}," if solved.multiple_of > 1 else ""
        title = f"Largest {symbol}{step} within {self.number(solved.budget)} {self.metric(solved.metric)}"
        priced = solved.convention and f"{solved.convention} convention" or solved.dtype
        if priced:
            title += f" ({priced})"
        matched = solved.matched
        if matched is not None:
            name = self.solved_cell(matched.name) + (f" ({matched.note})" if matched.note else "")
            title += f", as many as {name} has at {self.sizes(matched.sizes)}"
        return title

    def solution_cells(self, reports: list[Report]) -> tuple[list[str], list[list[str]], list[bool]]:
        """The table: a column per size of any cell, the metric, the next value and its metric."""
        solved = reports[0].solved
        found = [r.solution_sizes for r in reports]
        sizes = list(dict.fromkeys(name for each in found for name in each))
        metric = self.metric(solved.metric)
        head = [subject(reports), *map(self.symbol, sizes), metric, f"next {self.symbol(solved.for_)}", metric]
        rows = []
        for report, each in zip(reports, found, strict=True):
            answer, after = report.solved, report.solved.next
            row = [self.solved_name(report.summary)]
            row += ["" if name not in each else self.MISSING if each[name] is None else str(each[name]) for name in sizes]
            row.append(self.MISSING if answer.value is None else self.number(answer.value))
            row += [self.MISSING] * 2 if after is None else [str(after.sizes[answer.for_]), self.number(after.value)]
            rows.append(row)
        return head, rows, [False] + [True] * (len(head) - 1)

    def solved_name(self, net: Summary) -> str:
        """A cell in the table of `solve`: its name, and how it is used."""
        return self.solved_cell(net.name) + (f" ({self.note(net)})" if net.note else "")

    def solved_cell(self, name: str) -> str:
        return name

    def symbol(self, name: str) -> str:
        """A size symbol in running text or a table's head."""
        return name

    def metric(self, name: str) -> str:
        """What a budget bounds: 'parameters', or a cost figure as `figure` names it."""
        return "parameters" if name == "params" else self.figure(name)

    # ---- pieces ----

    def signature(self, net: Summary) -> str:
        return f"{net.name}({', '.join(map(str, net.dims))})"

    def note(self, net: Summary) -> str:
        """What differs from one plain cell: 'L layers, bidirectional, no biases'."""
        return net.note

    def removed(self, net: Summary) -> str:
        """What `--no-bias` removed: 'b_i, b_f', or that the cell has no bias."""
        if not net.removed_biases:
            return "none (no parameter is a bias)"
        return ", ".join(net.removed_biases)

    def kind(self, p: StackParam) -> str:
        """'matrix'; 'matrix, complex', 'vector, frozen' for what counts differently."""
        return ", ".join([p.kind] + ([p.field] if p.field != "real" else []) + ["frozen"] * p.frozen)

    def shape(self, p: StackParam) -> str:
        if p.kind == ir.Kind.SCALAR:
            return "scalar"
        if p.kind == ir.Kind.DIAG:
            return f"diag({p.shape[0]})"
        if p.kind == ir.Kind.BLOCKDIAG:  # as the cell declares it: blocks, then each block's rows and columns
            return "blockdiag(" + ", ".join(map(str, p.shape)) + ")"
        return "(" + ", ".join(map(str, p.shape)) + ")" if len(p.shape) > 1 else str(p.shape[0])

    def layers(self, label: str) -> str:
        """A layer group's label: '1', '2..3', '2..L'."""
        return label

    def copies(self, p: StackParam) -> str:
        return self.math(p.copies)

    def param_count(self, p: StackParam | ComponentRow, net: Summary) -> str:
        # A model's component factored: 8*n*(L - 2)*(n + 1), its copies in sight.
        return self.math(sympy.factor(p.count) if net.is_model else p.count)

    def param_names(self, net: Summary) -> Callable[[StackParam], str]:
        """How the parameter table names each parameter."""
        return lambda p: p.name

    def param_label(self, p: StackParam, name: str) -> str:
        """The parameter column: its name as `param_names` prints it (a format may add marks)."""
        return name

    def gate(self, p: StackParam) -> str:
        return p.gate

    def math(self, expr: sympy.Expr) -> str:
        """A formula: sympy's own syntax in plain text."""
        return str(expr)

    def definitions(self, net: Summary, sizes: Mapping[str, ir.Dim] | None = None) -> str:
        """The derived sizes the counts use (or `sizes`, those a cost uses):
        'R = ceiling(D/16)' (sympy's syntax in text)."""
        sizes = net.used_sizes if sizes is None else sizes
        return ", ".join(f"{name} = {dim_expr(dim)}" for name, dim in sizes.items())

    def number(self, value: int) -> str:
        return f"{value:,}"

    def sizes(self, sizes: Mapping[str, int]) -> str:
        """The set sizes: 'm=3, n=2'."""
        return ", ".join(f"{k}={v}" for k, v in sizes.items())

    def chosen(self, net: Summary, expr: sympy.Expr | None = None) -> sympy.Expr:
        """The count (or `expr`, another of the network's counts) in the form asked for."""
        if expr is None:
            return net.factored if self.form == "factored" else net.count
        return sympy.factor(expr) if self.form == "factored" else expr


class MathWriter(Writer):
    """The formats whose formulas are LaTeX math: Markdown and LaTeX."""

    DASH = "–"  # between the first and last of a range of layers
    DOTS = r"\dots"
    NUMEL = "numel()"  # the label of `numel`'s row under the parameter table

    def math(self, expr: sympy.Expr) -> str:
        return f"${tex.math(expr)}$"

    def definitions(self, net: Summary, sizes: Mapping[str, ir.Dim] | None = None) -> str:
        r"""`R = \left\lceil D/16 \right\rceil` (math, without the dollars)."""
        return tex.definitions(net.used_sizes if sizes is None else sizes)

    def strong(self, text: str) -> str:
        """A total in the parameter table."""
        return text

    def total_row(self, report: Report, head: list[str]) -> list[list[str]]:
        """The total; with frozen parameters, the trainable, frozen and total rows."""
        net = report.summary
        rows = [("total", self.chosen(net), report.value)]
        if net.has_frozen:
            rows = [
                ("trainable", self.chosen(net), report.value),
                ("frozen", self.chosen(net, net.frozen), report.frozen_value),
                ("total", self.chosen(net, net.total_count), report.total_value),
            ]
        if net.has_nonreal:  # beside the trainable count it stands for
            rows.insert(1, (self.NUMEL, self.chosen(net, net.numel), report.numel_value))
        return [self.foot_row(head, *row) for row in rows]

    def foot_row(self, head: list[str], label: str, count: sympy.Expr, value: int | None) -> list[str]:
        row = []
        for index, column in enumerate(head):
            if index == 0:
                row.append(self.strong(label))
            elif column == "count":
                row.append(self.math(count))
            elif column == "value":
                row.append(self.strong(self.number(value)))
            else:
                row.append("")
        return row

    def shape(self, p: StackParam) -> str:
        r"""A parameter's shape in math: `n \times (m + n)`, `\operatorname{diag}(n)`, `1`."""
        if p.kind == ir.Kind.SCALAR:
            return "$1$"
        if p.kind == ir.Kind.DIAG:
            return rf"$\operatorname{{diag}}({tex.math(p.shape[0])})$"
        if p.kind == ir.Kind.BLOCKDIAG:  # H blocks of a × b on the diagonal
            blocks, rows, columns = p.shape
            block = rf"{_factor(rows)} \times {_factor(columns)}"
            return rf"$\operatorname{{blockdiag}}_{{{tex.math(blocks)}}}({block})$"
        return "$" + r" \times ".join(_factor(s) for s in p.shape) + "$"

    def layers(self, label: str) -> str:
        """'1' → '1', '2..3' → '2–3', '2..L' → '$2, \\dots, L$'."""
        first, _, last = label.partition("..")
        if not last:
            return first
        if last.isdigit():
            return f"{first}{self.DASH}{last}"
        return f"${first}, {self.DOTS}, {tex.size_name(last)}$"

    def copies(self, p: StackParam) -> str:
        return self.math(sympy.factor(p.copies))  # 2 (L - 1) reads better than 2 L - 2

    def param_count(self, p: StackParam | ComponentRow, net: Summary) -> str:
        return self.math(sympy.factor(p.count) if net.stacked or net.is_model else p.count)

    def printer(self, net: Summary) -> LatexPrinter:
        """The paper notation of the cell (a stack's layers all are the cell)."""
        return LatexPrinter(net.cell, net.row_products)

    def printers(self, net: Summary) -> Callable[[StackParam], LatexPrinter | None]:
        """The paper notation of each parameter's cell: the cell's; in a model, its
        component's cell or block (None for an embedding, a linear map or a norm,
        whose parameters are named as PyTorch names them)."""
        if not net.is_model:
            printer = self.printer(net)
            return lambda p: printer
        by_label = {
            c.label: LatexPrinter(c.printed.cell, c.printed.row_products)
            for c in net.components
            if c.printed is not None
        }
        return lambda p: by_label.get(p.layer)

    def symbol(self, name: str) -> str:
        return f"${tex.size_name(name)}$"

    def sizes(self, sizes: Mapping[str, int]) -> str:
        """Set sizes as inline math: `$m = 3$, $n = 2$`."""
        return ", ".join(f"${tex.size_name(k)} = {v}$" for k, v in sizes.items())


def subject(reports: list[Report]) -> str:
    """What a table's first column names: "model" when every row is one, else "cell"."""
    return "model" if reports and all(r.summary.is_model for r in reports) else "cell"


def statement(c: ComponentRow) -> str:
    """A component as its statement writes it: its cell or shape, then `* K` when
    repeated, `bidirectional` and `residual` when it is: 'torch.lstm(n, n) * (L - 2)'."""
    repeat = sympy.factor(c.copies / c.directions)
    text = c.what
    if repeat != 1:
        text += f" * ({repeat})" if isinstance(repeat, sympy.Add) else f" * {repeat}"
    return text + (" bidirectional" if c.directions == 2 else "") + (" residual" if c.residual else "")


def _factor(size: sympy.Expr) -> str:
    """A size as one factor of a product: `m + n` needs parentheses there."""
    text = tex.math(size)
    return f"({text})" if isinstance(size, sympy.Add) else text


def sweep_figures(reports: list[Report]) -> list[str]:
    """The cost figures a sweep's table shows: frozen bytes only when some cell has any."""
    frozen = any(r.summary.cost.frozen_bytes != 0 for r in reports)
    return [figure for figure in FIGURES if figure != "frozen_bytes" or frozen]


def merged_sizes(reports: list[Report]) -> dict[str, int]:
    """Every size set for any of the reports, in the order first set."""
    sizes: dict[str, int] = {}
    for r in reports:
        sizes.update(r.sizes)
    return sizes


def solution_notes(reports: list[Report]) -> list[tuple[Summary, str]]:
    """Each cell's note on what `solve` found (no value within the budget, a bounded scan)."""
    return [(r.summary, r.solved.message) for r in reports if r.solved.message]
