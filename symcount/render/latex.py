r"""LaTeX for papers: `symcount latex` and `symcount count --format latex`.

For each cell: its count as an `equation`,
`P_{\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n`; with `equations` the cell's
own equations as an `align` block in paper notation (`equations.LatexPrinter`);
with `params` a table of its parameters; with a cost (`latex --cost`, `cost
--format latex`) a table of its figures. Several cells with values give one
comparison table first; `only` prints one of these pieces alone.
`standalone` wraps everything in an article that plain `pdflatex` compiles,
loading only the packages it uses (`amsmath`; `booktabs` for tables).

Every piece is made to be pasted into a paper (docs/latex.md): a `\label` on
each (`label_prefix`), one equation number per `align` block unless
`number_lines`, `booktabs` rules, captions above tables, and long formulas
broken to fit a column of `width` (`tex.wrap`): a sum breaks before an
operator, a table's formulas within their cells, and only a table that cannot
fit so is set smaller.

The output is meant to be read in an editor too: every block starts with a
`%` comment naming the cell, table columns are aligned, and nothing depends
on the time or the machine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

import sympy

from .. import ir
from ..counting.counts import StackParam
from ..counting.summary import ComponentRow, Summary
from ..layers.biases import Printed
from ..shapes import NodeSet
from ..symbols import to_sympy
from . import Report, sweep, tex
from .base import MathWriter, merged_sizes, solution_notes, subject, sweep_figures
from .equations import LatexPrinter
from .settings import LATEX, points
from .tex import escape_text, thousands

INDENT = "  "
# How much of the column the estimated widths may fill: pdflatex sets some
# formulas up to 4% wider than `tex.width` estimates.
FILL = 0.96
# Room kept for an equation's number, `(12)`, and the space amsmath keeps before it.
TAG = 24.0
# A line broken after its first row goes on a quad (10 pt) in (`&\quad + ...`).
INDENTED = 10.0
# Space LaTeX puts at either side of a table's column (\tabcolsep); the
# tables have none outside the first and last, as booktabs' author sets them.
TABCOLSEP = 6.0


class Size(NamedTuple):
    """How a table that does not fit is set: a font size, how wide its letters set
    (measured: 9 and 8 pt fonts are drawn wider than 0.9 and 0.8 of 10 pt), and
    the space at either side of a column."""

    command: str
    scale: float
    colsep: float = TABCOLSEP


# Smaller and smaller, in this order, until the table fits.
SIZES = (
    Size("", 1.0),
    Size(r"\small", 0.92),
    Size(r"\small", 0.92, 4.0),
    Size(r"\footnotesize", 0.85, 4.0),
    Size(r"\footnotesize", 0.85, 3.0),
)
# A formula broken in a table cell takes at most this many lines, else the table
# is set a size smaller.
MOST_LINES = 3
# The columns whose formulas may break in their cells, by their heads.
BREAKABLE = frozenset(("count", "parameters", "formula"))
# Before `numel` in the formulas: the trainable count with a complex entry once.
NUMEL_TEXT = r"\text{numel (a complex entry once): }"


def render(reports: list[Report], **settings: object) -> str:
    """The LaTeX for `reports`; the settings (`LATEX` in render/settings.py) are `symcount latex`'s flags."""
    return LatexWriter(**settings).render(reports)


class Layered(NamedTuple):
    """A stack's count in its structure (`LatexWriter.layered`)."""

    terms: str  # `2\,P(m) + 2 \left(L - 1\right)\,P(2 n)`
    head: str  # `P(m)`
    count: sympy.Expr  # P's formula: one layer's count, in the size of its input


class NothingToShow(ValueError):
    """`only` asks for a piece the reports do not have (the comparison of one cell)."""


