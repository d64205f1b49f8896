"""The one home of garbage-collector handling: paused while a cell is derived,
counted and costed, and the command's heavy imports frozen out of its sight.

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


def frozen_imports(load):
    """`load()` (an import of the pipeline) with the collector paused, then frozen.

    The imports make some 300,000 objects that live until the command exits.
    The cyclic garbage collector's passes over them, during the imports and
    at every full collection after, cost `symcount count` about 150 ms, a
    quarter of its time; so they are made with the collector paused, then
    frozen out of its sight.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return load()
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
