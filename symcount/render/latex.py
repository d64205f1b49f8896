r"""LaTeX for papers: `symcount latex` and `symcount count --format latex`.

For each cell: its count as an `equation`,
`P_{\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n`; with `equations` the cell's
own equations as an `align` block in paper notation (`equations.LatexPrinter`);
with `params` a table of its parameters; with a cost (`latex --cost`, `cost
--format latex`) a table of its figures. Several cells with values give one
comparison table first. `standalone` wraps everything in an article that plain
`pdflatex` compiles (only the `article` class and `amsmath`).

The output is meant to be pasted into a paper and read in an editor: every
block starts with a `%` comment naming the cell, table columns are aligned,
and nothing depends on the time or the machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..counting.counts import StackParam
from ..counting.summary import Summary
from . import Report, sweep, tex
from .base import MathWriter, merged_sizes, sweep_figures
from .equations import LatexPrinter
from .settings import LATEX
from .tex import escape_text, thousands

INDENT = "  "
# Before `numel` in the formulas: the trainable count with a complex entry once.
NUMEL_TEXT = r"\text{numel (a complex entry once): }"


def render(reports: list[Report], **settings: object) -> str:
    """The LaTeX for `reports`; the settings (`LATEX` in render/settings.py) are `symcount latex`'s flags."""
    return LatexWriter(**settings).render(reports)


