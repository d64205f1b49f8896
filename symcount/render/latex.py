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

import unicodedata

import sympy

from ..count import size_symbol
from ..names import biases
from . import Report, network
from .equations import GREEK, LatexPrinter, without_terms

INDENT = "  "


def render(
    reports: list[Report],
    form: str = "expanded",
    equations: bool = False,
    params: bool = False,
    standalone: bool = False,
) -> str:
    """The LaTeX for `reports`; the keyword options are `symcount latex`'s flags."""
    blocks = []
    if len(reports) > 1 and any(r.value is not None for r in reports):
        blocks.append(comparison(reports, form))
    for report in reports:
        blocks.append(_section(report, form, equations, params, standalone))
    body = "\n\n".join(blocks) + "\n"
    return document(body) if standalone else body


def _section(report: Report, form: str, equations: bool, params: bool, standalone: bool) -> str:
    cell = report.cell
    lines = [comment(signature(cell) + (f": {cell.description}" if cell.description else ""))]
    lines.append(comment(f"source: {cell.source}"))
    note = network(cell)
    if note:
        lines.append(f"% network: {note}")
    if standalone:
        lines.append(rf"\section*{{\texttt{{{escape_text(cell.name)}}}}}")
        if cell.description:
            lines.append(escape_text(cell.description) + "\n")
    lines.append(equation(report, form))
    if equations:  # no blank line: it would start a paragraph between the displays
        lines.append(align(cell))
    if params:
        lines += ["", params_table(report, form)]
    return "\n".join(lines)


def comment(text: str) -> str:
    """A `%` comment line; a line break in the text (a description may hold
    `\\n`) would end the comment and turn the rest into LaTeX."""
    return "% " + " ".join(text.splitlines())


def signature(cell) -> str:
    return f"{cell.name}({', '.join(map(str, cell.dims))})"


# ---- the formula ----


def formula(cell, form: str = "expanded") -> str:
    r"""`P_{\mathrm{NAME}}(dims) = count`, in the `expanded` or `factored` form.

    >>> import symcount
    >>> formula(symcount.builtin("lstm"), "factored")
    'P_{\\mathrm{lstm}}(m, n) = 4 n \\left(m + n + 1\\right)'
    """
    return f"{function_name(cell)}({', '.join(map(sympy.latex, cell.dims))}) = {_count(cell, form)}"


def function_name(cell) -> str:
    return rf"P_{{\mathrm{{{escape_math_text(cell.name)}}}}}"


def _count(cell, form: str) -> str:
    return sympy.latex(cell.factored if form == "factored" else cell.count)


def equation(report: Report, form: str = "expanded") -> str:
    r"""The `equation` block: the formula; below it what the network is and the value.

    >>> import symcount
    >>> print(equation(Report(symcount.builtin("rnn"), {"m": 3, "n": 2})))
    \begin{equation}
      \begin{gathered}
        P_{\mathrm{rnn}}(m, n) = m n + n^{2} + n, \\
        P_{\mathrm{rnn}}(3, 2) = 12
      \end{gathered}
    \end{equation}
    """
    cell = report.cell
    lines = [formula(cell, form)]
    note = network(cell)
    if note:
        lines.append(rf"\text{{({_math_symbols(note, cell)})}}")
    if report.value is not None:
        at = ", ".join(str(report.sizes[str(d)]) for d in cell.dims)
        lines.append(f"{function_name(cell)}({at}) = {thousands(report.value, math=True)}")
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


def _math_symbols(note: str, cell) -> str:
    """'L layers' → '$L$ layers': a size symbol in running text is still math."""
    layers = getattr(cell, "layers", None)
    if isinstance(layers, str) and note.startswith(f"{layers} "):
        return f"${sympy.latex(size_symbol(layers))}$" + note[len(layers) :]
    return note


def thousands(value: int, math: bool = False) -> str:
    """50400 → '50,400' (in math mode `50{,}400`, so no space follows the comma)."""
    text = f"{value:,}"
    return text.replace(",", "{,}") if math else text


# ---- the cell's equations ----

NOTATION = (
    (r"\odot", r"$\odot$ is the elementwise product"),
    (r"\frac", "a fraction is an elementwise division"),
    (r"\sigma(", r"$\sigma$ is the logistic sigmoid"),
    ("[", "$[a; b]$ stacks vectors"),
)


