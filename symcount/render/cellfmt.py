"""The cell language printed back from the IR, canonically (`symcount fmt`).

Expressions go through the equation printer's base class, `Printer`, whose
rules already write the cell language, and sizes through its size printer
(`shapes.sizes.SizePrinter`); this module adds what a whole cell has besides
equations: the header and the declarations.

The layout is fixed: the header (with the description and the display name
after `latex`, when given), the declarations in their order, a blank
line, the equations in their order, a blank line and the `latex` overrides
in their order, `end`, with four spaces of indentation and one blank line
between cells. Spacing is normalized (`a + b`, `2*n`,
`(n, m + n)`), integers in sizes lose leading zeros, and parentheses are kept
only where precedence needs them. Numbers keep their spelling. Comments are
not in the IR, so they are dropped. Printing the result again gives the same
text, and it parses to the same cells.

    >>> from symcount import ir, syntax
    >>> [cell] = syntax.parse(ir.Document("<doc>", "cell c(m,n)  # two sizes\\n"
    ...     "input x:m\\nstate h:n\\nparam b:(2*n)\\nh'=tanh((W@x)+b*(h))\\nend"))
    >>> print(format_cells([cell]), end="")
    cell c(m, n)
        input x : m
        state h : n
        param b : 2*n
    <BLANKLINE>
        h' = tanh(W @ x + b * h)
    end
"""

from __future__ import annotations

from .. import ir
from .equations import Printer

INDENT = "    "


def format_cells(cells: list[ir.CellDef]) -> str:
    """Cells as canonical cell-language text, one blank line between them."""
    printer = CellPrinter()
    return "\n".join(printer.cell(cell) for cell in cells)


class CellPrinter(Printer):
    """The cell language, whole cells: the base class prints their equations."""

    def cell(self, cell: ir.CellDef) -> str:
        lines = [self.header(cell)]
        lines += [INDENT + self.declaration(decl) for decl in cell.declarations]
        if cell.declarations and cell.equations:
            lines.append("")
        lines += [INDENT + self.function_def(f) for f in cell.functions]
        lines += [INDENT + self.equation(eq) for eq in cell.equations]
        if cell.latex_overrides and len(lines) > 1:
            lines.append("")  # presentation apart from the cell's meaning
        lines += [INDENT + self.latex_override(o) for o in cell.latex_overrides]
        lines.append("end")
        return "\n".join(lines) + "\n"

    def header(self, cell: ir.CellDef) -> str:
        text = f"cell {cell.name}({', '.join(d.name for d in cell.dims)})"
        if cell.description:
            text += f" {quote(cell.description)}"
        if cell.display is not None:  # read verbatim, as an override's text: written back so
            text += f' latex "{cell.display}"'
        return text

    def declaration(self, decl: ir.Declaration) -> str:
        if isinstance(decl, ir.Input):
            return f"input {decl.name} : {self.shape(decl)}"
        if isinstance(decl, ir.State):
            return f"state {decl.name} : {self.shape(decl)}"
        if isinstance(decl, ir.Output):
            return f"output {decl.name}"
        if isinstance(decl, ir.SizeDecl):
            definition = f" = {self.size(decl.definition)}" if decl.definition is not None else ""
            return f"size {decl.name}{definition}"
        # The markers in one canonical order: `param b : n frozen bias`.
        markers = " frozen" * decl.frozen + " bias" * decl.bias
        return f"param {decl.name} : {self.shape(decl)}{markers}"

    def shape(self, decl: ir.Input | ir.State | ir.ParamDecl) -> str:
        sizes = ", ".join(self.size(d) for d in decl.dims)
        field = decl.field if isinstance(decl, ir.ParamDecl) else "real"
        if field != "real":
            return f"{field}({sizes})"
        if decl.kind in (ir.Kind.DIAG, ir.Kind.BLOCKDIAG):
            return f"{decl.kind}({sizes})"
        if decl.kind == ir.Kind.SCALAR:
            return "scalar"
        return sizes if decl.kind == ir.Kind.VECTOR else f"({sizes})"

    def function_def(self, definition: ir.FunctionDef) -> str:
        head = f"def {definition.name}({', '.join(definition.params)})"
        return head + self.ASSIGN + self.expr(definition.expr)

    def latex_override(self, override: ir.LatexOverride) -> str:
        # The text was read verbatim (no escapes), so it is written back verbatim.
        return f'latex {override.name} "{override.text}"'


def quote(text: str) -> str:
    """A description as a string literal that the parser reads back unchanged."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'
