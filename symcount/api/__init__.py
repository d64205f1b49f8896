"""The Python API, a face on the pipeline: `loads`, `load`, `builtin` and the
`Cell` and `Stack` they return (docs/api.md)."""

from .cell import Cell, Cells, Param, Stack, StackParam
from .model import Model
from .reading import builtin, format_text, load, loads, read_source

__all__ = [
    "Cell", "Cells", "Model", "Param", "Stack", "StackParam",
    "builtin", "format_text", "load", "loads", "read_source",
]