class LatexWriter(MathWriter):
    PARAM_COLUMNS = ("parameter", "layers", "copies", "shape", "count")
    # A column of a paper holds few columns: a model's copies show in the counts, n^2 (L - 2).
    MODEL_PARAM_COLUMNS = ("component", "parameter", "shape", "count")
    COMPONENT_COLUMNS = ("component", "what", "copies", "count")
    DASH = "--"
    DOTS = r"\ldots"
    NUMEL = r"\texttt{numel()}"
    SETTINGS = LATEX  # form, equations, params, standalone, only, label_prefix, number_lines, width

    def __init__(self, **settings: object) -> None:
        super().__init__(**settings)
        self.room = points(self.width) * FILL
        self.packages: set[str] = set()  # beyond amsmath, what the tables use

    def render(self, reports: list[Report]) -> str:
        self.packages = set()
        if reports and reports[0].solved is not None:  # `symcount solve`: one table of every cell
            body = self.solutions(reports) + "\n"
            return document(body, self.packages) if self.standalone else body
        parts = []
        if any(r.swept for r in reports) and self.shows("table"):  # a sweep's, even of one cell
            parts += self.sweep_tables(reports)
        elif len(reports) > 1 and self.shows("table"):
            comparison = self.comparison(reports)
            if comparison is not None:
                parts.append(comparison)
        if self.only != "table":
            # The key of a cell's labels: its name, `lstm-2` for a second cell of that name.
            keys = _unique(report.summary.name for report in reports)
            for report, key in zip(reports, keys, strict=True):
                if self.has(report.summary, self.only):
                    parts.append(self.cell_section(report, key))
        if not parts:
            raise NothingToShow(_nothing(self.only))
        body = "\n\n".join(parts) + "\n"
        return document(body, self.packages) if self.standalone else body

    def has(self, net: Summary, piece: str | None) -> bool:
        """Whether a cell or model has the piece `only` asks for: a cost only with
        --cost, components only a model."""
        return {"cost": net.cost is not None, "components": net.is_model}.get(piece, True)

    def shows(self, piece: str, asked: bool = True) -> bool:
        """Whether a piece is printed: the one `only` names, else each that is asked for."""
        return self.only == piece if self.only else asked

    def label(self, *parts: str) -> str:
        """`symcount:lstm:count`: the prefix, then the parts, made safe for a label."""
        return self.label_prefix + ":".join(_label_safe(p) for p in parts)

    def cell_section(self, report: Report, key: str) -> str:
        """A cell's pieces; with a cost (`latex --cost`), its cost table after them."""
        if report.summary.cost is None or not self.shows("cost"):
            return self.section(report, key)
        if self.only == "cost":
            return self.cost_table(report, key)
        return self.section(report, key) + "\n\n" + self.cost_table(report, key)

    def section(self, report: Report, key: str | None = None) -> str:
        net = report.summary
        key = key or net.name
        lines = self.heading_comments(net)
        if self.standalone:
            # Math in a heading stays light beside its bold text unless set bold too.
            bold = r"\boldmath" if net.definition.display is not None else ""
            lines.append(rf"\section*{{{bold}{cell_name(net)}}}")
            if net.description:
                lines.append(escape_text(net.description) + "\n")
        if self.shows("count"):
            lines.append(self.equation(report, key))
        if self.shows("equations", self.equations):  # no blank line: it would start a paragraph
            lines.append(self.model_equations(net, key) if net.is_model else self.cell_equations(net, key))
        gap = [""] if self.only is None else []  # after a display: no part of its paragraph
        if net.is_model and self.shows("components"):  # a model's own table, always
            lines += [*gap, self.components_table(report, key)]
        if self.shows("params", self.params):
            lines += [*gap, self.params_table(report, key)]
        return "\n".join(lines)

    def cell_equations(self, net: Summary, key: str) -> str:
        """The cell's equations, one `align` block (a stack's layers all compute them)."""
        return align(net, self.room, self.label(key, "equations"), self.number_lines)

    def model_equations(self, net: Summary, key: str) -> str:
        """A model's equations: those of each cell or block its layers are, once each
        (`symcount:awd_lstm:equations:torch.lstm`), its components named in a comment
        above; a model without layers says in a comment that it has none."""
        used: dict[str, tuple[Printed, list[str]]] = {}
        for c in net.components:
            if c.printed is not None:
                used.setdefault(c.printed.cell.name, (c.printed, []))[1].append(c.label)
        if not used:
            return comment(f"{net.name}: no equations (no layer is a cell or a block)")
        blocks = []
        for name, (printed, labels) in used.items():
            label = self.label(key, "equations", name)
            block = align_cell(printed.cell, printed.row_products, name, self.room, label, self.number_lines)
            blocks.append(comment(f"{net.name}: {', '.join(labels)}") + "\n" + block)
        return "\n".join(blocks)

    def heading_comments(self, net: Summary) -> list[str]:
        """The `%` lines every block of a cell starts with: what it is, where from, how used."""
        lines = [comment(self.signature(net) + (f": {net.description}" if net.description else ""))]
        lines.append(comment(f"source: {net.source}"))
        if net.note:
            lines.append(f"% network: {net.note}")
        if not net.bias:
            lines.append(comment(f"removed biases: {self.removed(net)}"))
        return lines

    def equation(self, report: Report, key: str | None = None) -> str:
        r"""The `equation` block: the formula; below it what the network is and the value.

        >>> import symcount
        >>> print(LatexWriter().equation(Report(symcount.builtin("rnn").summary, {"m": 3, "n": 2})))
        \begin{equation}
          \begin{gathered}
            P_{\mathrm{rnn}}(m, n) = m n + n^{2} + n, \\
            P_{\mathrm{rnn}}(3, 2) = 12
          \end{gathered}
          \label{symcount:rnn:count}
        \end{equation}
        """
        net = report.summary
        room = self.room - TAG
        layered = self.layered(net)
        lines = self.equation_lines(report, layered)
        rows = [self.formula_block(net, layered, room, comma=bool(lines))]
        rows += [_binary(row) for line in lines for row in tex.wrap(line, room, room)]
        label = INDENT + _label(self.label(key or net.name, "count"))
        if len(rows) == 1:
            return "\n".join([r"\begin{equation}", _indented(rows[0], INDENT), label, r"\end{equation}"])
        # One number for the formula and what goes with it; a line each, so that a
        # long formula and its note do not run into the margin together.
        body = " \\\\\n".join(_indented(row, 2 * INDENT) for row in rows)
        return (
            f"\\begin{{equation}}\n{INDENT}\\begin{{gathered}}\n{body}\n"
            f"{INDENT}\\end{{gathered}}\n{label}\n\\end{{equation}}"
        )

    def equation_lines(self, report: Report, layered: Layered | None) -> list[str]:
        """What follows the formula: the network, frozen and numel counts, the
        definitions of P and the derived sizes, the value."""
        net = report.summary
        lines = []
        if net.note:
            lines.append(rf"\text{{({self.note(net)})}}")
        if net.has_frozen:
            frozen, total = self.chosen(net, net.frozen), self.chosen(net, net.total_count)
            lines.append(rf"\text{{frozen: }} {self.tex(frozen)}, \quad \text{{total: }} {self.tex(total)}")
        if net.has_nonreal:
            lines.append(rf"{NUMEL_TEXT} {self.tex(self.chosen(net, net.numel))}")
        where = [f"{layered.head} = {self.tex(self.chosen(net, layered.count))}"] if layered else []
        if net.used_sizes:
            where.append(self.definitions(net))
        if where:
            lines.append(r"\text{where } " + r", \ ".join(where))
        if report.value is not None:
            lines.append(self.value_line(report))
        return lines

    def formula_block(self, net: Summary, layered: Layered | None, room: float, comma: bool) -> str:
        r"""`P(dims) = count` (a stack's structure between them) on one line, or broken
        before its operators into the rows of an `aligned`; `comma` ends it with one."""
        head = f"{function_name(net)}({', '.join(tex.size_name(d.name) for d in net.dims)})"
        sides = ([layered.terms] if layered else []) + [self.tex(self.chosen(net))]
        sides[-1] += "," if comma else ""
        line = " = ".join([head, *sides])
        if tex.width(line) <= room:
            return line
        rows = _aligned_rows(head, sides, room)
        return "\\begin{aligned}\n" + " \\\\\n".join(INDENT + row for row in rows) + "\n\\end{aligned}"

    def layered(self, net: Summary) -> Layered | None:
        r"""A stack's count in its structure, `P(m) + (L - 1)\,P(n)`: copies of one
        layer's count P as a function of its input's size. None for one cell, and
        for a stack whose layers are not one cell at other input sizes alone (an
        input without a size symbol of its own, a derived size that reads it)."""
        found = _layer_terms(net)
        if found is None:
            return None
        symbol, one, terms = found
        if len(terms) == 1 and terms[0][1] == 1:
            return None  # one layer, one direction: P itself
        parts = []
        for width, copies in terms:
            factor = "" if copies == 1 else self.copies_factor(copies) + r"\,"
            parts.append(f"{factor}P({self.tex(width)})")
        return Layered(" + ".join(parts), f"P({tex.size_name(symbol)})", one)

    def copies_factor(self, copies: sympy.Expr) -> str:
        r"""Copies in front of a call: `2`, `\left(L - 1\right)`, `2 \left(L - 1\right)`."""
        factored = sympy.factor(copies)
        text = self.tex(factored)
        return rf"\left({text}\right)" if isinstance(factored, sympy.Add) else text

    def tex(self, expr: sympy.Expr) -> str:
        """A formula in the LaTeX output: numbers grouped, `1{,}024`."""
        return tex.math(expr, grouped=True)

    def math(self, expr: sympy.Expr) -> str:
        return f"${self.tex(expr)}$"

    def number(self, value: int) -> str:
        return f"${grouped(value)}$"

    def sizes(self, sizes: Mapping[str, int]) -> str:
        """Set sizes as inline math: `$m = 3$, $n = 4{,}096$`."""
        return ", ".join(f"${tex.size_name(k)} = {grouped(v)}$" for k, v in sizes.items())

    def value_line(self, report: Report) -> str:
        """`P(32, 4) = 544`; the frozen and total values and the derived sizes follow."""
        net = report.summary
        at = ", ".join(grouped(report.sizes[str(d)]) for d in net.dims)
        line = f"{function_name(net)}({at}) = {grouped(report.value)}"
        if net.has_nonreal:
            line += rf", \quad \text{{numel: }} {grouped(report.numel_value)}"
        if net.has_frozen:
            line += rf", \quad \text{{frozen: }} {grouped(report.frozen_value)}"
            line += rf", \quad \text{{total: }} {grouped(report.total_value)}"
        if report.size_values:
            values = r", \ ".join(f"{tex.size_name(k)} = {grouped(v)}" for k, v in report.size_values.items())
            line += rf" \quad ({values})"
        return line

    def cost_table(self, report: Report, key: str | None = None) -> str:
        """A `table` of the cost's figures, formula and value, how they are priced in the caption."""
        net, cost = report.summary, report.summary.cost
        caption = f"Cost of {cell_name(net)}"
        if net.note:
            caption += f" ({self.note(net)})"
        caption += f" {self.priced(cost)}"
        if cost.rule:
            caption += f" ({escape_text(cost.rule)})"
        if report.cost_sizes:
            caption += f", where ${self.definitions(net, report.cost_sizes)}$"
        if report.cost_values is not None:
            caption += ", at " + self.cost_set_sizes(report)
        if cost.uncounted:
            caption += f"; not counted by {cost.convention}: {escape_text(', '.join(cost.uncounted))}"
        if report.unset_extents:
            extents = ", ".join(f"${tex.size_name(name)}$" for name in report.unset_extents)
            plural = "s" * (len(report.unset_extents) > 1)
            caption += f"; in the free extent{plural} {extents} (a feature map's size)"
        head = comment(f"{self.signature(net)}: cost, {cost.convention} convention, {cost.dtype}")
        cells, rows, right = self.figure_cells(report)
        label = self.label(key or net.name, "cost")
        return head + "\n" + self.table(cells, rows, right=right, caption=caption + ".", label=label)

    MISSING = "---"

    def solution_layout(
        self, reports: list[Report], title: str, cells: tuple[list[str], list[list[str]], list[bool]]
    ) -> str:
        """The table, its title the caption; each note a `%` comment after it."""
        names = ", ".join(r.summary.name for r in reports)
        table = comment(f"solve: {names}") + "\n" + self.laid_out(cells, title + ".")
        return "\n".join([table] + [comment(f"{net.name}: {note}") for net, note in solution_notes(reports)])

    def solved_cell(self, name: str) -> str:
        return rf"\texttt{{{escape_text(name)}}}"

    def note(self, net: Summary) -> str:
        """'L layers' → '$L$ layers': a size symbol in running text is still math."""
        note = net.note
        if isinstance(net.layers, str) and note.startswith(f"{net.layers} "):
            return f"${tex.size_name(net.layers)}$" + note[len(net.layers) :]
        return note

    # ---- tables ----

    def params_table(self, report: Report, key: str | None = None) -> str:
        """A `table` of the cell's parameters (name, shape, count) and the total."""
        net = report.summary
        head, rows, right = self.param_cells(report)
        name = cell_name(net)
        caption = f"Parameters of {name}" if net.has_frozen else f"Trainable parameters of {name}"
        caption += (" by component" if net.is_model else "") + self.caption_sizes(report)
        if net.has_frozen:
            caption += "; trainable unless marked frozen"
        caption += self.ties(net)
        foot = self.total_row(report, head)
        label = self.label(key or net.name, "params")
        return self.table(head, rows, foot, right, caption + ".", label)

    def caption_sizes(self, report: Report) -> str:
        """What a table's caption says after its subject: the network, the sizes its
        values are at, and the derived sizes (the table floats away from the
        equation: it defines them again)."""
        net = report.summary
        text = f" ({self.note(net)})" if net.note else ""
        if report.value is not None:
            text += " at " + self.sizes(report.sizes)
        if net.used_sizes:
            text += f", where ${self.definitions(net)}$"
            if report.size_values:
                text += f" ({self.sizes(report.size_values)})"
        return text

    def components_table(self, report: Report, key: str | None = None) -> str:
        """A `table` of a model's components (docs/latex.md, "Models"): each one's
        label, what it is, copies and count, its value at the set sizes, and the total."""
        net = report.summary
        head, rows, right = self.component_cells(report)
        caption = f"Components of {cell_name(net)}" + self.caption_sizes(report)
        both = [self.component(c.label) for c in net.components if c.directions == 2]
        if both:
            caption += f"; bidirectional: {', '.join(both)}"
        caption += self.ties(net)
        foot = self.total_row(report, head)
        label = self.label(key or net.name, "components")
        return self.table(head, rows, foot, right, caption + ".", label)

    def component(self, label: str) -> str:
        return rf"\texttt{{{escape_text(label)}}}"

    def ties(self, net: Summary) -> str:
        r"""A caption's note of the tied weights: `; tied, counted once: \texttt{decoder.weight}
        is \texttt{encoder.weight}` (nothing without one)."""
        ties = [rf"\texttt{{{escape_text(w)}}} is \texttt{{{escape_text(t)}}}" for w, t in self.tied(net)]
        return "; tied, counted once: " + ", ".join(ties) if ties else ""

    def what(self, c: ComponentRow) -> str:
        r"""What a component is, in type: `\texttt{torch.gru(2*n, n)}`. A column of a paper
        is narrow: the copies have a column of their own, the directions and the ties
        are in the caption, and the sizes are set tight."""
        text = c.what.removesuffix(f" tied {c.tied}").replace(" * ", "*")
        return rf"\texttt{{{escape_text(text)}}}"

    def comparison(self, reports: list[Report]) -> str | None:
        """One table comparing several cells: formula and value at the set sizes."""
        if not any(r.value is not None for r in reports):
            return None
        rows = []
        for r in reports:
            net = r.summary
            name = cell_name(net)
            if net.note:
                name += f" ({self.note(net)})"
            value = "" if r.value is None else self.number(r.value)
            rows.append([name, self.math(self.chosen(net)), value])
        caption = "Trainable parameters at " + self.sizes(merged_sizes(reports))
        for r in reports:  # each cell's own: two cells may define R differently
            if r.summary.used_sizes:
                caption += f"; in {cell_name(r.summary)}, ${self.definitions(r.summary)}$"
        caption += "."
        names = ", ".join(r.summary.name for r in reports)
        head = [subject(reports), "parameters", "value"]
        table = self.table(head, rows, (), [False, False, True], caption, self.label("comparison"))
        return f"% comparison: {names}\n" + table

    # ---- sweeps: one comparison table with a column per size (docs/latex.md, "Sweeps") ----

    def sweep_tables(self, reports: list[Report]) -> list[str]:
        """The counts at each size; with costs, their figures in a second table."""
        tables = [self.sweep_table(reports, self.sweep_count_cells(reports), "count")]
        if reports[0].summary.cost is not None:
            tables.append(self.sweep_table(reports, self.sweep_cost_cells(reports), "cost"))
        return tables

    def sweep_count_cells(self, reports: list[Report]) -> tuple[list[str], list[list[str]], list[bool]]:
        """A row per cell, a column per combination of the swept sizes."""
        points = sweep.points(reports[0].swept)
        rows = [
            [self.sweep_name(r.summary), *(self.maybe(sweep.count_values(t, ["parameters"])["parameters"]) for t in r.sweep)]
            for r in reports
        ]
        return [subject(reports), *map(self.sizes, points)], rows, [False] + [True] * len(points)

    def sweep_cost_cells(self, reports: list[Report]) -> tuple[list[str], list[list[str]], list[bool]]:
        """A row per cell and figure of the cost, a column per combination of the swept sizes."""
        points, figures = sweep.points(reports[0].swept), sweep_figures(reports)
        rows = []
        for r in reports:
            values = [sweep.cost_values(t) or {} for t in r.sweep]
            for index, figure in enumerate(figures):
                name = self.sweep_name(r.summary) if index == 0 else ""
                rows.append([name, self.figure(figure), *(self.maybe(v.get(figure)) for v in values)])
        return [subject(reports), "figure", *map(self.sizes, points)], rows, [False, False] + [True] * len(points)

    def sweep_table(self, reports: list[Report], cells: tuple[list[str], list[list[str]], list[bool]], what: str) -> str:
        """A sweep's `table`, each cell's derived sizes defined in its caption."""
        caption = self.sweep_caption(reports, what)
        for r in reports:  # each cell's own: two cells may define R differently
            sizes = r.summary.used_sizes if what == "count" else r.cost_sizes
            if sizes:
                caption += f"; in {cell_name(r.summary)}, ${self.definitions(r.summary, sizes)}$"
        names = ", ".join(r.summary.name for r in reports) + (" (cost)" if what == "cost" else "")
        head, rows, right = cells
        label = self.label("comparison", *(["cost"] if what == "cost" else []))
        table = self.table(head, rows, (), right, f"{caption[0].upper()}{caption[1:]}.", label)
        return f"% comparison: {names}\n" + table

    def sweep_name(self, net: Summary) -> str:
        return cell_name(net) + (f" ({self.note(net)})" if net.note else "")

    def table(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        foot: Sequence[Sequence[str]] = (),
        right: Sequence[bool] = (),
        caption: str = "",
        label: str = "",
    ) -> str:
        r"""A `table` float: the caption above, `booktabs` rules, aligned columns; a
        formula too wide for the column broken in its cell, and a table that does
        not fit so set smaller (`\small`, `\footnotesize`) or at last scaled to it."""
        self.packages.add("booktabs")
        right = right or [False] * len(head)
        breakable = [h in BREAKABLE for h in head]
        fit = _fitted([head, *rows], foot, breakable, self.room)
        if fit.limits is not None:
            rows = [[_broken_cell(c, w) for c, w in zip(row, fit.limits, strict=True)] for row in rows]
        everything = [head, *rows, *(foot if fit.span is None else ())]
        widths = [max(len(row[i]) for row in everything) for i in range(len(head))]

        def line(row: Sequence[str]) -> str:
            # Padded as the columns are set, so the source reads like the table.
            cells = [
                text.rjust(width) if numeric else text.ljust(width)
                for text, width, numeric in zip(row, widths, right, strict=True)
            ]
            return 2 * INDENT + " & ".join(cells).rstrip() + r" \\"

        def spanned(row: Sequence[str]) -> str:
            first, last = _span(row, breakable)
            cell = rf"\multicolumn{{{last - first + 1}}}{{l}}{{{_broken_cell(row[last], fit.span)}}}"
            cells = [*row[:first], cell, *row[last + 1 :]]
            return 2 * INDENT + " & ".join(cells) + r" \\"

        columns = "@{}" + "".join("r" if numeric else "l" for numeric in right) + "@{}"
        tabular = [
            INDENT + rf"\begin{{tabular}}{{{columns}}}",
            2 * INDENT + r"\toprule",
            line(head),
            2 * INDENT + r"\midrule",
            *map(line, rows),
        ]
        if foot:
            tabular += [2 * INDENT + r"\midrule", *map(line if fit.span is None else spanned, foot)]
        tabular += [2 * INDENT + r"\bottomrule", INDENT + r"\end{tabular}"]
        size = fit.size or SIZES[0]
        if fit.size is None:  # nothing smaller fits: scaled to the column, the last resort
            self.packages.add("graphicx")
            tabular = [INDENT + r"\resizebox{\linewidth}{!}{%", *tabular, INDENT + "}"]
        out = [r"\begin{table}[htbp]", INDENT + r"\centering"]
        if size.command:
            out.append(INDENT + size.command)
        if size.colsep != TABCOLSEP:
            out.append(INDENT + rf"\setlength{{\tabcolsep}}{{{size.colsep:g}pt}}")
        # Captions go above tables; LaTeX's own skips suit one below (space above
        # it, none under it), which would set the caption on the top rule.
        out += [
            INDENT + r"\setlength{\abovecaptionskip}{0pt}\setlength{\belowcaptionskip}{6pt}",
            INDENT + rf"\caption{{{caption}}}",
        ]
        if label:
            out.append(INDENT + _label(label))
        return "\n".join([*out, *tabular, r"\end{table}"])

    def param_names(self, net: Summary) -> Callable[[StackParam], str]:
        # Names print as in the equations: the same subscript rule, the same overrides;
        # a model's embeddings, linear maps and norms have PyTorch's names, in type.
        printer_of = self.printers(net)

        def name(p: StackParam) -> str:
            printer = printer_of(p)
            return rf"\texttt{{{escape_text(p.name)}}}" if printer is None else f"${printer.symbol(p.name)}$"

        return name

    def param_label(self, p: StackParam, name: str) -> str:
        # The table has no kind column: a frozen parameter says so beside its name.
        return f"{name} (frozen)" if p.frozen else name

    def shape(self, p: StackParam) -> str:
        # ... and a complex or quaternion one beside its shape (2 or 4 reals an entry).
        return super().shape(p) + (f" ({p.field})" if p.field != "real" else "")


