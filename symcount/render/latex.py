r"""LaTeX for papers: `symcount latex` and `symcount count --format latex`.

For each cell: its count as an `equation`,
`P_{\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n`; with `equations` the cell's
own equations as an `align` block in paper notation (`equations.LatexPrinter`);
with `params` a table of its parameters. Several cells with values give one
comparison table first. `standalone` wraps everything in an article that plain
`pdflatex` compiles (only the `article` class and `amsmath`).

The output is meant to be pasted into a paper and read in an editor: every
block starts with a `%` comment naming the cell, table columns are aligned,
and nothing depends on the time or the machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy

from ..network import Network
from ..symbols import size_symbol
from . import Report
from .base import MathWriter, merged_sizes
from .equations import LatexPrinter
from .tex import escape_math, escape_text, thousands

INDENT = "  "


def render(
    reports: list[Report],
    form: str = "expanded",
    equations: bool = False,
    params: bool = False,
    standalone: bool = False,
) -> str:
    """The LaTeX for `reports`; the keyword options are `symcount latex`'s flags."""
    return LatexWriter(form, equations, params, standalone).render(reports)


class LatexWriter(MathWriter):
    PARAM_COLUMNS = ("parameter", "layers", "copies", "shape", "count")
    DASH = "--"
    DOTS = r"\ldots"

    def __init__(
        self,
        form: str = "expanded",
        equations: bool = False,
        params: bool = False,
        standalone: bool = False,
    ):
        self.form = form
        self.equations = equations
        self.params = params
        self.standalone = standalone

    def render(self, reports: list[Report]) -> str:
        body = super().render(reports)
        return document(body) if self.standalone else body

    def section(self, report: Report) -> str:
        net = report.network
        lines = [comment(self.signature(net) + (f": {net.description}" if net.description else ""))]
        lines.append(comment(f"source: {net.source}"))
        if net.note:
            lines.append(f"% network: {net.note}")
        if self.standalone:
            lines.append(rf"\section*{{\texttt{{{escape_text(net.name)}}}}}")
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
        >>> print(LatexWriter().equation(Report(symcount.builtin("rnn"), {"m": 3, "n": 2})))
        \begin{equation}
          \begin{gathered}
            P_{\mathrm{rnn}}(m, n) = m n + n^{2} + n, \\
            P_{\mathrm{rnn}}(3, 2) = 12
          \end{gathered}
        \end{equation}
        """
        net = report.network
        lines = [formula(net, self.form)]
        if net.note:
            lines.append(rf"\text{{({self.note(net)})}}")
        if report.value is not None:
            at = ", ".join(str(report.sizes[str(d)]) for d in net.dims)
            lines.append(f"{function_name(net)}({at}) = {thousands(report.value, math=True)}")
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

    def note(self, net: Network) -> str:
        """'L layers' → '$L$ layers': a size symbol in running text is still math."""
        note = net.note
        if isinstance(net.layers, str) and note.startswith(f"{net.layers} "):
            return f"${sympy.latex(size_symbol(net.layers))}$" + note[len(net.layers) :]
        return note

    # ---- tables ----

    def params_table(self, report: Report) -> str:
        """A `table` of the cell's parameters (name, shape, count) and the total."""
        net = report.network
        head, rows, right = self.param_cells(report)
        caption = rf"Trainable parameters of \texttt{{{escape_text(net.name)}}}"
        if net.note:
            caption += f" ({self.note(net)})"
        if report.value is not None:
            caption += " at " + self.sizes(report.sizes)
        return self.table(head, rows, self.total_row(report, head), right, caption + ".")

    def comparison(self, reports: list[Report]) -> str | None:
        """One table comparing several cells: formula and value at the set sizes."""
        if not any(r.value is not None for r in reports):
            return None
        rows = []
        for r in reports:
            net = r.network
            name = rf"\texttt{{{escape_text(net.name)}}}"
            if net.note:
                name += f" ({self.note(net)})"
            value = "" if r.value is None else self.number(r.value)
            rows.append([name, self.math(self.chosen(net)), value])
        caption = "Trainable parameters at " + self.sizes(merged_sizes(reports)) + "."
        names = ", ".join(r.network.name for r in reports)
        head = ["cell", "parameters", "value"]
        return f"% comparison: {names}\n" + self.table(head, rows, (), [False, False, True], caption)

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

    def param_names(self, net: Network) -> Callable[[str], str]:
        # Names print as in the equations: the same subscript rule, the same overrides.
        symbol = self.printer(net).symbol
        return lambda name: f"${symbol(name)}$"


def comment(text: str) -> str:
    """A `%` comment line; a line break in the text (a description may hold
    `\\n`) would end the comment and turn the rest into LaTeX."""
    return "% " + " ".join(text.splitlines())


# ---- the formula ----


def formula(net: Network, form: str = "expanded") -> str:
    r"""`P_{\mathrm{NAME}}(dims) = count`, in the `expanded` or `factored` form.

    >>> import symcount
    >>> formula(symcount.builtin("lstm").network, "factored")
    'P_{\\mathrm{lstm}}(m, n) = 4 n \\left(m + n + 1\\right)'
    """
    count = net.factored if form == "factored" else net.count
    return f"{function_name(net)}({', '.join(map(sympy.latex, net.dims))}) = {sympy.latex(count)}"


def function_name(net: Network) -> str:
    return rf"P_{{\mathrm{{{escape_math(net.name)}}}}}"


# ---- the cell's equations ----

NOTATION = (
    (r"\odot", r"$\odot$ is the elementwise product"),
    (r"\frac", "a fraction is an elementwise division"),
    (r"\sigma(", r"$\sigma$ is the logistic sigmoid"),
    ("[", "$[a; b]$ stacks vectors"),
)


def align(net: Network) -> str:
    r"""The cell's equations as an `align` block, in the notation of papers.

    >>> import symcount
    >>> print(align(symcount.builtin("rnn").network))
    % rnn: equations (x_t input, h_{t-1} previous and h_t new state)
    \begin{align}
      h_t &= \tanh(W x_t + U h_{t-1} + b)
    \end{align}
    """
    printer = LatexPrinter(net.cell)  # a stack's layers all compute the cell
    lines = [printer.equation(eq) for eq in net.cell.equations]
    roles = _roles_comment(printer)
    notation = [text for token, text in NOTATION if any(token in line for line in lines)]
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


def notebook(net: Network) -> str:
    r"""The formula for a Jupyter notebook (`_repr_latex_`): expanded, then factored.

    >>> import symcount
    >>> notebook(symcount.builtin("lstm").network)
    '$$P_{\\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n = 4 n \\left(m + n + 1\\right)$$'
    """
    text = formula(net)
    if net.factored != net.count:
        text += " = " + sympy.latex(net.factored)
    if net.note:
        text += rf" \quad \text{{({LatexWriter().note(net)})}}"
    return f"$${text}$$"
