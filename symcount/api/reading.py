"""The library entry points: text, file or built-in name → derived `Cell`s.

This is where the pipeline's stages are chained: parse → resolve names →
infer shapes → `Cell` (which counts on demand).
"""

from __future__ import annotations

import os

from .. import gcpause, ir, shapes, sources, syntax
from ..errors import Location, SymcountError
from ..resolve import lint
from ..resolve.names import resolve
from .cell import Cell


@gcpause.paused  # derivation: one of the two stages run with the collector paused
def loads(text: str | bytes, filename: str = "<string>") -> list[Cell]:
    """Every cell in a spec text: a str, or bytes in UTF-8 (as a file is read).

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
    cells = []
    seen: dict[str, ir.CellDef] = {}
    for ir_cell in syntax.parse(source):
        if ir_cell.name in seen:
            raise source.error(
                f"cell '{ir_cell.name}' is defined twice in this input",
                ir_cell.name_span,
                ("first defined here", seen[ir_cell.name].name_span),
            )
        seen[ir_cell.name] = ir_cell
        scope = resolve(ir_cell)
        scope.warnings = lint.warnings(scope)
        cells.append(Cell(ir_cell, scope, shapes.infer(scope)))
    return cells


def _text(text: object, filename: str) -> str:
    """Spec text as a str: bytes are decoded as a file's are (invalid UTF-8 is located)."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray, memoryview)):
        return sources.decode(bytes(text), filename)
    raise TypeError(f"the cell text must be str or bytes, not {type(text).__name__}")


def load(path: str | os.PathLike) -> list[Cell]:
    """Every cell in a `.cell` file.

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


def builtin(name: str) -> Cell:
    """A built-in cell by name (`symcount list` shows them), as `gru` or as
    `builtin:gru`, the spelling of `cell.source`.

    >>> import symcount
    >>> symcount.builtin("gru").factored
    3*n*(m + n + 1)
    """
    text = sources.builtin_text(name)
    return loads(text, filename=sources.BUILTIN_PREFIX + sources.builtin_name(name))[0]


def read_source(spec: str) -> list[Cell]:
    """A command-line SOURCE (path, `-` or built-in name) → its cells."""
    filename, text = sources.read(spec)
    return loads(text, filename=filename)


def format_text(text: str, filename: str = "<string>") -> str:
    """The cells of a spec text in canonical form, as `symcount fmt` prints them.

    Only the syntax is checked (a cell with a size mismatch still formats);
    comments are dropped.

    >>> import symcount
    >>> print(symcount.format_text("cell c(n) # recurrent\\nstate h:n\\nh'=U@h+b\\nend"), end="")
    cell c(n)
        state h : n
    <BLANKLINE>
        h' = U @ h + b
    end
    """
    from ..render.cellfmt import format_cells

    return format_cells(syntax.parse(ir.Document(filename, text)))


def format_source(spec: str) -> str:
    """A command-line SOURCE (path, `-` or built-in name) in canonical form."""
    filename, text = sources.read(spec)
    return format_text(text, filename=filename)
