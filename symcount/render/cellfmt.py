"""The cell language printed back from the IR, canonically (`symcount fmt`).

Expressions go through the equation printer's base class, `Printer`, whose
rules already write the cell language, and sizes through its size printer
(`shapes.sizes.SizePrinter`); this module adds what a whole cell has besides
equations: the header, the declarations and the comments.

The layout is fixed: the header (with the description and the display name
after `latex`, when given), the declarations in their order, a blank
line, the equations in their order, a blank line and the `latex` overrides
in their order, `end`, with four spaces of indentation and one blank line
between cells. Spacing is normalized (`a + b`, `2*n`,
`(n, m + n)`), integers in sizes lose leading zeros, and parentheses are kept
only where precedence needs them. Numbers keep their spelling. Comments are
not in the IR: they are found in the text (`syntax.comments`) and put back
beside what they were written with (`Notes`). Printing the result again
gives the same text, and it parses to the same cells.

    >>> from symcount import ir, syntax
    >>> from symcount.syntax.comments import comments
    >>> text = ("cell c(m,n)  # two sizes\\n"
    ...     "input x:m\\nstate h:n\\nparam b:(2*n)\\n# the update\\nh'=tanh((W@x)+b*(h))\\nend")
    >>> print(format_cells(syntax.parse(ir.Document("<doc>", text)), comments(text)), end="")
    cell c(m, n)  # two sizes
        input x : m
        state h : n
        param b : 2*n
    <BLANKLINE>
        # the update
        h' = tanh(W @ x + b * h)
    end
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from .. import ir
from ..syntax.comments import Comment
from .equations import Printer

INDENT = "    "
_COMMENT_GAP = "  "  # before a comment after code on its line
Item = tuple[int, str]  # a header, a statement or an `end`: its first line and its role (`Notes`)


def format_cells(cells: list[ir.Definition], comments: Sequence[Comment] = ()) -> str:
    """Cells, blocks and models as canonical cell-language text, one blank line
    between them, with `comments` (`syntax.comments.comments` of their text)
    where they belong."""
    notes = Notes(cells, comments)
    printer = CellPrinter()
    text = "\n".join(
        printer.model(cell, notes) if isinstance(cell, ir.ModelDef) else printer.cell(cell, notes)
        for cell in cells
    )
    if notes.tail:  # the comments after the last cell, a blank line apart as a cell would be
        text += "\n" + "".join(f"{line}\n" for line in notes.tail)
    return text


class CellPrinter(Printer):
    """The cell language, whole cells: the base class prints their equations."""

    def cell(self, cell: ir.CellDef, notes: Notes | None = None) -> str:
        notes = notes or Notes([], ())
        lines = notes.header(cell, self.header(cell))
        for decl in cell.declarations:
            lines += notes.statement(decl, self.declaration(decl))
        if cell.declarations and cell.equations:
            lines.append("")
        for f in cell.functions:
            lines += notes.statement(f, self.function_def(f))
        for eq in cell.equations:
            lines += notes.statement(eq, self.equation(eq))
        if cell.latex_overrides and (cell.declarations or cell.functions or cell.equations):
            lines.append("")  # presentation apart from the cell's meaning
        for o in cell.latex_overrides:
            lines += notes.statement(o, self.latex_override(o))
        lines += notes.end(cell)
        return "\n".join(lines) + "\n"

    def model(self, model: ir.ModelDef, notes: Notes | None = None) -> str:
        """A model: its header, its inputs and components in the order written."""
        notes = notes or Notes([], ())
        lines = notes.header(model, self.header(model))
        for statement in sorted((*model.inputs, *model.components), key=lambda s: s.span):
            lines += notes.statement(statement, self.model_statement(statement))
        lines += notes.end(model)
        return "\n".join(lines) + "\n"

    def model_statement(self, statement: ir.ModelInput | ir.Component) -> str:
        if isinstance(statement, ir.ModelInput):
            return f"input {statement.name} : {self.size(statement.dim)}"
        c = statement
        sizes = ", ".join(self.size(a) for a in c.args)
        if c.kind == "embedding":
            return f"embedding {c.name} : ({sizes})"
        if c.kind == "layer":
            text = f"layer {c.name + ' = ' if c.name else ''}{c.cell}({sizes})"
            if c.repeat is not None:
                repeat = self.size(c.repeat)
                text += f" * {repeat if _atom(c.repeat) else f'({repeat})'}"
            text += " bidirectional" * c.bidirectional + " residual" * c.residual
        elif c.kind == "norm":
            text = f"norm {c.name} : {c.cell}({sizes})" + " + bias" * c.bias
        else:  # linear, output
            text = f"{c.kind} {c.name} : ({sizes})" + " + bias" * c.bias
            text += f" tied {c.tied}" if c.tied else ""
        return text + self.reads(c.reads)

    def reads(self, bindings: tuple[ir.Binding, ...]) -> str:
        if not bindings:
            return ""
        parts = [(f"{b.input} = " if b.input else "") + self.source(b.source) for b in bindings]
        return " reads " + ", ".join(parts)

    def source(self, source: ir.Source) -> str:
        if isinstance(source, ir.SourceConcat):
            return "[" + ", ".join(self.source(p) for p in source.parts) + "]"
        if isinstance(source, ir.SourceAll):
            return f"all({source.name})"
        return source.name

    def header(self, cell: ir.Definition) -> str:
        text = f"{cell.kind} {cell.name}({', '.join(d.name for d in cell.dims)})"
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


class Notes:
    """The comments of the text the cells were parsed from, each with the item
    it goes with: a cell's header, a statement or a cell's `end`.

    A comment alone on its line goes with the next item, and prints above it;
    blank lines between such comments, and between them and their item, are
    kept (one for any number). One after code goes with that code's item and
    stays after it on its line. One inside brackets (the item goes on over
    more lines, which `fmt` joins into one) prints above its item. Comments
    after the last cell are the `tail`. An item is known by its first line
    and its role: `(line, "cell")`, `(line, "statement")`, `(line, "end")`.
    """

    def __init__(self, cells: list[ir.CellDef], comments: Sequence[Comment]):
        items = [item for cell in cells for item in _items(cell)]
        starts = [line for line, _ in items]
        self._above: dict[Item, list[str]] = {}  # the comments alone before an item
        self._last: dict[Item | None, int] = {}  # the line of the last of them
        self._inner: dict[Item, list[str]] = {}
        self._after: dict[Item, str] = {}
        self.tail: list[str] = []
        for comment in comments:
            at = bisect_right(starts, comment.line)  # the first item that starts after it
            if comment.alone and not comment.nested:
                self._add_above(items[at] if at < len(items) else None, comment)
            elif comment.nested:
                self._inner.setdefault(items[at - 1], []).append(comment.text)
            else:
                self._after[items[at - 1]] = comment.text

    def _add_above(self, item: Item | None, comment: Comment) -> None:
        block = self.tail if item is None else self._above.setdefault(item, [])
        if block and comment.line - self._last[item] > 1:
            block.append("")
        block.append(comment.text)
        self._last[item] = comment.line

    def header(self, cell: ir.CellDef, text: str) -> list[str]:
        return self._around((cell.span.line, "cell"), text, "", "")

    def statement(self, node: ir.Declaration | ir.Equation | ir.FunctionDef | ir.LatexOverride,
                  text: str) -> list[str]:
        return self._around((node.span.line, "statement"), text, INDENT, INDENT)

    def end(self, cell: ir.CellDef) -> list[str]:
        return self._around((cell.span.end_line, "end"), "end", "", INDENT)

    def _around(self, item: Item, text: str, indent: str, comment_indent: str) -> list[str]:
        """The item's printed `text` with its comments: those above it, then its line."""
        above = list(self._above.get(item, ()))
        if above and item[0] - self._last[item] > 1:
            above.append("")
        above += self._inner.get(item, ())
        lines = [comment_indent + c if c else "" for c in above]
        after = self._after.get(item)
        lines.append(indent + text + (_COMMENT_GAP + after if after else ""))
        return lines


def _atom(dim: ir.Dim) -> bool:
    """Whether a number of copies prints without parentheses: `* 3`, `* L`."""
    return isinstance(dim, (ir.DimInt, ir.DimName))


def _items(cell: ir.Definition) -> list[Item]:
    """A definition's items (see `Notes`) in the order they are written."""
    if isinstance(cell, ir.ModelDef):
        statements = (*cell.inputs, *cell.components)
    else:
        statements = (*cell.declarations, *cell.functions, *cell.equations, *cell.latex_overrides)
    lines = sorted(s.span.line for s in statements)
    return [(cell.span.line, "cell"), *((n, "statement") for n in lines), (cell.span.end_line, "end")]


def quote(text: str) -> str:
    """A description as a string literal that the parser reads back unchanged."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'