class LatexWriter(MathWriter):
    PARAM_COLUMNS = ("parameter", "layers", "copies", "shape", "count")
    DASH = "--"
    DOTS = r"\ldots"
    NUMEL = r"\texttt{numel()}"
    SETTINGS = LATEX  # form, equations, params, standalone

    def render(self, reports: list[Report]) -> str:
        body = super().render(reports)
        return document(body) if self.standalone else body

    def section(self, report: Report) -> str:
        net = report.summary
        lines = [comment(self.signature(net) + (f": {net.description}" if net.description else ""))]
        lines.append(comment(f"source: {net.source}"))
        if net.note:
            lines.append(f"% network: {net.note}")
        if not net.bias:
            lines.append(comment(f"removed biases: {self.removed(net)}"))
        if self.standalone:
            # Math in a heading stays light beside its bold text unless set bold too.
            bold = r"\boldmath" if net.cell.display is not None else ""
            lines.append(rf"\section*{{{bold}{cell_name(net)}}}")
            if net.description:
                lines.append(escape_text(net.description) + "\n")
        lines.append(self.equation(report))
        if self.equations:  # no blank line: it would start a paragraph between the displays
            lines.append(align(net))
        if self.params:
            lines += ["", self.params_table(report)]
        return "\n".join(lines)

    def equation(self, report: Report) -> str:
        r"""The `equation` block: the formula; below it what the network is and the value.

        >>> import symcount
        >>> print(LatexWriter().equation(Report(symcount.builtin("rnn").summary, {"m": 3, "n": 2})))
        \begin{equation}
          \begin{gathered}
            P_{\mathrm{rnn}}(m, n) = m n + n^{2} + n, \\
            P_{\mathrm{rnn}}(3, 2) = 12
          \end{gathered}
        \end{equation}
        """
        net = report.summary
        lines = [formula(net, self.form)]
        if net.note:
            lines.append(rf"\text{{({self.note(net)})}}")
        if net.has_frozen:
            frozen, total = self.chosen(net, net.frozen), self.chosen(net, net.total_count)
            lines.append(rf"\text{{frozen: }} {tex.math(frozen)}, \quad \text{{total: }} {tex.math(total)}")
        if net.has_nonreal:
            lines.append(rf"{NUMEL_TEXT} {tex.math(self.chosen(net, net.numel))}")
        if net.used_sizes:
            lines.append(rf"\text{{where }} {self.definitions(net)}")
        if report.value is not None:
            lines.append(self.value_line(report))
        if len(lines) == 1:
            return "\\begin{equation}\n" + INDENT + lines[0] + "\n\\end{equation}"
        # One number for the formula and what goes with it; a line each, so that a
        # long formula and its note do not run into the margin together.
        lines[0] += ","
        body = " \\\\\n".join(2 * INDENT + line for line in lines)
        return (
            f"\\begin{{equation}}\n{INDENT}\\begin{{gathered}}\n{body}\n"
            f"{INDENT}\\end{{gathered}}\n\\end{{equation}}"
        )

    def value_line(self, report: Report) -> str:
        """`P(32, 4) = 544`; the frozen and total values and the derived sizes follow."""
        net = report.summary
        at = ", ".join(str(report.sizes[str(d)]) for d in net.dims)
        line = f"{function_name(net)}({at}) = {thousands(report.value, math=True)}"
        if net.has_nonreal:
            line += rf", \quad \text{{numel: }} {thousands(report.numel_value, math=True)}"
        if net.has_frozen:
            line += rf", \quad \text{{frozen: }} {thousands(report.frozen_value, math=True)}"
            line += rf", \quad \text{{total: }} {thousands(report.total_value, math=True)}"
        if report.size_values:
            values = r", \ ".join(f"{tex.size_name(k)} = {v}" for k, v in report.size_values.items())
            line += rf" \quad ({values})"
        return line

    def cost_section(self, report: Report) -> str:
        """The cell's LaTeX as the settings ask for it, then a table of its cost."""
        return self.section(report) + "\n\n" + self.cost_table(report)

    def cost_table(self, report: Report) -> str:
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
        return head + "\n" + self.laid_out(self.figure_cells(report), caption + ".")

    def note(self, net: Summary) -> str:
        """'L layers' → '$L$ layers': a size symbol in running text is still math."""
        note = net.note
        if isinstance(net.layers, str) and note.startswith(f"{net.layers} "):
            return f"${tex.size_name(net.layers)}$" + note[len(net.layers) :]
        return note

    # ---- tables ----

    def params_table(self, report: Report) -> str:
        """A `table` of the cell's parameters (name, shape, count) and the total."""
        net = report.summary
        head, rows, right = self.param_cells(report)
        name = cell_name(net)
        caption = f"Parameters of {name}" if net.has_frozen else f"Trainable parameters of {name}"
        if net.note:
            caption += f" ({self.note(net)})"
        if report.value is not None:
            caption += " at " + self.sizes(report.sizes)
        if net.used_sizes:  # the table floats away from the equation: it defines them again
            caption += f", where ${self.definitions(net)}$"
            if report.size_values:
                caption += f" ({self.sizes(report.size_values)})"
        if net.has_frozen:
            caption += "; trainable unless marked frozen"
        return self.table(head, rows, self.total_row(report, head), right, caption + ".")

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
        head = ["cell", "parameters", "value"]
        return f"% comparison: {names}\n" + self.table(head, rows, (), [False, False, True], caption)

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
        return ["cell", *map(self.sizes, points)], rows, [False] + [True] * len(points)

    def sweep_cost_cells(self, reports: list[Report]) -> tuple[list[str], list[list[str]], list[bool]]:
        """A row per cell and figure of the cost, a column per combination of the swept sizes."""
        points, figures = sweep.points(reports[0].swept), sweep_figures(reports)
        rows = []
        for r in reports:
            values = [sweep.cost_values(t) or {} for t in r.sweep]
            for index, figure in enumerate(figures):
                name = self.sweep_name(r.summary) if index == 0 else ""
                rows.append([name, self.figure(figure), *(self.maybe(v.get(figure)) for v in values)])
        return ["cell", "figure", *map(self.sizes, points)], rows, [False, False] + [True] * len(points)

    def sweep_table(self, reports: list[Report], cells: tuple[list[str], list[list[str]], list[bool]], what: str) -> str:
        """A sweep's `table`, each cell's derived sizes defined in its caption."""
        caption = self.sweep_caption(reports, what)
        for r in reports:  # each cell's own: two cells may define R differently
            sizes = r.summary.used_sizes if what == "count" else r.cost_sizes
            if sizes:
                caption += f"; in {cell_name(r.summary)}, ${self.definitions(r.summary, sizes)}$"
        names = ", ".join(r.summary.name for r in reports) + (" (cost)" if what == "cost" else "")
        return f"% comparison: {names}\n" + self.laid_out(cells, f"{caption[0].upper()}{caption[1:]}.")

    def sweep_name(self, net: Summary) -> str:
        return cell_name(net) + (f" ({self.note(net)})" if net.note else "")

    def table(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        foot: Sequence[Sequence[str]] = (),
        right: Sequence[bool] = (),
        caption: str = "",
    ) -> str:
        """A `table` float with `\\hline` rules (plain LaTeX, no booktabs) and aligned columns."""
        everything = [head, *rows, *foot]
        widths = [max(len(row[i]) for row in everything) for i in range(len(head))]
        right = right or [False] * len(head)

        def line(row: Sequence[str]) -> str:
            # Padded as the columns are set, so the source reads like the table.
            cells = [
                text.rjust(width) if numeric else text.ljust(width)
                for text, width, numeric in zip(row, widths, right, strict=True)
            ]
            return 2 * INDENT + " & ".join(cells).rstrip() + r" \\"

        columns = "".join("r" if numeric else "l" for numeric in right)
        out = [
            r"\begin{table}[htbp]",
            INDENT + r"\centering",
            INDENT + rf"\caption{{{caption}}}",
            INDENT + rf"\begin{{tabular}}{{{columns}}}",
            2 * INDENT + r"\hline",
            line(head),
            2 * INDENT + r"\hline",
            *map(line, rows),
        ]
        if foot:
            out += [2 * INDENT + r"\hline", *map(line, foot)]
        out += [2 * INDENT + r"\hline", INDENT + r"\end{tabular}", r"\end{table}"]
        return "\n".join(out)

    def param_names(self, net: Summary) -> Callable[[str], str]:
        # Names print as in the equations: the same subscript rule, the same overrides.
        symbol = self.printer(net).symbol
        return lambda name: f"${symbol(name)}$"

    def param_label(self, p: StackParam, name: str) -> str:
        # The table has no kind column: a frozen parameter says so beside its name.
        return f"{name} (frozen)" if p.frozen else name

    def shape(self, p: StackParam) -> str:
        # ... and a complex or quaternion one beside its shape (2 or 4 reals an entry).
        return super().shape(p) + (f" ({p.field})" if p.field != "real" else "")


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
    return f"{function_name(net)}({dims}) = {tex.math(count)}"


