"""The library entry points: text, file or built-in name → derived `Cell`s.

This is where the pipeline's stages are chained: parse → resolve names →
infer shapes → `Cell` (which counts on demand).
"""

from __future__ import annotations

import os
from functools import cache

from .. import gcpause, ir, shapes, sources, syntax
from ..errors import Location, Note, SymcountError
from ..resolve import lint
from ..resolve.names import Scope, resolve
from .cell import Cell, Cells
from .model import Model


@gcpause.paused  # derivation: one of the stages run with the collector paused
def loads(text: str | bytes, filename: str = "<string>") -> Cells:
    """Every cell, block and model in a spec text: a str, or bytes in UTF-8 (as a
    file is read), as a `Cells` list.

    >>> import symcount
    >>> [cell] = symcount.loads('''
    ... cell rnn(m, n)
    ...     input x : m
    ...     state h : n
    ...     h' = tanh(W @ x + U @ h + b)
    ... end
    ... ''')
    >>> cell.count
    m*n + n**2 + n
    """
    source = ir.Document(filename, _text(text, filename))
    definitions = syntax.parse(source)
    seen: dict[str, ir.Definition] = {}
    for definition in definitions:
        if definition.name in seen:
            raise source.error(
                f"{definition.kind} '{definition.name}' is defined twice in this input"
                + ("" if seen[definition.name].kind == definition.kind else f" (first as a {seen[definition.name].kind})"),
                definition.name_span,
                ("first defined here", seen[definition.name].name_span),
            )
        seen[definition.name] = definition
    derived: dict[str, Cell] = {}

    def cell(definition: ir.CellDef) -> Cell:
        if definition.name not in derived:
            derived[definition.name] = _derived(definition)
        return derived[definition.name]

    def find(name: str) -> Scope | str | None:
        """What a model's layer names: a cell or block of this text, else a built-in."""
        definition = seen.get(name)
        if isinstance(definition, ir.ModelDef):
            return "model"
        return cell(definition).scope if definition is not None else _builtin_scope(name)

    return Cells(
        cell(d) if isinstance(d, ir.CellDef) else Model(d, find) for d in definitions
    )


@cache
def _builtin_scope(name: str) -> Scope | str | None:
    """The resolved built-in cell or block `name` (a model's layer), made once."""
    if name not in sources.builtin_names():
        return None
    text = sources.builtin_text(name)
    document = ir.Document(sources.BUILTIN_PREFIX + name, text)
    definition = next(d for d in syntax.parse(document) if d.name == name)
    if isinstance(definition, ir.ModelDef):
        return "model"
    return resolve(definition)


def _derived(ir_cell: ir.CellDef) -> Cell:
    """A parsed cell through the stages: names, warnings, shapes (and the
    warnings of the shapes inference chose)."""
    scope = resolve(ir_cell)
    scope.warnings = lint.warnings(scope)
    try:
        typed = shapes.infer(scope)
    except SymcountError as e:
        raise _with_causes(e, scope) from None
    chosen = [choice.warning(ir_cell.source) for choice in typed.choices]
    scope.warnings = lint.in_order([*scope.warnings, *chosen])
    return Cell(ir_cell, scope, typed)


# Suspects tried by inferring the cell again (only when loading fails), at most.
MAX_TRIES = 12


def _with_causes(error: SymcountError, scope) -> SymcountError:
    """`error` with a note for each name that became a parameter and caused it
    (docs/errors.md, "Errors a slip causes"): every slip the warnings name, and
    each other name one slip from a value's (`x_t`, a dropped letter) whose
    correction makes the cell load."""
    notes, tried, fixed = [], 0, set()
    for slip in lint.slips(scope):
        if slip.name in fixed:
            continue
        if not slip.warned:
            if tried == MAX_TRIES:
                continue
            tried += 1
            if not _loads_with(scope.cell, slip):
                continue
        fixed.add(slip.name)
        notes.append(Note(slip.note(), scope.cell.source.location(slip.spans[0])))
    if not notes:
        return error
    return SymcountError(error.message, error.location, (*error.notes, *notes))


def _loads_with(cell: ir.CellDef, slip: lint.Slip) -> bool:
    """Whether `cell` loads once every use of `slip.name` reads `slip.meant`."""
    lines = cell.source.text.split("\n")
    for span in sorted(slip.spans, reverse=True):  # from the end: earlier columns stay put
        line = lines[span.line - 1]
        lines[span.line - 1] = line[: span.column - 1] + slip.meant + line[span.end_column - 1 :]
    # The cell alone, at its own lines: the other cells of the text play no part.
    text = "\n" * (cell.span.line - 1) + "\n".join(lines[cell.span.line - 1 : cell.span.end_line])
    try:
        [again] = syntax.parse(ir.Document(cell.source.filename, text))
        shapes.infer(resolve(again))
    except SymcountError:
        return False
    return True


def _text(text: object, filename: str) -> str:
    """Spec text as a str: bytes are decoded as a file's are (invalid UTF-8 is located)."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        return sources.decode(bytes(text), filename)
    raise TypeError(f"the cell text must be str or bytes, not {type(text).__name__}")


def load(path: str | os.PathLike) -> Cells:
    """Every cell in a `.cell` file, as a `Cells` list.

    >>> import symcount, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ind.cell"
    >>> _ = path.write_text("cell ind(m, n)\\n input x : m\\n state h : n\\n"
    ...                     "h' = relu(W @ x + u * h + b)\\nend\\n")
    >>> symcount.load(path)[0].factored
    n*(m + 2)
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as e:
        raise SymcountError(f"cannot read the file: {e.strerror}", Location(path)) from None
    return loads(sources.decode(data, path), filename=path)


def builtin(name: str) -> Cell | Model:
    """A built-in cell or model by name (`symcount list` shows them), as `gru` or
    as `builtin:gru`, the spelling of `cell.source`.

    >>> import symcount
    >>> symcount.builtin("gru").factored
    3*n*(m + n + 1)
    """
    text = sources.builtin_text(name)
    name = sources.builtin_name(name)
    return _named(loads(text, filename=sources.BUILTIN_PREFIX + name), name)


def _named(definitions: Cells, name: str) -> Cells | Cell | Model:
    """The definition of a built-in's file that the file is named after (a model's
    file holds the blocks it uses too)."""
    return next((d for d in definitions if d.name == name), definitions[0])


def read_source(spec: str) -> Cells:
    """A command-line SOURCE (path, `-` or built-in name) → its cells."""
    filename, text = sources.read(spec)
    definitions = loads(text, filename=filename)
    if filename.startswith(sources.BUILTIN_PREFIX):
        return Cells([_named(definitions, sources.builtin_name(filename))])
    return definitions


def format_text(text: str, filename: str = "<string>") -> str:
    """The cells of a spec text in canonical form, as `symcount fmt` prints them.

    Only the syntax is checked (a cell with a size mismatch still formats);
    comments are kept beside what they were written with.

    >>> import symcount
    >>> print(symcount.format_text("cell c(n) # recurrent\\nstate h:n\\nh'=U@h+b\\nend"), end="")
    cell c(n)  # recurrent
        state h : n
    <BLANKLINE>
        h' = U @ h + b
    end
    """
    from ..render.cellfmt import format_cells
    from ..syntax.comments import comments

    return format_cells(syntax.parse(ir.Document(filename, text)), comments(text))
