"""Name resolution, the stage after the syntax: what every name in a cell is.

- `scope`: `Scope`, the resolved names of one cell, which every later stage reads;
- `names`: `resolve`, the naming rules of the language (docs/language.md);
- `calls`: every call's arguments, and the cell's own `def`s, checked and inlined;
- `overrides`: `latex NAME "..."` checked;
- `lint`: the warnings, slips that are legal (docs/errors.md).
"""

from .names import resolve
from .scope import ErrorFactory, Scope

__all__ = ["ErrorFactory", "Scope", "resolve"]
