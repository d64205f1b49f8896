"""GitHub-flavoured Markdown: a table per cell; a comparison table for several.

Formulas go in `$...$`, which GitHub renders with MathJax.
"""

from __future__ import annotations

import sympy

from . import Report


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
    with_values = any(r.value is not None for r in reports)
    head = "| cell | parameters | factored |" + (" value |" if with_values else "")
    rule = "|---|---|---|" + ("---:|" if with_values else "")
    rows = [head, rule]
    for r in reports:
        row = f"| `{_signature(r.cell)}` | {_math(r.cell.count)} | {_math(r.cell.factored)} |"
        if with_values:
            row += f" {r.value:,} |" if r.value is not None else " |"
        rows.append(row)
    return "\n".join(rows)


def _cell(report: Report) -> str:
    cell = report.cell
    lines = [f"### `{_signature(cell)}`", ""]
    if cell.description:
        lines += [cell.description, ""]
    formula = f"**Parameters:** {_math(cell.count)} $= {sympy.latex(cell.factored)}$"
    if report.value is not None:
        at = ", ".join(f"{k} = {report.sizes[k]}" for k in map(str, cell.dims))
        formula += f" — **{report.value:,}** at {at}"
    lines += [formula, ""]
    lines.append("| parameter | kind | shape | count | gate |")
    lines.append("|---|---|---|---|---|")
    for p in cell.params:
        shape = " \\times ".join(sympy.latex(s) for s in p.shape) or "1"
        if p.kind == "diag":
            shape = f"\\operatorname{{diag}}({shape})"
        lines.append(f"| `{p.name}` | {p.kind} | ${shape}$ | {_math(p.count)} | `{p.gate}` |")
    lines.append(f"| **total** | | | {_math(cell.count)} | |")
    return "\n".join(lines)
