"""GitHub-flavoured Markdown: a section per cell; a comparison table first for several.

Formulas go in `$...$`, which GitHub (and Jupyter, and most Markdown viewers
with MathJax or KaTeX) renders as math. Inside math there is never a `|`
(it would end a table cell) and never a space just inside the dollars (GitHub
would not see math then); names and text outside math are escaped.
"""

from __future__ import annotations

import sympy

from ..count import size_symbol
from . import Report, latex, network


def render(reports: list[Report]) -> str:
    parts = []
    if len(reports) > 1:
        parts.append(comparison(reports))
    parts += [_cell(r) for r in reports]
    return "\n\n".join(parts) + "\n"


def _math(expr) -> str:
    return f"${sympy.latex(expr)}$"


def _signature(cell) -> str:
    return f"{cell.name}({', '.join(map(str, cell.dims))})"


def comparison(reports: list[Report]) -> str:
    """A row per cell: its formula, factored, and its value when every size is set."""
    with_values = any(r.value is not None for r in reports)
    head = ["cell", "parameters", "factored"] + (["value"] if with_values else [])
    rows = [_row(head), _row(["---"] * 3 + (["---:"] if with_values else []))]
    for r in reports:
        name = f"`{_signature(r.cell)}`"
        if network(r.cell):
            name += f" ({network(r.cell)})"
        row = [name, _math(r.cell.count), _math(r.cell.factored)]
        if with_values:
            row.append("" if r.value is None else f"{r.value:,}")
        rows.append(_row(row))
    if with_values:
        sizes: dict[str, int] = {}
        for r in reports:
            sizes.update(r.sizes)
        rows += ["", f"Values at {latex.sizes_math(sizes)}."]
    return "\n".join(rows)


def _cell(report: Report) -> str:
    cell = report.cell
    lines = [f"### `{_signature(cell)}`", ""]
    if cell.description:
        lines += [escape(cell.description), ""]
    if network(cell):
        lines += [f"Network: {network(cell)}.", ""]
    formula = sympy.latex(cell.count)
    if cell.factored != cell.count:
        formula += " = " + sympy.latex(cell.factored)
    summary = f"**Parameters:** ${formula}$"
    if report.value is not None:
        summary += f" — **{report.value:,}** at {latex.sizes_math(report.sizes)}"
    lines += [summary, ""]
    lines += _table(report)
    return "\n".join(lines)


def _table(report: Report) -> list[str]:
    cell = report.cell
    stacked = hasattr(cell, "layers")
    valued = report.value is not None
    head = ["parameter", "kind"] + (["layers", "copies"] if stacked else [])
    head += ["shape", "count", "gate"] + (["value"] if valued else [])
    rules = ["---"] * (len(head) - valued) + (["---:"] if valued else [])
    rows = [_row(head), _row(rules)]
    printer = latex.printer_for(cell)
    for p in cell.params:
        row = [_name(p.name, printer), p.kind]
        if stacked:  # copies such as 2 (L - 1) read better factored
            row += [_layers(p.layer), _math(sympy.factor(p.copies))]
        count = sympy.factor(p.count) if stacked else p.count
        row += [f"${latex.shape(p)}$", _math(count), f"`{p.gate}`"]
        row += [f"{report.param_value(p.count):,}"] if valued else []
        rows.append(_row(row))
    total = ["**total**"] + [""] * (len(head) - 3 - valued) + [_math(cell.count), ""]
    total += [f"**{report.value:,}**"] if valued else []
    rows.append(_row(total))
    return rows


def _name(name: str, printer) -> str:
    """A parameter as the cell names it; with a `latex` override, also as it prints.

    Markdown has no equations, so other names stay as written: the override
    is the one rendering the user asked for by name.
    """
    if name not in printer.overrides:
        return f"`{name}`"
    return f"`{name}` (${_table_math(printer.symbol(name))}$)"


def _table_math(text: str) -> str:
    # A `|` would end the table cell, a space inside the dollars the math.
    return text.replace("\\|", "\\Vert ").replace("|", "\\vert ").strip()


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _layers(label: str) -> str:
    """'1' → '1', '2..3' → '2–3', '2..L' → '$2, \\dots, L$'."""
    first, _, last = label.partition("..")
    if not last:
        return first
    if last.isdigit():
        return f"{first}–{last}"
    return f"${first}, \\dots, {sympy.latex(size_symbol(last))}$"


_SPECIAL = set("\\`*_[]<>|$#")


def escape(text: str) -> str:
    """Text with Markdown's special characters escaped (`$` would start math).

    >>> escape("keras.gru: 2*n biases | $5")
    'keras.gru: 2\\\\*n biases \\\\| \\\\$5'
    """
    text = " ".join(text.splitlines())  # a description may hold `\n`
    return "".join("\\" + c if c in _SPECIAL else c for c in text)
