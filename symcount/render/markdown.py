"""GitHub-flavoured Markdown: a section per cell; a comparison table first for several.

Formulas go in `$...$`, which GitHub (and Jupyter, and most Markdown viewers
with MathJax or KaTeX) renders as math. Inside math there is never a `|`
(it would end a table cell) and never a space just inside the dollars (GitHub
would not see math then); names and text outside math are escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..counting.counts import StackParam
from ..counting.summary import ComponentRow, Summary
from . import Report, tex
from .base import MathWriter, merged_sizes, solution_notes, statement, subject
from .settings import Settings


def render(reports: list[Report], **settings: object) -> str:
    return MarkdownWriter(**settings).render(reports)


class MarkdownWriter(MathWriter):
    PARAM_COLUMNS = ("parameter", "kind", "layers", "copies", "shape", "count", "gate")
    MODEL_PARAM_COLUMNS = ("component", "parameter", "kind", "copies", "shape", "count")
    SETTINGS = Settings("markdown")  # none: one layout, the expanded count beside the factored
    NUMEL = "`numel()`"

    def comparison(self, reports: list[Report]) -> str | None:
        """A row per cell: its formula, factored, and its value when every size is set;
        none for costs (a section each)."""
        if any(r.summary.cost is not None for r in reports):
            return None
        with_values = any(r.value is not None for r in reports)
        head = [subject(reports), "parameters", "factored"] + (["value"] if with_values else [])
        rows = []
        for r in reports:
            net = r.summary
            name = self.cell_name(net) + (f" ({self.note(net)})" if net.note else "")
            row = [name, self.math(net.count), self.math(net.factored)]
            if with_values:
                row.append("" if r.value is None else self.number(r.value))
            rows.append(row)
        table = self.table(head, rows, right=[h == "value" for h in head])
        if with_values:
            table += f"\n\nValues at {self.sizes(merged_sizes(reports))}."
        for r in reports:  # each cell's own derived sizes: two cells may define R differently
            if r.summary.used_sizes:
                table += f"\n\nIn `{self.signature(r.summary)}`: {self.where(r)}."
        return table

    def captioned(self, cells: tuple[list[str], list[list[str]], list[bool]], caption: str) -> str:
        """A sweep's table, then what it holds as a sentence (Markdown tables have no caption)."""
        return self.laid_out(cells) + f"\n\n{caption[0].upper()}{caption[1:]}."

    def sweep_name(self, net: Summary) -> str:
        return self.cell_name(net) + (f" ({self.note(net)})" if net.note else "")

    def size_label(self, name: str) -> str:
        return f"${tex.size_name(name)}$"

    def heading(self, net: Summary) -> list[str]:
        lines = [f"### {self.cell_name(net)}", ""]
        if net.description:
            lines += [escape(net.description), ""]
        if net.note:
            lines += [f"Network: {self.note(net)}.", ""]
        if not net.bias:
            lines += [f"Removed biases: {self.removed(net)}.", ""]
        return lines

    def cell_name(self, net: Summary) -> str:
        r"""`` `lstm(m, n)` ``; with a display name, that first: `` $\mathrm{mLSTM}$ (`mlstm(m, n)`) ``."""
        code = f"`{self.signature(net)}`"
        display = net.definition.display
        return code if display is None else f"${_table_math(display)}$ ({code})"

    def section(self, report: Report) -> str:
        net = report.summary
        lines = self.heading(net)
        formula = tex.math(net.count)
        if net.factored != net.count:
            formula += " = " + tex.math(net.factored)
        summary = f"**Parameters:** ${formula}$" + (" trainable" if net.has_frozen else "")
        if net.used_sizes:
            summary += f", where ${self.definitions(net)}$"
        if report.value is not None:
            summary += f" — **{self.number(report.value)}** at {self.sizes(report.sizes)}"
            if report.size_values:
                summary += f" ({self.sizes(report.size_values)})"
        lines += [summary, ""]
        if net.has_frozen:
            lines += [self.frozen(report), ""]
        if net.has_nonreal:
            lines += [self.numel(report), ""]
        if net.is_model:  # its components, then their parameters
            lines += [self.components_table(report), ""]
            lines += [f"Tied: `{weight}` is `{table}`, counted once.\n" for weight, table in self.tied(net)]
        lines.append(self.params_table(report))
        return "\n".join(lines)

    def cost_section(self, report: Report) -> str:
        """The cost: how it is priced and at which sizes, then a table of the figures
        and one per component (a model's), per gate and per kind of operation."""
        net, cost = report.summary, report.summary.cost
        text = f"**Cost** {self.priced(cost)}"
        if report.cost_sizes:
            text += f", where ${self.definitions(net, report.cost_sizes)}$"
        if report.cost_values is not None:
            text += f", at {self.cost_set_sizes(report)}"
        lines = [*self.heading(net), text + ".", ""]
        if cost.rule:
            lines += [f"Rule: {escape(cost.rule)}.", ""]
        lines += [escape(note[0].upper() + note[1:]) + ".\n" for note in self.cost_notes(report)]
        lines.append(self.laid_out(self.figure_cells(report)))
        for label, rows in cost.breakdowns:  # a tool's rule for a whole module has no per-gate figures
            lines += ["", self.laid_out(self.breakdown_cells(report, label, rows))]
        return "\n".join(lines)

    def gate_name(self, name: str) -> str:
        return f"`{name}`"

    MISSING = "—"

    def solution_layout(
        self, reports: list[Report], title: str, cells: tuple[list[str], list[list[str]], list[bool]]
    ) -> str:
        """The title as a paragraph, the table, a paragraph per note."""
        parts = [title + ".", self.laid_out(cells)]
        return "\n\n".join(parts + [f"{self.solved_name(net)}: {escape(note)}." for net, note in solution_notes(reports)])

    def solved_cell(self, name: str) -> str:
        return f"`{name}`"

    def frozen(self, report: Report) -> str:
        """'**Frozen:** $m n$ (not trainable); **total:** $2 m n + 2 n^{2}$' (and their values)."""
        net = report.summary
        text = f"**Frozen:** {self.math(net.frozen)} (not trainable)"
        if report.value is not None:
            text += f" — **{self.number(report.frozen_value)}**"
        text += f"; **total:** {self.math(net.total_count)}"
        if report.value is not None:
            text += f" — **{self.number(report.total_value)}**"
        return text

    def numel(self, report: Report) -> str:
        """'**`numel()`:** $m n$ — **6** (a complex entry once)': the trainable count
        as a framework's `numel()` gives it."""
        text = f"**`numel()`:** {self.math(report.summary.numel)}"
        if report.value is not None:
            text += f" — **{self.number(report.numel_value)}**"
        return text + " (a complex entry once)"

    def where(self, report: Report) -> str:
        r"""'$R = \left\lceil D/16 \right\rceil$' (and its value at the set sizes)."""
        text = f"${self.definitions(report.summary)}$"
        if report.size_values:
            text += f" ({self.sizes(report.size_values)})"
        return text

    def table(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        foot: Sequence[Sequence[str]] = (),
        right: Sequence[bool] = (),
        caption: str = "",
    ) -> str:
        """A pipe table; numbers right-aligned (`---:`). Markdown tables have no caption."""
        rules = ["---:" if r else "---" for r in (right or [False] * len(head))]
        return "\n".join(_row(row) for row in (head, rules, *rows, *foot))

    def removed(self, net: Summary) -> str:
        if not net.removed_biases:
            return super().removed(net)
        return ", ".join(f"`{name}`" for name in net.removed_biases)

    def strong(self, text: str) -> str:
        return f"**{text}**"

    def gate(self, p: StackParam) -> str:
        return f"`{p.gate}`"

    def param_names(self, net: Summary) -> Callable[[StackParam], str]:
        """A parameter as the cell names it; with a `latex` override, also as it prints.

        Markdown has no equations, so other names stay as written: the override
        is the one rendering the user asked for by name.
        """
        printer_of = self.printers(net)

        def name(p: StackParam) -> str:
            printer = printer_of(p)
            if printer is None or p.name not in printer.overrides:
                return f"`{p.name}`"
            return f"`{p.name}` (${_table_math(printer.symbol(p.name))}$)"

        return name

    def component(self, label: str) -> str:
        return f"`{label}`"

    def what(self, c: ComponentRow) -> str:
        return f"`{statement(c)}`"


def _table_math(text: str) -> str:
    # A `|` would end the table cell, a space inside the dollars the math.
    return text.replace("\\|", "\\Vert ").replace("|", "\\vert ").strip()


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


_SPECIAL = set("\\`*_[]<>|$#")


def escape(text: str) -> str:
    """Text with Markdown's special characters escaped (`$` would start math).

    >>> escape("keras.gru: 2*n biases | $5")
    'keras.gru: 2\\\\*n biases \\\\| \\\\$5'
    """
    text = " ".join(text.splitlines())  # a description may hold `\n`
    return "".join("\\" + c if c in _SPECIAL else c for c in text)