def grouped(value: int) -> str:
    """A number in math as papers write it: `1{,}001{,}440`."""
    return thousands(value, math=True)


def _nothing(only: str | None) -> str:
    if only == "table":
        return "no comparison table: it needs several cells, and --set for every size of one of them"
    if only == "cost":
        return "no cost table without --cost"
    if only == "components":
        return "no table of components: only a model has components, and no source is one"
    return "there is nothing to print"


def _unique(names: Iterator[str]) -> list[str]:
    """Each name, the second of a name as `name-2`: every label a document holds differs."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return out


def _label_safe(text: str) -> str:
    """A cell's name or a gate's in a label: characters a label may not hold become `-`."""
    return re.sub(r"[^A-Za-z0-9:._/+-]", "-", text)


def _binary(row: str) -> str:
    """A row that goes on from the one above: `{} + b`, so that its `+` is set as
    an operator between terms, not as a sign."""
    return "{}" + row if row.startswith(("+ ", "- ", "= ", "\\odot ")) else row


def _label(name: str) -> str:
    return rf"\label{{{name}}}"


def _indented(text: str, indent: str) -> str:
    return "\n".join(indent + line for line in text.splitlines())


def _layer_terms(net: Summary) -> tuple[str, sympy.Expr, list[tuple[sympy.Expr, sympy.Expr]]] | None:
    """A stack's layers as (input width, copies) of one count P: the input's size
    symbol, P (layer 1's count of one copy) and the terms; None where some layer is
    not P at its width (each checked, so that the structure is never wrong)."""
    layers = net.counts.layers
    if not net.stacked or layers.symbol is None or layers.summed is not None:
        return None
    counted = {label: count for label, _, count in net.counts.layer_groups}
    symbol = next(s for s in net.dims if s.name == layers.symbol)
    terms: dict[sympy.Expr, sympy.Expr] = {}
    one = None
    for group in layers.groups:
        width, copies = to_sympy(group.typed.input_sizes[layers.input]), to_sympy(group.copies)
        count = counted.get(group.label, sympy.Integer(0))
        one = sympy.expand(count / copies) if one is None else one
        if sympy.expand(copies * one.subs(symbol, width) - count) != 0:
            return None
        terms[width] = sympy.expand(terms.get(width, 0) + copies)
    return layers.symbol, one, list(terms.items())


def _aligned_rows(head: str, sides: list[str], room: float) -> list[str]:
    r"""The rows of `head = side = side` broken to fit `room`: aligned at `=` under
    a short head, else flush left with the rest a quad in."""
    lead = tex.width(head + " =")
    if lead <= 0.4 * room:
        rows = []
        for index, side in enumerate(sides):
            lines = tex.wrap(side, room - lead, room - lead - INDENTED)
            rows.append((head + " " if index == 0 else "") + "&= " + lines[0])
            rows += [r"&\quad " + line for line in lines[1:]]
        return rows
    rows = []
    for index, side in enumerate(sides):
        first = room - (lead if index == 0 else tex.width("=") + 2 * INDENTED)
        lines = tex.wrap(side, first, room - 2 * INDENTED)
        rows.append(("&" + head + " = " if index == 0 else r"&\qquad = ") + lines[0])
        rows += [r"&\qquad " + line for line in lines[1:]]
    return rows


class Fit(NamedTuple):
    """How a table fits its column (`_fitted`)."""

    size: Size | None  # None: only scaling fits (its formulas then broken as far as they break)
    limits: list[float] | None  # the widest line of each column's cells; None: none broken
    # The widest line of a total's formula, spread over the empty cells before it
    # (`\\multicolumn`); None: the total in its own column.
    span: float | None = None


def _fitted(
    rows: list[Sequence[str]], foot: Sequence[Sequence[str]], breakable: list[bool], room: float
) -> Fit:
    """How a table of `rows` (its head first) and `foot` (its totals) fits `room` points.

    As it is, if it can; else its formulas break in their cells (the `breakable`
    columns), each into `MOST_LINES` at most, and a total's formula spreads over
    the empty cells before it; else the table is set a size smaller, and at the
    smallest size its formulas break as far as they must.
    """
    if _natural_width([*rows, *foot]) + 2 * TABCOLSEP * (len(breakable) - 1) <= room:
        return Fit(SIZES[0], None)
    spans = [_span(row, breakable) for row in foot]
    # A total's formula, once it spans, no longer widens its own column.
    body = [*rows, *([""] * len(breakable) if span else row for row, span in zip(foot, spans, strict=True))]
    columns = list(zip(*body, strict=True))
    natural = [max(tex.text_width(c) for c in column) for column in columns]
    least = [
        max(_narrowest(c) for c in column) if wraps else wide
        for column, wraps, wide in zip(columns, breakable, natural, strict=True)
    ]
    for index, size in enumerate(SIZES):
        scale = size.scale
        space = (room - 2 * size.colsep * (len(columns) - 1)) / scale
        if sum(least) > space:
            continue
        limits = None if sum(natural) <= space else _shared(natural, least, space)
        widths = limits or natural
        lines = [len(_lines(c, w)) for column, w in zip(columns, widths, strict=True) for c in column]
        span = None
        for row, where in zip(foot, spans, strict=True):
            if where is not None:
                first, last = where
                span = sum(widths[first : last + 1]) + (2 * size.colsep * (last - first)) / scale
                span += space - sum(widths)  # what the columns leave, the last spanned one takes
                lines.append(len(_lines(row[last], span)) if _narrowest(row[last]) <= span else math.inf)
        if max(lines) <= MOST_LINES or (index == len(SIZES) - 1 and max(lines) < math.inf):
            return Fit(size, limits, span)
    # Nothing fits: the formulas broken as far as they break, a total over the empty
    # cells before it, and that scaled to the column (far less than the table unbroken).
    spread = [sum(least[first : last + 1]) + 2 * TABCOLSEP * (last - first) for first, last in filter(None, spans)]
    return Fit(None, least, max(spread, default=None))


def _natural_width(rows: list[Sequence[str]]) -> float:
    return sum(max(tex.text_width(c) for c in column) for column in zip(*rows, strict=True))


def _span(row: Sequence[str], breakable: list[bool]) -> tuple[int, int] | None:
    """The cells a total's formula may spread over: the empty ones before it, and its own."""
    formulas = [i for i, wraps in enumerate(breakable) if wraps and row[i]]
    if not formulas:
        return None
    last = formulas[0]
    first = last
    while first > 1 and not row[first - 1]:
        first -= 1
    return (first, last) if first < last else None


def _shared(natural: list[float], least: list[float], space: float) -> list[float]:
    """Column widths in `space`: each its narrowest, the rest shared in proportion
    to how much wider each would be unbroken."""
    spare, wanted = space - sum(least), sum(n - m for n, m in zip(natural, least, strict=True))
    return [m + (n - m) * min(1.0, spare / wanted) for n, m in zip(natural, least, strict=True)]


def _narrowest(cell: str) -> float:
    """The narrowest a cell can be: its widest piece, when it is a formula alone."""
    formula = _formula(cell)
    if formula is None:
        return tex.text_width(cell)
    pieces = tex.pieces(formula)
    # A later piece goes on an indented line; a formula of one piece never breaks.
    return max(tex.width(p.text, display=False) for p in pieces) + (INDENTED if len(pieces) > 1 else 0)


def _formula(cell: str) -> str | None:
    """The math of a cell that is one `$...$` and nothing else."""
    if cell.startswith("$") and cell.endswith("$") and cell.count("$") == 2:
        return cell[1:-1]
    return None


def _broken_cell(cell: str, limit: float) -> str:
    r"""A cell's formula broken into lines of at most `limit` points, as a nested
    `tabular` that keeps the row's baseline (`[t]`); any other cell as it is."""
    lines = _lines(cell, limit)
    if len(lines) == 1:
        return cell
    shown = [f"${lines[0]}$"] + [rf"$\quad {{}}{line}$" for line in lines[1:]]
    return r"\begin{tabular}[t]{@{}l@{}}" + r" \\ ".join(shown) + r"\end{tabular}"


def _lines(cell: str, limit: float) -> list[str]:
    """The lines of a cell's formula at most `limit` points wide; any other cell, one."""
    formula = _formula(cell)
    if formula is None or tex.text_width(cell) <= limit:
        return [cell]
    return tex.wrap(formula, limit, limit - INDENTED, display=False)


def comment(text: str) -> str:
    """A `%` comment line; a line break in the text (a description may hold
    `\\n`) would end the comment and turn the rest into LaTeX."""
    return "% " + " ".join(text.splitlines())


# ---- the formula ----


def formula(net: Summary, form: str = "expanded") -> str:
    r"""`P_{\mathrm{NAME}}(dims) = count`, in the `expanded` or `factored` form.

    >>> import symcount
    >>> formula(symcount.builtin("lstm").summary, "factored")
    'P_{\\mathrm{lstm}}(m, n) = 4 n \\left(m + n + 1\\right)'
    """
    count = net.factored if form == "factored" else net.count
    dims = ", ".join(tex.size_name(d.name) for d in net.dims)
    return f"{function_name(net)}({dims}) = {tex.math(count, grouped=True)}"


def function_name(net: Summary) -> str:
    r"""`P_{\mathrm{lstm}}`; with a display name, `P_{\mathrm{mLSTM}}` (docs/latex.md, "Display names")."""
    return f"P_{{{tex.cell_math(net.definition)}}}"


def cell_name(net: Summary) -> str:
    r"""The cell in running text and tables: its display name in math, else its identifier as code."""
    if net.definition.display is not None:
        return f"${net.definition.display}$"
    return rf"\texttt{{{escape_text(net.name)}}}"


# ---- the cell's equations ----

NOTATION = (
    (r"\odot", r"$\odot$ is the elementwise product"),
    (r"\frac", "a fraction is an elementwise division"),
    (r"\sigma(", r"$\sigma$ is the logistic sigmoid"),
    ("[", "$[a; b]$ stacks vectors"),
    ("{:}", "$v[a{:}b]$ is entries a to b-1 of v's last axis"),
    (r"^\top", r"$a b^\top$ is an outer product, $a^\top b$ a dot product, $\mathbf{1}^\top v$ a sum"),
    (r"\operatorname{heads}", r"$\operatorname{heads}_H(v)$ splits v into H heads"),
    (r"\operatorname{vec}", r"$\operatorname{vec}$ joins the last two axes into one"),
    (r"\operatorname{conv}", r"$\operatorname{conv}(w, v)$ convolves v with the kernel w"),
    (r"\mathrm{LN}", "LN is layer normalisation"),
    (r"\mathrm{RMSNorm}", "RMSNorm is root-mean-square normalisation"),
    (r"\mathrm{BN}", "BN is batch normalisation"),
    (r"\mathrm{GN}", "$\\mathrm{GN}_G$ is group normalisation over G groups"),
)


# `[a{:}b]`, as `LatexPrinter` writes a slice (`SLICE`; sizes hold no brackets).
SLICE = re.compile(r"\[[^\[\]]*\{:\}[^\[\]]*\]")


def align(net: Summary, room: float = math.inf, label: str = "", number_lines: bool = True) -> str:
    r"""The cell's equations as an `align` block, in the notation of papers.

    A line wider than `room` points breaks before an operator, the rest a quad
    in. As LaTeX numbers an `align`, every line has a number; without
    `number_lines`, only the last (the others `\notag`), which takes the `label`;
    with it, each equation's `label:target`.

    >>> import symcount
    >>> print(align(symcount.builtin("rnn").summary))
    % rnn: equations (x_t input, h_{t-1} previous and h_t new state)
    \begin{align}
      h_t &= \tanh(W x_t + U h_{t-1} + b)
    \end{align}
    """
    # A stack's layers all compute the cell.
    return align_cell(net.cell, net.row_products, net.name, room, label, number_lines)


def align_cell(
    cell: ir.CellDef,
    row_products: NodeSet,
    name: str,
    room: float = math.inf,
    label: str = "",
    number_lines: bool = True,
) -> str:
    """The equations of `cell` (its `a @ B` that read aᵀB: `row_products`) as `align`
    sets them, under a comment naming it `name` (a cell, or a model's layer's cell)."""
    printer = LatexPrinter(cell, row_products)
    named = [(f.name, printer.function_def(f)) for f in cell.functions]  # the cell's own first
    named += [(eq.target, printer.equation(eq)) for eq in cell.equations]
    roles = _roles_comment(printer)
    text = "\n".join(line for _, line in named)
    unsliced = SLICE.sub("", text)  # a slice's brackets are not a concatenation's
    notation = [note for token, note in NOTATION if token in (unsliced if token == "[" else text)]
    head = f"% {name}: equations ({roles})"
    if notation:
        head += "\n% " + "; ".join(notation).replace("$", "")
    equations = _broken_lines([line for _, line in named], room - TAG)
    rows = []
    for index, ((target, _), lines) in enumerate(zip(named, equations, strict=True)):
        last = index == len(named) - 1
        for row, line in enumerate(lines):
            numbered = row == len(lines) - 1 and (number_lines or last)
            if numbered and label:
                line += " " + _label(label + (f":{_label_safe(target)}" if number_lines else ""))
            elif not numbered:
                line += r" \notag"
            rows.append(line)
    body = " \\\\\n".join(INDENT + row for row in rows)
    return f"{head}\n\\begin{{align}}\n{body}\n\\end{{align}}"


def _broken_lines(lines: list[str], room: float) -> list[list[str]]:
    r"""Each `target &= formula` as the rows it takes in `room` points: one, or the
    formula broken before an operator, the rest on rows `&\quad ...`."""
    split = [line.split(" &= ", 1) for line in lines]
    lead = max(tex.width(target) for target, _ in split) + tex.width("=")
    out = []
    for target, formula in split:
        broken = tex.wrap(formula, room - lead, room - lead - INDENTED)
        out.append([f"{target} &= {broken[0]}", *(rf"&\quad {line}" for line in broken[1:])])
    return out


def _roles_comment(printer: LatexPrinter) -> str:
    """'x_t input, h_{t-1} previous and h_t new state' for a reader of the .tex."""
    parts = []
    symbol = printer.symbol
    for name, role in printer.roles.items():
        if role == "input":
            parts.append(f"{symbol(name, 't')} input")
        elif role == "state":
            parts.append(f"{symbol(name, 't-1')} previous and {symbol(name, 't')} new state")
    return ", ".join(parts)


# ---- the standalone document and the notebook ----

PREAMBLE = r"""% Generated by symcount; compiles with plain pdflatex.
\documentclass{article}
"""
# The packages a document may use, in the order it loads them.
PACKAGES = ("amsmath", "booktabs", "graphicx")


def document(body: str, packages: set[str] = frozenset()) -> str:
    """A whole article around `body`, loading amsmath and the `packages` it uses."""
    used = [name for name in PACKAGES if name == "amsmath" or name in packages]
    loads = "".join(rf"\usepackage{{{name}}}" + "\n" for name in used)
    # A narrow column leaves a description few places to break a line: let
    # TeX stretch the spaces a little rather than run into the margin.
    setup = r"\setlength{\emergencystretch}{2em}" + "\n"
    return PREAMBLE + loads + setup + "\\begin{document}\n\n" + body + "\n\\end{document}\n"


def notebook(net: Summary) -> str:
    r"""The formula for a Jupyter notebook (`_repr_latex_`): expanded, then factored.

    >>> import symcount
    >>> notebook(symcount.builtin("lstm").summary)
    '$$P_{\\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n = 4 n \\left(m + n + 1\\right)$$'
    """
    text = formula(net)
    if net.factored != net.count:
        text += " = " + tex.math(net.factored)
    if net.note:
        text += rf" \quad \text{{({LatexWriter().note(net)})}}"
    if net.has_frozen:
        text += rf" \quad \text{{frozen: }} {tex.math(net.frozen)}, \ \text{{total: }} {tex.math(net.total_count)}"
    if net.has_nonreal:
        text += rf" \quad {NUMEL_TEXT} {tex.math(net.numel)}"
    if net.used_sizes:
        text += rf" \quad \text{{where }} {tex.definitions(net.used_sizes)}"
    return f"$${text}$$"