def align(cell) -> str:
    r"""The cell's equations as an `align` block, in the notation of papers.

    >>> import symcount
    >>> print(align(symcount.builtin("rnn")))
    % rnn: equations (x_t input, h_{t-1} previous and h_t new state)
    \begin{align}
      h_t &= \tanh(W x_t + U h_{t-1} + b)
    \end{align}
    """
    base = getattr(cell, "cell", cell)  # a stack's layers all compute the base cell
    source = base.ir
    printer = printer_for(cell)
    dropped = biases(base.scope) if cell.no_bias else set()
    lines = []
    for eq in source.equations:
        expr = without_terms(eq.expr, dropped)
        if expr is not None:
            lines.append(printer.target(eq) + printer.ASSIGN + printer.expr(expr))
        else:  # every term was a dropped bias
            lines.append(printer.target(eq) + printer.ASSIGN + "0")
    roles = _roles_comment(printer)
    notation = [text for token, text in NOTATION if any(token in line for line in lines)]
    head = f"% {cell.name}: equations ({roles})"
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


def printer_for(cell) -> LatexPrinter:
    """The paper notation of a cell or a stack (whose layers all are the base cell)."""
    return LatexPrinter(getattr(cell, "cell", cell).ir)


# ---- tables ----


def params_table(report: Report, form: str = "expanded") -> str:
    """A `table` of the cell's parameters (name, shape, count) and the total."""
    cell = report.cell
    stacked = hasattr(cell, "layers")
    valued = report.value is not None
    head = ["parameter"] + (["layers", "copies"] if stacked else []) + ["shape", "count"]
    head += ["value"] if valued else []
    rows = []
    # Names print as in the equations: the same subscript rule, the same overrides.
    symbol = printer_for(cell).symbol
    for p in cell.params:
        row = [f"${symbol(p.name)}$"]
        count = p.count
        if stacked:  # copies such as 2 (L - 1) read better factored
            row += [_layers(p.layer), f"${sympy.latex(sympy.factor(p.copies))}$"]
            count = sympy.factor(count)
        row += [f"${shape(p)}$", f"${sympy.latex(count)}$"]
        row += [thousands(report.param_value(p.count))] if valued else []
        rows.append(row)
    total = ["total"] + [""] * (len(head) - 2 - valued) + [f"${_count(cell, form)}$"]
    total += [thousands(report.value)] if valued else []
    caption = rf"Trainable parameters of \texttt{{{escape_text(cell.name)}}}"
    note = network(cell)
    if note:
        caption += f" ({_math_symbols(note, cell)})"
    if valued:
        caption += " at " + sizes_math(report.sizes)
    columns = "l" * (len(head) - valued) + ("r" if valued else "")
    return table(caption + ".", columns, head, rows, [total])


def comparison(reports: list[Report], form: str = "expanded") -> str:
    """One table comparing several cells: formula and value at the set sizes."""
    rows = []
    for r in reports:
        name = rf"\texttt{{{escape_text(r.cell.name)}}}"
        note = network(r.cell)
        if note:
            name += f" ({_math_symbols(note, r.cell)})"
        value = "" if r.value is None else thousands(r.value)
        rows.append([name, f"${_count(r.cell, form)}$", value])
    sizes: dict[str, int] = {}
    for r in reports:
        sizes.update(r.sizes)
    caption = "Trainable parameters at " + sizes_math(sizes) + "."
    names = ", ".join(r.cell.name for r in reports)
    return f"% comparison: {names}\n" + table(caption, "llr", ["cell", "parameters", "value"], rows)


def table(caption: str, columns: str, head: list[str], rows, foot=()) -> str:
    """A `table` float with `\\hline` rules (plain LaTeX, no booktabs) and aligned columns."""
    everything = [head, *rows, *foot]
    widths = [max(len(row[i]) for row in everything) for i in range(len(head))]

    def line(row: list[str]) -> str:
        # Padded as the columns are set, so the source reads like the table.
        cells = [
            text.rjust(width) if align == "r" else text.ljust(width)
            for text, width, align in zip(row, widths, columns, strict=True)
        ]
        return 2 * INDENT + " & ".join(cells).rstrip() + r" \\"

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


