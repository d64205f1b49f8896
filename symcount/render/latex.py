"""LaTeX for papers: one `equation` per cell."""

from __future__ import annotations

import sympy

from . import Report


def formula(cell, form: str = "expanded") -> str:
    expr = cell.factored if form == "factored" else cell.count
    dims = ", ".join(sympy.latex(d) for d in cell.dims)
    name = cell.name.replace("_", r"\_")
    return f"P_{{\\mathrm{{{name}}}}}({dims}) = {sympy.latex(expr)}"


def render(reports: list[Report], form: str = "expanded") -> str:
    blocks = [
        "\\begin{equation}\n  " + formula(r.cell, form) + "\n\\end{equation}" for r in reports
    ]
    return "\n".join(blocks) + "\n"
