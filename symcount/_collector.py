"""Pausing CPython's cyclic garbage collector while a large cell is derived.

Deriving a cell of thousands of gates makes hundreds of thousands of small
objects (IR nodes, sizes, sympy terms) that all stay alive and form no
cycles. The collector would scan all of them again at every full collection,
which took a third of the time for a cell of 5,000 gates. Cycles that other
code makes meanwhile are collected as usual once it resumes.
"""

from __future__ import annotations

import functools
import gc


def paused(function):
    """Decorate `function` to run with the cyclic garbage collector paused."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        if not gc.isenabled():  # already paused, by a caller or by the program
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return run