def shape(p) -> str:
    r"""A parameter's shape in math: `n \times (m + n)`, `\operatorname{diag}(n)`, `1`."""
    if p.kind == "scalar":
        return "1"
    if p.kind == "diag":
        return rf"\operatorname{{diag}}({sympy.latex(p.shape[0])})"
    return r" \times ".join(_factor(s) for s in p.shape)


def _factor(size) -> str:
    """A size as one factor of a product: `m + n` needs parentheses there."""
    text = sympy.latex(size)
    return f"({text})" if isinstance(size, sympy.Add) else text


def _layers(label: str) -> str:
    """A stack's layer label: '1' → '1', '2..3' → '2--3', '2..L' → '$2, \\ldots, L$'."""
    first, _, last = label.partition("..")
    if not last:
        return first
    if last.isdigit():
        return f"{first}--{last}"
    return rf"${first}, \ldots, {sympy.latex(size_symbol(last))}$"


def sizes_math(sizes: dict[str, int]) -> str:
    """Set sizes as inline math: `$m = 3$, $n = 2$`."""
    return ", ".join(f"${sympy.latex(size_symbol(k))} = {v}$" for k, v in sizes.items())


# ---- the standalone document and text escapes ----

PREAMBLE = r"""% Generated by symcount; compiles with plain pdflatex.
\documentclass{article}
\usepackage{amsmath}
\begin{document}
"""


def document(body: str) -> str:
    return PREAMBLE + "\n" + body + "\n\\end{document}\n"


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}

# pdflatex's default (OT1) fonts have these, checked one by one; anything else
# outside ASCII would stop the run with "Unicode character not set up".
_LATIN = "".join(chr(c) for c in range(0xA0, 0x180))
_NOT_IN_OT1 = "«»ÐÞðþĄąĐđĘęĦħĮįĸĿŀŉŊŋŦŧŲųſ"
_TEXT_SAFE = frozenset(_LATIN) - frozenset(_NOT_IN_OT1) | frozenset("–—‘’“”…•→←")
_TEXT_STANDINS = {"«": r"\ensuremath{\ll}", "»": r"\ensuremath{\gg}", "ħ": r"\ensuremath{\hbar}"}


def escape_text(text: str) -> str:
    r"""Running text for LaTeX: special characters escaped, no character pdflatex lacks.

    Greek letters become math; an accent the fonts cannot set is dropped; a
    character with no stand-in at all (CJK, say) becomes `?`.

    >>> escape_text("keras.simple_rnn: 50% of W&B ~ σ")
    'keras.simple\\_rnn: 50\\% of W\\&B \\textasciitilde{} \\ensuremath{\\sigma}'
    """
    return "".join(_text_char(c) for c in text)


def _text_char(c: str) -> str:
    if c in _TEXT_ESCAPES:
        return _TEXT_ESCAPES[c]
    if c in _TEXT_STANDINS:
        return _TEXT_STANDINS[c]
    if c.isascii() or c in _TEXT_SAFE:
        return c if c.isprintable() else " "
    name = unicodedata.name(c, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        letter = name.rsplit(" ", 1)[-1].lower()
        letter = letter if "SMALL" in name else letter.capitalize()
        if letter in GREEK:
            return rf"\ensuremath{{\{letter}}}"
    plain = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
    return escape_text(plain) if plain else "?"


def escape_math_text(text: str) -> str:
    """A name inside `\\mathrm{...}`: underscores escaped (names are ASCII)."""
    return text.replace("_", r"\_")


def notebook(cell) -> str:
    r"""The formula for a Jupyter notebook (`_repr_latex_`): expanded, then factored.

    >>> import symcount
    >>> notebook(symcount.builtin("lstm"))
    '$$P_{\\mathrm{lstm}}(m, n) = 4 m n + 4 n^{2} + 4 n = 4 n \\left(m + n + 1\\right)$$'
    """
    text = formula(cell)
    if cell.factored != cell.count:
        text += " = " + sympy.latex(cell.factored)
    note = network(cell)
    if note:
        text += rf" \quad \text{{({_math_symbols(note, cell)})}}"
    return f"$${text}$$"
