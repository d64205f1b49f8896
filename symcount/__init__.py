"""symcount: closed-form trainable-parameter counts for recurrent cells.

>>> import symcount
>>> symcount.builtin("lstm").count
4*m*n + 4*n**2 + 4*n
"""

__version__ = "0.1.0"
__all__ = ["Cell", "Cells", "Model", "Param", "SymcountError", "builtin", "builtins", "format_text", "load", "loads"]

# The public names are loaded on first use so that `import symcount` (and so
# `symcount --help`) does not pay for sympy and lark; nor even for dataclasses,
# so that the command's Ctrl-C handling (__main__) starts before any import.
_LAZY = {
    "SymcountError": "errors",
    "loads": "api",
    "load": "api",
    "builtin": "api",
    "format_text": "api",
    "Cell": "api",
    "Cells": "api",
    "Model": "api",
    "Param": "api",
}


def __getattr__(name: str):
    if name == "builtins":
        from .sources import builtin_names

        return builtin_names
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'symcount' has no attribute {name!r}")