def function_name(net: Summary) -> str:
    r"""`P_{\mathrm{lstm}}`; with a display name, `P_{\mathrm{mLSTM}}` (docs/latex.md, "Display names")."""
    return f"P_{{{tex.cell_math(net.cell)}}}"


def cell_name(net: Summary) -> str:
    r"""The cell in running text and tables: its display name in math, else its identifier as code."""
    if net.cell.display is not None:
        return f"${net.cell.display}$"
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


def align(net: Summary) -> str:
    r"""The cell's equations as an `align` block, in the notation of papers.

    >>> import symcount
    >>> print(align(symcount.builtin("rnn").summary))
    % rnn: equations (x_t input, h_{t-1} previous and h_t new state)
    \begin{align}
      h_t &= \tanh(W x_t + U h_{t-1} + b)
    \end{align}
    """
    printer = LatexPrinter(net.cell, net.row_products)  # a stack's layers all compute the cell
    lines = [printer.function_def(f) for f in net.cell.functions]  # the cell's own functions first
    lines += [printer.equation(eq) for eq in net.cell.equations]
    roles = _roles_comment(printer)
    text = "\n".join(lines)
    unsliced = SLICE.sub("", text)  # a slice's brackets are not a concatenation's
    notation = [note for token, note in NOTATION if token in (unsliced if token == "[" else text)]
    head = f"% {net.name}: equations ({roles})"
    if notation:
        head += "\n% " + "; ".join(notation).replace("$", "")
    body = " \\\\\n".join(INDENT + line for line in lines)
    return f"{head}\n\\begin{{align}}\n{body}\n\\end{{align}}"


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
\usepackage{amsmath}
\begin{document}
"""


def document(body: str) -> str:
    return PREAMBLE + "\n" + body + "\n\\end{document}\n"


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
